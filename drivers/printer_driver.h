/* The printer drivers by name: the one list of them. The config names a
 * driver, transport_for() gives its transport; both go through this enum,
 * so that a driver added here is known to both or the build says so. */
#ifndef BONOMAT_PRINTER_DRIVER_H
#define BONOMAT_PRINTER_DRIVER_H

#include <stddef.h>

enum printer_driver {
	DRIVER_NONE, /* no printer: a kiosk that shows the number only */
	DRIVER_USB,
	DRIVER_CUPS,
	DRIVER_TCP,
	DRIVER_FILE,
	DRIVER_COUNT,
};

/* "none", "usb", "cups", "tcp", "file"; "unknown" out of range. */
const char *printer_driver_name(enum printer_driver d);
/* The driver of that name, ignoring case; -EINVAL for none. */
int printer_driver_from_name(const char *name, enum printer_driver *ret);
/* The names for a message, "usb, cups, tcp, file or none", cut to fit. */
void printer_driver_names(char *buf, size_t size);

#endif
