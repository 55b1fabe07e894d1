/* Decoding of the one-byte replies to DLE EOT 1 (printer), 2 (offline
 * cause) and 4 (roll paper sensor), as data: what an Epson-compatible
 * printer answers in each condition, and the state that must come out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "escpos_status.h"
#include "transport.h"

#define NONE (-1) /* the query got no reply */

struct decode_case {
	const char *name;
	int printer, offline, paper; /* DLE EOT 1, 2, 4; NONE: silent */
	enum printer_state want;
};

/* Fixed bits of every reply: 0x12 (bits 1 and 4 set, 0 and 7 clear). */
static const struct decode_case cases[] = {
	{"ready", 0x12, 0x12, 0x12, PRINTER_OK},
	/* n=1 bit 2 is the drawer kick connector, not an error */
	{"ready, drawer pin high", 0x16, 0x12, 0x12, PRINTER_OK},
	/* n=4 bits 2-3: paper near end, still printing */
	{"paper near end", 0x12, 0x12, 0x1E, PRINTER_PAPER_LOW},
	{"paper near end, one bit", 0x12, 0x12, 0x16, PRINTER_PAPER_LOW},
	/* n=4 bits 5-6: paper end */
	{"paper end", 0x12, 0x12, 0x72, PRINTER_PAPER_OUT},
	{"paper end and near end", 0x12, 0x12, 0x7E, PRINTER_PAPER_OUT},
	{"paper end, one bit", 0x12, 0x12, 0x32, PRINTER_PAPER_OUT},
	/* n=2 bit 5: printing stopped by paper end, and offline as well */
	{"stopped by paper end", 0x1A, 0x32, 0x12, PRINTER_PAPER_OUT},
	{"stopped by paper end, n=2 only", 0x12, 0x32, 0x12,
	 PRINTER_PAPER_OUT},
	/* n=2 bit 2: cover open (and the printer offline meanwhile) */
	{"cover open", 0x12, 0x16, 0x12, PRINTER_COVER_OPEN},
	{"cover open, offline", 0x1A, 0x16, 0x12, PRINTER_COVER_OPEN},
	/* n=2 bit 6: an error (cutter jam, head too hot) */
	{"error", 0x1A, 0x52, 0x12, PRINTER_OFFLINE},
	/* The error bit alone: some printers keep n=1 at "online" while the
	 * cutter is jammed; only n=2 tells. */
	{"error alone", 0x12, 0x52, 0x12, PRINTER_OFFLINE},
	{"error, only n=2", NONE, 0x52, NONE, PRINTER_OFFLINE},
	{"error beats paper near end", 0x12, 0x52, 0x1E, PRINTER_OFFLINE},
	/* n=1 bit 3: offline */
	{"offline", 0x1A, 0x12, 0x12, PRINTER_OFFLINE},
	/* The worst condition wins. */
	{"paper end beats cover open", 0x1A, 0x16, 0x72, PRINTER_PAPER_OUT},
	{"offline beats paper near end", 0x1A, 0x12, 0x1E, PRINTER_OFFLINE},
	{"cover open beats paper near end", 0x12, 0x16, 0x1E,
	 PRINTER_COVER_OPEN},

	/* Silence: no reply is not a printer that is offline. */
	{"silence", NONE, NONE, NONE, PRINTER_UNKNOWN},
	/* Printers that answer some queries only. */
	{"only n=1, ready", 0x12, NONE, NONE, PRINTER_OK},
	{"only n=1, offline", 0x1A, NONE, NONE, PRINTER_OFFLINE},
	{"only n=4, paper end", NONE, NONE, 0x72, PRINTER_PAPER_OUT},
	{"only n=4, near end", NONE, NONE, 0x1E, PRINTER_PAPER_LOW},
	{"only n=2, cover open", NONE, 0x16, NONE, PRINTER_COVER_OPEN},

	/* Bytes that cannot be replies count as no reply. */
	{"all invalid: zero", 0x00, 0x00, 0x00, PRINTER_UNKNOWN},
	{"all invalid: ff", 0xFF, 0xFF, 0xFF, PRINTER_UNKNOWN},
	{"all invalid: bit 0 set", 0x13, 0x13, 0x13, PRINTER_UNKNOWN},
	{"all invalid: bit 7 set", 0x92, 0x92, 0xF2, PRINTER_UNKNOWN},
	{"all invalid: bit 1 clear", 0x10, 0x10, 0x70, PRINTER_UNKNOWN},
	{"all invalid: bit 4 clear", 0x02, 0x06, 0x62, PRINTER_UNKNOWN},
	/* ASB (automatic status back) first byte: bit 4 set, bit 1 clear */
	{"all invalid: ASB byte", 0x18, 0x14, 0x10, PRINTER_UNKNOWN},
	{"invalid paper end ignored", 0x12, 0x12, 0xF2, PRINTER_OK},
	{"invalid cover byte ignored", 0x12, 0x17, 0x12, PRINTER_OK},
	{"invalid offline byte ignored", 0x1B, 0x12, 0x12, PRINTER_OK},
	{"invalid and silent", 0x00, NONE, NONE, PRINTER_UNKNOWN},
	{"invalid, silent, paper end", 0xFF, NONE, 0x72, PRINTER_PAPER_OUT},
};

static void test_decode_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct decode_case *c = &cases[i];
		struct printer_status st;

		memset(&st, 0x5A, sizeof(st));
		escpos_status_decode(c->printer != NONE, (uint8_t)c->printer,
				     c->offline != NONE, (uint8_t)c->offline,
				     c->paper != NONE, (uint8_t)c->paper, &st);
		if (st.state != c->want)
			fail_msg("%s: state %s, want %s", c->name,
				 printer_state_name(st.state),
				 printer_state_name(c->want));
		/* The detail is for people: a terminated sentence. */
		if (!memchr(st.detail, '\0', sizeof(st.detail)) ||
		    st.detail[0] == '\0')
			fail_msg("%s: no detail", c->name);
	}
}

/* A byte passed as "no reply" is not looked at. */
static void test_missing_reply_ignores_byte(void **state)
{
	struct printer_status st;

	(void)state;
	escpos_status_decode(false, 0x1A, false, 0x16, false, 0x72, &st);
	assert_int_equal(st.state, PRINTER_UNKNOWN);
	escpos_status_decode(true, 0x12, false, 0x16, false, 0x72, &st);
	assert_int_equal(st.state, PRINTER_OK);
}

static void test_valid_bytes(void **state)
{
	static const uint8_t valid[] = {
		0x12, 0x16, 0x1A, 0x1E, 0x32, 0x36, 0x52, 0x72, 0x7E, 0x5E,
	};
	static const uint8_t invalid[] = {
		0x00, 0x01, 0x02, 0x10, 0x13, 0x14, 0x18, 0x1B, 0x80, 0x92,
		0xF2, 0xFF, 0x0A, 0x1D, 0x1C,
	};
	unsigned count = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(valid); i++)
		if (!escpos_status_valid(valid[i]))
			fail_msg("0x%02X is a status reply", valid[i]);
	for (size_t i = 0; i < sizeof(invalid); i++)
		if (escpos_status_valid(invalid[i]))
			fail_msg("0x%02X is not a status reply", invalid[i]);
	/* Four fixed bits leave 16 of the 256 byte values. */
	for (unsigned b = 0; b < 256; b++)
		count += escpos_status_valid((uint8_t)b);
	assert_int_equal(count, 16);
}

static void test_state_names(void **state)
{
	(void)state;
	assert_string_equal(printer_state_name(PRINTER_UNKNOWN), "unknown");
	assert_string_equal(printer_state_name(PRINTER_OK), "ok");
	assert_string_equal(printer_state_name(PRINTER_PAPER_LOW),
			    "paper_low");
	assert_string_equal(printer_state_name(PRINTER_PAPER_OUT),
			    "paper_out");
	assert_string_equal(printer_state_name(PRINTER_COVER_OPEN),
			    "cover_open");
	assert_string_equal(printer_state_name(PRINTER_OFFLINE), "offline");
	/* A ticket still goes to a printer low on paper, or one that does
	 * not answer status queries; not to one that cannot print. */
	assert_false(printer_state_blocks(PRINTER_OK));
	assert_false(printer_state_blocks(PRINTER_PAPER_LOW));
	assert_false(printer_state_blocks(PRINTER_UNKNOWN));
	assert_true(printer_state_blocks(PRINTER_PAPER_OUT));
	assert_true(printer_state_blocks(PRINTER_COVER_OPEN));
	assert_true(printer_state_blocks(PRINTER_OFFLINE));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_table),
		cmocka_unit_test(test_missing_reply_ignores_byte),
		cmocka_unit_test(test_valid_bytes),
		cmocka_unit_test(test_state_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
