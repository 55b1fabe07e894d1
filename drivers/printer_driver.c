#include "printer_driver.h"

#include <errno.h>
#include <stdio.h>
#include <strings.h>

static const char *const names[DRIVER_COUNT] = {
	[DRIVER_NONE] = "none", [DRIVER_USB] = "usb",	[DRIVER_CUPS] = "cups",
	[DRIVER_TCP] = "tcp",	[DRIVER_FILE] = "file",
};

const char *printer_driver_name(enum printer_driver d)
{
	if ((unsigned)d >= DRIVER_COUNT)
		return "unknown";
	return names[d];
}

int printer_driver_from_name(const char *name, enum printer_driver *ret)
{
	for (unsigned d = 0; name && d < DRIVER_COUNT; d++) {
		if (strcasecmp(name, names[d]) == 0) {
			*ret = (enum printer_driver)d;
			return 0;
		}
	}
	return -EINVAL;
}

void printer_driver_names(char *buf, size_t size)
{
	size_t o = 0;

	buf[0] = '\0';
	/* The real drivers in the table's order, then none. */
	for (unsigned d = 1; d <= DRIVER_COUNT && o < size; d++) {
		int n = snprintf(buf + o, size - o, "%s%s",
				 d == 1		   ? "" :
				 d == DRIVER_COUNT ? " or " :
						     ", ",
				 names[d % DRIVER_COUNT]);
		if (n < 0)
			break;
		o += (size_t)n;
	}
}
