/* drivers/printer_driver and transport_for(): the one list of drivers, and
 * a transport for each of them with the same name. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "printer_driver.h"
#include "transport.h"

static void names_round_trip(void **state)
{
	(void)state;
	for (unsigned d = 0; d < DRIVER_COUNT; d++) {
		enum printer_driver got = DRIVER_COUNT;
		const char *name = printer_driver_name(d);

		assert_int_equal(printer_driver_from_name(name, &got), 0);
		assert_int_equal(got, d);
		/* Each driver has its transport, under the same name. */
		assert_non_null(transport_for(d));
		assert_string_equal(transport_for(d)->name, name);
		assert_ptr_equal(transport_find(name), transport_for(d));
		for (unsigned e = 0; e < d; e++)
			assert_string_not_equal(printer_driver_name(e), name);
	}
	enum printer_driver d = DRIVER_NONE;
	assert_int_equal(printer_driver_from_name("USB", &d), 0);
	assert_int_equal(d, DRIVER_USB);
	assert_int_equal(printer_driver_from_name("serial", &d), -EINVAL);
	assert_int_equal(printer_driver_from_name(NULL, &d), -EINVAL);
	assert_int_equal(d, DRIVER_USB); /* untouched on failure */
	assert_string_equal(printer_driver_name(DRIVER_COUNT), "unknown");
	assert_null(transport_for(DRIVER_COUNT));
	assert_null(transport_find("serial"));
}

static void names_for_messages(void **state)
{
	char buf[64], small[10];

	(void)state;
	printer_driver_names(buf, sizeof(buf));
	assert_string_equal(buf, "usb, cups, tcp, file or none");
	printer_driver_names(small, sizeof(small));
	assert_true(strlen(small) < sizeof(small));
	assert_memory_equal(small, "usb, cups", 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_round_trip),
		cmocka_unit_test(names_for_messages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
