/* The paper ticket of a ticket: the layout of drivers/ticket_layout.c
 * filled from the config and the ticket, encoded for one printer. */
#ifndef BONOMAT_RECEIPT_H
#define BONOMAT_RECEIPT_H

#include <stddef.h>

#include "config.h"
#include "escpos.h"
#include "ticket.h"

/* The citizen's address of t (its QR code): "{token}" in the configured
 * [office] ticket_url becomes t's token. -ENOENT when no ticket_url is
 * set or t has no token, -E2BIG when buf is too small. */
int receipt_ticket_url(const struct config *cfg, const struct ticket *t,
		       char *buf, size_t size);

/* Appends the ESC/POS bytes of t, as printer prints it, to out. */
int receipt_render(const struct config *cfg, int printer,
		   const struct ticket *t, struct escpos_buf *out);

#endif
