/* Unit tests of the alerts: a condition becomes an alert once it lasted
 * its threshold, each alert is raised once and cleared once, and the
 * counts of /metrics follow. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "alerts.h"

#define T0 1000000

/* What the callback saw: "+kind:subject" raised, "-kind:subject" cleared. */
static char seen[512];

static void record(void *userdata, const struct alert *a, bool raised,
		   int64_t now)
{
	size_t len = strlen(seen);

	(void)userdata;
	(void)now;
	snprintf(seen + len, sizeof(seen) - len, "%c%s:%s;", raised ? '+' : '-',
		 alert_kind_name(a->kind), a->subject);
}

static void update(struct alerts *a, const struct alert_cond *c, size_t n,
		   int64_t now, const char *want)
{
	seen[0] = '\0';
	assert_int_equal(alerts_update(a, c, n, now, record, NULL), 0);
	assert_string_equal(seen, want);
}

static void test_threshold_raise_clear(void **state)
{
	struct alerts *a = NULL;
	struct alert_cond paused = {ALERT_COUNTER_PAUSED, "3", T0, 600,
				    "counter 3 paused"};
	struct alert_cond printer = {ALERT_PRINTER_DOWN, "default", T0 + 100,
				     60, "printer default is offline"};
	struct alert_cond both[2] = {paused, printer};
	const struct alert *v;
	size_t n;

	(void)state;
	assert_int_equal(alerts_new(&a), 0);
	update(a, both, 2, T0 + 159, "");
	update(a, both, 2, T0 + 160, "+printer_down:default;");
	update(a, both, 2, T0 + 599, "");
	update(a, both, 2, T0 + 600, "+counter_paused:3;");
	update(a, both, 2, T0 + 900, ""); /* still there: said once */
	v = alerts_active(a, &n);
	assert_int_equal(n, 2);
	assert_int_equal(v[0].kind, ALERT_PRINTER_DOWN);
	assert_int_equal(v[0].since, T0 + 100);
	assert_int_equal(v[0].raised_at, T0 + 160);
	assert_string_equal(v[0].message, "printer default is offline");
	/* The message follows the condition while the alert lasts. */
	both[0].message = "counter 3 paused for 15 minutes";
	update(a, both, 2, T0 + 901, "");
	v = alerts_active(a, &n);
	assert_string_equal(v[1].message, "counter 3 paused for 15 minutes");
	update(a, &paused, 1, T0 + 1000, "-printer_down:default;");
	update(a, NULL, 0, T0 + 1001, "-counter_paused:3;");
	update(a, NULL, 0, T0 + 1002, "");
	v = alerts_active(a, &n);
	assert_int_equal(n, 0);
	assert_int_equal(alerts_raised(a, ALERT_PRINTER_DOWN), 1);
	assert_int_equal(alerts_raised(a, ALERT_COUNTER_PAUSED), 1);
	assert_int_equal(alerts_raised(a, ALERT_MAX_WAIT), 0);
	/* A new pause is a new alert. */
	paused.since = T0 + 2000;
	update(a, &paused, 1, T0 + 2600, "+counter_paused:3;");
	assert_int_equal(alerts_raised(a, ALERT_COUNTER_PAUSED), 2);
	alerts_free(a);
}

/* The longest waiting ticket is called and the next one has waited as
 * long: the service's alert goes on, not cleared and raised again. A
 * condition back under its threshold clears it. */
static void test_subject_keeps_its_alert(void **state)
{
	struct alerts *a = NULL;
	struct alert_cond wait = {ALERT_MAX_WAIT, "A", T0, 2700, "A001"};
	struct alert_cond other = {ALERT_MAX_WAIT, "B", T0, 2700, "B001"};

	(void)state;
	assert_int_equal(alerts_new(&a), 0);
	update(a, &wait, 1, T0 + 2700, "+max_wait:A;");
	wait.since = T0 + 60;
	wait.message = "A002";
	update(a, &wait, 1, T0 + 2800, "");
	wait.since = T0 + 2000;
	update(a, &wait, 1, T0 + 2900, "-max_wait:A;");
	update(a, &other, 1, T0 + 2900, "+max_wait:B;");
	assert_int_equal(alerts_raised(a, ALERT_MAX_WAIT), 2);
	alerts_free(a);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(alert_kind_name(ALERT_MAX_WAIT), "max_wait");
	assert_string_equal(alert_kind_name(ALERT_BOOKING_LATE),
			    "booking_late");
	assert_string_equal(alert_kind_name(ALERT_PRINTER_DOWN),
			    "printer_down");
	assert_string_equal(alert_kind_name(ALERT_COUNTER_PAUSED),
			    "counter_paused");
	assert_string_equal(alert_kind_name(ALERT_KIND_COUNT), "unknown");
	alerts_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threshold_raise_clear),
		cmocka_unit_test(test_subject_keeps_its_alert),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
