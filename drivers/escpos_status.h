/* Real-time status of ESC/POS printers: the DLE EOT n queries and the
 * decoding of their one-byte replies, shared by the two-way transports. */
#ifndef BONOMAT_ESCPOS_STATUS_H
#define BONOMAT_ESCPOS_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "transport.h"

/* DLE EOT 1 (printer), 2 (offline cause), 4 (roll paper sensor). */
#define ESCPOS_STATUS_PRINTER 1
#define ESCPOS_STATUS_OFFLINE 2
#define ESCPOS_STATUS_PAPER 4

/* Whether b has the fixed bits of a DLE EOT reply (bits 1 and 4 set, bits
 * 0 and 7 clear), which tells it apart from other bytes in the stream. */
bool escpos_status_valid(uint8_t b);

/* The state told by the replies received; have_* false for a query that
 * got no (valid) reply. No reply at all is PRINTER_UNKNOWN. */
void escpos_status_decode(bool have_printer, uint8_t printer,
			  bool have_offline, uint8_t offline,
			  bool have_paper, uint8_t paper,
			  struct printer_status *ret);

/* Sends one DLE EOT n and reads the reply: 1 with a valid byte in *ret,
 * 0 when the printer stays silent, or a negative errno. */
typedef int (*escpos_status_query_fn)(void *conn, uint8_t n, uint8_t *ret);

/* How a transport on a file descriptor (tcp, file) sends a query and reads
 * a byte, for escpos_status_query_fd(). */
struct escpos_status_fd {
	void *conn;
	int fd;		/* polled for POLLIN */
	int timeout_ms; /* how long to wait for the reply */
	int (*send)(void *conn, const uint8_t *buf, size_t len);
	/* 1 with *ret set; -EAGAIN when nothing is waiting yet; 0 when the
	 * stream ended and silence is the answer; or a negative errno. */
	int (*read_byte)(void *conn, uint8_t *ret);
};

/* An escpos_status_query_fn over a descriptor: sends DLE EOT n and reads
 * until a byte that can be a reply (escpos_status_valid()) arrives, skipping
 * any other, until the timeout: 1 with *ret set, 0, or a negative errno. */
int escpos_status_query_fd(const struct escpos_status_fd *io, uint8_t n,
			   uint8_t *ret);

/* Asks DLE EOT 1, 2 and 4 in turn and decodes the replies into ret. */
int escpos_status_ask(escpos_status_query_fn query, void *conn,
		      struct printer_status *ret);

#endif
