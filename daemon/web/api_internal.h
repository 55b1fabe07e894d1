/* What the parts of the API share behind api.h: the api itself and the
 * context a route's handler is called with. For daemon/web only. */
#ifndef BONOMAT_API_INTERNAL_H
#define BONOMAT_API_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api.h"

#define API_ID_MAX 31 /* service, kiosk and counter ids in bodies */
#define PARAM_MAX 64  /* a path segment captured by a route */
#define PARAMS_MAX 2
/* The most tickets one GET /api/v1/tickets answers (a page). */
#define TICKETS_PAGE_MAX 1000

struct addr16 {
	unsigned char b[16];
};

struct api {
	const struct config *cfg;
	struct office *office;
	struct printers *printers; /* NULL: no printing */
	api_advance_fn advance;    /* NULL: no test clock */
	void *advance_data;
	struct events *events;     /* NULL: no live events */
	struct stats *stats;       /* NULL: no statistics (503) */
	api_clock_fn clock;
	void *clock_data;
	struct addr16 *kiosk_clients;
	size_t n_kiosk_clients;
	size_t *token_len; /* of each counter's token, 0 when none */
	size_t admin_len;
	size_t *supervisor_len; /* of each supervisor's token */
	/* api_supervisor.c: the floor's alerts, under alerts_lock. */
	struct alerts *alerts;
	pthread_mutex_t alerts_lock;
	bool alerts_lock_ok;
	int64_t *printer_down_since; /* per printer, 0 while ok */
};

/* One request on its way through a route's handler. */
struct ctx {
	struct api *a;
	const struct api_request *req;
	int64_t now;
	char param[PARAMS_MAX][PARAM_MAX];
	int counter; /* AUTH_COUNTER routes: index of param[0] */
	int supervisor; /* whose token it was, -1 when no supervisor's */
};

/* api.c: a ticket id in a path (decimal, 1 to INT64_MAX), and the
 * counter c->counter as GET /api/v1/counters/{id} answers it. */
int api_parse_id(const char *s, int64_t *ret);
void api_render_counter(struct ctx *c, struct api_response *ret);

#endif
