/* What the files of the office share and nothing outside daemon/office/
 * may see: the office itself and the helpers its operations have in
 * common. Every function here expects the office lock held unless it says
 * otherwise. */
#ifndef BONOMAT_OFFICE_INTERNAL_H
#define BONOMAT_OFFICE_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hours.h"
#include "office.h"
#include "printers.h"
#include "queue.h"

/* The last service times of a service, for the estimates: a moving
 * average over SERVICE_WINDOW tickets, the empty places of the window
 * counting as the config's starting estimate. */
#define SERVICE_WINDOW 10

struct service_times {
	int64_t recent[SERVICE_WINDOW];
	size_t n, next;
};

struct issue_req;
struct service_cache;

/* The waits of a walk-in issued now in each service, in minutes (-1: no
 * open counter), for one state of the database, day and second. */
struct walk_in_waits {
	bool valid;
	uint64_t writes;
	int64_t day_began, now;
	int min[CONFIG_MAX_SERVICES];
};
struct office_phone;
struct sms;

/* The office's arrays indexed by the config's services or counters. They
 * are allocated in one place, reload.c, for office_new() and for each
 * reload, which carries their values over by id: an array added here is
 * sized with the config it indexes and never outlives it. */
struct office_arrays {
	struct service_times *times; /* per service, today's */
	int64_t *paused_since; /* per counter: when paused today, 0 not */
	/* Per service, what was last made of it (office_admission_cached):
	 * new with a reloaded config, as its services may be others. */
	struct service_cache *cache;
	/* Every service's walk-in wait, made in one run (estimate.c). */
	struct walk_in_waits *walk_ins;
};

struct office {
	pthread_mutex_t lock;
	const struct config *cfg;
	struct store *st;
	struct queue *q;
	struct office_arrays arrays;
	struct printers *printers;    /* NULL: nothing is printed */
	office_notify_fn notify;
	void *notify_data;

	/* Ticket requests waiting for the next group commit. */
	pthread_mutex_t batch_lock;
	pthread_cond_t batch_done;
	struct issue_req *batch_head, *batch_tail;
	bool batch_writing;
	uint64_t batches, batched; /* commits and the tickets they wrote */
	uint64_t batch_sizes[OFFICE_COMMIT_BUCKETS]; /* by size, not summed */
	uint64_t checked_in;       /* tickets issued at check-in */
	char day[TICKET_DAY_LEN + 1]; /* the business day the queue holds */
	int64_t day_began; /* the time that loaded it (office_load_day) */
	unsigned int shm_faults; /* store_shm_faults() last logged */

	/* The queue events: a change marks one due, and a thread of their
	 * own computes and sends it (office_notify_queue). */
	pthread_t notifier;
	bool notifier_running, notify_stop, queue_due;
	pthread_cond_t queue_wake;
	int64_t queue_at; /* the time of the latest change */
	/* Text messages (phones.c): the worker, NULL when none, and the
	 * day's tickets with a number. */
	struct sms *sms;
	struct office_phone *phones;
	size_t n_phones, cap_phones;
};

#define BIT(i) (UINT64_C(1) << (i))

/* office.c: refusals and notifications. Returns -errnum. */
int office_refuse(struct office_error *err, enum office_status status,
		  int errnum, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Rolls the transaction back and refuses: OFFICE_UNAVAILABLE when the disk
 * or the file is at fault (logged once per change of that state),
 * OFFICE_INTERNAL otherwise (logged). */
/* Logs when the database's fault state changed (faulty, or writable
 * again). Called with the lock held after a write. */
void office_disk_state(struct office *o);
int office_store_failed(struct office *o, struct office_error *err, int r,
			const char *what);
int office_refuse_closed(const struct office *o, const struct hours_status *h,
			 struct office_error *err);
void office_format_hhmm(int64_t t, char ret[6]);
/* Appends an event about t (NULL: about no ticket) at counter (-1: none)
 * inside the caller's transaction; a call keeps t's reason. */
int office_log_event(struct office *o, enum event_type type,
		     const struct ticket *t, int counter, int64_t at,
		     const char *detail);
void office_notify_queue(struct office *o, int64_t now);
void office_notify_queue_now(struct office *o, int64_t now);
void office_notify_call(struct office *o, enum office_event_type type,
			int64_t seq, const struct ticket *t, int64_t now);

/* reload.c: the arrays of struct office_arrays for config c. */
int office_arrays_new(const struct config *c, struct office_arrays *ret);
void office_arrays_free(struct office_arrays *a);

/* day.c: the business day the queue holds. */
int office_load_day(struct office *o, int64_t now);
int office_roll_day(struct office *o, int64_t now, struct office_error *err);

/* floor.c: the day's pauses and services changed, from the log, once
 * the queue is rebuilt. */
int office_replay_floor(struct office *o);
void office_notify_counter(struct office *o, int counter, int64_t now);

/* estimate.c: ahead counts and waiting-time estimates. */
void office_record_service_time(struct office *o, int service, int64_t s);
int64_t office_mean_service_time(const struct office *o, int service);
int office_estimate(const struct office *o, int service, size_t ahead);
void office_derive(const struct office *o, struct ticket *t, int64_t now);
int office_derive_all(const struct office *o, struct ticket *v, size_t n,
		      uint64_t services, int64_t now);
/* The wait, in minutes, a ticket of kind issued in service at now is told
 * (docs/DESIGN.md "Estimates"), or -1 when no counter serving it is open.
 * Called with the lock held. */
int office_estimate_new(const struct office *o, int service,
			enum ticket_kind kind, int64_t now);
void office_fill_service_view(struct office *o, int service,
			      const struct hours_status *h,
			      struct office_service_view *ret);

/* admission.c: whether a walk-in (or priority) ticket for service is
 * issued at h's moment, and if not why: the one decision behind issuing
 * and the services' `open`. */
struct office_admission {
	enum office_closed_reason reason;
	int64_t opens_at;  /* when refused: the next opening, 0 unknown */
	int wait_min;      /* the estimated wait told (-1 when refused for
			    * the hours or the cut-off) */
};
void office_admission(const struct office *o, int service, bool priority,
		      const struct hours_status *h,
		      struct office_admission *ret);
/* The next opening after h's moment, past today's closing; 0 unknown. */
int64_t office_reopens(const struct config *c, const struct hours_status *h);
/* The refusal of a ticket that office_admission() did not admit. */
int office_refuse_admission(const struct office *o, int service,
			    const struct hours_status *h,
			    const struct office_admission *a,
			    struct office_error *err);

/* A service's admissions and view at h's moment, each made once for each
 * state of the database and second when first asked: the estimates
 * behind them walk the whole queue, and the services' tiles, the queue
 * events and every ticket request of the same second ask the same. */
struct service_cache {
	uint64_t writes; /* store_writes() when made */
	int64_t day_began, now;
	bool has[2];     /* admission[priority] made */
	struct office_admission admission[2];
	bool has_view;
	struct office_service_view view;
};
const struct office_admission *
office_admission_cached(struct office *o, int service, bool priority,
			const struct hours_status *h);

/* views.c: ticket id, once the day is rolled; a refusal when unknown. */
int office_read_ticket(struct office *o, int64_t id, int64_t now,
		       struct ticket *ret, struct office_error *err);

/* issue.c: numbering and writing new tickets. */
int office_write_ticket(struct office *o, struct ticket *t, const char *prefix,
			int printer, struct printer_status *ps);

/* counter.c: the transitions at a counter. */
int office_check_counter(const struct office *o, int counter,
			 struct office_error *err);
int office_record(struct office *o, const struct ticket *t,
		  enum event_type type, int64_t now, const char *detail);
/* The same when only t's state, counter, reason, times or recalls
 * changed (store_ticket_set_state()): every transition but a transfer. */
int office_record_state(struct office *o, const struct ticket *t,
			enum event_type type, int64_t now, const char *detail);

/* returns.c: today's no-shows of services (a bit set) that may still come
 * back at now, newest first, at most OFFICE_RETURNABLE_MAX; *ret malloc'd. */
int office_returnable(struct office *o, uint64_t services, int64_t now,
		      struct ticket **ret, size_t *ret_n);
/* phones.c: the citizens' text messages. */
bool office_sms_enabled(const struct office *o);
int office_phones_load(struct office *o); /* the day's, after the queue */
void office_phones_free(struct office *o);
/* Within the caller's transaction; then office_phone_add() after it. */
int office_phone_store(struct office *o, const struct ticket *t,
		       const char *phone, const char *source, int64_t now);
void office_phone_add(struct office *o, int64_t ticket, const char *phone);
/* Queues the messages owed: after a change of the queue, after a call. */
void office_sms_check(struct office *o, int64_t now);
void office_sms_called(struct office *o, const struct ticket *t, int64_t now);

/* printing.c: the hand-off to the printer pool. */
int office_printer_of(const struct office *o, int kiosk);
bool office_prints(const struct office *o, int printer);
void office_send_to_printer(struct office *o, int printer, struct ticket *t,
			    int64_t now);

#endif
