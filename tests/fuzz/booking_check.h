/* What any list of bookings out of the import parsers must hold, for the
 * fuzz harnesses of both: the promises of booking_csv.h, refusals sorted
 * by line. A broken promise aborts. */
#ifndef BONOMAT_FUZZ_BOOKING_CHECK_H
#define BONOMAT_FUZZ_BOOKING_CHECK_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "booking.h"
#include "booking_csv.h"

#define ALNUM "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

static bool only(const char *s, const char *set)
{
	return s[strspn(s, set)] == '\0';
}

static void booking_check(const struct booking_list *l, unsigned lines)
{
	if (l->n > BOOKING_MAX || (l->fatal && l->n) ||
	    l->n_errors > BOOKING_ERRORS_MAX + 1 ||
	    l->n_errors > l->n_refused || (l->n_refused && !l->n_errors))
		abort();
	for (size_t i = 0; i < l->n; i++) {
		const struct booking *b = &l->items[i];
		size_t cl = strlen(b->code), sl = strlen(b->service);
		char code[BOOKING_CODE_MAX + 1], phone[BOOKING_PHONE_MAX + 1];

		/* Codes and numbers come out in the normal form of the one
		 * rule (booking.h): normalising them again changes nothing,
		 * and a code holds only upper-case letters and digits. */
		if (booking_code_normalize(b->code, cl, code) < 0 ||
		    strcmp(code, b->code) != 0 ||
		    !only(b->code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") ||
		    sl < 1 || sl > BOOKING_SERVICE_MAX ||
		    !only(b->service, ALNUM "_-"))
			abort();
		if (booking_span_check(b->start, b->end) < 0 ||
		    b->end <= b->start || b->end - b->start > BOOKING_SPAN_MAX)
			abort();
		if (b->phone &&
		    (booking_phone_normalize(b->phone, strlen(b->phone),
					     phone) < 0 ||
		     strcmp(phone, b->phone) != 0 ||
		     !only(b->phone + (b->phone[0] == '+'), "0123456789")))
			abort();
		if (b->status != BOOKING_BOOKED &&
		    b->status != BOOKING_CANCELLED)
			abort();
		if (b->line < 1 || b->line > lines ||
		    (i > 0 && b->line <= l->items[i - 1].line))
			abort();
	}
	for (size_t i = 0; i < l->n_errors; i++) {
		const struct booking_error *e = &l->errors[i];

		if (e->line < 1 || e->line > lines || !e->msg[0] ||
		    !memchr(e->msg, '\0', sizeof(e->msg)) ||
		    (i > 0 && e->line < l->errors[i - 1].line))
			abort();
	}
}

#endif
