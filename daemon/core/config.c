/* Strict parsing of the configuration file (docs/CONFIG.md) with libinih.
 *
 * Debian's libinih gives the handler no line numbers and reads into a fixed
 * buffer that silently splits longer lines. So inih reads through our own
 * reader, which serves one line at a time from memory, counts lines, opens
 * sections itself (to see duplicate and empty ones), rejects lines that do
 * not fit, and hands inih only lines it has classified exactly as inih
 * will: a comment, a "[section]", a "key = value" or a continuation. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "buf.h"
#include "text.h"

#define FILE_MAX (1024 * 1024)
#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)
#define TOKEN_RANGE                 \
	STRINGIFY(CONFIG_TOKEN_MIN) \
	" to " STRINGIFY(CONFIG_TOKEN_MAX) " characters"
#define ID_MAX 31
#define TEXT_MAX 200
#define INFO_MAX 500
#define PATH_LEN_MAX 4095
#define QUEUE_MAX 127
#define HOSTNAME_MAX 253
#define COUNTERS_MAX 256
#define PRINTERS_MAX 64
#define SUPERVISORS_MAX 64
#define KIOSKS_MAX 256
#define CLOSED_MAX 1000
#define CLIENTS_MAX 64
#define KEYS_MAX 16
#define ZONEINFO_DIR "/usr/share/zoneinfo"

#define DEFAULT_LISTEN_HOST "127.0.0.1"
#define DEFAULT_LISTEN_PORT 8080
#define DEFAULT_UI_DIR "ui"
/* Where Debian's libjs-chart.js installs Chart.js (the /reports page). */
#define DEFAULT_CHARTJS_DIR "/usr/share/javascript/chart.js"
#define DEFAULT_DATABASE "var/bonomat.db"
#define DEFAULT_APPOINTMENT_PREFIX "P"
#define DEFAULT_PRINTER "default"
#define DEFAULT_MINUTES 10
#define DEFAULT_COLUMNS 48
#define DEFAULT_TCP_PORT 9100
#define CP852_NUMBER 18
#define CP1250_NUMBER 45
#define DEFAULT_GAMMU_CONFIG "/etc/gammu-smsdrc"
#define DEFAULT_GAMMU_INJECT "/usr/bin/gammu-smsd-inject"
#define DEFAULT_SMS_BODY "{\"to\": \"{to_e164}\", \"text\": \"{text}\"}"
#define DEFAULT_SMS_CONTENT_TYPE "application/json"

enum kind {
	SEC_OFFICE,
	SEC_SERVER,
	SEC_STORAGE,
	SEC_HOURS,
	SEC_POLICY,
	SEC_PRINTER,
	SEC_KIOSK,
	SEC_SERVICE,
	SEC_COUNTER,
	SEC_ALERTS,
	SEC_SUPERVISOR,
	SEC_SMS,
	SEC_KINDS,
};

struct parser;
struct key;

typedef int key_setter(struct parser *p, const struct key *k, void *field,
		       const char *value, bool more);
typedef int item_adder(struct parser *p, const struct key *k, void *field,
		       const char *item, size_t len);

struct key {
	const char *name;
	key_setter *set;
	size_t offset; /* of the field in the section's object */
	int min, max;
	bool multiline; /* the value may continue on indented lines */
};

struct section {
	char name[48]; /* "counter.1" */
	enum kind kind;
	size_t item; /* index into the kind's array */
	int line;
	int key_line[KEYS_MAX]; /* by key table index; 0: not given */
	size_t n_refs;
};

/* A name that can be checked only once the whole file has been read. */
struct ref {
	size_t section;
	int line;
	char id[ID_MAX + 1];
};

struct parser {
	struct config *c;
	const char *name;
	const char *pos, *end;
	int line;
	bool more;     /* the current line continues the previous value */
	bool have_key; /* a key line since the last section header */
	bool in_section;
	size_t cur;
	struct section *sections;
	size_t n_sections;
	struct ref *refs;
	size_t n_refs;
	bool failed;
	int error;
	char *err;
	size_t errlen;
	struct buf warnings; /* handed to c->warnings at the end */
};

__attribute__((format(printf, 3, 4))) static int
fail(struct parser *p, int line, const char *fmt, ...)
{
	if (p->failed)
		return p->error;
	p->failed = true;
	p->error = -EINVAL;
	if (!p->err || p->errlen == 0)
		return p->error;
	int n;
	if (line > 0)
		n = snprintf(p->err, p->errlen, "%s:%d: ", p->name, line);
	else
		n = snprintf(p->err, p->errlen, "%s: ", p->name);
	if (n >= 0 && (size_t)n < p->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return p->error;
}

/* A line of c->warnings: the file asks for something that is not done,
 * and says so at every start, without keeping the office shut. */
__attribute__((format(printf, 3, 4))) static int
warn(struct parser *p, int line, const char *fmt, ...)
{
	va_list ap;

	(void)buf_addf(&p->warnings, "%s:%d: warning: ", p->name, line);
	va_start(ap, fmt);
	(void)buf_vaddf(&p->warnings, fmt, ap);
	va_end(ap);
	return buf_add(&p->warnings, "\n", 1);
}

static int oom(struct parser *p)
{
	if (!p->failed) {
		fail(p, 0, "out of memory");
		p->error = -ENOMEM;
	}
	return p->error;
}

static const char *cur_name(const struct parser *p)
{
	return p->sections[p->cur].name;
}

__attribute__((format(printf, 4, 5))) static int bad_value(struct parser *p,
							   const struct key *k,
							   const char *value,
							   const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return fail(p, p->line, "[%s] %s = '%s': expected %s", cur_name(p),
		    k->name, value, what);
}

/* Appends one zeroed element; the caller stores the result. */
static void *grow(void *array, size_t n, size_t size)
{
	char *a = realloc(array, (n + 1) * size);
	if (a)
		memset(a + n * size, 0, size);
	return a;
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static bool is_upper(char ch)
{
	return ch >= 'A' && ch <= 'Z';
}

static bool valid_id(const char *s, size_t len)
{
	if (len == 0 || len > ID_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];
		if (!is_digit(ch) && !is_upper(ch) &&
		    !(ch >= 'a' && ch <= 'z') && ch != '_' && ch != '-')
			return false;
	}
	return true;
}

static bool valid_prefix(const char *s)
{
	size_t len = strlen(s);
	if (len == 0 || len > 4)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_upper(s[i]))
			return false;
	return true;
}

/* strtol with the whole string required to be a number in range. */
static int parse_long(const char *s, long min, long max, long *ret)
{
	char *end;
	long v;

	if (!is_digit(s[0]) && !(s[0] == '-' && is_digit(s[1])))
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int check_bytes(struct parser *p, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; i < len;) {
		if (u[i] >= 0x80) {
			size_t n = text_utf8_len(s + i, len - i);
			if (n == 0)
				return fail(p, p->line,
					    "the line is not valid UTF-8");
			i += n;
			continue;
		}
		if ((u[i] < 0x20 && u[i] != '\t') || u[i] == 0x7f)
			return fail(p, p->line,
				    "control character 0x%02x in the line; "
				    "only text is allowed",
				    u[i]);
		i++;
	}
	return 0;
}

/* --- values ------------------------------------------------------------ */

/* Text, joined with a space to the previous line's part on continuation. */
static int set_text(struct parser *p, const struct key *k, void *field,
		    const char *value, bool more)
{
	char **out = field;
	size_t n = strlen(value);
	size_t old = more && *out ? strlen(*out) : 0;
	size_t sep = old > 0 ? 1 : 0;
	char *s;

	if (old + sep + n > (size_t)k->max)
		return fail(p, p->line, "[%s] %s: longer than %d bytes",
			    cur_name(p), k->name, k->max);
	if (!more && n < (size_t)k->min)
		return fail(p, p->line, "[%s] %s: must not be empty",
			    cur_name(p), k->name);
	s = malloc(old + sep + n + 1);
	if (!s)
		return oom(p);
	if (old)
		memcpy(s, *out, old);
	if (sep)
		s[old] = ' ';
	memcpy(s + old + sep, value, n + 1);
	free(*out);
	*out = s;
	return 0;
}

static int set_int(struct parser *p, const struct key *k, void *field,
		   const char *value, bool more)
{
	long v;

	(void)more;
	if (parse_long(value, k->min, k->max, &v) < 0)
		return bad_value(p, k, value, "a whole number from %d to %d",
				 k->min, k->max);
	*(int *)field = (int)v;
	return 0;
}

static int set_bool(struct parser *p, const struct key *k, void *field,
		    const char *value, bool more)
{
	bool *out = field;

	(void)more;
	if (!strcasecmp(value, "true") || !strcasecmp(value, "yes") ||
	    !strcmp(value, "1"))
		*out = true;
	else if (!strcasecmp(value, "false") || !strcasecmp(value, "no") ||
		 !strcmp(value, "0"))
		*out = false;
	else
		return bad_value(p, k, value,
				 "true or false (or yes, no, 1, 0)");
	return 0;
}

static int set_policy_kind(struct parser *p, const struct key *k, void *field,
			   const char *value, bool more)
{
	(void)more;
	if (!strcmp(value, "rules"))
		*(int *)field = CFG_POLICY_RULES;
	else if (!strcmp(value, "due"))
		*(int *)field = CFG_POLICY_DUE;
	else
		return bad_value(p, k, value, "due or rules");
	return 0;
}

/* Tokens travel in "Authorization: Bearer" headers, and are secrets: the
 * messages never repeat them. */
static int set_token(struct parser *p, const struct key *k, void *field,
		     const char *value, bool more)
{
	char **out = field;
	size_t n = strlen(value);

	(void)more;
	for (size_t i = 0; i < n; i++)
		if (value[i] <= ' ' || value[i] > '~')
			return fail(p, p->line,
				    "[%s] %s: only printable ASCII "
				    "characters without spaces are allowed",
				    cur_name(p), k->name);
	if (n < CONFIG_TOKEN_MIN || n > CONFIG_TOKEN_MAX)
		return fail(
			p, p->line,
			"[%s] %s: must be %d to %d characters long, not %zu",
			cur_name(p), k->name, CONFIG_TOKEN_MIN,
			CONFIG_TOKEN_MAX, n);
	*out = strdup(value);
	return *out ? 0 : oom(p);
}

static int set_prefix(struct parser *p, const struct key *k, void *field,
		      const char *value, bool more)
{
	char **out = field;

	(void)more;
	if (!valid_prefix(value))
		return bad_value(p, k, value, "1 to 4 uppercase letters A-Z");
	*out = strdup(value);
	return *out ? 0 : oom(p);
}

static int set_timezone(struct parser *p, const struct key *k, void *field,
			const char *value, bool more)
{
	char **out = field;
	char path[512];
	struct stat st;
	int n;

	(void)more;
	if (!value[0] || value[0] == '/' || strstr(value, ".."))
		return bad_value(p, k, value,
				 "a time zone name such as Europe/Bucharest, "
				 "not a path");
	for (const char *s = value; *s; s++)
		if (!is_digit(*s) && !is_upper(*s) &&
		    !(*s >= 'a' && *s <= 'z') && !strchr("/_+-", *s))
			return bad_value(p, k, value,
					 "a time zone name such as "
					 "Europe/Bucharest");
	n = snprintf(path, sizeof(path), "%s/%s", ZONEINFO_DIR, value);
	if (n < 0 || (size_t)n >= sizeof(path) || stat(path, &st) != 0 ||
	    !S_ISREG(st.st_mode))
		return bad_value(p, k, value,
				 "a time zone installed in " ZONEINFO_DIR
				 " (package tzdata), such as Europe/Bucharest");
	*out = strdup(value);
	return *out ? 0 : oom(p);
}

static int parse_port(const char *s, long min, uint16_t *ret)
{
	long v;

	if (!is_digit(s[0]) || parse_long(s, min, 65535, &v) < 0)
		return -EINVAL;
	*ret = (uint16_t)v;
	return 0;
}

/* "127.0.0.1:8080" or "[::1]:8080": numeric, so that the daemon binds
 * exactly where it is told without a name lookup at start. */
static int set_listen(struct parser *p, const struct key *k, void *field,
		      const char *value, bool more)
{
	char **out = field;
	char host[INET6_ADDRSTRLEN];
	const char *port, *end;
	struct in6_addr a6;
	struct in_addr a4;
	size_t n;
	int ok;

	(void)more;
	if (value[0] == '[') {
		end = strchr(value, ']');
		if (!end || end[1] != ':')
			goto bad;
		n = (size_t)(end - value - 1);
		if (n >= sizeof(host))
			goto bad;
		memcpy(host, value + 1, n);
		host[n] = '\0';
		ok = inet_pton(AF_INET6, host, &a6) == 1;
		port = end + 2;
	} else {
		end = strrchr(value, ':');
		if (!end)
			goto bad;
		n = (size_t)(end - value);
		if (n >= sizeof(host))
			goto bad;
		memcpy(host, value, n);
		host[n] = '\0';
		if (strchr(host, ':'))
			return bad_value(p, k, value,
					 "an IPv6 address in brackets, such as "
					 "[::1]:8080");
		ok = inet_pton(AF_INET, host, &a4) == 1;
		port = end + 1;
	}
	if (!ok || parse_port(port, 0, &p->c->server.listen_port) < 0)
		goto bad;
	*out = strdup(host);
	return *out ? 0 : oom(p);
bad:
	return bad_value(p, k, value,
			 "ADDRESS:PORT with a numeric IPv4 address or an IPv6 "
			 "address in brackets and a port from 0 to 65535, "
			 "such as 127.0.0.1:8080");
}

/* Calls add for each comma-separated item, blanks trimmed, empty ones
 * skipped; a list may so continue on the next line after a comma. */
static int each_item(struct parser *p, const struct key *k, void *field,
		     const char *value, item_adder *add)
{
	for (const char *s = value;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		const char *item = s;

		while (len && is_blank(*item)) {
			item++;
			len--;
		}
		while (len && is_blank(item[len - 1]))
			len--;
		if (len) {
			int r = add(p, k, field, item, len);
			if (r < 0)
				return r;
		}
		if (!comma)
			return 0;
		s = comma + 1;
	}
}

static int add_client(struct parser *p, const struct key *k, void *field,
		      const char *item, size_t len)
{
	struct config *c = p->c;
	char addr[INET6_ADDRSTRLEN];
	unsigned char buf[sizeof(struct in6_addr)];
	char **a;

	(void)field;
	if (len < sizeof(addr)) {
		memcpy(addr, item, len);
		addr[len] = '\0';
	}
	if (len >= sizeof(addr) || (inet_pton(AF_INET, addr, buf) != 1 &&
				    inet_pton(AF_INET6, addr, buf) != 1))
		return fail(p, p->line,
			    "[%s] %s: '%.*s' is not a numeric IPv4 or IPv6 "
			    "address",
			    cur_name(p), k->name, (int)len, item);
	for (size_t i = 0; i < c->server.n_kiosk_clients; i++)
		if (!strcmp(c->server.kiosk_clients[i], addr))
			return fail(p, p->line, "[%s] %s: '%s' is listed twice",
				    cur_name(p), k->name, addr);
	if (c->server.n_kiosk_clients == CLIENTS_MAX)
		return fail(p, p->line, "[%s] %s: more than %d addresses",
			    cur_name(p), k->name, CLIENTS_MAX);
	a = grow(c->server.kiosk_clients, c->server.n_kiosk_clients,
		 sizeof(*a));
	if (!a)
		return oom(p);
	c->server.kiosk_clients = a;
	a[c->server.n_kiosk_clients] = strdup(addr);
	if (!a[c->server.n_kiosk_clients])
		return oom(p);
	c->server.n_kiosk_clients++;
	return 0;
}

static int set_clients(struct parser *p, const struct key *k, void *field,
		       const char *value, bool more)
{
	(void)more;
	return each_item(p, k, field, value, add_client);
}

/* "HH:MM", hours 00..24; *s moves past it. */
static int parse_hhmm(const char **s, int *ret)
{
	const char *t = *s;
	int h, m;

	if (!is_digit(t[0]) || !is_digit(t[1]) || t[2] != ':' ||
	    !is_digit(t[3]) || !is_digit(t[4]))
		return -EINVAL;
	h = (t[0] - '0') * 10 + (t[1] - '0');
	m = (t[3] - '0') * 10 + (t[4] - '0');
	if (h > 24 || m > 59 || h * 60 + m > 24 * 60)
		return -EINVAL;
	*ret = h * 60 + m;
	*s = t + 5;
	return 0;
}

static int set_day(struct parser *p, const struct key *k, void *field,
		   const char *value, bool more)
{
	struct cfg_day_hours *d = field;
	const char *s = value;
	int open, close;

	(void)more;
	if (!value[0] || !strcmp(value, "closed")) {
		*d = (struct cfg_day_hours){.open = false};
		return 0;
	}
	if (parse_hhmm(&s, &open) < 0)
		goto bad;
	while (is_blank(*s))
		s++;
	if (*s++ != '-')
		goto bad;
	while (is_blank(*s))
		s++;
	if (parse_hhmm(&s, &close) < 0 || *s)
		goto bad;
	if (close <= open)
		return bad_value(p, k, value,
				 "the closing time after the opening time");
	*d = (struct cfg_day_hours){.open = true,
				    .open_min = open,
				    .close_min = close};
	return 0;
bad:
	return bad_value(p, k, value,
			 "opening and closing time as HH:MM-HH:MM (such as "
			 "08:30-16:30), or closed");
}

static bool valid_date(const char *s, size_t len)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};
	int y, m, d;

	if (len != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (i != 4 && i != 7 && !is_digit(s[i]))
			return false;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1970 || m < 1 || m > 12 || d < 1)
		return false;
	if (m == 2 && d == 29)
		return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return d <= mdays[m - 1];
}

static int add_closed(struct parser *p, const struct key *k, void *field,
		      const char *item, size_t len)
{
	struct config *c = p->c;
	char(*a)[11];

	(void)field;
	if (!valid_date(item, len))
		return fail(p, p->line,
			    "[%s] %s: '%.*s' is not a calendar date YYYY-MM-DD",
			    cur_name(p), k->name, (int)len, item);
	for (size_t i = 0; i < c->hours.n_closed; i++)
		if (!memcmp(c->hours.closed[i], item, 10))
			return fail(p, p->line,
				    "[%s] %s: %.10s is listed twice",
				    cur_name(p), k->name, item);
	if (c->hours.n_closed == CLOSED_MAX)
		return fail(p, p->line, "[%s] %s: more than %d dates",
			    cur_name(p), k->name, CLOSED_MAX);
	a = grow(c->hours.closed, c->hours.n_closed, sizeof(*a));
	if (!a)
		return oom(p);
	c->hours.closed = a;
	memcpy(a[c->hours.n_closed], item, 10);
	a[c->hours.n_closed][10] = '\0';
	c->hours.n_closed++;
	return 0;
}

static int set_closed(struct parser *p, const struct key *k, void *field,
		      const char *value, bool more)
{
	(void)more;
	return each_item(p, k, field, value, add_closed);
}

static int set_driver(struct parser *p, const struct key *k, void *field,
		      const char *value, bool more)
{
	char names[64];

	(void)more;
	if (printer_driver_from_name(value, field) == 0)
		return 0;
	printer_driver_names(names, sizeof(names));
	return bad_value(p, k, value, "%s", names);
}

static int parse_hex16(const char **s, uint16_t *ret)
{
	unsigned v = 0;
	int n = 0;

	for (const char *t = *s;; t++, n++) {
		unsigned d;
		if (is_digit(*t))
			d = (unsigned)(*t - '0');
		else if (*t >= 'a' && *t <= 'f')
			d = (unsigned)(*t - 'a' + 10);
		else if (*t >= 'A' && *t <= 'F')
			d = (unsigned)(*t - 'A' + 10);
		else
			break;
		if (n == 4)
			return -EINVAL;
		v = v << 4 | d;
	}
	if (n == 0)
		return -EINVAL;
	*s += n;
	*ret = (uint16_t)v;
	return 0;
}

static int set_usb(struct parser *p, const struct key *k, void *field,
		   const char *value, bool more)
{
	struct cfg_printer *pr = field;
	const char *s = value;
	uint16_t vid, pid;

	(void)more;
	if (parse_hex16(&s, &vid) < 0 || *s++ != ':' ||
	    parse_hex16(&s, &pid) < 0 || *s)
		return bad_value(p, k, value,
				 "VID:PID in hexadecimal, such as 04b8:0e28");
	pr->usb_match = true;
	pr->usb_vid = vid;
	pr->usb_pid = pid;
	return 0;
}

static int set_queue(struct parser *p, const struct key *k, void *field,
		     const char *value, bool more)
{
	char **out = field;
	size_t n = strlen(value);

	(void)more;
	if (n == 0 || n > QUEUE_MAX || strpbrk(value, " \t/\\'\"#"))
		return bad_value(p, k, value,
				 "a CUPS queue name: 1 to %d characters "
				 "without blanks, / \\ ' \" or #",
				 QUEUE_MAX);
	*out = strdup(value);
	return *out ? 0 : oom(p);
}

static bool valid_hostname(const char *s, size_t len)
{
	if (len == 0 || len > HOSTNAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_digit(s[i]) && !is_upper(s[i]) &&
		    !(s[i] >= 'a' && s[i] <= 'z') && s[i] != '.' && s[i] != '-')
			return false;
	return true;
}

/* A network printer, "host", "host:port" or "[IPv6]:port"; stored always
 * with the port, 9100 when none is given. */
static int set_host(struct parser *p, const struct key *k, void *field,
		    const char *value, bool more)
{
	char **out = field;
	char host[HOSTNAME_MAX + 1];
	unsigned char buf[sizeof(struct in6_addr)];
	const char *rest, *end;
	uint16_t port = DEFAULT_TCP_PORT;
	bool v6 = value[0] == '[';
	size_t n;
	char *s;

	(void)more;
	if (v6) {
		end = strchr(value, ']');
		if (!end)
			goto bad;
		n = (size_t)(end - value - 1);
		if (n >= INET6_ADDRSTRLEN)
			goto bad;
		memcpy(host, value + 1, n);
		host[n] = '\0';
		if (inet_pton(AF_INET6, host, buf) != 1)
			goto bad;
		rest = end + 1;
	} else {
		end = strchr(value, ':');
		n = end ? (size_t)(end - value) : strlen(value);
		if (!valid_hostname(value, n))
			goto bad;
		memcpy(host, value, n);
		host[n] = '\0';
		rest = value + n;
	}
	if (*rest && (*rest != ':' || parse_port(rest + 1, 1, &port) < 0))
		goto bad;
	n = strlen(host) + 16;
	s = malloc(n);
	if (!s)
		return oom(p);
	snprintf(s, n, v6 ? "[%s]:%u" : "%s:%u", host, (unsigned)port);
	*out = s;
	return 0;
bad:
	return bad_value(p, k, value,
			 "HOST or HOST:PORT (an IPv6 address in brackets) with "
			 "a port from 1 to 65535, such as 192.168.1.50:9100");
}

static int set_codepage(struct parser *p, const struct key *k, void *field,
			const char *value, bool more)
{
	enum codepage *out = field;

	(void)more;
	if (!strcasecmp(value, "cp852"))
		*out = CODEPAGE_CP852;
	else if (!strcasecmp(value, "cp1250"))
		*out = CODEPAGE_CP1250;
	else
		return bad_value(p, k, value, "cp852 or cp1250");
	return 0;
}

static int push_ref(struct parser *p, const char *id, size_t len)
{
	struct ref *r = grow(p->refs, p->n_refs, sizeof(*r));

	if (!r)
		return oom(p);
	p->refs = r;
	r += p->n_refs++;
	r->section = p->cur;
	r->line = p->line;
	memcpy(r->id, id, len);
	r->id[len] = '\0';
	return 0;
}

static int add_service_ref(struct parser *p, const struct key *k, void *field,
			   const char *item, size_t len)
{
	struct section *s = &p->sections[p->cur];

	(void)field;
	if (!valid_id(item, len))
		return fail(p, p->line, "[%s] %s: '%.*s' is not a service id",
			    s->name, k->name, (int)len, item);
	if (s->n_refs == CONFIG_MAX_SERVICES)
		return fail(p, p->line, "[%s] %s: more than %d services",
			    s->name, k->name, CONFIG_MAX_SERVICES);
	s->n_refs++;
	return push_ref(p, item, len);
}

static int set_services(struct parser *p, const struct key *k, void *field,
			const char *value, bool more)
{
	(void)more;
	return each_item(p, k, field, value, add_service_ref);
}

static int set_printer_ref(struct parser *p, const struct key *k, void *field,
			   const char *value, bool more)
{
	(void)field;
	(void)more;
	if (!valid_id(value, strlen(value)))
		return bad_value(p, k, value, "the name of a [printer.NAME]");
	return push_ref(p, value, strlen(value));
}

/* The QR code of a ticket leads a phone there: only an http(s) address
 * that names the ticket by its token ("{token}", the one placeholder
 * receipt.c fills in; the guessable "{id}" of before is never printed);
 * "javascript:" and the like would be run by whatever reads the code. */
static int set_ticket_url(struct parser *p, const struct key *k, void *field,
			  const char *value, bool more)
{
	/* 0.1's form: the office keeps issuing tickets after an upgrade,
	 * without the QR code, until the line is edited; a guessable
	 * address is never printed. */
	bool old_id = strstr(value, "{id}") && !strstr(value, "{token}");
	const char *rest;

	if (value[0] != '\0') {
		if (strncasecmp(value, "https://", 8) == 0)
			rest = value + 8;
		else if (strncasecmp(value, "http://", 7) == 0)
			rest = value + 7;
		else
			rest = NULL;
		if (!rest || rest[0] == '\0' || rest[0] == '/' ||
		    strpbrk(value, " \t\"<>\\^`|") ||
		    !(old_id || strstr(value, "{token}")))
			return bad_value(p, k, value,
					 "an http:// or https:// address "
					 "with {token} (the ticket's token)");
		for (const char *c = value; *c; c++)
			if ((unsigned char)*c < 0x21 || *c == 0x7f)
				return bad_value(p, k, value,
						 "an address without blanks "
						 "or control characters");
	}
	if (old_id) {
		if (warn(p, p->line,
			 "[%s] %s = '%s': {id} is no longer filled in (a "
			 "ticket's id can be guessed); tickets carry no QR "
			 "code until it names {token}, e.g. "
			 "https://HOST/t/{token}",
			 cur_name(p), k->name, value) < 0)
			return oom(p);
		value = "";
	}
	return set_text(p, k, field, value, more);
}

/* [office] id: the label that tells this office's metrics from the
 * others' in a city's Prometheus. */
static int set_office_id(struct parser *p, const struct key *k, void *field,
			 const char *value, bool more)
{
	if (!valid_id(value, strlen(value)))
		return bad_value(p, k, value,
				 "1 to %d letters, digits, '_' or '-'", ID_MAX);
	return set_text(p, k, field, value, more);
}

static int set_sms_driver(struct parser *p, const struct key *k, void *field,
			  const char *value, bool more)
{
	(void)more;
	if (!strcmp(value, "none"))
		*(int *)field = CFG_SMS_NONE;
	else if (!strcmp(value, "gammu"))
		*(int *)field = CFG_SMS_GAMMU;
	else if (!strcmp(value, "http"))
		*(int *)field = CFG_SMS_HTTP;
	else
		return bad_value(p, k, value, "none, gammu or http");
	return 0;
}

/* The provider's address: http(s) only, so that libcurl is never asked
 * to speak another protocol on the office's behalf. */
static int set_sms_url(struct parser *p, const struct key *k, void *field,
		       const char *value, bool more)
{
	const char *rest = NULL;

	if (strncasecmp(value, "https://", 8) == 0)
		rest = value + 8;
	else if (strncasecmp(value, "http://", 7) == 0)
		rest = value + 7;
	if (!rest || rest[0] == '\0' || rest[0] == '/')
		return bad_value(p, k, value, "an http:// or https:// address");
	for (const char *c = value; *c; c++)
		if ((unsigned char)*c < 0x21 || *c == 0x7f)
			return bad_value(p, k, value,
					 "an address without blanks or "
					 "control characters");
	return set_text(p, k, field, value, more);
}

/* A program or file named by its absolute path: the daemon's working
 * directory is no place to look for either. */
static int set_abs_path(struct parser *p, const struct key *k, void *field,
			const char *value, bool more)
{
	if (value[0] != '/')
		return bad_value(p, k, value, "an absolute path");
	return set_text(p, k, field, value, more);
}

/* --- sections and keys -------------------------------------------------- */

#define OFF(member) offsetof(struct config, member)
#define PRINTER(member) offsetof(struct cfg_printer, member)
#define SERVICE(member) offsetof(struct cfg_service, member)
#define COUNTER(member) offsetof(struct cfg_counter, member)
#define SUPERVISOR(member) offsetof(struct cfg_supervisor, member)

/* Each row: name, setter, offset, min, max, multiline. */
static const struct key office_keys[] = {
	{"name", set_text, OFF(office.name), 0, TEXT_MAX, true},
	{"address", set_text, OFF(office.address), 0, TEXT_MAX, true},
	{"timezone", set_timezone, OFF(office.timezone), 0, 0, false},
	{"footer", set_text, OFF(office.footer), 0, TEXT_MAX, true},
	{"ticket_url", set_ticket_url, OFF(office.ticket_url), 0, TEXT_MAX,
	 false},
	{"id", set_office_id, OFF(office.id), 0, ID_MAX, false},
	{0},
};

static const struct key server_keys[] = {
	{"listen", set_listen, OFF(server.listen_host), 0, 0, false},
	{"ui_dir", set_text, OFF(server.ui_dir), 1, PATH_LEN_MAX, false},
	{"chartjs_dir", set_text, OFF(server.chartjs_dir), 1, PATH_LEN_MAX,
	 false},
	{"admin_token", set_token, OFF(server.admin_token), 0, 0, false},
	{"kiosk_clients", set_clients, 0, 0, 0, true},
	{"max_connections", set_int, OFF(server.max_connections), 16, 16384,
	 false},
	{"max_connections_per_address", set_int, OFF(server.max_per_address), 1,
	 16384, false},
	{"max_event_streams", set_int, OFF(server.max_event_streams), 1, 16384,
	 false},
	{"header_timeout", set_int, OFF(server.header_timeout), 1, 60, false},
	{"shutdown_timeout", set_int, OFF(server.shutdown_timeout), 0, 60,
	 false},
	{0},
};

static const struct key storage_keys[] = {
	{"database", set_text, OFF(storage.database), 1, PATH_LEN_MAX, false},
	{"backup_keep", set_int, OFF(storage.backup_keep), 1, 365, false},
	{0},
};

static const struct key hours_keys[] = {
	{"monday", set_day, OFF(hours.day[1]), 0, 0, false},
	{"tuesday", set_day, OFF(hours.day[2]), 0, 0, false},
	{"wednesday", set_day, OFF(hours.day[3]), 0, 0, false},
	{"thursday", set_day, OFF(hours.day[4]), 0, 0, false},
	{"friday", set_day, OFF(hours.day[5]), 0, 0, false},
	{"saturday", set_day, OFF(hours.day[6]), 0, 0, false},
	{"sunday", set_day, OFF(hours.day[0]), 0, 0, false},
	{"closed", set_closed, 0, 0, 0, true},
	{"cutoff", set_int, OFF(hours.cutoff), 0, 240, false},
	{"priority_after_cutoff", set_bool, OFF(hours.priority_after_cutoff), 0,
	 0, false},
	{"always_open", set_bool, OFF(hours.always_open), 0, 0, false},
	{0},
};

static const struct key policy_keys[] = {
	{"policy", set_policy_kind, OFF(policy.kind), 0, 0, false},
	{"max_wait", set_int, OFF(policy.max_wait), 1, 600, false},
	{"walkin_every", set_int, OFF(policy.walkin_every), 0, 100, false},
	{"early_window", set_int, OFF(policy.early_window), 0, 240, false},
	{"late_grace", set_int, OFF(policy.late_grace), 0, 240, false},
	{"priority_wait", set_int, OFF(policy.priority_wait), 1, 600, false},
	{"booking_window", set_int, OFF(policy.booking_window), 0, 240, false},
	{"walkin_limit", set_int, OFF(policy.walkin_limit), 0, 600, false},
	{"return_window", set_int, OFF(policy.return_window), 0, 240, false},
	{"appointment_prefix", set_prefix, OFF(policy.appointment_prefix), 0, 0,
	 false},
	{0},
};

static const struct key printer_keys[] = {
	{"driver", set_driver, PRINTER(driver), 0, 0, false},
	{"path", set_text, PRINTER(path), 1, PATH_LEN_MAX, false},
	{"usb", set_usb, 0, 0, 0, false},
	{"queue", set_queue, PRINTER(queue), 0, 0, false},
	{"host", set_host, PRINTER(host), 0, 0, false},
	{"codepage", set_codepage, PRINTER(codepage), 0, 0, false},
	{"codepage_number", set_int, PRINTER(codepage_number), 0, 255, false},
	{"columns", set_int, PRINTER(columns), 24, 64, false},
	{"location", set_text, PRINTER(location), 0, TEXT_MAX, true},
	{0},
};

static const struct key kiosk_keys[] = {
	{"printer", set_printer_ref, 0, 0, 0, false},
	{0},
};

static const struct key service_keys[] = {
	{"name", set_text, SERVICE(name), 0, TEXT_MAX, true},
	{"prefix", set_prefix, SERVICE(prefix), 0, 0, false},
	{"info", set_text, SERVICE(info), 0, INFO_MAX, true},
	{"name_en", set_text, SERVICE(name_en), 0, TEXT_MAX, true},
	{"info_en", set_text, SERVICE(info_en), 0, INFO_MAX, true},
	{"minutes", set_int, SERVICE(minutes), 1, 240, false},
	{0},
};

static const struct key counter_keys[] = {
	{"name", set_text, COUNTER(name), 0, TEXT_MAX, true},
	{"services", set_services, 0, 0, 0, true},
	{"token", set_token, COUNTER(token), 0, 0, false},
	{0},
};

static const struct key alerts_keys[] = {
	{"max_wait", set_int, OFF(alerts.max_wait), 1, 600, false},
	{"booking_late", set_int, OFF(alerts.booking_late), 1, 240, false},
	{"printer_down", set_int, OFF(alerts.printer_down), 5, 3600, false},
	{"counter_paused", set_int, OFF(alerts.counter_paused), 1, 600, false},
	{0},
};

static const struct key supervisor_keys[] = {
	{"name", set_text, SUPERVISOR(name), 0, TEXT_MAX, true},
	{"token", set_token, SUPERVISOR(token), 0, 0, false},
	{0},
};

#define SMS(member) OFF(sms.member)
static const struct key sms_keys[] = {
	{"driver", set_sms_driver, SMS(driver), 0, 0, false},
	{"notify_minutes", set_int, SMS(notify_minutes), 0, 240, false},
	{"notify_ahead", set_int, SMS(notify_ahead), 0, 100, false},
	{"gammu_config", set_abs_path, SMS(gammu_config), 1, PATH_LEN_MAX,
	 false},
	{"gammu_inject", set_abs_path, SMS(gammu_inject), 1, PATH_LEN_MAX,
	 false},
	{"url", set_sms_url, SMS(url), 1, TEXT_MAX * 4, false},
	{"user", set_text, SMS(user), 1, TEXT_MAX, false},
	{"password", set_text, SMS(password), 1, TEXT_MAX, false},
	{"body", set_text, SMS(body), 1, TEXT_MAX * 4, true},
	{"content_type", set_text, SMS(content_type), 1, TEXT_MAX, false},
	{"timeout", set_int, SMS(timeout), 1, 120, false},
	{"queue_size", set_int, SMS(queue_size), 1, 10000, false},
	{"retries", set_int, SMS(retries), 0, 10, false},
	{"backoff", set_int, SMS(backoff), 1, 3600, false},
	{0},
};

#define N_KEYS(table) (sizeof(table) / sizeof(table[0]) - 1)
_Static_assert(N_KEYS(hours_keys) <= KEYS_MAX, "KEYS_MAX too small");
_Static_assert(N_KEYS(printer_keys) <= KEYS_MAX, "KEYS_MAX too small");
_Static_assert(N_KEYS(policy_keys) <= KEYS_MAX, "KEYS_MAX too small");
_Static_assert(N_KEYS(sms_keys) <= KEYS_MAX, "KEYS_MAX too small");

static const struct {
	const char *name;
	const struct key *keys;
	bool item; /* [name.ID], one of many */
} kinds[SEC_KINDS] = {
	[SEC_OFFICE] = {"office", office_keys, false},
	[SEC_SERVER] = {"server", server_keys, false},
	[SEC_STORAGE] = {"storage", storage_keys, false},
	[SEC_HOURS] = {"hours", hours_keys, false},
	[SEC_POLICY] = {"policy", policy_keys, false},
	[SEC_PRINTER] = {"printer", printer_keys, true},
	[SEC_KIOSK] = {"kiosk", kiosk_keys, true},
	[SEC_SERVICE] = {"service", service_keys, true},
	[SEC_COUNTER] = {"counter", counter_keys, true},
	[SEC_ALERTS] = {"alerts", alerts_keys, false},
	[SEC_SUPERVISOR] = {"supervisor", supervisor_keys, true},
	[SEC_SMS] = {"sms", sms_keys, false},
};

static void *section_object(struct parser *p, const struct section *s)
{
	struct config *c = p->c;

	switch (s->kind) {
	case SEC_PRINTER:
		return &c->printers[s->item];
	case SEC_KIOSK:
		return &c->kiosks[s->item];
	case SEC_SERVICE:
		return &c->services[s->item];
	case SEC_COUNTER:
		return &c->counters[s->item];
	case SEC_SUPERVISOR:
		return &c->supervisors[s->item];
	default:
		return c;
	}
}

static int key_index(enum kind kind, const char *name)
{
	const struct key *keys = kinds[kind].keys;

	for (int i = 0; keys[i].name; i++)
		if (!strcmp(keys[i].name, name))
			return i;
	return -1;
}

/* The line that set the key, or 0. */
static int key_line(const struct section *s, const char *name)
{
	int i = key_index(s->kind, name);
	return i < 0 ? 0 : s->key_line[i];
}

static const struct section *find_section(const struct parser *p,
					  enum kind kind, size_t item)
{
	for (size_t i = 0; i < p->n_sections; i++)
		if (p->sections[i].kind == kind && p->sections[i].item == item)
			return &p->sections[i];
	return NULL;
}

/* Adds the item that a [kind.ID] section describes, with its defaults. */
static int add_item(struct parser *p, enum kind kind, const char *id,
		    size_t len, size_t *ret_item)
{
	static const size_t limits[SEC_KINDS] = {
		[SEC_PRINTER] = PRINTERS_MAX,
		[SEC_KIOSK] = KIOSKS_MAX,
		[SEC_SERVICE] = CONFIG_MAX_SERVICES,
		[SEC_COUNTER] = COUNTERS_MAX,
		[SEC_SUPERVISOR] = SUPERVISORS_MAX,
	};
	struct config *c = p->c;
	size_t *n;
	char *name;

	switch (kind) {
	case SEC_PRINTER:
		n = &c->n_printers;
		break;
	case SEC_KIOSK:
		n = &c->n_kiosks;
		break;
	case SEC_SERVICE:
		n = &c->n_services;
		break;
	case SEC_SUPERVISOR:
		n = &c->n_supervisors;
		break;
	default:
		n = &c->n_counters;
		break;
	}
	if (*n == limits[kind])
		return fail(p, p->line, "too many [%s.*] sections: at most %zu",
			    kinds[kind].name, limits[kind]);
	name = strndup(id, len);
	if (!name)
		return oom(p);
	switch (kind) {
	case SEC_PRINTER: {
		struct cfg_printer *a = grow(c->printers, *n, sizeof(*a));
		if (!a)
			break;
		c->printers = a;
		a[*n] = (struct cfg_printer){
			.name = name,
			.driver = DRIVER_NONE,
			.codepage = CODEPAGE_CP852,
			.codepage_number = -1, /* by code page, once known */
			.columns = DEFAULT_COLUMNS,
		};
		*ret_item = (*n)++;
		return 0;
	}
	case SEC_KIOSK: {
		struct cfg_kiosk *a = grow(c->kiosks, *n, sizeof(*a));
		if (!a)
			break;
		c->kiosks = a;
		a[*n] = (struct cfg_kiosk){.id = name, .printer = -1};
		*ret_item = (*n)++;
		return 0;
	}
	case SEC_SERVICE: {
		struct cfg_service *a = grow(c->services, *n, sizeof(*a));
		if (!a)
			break;
		c->services = a;
		a[*n] = (struct cfg_service){.id = name,
					     .minutes = DEFAULT_MINUTES};
		*ret_item = (*n)++;
		return 0;
	}
	case SEC_SUPERVISOR: {
		struct cfg_supervisor *a = grow(c->supervisors, *n, sizeof(*a));
		if (!a)
			break;
		c->supervisors = a;
		a[*n] = (struct cfg_supervisor){.id = name};
		*ret_item = (*n)++;
		return 0;
	}
	default: {
		struct cfg_counter *a = grow(c->counters, *n, sizeof(*a));
		if (!a)
			break;
		c->counters = a;
		a[*n] = (struct cfg_counter){.id = name};
		*ret_item = (*n)++;
		return 0;
	}
	}
	free(name);
	return oom(p);
}

static int open_section(struct parser *p, const char *s, size_t len)
{
	const char *end = memchr(s, ']', len);
	const char *name = s + 1, *rest, *id = NULL;
	size_t n, rest_len, id_len = 0;
	struct section *sec;
	int kind = -1;

	if (!end)
		return fail(p, p->line,
			    "expected ']' to close the section header");
	rest = end + 1;
	rest_len = len - (size_t)(rest - s);
	while (rest_len && is_blank(*rest)) {
		rest++;
		rest_len--;
	}
	if (rest_len && *rest != ';')
		return fail(p, p->line,
			    "unexpected text after ']': only a '; comment' "
			    "may follow a section header");
	n = (size_t)(end - name);
	for (int i = 0; i < SEC_KINDS && kind < 0; i++) {
		size_t kl = strlen(kinds[i].name);
		if (n < kl || memcmp(name, kinds[i].name, kl))
			continue;
		if (!kinds[i].item && n == kl) {
			kind = i;
		} else if (kinds[i].item && n > kl && name[kl] == '.') {
			kind = i;
			id = name + kl + 1;
			id_len = n - kl - 1;
		}
	}
	if (kind < 0)
		return fail(p, p->line,
			    "unknown section [%.*s]; expected [office], "
			    "[server], [storage], [hours], [policy], [sms], "
			    "[printer.NAME], [kiosk.ID], [service.ID], "
			    "[counter.ID], [alerts] or [supervisor.NAME]",
			    (int)n, name);
	if (id && !valid_id(id, id_len))
		return fail(p, p->line,
			    "[%.*s]: invalid id '%.*s': expected 1 to %d "
			    "characters from A-Z a-z 0-9 _ -",
			    (int)n, name, (int)id_len, id, ID_MAX);
	for (size_t i = 0; i < p->n_sections; i++)
		if (strlen(p->sections[i].name) == n &&
		    !memcmp(p->sections[i].name, name, n))
			return fail(p, p->line,
				    "duplicate section [%.*s] (first at line "
				    "%d)",
				    (int)n, name, p->sections[i].line);
	sec = grow(p->sections, p->n_sections, sizeof(*sec));
	if (!sec)
		return oom(p);
	p->sections = sec;
	sec += p->n_sections;
	memcpy(sec->name, name, n);
	sec->name[n] = '\0';
	sec->kind = (enum kind)kind;
	sec->line = p->line;
	if (id && add_item(p, sec->kind, id, id_len, &sec->item) < 0)
		return p->error;
	p->cur = p->n_sections++;
	p->in_section = true;
	return 0;
}

/* Mirrors inih: "name = value" or "name: value", the separator before any
 * inline comment. */
static int check_pair(struct parser *p, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '=' || s[i] == ':')
			break;
		if (s[i] == ';' && i > 0 && is_blank(s[i - 1])) {
			i = len;
			break;
		}
	}
	if (i == len)
		return fail(p, p->line,
			    "expected 'key = value', '[section]' or a comment");
	if (i == 0)
		return fail(p, p->line, "missing key name before '%c'", s[0]);
	return 0;
}

/* The end of an inline comment ("; ..." after a blank), blanks before it
 * trimmed. inih leaves them in continuation lines, so we strip them. */
static size_t strip_comment(const char *s, size_t len)
{
	for (size_t i = 1; i < len; i++) {
		if (s[i] == ';' && is_blank(s[i - 1])) {
			len = i;
			break;
		}
	}
	while (len && is_blank(s[len - 1]))
		len--;
	return len;
}

/* inih's ini_reader, fgets-like: returns the next line, NULL at the end
 * or after an error. */
static char *read_line(char *buf, int size, void *stream)
{
	struct parser *p = stream;
	const char *s, *nl;
	size_t len, off = 0;
	bool indented;

	if (p->failed || p->pos >= p->end)
		return NULL;
	s = p->pos;
	nl = memchr(s, '\n', (size_t)(p->end - s));
	len = nl ? (size_t)(nl - s) : (size_t)(p->end - s);
	p->pos = nl ? nl + 1 : p->end;
	p->line++;
	p->more = false;
	if (p->line == 1 && len >= 3 && !memcmp(s, "\xef\xbb\xbf", 3)) {
		s += 3;
		len -= 3;
	}
	if (len && s[len - 1] == '\r')
		len--;
	if (check_bytes(p, s, len) < 0)
		return NULL;
	indented = len && is_blank(s[0]);
	while (len && is_blank(*s)) {
		s++;
		len--;
	}
	while (len && is_blank(s[len - 1]))
		len--;
	if (len == 0 || s[0] == ';' || s[0] == '#') {
		buf[0] = '\0';
		return buf;
	}
	/* One byte for the blank that marks a continuation, one for NUL. */
	if (size < 2 || len > (size_t)size - 2) {
		fail(p, p->line,
		     "line too long: %zu bytes, at most %d (a long value "
		     "continues on indented lines)",
		     len, size < 2 ? 0 : size - 2);
		return NULL;
	}
	if (indented && p->have_key) {
		len = strip_comment(s, len);
		p->more = true;
		buf[off++] = ' ';
	} else if (s[0] == '[') {
		if (open_section(p, s, len) < 0)
			return NULL;
		p->have_key = false;
	} else {
		if (check_pair(p, s, len) < 0)
			return NULL;
		p->have_key = true;
	}
	memcpy(buf + off, s, len);
	buf[off + len] = '\0';
	return buf;
}

static int unknown_key(struct parser *p, const struct section *s,
		       const char *name)
{
	const struct key *keys = kinds[s->kind].keys;
	char list[256];
	size_t off = 0;

	list[0] = '\0';
	for (int i = 0; keys[i].name && off < sizeof(list); i++) {
		int n = snprintf(list + off, sizeof(list) - off, "%s%s",
				 i ? ", " : "", keys[i].name);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	return fail(p, p->line, "unknown key '%s' in [%s]; expected one of: %s",
		    name, s->name, list);
}

/* inih's handler: 1 to go on, 0 on error. */
static int on_pair(void *user, const char *section, const char *name,
		   const char *value)
{
	struct parser *p = user;
	struct section *s;
	const struct key *k;
	int i;

	(void)section;
	if (p->failed)
		return 0;
	if (!p->in_section) {
		fail(p, p->line,
		     "key '%s' is outside of any section; put it under its "
		     "[section]",
		     name);
		return 0;
	}
	s = &p->sections[p->cur];
	i = key_index(s->kind, name);
	if (i < 0) {
		unknown_key(p, s, name);
		return 0;
	}
	k = &kinds[s->kind].keys[i];
	if (p->more && !k->multiline) {
		fail(p, p->line,
		     "[%s] %s: the value cannot continue on an indented line "
		     "(keys must not be indented)",
		     s->name, k->name);
		return 0;
	}
	if (!p->more) {
		if (s->key_line[i]) {
			fail(p, p->line,
			     "duplicate key '%s' in [%s] (first at line %d)",
			     name, s->name, s->key_line[i]);
			return 0;
		}
		s->key_line[i] = p->line;
	}
	return k->set(p, k, (char *)section_object(p, s) + k->offset, value,
		      p->more) == 0;
}

/* --- whole-file checks -------------------------------------------------- */

static int missing(struct parser *p, const struct section *s, const char *key,
		   const char *what)
{
	return fail(p, s->line, "[%s]: missing key '%s' (%s)", s->name, key,
		    what);
}

static int resolve_refs(struct parser *p)
{
	struct config *c = p->c;

	for (size_t i = 0; i < p->n_refs; i++) {
		const struct ref *r = &p->refs[i];
		const struct section *s = &p->sections[r->section];
		int idx;

		if (s->kind == SEC_KIOSK) {
			idx = config_printer_index(c, r->id);
			if (idx < 0)
				return fail(p, r->line,
					    "[%s] printer: unknown printer "
					    "'%s' (no [printer.%s] section)",
					    s->name, r->id, r->id);
			c->kiosks[s->item].printer = idx;
			continue;
		}
		struct cfg_counter *ct = &c->counters[s->item];
		idx = config_service_index(c, r->id);
		if (idx < 0)
			return fail(p, r->line,
				    "[%s] services: unknown service '%s' (no "
				    "[service.%s] section)",
				    s->name, r->id, r->id);
		if (c->services[idx].info)
			return fail(p, r->line,
				    "[%s] services: '%s' is an information "
				    "service, which issues no tickets",
				    s->name, r->id);
		if (ct->services & (UINT64_C(1) << idx))
			return fail(p, r->line,
				    "[%s] services: '%s' is listed twice",
				    s->name, r->id);
		ct->services |= UINT64_C(1) << idx;
	}
	return 0;
}

static int finish_service(struct parser *p, const struct section *s)
{
	struct config *c = p->c;
	struct cfg_service *sv = &c->services[s->item];
	int line;

	if (!sv->name)
		return missing(p, s, "name", "the text of its kiosk button");
	if (!sv->name[0])
		return fail(p, key_line(s, "name"),
			    "[%s] name: must not be empty", s->name);
	if (sv->info) {
		if (!sv->info[0])
			return fail(p, key_line(s, "info"),
				    "[%s] info: must not be empty", s->name);
		if (sv->prefix)
			return fail(p, key_line(s, "prefix"),
				    "[%s] prefix: an information service "
				    "(one with 'info') issues no tickets and "
				    "has no prefix",
				    s->name);
		if (key_line(s, "minutes"))
			return fail(p, key_line(s, "minutes"),
				    "[%s] minutes: an information service "
				    "(one with 'info') issues no tickets",
				    s->name);
		return 0;
	}
	if (!sv->prefix) {
		if (!valid_prefix(sv->id))
			return missing(p, s, "prefix",
				       "the id cannot serve as the ticket "
				       "prefix, which is 1 to 4 uppercase "
				       "letters A-Z");
		sv->prefix = strdup(sv->id);
		if (!sv->prefix)
			return oom(p);
	}
	line = key_line(s, "prefix");
	for (size_t j = 0; j < s->item; j++)
		if (c->services[j].prefix &&
		    !strcmp(c->services[j].prefix, sv->prefix))
			return fail(p, line ? line : s->line,
				    "[%s] prefix '%s' is already the prefix "
				    "of [service.%s]",
				    s->name, sv->prefix, c->services[j].id);
	return 0;
}

static int finish_counter(struct parser *p, const struct section *s)
{
	struct config *c = p->c;
	struct cfg_counter *ct = &c->counters[s->item];
	int line = key_line(s, "token");

	if (!ct->token)
		return missing(p, s, "token",
			       "the counter's secret, " TOKEN_RANGE);
	if (!key_line(s, "services"))
		return missing(p, s, "services",
			       "the ids of the services it calls, separated "
			       "by commas");
	if (!ct->services)
		return fail(p, key_line(s, "services"),
			    "[%s] services: lists no service", s->name);
	if (ct->name && !ct->name[0])
		return fail(p, key_line(s, "name"),
			    "[%s] name: must not be empty", s->name);
	if (!ct->name) {
		size_t n = strlen(ct->id) + sizeof("Ghișeul ");
		ct->name = malloc(n);
		if (!ct->name)
			return oom(p);
		snprintf(ct->name, n, "Ghișeul %s", ct->id);
	}
	if (c->server.admin_token && !strcmp(ct->token, c->server.admin_token))
		return fail(p, line,
			    "[%s] token: must differ from [server] "
			    "admin_token",
			    s->name);
	for (size_t j = 0; j < s->item; j++)
		if (!strcmp(c->counters[j].token, ct->token))
			return fail(p, line,
				    "[%s] token: the same as the token of "
				    "[counter.%s]; each counter needs its own",
				    s->name, c->counters[j].id);
	return 0;
}

/* Every token opens other doors: it must be nobody else's. */
static int finish_supervisor(struct parser *p, const struct section *s)
{
	struct config *c = p->c;
	struct cfg_supervisor *sv = &c->supervisors[s->item];
	int line = key_line(s, "token");

	if (!sv->token)
		return missing(p, s, "token",
			       "the supervisor's secret, " TOKEN_RANGE);
	if (sv->name && !sv->name[0])
		return fail(p, key_line(s, "name"),
			    "[%s] name: must not be empty", s->name);
	if (c->server.admin_token && !strcmp(sv->token, c->server.admin_token))
		return fail(p, line,
			    "[%s] token: must differ from [server] "
			    "admin_token",
			    s->name);
	for (size_t j = 0; j < c->n_counters; j++)
		if (c->counters[j].token &&
		    !strcmp(c->counters[j].token, sv->token))
			return fail(p, line,
				    "[%s] token: the same as the token of "
				    "[counter.%s]; each role needs its own",
				    s->name, c->counters[j].id);
	for (size_t j = 0; j < s->item; j++)
		if (!strcmp(c->supervisors[j].token, sv->token))
			return fail(p, line,
				    "[%s] token: the same as the token of "
				    "[supervisor.%s]; each supervisor needs "
				    "its own",
				    s->name, c->supervisors[j].id);
	return 0;
}

static int finish_printer(struct parser *p, const struct section *s)
{
	struct cfg_printer *pr = &p->c->printers[s->item];

	if (!key_line(s, "driver")) {
		char names[64];
		printer_driver_names(names, sizeof(names));
		return missing(p, s, "driver", names);
	}
	if (pr->driver == DRIVER_FILE && !pr->path)
		return missing(p, s, "path", "needed by driver = file");
	if (pr->driver == DRIVER_CUPS && !pr->queue)
		return missing(p, s, "queue", "needed by driver = cups");
	if (pr->driver == DRIVER_TCP && !pr->host)
		return missing(p, s, "host", "needed by driver = tcp");
	if (pr->codepage_number < 0)
		pr->codepage_number = pr->codepage == CODEPAGE_CP1250 ?
					      CP1250_NUMBER :
					      CP852_NUMBER;
	return 0;
}

static int finish_kiosk(struct parser *p, const struct section *s)
{
	struct cfg_kiosk *k = &p->c->kiosks[s->item];

	if (k->printer < 0) {
		k->printer = config_printer_index(p->c, DEFAULT_PRINTER);
		if (k->printer < 0)
			return fail(p, s->line,
				    "[%s]: no 'printer' key and no "
				    "[printer." DEFAULT_PRINTER "] to use",
				    s->name);
	}
	return 0;
}

/* Without any [printer.*] section there is one printer that prints
 * nothing, so that kiosks still work (numbers on screen only). */
static int add_implicit_printer(struct parser *p)
{
	struct config *c = p->c;
	struct cfg_printer *a = grow(c->printers, 0, sizeof(*a));

	if (!a)
		return oom(p);
	c->printers = a;
	a[0] = (struct cfg_printer){
		.name = strdup(DEFAULT_PRINTER),
		.driver = DRIVER_NONE,
		.codepage = CODEPAGE_CP852,
		.codepage_number = CP852_NUMBER,
		.columns = DEFAULT_COLUMNS,
	};
	c->n_printers = 1;
	return a[0].name ? 0 : oom(p);
}

static int default_string(struct parser *p, char **field, const char *value)
{
	if (*field)
		return 0;
	*field = strdup(value);
	return *field ? 0 : oom(p);
}

static int check_appointment_prefix(struct parser *p)
{
	struct config *c = p->c;
	const struct section *policy = find_section(p, SEC_POLICY, 0);
	int line = policy ? key_line(policy, "appointment_prefix") : 0;

	for (size_t i = 0; i < p->n_sections; i++) {
		const struct section *s = &p->sections[i];
		const struct cfg_service *sv;

		if (s->kind != SEC_SERVICE)
			continue;
		sv = &c->services[s->item];
		if (!sv->prefix ||
		    strcmp(sv->prefix, c->policy.appointment_prefix))
			continue;
		if (line)
			return fail(p, line,
				    "[policy] appointment_prefix '%s' is also "
				    "the prefix of [service.%s]; appointment "
				    "and walk-in numbers must differ",
				    sv->prefix, sv->id);
		line = key_line(s, "prefix");
		return fail(p, line ? line : s->line,
			    "[%s] prefix '%s' is the appointment prefix "
			    "([policy] appointment_prefix)",
			    s->name, sv->prefix);
	}
	return 0;
}

/* The keys of one driver are refused with another, so that a file never
 * holds settings that silently do nothing. */
static int finish_sms(struct parser *p)
{
	static const char *const gammu[] = {"gammu_config", "gammu_inject",
					    NULL};
	static const char *const http[] = {"url", "user", "password", "body",
					   "content_type", NULL};
	static const char *const names[] = {"none", "gammu", "http"};
	struct config *c = p->c;
	const struct section *s = find_section(p, SEC_SMS, 0);
	int driver = c->sms.driver;

	if (!s)
		return 0;
	for (int i = 0; gammu[i]; i++)
		if (driver != CFG_SMS_GAMMU && key_line(s, gammu[i]))
			return fail(p, key_line(s, gammu[i]),
				    "[sms] %s: only for driver = gammu (the "
				    "driver is %s)",
				    gammu[i], names[driver]);
	for (int i = 0; http[i]; i++)
		if (driver != CFG_SMS_HTTP && key_line(s, http[i]))
			return fail(p, key_line(s, http[i]),
				    "[sms] %s: only for driver = http (the "
				    "driver is %s)",
				    http[i], names[driver]);
	if (driver == CFG_SMS_HTTP && !c->sms.url)
		return missing(p, s, "url",
			       "the provider's http:// or https:// address, "
			       "needed by driver = http");
	if ((c->sms.user == NULL) != (c->sms.password == NULL))
		return fail(p, key_line(s, c->sms.user ? "user" : "password"),
			    "[sms] user and password go together");
	if (c->sms.body && !strstr(c->sms.body, "{text}"))
		return fail(p, key_line(s, "body"),
			    "[sms] body: must hold {text}, where the "
			    "message goes");
	if (c->sms.body && !strstr(c->sms.body, "{to}") &&
	    !strstr(c->sms.body, "{to_e164}"))
		return fail(p, key_line(s, "body"),
			    "[sms] body: must hold {to} or {to_e164}, "
			    "where the number goes");
	return 0;
}

static int finish(struct parser *p)
{
	struct config *c = p->c;
	const struct section *server;
	size_t tickets = 0;
	int r = 0;

	if (c->n_printers == 0 && add_implicit_printer(p) < 0)
		return p->error;
	if (resolve_refs(p) < 0)
		return p->error;
	for (size_t i = 0; i < p->n_sections && r == 0; i++) {
		const struct section *s = &p->sections[i];
		switch (s->kind) {
		case SEC_SERVICE:
			r = finish_service(p, s);
			break;
		case SEC_COUNTER:
			r = finish_counter(p, s);
			break;
		case SEC_PRINTER:
			r = finish_printer(p, s);
			break;
		case SEC_KIOSK:
			r = finish_kiosk(p, s);
			break;
		case SEC_SUPERVISOR:
			r = finish_supervisor(p, s);
			break;
		default:
			break;
		}
	}
	if (r == 0)
		r = finish_sms(p);
	if (r < 0)
		return r;
	if (default_string(p, &c->office.id, CONFIG_DEFAULT_OFFICE_ID) < 0 ||
	    default_string(p, &c->office.name, "") < 0 ||
	    default_string(p, &c->office.address, "") < 0 ||
	    default_string(p, &c->office.timezone, CONFIG_DEFAULT_TIMEZONE) <
		    0 ||
	    default_string(p, &c->office.footer, "") < 0 ||
	    default_string(p, &c->office.ticket_url, "") < 0 ||
	    default_string(p, &c->server.listen_host, DEFAULT_LISTEN_HOST) <
		    0 ||
	    default_string(p, &c->server.ui_dir, DEFAULT_UI_DIR) < 0 ||
	    default_string(p, &c->server.chartjs_dir, DEFAULT_CHARTJS_DIR) <
		    0 ||
	    default_string(p, &c->storage.database, DEFAULT_DATABASE) < 0 ||
	    default_string(p, &c->policy.appointment_prefix,
			   DEFAULT_APPOINTMENT_PREFIX) < 0 ||
	    default_string(p, &c->sms.gammu_config, DEFAULT_GAMMU_CONFIG) < 0 ||
	    default_string(p, &c->sms.gammu_inject, DEFAULT_GAMMU_INJECT) < 0 ||
	    default_string(p, &c->sms.body, DEFAULT_SMS_BODY) < 0 ||
	    default_string(p, &c->sms.content_type, DEFAULT_SMS_CONTENT_TYPE) <
		    0)
		return p->error;
	if (!c->server.admin_token) {
		server = find_section(p, SEC_SERVER, 0);
		if (server)
			return missing(
				p, server, "admin_token",
				"the secret for admin requests, " TOKEN_RANGE);
		return fail(p, 0,
			    "missing [server] admin_token (the secret for "
			    "admin requests, " TOKEN_RANGE ")");
	}
	for (size_t i = 0; i < c->n_services; i++)
		if (!c->services[i].info)
			tickets++;
	if (tickets == 0)
		return fail(p, 0,
			    "no ticket service: at least one [service.ID] "
			    "section without 'info' is needed");
	if (c->n_counters == 0)
		return fail(p, 0,
			    "no counter: at least one [counter.ID] section is "
			    "needed");
	if (c->alerts.max_wait == 0)
		c->alerts.max_wait = c->policy.max_wait;
	return check_appointment_prefix(p);
}

static void set_defaults(struct config *c)
{
	const struct cfg_day_hours weekday = {.open = true,
					      .open_min = 8 * 60 + 30,
					      .close_min = 16 * 60 + 30};

	c->server.listen_port = DEFAULT_LISTEN_PORT;
	c->server.max_connections = 512;
	c->server.max_per_address = 32;
	c->server.max_event_streams = 64;
	c->server.header_timeout = 5;
	c->server.shutdown_timeout = 5;
	for (int d = 1; d <= 5; d++)
		c->hours.day[d] = weekday;
	c->hours.day[4].close_min = 18 * 60 + 30;
	c->hours.cutoff = 15;
	c->hours.priority_after_cutoff = true;
	c->storage.backup_keep = 14;
	c->hours.always_open = false;
	c->policy.max_wait = 45;
	c->policy.walkin_every = 3;
	c->policy.early_window = 10;
	c->policy.late_grace = 15;
	c->policy.kind = CFG_POLICY_RULES;
	c->policy.priority_wait = 15;
	c->policy.booking_window = 10;
	c->policy.walkin_limit = 0;
	c->alerts.max_wait = 0; /* [policy] max_wait, once that is known */
	c->alerts.booking_late = 10;
	c->alerts.printer_down = 60;
	c->alerts.counter_paused = 30;
	c->policy.return_window = 30;
	c->sms.driver = CFG_SMS_NONE;
	c->sms.notify_minutes = 10;
	c->sms.notify_ahead = 3;
	c->sms.timeout = 10;
	c->sms.queue_size = 256;
	c->sms.retries = 3;
	c->sms.backoff = 30;
}

/* --- interface ---------------------------------------------------------- */

int config_parse(const char *text, size_t len, const char *name,
		 struct config **ret, char *err, size_t errlen)
{
	struct parser p = {
		.name = name ? name : "config",
		.err = err,
		.errlen = errlen,
	};
	int r;

	if (err && errlen)
		err[0] = '\0';
	if (!ret || (!text && len))
		return -EINVAL;
	buf_init(&p.warnings, FILE_MAX);
	p.pos = text ? text : "";
	p.end = p.pos + len;
	if (len > FILE_MAX) {
		fail(&p, 0, "larger than %d bytes", FILE_MAX);
		return -EFBIG;
	}
	p.c = calloc(1, sizeof(*p.c));
	if (!p.c)
		return oom(&p);
	set_defaults(p.c);
	p.c->path = strdup(p.name);
	if (!p.c->path) {
		oom(&p);
	} else {
		r = ini_parse_stream(read_line, &p, on_pair, &p);
		/* Our reader sees every error that inih could find first;
		 * these are only a safety net. */
		if (r == -2)
			oom(&p);
		else if (r != 0)
			fail(&p, r, "syntax error");
		if (!p.failed)
			finish(&p);
	}
	if (!p.failed && p.warnings.len > 0) {
		p.c->warnings = buf_steal(&p.warnings, NULL);
		if (!p.c->warnings)
			oom(&p);
	}
	buf_free(&p.warnings);
	free(p.sections);
	free(p.refs);
	if (p.failed) {
		config_free(p.c);
		return p.error;
	}
	*ret = p.c;
	return 0;
}

__attribute__((format(printf, 4, 5))) static void
load_error(char *err, size_t errlen, const char *path, const char *fmt, ...)
{
	int n;

	if (!err || errlen == 0)
		return;
	n = snprintf(err, errlen, "%s: ", path);
	if (n >= 0 && (size_t)n < errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
}

int config_load(const char *path, struct config **ret, char *err, size_t errlen)
{
	struct stat st = {0};
	char *buf = NULL;
	size_t len = 0;
	int fd, r;

	if (err && errlen)
		err[0] = '\0';
	if (!path || !ret)
		return -EINVAL;
	/* O_NONBLOCK: a FIFO or a device must not hang the start (or
	 * --check); only a regular file is read. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		load_error(err, errlen, path, "cannot open: %s", strerror(-r));
		return r;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		r = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		if (r == -EISDIR)
			load_error(err, errlen, path, "cannot read: %s",
				   strerror(-r));
		else
			load_error(err, errlen, path, "not a regular file");
		close(fd);
		return r;
	}
	/* One byte more than allowed, to tell a file that is too large. */
	buf = malloc(FILE_MAX + 1);
	if (!buf) {
		r = -ENOMEM;
		load_error(err, errlen, path, "out of memory");
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, FILE_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			load_error(err, errlen, path, "cannot read: %s",
				   strerror(-r));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > FILE_MAX) {
			r = -EFBIG;
			load_error(err, errlen, path, "larger than %d bytes",
				   FILE_MAX);
			goto out;
		}
	}
	r = config_parse(buf, len, path, ret, err, errlen);
out:
	free(buf);
	close(fd);
	return r;
}

void config_free(struct config *c)
{
	if (!c)
		return;
	free(c->warnings);
	free(c->path);
	free(c->office.id);
	free(c->office.name);
	free(c->office.address);
	free(c->office.timezone);
	free(c->office.footer);
	free(c->office.ticket_url);
	free(c->server.listen_host);
	free(c->server.ui_dir);
	free(c->server.chartjs_dir);
	free(c->server.admin_token);
	for (size_t i = 0; i < c->server.n_kiosk_clients; i++)
		free(c->server.kiosk_clients[i]);
	free(c->server.kiosk_clients);
	free(c->storage.database);
	free(c->hours.closed);
	free(c->policy.appointment_prefix);
	free(c->sms.gammu_config);
	free(c->sms.gammu_inject);
	free(c->sms.url);
	free(c->sms.user);
	free(c->sms.password);
	free(c->sms.body);
	free(c->sms.content_type);
	for (size_t i = 0; i < c->n_services; i++) {
		free(c->services[i].id);
		free(c->services[i].name);
		free(c->services[i].prefix);
		free(c->services[i].info);
		free(c->services[i].name_en);
		free(c->services[i].info_en);
	}
	free(c->services);
	for (size_t i = 0; i < c->n_counters; i++) {
		free(c->counters[i].id);
		free(c->counters[i].name);
		free(c->counters[i].token);
	}
	free(c->counters);
	for (size_t i = 0; i < c->n_supervisors; i++) {
		free(c->supervisors[i].id);
		free(c->supervisors[i].name);
		free(c->supervisors[i].token);
	}
	free(c->supervisors);
	for (size_t i = 0; i < c->n_printers; i++) {
		free(c->printers[i].name);
		free(c->printers[i].path);
		free(c->printers[i].queue);
		free(c->printers[i].host);
		free(c->printers[i].location);
	}
	free(c->printers);
	for (size_t i = 0; i < c->n_kiosks; i++)
		free(c->kiosks[i].id);
	free(c->kiosks);
	free(c);
}

int config_service_index(const struct config *c, const char *id)
{
	for (size_t i = 0; c && id && i < c->n_services; i++)
		if (!strcmp(c->services[i].id, id))
			return (int)i;
	return -1;
}

int config_counter_index(const struct config *c, const char *id)
{
	for (size_t i = 0; c && id && i < c->n_counters; i++)
		if (!strcmp(c->counters[i].id, id))
			return (int)i;
	return -1;
}

int config_kiosk_index(const struct config *c, const char *id)
{
	for (size_t i = 0; c && id && i < c->n_kiosks; i++)
		if (!strcmp(c->kiosks[i].id, id))
			return (int)i;
	return -1;
}

int config_printer_index(const struct config *c, const char *name)
{
	for (size_t i = 0; c && name && i < c->n_printers; i++)
		if (!strcmp(c->printers[i].name, name))
			return (int)i;
	return -1;
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* Keeps the running string in *field when the new one differs; the old
 * config stays in use until the swap, so the value is copied. */
static int keep_str(char **field, const char *running, const char *key,
		    config_report_fn report, void *userdata)
{
	char *copy;

	if (str_eq(*field, running))
		return 0;
	copy = running ? strdup(running) : NULL;
	if (running && !copy)
		return -ENOMEM;
	free(*field);
	*field = copy;
	report(userdata, key);
	return 0;
}

static void keep_int(int *field, int running, const char *key,
		     config_report_fn report, void *userdata)
{
	if (*field == running)
		return;
	*field = running;
	report(userdata, key);
}

static bool clients_equal(const struct config *a, const struct config *b)
{
	if (a->server.n_kiosk_clients != b->server.n_kiosk_clients)
		return false;
	for (size_t i = 0; i < a->server.n_kiosk_clients; i++)
		if (strcmp(a->server.kiosk_clients[i],
			   b->server.kiosk_clients[i]) != 0)
			return false;
	return true;
}

static int keep_clients(struct config *nc, const struct config *old,
			config_report_fn report, void *userdata)
{
	size_t n = old->server.n_kiosk_clients;
	char **list;

	if (clients_equal(nc, old))
		return 0;
	list = calloc(n ? n : 1, sizeof(*list));
	if (!list)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		list[i] = strdup(old->server.kiosk_clients[i]);
		if (!list[i]) {
			while (i > 0)
				free(list[--i]);
			free(list);
			return -ENOMEM;
		}
	}
	for (size_t i = 0; i < nc->server.n_kiosk_clients; i++)
		free(nc->server.kiosk_clients[i]);
	free(nc->server.kiosk_clients);
	nc->server.kiosk_clients = list;
	nc->server.n_kiosk_clients = n;
	report(userdata, "[server] kiosk_clients");
	return 0;
}

/* The SMS worker runs with the gateway it started with: its driver and
 * every key of the gateway need a restart; when to text does not. */
static int keep_sms(struct config *nc, const struct config *old,
		    config_report_fn report, void *userdata)
{
	struct cfg_sms *n = &nc->sms;
	const struct cfg_sms *o = &old->sms;
	int r;

	r = keep_str(&n->gammu_config, o->gammu_config, "[sms] gammu_config",
		     report, userdata);
	if (r == 0)
		r = keep_str(&n->gammu_inject, o->gammu_inject,
			     "[sms] gammu_inject", report, userdata);
	if (r == 0)
		r = keep_str(&n->url, o->url, "[sms] url", report, userdata);
	if (r == 0)
		r = keep_str(&n->user, o->user, "[sms] user", report, userdata);
	if (r == 0)
		r = keep_str(&n->password, o->password, "[sms] password",
			     report, userdata);
	if (r == 0)
		r = keep_str(&n->body, o->body, "[sms] body", report, userdata);
	if (r == 0)
		r = keep_str(&n->content_type, o->content_type,
			     "[sms] content_type", report, userdata);
	keep_int(&n->driver, o->driver, "[sms] driver", report, userdata);
	keep_int(&n->timeout, o->timeout, "[sms] timeout", report, userdata);
	keep_int(&n->queue_size, o->queue_size, "[sms] queue_size", report,
		 userdata);
	keep_int(&n->retries, o->retries, "[sms] retries", report, userdata);
	keep_int(&n->backoff, o->backoff, "[sms] backoff", report, userdata);
	return r;
}

int config_keep_running(struct config *nc, const struct config *old,
			config_report_fn report, void *userdata)
{
	bool host_same = str_eq(nc->server.listen_host, old->server.listen_host);
	int r;

	r = keep_str(&nc->server.listen_host, old->server.listen_host,
		     "[server] listen", report, userdata);
	if (r == 0 && nc->server.listen_port != old->server.listen_port) {
		nc->server.listen_port = old->server.listen_port;
		/* Named once even when both host and port changed. */
		if (host_same)
			report(userdata, "[server] listen");
	}
	if (r == 0)
		r = keep_str(&nc->server.ui_dir, old->server.ui_dir,
			     "[server] ui_dir", report, userdata);
	if (r == 0)
		r = keep_str(&nc->server.chartjs_dir, old->server.chartjs_dir,
			     "[server] chartjs_dir", report, userdata);
	if (r == 0)
		r = keep_clients(nc, old, report, userdata);
	if (r == 0)
		r = keep_str(&nc->storage.database, old->storage.database,
			     "[storage] database", report, userdata);
	if (r == 0)
		r = keep_str(&nc->office.timezone, old->office.timezone,
			     "[office] timezone", report, userdata);
	if (r == 0)
		r = keep_sms(nc, old, report, userdata);
	if (r < 0)
		return r;
	keep_int(&nc->server.max_connections, old->server.max_connections,
		 "[server] max_connections", report, userdata);
	keep_int(&nc->server.max_per_address, old->server.max_per_address,
		 "[server] max_connections_per_address", report, userdata);
	keep_int(&nc->server.max_event_streams, old->server.max_event_streams,
		 "[server] max_event_streams", report, userdata);
	keep_int(&nc->server.header_timeout, old->server.header_timeout,
		 "[server] header_timeout", report, userdata);
	keep_int(&nc->server.shutdown_timeout, old->server.shutdown_timeout,
		 "[server] shutdown_timeout", report, userdata);
	return 0;
}

bool config_printers_equal(const struct config *a, const struct config *b)
{
	if (a->n_printers != b->n_printers)
		return false;
	for (size_t i = 0; i < a->n_printers; i++) {
		const struct cfg_printer *p = &a->printers[i];
		const struct cfg_printer *q = &b->printers[i];

		if (!str_eq(p->name, q->name) || p->driver != q->driver ||
		    !str_eq(p->path, q->path) || !str_eq(p->queue, q->queue) ||
		    !str_eq(p->host, q->host) || p->usb_match != q->usb_match ||
		    p->usb_vid != q->usb_vid || p->usb_pid != q->usb_pid ||
		    p->codepage != q->codepage ||
		    p->codepage_number != q->codepage_number ||
		    p->columns != q->columns ||
		    !str_eq(p->location, q->location))
			return false;
	}
	return true;
}
