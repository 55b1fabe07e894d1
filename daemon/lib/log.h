/* Logging to stderr, which journald keeps. Only daemon/ logs; drivers,
 * store and queue return codes. */
#ifndef BONOMAT_LOG_H
#define BONOMAT_LOG_H

#define LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))

void log_err(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_set_verbose(int verbose);

#endif
