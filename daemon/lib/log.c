#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int log_verbose;

void log_set_verbose(int verbose)
{
	log_verbose = verbose;
}

/* Under systemd, stderr goes to the journal, which reads the "<N>" prefix
 * as the priority and adds its own time stamp. */
static void log_write(int prio, const char *fmt, va_list ap) LOG_PRINTF(2, 0);

static void log_write(int prio, const char *fmt, va_list ap)
{
	static const char *const tags[] = {
		[3] = "error: ", [4] = "warning: ", [6] = "", [7] = "debug: ",
	};
	char msg[1024];

	/* One write per line, so that threads do not interleave lines. */
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (getenv("JOURNAL_STREAM"))
		fprintf(stderr, "<%d>%s\n", prio, msg);
	else
		fprintf(stderr, "bonomatd: %s%s\n", tags[prio], msg);
}

void log_err(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_write(3, fmt, ap);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_write(4, fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_write(6, fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;
	if (!log_verbose)
		return;
	va_start(ap, fmt);
	log_write(7, fmt, ap);
	va_end(ap);
}
