#include "api_supervisor.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts.h"
#include "api.h"
#include "api_body.h"
#include "api_internal.h"
#include "api_json.h"
#include "api_stats.h"
#include "buf.h"
#include "hours.h"
#include "log.h"
#include "printers.h"

#define REASON_MAX 200

int api_alerts_init(struct api *a)
{
	int r = alerts_new(&a->alerts);

	if (r < 0)
		return r;
	r = pthread_mutex_init(&a->alerts_lock, NULL);
	if (r != 0)
		return -r;
	a->alerts_lock_ok = true;
	return 0;
}

void api_alerts_free(struct api *a)
{
	alerts_free(a->alerts);
	if (a->alerts_lock_ok)
		pthread_mutex_destroy(&a->alerts_lock);
}

/* --- alerts ------------------------------------------------------------ */

static json_t *json_alert(const struct alert *x)
{
	json_t *o = json_pack("{s:s, s:s, s:s}", "kind",
			      alert_kind_name(x->kind), "subject", x->subject,
			      "message", x->message);

	if (o && (api_json_time_or_null(o, "since", x->since) < 0 ||
		  api_json_time_or_null(o, "raised_at", x->raised_at) < 0)) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

/* Each alert is said once in the log and once on the event stream. */
static void on_alert(void *userdata, const struct alert *x, bool raised,
		     int64_t now)
{
	struct api *a = userdata;
	json_t *o;
	char *data = NULL;
	size_t len;

	if (raised)
		log_warn("alert raised: %s %s: %s", alert_kind_name(x->kind),
			 x->subject, x->message);
	else
		log_info("alert cleared: %s %s", alert_kind_name(x->kind),
			 x->subject);
	if (!a->events)
		return;
	o = json_alert(x);
	if (o && (json_object_set_new(o, "state",
				      json_string(raised ? "raised" :
							   "cleared")) < 0 ||
		  api_json_time_or_null(o, "at", now) < 0)) {
		json_decref(o);
		o = NULL;
	}
	if (api_dump(o, &data, &len) == 0)
		events_publish(a->events, "alert", data);
	else
		log_err("events: cannot render an alert event");
	free(data);
}

/* A condition with room for its words. */
struct cond {
	struct alert_cond c;
	char subject[ALERT_SUBJECT_MAX];
	char message[ALERT_MESSAGE_MAX];
};

__attribute__((format(printf, 6, 7))) static void
cond_set(struct cond *x, enum alert_kind kind, const char *subject,
	 int64_t since, int64_t after_s, const char *fmt, ...)
{
	va_list ap;

	snprintf(x->subject, sizeof(x->subject), "%s", subject);
	va_start(ap, fmt);
	vsnprintf(x->message, sizeof(x->message), fmt, ap);
	va_end(ap);
	x->c = (struct alert_cond){.kind = kind,
				   .subject = x->subject,
				   .since = since,
				   .after_s = after_s,
				   .message = x->message};
}

/* The printers not ok, each since it was first seen so. */
static size_t printer_conds(struct api *a, int64_t now, struct cond *v)
{
	const struct config *cfg = a->cfg;
	size_t n = 0;

	for (size_t i = 0; i < cfg->n_printers; i++) {
		struct printer_status st = {.state = PRINTER_OK};

		if (cfg->printers[i].driver == DRIVER_NONE || !a->printers ||
		    printers_status(a->printers, (int)i, &st) < 0 ||
		    st.state == PRINTER_OK) {
			a->arrays.printer_down_since[i] = 0;
			continue;
		}
		if (a->arrays.printer_down_since[i] == 0)
			a->arrays.printer_down_since[i] = now;
		cond_set(&v[n++], ALERT_PRINTER_DOWN, cfg->printers[i].name,
			 a->arrays.printer_down_since[i], cfg->alerts.printer_down,
			 "printer %s is %s: %s", cfg->printers[i].name,
			 printer_state_name(st.state), st.detail);
	}
	return n;
}

static size_t floor_conds(const struct config *cfg,
			  const struct office_floor *f, int64_t now,
			  struct cond *v)
{
	size_t n = 0;

	for (size_t s = 0; s < cfg->n_services; s++) {
		const struct office_floor_service *fs = &f->services[s];

		if (cfg->services[s].info || fs->oldest_walkin_at == 0)
			continue;
		cond_set(&v[n++], ALERT_MAX_WAIT, cfg->services[s].id,
			 fs->oldest_walkin_at, (int64_t)cfg->alerts.max_wait * 60,
			 "%s: ticket %s has waited %lld minutes; %zu tickets "
			 "waited over %d minutes",
			 cfg->services[s].id, fs->oldest_walkin_number,
			 (long long)((now - fs->oldest_walkin_at) / 60),
			 fs->over_max_wait, cfg->alerts.max_wait);
	}
	for (size_t i = 0; i < f->n_late; i++) {
		const struct ticket *t = &f->late[i];

		cond_set(&v[n++], ALERT_BOOKING_LATE, t->number, t->slot_start,
			 (int64_t)cfg->alerts.booking_late * 60,
			 "booking ticket %s (%s) is not called %lld minutes "
			 "after its slot start",
			 t->number, api_service_id(cfg, t->service),
			 (long long)((now - t->slot_start) / 60));
	}
	for (size_t i = 0; i < cfg->n_counters; i++) {
		const struct office_floor_counter *fc = &f->counters[i];

		if (!fc->paused || fc->paused_since == 0)
			continue;
		cond_set(&v[n++], ALERT_COUNTER_PAUSED, cfg->counters[i].id,
			 fc->paused_since,
			 (int64_t)cfg->alerts.counter_paused * 60,
			 "counter %s has been paused for %lld minutes",
			 cfg->counters[i].id,
			 (long long)((now - fc->paused_since) / 60));
	}
	return n;
}

void api_check_alerts(struct api *a, int64_t now)
{
	const struct config *cfg = a->cfg;
	struct office_floor f = {0};
	struct office_error err;
	struct alert_cond *conds = NULL;
	struct cond *v = NULL;
	size_t n = 0, max;

	if (!a->alerts || office_floor(a->office, now, &f, &err) < 0)
		return;
	max = cfg->n_services + f.n_late + cfg->n_counters + cfg->n_printers;
	v = calloc(max ? max : 1, sizeof(*v));
	conds = calloc(max ? max : 1, sizeof(*conds));
	if (!v || !conds)
		goto out;
	pthread_mutex_lock(&a->alerts_lock);
	n = floor_conds(cfg, &f, now, v);
	n += printer_conds(a, now, v + n);
	for (size_t i = 0; i < n; i++)
		conds[i] = v[i].c;
	if (alerts_update(a->alerts, conds, n, now, on_alert, a) < 0)
		log_err("alerts: out of memory");
	pthread_mutex_unlock(&a->alerts_lock);
out:
	free(conds);
	free(v);
	office_floor_clear(&f);
}

static json_t *json_alerts(struct api *a)
{
	json_t *list = json_array();
	const struct alert *v;
	size_t n;

	pthread_mutex_lock(&a->alerts_lock);
	v = alerts_active(a->alerts, &n);
	for (size_t i = 0; list && i < n; i++)
		if (json_array_append_new(list, json_alert(&v[i])) < 0) {
			json_decref(list);
			list = NULL;
		}
	pthread_mutex_unlock(&a->alerts_lock);
	return list;
}

void api_alerts_metrics(struct api *a, struct api_response *ret)
{
	size_t active[ALERT_KIND_COUNT] = {0}, n, len;
	uint64_t raised[ALERT_KIND_COUNT];
	const struct alert *v;
	struct buf b;
	char *body;

	if (ret->status != 200 || !a->alerts)
		return;
	pthread_mutex_lock(&a->alerts_lock);
	v = alerts_active(a->alerts, &n);
	for (size_t i = 0; i < n; i++)
		active[v[i].kind]++;
	for (int k = 0; k < ALERT_KIND_COUNT; k++)
		raised[k] = alerts_raised(a->alerts, (enum alert_kind)k);
	pthread_mutex_unlock(&a->alerts_lock);

	buf_init(&b, ret->body_len + 4096);
	(void)buf_add(&b, ret->body, ret->body_len);
	buf_addf(&b, "# HELP bonomat_alerts_raised_total Alerts raised since "
		     "the daemon started, by kind.\n"
		     "# TYPE bonomat_alerts_raised_total counter\n");
	for (int k = 0; k < ALERT_KIND_COUNT; k++) {
		api_metric_series(&b, a->cfg, "bonomat_alerts_raised_total");
		buf_addf(&b, ",kind=\"%s\"} %llu\n",
			 alert_kind_name((enum alert_kind)k),
			 (unsigned long long)raised[k]);
	}
	buf_addf(&b, "# HELP bonomat_alerts_active Alerts active now, by "
		     "kind.\n"
		     "# TYPE bonomat_alerts_active gauge\n");
	for (int k = 0; k < ALERT_KIND_COUNT; k++) {
		api_metric_series(&b, a->cfg, "bonomat_alerts_active");
		buf_addf(&b, ",kind=\"%s\"} %zu\n",
			 alert_kind_name((enum alert_kind)k), active[k]);
	}
	body = buf_steal(&b, &len);
	if (!body) {
		log_err("api: the alerts' metrics: out of memory");
		return;
	}
	free(ret->body);
	ret->body = body;
	ret->body_len = len;
}

/* --- GET /api/v1/supervisor -------------------------------------------- */

static json_t *json_services(const struct config *cfg,
			     const struct office_floor *f, int64_t now)
{
	json_t *list = json_array();

	for (size_t s = 0; list && s < cfg->n_services; s++) {
		const struct office_floor_service *fs = &f->services[s];
		json_t *o;

		if (cfg->services[s].info)
			continue;
		o = api_json_service(cfg, s, &fs->v);
		if (o && (json_object_set_new(
				  o, "longest_wait_min",
				  fs->oldest_at ?
					  json_integer((now - fs->oldest_at) /
						       60) :
					  json_null()) < 0 ||
			  json_object_set_new(
				  o, "longest_number",
				  fs->oldest_at ?
					  json_string(fs->oldest_number) :
					  json_null()) < 0 ||
			  json_object_set_new(
				  o, "over_max_wait",
				  json_integer((json_int_t)fs->over_max_wait)) <
				  0)) {
			json_decref(o);
			o = NULL;
		}
		if (json_array_append_new(list, o) < 0) {
			json_decref(list);
			list = NULL;
		}
	}
	return list;
}

static json_t *json_service_ids(const struct config *cfg, uint64_t mask)
{
	json_t *ids = json_array();

	for (size_t s = 0; ids && s < cfg->n_services; s++)
		if ((mask & (UINT64_C(1) << s)) &&
		    json_array_append_new(ids,
					  json_string(cfg->services[s].id)) < 0) {
			json_decref(ids);
			ids = NULL;
		}
	return ids;
}

static json_t *json_counters(const struct config *cfg,
			     const struct office_floor *f, int64_t now)
{
	json_t *list = json_array();

	for (size_t i = 0; list && i < cfg->n_counters; i++) {
		const struct office_floor_counter *fc = &f->counters[i];
		const char *state = fc->paused		? "paused" :
				    fc->has_current ? "serving" :
						      "idle";
		json_t *o;

		/* clang-format off */
		o = json_pack("{s:s, s:s, s:o, s:s, s:b, s:o, s:o, s:i}",
			      "id", cfg->counters[i].id,
			      "name", cfg->counters[i].name,
			      "services", json_service_ids(cfg, fc->services),
			      "state", state,
			      "paused", (int)fc->paused,
			      "current", fc->has_current ?
				      api_json_ticket(cfg, &fc->current) :
				      json_null(),
			      "current_min", fc->has_current ?
				      json_integer((now -
						    fc->current.called_at) / 60) :
				      json_null(),
			      "served_today", fc->served);
		/* clang-format on */
		if (o && api_json_time_or_null(o, "paused_since",
					       fc->paused_since) < 0) {
			json_decref(o);
			o = NULL;
		}
		if (json_array_append_new(list, o) < 0) {
			json_decref(list);
			list = NULL;
		}
	}
	return list;
}

struct bookings_ctx {
	const struct config *cfg;
	int64_t now;
	json_t *list;
};

/* docs/API.md, "Supervision": due, late, checked_in, no_show, cancelled. */
static const char *booking_status(const struct bookings_ctx *x,
				  const struct store_booking *b)
{
	if (b->a.cancelled)
		return "cancelled";
	if (b->has_ticket)
		return b->state == TICKET_NO_SHOW ? "no_show" : "checked_in";
	if (x->now >= b->a.end)
		return "no_show";
	if (x->now > b->a.start + (int64_t)x->cfg->policy.late_grace * 60)
		return "late";
	return "due";
}

static int add_booking(const struct store_booking *b, void *userdata)
{
	struct bookings_ctx *x = userdata;
	json_t *o, *t = json_null();

	if (b->has_ticket)
		t = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)b->a.ticket,
			      "number", b->number, "state",
			      ticket_state_name(b->state));
	o = json_pack("{s:s, s:s?, s:s, s:o}", "code", b->a.code, "service",
		      api_service_id(x->cfg, b->a.service), "status",
		      booking_status(x, b), "ticket", t);
	if (o && (api_json_time_or_null(o, "start", b->a.start) < 0 ||
		  api_json_time_or_null(o, "end", b->a.end) < 0)) {
		json_decref(o);
		o = NULL;
	}
	if (!o || json_array_append_new(x->list, o) < 0)
		return -ENOMEM;
	return 0;
}

void api_supervisor_view(struct ctx *c, struct api_response *ret)
{
	const struct config *cfg = c->a->cfg;
	struct bookings_ctx bx = {.cfg = cfg, .now = c->now};
	struct office_floor f = {0};
	struct office_error err;
	json_t *o = NULL, *printers;
	char now[32];

	if (api_body_none(c->req, ret) < 0)
		return;
	memset(&err, 0, sizeof(err));
	if (office_floor(c->a->office, c->now, &f, &err) < 0) {
		api_office_failed(c->req, ret, &err);
		return;
	}
	bx.list = json_array();
	if (bx.list && office_bookings_today(c->a->office, c->now, add_booking,
					     &bx, &err) < 0) {
		json_decref(bx.list);
		office_floor_clear(&f);
		api_office_failed(c->req, ret, &err);
		return;
	}
	printers = json_array();
	for (size_t i = 0; printers && i < cfg->n_printers; i++)
		if (json_array_append_new(printers,
					  api_json_printer(cfg, c->a->printers,
							   i)) < 0) {
			json_decref(printers);
			printers = NULL;
		}
	hours_rfc3339(c->now, now);
	/* clang-format off */
	o = json_pack("{s:s, s:s, s:o?, s:o?, s:o?, s:o?, s:o?}",
		      "now", now, "day", f.day,
		      "services", json_services(cfg, &f, c->now),
		      "counters", json_counters(cfg, &f, c->now),
		      "printers", printers,
		      "bookings", bx.list,
		      "alerts", json_alerts(c->a));
	/* clang-format on */
	office_floor_clear(&f);
	if (!o || json_object_size(o) != 7) {
		json_decref(o);
		api_internal(c->req, ret, "cannot render the supervision view");
		return;
	}
	api_respond(c->req, ret, 200, o);
}

/* --- actions ------------------------------------------------------------ */

/* Who acted, for the log: the supervisor's id, or the admin. */
static const char *actor(const struct ctx *c)
{
	return c->supervisor >= 0 ? c->a->cfg->supervisors[c->supervisor].id :
				    "admin";
}

void api_supervisor_cancel(struct ctx *c, struct api_response *ret)
{
	static const struct api_field fields[] = {
		{"reason", API_FIELD_STRING, true, REASON_MAX},
	};
	struct office_error err;
	struct ticket t;
	char detail[REASON_MAX + 64], buf[API_ECHO_MAX];
	const char *reason;
	json_t *body;
	int64_t id;

	if (api_body_object(c->req, ret, fields, 1, &body) < 0)
		return;
	reason = json_string_value(json_object_get(body, "reason"));
	if (strspn(reason, " \t\r\n") == strlen(reason)) {
		api_error(ret, 400, "bad_request",
			  "Field \"reason\" must say why (it is empty).");
		goto out;
	}
	if (api_parse_id(c->param[0], &id) < 0) {
		api_quote(buf, sizeof(buf), c->param[0]);
		api_errorf(ret, 404, "not_found", "There is no ticket %s.", buf);
		goto out;
	}
	snprintf(detail, sizeof(detail), "%s (by %s)", reason, actor(c));
	memset(&t, 0, sizeof(t));
	memset(&err, 0, sizeof(err));
	if (office_cancel(c->a->office, id, detail, c->now, &t, &err) < 0) {
		api_office_failed(c->req, ret, &err);
		goto out;
	}
	log_info("ticket %s (id %lld) cancelled: %s", t.number, (long long)id,
		 detail);
	api_respond(c->req, ret, 200, api_json_ticket(c->a->cfg, &t));
out:
	json_decref(body);
}

/* The mask of a body's "services": ticket services' ids, none twice. */
static int services_mask(const struct config *cfg, const json_t *list,
			 struct api_response *ret, uint64_t *ret_mask)
{
	char buf[API_ECHO_MAX];
	uint64_t mask = 0;
	size_t i;
	json_t *v;

	if (json_array_size(list) == 0 ||
	    json_array_size(list) > CONFIG_MAX_SERVICES) {
		api_error(ret, 400, "bad_request",
			  "Field \"services\" must list 1 to 64 service ids.");
		return -EINVAL;
	}
	json_array_foreach(list, i, v) {
		const char *id = json_string_value(v);
		int s = id ? config_service_index(cfg, id) : -1;

		if (!id || strlen(id) > API_ID_MAX) {
			api_error(ret, 400, "bad_request",
				  "Field \"services\" must list service ids "
				  "(strings of at most 31 characters).");
			return -EINVAL;
		}
		api_quote(buf, sizeof(buf), id);
		if (s < 0) {
			api_errorf(ret, 404, "not_found", "Unknown service %s.",
				   buf);
			return -ENOENT;
		}
		if (cfg->services[s].info) {
			api_errorf(ret, 422, "unprocessable",
				   "%s is an information service: no counter "
				   "calls it.",
				   buf);
			return -EINVAL;
		}
		if (mask & (UINT64_C(1) << s)) {
			api_errorf(ret, 400, "bad_request",
				   "Field \"services\" lists %s twice.", buf);
			return -EINVAL;
		}
		mask |= UINT64_C(1) << s;
	}
	*ret_mask = mask;
	return 0;
}

void api_supervisor_services(struct ctx *c, struct api_response *ret)
{
	static const struct api_field fields[] = {
		{"services", API_FIELD_ARRAY, true, 0},
	};
	struct office_error err;
	char buf[CONFIG_MAX_SERVICES * 33];
	uint64_t mask = 0;
	json_t *body;

	c->counter = config_counter_index(c->a->cfg, c->param[0]);
	if (c->counter < 0) {
		api_quote(buf, sizeof(buf), c->param[0]);
		api_errorf(ret, 404, "not_found", "Unknown counter %s.", buf);
		return;
	}
	if (api_body_object(c->req, ret, fields, 1, &body) < 0)
		return;
	if (services_mask(c->a->cfg, json_object_get(body, "services"), ret,
			  &mask) < 0)
		goto out;
	memset(&err, 0, sizeof(err));
	if (office_set_services(c->a->office, c->counter, mask, c->now,
				&err) < 0) {
		api_office_failed(c->req, ret, &err);
		goto out;
	}
	office_services_format(c->a->cfg, mask, buf, sizeof(buf));
	log_info("counter %s calls %s for the rest of the day (by %s)",
		 c->a->cfg->counters[c->counter].id, buf, actor(c));
	api_render_counter(c, ret);
out:
	json_decref(body);
}
