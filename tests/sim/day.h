/* One simulated office day: the services, the counters and every citizen
 * who gets a ticket, drawn from a seed. Times are seconds since the day's
 * midnight; the queue engine only ever compares them. */
#ifndef BONOMAT_SIM_DAY_H
#define BONOMAT_SIM_DAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ticket.h"

struct day_service {
	const char *id;
	const char *name;
	double minutes;	     /* mean service time, as the config's minutes */
	double walkin_share; /* of the walk-ins, and of the bookings */
	double long_share;   /* of the bookings, with long_bookings */
};

struct day_params {
	uint64_t seed;
	int walkins;	/* walk-in tickets, priority ones included */
	int bookings;	/* bookings made, no-shows included */
	int counters;	/* modules of six counters, repeated */
	int late_grace; /* minutes */
	/* Bookings mostly for the long services rather than mixed as the
	 * walk-ins are. */
	bool long_bookings;
};

struct citizen {
	int64_t arrival; /* the ticket's issue time (check-in for bookings) */
	int64_t slot_start; /* appointment tickets only, else 0 */
	int64_t service_s;  /* how long the counter takes with this citizen */
	int service;
	enum ticket_kind kind;
	bool late; /* a booking checked in after the grace */
};

/* A booking as the office knows it from the import: its slot and service,
 * and when its citizen checks in (-1: never, a no-show or after closing). */
struct day_booking {
	int64_t slot_start;
	int64_t checkin;
	int service;
};

struct day {
	uint64_t seed;
	const struct day_service *services;
	size_t n_services;
	uint64_t *counter_services; /* bit s: the counter serves service s */
	size_t n_counters;
	struct citizen *c; /* sorted by arrival */
	size_t n;
	struct day_booking *b; /* every booking made, in drawing order */
	size_t n_b;
	int64_t open, close, cutoff; /* cutoff: the last walk-in ticket */
	int64_t late_grace;	     /* seconds */

	/* How the day was drawn, for the report. */
	size_t walkins, priority; /* walk-in tickets drawn as such */
	size_t bookings, no_shows;
	size_t on_time;	   /* checked in by the slot start */
	size_t in_grace;   /* after it, within late_grace: still a booking */
	size_t late;	   /* later: a walk-in ticket with the booked service */
	size_t too_late;   /* after closing: no ticket */
	double work_s[64]; /* service time asked for, per service */
	double load;	   /* all of it over the counters' time */
};

/* Draws a day; the caller frees it with day_free(). -EINVAL when the
 * parameters are out of range or a service would have no counter. */
int day_new(const struct day_params *p, struct day **ret);
void day_free(struct day *d);

#endif
