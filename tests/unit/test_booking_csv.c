/* The CSV parser of bonomatctl import: each case is a file, the bookings
 * it gives and the lines it refuses (with a part of why). */
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

#include "booking_csv.h"
#include "text.h"
#include "hours.h"

#define HDR "code,service,start,end,phone,status\n"
#define T0 "2026-12-03T09:00:00+02:00"
#define T1 "2026-12-03T09:15:00+02:00"
#define SLOT T0 "," T1

struct want_booking {
	unsigned line;
	const char *code; /* NULL ends the list */
	const char *service;
	const char *start, *end;
	const char *phone; /* NULL: none */
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

struct csv_case {
	const char *name;
	const char *in;
	size_t len; /* 0: strlen(in) */
	bool fatal;
	struct want_booking b[4];
	struct want_error e[5];
};

static const struct csv_case cases[] = {
	{
		.name = "two bookings, phone and status optional",
		.in = HDR "X7K2P9,A," SLOT ",+40722123456,booked\n"
			  "ab-12,SC,2026-12-03T07:30:00Z,"
			  "2026-12-03T07:45:00Z,,\n",
		.b = {{2, "X7K2P9", "A", T0, T1, "+40722123456",
		       BOOKING_BOOKED},
		      {3, "AB12", "SC", "2026-12-03T09:30:00+02:00",
		       "2026-12-03T09:45:00+02:00", NULL, BOOKING_BOOKED}},
	},
	{
		.name = "CRLF, a BOM, no final line break, cancelled",
		.in = "\xef\xbb\xbf"
		      "code,service,start,end,phone,status\r\n"
		      "X7K2P9,A," SLOT ",,cancelled\r\n"
		      "Q1W2E3,B," SLOT ",,CANCELED",
		.b = {{2, "X7K2P9", "A", T0, T1, NULL, BOOKING_CANCELLED},
		      {3, "Q1W2E3", "B", T0, T1, NULL, BOOKING_CANCELLED}},
	},
	{
		.name = "quoted fields, blanks trimmed, \"\" escapes",
		.in = "\"code\", \"service\",start,end,phone,\"status\"\n"
		      "\" X7K2P9 \" , \"A\",\"" T0 "\", " T1 " ,\"\",\"\"\n"
		      "\"X7\"\"K2P9\",A," SLOT ",,\n",
		.b = {{2, "X7K2P9", "A", T0, T1, NULL, BOOKING_BOOKED}},
		.e = {E(3, "code \"X7\\\"K2P9\" may hold only letters")},
	},
	{
		.name = "blank lines are skipped but counted",
		.in = "\n" HDR "\n   \n"
		      "X7K2P9,A," SLOT ",,\n"
		      "\t\n"
		      "X7K2,A," SLOT ",,nope\n",
		.b = {{5, "X7K2P9", "A", T0, T1, NULL, BOOKING_BOOKED}},
		.e = {E(7, "status \"nope\" is not booked, cancelled")},
	},
	{
		.name = "the number of fields",
		.in = HDR "X7K2P9,A," SLOT ",\n"
			  "X7K2P9,A," SLOT ",,,\n"
			  "X7K2P9\n",
		.e = {E(2, "5 fields, not 6"), E(3, "7 fields, not 6"),
		      E(4, "1 field, not 6")},
	},
	{
		.name = "codes",
		.in = HDR "AB1,A," SLOT ",,\n"
			  "X7K2 P9,A," SLOT ",,\n"
			  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456,A," SLOT ",,\n"
			  "A-B-C,A," SLOT ",,\n"
			  ",A," SLOT ",,\n"
			  "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345,A," SLOT ",,\n"
			  "abcd-efgh-ijkl-mnop-qrst-uvwx-yz98-7654,A," SLOT
			  ",,\n"
			  "X7K2_P9,A," SLOT ",,\n",
		/* One rule with the daemon (booking.h): case, spaces and
		 * dashes are ignored, 4 to 32 letters and digits remain. */
		.b = {{3, "X7K2P9", "A", T0, T1, NULL, BOOKING_BOOKED},
		      {7, "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", "A", T0, T1, NULL,
		       BOOKING_BOOKED},
		      {8, "ABCDEFGHIJKLMNOPQRSTUVWXYZ987654", "A", T0, T1, NULL,
		       BOOKING_BOOKED}},
		.e = {E(2, "code \"AB1\" is not 4 to 32 letters and digits"),
		      E(4, "is not 4 to 32 letters and digits"),
		      E(5, "code \"A-B-C\" is not 4 to 32"),
		      E(6, "code is empty"),
		      E(9, "code \"X7K2_P9\" may hold only letters, digits, "
			   "spaces and dashes")},
	},
	{
		.name = "services",
		.in = HDR "X7K2P1,A.B," SLOT ",,\n"
			  "X7K2P2,ABCDEFGHIJKLMNOPQRSTUVWXYZ_-0123," SLOT ",,\n"
			  "X7K2P3,," SLOT ",,\n"
			  "X7K2P4,ABCDEFGHIJKLMNOPQRSTUVWXYZ_-012," SLOT ",,\n",
		.b = {{5, "X7K2P4", "ABCDEFGHIJKLMNOPQRSTUVWXYZ_-012", T0, T1,
		       NULL, BOOKING_BOOKED}},
		.e = {E(2, "service \"A.B\" is no service id"),
		      E(3, "is longer than 31 characters"),
		      E(4, "service is empty")},
	},
	{
		.name = "times",
		.in = HDR "X7K2P1,A,2026-12-03 09:00," T1 ",,\n"
			  "X7K2P2,A,2026-12-03T09:00:00," T1 ",,\n"
			  "X7K2P3,A," T1 "," T0 ",,\n"
			  "X7K2P4,A," T0 ",2026-12-04T09:00:01+02:00,,\n"
			  "X7K2P5,A," T0 ",,,\n",
		.e = {E(2, "start \"2026-12-03 09:00\" is no RFC 3339 time"),
		      E(3, "start \"2026-12-03T09:00:00\" is no RFC 3339"),
		      E(4, "the end is not after the start"),
		      E(5, "lasts more than 24 hours"), E(6, "end is empty")},
	},
	{
		.name = "phones",
		.in = HDR "X7K2P1,A," SLOT ",+40 722-123.456,\n"
			  "X7K2P2,A," SLOT ",(021) 314 1010,\n"
			  "X7K2P3,A," SLOT ",12345,\n"
			  "X7K2P4,A," SLOT ",+40722abc,\n"
			  "X7K2P5,A," SLOT ",40+722123,\n",
		.b = {{2, "X7K2P1", "A", T0, T1, "+40722123456",
		       BOOKING_BOOKED},
		      {3, "X7K2P2", "A", T0, T1, "0213141010", BOOKING_BOOKED}},
		.e = {E(4, "phone \"12345\" is no phone number"),
		      E(5, "phone \"+40722abc\" is no phone number"),
		      E(6, "phone \"40+722123\" is no phone number")},
	},
	{
		.name = "every problem of a line is named",
		.in = HDR "X7,A B,2026-12-03," T1 ",1,maybe\n",
		.e = {E(2, "code \"X7\"", "service \"A B\""),
		      E(2, "start \"2026-12-03\"", "phone \"1\""),
		      E(2, "status \"maybe\"")},
	},
	{
		.name = "quotes that do not close",
		.in = HDR "\"X7K2P9,A," SLOT ",,\n"
			  "\"X7K2P9\"x,A," SLOT ",,\n"
			  "X7K2P9,A," SLOT ",,\"booked\n",
		.e = {E(2, "code has no closing quote"),
		      E(3, "code has text after its closing quote"),
		      E(4, "status has no closing quote")},
	},
	{
		.name = "codes twice, ignoring case and dashes",
		.in = HDR "X7K2P9,A," SLOT ",,\n"
			  "Q1W2E3,A," SLOT ",,\n"
			  "x7k2-p9,B," SLOT ",,\n",
		.b = {{3, "Q1W2E3", "A", T0, T1, NULL, BOOKING_BOOKED}},
		.e = {E(2, "code \"X7K2P9\": the booking on line 4"),
		      E(4, "code \"X7K2P9\": the booking on line 2")},
	},
	{
		.name = "a NUL byte is refused, not cut",
		.in = HDR "X7K2P9,A," SLOT ",,\n"
			  "X7K2\0P8,A," SLOT ",,\n",
		.len = sizeof(HDR "X7K2P9,A," SLOT ",,\n"
				  "X7K2\0P8,A," SLOT ",,\n") -
		       1,
		.b = {{2, "X7K2P9", "A", T0, T1, NULL, BOOKING_BOOKED}},
		.e = {E(3, "code \"X7K2\\x00P8\" may hold only")},
	},
	{
		.name = "control bytes and bad UTF-8 are escaped in messages",
		.in = HDR "X7K2P9,Școală\x1b[2J\xff," SLOT ",,\n",
		.e = {E(2, "service \"Școală\\x1b[2J\\xff\"")},
	},
	{
		.name = "a header only",
		.in = HDR,
	},
	{
		.name = "another header",
		.in = "code,service,start,end,status,phone\n"
		      "X7K2P9,A," SLOT ",,\n",
		.fatal = true,
		.e = {E(1, "the header is \"code,service,start,end,status,")},
	},
	{
		.name = "a header with semicolons",
		.in = "code;service;start;end;phone;status\r\n"
		      "X7K2P9;A;" T0 ";" T1 ";;\r\n",
		.fatal = true,
		.e = {E(1, "separated by ';'")},
	},
	{
		.name = "no header: data first",
		.in = "X7K2P9,A," SLOT ",,\n",
		.fatal = true,
		.e = {E(1, "the header is \"X7K2P9,A,")},
	},
	{
		.name = "an empty file",
		.in = "",
		.fatal = true,
		.e = {E(1, "no header")},
	},
	{
		.name = "blank lines only",
		.in = "\r\n\n  \n",
		.fatal = true,
		.e = {E(3, "no header")},
	},
};

static void check_case(const struct csv_case *c)
{
	struct booking_list *l = NULL;
	size_t len = c->len ? c->len : strlen(c->in), nb = 0, ne = 0;
	int r = booking_csv_parse(c->in, len, &l);

	if (r != 0)
		fail_msg("%s: parse returned %d", c->name, r);
	while (nb < 4 && c->b[nb].code)
		nb++;
	while (ne < 5 && c->e[ne].has[0])
		ne++;
	if (l->fatal != c->fatal)
		fail_msg("%s: fatal %d", c->name, l->fatal);
	for (size_t i = 0; i < l->n_errors; i++)
		print_message("  %s: line %u: %s\n", c->name, l->errors[i].line,
			      l->errors[i].msg);
	if (l->n != nb)
		fail_msg("%s: %zu bookings, want %zu", c->name, l->n, nb);
	/* Several wanted parts may be of one message. */
	for (size_t i = 0; i < ne; i++) {
		const struct want_error *w = &c->e[i];
		bool found = false;

		for (size_t j = 0; j < l->n_errors && !found; j++)
			found = l->errors[j].line == w->line &&
				strstr(l->errors[j].msg, w->has[0]) &&
				(!w->has[1] ||
				 strstr(l->errors[j].msg, w->has[1]));
		if (!found)
			fail_msg("%s: no error on line %u with \"%s\"", c->name,
				 w->line, w->has[0]);
	}
	for (size_t i = 0; i < l->n_errors; i++) {
		bool wanted = false;

		for (size_t j = 0; j < ne; j++)
			wanted |= c->e[j].line == l->errors[i].line;
		if (!wanted)
			fail_msg("%s: unexpected error on line %u: %s", c->name,
				 l->errors[i].line, l->errors[i].msg);
		if (i > 0 && l->errors[i - 1].line > l->errors[i].line)
			fail_msg("%s: errors not sorted by line", c->name);
	}
	assert_int_equal(l->n_refused, l->n_errors);
	for (size_t i = 0; i < nb; i++) {
		const struct want_booking *w = &c->b[i];
		const struct booking *b = &l->items[i];
		int64_t start, end;

		assert_int_equal(hours_parse_rfc3339(w->start, &start), 0);
		assert_int_equal(hours_parse_rfc3339(w->end, &end), 0);
		assert_int_equal(b->line, w->line);
		assert_string_equal(b->code, w->code);
		assert_string_equal(b->service, w->service);
		assert_int_equal(b->start, start);
		assert_int_equal(b->end, end);
		if (w->phone)
			assert_non_null(b->phone);
		if (w->phone)
			assert_string_equal(b->phone, w->phone);
		else
			assert_null(b->phone);
		assert_int_equal(b->status, w->status);
	}
	booking_csv_free(l);
}

static void table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i]);
}

enum line_kind {
	GOOD,
	GOOD_PHONE,
	BAD,
};

/* The header and n lines of one kind, numbered. */
static char *make_file(size_t n, enum line_kind kind, size_t *ret_len)
{
	size_t cap = sizeof(HDR) + n * 128, len;
	char *s = malloc(cap);

	assert_non_null(s);
	memcpy(s, HDR, sizeof(HDR));
	len = sizeof(HDR) - 1;
	for (size_t i = 0; i < n; i++) {
		size_t room = cap - len;
		int w = kind == GOOD ?
				snprintf(s + len, room,
					 "BK%06zu,A," SLOT ",,\n", i) :
			kind == GOOD_PHONE ?
				snprintf(s + len, room,
					 "BK%06zu,A," SLOT ",+40722123456,\n",
					 i) :
				snprintf(s + len, room, "bad%zu\n", i);

		assert_true(w > 0 && (size_t)w < cap - len);
		len += (size_t)w;
	}
	*ret_len = len;
	return s;
}

static void bounds(void **state)
{
	struct booking_list *l = NULL;
	size_t len;
	char *s;

	(void)state;
	/* BOOKING_MAX bookings are fine... */
	s = make_file(BOOKING_MAX, GOOD_PHONE, &len);
	assert_int_equal(booking_csv_parse(s, len, &l), 0);
	assert_int_equal(l->n, BOOKING_MAX);
	assert_int_equal(l->n_errors, 0);
	assert_false(l->fatal);
	booking_csv_free(l);
	free(s);
	/* ...one more refuses the file, at the line of the one too many. */
	s = make_file(BOOKING_MAX + 1, GOOD, &len);
	assert_int_equal(booking_csv_parse(s, len, &l), 0);
	assert_true(l->fatal);
	assert_int_equal(l->n, 0);
	assert_int_equal(l->n_errors, 1);
	assert_int_equal(l->errors[0].line, BOOKING_MAX + 2);
	assert_non_null(strstr(l->errors[0].msg, "more than 10000 bookings"));
	booking_csv_free(l);
	free(s);
	/* Refusals are counted; the first BOOKING_ERRORS_MAX are kept. */
	s = make_file(1500, BAD, &len);
	assert_int_equal(booking_csv_parse(s, len, &l), 0);
	assert_int_equal(l->n_errors, BOOKING_ERRORS_MAX);
	assert_int_equal(l->n_refused, 1500);
	assert_int_equal(l->errors[0].line, 2);
	booking_csv_free(l);
	free(s);
	/* A file over the bound is not read at all. */
	l = NULL;
	assert_int_equal(booking_csv_parse(HDR, BOOKING_FILE_MAX + 1, &l),
			 -EFBIG);
	assert_null(l);
}

static void long_lines(void **state)
{
	struct booking_list *l = NULL;
	char *s = calloc(1, 3 * BOOKING_LINE_MAX);
	size_t len;

	(void)state;
	assert_non_null(s);
	len = (size_t)snprintf(s, 3 * BOOKING_LINE_MAX,
			       HDR "X7K2P9,A," SLOT ",,\n");
	memset(s + len, 'x', BOOKING_LINE_MAX + 1);
	len += BOOKING_LINE_MAX + 1;
	s[len++] = '\n';
	len += (size_t)snprintf(s + len, 3 * BOOKING_LINE_MAX - len,
				"Q1W2E3,A," SLOT ",,\n");
	assert_int_equal(booking_csv_parse(s, len, &l), 0);
	assert_int_equal(l->n, 2);
	assert_int_equal(l->n_errors, 1);
	assert_int_equal(l->errors[0].line, 3);
	assert_non_null(strstr(l->errors[0].msg, "longer than 4096 bytes"));
	assert_int_equal(l->items[1].line, 4);
	booking_csv_free(l);
	free(s);
}

static void quote_and_note(void **state)
{
	char q[64], msg[BOOKING_MSG_MAX] = "";
	char longer[200];

	(void)state;
	text_quote(q, sizeof(q), "a\"b\\c\n", 6);
	assert_string_equal(q, "\"a\\\"b\\\\c\\x0a\"");
	/* C1 controls and a cut sequence are escaped, UTF-8 is kept. */
	text_quote(q, sizeof(q), "ț\xc2\x9b\xe2\x82", 6);
	assert_string_equal(q, "\"ț\\xc2\\x9b\\xe2\\x82\"");
	memset(longer, 'x', sizeof(longer));
	text_quote(q, sizeof(q), longer, sizeof(longer));
	assert_true(strlen(q) < sizeof(q));
	assert_non_null(strstr(q, "...\""));
	booking_csv_note(msg, "one");
	booking_csv_note(msg, "two %d", 2);
	assert_string_equal(msg, "one; two 2");
	for (int i = 0; i < 100; i++)
		booking_csv_note(msg, "ăîșț");
	assert_true(strlen(msg) < BOOKING_MSG_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table),
		cmocka_unit_test(bounds),
		cmocka_unit_test(long_lines),
		cmocka_unit_test(quote_and_note),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
