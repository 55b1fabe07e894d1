/* Bookings through the API: POST /api/v1/checkins (a booking code turned
 * into a ticket) and POST /api/v1/appointments (an import, every item
 * checked before any is stored). api.c routes and authorizes; these
 * answer. */
#ifndef BONOMAT_API_BOOKINGS_H
#define BONOMAT_API_BOOKINGS_H

#include "api_response.h"

struct ctx;

void api_bookings_checkin(struct ctx *c, struct api_response *ret);
void api_bookings_import(struct ctx *c, struct api_response *ret);

#endif
