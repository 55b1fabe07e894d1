/* Printer connections behind one small interface: open, write, status,
 * close. Drivers know nothing of queues or tickets; every function returns
 * 0 or a negative errno and none logs. A connection is used by one thread
 * at a time (the printer's worker). */
#ifndef BONOMAT_TRANSPORT_H
#define BONOMAT_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "printer_driver.h"

enum printer_state {
	PRINTER_UNKNOWN,    /* no answer to a status query: not offline */
	PRINTER_OK,
	PRINTER_PAPER_LOW,  /* paper near end: still prints */
	PRINTER_PAPER_OUT,
	PRINTER_COVER_OPEN,
	PRINTER_OFFLINE,    /* cannot be reached or reports offline */
};

const char *printer_state_name(enum printer_state s);
/* Whether a ticket must not be sent to a printer in this state. */
bool printer_state_blocks(enum printer_state s);

#define PRINTER_DETAIL_MAX 160

struct printer_status {
	enum printer_state state;
	char detail[PRINTER_DETAIL_MAX]; /* for people: "paper end sensor" */
};

struct transport_options {
	const char *path;  /* file: a file or a device such as /dev/usb/lp0 */
	const char *queue; /* cups: queue name */
	const char *host;  /* tcp: "host:port" */
	bool usb_match;    /* usb: match usb_vid:usb_pid, else printer class */
	uint16_t usb_vid, usb_pid;
	int timeout_ms;        /* connect and write timeout */
	int status_timeout_ms; /* how long to wait for a status reply */
};

struct transport {
	const char *name;
	/* Connects; -ENODEV/-ECONNREFUSED/... when the printer is not there. */
	int (*open)(const struct transport_options *opt, void **ret_conn);
	/* Writes all of buf, completing partial writes, within the timeout. */
	int (*write)(void *conn, const uint8_t *buf, size_t len);
	/* Asks the printer; state PRINTER_UNKNOWN when it does not answer. An
	 * error return means the connection is broken and must be reopened. */
	int (*status)(void *conn, struct printer_status *ret);
	void (*close)(void *conn); /* accepts NULL */
};

extern const struct transport transport_none;
extern const struct transport transport_file;
extern const struct transport transport_tcp;
extern const struct transport transport_cups;
extern const struct transport transport_usb;

/* The transport of a driver (printer_driver.h), NULL out of range. */
const struct transport *transport_for(enum printer_driver d);
/* The transport called name ("usb", "cups", "tcp", "file", "none"). */
const struct transport *transport_find(const char *name);

#endif
