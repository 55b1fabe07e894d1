/* Local time of the office and its opening hours. The office's time zone is
 * the process's (hours_set_zone() at start), so local dates follow DST. */
#ifndef BONOMAT_HOURS_H
#define BONOMAT_HOURS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* Sets the process time zone (an IANA name such as Europe/Bucharest);
 * -ENOENT when the system has no such zone. */
int hours_set_zone(const char *tz);
/* The local date of t as YYYY-MM-DD. */
void hours_day(int64_t t, char ret_day[11]);
/* t as RFC 3339 with the local offset: 2026-12-03T09:15:00+02:00. */
void hours_rfc3339(int64_t t, char ret[32]);
/* Parses RFC 3339 (with Z or an offset) into unix seconds. */
int hours_parse_rfc3339(const char *s, int64_t *ret);

struct hours_status {
	int64_t at;        /* the moment this status is for */
	bool open;         /* inside the day's hours (or always_open) */
	bool cutoff;       /* open, but past the walk-in cut-off */
	int64_t closes_at; /* today's closing, 0 when closed or always open */
	int64_t next_open; /* the next opening after now when not open, else 0 */
};

int hours_status(const struct config *c, int64_t now,
		 struct hours_status *ret);

/* Why a booking from start to end cannot be honoured, as of now: the one
 * rule of the import (POST /api/v1/appointments) and of bonomatctl's dry
 * run. With always_open only a past booking is refused. */
enum hours_booking {
	HOURS_BOOKING_OK = 0,
	HOURS_BOOKING_PAST,    /* it ended before now */
	HOURS_BOOKING_CLOSED,  /* its day is in [hours] closed or not open */
	HOURS_BOOKING_OUTSIDE, /* it starts outside that day's opening hours */
};
enum hours_booking hours_booking_check(const struct config *c, int64_t start,
				       int64_t end, int64_t now);
/* The refusal in words ("the office is closed on that day"), for a
 * sentence "appointments[3]: ..."; NULL for HOURS_BOOKING_OK. */
const char *hours_booking_why(enum hours_booking b);

#endif
