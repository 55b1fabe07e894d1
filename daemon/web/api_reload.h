/* Reloading the configuration (docs/DESIGN.md "Reloading the
 * configuration"): POST /api/v1/reload, and the swap of the config that
 * every request reads. A request holds the api's config lock for reading
 * from its authorization to its answer; a reload takes it for writing, so
 * no handler reads a config that is swapped or freed under it. */
#ifndef BONOMAT_API_RELOAD_H
#define BONOMAT_API_RELOAD_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct api;
struct ctx;
struct api_response;
struct printers;

#define API_RELOAD_RESTART_MAX 16 /* restart-only keys named in an answer */

/* What a reload did: on success the keys that keep their running value
 * until a restart; on failure why ("FILE:LINE: message", or a refusal). */
struct api_reload_result {
	char message[CONFIG_ERR_MAX];
	char restart[API_RELOAD_RESTART_MAX][48];
	size_t n_restart;
};

/* The daemon's reload: re-reads its config file and calls
 * api_reconfigure(). 0; -EINVAL for a file with an error, -EBUSY for a
 * config the office refuses, another negative errno otherwise. */
typedef int (*api_reload_fn)(void *userdata, struct api_reload_result *ret);

/* With a reload function, POST /api/v1/reload calls it; without, 404. */
void api_set_reload(struct api *a, api_reload_fn fn, void *userdata);

/* Puts nc (and the printer pool p) in force for the office and every
 * request: waits for the requests in progress, swaps under the office
 * lock, and tells the pages with a `config` event. nc must stay alive
 * until the next reload has returned. On a refusal (-EBUSY: tickets would
 * lose their service or counter) nothing changes and message says why.
 * One reload at a time: the caller serializes them. */
int api_reconfigure(struct api *a, const struct config *nc,
		    struct printers *p, int64_t now, char *message,
		    size_t len);

/* The generation of the config in force: 0 at start, +1 per reload. A
 * printer pool started for a reload belongs to the next one. */
unsigned int api_config_generation(struct api *a);

/* The config lock around a request or a callback from another thread. */
void api_config_read(struct api *a);
void api_config_done(struct api *a);

/* Time passes, every few seconds from the main thread: the office closes
 * the day (office_tick) and the alerts are checked (api_check_alerts),
 * under the config lock, as both read the config. */
void api_tick(struct api *a, int64_t now);

/* POST /api/v1/reload (runs without the config lock held). */
void api_reload_handle(struct ctx *c, struct api_response *ret);

#endif
