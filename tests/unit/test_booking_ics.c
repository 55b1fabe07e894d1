/* The iCalendar parser of bonomatctl import, in Europe/Bucharest: each case
 * is a file, the bookings it gives and the events it refuses (at their
 * BEGIN:VEVENT line, with a part of why). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "booking_ics.h"
#include "hours.h"

/* clang-format off */
/* Lines 1-3; the first event begins on line 4. */
#define CAL(events) \
	"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//Bonomat//EN\r\n" \
	events "END:VCALENDAR\r\n"
#define EV(props) "BEGIN:VEVENT\r\n" props "END:VEVENT\r\n"
#define WHEN "DTSTART:20261203T070000Z\r\nDTEND:20261203T071500Z\r\n"
#define T0 "2026-12-03T09:00:00+02:00"
#define T1 "2026-12-03T09:15:00+02:00"
/* clang-format on */

struct want_booking {
	unsigned line;
	const char *code; /* NULL ends the list */
	const char *service;
	const char *start, *end;
	const char *phone;
	enum booking_status status;
};

struct want_error {
	unsigned line;
	const char *has[2]; /* parts of the message; none ends the list */
};

#define E(l, ...)                                   \
	{                                           \
		.line = (l), .has = { __VA_ARGS__ } \
	}

struct ics_case {
	const char *name;
	const char *in;
	const char *service_property;
	bool fatal;
	struct want_booking b[3];
	struct want_error e[3];
};

/* clang-format off */
static const struct ics_case cases[] = {
	{
		.name = "UTC times, the code from UID",
		.in = CAL(EV("UID:X7K2P9\r\n" WHEN "X-SERVICE:A\r\n")),
		.b = {{4, "X7K2P9", "A", T0, T1, NULL, BOOKING_BOOKED}},
	},
	{
		.name = "TZID of the office, winter and summer; floating",
		.in = CAL(EV("UID:X7K2P1\r\nX-SERVICE:A\r\n"
			     "DTSTART;TZID=Europe/Bucharest:20261203T090000\r\n"
			     "DTEND;TZID=\"/Europe/Bucharest\":"
			     "20261203T091500\r\n")
			  EV("UID:X7K2P2\r\nX-SERVICE:A\r\n"
			     "DTSTART;TZID=Europe/Bucharest:20260701T090000\r\n"
			     "DURATION:PT15M\r\n")
			  EV("UID:X7K2P3\r\nX-SERVICE:A\r\n"
			     "DTSTART:20260701T090000\r\n"
			     "DTEND:20260701T091500\r\n")),
		.b = {{4, "X7K2P1", "A", T0, T1, NULL, BOOKING_BOOKED},
		      {10, "X7K2P2", "A", "2026-07-01T09:00:00+03:00",
		       "2026-07-01T09:15:00+03:00", NULL, BOOKING_BOOKED},
		      {16, "X7K2P3", "A", "2026-07-01T09:00:00+03:00",
		       "2026-07-01T09:15:00+03:00", NULL, BOOKING_BOOKED}},
	},
	{
		.name = "folded lines, X-BOOKING-CODE before UID, LF only",
		.in = "BEGIN:VCALENDAR\n"
		      "BEGIN:VEVENT\n"
		      "UID:20261203-0001@programare.example.ro\n"
		      "X-BOOKING-CODE:X7K2\n"
		      " P9\n"
		      "DTSTART:20261203T0\n"
		      "\t70000Z\n"
		      "DTEND:20261203T071500Z\n"
		      "X-SERV\n"
		      " ICE:A\n"
		      "END:VEVENT\n"
		      "BEGIN:VEVENT\n"
		      "X-BOOKING-CODE:Q1W2E3\n"
		      "UID:other@x\n" WHEN "X-SERVICE:B\n"
		      "END:VEVENT\n"
		      "END:VCALENDAR\n",
		.b = {{2, "X7K2P9", "A", T0, T1, NULL, BOOKING_BOOKED},
		      {12, "Q1W2E3", "B", T0, T1, NULL, BOOKING_BOOKED}},
	},
	{
		.name = "a UID that is no booking code",
		.in = CAL(EV("UID:20261203-0001@programare.example.ro\r\n"
			     WHEN "X-SERVICE:A\r\n")),
		.e = {E(4, "UID \"20261203-0001@programare.example.ro\"",
		       "X-BOOKING-CODE")},
	},
	{
		.name = "cancelled by STATUS or by METHOD:CANCEL",
		.in = CAL(EV("UID:X7K2P1\r\nSTATUS:CANCELLED\r\n" WHEN
			     "X-SERVICE:A\r\n")
			  EV("UID:X7K2P2\r\nSTATUS:confirmed\r\n" WHEN
			     "X-SERVICE:A\r\n"))
		      "BEGIN:VCALENDAR\r\nMETHOD:CANCEL\r\n"
		      EV("UID:X7K2P3\r\n" WHEN "X-SERVICE:A\r\n")
		      "END:VCALENDAR\r\n",
		.b = {{4, "X7K2P1", "A", T0, T1, NULL, BOOKING_CANCELLED},
		      {11, "X7K2P2", "A", T0, T1, NULL, BOOKING_BOOKED},
		      {21, "X7K2P3", "A", T0, T1, NULL, BOOKING_CANCELLED}},
	},
	{
		.name = "phones: X-PHONE, a tel: ATTENDEE, a tel: CONTACT",
		.in = CAL(EV("UID:X7K2P1\r\n" WHEN "X-SERVICE:A\r\n"
			     "ATTENDEE:tel:+40799999999\r\n"
			     "X-PHONE:+40 722 123 456\r\n")
			  EV("UID:X7K2P2\r\n" WHEN "X-SERVICE:A\r\n"
			     "ATTENDEE;CN=ion@example.ro:"
			     "mailto:ion@example.ro\r\n"
			     "CONTACT:tel:+40-722-000-111\r\n"
			     "ATTENDEE;CN=\"Popescu: Ion\";"
			     "ROLE=REQ-PARTICIPANT:TEL:+40722123457;ext=1\r\n")
			  EV("UID:X7K2P3\r\n" WHEN "X-SERVICE:A\r\n"
			     "CONTACT:tel:+40-722-000-111\r\n")),
		.b = {{4, "X7K2P1", "A", T0, T1, "+40722123456",
		       BOOKING_BOOKED},
		      {12, "X7K2P2", "A", T0, T1, "+40722123457",
		       BOOKING_BOOKED},
		      {21, "X7K2P3", "A", T0, T1, "+40722000111",
		       BOOKING_BOOKED}},
	},
	{
		.name = "times refused",
		.in = CAL(EV("UID:X7K2P1\r\nX-SERVICE:A\r\n"
			     "DTSTART;VALUE=DATE:20261203\r\n"
			     "DTEND;VALUE=DATE:20261204\r\n")
			  EV("UID:X7K2P2\r\nX-SERVICE:A\r\n"
			     "DTSTART;TZID=America/New_York:20261203T090000\r\n"
			     "DTEND:20261203T071500Z\r\n")
			  EV("UID:X7K2P3\r\nX-SERVICE:A\r\n"
			     "DTSTART;TZID=Europe/Bucharest:20260329T033000\r\n"
			     "DURATION:PT15M\r\n")),
		.e = {E(4, "DTSTART \"20261203\" is a date without a time"),
		      E(10, "DTSTART has TZID=\"America/New_York\", not the "
			   "office's Europe/Bucharest"),
		      E(16, "DTSTART \"20260329T033000\" does not exist")},
	},
	{
		.name = "the hour the clocks pass twice: the first",
		.in = CAL(EV("UID:X7K2P9\r\nX-SERVICE:A\r\n"
			     "DTSTART;TZID=Europe/Bucharest:20261025T033000\r\n"
			     "DURATION:PT30M\r\n")),
		.b = {{4, "X7K2P9", "A", "2026-10-25T00:30:00Z",
		       "2026-10-25T01:00:00Z", NULL, BOOKING_BOOKED}},
	},
	{
		.name = "end and duration",
		.in = CAL(EV("UID:X7K2P1\r\nX-SERVICE:A\r\n" WHEN
			     "DURATION:PT15M\r\n")
			  EV("UID:X7K2P2\r\nX-SERVICE:A\r\n"
			     "DTSTART:20261203T070000Z\r\n")
			  EV("UID:X7K2P3\r\nX-SERVICE:A\r\n"
			     "DTSTART:20261203T070000Z\r\n"
			     "DURATION:-PT15M\r\n")),
		.e = {E(4, "both DTEND and DURATION"),
		      E(11, "no DTEND or DURATION"),
		      E(16, "DURATION \"-PT15M\" is no duration")},
	},
	{
		.name = "recurring, twice, malformed, a bad STATUS",
		.in = CAL(EV("UID:X7K2P1\r\n" WHEN "X-SERVICE:A\r\n"
			     "RRULE:FREQ=WEEKLY\r\n")
			  EV("UID:X7K2P2\r\n" WHEN WHEN "X-SERVICE:A\r\n")
			  EV("UID:X7K2P3\r\nDTSTART;TZID=Europe/Bucharest\r\n"
			     "DTEND:20261203T071500Z\r\nX-SERVICE:A\r\n"
			     "STATUS:MAYBE\r\n")),
		.e = {E(4, "event \"X7K2P1\": a recurring event (RRULE)"),
		      E(11, "DTSTART appears twice", "DTEND appears twice"),
		      E(19, "DTSTART on line 21 is malformed", "no DTSTART")},
	},
	{
		.name = "VALARM and VTIMEZONE properties are not the event's",
		.in = CAL("BEGIN:VTIMEZONE\r\nTZID:Europe/Bucharest\r\n"
			  "BEGIN:STANDARD\r\nDTSTART:19701025T040000\r\n"
			  "TZOFFSETFROM:+0300\r\nTZOFFSETTO:+0200\r\n"
			  "END:STANDARD\r\nEND:VTIMEZONE\r\n"
			  EV("UID:X7K2P9\r\nDTSTART:20261203T070000Z\r\n"
			     "BEGIN:VALARM\r\nACTION:EMAIL\r\n"
			     "ATTENDEE:tel:+40711111111\r\n"
			     "DURATION:PT5M\r\nX-SERVICE:B\r\nEND:VALARM\r\n"
			     "DTEND:20261203T071500Z\r\nX-SERVICE:A\r\n")),
		.b = {{12, "X7K2P9", "A", T0, T1, NULL, BOOKING_BOOKED}},
	},
	{
		.name = "the service property: missing, escaped, too long",
		.in = CAL(EV("UID:X7K2P1\r\n" WHEN)
			  EV("UID:X7K2P2\r\n" WHEN "X-SERVICE:A\\,B\r\n")
			  EV("X-BOOKING-CODE:X7K2\\;P3\r\n" WHEN
			     "X-SERVICE:ABCDEFGHIJKLMNOPQRSTUVWXYZ_-0123\r\n")),
		.e = {E(4, "event \"X7K2P1\": no X-SERVICE"),
		      E(9, "X-SERVICE \"A,B\" is no service id"),
		      E(15, "event \"X7K2;P3\": X-BOOKING-CODE \"X7K2;P3\" may",
		       "longer than 31")},
	},
	{
		.name = "the service from CATEGORIES",
		.service_property = "categories",
		.in = CAL(EV("UID:X7K2P1\r\n" WHEN "CATEGORIES: SC \r\n")
			  EV("UID:X7K2P2\r\n" WHEN "CATEGORIES:A,B\r\n")
			  EV("UID:X7K2P3\r\n" WHEN "CATEGORIES:A\r\n"
			     "CATEGORIES:B\r\n")),
		.b = {{4, "X7K2P1", "SC", T0, T1, NULL, BOOKING_BOOKED}},
		.e = {E(10, "CATEGORIES has 2 values, not one service id"),
		      E(16, "CATEGORIES has 2 values")},
	},
	{
		.name = "the service from another property",
		.service_property = "X-GHISEU",
		.in = CAL(EV("UID:X7K2P1\r\n" WHEN "X-SERVICE:B\r\n"
			     "X-GHISEU:A\r\n")),
		.b = {{4, "X7K2P1", "A", T0, T1, NULL, BOOKING_BOOKED}},
	},
	{
		.name = "codes twice",
		.in = CAL(EV("UID:X7K2P9\r\n" WHEN "X-SERVICE:A\r\n")
			  EV("UID:x7k2-p9\r\n" WHEN "X-SERVICE:A\r\n")),
		.e = {E(4, "the booking on line 10 has the same code"),
		      E(10, "the booking on line 4 has the same code")},
	},
	{
		.name = "a cut file: the open event and the calendar",
		.in = "BEGIN:VCALENDAR\r\n"
		      EV("UID:X7K2P1\r\n" WHEN "X-SERVICE:A\r\n")
		      "BEGIN:VEVENT\r\nUID:X7K2P2\r\n" WHEN,
		.b = {{2, "X7K2P1", "A", T0, T1, NULL, BOOKING_BOOKED}},
		.e = {E(1, "the file ends before END:VCALENDAR"),
		      E(8, "no X-SERVICE", "the file ends before END:VEVENT")},
	},
	{
		.name = "END without BEGIN, text after the calendar",
		.in = CAL(EV("UID:X7K2P1\r\n" WHEN "X-SERVICE:A\r\n")
			  "END:VTODO\r\n") "junk\r\nmore junk\r\n",
		.b = {{4, "X7K2P1", "A", T0, T1, NULL, BOOKING_BOOKED}},
		.e = {E(10, "END:\"VTODO\" without its BEGIN"),
		      E(12, "text after END:VCALENDAR")},
	},
	{
		.name = "END:VCALENDAR closes an open event",
		.in = CAL("BEGIN:VEVENT\r\nUID:X7K2P1\r\n" WHEN
			  "X-SERVICE:A\r\n"),
		.e = {E(4, "no END:VEVENT before END:VCALENDAR on line 9")},
	},
	{
		.name = "not iCalendar",
		.in = "code,service,start,end,phone,status\r\n",
		.fatal = true,
		.e = {E(1, "not iCalendar")},
	},
	{
		.name = "empty",
		.in = "",
		.fatal = true,
		.e = {E(1, "no BEGIN:VCALENDAR")},
	},
};
/* clang-format on */

static void check_case(const struct ics_case *c)
{
	struct booking_ics_options o = {
		.tzid = "Europe/Bucharest",
		.service_property = c->service_property,
	};
	struct booking_list *l = NULL;
	size_t nb = 0, ne = 0;
	int r = booking_ics_parse(c->in, strlen(c->in), &o, &l);

	if (r != 0)
		fail_msg("%s: parse returned %d", c->name, r);
	while (nb < 3 && c->b[nb].code)
		nb++;
	while (ne < 3 && c->e[ne].has[0])
		ne++;
	for (size_t i = 0; i < l->n_errors; i++)
		print_message("  %s: line %u: %s\n", c->name, l->errors[i].line,
			      l->errors[i].msg);
	if (l->fatal != c->fatal)
		fail_msg("%s: fatal %d", c->name, l->fatal);
	if (l->n != nb)
		fail_msg("%s: %zu bookings, want %zu", c->name, l->n, nb);
	if (l->n_errors != ne)
		fail_msg("%s: %zu errors, want %zu", c->name, l->n_errors, ne);
	for (size_t i = 0; i < ne; i++) {
		const struct want_error *w = &c->e[i];
		const struct booking_error *e = &l->errors[i];

		if (e->line != w->line || !strstr(e->msg, w->has[0]) ||
		    (w->has[1] && !strstr(e->msg, w->has[1])))
			fail_msg("%s: error %zu is line %u: %s; want line %u "
				 "with \"%s\"",
				 c->name, i, e->line, e->msg, w->line,
				 w->has[0]);
	}
	for (size_t i = 0; i < nb; i++) {
		const struct want_booking *w = &c->b[i];
		const struct booking *b = &l->items[i];
		int64_t start, end;

		assert_int_equal(hours_parse_rfc3339(w->start, &start), 0);
		assert_int_equal(hours_parse_rfc3339(w->end, &end), 0);
		if (b->line != w->line)
			fail_msg("%s: booking %zu on line %u, want %u", c->name,
				 i, b->line, w->line);
		assert_string_equal(b->code, w->code);
		assert_string_equal(b->service, w->service);
		assert_int_equal(b->start, start);
		assert_int_equal(b->end, end);
		if (w->phone) {
			assert_non_null(b->phone);
			assert_string_equal(b->phone, w->phone);
		} else {
			assert_null(b->phone);
		}
		assert_int_equal(b->status, w->status);
	}
	booking_ics_free(l);
}

static int setup(void **state)
{
	(void)state;
	return hours_set_zone("Europe/Bucharest");
}

static void table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i]);
}

static void options(void **state)
{
	static const char *const bad[] = {"UID", "dtstart", "X SERVICE",
					  "",	 "BEGIN",   "X-SERVICE:"};
	static const char in[] = CAL("");
	struct booking_ics_options o = {.tzid = "Europe/Bucharest"};
	struct booking_list *l = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o.service_property = bad[i];
		if (booking_ics_parse(in, sizeof(in) - 1, &o, &l) != -EINVAL)
			fail_msg("service property \"%s\" accepted", bad[i]);
		assert_null(l);
	}
	o.service_property = NULL;
	o.tzid = NULL;
	assert_int_equal(booking_ics_parse(in, sizeof(in) - 1, &o, &l),
			 -EINVAL);
	assert_int_equal(booking_ics_parse(in, sizeof(in) - 1, NULL, &l),
			 -EINVAL);
	o.tzid = "Europe/Bucharest";
	assert_int_equal(booking_ics_parse(in, BOOKING_FILE_MAX + 1, &o, &l),
			 -EFBIG);
	assert_null(l);
	assert_int_equal(booking_ics_parse(in, sizeof(in) - 1, &o, &l), 0);
	assert_int_equal(l->n, 0);
	assert_int_equal(l->n_errors, 0);
	booking_ics_free(l);
}

/* A long DESCRIPTION is no reason to refuse an event; a long UID is. */
static void long_lines(void **state)
{
	struct booking_ics_options o = {.tzid = "Europe/Bucharest"};
	struct booking_list *l = NULL;
	size_t cap = 4 * BOOKING_LINE_MAX, len = 0;
	char *s = malloc(cap);
	int w;

	(void)state;
	assert_non_null(s);
	w = snprintf(s, cap,
		     "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n" WHEN
		     "X-SERVICE:A\r\nUID:X7K2P1\r\nDESCRIPTION:");
	len = (size_t)w;
	for (size_t i = 0; i < 100; i++) {
		memcpy(s + len, "\r\n ", 3);
		len += 3;
		memset(s + len, 'd', 70);
		len += 70;
	}
	w = snprintf(s + len, cap - len,
		     "\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\n" WHEN
		     "X-SERVICE:A\r\nUID:");
	len += (size_t)w;
	memset(s + len, 'U', BOOKING_LINE_MAX);
	len += BOOKING_LINE_MAX;
	w = snprintf(s + len, cap - len, "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n");
	len += (size_t)w;
	assert_int_equal(booking_ics_parse(s, len, &o, &l), 0);
	assert_int_equal(l->n, 1);
	assert_string_equal(l->items[0].code, "X7K2P1");
	assert_int_equal(l->n_errors, 1);
	assert_int_equal(l->errors[0].line, 109);
	assert_non_null(strstr(l->errors[0].msg, "UID on line 113 is longer"));
	booking_ics_free(l);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table),
		cmocka_unit_test(options),
		cmocka_unit_test(long_lines),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
