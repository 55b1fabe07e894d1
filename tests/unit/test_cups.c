/* The cups transport without a server: what a queue's printer-state and
 * printer-state-reasons mean, and the errors of a server that is not there.
 * Printing through a real cupsd is tests/integration/test_printing_cups.py. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "cups.h"
#include "transport.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_REASONS 4

/* clang-format off */
static const struct {
	int state;
	const char *reasons[MAX_REASONS];
	bool accepting;
	const char *message;
	enum printer_state want;
	const char *want_detail;
} cases[] = {
	/* a working queue */
	{3, {"none"}, true, NULL, PRINTER_OK, "ready"},
	{4, {"none"}, true, "Connecting to printer.", PRINTER_OK, "ready"},
	{3, {NULL}, true, "", PRINTER_OK, "ready"},
	{3, {"cups-waiting-for-job-completed"}, true, NULL, PRINTER_OK,
	 "ready"},
	/* paper */
	{3, {"media-low-warning"}, true, NULL, PRINTER_PAPER_LOW,
	 "paper near end (media-low-warning)"},
	{3, {"media-low-report"}, true, "Paper low", PRINTER_PAPER_LOW,
	 "paper near end (media-low-report)"},
	{5, {"media-empty-error"}, true, "Load paper", PRINTER_PAPER_OUT,
	 "out of paper (media-empty-error): Load paper"},
	{4, {"media-empty"}, true, NULL, PRINTER_PAPER_OUT,
	 "out of paper (media-empty)"},
	{3, {"media-needed-error"}, true, NULL, PRINTER_PAPER_OUT,
	 "out of paper (media-needed-error)"},
	{3, {"media-low-warning", "media-empty-error"}, true, NULL,
	 PRINTER_PAPER_OUT, "out of paper (media-empty-error)"},
	/* cover */
	{3, {"cover-open-error"}, true, NULL, PRINTER_COVER_OPEN,
	 "the cover is open (cover-open-error)"},
	{3, {"door-open"}, true, NULL, PRINTER_COVER_OPEN,
	 "the door is open (door-open)"},
	{3, {"media-low-warning", "door-open-report"}, true, NULL,
	 PRINTER_COVER_OPEN, "the door is open (door-open-report)"},
	/* paper out is told before the cover, the cover before offline */
	{5, {"offline-report", "cover-open-error", "media-empty-error"}, true,
	 NULL, PRINTER_PAPER_OUT, "out of paper (media-empty-error)"},
	{5, {"offline-report", "cover-open-error"}, true, NULL,
	 PRINTER_COVER_OPEN, "the cover is open (cover-open-error)"},
	/* offline */
	{3, {"offline-report"}, true, NULL, PRINTER_OFFLINE,
	 "the printer reports offline (offline-report)"},
	{4, {"connecting-to-device"}, true, "Connecting to printer.",
	 PRINTER_OFFLINE, "CUPS cannot reach the printer "
	 "(connecting-to-device): Connecting to printer."},
	{3, {"shutdown"}, true, NULL, PRINTER_OFFLINE,
	 "the printer is shut down (shutdown)"},
	{5, {"paused"}, true, "Paused", PRINTER_OFFLINE,
	 "the CUPS queue is stopped: Paused"},
	{5, {"none"}, true, NULL, PRINTER_OFFLINE, "the CUPS queue is stopped"},
	{5, {"media-low-warning"}, true, NULL, PRINTER_OFFLINE,
	 "the CUPS queue is stopped"},
	{3, {"none"}, false, "Rejecting Jobs", PRINTER_OFFLINE,
	 "the CUPS queue rejects jobs: Rejecting Jobs"},
	/* keywords that only look alike, and suffixes alone */
	{3, {"media-lowish", "xmedia-empty", "offline-", "-error"}, true, NULL,
	 PRINTER_OK, "ready"},
	{3, {"media-empty-jam"}, true, NULL, PRINTER_OK, "ready"},
	/* no printer-state, or one that RFC 8011 does not define */
	{0, {NULL}, true, NULL, PRINTER_UNKNOWN,
	 "CUPS does not tell the queue's state"},
	{6, {"none"}, true, NULL, PRINTER_UNKNOWN,
	 "CUPS does not tell the queue's state"},
	/* a message is one line */
	{5, {"none"}, true, "line one\nline\ttwo\r", PRINTER_OFFLINE,
	 "the CUPS queue is stopped: line one line two "},
};
/* clang-format on */

static size_t count_reasons(const char *const *r)
{
	size_t n = 0;
	while (n < MAX_REASONS && r[n])
		n++;
	return n;
}

static void test_state_table(void **ctx)
{
	(void)ctx;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct printer_status st;
		memset(&st, 0x55, sizeof(st));
		cups_state_decode(cases[i].state, cases[i].reasons,
				  count_reasons(cases[i].reasons),
				  cases[i].accepting, cases[i].message, &st);
		if (st.state != cases[i].want ||
		    strcmp(st.detail, cases[i].want_detail) != 0)
			fail_msg("case %zu: got %s \"%s\", want %s \"%s\"", i,
				 printer_state_name(st.state), st.detail,
				 printer_state_name(cases[i].want),
				 cases[i].want_detail);
	}
}

static void test_long_message_truncated(void **ctx)
{
	char msg[600];
	const char *reasons[] = {"media-empty-error"};
	struct printer_status st;

	(void)ctx;
	memset(msg, 'x', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	cups_state_decode(5, reasons, 1, true, msg, &st);
	assert_int_equal(st.state, PRINTER_PAPER_OUT);
	assert_int_equal(strlen(st.detail), PRINTER_DETAIL_MAX - 1);
	assert_memory_equal(st.detail, "out of paper (media-empty-error): x",
			    35);
}

/* Many reasons (CUPS sends any number): all of them are looked at. */
static void test_many_reasons(void **ctx)
{
	const char *reasons[40];
	struct printer_status st;

	(void)ctx;
	for (size_t i = 0; i < ARRAY_SIZE(reasons); i++)
		reasons[i] = "com.example-something-report";
	reasons[39] = "cover-open-error";
	cups_state_decode(3, reasons, ARRAY_SIZE(reasons), true, NULL, &st);
	assert_int_equal(st.state, PRINTER_COVER_OPEN);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A server that is not there: a quick error for the worker to report as
 * offline, not a hang. */
static void test_no_server(void **ctx)
{
	char dir[] = "/tmp/bonomat-test-cups-XXXXXX";
	char sock[sizeof(dir) + 16];
	struct transport_options opt = {.queue = "kiosk", .timeout_ms = 2000};
	void *conn = (void *)&opt;
	int64_t t;
	int r;

	(void)ctx;
	assert_non_null(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/cups.sock", dir);
	assert_int_equal(setenv("CUPS_SERVER", sock, 1), 0);
	t = now_ms();
	r = transport_cups.open(&opt, &conn);
	assert_true(now_ms() - t < 1000);
	assert_true(r == -ECONNREFUSED || r == -EHOSTDOWN);
	assert_ptr_equal(conn, &opt); /* untouched on failure */
	assert_int_equal(rmdir(dir), 0);
}

static void test_no_queue_name(void **ctx)
{
	struct transport_options opt = {.queue = NULL, .timeout_ms = 2000};
	void *conn = NULL;

	(void)ctx;
	assert_int_equal(transport_cups.open(&opt, &conn), -EINVAL);
	opt.queue = "";
	assert_int_equal(transport_cups.open(&opt, &conn), -EINVAL);
	assert_null(conn);
	transport_cups.close(NULL);
	assert_ptr_equal(transport_find("cups"), &transport_cups);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_table),
		cmocka_unit_test(test_long_message_truncated),
		cmocka_unit_test(test_many_reasons),
		cmocka_unit_test(test_no_server),
		cmocka_unit_test(test_no_queue_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
