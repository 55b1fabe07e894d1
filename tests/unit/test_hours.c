/* Local time and opening hours in Europe/Bucharest, DST days included. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "hours.h"

static struct config cfg;
static char closed[][11] = {"2026-12-01", "2026-12-25"};

static int setup(void **state)
{
	(void)state;
	assert_int_equal(hours_set_zone("Europe/Bucharest"), 0);
	memset(&cfg, 0, sizeof(cfg));
	for (int d = 1; d <= 5; d++)
		cfg.hours.day[d] = (struct cfg_day_hours){true, 510, 990};
	cfg.hours.day[4].close_min = 1110; /* the long Thursday */
	cfg.hours.closed = closed;
	cfg.hours.n_closed = 2;
	cfg.hours.cutoff = 15;
	return 0;
}

static int64_t at(const char *rfc3339)
{
	int64_t t = 0;
	assert_int_equal(hours_parse_rfc3339(rfc3339, &t), 0);
	return t;
}

static void zone_must_exist(void **state)
{
	(void)state;
	assert_int_equal(hours_set_zone("Europe/Nowhere"), -ENOENT);
	assert_int_equal(hours_set_zone("../etc/passwd"), -EINVAL);
	assert_int_equal(hours_set_zone("/etc/localtime"), -EINVAL);
	assert_int_equal(hours_set_zone("Europe/Bucharest"), 0);
}

static void rfc3339_round_trip_with_dst(void **state)
{
	(void)state;
	char s[32];
	hours_rfc3339(at("2026-12-03T09:15:00+02:00"), s);
	assert_string_equal(s, "2026-12-03T09:15:00+02:00");
	hours_rfc3339(at("2026-07-01T06:00:00Z"), s);
	assert_string_equal(s, "2026-07-01T09:00:00+03:00");
	/* 2026-03-29 03:00 EET becomes 04:00 EEST. */
	hours_rfc3339(at("2026-03-29T00:59:59Z"), s);
	assert_string_equal(s, "2026-03-29T02:59:59+02:00");
	hours_rfc3339(at("2026-03-29T01:00:00Z"), s);
	assert_string_equal(s, "2026-03-29T04:00:00+03:00");
	assert_int_equal(at("2026-12-03T09:15:00.250+02:00"),
			 at("2026-12-03T07:15:00Z"));
}

static void rfc3339_rejects(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", "2026-12-03", "2026-12-03T09:15", "2026-13-03T09:15:00Z",
		"2026-02-30T09:15:00Z", "2026-12-03T24:00:00Z",
		"2026-12-03T09:15:00", "2026-12-03T09:15:00+2:00",
		"2026-12-03T09:15:00Zjunk", "2026-12-03T09:15:00.Z",
		"1969-12-31T23:59:59Z", "２026-12-03T09:15:00Z",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t t = 42;
		if (hours_parse_rfc3339(bad[i], &t) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(t, 42);
	}
}

static void local_day_follows_the_zone(void **state)
{
	(void)state;
	char d[11];
	hours_day(at("2026-12-03T22:30:00Z"), d); /* 00:30 local */
	assert_string_equal(d, "2026-12-04");
	hours_day(at("2026-12-03T21:59:59Z"), d);
	assert_string_equal(d, "2026-12-03");
}

struct hours_case {
	const char *now;
	bool open, cutoff;
	const char *closes_at; /* NULL: 0 */
	const char *next_open; /* NULL: 0 */
};

static void status_cases(void **state)
{
	(void)state;
	static const struct hours_case cases[] = {
		/* Thursday 3 December 2026 */
		{"2026-12-03T08:29:59+02:00", false, false, NULL,
		 "2026-12-03T08:30:00+02:00"},
		{"2026-12-03T08:30:00+02:00", true, false,
		 "2026-12-03T18:30:00+02:00", NULL},
		{"2026-12-03T18:14:59+02:00", true, false,
		 "2026-12-03T18:30:00+02:00", NULL},
		{"2026-12-03T18:15:00+02:00", true, true,
		 "2026-12-03T18:30:00+02:00", NULL},
		{"2026-12-03T18:30:00+02:00", false, false, NULL,
		 "2026-12-04T08:30:00+02:00"},
		/* Friday closes 16:30; the weekend is closed */
		{"2026-12-04T16:30:00+02:00", false, false, NULL,
		 "2026-12-07T08:30:00+02:00"},
		{"2026-12-05T10:00:00+02:00", false, false, NULL,
		 "2026-12-07T08:30:00+02:00"},
		/* Monday 30 November; Tuesday 1 December is a closed date */
		{"2026-11-30T17:00:00+02:00", false, false, NULL,
		 "2026-12-02T08:30:00+02:00"},
		{"2026-12-01T10:00:00+02:00", false, false, NULL,
		 "2026-12-02T08:30:00+02:00"},
		/* DST: Friday 27 March 2026 to Monday 30 March (+03:00) */
		{"2026-03-27T17:00:00+02:00", false, false, NULL,
		 "2026-03-30T08:30:00+03:00"},
		{"2026-03-30T08:30:00+03:00", true, false,
		 "2026-03-30T16:30:00+03:00", NULL},
		/* and back: Monday 26 October 2026 is +02:00 again */
		{"2026-10-26T16:20:00+02:00", true, true,
		 "2026-10-26T16:30:00+02:00", NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct hours_case *c = &cases[i];
		struct hours_status st;
		assert_int_equal(hours_status(&cfg, at(c->now), &st), 0);
		if (st.open != c->open || st.cutoff != c->cutoff)
			fail_msg("%s: open %d cutoff %d", c->now, st.open,
				 st.cutoff);
		assert_int_equal(st.closes_at, c->closes_at ? at(c->closes_at)
							    : 0);
		assert_int_equal(st.next_open, c->next_open ? at(c->next_open)
							    : 0);
	}
}

static void always_open(void **state)
{
	(void)state;
	struct hours_status st;
	cfg.hours.always_open = true;
	assert_int_equal(hours_status(&cfg, at("2026-12-05T03:00:00+02:00"),
				      &st),
			 0);
	cfg.hours.always_open = false;
	assert_true(st.open);
	assert_false(st.cutoff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(zone_must_exist),
		cmocka_unit_test(rfc3339_round_trip_with_dst),
		cmocka_unit_test(rfc3339_rejects),
		cmocka_unit_test(local_day_follows_the_zone),
		cmocka_unit_test(status_cases),
		cmocka_unit_test(always_open),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
