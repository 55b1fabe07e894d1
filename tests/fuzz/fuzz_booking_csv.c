/* Fuzzes the CSV import parser: any bytes give bookings that keep the
 * promises of booking_csv.h, refusals sorted by line, and no leak. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "booking_check.h"
#include "booking_csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct booking_list *l = NULL;
	unsigned lines = 1;
	int r;

	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	r = booking_csv_parse((const char *)data, size, &l);
	if (r == 0) {
		booking_check(l, lines);
		booking_csv_free(l);
	} else if (l || (r != -ENOMEM && r != -EFBIG)) {
		abort();
	}
	return 0;
}
