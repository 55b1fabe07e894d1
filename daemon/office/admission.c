/* Whether a walk-in or priority ticket is issued now, and if not why: one
 * decision, used by issuing (the refusal) and by what pages are told (the
 * services' `open`, `closed_reason` and `opens_at`), so that a tile never
 * says open while a tap is refused. A new reason to refuse belongs here. */
#include "office_internal.h"

#include <errno.h>

#include "hours.h"
#include "queue.h"

const char *office_closed_reason_name(enum office_closed_reason r)
{
	switch (r) {
	case OFFICE_CLOSED_HOURS:
		return "closed";
	case OFFICE_CLOSED_CUTOFF:
		return "cutoff";
	case OFFICE_CLOSED_ESTIMATE:
		return "estimate";
	case OFFICE_CLOSED_WAIT:
		return "wait_too_long";
	case OFFICE_ADMIT:
		break;
	}
	return NULL;
}

int64_t office_reopens(const struct config *c, const struct hours_status *h)
{
	struct hours_status later;

	if (!h->open)
		return h->next_open;
	if (!h->closes_at)
		return 0;
	hours_status(c, h->closes_at, &later);
	return later.next_open;
}

void office_admission(const struct office *o, int service, bool priority,
		      const struct hours_status *h,
		      struct office_admission *ret)
{
	const struct config *c = o->cfg;
	struct office_admission a = {.reason = OFFICE_ADMIT, .wait_min = -1};

	if (!h->open)
		a.reason = OFFICE_CLOSED_HOURS;
	else if (h->cutoff && !(priority && c->hours.priority_after_cutoff))
		a.reason = OFFICE_CLOSED_CUTOFF;
	else {
		/* The wait the citizen would be told (and is, when issued). */
		int wait = office_estimate_new(
			o, service, priority ? TICKET_PRIORITY : TICKET_WALK_IN,
			h->at);
		int64_t service_s = office_mean_service_time(o, service);

		a.wait_min = wait;
		/* No ticket that, by the estimate, could not be served
		 * before closing: the citizen is told now, not at 16:30. */
		if (h->closes_at && wait >= 0 &&
		    h->at + (int64_t)wait * 60 + service_s > h->closes_at)
			a.reason = OFFICE_CLOSED_ESTIMATE;
		/* Admission: a wait beyond the limit is not offered to a
		 * walk-in; priority citizens are never refused by it. */
		else if (!priority && c->policy.walkin_limit > 0 &&
			 wait > c->policy.walkin_limit)
			a.reason = OFFICE_CLOSED_WAIT;
	}
	if (a.reason != OFFICE_ADMIT && a.reason != OFFICE_CLOSED_WAIT)
		a.opens_at = office_reopens(c, h);
	*ret = a;
}

int office_refuse_admission(const struct office *o, int service,
			    const struct hours_status *h,
			    const struct office_admission *a,
			    struct office_error *err)
{
	const struct cfg_service *svc = &o->cfg->services[service];
	char hhmm[6];
	int r;

	if (a->reason == OFFICE_CLOSED_WAIT) {
		r = office_refuse(
			err, OFFICE_WAIT_TOO_LONG, EAGAIN,
			"No ticket for \"%s\" now: the wait would be about "
			"%d minutes, longer than the %d minutes this office "
			"keeps walk-ins waiting. Please book an appointment "
			"online.",
			svc->name, a->wait_min, o->cfg->policy.walkin_limit);
		err->wait_min = a->wait_min;
		err->limit_min = o->cfg->policy.walkin_limit;
		return r;
	}
	if (a->reason != OFFICE_CLOSED_ESTIMATE)
		return office_refuse_closed(o, h, err);
	office_format_hhmm(h->closes_at, hhmm);
	r = office_refuse(err, OFFICE_CLOSED, EAGAIN,
			  "No more tickets for \"%s\" today: "
			  "about %d minutes of waiting are ahead "
			  "and the office closes at %s. Please "
			  "come back on another day or book an "
			  "appointment online.",
			  svc->name, a->wait_min, hhmm);
	err->reason = office_closed_reason_name(a->reason);
	err->closes_at = h->closes_at;
	err->opens_at = a->opens_at;
	err->wait_min = a->wait_min;
	return r;
}
