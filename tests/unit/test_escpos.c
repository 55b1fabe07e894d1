/* The ESC/POS encoder, byte for byte. The expected bytes are written out
 * from Epson's ESC/POS command reference (ESC @ 1B 40, FS . 1C 2E, ESC t n
 * 1B 74 n, ESC a n 1B 61 n, ESC E n 1B 45 n, GS ! n 1D 21 n, GS ( k 1D 28
 * 6B, GS V m n 1D 56 m n) and the CP852 / CP1250 tables, not copied from
 * the encoder's output. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escpos.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The first bytes of every document, for CP852 as Epson numbers it. */
#define INIT_852 0x1b, 0x40, 0x1c, 0x2e, 0x1b, 0x74, 0x12

static const struct escpos_config cp852_32 = {
	.codepage = CODEPAGE_CP852,
	.codepage_number = 18,
	.columns = 32,
};

static void dump(const char *what, const uint8_t *p, size_t n)
{
	fprintf(stderr, "%s (%zu bytes):", what, n);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, " %02x", p[i]);
	fprintf(stderr, "\n");
}

static void check_bytes(const uint8_t *got, size_t got_len, const uint8_t *want,
			size_t want_len)
{
	if (got_len != want_len || memcmp(got, want, want_len) != 0) {
		dump("expected", want, want_len);
		dump("got     ", got, got_len);
		fail_msg("bytes differ");
	}
}

static void encode_cfg(const struct escpos_config *cfg,
		       const struct escpos_item *items, size_t count,
		       const uint8_t *want, size_t want_len)
{
	struct escpos_buf out;

	escpos_buf_init(&out);
	assert_int_equal(escpos_encode(cfg, items, count, &out), 0);
	check_bytes(out.data, out.len, want, want_len);
	escpos_buf_free(&out);
}

#define EXPECT(cfg, items, ...)                                  \
	do {                                                     \
		static const uint8_t want_[] = {__VA_ARGS__};    \
		encode_cfg(cfg, items, ARRAY_SIZE(items), want_, \
			   sizeof(want_));                       \
	} while (0)

/* Expected bytes as a string literal, for documents with much text. */
#define EXPECT_STR(cfg, items, str)                                       \
	encode_cfg(cfg, items, ARRAY_SIZE(items), (const uint8_t *)(str), \
		   sizeof(str) - 1)

static void empty_document_is_init_and_code_page(void **state)
{
	struct escpos_buf out;

	(void)state;
	escpos_buf_init(&out);
	assert_int_equal(escpos_encode(&cp852_32, NULL, 0, &out), 0);
	check_bytes(out.data, out.len, (const uint8_t[]){INIT_852}, 7);
	escpos_buf_free(&out);
}

static void code_page_number_from_config(void **state)
{
	static const struct escpos_config epson1250 = {
		.codepage = CODEPAGE_CP1250,
		.codepage_number = 45,
		.columns = 42,
	};
	static const struct escpos_config clone1250 = {
		.codepage = CODEPAGE_CP1250,
		.codepage_number = 72,
		.columns = 48,
	};
	/* clang-format off */
	static const struct escpos_item s_comma[] = {
		{.type = ESCPOS_TEXT, .text = "ș"},
	};
	/* clang-format on */

	(void)state;
	/* ş is 0xBA in CP1250. */
	/* clang-format off */
	EXPECT(&epson1250, s_comma, 0x1b, 0x40, 0x1c, 0x2e, 0x1b, 0x74, 45, 0xba,
	       0x0a);
	/* clang-format on */
	/* clang-format off */
	EXPECT(&clone1250, s_comma, 0x1b, 0x40, 0x1c, 0x2e, 0x1b, 0x74, 72, 0xba,
	       0x0a);
	/* clang-format on */
}

static void plain_line(void **state)
{
	/* clang-format off */
	static const struct escpos_item doc[] = {
		{.type = ESCPOS_TEXT, .text = "Bonomat"},
	};
	/* clang-format on */

	(void)state;
	/* clang-format off */
	EXPECT(&cp852_32, doc, INIT_852, 'B', 'o', 'n', 'o', 'm', 'a', 't',
	       0x0a);
	/* clang-format on */
}

static void alignment_only_when_it_changes(void **state)
{
	/* clang-format off */
	static const struct escpos_item doc[] = {
		{.type = ESCPOS_TEXT, .text = "L"},
		{.type = ESCPOS_TEXT, .text = "C", .align = ESCPOS_CENTER},
		{.type = ESCPOS_TEXT, .text = "C", .align = ESCPOS_CENTER},
		{.type = ESCPOS_TEXT, .text = "R", .align = ESCPOS_RIGHT},
		{.type = ESCPOS_TEXT, .text = "L"},
	};
	/* clang-format on */

	(void)state;
	/* clang-format off */
	EXPECT(&cp852_32, doc, INIT_852,
	       'L', 0x0a,
	       0x1b, 0x61, 0x01, 'C', 0x0a,
	       'C', 0x0a,
	       0x1b, 0x61, 0x02, 'R', 0x0a,
	       0x1b, 0x61, 0x00, 'L', 0x0a);
	/* clang-format on */
}

static void bold_and_size_set_and_reset_per_line(void **state)
{
	/* clang-format off */
	static const struct escpos_item doc[] = {
		{.type = ESCPOS_TEXT, .text = "A012", .align = ESCPOS_CENTER,
		 .bold = true, .width = 2, .height = 2},
		{.type = ESCPOS_TEXT, .text = "b", .bold = true},
		{.type = ESCPOS_TEXT, .text = "w", .width = 8, .height = 1},
		{.type = ESCPOS_TEXT, .text = "h", .width = 1, .height = 8},
		{.type = ESCPOS_TEXT, .text = "x", .width = 3, .height = 5},
	};
	/* clang-format on */

	(void)state;
	/* clang-format off */
	EXPECT(&cp852_32, doc, INIT_852,
	       0x1b, 0x61, 0x01, 0x1b, 0x45, 0x01, 0x1d, 0x21, 0x11,
	       'A', '0', '1', '2', 0x1b, 0x45, 0x00, 0x1d, 0x21, 0x00, 0x0a,
	       0x1b, 0x61, 0x00, 0x1b, 0x45, 0x01, 'b', 0x1b, 0x45, 0x00,
	       0x0a,
	       0x1d, 0x21, 0x70, 'w', 0x1d, 0x21, 0x00, 0x0a,
	       0x1d, 0x21, 0x07, 'h', 0x1d, 0x21, 0x00, 0x0a,
	       0x1d, 0x21, 0x24, 'x', 0x1d, 0x21, 0x00, 0x0a);
	/* clang-format on */
}

static void romanian_in_cp852(void **state)
{
	/* clang-format off */
	static const struct escpos_item doc[] = {
		{.type = ESCPOS_TEXT, .text = "Taxe și impozite"},
		{.type = ESCPOS_TEXT, .text = "ăâîșțĂÂÎȘȚ"},
		/* The cedilla forms too. */
		{.type = ESCPOS_TEXT, .text = "şţŞŢ"},
	};
	/* clang-format on */

	(void)state;
	/* clang-format off */
	EXPECT(&cp852_32, doc, INIT_852,
	       'T', 'a', 'x', 'e', ' ', 0xad, 'i', ' ', 'i', 'm', 'p',
	       'o', 'z', 'i', 't', 'e', 0x0a,
	       0xc7, 0x83, 0x8c, 0xad, 0xee, 0xc6, 0xb6, 0xd7, 0xb8, 0xdd,
	       0x0a,
	       0xad, 0xee, 0xb8, 0xdd, 0x0a);
	/* clang-format on */
}

static void romanian_in_cp1250(void **state)
{
	static const struct escpos_config cfg = {
		.codepage = CODEPAGE_CP1250,
		.codepage_number = 45,
		.columns = 32,
	};
	/* clang-format off */
	static const struct escpos_item doc[] = {
		{.type = ESCPOS_TEXT, .text = "ăâîșțĂÂÎȘȚ"},
	};
	/* clang-format on */

	(void)state;
	/* clang-format off */
	EXPECT(&cfg, doc, 0x1b, 0x40, 0x1c, 0x2e, 0x1b, 0x74, 0x2d,
	       0xe3, 0xe2, 0xee, 0xba, 0xfe, 0xc3, 0xc2, 0xce, 0xaa, 0xde,
	       0x0a);
	/* clang-format on */
}

static void typography_folds_to_ascii(void **state)
{
	static const struct escpos_config cfg1250 = {
		.codepage = CODEPAGE_CP1250,
		.codepage_number = 45,
		.columns = 48,
	};
	/* clang-format off */
	static const struct escpos_item doc[] = {
		{.type = ESCPOS_TEXT,
		 .text = "„Da” – ‘nu’ — «x» 3\u00a0€…"},
	};
	/* clang-format on */

	(void)state;
	/* € is "EUR" in CP852 and 0x80 in CP1250; the rest is the same. */
	/* clang-format off */
	EXPECT_STR(&cp852_32, doc, "\x1b\x40\x1c\x2e\x1b\x74\x12"
		   "\"Da\" - 'nu' - \"x\" 3 EUR...\n");
	/* clang-format on */
	/* clang-format off */
	EXPECT_STR(&cfg1250, doc, "\x1b\x40\x1c\x2e\x1b\x74\x2d"
		   "\"Da\" - 'nu' - \"x\" 3 \x80...\n");
	/* clang-format on */
}

static void unmappable_and_invalid_become_underscore(void **state)
{
	/* clang-format off */
	static const struct escpos_item doc[] = {
		/* Cyrillic, an emoji (one per character) */
		{.type = ESCPOS_TEXT, .text = "Да 🙂!"},
		/* Each byte of invalid UTF-8: a stray continuation, a lone
		 * lead, a truncated sequence, an overlong '/', a surrogate. */
		{.type = ESCPOS_TEXT,
		 .text = "\x80|\xff|\xe2\x82|\xc0\xaf|\xed\xa0\x80"},
		/* Control characters never reach the printer: ESC @ and
		 * GS V inside text would reset it or cut the paper. */
		{.type = ESCPOS_TEXT, .text = "a\x1b@b\x1dV\x01\x7f\r"},
	};
	/* clang-format on */

	(void)state;
	/* clang-format off */
	EXPECT_STR(&cp852_32, doc, "\x1b\x40\x1c\x2e\x1b\x74\x12"
		   "__ _!\n"
		   "_|_|__|__|___\n"
		   "a_@b_V___\n");
	/* clang-format on */
}

static void tab_newline_and_empty_lines(void **state)
{
	/* clang-format off */
	static const struct escpos_item doc[] = {
		{.type = ESCPOS_TEXT, .text = "a\tb"},
		{.type = ESCPOS_TEXT, .text = ""},
		{.type = ESCPOS_TEXT, .text = "c\n\nd", .bold = true},
		{.type = ESCPOS_TEXT, .text = "  indented   "},
	};
	/* clang-format on */

	(void)state;
	/* An empty line is a bare LF, without style; trailing spaces go,
	 * leading ones stay. */
	/* clang-format off */
	EXPECT(&cp852_32, doc, INIT_852,
	       'a', ' ', 'b', 0x0a,
	       0x0a,
	       0x1b, 0x45, 0x01, 'c', 0x1b, 0x45, 0x00, 0x0a,
	       0x0a,
	       0x1b, 0x45, 0x01, 'd', 0x1b, 0x45, 0x00, 0x0a,
	       ' ', ' ', 'i', 'n', 'd', 'e', 'n', 't', 'e', 'd', 0x0a);
	/* clang-format on */
}

static void wraps_at_words_keeping_alignment(void **state)
{
	/* clang-format off */
	static const struct escpos_item doc[] = {
		{.type = ESCPOS_TEXT,
		 .text = "Primăria Sectorului 1 — Biroul Cetățeanului",
		 .align = ESCPOS_CENTER, .bold = true},
	};
	/* clang-format on */

	(void)state;
	/* 30 characters, then the next word would make 43. */
	/* clang-format off */
	EXPECT_STR(&cp852_32, doc, "\x1b\x40\x1c\x2e\x1b\x74\x12"
		   "\x1b\x61\x01"
		   "\x1b\x45\x01" "Prim\xc7" "ria Sectorului 1 - Biroul"
		   "\x1b\x45\x00" "\n"
		   "\x1b\x45\x01" "Cet\xc7\xee" "eanului" "\x1b\x45\x00" "\n");
	/* clang-format on */
}

static void wraps_at_columns_divided_by_width(void **state)
{
	/* clang-format off */
	static const struct escpos_item doc[] = {
		/* 32 / 2 = 16 characters: "Taxe şi impozite" is exactly 16. */
		{.type = ESCPOS_TEXT, .text = "Taxe și impozite locale",
		 .width = 2, .height = 1},
		/* 32 / 4 = 8: a longer word starts its own line and is cut. */
		{.type = ESCPOS_TEXT, .text = "ab ABCDEFGHIJ", .width = 4,
		 .height = 4},
	};
	/* clang-format on */

	(void)state;
	/* clang-format off */
	EXPECT_STR(&cp852_32, doc, "\x1b\x40\x1c\x2e\x1b\x74\x12"
		   "\x1d\x21\x10" "Taxe \xadi impozite" "\x1d\x21\x00" "\n"
		   "\x1d\x21\x10" "locale" "\x1d\x21\x00" "\n"
		   "\x1d\x21\x33" "ab" "\x1d\x21\x00" "\n"
		   "\x1d\x21\x33" "ABCDEFGH" "\x1d\x21\x00" "\n"
		   "\x1d\x21\x33" "IJ" "\x1d\x21\x00" "\n");
	/* clang-format on */
}

static void feed_qr_and_cut(void **state)
{
	/* clang-format off */
	static const struct escpos_item doc[] = {
		{.type = ESCPOS_FEED, .lines = 3},
		{.type = ESCPOS_QR, .text = "https://x.ro/s/A012",
		 .align = ESCPOS_CENTER, .module = 5, .level = ESCPOS_QR_M},
		{.type = ESCPOS_TEXT, .text = "x"},
		{.type = ESCPOS_QR, .text = "1", .module = 16,
		 .level = ESCPOS_QR_H},
		{.type = ESCPOS_CUT},
		{.type = ESCPOS_CUT, .feed = 3, .full = true},
	};
	/* clang-format on */

	(void)state;
	/* clang-format off */
	EXPECT(&cp852_32, doc, INIT_852,
	       0x0a, 0x0a, 0x0a,
	       0x1b, 0x61, 0x01,
	       /* model 2 */
	       0x1d, 0x28, 0x6b, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00,
	       /* module size 5 */
	       0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x43, 0x05,
	       /* error level M = 49 */
	       0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x45, 0x31,
	       /* store 19 bytes: pL = 19 + 3 = 0x16 */
	       0x1d, 0x28, 0x6b, 0x16, 0x00, 0x31, 0x50, 0x30,
	       'h', 't', 't', 'p', 's', ':', '/', '/', 'x', '.', 'r', 'o',
	       '/', 's', '/', 'A', '0', '1', '2',
	       /* print */
	       0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x51, 0x30,
	       0x0a,
	       0x1b, 0x61, 0x00, 'x', 0x0a,
	       0x1d, 0x28, 0x6b, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00,
	       0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x43, 0x10,
	       0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x45, 0x33,
	       0x1d, 0x28, 0x6b, 0x04, 0x00, 0x31, 0x50, 0x30, '1',
	       0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x51, 0x30,
	       0x0a,
	       /* partial cut after feeding to the cutter, then full + 3 */
	       0x1d, 0x56, 0x42, 0x00,
	       0x1d, 0x56, 0x41, 0x03);
	/* clang-format on */
}

static void qr_length_takes_two_bytes(void **state)
{
	char data[301];
	struct escpos_item doc[1] = {
		{.type = ESCPOS_QR,
		 .text = data,
		 .module = 1,
		 .level = ESCPOS_QR_L},
	};
	struct escpos_buf out;
	/* 300 bytes of data + 3 = 303 = 0x012F */
	static const uint8_t store[] = {0x1d, 0x28, 0x6b, 0x2f,
					0x01, 0x31, 0x50, 0x30};
	static const uint8_t level[] = {0x1d, 0x28, 0x6b, 0x03,
					0x00, 0x31, 0x45, 0x30};

	(void)state;
	memset(data, 'Q', 300);
	data[300] = '\0';
	escpos_buf_init(&out);
	assert_int_equal(escpos_encode(&cp852_32, doc, 1, &out), 0);
	/* init 7, model 9, size 8, level 8, store 8 + 300, print 8, LF */
	assert_int_equal(out.len, 7 + 9 + 8 + 8 + 8 + 300 + 8 + 1);
	check_bytes(out.data + 7 + 9 + 8, 8, level, sizeof(level));
	check_bytes(out.data + 7 + 9 + 8 + 8, 8, store, sizeof(store));
	escpos_buf_free(&out);
}

struct bad_item {
	struct escpos_item item;
	int error;
};

static void invalid_items_are_refused(void **state)
{
	static char long_text[ESCPOS_TEXT_MAX + 2];
	static char long_qr[ESCPOS_QR_MAX + 2];
	/* clang-format off */
	const struct bad_item cases[] = {
		{{.type = ESCPOS_TEXT}, -EINVAL},
		{{.type = ESCPOS_TEXT, .text = "x", .width = 9}, -EINVAL},
		{{.type = ESCPOS_TEXT, .text = "x", .height = 9}, -EINVAL},
		{{.type = ESCPOS_TEXT, .text = "x", .align = 3}, -EINVAL},
		{{.type = ESCPOS_TEXT, .text = long_text}, -E2BIG},
		{{.type = ESCPOS_FEED}, -EINVAL},
		{{.type = ESCPOS_FEED, .lines = 256}, -EINVAL},
		{{.type = ESCPOS_QR, .text = "x"}, -EINVAL},
		{{.type = ESCPOS_QR, .text = "x", .module = 17}, -EINVAL},
		{{.type = ESCPOS_QR, .text = "", .module = 1}, -EINVAL},
		{{.type = ESCPOS_QR, .module = 1}, -EINVAL},
		{{.type = ESCPOS_QR, .text = "x", .module = 1, .level = 4},
		 -EINVAL},
		{{.type = ESCPOS_QR, .text = long_qr, .module = 1}, -E2BIG},
		{{.type = ESCPOS_CUT, .feed = 256}, -EINVAL},
		{{.type = 4}, -EINVAL},
	};
	/* clang-format on */

	(void)state;
	memset(long_text, 'x', ESCPOS_TEXT_MAX + 1);
	memset(long_qr, 'x', ESCPOS_QR_MAX + 1);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct escpos_buf out;
		struct escpos_doc doc;

		escpos_buf_init(&out);
		assert_int_equal(escpos_buf_append(&out, "keep", 4), 0);
		assert_int_equal(
			escpos_encode(&cp852_32, &cases[i].item, 1, &out),
			cases[i].error);
		/* Nothing half-written. */
		assert_int_equal(out.len, 4);
		assert_memory_equal(out.data, "keep", 4);
		escpos_buf_free(&out);

		escpos_doc_init(&doc);
		assert_int_equal(escpos_doc_add(&doc, &cases[i].item),
				 cases[i].error);
		assert_int_equal(doc.count, 0);
		escpos_doc_free(&doc);
	}
	/* The longest text and QR data are fine. */
	long_text[ESCPOS_TEXT_MAX] = '\0';
	long_qr[ESCPOS_QR_MAX] = '\0';
	assert_int_equal(
		escpos_item_check(&(struct escpos_item){.type = ESCPOS_TEXT,
							.text = long_text}),
		0);
	assert_int_equal(
		escpos_item_check(&(struct escpos_item){.type = ESCPOS_QR,
							.text = long_qr,
							.module = 1}),
		0);
}

static void invalid_configs_are_refused(void **state)
{
	/* clang-format off */
	const struct escpos_config cases[] = {
		{.codepage = CODEPAGE_CP852, .codepage_number = 18,
		 .columns = ESCPOS_COLUMNS_MIN - 1},
		{.codepage = CODEPAGE_CP852, .codepage_number = 18,
		 .columns = ESCPOS_COLUMNS_MAX + 1},
		{.codepage = CODEPAGE_CP852, .codepage_number = 256,
		 .columns = 32},
		{.codepage = 2, .codepage_number = 18, .columns = 32},
	};
	/* clang-format on */

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct escpos_buf out;

		escpos_buf_init(&out);
		assert_int_equal(escpos_encode(&cases[i], NULL, 0, &out),
				 -EINVAL);
		assert_int_equal(out.len, 0);
		escpos_buf_free(&out);
	}
}

static void document_owns_copies(void **state)
{
	char text[] = "Ghișeul 1";
	struct escpos_item item = {.type = ESCPOS_TEXT, .text = text};
	struct escpos_doc doc;
	struct escpos_buf out;

	(void)state;
	escpos_doc_init(&doc);
	assert_int_equal(escpos_doc_add(&doc, &item), 0);
	/* The caller's buffer may change or go away. */
	memcpy(text, "XXXXXXXXXX", sizeof(text));
	assert_int_equal(doc.count, 1);
	assert_ptr_not_equal(doc.items[0].text, text);
	assert_string_equal(doc.items[0].text, "Ghișeul 1");

	escpos_buf_init(&out);
	assert_int_equal(escpos_encode(&cp852_32, doc.items, doc.count, &out),
			 0);
	check_bytes(out.data, out.len,
		    (const uint8_t[]){INIT_852, 'G', 'h', 'i', 0xad, 'e', 'u',
				      'l', ' ', '1', 0x0a},
		    17);
	escpos_buf_free(&out);

	for (size_t i = 1; i < ESCPOS_DOC_MAX; i++)
		assert_int_equal(escpos_doc_add(&doc, &item), 0);
	assert_int_equal(escpos_doc_add(&doc, &item), -E2BIG);
	assert_int_equal(doc.count, ESCPOS_DOC_MAX);
	escpos_doc_free(&doc);
	assert_int_equal(doc.count, 0);
	escpos_doc_free(NULL);
}

static void buffer_grows_and_is_bounded(void **state)
{
	struct escpos_buf buf;
	uint8_t chunk[1000];

	(void)state;
	for (size_t i = 0; i < sizeof(chunk); i++)
		chunk[i] = (uint8_t)i;
	escpos_buf_init(&buf);
	for (int i = 0; i < 100; i++)
		assert_int_equal(escpos_buf_append(&buf, chunk, sizeof(chunk)),
				 0);
	assert_int_equal(buf.len, 100000);
	assert_memory_equal(buf.data + 99000, chunk, sizeof(chunk));
	assert_int_equal(escpos_buf_append(&buf, chunk, ESCPOS_BUF_MAX),
			 -E2BIG);
	assert_int_equal(buf.len, 100000);
	escpos_buf_free(&buf);
	assert_null(buf.data);
	assert_int_equal(buf.len, 0);
	escpos_buf_free(NULL);
}

/* Wrapping alone, on mapped bytes: each case lists its lines. */
struct wrap_case {
	const char *text;
	size_t width;
	const char *lines[8];
};

static void wrap_cases(void **state)
{
	/* clang-format off */
	static const struct wrap_case cases[] = {
		{"", 4, {""}},
		{"abcd", 4, {"abcd"}},
		{"abcde", 4, {"abcd", "e"}},
		{"ab cd", 4, {"ab", "cd"}},
		{"ab cd", 5, {"ab cd"}},
		{"ab  cd ef", 6, {"ab  cd", "ef"}},
		{"abcd efgh", 4, {"abcd", "efgh"}},
		{"abcd    efgh", 4, {"abcd", "efgh"}},
		{"ab abcdefghij", 4, {"ab", "abcd", "efgh", "ij"}},
		{"a\nb", 4, {"a", "b"}},
		{"a\n\nb", 4, {"a", "", "b"}},
		{"a\n", 4, {"a", ""}},
		{"abcd \nefgh", 4, {"abcd", "efgh"}},
		{"abcd\nefgh", 4, {"abcd", "efgh"}},
		{"  ab", 4, {"  ab"}},
		{"ab   ", 4, {"ab"}},
		{"abcd   ", 4, {"abcd"}},
		{"x", 1, {"x"}},
		{"x y", 1, {"x", "y"}},
		{"xy z", 1, {"x", "y", "z"}},
	};
	/* clang-format on */

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct wrap_case *c = &cases[i];
		const uint8_t *text = (const uint8_t *)c->text;
		struct escpos_wrap w;
		size_t off, len, n = 0;

		escpos_wrap_init(&w, text, strlen(c->text), c->width);
		while (escpos_wrap_next(&w, &off, &len)) {
			assert_true(n < ARRAY_SIZE(c->lines));
			if (!c->lines[n] || strlen(c->lines[n]) != len ||
			    memcmp(c->lines[n], text + off, len) != 0)
				fail_msg("\"%s\" at %zu, line %zu: \"%.*s\"",
					 c->text, c->width, n, (int)len,
					 c->text + off);
			n++;
		}
		if (n < ARRAY_SIZE(c->lines) && c->lines[n])
			fail_msg("\"%s\" at %zu: only %zu lines", c->text,
				 c->width, n);
		assert_false(escpos_wrap_next(&w, &off, &len));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_document_is_init_and_code_page),
		cmocka_unit_test(code_page_number_from_config),
		cmocka_unit_test(plain_line),
		cmocka_unit_test(alignment_only_when_it_changes),
		cmocka_unit_test(bold_and_size_set_and_reset_per_line),
		cmocka_unit_test(romanian_in_cp852),
		cmocka_unit_test(romanian_in_cp1250),
		cmocka_unit_test(typography_folds_to_ascii),
		cmocka_unit_test(unmappable_and_invalid_become_underscore),
		cmocka_unit_test(tab_newline_and_empty_lines),
		cmocka_unit_test(wraps_at_words_keeping_alignment),
		cmocka_unit_test(wraps_at_columns_divided_by_width),
		cmocka_unit_test(feed_qr_and_cut),
		cmocka_unit_test(qr_length_takes_two_bytes),
		cmocka_unit_test(invalid_items_are_refused),
		cmocka_unit_test(invalid_configs_are_refused),
		cmocka_unit_test(document_owns_copies),
		cmocka_unit_test(buffer_grows_and_is_bounded),
		cmocka_unit_test(wrap_cases),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
