/* Bookings made online: importing them in batches and checking a booked
 * citizen in at the kiosk. */
#include "office_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "booking.h"
#include "hours.h"
#include "log.h"
#include "phone.h"
#include "queue.h"

/* The code's normal form (booking.h); -EINVAL for a code that breaks the
 * rule, whatever the reason. */
static int normalize(const char *code, char ret[BOOKING_CODE_MAX + 1])
{
	if (!code)
		return -EINVAL;
	return booking_code_normalize(code, strlen(code), ret) < 0 ? -EINVAL
								   : 0;
}

int office_import(struct office *o, const struct office_booking *b, size_t n,
		  int64_t now, size_t *ret_created, size_t *ret_updated,
		  struct office_error *err)
{
	const struct config *c = o->cfg;
	size_t created = 0, updated = 0;
	int r;

	/* The API checked each item; a code that normalizes to another's
	 * in the same batch would be updated twice: refuse it. */
	for (size_t i = 0; i < n; i++) {
		char code[BOOKING_CODE_MAX + 1], phone[BOOKING_PHONE_MAX + 1];
		int span;

		if (normalize(b[i].code, code) < 0)
			return office_refuse(
				err, OFFICE_UNPROCESSABLE, EINVAL,
				"appointments[%zu]: the code must be %d "
				"to %d letters and digits.",
				i, BOOKING_CODE_MIN, BOOKING_CODE_MAX);
		if (b[i].service < 0 || (size_t)b[i].service >= c->n_services ||
		    c->services[b[i].service].info)
			return office_refuse(
				err, OFFICE_UNPROCESSABLE, EINVAL,
				"appointments[%zu]: not a service that "
				"issues tickets.",
				i);
		span = booking_span_check(b[i].start, b[i].end);
		if (span == -EINVAL)
			return office_refuse(
				err, OFFICE_UNPROCESSABLE, EINVAL,
				"appointments[%zu]: the end must be after "
				"the start.",
				i);
		if (span < 0)
			return office_refuse(
				err, OFFICE_UNPROCESSABLE, EINVAL,
				"appointments[%zu]: a booking lasts at most "
				"%d hours.",
				i, BOOKING_SPAN_MAX / 3600);
		/* A booking that cannot be honoured is refused now, not at
		 * the kiosk; a cancellation always goes through. */
		enum hours_booking when = hours_booking_check(
			c, b[i].start, b[i].end, now);
		if (!b[i].cancelled && when != HOURS_BOOKING_OK)
			return office_refuse(err, OFFICE_UNPROCESSABLE, EINVAL,
					     "appointments[%zu]: %s.", i,
					     hours_booking_why(when));
		if (b[i].phone && booking_phone_normalize(b[i].phone,
							  strlen(b[i].phone),
							  phone) < 0)
			return office_refuse(
				err, OFFICE_UNPROCESSABLE, EINVAL,
				"appointments[%zu]: not a phone number.", i);
		for (size_t j = 0; j < i; j++) {
			char other[BOOKING_CODE_MAX + 1];
			if (normalize(b[j].code, other) == 0 &&
			    strcmp(code, other) == 0)
				return office_refuse(
					err, OFFICE_UNPROCESSABLE, EINVAL,
					"appointments[%zu]: the code %s "
					"is also item %zu.",
					i, code, j);
		}
	}
	pthread_mutex_lock(&o->lock);
	r = store_begin(o->st);
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct store_appointment a = {
			.service = b[i].service, .start = b[i].start,
			.end = b[i].end, .cancelled = b[i].cancelled,
		};
		bool was_created;
		/* Both were checked above. */
		(void)normalize(b[i].code, a.code);
		if (b[i].phone)
			(void)booking_phone_normalize(
				b[i].phone, strlen(b[i].phone), a.phone);
		r = store_appointment_put(o->st, &a, now, &was_created);
		if (r == 0 && was_created)
			created++;
		else if (r == 0)
			updated++;
	}
	if (r == 0)
		r = office_log_event(o, EVENT_IMPORTED, NULL, -1, now, NULL);
	if (r == 0)
		r = store_commit(o->st);
	if (r < 0) {
		r = office_store_failed(o, err, r, "importing bookings");
		goto out;
	}
	*ret_created = created;
	*ret_updated = updated;
out:
	pthread_mutex_unlock(&o->lock);
	return r;
}

static void local_date_time(int64_t t, char date[11], char hhmm[6])
{
	char s[32];
	hours_rfc3339(t, s);
	memcpy(date, s, 10);
	date[10] = '\0';
	memcpy(hhmm, s + 11, 5);
	hhmm[5] = '\0';
}

int office_checkin(struct office *o, const char *code, int kiosk, int64_t now,
		   struct ticket *ret, char *message, size_t message_len,
		   int64_t *ret_booked_at, struct office_error *err)
{
	const struct config *c = o->cfg;
	struct store_appointment a;
	struct hours_status h;
	struct printer_status ps = {0};
	struct ticket t = {0};
	char norm[BOOKING_CODE_MAX + 1], day[TICKET_DAY_LEN + 1], date[11],
		hhmm[6];
	char phone[PHONE_LEN + 1];
	bool texted;
	int printer, r;

	if (normalize(code, norm) < 0)
		return office_refuse(
			err, OFFICE_NOT_FOUND, ENOENT,
			"There is no booking with this code. Check the "
			"code in your SMS.");
	/* Check-ins are taken all the opening hours, also past the walk-in
	 * cut-off. */
	hours_status(c, now, &h);
	if (!h.open)
		return office_refuse_closed(o, &h, err);

	pthread_mutex_lock(&o->lock);
	r = office_roll_day(o, now, err);
	if (r < 0)
		goto out;
	r = store_appointment_get(o->st, norm, &a);
	if (r == -ENOENT) {
		r = office_refuse(
			err, OFFICE_NOT_FOUND, ENOENT,
			"There is no booking with the code %s. Check the "
			"code in your SMS.",
			norm);
		goto out;
	}
	if (r < 0) {
		r = office_refuse(err, OFFICE_INTERNAL, -r,
				  "The bookings could not be read.");
		goto out;
	}
	local_date_time(a.start, date, hhmm);
	if (a.cancelled) {
		r = office_refuse(err, OFFICE_GONE, ECANCELED,
				  "The booking %s for %s at %s was cancelled.",
				  norm, date, hhmm);
		goto out;
	}
	hours_day(a.start, day);
	if (strcmp(day, o->day) != 0) {
		r = office_refuse(
			err, OFFICE_UNPROCESSABLE, EINVAL,
			"The booking %s is for %s at %s, not for today.", norm,
			date, hhmm);
		err->starts_at = a.start;
		goto out;
	}
	if (a.ticket) {
		struct ticket old;
		if (store_ticket_get(o->st, a.ticket, &old) == 0) {
			r = office_refuse(
				err, OFFICE_CONFLICT, EEXIST,
				"The booking %s is already checked in: "
				"your ticket is %s.",
				norm, old.number);
			office_derive(o, &old, now);
			err->ticket = old;
			err->has_ticket = true;
		} else
			r = office_refuse(
				err, OFFICE_CONFLICT, EEXIST,
				"The booking %s is already checked in.", norm);
		goto out;
	}
	if (a.service < 0 || c->services[a.service].info) {
		r = office_refuse(
			err, OFFICE_UNPROCESSABLE, EINVAL,
			"The booking %s is for a service this office does "
			"not serve here.",
			norm);
		goto out;
	}
	t.service = a.service;
	t.issued_at = now;
	t.kiosk = kiosk;
	t.estimate_min = -1;
	if (message_len)
		message[0] = '\0';
	if (now > a.start + (int64_t)c->policy.late_grace * 60) {
		/* Too late to keep the booking's place: a walk-in ticket,
		 * and the citizen is told why. */
		t.kind = TICKET_WALK_IN;
		t.late = true;
		t.estimate_min =
			office_estimate_new(o, t.service, TICKET_WALK_IN, now);
		*ret_booked_at = a.start;
		snprintf(message, message_len,
			 "Your appointment was at %s and you arrived more "
			 "than %d minutes late, so you get a regular ticket "
			 "and wait with the other citizens.",
			 hhmm, c->policy.late_grace);
	} else {
		t.kind = TICKET_APPOINTMENT;
		t.slot_start = a.start;
	}
	printer = office_printer_of(o, kiosk);
	r = store_begin(o->st);
	if (r == 0)
		r = office_write_ticket(o, &t,
					t.kind == TICKET_APPOINTMENT ?
						c->policy.appointment_prefix :
						c->services[t.service].prefix,
					printer, &ps);
	if (r == 0)
		r = store_appointment_set_ticket(o->st, norm, t.id);
	if (r == 0)
		r = office_log_event(o, EVENT_CHECKED_IN, &t, -1, now,
				     t.late ? "late: walk-in ticket" : NULL);
	/* The booking platform's number, when it is a mobile one. */
	texted = office_sms_enabled(o) &&
		 phone_parse(a.phone, strlen(a.phone), phone) == 0;
	if (r == 0 && texted)
		r = office_phone_store(o, &t, phone, "booking", now);
	if (r == 0)
		r = store_commit(o->st);
	if (r < 0) {
		r = office_store_failed(o, err, r, "checking a booking in");
		goto out;
	}
	o->checked_in++;
	r = queue_add(o->q, &t);
	if (r == 0 && texted)
		office_phone_add(o, t.id, phone);
	if (r < 0) {
		log_err("queueing ticket %s failed: %s; reloading", t.number,
			strerror(-r));
		r = office_load_day(o, now);
		if (r < 0) {
			r = office_refuse(err, OFFICE_INTERNAL, -r,
					  "The queue could not be updated.");
			goto out;
		}
	}
	office_derive(o, &t, now);
	if (t.estimate_min >= 0)
		t.est_wait_min = t.estimate_min;
	if (t.printed == PRINT_PENDING)
		office_send_to_printer(o, printer, &t, now);
	office_notify_queue(o, now);
	*ret = t;
out:
	pthread_mutex_unlock(&o->lock);
	return r;
}
