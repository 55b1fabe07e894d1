/* Fuzzes the iCalendar import parser in Europe/Bucharest, with the service
 * from X-SERVICE and, for inputs under 64 KiB, from CATEGORIES too: any
 * bytes give bookings that keep the promises of booking_csv.h, refusals
 * sorted by line, and no leak. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "booking_check.h"
#include "booking_ics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run(const uint8_t *data, size_t size, unsigned lines,
		const char *service_property)
{
	struct booking_ics_options o = {
		.tzid = "Europe/Bucharest",
		.service_property = service_property,
	};
	struct booking_list *l = NULL;
	int r = booking_ics_parse((const char *)data, size, &o, &l);

	if (r == 0) {
		booking_check(l, lines);
		booking_ics_free(l);
	} else if (l || (r != -ENOMEM && r != -EFBIG)) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool zone;
	unsigned lines = 1;

	if (!zone) {
		if (setenv("TZ", "Europe/Bucharest", 1) != 0)
			abort();
		tzset();
		zone = true;
	}
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	run(data, size, lines, NULL);
	if (size < 64 * 1024)
		run(data, size, lines, "CATEGORIES");
	return 0;
}
