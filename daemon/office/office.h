/* The office: ties the queue engine to the store. Every operation decides
 * with the pure queue engine, commits the change to the store in one
 * transaction, and only then applies it in memory, so memory never holds
 * what the database does not. Thread-safe: one lock around each call. */
#ifndef BONOMAT_OFFICE_H
#define BONOMAT_OFFICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "phone.h"
#include "sms_text.h"
#include "store.h"
#include "ticket.h"

enum office_status {
	OFFICE_OK = 0,
	OFFICE_NOT_FOUND,     /* 404 not_found */
	OFFICE_CONFLICT,      /* 409 conflict */
	OFFICE_GONE,          /* 410 gone */
	OFFICE_CLOSED,        /* 422 closed */
	OFFICE_UNPROCESSABLE, /* 422 unprocessable */
	OFFICE_INTERNAL,      /* 500 internal */
	OFFICE_WAIT_TOO_LONG, /* 422 wait_too_long: [policy] walkin_limit */
	OFFICE_UNAVAILABLE,   /* 503 unavailable: the disk, for now */
	OFFICE_RETURN_WINDOW_PASSED, /* 422 return_window_passed */
};

/* Why an operation was refused, in words for the person who asked, and
 * the refusal's parameters for pages that word it themselves. */
struct office_error {
	enum office_status status;
	char message[256];
	const char *reason; /* OFFICE_CLOSED: "closed", "cutoff", "estimate" */
	int64_t opens_at;   /* the next opening; 0: not said */
	int64_t closes_at;  /* today's closing; 0: not said */
	int cutoff_min;     /* the walk-in cut-off; -1: not said */
	int wait_min;       /* the estimated wait; -1: not said */
	int limit_min;      /* OFFICE_WAIT_TOO_LONG: [policy] walkin_limit */
	int64_t starts_at;  /* a booking for another day: its start; 0 */
	bool has_ticket;    /* the booking's ticket (already checked in) */
	struct ticket ticket;
};

/* Why a walk-in or priority ticket is not issued now (office_admission). */
enum office_closed_reason {
	OFFICE_ADMIT = 0,
	OFFICE_CLOSED_HOURS,    /* "closed": outside the opening hours */
	OFFICE_CLOSED_CUTOFF,   /* "cutoff": the last minutes before closing */
	OFFICE_CLOSED_ESTIMATE, /* "estimate": the wait ends after closing */
	OFFICE_CLOSED_WAIT,     /* "wait_too_long": [policy] walkin_limit */
};

const char *office_closed_reason_name(enum office_closed_reason r);

/* A counter's view carries the first few waiting tickets and how many wait
 * in all: its size does not grow with the queue. */
#define OFFICE_WAITING_SHOWN 50 /* the first tickets listed by default */
#define OFFICE_WAITING_MAX 200  /* the most a view lists */

struct office_counter_view {
	bool paused;
	uint64_t services; /* today's: the config's, or as changed since */
	bool has_current;
	struct ticket current;
	/* malloc'd: the first n_waiting in the order they would be called */
	struct ticket *waiting;
	size_t n_waiting;
	/* Today's no-shows of its services that may still come back
	 * (office_return), newest first; malloc'd. */
	struct ticket *returnable;
	size_t n_returnable;
	size_t waiting_total; /* every waiting ticket of its services */
};

/* The most no-shows a counter's view lists as returnable. */
#define OFFICE_RETURNABLE_MAX 50

struct office_service_view {
	bool open;          /* walk-in tickets are issued now */
	enum office_closed_reason closed_reason; /* why not, when not */
	bool priority_open; /* priority tickets are issued now */
	int64_t opens_at;   /* when not open: the next opening, 0 unknown */
	size_t waiting;
	int est_wait_min;   /* -1 when no counter serving it is open */
};

struct office;
struct printers;
struct sms;

/* What pages are told live (the events stream). */
enum office_event_type {
	OFFICE_EVENT_CALLED,
	OFFICE_EVENT_RECALLED,
	OFFICE_EVENT_QUEUE, /* waiting counts changed */
	OFFICE_EVENT_COUNTER, /* a counter paused, resumed, finished a
			       * ticket or changed its services */
	OFFICE_EVENT_CONFIG, /* a reloaded config is in force */
};

struct office_event {
	enum office_event_type type;
	int64_t at;
	const struct ticket *ticket;                /* CALLED, RECALLED */
	int64_t seq; /* CALLED, RECALLED: the event's id in the database */
	const struct office_service_view *services; /* QUEUE: per service */
	size_t n_services;
	int counter; /* COUNTER */
	const struct config *config; /* CONFIG: the new one */
};

/* Called with the office locked, after the change is committed: it must
 * not call back into the office. */
typedef void (*office_notify_fn)(void *userdata,
				 const struct office_event *ev);

/* Rebuilds the queue from the database at now. */
int office_new(const struct config *cfg, struct store *st, int64_t now,
	       struct office **ret);
void office_free(struct office *o);

/* Each returns 0, or a negative errno with err filled in. */
int office_issue(struct office *o, int service, int kiosk, bool priority,
		 int64_t now, struct ticket *ret, struct office_error *err);
int office_ticket(struct office *o, int64_t id, int64_t now,
		  struct ticket *ret, struct office_error *err);
/* The ticket whose token (ticket.h) is token: OFFICE_NOT_FOUND for a
 * token nobody has, malformed or not. */
int office_ticket_by_token(struct office *o, const char *token, int64_t now,
			   struct ticket *ret, struct office_error *err);
/* ret_none is set when nobody waits (the ticket is then untouched). */
int office_next(struct office *o, int counter, int64_t now,
		struct ticket *ret, bool *ret_none, struct office_error *err);
int office_recall(struct office *o, int counter, int64_t now,
		  struct ticket *ret, struct office_error *err);
int office_done(struct office *o, int counter, bool served, int64_t now,
		struct ticket *ret, struct office_error *err);
int office_transfer(struct office *o, int counter, int service, int64_t now,
		    struct ticket *ret, struct office_error *err);
int office_pause(struct office *o, int counter, bool paused, int64_t now,
		 struct office_error *err);
/* The counter's view with the first OFFICE_WAITING_SHOWN waiting. */
int office_counter(struct office *o, int counter, int64_t now,
		   struct office_counter_view *ret, struct office_error *err);
/* The same with the first max waiting (at most OFFICE_WAITING_MAX). */
int office_counter_first(struct office *o, int counter, size_t max,
			 int64_t now, struct office_counter_view *ret,
			 struct office_error *err);
void office_counter_view_clear(struct office_counter_view *v);
int office_service(struct office *o, int service, int64_t now,
		   struct office_service_view *ret);
/* What the services' views are made of: equal versions, equal views. */
struct office_version {
	uint64_t writes;   /* the database's state (store_writes()) */
	int64_t day_began; /* the day the queue holds */
	int64_t now;       /* the second */
};
/* Every service's view (ret has room for cfg->n_services) under one lock,
 * and their version. */
int office_services(struct office *o, int64_t now,
		    struct office_service_view *ret,
		    struct office_version *ret_version);
int office_recent_calls(struct office *o, int64_t now,
			struct store_call *ret_calls, size_t max,
			size_t *ret_n);
int office_healthy(struct office *o);

/* The group commits of issued tickets since the start: how many, the
 * tickets they wrote, and how many wrote at most 1, 2, 4, 8, 16 and any
 * number of tickets (cumulative, as a Prometheus histogram's buckets). */
#define OFFICE_COMMIT_BUCKETS 6
struct office_commits {
	uint64_t commits, tickets;
	uint64_t le[OFFICE_COMMIT_BUCKETS]; /* le 1, 2, 4, 8, 16, +Inf */
};
void office_commits(struct office *o, struct office_commits *ret);

/* Which tickets office_tickets() lists (GET /api/v1/tickets). */
struct office_ticket_query {
	const char *day;                /* YYYY-MM-DD, NULL: today */
	const enum ticket_state *state; /* NULL: any */
	const char *number;             /* NULL: any */
	int64_t after;                  /* ids after this (0: from the first) */
	size_t limit;                   /* ret has room for this many */
};
/* The tickets of a day by id; today's waiting ones with ahead and the
 * estimate. *ret_n is how many were written to ret. */
int office_tickets(struct office *o, const struct office_ticket_query *q,
		   int64_t now, struct ticket *ret, size_t *ret_n,
		   struct office_error *err);
/* Time passes: once the office has closed, waiting tickets expire. Called
 * every few seconds. */
int office_tick(struct office *o, int64_t now);

/* A booking to import (POST /api/v1/appointments). */
struct office_booking {
	const char *code; /* as sent; normalised by the office (booking.h) */
	int service;      /* a ticket service */
	int64_t start, end;
	const char *phone; /* as sent, or NULL; normalised likewise */
	bool cancelled;
};

/* Stores the whole batch or nothing; a code seen before is updated. Every
 * item is held to the booking rule (booking.h: code, phone, span). */
int office_import(struct office *o, const struct office_booking *b, size_t n,
		  int64_t now, size_t *ret_created, size_t *ret_updated,
		  struct office_error *err);
/* Checks a booked citizen in: an appointment ticket, or a walk-in ticket
 * (late set, message saying why, ret_booked_at the booking's start) after
 * the grace period. */
int office_checkin(struct office *o, const char *code, int kiosk, int64_t now,
		   struct ticket *ret, char *message, size_t message_len,
		   int64_t *ret_booked_at, struct office_error *err);

/* A second chance (docs/DESIGN.md, "Returns"): ticket id, marked no-show
 * today at most [policy] return_window minutes ago, waits again with its
 * original issue time and a `returned` event at counter (-1: the citizen
 * at a kiosk). OFFICE_CONFLICT when it is no no-show,
 * OFFICE_RETURN_WINDOW_PASSED when too late (err->wait_min: the window),
 * OFFICE_CLOSED when the office is closed. */
int office_return(struct office *o, int64_t id, int counter, int64_t now,
		  struct ticket *ret, struct office_error *err);
/* The same for the ticket whose token is token (its QR code). */
int office_return_by_token(struct office *o, const char *token, int kiosk,
			   int64_t now, struct ticket *ret,
			   struct office_error *err);
/* The last moment ticket t (a no-show of today) can come back, or 0 when
 * it cannot (any more) at now. */
int64_t office_return_until(struct office *o, const struct ticket *t,
			    int64_t now);

void office_set_notify(struct office *o, office_notify_fn fn,
		       void *userdata);

/* --- the floor manager (floor.c) --- */

/* A service on the supervision page. */
struct office_floor_service {
	struct office_service_view v;
	int64_t oldest_at;     /* issue time of the longest waiting, 0 none */
	char oldest_number[TICKET_NUMBER_MAX];
	/* The longest waiting walk-in or priority ticket (max_wait's). */
	int64_t oldest_walkin_at; /* 0: none */
	char oldest_walkin_number[TICKET_NUMBER_MAX];
	size_t over_max_wait; /* walk-in and priority tickets past max_wait */
};

/* A counter on the supervision page. */
struct office_floor_counter {
	bool paused;
	int64_t paused_since; /* when paused; 0 when not */
	uint64_t services;    /* today's */
	bool has_current;
	struct ticket current;
	int served; /* tickets served today */
};

/* The floor now: per config service and counter, and the checked-in
 * bookings waiting after their slot start (arrays malloc'd). */
struct office_floor {
	char day[TICKET_DAY_LEN + 1];
	struct office_floor_service *services;
	struct office_floor_counter *counters;
	struct ticket *late; /* appointment tickets waiting past slot start */
	size_t n_late;
};

int office_floor(struct office *o, int64_t now, struct office_floor *ret,
		 struct office_error *err);
void office_floor_clear(struct office_floor *f);
/* Calls cb for each booking of today (store_bookings_day), with the
 * office locked: cb must not call into the office. */
int office_bookings_today(struct office *o, int64_t now,
			  int (*cb)(const struct store_booking *b,
				    void *userdata),
			  void *userdata, struct office_error *err);
/* A waiting ticket whose citizen left: no_show, with the reason in the
 * log (EVENT_CANCELLED). */
int office_cancel(struct office *o, int64_t id, const char *reason,
		  int64_t now, struct ticket *ret, struct office_error *err);
/* The ticket services counter calls for the rest of the day: logged
 * (EVENT_SERVICES_CHANGED) and replayed when the day is loaded again. */
int office_set_services(struct office *o, int counter, uint64_t services,
			int64_t now, struct office_error *err);
/* The ids of services' bits, separated by commas, in buf. */
void office_services_format(const struct config *c, uint64_t services,
			    char *buf, size_t size);

/* --- reloading the configuration (reload.c) --- */

/* Puts a reloaded config in force at once, with printers as the pool
 * from now on: the queue is rebuilt from the database under the new ids,
 * so waiting tickets and open calls are kept, and the notify callback is
 * told (OFFICE_EVENT_CONFIG, then the new queue) under the lock. Refused
 * (OFFICE_CONFLICT) when a ticket waiting or at a counter would lose its
 * service, or an open call its counter; the running config then stays.
 * nc must outlive its use: until the next reload and office_free().
 * Operations read the config before they take the office lock: the
 * caller keeps them out meanwhile (the api's config lock). */
int office_reconfigure(struct office *o, const struct config *nc,
		       struct printers *printers, int64_t now,
		       struct office_error *err);

/* Printing: once set, each new ticket is laid out and queued on its
 * kiosk's printer after it is committed; its `printed` follows the job. */
void office_set_printers(struct office *o, struct printers *p);
/* Records the outcome of a print job (from the printer workers). */
int office_printed(struct office *o, int64_t ticket, bool ok,
		   const char *why, int64_t now);
/* Prints a ticket of the day again, on explicit request only. */
int office_reprint(struct office *o, int64_t ticket, int64_t now,
		   struct ticket *ret, struct office_error *err);

/* Text messages (issue #12): once set, tickets with a number are texted
 * through the worker when their turn nears and when they are called. */
void office_set_sms(struct office *o, struct sms *s);
/* The citizen's mobile number for waiting ticket id, given at the kiosk
 * with consent; ret_masked gets it as pages may show it. Refused when
 * the office sends no text messages ([sms] driver none). */
int office_phone(struct office *o, int64_t id, const char *phone,
		 int64_t now, struct ticket *ret,
		 char ret_masked[PHONE_MASK_LEN + 1], struct office_error *err);
/* Records a message's end (from the SMS worker) in the event log. */
int office_sms_done(struct office *o, int64_t ticket, enum sms_kind kind,
		    bool ok, const char *why, int64_t now);

#endif
