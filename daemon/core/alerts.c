#include "alerts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* Far more than a floor can hold: services, printers and counters are
 * each at most a few hundred, late bookings a few hundred a day. */
#define ALERTS_MAX 100000

struct alerts {
	struct alert *v; /* active, oldest raised first */
	size_t n, cap;
	uint64_t raised[ALERT_KIND_COUNT];
};

static const char *const kind_names[] = {
	[ALERT_MAX_WAIT] = "max_wait",
	[ALERT_BOOKING_LATE] = "booking_late",
	[ALERT_PRINTER_DOWN] = "printer_down",
	[ALERT_COUNTER_PAUSED] = "counter_paused",
};

_Static_assert(sizeof(kind_names) / sizeof(kind_names[0]) == ALERT_KIND_COUNT,
	       "a name for every kind of alert");

const char *alert_kind_name(enum alert_kind k)
{
	return (unsigned)k < ALERT_KIND_COUNT ? kind_names[k] : "unknown";
}

int alerts_new(struct alerts **ret)
{
	struct alerts *a = calloc(1, sizeof(*a));

	if (!a)
		return -ENOMEM;
	*ret = a;
	return 0;
}

void alerts_free(struct alerts *a)
{
	if (!a)
		return;
	free(a->v);
	free(a);
}

static bool same(const struct alert *a, const struct alert_cond *c)
{
	return a->kind == c->kind &&
	       strncmp(a->subject, c->subject, sizeof(a->subject) - 1) == 0;
}

static bool due(const struct alert_cond *c, int64_t now)
{
	return now - c->since >= c->after_s;
}

int alerts_update(struct alerts *a, const struct alert_cond *conds,
		  size_t n, int64_t now, alerts_fn fn, void *userdata)
{
	size_t kept = 0, need = a->n;

	for (size_t i = 0; i < n; i++)
		need += due(&conds[i], now);
	if (array_reserve(&a->v, &a->cap, need, sizeof(*a->v), 8,
			  ALERTS_MAX) < 0)
		return -ENOMEM;
	/* An alert lasts while its subject's condition does, even when what
	 * holds it changes (the longest waiting ticket called, the next one
	 * waiting as long): one alert, raised and cleared once. */
	for (size_t i = 0; i < a->n; i++) {
		const struct alert_cond *c = NULL;

		for (size_t j = 0; j < n && !c; j++)
			if (same(&a->v[i], &conds[j]) && due(&conds[j], now))
				c = &conds[j];
		if (!c) {
			if (fn)
				fn(userdata, &a->v[i], false, now);
			continue;
		}
		snprintf(a->v[i].message, sizeof(a->v[i].message), "%s",
			 c->message ? c->message : "");
		a->v[kept++] = a->v[i];
	}
	a->n = kept;
	for (size_t j = 0; j < n; j++) {
		const struct alert_cond *c = &conds[j];
		struct alert *x;
		bool active = false;

		if (!due(c, now))
			continue;
		for (size_t i = 0; i < a->n && !active; i++)
			active = same(&a->v[i], c);
		if (active)
			continue;
		x = &a->v[a->n++];
		memset(x, 0, sizeof(*x));
		x->kind = c->kind;
		snprintf(x->subject, sizeof(x->subject), "%s", c->subject);
		x->since = c->since;
		x->raised_at = now;
		snprintf(x->message, sizeof(x->message), "%s",
			 c->message ? c->message : "");
		a->raised[c->kind]++;
		if (fn)
			fn(userdata, x, true, now);
	}
	return 0;
}

const struct alert *alerts_active(const struct alerts *a, size_t *ret_n)
{
	*ret_n = a->n;
	return a->v;
}

uint64_t alerts_raised(const struct alerts *a, enum alert_kind k)
{
	return (unsigned)k < ALERT_KIND_COUNT ? a->raised[k] : 0;
}
