/* A second chance: a ticket marked no-show comes back within [policy]
 * return_window minutes, from the counter or from the citizen at a kiosk
 * (its QR code), and waits again with its original issue time. */
#include "office_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hours.h"
#include "log.h"
#include "queue.h"

/* The lock held. */
static int64_t until_locked(const struct office *o, const struct ticket *t)
{
	if (o->cfg->policy.return_window <= 0 ||
	    t->state != TICKET_NO_SHOW || t->finished_at <= 0 ||
	    strcmp(t->day, o->day) != 0)
		return 0;
	return t->finished_at + (int64_t)o->cfg->policy.return_window * 60;
}

int64_t office_return_until(struct office *o, const struct ticket *t,
			    int64_t now)
{
	int64_t until;

	pthread_mutex_lock(&o->lock);
	until = until_locked(o, t);
	pthread_mutex_unlock(&o->lock);
	return now > until ? 0 : until;
}

/* Brings t back; the caller holds the lock and has rolled the day. */
static int bring_back(struct office *o, struct ticket *t, int counter,
		      int64_t now, const char *detail,
		      struct office_error *err)
{
	struct hours_status h;
	int64_t until;
	int r;

	if (t->state != TICKET_NO_SHOW)
		return office_refuse(err, OFFICE_CONFLICT, EBUSY,
				     "Ticket %s is %s, not a no-show: only a "
				     "ticket marked no-show can come back.",
				     t->number, ticket_state_name(t->state));
	until = until_locked(o, t);
	if (until == 0 || now > until) {
		r = o->cfg->policy.return_window <= 0 ?
			    office_refuse(err, OFFICE_RETURN_WINDOW_PASSED,
					  ETIME,
					  "Tickets marked no-show do not come "
					  "back here ([policy] return_window "
					  "is 0).") :
			    office_refuse(err, OFFICE_RETURN_WINDOW_PASSED,
					  ETIME,
					  "Ticket %s was marked no-show more "
					  "than %d minutes ago: it can no "
					  "longer come back.",
					  t->number,
					  o->cfg->policy.return_window);
		err->wait_min = o->cfg->policy.return_window;
		return r;
	}
	if (t->service < 0 || (size_t)t->service >= o->cfg->n_services)
		return office_refuse(err, OFFICE_UNPROCESSABLE, EINVAL,
				     "Ticket %s's service is no longer "
				     "offered.",
				     t->number);
	hours_status(o->cfg, now, &h);
	if (!h.open)
		return office_refuse_closed(o, &h, err);

	t->state = TICKET_WAITING;
	t->counter = -1;
	t->reason = REASON_NONE;
	t->called_at = 0;
	t->finished_at = 0;
	r = store_begin(o->st);
	if (r == 0)
		r = store_ticket_set_state(o->st, t);
	if (r == 0)
		r = office_log_event(o, EVENT_RETURNED, t, counter, now, detail);
	if (r == 0)
		r = store_commit(o->st);
	if (r < 0)
		return office_store_failed(o, err, r, "bringing a ticket back");
	r = queue_add(o->q, t);
	if (r < 0) {
		/* Committed but not queued: the database has it. */
		log_err("queueing returned ticket %s failed: %s; reloading",
			t->number, strerror(-r));
		r = office_load_day(o, now);
		if (r < 0)
			return office_refuse(err, OFFICE_INTERNAL, -r,
					     "The queue could not be "
					     "updated.");
	}
	office_derive(o, t, now);
	office_notify_queue(o, now);
	return 0;
}

int office_return(struct office *o, int64_t id, int counter, int64_t now,
		  struct ticket *ret, struct office_error *err)
{
	struct ticket t;
	char detail[64];
	int r;

	if (counter >= 0) {
		r = office_check_counter(o, counter, err);
		if (r < 0)
			return r;
	}
	pthread_mutex_lock(&o->lock);
	r = office_read_ticket(o, id, now, &t, err);
	if (r == 0) {
		snprintf(detail, sizeof(detail), "by %s",
			 counter >= 0 ? o->cfg->counters[counter].id : "admin");
		r = bring_back(o, &t, counter, now, detail, err);
	}
	if (r == 0)
		*ret = t;
	pthread_mutex_unlock(&o->lock);
	return r;
}

int office_return_by_token(struct office *o, const char *token, int kiosk,
			   int64_t now, struct ticket *ret,
			   struct office_error *err)
{
	struct ticket t;
	char detail[64];
	int r;

	pthread_mutex_lock(&o->lock);
	r = office_roll_day(o, now, err);
	if (r == 0) {
		r = store_ticket_by_token(o->st, token, &t);
		if (r == -ENOENT)
			r = office_refuse(err, OFFICE_NOT_FOUND, ENOENT,
					  "There is no such ticket.");
		else if (r < 0)
			r = office_refuse(err, OFFICE_INTERNAL, -r,
					  "The ticket database could not be "
					  "read.");
	}
	if (r == 0) {
		snprintf(detail, sizeof(detail), "at kiosk %s",
			 kiosk >= 0 && (size_t)kiosk < o->cfg->n_kiosks ?
				 o->cfg->kiosks[kiosk].id :
				 "-");
		r = bring_back(o, &t, -1, now, detail, err);
	}
	if (r == 0)
		*ret = t;
	pthread_mutex_unlock(&o->lock);
	return r;
}

struct returnable {
	const struct office *o;
	uint64_t services;
	int64_t now;
	struct ticket *v;
	size_t n;
};

static int returnable_row(const struct ticket *t, void *userdata)
{
	struct returnable *a = userdata;
	int64_t until = until_locked(a->o, t);

	if (until == 0 || a->now > until || t->service < 0 ||
	    t->service >= 64 || !(a->services & BIT(t->service)))
		return 0;
	/* By id, oldest first: the newest replace the oldest when full. */
	if (a->n == OFFICE_RETURNABLE_MAX) {
		memmove(a->v, a->v + 1, (a->n - 1) * sizeof(*a->v));
		a->n--;
	}
	a->v[a->n++] = *t;
	return 0;
}

int office_returnable(struct office *o, uint64_t services, int64_t now,
		      struct ticket **ret, size_t *ret_n)
{
	enum ticket_state no_show = TICKET_NO_SHOW;
	struct returnable a = {o, services, now, NULL, 0};
	struct store_ticket_filter f = {
		.day = o->day, .state = &no_show, .limit = SIZE_MAX >> 1,
	};
	int r;

	a.v = malloc(OFFICE_RETURNABLE_MAX * sizeof(*a.v));
	if (!a.v)
		return -ENOMEM;
	r = o->cfg->policy.return_window > 0 ?
		    store_tickets_list(o->st, &f, returnable_row, &a) :
		    0;
	if (r < 0) {
		free(a.v);
		return r;
	}
	/* Newest first. */
	for (size_t i = 0; i < a.n / 2; i++) {
		struct ticket tmp = a.v[i];

		a.v[i] = a.v[a.n - 1 - i];
		a.v[a.n - 1 - i] = tmp;
	}
	*ret = a.v;
	*ret_n = a.n;
	return 0;
}
