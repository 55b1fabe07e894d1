/* Bookings from the booking platform's exports, for bonomatctl import: the
 * record that both parsers produce (here and in booking_ics.h), the helpers
 * they share, and the CSV parser. Bytes in, bookings and per-line refusals
 * out; no I/O, no logging. */
#ifndef BONOMAT_BOOKING_CSV_H
#define BONOMAT_BOOKING_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "booking.h" /* the code, phone and span rules */

#define BOOKING_SERVICE_MAX 31
#define BOOKING_LINE_MAX 4096	     /* bytes in a line, its end excluded */
#define BOOKING_FILE_MAX (4 << 20)   /* bytes in a file */
#define BOOKING_MAX 10000	     /* bookings in a file */
#define BOOKING_ERRORS_MAX 1000	     /* refusals kept; more are counted */
#define BOOKING_MSG_MAX 512

enum booking_status {
	BOOKING_BOOKED,
	BOOKING_CANCELLED,
};

struct booking {
	char code[BOOKING_CODE_MAX + 1];       /* normalised (booking.h) */
	char service[BOOKING_SERVICE_MAX + 1]; /* a service id */
	int64_t start;			       /* unix seconds */
	int64_t end;			       /* > start */
	char *phone;			       /* "+40722123456" or NULL */
	enum booking_status status;
	unsigned line; /* the CSV line, or the event's BEGIN:VEVENT line */
};

/* Why a line (or an event) was refused. */
struct booking_error {
	unsigned line;
	char msg[BOOKING_MSG_MAX];
};

struct booking_list {
	struct booking *items; /* in the file's order */
	size_t n;
	struct booking_error *errors; /* sorted by line */
	size_t n_errors;	      /* kept: BOOKING_ERRORS_MAX (+1 fatal) */
	size_t n_refused;	      /* all refusals, the kept ones included */
	bool fatal;		      /* the whole file was refused */
	size_t cap, errors_cap;
};

/* Parses CSV with the header code,service,start,end,phone,status (CRLF or
 * LF, an optional UTF-8 BOM, RFC 4180 quotes). Refused lines are listed in
 * the result with why; a bad header or more than BOOKING_MAX bookings
 * refuse the whole file (fatal, no items). Returns 0, -EFBIG when len is
 * over BOOKING_FILE_MAX, or -ENOMEM; *ret_list is the caller's to free. */
int booking_csv_parse(const char *data, size_t len,
		      struct booking_list **ret_list);
void booking_csv_free(struct booking_list *l);

/* Shared with booking_ics.c. The checks copy s (n bytes), trimmed and
 * normalised by the rules of booking.h, into ret and return 0; or they
 * append to msg why `what` (the field's name) is refused and return
 * -EINVAL. */
int booking_csv_check_code(const char *what, const char *s, size_t n,
			   char ret[BOOKING_CODE_MAX + 1],
			   char msg[BOOKING_MSG_MAX]);
int booking_csv_check_service(const char *what, const char *s, size_t n,
			      char ret[BOOKING_SERVICE_MAX + 1],
			      char msg[BOOKING_MSG_MAX]);
int booking_csv_check_phone(const char *what, const char *s, size_t n,
			    char ret[BOOKING_PHONE_MAX + 1],
			    char msg[BOOKING_MSG_MAX]);
int booking_csv_check_span(int64_t start, int64_t end,
			   char msg[BOOKING_MSG_MAX]);
/* Appends a printf-formatted note to msg, after "; " when msg is not
 * empty, truncated to BOOKING_MSG_MAX. */
void booking_csv_note(char msg[BOOKING_MSG_MAX], const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

struct booking_list *booking_csv_list_new(void);
/* Appends b, taking over b->phone (also when it is not kept). After
 * BOOKING_MAX bookings the file is refused as a whole at b->line. */
int booking_csv_add(struct booking_list *l, struct booking *b);
int booking_csv_refuse(struct booking_list *l, unsigned line, const char *fmt,
		       ...) __attribute__((format(printf, 3, 4)));
/* Refuses the whole file at line: no bookings are imported. */
int booking_csv_refuse_file(struct booking_list *l, unsigned line,
			    const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Refuses every booking whose code another one in the file has too (the
 * codes are normalised, so this is how the daemon compares them), sorts the refusals by
 * line, and empties a fatally refused list. */
int booking_csv_finish(struct booking_list *l);

#endif
