#include "booking_ics.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "text.h"

#define DEPTH_MAX 8
#define NAME_MAX_ICS 64 /* component, property and parameter names */
#define TEXT_MAX 128	/* values of an event's properties that are kept */

/* A text property's value, unescaped; len counts all of it, also what did
 * not fit. */
struct text {
	char v[TEXT_MAX];
	size_t len;
	bool set;
};

struct dtime {
	bool set;
	bool ok;
	int64_t t;
};

struct event {
	unsigned line; /* of its BEGIN:VEVENT */
	char msg[BOOKING_MSG_MAX];
	struct text code, uid, service, phone, attendee_tel, contact_tel;
	unsigned n_categories;
	struct dtime start, end;
	bool has_duration, duration_ok;
	int64_t duration;
	bool has_status, cancelled, recurring;
};

/* One content line: NAME *(;PARAM=VALUE) :VALUE. */
struct content {
	char name[NAME_MAX_ICS]; /* upper case, cut */
	const char *tzid;	 /* the TZID parameter or NULL */
	size_t tzid_len;
	bool value_date; /* VALUE=DATE */
	const char *value;
	size_t value_len;
};

struct civil {
	int y, mo, d, h, mi, s;
};

struct parser {
	const char *tzid;
	char service_prop[NAME_MAX_ICS]; /* upper case */
	bool categories;
	struct booking_list *l;
	char stack[DEPTH_MAX][NAME_MAX_ICS];
	unsigned stack_line[DEPTH_MAX];
	int depth;
	bool seen_calendar, method_cancel, trailing_reported;
	bool in_event; /* stack[1] is the VEVENT being read */
	struct event ev;
	char buf[BOOKING_LINE_MAX]; /* the unfolded line */
};

/* Properties of an event that the parser reads; the service property must
 * not be one of them. */
static const char *const used_props[] = {
	"X-BOOKING-CODE", "UID",    "DTSTART", "DTEND",
	"DURATION",	  "STATUS", "X-PHONE", "ATTENDEE",
	"CONTACT",	  "RRULE",  "RDATE",   "RECURRENCE-ID",
};

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || digit(c) ||
	       c == '-';
}

static char upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

static bool is_word(const char *s, size_t n, const char *word)
{
	return n == strlen(word) && strncasecmp(s, word, n) == 0;
}

/* s (n bytes) as an upper-case name, cut to fit. */
static void upper_name(const char *s, size_t n, char ret[NAME_MAX_ICS])
{
	size_t o = 0;

	text_trim(&s, &n);
	for (size_t i = 0; i < n && o < NAME_MAX_ICS - 1; i++)
		ret[o++] = upper(s[i]);
	ret[o] = '\0';
}

static bool is_used(const char *name)
{
	for (size_t i = 0; i < sizeof(used_props) / sizeof(used_props[0]); i++)
		if (strcmp(name, used_props[i]) == 0)
			return true;
	return false;
}

static int parse_content(const char *s, size_t n, struct content *c)
{
	size_t i = 0, k = 0;

	memset(c, 0, sizeof(*c));
	for (; i < n && name_char(s[i]); i++)
		if (k < NAME_MAX_ICS - 1)
			c->name[k++] = upper(s[i]);
	c->name[k] = '\0';
	if (k == 0)
		return -EINVAL;
	while (i < n && s[i] == ';') {
		const char *pname = s + ++i;
		size_t plen;

		while (i < n && name_char(s[i]))
			i++;
		plen = (size_t)(s + i - pname);
		if (plen == 0 || i >= n || s[i] != '=')
			return -EINVAL;
		i++;
		for (bool first = true;; first = false) {
			const char *v = s + i;
			size_t vl;

			if (i < n && s[i] == '"') {
				v = s + ++i;
				while (i < n && s[i] != '"')
					i++;
				if (i >= n)
					return -EINVAL;
				vl = (size_t)(s + i - v);
				i++;
			} else {
				while (i < n && s[i] != ',' && s[i] != ';' &&
				       s[i] != ':' && s[i] != '"')
					i++;
				vl = (size_t)(s + i - v);
			}
			if (first && is_word(pname, plen, "TZID")) {
				c->tzid = v;
				c->tzid_len = vl;
			}
			if (first && is_word(pname, plen, "VALUE"))
				c->value_date = is_word(v, vl, "DATE");
			if (i < n && s[i] == ',') {
				i++;
				continue;
			}
			break;
		}
	}
	if (i >= n || s[i] != ':')
		return -EINVAL;
	c->value = s + i + 1;
	c->value_len = n - i - 1;
	return 0;
}

/* Sets t from a TEXT value (RFC 5545 3.3.11 escapes) or, raw, a URI. */
static void text_set(struct text *t, const char *s, size_t n, bool unescape)
{
	size_t o = 0, len = 0;

	text_trim(&s, &n);
	for (size_t i = 0; i < n; i++, len++) {
		char c = s[i];

		if (unescape && c == '\\' && i + 1 < n) {
			char e = s[i + 1];

			if (e == 'n' || e == 'N') {
				c = '\n';
				i++;
			} else if (e == '\\' || e == ';' || e == ',') {
				c = e;
				i++;
			}
		}
		if (o < TEXT_MAX - 1)
			t->v[o++] = c;
	}
	t->v[o] = '\0';
	t->len = len;
	t->set = true;
}

static bool text_fits(const char *name, const struct text *t,
		      char msg[BOOKING_MSG_MAX])
{
	if (t->len < TEXT_MAX)
		return true;
	booking_csv_note(msg, "%s is longer than %d bytes", name, TEXT_MAX - 1);
	return false;
}

/* 1970-01-01 is day 0 (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int days_in_month(int y, int m)
{
	static const int dm[] = {31, 28, 31, 30, 31, 30,
				 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dm[m - 1];
}

static int num(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* YYYYMMDDTHHMMSS, with Z for UTC. -EDOM for a DATE (YYYYMMDD). */
static int parse_dt(const char *s, size_t n, struct civil *ret, bool *ret_utc)
{
	struct civil c;

	for (size_t i = 0; i < n && i < 8; i++)
		if (!digit(s[i]))
			return -EINVAL;
	if (n == 8)
		return -EDOM;
	if (n != 15 && n != 16)
		return -EINVAL;
	if (upper(s[8]) != 'T' || (n == 16 && upper(s[15]) != 'Z'))
		return -EINVAL;
	for (size_t i = 9; i < 15; i++)
		if (!digit(s[i]))
			return -EINVAL;
	c.y = num(s, 4);
	c.mo = num(s + 4, 2);
	c.d = num(s + 6, 2);
	c.h = num(s + 9, 2);
	c.mi = num(s + 11, 2);
	c.s = num(s + 13, 2);
	if (c.y < 1970 || c.mo < 1 || c.mo > 12 || c.d < 1 ||
	    c.d > days_in_month(c.y, c.mo) || c.h > 23 || c.mi > 59 || c.s > 59)
		return -EINVAL;
	*ret = c;
	*ret_utc = n == 16;
	return 0;
}

static int64_t utc_time(const struct civil *c)
{
	return days_from_civil(c->y, (unsigned)c->mo, (unsigned)c->d) * 86400 +
	       c->h * 3600 + c->mi * 60 + c->s;
}

/* The local time c in the process's time zone. Of a time that the clocks
 * pass twice the first (RFC 5545 3.3.5); -ENOENT for one they skip. */
static int local_time(const struct civil *c, int64_t *ret)
{
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = c->y - 1900;
	tm.tm_mon = c->mo - 1;
	tm.tm_mday = c->d;
	tm.tm_hour = c->h;
	tm.tm_min = c->mi;
	tm.tm_sec = c->s;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	/* Offsets and their changes are multiples of 15 minutes. */
	for (int k = -8; k <= 8; k++) {
		time_t cand = t + k * 900;
		struct tm lt;

		if (!localtime_r(&cand, &lt))
			continue;
		if (lt.tm_year == c->y - 1900 && lt.tm_mon == c->mo - 1 &&
		    lt.tm_mday == c->d && lt.tm_hour == c->h &&
		    lt.tm_min == c->mi && lt.tm_sec == c->s) {
			*ret = (int64_t)cand;
			return 0;
		}
	}
	return -ENOENT;
}

/* An RFC 5545 dur-value, positive: P1W, P1D, PT15M, P1DT2H... */
static int parse_duration(const char *s, size_t n, int64_t *ret)
{
	int64_t total = 0;
	size_t i = 0;
	bool in_time = false, any = false;

	if (i < n && s[i] == '+')
		i++;
	if (i >= n || upper(s[i]) != 'P')
		return -EINVAL;
	for (i++; i < n;) {
		int64_t v = 0, unit;
		size_t digits = 0;
		char u;

		if (upper(s[i]) == 'T' && !in_time) {
			in_time = true;
			i++;
			continue;
		}
		for (; i < n && digit(s[i]); i++) {
			if (++digits > 6)
				return -EINVAL;
			v = v * 10 + (s[i] - '0');
		}
		if (digits == 0 || i >= n)
			return -EINVAL;
		u = upper(s[i++]);
		if (u == 'W' && !in_time)
			unit = 7 * 86400;
		else if (u == 'D' && !in_time)
			unit = 86400;
		else if (u == 'H' && in_time)
			unit = 3600;
		else if (u == 'M' && in_time)
			unit = 60;
		else if (u == 'S' && in_time)
			unit = 1;
		else
			return -EINVAL;
		total += v * unit;
		any = true;
	}
	if (!any)
		return -EINVAL;
	*ret = total;
	return 0;
}

static bool tzid_is_office(const struct parser *p, const char *s, size_t n)
{
	/* "/Europe/Bucharest": a globally unique id (RFC 5545 3.8.3.1). */
	if (n > 0 && s[0] == '/') {
		s++;
		n--;
	}
	return n == strlen(p->tzid) && memcmp(s, p->tzid, n) == 0;
}

static void event_time(struct parser *p, const struct content *c,
		       struct dtime *d)
{
	char *msg = p->ev.msg, q[64];
	const char *v = c->value;
	size_t n = c->value_len;
	struct civil cv;
	bool utc;
	int r;

	if (d->set) {
		booking_csv_note(msg, "%s appears twice", c->name);
		d->ok = false;
		return;
	}
	d->set = true;
	text_trim(&v, &n);
	r = parse_dt(v, n, &cv, &utc);
	text_quote(q, sizeof(q), v, n);
	if (r == -EDOM || (r == 0 && c->value_date)) {
		booking_csv_note(msg,
				 "%s %s is a date without a time (an all-day "
				 "event)",
				 c->name, q);
		return;
	}
	if (r < 0) {
		booking_csv_note(msg,
				 "%s %s is no date and time such as "
				 "20261203T091500Z",
				 c->name, q);
		return;
	}
	if (utc) {
		d->t = utc_time(&cv);
	} else if (c->tzid && !tzid_is_office(p, c->tzid, c->tzid_len)) {
		text_quote(q, sizeof(q), c->tzid, c->tzid_len);
		booking_csv_note(msg,
				 "%s has TZID=%s, not the office's %s (or "
				 "UTC)",
				 c->name, q, p->tzid);
		return;
	} else if (local_time(&cv, &d->t) < 0) {
		booking_csv_note(msg,
				 "%s %s does not exist in %s: the clocks "
				 "skip it",
				 c->name, q, p->tzid);
		return;
	}
	d->ok = true;
}

/* Adds the values of a CATEGORIES line (TEXT, separated by commas). */
static void event_categories(struct event *e, const char *s, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i <= n; i++) {
		const char *v;
		size_t vl;

		if (i < n && s[i] == '\\') {
			i++;
			continue;
		}
		if (i < n && s[i] != ',')
			continue;
		v = s + start;
		vl = i - start;
		start = i + 1;
		text_trim(&v, &vl);
		if (vl == 0)
			continue;
		if (e->n_categories++ == 0)
			text_set(&e->service, v, vl, true);
	}
}

/* A tel: URI (RFC 3966) without its scheme and parameters, or NULL. */
static const char *tel_uri(const char *s, size_t n, size_t *ret_len)
{
	const char *semi;

	text_trim(&s, &n);
	if (n < 4 || strncasecmp(s, "tel:", 4) != 0)
		return NULL;
	s += 4;
	n -= 4;
	semi = memchr(s, ';', n);
	*ret_len = semi ? (size_t)(semi - s) : n;
	return s;
}

static void event_once(struct event *e, struct text *t, const char *name,
		       const char *v, size_t n, bool unescape)
{
	if (t->set)
		booking_csv_note(e->msg, "%s appears twice", name);
	else
		text_set(t, v, n, unescape);
}

static void event_property(struct parser *p, unsigned line,
			   const struct content *c, bool too_long)
{
	struct event *e = &p->ev;
	const char *v = c->value, *tel;
	size_t n = c->value_len, tl;
	bool service = strcmp(c->name, p->service_prop) == 0;

	if (!service && !is_used(c->name))
		return;
	if (too_long) {
		booking_csv_note(e->msg,
				 "%s on line %u is longer than %d bytes",
				 c->name, line, BOOKING_LINE_MAX);
		return;
	}
	if (service && p->categories) {
		event_categories(e, v, n);
	} else if (service) {
		event_once(e, &e->service, c->name, v, n, true);
	} else if (strcmp(c->name, "X-BOOKING-CODE") == 0) {
		event_once(e, &e->code, c->name, v, n, true);
	} else if (strcmp(c->name, "UID") == 0) {
		event_once(e, &e->uid, c->name, v, n, true);
	} else if (strcmp(c->name, "DTSTART") == 0) {
		event_time(p, c, &e->start);
	} else if (strcmp(c->name, "DTEND") == 0) {
		event_time(p, c, &e->end);
	} else if (strcmp(c->name, "DURATION") == 0) {
		char q[64];

		text_trim(&v, &n);
		if (e->has_duration) {
			booking_csv_note(e->msg, "DURATION appears twice");
			e->duration_ok = false;
		} else if (parse_duration(v, n, &e->duration) < 0) {
			text_quote(q, sizeof(q), v, n);
			booking_csv_note(e->msg,
					 "DURATION %s is no duration such as "
					 "PT15M",
					 q);
		} else {
			e->duration_ok = true;
		}
		e->has_duration = true;
	} else if (strcmp(c->name, "STATUS") == 0) {
		char q[64];

		text_trim(&v, &n);
		if (e->has_status) {
			booking_csv_note(e->msg, "STATUS appears twice");
		} else if (is_word(v, n, "CANCELLED")) {
			e->cancelled = true;
		} else if (!is_word(v, n, "CONFIRMED") &&
			   !is_word(v, n, "TENTATIVE")) {
			text_quote(q, sizeof(q), v, n);
			booking_csv_note(e->msg,
					 "STATUS %s is not CONFIRMED, "
					 "TENTATIVE or CANCELLED",
					 q);
		}
		e->has_status = true;
	} else if (strcmp(c->name, "X-PHONE") == 0) {
		tel = tel_uri(v, n, &tl);
		if (tel)
			event_once(e, &e->phone, c->name, tel, tl, false);
		else
			event_once(e, &e->phone, c->name, v, n, true);
	} else if (strcmp(c->name, "ATTENDEE") == 0) {
		tel = tel_uri(v, n, &tl);
		if (tel && !e->attendee_tel.set)
			text_set(&e->attendee_tel, tel, tl, false);
	} else if (strcmp(c->name, "CONTACT") == 0) {
		tel = tel_uri(v, n, &tl);
		if (tel && !e->contact_tel.set)
			text_set(&e->contact_tel, tel, tl, true);
	} else if (!e->recurring) {
		/* RRULE, RDATE, RECURRENCE-ID */
		booking_csv_note(e->msg, "a recurring event (%s) is no booking",
				 c->name);
		e->recurring = true;
	}
}

static int finish_event(struct parser *p)
{
	struct event *e = &p->ev;
	char phone[BOOKING_PHONE_MAX + 1] = "", q[64];
	const char *code_prop = e->code.set ? "X-BOOKING-CODE" : "UID";
	const struct text *code = e->code.set ? &e->code : &e->uid;
	struct booking b;
	bool code_ok = false;

	memset(&b, 0, sizeof(b));
	b.line = e->line;
	if (!code->set) {
		booking_csv_note(e->msg, "no UID or X-BOOKING-CODE");
	} else if (text_fits(code_prop, code, e->msg)) {
		code_ok = booking_csv_check_code(code_prop, code->v, code->len,
						 b.code, e->msg) == 0;
		if (!code_ok && !e->code.set)
			booking_csv_note(e->msg,
					 "give the code in X-BOOKING-CODE");
	}
	if (p->categories && e->n_categories > 1) {
		booking_csv_note(e->msg,
				 "CATEGORIES has %u values, not one service "
				 "id",
				 e->n_categories);
	} else if (!e->service.set) {
		booking_csv_note(e->msg, "no %s (the service id)",
				 p->service_prop);
	} else if (text_fits(p->service_prop, &e->service, e->msg)) {
		(void)booking_csv_check_service(p->service_prop, e->service.v,
						e->service.len, b.service,
						e->msg);
	}
	if (!e->start.set)
		booking_csv_note(e->msg, "no DTSTART");
	if (e->end.set && e->has_duration)
		booking_csv_note(e->msg, "both DTEND and DURATION");
	else if (!e->end.set && !e->has_duration)
		booking_csv_note(e->msg, "no DTEND or DURATION");
	else if (e->start.ok && (e->end.ok || e->duration_ok)) {
		b.start = e->start.t;
		b.end = e->end.ok ? e->end.t : e->start.t + e->duration;
		(void)booking_csv_check_span(b.start, b.end, e->msg);
	}
	if (e->phone.set) {
		if (text_fits("X-PHONE", &e->phone, e->msg))
			(void)booking_csv_check_phone("X-PHONE", e->phone.v,
						      e->phone.len, phone,
						      e->msg);
	} else if (e->attendee_tel.set || e->contact_tel.set) {
		const char *name = e->attendee_tel.set ? "ATTENDEE" : "CONTACT";
		const struct text *t = e->attendee_tel.set ? &e->attendee_tel :
							     &e->contact_tel;

		if (text_fits(name, t, e->msg))
			(void)booking_csv_check_phone(name, t->v, t->len, phone,
						      e->msg);
	}
	b.status = e->cancelled || p->method_cancel ? BOOKING_CANCELLED :
						      BOOKING_BOOKED;
	if (e->msg[0]) {
		const char *ident = q;

		if (code_ok)
			text_quote(q, sizeof(q), b.code, strlen(b.code));
		else if (code->set)
			text_quote(q, sizeof(q), code->v,
				   strnlen(code->v, TEXT_MAX));
		else
			ident = "without a code";
		return booking_csv_refuse(p->l, e->line, "event %s: %s", ident,
					  e->msg);
	}
	if (phone[0] && !(b.phone = strdup(phone)))
		return -ENOMEM;
	return booking_csv_add(p->l, &b);
}

static int begin(struct parser *p, unsigned line, const char *v, size_t n)
{
	char name[NAME_MAX_ICS];

	upper_name(v, n, name);
	if (p->depth == DEPTH_MAX)
		return booking_csv_refuse_file(
			p->l, line, "components are nested deeper than %d",
			DEPTH_MAX);
	if (strcmp(name, "VEVENT") == 0) {
		if (p->depth == 1 && strcmp(p->stack[0], "VCALENDAR") == 0) {
			memset(&p->ev, 0, sizeof(p->ev));
			p->ev.line = line;
			p->in_event = true;
		} else {
			int r = booking_csv_refuse(
				p->l, line,
				"a VEVENT inside %s is no booking; ignored",
				p->stack[p->depth - 1]);

			if (r < 0)
				return r;
		}
	}
	memcpy(p->stack[p->depth], name, sizeof(name));
	p->stack_line[p->depth] = line;
	p->depth++;
	return 0;
}

static int end(struct parser *p, unsigned line, const char *v, size_t n)
{
	char name[NAME_MAX_ICS], q[64];
	int k;

	upper_name(v, n, name);
	for (k = p->depth - 1; k >= 0; k--)
		if (strcmp(p->stack[k], name) == 0)
			break;
	if (k < 0) {
		text_quote(q, sizeof(q), name, strlen(name));
		return booking_csv_refuse(
			p->l, line, "END:%s without its BEGIN; ignored", q);
	}
	while (p->depth > k) {
		p->depth--;
		if (p->in_event && p->depth == 1) {
			int r;

			if (p->depth > k)
				booking_csv_note(p->ev.msg,
						 "no END:VEVENT before END:%s "
						 "on line %u",
						 name, line);
			p->in_event = false;
			r = finish_event(p);
			if (r < 0)
				return r;
		}
	}
	if (p->depth == 0)
		p->method_cancel = false;
	return 0;
}

static int content_line(struct parser *p, unsigned line, const char *s,
			size_t n, bool too_long)
{
	struct content c;
	bool bad;

	if (n == 0)
		return 0;
	bad = parse_content(s, n, &c) < 0;
	if (!p->seen_calendar || p->depth == 0) {
		if (!bad && strcmp(c.name, "BEGIN") == 0 &&
		    is_word(c.value, c.value_len, "VCALENDAR")) {
			p->seen_calendar = true;
			return begin(p, line, c.value, c.value_len);
		}
		if (!p->seen_calendar)
			return booking_csv_refuse_file(
				p->l, line,
				"not iCalendar: the file does not begin with "
				"BEGIN:VCALENDAR");
		if (p->trailing_reported)
			return 0;
		p->trailing_reported = true;
		return booking_csv_refuse(p->l, line,
					  "text after END:VCALENDAR; ignored");
	}
	if (bad) {
		if (p->in_event && p->depth == 2 &&
		    (is_used(c.name) || strcmp(c.name, p->service_prop) == 0))
			booking_csv_note(p->ev.msg,
					 "%s on line %u is malformed", c.name,
					 line);
		return 0;
	}
	if (strcmp(c.name, "BEGIN") == 0)
		return begin(p, line, c.value, c.value_len);
	if (strcmp(c.name, "END") == 0)
		return end(p, line, c.value, c.value_len);
	if (p->in_event && p->depth == 2)
		event_property(p, line, &c, too_long);
	else if (p->depth == 1 && strcmp(c.name, "METHOD") == 0)
		p->method_cancel = is_word(c.value, c.value_len, "CANCEL");
	return 0;
}

static int check_options(const struct booking_ics_options *o, struct parser *p)
{
	const char *prop =
		o->service_property ? o->service_property : "X-SERVICE";
	size_t n = strlen(prop);

	if (!o->tzid || !*o->tzid)
		return -EINVAL;
	if (n == 0 || n >= NAME_MAX_ICS)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!name_char(prop[i]))
			return -EINVAL;
	upper_name(prop, n, p->service_prop);
	if (is_used(p->service_prop) || strcmp(p->service_prop, "BEGIN") == 0 ||
	    strcmp(p->service_prop, "END") == 0)
		return -EINVAL;
	p->tzid = o->tzid;
	p->categories = strcmp(p->service_prop, "CATEGORIES") == 0;
	return 0;
}

void booking_ics_free(struct booking_list *l)
{
	booking_csv_free(l);
}

int booking_ics_parse(const char *data, size_t len,
		      const struct booking_ics_options *o,
		      struct booking_list **ret_list)
{
	struct parser *p;
	const char *s = data, *end_of_data = data + len;
	unsigned line = 0, lline = 0;
	size_t blen = 0;
	bool have = false, too_long = false;
	int r;

	if (!o)
		return -EINVAL;
	if (len > BOOKING_FILE_MAX)
		return -EFBIG;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	r = check_options(o, p);
	if (r < 0) {
		free(p);
		return r;
	}
	p->l = booking_csv_list_new();
	if (!p->l) {
		free(p);
		return -ENOMEM;
	}
	if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;
	/* Unfolds: a line that begins with a blank continues the one before,
	 * without its line break and that blank. */
	while (s < end_of_data && !p->l->fatal) {
		const char *nl = memchr(s, '\n', (size_t)(end_of_data - s));
		size_t n = (size_t)((nl ? nl : end_of_data) - s), skip = 0;

		line++;
		if (n > 0 && s[n - 1] == '\r')
			n--;
		if (have && n > 0 && blank(s[0])) {
			skip = 1;
		} else {
			if (have) {
				r = content_line(p, lline, p->buf, blen,
						 too_long);
				if (r < 0)
					goto fail;
			}
			have = true;
			lline = line;
			blen = 0;
			too_long = false;
		}
		if (n - skip > BOOKING_LINE_MAX - blen) {
			memcpy(p->buf + blen, s + skip,
			       BOOKING_LINE_MAX - blen);
			blen = BOOKING_LINE_MAX;
			too_long = true;
		} else {
			memcpy(p->buf + blen, s + skip, n - skip);
			blen += n - skip;
		}
		s = nl ? nl + 1 : end_of_data;
	}
	if (have && !p->l->fatal) {
		r = content_line(p, lline, p->buf, blen, too_long);
		if (r < 0)
			goto fail;
	}
	if (!p->l->fatal && !p->seen_calendar) {
		r = booking_csv_refuse_file(
			p->l, line ? line : 1,
			"not iCalendar: no BEGIN:VCALENDAR");
		if (r < 0)
			goto fail;
	}
	if (!p->l->fatal && p->depth > 0) {
		if (p->in_event) {
			booking_csv_note(p->ev.msg,
					 "the file ends before END:VEVENT");
			p->in_event = false;
			r = finish_event(p);
			if (r < 0)
				goto fail;
		}
		r = booking_csv_refuse(p->l, p->stack_line[0],
				       "the file ends before END:VCALENDAR "
				       "(is it cut short?)");
		if (r < 0)
			goto fail;
	}
	r = booking_csv_finish(p->l);
	if (r < 0)
		goto fail;
	*ret_list = p->l;
	free(p);
	return 0;
fail:
	booking_csv_free(p->l);
	free(p);
	return r;
}
