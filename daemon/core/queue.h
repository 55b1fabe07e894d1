/* The queue engine: the active tickets (waiting or called) of the day, the
 * counters' state and the call policy of docs/DESIGN.md. Pure: no I/O, no clock;
 * every decision takes `now`. Callers decide with queue_pick(), make the
 * change durable, then apply it here. */
#ifndef BONOMAT_QUEUE_H
#define BONOMAT_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ticket.h"

/* The most active tickets the engine holds (a day of a large office has a
 * few thousand); queue_add() refuses more with -E2BIG. */
#define QUEUE_TICKETS_MAX 1000000

/* The two call policies of docs/DESIGN.md, "Who is called next". */
enum queue_kind {
	QUEUE_RULES, /* the six rules */
	QUEUE_DUE,   /* due times: least slack, bookings protected */
};

struct queue_policy {
	enum queue_kind kind;
	int64_t max_wait;     /* seconds; starvation guard, a walk-in's due */
	int walkin_every;     /* 0 = no interleave (rules only) */
	int64_t early_window; /* seconds before slot start a booking is due */
	/* The due policy's: a priority ticket's bound, and how long after
	 * its slot start a booking is still on time. */
	int64_t priority_wait;	/* seconds */
	int64_t booking_window; /* seconds */
};

struct queue;

int queue_new(const struct queue_policy *policy, size_t n_services,
	      size_t n_counters, const uint64_t *counter_services,
	      struct queue **ret);
void queue_free(struct queue *q);

/* Adds a waiting ticket, or a called one (t->counter set) when rebuilding. */
int queue_add(struct queue *q, const struct ticket *t);
const struct ticket *queue_get(const struct queue *q, int64_t id);
/* The ticket called to counter and not yet finished, or NULL. */
const struct ticket *queue_current(const struct queue *q, size_t counter);
size_t queue_waiting(const struct queue *q, size_t service);
size_t queue_size(const struct queue *q);

/* Which waiting ticket counter calls at now, and by which rule. -ENOENT
 * when none of its services has a waiting ticket. Changes nothing. */
int queue_pick(const struct queue *q, size_t counter, int64_t now,
	       int64_t *ret_id, enum call_reason *ret_reason);

/* Applies a call decided by queue_pick(). */
int queue_call(struct queue *q, size_t counter, int64_t id,
	       enum call_reason reason, int64_t now);
/* Counts one more announcement of the counter's current ticket. */
int queue_recall(struct queue *q, size_t counter);
/* Removes the counter's current ticket (served or no-show). */
int queue_finish(struct queue *q, size_t counter);
/* The counter's current ticket waits again in service, keeping its issue
 * time. */
int queue_transfer(struct queue *q, size_t counter, size_t service);
/* Keeps the active ticket's print state in step with the store. */
int queue_set_printed(struct queue *q, int64_t id, enum print_state printed);
/* Removes a waiting ticket (expiry). */
int queue_remove(struct queue *q, int64_t id);

void queue_set_paused(struct queue *q, size_t counter, bool paused);
bool queue_paused(const struct queue *q, size_t counter);
uint64_t queue_counter_services(const struct queue *q, size_t counter);
/* The services counter calls from now on (the day's change of the floor
 * manager); its current ticket stays. */
void queue_set_counter_services(struct queue *q, size_t counter,
				uint64_t services);
/* Consecutive non-walk-in calls in service (for the interleave rule). */
void queue_set_streak(struct queue *q, size_t service, int streak);
int queue_streak(const struct queue *q, size_t service);

/* The order in which a counter serving exactly `services` would call the
 * waiting tickets if nothing changed until then, time frozen at now. Writes
 * at most max ids; *ret_n is the number of waiting tickets in those
 * services. */
int queue_order(const struct queue *q, uint64_t services, int64_t now,
		int64_t *ret_ids, size_t max, size_t *ret_n);
/* Calls fn with each waiting ticket in the order of queue_order(), until
 * fn returns non-zero (returned then) or the tickets end (0): a view of
 * the first few of a long queue walks only those. */
int queue_walk(const struct queue *q, uint64_t services, int64_t now,
	       int (*fn)(void *userdata, const struct ticket *t),
	       void *userdata);
/* How many tickets queue_order() puts before the waiting ticket id, for a
 * counter serving only its service. */
int queue_ahead(const struct queue *q, int64_t id, int64_t now,
		size_t *ret_ahead);

/* The bookings of one service not yet checked in, as an estimate counts
 * them: their slot starts, sorted. */
struct queue_booked {
	const int64_t *slot_start;
	size_t n;
};

/* The share of bookings not yet checked in that an estimate counts on:
 * about one in ten booked citizens does not come. */
#define QUEUE_SHOW_SHARE 0.9

/*
 * The wait, in seconds, of a walk-in or priority ticket about to be issued
 * in service at now, as docs/DESIGN.md "Estimates" explains: the day run
 * on from now under the policy, the waiting tickets and the bookings not
 * yet checked in (booked, per service, or NULL) taking their service's mean
 * (mean_s, per service) at the open counters, no one else coming. Adds the
 * ticket for the run and takes it out again. -ENOENT when no open counter
 * serves the service.
 */
int queue_estimate(struct queue *q, size_t service, enum ticket_kind kind,
		   int64_t now, const int64_t *mean_s,
		   const struct queue_booked *booked, double show_share,
		   int64_t *ret_s);
/* queue_estimate() of a walk-in for each service of services, in one run
 * of the day: ret_s (64 entries) gets the wait of those served by an open
 * counter, which *ret_served says; the others are not written. The same
 * figures as one queue_estimate() each (test_queue holds it to that). The
 * engine keeps the run: asked again with the same inputs after nothing but
 * walk-ins issued at now were added, it goes on from the last run where
 * they first count instead of running the day again (docs/DESIGN.md,
 * "Estimates"). */
int queue_estimate_walk_ins(struct queue *q, uint64_t services, int64_t now,
			    const int64_t *mean_s,
			    const struct queue_booked *booked,
			    double show_share, int64_t *ret_s,
			    uint64_t *ret_served);
/* queue_estimate() of a priority ticket of service, from the run of
 * queue_estimate_walk_ins() with the same inputs (services must hold
 * service), which it brings up to date: the ticket sorts last of its
 * list, so every call of that run is the same until a counter serving the
 * service first comes to the end of its priority list, and the ticket's
 * run goes on from there. Asked with nothing else changed, the walk-ins'
 * run is not made again; the priority ticket, once added, makes it go on
 * from that point (docs/DESIGN.md, "Estimates"). -ENOENT: no open counter
 * serves the service. */
int queue_estimate_priority(struct queue *q, uint64_t services,
			    size_t service, int64_t now, const int64_t *mean_s,
			    const struct queue_booked *booked,
			    double show_share, int64_t *ret_s);
/* The runs of the walk-ins' estimates: made whole; resumed from the last
 * one (walk-ins or priority tickets issued in its second: see
 * docs/DESIGN.md, "Estimates"), of those the ones that could meet the
 * last run again (no priority ticket added) and those that did and took
 * its end; and the priority tickets' waits taken from them. Their other
 * answers were the last run's. */
struct queue_estimate_counts {
	uint64_t whole, resumed, meetable, met, priority;
};

void queue_estimate_counts(const struct queue *q,
			   struct queue_estimate_counts *ret);

#endif
