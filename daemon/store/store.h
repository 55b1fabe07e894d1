/* Durable state in SQLite (WAL, synchronous=FULL): tickets, per-day number
 * sequences, counters' state and the append-only event log. Prepared
 * statements only. Every function returns 0 or a negative errno; none logs.
 * Transitions are composed by the caller between store_begin() and
 * store_commit() so that each one is a single transaction. */
#ifndef BONOMAT_STORE_H
#define BONOMAT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "booking.h"
#include "config.h"
#include "ticket.h"

#define STORE_SCHEMA_VERSION 10

struct store;

/* One row of the event log: every transition, with its time, counter and
 * the policy rule that chose the ticket. */
struct store_event {
	int64_t at;
	/* event_type_name() of an enum event_type (ticket.h lists them all:
	 * issued, checked_in, called, recalled, served, no_show,
	 * transferred, expired, paused, resumed, imported, print_requested,
	 * printed, print_failed, cancelled, services_changed, returned,
	 * sms_requested, sms_sent, sms_failed); any other name is refused. */
	const char *type;
	int64_t ticket;   /* 0 when not about a ticket */
	int service;      /* -1 when none */
	int counter;      /* -1 when none */
	enum ticket_kind kind;
	enum call_reason reason;
	const char *detail; /* free text or NULL */
};

/* A call as shown on the lobby display. */
struct store_call {
	int64_t ticket;
	char number[TICKET_NUMBER_MAX];
	int counter;
	int64_t at;
	int64_t seq; /* the call's event id: later calls have larger ones */
};

/* Opens (creating if needed) the database and migrates its schema forward.
 * The config maps service, counter and kiosk ids to indexes; rows naming
 * ids the config no longer has load with index -1. Parent directory of
 * path must exist. */
int store_open(const char *path, const struct config *cfg,
	       struct store **ret);
void store_close(struct store *s);
/* A reloaded config: ids are mapped through cfg from now on. The caller
 * keeps every other user of the store out (the office lock). */
void store_set_config(struct store *s, const struct config *cfg);

int store_begin(struct store *s); /* BEGIN IMMEDIATE */
int store_commit(struct store *s);
/* Grows with every write transaction begun or ended: what was read from
 * the database before is still true while it has not changed. */
uint64_t store_writes(const struct store *s);
void store_rollback(struct store *s);

/* Within a transaction: the next sequence number of prefix on day
 * (1, 2, ...). Numbers are never handed out twice, also across restarts. */
int store_next_seq(struct store *s, const char *day, const char *prefix,
		   int *ret_seq);
/* Inserts t (t->id ignored) and sets t->id; t->token is stored when set
 * (never changed after: the update leaves it). */
int store_ticket_insert(struct store *s, struct ticket *t);
/* Writes every stored field of t, found by t->id; -ENOENT when absent. */
int store_ticket_update(struct store *s, const struct ticket *t);
/* The same for a change of t's state, counter, reason, called_at,
 * finished_at and recalls alone (every transition but a transfer, which
 * changes the service too), which writes no other column: SQLite checks
 * the CHECKs of the columns an UPDATE names, and those of kind and printed
 * build a temporary b-tree of their lists each time (6 us an update). */
int store_ticket_set_state(struct store *s, const struct ticket *t);
int store_ticket_get(struct store *s, int64_t id, struct ticket *ret);
/* The ticket whose token is token (ticket.h), through the unique index;
 * -ENOENT when none has it or token is not one. */
int store_ticket_by_token(struct store *s, const char *token,
			  struct ticket *ret);
int store_event_append(struct store *s, const struct store_event *ev);
/* The id of the event this connection appended last (0: none yet): with
 * the office lock held, the one just appended. Ids only grow. */
int64_t store_last_event(struct store *s);

int store_counter_save(struct store *s, int counter, bool paused,
		       int64_t current);
/* Defaults (not paused, no current ticket) for a counter never saved. */
int store_counter_load(struct store *s, int counter, bool *ret_paused,
		       int64_t *ret_current);

/* Calls cb for every waiting or called ticket of day, oldest first; stops
 * and returns cb's value when it is non-zero. */
int store_tickets_active(struct store *s, const char *day,
			 int (*cb)(const struct ticket *t, void *userdata),
			 void *userdata);
/* Which tickets store_tickets_list() reads. */
struct store_ticket_filter {
	const char *day;               /* YYYY-MM-DD */
	const enum ticket_state *state; /* NULL: any */
	const char *number;            /* "A012", or NULL: any */
	int64_t after;                 /* ids after this one (0: all) */
	size_t limit;                  /* at most this many */
};
/* Calls cb for the tickets of a day that pass f, by id; stops and returns
 * cb's value when it is non-zero. */
int store_tickets_list(struct store *s, const struct store_ticket_filter *f,
		       int (*cb)(const struct ticket *t, void *userdata),
		       void *userdata);
/* Waiting and called tickets of days before day (whose offices closed
 * without them) become expired and served, each with its event, at now. */
int store_close_days_before(struct store *s, const char *day, int64_t now,
			    int *ret_count);
/* Consecutive non-walk-in calls at the end of the day's calls in service. */
int store_service_streak(struct store *s, const char *day, int service,
			 int *ret_streak);
/* The newest calls of day, newest first; *ret_n set to how many. */
int store_recent_calls(struct store *s, const char *day,
		       struct store_call *ret_calls, size_t max,
		       size_t *ret_n);
/* A booking made online. code and phone are in their normal form
 * (booking.h). */
struct store_appointment {
	char code[BOOKING_CODE_MAX + 1];
	int service;    /* index into config services, -1 when unknown */
	int64_t start;  /* slot start and end, unix seconds */
	int64_t end;
	char phone[BOOKING_PHONE_MAX + 1]; /* "" when none (or purged) */
	bool cancelled;
	int64_t ticket; /* the ticket of its check-in, 0 before */
};

int store_appointment_get(struct store *s, const char *code,
			  struct store_appointment *ret);
/* Creates or updates the booking with a->code (its check-in is kept);
 * *ret_created tells which. */
int store_appointment_put(struct store *s, const struct store_appointment *a,
			  int64_t now, bool *ret_created);
int store_appointment_set_ticket(struct store *s, const char *code,
				 int64_t ticket);
/* Deletes the phone numbers of bookings and tickets whose day is before
 * day; *ret_count says how many. */
int store_purge_phones(struct store *s, const char *day, int *ret_count);

/* A ticket's mobile number for its text messages (phone.h's national
 * form), and which of them went out. */
struct store_phone {
	int64_t ticket;
	char phone[BOOKING_PHONE_MAX + 1];
	bool near_sent, called_sent;
};
/* Within a transaction: the number of a ticket (replacing an earlier one,
 * whose messages are then owed again). */
int store_phone_put(struct store *s, int64_t ticket, const char *phone);
/* Records messages gone out (true: this one; false: as it was). */
int store_phone_mark(struct store *s, int64_t ticket, bool near, bool called);
/* Calls cb for each number of day's tickets, by ticket; stops and returns
 * cb's value when it is non-zero. */
int store_phones_day(struct store *s, const char *day,
		     int (*cb)(const struct store_phone *p, void *userdata),
		     void *userdata);

/* How long the served tickets of day took at the counter (finished minus
 * called), newest first, all services in one pass: fn gets each with its
 * service's index (-1: a service the config no longer has) and stops the
 * walk by returning nonzero. */
int store_service_times(struct store *s, const char *day,
			int (*fn)(void *userdata, int service, int64_t seconds),
			void *userdata);

/* A booking of day still to check in: its service and slot start. */
struct store_slot {
	int service;
	int64_t start;
};

/* The bookings of day not cancelled and not checked in whose slot starts
 * at from or later, by slot start, at most max. */
int store_bookings_pending(struct store *s, const char *day, int64_t from,
			   struct store_slot *ret_slots, size_t max,
			   size_t *ret_n);

/* An event of the day about a counter's state on the floor: paused,
 * resumed, services_changed (detail: the service ids, commas between). */
struct store_floor_event {
	enum event_type type;
	int counter;
	int64_t at;
	const char *detail; /* valid during the callback only */
};
/* Calls cb for each floor event of day, oldest first (rows naming a
 * counter the config no longer has are skipped); stops and returns cb's
 * value when it is non-zero. */
int store_floor_events(struct store *s, const char *day,
		       int (*cb)(const struct store_floor_event *e,
				 void *userdata),
		       void *userdata);
/* How many tickets of day each counter served; ret_counts has one place
 * per config counter. */
int store_served_by_counter(struct store *s, const char *day,
			    int *ret_counts);

/* A booking of a day with its check-in's ticket, for the supervision
 * page. */
struct store_booking {
	struct store_appointment a; /* phone not read */
	bool has_ticket;
	char number[TICKET_NUMBER_MAX];
	enum ticket_state state;
	int64_t called_at; /* 0: never called */
};
/* Calls cb for each booking of day by slot start; stops and returns cb's
 * value when it is non-zero. */
int store_bookings_day(struct store *s, const char *day,
		       int (*cb)(const struct store_booking *b,
				 void *userdata),
		       void *userdata);

/* Whether the database accepts a write (for /healthz): not while the last
 * write transaction failed on a fault of the disk, nor while the path
 * names another file (or none), nor when a probe write fails. */
int store_check_writable(struct store *s);

/* Whether r (a negative errno of a store call) can only be a fault of the
 * disk or of the file, not of the request: full, read-only, I/O error,
 * the file replaced (-ESTALE). Before each write transaction the file is
 * looked at, and the write refused without asking SQLite while it is
 * gone, replaced or not writable. */
bool store_is_fault(int r);
/* The fault of the last write transaction (0: it worked); *ret_changed
 * tells whether that changed since the last call. */
int store_fault(struct store *s, bool *ret_changed);
/* How many pages of SQLite's -shm mapping the kernel refused to let be
 * written and the daemon keeps in memory instead (see store.c). */
unsigned int store_shm_faults(void);

#endif
