#include "api_reload.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_body.h"
#include "api_internal.h"
#include "api_response.h"
#include "log.h"
#include "office.h"
#include "stats.h"

void api_set_reload(struct api *a, api_reload_fn fn, void *userdata)
{
	a->reload = fn;
	a->reload_data = userdata;
}

void api_config_read(struct api *a)
{
	pthread_rwlock_rdlock(&a->cfg_lock);
}

void api_config_done(struct api *a)
{
	pthread_rwlock_unlock(&a->cfg_lock);
}

void api_tick(struct api *a, int64_t now)
{
	api_config_read(a);
	(void)office_tick(a->office, now);
	api_check_alerts(a, now);
	api_config_done(a);
}

unsigned int api_config_generation(struct api *a)
{
	unsigned int g;

	api_config_read(a);
	g = a->generation;
	api_config_done(a);
	return g;
}

/* The office's OFFICE_EVENT_CONFIG, under the office lock and the config
 * lock held for writing: what the reload prepared goes in force. */
void api_reload_apply(struct api *a, const struct config *nc)
{
	struct api_arrays old = a->arrays;

	if (nc != a->pending_cfg) {
		log_err("reload: the office put an unexpected config in force");
		return;
	}
	a->arrays = a->pending_arrays;
	a->pending_arrays = old;
	a->cfg = nc;
	a->printers = a->pending_printers;
	a->generation++;
}

/* What the arrays hold beyond the config, from the running config to nc,
 * by name (under the config lock held for writing). */
static void carry(const struct api *a, const struct config *nc,
		  struct api_arrays *ret)
{
	for (size_t i = 0; i < nc->n_printers; i++) {
		int j = config_printer_index(a->cfg, nc->printers[i].name);

		if (j >= 0)
			ret->printer_down_since[i] =
				a->arrays.printer_down_since[j];
	}
}

int api_reconfigure(struct api *a, const struct config *nc,
		    struct printers *p, int64_t now, char *message,
		    size_t len)
{
	struct office_error err;
	struct api_arrays arrays;
	int r;

	r = api_arrays_new(nc, &arrays);
	if (r < 0) {
		snprintf(message, len, "%s",
			 r == -ENOMEM ? "out of memory" : "a token is too long");
		return r;
	}
	memset(&err, 0, sizeof(err));
	pthread_rwlock_wrlock(&a->cfg_lock);
	carry(a, nc, &arrays);
	a->pending_arrays = arrays;
	a->pending_cfg = nc;
	a->pending_printers = p;
	r = office_reconfigure(a->office, nc, p, now, &err);
	if (r == 0)
		stats_set_config(a->stats, nc);
	a->pending_cfg = NULL;
	a->pending_printers = NULL;
	/* The arrays not in force: the old ones, or the refused ones. */
	api_arrays_free(&a->pending_arrays);
	pthread_rwlock_unlock(&a->cfg_lock);
	if (r < 0) {
		snprintf(message, len, "%s", err.message);
		return err.status == OFFICE_CONFLICT ? -EBUSY : r;
	}
	return 0;
}

void api_reload_handle(struct ctx *c, struct api_response *ret)
{
	struct api_reload_result res;
	json_t *keys;
	int r;

	if (api_body_none(c->req, ret) < 0)
		return;
	if (!c->a->reload) {
		api_error(ret, 404, "not_found",
			  "This daemon cannot reload its configuration.");
		return;
	}
	memset(&res, 0, sizeof(res));
	r = c->a->reload(c->a->reload_data, &res);
	if (r == -EINVAL) {
		api_errorf(ret, 422, "invalid_config",
			   "The configuration was not reloaded: %s",
			   res.message);
		return;
	}
	if (r == -EBUSY) {
		api_errorf(ret, 409, "conflict",
			   "The configuration was not reloaded: %s",
			   res.message);
		return;
	}
	if (r < 0) {
		api_internal(c->req, ret, res.message[0] ? res.message :
							   "the reload failed");
		return;
	}
	keys = json_array();
	for (size_t i = 0; keys && i < res.n_restart; i++)
		if (json_array_append_new(keys, json_string(res.restart[i])))
			break;
	api_respond(c->req, ret, 200,
		    json_pack("{s:s, s:o?}", "status", "reloaded",
			      "restart_required", keys));
}
