/* daemon/lib/dynlib: a library loaded on first use into a typed table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <string.h>

#include "dynlib.h"

/* Declared, never defined: the name that no library has. */
double bonomat_no_such_function(double x);

#define M_FUNCTIONS(X) X(cos) X(sqrt)
DYNLIB_DEFINE(libm, "libm.so.6", M_FUNCTIONS);

#define BAD_FUNCTIONS(X) X(cos) X(bonomat_no_such_function)
DYNLIB_DEFINE(bad, "libm.so.6", BAD_FUNCTIONS);
DYNLIB_DEFINE(missing, "libbonomat-missing.so.0", M_FUNCTIONS);

static void loads_and_fills_the_table(void **state)
{
	char why[128] = "";

	(void)state;
	assert_int_equal(libm_lib.n_names, 2);
	assert_null(libm.cos);
	assert_int_equal(dynlib_load(&libm_lib, why, sizeof(why)), 0);
	assert_string_equal(why, "");
	assert_non_null(libm.cos);
	assert_true(libm.cos(0.0) == 1.0);
	assert_true(libm.sqrt(49.0) == 7.0);
	/* Once loaded, loading again is a no-op. */
	assert_int_equal(dynlib_load(&libm_lib, NULL, 0), 0);
	assert_true(libm.sqrt(4.0) == 2.0);
}

static void missing_library_says_why(void **state)
{
	char why[256] = "";

	(void)state;
	assert_int_equal(dynlib_load(&missing_lib, why, sizeof(why)), -ELIBACC);
	assert_non_null(strstr(why, "libbonomat-missing.so.0"));
	assert_false(missing_lib.loaded);
	assert_null(missing.cos);
	/* Tried again, not remembered as failed; no buffer is fine. */
	assert_int_equal(dynlib_load(&missing_lib, NULL, 0), -ELIBACC);
}

static void missing_function_says_which(void **state)
{
	char why[256] = "";

	(void)state;
	assert_int_equal(dynlib_load(&bad_lib, why, sizeof(why)), -ELIBACC);
	assert_string_equal(why, "libm.so.6: no bonomat_no_such_function");
	assert_false(bad_lib.loaded);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(loads_and_fills_the_table),
		cmocka_unit_test(missing_library_says_why),
		cmocka_unit_test(missing_function_says_which),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
