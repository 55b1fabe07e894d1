#include "day.h"

#include <errno.h>
#include <stdlib.h>

#include "rng.h"

#define MIN 60
#define HOUR 3600

/*
 * The Sector 1 office of config/bonomat.conf: its six ticket services with
 * their configured mean service times. Walk-ins come mostly for taxes and
 * the registry. Bookings come for the same, unless long_bookings says
 * they go more to the long services (urbanism, social assistance), whose
 * citizens plan ahead.
 */
/* clang-format off */
static const struct day_service services[] = {
	/* id  name        minutes walk-ins long bookings */
	{"A", "taxes",        8,    0.30,     0.25},
	{"B", "registry",     5,    0.28,     0.10},
	{"C", "urbanism",    15,    0.07,     0.25},
	{"D", "social",      12,    0.12,     0.20},
	{"E", "utilities",    6,    0.15,     0.08},
	{"F", "land",        10,    0.08,     0.12},
};
/* clang-format on */
#define N_SERVICES (sizeof(services) / sizeof(services[0]))

#define S(c) (UINT64_C(1) << ((c) - 'A'))
/*
 * The counters come in modules of six with mixed service sets, so that
 * every service has at least two counters even in the small office of one
 * module: taxes alone, taxes and the registry, the registry and utilities,
 * urbanism and land, social assistance and utilities, and one counter for
 * everything. The full office is two modules; more counters repeat it.
 */
/* clang-format off */
static const uint64_t counter_kinds[] = {
	S('A'),
	S('A') | S('B'),
	S('B') | S('E'),
	S('C') | S('F'),
	S('D') | S('E'),
	S('A') | S('B') | S('C') | S('D') | S('E') | S('F'),
};
/* clang-format on */
#undef S
#define N_KINDS (sizeof(counter_kinds) / sizeof(counter_kinds[0]))

/* Monday to Friday hours of the example config; walk-in tickets stop
 * `cutoff` (15) minutes before closing. */
#define OPEN (8 * HOUR + 30 * MIN)
#define CLOSE (16 * HOUR + 30 * MIN)
#define CUTOFF (15 * MIN)

/*
 * Walk-ins per half hour from 08:30, relative: a queue at the door, the
 * morning peak from 09:00 to 11:00, a quieter lunch and afternoon. The
 * last block is the quarter hour before the cut-off.
 */
static const double walkin_curve[] = {
	1.0, 1.6, 1.8, 1.8, 1.6, 1.2, 1.0, 0.9,
	0.8, 0.7, 0.7, 0.7, 0.7, 0.6, 0.5, 0.4,
};
#define N_BLOCKS (sizeof(walkin_curve) / sizeof(walkin_curve[0]))

/* Service times: log-normal with this coefficient of variation around the
 * mean, redrawn outside [1 min, 3 x mean] (a clerk closes a case or sends
 * the citizen on; the tail beyond is 0.5% of draws). */
#define SERVICE_CV 0.5

/* Check-in relative to the slot start: most come early, around 10 minutes
 * before; a few run late, up to 40 minutes. */
#define ARRIVAL_MEAN (-10.0 * MIN)
#define ARRIVAL_SD (8.0 * MIN)
#define LATE_SHARE 0.05
#define LATE_MAX (40 * MIN)
#define NO_SHOW_SHARE 0.10
#define PRIORITY_SHARE 0.05
#define SLOT (15 * MIN)

enum {
	STREAM_WALKINS = 1,
	STREAM_BOOKINGS,
	STREAM_SERVICE
};

static int pick_share(struct rng *r, bool long_share)
{
	double u = rng_uniform(r), sum = 0;

	for (size_t s = 0; s < N_SERVICES; s++) {
		sum += long_share ? services[s].long_share :
				    services[s].walkin_share;
		if (u < sum)
			return (int)s;
	}
	return (int)N_SERVICES - 1;
}

/* The walk-in curve's block b: its start and length in seconds. */
static int64_t block_start(size_t b)
{
	return OPEN + (int64_t)b * 30 * MIN;
}

static int64_t block_len(size_t b)
{
	int64_t end = block_start(b + 1);
	return (end < CLOSE - CUTOFF ? end : CLOSE - CUTOFF) - block_start(b);
}

static int64_t walkin_arrival(struct rng *r)
{
	double total = 0, u;
	size_t b;

	for (b = 0; b < N_BLOCKS; b++)
		total += walkin_curve[b] * (double)block_len(b);
	u = rng_uniform(r) * total;
	for (b = 0; b < N_BLOCKS - 1; b++) {
		double mass = walkin_curve[b] * (double)block_len(b);
		if (u < mass)
			break;
		u -= mass;
	}
	/* u / rate is the time into the block. */
	int64_t at = (int64_t)(u / walkin_curve[b]);
	return block_start(b) + (at < block_len(b) ? at : block_len(b) - 1);
}

static int64_t service_time(struct rng *r, double minutes)
{
	double mean = minutes * MIN, x;

	do
		x = rng_lognormal(r, mean, SERVICE_CV);
	while (x < MIN || x > 3 * mean);
	return (int64_t)(x + 0.5);
}

static int by_arrival(const void *a, const void *b)
{
	const struct citizen *x = a, *y = b;

	if (x->arrival != y->arrival)
		return x->arrival < y->arrival ? -1 : 1;
	/* The same second: any fixed order of the other fields. */
	if (x->service_s != y->service_s)
		return x->service_s < y->service_s ? -1 : 1;
	if (x->slot_start != y->slot_start)
		return x->slot_start < y->slot_start ? -1 : 1;
	if (x->service != y->service)
		return x->service - y->service;
	if (x->kind != y->kind)
		return (int)x->kind - (int)y->kind;
	return (int)x->late - (int)y->late;
}

/* The walk-in tickets. */
static void draw_walkins(struct day *d, const struct day_params *p,
			 struct rng *r)
{
	for (int i = 0; i < p->walkins; i++) {
		struct citizen *c = &d->c[d->n++];

		c->arrival = walkin_arrival(r);
		c->service = pick_share(r, false);
		c->kind = rng_uniform(r) < PRIORITY_SHARE ? TICKET_PRIORITY :
							    TICKET_WALK_IN;
		c->slot_start = 0;
		c->late = false;
		if (c->kind == TICKET_PRIORITY)
			d->priority++;
		else
			d->walkins++;
	}
}

/* The bookings, each a slot and a service; the citizen comes or not, and
 * checks in early, in time, within the grace or too late for it. */
static void draw_bookings(struct day *d, const struct day_params *p,
			  struct rng *r)
{
	const uint32_t n_slots = (uint32_t)((CLOSE - OPEN) / SLOT);

	for (int i = 0; i < p->bookings; i++) {
		int64_t slot = OPEN + (int64_t)rng_below(r, n_slots) * SLOT;
		int service = pick_share(r, p->long_bookings);
		bool comes = rng_uniform(r) >= NO_SHOW_SHARE;
		double offset;
		int64_t at;
		struct citizen *c;

		/* Drawn whether they come or not: the other bookings stay
		 * the same when the share of no-shows changes. */
		if (rng_uniform(r) < LATE_SHARE)
			offset = rng_uniform(r) * LATE_MAX;
		else
			offset = ARRIVAL_MEAN + ARRIVAL_SD * rng_normal(r);
		d->bookings++;
		d->b[d->n_b] = (struct day_booking){slot, -1, service};
		d->n_b++;
		if (!comes) {
			d->no_shows++;
			continue;
		}
		at = slot + (int64_t)offset;
		if (at < OPEN) /* waited at the door */
			at = OPEN + (int64_t)rng_below(r, 5 * MIN);
		if (at >= CLOSE) {
			d->too_late++;
			continue;
		}
		d->b[d->n_b - 1].checkin = at;
		c = &d->c[d->n++];
		c->arrival = at;
		c->service = service;
		if (at > slot + (int64_t)p->late_grace * MIN) {
			c->kind = TICKET_WALK_IN;
			c->slot_start = 0;
			c->late = true;
			d->late++;
		} else {
			c->kind = TICKET_APPOINTMENT;
			c->slot_start = slot;
			c->late = false;
			if (at <= slot)
				d->on_time++;
			else
				d->in_grace++;
		}
	}
}

int day_new(const struct day_params *p, struct day **ret)
{
	struct day *d;
	struct rng r;
	uint64_t all = 0;
	double work = 0;

	if (p->walkins < 0 || p->bookings < 0 || p->counters < 1 ||
	    p->counters > 256 || p->late_grace < 0 || p->late_grace > 240 ||
	    p->walkins > 1000000 || p->bookings > 1000000)
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->seed = p->seed;
	d->services = services;
	d->n_services = N_SERVICES;
	d->n_counters = (size_t)p->counters;
	d->open = OPEN;
	d->close = CLOSE;
	d->cutoff = CLOSE - CUTOFF;
	d->late_grace = (int64_t)p->late_grace * MIN;
	d->counter_services =
		calloc(d->n_counters, sizeof(*d->counter_services));
	d->c = calloc((size_t)p->walkins + (size_t)p->bookings + 1,
		      sizeof(*d->c));
	d->b = calloc((size_t)p->bookings + 1, sizeof(*d->b));
	if (!d->counter_services || !d->c || !d->b) {
		day_free(d);
		return -ENOMEM;
	}
	for (size_t i = 0; i < d->n_counters; i++) {
		d->counter_services[i] = counter_kinds[i % N_KINDS];
		all |= d->counter_services[i];
	}
	if (all != (UINT64_C(1) << N_SERVICES) - 1) {
		day_free(d);
		return -EINVAL;
	}

	rng_seed(&r, p->seed, STREAM_WALKINS);
	draw_walkins(d, p, &r);
	rng_seed(&r, p->seed, STREAM_BOOKINGS);
	draw_bookings(d, p, &r);
	/* Service times in drawing order, before sorting by arrival, so that
	 * each citizen keeps theirs whatever the others do. */
	rng_seed(&r, p->seed, STREAM_SERVICE);
	for (size_t i = 0; i < d->n; i++) {
		struct citizen *c = &d->c[i];
		c->service_s = service_time(&r, services[c->service].minutes);
		d->work_s[c->service] += (double)c->service_s;
		work += (double)c->service_s;
	}
	qsort(d->c, d->n, sizeof(*d->c), by_arrival);
	d->load = work / ((double)d->n_counters * (double)(CLOSE - OPEN));
	*ret = d;
	return 0;
}

void day_free(struct day *d)
{
	if (!d)
		return;
	free(d->counter_services);
	free(d->c);
	free(d->b);
	free(d);
}
