/* The supervision page's alerts (docs/API.md, "Alerts"): conditions seen
 * on the floor become alerts once they have lasted their threshold, each
 * raised once and cleared once when the condition ends. Pure: the caller
 * passes the conditions it sees and the time, and serializes calls. */
#ifndef BONOMAT_ALERTS_H
#define BONOMAT_ALERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum alert_kind {
	ALERT_MAX_WAIT,       /* subject: a service id */
	ALERT_BOOKING_LATE,   /* subject: a ticket number */
	ALERT_PRINTER_DOWN,   /* subject: a printer name */
	ALERT_COUNTER_PAUSED, /* subject: a counter id */
	ALERT_KIND_COUNT,
};

#define ALERT_SUBJECT_MAX 48
#define ALERT_MESSAGE_MAX 200

struct alert {
	enum alert_kind kind;
	char subject[ALERT_SUBJECT_MAX];
	int64_t since;     /* when the condition began */
	int64_t raised_at; /* when it became an alert */
	char message[ALERT_MESSAGE_MAX]; /* for the log and the API */
};

/* A condition seen now: it is an alert once now - since >= after_s. */
struct alert_cond {
	enum alert_kind kind;
	const char *subject;
	int64_t since;
	int64_t after_s;
	const char *message;
};

struct alerts;

/* Called once per alert raised (raised true) or cleared. */
typedef void (*alerts_fn)(void *userdata, const struct alert *a,
			  bool raised, int64_t now);

const char *alert_kind_name(enum alert_kind k);
int alerts_new(struct alerts **ret);
void alerts_free(struct alerts *a);
/* Raises the alerts of conds that reached their threshold and are not
 * active yet; clears the active ones that conds no longer hold (or no
 * longer at their threshold). An active alert's message follows its
 * condition's. -ENOMEM leaves the active set as it was. */
int alerts_update(struct alerts *a, const struct alert_cond *conds,
		  size_t n, int64_t now, alerts_fn fn, void *userdata);
/* The active alerts, oldest raised first; valid until the next update. */
const struct alert *alerts_active(const struct alerts *a, size_t *ret_n);
/* How many alerts of kind were raised since alerts_new(). */
uint64_t alerts_raised(const struct alerts *a, enum alert_kind k);

#endif
