/* The vocabularies of ticket.h. Their names are the database format; the
 * event types', also the statistics' input, are pinned one by one. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ticket.h"

static const struct {
	enum event_type type;
	const char *name;
} stored[] = {
	{EVENT_ISSUED, "issued"},
	{EVENT_CHECKED_IN, "checked_in"},
	{EVENT_CALLED, "called"},
	{EVENT_RECALLED, "recalled"},
	{EVENT_SERVED, "served"},
	{EVENT_NO_SHOW, "no_show"},
	{EVENT_TRANSFERRED, "transferred"},
	{EVENT_EXPIRED, "expired"},
	{EVENT_PAUSED, "paused"},
	{EVENT_RESUMED, "resumed"},
	{EVENT_IMPORTED, "imported"},
	{EVENT_PRINT_REQUESTED, "print_requested"},
	{EVENT_PRINTED, "printed"},
	{EVENT_PRINT_FAILED, "print_failed"},
	{EVENT_CANCELLED, "cancelled"},
	{EVENT_SERVICES_CHANGED, "services_changed"},
	{EVENT_RETURNED, "returned"},
	{EVENT_SMS_REQUESTED, "sms_requested"},
	{EVENT_SMS_SENT, "sms_sent"},
	{EVENT_SMS_FAILED, "sms_failed"},
};

static void names_are_the_stored_ones(void **state)
{
	(void)state;
	assert_int_equal(sizeof(stored) / sizeof(stored[0]), EVENT_TYPE_COUNT);
	for (size_t i = 0; i < sizeof(stored) / sizeof(stored[0]); i++)
		assert_string_equal(event_type_name(stored[i].type),
				    stored[i].name);
}

static void names_round_trip(void **state)
{
	(void)state;
	for (int t = 0; t < EVENT_TYPE_COUNT; t++) {
		enum event_type back = EVENT_TYPE_COUNT;
		const char *name = event_type_name((enum event_type)t);

		assert_int_equal(event_type_parse(name, &back), 0);
		assert_int_equal(back, t);
	}
}

static void names_are_unique_words(void **state)
{
	(void)state;
	for (int a = 0; a < EVENT_TYPE_COUNT; a++) {
		const char *name = event_type_name((enum event_type)a);

		assert_true(name[0] != '\0');
		assert_int_equal(strspn(name, "abcdefghijklmnopqrstuvwxyz_"),
				 strlen(name));
		assert_string_not_equal(name, "unknown");
		for (int b = 0; b < a; b++)
			assert_string_not_equal(
				name, event_type_name((enum event_type)b));
	}
}

static void unknown_names_and_values(void **state)
{
	enum event_type t = EVENT_PAUSED;

	(void)state;
	assert_int_equal(event_type_parse(NULL, &t), -EINVAL);
	assert_int_equal(event_type_parse("", &t), -EINVAL);
	assert_int_equal(event_type_parse("Called", &t), -EINVAL);
	assert_int_equal(event_type_parse("called ", &t), -EINVAL);
	assert_int_equal(event_type_parse("unknown", &t), -EINVAL);
	assert_int_equal(t, EVENT_PAUSED); /* untouched on failure */
	assert_string_equal(event_type_name(EVENT_TYPE_COUNT), "unknown");
	assert_string_equal(event_type_name((enum event_type)-1), "unknown");
}

/* Each table of names round-trips through its parser and has no twin. */
#define CHECK_VOCABULARY(type, count, name_fn, parse_fn)                    \
	do {                                                                \
		for (int a = 0; a < (count); a++) {                         \
			type back;                                          \
			const char *n = name_fn((type)a);                   \
			assert_string_not_equal(n, "unknown");              \
			assert_int_equal(parse_fn(n, &back), 0);            \
			assert_int_equal((int)back, a);                     \
			for (int b = 0; b < a; b++)                         \
				assert_string_not_equal(n, name_fn((type)b)); \
		}                                                           \
		assert_string_equal(name_fn((type)(count)), "unknown");     \
	} while (0)

static void other_vocabularies_round_trip(void **state)
{
	(void)state;
	CHECK_VOCABULARY(enum ticket_kind, TICKET_APPOINTMENT + 1,
			 ticket_kind_name, ticket_kind_parse);
	CHECK_VOCABULARY(enum ticket_state, TICKET_EXPIRED + 1,
			 ticket_state_name, ticket_state_parse);
	CHECK_VOCABULARY(enum call_reason, REASON_COUNT, call_reason_name,
			 call_reason_parse);
	CHECK_VOCABULARY(enum print_state, PRINT_FAILED + 1, print_state_name,
			 print_state_parse);
}

static void called_sql_literal_is_the_name(void **state)
{
	char quoted[32];

	(void)state;
	snprintf(quoted, sizeof(quoted), "'%s'", event_type_name(EVENT_CALLED));
	assert_string_equal(EVENT_CALLED_SQL, quoted);
}

/* RFC 4648 section 10's vectors, in base64url without padding, cut to
 * what 16 bytes make. */
static void token_encodes_base64url(void **state)
{
	unsigned char zero[TICKET_TOKEN_BYTES] = {0}, ff[TICKET_TOKEN_BYTES];
	unsigned char back[TICKET_TOKEN_BYTES];
	char tok[TICKET_TOKEN_LEN + 1];

	(void)state;
	memset(ff, 0xff, sizeof(ff));
	ticket_token_encode(zero, tok);
	assert_string_equal(tok, "AAAAAAAAAAAAAAAAAAAAAA");
	ticket_token_encode(ff, tok);
	/* The last character holds 2 bits and 4 zero bits: 110000 = 'w'. */
	assert_string_equal(tok, "_____________________w");
	assert_int_equal(ticket_token_decode(tok, strlen(tok), back), 0);
	assert_memory_equal(back, ff, sizeof(ff));
	/* "foobar" is "Zm9vYmFy" in base64. */
	unsigned char fb[TICKET_TOKEN_BYTES] = "foobarfoobarfoob";
	ticket_token_encode(fb, tok);
	assert_int_equal(strncmp(tok, "Zm9vYmFyZm9vYmFy", 16), 0);
	assert_int_equal(ticket_token_decode(tok, strlen(tok), back), 0);
	assert_memory_equal(back, fb, sizeof(fb));
}

static void token_refuses_other_spellings(void **state)
{
	static const char *const bad[] = {
		"",
		"AAAAAAAAAAAAAAAAAAAAA",     /* 21 */
		"AAAAAAAAAAAAAAAAAAAAAAA",   /* 23 */
		"AAAAAAAAAAAAAAAAAAAAAB",    /* bits past the 128th */
		"_____________________x",
		"AAAAAAAAAAAAAAAAAAAA+A",    /* base64, not base64url */
		"AAAAAAAAAAAAAAAAAAAA/A",
		"AAAAAAAAAAAAAAAAAAAA=A",
		"AAAAAAAAAAAAAAAAAAAA A",
		"AAAAAAAAAAAAAAAAAAAA\xc8\x99",
	};
	unsigned char b[TICKET_TOKEN_BYTES];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(ticket_token_valid(bad[i], strlen(bad[i])));
		assert_int_equal(ticket_token_decode(bad[i], strlen(bad[i]), b),
				 -EINVAL);
	}
	/* A NUL inside counts as a character that is not in the alphabet. */
	assert_false(ticket_token_valid("AAAAAAAAAA\0AAAAAAAAAAA", 22));
	assert_false(ticket_token_valid(NULL, 22));
	assert_true(ticket_token_valid("AAAAAAAAAAAAAAAAAAAAAQ", 22));
}

/* New tokens are valid, and differ (128 random bits each). */
static void token_new_is_random(void **state)
{
	char seen[64][TICKET_TOKEN_LEN + 1];

	(void)state;
	for (size_t i = 0; i < 64; i++) {
		assert_int_equal(ticket_token_new(seen[i]), 0);
		assert_int_equal(strlen(seen[i]), TICKET_TOKEN_LEN);
		assert_true(ticket_token_valid(seen[i], TICKET_TOKEN_LEN));
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(seen[i], seen[j]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_are_the_stored_ones),
		cmocka_unit_test(names_round_trip),
		cmocka_unit_test(names_are_unique_words),
		cmocka_unit_test(unknown_names_and_values),
		cmocka_unit_test(called_sql_literal_is_the_name),
		cmocka_unit_test(other_vocabularies_round_trip),
		cmocka_unit_test(token_encodes_base64url),
		cmocka_unit_test(token_refuses_other_spellings),
		cmocka_unit_test(token_new_is_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
