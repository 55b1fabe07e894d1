#include "ticket.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/random.h>
#include <sys/types.h>

static const char *const kind_names[] = {
	[TICKET_WALK_IN] = "walk_in",
	[TICKET_PRIORITY] = "priority",
	[TICKET_APPOINTMENT] = "appointment",
};

static const char *const state_names[] = {
	[TICKET_WAITING] = "waiting",
	[TICKET_CALLED] = "called",
	[TICKET_SERVED] = "served",
	[TICKET_NO_SHOW] = "no_show",
	[TICKET_EXPIRED] = "expired",
};

static const char *const reason_names[] = {
	[REASON_NONE] = "none",
	[REASON_STARVATION_GUARD] = "starvation_guard",
	[REASON_INTERLEAVE] = "interleave",
	[REASON_APPOINTMENT_DUE] = "appointment_due",
	[REASON_PRIORITY] = "priority",
	[REASON_WALK_IN] = "walk_in",
	[REASON_APPOINTMENT_EARLY] = "appointment_early",
	[REASON_PRIORITY_DUE] = "priority_due",
	[REASON_LEAST_SLACK] = "least_slack",
};

static const char *const print_names[] = {
	[PRINT_NONE] = "none",
	[PRINT_PENDING] = "pending",
	[PRINT_OK] = "ok",
	[PRINT_FAILED] = "failed",
};

static const char *const event_names[] = {
	[EVENT_ISSUED] = "issued",
	[EVENT_CHECKED_IN] = "checked_in",
	[EVENT_CALLED] = "called",
	[EVENT_RECALLED] = "recalled",
	[EVENT_SERVED] = "served",
	[EVENT_NO_SHOW] = "no_show",
	[EVENT_TRANSFERRED] = "transferred",
	[EVENT_EXPIRED] = "expired",
	[EVENT_PAUSED] = "paused",
	[EVENT_RESUMED] = "resumed",
	[EVENT_IMPORTED] = "imported",
	[EVENT_PRINT_REQUESTED] = "print_requested",
	[EVENT_PRINTED] = "printed",
	[EVENT_PRINT_FAILED] = "print_failed",
	[EVENT_CANCELLED] = "cancelled",
	[EVENT_SERVICES_CHANGED] = "services_changed",
	[EVENT_RETURNED] = "returned",
	[EVENT_SMS_REQUESTED] = "sms_requested",
	[EVENT_SMS_SENT] = "sms_sent",
	[EVENT_SMS_FAILED] = "sms_failed",
};

_Static_assert(sizeof(event_names) / sizeof(event_names[0]) ==
		       EVENT_TYPE_COUNT,
	       "a name for every event type");

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *name_of(const char *const *names, size_t n, int v)
{
	if (v < 0 || (size_t)v >= n || !names[v])
		return "unknown";
	return names[v];
}

static int parse_name(const char *const *names, size_t n, const char *s,
		      int *ret)
{
	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (names[i] && strcmp(names[i], s) == 0) {
			*ret = (int)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *ticket_kind_name(enum ticket_kind k)
{
	return name_of(kind_names, NELEM(kind_names), (int)k);
}

int ticket_kind_parse(const char *s, enum ticket_kind *ret)
{
	int v, r = parse_name(kind_names, NELEM(kind_names), s, &v);
	if (r == 0)
		*ret = (enum ticket_kind)v;
	return r;
}

const char *ticket_state_name(enum ticket_state s)
{
	return name_of(state_names, NELEM(state_names), (int)s);
}

int ticket_state_parse(const char *s, enum ticket_state *ret)
{
	int v, r = parse_name(state_names, NELEM(state_names), s, &v);
	if (r == 0)
		*ret = (enum ticket_state)v;
	return r;
}

const char *call_reason_name(enum call_reason r)
{
	return name_of(reason_names, NELEM(reason_names), (int)r);
}

int call_reason_parse(const char *s, enum call_reason *ret)
{
	int v, r = parse_name(reason_names, NELEM(reason_names), s, &v);
	if (r == 0)
		*ret = (enum call_reason)v;
	return r;
}

const char *print_state_name(enum print_state p)
{
	return name_of(print_names, NELEM(print_names), (int)p);
}

int print_state_parse(const char *s, enum print_state *ret)
{
	int v, r = parse_name(print_names, NELEM(print_names), s, &v);
	if (r == 0)
		*ret = (enum print_state)v;
	return r;
}

const char *event_type_name(enum event_type t)
{
	return name_of(event_names, NELEM(event_names), (int)t);
}

int event_type_parse(const char *s, enum event_type *ret)
{
	int v, r = parse_name(event_names, NELEM(event_names), s, &v);
	if (r == 0)
		*ret = (enum event_type)v;
	return r;
}

static const char b64url[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int b64url_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

void ticket_token_encode(const unsigned char bytes[TICKET_TOKEN_BYTES],
			 char ret[TICKET_TOKEN_LEN + 1])
{
	uint32_t acc = 0;
	int bits = 0;
	size_t n = 0;

	for (size_t i = 0; i < TICKET_TOKEN_BYTES; i++) {
		acc = (acc << 8) | bytes[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			ret[n++] = b64url[(acc >> bits) & 0x3f];
		}
	}
	/* 128 bits: 21 characters and 2 bits left, padded with zeros. */
	if (bits > 0)
		ret[n++] = b64url[(acc << (6 - bits)) & 0x3f];
	ret[n] = '\0';
}

int ticket_token_decode(const char *s, size_t len,
			unsigned char ret[TICKET_TOKEN_BYTES])
{
	unsigned char out[TICKET_TOKEN_BYTES];
	uint32_t acc = 0;
	int bits = 0;
	size_t n = 0;

	if (!s || len != TICKET_TOKEN_LEN)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		int v = b64url_value(s[i]);

		if (v < 0)
			return -EINVAL;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n < sizeof(out))
				out[n++] = (unsigned char)(acc >> bits);
		}
		acc &= (UINT32_C(1) << bits) - 1;
	}
	/* The bits past the 128th must be zero: one spelling per token. */
	if (n != sizeof(out) || acc != 0)
		return -EINVAL;
	memcpy(ret, out, sizeof(out));
	return 0;
}

bool ticket_token_valid(const char *s, size_t len)
{
	unsigned char bytes[TICKET_TOKEN_BYTES];

	return ticket_token_decode(s, len, bytes) == 0;
}

int ticket_token_new(char ret[TICKET_TOKEN_LEN + 1])
{
	unsigned char bytes[TICKET_TOKEN_BYTES];
	size_t got = 0;

	/* getrandom() blocks only before the kernel's pool is first
	 * initialised, long before a ticket is issued. */
	while (got < sizeof(bytes)) {
		ssize_t n = getrandom(bytes + got, sizeof(bytes) - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	ticket_token_encode(bytes, ret);
	return 0;
}
