#include "escpos_status.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "fdio.h"

bool escpos_status_valid(uint8_t b)
{
	return (b & 0x93) == 0x12;
}

static void set(struct printer_status *ret, enum printer_state state,
		const char *detail)
{
	ret->state = state;
	snprintf(ret->detail, sizeof(ret->detail), "%s", detail);
}

/*
 * Bits (Epson ESC/POS, DLE EOT): n=1 bit 3 offline; n=2 bit 2 cover open,
 * bit 5 stopped by paper end, bit 6 error; n=4 bits 2-3 paper near end,
 * bits 5-6 paper end. The worst condition wins.
 */
void escpos_status_decode(bool have_printer, uint8_t printer,
			  bool have_offline, uint8_t offline,
			  bool have_paper, uint8_t paper,
			  struct printer_status *ret)
{
	have_printer = have_printer && escpos_status_valid(printer);
	have_offline = have_offline && escpos_status_valid(offline);
	have_paper = have_paper && escpos_status_valid(paper);

	if (!have_printer && !have_offline && !have_paper) {
		set(ret, PRINTER_UNKNOWN, "the printer does not answer "
					  "status queries");
		return;
	}
	if (have_paper && (paper & 0x60)) {
		set(ret, PRINTER_PAPER_OUT, "out of paper");
		return;
	}
	if (have_offline && (offline & 0x20)) {
		set(ret, PRINTER_PAPER_OUT, "stopped: out of paper");
		return;
	}
	if (have_offline && (offline & 0x04)) {
		set(ret, PRINTER_COVER_OPEN, "the cover is open");
		return;
	}
	if (have_offline && (offline & 0x40)) {
		set(ret, PRINTER_OFFLINE, "the printer reports an error");
		return;
	}
	if (have_printer && (printer & 0x08)) {
		set(ret, PRINTER_OFFLINE, "the printer reports offline");
		return;
	}
	if (have_paper && (paper & 0x0C)) {
		set(ret, PRINTER_PAPER_LOW, "paper near end");
		return;
	}
	set(ret, PRINTER_OK, "ready");
}

int escpos_status_query_fd(const struct escpos_status_fd *io, uint8_t n,
			   uint8_t *ret)
{
	const uint8_t q[3] = {0x10, 0x04, n};
	int64_t deadline;
	uint8_t b;
	int r;

	r = io->send(io->conn, q, sizeof(q));
	if (r < 0)
		return r;
	deadline = fdio_now_ms() + io->timeout_ms;
	for (;;) {
		r = fdio_wait(io->fd, POLLIN, deadline);
		if (r <= 0)
			return r;
		r = io->read_byte(io->conn, &b);
		if (r == -EAGAIN)
			continue;
		if (r <= 0)
			return r;
		if (escpos_status_valid(b)) {
			*ret = b;
			return 1;
		}
	}
}

int escpos_status_ask(escpos_status_query_fn query, void *conn,
		      struct printer_status *ret)
{
	static const uint8_t which[3] = {
		ESCPOS_STATUS_PRINTER,
		ESCPOS_STATUS_OFFLINE,
		ESCPOS_STATUS_PAPER,
	};
	uint8_t reply[3] = {0};
	bool have[3] = {false};

	for (size_t i = 0; i < 3; i++) {
		int r = query(conn, which[i], &reply[i]);
		if (r < 0)
			return r;
		have[i] = r == 1;
	}
	escpos_status_decode(have[0], reply[0], have[1], reply[1], have[2],
			     reply[2], ret);
	return 0;
}
