/* The figures of a period of days: each day as stats.c computes it, and
 * the period's rows and hours with their distributions taken over all of
 * the period's tickets (a median of daily medians is not a median). */
#include "stats.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "stats_internal.h"

/* Durations waiting to be summarized, each with the index of the row (or
 * hour) it belongs to. */
struct pool {
	size_t *keys;
	int64_t *v;
	size_t n, cap, cap_v;
};

struct period_ctx {
	const struct config *cfg;
	struct stats_period *p;
	struct pool waits, services, hour_waits;
	int *slots; /* the day's row slot -> the period's */
	size_t n_slots;
};

static int pool_add(struct pool *pl, size_t key, int64_t v)
{
	int r = array_reserve(&pl->keys, &pl->cap, pl->n + 1,
			      sizeof(*pl->keys), 4096,
			      SIZE_MAX / sizeof(*pl->v));

	if (r == 0)
		r = array_reserve(&pl->v, &pl->cap_v, pl->n + 1,
				  sizeof(*pl->v), 4096,
				  SIZE_MAX / sizeof(*pl->v));
	if (r < 0)
		return r;
	pl->keys[pl->n] = key;
	pl->v[pl->n] = v;
	pl->n++;
	return 0;
}

static int pool_summarize(const struct pool *pl, size_t n_keys, void *out,
			  size_t stride)
{
	return stats_summarize_by(pl->keys, pl->v, pl->n, n_keys, out, stride);
}

static void pool_free(struct pool *pl)
{
	free(pl->keys);
	free(pl->v);
}

/* Maps the slots of day d to the period's. */
static int map_slots(struct period_ctx *x, const struct stats_day *d)
{
	size_t n = d->n_rows / STATS_KINDS;
	int r;

	if (n > x->n_slots) {
		int *v = realloc(x->slots, n * sizeof(*v));

		if (!v)
			return -ENOMEM;
		x->slots = v;
		x->n_slots = n;
	}
	for (size_t i = 0; i < n; i++) {
		r = stats_slot_of(x->cfg, &x->p->extra_ids, &x->p->n_extra,
				  d->rows[i * STATS_KINDS].service,
				  &x->slots[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static size_t row_key(const struct period_ctx *x, int day_slot,
		      enum ticket_kind kind)
{
	return (size_t)x->slots[day_slot] * STATS_KINDS + (size_t)kind;
}

static int pool_day(struct period_ctx *x, const struct stats_ticket *t,
		    size_t n)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < n; i++) {
		time_t at = (time_t)t[i].issued_at;
		struct tm tm;
		int h = localtime_r(&at, &tm) ? tm.tm_hour : 0;

		if (h < 0 || h >= STATS_HOURS)
			h = 0;
		x->p->hours[h].arrivals++;
		if (t[i].wait_s >= 0) {
			r = pool_add(&x->waits,
				     row_key(x, t[i].svc_issue, t[i].kind),
				     t[i].wait_s);
			if (r == 0)
				r = pool_add(&x->hour_waits, (size_t)h,
					     t[i].wait_s);
		}
		if (r == 0 && t[i].service_s >= 0)
			r = pool_add(&x->services,
				     row_key(x, t[i].svc_now, t[i].kind),
				     t[i].service_s);
	}
	return r;
}

static void add_on_time(struct stats_on_time *to,
			const struct stats_on_time *o)
{
	to->bookings += o->bookings;
	to->pending += o->pending;
	to->within += o->within;
}

/* Adds the counts of day d's rows to the period's. */
static int sum_day(struct period_ctx *x, const struct stats_day *d)
{
	struct stats_period *p = x->p;
	int r = map_slots(x, d);

	if (r < 0)
		return r;
	for (size_t i = 0; i < d->n_rows; i++) {
		const struct stats_row *a = &d->rows[i];
		struct stats_row *b =
			&p->rows[row_key(x, (int)(i / STATS_KINDS), a->kind)];

		b->issued += a->issued;
		b->served += a->served;
		b->no_show += a->no_show;
		b->returned += a->returned;
		b->expired += a->expired;
		b->transferred_in += a->transferred_in;
		b->transferred_out += a->transferred_out;
		b->waiting += a->waiting;
		b->called += a->called;
		add_on_time(&b->on_time, &a->on_time);
		for (size_t k = 0; k < STATS_REASONS; k++)
			b->calls[k] += a->calls[k];
	}
	add_on_time(&p->on_time, &d->on_time);
	for (size_t k = 0; k < STATS_REASONS; k++)
		p->calls[k] += d->calls[k];
	return 0;
}

static int setup_rows(struct period_ctx *x)
{
	struct stats_period *p = x->p;
	size_t n_svc = x->cfg->n_services + p->n_extra;

	p->n_rows = n_svc * STATS_KINDS;
	p->rows = calloc(p->n_rows ? p->n_rows : 1, sizeof(*p->rows));
	if (!p->rows)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_rows; i++) {
		size_t slot = i / STATS_KINDS;

		p->rows[i].service =
			slot < x->cfg->n_services ?
				x->cfg->services[slot].id :
				p->extra_ids[slot - x->cfg->n_services];
		p->rows[i].kind = (enum ticket_kind)(i % STATS_KINDS);
	}
	return 0;
}

static int parse_noon(const char *day, time_t *ret)
{
	struct tm tm = {0};
	char *end;

	if (!stats_valid_day(day))
		return -EINVAL;
	tm.tm_year = (int)strtol(day, &end, 10) - 1900;
	tm.tm_mon = (int)strtol(day + 5, &end, 10) - 1;
	tm.tm_mday = (int)strtol(day + 8, &end, 10);
	tm.tm_hour = 12;
	*ret = timegm(&tm);
	return *ret == (time_t)-1 ? -EINVAL : 0;
}

long stats_period_days(const char *from, const char *to)
{
	time_t a, b;

	if (parse_noon(from, &a) < 0 || parse_noon(to, &b) < 0 || b < a)
		return 0;
	return (long)((b - a) / 86400) + 1;
}

void stats_period_free(struct stats_period *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_days; i++)
		stats_day_free(p->days[i]);
	free(p->days);
	for (size_t i = 0; i < p->n_extra; i++)
		free(p->extra_ids[i]);
	free(p->extra_ids);
	free(p->rows);
	free(p);
}

/* Reads every day and pools its tickets. */
static int read_days(struct stats *s, struct period_ctx *x, time_t first)
{
	struct stats_period *p = x->p;
	int r = stats_read_begin(s);

	if (r < 0)
		return r;
	for (size_t i = 0; r == 0 && i < p->n_days; i++) {
		time_t noon = first + (time_t)i * 86400;
		struct stats_ticket *tks = NULL;
		char day[11];
		struct tm tm;
		size_t n = 0;

		if (!gmtime_r(&noon, &tm) ||
		    strftime(day, sizeof(day), "%Y-%m-%d", &tm) != 10) {
			r = -EINVAL;
			break;
		}
		r = stats_compute_locked(s, day, p->now, &tks, &n,
					 &p->days[i]);
		if (r == 0)
			r = map_slots(x, p->days[i]);
		if (r == 0)
			r = pool_day(x, tks, n);
		free(tks);
	}
	stats_read_end(s);
	return r;
}

int stats_period(struct stats *s, const char *from, const char *to,
		 int64_t now, struct stats_period **ret)
{
	struct period_ctx x = {0};
	struct stats_period *p;
	long n_days;
	time_t first;
	int r;

	if (!s || !ret || parse_noon(from, &first) < 0 || !stats_valid_day(to))
		return -EINVAL;
	n_days = stats_period_days(from, to);
	if (n_days <= 0)
		return -EINVAL;
	if (n_days > STATS_PERIOD_DAYS_MAX)
		return -E2BIG;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	memcpy(p->from, from, sizeof(p->from));
	memcpy(p->to, to, sizeof(p->to));
	p->now = now;
	p->n_days = (size_t)n_days;
	p->days = calloc(p->n_days, sizeof(*p->days));
	x.cfg = stats_config(s);
	x.p = p;
	r = p->days ? read_days(s, &x, first) : -ENOMEM;
	if (r == 0)
		r = setup_rows(&x);
	for (size_t i = 0; r == 0 && i < p->n_days; i++)
		r = sum_day(&x, p->days[i]);
	if (r == 0)
		r = pool_summarize(&x.waits, p->n_rows, &p->rows[0].wait,
				   sizeof(p->rows[0]));
	if (r == 0)
		r = pool_summarize(&x.services, p->n_rows,
				   &p->rows[0].service_time,
				   sizeof(p->rows[0]));
	if (r == 0)
		r = pool_summarize(&x.hour_waits, STATS_HOURS,
				   &p->hours[0].wait, sizeof(p->hours[0]));
	pool_free(&x.waits);
	pool_free(&x.services);
	pool_free(&x.hour_waits);
	free(x.slots);
	if (r < 0) {
		stats_period_free(p);
		return r;
	}
	*ret = p;
	return 0;
}
