#include "queue.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/*
 * Storage: the active tickets sit in slots t[0..n-1] in no order, found by
 * id through an open-addressing hash. The waiting ones are also listed per
 * service and kind, each list sorted the way the policy reads it: walk-ins
 * and priority tickets by issue time, appointments by slot. Every rule then
 * looks at list heads only, and the classes that depend on the time (the
 * starved, the due) are prefixes found by binary search.
 */

struct qcounter {
	uint64_t services;
	bool paused;
	int64_t current; /* ticket id, 0 when none */
};

/* Slots of waiting tickets, sorted by the list's order. */
struct list {
	size_t *v;
	size_t n, cap;
};

enum { LIST_WALK_IN, LIST_PRIORITY, LIST_APPOINTMENT, LIST_COUNT };

struct queue {
	struct queue_policy policy;
	size_t n_services;
	size_t n_counters;
	int *streak; /* per service: consecutive non-walk-in calls */
	struct qcounter *counters;
	struct list (*lists)[LIST_COUNT]; /* per service */

	struct ticket *t;
	size_t n, cap;
	/* Ticket id -> slot + 1 (0: empty), linear probing; hcap is a power
	 * of two and at least twice n. */
	size_t *hash;
	size_t hcap;
	int64_t max_id; /* the highest id added */
	struct est_cache *est; /* the walk-ins' estimates; NULL until asked */
};

static void est_free(struct est_cache *e);
static void est_invalidate(struct queue *q);
static void est_added(struct queue *q, const struct ticket *t, bool newest);
static int remove_ticket(struct queue *q, int64_t id);

#define BIT(i) (UINT64_C(1) << (i))

int queue_new(const struct queue_policy *policy, size_t n_services,
	      size_t n_counters, const uint64_t *counter_services,
	      struct queue **ret)
{
	struct queue *q;

	if (!policy || n_services == 0 || n_services > 64 ||
	    (n_counters && !counter_services))
		return -EINVAL;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->policy = *policy;
	q->n_services = n_services;
	q->n_counters = n_counters;
	q->streak = calloc(n_services, sizeof(*q->streak));
	q->counters = calloc(n_counters ? n_counters : 1, sizeof(*q->counters));
	q->lists = calloc(n_services, sizeof(*q->lists));
	if (!q->streak || !q->counters || !q->lists) {
		queue_free(q);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n_counters; i++)
		q->counters[i].services = counter_services[i];
	*ret = q;
	return 0;
}

void queue_free(struct queue *q)
{
	if (!q)
		return;
	for (size_t s = 0; q->lists && s < q->n_services; s++)
		for (int k = 0; k < LIST_COUNT; k++)
			free(q->lists[s][k].v);
	free(q->lists);
	free(q->streak);
	free(q->counters);
	free(q->t);
	free(q->hash);
	est_free(q->est);
	free(q);
}

/* --- the order of tickets ------------------------------------------------ */

/* Ties go to the earlier issue time, then to the lower id (issued first). */
static bool earlier(const struct ticket *a, const struct ticket *b)
{
	if (a->issued_at != b->issued_at)
		return a->issued_at < b->issued_at;
	return a->id < b->id;
}

/* Appointments go by slot start first. */
static bool earlier_slot(const struct ticket *a, const struct ticket *b)
{
	if (a->slot_start != b->slot_start)
		return a->slot_start < b->slot_start;
	return earlier(a, b);
}

static int list_of(const struct ticket *t)
{
	switch (t->kind) {
	case TICKET_PRIORITY:
		return LIST_PRIORITY;
	case TICKET_APPOINTMENT:
		return LIST_APPOINTMENT;
	case TICKET_WALK_IN:
		break;
	}
	return LIST_WALK_IN;
}

static bool before(int list, const struct ticket *a, const struct ticket *b)
{
	return list == LIST_APPOINTMENT ? earlier_slot(a, b) : earlier(a, b);
}

static bool starved(const struct queue *q, const struct ticket *t,
		    int64_t now)
{
	return t->kind != TICKET_APPOINTMENT &&
	       now - t->issued_at >= q->policy.max_wait;
}

static bool due(const struct queue *q, const struct ticket *t, int64_t now)
{
	return t->kind == TICKET_APPOINTMENT &&
	       t->slot_start - q->policy.early_window <= now;
}

/* --- the id index -------------------------------------------------------- */

static size_t hash_of(int64_t id, size_t hcap)
{
	uint64_t x = (uint64_t)id * UINT64_C(0x9E3779B97F4A7C15);
	return (size_t)(x >> 17) & (hcap - 1);
}

/* The hash index of id, or of the empty entry where it would go. */
static size_t hash_probe(const struct queue *q, int64_t id)
{
	size_t i = hash_of(id, q->hcap);
	while (q->hash[i] && q->t[q->hash[i] - 1].id != id)
		i = (i + 1) & (q->hcap - 1);
	return i;
}

static int hash_grow(struct queue *q, size_t need)
{
	size_t hcap = q->hcap ? q->hcap : 512, *h;

	if (need * 2 <= q->hcap)
		return 0;
	while (need * 2 > hcap)
		hcap *= 2;
	h = calloc(hcap, sizeof(*h));
	if (!h)
		return -ENOMEM;
	free(q->hash);
	q->hash = h;
	q->hcap = hcap;
	for (size_t slot = 0; slot < q->n; slot++)
		q->hash[hash_probe(q, q->t[slot].id)] = slot + 1;
	return 0;
}

/* Deletion with backward shift keeps every probe chain unbroken. */
static void hash_del(struct queue *q, int64_t id)
{
	size_t i = hash_probe(q, id), j = i;

	if (!q->hash[i])
		return;
	for (;;) {
		q->hash[i] = 0;
		for (;;) {
			j = (j + 1) & (q->hcap - 1);
			if (!q->hash[j])
				return;
			size_t home = hash_of(q->t[q->hash[j] - 1].id, q->hcap);
			/* j stays unless its home lies cyclically in (i, j]. */
			if (i <= j ? (i < home && home <= j)
				   : (i < home || home <= j))
				continue;
			break;
		}
		q->hash[i] = q->hash[j];
		i = j;
	}
}

static struct ticket *find(const struct queue *q, int64_t id)
{
	size_t i;

	if (!q->hcap)
		return NULL;
	i = hash_probe(q, id);
	return q->hash[i] ? &q->t[q->hash[i] - 1] : NULL;
}

/* --- the sorted lists of waiting tickets --------------------------------- */

static struct list *list_for(const struct queue *q, const struct ticket *t)
{
	return &q->lists[t->service][list_of(t)];
}

/* The index of the first entry of l that is not before t. */
static size_t lower_bound(const struct queue *q, const struct list *l,
			  int list, const struct ticket *t)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (before(list, &q->t[l->v[mid]], t))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int list_insert(struct queue *q, size_t slot)
{
	const struct ticket *t = &q->t[slot];
	struct list *l = list_for(q, t);
	size_t i;
	int r;

	r = array_reserve(&l->v, &l->cap, l->n + 1, sizeof(*l->v), 64,
			  QUEUE_TICKETS_MAX);
	if (r < 0)
		return r;
	/* New tickets are the newest: the search ends at the tail. */
	i = lower_bound(q, l, list_of(t), t);
	memmove(&l->v[i + 1], &l->v[i], (l->n - i) * sizeof(*l->v));
	l->v[i] = slot;
	l->n++;
	return 0;
}

/* The index of slot's entry in its list (it must be there). */
static size_t list_index(const struct queue *q, size_t slot)
{
	const struct ticket *t = &q->t[slot];
	return lower_bound(q, list_for(q, t), list_of(t), t);
}

static void list_remove(struct queue *q, size_t slot)
{
	struct list *l = list_for(q, &q->t[slot]);
	size_t i = list_index(q, slot);

	memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof(*l->v));
	l->n--;
}

/* --- adding, finding, removing ------------------------------------------- */

/* queue_add() without telling the estimates' cache: theirs. */
static int add_ticket(struct queue *q, const struct ticket *t)
{
	int r;

	if (t->id <= 0 || t->service < 0 || (size_t)t->service >= q->n_services)
		return -EINVAL;
	if (t->state == TICKET_CALLED) {
		if (t->counter < 0 || (size_t)t->counter >= q->n_counters ||
		    q->counters[t->counter].current != 0)
			return -EINVAL;
	} else if (t->state != TICKET_WAITING) {
		return -EINVAL;
	}
	if (find(q, t->id))
		return -EEXIST;
	r = array_reserve(&q->t, &q->cap, q->n + 1, sizeof(*q->t), 256,
			  QUEUE_TICKETS_MAX);
	if (r < 0)
		return r;
	r = hash_grow(q, q->n + 1);
	if (r < 0)
		return r;
	q->t[q->n] = *t;
	if (t->state == TICKET_WAITING) {
		r = list_insert(q, q->n);
		if (r < 0)
			return r;
	}
	q->hash[hash_probe(q, t->id)] = q->n + 1;
	q->n++;
	if (t->state == TICKET_CALLED)
		q->counters[t->counter].current = t->id;
	return 0;
}

int queue_add(struct queue *q, const struct ticket *t)
{
	bool newest = t->id > q->max_id;
	int r = add_ticket(q, t);

	if (r < 0)
		return r;
	if (newest)
		q->max_id = t->id;
	est_added(q, find(q, t->id), newest);
	return 0;
}

const struct ticket *queue_get(const struct queue *q, int64_t id)
{
	return find(q, id);
}

const struct ticket *queue_current(const struct queue *q, size_t counter)
{
	if (counter >= q->n_counters || !q->counters[counter].current)
		return NULL;
	return find(q, q->counters[counter].current);
}

size_t queue_waiting(const struct queue *q, size_t service)
{
	size_t n = 0;

	if (service >= q->n_services)
		return 0;
	for (int k = 0; k < LIST_COUNT; k++)
		n += q->lists[service][k].n;
	return n;
}

size_t queue_size(const struct queue *q)
{
	return q->n;
}

/* Frees the slot of a ticket that is in no list any more. */
static void remove_slot(struct queue *q, size_t slot)
{
	size_t last = q->n - 1;

	hash_del(q, q->t[slot].id);
	if (slot != last) {
		/* The last ticket moves into the freed slot; its entries
		 * follow it. */
		size_t i = 0;
		bool listed = q->t[last].state == TICKET_WAITING;
		if (listed)
			i = list_index(q, last);
		q->t[slot] = q->t[last];
		if (listed)
			list_for(q, &q->t[slot])->v[i] = slot;
		q->hash[hash_probe(q, q->t[slot].id)] = slot + 1;
	}
	q->n--;
}

static size_t slot_of(const struct queue *q, const struct ticket *t)
{
	return (size_t)(t - q->t);
}

/* --- the policy ---------------------------------------------------------- */

/* Where one service's lists stand in a simulation of calls: the next
 * entry of each list, and where the starved and the due prefixes end. */
struct cursor {
	size_t next[LIST_COUNT];
	size_t starved_walk_in, starved_priority, due;
	int64_t change_at; /* the first time a prefix grows; INT64_MAX never */
};

/* The first index of l whose ticket fails test, for a prefix property. */
static size_t prefix_end(const struct queue *q, const struct list *l,
			 bool (*test)(const struct queue *,
				      const struct ticket *, int64_t),
			 int64_t now)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (test(q, &q->t[l->v[mid]], now))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The time the ticket at l's index i joins the prefix, or INT64_MAX. */
static int64_t joins_at(const struct queue *q, const struct list *l,
			size_t i, int64_t offset, bool by_slot)
{
	const struct ticket *t;

	if (i >= l->n)
		return INT64_MAX;
	t = &q->t[l->v[i]];
	return (by_slot ? t->slot_start : t->issued_at) + offset;
}

/* Moves a cursor's time-dependent prefixes to t, keeping its place. */
static void cursor_retime(const struct queue *q, size_t s, int64_t t,
			  struct cursor *c)
{
	const struct list *l = q->lists[s];
	int64_t a, b;

	c->starved_walk_in = prefix_end(q, &l[LIST_WALK_IN], starved, t);
	c->starved_priority = prefix_end(q, &l[LIST_PRIORITY], starved, t);
	c->due = prefix_end(q, &l[LIST_APPOINTMENT], due, t);
	/* The prefixes stay as they are until the first ticket past one of
	 * them is starved or due: an estimate's run, whose time only goes
	 * on, moves them again only then. */
	a = joins_at(q, &l[LIST_WALK_IN], c->starved_walk_in,
		     q->policy.max_wait, false);
	b = joins_at(q, &l[LIST_PRIORITY], c->starved_priority,
		     q->policy.max_wait, false);
	c->change_at = a < b ? a : b;
	a = joins_at(q, &l[LIST_APPOINTMENT], c->due, -q->policy.early_window,
		     true);
	if (a < c->change_at)
		c->change_at = a;
}

static void cursor_init(const struct queue *q, size_t s, int64_t now,
			struct cursor *c)
{
	memset(c, 0, sizeof(*c));
	cursor_retime(q, s, now, c);
}

/* The head of list k of service s if it is below end, else NULL. */
static const struct ticket *head(const struct queue *q, size_t s,
				 const struct cursor *c, int k, size_t end)
{
	if (c->next[k] >= end)
		return NULL;
	return &q->t[q->lists[s][k].v[c->next[k]]];
}

struct pick {
	const struct ticket *t;
	size_t service;
	int list;
};

static void offer(struct pick *best, const struct ticket *t, size_t s,
		  int list)
{
	if (t && (!best->t || before(list, t, best->t)))
		*best = (struct pick){t, s, list};
}

/*
 * The next call of a counter serving `services`, given where each
 * service's lists stand (c) and the interleave streaks: the rules of
 * docs/DESIGN.md in order, each looking at list heads only.
 */
static enum call_reason next_call_rules(const struct queue *q,
					uint64_t services,
					const struct cursor *c,
					const int *streak, struct pick *ret)
{
	struct pick p = {0};
	size_t s;

#define EACH_SERVICE                                \
	for (s = 0; s < q->n_services; s++)         \
		if (services & BIT(s))

	/* 1. The longest-waiting starved walk-in or priority ticket. */
	EACH_SERVICE {
		offer(&p, head(q, s, &c[s], LIST_WALK_IN, c[s].starved_walk_in),
		      s, LIST_WALK_IN);
		offer(&p,
		      head(q, s, &c[s], LIST_PRIORITY, c[s].starved_priority),
		      s, LIST_PRIORITY);
	}
	if (p.t) {
		*ret = p;
		return REASON_STARVATION_GUARD;
	}
	/* 2. The oldest walk-in of a service owed one. */
	if (q->policy.walkin_every > 0)
		EACH_SERVICE {
			if (streak[s] >= q->policy.walkin_every)
				offer(&p,
				      head(q, s, &c[s], LIST_WALK_IN,
					   q->lists[s][LIST_WALK_IN].n),
				      s, LIST_WALK_IN);
		}
	if (p.t) {
		*ret = p;
		return REASON_INTERLEAVE;
	}
	/* 3. The due appointment with the earliest slot. */
	EACH_SERVICE
		offer(&p, head(q, s, &c[s], LIST_APPOINTMENT, c[s].due), s,
		      LIST_APPOINTMENT);
	if (p.t) {
		*ret = p;
		return REASON_APPOINTMENT_DUE;
	}
	/* 4. and 5. Priority, then walk-in, first come first served. */
	EACH_SERVICE
		offer(&p, head(q, s, &c[s], LIST_PRIORITY,
			       q->lists[s][LIST_PRIORITY].n),
		      s, LIST_PRIORITY);
	if (p.t) {
		*ret = p;
		return REASON_PRIORITY;
	}
	EACH_SERVICE
		offer(&p, head(q, s, &c[s], LIST_WALK_IN,
			       q->lists[s][LIST_WALK_IN].n),
		      s, LIST_WALK_IN);
	if (p.t) {
		*ret = p;
		return REASON_WALK_IN;
	}
	/* 6. An appointment not yet due: an idle counter never waits. */
	EACH_SERVICE
		offer(&p, head(q, s, &c[s], LIST_APPOINTMENT,
			       q->lists[s][LIST_APPOINTMENT].n),
		      s, LIST_APPOINTMENT);
#undef EACH_SERVICE
	*ret = p;
	return p.t ? REASON_APPOINTMENT_EARLY : REASON_NONE;
}

/*
 * The due policy. Every waiting ticket has a due time: a booking its slot
 * start (or its check-in, when later) plus booking_window, a priority
 * ticket its issue time plus priority_wait, a walk-in its issue time plus
 * max_wait. Again each rule looks at list heads only, so that no ticket
 * overtakes an earlier one of its class.
 */
static int64_t due_time(const struct queue *q, const struct ticket *t)
{
	switch (t->kind) {
	case TICKET_APPOINTMENT:
		return (t->issued_at > t->slot_start ? t->issued_at :
						       t->slot_start) +
		       q->policy.booking_window;
	case TICKET_PRIORITY:
		return t->issued_at + q->policy.priority_wait;
	case TICKET_WALK_IN:
		break;
	}
	return t->issued_at + q->policy.max_wait;
}

/* Rule 3's order: the earlier due time, then bookings, priority tickets,
 * walk-ins, then the class's own order. */
static void offer_due(const struct queue *q, struct pick *best,
		      const struct ticket *t, size_t s, int list)
{
	int64_t dt, db;

	if (!t)
		return;
	if (best->t) {
		dt = due_time(q, t);
		db = due_time(q, best->t);
		if (dt != db	       ? dt > db :
		    list != best->list ? list < best->list :
					 !before(list, t, best->t))
			return;
	}
	*best = (struct pick){t, s, list};
}

static enum call_reason next_call_due(const struct queue *q, uint64_t services,
				      const struct cursor *c, int64_t now,
				      struct pick *ret)
{
	const int64_t horizon =
		q->policy.early_window + q->policy.booking_window;
	const struct ticket *h[64][LIST_COUNT];
	struct pick p = {0};
	size_t s;

	for (s = 0; s < q->n_services; s++)
		for (int k = 0; services & BIT(s) && k < LIST_COUNT; k++)
			h[s][k] = head(q, s, &c[s], k, q->lists[s][k].n);

#define EACH_SERVICE                        \
	for (s = 0; s < q->n_services; s++) \
		if (services & BIT(s))

	/* 1. A booking whose slot has started: the earliest slot. */
	EACH_SERVICE
	{
		const struct ticket *t = h[s][LIST_APPOINTMENT];
		if (t && t->slot_start <= now)
			offer(&p, t, s, LIST_APPOINTMENT);
	}
	if (p.t) {
		*ret = p;
		return REASON_APPOINTMENT_DUE;
	}
	/* 2. A priority ticket past its bound: the oldest. */
	EACH_SERVICE
	{
		const struct ticket *t = h[s][LIST_PRIORITY];
		if (t && due_time(q, t) <= now)
			offer(&p, t, s, LIST_PRIORITY);
	}
	if (p.t) {
		*ret = p;
		return REASON_PRIORITY_DUE;
	}
	/* 3. Of the tickets near their due time, the least slack. */
	EACH_SERVICE
	for (int k = 0; k < LIST_COUNT; k++) {
		const struct ticket *t = h[s][k];
		if (t && due_time(q, t) - now <= horizon)
			offer_due(q, &p, t, s, k);
	}
	if (p.t) {
		*ret = p;
		return REASON_LEAST_SLACK;
	}
	/* 4., 5. and 6. First come first served within a class: priority,
	 * walk-ins, then a booking not yet near, so that no counter idles. */
	EACH_SERVICE
	offer(&p, h[s][LIST_PRIORITY], s, LIST_PRIORITY);
	if (p.t) {
		*ret = p;
		return REASON_PRIORITY;
	}
	EACH_SERVICE
	offer(&p, h[s][LIST_WALK_IN], s, LIST_WALK_IN);
	if (p.t) {
		*ret = p;
		return REASON_WALK_IN;
	}
	EACH_SERVICE
	offer(&p, h[s][LIST_APPOINTMENT], s, LIST_APPOINTMENT);
#undef EACH_SERVICE
	*ret = p;
	return p.t ? REASON_APPOINTMENT_EARLY : REASON_NONE;
}

static enum call_reason next_call(const struct queue *q, uint64_t services,
				  const struct cursor *c, const int *streak,
				  int64_t now, struct pick *ret)
{
	if (q->policy.kind == QUEUE_DUE)
		return next_call_due(q, services, c, now, ret);
	return next_call_rules(q, services, c, streak, ret);
}

/* Takes the picked ticket off its list in the simulation. */
static void advance(struct cursor *c, int *streak, const struct pick *p)
{
	c[p->service].next[p->list]++;
	streak[p->service] = p->list == LIST_WALK_IN ? 0
						    : streak[p->service] + 1;
}

/*
 * Calls fn for each waiting ticket of `services` in the order a counter
 * serving exactly those would call them if nothing changed, time frozen at
 * now, until fn returns non-zero. With time frozen the classes do not
 * change, so repeated picks are a merge of the lists; only the interleave
 * streaks move, and they are simulated.
 */
static int simulate(const struct queue *q, uint64_t services, int64_t now,
		    int (*fn)(void *userdata, const struct ticket *t,
			      enum call_reason reason),
		    void *userdata)
{
	struct cursor c[64];
	int streak[64];
	struct pick p;
	enum call_reason reason;
	int r = 0;

	for (size_t s = 0; s < q->n_services; s++) {
		streak[s] = q->streak[s];
		if (services & BIT(s))
			cursor_init(q, s, now, &c[s]);
	}
	while ((reason = next_call(q, services, c, streak, now, &p)) !=
	       REASON_NONE) {
		r = fn(userdata, p.t, reason);
		if (r != 0)
			break;
		advance(c, streak, &p);
	}
	return r;
}

struct first_call {
	int64_t id;
	enum call_reason reason;
};

static int take_first(void *userdata, const struct ticket *t,
		      enum call_reason reason)
{
	struct first_call *f = userdata;
	f->id = t->id;
	f->reason = reason;
	return 1;
}

int queue_pick(const struct queue *q, size_t counter, int64_t now,
	       int64_t *ret_id, enum call_reason *ret_reason)
{
	struct first_call f = {0};

	if (counter >= q->n_counters)
		return -EINVAL;
	if (simulate(q, q->counters[counter].services, now, take_first, &f) ==
	    0)
		return -ENOENT;
	*ret_id = f.id;
	*ret_reason = f.reason;
	return 0;
}

struct order {
	int64_t *ids;
	size_t max, n;
};

static int take_all(void *userdata, const struct ticket *t,
		    enum call_reason reason)
{
	struct order *o = userdata;
	(void)reason;
	if (o->n < o->max)
		o->ids[o->n] = t->id;
	o->n++;
	return 0;
}

int queue_order(const struct queue *q, uint64_t services, int64_t now,
		int64_t *ret_ids, size_t max, size_t *ret_n)
{
	struct order o = {.ids = ret_ids, .max = max};

	simulate(q, services, now, take_all, &o);
	*ret_n = o.n;
	return 0;
}

struct walk {
	int (*fn)(void *userdata, const struct ticket *t);
	void *userdata;
};

static int walk_one(void *userdata, const struct ticket *t,
		    enum call_reason reason)
{
	struct walk *w = userdata;
	(void)reason;
	return w->fn(w->userdata, t);
}

int queue_walk(const struct queue *q, uint64_t services, int64_t now,
	       int (*fn)(void *userdata, const struct ticket *t),
	       void *userdata)
{
	struct walk w = {fn, userdata};

	return simulate(q, services, now, walk_one, &w);
}

struct count_until {
	const struct ticket *t;
	size_t ahead;
};

static int count_until(void *userdata, const struct ticket *t,
		       enum call_reason reason)
{
	struct count_until *c = userdata;
	(void)reason;
	if (t == c->t)
		return 1;
	c->ahead++;
	return 0;
}

/*
 * The position of one ticket in queue_order() for its own service. Within
 * one service the simulation needs no ticket but the starved ones (their
 * kinds move the interleave streak): the other classes are counted from
 * the lists, and the walk is over integers.
 */
int queue_ahead(const struct queue *q, int64_t id, int64_t now,
		size_t *ret_ahead)
{
	enum { S, D, P, W, E, N_CLASSES };
	const struct ticket *t = find(q, id);
	const struct list *l;
	struct cursor c;
	size_t left[N_CLASSES], taken[N_CLASSES] = {0};
	size_t idx, rank, ahead = 0, sw = 0, sp = 0;
	int tc, streak;

	if (!t)
		return -ENOENT;
	if (t->state != TICKET_WAITING)
		return -EINVAL;
	if (q->policy.kind == QUEUE_DUE) {
		/* The due policy's order has no closed form: walk it. */
		struct count_until cu = {.t = t};
		if (simulate(q, BIT(t->service), now, count_until, &cu) == 0)
			return -ENOENT; /* cannot happen: t is counted */
		*ret_ahead = cu.ahead;
		return 0;
	}
	l = q->lists[t->service];
	cursor_init(q, (size_t)t->service, now, &c);
	left[S] = c.starved_walk_in + c.starved_priority;
	left[D] = c.due;
	left[P] = l[LIST_PRIORITY].n - c.starved_priority;
	left[W] = l[LIST_WALK_IN].n - c.starved_walk_in;
	left[E] = l[LIST_APPOINTMENT].n - c.due;

	idx = list_index(q, slot_of(q, t));
	switch (list_of(t)) {
	case LIST_WALK_IN:
		tc = idx < c.starved_walk_in ? S : W;
		rank = idx - (tc == W ? c.starved_walk_in : 0);
		break;
	case LIST_PRIORITY:
		tc = idx < c.starved_priority ? S : P;
		rank = idx - (tc == P ? c.starved_priority : 0);
		break;
	default:
		tc = idx < c.due ? D : E;
		rank = idx - (tc == E ? c.due : 0);
		break;
	}
	if (tc == S) /* its place among the starved of both kinds */
		rank = (size_t)-1;

	streak = q->streak[t->service];
	if (tc == W && left[S] == 0) {
		/* The common question, a walk-in's: the non-walk-ins go
		 * first, interrupted by a walk-in after every walkin_every of
		 * them, so the count has a closed form. */
		size_t others = left[D] + left[P], first, before;
		int every = q->policy.walkin_every;

		if (every <= 0) {
			before = others;
		} else {
			first = streak >= every ? 0 : (size_t)(every - streak);
			before = first + rank * (size_t)every;
			if (before > others)
				before = others;
		}
		*ret_ahead = rank + before;
		return 0;
	}
	for (;;) {
		int k;
		bool walk_in;

		if (left[S])
			k = S;
		else if (q->policy.walkin_every > 0 &&
			 streak >= q->policy.walkin_every && left[W])
			k = W;
		else if (left[D])
			k = D;
		else if (left[P])
			k = P;
		else if (left[W])
			k = W;
		else
			k = E;
		if (!left[k])
			return -ENOENT; /* cannot happen: t is counted */
		if (k == S) {
			/* The starved come by issue time, whatever kind. */
			const struct ticket *a = sw < c.starved_walk_in
				? &q->t[l[LIST_WALK_IN].v[sw]] : NULL;
			const struct ticket *b = sp < c.starved_priority
				? &q->t[l[LIST_PRIORITY].v[sp]] : NULL;
			const struct ticket *x =
				a && (!b || earlier(a, b)) ? a : b;
			if (x == t)
				break;
			walk_in = x == a;
			if (walk_in)
				sw++;
			else
				sp++;
		} else {
			if (k == tc && taken[k] == rank)
				break;
			walk_in = k == W;
		}
		streak = walk_in ? 0 : streak + 1;
		left[k]--;
		taken[k]++;
		ahead++;
	}
	*ret_ahead = ahead;
	return 0;
}

/* --- estimates ----------------------------------------------------------- */

/* The ids of the tickets an estimate adds for the time of its run: one per
 * service, ESTIMATE_ID - service. */
#define ESTIMATE_ID INT64_MAX
#define ESTIMATE_ID_MIN (INT64_MAX - 63)

static int n_services_of(uint64_t services)
{
	int n = 0;

	for (; services; services &= services - 1)
		n++;
	return n;
}

/* The earliest booking not yet taken of the counter's services that is
 * due by t, or -1. */
static long booking_due(const struct queue *q, uint64_t services,
			const struct queue_booked *b, const size_t *taken,
			int64_t t, size_t *ret_service)
{
	long best = -1;
	int64_t slot = 0;

	for (size_t s = 0; b && s < q->n_services; s++) {
		if (!(services & BIT(s)) || taken[s] >= b[s].n)
			continue;
		int64_t x = b[s].slot_start[taken[s]];
		if (x - q->policy.early_window <= t && (best < 0 || x < slot)) {
			best = (long)s;
			slot = x;
		}
	}
	if (best >= 0)
		*ret_service = (size_t)best;
	return best;
}

/* The counters of an estimate's run by when they are free: a binary heap
 * of counter indices, the first free first, and of those free together
 * the one serving fewest services, then the lowest index. A counter free
 * at INT64_MAX (paused, or idle with nothing left to come) is not in it.
 * A run takes thousands of steps with tens of counters: the heap keeps
 * each step's choice in log(counters). */
struct free_heap {
	const int64_t *free_at;
	const int *n_services;
	size_t *v;
	size_t *n;
};

static bool frees_first(const struct free_heap *h, size_t a, size_t b)
{
	if (h->free_at[a] != h->free_at[b])
		return h->free_at[a] < h->free_at[b];
	if (h->n_services[a] != h->n_services[b])
		return h->n_services[a] < h->n_services[b];
	return a < b;
}

static void heap_down(struct free_heap *h, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;

		if (l < *h->n && frees_first(h, h->v[l], h->v[m]))
			m = l;
		if (l + 1 < *h->n && frees_first(h, h->v[l + 1], h->v[m]))
			m = l + 1;
		if (m == i)
			return;
		size_t x = h->v[i];
		h->v[i] = h->v[m];
		h->v[m] = x;
		i = m;
	}
}

static void heap_push(struct free_heap *h, size_t k)
{
	size_t i = (*h->n)++;

	h->v[i] = k;
	while (i > 0 && frees_first(h, h->v[i], h->v[(i - 1) / 2])) {
		size_t p = (i - 1) / 2, x = h->v[i];
		h->v[i] = h->v[p];
		h->v[p] = x;
		i = p;
	}
}

/* The first counter's free time changed: its place again, or out. */
static void heap_moved_top(struct free_heap *h)
{
	if (h->free_at[h->v[0]] == INT64_MAX)
		h->v[0] = h->v[--*h->n];
	if (*h->n)
		heap_down(h, 0);
}

/*
 * Where an estimate's run stands, in one block of memory so that a copy of
 * it (a snapshot) is one memcpy: each service's cursor, the time it was
 * last moved to, its target's wait, the bookings taken and its interleave
 * streak; each counter's free time and the heap of them.
 */
struct run_head {
	size_t heap_n;
	uint64_t found; /* the targets called so far */
	int64_t iter;	/* the run's turns so far (a counter freeing) */
};

struct run {
	struct run_head *head;
	struct cursor *c;
	int64_t *timed;
	int64_t *wait;
	size_t *taken;
	int64_t *free_at;
	size_t *heap;
	int *streak;
};

static size_t n_counters_of(const struct queue *q)
{
	return q->n_counters ? q->n_counters : 1;
}

/* Bytes of a run's block, a multiple of 16 so that blocks can follow one
 * another in an array. */
static size_t run_size(const struct queue *q)
{
	size_t ns = q->n_services, nc = n_counters_of(q);
	size_t n = sizeof(struct run_head) +
		   ns * (sizeof(struct cursor) + 2 * sizeof(int64_t) +
			 sizeof(size_t) + sizeof(int)) +
		   nc * (sizeof(int64_t) + sizeof(size_t));

	return (n + 15) & ~(size_t)15;
}

/* Points r into block (the int array last: all before are 8-aligned). */
static void run_at(const struct queue *q, void *block, struct run *r)
{
	size_t ns = q->n_services, nc = n_counters_of(q);
	char *p = block;

	r->head = (void *)p;
	p += sizeof(*r->head);
	r->c = (void *)p;
	p += ns * sizeof(*r->c);
	r->timed = (void *)p;
	p += ns * sizeof(*r->timed);
	r->wait = (void *)p;
	p += ns * sizeof(*r->wait);
	r->taken = (void *)p;
	p += ns * sizeof(*r->taken);
	r->free_at = (void *)p;
	p += nc * sizeof(*r->free_at);
	r->heap = (void *)p;
	p += nc * sizeof(*r->heap);
	r->streak = (void *)p;
}

/* Counts every cursor's time prefixes again, at the time each was last
 * moved to, on the lists as they are now (a snapshot taken before tickets
 * were added or taken out). */
static void run_retime(const struct queue *q, struct run *r)
{
	for (size_t s = 0; s < q->n_services; s++)
		cursor_retime(q, s, r->timed[s], &r->c[s]);
}

/*
 * A run of the day from now with the tickets waiting, every service taking
 * its mean, and no one else coming but the bookings: when a counter frees,
 * a booking due by then takes it for show_share of a mean service (both
 * policies call due bookings before walk-ins), else the policy picks at
 * that time. The wait is when the added ticket is called.
 *
 * Several services' added tickets (targets) can share one run: an added
 * ticket takes no time at its counter, which calls again at once, so that
 * every other service's run goes on as if it were not there (it is the
 * last walk-in of its service, so nothing of that service comes after it
 * that its call could reorder). r->wait[s] is the wait of service s's added
 * ticket.
 *
 * run_start() sets the run at now (n_services: each counter's count of
 * services) and returns the services an open counter serves.
 */
static uint64_t run_start(const struct queue *q, int64_t now,
			  const int64_t *mean_s, const int *n_services,
			  struct run *r)
{
	struct free_heap h = {r->free_at, n_services, r->heap,
			      &r->head->heap_n};
	uint64_t all = 0;

	r->head->heap_n = 0;
	r->head->found = 0;
	r->head->iter = 0;
	for (size_t s = 0; s < q->n_services; s++) {
		r->streak[s] = q->streak[s];
		cursor_init(q, s, now, &r->c[s]);
		r->timed[s] = now;
		r->taken[s] = 0;
		r->wait[s] = 0;
	}
	for (size_t k = 0; k < q->n_counters; k++) {
		const struct qcounter *qc = &q->counters[k];
		const struct ticket *cur =
			qc->current ? find(q, qc->current) : NULL;

		r->free_at[k] = INT64_MAX;
		if (qc->paused)
			continue;
		all |= qc->services;
		r->free_at[k] = now;
		if (cur) {
			/* A service past its mean ends within the minute. */
			int64_t end = cur->called_at + mean_s[cur->service];
			r->free_at[k] = end > now + 60 ? end : now + 60;
		}
		heap_push(&h, k);
	}
	return all;
}

/* The resumable run of queue_estimate_walk_ins(): its inputs, where it
 * ended, and a snapshot of it before each burst of calls of added tickets
 * (one counter calling them one after the other at one time). */
struct est_cache {
	bool valid;
	int r;			/* the run's result: 0 or -ENOENT */
	int64_t now;
	uint64_t services;	/* asked for */
	uint64_t open;		/* served by an open counter */
	uint64_t targets;	/* services & open */
	double show_share;
	int64_t *mean;		/* per service */
	size_t *booked_n;	/* per service */
	int64_t *booked;	/* their slot starts, one service after another */
	size_t booked_cap;
	int *n_services;	/* per counter */
	size_t block;		/* run_size() */
	void *end;		/* the run when it ended */
	void *snaps;		/* up to n_services blocks */
	size_t n_snaps;
	uint8_t snap_of[64];	/* the burst in which a target was called */
	size_t resume;		/* the snapshot to go on from; SIZE_MAX none */
	/* The walk-ins added since the run, per service, and the length of
	 * its walk-in list before them (the index of its added ticket). */
	size_t *added, *base_n;
	/* While a resumed run may meet the last one: that one's snapshots
	 * from the resume point on (old_first to old_n - 1), then its end. */
	void *old, *cmp;
	size_t old_first, old_n;
	bool meeting;
	/* Per service, the run where a counter serving it first reached the
	 * end of its priority list, before it called (reach): a priority
	 * ticket issued at now sorts there and changes nothing before. Of
	 * reach_at the services that have that snapshot (reach_snaps[s],
	 * taken after reach_n[s] burst snapshots); of reach_never those
	 * whose run ended without one; the others are not known (the run
	 * met the last one). reach_resume: services of priority tickets
	 * added since, whose reach the run goes on from. reach_open: those
	 * known not reached before where the run started, which alone it
	 * may take a reach of (one not known may lie before). */
	void *reach_snaps, *old_reach;
	size_t *reach_n, *old_reach_n;
	uint64_t reach_at, reach_never, old_reach_at, old_reach_never;
	uint64_t reach_open;
	uint64_t reach_resume;
	void *scratch; /* a priority ticket's own run */
	/* Runs made of each kind (queue_estimate_counts()). */
	uint64_t whole, resumed, meetable, met, priority;
};

/* Block i of an array of run blocks at base (snaps, old, the reaches). */
static void *block_at(const struct est_cache *e, void *base, size_t i)
{
	return (char *)base + i * e->block;
}

static void *snap_block(const struct est_cache *e, size_t i)
{
	return block_at(e, e->snaps, i);
}

static bool est_meet(const struct queue *q, struct est_cache *e,
		     struct run *r);
static void est_reach(const struct queue *q, struct est_cache *e,
		      const struct run *r, uint64_t services);

/* Runs r on until every target is called. With e, first takes a snapshot
 * of the run before each burst of calls of added tickets. */
static int run_on(const struct queue *q, uint64_t targets, int64_t now,
		  const int64_t *mean_s, const struct queue_booked *b,
		  double show_share, const int *n_services, struct run *r,
		  struct est_cache *e)
{
	struct free_heap h = {r->free_at, n_services, r->heap,
			      &r->head->heap_n};
	bool burst = false;

	while (r->head->found != targets) {
		size_t k, bs;
		struct pick p;
		int64_t t;
		bool in_burst = burst;

		burst = false;
		if (r->head->heap_n == 0)
			return -ENOENT; /* cannot happen: a target waits */
		r->head->iter++;
		k = h.v[0];
		t = r->free_at[k];
		if (booking_due(q, q->counters[k].services, b, r->taken, t,
				&bs) >= 0) {
			r->taken[bs]++;
			r->free_at[k] =
				t + (int64_t)(show_share * (double)mean_s[bs]);
			heap_moved_top(&h);
			continue;
		}
		/* Only the calling counter's services are read, and a
		 * cursor's prefixes depend on the time alone: the others
		 * are moved when a counter of theirs calls. */
		for (size_t s = 0; s < q->n_services; s++)
			if ((q->counters[k].services & BIT(s)) &&
			    t >= r->c[s].change_at) {
				cursor_retime(q, s, t, &r->c[s]);
				r->timed[s] = t;
			}
		if (e)
			est_reach(q, e, r, q->counters[k].services);
		if (next_call(q, q->counters[k].services, r->c, r->streak, t,
			      &p) == REASON_NONE) {
			/* Idle until the next booking of its services. */
			int64_t next = INT64_MAX;
			for (size_t s = 0; b && s < q->n_services; s++)
				if ((q->counters[k].services & BIT(s)) &&
				    r->taken[s] < b[s].n &&
				    b[s].slot_start[r->taken[s]] -
						    q->policy.early_window <
					    next)
					next = b[s].slot_start[r->taken[s]] -
					       q->policy.early_window;
			r->free_at[k] = next;
			heap_moved_top(&h);
			continue;
		}
		if (p.t->id >= ESTIMATE_ID_MIN) {
			if (e && !in_burst && e->meeting && est_meet(q, e, r))
				return 0;
			if (e && !in_burst)
				memcpy(snap_block(e, e->n_snaps++), r->head,
				       e->block);
			if (e)
				e->snap_of[p.service] =
					(uint8_t)(e->n_snaps - 1);
			r->wait[p.service] = t - now;
			r->head->found |= BIT(p.service);
			advance(r->c, r->streak, &p);
			burst = true;
			continue; /* no time taken: the counter calls again */
		}
		advance(r->c, r->streak, &p);
		r->free_at[k] = t + mean_s[p.service];
		heap_moved_top(&h);
	}
	return 0;
}

/* Adds an estimate's ticket of kind at now to each service of targets,
 * past every waiting ticket of its service issued by now (the engine's
 * own: the cache of queue_estimate_walk_ins() does not see them). */
static int add_targets(struct queue *q, uint64_t targets,
		       enum ticket_kind kind, int64_t now, uint64_t *ret_added)
{
	int r = 0;

	*ret_added = 0;
	for (size_t s = 0; r == 0 && s < q->n_services; s++) {
		struct ticket me = {
			.id = ESTIMATE_ID - (int64_t)s,
			.service = (int)s,
			.kind = kind,
			.state = TICKET_WAITING,
			.issued_at = now,
			.kiosk = -1,
			.counter = -1,
			.est_wait_min = -1,
		};

		if (!(targets & BIT(s)))
			continue;
		r = add_ticket(q, &me);
		if (r == 0)
			*ret_added |= BIT(s);
	}
	return r;
}

static void remove_targets(struct queue *q, uint64_t added)
{
	for (size_t s = 0; s < q->n_services; s++)
		if (added & BIT(s))
			(void)remove_ticket(q, ESTIMATE_ID - (int64_t)s);
}

/* Adds an estimate's ticket of kind to each service of targets, runs,
 * and takes them out again. */
static int estimate(struct queue *q, uint64_t targets, enum ticket_kind kind,
		    int64_t now, const int64_t *mean_s,
		    const struct queue_booked *booked, double show_share,
		    int64_t *ret_s, uint64_t *ret_found)
{
	size_t nc = n_counters_of(q);
	void *block = malloc(run_size(q));
	int *n_services = calloc(nc, sizeof(*n_services));
	uint64_t added = 0, open;
	struct run run;
	int r = -ENOMEM;

	if (!block || !n_services)
		goto out;
	for (size_t k = 0; k < q->n_counters; k++)
		n_services[k] = n_services_of(q->counters[k].services);
	r = add_targets(q, targets, kind, now, &added);
	if (r == 0) {
		run_at(q, block, &run);
		open = run_start(q, now, mean_s, n_services, &run);
		*ret_found = added & open;
		r = *ret_found ? run_on(q, *ret_found, now, mean_s, booked,
					show_share, n_services, &run, NULL)
			       : -ENOENT;
		for (size_t s = 0; s < q->n_services; s++)
			if (run.head->found & BIT(s))
				ret_s[s] = run.wait[s];
	}
	remove_targets(q, added);
out:
	free(block);
	free(n_services);
	return r;
}

int queue_estimate(struct queue *q, size_t service, enum ticket_kind kind,
		   int64_t now, const int64_t *mean_s,
		   const struct queue_booked *booked, double show_share,
		   int64_t *ret_s)
{
	int64_t s[64];
	uint64_t found = 0;
	int r;

	if (service >= q->n_services || !mean_s || kind == TICKET_APPOINTMENT)
		return -EINVAL;
	r = estimate(q, BIT(service), kind, now, mean_s, booked, show_share,
		     s, &found);
	if (r == 0)
		*ret_s = s[service];
	return r;
}

/* --- the walk-ins' estimates, resumed ------------------------------------ */

/*
 * Every issued ticket changes the queue, and so every service's walk-in
 * wait; a run of the whole day for each batch of tickets is what issuing
 * would cost. But within one second most changes are walk-ins issued: a
 * walk-in W of service s issued at the run's now, with an id above every
 * ticket's, sorts exactly where the run's added ticket E_s sat, the last
 * of its list, and compares with every other ticket as E_s did (same
 * kind, issue time and due time; the higher id). The only calls of the
 * run that can differ are those where W would be picked: where E_s was
 * picked, or lost to another added ticket by id alone. Both are in the
 * burst of calls in which E_s was called (an added ticket takes no time
 * and leaves every other head as it was, so the counter calls added
 * tickets one after another until E_s). The run with W is therefore the
 * same as the last one up to the start of that burst: it goes on from
 * the snapshot taken there, its cursors' time prefixes counted again
 * (W is in them). Any other change to the queue or to the run's inputs
 * makes a whole run again.
 */

static void est_free(struct est_cache *e)
{
	if (!e)
		return;
	free(e->mean);
	free(e->booked_n);
	free(e->booked);
	free(e->n_services);
	free(e->end);
	free(e->snaps);
	free(e->added);
	free(e->base_n);
	free(e->old);
	free(e->cmp);
	free(e->reach_snaps);
	free(e->old_reach);
	free(e->reach_n);
	free(e->old_reach_n);
	free(e->scratch);
	free(e);
}

/* The cache of q, allocated the first time. */
static struct est_cache *est_get(struct queue *q)
{
	struct est_cache *e = q->est;
	size_t ns = q->n_services, nc = n_counters_of(q);

	if (e)
		return e;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->block = run_size(q);
	e->mean = calloc(ns, sizeof(*e->mean));
	e->booked_n = calloc(ns, sizeof(*e->booked_n));
	e->n_services = calloc(nc, sizeof(*e->n_services));
	e->end = calloc(1, e->block);
	e->snaps = calloc(ns, e->block);
	e->added = calloc(ns, sizeof(*e->added));
	e->base_n = calloc(ns, sizeof(*e->base_n));
	e->old = calloc(ns + 1, e->block);
	e->cmp = calloc(1, e->block);
	e->reach_snaps = calloc(ns, e->block);
	e->old_reach = calloc(ns, e->block);
	e->reach_n = calloc(ns, sizeof(*e->reach_n));
	e->old_reach_n = calloc(ns, sizeof(*e->old_reach_n));
	e->scratch = calloc(1, e->block);
	if (!e->mean || !e->booked_n || !e->n_services || !e->end ||
	    !e->snaps || !e->added || !e->base_n || !e->old || !e->cmp ||
	    !e->reach_snaps || !e->old_reach || !e->reach_n ||
	    !e->old_reach_n || !e->scratch) {
		est_free(e);
		return NULL;
	}
	q->est = e;
	return e;
}

static void est_invalidate(struct queue *q)
{
	if (q->est)
		q->est->valid = false;
}

static int64_t iter_of(const void *block)
{
	return ((const struct run_head *)block)->iter;
}

/* A waiting ticket t was added (its slot in q): the run goes on from E_s's
 * burst, or from where a priority ticket first counts (its service's
 * reach), is left as it is when t changes nothing of it, or is made
 * again. */
static void est_added(struct queue *q, const struct ticket *t, bool newest)
{
	struct est_cache *e = q->est;
	const struct list *l;
	size_t s;

	if (!e || !e->valid)
		return;
	s = (size_t)t->service;
	l = list_for(q, t);
	if (!newest || t->state != TICKET_WAITING ||
	    t->kind == TICKET_APPOINTMENT || t->issued_at != e->now ||
	    q->t[l->v[l->n - 1]].id != t->id) {
		e->valid = false;
		return;
	}
	if (t->kind == TICKET_PRIORITY) {
		/* Last of its list: until a counter serving s reaches the end
		 * of that list, every call is what it was. */
		if (!(e->open & BIT(s)))
			return; /* no counter calls it: no run changes */
		if (e->r < 0)
			e->valid = false;
		else if (e->reach_at & BIT(s))
			e->reach_resume |= BIT(s);
		else if (!(e->reach_never & BIT(s)))
			e->valid = false; /* not known */
		return;
	}
	if (e->added[s]++ == 0)
		e->base_n[s] = l->n - 1;
	if (!(e->open & BIT(s)))
		return; /* no counter calls it: no run changes */
	if (!(e->targets & BIT(s)) || e->r < 0) {
		e->valid = false;
		return;
	}
	if (e->resume == SIZE_MAX || e->snap_of[s] < e->resume)
		e->resume = e->snap_of[s];
}

/* A counter serving services is about to call in r: the run's reach of
 * each of them whose priority list it has come to the end of, the first
 * time. */
static void est_reach(const struct queue *q, struct est_cache *e,
		      const struct run *r, uint64_t services)
{
	services &= e->reach_open & ~e->reach_at;
	for (size_t s = 0; services && s < q->n_services; s++) {
		if (!(services & BIT(s)) ||
		    r->c[s].next[LIST_PRIORITY] <
			    q->lists[s][LIST_PRIORITY].n)
			continue;
		memcpy(block_at(e, e->reach_snaps, s), r->head, e->block);
		e->reach_n[s] = e->n_snaps;
		e->reach_at |= BIT(s);
	}
}

/* Moves a state of the last run to the lists as they are now: the
 * walk-ins added since sit before each service's added ticket, so the
 * cursor and the starved prefix of a list past it move by their count. */
static void est_shift(const struct queue *q, const struct est_cache *e,
		      void *block)
{
	struct run x;

	run_at(q, block, &x);
	for (size_t s = 0; s < q->n_services; s++) {
		if (!e->added[s])
			continue;
		if (x.c[s].next[LIST_WALK_IN] > e->base_n[s])
			x.c[s].next[LIST_WALK_IN] += e->added[s];
		if (x.c[s].starved_walk_in > e->base_n[s])
			x.c[s].starved_walk_in += e->added[s];
	}
}

/* Whether two states go on alike: all but the waits found (an outcome,
 * not an input) and the times the cursors were moved at (their prefixes
 * are those of that time until change_at either way). */
static bool run_same(const struct queue *q, const struct run *a,
		     const struct run *b)
{
	size_t ns = q->n_services, nc = n_counters_of(q);

	return a->head->heap_n == b->head->heap_n &&
	       a->head->found == b->head->found &&
	       memcmp(a->c, b->c, ns * sizeof(*a->c)) == 0 &&
	       memcmp(a->taken, b->taken, ns * sizeof(*a->taken)) == 0 &&
	       memcmp(a->streak, b->streak, ns * sizeof(*a->streak)) == 0 &&
	       memcmp(a->free_at, b->free_at, nc * sizeof(*a->free_at)) == 0 &&
	       memcmp(a->heap, b->heap, a->head->heap_n * sizeof(*a->heap)) ==
		       0;
}

/*
 * A resumed run about to start a burst (r) may be where the last run was
 * at one of its own: the same targets called, every counter free at the
 * same time, every cursor, streak and booking alike (the added walk-ins
 * counted). From there the last run goes on as this one would: it is
 * taken over, its snapshots and its end moved to the lists of now and
 * given the waits this run found. A walk-in called by a counter that has
 * nothing else left to call changes nothing after it.
 */
static bool est_meet(const struct queue *q, struct est_cache *e,
		     struct run *r)
{
	int64_t wait[64], delta;
	uint64_t found = r->head->found;
	size_t o, m = e->n_snaps, n = e->old_n - e->old_first;
	struct run x;

	/* Only past the new walk-ins and their service's added ticket are
	 * the two lists alike (before, one has a target there, the other a
	 * ticket that takes time). */
	for (size_t s = 0; s < q->n_services; s++)
		if (e->added[s] && (e->targets & BIT(s)) && !(found & BIT(s)))
			return false;
	for (o = 0; o < n; o++) {
		run_at(q, block_at(e, e->old, o), &x);
		if (x.head->found == found)
			break;
	}
	if (o == n)
		return false;
	memcpy(e->cmp, x.head, e->block);
	est_shift(q, e, e->cmp);
	run_at(q, e->cmp, &x);
	if (!run_same(q, r, &x))
		return false;
	/* This run's turns are the last one's plus delta from here on. */
	delta = r->head->iter - x.head->iter;
	memcpy(wait, r->wait, q->n_services * sizeof(*wait));
	/* The snapshots from o on and the end, in that order. */
	for (size_t i = o; i <= n; i++) {
		void *to = i < n ? snap_block(e, m + i - o) : e->end;

		memcpy(to, block_at(e, e->old, i), e->block);
		est_shift(q, e, to);
		run_at(q, to, &x);
		x.head->iter += delta;
		for (size_t s = 0; s < q->n_services; s++)
			if (found & BIT(s))
				x.wait[s] = wait[s];
	}
	for (size_t s = 0; s < q->n_services; s++)
		if ((e->targets & ~found) & BIT(s))
			e->snap_of[s] =
				(uint8_t)(e->snap_of[s] - (e->old_first + o) + m);
	/* The last run's reaches from here on are this run's; one it made
	 * before here is not known (this run has not reached it by here,
	 * and may after). */
	for (size_t s = 0; s < q->n_services; s++) {
		void *from = block_at(e, e->old_reach, s);
		void *to = block_at(e, e->reach_snaps, s);

		if (!((e->old_reach_at & ~e->reach_at) & BIT(s)) ||
		    iter_of(from) + delta < r->head->iter)
			continue;
		memcpy(to, from, e->block);
		est_shift(q, e, to);
		run_at(q, to, &x);
		x.head->iter += delta;
		e->reach_n[s] = e->old_reach_n[s] - (e->old_first + o) + m;
		e->reach_at |= BIT(s);
	}
	e->reach_never |= e->old_reach_never & ~e->reach_at;
	e->n_snaps = m + n - o;
	e->met++;
	return true;
}

static bool est_same_inputs(const struct queue *q, const struct est_cache *e,
			    uint64_t services, int64_t now,
			    const int64_t *mean_s, const struct queue_booked *b,
			    double show_share)
{
	size_t off = 0;

	if (!e->valid || e->services != services || e->now != now ||
	    memcmp(&e->show_share, &show_share, sizeof(show_share)) != 0 ||
	    memcmp(e->mean, mean_s, q->n_services * sizeof(*mean_s)) != 0)
		return false;
	for (size_t s = 0; s < q->n_services; s++) {
		size_t n = b ? b[s].n : 0;
		if (n != e->booked_n[s] ||
		    (n && memcmp(e->booked + off, b[s].slot_start,
				 n * sizeof(*e->booked)) != 0))
			return false;
		off += n;
	}
	return true;
}

/* Keeps the inputs of a whole run to come. */
static int est_keep_inputs(const struct queue *q, struct est_cache *e,
			   uint64_t services, int64_t now,
			   const int64_t *mean_s, const struct queue_booked *b,
			   double show_share)
{
	size_t total = 0, off = 0;
	int r;

	for (size_t s = 0; b && s < q->n_services; s++)
		total += b[s].n;
	r = array_reserve(&e->booked, &e->booked_cap, total,
			  sizeof(*e->booked), 64, QUEUE_TICKETS_MAX);
	if (r < 0)
		return r;
	for (size_t s = 0; s < q->n_services; s++) {
		e->booked_n[s] = b ? b[s].n : 0;
		if (e->booked_n[s])
			memcpy(e->booked + off, b[s].slot_start,
			       e->booked_n[s] * sizeof(*e->booked));
		off += e->booked_n[s];
	}
	memcpy(e->mean, mean_s, q->n_services * sizeof(*mean_s));
	for (size_t k = 0; k < q->n_counters; k++)
		e->n_services[k] = n_services_of(q->counters[k].services);
	e->services = services;
	e->now = now;
	e->show_share = show_share;
	return 0;
}

/* Brings the cache up to date: a whole run, or the last one resumed. */
static int est_update(struct queue *q, struct est_cache *e, uint64_t services,
		      int64_t now, const int64_t *mean_s,
		      const struct queue_booked *b, double show_share)
{
	bool whole = !est_same_inputs(q, e, services, now, mean_s, b,
				      show_share);
	uint64_t added = 0, met = e->met;
	struct run run;
	int r;

	if (!whole && e->resume == SIZE_MAX && !e->reach_resume)
		return e->r;
	e->valid = false;
	if (whole) {
		r = est_keep_inputs(q, e, services, now, mean_s, b,
				    show_share);
		if (r < 0)
			return r;
	}
	r = add_targets(q, services, TICKET_WALK_IN, now, &added);
	if (r < 0)
		goto out;
	run_at(q, e->end, &run);
	if (whole) {
		e->open = run_start(q, now, mean_s, e->n_services, &run);
		e->targets = services & e->open;
		e->n_snaps = 0;
		e->reach_at = e->reach_never = 0;
		e->reach_open = ~UINT64_C(0);
	} else {
		/* The earliest point to go on from: a walk-in's burst or a
		 * priority ticket's reach, after keep bursts. */
		const void *from = NULL;
		size_t keep = e->resume;
		int64_t at;

		if (e->resume != SIZE_MAX)
			from = snap_block(e, e->resume);
		for (size_t s = 0; s < q->n_services; s++) {
			const void *c = block_at(e, e->reach_snaps, s);

			if ((e->reach_resume & BIT(s)) &&
			    (!from || iter_of(c) <= iter_of(from))) {
				from = c;
				keep = e->reach_n[s];
			}
		}
		at = iter_of(from);
		/* The last run from that point on, to meet again. */
		e->old_first = keep;
		e->old_n = e->n_snaps;
		memcpy(e->old, snap_block(e, keep),
		       (e->n_snaps - keep) * e->block);
		memcpy(block_at(e, e->old, e->n_snaps - keep), e->end,
		       e->block);
		/* Its reaches from there on, which this run makes again or
		 * takes over when it meets it. */
		e->old_reach_at = 0;
		e->old_reach_never = e->reach_never;
		e->reach_open = e->reach_never;
		e->reach_never = 0;
		for (size_t s = 0; s < q->n_services; s++) {
			void *c = block_at(e, e->reach_snaps, s);

			if (!(e->reach_at & BIT(s)) || iter_of(c) < at)
				continue;
			memcpy(block_at(e, e->old_reach, s), c, e->block);
			e->old_reach_n[s] = e->reach_n[s];
			e->old_reach_at |= BIT(s);
			e->reach_at &= ~BIT(s);
			e->reach_open |= BIT(s);
		}
		/* W is in the time prefixes of its service's lists, and so is
		 * a priority ticket in its own. */
		memcpy(e->end, from, e->block);
		e->n_snaps = keep;
		run_retime(q, &run);
	}
	/* A priority ticket added makes every later state differ from the
	 * last run's, which the comparison (walk-ins shifted) would not
	 * see. */
	e->meeting = !whole && !e->reach_resume;
	e->meetable += e->meeting;
	r = e->targets ? run_on(q, e->targets, now, mean_s, b, show_share,
				e->n_services, &run, e)
		       : -ENOENT;
	e->meeting = false;
	if (whole)
		e->whole++;
	else
		e->resumed++;
	/* Only a run that called every target is resumed; one that did
	 * not ("cannot happen") is made again. */
	if (r == 0 || (r == -ENOENT && !e->targets)) {
		e->valid = true;
		e->r = r;
		e->resume = SIZE_MAX;
		e->reach_resume = 0;
		/* A run that ended by itself reached none of the others it
		 * could take a reach of; one that met the last one knows
		 * those the last one never reached (est_meet()). */
		if (e->met == met)
			e->reach_never = e->reach_open & ~e->reach_at;
	}
out:
	memset(e->added, 0, q->n_services * sizeof(*e->added));
	remove_targets(q, added);
	return r;
}

#ifdef BONOMAT_CHECK_ESTIMATES
/* The CI build's net under the resumed runs: every answer is made again
 * by a whole run, and the daemon stops on the first that differs, in
 * whatever test it runs (a queue change that forgot est_invalidate()). */
static void check_whole(struct queue *q, uint64_t services, int64_t now,
			const int64_t *mean_s, const struct queue_booked *b,
			double show_share, const int64_t *got, uint64_t served)
{
	int64_t want[64];
	uint64_t found = 0;
	int r = estimate(q, services, TICKET_WALK_IN, now, mean_s, b,
			 show_share, want, &found);

	if (r == -ENOMEM)
		return;
	if (r == -ENOENT)
		found = 0;
	for (size_t s = 0; s < q->n_services; s++)
		if ((found ^ served) & BIT(s) ||
		    (found & BIT(s) && want[s] != got[s])) {
			fprintf(stderr,
				"queue: the walk-in estimate of service %zu "
				"is %lld s resumed, %lld s by a whole run "
				"(served %#llx, %#llx)\n",
				s, (long long)(served & BIT(s) ? got[s] : -1),
				(long long)(found & BIT(s) ? want[s] : -1),
				(unsigned long long)served,
				(unsigned long long)found);
			abort();
		}
}
#endif

int queue_estimate_walk_ins(struct queue *q, uint64_t services, int64_t now,
			    const int64_t *mean_s,
			    const struct queue_booked *booked,
			    double show_share, int64_t *ret_s,
			    uint64_t *ret_served)
{
	struct est_cache *e;
	struct run run;
	int r;

	if (!mean_s || (q->n_services < 64 && services >> q->n_services))
		return -EINVAL;
	e = est_get(q);
	if (!e)
		return -ENOMEM;
	r = est_update(q, e, services, now, mean_s, booked, show_share);
	if (r < 0 && r != -ENOENT)
		return r;
	run_at(q, e->end, &run);
	*ret_served = run.head->found;
	for (size_t s = 0; s < q->n_services; s++)
		if (run.head->found & BIT(s))
			ret_s[s] = run.wait[s];
#ifdef BONOMAT_CHECK_ESTIMATES
	check_whole(q, services, now, mean_s, booked, show_share, ret_s,
		    *ret_served);
#endif
	return 0;
}

#ifdef BONOMAT_CHECK_ESTIMATES
/* The same net under a priority ticket's wait from the walk-ins' run. */
static void check_priority(struct queue *q, size_t service, int64_t now,
			   const int64_t *mean_s, const struct queue_booked *b,
			   double show_share, int got_r, int64_t got)
{
	int64_t want[64];
	uint64_t found = 0;
	int r = estimate(q, BIT(service), TICKET_PRIORITY, now, mean_s, b,
			 show_share, want, &found);

	if (r == -ENOMEM || got_r == -ENOMEM)
		return;
	if (r != got_r || (r == 0 && want[service] != got)) {
		fprintf(stderr,
			"queue: the priority estimate of service %zu is %lld s "
			"(%d) from the walk-ins' run, %lld s (%d) by a whole "
			"run\n",
			service, (long long)(got_r == 0 ? got : -1), got_r,
			(long long)(r == 0 ? want[service] : -1), r);
		abort();
	}
}
#endif

/* Whether the last ticket of l was issued after now. */
static bool issued_after(const struct queue *q, const struct list *l,
			 int64_t now)
{
	return l->n && q->t[l->v[l->n - 1]].issued_at > now;
}

static bool walk_ins_after(const struct queue *q, uint64_t services,
			   int64_t now)
{
	for (size_t s = 0; s < q->n_services; s++)
		if ((services & BIT(s)) &&
		    issued_after(q, &q->lists[s][LIST_WALK_IN], now))
			return true;
	return false;
}

/* The run from the snapshot at from, with a priority ticket of service
 * issued at now as the only target (the walk-ins' added tickets out: the
 * last of their lists, called at no cost, they change no later call). */
static int priority_from(struct queue *q, struct est_cache *e,
			 const void *from, size_t service, int64_t now,
			 const int64_t *mean_s, const struct queue_booked *b,
			 double show_share, int64_t *ret_s)
{
	uint64_t added = 0;
	struct run x;
	int r;

	memcpy(e->scratch, from, e->block);
	run_at(q, e->scratch, &x);
	r = add_targets(q, BIT(service), TICKET_PRIORITY, now, &added);
	if (r == 0) {
		x.head->found = 0;
		run_retime(q, &x);
		r = run_on(q, BIT(service), now, mean_s, b, show_share,
			   e->n_services, &x, NULL);
		if (r == 0)
			*ret_s = x.wait[service];
	}
	remove_targets(q, added);
	return r;
}

int queue_estimate_priority(struct queue *q, uint64_t services,
			    size_t service, int64_t now, const int64_t *mean_s,
			    const struct queue_booked *booked,
			    double show_share, int64_t *ret_s)
{
	struct est_cache *e;
	const void *from = NULL;
	int r;

	if (service >= q->n_services || !mean_s || !(services & BIT(service)) ||
	    (q->n_services < 64 && services >> q->n_services))
		return -EINVAL;
	e = est_get(q);
	/* A ticket issued after now waits: the ticket, or a walk-ins' added
	 * one, would not be the last of its list. */
	if (!e || issued_after(q, &q->lists[service][LIST_PRIORITY], now) ||
	    walk_ins_after(q, services, now))
		return queue_estimate(q, service, TICKET_PRIORITY, now, mean_s,
				      booked, show_share, ret_s);
	r = est_update(q, e, services, now, mean_s, booked, show_share);
	if (r < 0 && r != -ENOENT)
		return r;
	if (!(e->open & BIT(service)))
		r = -ENOENT; /* no open counter serves it */
	else if (e->reach_at & BIT(service))
		from = block_at(e, e->reach_snaps, service);
	else if (e->reach_never & BIT(service))
		from = e->end;
	else
		return queue_estimate(q, service, TICKET_PRIORITY, now, mean_s,
				      booked, show_share, ret_s);
	if (e->open & BIT(service)) {
		e->priority++;
		r = priority_from(q, e, from, service, now, mean_s, booked,
				  show_share, ret_s);
	}
#ifdef BONOMAT_CHECK_ESTIMATES
	check_priority(q, service, now, mean_s, booked, show_share, r,
		       r == 0 ? *ret_s : -1);
#endif
	return r;
}

/* --- state changes ------------------------------------------------------- */

int queue_call(struct queue *q, size_t counter, int64_t id,
	       enum call_reason reason, int64_t now)
{
	struct ticket *t;

	est_invalidate(q);
	if (counter >= q->n_counters)
		return -EINVAL;
	if (q->counters[counter].current)
		return -EBUSY;
	t = find(q, id);
	if (!t)
		return -ENOENT;
	if (t->state != TICKET_WAITING)
		return -EBUSY;
	list_remove(q, slot_of(q, t));
	t->state = TICKET_CALLED;
	t->counter = (int)counter;
	t->reason = reason;
	t->called_at = now;
	q->counters[counter].current = id;
	if (t->kind == TICKET_WALK_IN)
		q->streak[t->service] = 0;
	else
		q->streak[t->service]++;
	return 0;
}

int queue_recall(struct queue *q, size_t counter)
{
	struct ticket *t;

	if (counter >= q->n_counters)
		return -EINVAL;
	t = q->counters[counter].current ? find(q, q->counters[counter].current)
					 : NULL;
	if (!t)
		return -ENOENT;
	t->recalls++;
	return 0;
}

int queue_finish(struct queue *q, size_t counter)
{
	struct ticket *t;

	est_invalidate(q);
	if (counter >= q->n_counters)
		return -EINVAL;
	if (!q->counters[counter].current)
		return -ENOENT;
	t = find(q, q->counters[counter].current);
	q->counters[counter].current = 0;
	if (t)
		remove_slot(q, slot_of(q, t));
	return 0;
}

int queue_transfer(struct queue *q, size_t counter, size_t service)
{
	struct ticket *t;
	int r;

	est_invalidate(q);
	if (counter >= q->n_counters || service >= q->n_services)
		return -EINVAL;
	if (!q->counters[counter].current)
		return -ENOENT;
	t = find(q, q->counters[counter].current);
	if (!t)
		return -ENOENT;
	t->state = TICKET_WAITING;
	t->service = (int)service;
	t->counter = -1;
	r = list_insert(q, slot_of(q, t));
	if (r < 0) {
		t->state = TICKET_CALLED;
		t->counter = (int)counter;
		return r;
	}
	t->reason = REASON_NONE;
	t->called_at = 0;
	q->counters[counter].current = 0;
	return 0;
}

int queue_set_printed(struct queue *q, int64_t id, enum print_state printed)
{
	struct ticket *t = find(q, id);

	if (!t)
		return -ENOENT;
	t->printed = printed;
	return 0;
}

/* queue_remove() without telling the estimates' cache: theirs. */
static int remove_ticket(struct queue *q, int64_t id)
{
	struct ticket *t = find(q, id);

	if (!t)
		return -ENOENT;
	if (t->state == TICKET_WAITING)
		list_remove(q, slot_of(q, t));
	else if (t->counter >= 0 && (size_t)t->counter < q->n_counters)
		q->counters[t->counter].current = 0;
	remove_slot(q, slot_of(q, t));
	return 0;
}

int queue_remove(struct queue *q, int64_t id)
{
	est_invalidate(q);
	return remove_ticket(q, id);
}

void queue_set_paused(struct queue *q, size_t counter, bool paused)
{
	est_invalidate(q);
	if (counter < q->n_counters)
		q->counters[counter].paused = paused;
}

bool queue_paused(const struct queue *q, size_t counter)
{
	return counter < q->n_counters && q->counters[counter].paused;
}

uint64_t queue_counter_services(const struct queue *q, size_t counter)
{
	return counter < q->n_counters ? q->counters[counter].services : 0;
}

void queue_set_counter_services(struct queue *q, size_t counter,
				uint64_t services)
{
	est_invalidate(q);
	if (counter < q->n_counters)
		q->counters[counter].services = services;
}

void queue_set_streak(struct queue *q, size_t service, int streak)
{
	est_invalidate(q);
	if (service < q->n_services)
		q->streak[service] = streak;
}

int queue_streak(const struct queue *q, size_t service)
{
	return service < q->n_services ? q->streak[service] : 0;
}

void queue_estimate_counts(const struct queue *q,
			   struct queue_estimate_counts *ret)
{
	const struct est_cache *e = q->est;

	*ret = (struct queue_estimate_counts){0};
	if (e)
		*ret = (struct queue_estimate_counts){
			.whole = e->whole,
			.resumed = e->resumed,
			.meetable = e->meetable,
			.met = e->met,
			.priority = e->priority,
		};
}
