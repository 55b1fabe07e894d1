#include "hours.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

int hours_set_zone(const char *tz)
{
	char path[512];
	struct stat st;

	if (!tz || !*tz || tz[0] == '/' || strstr(tz, ".."))
		return -EINVAL;
	if ((size_t)snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s",
			     tz) >= sizeof(path))
		return -ENAMETOOLONG;
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return -ENOENT;
	if (setenv("TZ", tz, 1) != 0)
		return -errno;
	tzset();
	return 0;
}

static void local_tm(int64_t t, struct tm *ret)
{
	time_t tt = (time_t)t;
	if (!localtime_r(&tt, ret))
		memset(ret, 0, sizeof(*ret));
}

void hours_day(int64_t t, char ret_day[11])
{
	struct tm tm;
	local_tm(t, &tm);
	if (strftime(ret_day, 11, "%Y-%m-%d", &tm) == 0)
		memcpy(ret_day, "0000-00-00", 11);
}

void hours_rfc3339(int64_t t, char ret[32])
{
	struct tm tm;
	long off, oh, om;

	local_tm(t, &tm);
	off = tm.tm_gmtoff;
	char sign = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;
	oh = (off / 3600) % 100;
	om = (off / 60) % 60;
	size_t n = strftime(ret, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ret + n, 32 - n, "%c%02ld:%02ld", sign, oh, om);
}

/* Reads exactly n digits. */
static int digits(const char **s, int n, int *ret)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		char c = (*s)[i];
		if (c < '0' || c > '9')
			return -EINVAL;
		v = v * 10 + (c - '0');
	}
	*s += n;
	*ret = v;
	return 0;
}

static int expect(const char **s, char c)
{
	if (**s != c)
		return -EINVAL;
	(*s)++;
	return 0;
}

static int days_in_month(int y, int m)
{
	static const int dm[] = {31, 28, 31, 30, 31, 30,
				 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : dm[m - 1];
}

int hours_parse_rfc3339(const char *s, int64_t *ret)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	struct tm tm;

	if (!s)
		return -EINVAL;
	if (digits(&s, 4, &y) || expect(&s, '-') || digits(&s, 2, &mo) ||
	    expect(&s, '-') || digits(&s, 2, &d))
		return -EINVAL;
	if (*s != 'T' && *s != 't' && *s != ' ')
		return -EINVAL;
	s++;
	if (digits(&s, 2, &h) || expect(&s, ':') || digits(&s, 2, &mi) ||
	    expect(&s, ':') || digits(&s, 2, &sec))
		return -EINVAL;
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return -EINVAL;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		sign = *s == '-' ? -1 : 1;
		s++;
		if (digits(&s, 2, &oh) || expect(&s, ':') ||
		    digits(&s, 2, &om))
			return -EINVAL;
		if (oh > 23 || om > 59)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	if (*s)
		return -EINVAL;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 ||
	    d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60)
		return -EINVAL;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec > 59 ? 59 : sec;
	*ret = (int64_t)timegm(&tm) - sign * (oh * 3600 + om * 60);
	return 0;
}

static bool closed_date(const struct config *c, const char *day)
{
	for (size_t i = 0; i < c->hours.n_closed; i++)
		if (strcmp(c->hours.closed[i], day) == 0)
			return true;
	return false;
}

/* The unix time of minute-of-day min on the local date of tm, letting
 * mktime() resolve DST. */
static int64_t at_minute(const struct tm *day, int min)
{
	struct tm tm = *day;
	tm.tm_hour = min / 60;
	tm.tm_min = min % 60;
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

int hours_status(const struct config *c, int64_t now,
		 struct hours_status *ret)
{
	struct hours_status st = {.at = now};
	struct tm tm;
	char day[11];

	if (c->hours.always_open) {
		st.open = true;
		*ret = st;
		return 0;
	}
	local_tm(now, &tm);
	hours_day(now, day);
	const struct cfg_day_hours *h = &c->hours.day[tm.tm_wday];
	int min = tm.tm_hour * 60 + tm.tm_min;
	bool today_open = h->open && !closed_date(c, day);

	if (today_open && min >= h->open_min && min < h->close_min) {
		st.open = true;
		st.cutoff = min >= h->close_min - c->hours.cutoff;
		st.closes_at = at_minute(&tm, h->close_min);
		*ret = st;
		return 0;
	}
	if (today_open && min < h->open_min) {
		st.next_open = at_minute(&tm, h->open_min);
		*ret = st;
		return 0;
	}
	/* Look ahead a year for the next opening day. */
	for (int i = 1; i <= 366; i++) {
		struct tm next = tm;
		next.tm_mday += i;
		next.tm_hour = 12; /* away from any DST gap */
		next.tm_min = 0;
		next.tm_sec = 0;
		next.tm_isdst = -1;
		time_t noon = mktime(&next);
		if (noon == (time_t)-1)
			break;
		local_tm((int64_t)noon, &next);
		hours_day((int64_t)noon, day);
		h = &c->hours.day[next.tm_wday];
		if (h->open && !closed_date(c, day)) {
			st.next_open = at_minute(&next, h->open_min);
			break;
		}
	}
	*ret = st;
	return 0;
}

enum hours_booking hours_booking_check(const struct config *c, int64_t start,
				       int64_t end, int64_t now)
{
	struct tm tm;
	char day[11];

	if (end <= now)
		return HOURS_BOOKING_PAST;
	if (c->hours.always_open)
		return HOURS_BOOKING_OK;
	local_tm(start, &tm);
	hours_day(start, day);
	const struct cfg_day_hours *h = &c->hours.day[tm.tm_wday];
	if (!h->open || closed_date(c, day))
		return HOURS_BOOKING_CLOSED;
	/* Its start, when the citizen comes, is what must be in the hours. */
	if (start < at_minute(&tm, h->open_min) ||
	    start >= at_minute(&tm, h->close_min))
		return HOURS_BOOKING_OUTSIDE;
	return HOURS_BOOKING_OK;
}

const char *hours_booking_why(enum hours_booking b)
{
	switch (b) {
	case HOURS_BOOKING_PAST:
		return "the booking is already over";
	case HOURS_BOOKING_CLOSED:
		return "the office is closed on that day";
	case HOURS_BOOKING_OUTSIDE:
		return "the booking is outside that day's opening hours";
	case HOURS_BOOKING_OK:
		break;
	}
	return NULL;
}
