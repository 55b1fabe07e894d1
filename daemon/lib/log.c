#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

static int log_verbose;

void log_set_verbose(int verbose)
{
	log_verbose = verbose;
}

void log_escape(char *buf, size_t size, const char *msg)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *u = (const uint8_t *)msg;
	size_t len = strlen(msg), o = 0;

	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = text_utf8_next(u + i, len - i, &cp);

		if (cp == TEXT_INVALID || text_is_control(cp)) {
			if (o + 4 >= size)
				break;
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[u[i] >> 4];
			buf[o++] = hex[u[i] & 15];
			i++;
			continue;
		}
		if (o + n >= size)
			break;
		memcpy(buf + o, u + i, n);
		o += n;
		i += n;
	}
	buf[o] = '\0';
}

/* Under systemd, stderr goes to the journal, which reads the "<N>" prefix
 * as the priority and adds its own time stamp. */
static void log_write(int prio, const char *fmt, va_list ap) LOG_PRINTF(2, 0);

static void log_write(int prio, const char *fmt, va_list ap)
{
	static const char *const tags[] = {
		[3] = "error: ", [4] = "warning: ", [6] = "", [7] = "debug: ",
	};
	char msg[1024], safe[sizeof(msg) * 4];

	/* One write per line, so that threads do not interleave lines. */
	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_escape(safe, sizeof(safe), msg);
	if (getenv("JOURNAL_STREAM"))
		fprintf(stderr, "<%d>%s\n", prio, safe);
	else
		fprintf(stderr, "bonomatd: %s%s\n", tags[prio], safe);
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
