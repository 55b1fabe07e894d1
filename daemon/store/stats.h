/* Daily statistics read from the store's tables and event log on a
 * read-only SQLite connection of their own (WAL lets it read while the
 * daemon writes): per service and kind, the fairness of the call policy,
 * and the live figures behind GET /metrics. Every function returns 0 or a
 * negative errno and none logs. Thread-safe: one lock around each call. */
#ifndef BONOMAT_STATS_H
#define BONOMAT_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "ticket.h"

#define STATS_KINDS 3	/* enum ticket_kind */
#define STATS_REASONS REASON_COUNT /* enum call_reason, REASON_NONE included */
/* An on-time booking counts as served on time when first called at most
 * this long after its slot start. */
#define STATS_SLOT_GRACE_S 600
/* Upper bounds of the wait histogram of GET /metrics (+Inf follows). */
#define STATS_WAIT_BUCKETS 7
extern const int64_t stats_wait_bounds[STATS_WAIT_BUCKETS];

struct stats;

/* A distribution of durations in seconds; the figures are 0 when n is 0.
 * p50 and p90 are the nearest-rank 50th and 90th percentiles. */
struct stats_summary {
	size_t n;
	int64_t mean_ds; /* tenths of a second, rounded */
	int64_t p50_s;
	int64_t p90_s;
	int64_t max_s;
};

/* Bookings checked in no later than their slot start ("on time"), and how
 * many of them were first called by slot start + STATS_SLOT_GRACE_S.
 * pending: not called yet while that moment is still to come (today
 * only); they are left out of the share. */
struct stats_on_time {
	size_t bookings;
	size_t pending;
	size_t within;
};

/* One service and kind. A ticket is issued, and its wait counted, in the
 * service it was issued for; it is served, no_show, expired, waiting or
 * called in the service it is in at the end, so that per row
 * issued + transferred_in - transferred_out = served + no_show + expired +
 * waiting + called. A no-show brought back (returned) counts where it
 * ends, and in returned once per return. */
struct stats_row {
	const char *service; /* the service's id */
	enum ticket_kind kind;
	size_t issued, served, no_show, expired;
	size_t returned; /* no-shows brought back (EVENT_RETURNED) */
	size_t transferred_in, transferred_out;
	size_t waiting, called;		   /* at the time of the query */
	struct stats_summary wait;	   /* issue to first call */
	struct stats_summary service_time; /* last call to served */
	struct stats_on_time on_time;	   /* appointments only */
	size_t calls[STATS_REASONS]; /* by rule, in the service then */
};

struct stats_kind {
	struct stats_summary wait;
	size_t overtakes;
	/* The most seconds a ticket of the kind was called (or, still
	 * waiting, is now) past its due time: a booking checked in on time
	 * its slot start, a priority ticket priority_wait, a walk-in
	 * max_wait after issue. Negative when none passed it; valid when
	 * late_n > 0 (the tickets measured). */
	int64_t worst_late_s;
	size_t late_n;
};

/* The waits told at issue against the real ones, for the called tickets
 * that were told one: within max(5 min, 30% of the estimate), or longer
 * than that (docs/DESIGN.md, "Estimates"). */
struct stats_estimates {
	size_t told, within, longer;
};

/* Where a counter's time went between its first and last activity of the
 * day; see stats.c for the exact definition. first and last are 0 when the
 * counter did nothing that day. */
struct stats_counter {
	const char *id;
	int64_t first, last;
	int64_t busy_s, paused_s, idle_s;
};

struct stats_day {
	char day[11];
	int64_t now;
	struct stats_row *rows; /* services in config order, kinds in enum
				   order; then services no longer configured */
	size_t n_rows;
	struct {
		size_t issued, served, no_show, expired, waiting, called;
		size_t returned;
	} totals;
	struct stats_kind kinds[STATS_KINDS];
	struct stats_on_time on_time;
	struct stats_estimates estimates;
	size_t overtakes;
	size_t calls[STATS_REASONS];	/* 'called' events by reason */
	struct stats_counter *counters; /* one per configured counter */
	size_t n_counters;

	char **extra_ids; /* ids of services no longer configured */
	size_t n_extra;
};

/* Today's figures for GET /metrics, cheap to compute (indexed queries
 * only), one entry per configured service. */
struct stats_live_service {
	size_t issued[STATS_KINDS];
	size_t served[STATS_KINDS];
	size_t waiting;
	size_t wait_bucket[STATS_WAIT_BUCKETS + 1]; /* not cumulative */
	int64_t wait_sum_s;
	size_t wait_count;
};

struct stats_live {
	char day[11];
	struct stats_live_service *services; /* cfg->n_services entries */
	size_t n_services;
};

/* Opens the database at path read-only. The store must have created and
 * migrated it first. */
int stats_open(const char *path, const struct config *cfg, struct stats **ret);
void stats_close(struct stats *s); /* accepts NULL */
/* A reloaded config; the caller keeps every reader out meanwhile. */
void stats_set_config(struct stats *s, const struct config *cfg);

/* Whether day is a real calendar date written YYYY-MM-DD. */
bool stats_valid_day(const char *day);

/* The figures of day (local date) as of now; *ret is the caller's, to be
 * released with stats_day_free(). A day without data gives zeros. */
int stats_compute(struct stats *s, const char *day, int64_t now,
		  struct stats_day **ret);
void stats_day_free(struct stats_day *d);

/* --- a period of days ----------------------------------------------------- */

#define STATS_PERIOD_DAYS_MAX 366
#define STATS_HOURS 24

/* Tickets issued in one hour of the local day (0 to 23) over the period,
 * and the waits of those of them that were called. */
struct stats_hour {
	size_t arrivals;
	struct stats_summary wait;
};

/* The days from .. to, each as stats_compute() gives it (its fairness
 * overtakes left at 0), and the whole period: rows by service and kind
 * (services in config order, then others in the order they appear),
 * their sums and distributions pooled over every ticket of the period,
 * not averaged over days. */
struct stats_period {
	char from[11], to[11];
	int64_t now;
	struct stats_day **days;
	size_t n_days;
	struct stats_row *rows;
	size_t n_rows;
	char **extra_ids; /* ids of the rows' services no longer configured */
	size_t n_extra;
	struct stats_on_time on_time;
	size_t calls[STATS_REASONS];
	struct stats_hour hours[STATS_HOURS];
};

/* The figures of every day from from to to (local dates, from <= to, at
 * most STATS_PERIOD_DAYS_MAX days: -EINVAL otherwise, -E2BIG when longer)
 * read in one transaction. */
int stats_period(struct stats *s, const char *from, const char *to,
		 int64_t now, struct stats_period **ret);
void stats_period_free(struct stats_period *p);
/* The number of days from from to to, both counted; 0 when either is not
 * a date or to is before from. */
long stats_period_days(const char *from, const char *to);

int stats_live(struct stats *s, const char *day, struct stats_live **ret);
void stats_live_free(struct stats_live *l);

#endif
