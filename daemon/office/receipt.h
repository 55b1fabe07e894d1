/* The paper ticket of a ticket: the layout of drivers/ticket_layout.c
 * filled from the config and the ticket, encoded for one printer. */
#ifndef BONOMAT_RECEIPT_H
#define BONOMAT_RECEIPT_H

#include "config.h"
#include "escpos.h"
#include "ticket.h"

/* Appends the ESC/POS bytes of t, as printer prints it, to out. */
int receipt_render(const struct config *cfg, int printer,
		   const struct ticket *t, struct escpos_buf *out);

#endif
