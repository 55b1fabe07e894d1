/* Bookings from an iCalendar export (the RFC 5545 subset a booking platform
 * writes): one VEVENT per booking. Bytes in, the records of booking_csv.h
 * and per-event refusals out; no I/O, no logging. */
#ifndef BONOMAT_BOOKING_ICS_H
#define BONOMAT_BOOKING_ICS_H

#include <stddef.h>

#include "booking_csv.h"

struct booking_ics_options {
	/* The office's time zone, which must also be the process's (TZ):
	 * times with this TZID and floating times are local times there. */
	const char *tzid;
	/* The property that holds the service id: NULL for X-SERVICE, or
	 * "CATEGORIES" for the one category of the event. */
	const char *service_property;
};

/* Parses a VCALENDAR (or several) after unfolding its lines. A VEVENT
 * becomes a booking: the code from X-BOOKING-CODE, else UID; DTSTART and
 * DTEND (or DURATION) in UTC, in the office's TZID or floating; the
 * service; STATUS:CANCELLED (or METHOD:CANCEL) cancels; the phone from
 * X-PHONE, else a tel: ATTENDEE or CONTACT. A refused event is reported at
 * its BEGIN:VEVENT line. Returns 0, -EFBIG over BOOKING_FILE_MAX, -EINVAL
 * for bad options, or -ENOMEM; *ret_list is the caller's to free. */
int booking_ics_parse(const char *data, size_t len,
		      const struct booking_ics_options *o,
		      struct booking_list **ret_list);
void booking_ics_free(struct booking_list *l);

#endif
