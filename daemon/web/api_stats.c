#include "api_stats.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api_query.h"
#include "buf.h"
#include "hours.h"
#include "log.h"
#include "printers.h"
#include "stats.h"
#include "text.h"
#include "ticket.h"

/* The most a report or /metrics may hold: far more than a day gives. */
#define STATS_BODY_MAX (16 << 20)
#define SHARE_SCALE 10000 /* shares are given to 4 decimals */

static const char *const csv_header =
	"date,service,kind,issued,served,no_show,expired,transferred_in,"
	"transferred_out,waiting,called,wait_n,wait_mean_s,wait_p90_s,"
	"wait_max_s,service_n,service_mean_s,on_time_bookings,"
	"on_time_pending,called_within_10min,share_within_10min,returned\r\n";
/* Followed by calls_REASON for each rule, then returned. */
static const char *const period_csv_header =
	"date,service,kind,issued,served,no_show,expired,transferred_in,"
	"transferred_out,waiting,called,wait_n,wait_mean_s,wait_p50_s,"
	"wait_p90_s,wait_max_s,service_n,service_mean_s,service_p50_s,"
	"service_p90_s,service_max_s,on_time_bookings,on_time_pending,"
	"called_within_10min,share_within_10min";

/* Hands the text over to ret as its body. */
static int buf_respond(struct buf *b, struct api_response *ret,
		       const char *content_type)
{
	int r = b->error;
	size_t len;
	char *body = buf_steal(b, &len);

	if (!body)
		return r < 0 ? r : -ENOMEM;
	free(ret->body);
	ret->body = body;
	ret->body_len = len;
	ret->status = 200;
	ret->content_type = content_type;
	return 0;
}

static void internal(struct api_response *ret, const char *what, int r)
{
	log_err("api: %s: %s", what, strerror(-r));
	api_error(ret, 500, "internal", API_INTERNAL_MESSAGE);
}

static bool unavailable(const struct stats *s, struct api_response *ret)
{
	if (s)
		return false;
	api_error(ret, 503, "unavailable", "Statistics are not available.");
	return true;
}

/* --- the query string and the Accept header ------------------------------ */

/* What GET /api/v1/stats was asked for. */
struct stats_query {
	char day[11];	      /* one day: ?date= or today */
	char from[11], to[11]; /* a period: ?from=&to=, else empty */
	int format;	      /* 0: by Accept, 'c': CSV, 'j': JSON */
	bool hours;	      /* CSV of the period's hours (?table=hours) */
};

static int bad_date(const char *name, const char *value,
		    struct api_response *ret)
{
	char echo[API_ECHO_MAX];

	text_quote(echo, sizeof(echo), value, strlen(value));
	api_errorf(ret, 400, "bad_request",
		   "The %s %s is not a date written YYYY-MM-DD.", name, echo);
	return -EINVAL;
}

/* ?date=, or ?from=&to= (both), ?format=csv|json, ?table=days|hours (a
 * period's CSV). A 400 on anything else. */
static int parse_query(const char *query, int64_t now, struct stats_query *q,
		       struct api_response *ret)
{
	enum { P_DATE, P_FROM, P_TO, P_FORMAT, P_TABLE, P_COUNT };
	struct api_query_param p[P_COUNT] = {
		[P_DATE] = {.name = "date"},	 [P_FROM] = {.name = "from"},
		[P_TO] = {.name = "to"},	 [P_FORMAT] = {.name = "format"},
		[P_TABLE] = {.name = "table"},
	};
	long days;

	memset(q, 0, sizeof(*q));
	if (api_query_parse(query, p, P_COUNT, ret) < 0)
		return -EINVAL;
	if (p[P_FORMAT].set) {
		if (strcmp(p[P_FORMAT].value, "csv") == 0)
			q->format = 'c';
		else if (strcmp(p[P_FORMAT].value, "json") == 0)
			q->format = 'j';
		else {
			api_error(ret, 400, "bad_request",
				  "format is csv or json.");
			return -EINVAL;
		}
	}
	if (p[P_DATE].set && (p[P_FROM].set || p[P_TO].set)) {
		api_error(ret, 400, "bad_request",
			  "Ask for a date or for a period from and to, not "
			  "both.");
		return -EINVAL;
	}
	if (p[P_FROM].set != p[P_TO].set) {
		api_error(ret, 400, "bad_request",
			  "A period needs both from and to.");
		return -EINVAL;
	}
	if (p[P_TABLE].set) {
		if (!p[P_FROM].set || (strcmp(p[P_TABLE].value, "days") != 0 &&
				       strcmp(p[P_TABLE].value, "hours") != 0)) {
			api_error(ret, 400, "bad_request",
				  "table is days or hours, for a period.");
			return -EINVAL;
		}
		q->hours = strcmp(p[P_TABLE].value, "hours") == 0;
	}
	if (p[P_FROM].set) {
		if (!stats_valid_day(p[P_FROM].value))
			return bad_date("from date", p[P_FROM].value, ret);
		if (!stats_valid_day(p[P_TO].value))
			return bad_date("to date", p[P_TO].value, ret);
		if (strcmp(p[P_TO].value, p[P_FROM].value) < 0) {
			api_error(ret, 400, "bad_request",
				  "The period ends (to) before it starts "
				  "(from).");
			return -EINVAL;
		}
		days = stats_period_days(p[P_FROM].value, p[P_TO].value);
		if (days < 1 || days > STATS_PERIOD_DAYS_MAX) {
			api_errorf(ret, 400, "bad_request",
				   "A period is at most %d days.",
				   STATS_PERIOD_DAYS_MAX);
			return -EINVAL;
		}
		memcpy(q->from, p[P_FROM].value, sizeof(q->from));
		memcpy(q->to, p[P_TO].value, sizeof(q->to));
		return 0;
	}
	if (!p[P_DATE].set) {
		hours_day(now, q->day);
		return 0;
	}
	if (!stats_valid_day(p[P_DATE].value))
		return bad_date("date", p[P_DATE].value, ret);
	memcpy(q->day, p[P_DATE].value, sizeof(q->day));
	return 0;
}

/* The q of a media range's parameters ("; q=0.5"), 1000 for 1. */
static int quality(const char *params, size_t len)
{
	const char *q = NULL;
	int v = 0, scale = 1000;

	for (size_t i = 0; i + 1 < len; i++) {
		if ((params[i] == ';' || params[i] == ' ') &&
		    (params[i + 1] == 'q' || params[i + 1] == 'Q')) {
			size_t j = i + 2;

			while (j < len && params[j] == ' ')
				j++;
			if (j < len && params[j] == '=') {
				q = params + j + 1;
				len -= (size_t)(q - params);
				break;
			}
		}
	}
	if (!q)
		return 1000;
	while (len > 0 && *q == ' ') {
		q++;
		len--;
	}
	if (len == 0 || (*q != '0' && *q != '1'))
		return 0;
	v = (*q - '0') * 1000;
	if (len > 1 && q[1] == '.') {
		for (size_t i = 2;
		     i < len && q[i] >= '0' && q[i] <= '9' && scale > 1; i++) {
			scale /= 10;
			v += (q[i] - '0') * scale;
		}
	}
	return v > 1000 ? 1000 : v;
}

/* CSV when the client names text/csv with a quality no lower than that
 * of application/json (when it names that too); JSON otherwise. */
static bool wants_csv(const char *accept)
{
	int csv = 0, json = -1;
	const char *p = accept;

	while (p && *p) {
		size_t len = strcspn(p, ",");
		size_t tlen;
		const char *t = p;

		while (len > 0 && (*t == ' ' || *t == '\t')) {
			t++;
			len--;
		}
		tlen = strcspn(t, ";, \t");
		if (tlen > len)
			tlen = len;
		if (tlen == 8 && strncasecmp(t, "text/csv", 8) == 0)
			csv = quality(t + tlen, len - tlen);
		else if (tlen == 16 &&
			 strncasecmp(t, "application/json", 16) == 0)
			json = quality(t + tlen, len - tlen);
		p = t + len;
		if (*p == ',')
			p++;
	}
	return csv > 0 && csv >= json;
}

/* --- JSON ----------------------------------------------------------------- */

static json_t *mean_json(const struct stats_summary *s)
{
	return s->n ? json_real((double)s->mean_ds / 10.0) : json_null();
}

static json_t *seconds_json(const struct stats_summary *s, int64_t v)
{
	return s->n ? json_integer((json_int_t)v) : json_null();
}

/* within / (bookings - pending) in ten-thousandths; -1 when undefined. */
static int64_t share(const struct stats_on_time *o)
{
	size_t den = o->bookings - o->pending;

	if (o->bookings <= o->pending)
		return -1;
	return (int64_t)((o->within * SHARE_SCALE + den / 2) / den);
}

/* a / b to 4 decimals, rounded as share() does; b > 0. */
static double ratio(size_t a, size_t b)
{
	return (double)((a * SHARE_SCALE + b / 2) / b) / SHARE_SCALE;
}

static json_t *share_json(const struct stats_on_time *o)
{
	int64_t v = share(o);

	return v < 0 ? json_null() : json_real((double)v / SHARE_SCALE);
}

static json_t *time_json(int64_t t)
{
	char buf[32];

	if (t == 0)
		return json_null();
	hours_rfc3339(t, buf);
	return json_string(buf);
}

/* Adds key: v to o. v is consumed in every case, so that a chain of
 * calls joined by && leaks nothing when one fails. */
static bool put(json_t *o, const char *key, json_t *v)
{
	if (!o || !v) {
		json_decref(v);
		return false;
	}
	return json_object_set_new(o, key, v) == 0;
}

static bool put_size(json_t *o, const char *key, size_t v)
{
	return put(o, key, json_integer((json_int_t)v));
}

static bool put_wait(json_t *o, const struct stats_summary *w)
{
	return put_size(o, "wait_n", w->n) &&
	       put(o, "wait_mean_s", mean_json(w)) &&
	       put(o, "wait_p50_s", seconds_json(w, w->p50_s)) &&
	       put(o, "wait_p90_s", seconds_json(w, w->p90_s)) &&
	       put(o, "wait_max_s", seconds_json(w, w->max_s));
}

/* Calls by rule; none only when non-zero (a sound log has no call without
 * its rule). */
static json_t *calls_json(const size_t *calls)
{
	json_t *o = json_object();

	for (size_t i = 0; o && i < STATS_REASONS; i++) {
		if (i == REASON_NONE && calls[i] == 0)
			continue;
		if (!put_size(o, call_reason_name((enum call_reason)i),
			      calls[i])) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

static json_t *row_json(const struct stats_row *r)
{
	json_t *o = json_object();
	bool ok;

	ok = put(o, "service", json_string(r->service)) &&
	     put(o, "kind", json_string(ticket_kind_name(r->kind))) &&
	     put_size(o, "issued", r->issued) &&
	     put_size(o, "served", r->served) &&
	     put_size(o, "no_show", r->no_show) &&
	     put_size(o, "returned", r->returned) &&
	     put_size(o, "expired", r->expired) &&
	     put_size(o, "transferred_in", r->transferred_in) &&
	     put_size(o, "transferred_out", r->transferred_out) &&
	     put_size(o, "waiting", r->waiting) &&
	     put_size(o, "called", r->called) && put_wait(o, &r->wait) &&
	     put_size(o, "service_n", r->service_time.n) &&
	     put(o, "service_mean_s", mean_json(&r->service_time)) &&
	     put(o, "service_p50_s",
		 seconds_json(&r->service_time, r->service_time.p50_s)) &&
	     put(o, "service_p90_s",
		 seconds_json(&r->service_time, r->service_time.p90_s)) &&
	     put(o, "service_max_s",
		 seconds_json(&r->service_time, r->service_time.max_s)) &&
	     put_size(o, "on_time_bookings", r->on_time.bookings) &&
	     put_size(o, "on_time_pending", r->on_time.pending) &&
	     put_size(o, "called_within_10min", r->on_time.within) &&
	     put(o, "share_within_10min", share_json(&r->on_time)) &&
	     put(o, "calls_by_reason", calls_json(r->calls));
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Rows of services the config has for tickets, and of any other service
 * that has tickets that day. */
static bool row_shown(const struct config *cfg, const struct stats_row *r,
		      size_t i)
{
	size_t slot = i / STATS_KINDS;

	if (slot < cfg->n_services)
		return !cfg->services[slot].info || r->issued ||
		       r->transferred_in;
	return r->issued || r->transferred_in;
}

/* Containers are attached to their parent first and filled after, so
 * that the parent alone owns everything on every path. */
static json_t *fairness_json(const struct stats_day *d)
{
	json_t *f = json_object(), *kinds = json_object(),
	       *on_time = json_object(), *counters = json_array(),
	       *est = json_object();
	const struct stats_estimates *e = &d->estimates;
	bool ok = true;

	ok &= put(f, "kinds", kinds);
	ok &= put(f, "on_time_bookings", on_time);
	ok &= put(f, "estimates", est);
	ok &= put_size(f, "overtakes", d->overtakes);
	ok &= put(f, "calls_by_reason", calls_json(d->calls));
	ok &= put(f, "counters", counters);
	for (size_t k = 0; ok && k < STATS_KINDS; k++) {
		json_t *o = json_object();

		ok = put(kinds, ticket_kind_name((enum ticket_kind)k), o) &&
		     put_wait(o, &d->kinds[k].wait) &&
		     put_size(o, "overtakes", d->kinds[k].overtakes) &&
		     put(o, "worst_late_s",
			 d->kinds[k].late_n ?
				 json_integer(d->kinds[k].worst_late_s) :
				 json_null());
	}
	ok = ok && put_size(est, "told", e->told) &&
	     put_size(est, "within", e->within) &&
	     put_size(est, "longer", e->longer) &&
	     put(est, "share_within",
		 e->told ? json_real(ratio(e->within, e->told)) :
			   json_null()) &&
	     put(est, "share_longer",
		 e->told ? json_real(ratio(e->longer, e->told)) : json_null());
	ok = ok && put_size(on_time, "bookings", d->on_time.bookings) &&
	     put_size(on_time, "pending", d->on_time.pending) &&
	     put_size(on_time, "called_within_10min", d->on_time.within) &&
	     put(on_time, "share_within_10min", share_json(&d->on_time));
	for (size_t i = 0; ok && i < d->n_counters; i++) {
		const struct stats_counter *c = &d->counters[i];
		json_t *o = json_object();

		ok = json_array_append_new(counters, o) == 0 &&
		     put(o, "counter", json_string(c->id)) &&
		     put(o, "first_activity", time_json(c->first)) &&
		     put(o, "last_activity", time_json(c->last)) &&
		     put(o, "busy_s", json_integer((json_int_t)c->busy_s)) &&
		     put(o, "paused_s",
			 json_integer((json_int_t)c->paused_s)) &&
		     put(o, "idle_s", json_integer((json_int_t)c->idle_s));
	}
	if (!ok) {
		json_decref(f);
		return NULL;
	}
	return f;
}

/* Adds "totals" and "services" (the rows shown) to o. */
static bool put_rows(json_t *o, const struct config *cfg,
		     const struct stats_row *rows, size_t n)
{
	json_t *totals = json_object(), *list = json_array();
	size_t t[7] = {0};
	bool ok = true;

	ok &= put(o, "totals", totals);
	ok &= put(o, "services", list);
	for (size_t i = 0; ok && i < n; i++) {
		t[0] += rows[i].issued;
		t[1] += rows[i].served;
		t[2] += rows[i].no_show;
		t[3] += rows[i].expired;
		t[4] += rows[i].waiting;
		t[5] += rows[i].called;
		t[6] += rows[i].returned;
		if (row_shown(cfg, &rows[i], i))
			ok = json_array_append_new(list,
						   row_json(&rows[i])) == 0;
	}
	return ok && put_size(totals, "issued", t[0]) &&
	       put_size(totals, "served", t[1]) &&
	       put_size(totals, "no_show", t[2]) &&
	       put_size(totals, "returned", t[6]) &&
	       put_size(totals, "expired", t[3]) &&
	       put_size(totals, "waiting", t[4]) &&
	       put_size(totals, "called", t[5]);
}

static json_t *on_time_json(const struct stats_on_time *o)
{
	json_t *v = json_object();

	if (put_size(v, "bookings", o->bookings) &&
	    put_size(v, "pending", o->pending) &&
	    put_size(v, "called_within_10min", o->within) &&
	    put(v, "share_within_10min", share_json(o)))
		return v;
	json_decref(v);
	return NULL;
}

static json_t *day_json(const struct config *cfg, const struct stats_day *d)
{
	json_t *o = json_object();
	bool ok = put(o, "date", json_string(d->day)) &&
		  put(o, "generated_at", time_json(d->now)) &&
		  put_rows(o, cfg, d->rows, d->n_rows) &&
		  put(o, "fairness", fairness_json(d));

	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *hour_json(size_t h, const struct stats_hour *v)
{
	json_t *o = json_object();

	if (put_size(o, "hour", h) && put_size(o, "arrivals", v->arrivals) &&
	    put_wait(o, &v->wait))
		return o;
	json_decref(o);
	return NULL;
}

/* Each day: its rows, bookings on time and calls by rule. */
static json_t *period_day_json(const struct config *cfg,
			       const struct stats_day *d)
{
	json_t *o = json_object();

	if (put(o, "date", json_string(d->day)) &&
	    put_rows(o, cfg, d->rows, d->n_rows) &&
	    put(o, "on_time_bookings", on_time_json(&d->on_time)) &&
	    put(o, "calls_by_reason", calls_json(d->calls)))
		return o;
	json_decref(o);
	return NULL;
}

static json_t *period_json(const struct config *cfg,
			   const struct stats_period *p)
{
	json_t *o = json_object(), *days = json_array(), *hours = json_array();
	bool ok = put(o, "from", json_string(p->from)) &&
		  put(o, "to", json_string(p->to)) &&
		  put(o, "generated_at", time_json(p->now)) &&
		  put_size(o, "n_days", p->n_days) &&
		  put_rows(o, cfg, p->rows, p->n_rows) &&
		  put(o, "on_time_bookings", on_time_json(&p->on_time)) &&
		  put(o, "calls_by_reason", calls_json(p->calls));

	ok &= put(o, "hours", hours);
	ok &= put(o, "days", days);
	for (size_t h = 0; ok && h < STATS_HOURS; h++)
		ok = json_array_append_new(hours,
					   hour_json(h, &p->hours[h])) == 0;
	for (size_t i = 0; ok && i < p->n_days; i++)
		ok = json_array_append_new(
			     days, period_day_json(cfg, p->days[i])) == 0;
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* --- CSV ------------------------------------------------------------------ */

/* A field as RFC 4180 wants it: quoted when it holds a separator. */
static void csv_text(struct buf *b, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		buf_addf(b, "%s,", s);
		return;
	}
	buf_addf(b, "\"");
	for (; *s; s++) {
		if (*s == '"')
			buf_addf(b, "\"\"");
		else
			buf_addf(b, "%c", *s);
	}
	buf_addf(b, "\",");
}

static void csv_mean(struct buf *b, const struct stats_summary *s,
		     const char *sep)
{
	if (s->n)
		buf_addf(b, "%" PRId64 ".%" PRId64 "%s", s->mean_ds / 10,
			   s->mean_ds % 10, sep);
	else
		buf_addf(b, "%s", sep);
}

static void csv_seconds(struct buf *b, const struct stats_summary *s, int64_t v)
{
	if (s->n)
		buf_addf(b, "%" PRId64 ",", v);
	else
		buf_addf(b, ",");
}

/* A row of the one day's table, or with period set of a period's (with
 * the medians, the service times' spread and the calls by rule). */
static void csv_row(struct buf *b, const char *day, const struct stats_row *r,
		    bool period)
{
	int64_t sh = share(&r->on_time);

	buf_addf(b, "%s,", day);
	csv_text(b, r->service);
	buf_addf(b, "%s,%zu,%zu,%zu,%zu,%zu,%zu,%zu,%zu,%zu,",
		   ticket_kind_name(r->kind), r->issued, r->served, r->no_show,
		   r->expired, r->transferred_in, r->transferred_out,
		   r->waiting, r->called, r->wait.n);
	csv_mean(b, &r->wait, ",");
	if (period)
		csv_seconds(b, &r->wait, r->wait.p50_s);
	csv_seconds(b, &r->wait, r->wait.p90_s);
	csv_seconds(b, &r->wait, r->wait.max_s);
	buf_addf(b, "%zu,", r->service_time.n);
	csv_mean(b, &r->service_time, ",");
	if (period) {
		csv_seconds(b, &r->service_time, r->service_time.p50_s);
		csv_seconds(b, &r->service_time, r->service_time.p90_s);
		csv_seconds(b, &r->service_time, r->service_time.max_s);
	}
	buf_addf(b, "%zu,%zu,%zu,", r->on_time.bookings, r->on_time.pending,
		   r->on_time.within);
	if (sh >= 0)
		buf_addf(b, "%" PRId64 ".%04" PRId64, sh / SHARE_SCALE,
			   sh % SHARE_SCALE);
	for (size_t i = 1; period && i < STATS_REASONS; i++)
		buf_addf(b, ",%zu", r->calls[i]);
	buf_addf(b, ",%zu\r\n", r->returned);
}

static int day_csv(const struct config *cfg, const struct stats_day *d,
		   struct api_response *ret)
{
	struct buf b;

	buf_init(&b, STATS_BODY_MAX);
	buf_addf(&b, "%s", csv_header);
	for (size_t i = 0; i < d->n_rows; i++)
		if (row_shown(cfg, &d->rows[i], i))
			csv_row(&b, d->day, &d->rows[i], false);
	return buf_respond(&b, ret, "text/csv; charset=utf-8");
}

/* Each day's rows, then the period's, dated FROM/TO (an ISO 8601
 * interval); or, with hours, one line per hour of the day. */
static int period_csv(const struct config *cfg, const struct stats_period *p,
		      bool hours, struct api_response *ret)
{
	char interval[32];
	struct buf b;

	buf_init(&b, STATS_BODY_MAX);
	if (hours) {
		buf_addf(&b, "hour,arrivals,wait_n,wait_mean_s,wait_p50_s,"
			     "wait_p90_s,wait_max_s\r\n");
		for (size_t h = 0; h < STATS_HOURS; h++) {
			const struct stats_summary *w = &p->hours[h].wait;

			buf_addf(&b, "%zu,%zu,%zu,", h, p->hours[h].arrivals,
				 w->n);
			csv_mean(&b, w, ",");
			csv_seconds(&b, w, w->p50_s);
			csv_seconds(&b, w, w->p90_s);
			if (w->n)
				buf_addf(&b, "%" PRId64, w->max_s);
			buf_addf(&b, "\r\n");
		}
		return buf_respond(&b, ret, "text/csv; charset=utf-8");
	}
	buf_addf(&b, "%s", period_csv_header);
	for (size_t i = 1; i < STATS_REASONS; i++)
		buf_addf(&b, ",calls_%s", call_reason_name((enum call_reason)i));
	buf_addf(&b, ",returned\r\n");
	for (size_t k = 0; k < p->n_days; k++) {
		const struct stats_day *d = p->days[k];

		for (size_t i = 0; i < d->n_rows; i++)
			if (row_shown(cfg, &d->rows[i], i))
				csv_row(&b, d->day, &d->rows[i], true);
	}
	(void)snprintf(interval, sizeof(interval), "%s/%s", p->from, p->to);
	for (size_t i = 0; i < p->n_rows; i++)
		if (row_shown(cfg, &p->rows[i], i))
			csv_row(&b, interval, &p->rows[i], true);
	return buf_respond(&b, ret, "text/csv; charset=utf-8");
}

/* Hands v (consumed) over to ret as its body. */
static void json_respond(json_t *v, struct api_response *ret)
{
	size_t len = v ? json_dumpb(v, NULL, 0,
				    JSON_COMPACT | JSON_REAL_PRECISION(15)) :
			 0;

	free(ret->body);
	ret->body = len ? malloc(len + 1) : NULL;
	if (!ret->body ||
	    json_dumpb(v, ret->body, len,
		       JSON_COMPACT | JSON_REAL_PRECISION(15)) != len) {
		json_decref(v);
		free(ret->body);
		ret->body = NULL;
		internal(ret, "rendering the statistics", -ENOMEM);
		return;
	}
	json_decref(v);
	ret->body[len] = '\0';
	ret->body_len = len;
	ret->status = 200;
	ret->content_type = "application/json";
}

void api_stats_report(const struct config *cfg, struct stats *s,
		      const struct api_request *req, int64_t now,
		      struct api_response *ret)
{
	struct stats_period *p = NULL;
	struct stats_day *d = NULL;
	struct stats_query q;
	bool csv;
	int r;

	/* The query first: a bad one is refused as such in every office. */
	if (parse_query(req->query, now, &q, ret) < 0 || unavailable(s, ret))
		return;
	csv = q.format ? q.format == 'c' : wants_csv(req->accept);
	if (q.from[0])
		r = stats_period(s, q.from, q.to, now, &p);
	else
		r = stats_compute(s, q.day, now, &d);
	if (r < 0) {
		internal(ret, "computing the statistics", r);
		return;
	}
	if (csv) {
		r = p ? period_csv(cfg, p, q.hours, ret) : day_csv(cfg, d, ret);
		if (r < 0)
			internal(ret, "rendering the statistics as CSV", r);
	} else {
		json_respond(p ? period_json(cfg, p) : day_json(cfg, d), ret);
	}
	/* Either representation of the same resource. */
	if (ret->status == 200 && !q.format)
		(void)api_response_header(ret, "Vary", "Accept");
	stats_day_free(d);
	stats_period_free(p);
}

/* --- Prometheus ----------------------------------------------------------- */

/* A label value as the text format wants it. */
static void label(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			buf_addf(b, "\\%c", *s);
		else if (*s == '\n')
			buf_addf(b, "\\n");
		else
			buf_addf(b, "%c", *s);
	}
}

void api_metric_series(struct buf *b, const struct config *cfg,
		       const char *name)
{
	buf_addf(b, "%s{office=\"", name);
	label(b, cfg->office.id);
	buf_addf(b, "\"");
}

static void metric_head(struct buf *b, const char *name, const char *type,
			const char *help)
{
	buf_addf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void per_kind(struct buf *b, const struct config *cfg,
		     const struct stats_live *l, const char *name, bool issued)
{
	for (size_t i = 0; i < l->n_services; i++) {
		const struct stats_live_service *ls = &l->services[i];

		if (cfg->services[i].info)
			continue;
		for (size_t k = 0; k < STATS_KINDS; k++) {
			api_metric_series(b, cfg, name);
			buf_addf(b, ",service=\"");
			label(b, cfg->services[i].id);
			buf_addf(b, "\",kind=\"%s\"} %zu\n",
				   ticket_kind_name((enum ticket_kind)k),
				   issued ? ls->issued[k] : ls->served[k]);
		}
	}
}

static void wait_histogram(struct buf *b, const struct config *cfg,
			   const struct stats_live *l)
{
	for (size_t i = 0; i < l->n_services; i++) {
		const struct stats_live_service *ls = &l->services[i];
		size_t cum = 0;

		if (cfg->services[i].info)
			continue;
		for (size_t k = 0; k <= STATS_WAIT_BUCKETS; k++) {
			cum += ls->wait_bucket[k];
			api_metric_series(b, cfg, "bonomat_wait_seconds_bucket");
			buf_addf(b, ",service=\"");
			label(b, cfg->services[i].id);
			if (k < STATS_WAIT_BUCKETS)
				buf_addf(b, "\",le=\"%" PRId64 "\"} %zu\n",
					   stats_wait_bounds[k], cum);
			else
				buf_addf(b, "\",le=\"+Inf\"} %zu\n", cum);
		}
		api_metric_series(b, cfg, "bonomat_wait_seconds_sum");
		buf_addf(b, ",service=\"");
		label(b, cfg->services[i].id);
		buf_addf(b, "\"} %" PRId64 "\n", ls->wait_sum_s);
		api_metric_series(b, cfg, "bonomat_wait_seconds_count");
		buf_addf(b, ",service=\"");
		label(b, cfg->services[i].id);
		buf_addf(b, "\"} %zu\n", ls->wait_count);
	}
}

static void printer_states(struct buf *b, const struct config *cfg,
			   struct printers *p)
{
	static const enum printer_state states[] = {
		PRINTER_OK,	    PRINTER_PAPER_LOW, PRINTER_PAPER_OUT,
		PRINTER_COVER_OPEN, PRINTER_OFFLINE,   PRINTER_UNKNOWN,
	};

	for (size_t i = 0; i < cfg->n_printers; i++) {
		struct printer_status st = {.state = PRINTER_OK};

		/* As GET /api/v1/printers: driver none is a printer that
		 * is always fine, an unsupervised one is unknown. */
		if (cfg->printers[i].driver != DRIVER_NONE &&
		    (!p || printers_status(p, (int)i, &st) < 0))
			st.state = PRINTER_UNKNOWN;
		for (size_t k = 0; k < sizeof(states) / sizeof(states[0]);
		     k++) {
			api_metric_series(b, cfg, "bonomat_printer_state");
			buf_addf(b, ",printer=\"");
			label(b, cfg->printers[i].name);
			buf_addf(b, "\",state=\"%s\"} %d\n",
				   printer_state_name(states[k]),
				   st.state == states[k]);
		}
	}
}

void api_stats_metrics(const struct config *cfg, struct stats *s,
		       struct printers *p, int64_t now,
		       struct api_response *ret)
{
	struct stats_live *l = NULL;
	struct buf b;
	char day[11];
	int r;

	if (unavailable(s, ret))
		return;
	hours_day(now, day);
	r = stats_live(s, day, &l);
	if (r < 0) {
		internal(ret, "computing the metrics", r);
		return;
	}
	buf_init(&b, STATS_BODY_MAX);
	metric_head(&b, "bonomat_office_info", "gauge",
		    "Always 1: the office's name ([office] name) by its id.");
	api_metric_series(&b, cfg, "bonomat_office_info");
	buf_addf(&b, ",name=\"");
	label(&b, cfg->office.name);
	buf_addf(&b, "\"} 1\n");
	metric_head(&b, "bonomat_tickets_issued_total", "counter",
		    "Tickets issued today, by the service they were issued "
		    "for and kind. Restarts at 0 at the start of each office "
		    "day.");
	per_kind(&b, cfg, l, "bonomat_tickets_issued_total", true);
	metric_head(&b, "bonomat_tickets_served_total", "counter",
		    "Tickets served today, by service and kind. Restarts at "
		    "0 at the start of each office day.");
	per_kind(&b, cfg, l, "bonomat_tickets_served_total", false);
	metric_head(&b, "bonomat_tickets_waiting", "gauge",
		    "Tickets waiting now, by service.");
	for (size_t i = 0; i < l->n_services; i++) {
		if (cfg->services[i].info)
			continue;
		api_metric_series(&b, cfg, "bonomat_tickets_waiting");
		buf_addf(&b, ",service=\"");
		label(&b, cfg->services[i].id);
		buf_addf(&b, "\"} %zu\n", l->services[i].waiting);
	}
	metric_head(&b, "bonomat_wait_seconds", "histogram",
		    "Seconds from issue to first call of today's called "
		    "tickets, by the service they were issued for. Restarts "
		    "at 0 at the start of each office day.");
	wait_histogram(&b, cfg, l);
	metric_head(&b, "bonomat_printer_state", "gauge",
		    "1 for the printer's current state, 0 for the others.");
	printer_states(&b, cfg, p);
	stats_live_free(l);
	r = buf_respond(&b, ret, "text/plain; version=0.0.4; charset=utf-8");
	if (r < 0)
		internal(ret, "rendering the metrics", r);
}
