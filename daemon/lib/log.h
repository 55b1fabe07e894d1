/* Logging to stderr, which journald keeps. Only daemon/ logs; drivers,
 * store and queue return codes. */
#ifndef BONOMAT_LOG_H
#define BONOMAT_LOG_H

#include <stddef.h>

#define LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))

void log_err(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_set_verbose(int verbose);

/* What every log line goes through: msg with control characters (C0, DEL,
 * C1: a terminal acts on them) and invalid UTF-8 written as \xNN, so that
 * text a client sent can neither forge lines nor drive a terminal. size
 * is at least 1; the result is cut to fit at a character. */
void log_escape(char *buf, size_t size, const char *msg);

#endif
