#include "api_events.h"

#include <jansson.h>
#include <stdlib.h>

#include "api_internal.h"
#include "api_json.h"
#include "api_response.h"
#include "events.h"
#include "hours.h"
#include "log.h"
#include "printers.h"

/* Hands v (consumed) to the ring as an event of type. */
static void publish(struct api *a, const char *type, json_t *v)
{
	char *data = NULL;
	size_t len;

	if (api_dump(v, &data, &len) == 0)
		events_publish(a->events, type, data);
	else
		log_err("events: cannot render a %s event", type);
	free(data);
}

bool api_printer_changed(struct api *a, unsigned int generation,
			 int printer, const struct printer_status *st)
{
	const struct cfg_printer *p;
	bool taken = false;

	api_config_read(a);
	/* A pool that a reload replaced reports until it has stopped; its
	 * indexes are not those of the config in force. */
	if (generation != a->generation || printer < 0 ||
	    (size_t)printer >= a->cfg->n_printers)
		goto out;
	p = &a->cfg->printers[printer];
	if (st->state == PRINTER_OK || st->state == PRINTER_UNKNOWN)
		log_info("printer %s (%s): %s, %s", p->name,
			 printer_driver_name(p->driver),
			 printer_state_name(st->state), st->detail);
	else
		log_warn("printer %s (%s): %s, %s", p->name,
			 printer_driver_name(p->driver),
			 printer_state_name(st->state), st->detail);
	if (a->events)
		publish(a, "printer",
			api_json_printer_state(a->cfg, (size_t)printer, st));
	taken = true;
out:
	api_config_done(a);
	return taken;
}

void api_events_greet(void *userdata, events_emit_fn emit, void *emit_data)
{
	struct api *a = userdata;
	char *data;
	size_t len;

	api_config_read(a);
	for (size_t i = 0; i < a->cfg->n_printers; i++) {
		json_t *v = api_json_printer(a->cfg, a->printers, i);
		if (api_dump(v, &data, &len) < 0)
			continue;
		(void)emit(emit_data, "printer", data);
		free(data);
	}
	api_config_done(a);
}

void api_office_event(void *userdata, const struct office_event *ev)
{
	struct api *a = userdata;
	const struct config *cfg;
	char at[32];

	if (ev->type == OFFICE_EVENT_CONFIG)
		api_reload_apply(a, ev->config);
	cfg = a->cfg;
	if (!a->events)
		return;
	hours_rfc3339(ev->at, at);
	if (ev->type == OFFICE_EVENT_CONFIG) {
		publish(a, "config", json_pack("{s:s}", "at", at));
		return;
	}
	if (ev->type == OFFICE_EVENT_QUEUE) {
		json_t *list = json_array();
		for (size_t i = 0; list && i < ev->n_services; i++) {
			const struct office_service_view *v = &ev->services[i];
			json_t *item;

			if (cfg->services[i].info)
				continue;
			item = json_pack("{s:s, s:I, s:o}", "id",
					 cfg->services[i].id, "waiting",
					 (json_int_t)v->waiting, "est_wait_min",
					 api_json_int_or_null(v->est_wait_min));
			if (item && api_json_admission(item, v) < 0) {
				json_decref(item);
				item = NULL;
			}
			if (json_array_append_new(list, item) < 0) {
				json_decref(list);
				list = NULL;
			}
		}
		publish(a, "queue",
			json_pack("{s:o?, s:s}", "services", list, "at", at));
		return;
	}
	if (ev->type == OFFICE_EVENT_COUNTER) {
		publish(a, "counter",
			json_pack("{s:s?, s:s}", "counter",
				  api_counter_id(cfg, ev->counter), "at", at));
		return;
	}
	const struct ticket *t = ev->ticket;
	publish(a, ev->type == OFFICE_EVENT_CALLED ? "called" : "recalled",
		json_pack("{s:I, s:s, s:s?, s:s?, s:s?, s:s, s:I}", "ticket",
			  (json_int_t)t->id, "number", t->number, "service",
			  api_service_id(a->cfg, t->service), "counter",
			  api_counter_id(a->cfg, t->counter), "counter_name",
			  t->counter >= 0 ? cfg->counters[t->counter].name :
					    NULL,
			  "at", at, "seq", (json_int_t)ev->seq));
}
