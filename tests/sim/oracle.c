#include "oracle.h"

#include <errno.h>
#include <stdlib.h>

#include "flow.h"

struct job {
	int64_t release;  /* arrival, not before the office opens */
	int64_t deadline; /* served by: the call's deadline + service */
	int64_t work;	  /* service time */
	bool booking;	  /* one of the 5% that may be late */
	int service;
};

static int by_deadline(const void *a, const void *b)
{
	const struct job *x = a, *y = b;
	return (x->deadline > y->deadline) - (x->deadline < y->deadline);
}

/* The k largest values pushed so far, in a min-heap: their sum is what the
 * 5% of late bookings can take out of a window at best. */
struct top {
	int64_t *v;
	size_t n, k;
	int64_t sum;
};

static void top_push(struct top *t, int64_t x)
{
	size_t i;

	if (!t->k)
		return;
	if (t->n == t->k) {
		if (x <= t->v[0])
			return;
		t->sum -= t->v[0];
		/* Replace the root and sift down. */
		i = 0;
		for (;;) {
			size_t l = 2 * i + 1, r = l + 1, m = i;
			int64_t vm = x;
			if (l < t->n && t->v[l] < vm)
				m = l, vm = t->v[l];
			if (r < t->n && t->v[r] < vm)
				m = r, vm = t->v[r];
			if (m == i)
				break;
			t->v[i] = t->v[m];
			i = m;
		}
		t->v[i] = x;
		t->sum += x;
		return;
	}
	i = t->n++;
	while (i > 0 && t->v[(i - 1) / 2] > x) {
		t->v[i] = t->v[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	t->v[i] = x;
	t->sum += x;
}

/* Every window starts at some citizen's release and ends at some
 * deadline; the windows that start elsewhere hold no more. */
static void check_set(const struct job *j, size_t n, uint64_t set,
		      size_t counters, struct top *top,
		      struct oracle_result *ret)
{
	for (size_t a = 0; a < n; a++) {
		int64_t from = j[a].release, sum = 0;

		if (!(set & (UINT64_C(1) << j[a].service)))
			continue;
		top->n = 0;
		top->sum = 0;
		for (size_t b = 0; b < n; b++) {
			double cap, demand;

			if (j[b].release < from ||
			    !(set & (UINT64_C(1) << j[b].service)))
				continue;
			sum += j[b].work;
			if (j[b].booking)
				top_push(top, j[b].work);
			demand = (double)(sum - top->sum);
			cap = (double)counters * (double)(j[b].deadline - from);
			if (demand > cap &&
			    (ret->feasible ||
			     demand - cap > ret->demand_s - ret->capacity_s)) {
				ret->feasible = false;
				ret->from = from;
				ret->to = j[b].deadline;
				ret->demand_s = demand;
				ret->capacity_s = cap;
			}
		}
	}
}

/* The flow test of oracle.h over the jobs, of which the bookings may leave
 * out `spare` seconds. */
static int check_flow(const struct day *d, const struct job *j, size_t n,
		      int64_t spare, struct oracle_result *ret)
{
	enum {
		SOURCE,
		SINK,
		SPARE,
		JOBS
	};
	const int64_t g = ORACLE_GRID;
	uint64_t kinds[64];
	int64_t count[64], total = 0, carried;
	size_t nk = 0, ns = d->n_services, cells = 0, cs, ck;
	struct flow *f;
	int r;

	/* Counters with the same services are one kind, counted. */
	for (size_t c = 0; c < d->n_counters; c++) {
		size_t k = 0;
		while (k < nk && kinds[k] != d->counter_services[c])
			k++;
		if (k == nk) {
			if (nk == 64)
				return -E2BIG;
			kinds[nk] = d->counter_services[c];
			count[nk++] = 0;
		}
		count[k]++;
	}
	for (size_t i = 0; i < n; i++) {
		size_t end = (size_t)((j[i].deadline - d->open + g - 1) / g);
		if (end > cells)
			cells = end;
	}
	cs = JOBS + n;	      /* node of (cell, service) */
	ck = cs + cells * ns; /* node of (cell, kind) */
	r = flow_new(ck + cells * nk, &f);
	if (r < 0)
		return r;
	r = flow_edge(f, SPARE, SINK, spare);
	for (size_t i = 0; r == 0 && i < n; i++) {
		size_t from = (size_t)((j[i].release - d->open) / g);
		size_t to = (size_t)((j[i].deadline - d->open + g - 1) / g);
		total += j[i].work;
		r = flow_edge(f, SOURCE, JOBS + i, j[i].work);
		if (r == 0 && j[i].booking)
			r = flow_edge(f, JOBS + i, SPARE, j[i].work);
		for (size_t c = from; r == 0 && c < to; c++)
			r = flow_edge(f, JOBS + i,
				      cs + c * ns + (size_t)j[i].service, g);
	}
	for (size_t c = 0; r == 0 && c < cells; c++)
		for (size_t k = 0; r == 0 && k < nk; k++) {
			r = flow_edge(f, ck + c * nk + k, SINK, count[k] * g);
			for (size_t s = 0; r == 0 && s < ns; s++)
				if (kinds[k] & (UINT64_C(1) << s))
					r = flow_edge(f, cs + c * ns + s,
						      ck + c * nk + k,
						      count[k] * g);
		}
	if (r == 0)
		r = flow_max(f, SOURCE, SINK, &carried);
	flow_free(f);
	if (r < 0)
		return r;
	if (carried < total) {
		ret->feasible = false;
		ret->by_flow = true;
		ret->flow_s = (double)carried;
		ret->work_s = (double)total;
	}
	return 0;
}

int oracle_check(const struct day *d, int64_t max_wait,
		 struct oracle_result *ret)
{
	struct job *j = calloc(d->n + 1, sizeof(*j));
	struct top top = {0};
	int64_t longest = 0;
	size_t n = 0, on_time = 0;
	int r = 0;

	*ret = (struct oracle_result){.feasible = true};
	if (!j)
		return -ENOMEM;
	for (size_t i = 0; i < d->n; i++)
		if (d->c[i].service_s > longest)
			longest = d->c[i].service_s;
	for (size_t i = 0; i < d->n; i++) {
		const struct citizen *c = &d->c[i];
		struct job x = {
			.release = c->arrival > d->open ? c->arrival : d->open,
			.work = c->service_s,
			.service = c->service,
		};
		if (c->kind == TICKET_WALK_IN) {
			x.deadline = c->arrival + max_wait + longest;
		} else if (c->kind == TICKET_APPOINTMENT &&
			   c->arrival <= c->slot_start) {
			x.deadline = c->slot_start + ORACLE_ON_TIME_WINDOW;
			x.booking = true;
			on_time++;
		} else {
			continue; /* no deadline: priority, late bookings */
		}
		x.deadline += c->service_s;
		j[n++] = x;
	}
	qsort(j, n, sizeof(*j), by_deadline);
	/* As many as the goal lets miss: on_time - ceil(95% of on_time). */
	top.k = on_time * 5 / 100;
	top.v = calloc(top.k + 1, sizeof(*top.v));
	if (!top.v) {
		free(j);
		return -ENOMEM;
	}

	/* Per set of services, the counters that serve any of them are all
	 * that can serve its citizens (the whole set: the pooled office). */
	for (uint64_t set = 1; set < (UINT64_C(1) << d->n_services); set++) {
		size_t counters = 0;
		for (size_t c = 0; c < d->n_counters; c++)
			if (d->counter_services[c] & set)
				counters++;
		check_set(j, n, set, counters, &top, ret);
	}
	if (ret->feasible) {
		/* The longest 5% of all the bookings, for the flow. */
		top.n = 0;
		top.sum = 0;
		for (size_t i = 0; i < n; i++)
			if (j[i].booking)
				top_push(&top, j[i].work);
		r = check_flow(d, j, n, top.sum, ret);
	}
	free(top.v);
	free(j);
	return r;
}
