#include "queue.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct qcounter {
	uint64_t services;
	bool paused;
	int64_t current; /* ticket id, 0 when none */
};

/* The slots of one service's tickets, so that a counter looks only at
 * the services it serves. */
struct slots {
	size_t *v;
	size_t n, cap;
};

struct queue {
	struct queue_policy policy;
	size_t n_services;
	size_t n_counters;
	int *streak;      /* per service: consecutive non-walk-in calls */
	size_t *waiting;  /* per service */
	struct qcounter *counters;

	/* Active tickets in slots 0..n-1, in no particular order; pos[i] is
	 * slot i's index in by_service[t[i].service]. */
	struct ticket *t;
	size_t *pos;
	size_t n, cap;
	struct slots *by_service;
	/* Ticket id -> slot + 1 (0: empty), open addressing with linear
	 * probing; hcap is a power of two and at least twice n. */
	size_t *hash;
	size_t hcap;
};

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
	q->waiting = calloc(n_services, sizeof(*q->waiting));
	q->counters = calloc(n_counters ? n_counters : 1, sizeof(*q->counters));
	q->by_service = calloc(n_services, sizeof(*q->by_service));
	if (!q->streak || !q->waiting || !q->counters || !q->by_service) {
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
	for (size_t s = 0; q->by_service && s < q->n_services; s++)
		free(q->by_service[s].v);
	free(q->by_service);
	free(q->streak);
	free(q->waiting);
	free(q->counters);
	free(q->t);
	free(q->pos);
	free(q->hash);
	free(q);
}

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
			/* Move j back to i unless its home lies in (i, j]. */
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

/* Walks the slots of the services in mask: *service and *i are the
 * position, both 0 to start; false at the end. */
static bool next_slot(const struct queue *q, uint64_t mask, size_t *service,
		      size_t *i)
{
	while (*service < q->n_services) {
		if ((mask & BIT(*service)) && *i < q->by_service[*service].n)
			return true;
		(*service)++;
		*i = 0;
	}
	return false;
}

static int slots_add(struct queue *q, int service, size_t slot)
{
	struct slots *l = &q->by_service[service];

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		size_t *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	q->pos[slot] = l->n;
	l->v[l->n++] = slot;
	return 0;
}

static void slots_del(struct queue *q, int service, size_t slot)
{
	struct slots *l = &q->by_service[service];
	size_t i = q->pos[slot], last = l->v[--l->n];

	l->v[i] = last;
	q->pos[last] = i;
}

int queue_add(struct queue *q, const struct ticket *t)
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
	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 256;
		struct ticket *nt = realloc(q->t, cap * sizeof(*nt));
		if (!nt)
			return -ENOMEM;
		q->t = nt;
		size_t *np = realloc(q->pos, cap * sizeof(*np));
		if (!np)
			return -ENOMEM;
		q->pos = np;
		q->cap = cap;
	}
	r = hash_grow(q, q->n + 1);
	if (r == 0)
		r = slots_add(q, t->service, q->n);
	if (r < 0)
		return r;
	q->t[q->n] = *t;
	q->hash[hash_probe(q, t->id)] = q->n + 1;
	q->n++;
	if (t->state == TICKET_CALLED)
		q->counters[t->counter].current = t->id;
	else
		q->waiting[t->service]++;
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
	return service < q->n_services ? q->waiting[service] : 0;
}

size_t queue_size(const struct queue *q)
{
	return q->n;
}

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

static bool interleave_due(const struct queue *q, const int *streak,
			   int service)
{
	return q->policy.walkin_every > 0 &&
	       streak[service] >= q->policy.walkin_every;
}

enum rule {
	RULE_STARVATION,
	RULE_INTERLEAVE,
	RULE_DUE,
	RULE_PRIORITY,
	RULE_WALK_IN,
	RULE_EARLY,
	RULE_COUNT,
};

static const enum call_reason rule_reason[RULE_COUNT] = {
	[RULE_STARVATION] = REASON_STARVATION_GUARD,
	[RULE_INTERLEAVE] = REASON_INTERLEAVE,
	[RULE_DUE] = REASON_APPOINTMENT_DUE,
	[RULE_PRIORITY] = REASON_PRIORITY,
	[RULE_WALK_IN] = REASON_WALK_IN,
	[RULE_EARLY] = REASON_APPOINTMENT_EARLY,
};

static void consider(const struct ticket **best, const struct ticket *t,
		     bool (*before)(const struct ticket *,
				    const struct ticket *))
{
	if (!*best || before(t, *best))
		*best = t;
}

int queue_pick(const struct queue *q, size_t counter, int64_t now,
	       int64_t *ret_id, enum call_reason *ret_reason)
{
	const struct ticket *best[RULE_COUNT] = {0};
	uint64_t mask;

	if (counter >= q->n_counters)
		return -EINVAL;
	mask = q->counters[counter].services;
	for (size_t sv = 0, i = 0; next_slot(q, mask, &sv, &i);) {
		const struct ticket *t = &q->t[q->by_service[sv].v[i++]];
		if (t->state != TICKET_WAITING)
			continue;
		switch (t->kind) {
		case TICKET_WALK_IN:
			if (interleave_due(q, q->streak, t->service))
				consider(&best[RULE_INTERLEAVE], t, earlier);
			consider(&best[RULE_WALK_IN], t, earlier);
			break;
		case TICKET_PRIORITY:
			consider(&best[RULE_PRIORITY], t, earlier);
			break;
		case TICKET_APPOINTMENT:
			consider(due(q, t, now) ? &best[RULE_DUE]
						: &best[RULE_EARLY],
				 t, earlier_slot);
			break;
		}
		if (starved(q, t, now))
			consider(&best[RULE_STARVATION], t, earlier);
	}
	for (int r = 0; r < RULE_COUNT; r++) {
		if (best[r]) {
			*ret_id = best[r]->id;
			*ret_reason = rule_reason[r];
			return 0;
		}
	}
	return -ENOENT;
}

static void count_call(struct queue *q, const struct ticket *t)
{
	if (t->kind == TICKET_WALK_IN)
		q->streak[t->service] = 0;
	else
		q->streak[t->service]++;
}

int queue_call(struct queue *q, size_t counter, int64_t id,
	       enum call_reason reason, int64_t now)
{
	struct ticket *t;

	if (counter >= q->n_counters)
		return -EINVAL;
	if (q->counters[counter].current)
		return -EBUSY;
	t = find(q, id);
	if (!t)
		return -ENOENT;
	if (t->state != TICKET_WAITING)
		return -EBUSY;
	t->state = TICKET_CALLED;
	t->counter = (int)counter;
	t->reason = reason;
	t->called_at = now;
	q->waiting[t->service]--;
	q->counters[counter].current = id;
	count_call(q, t);
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

static void remove_at(struct queue *q, struct ticket *t)
{
	size_t slot = (size_t)(t - q->t), last = q->n - 1;

	slots_del(q, t->service, slot);
	hash_del(q, t->id);
	if (slot != last) {
		/* The last ticket moves into the freed slot. */
		q->t[slot] = q->t[last];
		q->pos[slot] = q->pos[last];
		q->by_service[q->t[slot].service].v[q->pos[slot]] = slot;
		q->hash[hash_probe(q, q->t[slot].id)] = slot + 1;
	}
	q->n--;
}

int queue_finish(struct queue *q, size_t counter)
{
	struct ticket *t;

	if (counter >= q->n_counters)
		return -EINVAL;
	if (!q->counters[counter].current)
		return -ENOENT;
	t = find(q, q->counters[counter].current);
	q->counters[counter].current = 0;
	if (t)
		remove_at(q, t);
	return 0;
}

int queue_transfer(struct queue *q, size_t counter, size_t service)
{
	struct ticket *t;

	if (counter >= q->n_counters || service >= q->n_services)
		return -EINVAL;
	if (!q->counters[counter].current)
		return -ENOENT;
	t = find(q, q->counters[counter].current);
	if (!t)
		return -ENOENT;
	slots_del(q, t->service, (size_t)(t - q->t));
	if (slots_add(q, (int)service, (size_t)(t - q->t)) < 0) {
		/* Keep it where it was rather than lose it. */
		slots_add(q, t->service, (size_t)(t - q->t));
		return -ENOMEM;
	}
	q->counters[counter].current = 0;
	t->state = TICKET_WAITING;
	t->service = (int)service;
	t->counter = -1;
	q->waiting[service]++;
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

int queue_remove(struct queue *q, int64_t id)
{
	struct ticket *t = find(q, id);

	if (!t)
		return -ENOENT;
	if (t->state == TICKET_WAITING)
		q->waiting[t->service]--;
	else if (t->counter >= 0 && (size_t)t->counter < q->n_counters)
		q->counters[t->counter].current = 0;
	remove_at(q, t);
	return 0;
}

void queue_set_paused(struct queue *q, size_t counter, bool paused)
{
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

void queue_set_streak(struct queue *q, size_t service, int streak)
{
	if (service < q->n_services)
		q->streak[service] = streak;
}

int queue_streak(const struct queue *q, size_t service)
{
	return service < q->n_services ? q->streak[service] : 0;
}

static int cmp_issue(const void *a, const void *b)
{
	const struct ticket *x = *(const struct ticket *const *)a;
	const struct ticket *y = *(const struct ticket *const *)b;
	if (x->service != y->service)
		return x->service < y->service ? -1 : 1;
	return earlier(x, y) ? -1 : earlier(y, x) ? 1 : 0;
}

static int cmp_slot(const void *a, const void *b)
{
	const struct ticket *x = *(const struct ticket *const *)a;
	const struct ticket *y = *(const struct ticket *const *)b;
	return earlier_slot(x, y) ? -1 : earlier_slot(y, x) ? 1 : 0;
}

static int cmp_wait(const void *a, const void *b)
{
	const struct ticket *x = *(const struct ticket *const *)a;
	const struct ticket *y = *(const struct ticket *const *)b;
	return earlier(x, y) ? -1 : earlier(y, x) ? 1 : 0;
}

/* A sorted run of candidates consumed from the front. */
struct run {
	const struct ticket **v;
	size_t n, next;
};

static const struct ticket *run_head(const struct run *r)
{
	return r->next < r->n ? r->v[r->next] : NULL;
}

/*
 * With time frozen the classes of the policy do not change while tickets
 * are called, so repeated queue_pick() reduces to merging sorted runs: the
 * starved, the due and early appointments, the priority tickets, and the
 * walk-ins of each service (the interleave rule needs them per service).
 * Only the interleave streaks evolve, and they are simulated.
 */
int queue_order(const struct queue *q, uint64_t services, int64_t now,
		int64_t *ret_ids, size_t max, size_t *ret_n)
{
	const struct ticket **all;
	struct run starv = {0}, duer = {0}, prio = {0}, early = {0};
	struct run walk[64] = {{0}};
	int streak[64];
	size_t n, out = 0;

	all = calloc(q->n ? q->n : 1, sizeof(*all));
	if (!all)
		return -ENOMEM;
	/* Partition into classes: starved | due | priority | early | walk-ins,
	 * laid out in one array of pointers. */
	const struct ticket **cls[5];
	size_t cnt[5] = {0};
	size_t k[5] = {0};
	for (int pass = 0; pass < 2; pass++) {
		for (size_t sv = 0, i = 0; next_slot(q, services, &sv, &i);) {
			const struct ticket *t = &q->t[q->by_service[sv].v[i++]];
			int c;
			if (t->state != TICKET_WAITING)
				continue;
			if (starved(q, t, now))
				c = 0;
			else if (t->kind == TICKET_APPOINTMENT)
				c = due(q, t, now) ? 1 : 3;
			else if (t->kind == TICKET_PRIORITY)
				c = 2;
			else
				c = 4;
			if (pass == 0)
				cnt[c]++;
			else
				cls[c][k[c]++] = t;
		}
		if (pass == 0) {
			size_t off = 0;
			for (int c = 0; c < 5; c++) {
				cls[c] = all + off;
				off += cnt[c];
			}
		}
	}
	qsort(cls[0], cnt[0], sizeof(*all), cmp_wait);
	qsort(cls[1], cnt[1], sizeof(*all), cmp_slot);
	qsort(cls[2], cnt[2], sizeof(*all), cmp_wait);
	qsort(cls[3], cnt[3], sizeof(*all), cmp_slot);
	qsort(cls[4], cnt[4], sizeof(*all), cmp_issue); /* by service */
	starv = (struct run){cls[0], cnt[0], 0};
	duer = (struct run){cls[1], cnt[1], 0};
	prio = (struct run){cls[2], cnt[2], 0};
	early = (struct run){cls[3], cnt[3], 0};
	for (size_t i = 0; i < cnt[4];) {
		int s = cls[4][i]->service;
		size_t j = i;
		while (j < cnt[4] && cls[4][j]->service == s)
			j++;
		walk[s] = (struct run){cls[4] + i, j - i, 0};
		i = j;
	}
	for (size_t s = 0; s < q->n_services; s++)
		streak[s] = q->streak[s];
	n = cnt[0] + cnt[1] + cnt[2] + cnt[3] + cnt[4];

	for (size_t called = 0; called < n; called++) {
		const struct ticket *t = NULL, *w = NULL, *wi = NULL;
		struct run *from = NULL, *wfrom = NULL, *wifrom = NULL;

		for (size_t s = 0; s < q->n_services; s++) {
			const struct ticket *h = run_head(&walk[s]);
			if (!h)
				continue;
			if (!w || earlier(h, w)) {
				w = h;
				wfrom = &walk[s];
			}
			if (interleave_due(q, streak, (int)s) &&
			    (!wi || earlier(h, wi))) {
				wi = h;
				wifrom = &walk[s];
			}
		}
		if (run_head(&starv))
			from = &starv;
		else if (wi)
			from = wifrom;
		else if (run_head(&duer))
			from = &duer;
		else if (run_head(&prio))
			from = &prio;
		else if (w)
			from = wfrom;
		else
			from = &early;
		t = run_head(from);
		if (!t)
			break; /* cannot happen: n counts every run's tickets */
		from->next++;
		if (t->kind == TICKET_WALK_IN)
			streak[t->service] = 0;
		else
			streak[t->service]++;
		if (out < max)
			ret_ids[out++] = t->id;
	}
	free(all);
	*ret_n = n;
	return 0;
}

enum ticket_class {
	CLASS_STARVED,
	CLASS_DUE,
	CLASS_PRIORITY,
	CLASS_WALK_IN,
	CLASS_EARLY,
	CLASS_COUNT,
};

static enum ticket_class class_of(const struct queue *q,
				  const struct ticket *t, int64_t now)
{
	if (starved(q, t, now))
		return CLASS_STARVED;
	if (t->kind == TICKET_APPOINTMENT)
		return due(q, t, now) ? CLASS_DUE : CLASS_EARLY;
	return t->kind == TICKET_PRIORITY ? CLASS_PRIORITY : CLASS_WALK_IN;
}

static bool before_in_class(enum ticket_class c, const struct ticket *a,
			    const struct ticket *b)
{
	return c == CLASS_DUE || c == CLASS_EARLY ? earlier_slot(a, b)
						  : earlier(a, b);
}

/*
 * The position of one ticket in queue_order() for its own service, without
 * sorting the queue: within one service only the sizes of the classes and
 * the ticket's rank in its class matter, plus the kinds of the starved
 * tickets in order (they move the interleave streak). One pass to count,
 * then a walk over integers.
 */
int queue_ahead(const struct queue *q, int64_t id, int64_t now,
		size_t *ret_ahead)
{
	const struct ticket *t = find(q, id);
	const struct ticket **starv = NULL;
	size_t left[CLASS_COUNT] = {0}, taken[CLASS_COUNT] = {0};
	size_t rank = 0, n_starv = 0, next_starv = 0, ahead = 0;
	enum ticket_class tc;
	int streak;

	if (!t)
		return -ENOENT;
	if (t->state != TICKET_WAITING)
		return -EINVAL;
	tc = class_of(q, t, now);
	const struct slots *own = &q->by_service[t->service];
	for (size_t i = 0; i < own->n; i++) {
		const struct ticket *x = &q->t[own->v[i]];
		if (x->state != TICKET_WAITING)
			continue;
		enum ticket_class c = class_of(q, x, now);
		left[c]++;
		if (c == tc && x != t && before_in_class(c, x, t))
			rank++;
	}
	if (left[CLASS_STARVED]) {
		starv = calloc(left[CLASS_STARVED], sizeof(*starv));
		if (!starv)
			return -ENOMEM;
		for (size_t i = 0; i < own->n; i++) {
			const struct ticket *x = &q->t[own->v[i]];
			if (x->state == TICKET_WAITING && starved(q, x, now))
				starv[n_starv++] = x;
		}
		qsort(starv, n_starv, sizeof(*starv), cmp_wait);
	}
	streak = q->streak[t->service];
	for (;;) {
		enum ticket_class c;
		bool walk_in;

		if (left[CLASS_STARVED])
			c = CLASS_STARVED;
		else if (q->policy.walkin_every > 0 &&
			 streak >= q->policy.walkin_every &&
			 left[CLASS_WALK_IN])
			c = CLASS_WALK_IN;
		else if (left[CLASS_DUE])
			c = CLASS_DUE;
		else if (left[CLASS_PRIORITY])
			c = CLASS_PRIORITY;
		else if (left[CLASS_WALK_IN])
			c = CLASS_WALK_IN;
		else
			c = CLASS_EARLY;
		if (c == tc && taken[c] == rank)
			break;
		if (!left[c])
			break; /* cannot happen: t itself is counted */
		if (c == CLASS_STARVED)
			walk_in = starv[next_starv++]->kind == TICKET_WALK_IN;
		else
			walk_in = c == CLASS_WALK_IN;
		streak = walk_in ? 0 : streak + 1;
		left[c]--;
		taken[c]++;
		ahead++;
	}
	free(starv);
	*ret_ahead = ahead;
	return 0;
}
