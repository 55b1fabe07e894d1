/* What pages and counters read: a ticket, a counter's current ticket and
 * waiting list, a service's queue, the lobby display's recent calls. */
#include "office_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hours.h"
#include "log.h"
#include "queue.h"

int office_read_ticket(struct office *o, int64_t id, int64_t now,
		       struct ticket *ret, struct office_error *err)
{
	int r;

	r = office_roll_day(o, now, err);
	if (r < 0)
		return r;
	r = store_ticket_get(o->st, id, ret);
	if (r == -ENOENT)
		return office_refuse(err, OFFICE_NOT_FOUND, ENOENT,
				     "There is no ticket with id %lld.",
				     (long long)id);
	if (r < 0) {
		log_err("database: reading ticket %lld failed: %s",
			(long long)id, strerror(-r));
		return office_refuse(err, OFFICE_INTERNAL, -r,
				     "The ticket database could not be read.");
	}
	return 0;
}

int office_ticket(struct office *o, int64_t id, int64_t now,
		  struct ticket *ret, struct office_error *err)
{
	struct ticket t;
	int r;

	pthread_mutex_lock(&o->lock);
	r = office_read_ticket(o, id, now, &t, err);
	if (r < 0)
		goto out;
	office_derive(o, &t, now);
	*ret = t;
out:
	pthread_mutex_unlock(&o->lock);
	return r;
}

int office_ticket_by_token(struct office *o, const char *token, int64_t now,
			   struct ticket *ret, struct office_error *err)
{
	struct ticket t;
	int r;

	pthread_mutex_lock(&o->lock);
	r = office_roll_day(o, now, err);
	if (r < 0)
		goto out;
	r = store_ticket_by_token(o->st, token, &t);
	if (r == -ENOENT) {
		r = office_refuse(err, OFFICE_NOT_FOUND, ENOENT,
				  "There is no such ticket.");
		goto out;
	}
	if (r < 0) {
		log_err("database: reading a ticket by its token failed: %s",
			strerror(-r));
		r = office_refuse(err, OFFICE_INTERNAL, -r,
				  "The ticket database could not be read.");
		goto out;
	}
	office_derive(o, &t, now);
	*ret = t;
out:
	pthread_mutex_unlock(&o->lock);
	return r;
}

struct first {
	struct ticket *v;
	size_t n, max;
};

static int take_first(void *userdata, const struct ticket *t)
{
	struct first *f = userdata;

	if (f->n == f->max)
		return 1;
	f->v[f->n++] = *t;
	return 0;
}

int office_counter_first(struct office *o, int counter, size_t max,
			 int64_t now, struct office_counter_view *ret,
			 struct office_error *err)
{
	struct office_counter_view v = {0};
	struct first f;
	uint64_t services;
	int r;

	r = office_check_counter(o, counter, err);
	if (r < 0)
		return r;
	if (max > OFFICE_WAITING_MAX)
		max = OFFICE_WAITING_MAX;
	/* Allocated before the lock, and never more than max tickets: the
	 * view of a long queue walks and copies only its first few. */
	v.waiting = malloc((max ? max : 1) * sizeof(*v.waiting));
	if (!v.waiting)
		return office_refuse(err, OFFICE_INTERNAL, ENOMEM,
				     "Out of memory.");
	f = (struct first){v.waiting, 0, max};
	pthread_mutex_lock(&o->lock);
	r = office_roll_day(o, now, err);
	if (r < 0)
		goto out;
	services = queue_counter_services(o->q, (size_t)counter);
	for (size_t s = 0; s < o->cfg->n_services; s++)
		if (services & BIT(s))
			v.waiting_total += queue_waiting(o->q, s);
	(void)queue_walk(o->q, services, now, take_first, &f);
	v.n_waiting = f.n;
	r = office_derive_all(o, v.waiting, v.n_waiting, services, now);
	if (r < 0) {
		r = office_refuse(err, OFFICE_INTERNAL, -r,
				  "The waiting list could not be made.");
		goto out;
	}
	r = office_returnable(o, services, now, &v.returnable,
			      &v.n_returnable);
	if (r < 0) {
		r = office_refuse(err, OFFICE_INTERNAL, -r,
				  "The no-shows could not be read.");
		goto out;
	}
	v.paused = queue_paused(o->q, (size_t)counter);
	v.services = services;
	const struct ticket *cur = queue_current(o->q, (size_t)counter);
	if (cur) {
		v.has_current = true;
		v.current = *cur;
		v.current.ahead = 0;
		v.current.est_wait_min = -1;
	}
	*ret = v;
	v.waiting = NULL;
	v.returnable = NULL;
out:
	pthread_mutex_unlock(&o->lock);
	free(v.waiting);
	free(v.returnable);
	return r;
}

int office_counter(struct office *o, int counter, int64_t now,
		   struct office_counter_view *ret, struct office_error *err)
{
	return office_counter_first(o, counter, OFFICE_WAITING_SHOWN, now, ret,
				    err);
}

void office_counter_view_clear(struct office_counter_view *v)
{
	if (!v)
		return;
	free(v->waiting);
	v->waiting = NULL;
	v->n_waiting = 0;
	free(v->returnable);
	v->returnable = NULL;
	v->n_returnable = 0;
}

int office_service(struct office *o, int service, int64_t now,
		   struct office_service_view *ret)
{
	const struct config *c = o->cfg;
	struct hours_status h;
	struct office_error err;
	int r;

	if (service < 0 || (size_t)service >= c->n_services)
		return -ENOENT;
	hours_status(c, now, &h);
	pthread_mutex_lock(&o->lock);
	r = office_roll_day(o, now, &err);
	if (r == 0)
		office_fill_service_view(o, service, &h, ret);
	pthread_mutex_unlock(&o->lock);
	return r;
}

int office_services(struct office *o, int64_t now,
		    struct office_service_view *ret,
		    struct office_version *ret_version)
{
	struct hours_status h;
	struct office_error err;
	int r;

	hours_status(o->cfg, now, &h);
	pthread_mutex_lock(&o->lock);
	r = office_roll_day(o, now, &err);
	for (size_t s = 0; r == 0 && s < o->cfg->n_services; s++)
		office_fill_service_view(o, (int)s, &h, &ret[s]);
	if (r == 0)
		*ret_version = (struct office_version){
			store_writes(o->st), o->day_began, now};
	pthread_mutex_unlock(&o->lock);
	return r;
}

int office_recent_calls(struct office *o, int64_t now,
			struct store_call *ret_calls, size_t max,
			size_t *ret_n)
{
	struct office_error err;
	int r;

	pthread_mutex_lock(&o->lock);
	r = office_roll_day(o, now, &err);
	if (r == 0)
		r = store_recent_calls(o->st, o->day, ret_calls, max, ret_n);
	pthread_mutex_unlock(&o->lock);
	return r;
}

struct list_ctx {
	struct ticket *v;
	size_t n, max;
};

static int list_one(const struct ticket *t, void *userdata)
{
	struct list_ctx *l = userdata;

	if (l->n == l->max)
		return 1;
	l->v[l->n++] = *t;
	return 0;
}

int office_tickets(struct office *o, const struct office_ticket_query *q,
		   int64_t now, struct ticket *ret, size_t *ret_n,
		   struct office_error *err)
{
	struct list_ctx l = {ret, 0, q->limit};
	struct store_ticket_filter f = {
		.state = q->state, .number = q->number, .after = q->after,
		.limit = q->limit,
	};
	int r;

	pthread_mutex_lock(&o->lock);
	r = office_roll_day(o, now, err);
	if (r < 0)
		goto out;
	f.day = q->day ? q->day : o->day;
	r = store_tickets_list(o->st, &f, list_one, &l);
	if (r < 0) {
		log_err("database: listing the tickets of %s failed: %s",
			f.day, strerror(-r));
		r = office_refuse(err, OFFICE_INTERNAL, -r,
				  "The ticket database could not be read.");
		goto out;
	}
	r = 0;
	/* Today's waiting tickets say how many are ahead and how long. */
	if (strcmp(f.day, o->day) == 0)
		for (size_t i = 0; i < l.n; i++)
			office_derive(o, &ret[i], now);
	*ret_n = l.n;
out:
	pthread_mutex_unlock(&o->lock);
	return r;
}
