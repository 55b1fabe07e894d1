/* daemon/core/booking: the one rule for codes, phone numbers and spans,
 * at each boundary. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "booking.h"

struct code_case {
	const char *in;
	int r;
	const char *out;
};

static void codes(void **state)
{
	static const struct code_case cases[] = {
		{"X7K2P9", 0, "X7K2P9"},
		{"x7k2p9", 0, "X7K2P9"},
		{" x7k2-p9\t", 0, "X7K2P9"},
		{"X7 K2 - P9", 0, "X7K2P9"},
		{"ABCD", 0, "ABCD"}, /* the shortest */
		{"ABC", -ERANGE, NULL},
		{"A-B-C", -ERANGE, NULL}, /* separators don't count */
		{"", -ERANGE, NULL},
		{"---", -ERANGE, NULL},
		{"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", 0,
		 "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"}, /* 32: the longest */
		{"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456", -ERANGE, NULL},
		/* 32 letters and digits and 7 dashes: 39 bytes, a code. */
		{"abcd-efgh-ijkl-mnop-qrst-uvwx-yz01-2345", 0,
		 "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"},
		{"X7K2_P9", -EINVAL, NULL},
		{"X7K2.P9", -EINVAL, NULL},
		{"X7K2P\xc8\x99", -EINVAL, NULL}, /* ș: letters are A-Z */
		{"X7K2\nP9", -EINVAL, NULL},
		/* 4 letters among more than 64 bytes of separators. */
		{"A                                                            "
		 "    BCD",
		 -ERANGE, NULL},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[BOOKING_CODE_MAX + 1] = "untouched";
		int r = booking_code_normalize(cases[i].in, strlen(cases[i].in),
					       out);

		if (r != cases[i].r)
			fail_msg("%s: %d, not %d", cases[i].in, r, cases[i].r);
		assert_string_equal(out,
				    cases[i].out ? cases[i].out : "untouched");
	}
	/* A NUL inside is a character like any other: refused. */
	char out[BOOKING_CODE_MAX + 1];
	assert_int_equal(booking_code_normalize("X7K2\0P9", 7, out), -EINVAL);
	assert_true(booking_code_separator('-'));
	assert_true(booking_code_separator(' '));
	assert_true(booking_code_separator('\t'));
	assert_false(booking_code_separator('_'));
}

static void phones(void **state)
{
	static const struct code_case cases[] = {
		{"+40722123456", 0, "+40722123456"},
		{"0722 123 456", 0, "0722123456"},
		{"+40 (722) 123-45.6/7", 0, "+407221234567"},
		{"123456", 0, "123456"}, /* 6: the shortest */
		{"12345", -EINVAL, NULL},
		{"+1234", -EINVAL, NULL},
		{"12345678901234567890", 0, "12345678901234567890"}, /* 20 */
		{"123456789012345678901", -EINVAL, NULL},
		{"0722+123456", -EINVAL, NULL}, /* + only in front */
		{"0722x123456", -EINVAL, NULL},
		{"", -EINVAL, NULL},
		{"0722 123 456                                 ", -EINVAL,
		 NULL}, /* past BOOKING_PHONE_INPUT_MAX bytes */
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[BOOKING_PHONE_MAX + 1] = "untouched";
		int r = booking_phone_normalize(cases[i].in,
						strlen(cases[i].in), out);

		if (r != cases[i].r)
			fail_msg("%s: %d, not %d", cases[i].in, r, cases[i].r);
		assert_string_equal(out,
				    cases[i].out ? cases[i].out : "untouched");
	}
}

static void spans(void **state)
{
	(void)state;
	assert_int_equal(booking_span_check(1000, 1900), 0);
	assert_int_equal(booking_span_check(1000, 1001), 0);
	assert_int_equal(booking_span_check(1000, 1000), -EINVAL);
	assert_int_equal(booking_span_check(1000, 999), -EINVAL);
	assert_int_equal(booking_span_check(0, BOOKING_SPAN_MAX), 0);
	assert_int_equal(booking_span_check(0, BOOKING_SPAN_MAX + 1), -ERANGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(codes),
		cmocka_unit_test(phones),
		cmocka_unit_test(spans),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
