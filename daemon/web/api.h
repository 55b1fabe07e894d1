/* The HTTP API of docs/API.md as a function from request to response, with no
 * knowledge of sockets: http.c feeds it, tests and fuzzers call it.
 *
 * api.c routes a request to its handler (tickets, counters, display,
 * printers, test clock). Below it: api_auth (who may call a route),
 * api_bookings (check-in, appointments), api_stats (statistics, metrics),
 * api_events (live events), api_reload (the reload and the config
 * lock), api_body (strict bodies), api_json (the shapes of docs/API.md)
 * and api_response (the request, the answer, errors). */
#ifndef BONOMAT_API_H
#define BONOMAT_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api_events.h"   /* live events: api_office_event, ... */
#include "api_response.h" /* the request, the response, api_error */
#include "api_limits.h"	  /* API_BODY_MAX */
#include "config.h"
#include "office.h"

/* Longest bearer token accepted: the config's limit for its tokens. */
#define API_TOKEN_MAX CONFIG_TOKEN_MAX

typedef int64_t (*api_clock_fn)(void *userdata);
/* Moves a test clock forward by seconds; returns the new time. */
typedef int64_t (*api_advance_fn)(void *userdata, int64_t seconds);

struct api;
struct events;
struct printers;
struct sms;
struct stats;

int api_new(const struct config *cfg, struct office *office,
	    api_clock_fn clock, void *clock_data, struct api **ret);
void api_free(struct api *a);
/* Optional parts, set before serving: the printers behind
 * GET /api/v1/printers, and the ring that live events are published to. */
void api_set_printers(struct api *a, struct printers *p);
/* The SMS worker, for /metrics; NULL (the default): none. */
void api_set_sms(struct api *a, struct sms *s);
void api_set_events(struct api *a, struct events *e);
/* The statistics behind GET /api/v1/stats and GET /metrics. */
void api_set_stats(struct api *a, struct stats *s);
/* With a test clock, POST /api/v1/test/clock moves it; without, it is 404. */
void api_set_test_clock(struct api *a, api_advance_fn advance,
			void *userdata);
/* Looks at the floor at now and raises or clears the alerts (docs/API.md,
 * "Alerts"); called every few seconds, with the config lock held (a
 * request, or api_tick). */
void api_check_alerts(struct api *a, int64_t now);
/* Whether path is an API path (the rest is static files). */
int api_handles(const char *path);
void api_handle(struct api *a, const struct api_request *req,
		struct api_response *ret);
/* Compares two tokens in time that depends on neither content nor on
 * where they differ: every byte up to API_TOKEN_MAX is looked at. Lengths
 * over API_TOKEN_MAX never compare equal. */
bool api_token_equal(const char *a, size_t a_len, const char *b, size_t b_len);

#endif
