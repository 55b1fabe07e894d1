/* The code page mapping: the tables against glibc's iconv, the facts of
 * TESTING.md, the documented folds, the substitute, and strict UTF-8. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <iconv.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "codepage.h"
#include "text.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	enum codepage page;
	const char *iconv_name;
} pages[] = {
	{CODEPAGE_CP852, "CP852"},
	{CODEPAGE_CP1250, "CP1250"},
};

static size_t utf8_encode(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* iconv's byte for code point cp in the code page, -1 when it has none. */
static int iconv_byte(iconv_t cd, uint32_t cp)
{
	char in[4], out[8];
	char *ip = in, *op = out;
	size_t il = utf8_encode(cp, in), ol = sizeof(out);

	(void)iconv(cd, NULL, NULL, NULL, NULL);
	if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 || op - out != 1)
		return -1;
	return (uint8_t)out[0];
}

/* iconv's code point for byte b, 0 when the code page leaves it out. */
static uint32_t iconv_char(iconv_t cd, uint8_t b)
{
	char in[1] = {(char)b}, out[8];
	char *ip = in, *op = out;
	size_t il = 1, ol = sizeof(out);
	uint32_t cp;
	size_t n;

	(void)iconv(cd, NULL, NULL, NULL, NULL);
	if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1)
		return 0;
	n = text_utf8_next((const uint8_t *)out, (size_t)(op - out), &cp);
	assert_int_equal(n, (size_t)(op - out));
	return cp;
}

static void tables_match_iconv(void **state)
{
	(void)state;
	for (size_t p = 0; p < ARRAY_SIZE(pages); p++) {
		iconv_t to_utf8 = iconv_open("UTF-8", pages[p].iconv_name);

		assert_true(to_utf8 != (iconv_t)-1);
		for (unsigned b = 0x80; b <= 0xff; b++) {
			uint32_t want = iconv_char(to_utf8, (uint8_t)b);
			uint32_t got =
				codepage_to_unicode(pages[p].page, (uint8_t)b);

			if (want != got)
				fail_msg("%s byte %02x: iconv U+%04X, table "
					 "U+%04X",
					 pages[p].iconv_name, b, want, got);
		}
		iconv_close(to_utf8);
	}
}

/* What the mapping does on purpose where the code page has the character:
 * the folds of codepage.h that apply before the page is consulted. */
static bool folded_on_purpose(uint32_t cp)
{
	/* clang-format off */
	static const uint32_t folded[] = {
		0x00a0, 0x00ab, 0x00ad, 0x00bb, 0x2013, 0x2014, 0x2018,
		0x2019, 0x201a, 0x201c, 0x201d, 0x201e, 0x2026, 0x2039,
		0x203a,
	};
	/* clang-format on */

	for (size_t i = 0; i < ARRAY_SIZE(folded); i++)
		if (folded[i] == cp)
			return true;
	return false;
}

/* Every character that iconv puts in a code page prints as iconv's byte,
 * but for the documented folds; every other character prints as ASCII
 * (a fold or the substitute), or as ş ţ Ş Ţ for ș ț Ș Ț. */
static void every_character_as_iconv_says(void **state)
{
	(void)state;
	for (size_t p = 0; p < ARRAY_SIZE(pages); p++) {
		iconv_t to_page = iconv_open(pages[p].iconv_name, "UTF-8");
		unsigned in_page = 0;

		assert_true(to_page != (iconv_t)-1);
		for (uint32_t cp = 0x80; cp < 0x10000; cp++) {
			uint8_t out[CODEPAGE_MAX_BYTES];
			size_t n;
			int want;

			if (cp >= 0xd800 && cp <= 0xdfff)
				continue;
			want = iconv_byte(to_page, cp);
			n = codepage_map(pages[p].page, cp, out);
			if (want >= 0x80 && !folded_on_purpose(cp)) {
				in_page++;
				if (n != 1 || out[0] != want)
					fail_msg("%s U+%04X: want %02x",
						 pages[p].iconv_name, cp, want);
				continue;
			}
			if (cp >= 0x0218 && cp <= 0x021b)
				continue;
			for (size_t i = 0; i < n; i++)
				if (out[i] < 0x20 || out[i] >= 0x7f)
					fail_msg("%s U+%04X: byte %02x",
						 pages[p].iconv_name, cp,
						 out[i]);
		}
		/* CP852 has 128 characters above 0x7F and folds 4 of them;
		 * CP1250 has 123 and folds 15. */
		assert_int_equal(in_page, p == 0 ? 128 - 4 : 123 - 15);
		iconv_close(to_page);
	}
}

static void testing_md_facts(void **state)
{
	/* clang-format off */
	static const struct {
		const char *utf8;
		uint8_t cp852, cp1250;
	} facts[] = {
		{"ş", 0xad, 0xba}, {"Ş", 0xb8, 0xaa}, {"ţ", 0xee, 0xfe},
		{"Ţ", 0xdd, 0xde}, {"ă", 0xc7, 0xe3}, {"Ă", 0xc6, 0xc3},
		{"â", 0x83, 0xe2}, {"Â", 0xb6, 0xc2}, {"î", 0x8c, 0xee},
		{"Î", 0xd7, 0xce},
		/* Comma below prints as cedilla. */
		{"ș", 0xad, 0xba}, {"Ș", 0xb8, 0xaa}, {"ț", 0xee, 0xfe},
		{"Ț", 0xdd, 0xde},
	};
	/* clang-format on */

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(facts); i++) {
		size_t len = strlen(facts[i].utf8), n = 0;
		uint8_t out[4];

		assert_int_equal(codepage_convert(CODEPAGE_CP852, facts[i].utf8,
						  len, out, sizeof(out), &n),
				 0);
		assert_int_equal(n, 1);
		assert_int_equal(out[0], facts[i].cp852);
		assert_int_equal(codepage_convert(CODEPAGE_CP1250,
						  facts[i].utf8, len, out,
						  sizeof(out), &n),
				 0);
		assert_int_equal(n, 1);
		assert_int_equal(out[0], facts[i].cp1250);
	}
}

struct conversion {
	const char *in;
	const char *cp852;
	const char *cp1250;
};

static void check_conversions(const struct conversion *c, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		const char *want[2] = {c[i].cp852, c[i].cp1250};

		for (size_t p = 0; p < 2; p++) {
			uint8_t out[64];
			size_t n = 0;

			assert_int_equal(codepage_convert(pages[p].page,
							  c[i].in,
							  strlen(c[i].in), out,
							  sizeof(out), &n),
					 0);
			if (n != strlen(want[p]) ||
			    memcmp(out, want[p], n) != 0)
				fail_msg("%s \"%s\": got \"%.*s\"",
					 pages[p].iconv_name, c[i].in, (int)n,
					 (const char *)out);
		}
	}
}

static void folds(void **state)
{
	/* clang-format off */
	static const struct conversion cases[] = {
		{"„citat” “x” «y» ‹z›", "\"citat\" \"x\" \"y\" 'z'",
		 "\"citat\" \"x\" \"y\" 'z'"},
		{"‘a’ ‚b‛ 5′ 6″", "'a' 'b' 5' 6\"", "'a' 'b' 5' 6\""},
		{"a–b—c‐d‑e−f", "a-b-c-d-e-f", "a-b-c-d-e-f"},
		{"…", "...", "..."},
		{"a\u00a0b\u202fc\u2009d", "a b c d", "a b c d"},
		{"soft\u00adhyphen\u200bzero\ufeff", "softhyphenzero",
		 "softhyphenzero"},
		{"10 €", "10 EUR", "10 \x80"},
		{"™", "TM", "\x99"},
		/* Letters a page lacks become their base letter. */
		{"è à ñ ø å", "e a n o a", "e a n o a"},
		{"Æsir œuvre", "AEsir oeuvre", "AEsir oeuvre"},
		{"ế ạ ơ", "e a o", "e a o"},
		/* And the ones it has stay. */
		{"é ő ł ž", "\x82 \x8b \x88 \xa7", "\xe9 \xf5 \xb3 \x9e"},
		{"\t", " ", " "},
		{"\n", "\n", "\n"},
		{"", "", ""},
	};
	/* clang-format on */

	(void)state;
	check_conversions(cases, ARRAY_SIZE(cases));
}

static void substitute(void **state)
{
	/* clang-format off */
	static const struct conversion cases[] = {
		{"Привет", "______", "______"},
		{"東京", "__", "__"},
		{"🙂👍🏽", "___", "___"},
		/* ZWJ sequences: the joiner itself is zero-width. */
		{"👩\u200d💻", "__", "__"},
		{"\x1b@\x1d" "V\x10\x04", "_@_V__", "_@_V__"},
		{"\xc2\x80\xc2\x9f", "__", "__"}, /* C1 controls */
	};
	/* clang-format on */
	uint8_t out[8];
	size_t n = 0;

	(void)state;
	check_conversions(cases, ARRAY_SIZE(cases));
	/* NUL, DEL and CR are data like any other byte. */
	assert_int_equal(codepage_convert(CODEPAGE_CP852, "\x7f\r\0x", 4, out,
					  sizeof(out), &n),
			 0);
	assert_int_equal(n, 4);
	assert_memory_equal(out, "___x", 4);
}

static void invalid_utf8_one_substitute_per_byte(void **state)
{
	/* clang-format off */
	static const struct conversion cases[] = {
		{"\x80", "_", "_"},
		{"\xbf\x80", "__", "__"},
		{"\xc0\x80", "__", "__"},         /* overlong NUL */
		{"\xc1\xbf", "__", "__"},         /* overlong */
		{"\xe0\x80\xaf", "___", "___"},   /* overlong '/' */
		{"\xf0\x80\x80\xaf", "____", "____"},
		{"\xed\xa0\x80", "___", "___"},   /* surrogate */
		{"\xf4\x90\x80\x80", "____", "____"}, /* past U+10FFFF */
		{"\xf5\x80\x80\x80", "____", "____"},
		{"\xfe\xff", "__", "__"},
		{"\xe2\x82", "__", "__"},         /* truncated € */
		{"\xe2\x82x", "__x", "__x"},
		{"\xc3", "_", "_"},
		{"a\xc3\xa9\xc3", "a\x82_", "a\xe9_"},
		{"\xf0\x9f\x99", "___", "___"},
	};
	/* clang-format on */

	(void)state;
	check_conversions(cases, ARRAY_SIZE(cases));
}

static void utf8_decoder(void **state)
{
	/* clang-format off */
	static const struct {
		const char *in;
		size_t len;
		uint32_t cp;
	} cases[] = {
		{"A", 1, 'A'},
		{"\x7f", 1, 0x7f},
		{"\xc2\x80", 2, 0x80},
		{"\xdf\xbf", 2, 0x7ff},
		{"\xe0\xa0\x80", 3, 0x800},
		{"\xef\xbf\xbf", 3, 0xffff},
		{"\xed\x9f\xbf", 3, 0xd7ff},
		{"\xee\x80\x80", 3, 0xe000},
		{"\xf0\x90\x80\x80", 4, 0x10000},
		{"\xf4\x8f\xbf\xbf", 4, 0x10ffff},
		{"\xc0\x80", 1, TEXT_INVALID},
		{"\xe0\x9f\xbf", 1, TEXT_INVALID},
		{"\xf0\x8f\xbf\xbf", 1, TEXT_INVALID},
		{"\xed\xbf\xbf", 1, TEXT_INVALID},
		{"\xf4\x90\x80\x80", 1, TEXT_INVALID},
		{"\xc3(", 1, TEXT_INVALID},
	};
	/* clang-format on */

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint32_t cp = 0;
		size_t n = text_utf8_next((const uint8_t *)cases[i].in,
					      strlen(cases[i].in), &cp);

		assert_int_equal(n, cases[i].len);
		assert_int_equal(cp, cases[i].cp);
	}
}

static void decomposed_text_composes(void **state)
{
	/* clang-format off */
	static const struct conversion cases[] = {
		/* s + comma below, t + comma below, S + cedilla */
		{"s\xcc\xa6t\xcc\xa6S\xcc\xa7", "\xad\xee\xb8", "\xba\xfe\xaa"},
		/* a + breve, a + circumflex, I + circumflex */
		{"a\xcc\x86" "a\xcc\x82I\xcc\x82", "\xc7\x83\xd7",
		 "\xe3\xe2\xce"},
		/* A mark without a composed form is dropped. */
		{"x\xcc\x81", "x", "x"},
		{"e\xcc\x80", "e", "e"},
		{"\xcc\x81" "a", "a", "a"},
		/* Only the first mark composes. */
		{"a\xcc\x86\xcc\x81", "\xc7", "\xe3"},
		/* A variation selector is a zero-width mark too. */
		{"\xe2\x9c\x93\xef\xb8\x8f", "_", "_"},
	};
	/* clang-format on */

	(void)state;
	check_conversions(cases, ARRAY_SIZE(cases));
}

/* The guarantees of codepage_convert(): no output longer than the UTF-8
 * of its character, and no byte a printer would take for a command. */
static void never_longer_never_control(void **state)
{
	(void)state;
	for (size_t p = 0; p < ARRAY_SIZE(pages); p++) {
		for (uint32_t cp = 0; cp <= 0x10ffff; cp++) {
			uint8_t out[CODEPAGE_MAX_BYTES];
			char utf8[4];
			size_t n = codepage_map(pages[p].page, cp, out);

			if (n > utf8_encode(cp, utf8))
				fail_msg("U+%04X: %zu bytes", cp, n);
			for (size_t i = 0; i < n; i++) {
				if (out[i] == '\n' && cp == '\n')
					continue;
				if (out[i] < 0x20 || out[i] == 0x7f ||
				    (out[i] >= 0x80 &&
				     !codepage_to_unicode(pages[p].page,
							  out[i])))
					fail_msg("U+%04X: byte %02x", cp,
						 out[i]);
			}
		}
	}
}

static void output_buffer_too_small(void **state)
{
	uint8_t out[4];
	size_t n = 99;

	(void)state;
	assert_int_equal(codepage_convert(CODEPAGE_CP852, "…", 3, out, 2, &n),
			 -ENOBUFS);
	assert_int_equal(n, 99);
	/* The input length always suffices. */
	assert_int_equal(codepage_convert(CODEPAGE_CP852, "…", 3, out, 3, &n),
			 0);
	assert_int_equal(n, 3);
	assert_int_equal(codepage_convert(CODEPAGE_CP852, "abcde", 5, out,
					  sizeof(out), &n),
			 -ENOBUFS);
}

static void names_and_numbers(void **state)
{
	enum codepage page = CODEPAGE_CP852;

	(void)state;
	assert_int_equal(codepage_from_name("cp1250", &page), 0);
	assert_int_equal(page, CODEPAGE_CP1250);
	assert_int_equal(codepage_from_name("cp852", &page), 0);
	assert_int_equal(page, CODEPAGE_CP852);
	assert_int_equal(codepage_from_name("CP852", &page), -EINVAL);
	assert_int_equal(codepage_from_name("cp437", &page), -EINVAL);
	assert_int_equal(codepage_from_name(NULL, &page), -EINVAL);
	assert_string_equal(codepage_name(CODEPAGE_CP852), "cp852");
	assert_string_equal(codepage_name(CODEPAGE_CP1250), "cp1250");
	assert_int_equal(codepage_epson_number(CODEPAGE_CP852), 18);
	assert_int_equal(codepage_epson_number(CODEPAGE_CP1250), 45);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tables_match_iconv),
		cmocka_unit_test(every_character_as_iconv_says),
		cmocka_unit_test(testing_md_facts),
		cmocka_unit_test(folds),
		cmocka_unit_test(substitute),
		cmocka_unit_test(invalid_utf8_one_substitute_per_byte),
		cmocka_unit_test(utf8_decoder),
		cmocka_unit_test(decomposed_text_composes),
		cmocka_unit_test(never_longer_never_control),
		cmocka_unit_test(output_buffer_too_small),
		cmocka_unit_test(names_and_numbers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
