/* What the parts of the API share behind api.h: the api itself and the
 * context a route's handler is called with. For daemon/web only. */
#ifndef BONOMAT_API_INTERNAL_H
#define BONOMAT_API_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api.h"
#include "api_reload.h"

#define API_ID_MAX 31 /* service, kiosk and counter ids in bodies */
#define PARAM_MAX 64  /* a path segment captured by a route */
#define PARAMS_MAX 2
/* The most tickets one GET /api/v1/tickets answers (a page). */
#define TICKETS_PAGE_MAX 1000

struct addr16 {
	unsigned char b[16];
};

/* The api's arrays indexed by a config's counters, supervisors or
 * printers, in force or prepared by a reload. They are allocated in one
 * place (api_arrays_new) and carried over by name across a reload
 * (api_reconfigure): an array added here follows the config it indexes. */
struct api_arrays {
	size_t *token_len; /* of each counter's token, 0 when none */
	size_t admin_len;
	size_t *supervisor_len; /* of each supervisor's token */
	/* Per printer: since when it is not ok, 0 while ok; alerts_lock. */
	int64_t *printer_down_since;
};

struct api {
	/* Read by a request (api_handle) or a callback from another
	 * thread; written by a reload, which swaps cfg, arrays and
	 * printers. */
	pthread_rwlock_t cfg_lock;
	unsigned int generation; /* of cfg: +1 per reload */
	const struct config *cfg;
	struct office *office;
	struct printers *printers; /* NULL: no printing */
	api_advance_fn advance;    /* NULL: no test clock */
	void *advance_data;
	struct events *events;     /* NULL: no live events */
	struct stats *stats;       /* NULL: no statistics (503) */
	struct sms *sms;           /* NULL: no text messages */
	api_clock_fn clock;
	void *clock_data;
	struct addr16 *kiosk_clients;
	size_t n_kiosk_clients;
	/* api_supervisor.c: the floor's alerts, under alerts_lock. */
	struct alerts *alerts;
	pthread_mutex_t alerts_lock;
	bool alerts_lock_ok;
	struct api_arrays arrays;
	/* A reload: the function, and what it brings while it swaps. */
	api_reload_fn reload;
	void *reload_data;
	const struct config *pending_cfg;
	struct printers *pending_printers;
	struct api_arrays pending_arrays;
	struct api_misses *misses; /* unknown ticket tokens per address */
	/* GET /api/v1/services as last rendered, for which version and
	 * config (generation): kiosks and displays ask it far more often
	 * than it changes. */
	pthread_mutex_t services_lock;
	struct office_version services_version;
	unsigned int services_generation;
	char *services_body;
	size_t services_len;
};

/* api.c: the arrays of cfg (-EINVAL for a token over API_TOKEN_MAX). */
int api_arrays_new(const struct config *cfg, struct api_arrays *ret);
void api_arrays_free(struct api_arrays *k);
/* api_reload.c: OFFICE_EVENT_CONFIG puts the prepared reload in force. */
void api_reload_apply(struct api *a, const struct config *nc);

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
