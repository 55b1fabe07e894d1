/* The booking rule, once for the whole project: what a booking code is,
 * what a phone number is, how long a booking may last. The import API, the
 * check-in at the kiosk, bonomatctl's parsers and the fuzz harnesses all
 * use these functions, and the kiosk learns the limits from
 * GET /api/v1/office, so that a code that imports can always be typed. */
#ifndef BONOMAT_BOOKING_H
#define BONOMAT_BOOKING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A code is 4 to 32 letters and digits once normalised. */
#define BOOKING_CODE_MIN 4
#define BOOKING_CODE_MAX 32
/* Bytes of a code as sent or typed, separators included. */
#define BOOKING_CODE_INPUT_MAX 64
/* A phone number is a + (optional) and 6 to 20 characters in all. */
#define BOOKING_PHONE_MIN 6
#define BOOKING_PHONE_MAX 20
/* Bytes of a phone number as sent, separators included. */
#define BOOKING_PHONE_INPUT_MAX 40
/* The longest booking, seconds. */
#define BOOKING_SPAN_MAX (24 * 3600)

/* True for what a code may hold between its letters and digits and is
 * ignored when codes are compared: space, tab and dash. */
bool booking_code_separator(char c);

/* Writes the code's normal form to ret: its letters and digits, upper
 * case, separators dropped. -EINVAL when s[0..len) holds anything else,
 * -ERANGE when fewer than BOOKING_CODE_MIN or more than BOOKING_CODE_MAX
 * letters and digits remain (or len exceeds BOOKING_CODE_INPUT_MAX). ret
 * is untouched on failure. */
int booking_code_normalize(const char *s, size_t len,
			   char ret[BOOKING_CODE_MAX + 1]);

/* Writes the number's normal form to ret: an optional leading + and the
 * digits, with the separators people write (space - . / ( )) dropped.
 * -EINVAL for anything else or a length out of range. */
int booking_phone_normalize(const char *s, size_t len,
			    char ret[BOOKING_PHONE_MAX + 1]);

/* 0, -EINVAL when end is not after start, -ERANGE when the booking lasts
 * more than BOOKING_SPAN_MAX. */
int booking_span_check(int64_t start, int64_t end);

#endif
