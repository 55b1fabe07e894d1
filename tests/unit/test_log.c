/* daemon/lib/log: what reaches the journal has no control characters. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "log.h"

static void escapes_controls(void **state)
{
	char out[64];

	(void)state;
	log_escape(out, sizeof(out), "GET /a from 127.0.0.1");
	assert_string_equal(out, "GET /a from 127.0.0.1");
	/* A forged second line, a terminal escape, a C1 control, bad UTF-8. */
	log_escape(out, sizeof(out), "G\nerror: x\x1b[31m\xc2\x9b\xff ș");
	assert_string_equal(out, "G\\x0aerror: x\\x1b[31m\\xc2\\x9b\\xff ș");
	assert_null(strchr(out, '\n'));
}

static void cut_to_fit(void **state)
{
	char small[8];

	(void)state;
	log_escape(small, sizeof(small), "abcdefghij");
	assert_string_equal(small, "abcdefg");
	log_escape(small, sizeof(small), "abcde\x01");
	assert_string_equal(small, "abcde"); /* \x01 would not fit whole */
	log_escape(small, sizeof(small), "abcdeș");
	assert_string_equal(small, "abcdeș");
	log_escape(small, sizeof(small), "abcdefș");
	assert_string_equal(small, "abcdef");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(escapes_controls),
		cmocka_unit_test(cut_to_fit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
