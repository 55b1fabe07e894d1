#include "receipt.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ticket_layout.h"

#define TOKEN_MARK "{token}"

int receipt_ticket_url(const struct config *cfg, const struct ticket *t,
		       char *buf, size_t size)
{
	const char *pattern = cfg->office.ticket_url, *mark;
	int n;

	if (!pattern || !*pattern || !t->token[0])
		return -ENOENT;
	/* The config refuses a ticket_url without the mark. */
	mark = strstr(pattern, TOKEN_MARK);
	if (!mark)
		return -ENOENT;
	n = snprintf(buf, size, "%.*s%s%s", (int)(mark - pattern), pattern,
		     t->token, mark + strlen(TOKEN_MARK));
	return n < 0 || (size_t)n >= size ? -E2BIG : 0;
}

int receipt_render(const struct config *cfg, int printer,
		   const struct ticket *t, struct escpos_buf *out)
{
	const struct cfg_printer *pr;
	struct layout_ticket lt;
	struct escpos_doc doc;
	char when[32], url[1024];
	struct tm tm;
	time_t at;
	int r;

	if (printer < 0 || (size_t)printer >= cfg->n_printers ||
	    t->service < 0 || (size_t)t->service >= cfg->n_services)
		return -EINVAL;
	pr = &cfg->printers[printer];
	at = (time_t)t->issued_at;
	if (!localtime_r(&at, &tm) ||
	    strftime(when, sizeof(when), "%d.%m.%Y %H:%M", &tm) == 0)
		return -EINVAL;
	/* A ticket of before schema 7 has no token, and so no QR code. */
	r = receipt_ticket_url(cfg, t, url, sizeof(url));
	if (r == -ENOENT)
		url[0] = '\0';
	else if (r < 0)
		return r;
	lt = (struct layout_ticket){
		.office_name = cfg->office.name,
		.office_address = cfg->office.address,
		.number = t->number,
		.service_name = cfg->services[t->service].name,
		.kind_label = t->kind == TICKET_APPOINTMENT
				      ? LAYOUT_KIND_APPOINTMENT
			      : t->kind == TICKET_PRIORITY ? LAYOUT_KIND_PRIORITY
							   : NULL,
		.people_ahead = t->state == TICKET_WAITING ? t->ahead : -1,
		/* "~0 min" reads as a promise nobody can keep: the people
		 * ahead line already says that nobody is. */
		.wait_minutes = t->state == TICKET_WAITING && t->ahead > 0
					? t->est_wait_min
					: -1,
		.datetime = when,
		.footer = cfg->office.footer,
		.qr_url = url,
	};
	r = layout_ticket(&lt, (unsigned)pr->columns, &doc);
	if (r < 0)
		return r;
	r = escpos_encode(&(struct escpos_config){
				  .codepage = pr->codepage,
				  .codepage_number =
					  (unsigned)pr->codepage_number,
				  .columns = (unsigned)pr->columns,
			  },
			  doc.items, doc.count, out);
	escpos_doc_free(&doc);
	return r;
}
