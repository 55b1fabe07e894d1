/* daemon/lib/text: the UTF-8 decoder against iconv, quoting, percent
 * decoding and trimming, case by case. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <iconv.h>
#include <string.h>

#include "text.h"

struct utf8_case {
	const char *bytes;
	size_t len;
	uint32_t cp; /* TEXT_INVALID for an invalid lead */
	size_t n;
};

static void utf8_cases(void **state)
{
	static const struct utf8_case cases[] = {
		{"A", 1, 'A', 1},
		{"\x00", 1, 0, 1},
		{"\xc8\x99", 2, 0x0219, 2},	/* ș, comma below */
		{"\xe2\x82\xac", 3, 0x20ac, 3}, /* € */
		{"\xf0\x9f\x98\x80", 4, 0x1f600, 4},
		{"\xf4\x8f\xbf\xbf", 4, 0x10ffff, 4},
		{"\xc0\xaf", 2, TEXT_INVALID, 1}, /* overlong '/' */
		{"\xc1\xbf", 2, TEXT_INVALID, 1},
		{"\xe0\x80\xaf", 3, TEXT_INVALID, 1}, /* overlong */
		{"\xf0\x80\x80\xaf", 4, TEXT_INVALID, 1},
		{"\xed\xa0\x80", 3, TEXT_INVALID, 1},	  /* surrogate */
		{"\xf4\x90\x80\x80", 4, TEXT_INVALID, 1}, /* > U+10FFFF */
		{"\xf5\x80\x80\x80", 4, TEXT_INVALID, 1},
		{"\x80", 1, TEXT_INVALID, 1}, /* lone continuation */
		{"\xc8", 1, TEXT_INVALID, 1}, /* truncated */
		{"\xe2\x82", 2, TEXT_INVALID, 1},
		{"\xc8\x41", 2, TEXT_INVALID, 1}, /* no continuation */
		{"\xff", 1, TEXT_INVALID, 1},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t cp = 0;
		size_t n = text_utf8_next((const uint8_t *)cases[i].bytes,
					  cases[i].len, &cp);
		if (cp != cases[i].cp || n != cases[i].n)
			fail_msg("case %zu: got U+%04X length %zu", i,
				 (unsigned)cp, n);
		assert_int_equal(text_utf8_len(cases[i].bytes, cases[i].len),
				 cases[i].cp == TEXT_INVALID ? 0 : cases[i].n);
	}
}

/* Every 1- and 2-byte sequence, and 3-byte sequences with the lead bytes
 * where the rules bite, judged by glibc's iconv as an independent oracle. */
static bool iconv_valid(iconv_t cd, const uint8_t *s, size_t len)
{
	char copy[4], out[16], *in = copy, *o = out;
	size_t il = len, ol = sizeof(out);

	memcpy(copy, s, len);
	iconv(cd, NULL, NULL, NULL, NULL);
	return iconv(cd, &in, &il, &o, &ol) != (size_t)-1 && il == 0;
}

static void utf8_against_iconv(void **state)
{
	iconv_t cd = iconv_open("UTF-32LE", "UTF-8");
	uint8_t s[3];
	size_t checked = 0;

	(void)state;
	assert_true(cd != (iconv_t)-1);
	for (unsigned a = 0; a < 256; a++) {
		for (unsigned b = 0x00; b < 256; b++) {
			s[0] = (uint8_t)a;
			s[1] = (uint8_t)b;
			/* One sequence of 2 bytes, when the lead says 2. */
			size_t want = a < 0x80 ? 1 : 2;
			bool ok = iconv_valid(cd, s, want);
			size_t got = text_utf8_len((const char *)s, want);
			if (a >= 0xe0)
				continue; /* longer leads: below */
			if ((got == want) != ok)
				fail_msg("%02x %02x: iconv %d, ours %zu", a, b,
					 ok, got);
			checked++;
		}
	}
	static const uint8_t leads[] = {0xe0, 0xe1, 0xed, 0xee, 0xef};
	for (size_t l = 0; l < sizeof(leads); l++)
		for (unsigned b = 0x70; b < 0xd0; b++)
			for (unsigned c = 0x70; c < 0xd0; c++) {
				s[0] = leads[l];
				s[1] = (uint8_t)b;
				s[2] = (uint8_t)c;
				bool ok = iconv_valid(cd, s, 3);
				if ((text_utf8_len((const char *)s, 3) == 3) !=
				    ok)
					fail_msg("%02x %02x %02x: iconv %d",
						 s[0], b, c, ok);
				checked++;
			}
	iconv_close(cd);
	assert_true(checked > 60000);
}

static void utf8_prefix_and_cut(void **state)
{
	char s[16];

	(void)state;
	assert_int_equal(text_utf8_prefix("ab\xc8\x99\xff"
					  "cd",
					  7),
			 4);
	assert_int_equal(text_utf8_prefix("", 0), 0);
	assert_int_equal(text_utf8_prefix("\xc8", 1), 0);
	strcpy(s, "ab\xc8\x99");
	text_utf8_cut(s);
	assert_string_equal(s, "ab\xc8\x99"); /* whole: kept */
	strcpy(s, "ab\xe2\x82");
	text_utf8_cut(s);
	assert_string_equal(s, "ab");
	strcpy(s, "ab\xc8");
	text_utf8_cut(s);
	assert_string_equal(s, "ab");
}

static void controls(void **state)
{
	(void)state;
	assert_true(text_is_control(0));
	assert_true(text_is_control(0x1b));
	assert_true(text_is_control(0x7f));
	assert_true(text_is_control(0x85));
	assert_true(text_is_control(0x9f));
	assert_false(text_is_control(' '));
	assert_false(text_is_control(0xa0));
	assert_false(text_is_control(0x0219));
}

static void quote(void **state)
{
	char q[64], small[12];

	(void)state;
	assert_int_equal(text_quote(q, sizeof(q), "A7", 2), 4);
	assert_string_equal(q, "\"A7\"");
	text_quote(q, sizeof(q), "șir \"x\" \\", 10);
	assert_string_equal(q, "\"șir \\\"x\\\" \\\\\"");
	/* An escape sequence for a terminal and a C1 control are shown. */
	text_quote(q, sizeof(q), "\x1b[2J\xc2\x85\xff", 7);
	assert_string_equal(q, "\"\\x1b[2J\\xc2\\x85\\xff\"");
	text_quote(q, sizeof(q), "a\0b", 3);
	assert_string_equal(q, "\"a\\x00b\"");
	/* Cut at a character, marked, and always within size. */
	text_quote(small, sizeof(small), "ăăăăăă", 12);
	assert_true(strlen(small) < sizeof(small));
	assert_string_equal(small, "\"ăăă...\"");
	text_quote(small, sizeof(small), "\x01\x02", 2);
	assert_string_equal(small, "\"\\x01...\"");
	text_quote(small, sizeof(small), "", 0);
	assert_string_equal(small, "\"\"");
}

static void percent(void **state)
{
	char b[16];
	size_t n = 99;

	(void)state;
	assert_int_equal(
		text_percent_decode("/a%20b%C8%99", 12, 0, b, sizeof(b), &n),
		0);
	assert_string_equal(b, "/a bș");
	assert_int_equal(n, 6);
	assert_int_equal(text_percent_decode("a+b", 3, 0, b, sizeof(b), &n), 0);
	assert_string_equal(b, "a+b");
	assert_int_equal(text_percent_decode("a+b", 3, TEXT_PERCENT_PLUS_SPACE,
					     b, sizeof(b), &n),
			 0);
	assert_string_equal(b, "a b");
	/* Malformed, encoded NUL, controls when asked, too long. */
	assert_int_equal(text_percent_decode("%2", 2, 0, b, sizeof(b), &n),
			 -EINVAL);
	assert_int_equal(text_percent_decode("%zz", 3, 0, b, sizeof(b), &n),
			 -EINVAL);
	assert_int_equal(text_percent_decode("%00", 3, 0, b, sizeof(b), &n),
			 -EINVAL);
	assert_int_equal(text_percent_decode("%0a", 3, 0, b, sizeof(b), &n), 0);
	assert_int_equal(text_percent_decode("%0a", 3, TEXT_PERCENT_NO_CONTROL,
					     b, sizeof(b), &n),
			 -EINVAL);
	assert_int_equal(text_percent_decode("\x7f", 1, TEXT_PERCENT_NO_CONTROL,
					     b, sizeof(b), &n),
			 -EINVAL);
	assert_int_equal(text_percent_decode("0123456789abcdef", 16, 0, b,
					     sizeof(b), &n),
			 -E2BIG);
	assert_int_equal(
		text_percent_decode("0123456789abcde", 15, 0, b, sizeof(b), &n),
		0);
	assert_int_equal(n, 15);
}

static void trim(void **state)
{
	const char *s = " \t a b\t ";
	size_t n = strlen(s);

	(void)state;
	text_trim(&s, &n);
	assert_int_equal(n, 3);
	assert_memory_equal(s, "a b", 3);
	s = "  ";
	n = 2;
	text_trim(&s, &n);
	assert_int_equal(n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(utf8_cases),
		cmocka_unit_test(utf8_against_iconv),
		cmocka_unit_test(utf8_prefix_and_cut),
		cmocka_unit_test(controls),
		cmocka_unit_test(quote),
		cmocka_unit_test(percent),
		cmocka_unit_test(trim),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
