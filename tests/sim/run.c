#include "run.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/*
 * The simulator's own view of who waits, kept apart from the engine's so
 * that the engine's choices can be checked against it: per service and
 * kind an unordered set of citizen indices (the day's order is arrival
 * order, so a lower index arrived earlier).
 */
struct waitset {
	size_t *v;
	size_t n;
};

struct state {
	const struct day *d;
	enum run_policy policy;
	const struct queue_policy *qp;
	struct queue *q;
	struct waitset (*w)[RUN_KINDS]; /* per service */
	size_t *pos;			/* per citizen: index in its set */
	int64_t *busy_until;		/* per counter */
	long *current;			/* per counter: citizen, or -1 */
	struct run_result *res;
	/* The office's moving mean of service times, per service: the last
	 * ESTIMATE_WINDOW served, the empty places at the config's mean. */
	int64_t recent[64][10];
	size_t recent_n[64], recent_next[64];
	int64_t *booked; /* scratch: slot starts of pending bookings */
};

#define ESTIMATE_WINDOW 10

#define BIT(s) (UINT64_C(1) << (s))

static struct waitset *set_of(struct state *st, size_t i)
{
	const struct citizen *c = &st->d->c[i];
	return &st->w[c->service][c->kind];
}

static void wait_add(struct state *st, size_t i)
{
	struct waitset *w = set_of(st, i);

	/* Each set is allocated for every citizen of the day: no growth. */
	st->pos[i] = w->n;
	w->v[w->n++] = i;
}

static void wait_remove(struct state *st, size_t i)
{
	struct waitset *w = set_of(st, i);
	size_t last = w->v[--w->n];

	w->v[st->pos[i]] = last;
	st->pos[last] = st->pos[i];
}

static bool serves_waiting(const struct state *st, uint64_t services)
{
	for (size_t s = 0; s < st->d->n_services; s++)
		for (int k = 0; services & BIT(s) && k < RUN_KINDS; k++)
			if (st->w[s][k].n)
				return true;
	return false;
}

/* The earliest-arrived waiting citizen of the services, or -1. */
static long fifo_pick(const struct state *st, uint64_t services)
{
	long best = -1;

	for (size_t s = 0; s < st->d->n_services; s++)
		for (int k = 0; services & BIT(s) && k < RUN_KINDS; k++)
			for (size_t j = 0; j < st->w[s][k].n; j++)
				if (best < 0 || st->w[s][k].v[j] < (size_t)best)
					best = (long)st->w[s][k].v[j];
	return best;
}

/* The oldest walk-in or priority citizen of the services who has waited
 * max_wait, or -1. */
static long oldest_starved(const struct state *st, uint64_t services,
			   int64_t now)
{
	static const enum ticket_kind kinds[] = {TICKET_WALK_IN,
						 TICKET_PRIORITY};
	long best = -1;

	for (size_t s = 0; s < st->d->n_services; s++) {
		if (!(services & BIT(s)))
			continue;
		for (size_t k = 0; k < 2; k++) {
			const struct waitset *w = &st->w[s][kinds[k]];
			for (size_t j = 0; j < w->n; j++) {
				size_t i = w->v[j];
				if (now - st->d->c[i].arrival >=
					    st->qp->max_wait &&
				    (best < 0 || i < (size_t)best))
					best = (long)i;
			}
		}
	}
	return best;
}

/* Whether a waiting citizen of the same kind and service as i comes first
 * in that class: arrived earlier, or for appointments booked earlier. */
static bool overtakes(const struct state *st, size_t i)
{
	const struct citizen *c = &st->d->c[i];
	const struct waitset *w = &st->w[c->service][c->kind];

	for (size_t j = 0; j < w->n; j++) {
		const struct citizen *u = &st->d->c[w->v[j]];
		if (c->kind == TICKET_APPOINTMENT ?
			    u->slot_start < c->slot_start :
			    w->v[j] < i)
			return true;
	}
	return false;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* As office_mean_service_time() does it. */
static int64_t mean_service(const struct state *st, size_t s)
{
	int64_t sum = (int64_t)(ESTIMATE_WINDOW - st->recent_n[s]) *
		      (int64_t)(st->d->services[s].minutes * 60);

	for (size_t i = 0; i < st->recent_n[s]; i++)
		sum += st->recent[s][i];
	return sum / ESTIMATE_WINDOW;
}

static void record_service(struct state *st, size_t s, int64_t secs)
{
	if (secs < 60)
		secs = 60;
	if (secs > 3600)
		secs = 3600;
	st->recent[s][st->recent_next[s]] = secs;
	st->recent_next[s] = (st->recent_next[s] + 1) % ESTIMATE_WINDOW;
	if (st->recent_n[s] < ESTIMATE_WINDOW)
		st->recent_n[s]++;
}

/* The estimate the kiosk gives the citizen i arriving now: the engine's,
 * with the bookings not yet checked in and still within their grace, as
 * the office reads them from its bookings. */
static int estimate(struct state *st, size_t i, int *ret_min)
{
	const struct day *d = st->d;
	const struct citizen *c = &d->c[i];
	struct queue_booked booked[64];
	int64_t mean[64], wait;
	size_t n = 0;
	int r;

	/* The day's bookings are drawn in no order of slot: gather them per
	 * service, each sorted. */
	for (size_t s = 0; s < d->n_services; s++) {
		size_t from = n;
		mean[s] = mean_service(st, s);
		for (size_t j = 0; j < d->n_b; j++) {
			const struct day_booking *b = &d->b[j];
			if ((size_t)b->service == s &&
			    (b->checkin < 0 || b->checkin > c->arrival) &&
			    b->slot_start + d->late_grace >= c->arrival)
				st->booked[n++] = b->slot_start;
		}
		qsort(st->booked + from, n - from, sizeof(*st->booked),
		      cmp_i64);
		booked[s] = (struct queue_booked){st->booked + from, n - from};
	}
	r = queue_estimate(st->q, (size_t)c->service, c->kind, c->arrival, mean,
			   booked, QUEUE_SHOW_SHARE, &wait);
	if (r < 0)
		return r;
	*ret_min = (int)((wait + 59) / 60);
	return 0;
}

static int arrive(struct state *st, size_t i)
{
	const struct citizen *c = &st->d->c[i];

	if (st->policy == RUN_BONOMAT) {
		struct ticket t;
		int r;

		if (c->kind != TICKET_APPOINTMENT) {
			r = estimate(st, i, &st->res->call[i].estimate_min);
			if (r < 0)
				return r;
		}

		memset(&t, 0, sizeof(t));
		t.id = (int64_t)i + 1;
		t.service = c->service;
		t.kind = c->kind;
		t.state = TICKET_WAITING;
		t.issued_at = c->arrival;
		t.slot_start = c->slot_start;
		t.late = c->late;
		t.kiosk = -1;
		t.counter = -1;
		t.est_wait_min = -1;
		r = queue_add(st->q, &t);
		if (r < 0)
			return r;
	}
	wait_add(st, i);
	return 0;
}

static int finish(struct state *st, size_t counter, int64_t now)
{
	long i = st->current[counter];

	if (st->policy == RUN_BONOMAT) {
		int r = queue_finish(st->q, counter);
		if (r < 0)
			return r;
	}
	record_service(st, (size_t)st->d->c[i].service,
		       now - st->res->call[i].called_at);
	st->res->call[i].finished_at = now;
	st->current[counter] = -1;
	return 0;
}

/* The counter's next call, if anyone it serves waits. */
static int call_next(struct state *st, size_t counter, int64_t now)
{
	uint64_t services = st->d->counter_services[counter];
	enum call_reason reason = REASON_NONE;
	long i, starved;
	int r;

	if (st->policy == RUN_BONOMAT) {
		int64_t id;
		r = queue_pick(st->q, counter, now, &id, &reason);
		if (r == -ENOENT)
			return 0;
		if (r < 0)
			return r;
		if (id < 1 || (size_t)id > st->d->n)
			return -EPROTO;
		i = (long)id - 1;
	} else {
		i = fifo_pick(st, services);
		if (i < 0)
			return 0;
	}
	/* The engine must pick a waiting citizen this counter serves. */
	if (!(services & BIT(st->d->c[i].service)) ||
	    st->res->call[i].counter >= 0)
		return -EPROTO;

	starved = oldest_starved(st, services, now);
	if (starved >= 0 && starved != i)
		st->res->passed_starved++;
	wait_remove(st, (size_t)i);
	if (overtakes(st, (size_t)i))
		st->res->overtakes[st->d->c[i].kind]++;

	if (st->policy == RUN_BONOMAT) {
		r = queue_call(st->q, counter, (int64_t)i + 1, reason, now);
		if (r < 0)
			return r;
	}
	st->res->call[i].called_at = now;
	st->res->call[i].counter = (int)counter;
	st->res->call[i].reason = reason;
	st->res->calls[reason]++;
	st->current[counter] = i;
	st->busy_until[counter] = now + st->d->c[i].service_s;
	return 0;
}

static int64_t overlap(int64_t a0, int64_t a1, int64_t b0, int64_t b1)
{
	int64_t lo = a0 > b0 ? a0 : b0, hi = a1 < b1 ? a1 : b1;
	return hi > lo ? hi - lo : 0;
}

static int simulate(struct state *st)
{
	const struct day *d = st->d;
	size_t next = 0, idle_waiting = 0;
	int64_t now = d->open;
	bool counted_close = false;
	int r;

	for (;;) {
		int64_t t = INT64_MAX;

		if (next < d->n)
			t = d->c[next].arrival;
		for (size_t k = 0; k < d->n_counters; k++)
			if (st->current[k] >= 0 && st->busy_until[k] < t)
				t = st->busy_until[k];
		if (t == INT64_MAX)
			break;
		st->res->idle_waiting_s += (int64_t)idle_waiting * (t - now);
		if (!counted_close && t > d->close) {
			/* Who would expire if the office stopped at closing. */
			for (size_t s = 0; s < d->n_services; s++)
				for (int k = 0; k < RUN_KINDS; k++)
					st->res->waiting_at_close +=
						st->w[s][k].n;
			counted_close = true;
		}
		now = t;

		for (size_t k = 0; k < d->n_counters; k++)
			if (st->current[k] >= 0 && st->busy_until[k] == now) {
				r = finish(st, k, now);
				if (r < 0)
					return r;
			}
		for (; next < d->n && d->c[next].arrival == now; next++) {
			r = arrive(st, next);
			if (r < 0)
				return r;
		}
		idle_waiting = 0;
		for (size_t j = 0; j < d->n_counters; j++) {
			size_t k = st->policy == RUN_FIFO_REVERSED ?
					   d->n_counters - 1 - j :
					   j;
			if (st->current[k] >= 0)
				continue;
			r = call_next(st, k, now);
			if (r < 0)
				return r;
			if (st->current[k] < 0 &&
			    serves_waiting(st, d->counter_services[k]))
				idle_waiting++;
		}
	}
	for (size_t i = 0; i < d->n; i++) {
		const struct run_call *c = &st->res->call[i];
		if (c->counter < 0 || c->finished_at == 0)
			return -EPROTO; /* someone was never served */
		st->res->busy_s += overlap(c->called_at, c->finished_at,
					   d->open, d->close);
		if (c->finished_at > st->res->last_finish)
			st->res->last_finish = c->finished_at;
	}
	return 0;
}

int run_day(const struct day *d, enum run_policy policy,
	    const struct queue_policy *qp, struct run_result *ret)
{
	struct state st = {.d = d, .policy = policy, .qp = qp};
	struct run_result res;
	int r = -ENOMEM;

	memset(&res, 0, sizeof(res));
	st.res = &res;
	res.n = d->n;
	res.call = calloc(d->n + 1, sizeof(*res.call));
	st.w = calloc(d->n_services, sizeof(*st.w));
	st.pos = calloc(d->n + 1, sizeof(*st.pos));
	st.busy_until = calloc(d->n_counters, sizeof(*st.busy_until));
	st.current = calloc(d->n_counters, sizeof(*st.current));
	st.booked = calloc(d->n_b + 1, sizeof(*st.booked));
	if (!res.call || !st.w || !st.pos || !st.busy_until || !st.current ||
	    !st.booked)
		goto out;
	for (size_t s = 0; s < d->n_services; s++)
		for (int k = 0; k < RUN_KINDS; k++) {
			st.w[s][k].v = calloc(d->n + 1, sizeof(size_t));
			if (!st.w[s][k].v)
				goto out;
		}
	for (size_t i = 0; i < d->n; i++) {
		res.call[i].counter = -1;
		res.call[i].estimate_min = -1;
	}
	for (size_t k = 0; k < d->n_counters; k++)
		st.current[k] = -1;
	if (policy == RUN_BONOMAT) {
		r = queue_new(qp, d->n_services, d->n_counters,
			      d->counter_services, &st.q);
		if (r < 0)
			goto out;
	}

	r = simulate(&st);
	if (r == 0) {
		*ret = res;
		res.call = NULL;
	}
out:
	queue_free(st.q);
	for (size_t s = 0; st.w && s < d->n_services; s++)
		for (int k = 0; k < RUN_KINDS; k++)
			free(st.w[s][k].v);
	free(st.w);
	free(st.pos);
	free(st.busy_until);
	free(st.current);
	free(st.booked);
	free(res.call);
	return r;
}

void run_result_free(struct run_result *r)
{
	if (!r)
		return;
	free(r->call);
	r->call = NULL;
}
