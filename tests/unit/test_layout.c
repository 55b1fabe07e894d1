/* The ticket layout: whole tickets byte for byte on 58 mm (32 columns,
 * CP852) and 80 mm (48 columns, CP1250 on a clone), the number's size and
 * the Romanian plural. Expected bytes are written out by hand: ESC/POS
 * commands in hex, text with its code page bytes (CP852: ă C7, ş AD,
 * ţ EE, â 83, Î D7; CP1250: ă E3, ş BA, ţ FE, Î CE). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ticket_layout.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define RULE32 "--------------------------------"
#define RULE48 RULE32 "----------------"

static const struct layout_ticket sample = {
	.office_name = "Primăria Sectorului 1 — Biroul Cetățeanului",
	.office_address = "Str. Mureș nr. 18–24, parter",
	.number = "A012",
	.service_name = "Taxe și impozite locale",
	.kind_label = LAYOUT_KIND_APPOINTMENT,
	.people_ahead = 3,
	.wait_minutes = 12,
	.datetime = "03.12.2026 09:15",
	.footer = "Programări online: programare.primariasector1.ro",
	.qr_url = "https://programare.primariasector1.ro/t/A012",
};

static void dump(const char *what, const uint8_t *p, size_t n)
{
	fprintf(stderr, "%s (%zu bytes):", what, n);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, " %02x", p[i]);
	fprintf(stderr, "\n");
}

static void expect_ticket(const struct layout_ticket *t,
			  const struct escpos_config *cfg, const char *want,
			  size_t want_len)
{
	struct escpos_doc doc;
	struct escpos_buf out;

	assert_int_equal(layout_ticket(t, cfg->columns, &doc), 0);
	escpos_buf_init(&out);
	assert_int_equal(escpos_encode(cfg, doc.items, doc.count, &out), 0);
	if (out.len != want_len || memcmp(out.data, want, want_len) != 0) {
		dump("expected", (const uint8_t *)want, want_len);
		dump("got     ", out.data, out.len);
		fail_msg("ticket bytes differ");
	}
	escpos_buf_free(&out);
	escpos_doc_free(&doc);
}

#define EXPECT_TICKET(t, cfg, str) expect_ticket(t, cfg, str, sizeof(str) - 1)

static void ticket_58mm_cp852(void **state)
{
	static const struct escpos_config cfg = {
		.codepage = CODEPAGE_CP852,
		.codepage_number = 18,
		.columns = 32,
	};

	(void)state;
	/* clang-format off */
	EXPECT_TICKET(&sample, &cfg,
		/* ESC @, FS ., ESC t 18 */
		"\x1b\x40" "\x1c\x2e" "\x1b\x74\x12"
		/* Office: centered, bold, wrapped after 30 of 32 columns. */
		"\x1b\x61\x01"
		"\x1b\x45\x01" "Prim\xc7" "ria Sectorului 1 - Biroul"
		"\x1b\x45\x00" "\n"
		"\x1b\x45\x01" "Cet\xc7\xee" "eanului" "\x1b\x45\x00" "\n"
		"Str. Mure\xad nr. 18-24, parter\n"
		/* Rule, left. */
		"\x1b\x61\x00" RULE32 "\n"
		/* 32 / 4 = 8 columns per character, capped at 6: GS ! 0x55. */
		"\x1b\x61\x01"
		"\x1b\x45\x01" "\x1d\x21\x55" "A012" "\x1b\x45\x00"
		"\x1d\x21\x00" "\n"
		"\x1b\x45\x01" "Taxe \xadi impozite locale" "\x1b\x45\x00" "\n"
		"Programare\n"
		"\n"
		"\xd7" "naintea dvs.: 3 persoane\n"
		/* 34 characters do not fit: the value gets its own line. */
		"Timp estimat de a\xad" "teptare:\n"
		"~12 min\n"
		"03.12.2026 09:15\n"
		"\x1b\x61\x00" RULE32 "\n"
		"\x1b\x61\x01" "Program\xc7" "ri online:\n"
		"programare.primariasector1.ro\n"
		"Urm\xc7" "ri\xee" "i r\x83" "ndul online:\n"
		/* QR model 2, module 5, level M, 44 bytes (pL 47), print. */
		"\x1d\x28\x6b\x04\x00\x31\x41\x32\x00"
		"\x1d\x28\x6b\x03\x00\x31\x43\x05"
		"\x1d\x28\x6b\x03\x00\x31\x45\x31"
		"\x1d\x28\x6b\x2f\x00\x31\x50\x30"
		"https://programare.primariasector1.ro/t/A012"
		"\x1d\x28\x6b\x03\x00\x31\x51\x30" "\n"
		/* Feed to the cutter, partial cut. */
		"\x1d\x56\x42\x00");
	/* clang-format on */
}

static void ticket_80mm_cp1250_clone(void **state)
{
	static const struct escpos_config cfg = {
		.codepage = CODEPAGE_CP1250,
		.codepage_number = 72,
		.columns = 48,
	};
	struct layout_ticket t = sample;

	(void)state;
	t.kind_label = NULL;
	t.people_ahead = 1;
	t.wait_minutes = -1;
	t.qr_url = NULL;
	/* clang-format off */
	EXPECT_TICKET(&t, &cfg,
		"\x1b\x40" "\x1c\x2e" "\x1b\x74\x48"
		/* 43 characters: one line. */
		"\x1b\x61\x01"
		"\x1b\x45\x01" "Prim\xe3" "ria Sectorului 1 - Biroul Cet\xe3\xfe"
		"eanului" "\x1b\x45\x00" "\n"
		"Str. Mure\xba nr. 18-24, parter\n"
		"\x1b\x61\x00" RULE48 "\n"
		"\x1b\x61\x01"
		"\x1b\x45\x01" "\x1d\x21\x55" "A012" "\x1b\x45\x00"
		"\x1d\x21\x00" "\n"
		"\x1b\x45\x01" "Taxe \xbai impozite locale" "\x1b\x45\x00" "\n"
		/* No kind line for a walk-in, no wait when unknown. */
		"\n"
		"\xce" "naintea dvs.: 1 persoan\xe3" "\n"
		"03.12.2026 09:15\n"
		"\x1b\x61\x00" RULE48 "\n"
		/* Exactly 48 characters: one line. */
		"\x1b\x61\x01" "Program\xe3"
		"ri online: programare.primariasector1.ro\n"
		"\x1d\x56\x42\x00");
	/* clang-format on */
}

static void wait_on_one_line_when_it_fits(void **state)
{
	static const struct escpos_config cfg = {
		.codepage = CODEPAGE_CP852,
		.codepage_number = 18,
		.columns = 42,
	};
	const struct layout_ticket t = {
		.number = "P7",
		.people_ahead = -1,
		.wait_minutes = 0,
		.kind_label = LAYOUT_KIND_PRIORITY,
	};

	(void)state;
	/* clang-format off */
	EXPECT_TICKET(&t, &cfg,
		"\x1b\x40" "\x1c\x2e" "\x1b\x74\x12"
		/* Left is the alignment after ESC @: no ESC a yet. */
		"------------------------------------------\n"
		/* 42 / 2 = 21, capped at 6. */
		"\x1b\x61\x01"
		"\x1b\x45\x01" "\x1d\x21\x55" "P7" "\x1b\x45\x00"
		"\x1d\x21\x00" "\n"
		"Prioritar\n"
		"\n"
		"Timp estimat de a\xad" "teptare: ~0 min\n"
		"\x1d\x56\x42\x00");
	/* clang-format on */
}

static void number_size(void **state)
{
	/* clang-format off */
	static const struct {
		const char *number;
		unsigned columns, size;
	} cases[] = {
		{"A012", 32, 6},    /* 8 would fit: capped */
		{"A012", 48, 6},
		{"SC012", 32, 6},
		{"SC0123", 32, 5},
		{"ABCDEFG", 32, 4},
		{"ABCDEFGHIJ", 42, 4},
		{"ABCDEFGHIJ", 48, 4},
		{"ABCDEFGHIJKLMNOPQRSTUVWXYZ", 32, 1},
		{"ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJ", 32, 1},
		/* Counted after mapping: "Ș" is one column, "…" three. */
		{"ȘȘȘȘȘȘȘȘ", 32, 4},
		{"……", 32, 5},
	};
	/* clang-format on */

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		unsigned size =
			layout_number_size(cases[i].number, cases[i].columns);

		if (size != cases[i].size)
			fail_msg("%s on %u columns: %u, want %u",
				 cases[i].number, cases[i].columns, size,
				 cases[i].size);
	}
}

static void people_ahead_in_romanian(void **state)
{
	/* clang-format off */
	static const struct {
		int people;
		const char *text;
	} cases[] = {
		{0, "Înaintea dvs.: 0 persoane"},
		{1, "Înaintea dvs.: 1 persoană"},
		{2, "Înaintea dvs.: 2 persoane"},
		{19, "Înaintea dvs.: 19 persoane"},
		{20, "Înaintea dvs.: 20 de persoane"},
		{21, "Înaintea dvs.: 21 de persoane"},
		{100, "Înaintea dvs.: 100 de persoane"},
		{101, "Înaintea dvs.: 101 persoane"},
		{119, "Înaintea dvs.: 119 persoane"},
		{120, "Înaintea dvs.: 120 de persoane"},
		{1000, "Înaintea dvs.: 1000 de persoane"},
		{1005, "Înaintea dvs.: 1005 persoane"},
	};
	/* clang-format on */
	char buf[64];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(
			layout_people_ahead(cases[i].people, buf, sizeof(buf)),
			0);
		assert_string_equal(buf, cases[i].text);
	}
	assert_int_equal(layout_people_ahead(3, buf, 10), -ENOBUFS);
}

static void every_line_fits_the_paper(void **state)
{
	static const unsigned columns[] = {32, 42, 48};

	(void)state;
	for (size_t c = 0; c < ARRAY_SIZE(columns); c++) {
		const struct escpos_config cfg = {
			.codepage = CODEPAGE_CP852,
			.codepage_number = 18,
			.columns = columns[c],
		};
		struct escpos_doc doc;
		struct escpos_buf out;
		size_t line = 0, width = 1;

		assert_int_equal(layout_ticket(&sample, columns[c], &doc), 0);
		escpos_buf_init(&out);
		assert_int_equal(
			escpos_encode(&cfg, doc.items, doc.count, &out), 0);
		/* Text between commands, counted at its character width. */
		for (size_t i = 7; i < out.len; i++) {
			uint8_t b = out.data[i];

			if (b == 0x1b) {
				i += 2;
			} else if (b == 0x1d && out.data[i + 1] == '!') {
				width = (out.data[i + 2] >> 4) + 1u;
				i += 2;
			} else if (b == 0x1d) {
				break; /* the QR code and the cut */
			} else if (b == '\n') {
				line = 0;
			} else {
				line += width;
				assert_true(line <= columns[c]);
			}
		}
		escpos_buf_free(&out);
		escpos_doc_free(&doc);
	}
}

static void refuses_bad_input(void **state)
{
	struct layout_ticket t = sample;
	struct escpos_doc doc = {.count = 77};
	char long_name[ESCPOS_TEXT_MAX + 2];

	(void)state;
	t.number = NULL;
	assert_int_equal(layout_ticket(&t, 32, &doc), -EINVAL);
	t.number = "";
	assert_int_equal(layout_ticket(&t, 32, &doc), -EINVAL);
	t.number = "A1";
	assert_int_equal(layout_ticket(&t, ESCPOS_COLUMNS_MIN - 1, &doc),
			 -EINVAL);
	assert_int_equal(layout_ticket(&t, ESCPOS_COLUMNS_MAX + 1, &doc),
			 -EINVAL);
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	t.office_name = long_name;
	assert_int_equal(layout_ticket(&t, 32, &doc), -E2BIG);
	/* Untouched on failure. */
	assert_int_equal(doc.count, 77);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ticket_58mm_cp852),
		cmocka_unit_test(ticket_80mm_cp1250_clone),
		cmocka_unit_test(wait_on_one_line_when_it_fits),
		cmocka_unit_test(number_size),
		cmocka_unit_test(people_ahead_in_romanian),
		cmocka_unit_test(every_line_fits_the_paper),
		cmocka_unit_test(refuses_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
