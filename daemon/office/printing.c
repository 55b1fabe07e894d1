/* The hand-off to the printers: which printer serves a kiosk, laying a
 * ticket out and queueing it, recording how the job went, reprints. */
#include "office_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "queue.h"
#include "receipt.h"

void office_set_printers(struct office *o, struct printers *p)
{
	pthread_mutex_lock(&o->lock);
	o->printers = p;
	pthread_mutex_unlock(&o->lock);
}

/* The printer of a kiosk; without a kiosk, the one named "default". */
int office_printer_of(const struct office *o, int kiosk)
{
	const struct config *c = o->cfg;
	int d;

	if (kiosk >= 0 && (size_t)kiosk < c->n_kiosks)
		return c->kiosks[kiosk].printer;
	d = config_printer_index(c, "default");
	return d >= 0 ? d : c->n_printers ? 0 : -1;
}

bool office_prints(const struct office *o, int printer)
{
	return o->printers && printer >= 0 &&
	       o->cfg->printers[printer].driver != DRIVER_NONE;
}

/* Changes the ticket's print state in one transaction, with its event. */
static int set_printed(struct office *o, int64_t id, enum print_state state,
		       const char *why, int64_t now)
{
	enum event_type type = state == PRINT_OK       ? EVENT_PRINTED
			       : state == PRINT_FAILED ? EVENT_PRINT_FAILED
						       : EVENT_PRINT_REQUESTED;
	struct ticket t;
	int r;

	r = store_begin(o->st);
	if (r == 0)
		r = store_ticket_get(o->st, id, &t);
	if (r == 0) {
		t.printed = state;
		r = store_ticket_update(o->st, &t);
	}
	if (r == 0)
		r = office_log_event(o, type, &t, -1, now, why);
	if (r == 0)
		r = store_commit(o->st);
	if (r < 0) {
		store_rollback(o->st);
		log_err("database: recording the print state of ticket %lld "
			"failed: %s",
			(long long)id, strerror(-r));
		return r;
	}
	queue_set_printed(o->q, id, state);
	return 0;
}

/* Lays the ticket out and queues it on the printer. On failure the ticket
 * is marked failed, and t says so. */
void office_send_to_printer(struct office *o, int printer, struct ticket *t,
			    int64_t now)
{
	struct escpos_buf buf;
	struct printer_status ps = {0};
	char why[PRINTER_DETAIL_MAX + 64];
	int r;

	escpos_buf_init(&buf);
	r = receipt_render(o->cfg, printer, t, &buf);
	if (r < 0) {
		escpos_buf_free(&buf);
		snprintf(why, sizeof(why), "layout failed: %s", strerror(-r));
		log_err("ticket %s: %s", t->number, why);
	} else {
		/* The pool takes the bytes in every case. */
		r = printers_submit(o->printers, printer, t->id, buf.data,
				    buf.len, &ps);
		if (r < 0)
			snprintf(why, sizeof(why), "printer %s: %s",
				 printer_state_name(ps.state), ps.detail);
	}
	if (r < 0 && set_printed(o, t->id, PRINT_FAILED, why, now) == 0)
		t->printed = PRINT_FAILED;
}

int office_printed(struct office *o, int64_t ticket, bool ok,
		   const char *why, int64_t now)
{
	int r;

	pthread_mutex_lock(&o->lock);
	r = set_printed(o, ticket, ok ? PRINT_OK : PRINT_FAILED, why, now);
	pthread_mutex_unlock(&o->lock);
	return r;
}

int office_reprint(struct office *o, int64_t id, int64_t now,
		   struct ticket *ret, struct office_error *err)
{
	struct printer_status ps;
	struct ticket t;
	int printer, r;

	pthread_mutex_lock(&o->lock);
	r = office_read_ticket(o, id, now, &t, err);
	if (r < 0)
		goto out;
	if (strcmp(t.day, o->day) != 0) {
		r = office_refuse(
			err, OFFICE_UNPROCESSABLE, EINVAL,
			"Ticket %s was issued on %s; only today's tickets "
			"are printed again.",
			t.number, t.day);
		goto out;
	}
	printer = office_printer_of(o, t.kiosk);
	if (!office_prints(o, printer)) {
		r = office_refuse(err, OFFICE_UNPROCESSABLE, EINVAL,
				  "No printer is configured for the kiosk that "
				  "issued ticket %s.",
				  t.number);
		goto out;
	}
	printers_status(o->printers, printer, &ps);
	if (printer_state_blocks(ps.state)) {
		r = office_refuse(err, OFFICE_CONFLICT, EAGAIN,
				  "Printer \"%s\" cannot print now (%s): %s.",
				  o->cfg->printers[printer].name,
				  printer_state_name(ps.state), ps.detail);
		goto out;
	}
	r = set_printed(o, id, PRINT_PENDING, "reprint requested", now);
	if (r < 0) {
		r = office_refuse(err, OFFICE_INTERNAL, -r,
				  "The ticket database could not be written.");
		goto out;
	}
	t.printed = PRINT_PENDING;
	office_derive(o, &t, now);
	office_send_to_printer(o, printer, &t, now);
	*ret = t;
out:
	pthread_mutex_unlock(&o->lock);
	return r;
}
