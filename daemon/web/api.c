/* For PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP (see api_new). */
#define _GNU_SOURCE
#include "api.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_auth.h"
#include "api_body.h"
#include "api_bookings.h"
#include "api_events.h"
#include "api_internal.h"
#include "api_json.h"
#include "api_phone.h"
#include "api_query.h"
#include "api_response.h"
#include "api_sms.h"
#include "api_stats.h"
#include "api_supervisor.h"
#include "booking.h"
#include "buf.h"
#include "hours.h"
#include "log.h"
#include "stats.h"
#include "ticket.h"

#define DISPLAY_CALLS 10

struct route {
	const char *method;
	const char *pattern; /* "{}" captures one path segment */
	enum api_auth auth;
	void (*handler)(struct ctx *c, struct api_response *ret);
};

static void h_healthz(struct ctx *c, struct api_response *ret)
{
	if (api_body_none(c->req, ret) < 0)
		return;
	/* The office logs each change of the database's state, not each
	 * probe that finds it unchanged. */
	if (office_healthy(c->a->office) != 0) {
		api_error(ret, 503, "unavailable",
			  "The database does not accept writes.");
		(void)api_response_header(ret, "Retry-After", "5");
		return;
	}
	api_respond(c->req, ret, 200, json_pack("{s:s}", "status", "ok"));
}

static json_t *services_json(const struct config *cfg,
			     const struct office_service_view *v)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < cfg->n_services; i++) {
		if (json_array_append_new(arr, api_json_service(cfg, i, &v[i]))) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static bool same_version(const struct office_version *a,
			 const struct office_version *b)
{
	return a->writes == b->writes && a->day_began == b->day_began &&
	       a->now == b->now;
}

/* The answer is rendered once for each version of the views and copied
 * for the requests that ask the same. */
static void h_services(struct ctx *c, struct api_response *ret)
{
	struct api *a = c->a;
	struct office_service_view v[CONFIG_MAX_SERVICES];
	struct office_version version;
	char *body = NULL;
	size_t len = 0;

	if (api_body_none(c->req, ret) < 0)
		return;
	if (office_services(a->office, c->now, v, &version) < 0) {
		api_internal(c->req, ret, "cannot read a service's queue");
		return;
	}
	pthread_mutex_lock(&a->services_lock);
	if (a->services_body && a->services_generation == a->generation &&
	    same_version(&a->services_version, &version)) {
		body = malloc(a->services_len + 1);
		if (body) {
			memcpy(body, a->services_body, a->services_len + 1);
			len = a->services_len;
		}
	}
	pthread_mutex_unlock(&a->services_lock);
	if (!body) {
		if (api_dump(services_json(a->cfg, v), &body, &len) < 0) {
			api_internal(c->req, ret, "cannot render a service");
			return;
		}
		char *keep = malloc(len + 1);

		pthread_mutex_lock(&a->services_lock);
		if (keep) {
			memcpy(keep, body, len + 1);
			free(a->services_body);
			a->services_body = keep;
			a->services_len = len;
			a->services_version = version;
			a->services_generation = a->generation;
		}
		pthread_mutex_unlock(&a->services_lock);
	}
	free(ret->body);
	ret->body = body;
	ret->body_len = len;
	ret->status = 200;
	ret->content_type = "application/json";
}

/* The index of a ticket service named in a body: 404 when unknown, 422
 * when it is an information tile. */
static int ticket_service(const struct ctx *c, struct api_response *ret,
			  const char *id)
{
	const struct config *cfg = c->a->cfg;
	char buf[API_ECHO_MAX];
	int s = config_service_index(cfg, id);

	if (s < 0) {
		api_quote(buf, sizeof(buf), id);
		api_errorf(ret, 404, "not_found", "Unknown service %s.", buf);
		return -ENOENT;
	}
	if (cfg->services[s].info) {
		api_errorf(ret, 422, "unprocessable",
			   "No tickets are issued here for \"%s\": %s",
			   cfg->services[s].name, cfg->services[s].info);
		return -EINVAL;
	}
	return s;
}

/* Answers an office operation on a ticket that returned r: the ticket t
 * with status, or the refusal in err. */
static void answer_ticket(const struct ctx *c, struct api_response *ret,
			  int r, int status, const struct ticket *t,
			  struct office_error *err)
{
	if (r < 0)
		api_office_failed(c->req, ret, err);
	else
		api_respond(c->req, ret, status, api_json_ticket(c->a->cfg, t));
}

static void h_issue(struct ctx *c, struct api_response *ret)
{
	static const struct api_field fields[] = {
		{"service", API_FIELD_STRING, true, API_ID_MAX},
		{"kiosk", API_FIELD_STRING, false, API_ID_MAX},
		{"priority", API_FIELD_BOOL, false, 0},
	};
	struct office_error err;
	struct ticket t;
	json_t *body, *v;
	int service, kiosk, r;
	bool priority = false;

	if (api_body_object(c->req, ret, fields, 3, &body) < 0)
		return;
	service = ticket_service(
		c, ret, json_string_value(json_object_get(body, "service")));
	if (service < 0)
		goto out;
	if (api_body_kiosk(c->a->cfg, body, ret, &kiosk) < 0)
		goto out;
	v = json_object_get(body, "priority");
	if (v)
		priority = json_is_true(v);

	memset(&t, 0, sizeof(t));
	memset(&err, 0, sizeof(err));
	r = office_issue(c->a->office, service, kiosk, priority, c->now, &t,
			 &err);
	answer_ticket(c, ret, r, 201, &t, &err);
out:
	json_decref(body);
}

/* A ticket id in a path: decimal digits only, 1 to INT64_MAX. */
int api_parse_id(const char *s, int64_t *ret)
{
	int64_t v = 0;

	if (!*s || *s == '0')
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v > (INT64_MAX - (*s - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (*s - '0');
	}
	*ret = v;
	return 0;
}

typedef int (*ticket_op)(struct office *o, int64_t id, int64_t now,
			 struct ticket *ret, struct office_error *err);

/* The ticket id of the path's parameter i, of a request without a body;
 * the refusal in ret otherwise. */
static int path_ticket_id(const struct ctx *c, struct api_response *ret,
			  size_t i, int64_t *ret_id)
{
	char buf[API_ECHO_MAX];

	if (api_body_none(c->req, ret) < 0)
		return -EINVAL;
	if (api_parse_id(c->param[i], ret_id) < 0) {
		api_quote(buf, sizeof(buf), c->param[i]);
		api_errorf(ret, 404, "not_found", "There is no ticket %s.", buf);
		return -ENOENT;
	}
	return 0;
}

/* A request about the ticket whose id is the path's parameter. */
static void on_ticket(struct ctx *c, struct api_response *ret, ticket_op op,
		      int status)
{
	struct office_error err;
	struct ticket t;
	int64_t id;
	int r;

	if (path_ticket_id(c, ret, 0, &id) < 0)
		return;
	memset(&t, 0, sizeof(t));
	memset(&err, 0, sizeof(err));
	r = op(c->a->office, id, c->now, &t, &err);
	answer_ticket(c, ret, r, status, &t, &err);
}

static void h_ticket(struct ctx *c, struct api_response *ret)
{
	on_ticket(c, ret, office_ticket, 200);
}

/* POST /api/v1/counters/{id}/tickets/{tid}/return: the clerk brings a
 * no-show back (docs/API.md). */
static void h_counter_return(struct ctx *c, struct api_response *ret)
{
	struct office_error err;
	struct ticket t;
	int64_t id;
	int r;

	if (path_ticket_id(c, ret, 1, &id) < 0)
		return;
	memset(&t, 0, sizeof(t));
	memset(&err, 0, sizeof(err));
	r = office_return(c->a->office, id, c->counter, c->now, &t, &err);
	answer_ticket(c, ret, r, 200, &t, &err);
}

/* Reads a whole number of ?after= or ?limit= in [min, max]; -EINVAL with
 * a 400 otherwise. */
static int query_number(const struct api_query_param *p, int64_t min,
			int64_t max, int64_t *val, struct api_response *ret)
{
	char *end;
	long long v;

	if (!p->set)
		return 0;
	errno = 0;
	v = strtoll(p->value, &end, 10);
	if (errno || end == p->value || *end || v < min || v > max) {
		api_errorf(ret, 400, "bad_request",
			   "\"%s\" must be a whole number from %lld to %lld.",
			   p->name, (long long)min, (long long)max);
		return -EINVAL;
	}
	*val = v;
	return 0;
}

/* GET /api/v1/tickets?date=&state=&number=&after=&limit=: a day's
 * tickets for the office's administration (bonomatctl tickets), by id,
 * a page at a time. */
static void h_tickets(struct ctx *c, struct api_response *ret)
{
	enum { P_DATE, P_STATE, P_NUMBER, P_AFTER, P_LIMIT, P_N };
	struct api_query_param p[P_N] = {
		[P_DATE] = {.name = "date"},     [P_STATE] = {.name = "state"},
		[P_NUMBER] = {.name = "number"}, [P_AFTER] = {.name = "after"},
		[P_LIMIT] = {.name = "limit"},
	};
	struct office_ticket_query q = {.limit = TICKETS_PAGE_MAX};
	struct office_error err;
	enum ticket_state state;
	struct ticket *v = NULL;
	int64_t after = 0, limit = TICKETS_PAGE_MAX;
	size_t n = 0;
	json_t *arr = NULL;

	if (api_body_none(c->req, ret) < 0 ||
	    api_query_parse(c->req->query, p, P_N, ret) < 0 ||
	    query_number(&p[P_AFTER], 0, INT64_MAX, &after, ret) < 0 ||
	    query_number(&p[P_LIMIT], 1, TICKETS_PAGE_MAX, &limit, ret) < 0)
		return;
	if (p[P_DATE].set && !stats_valid_day(p[P_DATE].value)) {
		api_error(ret, 400, "bad_request",
			  "\"date\" must be a date written YYYY-MM-DD.");
		return;
	}
	if (p[P_STATE].set &&
	    ticket_state_parse(p[P_STATE].value, &state) < 0) {
		api_error(ret, 400, "bad_request",
			  "\"state\" must be waiting, called, served, no_show "
			  "or expired.");
		return;
	}
	q.day = p[P_DATE].set ? p[P_DATE].value : NULL;
	q.state = p[P_STATE].set ? &state : NULL;
	q.number = p[P_NUMBER].set ? p[P_NUMBER].value : NULL;
	q.after = after;
	/* One more than asked tells whether another page follows. */
	q.limit = (size_t)limit + 1;
	v = calloc(q.limit, sizeof(*v));
	if (!v) {
		api_internal(c->req, ret, "out of memory");
		return;
	}
	memset(&err, 0, sizeof(err));
	if (office_tickets(c->a->office, &q, c->now, v, &n, &err) < 0) {
		api_office_failed(c->req, ret, &err);
		goto out;
	}
	arr = json_array();
	for (size_t i = 0; arr && i < n && i < (size_t)limit; i++)
		if (json_array_append_new(arr,
					  api_json_ticket(c->a->cfg, &v[i])) < 0) {
			json_decref(arr);
			arr = NULL;
		}
	if (!arr) {
		api_internal(c->req, ret, "out of memory");
		goto out;
	}
	api_respond(c->req, ret, 200,
		    json_pack("{s:o, s:b}", "tickets", arr, "more",
			      n > (size_t)limit));
out:
	free(v);
}

static void h_display(struct ctx *c, struct api_response *ret)
{
	const struct config *cfg = c->a->cfg;
	struct store_call calls[DISPLAY_CALLS];
	json_t *arr;
	size_t n = 0;

	if (api_body_none(c->req, ret) < 0)
		return;
	if (office_recent_calls(c->a->office, c->now, calls, DISPLAY_CALLS,
				&n) < 0) {
		api_internal(c->req, ret, "cannot read the recent calls");
		return;
	}
	arr = json_array();
	if (!arr) {
		api_internal(c->req, ret, "out of memory");
		return;
	}
	for (size_t i = 0; i < n && i < DISPLAY_CALLS; i++) {
		const struct store_call *call = &calls[i];
		const char *name = NULL;
		json_t *item;
		char at[32];

		if (call->counter >= 0 &&
		    (size_t)call->counter < cfg->n_counters)
			name = cfg->counters[call->counter].name;
		hours_rfc3339(call->at, at);
		/* clang-format off */
		item = json_pack("{s:s%,s:s?,s:s?,s:s,s:I}",
				 "number", call->number,
				 strnlen(call->number, sizeof(call->number)),
				 "counter", api_counter_id(c->a->cfg, call->counter),
				 "counter_name", name,
				 "at", at,
				 "seq", (json_int_t)call->seq);
		/* clang-format on */
		if (json_array_append_new(arr, item)) {
			json_decref(arr);
			api_internal(c->req, ret, "cannot render a call");
			return;
		}
	}
	api_respond(c->req, ret, 200, json_pack("{s:o}", "calls", arr));
}

/* The Counter with its first max waiting tickets and their total. */
static void render_counter(struct ctx *c, struct api_response *ret, size_t max)
{
	struct office_counter_view v;
	struct office_error err;

	memset(&v, 0, sizeof(v));
	memset(&err, 0, sizeof(err));
	if (office_counter_first(c->a->office, c->counter, max, c->now, &v,
				 &err) < 0) {
		api_office_failed(c->req, ret, &err);
		return;
	}
	json_t *o = api_json_counter(c->a->cfg, c->counter, &v);

	/* The daemon's time, for the minutes a page shows (its own clock
	 * may be wrong, or the daemon's a test clock). */
	if (o && api_json_time_or_null(o, "now", c->now) < 0) {
		json_decref(o);
		o = NULL;
	}
	api_respond(c->req, ret, 200, o);
	office_counter_view_clear(&v);
}

/* The Counter with the first OFFICE_WAITING_SHOWN waiting (the answers of
 * pause, resume and the floor's changes). */
void api_render_counter(struct ctx *c, struct api_response *ret)
{
	render_counter(c, ret, OFFICE_WAITING_SHOWN);
}

/* GET /api/v1/counters/{id}?limit=: the first limit waiting tickets. */
static void h_counter(struct ctx *c, struct api_response *ret)
{
	struct api_query_param p[] = {{.name = "limit"}};
	int64_t limit = OFFICE_WAITING_SHOWN;

	if (api_body_none(c->req, ret) < 0 ||
	    api_query_parse(c->req->query, p, 1, ret) < 0 ||
	    query_number(&p[0], 0, OFFICE_WAITING_MAX, &limit, ret) < 0)
		return;
	render_counter(c, ret, (size_t)limit);
}

static void h_next(struct ctx *c, struct api_response *ret)
{
	struct office_error err;
	struct ticket t;
	bool none = false;
	int r;

	if (api_body_none(c->req, ret) < 0)
		return;
	memset(&t, 0, sizeof(t));
	memset(&err, 0, sizeof(err));
	r = office_next(c->a->office, c->counter, c->now, &t, &none, &err);
	if (r >= 0 && none) {
		ret->status = 204;
		return;
	}
	answer_ticket(c, ret, r, 200, &t, &err);
}

static void h_recall(struct ctx *c, struct api_response *ret)
{
	struct office_error err;
	struct ticket t;
	int r;

	if (api_body_none(c->req, ret) < 0)
		return;
	memset(&t, 0, sizeof(t));
	memset(&err, 0, sizeof(err));
	r = office_recall(c->a->office, c->counter, c->now, &t, &err);
	answer_ticket(c, ret, r, 200, &t, &err);
}

static void h_done(struct ctx *c, struct api_response *ret)
{
	static const struct api_field fields[] = {
		{"outcome", API_FIELD_STRING, true, API_ID_MAX},
	};
	struct office_error err;
	struct ticket t;
	const char *outcome;
	bool served;
	json_t *body;
	int r;

	if (api_body_object(c->req, ret, fields, 1, &body) < 0)
		return;
	outcome = json_string_value(json_object_get(body, "outcome"));
	if (strcmp(outcome, "served") == 0) {
		served = true;
	} else if (strcmp(outcome, "no_show") == 0) {
		served = false;
	} else {
		api_error(ret, 400, "bad_request",
			  "Field \"outcome\" must be \"served\" or "
			  "\"no_show\".");
		goto out;
	}
	memset(&t, 0, sizeof(t));
	memset(&err, 0, sizeof(err));
	r = office_done(c->a->office, c->counter, served, c->now, &t, &err);
	answer_ticket(c, ret, r, 200, &t, &err);
out:
	json_decref(body);
}

static void h_transfer(struct ctx *c, struct api_response *ret)
{
	static const struct api_field fields[] = {
		{"service", API_FIELD_STRING, true, API_ID_MAX},
	};
	struct office_error err;
	struct ticket t;
	json_t *body;
	int service, r;

	if (api_body_object(c->req, ret, fields, 1, &body) < 0)
		return;
	service = ticket_service(
		c, ret, json_string_value(json_object_get(body, "service")));
	if (service < 0)
		goto out;
	memset(&t, 0, sizeof(t));
	memset(&err, 0, sizeof(err));
	r = office_transfer(c->a->office, c->counter, service, c->now, &t,
			    &err);
	answer_ticket(c, ret, r, 200, &t, &err);
out:
	json_decref(body);
}

static void set_paused(struct ctx *c, struct api_response *ret, bool paused)
{
	struct office_error err;

	if (api_body_none(c->req, ret) < 0)
		return;
	memset(&err, 0, sizeof(err));
	if (office_pause(c->a->office, c->counter, paused, c->now, &err) < 0) {
		api_office_failed(c->req, ret, &err);
		return;
	}
	api_render_counter(c, ret);
}

static void h_pause(struct ctx *c, struct api_response *ret)
{
	set_paused(c, ret, true);
}

static void h_resume(struct ctx *c, struct api_response *ret)
{
	set_paused(c, ret, false);
}

static void h_test_clock(struct ctx *c, struct api_response *ret)
{
	static const struct api_field fields[] = {
		{"advance_s", API_FIELD_INTEGER, true, 0},
	};
	json_t *body;
	json_int_t s;
	int64_t moved;
	char now[32];

	if (!c->a->advance) {
		api_error(ret, 404, "not_found",
			  "There is no test clock: the daemon runs on the "
			  "real clock (start it with --test-clock).");
		return;
	}
	if (api_body_object(c->req, ret, fields, 1, &body) < 0)
		return;
	s = json_integer_value(json_object_get(body, "advance_s"));
	json_decref(body);
	if (s < 0 || s > 366 * 86400) {
		api_error(ret, 400, "bad_request",
			  "\"advance_s\" must be between 0 and a year of "
			  "seconds: the clock only moves forward.");
		return;
	}
	moved = c->a->advance(c->a->advance_data, (int64_t)s);
	/* The alerts of the new time at once, not at the next tick. */
	api_check_alerts(c->a, moved);
	hours_rfc3339(moved, now);
	api_respond(c->req, ret, 200, json_pack("{s:s}", "now", now));
}

static void h_reprint(struct ctx *c, struct api_response *ret)
{
	on_ticket(c, ret, office_reprint, 202);
}

static void h_printers(struct ctx *c, struct api_response *ret)
{
	json_t *list = json_array();

	if (api_body_none(c->req, ret) < 0) {
		json_decref(list);
		return;
	}
	for (size_t i = 0; list && i < c->a->cfg->n_printers; i++) {
		json_t *p = api_json_printer(c->a->cfg, c->a->printers, i);
		if (!p || json_array_append_new(list, p) < 0) {
			json_decref(list);
			list = NULL;
		}
	}
	api_respond(c->req, ret, 200, list);
}

static void h_stats(struct ctx *c, struct api_response *ret)
{
	if (api_body_none(c->req, ret) < 0)
		return;
	api_stats_report(c->a->cfg, c->a->stats, c->req, c->now, ret);
}

/* The group commits of issued tickets, after the statistics' metrics. */
static int commit_metrics(const struct config *cfg, struct office *o,
			  struct api_response *ret)
{
	static const char *const le[OFFICE_COMMIT_BUCKETS] = {
		"1", "2", "4", "8", "16", "+Inf"};
	struct office_commits oc;
	struct buf b;
	char *text;
	size_t len;
	int e;

	office_commits(o, &oc);
	buf_init(&b, ret->body_len + 4096);
	(void)buf_add(&b, ret->body, ret->body_len);
	(void)buf_addf(&b, "# HELP bonomat_tickets_per_commit Tickets written "
			   "by each commit of issued tickets (the group "
			   "commit), since the daemon started.\n"
			   "# TYPE bonomat_tickets_per_commit histogram\n");
	for (size_t i = 0; i < OFFICE_COMMIT_BUCKETS; i++) {
		api_metric_series(&b, cfg, "bonomat_tickets_per_commit_bucket");
		(void)buf_addf(&b, ",le=\"%s\"} %llu\n", le[i],
			       (unsigned long long)oc.le[i]);
	}
	api_metric_series(&b, cfg, "bonomat_tickets_per_commit_sum");
	(void)buf_addf(&b, "} %llu\n", (unsigned long long)oc.tickets);
	api_metric_series(&b, cfg, "bonomat_tickets_per_commit_count");
	(void)buf_addf(&b, "} %llu\n", (unsigned long long)oc.commits);
	e = b.error;
	text = buf_steal(&b, &len);
	if (!text)
		return e ? e : -ENOMEM;
	free(ret->body);
	ret->body = text;
	ret->body_len = len;
	return 0;
}

static void h_metrics(struct ctx *c, struct api_response *ret)
{
	if (api_body_none(c->req, ret) < 0)
		return;
	api_stats_metrics(c->a->cfg, c->a->stats, c->a->printers, c->now,
			  ret);
	api_alerts_metrics(c->a, ret);
	if (ret->status == 200 && commit_metrics(c->a->cfg, c->a->office, ret) < 0) {
		api_response_clear(ret);
		api_internal(c->req, ret, "rendering the commit metrics");
	}
	api_sms_metrics(c->a->cfg, c->a->sms, ret);
}

/* What the pages show of the office, from the config's [office], and the
 * booking rule that the kiosk's code input follows. */
static void h_office(struct ctx *c, struct api_response *ret)
{
	const struct config *cfg = c->a->cfg;
	json_t *o;

	if (api_body_none(c->req, ret) < 0)
		return;
	o = json_pack("{s:s, s:s, s:s, s:s, s:{s:i, s:i}, s:i, s:b}", "name",
		      cfg->office.name, "address", cfg->office.address,
		      "footer", cfg->office.footer, "timezone",
		      cfg->office.timezone, "booking_code", "min_length",
		      BOOKING_CODE_MIN, "max_length", BOOKING_CODE_MAX,
		      "return_window_min", cfg->policy.return_window,
		      "ticket_qr",
		      cfg->office.ticket_url && *cfg->office.ticket_url);
	/* Whether the kiosk offers text messages. */
	if (o && json_object_set_new(o, "sms", json_boolean(
				cfg->sms.driver != CFG_SMS_NONE)) < 0) {
		json_decref(o);
		o = NULL;
	}
	api_respond(c->req, ret, 200, o);
}

static const struct route routes[] = {
	{"GET", "/healthz", API_AUTH_NONE, h_healthz},
	{"GET", "/api/v1/services", API_AUTH_NONE, h_services},
	{"GET", "/api/v1/office", API_AUTH_NONE, h_office},
	{"POST", "/api/v1/tickets", API_AUTH_KIOSK, h_issue},
	{"GET", "/api/v1/tickets", API_AUTH_SUPERVISOR, h_tickets},
	{"GET", "/api/v1/tickets/{}", API_AUTH_STAFF, h_ticket},
	{"GET", "/api/v1/display", API_AUTH_NONE, h_display},
	{"GET", "/api/v1/counters/{}", API_AUTH_COUNTER_OR_SUPERVISOR,
	 h_counter},
	{"POST", "/api/v1/counters/{}/next", API_AUTH_COUNTER, h_next},
	{"POST", "/api/v1/counters/{}/recall", API_AUTH_COUNTER, h_recall},
	{"POST", "/api/v1/counters/{}/done", API_AUTH_COUNTER, h_done},
	{"POST", "/api/v1/counters/{}/transfer", API_AUTH_COUNTER, h_transfer},
	{"POST", "/api/v1/counters/{}/pause", API_AUTH_COUNTER_OR_SUPERVISOR,
	 h_pause},
	{"POST", "/api/v1/counters/{}/resume", API_AUTH_COUNTER_OR_SUPERVISOR,
	 h_resume},
	{"POST", "/api/v1/tickets/{}/reprint", API_AUTH_SUPERVISOR, h_reprint},
	{"POST", "/api/v1/checkins", API_AUTH_KIOSK, api_bookings_checkin},
	{"POST", "/api/v1/tickets/{}/phone", API_AUTH_KIOSK, api_sms_phone},
	{"POST", "/api/v1/appointments", API_AUTH_ADMIN, api_bookings_import},
	{"POST", "/api/v1/test/clock", API_AUTH_ADMIN, h_test_clock},
	{"GET", "/api/v1/printers", API_AUTH_SUPERVISOR, h_printers},
	{"GET", "/api/v1/stats", API_AUTH_SUPERVISOR, h_stats},
	{"GET", "/metrics", API_AUTH_NONE, h_metrics},
	/* The floor manager's (api_supervisor.c). */
	{"GET", "/api/v1/supervisor", API_AUTH_SUPERVISOR, api_supervisor_view},
	{"POST", "/api/v1/tickets/{}/cancel", API_AUTH_SUPERVISOR,
	 api_supervisor_cancel},
	{"POST", "/api/v1/counters/{}/services", API_AUTH_SUPERVISOR,
	 api_supervisor_services},
	{"POST", "/api/v1/reload", API_AUTH_ADMIN, api_reload_handle},
	/* The citizen's ticket (api_phone.c) and its second chance. */
	{"GET", "/api/v1/t/{}", API_AUTH_NONE, api_phone_ticket},
	{"GET", "/api/v1/t/{}/qr.svg", API_AUTH_NONE, api_phone_qr},
	{"POST", "/api/v1/t/{}/return", API_AUTH_KIOSK, api_phone_return},
	{"POST", "/api/v1/counters/{}/tickets/{}/return", API_AUTH_COUNTER,
	 h_counter_return},
};

static bool route_match(const char *pattern, const char *path, struct ctx *c)
{
	size_t n = 0;

	while (*pattern && *path) {
		if (pattern[0] == '{' && pattern[1] == '}') {
			size_t len = strcspn(path, "/");

			if (len == 0 || len >= PARAM_MAX || n >= PARAMS_MAX)
				return false;
			memcpy(c->param[n], path, len);
			c->param[n][len] = '\0';
			n++;
			path += len;
			pattern += 2;
			continue;
		}
		if (*pattern != *path)
			return false;
		pattern++;
		path++;
	}
	return *pattern == '\0' && *path == '\0';
}

/* HEAD is answered wherever GET is; libmicrohttpd drops the body. */
static bool method_match(const char *route, const char *method)
{
	if (strcmp(route, method) == 0)
		return true;
	return strcmp(route, "GET") == 0 && strcmp(method, "HEAD") == 0;
}

static void allow_add(char *allow, size_t size, const char *method)
{
	size_t len = strlen(allow);

	if (strstr(allow, method))
		return;
	snprintf(allow + len, size - len, "%s%s", len ? ", " : "", method);
	if (strcmp(method, "GET") == 0)
		allow_add(allow, size, "HEAD");
}

void api_handle(struct api *a, const struct api_request *req,
		struct api_response *ret)
{
	struct ctx c = {.a = a, .req = req, .counter = -1, .supervisor = -1};
	const struct route *found = NULL;
	char allow[API_HEADER_VALUE_MAX] = "";

	memset(ret, 0, sizeof(*ret));
	if (!req->method || !req->path || (req->body_len && !req->body)) {
		api_error(ret, 400, "bad_request",
			  "The request is incomplete.");
		return;
	}
	if (req->body_len > API_BODY_MAX) {
		api_error(ret, 413, "payload_too_large",
			  API_TOO_LARGE_MESSAGE);
		return;
	}
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const struct route *r = &routes[i];

		if (!route_match(r->pattern, req->path, &c))
			continue;
		if (method_match(r->method, req->method)) {
			found = r;
			break;
		}
		allow_add(allow, sizeof(allow), r->method);
	}
	if (!found) {
		if (allow[0]) {
			api_errorf(ret, 405, "method_not_allowed",
				   "This resource only accepts %s.", allow);
			(void)api_response_header(ret, "Allow", allow);
		} else {
			api_error(ret, 404, "not_found",
				  "There is no such resource.");
		}
		return;
	}
	c.now = a->clock(a->clock_data);
	api_config_read(a);
	if (api_authorize(&c, found->auth, ret) < 0) {
		api_config_done(a);
		return;
	}
	/* A reload takes the lock for writing: its handler runs without. */
	if (found->handler == api_reload_handle) {
		api_config_done(a);
		found->handler(&c, ret);
		return;
	}
	found->handler(&c, ret);
	api_config_done(a);
}

int api_handles(const char *path)
{
	if (!path)
		return 0;
	return strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0 ||
	       strcmp(path, "/healthz") == 0 || strcmp(path, "/metrics") == 0;
}

int api_arrays_new(const struct config *cfg, struct api_arrays *ret)
{
	struct api_arrays k = {0};
	int r = -EINVAL;

	k.token_len = calloc(cfg->n_counters + 1, sizeof(*k.token_len));
	k.supervisor_len =
		calloc(cfg->n_supervisors + 1, sizeof(*k.supervisor_len));
	k.printer_down_since = calloc(cfg->n_printers + 1,
				      sizeof(*k.printer_down_since));
	if (!k.token_len || !k.supervisor_len || !k.printer_down_since) {
		r = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < cfg->n_counters; i++) {
		const char *t = cfg->counters[i].token;

		k.token_len[i] = t ? strlen(t) : 0;
		if (k.token_len[i] > API_TOKEN_MAX) {
			log_err("api: the token of counter %s is longer than "
				"%d bytes",
				cfg->counters[i].id, API_TOKEN_MAX);
			goto fail;
		}
	}
	if (cfg->server.admin_token) {
		k.admin_len = strlen(cfg->server.admin_token);
		if (k.admin_len > API_TOKEN_MAX) {
			log_err("api: the admin token is longer than %d bytes",
				API_TOKEN_MAX);
			goto fail;
		}
	}
	for (size_t i = 0; i < cfg->n_supervisors; i++) {
		k.supervisor_len[i] = strlen(cfg->supervisors[i].token);
		if (k.supervisor_len[i] > API_TOKEN_MAX) {
			log_err("api: the token of supervisor %s is longer "
				"than %d bytes",
				cfg->supervisors[i].id, API_TOKEN_MAX);
			goto fail;
		}
	}
	*ret = k;
	return 0;
fail:
	api_arrays_free(&k);
	return r;
}

void api_arrays_free(struct api_arrays *k)
{
	free(k->token_len);
	free(k->supervisor_len);
	free(k->printer_down_since);
	memset(k, 0, sizeof(*k));
}

int api_new(const struct config *cfg, struct office *office, api_clock_fn clock,
	    void *clock_data, struct api **ret)
{
	pthread_rwlockattr_t attr;
	struct api *a;
	int r = -ENOMEM;

	if (!cfg || !office || !clock || !ret)
		return -EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	/* Requests overlap all the time under load: a reload waiting for
	 * the lock must stop new readers, or it could wait for ever. */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(
		&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	r = pthread_rwlock_init(&a->cfg_lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	if (r != 0) {
		free(a);
		return -r;
	}
	a->cfg = cfg;
	a->office = office;
	a->clock = clock;
	a->clock_data = clock_data;
	pthread_mutex_init(&a->services_lock, NULL);
	if (api_misses_new(&a->misses) < 0)
		goto fail;

	r = api_arrays_new(cfg, &a->arrays);
	if (r < 0)
		goto fail;
	r = -ENOMEM;
	if (cfg->server.n_kiosk_clients > 0) {
		a->kiosk_clients = calloc(cfg->server.n_kiosk_clients,
					  sizeof(*a->kiosk_clients));
		if (!a->kiosk_clients)
			goto fail;
	}
	for (size_t i = 0; i < cfg->server.n_kiosk_clients; i++) {
		if (api_auth_parse_addr(cfg->server.kiosk_clients[i],
					&a->kiosk_clients[i]) < 0) {
			log_err("api: kiosk client \"%s\" is not a numeric "
				"address",
				cfg->server.kiosk_clients[i]);
			r = -EINVAL;
			goto fail;
		}
	}
	a->n_kiosk_clients = cfg->server.n_kiosk_clients;
	r = api_alerts_init(a);
	if (r < 0)
		goto fail;
	*ret = a;
	return 0;
fail:
	api_free(a);
	return r;
}

void api_set_printers(struct api *a, struct printers *p)
{
	a->printers = p;
}

void api_set_test_clock(struct api *a, api_advance_fn advance,
			void *userdata)
{
	a->advance = advance;
	a->advance_data = userdata;
}

void api_set_sms(struct api *a, struct sms *s)
{
	a->sms = s;
}

void api_set_events(struct api *a, struct events *e)
{
	a->events = e;
	if (e)
		events_set_greeting(e, api_events_greet, a);
}

void api_set_stats(struct api *a, struct stats *s)
{
	a->stats = s;
}

void api_free(struct api *a)
{
	if (!a)
		return;
	free(a->kiosk_clients);
	api_alerts_free(a);
	api_arrays_free(&a->arrays);
	pthread_rwlock_destroy(&a->cfg_lock);
	free(a->services_body);
	pthread_mutex_destroy(&a->services_lock);
	api_misses_free(a->misses);
	free(a);
}
