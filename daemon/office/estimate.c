/* How long citizens wait: the moving average of today's service times,
 * the tickets ahead of each one and the minutes that makes. */
#include "office_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "queue.h"

static size_t open_counters(const struct office *o, int service)
{
	size_t n = 0;
	for (size_t i = 0; i < o->cfg->n_counters; i++)
		if ((queue_counter_services(o->q, i) & BIT(service)) &&
		    !queue_paused(o->q, i))
			n++;
	return n;
}

/* A forgotten "served" hours later must not make every estimate absurd. */
void office_record_service_time(struct office *o, int service, int64_t s)
{
	struct service_times *st = &o->arrays.times[service];

	if (s < 60)
		s = 60;
	if (s > 3600)
		s = 3600;
	st->recent[st->next] = s;
	st->next = (st->next + 1) % SERVICE_WINDOW;
	if (st->n < SERVICE_WINDOW)
		st->n++;
}

/* Seconds a ticket of service takes at a counter, as it goes today. */
int64_t office_mean_service_time(const struct office *o, int service)
{
	const struct service_times *st = &o->arrays.times[service];
	int64_t sum = (int64_t)(SERVICE_WINDOW - st->n) *
		      o->cfg->services[service].minutes * 60;

	for (size_t i = 0; i < st->n; i++)
		sum += st->recent[i];
	return sum / SERVICE_WINDOW;
}

/* Minutes until a ticket with `ahead` tickets before it is called, or -1
 * when no counter serving the service is open. */
int office_estimate(const struct office *o, int service, size_t ahead)
{
	size_t n = open_counters(o, service);
	int64_t mean = office_mean_service_time(o, service);

	if (n == 0)
		return -1;
	return (int)(((int64_t)ahead * mean + (int64_t)n * 60 - 1) /
		     ((int64_t)n * 60));
}

void office_derive(const struct office *o, struct ticket *t, int64_t now)
{
	size_t ahead = 0;

	t->ahead = 0;
	t->est_wait_min = -1;
	if (t->state != TICKET_WAITING || t->service < 0)
		return;
	if (queue_ahead(o->q, t->id, now, &ahead) == 0) {
		t->ahead = (int)ahead;
		t->est_wait_min = office_estimate(o, t->service, ahead);
	}
}

struct id_pos {
	int64_t id;
	size_t pos;
};

static int cmp_id(const void *a, const void *b)
{
	int64_t x = ((const struct id_pos *)a)->id;
	int64_t y = ((const struct id_pos *)b)->id;
	return x < y ? -1 : x > y;
}

struct derive_walk {
	const struct office *o;
	struct ticket *v;
	const struct id_pos *index;
	size_t n, ahead, found, want;
	int service;
};

static int derive_one(void *userdata, const struct ticket *t)
{
	struct derive_walk *w = userdata;
	struct id_pos key = {.id = t->id};
	const struct id_pos *f = bsearch(&key, w->index, w->n,
					 sizeof(*w->index), cmp_id);

	if (f) {
		w->v[f->pos].ahead = (int)w->ahead;
		w->v[f->pos].est_wait_min =
			office_estimate(w->o, w->service, w->ahead);
		if (++w->found == w->want)
			return 1;
	}
	w->ahead++;
	return 0;
}

/* Fills ahead and the estimate of each waiting ticket in v, walking each
 * service's order once, and only as far as its last ticket in v: the
 * first few of a long queue cost what they are, not the queue. */
int office_derive_all(const struct office *o, struct ticket *v, size_t n,
		      uint64_t services, int64_t now)
{
	struct id_pos *index = malloc((n ? n : 1) * sizeof(*index));
	struct derive_walk w = {.o = o, .v = v, .index = index, .n = n};

	if (!index)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		index[i] = (struct id_pos){v[i].id, i};
	qsort(index, n, sizeof(*index), cmp_id);
	for (size_t s = 0; s < o->cfg->n_services; s++) {
		if (!(services & BIT(s)))
			continue;
		w.service = (int)s;
		w.ahead = w.found = w.want = 0;
		for (size_t i = 0; i < n; i++)
			if (v[i].service == (int)s)
				w.want++;
		if (w.want)
			(void)queue_walk(o->q, BIT(s), now, derive_one, &w);
	}
	free(index);
	return 0;
}

/* The most bookings still to check in that an estimate reads. */
#define PENDING_MAX 4096

/* The wait in minutes of r's run, or when it failed the queue's own
 * count (-1: no open counter). */
static int wait_minutes(const struct office *o, int service, int r,
			int64_t wait)
{
	if (r == -ENOENT)
		return -1;
	if (r < 0) {
		/* The queue's own count, rather than no estimate at all. */
		log_err("estimating the wait for service %d: %s", service,
			strerror(-r));
		return office_estimate(o, service,
				       queue_waiting(o->q, (size_t)service));
	}
	return (int)((wait + 59) / 60);
}

int office_estimate_new(const struct office *o, int service,
			enum ticket_kind kind, int64_t now)
{
	const struct config *c = o->cfg;
	struct store_slot *slots = NULL;
	int64_t *starts = NULL;
	struct queue_booked booked[CONFIG_MAX_SERVICES];
	int64_t mean[CONFIG_MAX_SERVICES], wait = 0;
	struct walk_in_waits *w = o->arrays.walk_ins;
	uint64_t writes = store_writes(o->st), all = 0;
	size_t n = 0, used = 0;
	int r = -ENOMEM;

	/* Every service's walk-in wait comes from one run, kept for the
	 * state of the database, the day and the second it was made in. */
	if (kind == TICKET_WALK_IN && w && w->valid && w->writes == writes &&
	    w->now == now && w->day_began == o->day_began)
		return w->min[service];
	slots = malloc(PENDING_MAX * sizeof(*slots));
	starts = malloc(PENDING_MAX * sizeof(*starts));
	if (!slots || !starts)
		goto out;
	/* A booking checked in after its grace gets a walk-in ticket: those
	 * past it no longer come first. */
	r = store_bookings_pending(o->st, o->day,
				   now - (int64_t)c->policy.late_grace * 60,
				   slots, PENDING_MAX, &n);
	if (r < 0)
		goto out;
	/* Per service, each in slot order as the store gives them. */
	for (size_t s = 0; s < c->n_services; s++) {
		mean[s] = office_mean_service_time(o, (int)s);
		booked[s].slot_start = starts + used;
		booked[s].n = 0;
		for (size_t i = 0; i < n; i++)
			if (slots[i].service == (int)s)
				starts[used + booked[s].n++] = slots[i].start;
		used += booked[s].n;
	}
	for (size_t s = 0; s < c->n_services; s++)
		if (!c->services[s].info)
			all |= BIT(s);
	/* A priority ticket's wait comes from the walk-ins' run. */
	if (kind == TICKET_PRIORITY) {
		r = queue_estimate_priority(o->q, all | BIT(service),
					    (size_t)service, now, mean, booked,
					    QUEUE_SHOW_SHARE, &wait);
		goto out;
	}
	if (kind == TICKET_WALK_IN && w) {
		int64_t waits[64] = {0};
		uint64_t served = 0;

		r = queue_estimate_walk_ins(o->q, all | BIT(service), now,
					    mean, booked, QUEUE_SHOW_SHARE,
					    waits, &served);
		for (size_t s = 0; r == 0 && s < c->n_services; s++)
			w->min[s] = wait_minutes(
				o, (int)s, served & BIT(s) ? 0 : -ENOENT,
				waits[s]);
		if (r == 0) {
			w->valid = true;
			w->writes = writes;
			w->now = now;
			w->day_began = o->day_began;
			free(slots);
			free(starts);
			return w->min[service];
		}
		goto out;
	}
	r = queue_estimate(o->q, (size_t)service, kind, now, mean, booked,
			   QUEUE_SHOW_SHARE, &wait);
out:
	free(slots);
	free(starts);
	return wait_minutes(o, service, r, wait);
}

/* The cache of service, emptied when the database, the day or the second
 * is not the one it was made for. */
static struct service_cache *cache_of(struct office *o, int service,
				      const struct hours_status *h)
{
	struct service_cache *c = &o->arrays.cache[service];
	uint64_t writes = store_writes(o->st);

	if (c->writes != writes || c->now != h->at ||
	    c->day_began != o->day_began) {
		memset(c, 0, sizeof(*c));
		c->writes = writes;
		c->now = h->at;
		c->day_began = o->day_began;
	}
	return c;
}

const struct office_admission *
office_admission_cached(struct office *o, int service, bool priority,
			const struct hours_status *h)
{
	struct service_cache *c = cache_of(o, service, h);

	if (!c->has[priority]) {
		office_admission(o, service, priority, h,
				 &c->admission[priority]);
		c->has[priority] = true;
	}
	return &c->admission[priority];
}

void office_fill_service_view(struct office *o, int service,
			      const struct hours_status *h,
			      struct office_service_view *ret)
{
	struct service_cache *c = cache_of(o, service, h);
	struct office_service_view *v = &c->view;

	if (!c->has_view) {
		const struct office_admission *walk_in =
			office_admission_cached(o, service, false, h);
		const struct office_admission *priority =
			office_admission_cached(o, service, true, h);

		v->open = walk_in->reason == OFFICE_ADMIT;
		v->closed_reason = walk_in->reason;
		v->priority_open = priority->reason == OFFICE_ADMIT;
		v->opens_at = walk_in->opens_at;
		v->waiting = queue_waiting(o->q, (size_t)service);
		/* Before opening (and on a closed day) there is no wait to
		 * say; the admission estimated it unless in the cut-off. */
		if (o->cfg->services[service].info || !h->open)
			v->est_wait_min = -1;
		else if (!h->cutoff)
			v->est_wait_min = walk_in->wait_min;
		else
			v->est_wait_min = office_estimate_new(
				o, service, TICKET_WALK_IN, h->at);
		c->has_view = true;
	}
	*ret = *v;
}
