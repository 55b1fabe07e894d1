/* Text messages through the API: POST /api/v1/tickets/{id}/phone (the
 * kiosk gives a citizen's mobile number, with consent) and the SMS lines
 * of GET /metrics. api.c routes and authorizes; these answer. */
#ifndef BONOMAT_API_SMS_H
#define BONOMAT_API_SMS_H

#include "api_response.h"
#include "config.h"

struct ctx;
struct sms;

void api_sms_phone(struct ctx *c, struct api_response *ret);
/* Appends the worker's counters (s may be NULL: all 0) to a 200 answer
 * of /metrics, each series with cfg's office label; leaves any other
 * answer alone. */
void api_sms_metrics(const struct config *cfg, struct sms *s,
		     struct api_response *ret);

#endif
