/* The floor manager's routes (docs/API.md, "Supervision"): the snapshot
 * GET /api/v1/supervisor, cancelling a waiting ticket, a counter's
 * services for the rest of the day; and the alerts, checked every few
 * seconds, published as `alert` events and counted in /metrics. */
#ifndef BONOMAT_API_SUPERVISOR_H
#define BONOMAT_API_SUPERVISOR_H

#include <stdint.h>

#include "api_response.h"

struct api;
struct ctx;

/* The alerts' state of a (see api_new and api_free). */
int api_alerts_init(struct api *a);
void api_alerts_free(struct api *a);

void api_supervisor_view(struct ctx *c, struct api_response *ret);
void api_supervisor_cancel(struct ctx *c, struct api_response *ret);
void api_supervisor_services(struct ctx *c, struct api_response *ret);
/* Appends the alerts' metrics to the Prometheus text of a 200 in ret. */
void api_alerts_metrics(struct api *a, struct api_response *ret);

#endif
