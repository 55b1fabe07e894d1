/* The oracle proves a day impossible only when it is: hand-built days on
 * either side of the line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "oracle.h"

#define HOUR 3600

static const struct day_service one_service[] = {
	{"a", "A", 60.0, 1.0, 1.0},
};

/* n citizens of one service arriving at 0, each an hour at the counter,
 * on counters counters; the day's longest service is an hour. */
static void check(struct citizen *c, size_t n, size_t counters,
		  int64_t max_wait, bool feasible)
{
	uint64_t served[32];
	struct day d = {
		.services = one_service,
		.n_services = 1,
		.counter_services = served,
		.n_counters = counters,
		.c = c,
		.n = n,
		.open = 0,
		.close = 10 * HOUR,
	};
	struct oracle_result r;

	assert_true(counters <= 32);
	for (size_t i = 0; i < counters; i++)
		served[i] = 1;
	assert_int_equal(oracle_check(&d, max_wait, &r), 0);
	assert_int_equal(r.feasible, feasible);
	if (!feasible)
		assert_true(r.demand_s > r.capacity_s);
}

static void walk_ins(void **state)
{
	struct citizen c[3];

	(void)state;
	for (int i = 0; i < 3; i++)
		c[i] = (struct citizen){.arrival = 0,
					.service_s = HOUR,
					.kind = TICKET_WALK_IN};
	/* Called within max_wait (0) + the longest service (an hour): the
	 * second is called at one hour, the third could only be at two. */
	check(c, 2, 1, 0, true);
	check(c, 3, 1, 0, false);
	/* Two counters, or a longer max_wait, make room. */
	check(c, 3, 2, 0, true);
	check(c, 3, 1, HOUR, true);
}

static void bookings_may_miss_five_percent(void **state)
{
	struct citizen c[22];

	(void)state;
	/* Bookings checked in at their slot start, ten minutes each: within
	 * ten minutes of the slot a counter calls two of them. */
	for (int i = 0; i < 22; i++)
		c[i] = (struct citizen){.arrival = HOUR,
					.slot_start = HOUR,
					.service_s = 600,
					.kind = TICKET_APPOINTMENT};
	check(c, 20, 10, 0, true);
	/* 21: 20 on time, and the 5% (one of 21) let the last be late. */
	check(c, 21, 10, 0, true);
	/* 22: still one may be late, and two would be. */
	check(c, 22, 10, 0, false);
	/* Those checked in after their slot start promise nothing. */
	for (int i = 0; i < 22; i++)
		c[i].arrival = HOUR + 1;
	check(c, 22, 10, 0, true);
}

static const struct day_service two_services[] = {
	{"a", "A", 50.0, 0.5, 0.5},
	{"b", "B", 50.0, 0.5, 0.5},
};

/* Two bookings of a at 0 and two of b at b_slot, 50 minutes each, checked
 * in at their slot start; counters: one for a, one for b, one for both. */
static void check_sets(int64_t b_slot, bool feasible)
{
	uint64_t served[] = {1, 2, 3};
	struct citizen c[4];
	struct day d = {
		.services = two_services,
		.n_services = 2,
		.counter_services = served,
		.n_counters = 3,
		.c = c,
		.n = 4,
		.open = 0,
		.close = 10 * HOUR,
	};
	struct oracle_result r;

	for (int i = 0; i < 4; i++) {
		int64_t slot = i < 2 ? 0 : b_slot;
		c[i] = (struct citizen){.arrival = slot,
					.slot_start = slot,
					.service_s = 3000,
					.service = i / 2,
					.kind = TICKET_APPOINTMENT};
	}
	assert_int_equal(oracle_check(&d, 0, &r), 0);
	assert_int_equal(r.feasible, feasible);
	if (!feasible) {
		/* No window of pooled counters proves it: the flow does. */
		assert_true(r.by_flow);
		assert_true(r.flow_s < r.work_s);
	}
}

static void counters_keep_their_services(void **state)
{
	(void)state;
	/* The bookings of a are due by 01:00 (called within 10 minutes, 50
	 * at the counter), those of b by b_slot + 01:00. Each service's own
	 * counter does at most an hour of its two 50-minute citizens, so the
	 * shared counter owes a 40 minutes before 01:00 and b 40 minutes
	 * after b_slot. With b at 00:20 it has the 80 minutes to 01:20. */
	check_sets(20 * 60, true);
	/* With b at 00:15 it has 75 minutes to 01:15: impossible, though
	 * every window fits the counters pooled (a and b: 200 minutes in
	 * 3 x 75). */
	check_sets(15 * 60, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(walk_ins),
		cmocka_unit_test(bookings_may_miss_five_percent),
		cmocka_unit_test(counters_keep_their_services),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
