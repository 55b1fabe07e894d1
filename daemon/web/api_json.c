#include "api_json.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hours.h"
#include "printers.h"
#include "ticket.h"

const char *api_service_id(const struct config *cfg, int i)
{
	if (i < 0 || (size_t)i >= cfg->n_services)
		return NULL;
	return cfg->services[i].id;
}

const char *api_counter_id(const struct config *cfg, int i)
{
	if (i < 0 || (size_t)i >= cfg->n_counters)
		return NULL;
	return cfg->counters[i].id;
}

json_t *api_json_int_or_null(int v)
{
	return v < 0 ? json_null() : json_integer(v);
}

json_t *api_json_service(const struct config *cfg, size_t i,
			 const struct office_service_view *v)
{
	const struct cfg_service *s = &cfg->services[i];

	json_t *o;

	/* clang-format off */
	o = json_pack("{s:s,s:s,s:s?,s:s?,s:s,s:s?,s:s?,s:I,s:o}",
			 "id", s->id, "name", s->name,
			 "name_en", s->name_en,
			 "prefix", s->info ? NULL : s->prefix,
			 "kind", s->info ? "info" : "ticket",
			 "info", s->info,
			 "info_en", s->info ? s->info_en : NULL,
			 "waiting", (json_int_t)v->waiting,
			 "est_wait_min", api_json_int_or_null(v->est_wait_min));
	/* clang-format on */
	if (o && api_json_admission(o, v) < 0) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

int api_json_time_or_null(json_t *o, const char *key, int64_t t)
{
	char s[32];

	if (!t)
		return json_object_set_new(o, key, json_null());
	hours_rfc3339(t, s);
	return json_object_set_new(o, key, json_string(s));
}

int api_json_admission(json_t *o, const struct office_service_view *v)
{
	const char *why = office_closed_reason_name(v->closed_reason);

	if (json_object_set_new(o, "open", json_boolean(v->open)) ||
	    json_object_set_new(o, "closed_reason",
				why ? json_string(why) : json_null()) ||
	    json_object_set_new(o, "priority_open",
				json_boolean(v->priority_open)) ||
	    api_json_time_or_null(o, "opens_at", v->open ? 0 : v->opens_at))
		return -1;
	return 0;
}

json_t *api_json_ticket(const struct config *cfg, const struct ticket *t)
{
	char issued[32], called[32];
	json_t *o;

	hours_rfc3339(t->issued_at, issued);
	/* clang-format off */
	o = json_pack("{s:I,s:s%,s:s?,s:s,s:s,s:s,s:i,s:o,s:s,s:s?,s:b}",
		      "id", (json_int_t)t->id,
		      "number", t->number,
		      strnlen(t->number, sizeof(t->number)),
		      "service", api_service_id(cfg, t->service),
		      "kind", ticket_kind_name(t->kind),
		      "state", ticket_state_name(t->state),
		      "issued_at", issued,
		      "ahead", t->ahead,
		      "est_wait_min", api_json_int_or_null(t->est_wait_min),
		      "printed", print_state_name(t->printed),
		      "counter", api_counter_id(cfg, t->counter),
		      "late", (int)t->late);
	/* clang-format on */
	if (!o)
		return NULL;
	/* The wait told when it was issued (walk-in and priority tickets),
	 * and the token of the citizen's address (staff routes only). */
	if (json_object_set_new(o, "estimate_min",
				api_json_int_or_null(t->estimate_min)) ||
	    json_object_set_new(o, "token",
				t->token[0] ? json_string(t->token) :
					      json_null())) {
		json_decref(o);
		return NULL;
	}
	if (t->reason != REASON_NONE &&
	    json_object_set_new(o, "reason",
				json_string(call_reason_name(t->reason)))) {
		json_decref(o);
		return NULL;
	}
	if (t->called_at != 0) {
		hours_rfc3339(t->called_at, called);
		if (json_object_set_new(o, "called_at", json_string(called))) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

json_t *api_json_counter(const struct config *cfg, int counter,
			 const struct office_counter_view *v)
{
	const struct cfg_counter *cc = &cfg->counters[counter];
	json_t *services = json_array(), *waiting = json_array(), *cur;
	json_t *returnable = json_array();

	if (!services || !waiting || !returnable)
		goto fail;
	for (size_t i = 0; i < cfg->n_services && i < 64; i++) {
		if (!(v->services & (UINT64_C(1) << i)))
			continue;
		if (json_array_append_new(services,
					  json_string(cfg->services[i].id)))
			goto fail;
	}
	for (size_t i = 0; i < v->n_waiting; i++) {
		if (json_array_append_new(waiting,
					  api_json_ticket(cfg, &v->waiting[i])))
			goto fail;
	}
	/* No-shows that may come back, each with its last moment. */
	for (size_t i = 0; i < v->n_returnable; i++) {
		const struct ticket *t = &v->returnable[i];
		json_t *item = api_json_ticket(cfg, t);

		if (!item || api_json_time_or_null(
				     item, "return_until",
				     t->finished_at +
					     (int64_t)cfg->policy.return_window *
						     60) < 0) {
			json_decref(item);
			goto fail;
		}
		if (json_array_append_new(returnable, item))
			goto fail;
	}
	cur = v->has_current ? api_json_ticket(cfg, &v->current) : json_null();
	/* clang-format off */
	return json_pack("{s:s,s:s,s:o,s:b,s:o,s:o,s:I,s:o}",
			 "id", cc->id, "name", cc->name,
			 "services", services, "paused", (int)v->paused,
			 "current", cur, "waiting", waiting,
			 "waiting_total", (json_int_t)v->waiting_total,
			 "returnable", returnable);
	/* clang-format on */
fail:
	json_decref(services);
	json_decref(waiting);
	json_decref(returnable);
	return NULL;
}

json_t *api_json_printer_state(const struct config *cfg, size_t i,
			       const struct printer_status *st)
{
	const struct cfg_printer *p = &cfg->printers[i];
	json_t *kiosks = json_array(), *o;

	/* The kiosks it prints for: a kiosk page warns about its own. */
	for (size_t k = 0; kiosks && k < cfg->n_kiosks; k++) {
		if (cfg->kiosks[k].printer == (int)i &&
		    json_array_append_new(kiosks,
					  json_string(cfg->kiosks[k].id))) {
			json_decref(kiosks);
			kiosks = NULL;
		}
	}
	if (!kiosks)
		return NULL;
	/* clang-format off */
	o = json_pack("{s:s, s:s?, s:o, s:s, s:s, s:s}", "name", p->name,
		      "location", p->location, "kiosks", kiosks,
		      "driver", printer_driver_name(p->driver),
		      "state", printer_state_name(st->state),
		      "detail", st->detail);
	/* clang-format on */
	return o;
}

json_t *api_json_printer(const struct config *cfg, struct printers *printers,
			 size_t i)
{
	struct printer_status st = {.state = PRINTER_OK};

	if (cfg->printers[i].driver == DRIVER_NONE)
		snprintf(st.detail, sizeof(st.detail), "no printer");
	else if (!printers || printers_status(printers, (int)i, &st) < 0)
		st = (struct printer_status){.state = PRINTER_UNKNOWN,
					     .detail = "not supervised"};
	return api_json_printer_state(cfg, i, &st);
}
