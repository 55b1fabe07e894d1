/* The paper ticket: plain data in, an ESC/POS document out. Romanian text,
 * readable on 58 mm (32 columns) and 80 mm (42 or 48 columns) paper. It
 * knows nothing of queues: the caller fills in the strings and numbers. */
#ifndef BONOMAT_TICKET_LAYOUT_H
#define BONOMAT_TICKET_LAYOUT_H

#include "escpos.h"

/* The kind line, for kind_label; a walk-in has none. */
#define LAYOUT_KIND_APPOINTMENT "Programare"
#define LAYOUT_KIND_PRIORITY "Prioritar"

/* Largest character size of the ticket number; see layout_number_size(). */
#define LAYOUT_NUMBER_SIZE_MAX 6

/* QR code of the status URL: module of 5 dots (0.6 mm at 203 dpi, easy for
 * a phone), error level M. */
#define LAYOUT_QR_MODULE 5

struct layout_ticket {
	const char *office_name;    /* bold, centered, wrapped */
	const char *office_address; /* NULL or "": no line */
	const char *number;	    /* "A012"; required */
	const char *service_name;   /* bold */
	const char *kind_label;	    /* LAYOUT_KIND_*; NULL or "": none */
	int people_ahead;	    /* negative: no line */
	int wait_minutes;	    /* negative (-1): not known, no line */
	const char *datetime;	    /* "03.12.2026 09:15", as printed */
	const char *footer;	    /* online booking address */
	const char *qr_url;	    /* status page; NULL or "": no QR code */
};

/* Builds the document of ticket t for a printer with columns characters per
 * line (ESCPOS_COLUMNS_MIN to ESCPOS_COLUMNS_MAX) and hands it to the
 * caller in *ret_doc, which it must escpos_doc_free(). -EINVAL without a
 * number or with columns out of range, -E2BIG for a string longer than an
 * item takes, -ENOMEM; *ret_doc is untouched on failure. */
int layout_ticket(const struct layout_ticket *t, unsigned columns,
		  struct escpos_doc *ret_doc);

/* The character width and height of the ticket number: as large as the
 * line allows, columns / characters, between 1 and LAYOUT_NUMBER_SIZE_MAX.
 * Characters are counted after mapping to the code page. */
unsigned layout_number_size(const char *number, unsigned columns);

/* "Înaintea dvs.: 1 persoană", "... 3 persoane", "... 20 de persoane" into
 * buf; -ENOBUFS when it does not fit. */
int layout_people_ahead(int people, char *buf, size_t size);

#endif
