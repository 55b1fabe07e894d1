/* The queue engine: every rule of the policy, its tie-breaks, and the
 * simulated call order checked against repeated calls. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "queue.h"

#define MIN 60
#define T0 1764748800 /* an arbitrary morning */
#define SA 0          /* service A */
#define SB 1          /* service B */

static const struct queue_policy policy = {
	.max_wait = 45 * MIN,
	.walkin_every = 3,
	.early_window = 10 * MIN,
};

static const struct queue_policy due_policy = {
	.kind = QUEUE_DUE,
	.max_wait = 45 * MIN,
	.early_window = 10 * MIN,
	.priority_wait = 15 * MIN,
	.booking_window = 10 * MIN,
};

/* Counter 0 serves A and B, counter 1 only A, counter 2 only B. */
static const uint64_t masks[] = {0x3, 0x1, 0x2};

static struct queue *make(const struct queue_policy *p)
{
	struct queue *q = NULL;
	assert_int_equal(queue_new(p, 2, 3, masks, &q), 0);
	return q;
}

static int64_t add(struct queue *q, int64_t id, int service,
		   enum ticket_kind kind, int64_t issued, int64_t slot)
{
	struct ticket t = {
		.id = id, .service = service, .kind = kind,
		.state = TICKET_WAITING, .issued_at = issued,
		.slot_start = slot, .counter = -1,
	};
	assert_int_equal(queue_add(q, &t), 0);
	return id;
}

/* Calls the next ticket at counter and finishes it, as a clerk would. */
static int64_t call(struct queue *q, size_t counter, int64_t now,
		    enum call_reason want)
{
	int64_t id = 0;
	enum call_reason reason;
	assert_int_equal(queue_pick(q, counter, now, &id, &reason), 0);
	assert_string_equal(call_reason_name(reason), call_reason_name(want));
	assert_int_equal(queue_call(q, counter, id, reason, now), 0);
	assert_int_equal(queue_finish(q, counter), 0);
	return id;
}

static void nobody(struct queue *q, size_t counter, int64_t now)
{
	int64_t id = 0;
	enum call_reason reason;
	assert_int_equal(queue_pick(q, counter, now, &id, &reason), -ENOENT);
}

static void walk_ins_first_come_first_served(void **state)
{
	(void)state;
	struct queue *q = make(&policy);
	add(q, 1, SA, TICKET_WALK_IN, T0, 0);
	add(q, 2, SA, TICKET_WALK_IN, T0 + 60, 0);
	add(q, 3, SA, TICKET_WALK_IN, T0 + 120, 0);
	assert_int_equal(queue_waiting(q, SA), 3);
	assert_int_equal(call(q, 0, T0 + 180, REASON_WALK_IN), 1);
	assert_int_equal(call(q, 0, T0 + 180, REASON_WALK_IN), 2);
	assert_int_equal(call(q, 0, T0 + 180, REASON_WALK_IN), 3);
	nobody(q, 0, T0 + 180);
	assert_int_equal(queue_waiting(q, SA), 0);
	assert_int_equal(queue_size(q), 0);
	queue_free(q);
}

static void ties_go_to_the_lower_id(void **state)
{
	(void)state;
	struct queue *q = make(&policy);
	add(q, 9, SA, TICKET_WALK_IN, T0, 0);
	add(q, 4, SA, TICKET_WALK_IN, T0, 0);
	add(q, 7, SA, TICKET_WALK_IN, T0, 0);
	assert_int_equal(call(q, 0, T0, REASON_WALK_IN), 4);
	assert_int_equal(call(q, 0, T0, REASON_WALK_IN), 7);
	assert_int_equal(call(q, 0, T0, REASON_WALK_IN), 9);
	queue_free(q);
}

static void priority_before_walk_ins(void **state)
{
	(void)state;
	struct queue *q = make(&policy);
	add(q, 1, SA, TICKET_WALK_IN, T0, 0);
	add(q, 2, SA, TICKET_WALK_IN, T0 + 10, 0);
	add(q, 3, SA, TICKET_PRIORITY, T0 + 20, 0);
	add(q, 4, SA, TICKET_PRIORITY, T0 + 15, 0);
	assert_int_equal(call(q, 0, T0 + 30, REASON_PRIORITY), 4);
	assert_int_equal(call(q, 0, T0 + 30, REASON_PRIORITY), 3);
	assert_int_equal(call(q, 0, T0 + 30, REASON_WALK_IN), 1);
	queue_free(q);
}

static void interleave_after_three_non_walk_ins(void **state)
{
	(void)state;
	struct queue *q = make(&policy);
	add(q, 1, SA, TICKET_WALK_IN, T0, 0);
	add(q, 2, SA, TICKET_WALK_IN, T0 + 1, 0);
	for (int i = 0; i < 5; i++)
		add(q, 10 + i, SA, TICKET_PRIORITY, T0 + 10 + i, 0);
	int64_t now = T0 + 60;
	assert_int_equal(call(q, 0, now, REASON_PRIORITY), 10);
	assert_int_equal(call(q, 0, now, REASON_PRIORITY), 11);
	assert_int_equal(call(q, 0, now, REASON_PRIORITY), 12);
	assert_int_equal(queue_streak(q, SA), 3);
	assert_int_equal(call(q, 0, now, REASON_INTERLEAVE), 1);
	assert_int_equal(queue_streak(q, SA), 0);
	assert_int_equal(call(q, 0, now, REASON_PRIORITY), 13);
	assert_int_equal(call(q, 0, now, REASON_PRIORITY), 14);
	assert_int_equal(call(q, 0, now, REASON_WALK_IN), 2);
	queue_free(q);
}

static void interleave_counts_per_service(void **state)
{
	(void)state;
	struct queue *q = make(&policy);
	add(q, 1, SB, TICKET_WALK_IN, T0, 0);
	add(q, 2, SA, TICKET_WALK_IN, T0, 0);
	for (int i = 0; i < 3; i++)
		add(q, 10 + i, SA, TICKET_PRIORITY, T0 + 10 + i, 0);
	add(q, 20, SB, TICKET_PRIORITY, T0 + 30, 0);
	int64_t now = T0 + 60;
	/* Three priority calls in A make A's oldest walk-in due, not B's. */
	assert_int_equal(call(q, 1, now, REASON_PRIORITY), 10);
	assert_int_equal(call(q, 1, now, REASON_PRIORITY), 11);
	assert_int_equal(call(q, 1, now, REASON_PRIORITY), 12);
	assert_int_equal(queue_streak(q, SB), 0);
	assert_int_equal(call(q, 0, now, REASON_INTERLEAVE), 2);
	assert_int_equal(call(q, 0, now, REASON_PRIORITY), 20);
	assert_int_equal(call(q, 0, now, REASON_WALK_IN), 1);
	queue_free(q);
}

static void interleave_off_when_zero(void **state)
{
	(void)state;
	struct queue_policy p = policy;
	p.walkin_every = 0;
	struct queue *q = make(&p);
	add(q, 1, SA, TICKET_WALK_IN, T0, 0);
	for (int i = 0; i < 6; i++)
		add(q, 10 + i, SA, TICKET_PRIORITY, T0 + 10 + i, 0);
	for (int i = 0; i < 6; i++)
		assert_int_equal(call(q, 0, T0 + 60, REASON_PRIORITY), 10 + i);
	assert_int_equal(call(q, 0, T0 + 60, REASON_WALK_IN), 1);
	queue_free(q);
}

static void starvation_guard_first_and_at_the_bound(void **state)
{
	(void)state;
	struct queue *q = make(&policy);
	add(q, 1, SA, TICKET_WALK_IN, T0, 0);
	add(q, 2, SA, TICKET_WALK_IN, T0 + 60, 0);
	add(q, 3, SA, TICKET_PRIORITY, T0 + 120, 0);
	add(q, 4, SA, TICKET_APPOINTMENT, T0 + 130, T0 + 45 * MIN);
	/* One second before max_wait: the due appointment goes first. */
	int64_t now = T0 + 45 * MIN - 1;
	int64_t id;
	enum call_reason why;
	assert_int_equal(queue_pick(q, 0, now, &id, &why), 0);
	assert_int_equal(id, 4);
	assert_int_equal(why, REASON_APPOINTMENT_DUE);
	/* At exactly max_wait the walk-in is starved and wins. */
	now = T0 + 45 * MIN;
	assert_int_equal(call(q, 0, now, REASON_STARVATION_GUARD), 1);
	assert_int_equal(call(q, 0, now, REASON_APPOINTMENT_DUE), 4);
	assert_int_equal(call(q, 0, now, REASON_PRIORITY), 3);
	assert_int_equal(call(q, 0, now, REASON_WALK_IN), 2);
	queue_free(q);
}

static void starvation_guard_takes_the_longest_waiting(void **state)
{
	(void)state;
	struct queue *q = make(&policy);
	add(q, 1, SA, TICKET_PRIORITY, T0 + 100, 0);
	add(q, 2, SB, TICKET_WALK_IN, T0, 0);
	add(q, 3, SA, TICKET_WALK_IN, T0 + 50, 0);
	int64_t now = T0 + 100 + 45 * MIN;
	assert_int_equal(call(q, 0, now, REASON_STARVATION_GUARD), 2);
	assert_int_equal(call(q, 0, now, REASON_STARVATION_GUARD), 3);
	assert_int_equal(call(q, 0, now, REASON_STARVATION_GUARD), 1);
	queue_free(q);
}

static void starved_priority_counts_as_non_walk_in(void **state)
{
	(void)state;
	struct queue *q = make(&policy);
	add(q, 1, SA, TICKET_PRIORITY, T0, 0);
	int64_t now = T0 + 50 * MIN;
	assert_int_equal(call(q, 0, now, REASON_STARVATION_GUARD), 1);
	assert_int_equal(queue_streak(q, SA), 1);
	queue_free(q);
}

static void appointments_due_by_slot_then_early_last(void **state)
{
	(void)state;
	struct queue *q = make(&policy);
	int64_t now = T0 + 60 * MIN;
	/* Due: slot - early_window <= now. */
	add(q, 1, SA, TICKET_APPOINTMENT, T0, now + 10 * MIN);     /* due */
	add(q, 2, SA, TICKET_APPOINTMENT, T0 + 5, now + 5 * MIN);  /* due */
	add(q, 3, SA, TICKET_APPOINTMENT, T0 + 6, now + 11 * MIN); /* early */
	add(q, 4, SA, TICKET_APPOINTMENT, T0 + 7, now + 30 * MIN); /* early */
	add(q, 5, SA, TICKET_WALK_IN, now - 60, 0);
	add(q, 6, SA, TICKET_PRIORITY, now - 30, 0);
	assert_int_equal(call(q, 0, now, REASON_APPOINTMENT_DUE), 2);
	assert_int_equal(call(q, 0, now, REASON_APPOINTMENT_DUE), 1);
	assert_int_equal(call(q, 0, now, REASON_PRIORITY), 6);
	/* The streak is 3 now: the walk-in comes by the interleave rule. */
	assert_int_equal(call(q, 0, now, REASON_INTERLEAVE), 5);
	assert_int_equal(call(q, 0, now, REASON_APPOINTMENT_EARLY), 3);
	assert_int_equal(call(q, 0, now, REASON_APPOINTMENT_EARLY), 4);
	nobody(q, 0, now);
	queue_free(q);
}

static void early_appointment_waits_for_walk_ins(void **state)
{
	(void)state;
	struct queue *q = make(&policy);
	int64_t slot = T0 + 40 * MIN;
	add(q, 1, SA, TICKET_APPOINTMENT, T0, slot);
	add(q, 2, SA, TICKET_WALK_IN, T0 + 10, 0);
	/* Before slot - early_window: walk-ins first. */
	assert_int_equal(call(q, 0, slot - 10 * MIN - 1, REASON_WALK_IN), 2);
	add(q, 3, SA, TICKET_WALK_IN, T0 + 20, 0);
	/* From slot - early_window: the appointment first. */
	assert_int_equal(call(q, 0, slot - 10 * MIN, REASON_APPOINTMENT_DUE),
			 1);
	queue_free(q);
}


static void counters_see_only_their_services_b(void **state)
{
	(void)state;
	struct queue *q = make(&policy);
	add(q, 1, SA, TICKET_WALK_IN, T0, 0);
	add(q, 2, SB, TICKET_WALK_IN, T0 + 10, 0);
	assert_int_equal(call(q, 2, T0 + 20, REASON_WALK_IN), 2);
	nobody(q, 2, T0 + 20);
	assert_int_equal(call(q, 1, T0 + 20, REASON_WALK_IN), 1);
	queue_free(q);
}

static void call_and_transfer_keep_issue_time(void **state)
{
	(void)state;
	struct queue *q = make(&policy);
	add(q, 1, SA, TICKET_WALK_IN, T0, 0);
	add(q, 2, SB, TICKET_WALK_IN, T0 + 100, 0);
	int64_t id;
	enum call_reason why;
	assert_int_equal(queue_pick(q, 1, T0 + 200, &id, &why), 0);
	assert_int_equal(queue_call(q, 1, id, why, T0 + 200), 0);
	/* A counter with a called ticket cannot call another. */
	assert_int_equal(queue_call(q, 1, 2, REASON_WALK_IN, T0 + 200),
			 -EBUSY);
	const struct ticket *cur = queue_current(q, 1);
	assert_non_null(cur);
	assert_int_equal(cur->id, 1);
	assert_int_equal(cur->state, TICKET_CALLED);
	assert_int_equal(cur->counter, 1);
	assert_int_equal(cur->called_at, T0 + 200);
	assert_int_equal(queue_transfer(q, 1, SB), 0);
	assert_null(queue_current(q, 1));
	const struct ticket *t = queue_get(q, 1);
	assert_int_equal(t->service, SB);
	assert_int_equal(t->state, TICKET_WAITING);
	assert_int_equal(t->issued_at, T0);
	assert_int_equal(queue_waiting(q, SB), 2);
	assert_int_equal(queue_waiting(q, SA), 0);
	/* Its original issue time puts it before B's own walk-in. */
	assert_int_equal(call(q, 2, T0 + 300, REASON_WALK_IN), 1);
	queue_free(q);
}

static void add_validates(void **state)
{
	(void)state;
	struct queue *q = make(&policy);
	struct ticket t = {.id = 1, .service = 5, .state = TICKET_WAITING};
	assert_int_equal(queue_add(q, &t), -EINVAL);
	t.service = SA;
	t.state = TICKET_SERVED;
	assert_int_equal(queue_add(q, &t), -EINVAL);
	t.state = TICKET_WAITING;
	assert_int_equal(queue_add(q, &t), 0);
	assert_int_equal(queue_add(q, &t), -EEXIST);
	t.id = 2;
	t.state = TICKET_CALLED;
	t.counter = 1;
	assert_int_equal(queue_add(q, &t), 0);
	assert_non_null(queue_current(q, 1));
	t.id = 3;
	assert_int_equal(queue_add(q, &t), -EINVAL); /* counter 1 is busy */
	assert_int_equal(queue_waiting(q, SA), 1);
	assert_int_equal(queue_remove(q, 2), 0);
	assert_null(queue_current(q, 1));
	assert_int_equal(queue_remove(q, 1), 0);
	assert_int_equal(queue_waiting(q, SA), 0);
	assert_int_equal(queue_remove(q, 1), -ENOENT);
	queue_free(q);
}

static void pause_state(void **state)
{
	(void)state;
	struct queue *q = make(&policy);
	assert_false(queue_paused(q, 0));
	queue_set_paused(q, 0, true);
	assert_true(queue_paused(q, 0));
	assert_false(queue_paused(q, 1));
	queue_free(q);
}

/* --- the due policy, rule by rule at its boundary ------------------------ */

static void due_booking_first_from_its_slot_start(void **state)
{
	(void)state;
	struct queue *q = make(&due_policy);
	/* A walk-in far past its due time, a booking whose slot starts at
	 * T0 + 30 min. */
	add(q, 1, SA, TICKET_WALK_IN, T0 - 60 * MIN, 0);
	add(q, 2, SA, TICKET_APPOINTMENT, T0 + 20 * MIN, T0 + 30 * MIN);
	int64_t id;
	enum call_reason why;
	/* One second before the slot: the walk-in's slack is the least. */
	assert_int_equal(queue_pick(q, 0, T0 + 30 * MIN - 1, &id, &why), 0);
	assert_int_equal(id, 1);
	assert_int_equal(why, REASON_LEAST_SLACK);
	/* At the slot start the booking goes first. */
	assert_int_equal(call(q, 0, T0 + 30 * MIN, REASON_APPOINTMENT_DUE), 2);
	assert_int_equal(call(q, 0, T0 + 30 * MIN, REASON_LEAST_SLACK), 1);
	queue_free(q);
}

static void due_priority_past_its_bound_before_walk_ins(void **state)
{
	(void)state;
	struct queue *q = make(&due_policy);
	add(q, 1, SA, TICKET_WALK_IN, T0 - 50 * MIN, 0);
	add(q, 2, SA, TICKET_PRIORITY, T0, 0);
	int64_t id;
	enum call_reason why;
	/* Before its bound the priority ticket's due time is later than the
	 * starved walk-in's. */
	assert_int_equal(queue_pick(q, 0, T0 + 15 * MIN - 1, &id, &why), 0);
	assert_int_equal(id, 1);
	assert_int_equal(why, REASON_LEAST_SLACK);
	assert_int_equal(call(q, 0, T0 + 15 * MIN, REASON_PRIORITY_DUE), 2);
	queue_free(q);
}

static void due_least_slack_within_the_horizon(void **state)
{
	(void)state;
	struct queue *q = make(&due_policy);
	/* The horizon is early_window + booking_window, 20 minutes: a
	 * walk-in is near its due time after 25 minutes of waiting. */
	add(q, 1, SA, TICKET_WALK_IN, T0, 0);
	add(q, 2, SA, TICKET_APPOINTMENT, T0, T0 + 60 * MIN);
	int64_t id;
	enum call_reason why;
	assert_int_equal(queue_pick(q, 0, T0 + 25 * MIN - 1, &id, &why), 0);
	assert_int_equal(id, 1);
	assert_int_equal(why, REASON_WALK_IN);
	assert_int_equal(call(q, 0, T0 + 25 * MIN, REASON_LEAST_SLACK), 1);
	/* The booking is near 20 minutes before its due time, which is
	 * 10 minutes after its slot start. */
	assert_int_equal(queue_pick(q, 0, T0 + 50 * MIN - 1, &id, &why), 0);
	assert_int_equal(why, REASON_APPOINTMENT_EARLY);
	assert_int_equal(call(q, 0, T0 + 50 * MIN, REASON_LEAST_SLACK), 2);
	queue_free(q);
}

static void due_equal_due_times_go_by_class(void **state)
{
	(void)state;
	struct queue *q = make(&due_policy);
	const int64_t now = T0 + 35 * MIN;
	/* All three due at T0 + 50 min, all near, none past the rules
	 * before: the booking (slot T0 + 40), the priority ticket (issued
	 * T0 + 35), the walk-in (issued T0 + 5). */
	add(q, 1, SA, TICKET_WALK_IN, T0 + 5 * MIN, 0);
	add(q, 2, SA, TICKET_PRIORITY, T0 + 35 * MIN, 0);
	add(q, 3, SA, TICKET_APPOINTMENT, T0 + 30 * MIN, T0 + 40 * MIN);
	assert_int_equal(call(q, 0, now, REASON_LEAST_SLACK), 3);
	assert_int_equal(call(q, 0, now, REASON_LEAST_SLACK), 2);
	assert_int_equal(call(q, 0, now, REASON_LEAST_SLACK), 1);
	queue_free(q);
}

static void due_first_come_first_served_when_nothing_is_near(void **state)
{
	(void)state;
	struct queue_policy p = due_policy;
	p.priority_wait =
		60 * MIN; /* so that the priority ticket is not near */
	struct queue *q = make(&p);
	add(q, 1, SA, TICKET_WALK_IN, T0, 0);
	add(q, 2, SA, TICKET_PRIORITY, T0 + 1, 0);
	add(q, 3, SA, TICKET_APPOINTMENT, T0, T0 + 3 * 3600);
	add(q, 4, SA, TICKET_WALK_IN, T0 + 2, 0);
	assert_int_equal(call(q, 0, T0 + 60, REASON_PRIORITY), 2);
	assert_int_equal(call(q, 0, T0 + 60, REASON_WALK_IN), 1);
	assert_int_equal(call(q, 0, T0 + 60, REASON_WALK_IN), 4);
	assert_int_equal(call(q, 0, T0 + 60, REASON_APPOINTMENT_EARLY), 3);
	nobody(q, 0, T0 + 60);
	queue_free(q);
}

static void due_late_checkin_is_due_after_its_checkin(void **state)
{
	(void)state;
	struct queue *q = make(&due_policy);
	/* Checked in 12 minutes after its slot start (within the grace):
	 * its slot has started, so rule 1 takes it at once. */
	add(q, 1, SA, TICKET_WALK_IN, T0 - 50 * MIN, 0);
	add(q, 2, SA, TICKET_APPOINTMENT, T0 + 12 * MIN, T0);
	assert_int_equal(call(q, 0, T0 + 12 * MIN, REASON_APPOINTMENT_DUE), 2);
	queue_free(q);
}

/* The worked example of docs/DESIGN.md, "The due policy". */
static void due_worked_example_of_design_md(void **state)
{
	(void)state;
	struct queue *q = make(&due_policy);
	const int64_t ten = T0 + 3600;			  /* 10:00 */
	add(q, 1, SA, TICKET_WALK_IN, ten - 50 * MIN, 0); /* W1 */
	add(q, 2, SA, TICKET_WALK_IN, ten - 20 * MIN, 0); /* W2 */
	add(q, 3, SA, TICKET_PRIORITY, ten - 8 * MIN, 0); /* R1 */
	add(q, 4, SA, TICKET_APPOINTMENT, ten - 10 * MIN,
	    ten + 5 * MIN); /* P1 */
	add(q, 5, SA, TICKET_APPOINTMENT, ten - 2 * MIN,
	    ten + 30 * MIN); /* P2 */
	assert_int_equal(call(q, 1, ten, REASON_LEAST_SLACK), 1);
	assert_int_equal(call(q, 1, ten + 6 * MIN, REASON_APPOINTMENT_DUE), 4);
	assert_int_equal(call(q, 1, ten + 8 * MIN, REASON_PRIORITY_DUE), 3);
	assert_int_equal(call(q, 1, ten + 12 * MIN, REASON_LEAST_SLACK), 2);
	assert_int_equal(call(q, 1, ten + 14 * MIN, REASON_APPOINTMENT_EARLY),
			 5);
	queue_free(q);
}

/* --- estimates ----------------------------------------------------------- */

static void estimate_counts_the_queue_and_the_counters(void **state)
{
	(void)state;
	struct queue *q = make(&due_policy);
	const int64_t mean[2] = {10 * MIN, 10 * MIN};
	int64_t wait = -1;

	/* Counters 0 (A and B) and 1 (A) serve A; B has nothing waiting. */
	assert_int_equal(queue_estimate(q, SA, TICKET_WALK_IN, T0, mean, NULL,
					1.0, &wait),
			 0);
	assert_int_equal(wait, 0);
	add(q, 1, SA, TICKET_WALK_IN, T0, 0);
	add(q, 2, SA, TICKET_WALK_IN, T0, 0);
	add(q, 3, SA, TICKET_WALK_IN, T0, 0);
	/* Two counters take 1 and 2 now, 3 at T0 + 10 min, the new one at
	 * T0 + 10 min on the other. */
	assert_int_equal(queue_estimate(q, SA, TICKET_WALK_IN, T0, mean, NULL,
					1.0, &wait),
			 0);
	assert_int_equal(wait, 10 * MIN);
	/* A priority ticket goes before the walk-ins. */
	assert_int_equal(queue_estimate(q, SA, TICKET_PRIORITY, T0, mean, NULL,
					1.0, &wait),
			 0);
	assert_int_equal(wait, 0);
	/* With counter 2 paused, the counter serving both takes a B
	 * walk-in issued earlier first. */
	queue_set_paused(q, 2, true);
	add(q, 4, SB, TICKET_WALK_IN, T0 - 1, 0);
	assert_int_equal(queue_estimate(q, SA, TICKET_WALK_IN, T0, mean, NULL,
					1.0, &wait),
			 0);
	assert_int_equal(wait, 20 * MIN);
	/* The run leaves the queue as it was. */
	assert_int_equal(queue_size(q), 4);
	assert_int_equal(queue_waiting(q, SA), 3);
	assert_null(queue_get(q, INT64_MAX));
	/* No open counter serves A. */
	queue_set_paused(q, 0, true);
	queue_set_paused(q, 1, true);
	assert_int_equal(queue_estimate(q, SA, TICKET_WALK_IN, T0, mean, NULL,
					1.0, &wait),
			 -ENOENT);
	queue_free(q);
}

static void estimate_counts_the_bookings_due_within_the_wait(void **state)
{
	(void)state;
	struct queue *q = make(&due_policy);
	const int64_t mean[2] = {10 * MIN, 10 * MIN};
	const int64_t slots_a[] = {T0 + 5 * MIN, T0 + 15 * MIN, T0 + 3 * 3600};
	const struct queue_booked booked[2] = {{slots_a, 3}, {NULL, 0}};
	int64_t wait = -1;

	/* Counter 2 serves only B: pause it; counters 0 and 1 serve A. */
	queue_set_paused(q, 2, true);
	for (int i = 1; i <= 4; i++)
		add(q, i, SA, TICKET_WALK_IN, T0, 0);
	/* Without bookings: 1, 2 now, 3, 4 at 10 min, the new one at 20. */
	assert_int_equal(queue_estimate(q, SA, TICKET_WALK_IN, T0, mean, NULL,
					1.0, &wait),
			 0);
	assert_int_equal(wait, 20 * MIN);
	/* The booking of T0 + 5 min is due (early_window before its slot)
	 * and takes counter 0 now, the one of T0 + 15 min takes it at 10
	 * min; the one three hours on is not due in time to matter. */
	assert_int_equal(queue_estimate(q, SA, TICKET_WALK_IN, T0, mean, booked,
					1.0, &wait),
			 0);
	assert_int_equal(wait, 30 * MIN);
	queue_free(q);
}

/* A small deterministic generator, so that failures repeat. */
static uint64_t rng_state;
static unsigned rnd(unsigned n)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)((rng_state >> 33) % n);
}

static void fill_random(struct queue *q, int n, int64_t now)
{
	for (int i = 1; i <= n; i++) {
		enum ticket_kind k = (enum ticket_kind)rnd(3);
		int64_t issued = now - (int64_t)rnd(90 * MIN);
		int64_t slot = k == TICKET_APPOINTMENT
				       ? now + (int64_t)rnd(60 * MIN) - 30 * MIN
				       : 0;
		add(q, i, (int)rnd(2), k, issued, slot);
	}
	queue_set_streak(q, SA, (int)rnd(4));
	queue_set_streak(q, SB, (int)rnd(4));
}

/*
 * A reference of the policy, written plainly from DESIGN.md over an array
 * of tickets, to check the engine's indexed implementation against.
 */
struct ref {
	struct ticket t[64];
	size_t n;
	int streak[2];
};

static bool ref_before(const struct ticket *a, const struct ticket *b,
		       bool by_slot)
{
	if (by_slot && a->slot_start != b->slot_start)
		return a->slot_start < b->slot_start;
	if (a->issued_at != b->issued_at)
		return a->issued_at < b->issued_at;
	return a->id < b->id;
}

static size_t ref_pick(const struct ref *r, const struct queue_policy *p,
		       uint64_t mask, int64_t now, enum call_reason *why)
{
	size_t best[7];
	for (int k = 0; k < 7; k++)
		best[k] = SIZE_MAX;
	for (size_t i = 0; i < r->n; i++) {
		const struct ticket *t = &r->t[i];
		int k = -1;
		if (!(mask & (UINT64_C(1) << t->service)))
			continue;
		bool appt = t->kind == TICKET_APPOINTMENT;
		/* rule 1 */
		if (!appt && now - t->issued_at >= p->max_wait &&
		    (best[1] == SIZE_MAX ||
		     ref_before(t, &r->t[best[1]], false)))
			best[1] = i;
		/* rule 2 */
		if (t->kind == TICKET_WALK_IN && p->walkin_every > 0 &&
		    r->streak[t->service] >= p->walkin_every &&
		    (best[2] == SIZE_MAX ||
		     ref_before(t, &r->t[best[2]], false)))
			best[2] = i;
		if (appt)
			k = t->slot_start - p->early_window <= now ? 3 : 6;
		else
			k = t->kind == TICKET_PRIORITY ? 4 : 5;
		if (best[k] == SIZE_MAX || ref_before(t, &r->t[best[k]], appt))
			best[k] = i;
	}
	static const enum call_reason reasons[7] = {
		REASON_NONE, REASON_STARVATION_GUARD, REASON_INTERLEAVE,
		REASON_APPOINTMENT_DUE, REASON_PRIORITY, REASON_WALK_IN,
		REASON_APPOINTMENT_EARLY,
	};
	for (int k = 1; k < 7; k++) {
		if (best[k] != SIZE_MAX) {
			*why = reasons[k];
			return best[k];
		}
	}
	return SIZE_MAX;
}

/* The due policy's reference: the head of each class (service and kind)
 * found by a plain scan, then the rules of DESIGN.md on the heads. */
static int64_t ref_due(const struct queue_policy *p, const struct ticket *t)
{
	if (t->kind == TICKET_APPOINTMENT)
		return (t->issued_at > t->slot_start ? t->issued_at :
						       t->slot_start) +
		       p->booking_window;
	return t->issued_at +
	       (t->kind == TICKET_PRIORITY ? p->priority_wait : p->max_wait);
}

static size_t ref_pick_due(const struct ref *r, const struct queue_policy *p,
			   uint64_t mask, int64_t now, enum call_reason *why)
{
	size_t head[2][3], best = SIZE_MAX;
	int64_t horizon = p->early_window + p->booking_window;

	for (int s = 0; s < 2; s++)
		for (int k = 0; k < 3; k++)
			head[s][k] = SIZE_MAX;
	for (size_t i = 0; i < r->n; i++) {
		const struct ticket *t = &r->t[i];
		size_t *h = &head[t->service][t->kind];
		if (!(mask & (UINT64_C(1) << t->service)))
			continue;
		if (*h == SIZE_MAX ||
		    ref_before(t, &r->t[*h], t->kind == TICKET_APPOINTMENT))
			*h = i;
	}
#define HEAD_LOOP(k, cond, less)                                             \
	for (int s = 0; s < 2; s++) {                                        \
		size_t i = head[s][k];                                       \
		if (i != SIZE_MAX && (cond) && (best == SIZE_MAX || (less))) \
			best = i;                                            \
	}
	HEAD_LOOP(TICKET_APPOINTMENT, r->t[i].slot_start <= now,
		  ref_before(&r->t[i], &r->t[best], true))
	if (best != SIZE_MAX) {
		*why = REASON_APPOINTMENT_DUE;
		return best;
	}
	HEAD_LOOP(TICKET_PRIORITY, ref_due(p, &r->t[i]) <= now,
		  ref_before(&r->t[i], &r->t[best], false))
	if (best != SIZE_MAX) {
		*why = REASON_PRIORITY_DUE;
		return best;
	}
	/* Least slack; equal due times: bookings, priority, walk-ins. */
	static const enum ticket_kind by_class[3] = {
		TICKET_APPOINTMENT, TICKET_PRIORITY, TICKET_WALK_IN};
	for (int c = 0; c < 3; c++) {
		enum ticket_kind k = by_class[c];
		HEAD_LOOP(k, ref_due(p, &r->t[i]) - now <= horizon,
			  ref_due(p, &r->t[i]) < ref_due(p, &r->t[best]) ||
				  (ref_due(p, &r->t[i]) ==
					   ref_due(p, &r->t[best]) &&
				   r->t[i].kind == r->t[best].kind &&
				   ref_before(&r->t[i], &r->t[best],
					      k == TICKET_APPOINTMENT)))
	}
	if (best != SIZE_MAX) {
		*why = REASON_LEAST_SLACK;
		return best;
	}
	HEAD_LOOP(TICKET_PRIORITY, true,
		  ref_before(&r->t[i], &r->t[best], false))
	if (best != SIZE_MAX) {
		*why = REASON_PRIORITY;
		return best;
	}
	HEAD_LOOP(TICKET_WALK_IN, true,
		  ref_before(&r->t[i], &r->t[best], false))
	if (best != SIZE_MAX) {
		*why = REASON_WALK_IN;
		return best;
	}
	HEAD_LOOP(TICKET_APPOINTMENT, true,
		  ref_before(&r->t[i], &r->t[best], true))
#undef HEAD_LOOP
	*why = REASON_APPOINTMENT_EARLY;
	return best;
}

/* The engine against the reference on random queues, call by call. */
static void pick_matches_the_reference(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 300; seed++) {
		rng_state = seed * 31;
		/* Odd seeds the six rules, even ones the due times. */
		struct queue_policy p = seed % 2 ? policy : due_policy;
		p.walkin_every = (int)rnd(4);
		struct queue *q = make(&p);
		struct ref r = {.n = 0};
		int64_t now = T0 + 3 * 3600;
		size_t counter = rnd(3);
		int n = 1 + (int)rnd(40);

		for (int i = 1; i <= n; i++) {
			struct ticket t = {
				.id = i, .service = (int)rnd(2),
				.kind = (enum ticket_kind)rnd(3),
				.state = TICKET_WAITING,
				.issued_at = now - (int64_t)rnd(90 * MIN),
				.counter = -1,
			};
			/* Equal issue times test the tie-break. */
			if (rnd(4) == 0)
				t.issued_at = now - 50 * MIN;
			if (t.kind == TICKET_APPOINTMENT)
				t.slot_start = now + (int64_t)rnd(60 * MIN) -
					       30 * MIN;
			assert_int_equal(queue_add(q, &t), 0);
			r.t[r.n++] = t;
		}
		for (int s = 0; s < 2; s++) {
			r.streak[s] = (int)rnd(4);
			queue_set_streak(q, (size_t)s, r.streak[s]);
		}
		for (;;) {
			enum call_reason want = REASON_NONE, got;
			int64_t id;
			size_t i = p.kind == QUEUE_DUE ?
					   ref_pick_due(&r, &p, masks[counter],
							now, &want) :
					   ref_pick(&r, &p, masks[counter], now,
						    &want);
			int rc = queue_pick(q, counter, now, &id, &got);
			if (i == SIZE_MAX) {
				assert_int_equal(rc, -ENOENT);
				break;
			}
			assert_int_equal(rc, 0);
			if (id != r.t[i].id || got != want)
				fail_msg("seed %llu: engine calls %lld (%s), "
					 "the reference %lld (%s)",
					 (unsigned long long)seed,
					 (long long)id, call_reason_name(got),
					 (long long)r.t[i].id,
					 call_reason_name(want));
			assert_int_equal(queue_call(q, counter, id, got, now),
					 0);
			assert_int_equal(queue_finish(q, counter), 0);
			int svc = r.t[i].service;
			r.streak[svc] = r.t[i].kind == TICKET_WALK_IN
						? 0
						: r.streak[svc] + 1;
			r.t[i] = r.t[--r.n];
			/* Now and then time moves on by ten minutes. */
			if (rnd(5) == 0)
				now += 10 * MIN;
		}
		queue_free(q);
	}
}

struct walk_ids {
	int64_t ids[64];
	size_t n, stop; /* stop: return 1 after this many (0: never) */
};

static int walk_take(void *userdata, const struct ticket *t)
{
	struct walk_ids *w = userdata;

	w->ids[w->n++] = t->id;
	return w->n == w->stop;
}

/* One run for every service's walk-in tells each the wait its own run
 * would: random queues, both policies, paused counters, called tickets
 * and bookings. */
static void estimate_walk_ins_equal_one_run_each(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 400; seed++) {
		rng_state = seed * 7919;
		struct queue_policy p = seed % 2 ? policy : due_policy;
		p.walkin_every = (int)rnd(4);
		int64_t now = T0 + 3 * 3600;
		int64_t mean[2] = {(int64_t)(1 + rnd(15)) * MIN,
				   (int64_t)(1 + rnd(15)) * MIN};
		int64_t slots[2][6];
		struct queue_booked booked[2];
		struct queue *q = make(&p);
		int64_t both[64], one = 0;
		uint64_t served = 0;

		fill_random(q, (int)rnd(40), now);
		for (size_t k = 0; k < 3; k++) {
			int64_t id;
			enum call_reason why;

			if (rnd(3) == 0)
				queue_set_paused(q, k, true);
			else if (rnd(2) &&
				 queue_pick(q, k, now - 5 * MIN, &id, &why) ==
					 0)
				assert_int_equal(queue_call(q, k, id, why,
							    now - 5 * MIN),
						 0);
		}
		for (int s = 0; s < 2; s++) {
			booked[s].n = rnd(6);
			booked[s].slot_start = slots[s];
			for (size_t i = 0; i < booked[s].n; i++)
				slots[s][i] = now + (int64_t)(i * 10 + rnd(10)) *
							    MIN;
		}
		assert_int_equal(queue_estimate_walk_ins(q, 0x3, now, mean,
							 seed % 3 ? booked :
								    NULL,
							 QUEUE_SHOW_SHARE, both,
							 &served),
				 0);
		for (size_t s = 0; s < 2; s++) {
			int r = queue_estimate(q, s, TICKET_WALK_IN, now, mean,
					       seed % 3 ? booked : NULL,
					       QUEUE_SHOW_SHARE, &one);
			if (r == -ENOENT) {
				assert_false(served & (UINT64_C(1) << s));
				continue;
			}
			assert_int_equal(r, 0);
			assert_true(served & (UINT64_C(1) << s));
			if (both[s] != one)
				fail_msg("seed %llu: service %zu waits %lld s "
					 "alone, %lld s in the shared run",
					 (unsigned long long)seed, s,
					 (long long)one, (long long)both[s]);
		}
		/* The queue is as it was: nothing added stays. */
		assert_int_equal(queue_estimate_walk_ins(q, 0x3, now, mean,
							 NULL, 1.0, both,
							 &served),
				 0);
		queue_free(q);
	}
}

/* A random office for the estimates' tests: up to 5 services and 6
 * counters serving random sets of them, either policy, bookings, tickets
 * of every kind (a quarter issued at now), called and paused counters.
 * The same seed makes the same office. */
struct office_spec {
	struct queue_policy p;
	size_t ns, nc;
	uint64_t cmask[6];
	int64_t now, mean[5], slots[5][8];
	struct queue_booked booked[5];
	const struct queue_booked *b;
};

static struct queue *random_office(uint64_t seed, struct office_spec *o)
{
	struct queue *q = NULL;
	int n;

	rng_state = seed * 104729;
	memset(o, 0, sizeof(*o));
	o->p = seed % 2 ? policy : due_policy;
	o->ns = 1 + rnd(5);
	o->nc = 1 + rnd(6);
	o->now = T0 + 3 * 3600;
	o->b = seed % 3 ? o->booked : NULL;
	o->p.walkin_every = (int)rnd(4);
	o->p.max_wait = (int64_t)(5 + rnd(45)) * MIN;
	for (size_t k = 0; k < o->nc; k++)
		o->cmask[k] = 1 + rnd((unsigned)((UINT64_C(1) << o->ns) - 1));
	assert_int_equal(queue_new(&o->p, o->ns, o->nc, o->cmask, &q), 0);
	for (size_t s = 0; s < o->ns; s++) {
		o->mean[s] = (int64_t)rnd(16) * MIN + (int64_t)rnd(60);
		o->booked[s].n = rnd(8);
		o->booked[s].slot_start = o->slots[s];
		for (size_t i = 0; i < o->booked[s].n; i++)
			o->slots[s][i] =
				o->now + (int64_t)(i * 10 + rnd(10)) * MIN;
		queue_set_streak(q, s, (int)rnd(4));
	}
	n = (int)rnd(80);
	for (int i = 0; i < n; i++) {
		enum ticket_kind k = (enum ticket_kind)rnd(3);
		int svc = (int)rnd((unsigned)o->ns);
		int64_t issued = rnd(4) ? o->now - (int64_t)rnd(90 * MIN)
					: o->now;
		int64_t slot = k == TICKET_APPOINTMENT
			? o->now + (int64_t)rnd(60 * MIN) - 30 * MIN : 0;

		add(q, 1000 + i, svc, k, issued, slot);
	}
	for (size_t k = 0; k < o->nc; k++) {
		int64_t pick;
		enum call_reason why;

		if (rnd(4) == 0)
			queue_set_paused(q, k, true);
		else if (rnd(2) &&
			 queue_pick(q, k, o->now - 5 * MIN, &pick, &why) == 0)
			assert_int_equal(
				queue_call(q, k, pick, why, o->now - 5 * MIN), 0);
	}
	return q;
}

/*
 * The estimate of DESIGN.md played with the engine's public calls, to
 * check queue_estimate()'s run against: the ticket added, then each
 * counter, when it is free (the first free first, of those the one with
 * fewest services, then the lowest index), takes a booking due by then for
 * 0.9 of a mean, or calls what queue_pick() says at that time and is busy
 * for its service's mean, or idles until its next booking. No cursors, no
 * prefixes kept between calls: every pick starts from the lists.
 */
static int replay_estimate(struct queue *q, const struct office_spec *o,
			   size_t service, enum ticket_kind kind,
			   int64_t *ret_s)
{
	int64_t me = INT64_MAX - (int64_t)service, free_at[6];
	size_t taken[5] = {0};

	add(q, me, (int)service, kind, o->now, 0);
	for (size_t k = 0; k < o->nc; k++) {
		const struct ticket *cur = queue_current(q, k);

		free_at[k] = INT64_MAX;
		if (queue_paused(q, k))
			continue;
		free_at[k] = o->now;
		if (cur) {
			int64_t end = cur->called_at + o->mean[cur->service];
			free_at[k] = end > o->now + 60 ? end : o->now + 60;
			assert_int_equal(queue_finish(q, k), 0);
		}
	}
	for (;;) {
		size_t k = SIZE_MAX, bs = SIZE_MAX;
		int64_t t, id;
		enum call_reason why;

		for (size_t i = 0; i < o->nc; i++) {
			if (free_at[i] == INT64_MAX)
				continue;
			if (k == SIZE_MAX || free_at[i] < free_at[k] ||
			    (free_at[i] == free_at[k] &&
			     __builtin_popcountll(o->cmask[i]) <
				     __builtin_popcountll(o->cmask[k])))
				k = i;
		}
		if (k == SIZE_MAX)
			return -ENOENT;
		t = free_at[k];
		for (size_t s = 0; o->b && s < o->ns; s++) {
			if (!(o->cmask[k] & (UINT64_C(1) << s)) ||
			    taken[s] >= o->b[s].n ||
			    o->b[s].slot_start[taken[s]] - o->p.early_window > t)
				continue;
			if (bs == SIZE_MAX || o->b[s].slot_start[taken[s]] <
						      o->b[bs].slot_start[taken[bs]])
				bs = s;
		}
		if (bs != SIZE_MAX) {
			taken[bs]++;
			free_at[k] = t + (int64_t)(QUEUE_SHOW_SHARE *
						   (double)o->mean[bs]);
			continue;
		}
		if (queue_pick(q, k, t, &id, &why) < 0) {
			free_at[k] = INT64_MAX;
			for (size_t s = 0; o->b && s < o->ns; s++)
				if ((o->cmask[k] & (UINT64_C(1) << s)) &&
				    taken[s] < o->b[s].n &&
				    o->b[s].slot_start[taken[s]] -
						    o->p.early_window <
					    free_at[k])
					free_at[k] = o->b[s].slot_start[taken[s]] -
						     o->p.early_window;
			continue;
		}
		if (id == me) {
			*ret_s = t - o->now;
			return 0;
		}
		int svc = queue_get(q, id)->service;
		assert_int_equal(queue_call(q, k, id, why, t), 0);
		assert_int_equal(queue_finish(q, k), 0);
		free_at[k] = t + o->mean[svc];
	}
}

/* queue_estimate() and queue_estimate_walk_ins() tell what the day played
 * call by call with the engine's public calls does. */
static void estimate_matches_the_day_replayed(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 400; seed++) {
		struct office_spec o;
		struct queue *q = random_office(seed, &o);
		int64_t all[64];
		uint64_t served = 0;

		assert_int_equal(queue_estimate_walk_ins(
					 q, (UINT64_C(1) << o.ns) - 1, o.now,
					 o.mean, o.b, QUEUE_SHOW_SHARE, all,
					 &served),
				 0);
		for (size_t s = 0; s < o.ns; s++) {
			for (int kind = 0; kind < 2; kind++) {
				enum ticket_kind k = kind ? TICKET_PRIORITY
							  : TICKET_WALK_IN;
				int64_t got = -1, want = -1;
				struct office_spec o2;
				struct queue *ref = random_office(seed, &o2);
				int r = queue_estimate(q, s, k, o.now, o.mean,
						       o.b, QUEUE_SHOW_SHARE,
						       &got);
				int rr = replay_estimate(ref, &o2, s, k, &want);

				queue_free(ref);
				assert_int_equal(r, rr);
				if (got != want)
					fail_msg("seed %llu service %zu %s: "
						 "replayed %lld s, estimated "
						 "%lld s",
						 (unsigned long long)seed, s,
						 kind ? "priority" : "walk-in",
						 (long long)want,
						 (long long)got);
				if (k == TICKET_WALK_IN && r == 0)
					assert_int_equal(all[s], want);
			}
		}
		queue_free(q);
	}
}

/*
 * The walk-ins' estimates resumed from the last run (walk-ins issued in
 * its second) are exactly those of a whole run: random offices get
 * walk-ins one batch after another, twice: one queue keeps its runs and
 * resumes them, the other is made to run whole every time. After each
 * batch every service's wait is compared between the two, and with its own
 * run (queue_estimate()). Now and then something else changes (a priority
 * ticket, a walk-in of the second before or after or with an older id, a
 * call, a pause, the next second), which must make a whole run.
 */
static void estimate_resumed_equals_whole_run(void **state)
{
	(void)state;
	uint64_t resumed_total = 0, whole_total = 0, met_total = 0;
	uint64_t meetable_total = 0, priority_total = 0, priority_asked = 0;

	for (uint64_t seed = 1; seed <= 500; seed++) {
		struct office_spec o;
		struct queue *qq[2] = {random_office(seed, &o),
				       random_office(seed, &o)};
		/* Ids from 2000 up; those below for tickets added late. */
		int64_t now = o.now, id = 2000, old_id = 0;
		bool ahead = false; /* a ticket issued after now waits */
		size_t ns = o.ns, nc = o.nc;
		uint64_t all = (UINT64_C(1) << ns) - 1;
		const int64_t *mean = o.mean;
		const struct queue_booked *b = o.b;

		for (int step = 0; step < 40; step++) {
			int64_t got[2][64], one = 0;
			uint64_t served[2] = {0, 0};
			unsigned what = rnd(24);
			int svc = (int)rnd((unsigned)ns);

			if (what == 0) {
				++id;
				for (int i = 0; i < 2; i++)
					add(qq[i], id, svc, TICKET_PRIORITY,
					    now, 0);
			} else if (what == 1) {
				++id;
				for (int i = 0; i < 2; i++)
					add(qq[i], id, svc, TICKET_WALK_IN,
					    now - 1, 0);
			} else if (what == 2) {
				size_t k = rnd((unsigned)nc);
				int64_t pick;
				enum call_reason why;

				for (int i = 0; i < 2; i++)
					(void)queue_finish(qq[i], k);
				if (queue_pick(qq[0], k, now, &pick, &why) == 0)
					for (int i = 0; i < 2; i++)
						assert_int_equal(
							queue_call(qq[i], k,
								   pick, why,
								   now),
							0);
			} else if (what == 3) {
				size_t k = rnd((unsigned)nc);
				bool paused = !queue_paused(qq[0], k);

				for (int i = 0; i < 2; i++)
					queue_set_paused(qq[i], k, paused);
			} else if (what == 4) {
				now++;
			} else if (what == 5) {
				/* Of the second, but not the newest id. */
				++old_id;
				for (int i = 0; i < 2; i++)
					add(qq[i], old_id, svc, TICKET_WALK_IN,
					    now, 0);
			} else if (what == 6) {
				/* From a second ahead: the next are not last. */
				++id;
				for (int i = 0; i < 2; i++)
					add(qq[i], id, svc, TICKET_WALK_IN,
					    now + 1, 0);
				ahead = true;
			} else {
				/* The common case: a batch of walk-ins, a
				 * priority ticket among them now and then. */
				for (unsigned j = 1 + rnd(3); j > 0; j--) {
					enum ticket_kind kind =
						rnd(4) == 0 ? TICKET_PRIORITY
							    : TICKET_WALK_IN;

					svc = (int)rnd((unsigned)ns);
					++id;
					for (int i = 0; i < 2; i++)
						add(qq[i], id, svc, kind, now,
						    0);
				}
			}
			/* A change that is none: this one's run is whole. */
			queue_set_streak(qq[1], 0, queue_streak(qq[1], 0));
			for (int i = 0; i < 2; i++)
				assert_int_equal(queue_estimate_walk_ins(
							 qq[i], all, now, mean,
							 b, QUEUE_SHOW_SHARE,
							 got[i], &served[i]),
						 0);
			assert_int_equal(served[0], served[1]);
			for (size_t s = 0; s < ns; s++) {
				if (!(served[0] & (UINT64_C(1) << s)))
					continue;
				if (got[0][s] != got[1][s])
					fail_msg("seed %llu step %d: service "
						 "%zu waits %lld s in a whole "
						 "run, %lld s resumed",
						 (unsigned long long)seed,
						 step, s, (long long)got[1][s],
						 (long long)got[0][s]);
				/* Its own run says the same, but for a
				 * ticket issued after now: the added one is
				 * then not the last of its service, the
				 * shared run's premise. */
				if (ahead)
					continue;
				assert_int_equal(queue_estimate(
							 qq[0], s,
							 TICKET_WALK_IN, now,
							 mean, b,
							 QUEUE_SHOW_SHARE, &one),
						 0);
				assert_int_equal(got[0][s], one);
			}
			/* A priority ticket's wait from the walk-ins' run is
			 * its whole run's, or none when neither has one. */
			for (size_t s = 0; s < ns; s++) {
				int64_t pw = -1, ww = -1;
				int pr = queue_estimate_priority(
					qq[0], all, s, now, mean, b,
					QUEUE_SHOW_SHARE, &pw);
				int wr = queue_estimate(qq[1], s,
							TICKET_PRIORITY, now,
							mean, b,
							QUEUE_SHOW_SHARE, &ww);

				priority_asked += pr != -ENOENT;

				if (pr != wr || (pr == 0 && pw != ww))
					fail_msg("seed %llu step %d: a priority "
						 "ticket of service %zu waits "
						 "%lld s (%d) in a whole run, "
						 "%lld s (%d) from the "
						 "walk-ins' run",
						 (unsigned long long)seed,
						 step, s, (long long)ww, wr,
						 (long long)pw, pr);
			}
		}
		struct queue_estimate_counts n;
		queue_estimate_counts(qq[0], &n);
		whole_total += n.whole;
		resumed_total += n.resumed;
		meetable_total += n.meetable;
		met_total += n.met;
		priority_total += n.priority;
		queue_estimate_counts(qq[1], &n);
		assert_int_equal(n.resumed, 0);
		for (int i = 0; i < 2; i++)
			queue_free(qq[i]);
	}
	/* The resumed runs were many (a fifth of the steps change
	 * something else, which makes the next run whole), and a tenth of
	 * those that could meet the last run (no priority ticket added)
	 * did. */
	print_message("estimates: %llu whole runs, %llu resumed, %llu of "
		      "those could meet the last run again and %llu did; "
		      "%llu of %llu priority tickets' waits from them\n",
		      (unsigned long long)whole_total,
		      (unsigned long long)resumed_total,
		      (unsigned long long)meetable_total,
		      (unsigned long long)met_total,
		      (unsigned long long)priority_total,
		      (unsigned long long)priority_asked);
	assert_true(2 * resumed_total > whole_total);
	assert_true(meetable_total < resumed_total);
	assert_true(10 * met_total > meetable_total);
	/* Most priority waits came from the walk-ins' run (a whole run of
	 * their own when not known, after a run that met the last one
	 * before reaching the service, or with a ticket issued after now
	 * waiting). */
	assert_true(2 * priority_total > priority_asked);
}

/* queue_order() must be exactly what repeated calls would do. */
static void order_matches_repeated_calls(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 300; seed++) {
		rng_state = seed;
		struct queue_policy p = seed % 2 ? policy : due_policy;
		p.walkin_every = (int)rnd(4);
		int n = 1 + (int)rnd(40);
		int64_t now = T0 + 3 * 3600;
		size_t counter = rnd(3);
		struct queue *q = make(&p);
		fill_random(q, n, now);

		int64_t order[64];
		size_t got = 0;
		assert_int_equal(queue_order(q, masks[counter], now, order, 64,
					     &got),
				 0);
		/* queue_ahead() counts what queue_order() lists. */
		for (int s = 0; s < 2; s++) {
			int64_t ids[64];
			size_t m = 0, ahead = 0;
			assert_int_equal(queue_order(q, UINT64_C(1) << s, now,
						     ids, 64, &m),
					 0);
			for (size_t j = 0; j < m; j++) {
				assert_int_equal(
					queue_ahead(q, ids[j], now, &ahead), 0);
				if (ahead != j)
					fail_msg("seed %llu: ticket %lld is "
						 "%zu in the order, ahead "
						 "says %zu",
						 (unsigned long long)seed,
						 (long long)ids[j], j, ahead);
			}
		}
		/* queue_walk() visits the same order and stops when told. */
		struct walk_ids w = {.stop = rnd(8)};
		int wr = queue_walk(q, masks[counter], now, walk_take, &w);
		assert_int_equal(w.n, w.stop && w.stop <= got ? w.stop : got);
		assert_int_equal(wr, w.stop && w.stop <= got ? 1 : 0);
		assert_memory_equal(w.ids, order, w.n * sizeof(*order));
		size_t i = 0;
		int64_t id;
		enum call_reason why;
		while (queue_pick(q, counter, now, &id, &why) == 0) {
			assert_true(i < got);
			if (order[i] != id)
				fail_msg("seed %llu: position %zu: order has "
					 "%lld, calls give %lld",
					 (unsigned long long)seed, i,
					 (long long)order[i], (long long)id);
			assert_int_equal(queue_call(q, counter, id, why, now),
					 0);
			assert_int_equal(queue_finish(q, counter), 0);
			i++;
		}
		assert_int_equal(i, got);
		queue_free(q);
	}
}

static void ahead_is_the_position_in_the_service(void **state)
{
	(void)state;
	struct queue *q = make(&policy);
	add(q, 1, SA, TICKET_WALK_IN, T0, 0);
	add(q, 2, SA, TICKET_WALK_IN, T0 + 1, 0);
	add(q, 3, SB, TICKET_WALK_IN, T0 + 2, 0);
	add(q, 4, SA, TICKET_WALK_IN, T0 + 3, 0);
	add(q, 5, SA, TICKET_PRIORITY, T0 + 4, 0);
	size_t ahead = 99;
	assert_int_equal(queue_ahead(q, 1, T0 + 5, &ahead), 0);
	assert_int_equal(ahead, 1); /* the priority ticket goes first */
	assert_int_equal(queue_ahead(q, 5, T0 + 5, &ahead), 0);
	assert_int_equal(ahead, 0);
	assert_int_equal(queue_ahead(q, 4, T0 + 5, &ahead), 0);
	assert_int_equal(ahead, 3);
	assert_int_equal(queue_ahead(q, 3, T0 + 5, &ahead), 0);
	assert_int_equal(ahead, 0); /* alone in B */
	assert_int_equal(queue_ahead(q, 42, T0 + 5, &ahead), -ENOENT);
	queue_free(q);
}

/* Many tickets in and out, as over a long day: every live ticket is found
 * by its id, no removed one is, and counts and orders stay whole. */
static void many_tickets_in_and_out(void **state)
{
	(void)state;
	enum { N = 6000 };
	static bool live[N + 1];
	static int svc[N + 1];
	struct queue *q = make(&policy);
	size_t waiting[2] = {0};
	int64_t now = T0 + 60;

	rng_state = 7;
	memset(live, 0, sizeof(live));
	for (int64_t id = 1; id <= N; id++) {
		/* Ids far apart collide in the hash more often. */
		svc[id] = (int)rnd(2);
		add(q, id * 7919, svc[id], TICKET_WALK_IN, T0, 0);
		live[id] = true;
		waiting[svc[id]]++;
		if (id % 3 == 0) {
			int64_t victim = 1 + (int64_t)rnd((unsigned)id);
			if (live[victim]) {
				assert_int_equal(queue_remove(q, victim * 7919),
						 0);
				live[victim] = false;
				waiting[svc[victim]]--;
			}
		}
	}
	/* Move a few through a counter to the other service. */
	for (int i = 0; i < 50; i++) {
		int64_t id;
		enum call_reason why;
		assert_int_equal(queue_pick(q, 1, now, &id, &why), 0);
		assert_int_equal(queue_call(q, 1, id, why, now), 0);
		assert_int_equal(queue_transfer(q, 1, SB), 0);
		svc[id / 7919] = SB;
		waiting[SA]--;
		waiting[SB]++;
	}
	size_t n_live = 0;
	for (int64_t id = 1; id <= N; id++) {
		const struct ticket *t = queue_get(q, id * 7919);
		if (!live[id]) {
			assert_null(t);
			continue;
		}
		n_live++;
		assert_non_null(t);
		assert_int_equal(t->id, id * 7919);
		assert_int_equal(t->service, svc[id]);
	}
	assert_int_equal(queue_size(q), n_live);
	assert_int_equal(queue_waiting(q, SA), waiting[SA]);
	assert_int_equal(queue_waiting(q, SB), waiting[SB]);
	size_t got = 0;
	assert_int_equal(queue_order(q, masks[0], now, NULL, 0, &got), 0);
	assert_int_equal(got, n_live);
	queue_free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(walk_ins_first_come_first_served),
		cmocka_unit_test(ties_go_to_the_lower_id),
		cmocka_unit_test(priority_before_walk_ins),
		cmocka_unit_test(interleave_after_three_non_walk_ins),
		cmocka_unit_test(interleave_counts_per_service),
		cmocka_unit_test(interleave_off_when_zero),
		cmocka_unit_test(starvation_guard_first_and_at_the_bound),
		cmocka_unit_test(starvation_guard_takes_the_longest_waiting),
		cmocka_unit_test(starved_priority_counts_as_non_walk_in),
		cmocka_unit_test(appointments_due_by_slot_then_early_last),
		cmocka_unit_test(early_appointment_waits_for_walk_ins),
		cmocka_unit_test(counters_see_only_their_services_b),
		cmocka_unit_test(call_and_transfer_keep_issue_time),
		cmocka_unit_test(add_validates),
		cmocka_unit_test(pause_state),
		cmocka_unit_test(order_matches_repeated_calls),
		cmocka_unit_test(pick_matches_the_reference),
		cmocka_unit_test(ahead_is_the_position_in_the_service),
		cmocka_unit_test(many_tickets_in_and_out),
		cmocka_unit_test(due_booking_first_from_its_slot_start),
		cmocka_unit_test(due_priority_past_its_bound_before_walk_ins),
		cmocka_unit_test(due_least_slack_within_the_horizon),
		cmocka_unit_test(due_equal_due_times_go_by_class),
		cmocka_unit_test(
			due_first_come_first_served_when_nothing_is_near),
		cmocka_unit_test(due_late_checkin_is_due_after_its_checkin),
		cmocka_unit_test(due_worked_example_of_design_md),
		cmocka_unit_test(estimate_counts_the_queue_and_the_counters),
		cmocka_unit_test(estimate_walk_ins_equal_one_run_each),
		cmocka_unit_test(estimate_resumed_equals_whole_run),
		cmocka_unit_test(estimate_matches_the_day_replayed),
		cmocka_unit_test(
			estimate_counts_the_bookings_due_within_the_wait),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
