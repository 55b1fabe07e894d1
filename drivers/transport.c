#include "transport.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const state_names[] = {
	[PRINTER_UNKNOWN] = "unknown",
	[PRINTER_OK] = "ok",
	[PRINTER_PAPER_LOW] = "paper_low",
	[PRINTER_PAPER_OUT] = "paper_out",
	[PRINTER_COVER_OPEN] = "cover_open",
	[PRINTER_OFFLINE] = "offline",
};

const char *printer_state_name(enum printer_state s)
{
	if ((unsigned)s >= sizeof(state_names) / sizeof(state_names[0]))
		return "unknown";
	return state_names[s];
}

bool printer_state_blocks(enum printer_state s)
{
	return s == PRINTER_PAPER_OUT || s == PRINTER_COVER_OPEN ||
	       s == PRINTER_OFFLINE;
}

/* Tickets go nowhere: a kiosk without a printer shows the number only. */
static int none_open(const struct transport_options *opt, void **ret_conn)
{
	(void)opt;
	*ret_conn = NULL;
	return 0;
}

static int none_write(void *conn, const uint8_t *buf, size_t len)
{
	(void)conn;
	(void)buf;
	(void)len;
	return 0;
}

static int none_status(void *conn, struct printer_status *ret)
{
	(void)conn;
	ret->state = PRINTER_OK;
	snprintf(ret->detail, sizeof(ret->detail), "no printer configured");
	return 0;
}

static void none_close(void *conn)
{
	(void)conn;
}

const struct transport transport_none = {
	.name = "none",
	.open = none_open,
	.write = none_write,
	.status = none_status,
	.close = none_close,
};

const struct transport *transport_for(enum printer_driver d)
{
	static const struct transport *const by_driver[DRIVER_COUNT] = {
		[DRIVER_NONE] = &transport_none, [DRIVER_USB] = &transport_usb,
		[DRIVER_CUPS] = &transport_cups, [DRIVER_TCP] = &transport_tcp,
		[DRIVER_FILE] = &transport_file,
	};
	return (unsigned)d < DRIVER_COUNT ? by_driver[d] : NULL;
}

const struct transport *transport_find(const char *name)
{
	enum printer_driver d;

	return printer_driver_from_name(name, &d) == 0 ? transport_for(d) :
							 NULL;
}
