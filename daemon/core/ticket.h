/* Tickets as every layer sees them: the store persists them, the queue
 * engine decides on them, the API renders them. Also the vocabularies
 * stored with them, each value's name as in the database: kinds, states,
 * call reasons, print states and the types of the event log. */
#ifndef BONOMAT_TICKET_H
#define BONOMAT_TICKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ticket_kind {
	TICKET_WALK_IN,
	TICKET_PRIORITY,
	TICKET_APPOINTMENT,
};

enum ticket_state {
	TICKET_WAITING,
	TICKET_CALLED,
	TICKET_SERVED,
	TICKET_NO_SHOW,
	TICKET_EXPIRED,
};

/* The policy rule that chose a called ticket (docs/DESIGN.md, in rule order
 * of the rules policy; the due policy's own two come last). The names are
 * the database format: add new reasons at the end. */
enum call_reason {
	REASON_NONE,
	REASON_STARVATION_GUARD,
	REASON_INTERLEAVE,
	REASON_APPOINTMENT_DUE,
	REASON_PRIORITY,
	REASON_WALK_IN,
	REASON_APPOINTMENT_EARLY,
	REASON_PRIORITY_DUE, /* due policy: a priority ticket past its bound */
	REASON_LEAST_SLACK,  /* due policy: the least slack near its due time */
	REASON_COUNT,
};

enum print_state {
	PRINT_NONE,
	PRINT_PENDING,
	PRINT_OK,
	PRINT_FAILED,
};

/* Every type of event the daemon writes to the event log, the audit trail
 * and the input of the statistics. The names are the database format:
 * never rename one; add new types at the end. */
enum event_type {
	EVENT_ISSUED,          /* a walk-in or priority ticket is issued */
	EVENT_CHECKED_IN,      /* a booking is checked in (its ticket's first) */
	EVENT_CALLED,          /* to a counter; the reason says why this one */
	EVENT_RECALLED,        /* called again at the same counter */
	EVENT_SERVED,
	EVENT_NO_SHOW,
	EVENT_TRANSFERRED,     /* to another service, waiting again */
	EVENT_EXPIRED,         /* still waiting when the office closed */
	EVENT_PAUSED,          /* a counter, no ticket */
	EVENT_RESUMED,         /* a counter, no ticket */
	EVENT_IMPORTED,        /* a batch of bookings, no ticket */
	EVENT_PRINT_REQUESTED, /* a reprint asked for */
	EVENT_PRINTED,
	EVENT_PRINT_FAILED,
	EVENT_CANCELLED,        /* a waiting ticket whose citizen left; the
				 * detail is the supervisor's reason */
	EVENT_SERVICES_CHANGED, /* a counter, no ticket; the detail lists its
				 * services for the rest of the day */
	EVENT_RETURNED,        /* a no-show brought back to wait again */
	EVENT_SMS_REQUESTED,   /* a number to text given (masked in detail) */
	EVENT_SMS_SENT,        /* a text message handed to the gateway */
	EVENT_SMS_FAILED,      /* a text message given up on; detail: why */
	EVENT_TYPE_COUNT,
};

/* EVENT_CALLED's name as an SQL literal: the partial index on calls
 * (schema 2) serves only queries that name the type literally. */
#define EVENT_CALLED_SQL "'called'"

#define TICKET_NUMBER_MAX 16
#define TICKET_DAY_LEN 10 /* YYYY-MM-DD */
/* A ticket's token: 16 random bytes from the kernel (128 bits), written in
 * base64url without padding, so that the citizen's address of the ticket
 * (/t/{token}) cannot be guessed from another one. */
#define TICKET_TOKEN_BYTES 16
#define TICKET_TOKEN_LEN 22

struct ticket {
	int64_t id;                        /* 0 until stored */
	char number[TICKET_NUMBER_MAX];    /* "A012" */
	char day[TICKET_DAY_LEN + 1];      /* business day it was issued on */
	int service;                       /* index into config services */
	enum ticket_kind kind;
	enum ticket_state state;
	int64_t issued_at;                 /* unix seconds; kept on transfer */
	int64_t slot_start;                /* appointments only, else 0 */
	bool late;                         /* checked in after the grace */
	enum print_state printed;
	int kiosk;                         /* index into config kiosks, or -1 */
	int counter;                       /* index into config counters, or -1 */
	enum call_reason reason;           /* why it was last called */
	int64_t called_at;                 /* 0 when never called */
	int64_t finished_at;               /* 0 while waiting or called */
	int recalls;
	int estimate_min;                  /* the wait told at issue, or -1 */
	char token[TICKET_TOKEN_LEN + 1];  /* "": stored before schema 7 */

	/* Derived, not stored: filled in by the office for waiting tickets. */
	int ahead;                         /* tickets the policy calls first */
	int est_wait_min;                  /* -1 when unknown */
};

const char *ticket_kind_name(enum ticket_kind k);
int ticket_kind_parse(const char *s, enum ticket_kind *ret);
const char *ticket_state_name(enum ticket_state s);
int ticket_state_parse(const char *s, enum ticket_state *ret);
const char *call_reason_name(enum call_reason r);
int call_reason_parse(const char *s, enum call_reason *ret);
const char *print_state_name(enum print_state p);
int print_state_parse(const char *s, enum print_state *ret);
const char *event_type_name(enum event_type t);
int event_type_parse(const char *s, enum event_type *ret);

/* A new token from getrandom(): 0, or a negative errno (ret untouched). */
int ticket_token_new(char ret[TICKET_TOKEN_LEN + 1]);
/* Whether the len bytes at s are a token as ticket_token_new() writes
 * them: exactly TICKET_TOKEN_LEN characters of the base64url alphabet,
 * the last one carrying no bits beyond the 128 (one spelling per token). */
bool ticket_token_valid(const char *s, size_t len);
/* The bytes of a valid token: 0, or -EINVAL when it is not one. */
int ticket_token_decode(const char *s, size_t len,
			unsigned char ret[TICKET_TOKEN_BYTES]);
/* Writes the token of bytes (TICKET_TOKEN_LEN characters and a NUL). */
void ticket_token_encode(const unsigned char bytes[TICKET_TOKEN_BYTES],
			 char ret[TICKET_TOKEN_LEN + 1]);

#endif
