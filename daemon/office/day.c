/* The business day the office holds: the queue rebuilt from the
 * database at start, again when the day changes while the daemon runs,
 * and the waiting tickets expired once the office has closed. */
#include "office_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hours.h"
#include "log.h"
#include "queue.h"

static int add_active(const struct ticket *t, void *userdata)
{
	struct office *o = userdata;
	int r;

	if (t->service < 0) {
		log_warn("ticket %s (id %lld) names a service the config no "
			 "longer has; it is left out of the queue",
			 t->number, (long long)t->id);
		return 0;
	}
	if (t->state == TICKET_CALLED && t->counter < 0) {
		log_warn("ticket %s (id %lld) was called to a counter the "
			 "config no longer has; it is left out of the queue",
			 t->number, (long long)t->id);
		return 0;
	}
	r = queue_add(o->q, t);
	if (r < 0)
		log_warn("ticket %s (id %lld) could not be queued: %s",
			 t->number, (long long)t->id, strerror(-r));
	return r == -ENOMEM ? r : 0;
}

/* The newest SERVICE_WINDOW service times of each service, newest first,
 * from one walk of the day's served tickets. */
struct recent_times {
	int64_t secs[CONFIG_MAX_SERVICES][SERVICE_WINDOW];
	size_t n[CONFIG_MAX_SERVICES];
	size_t n_services;
	uint64_t filling; /* the ticket services whose window is not full */
};

static int keep_time(void *userdata, int service, int64_t seconds)
{
	struct recent_times *rt = userdata;

	if (service < 0 || (size_t)service >= rt->n_services ||
	    rt->n[service] == SERVICE_WINDOW)
		return 0;
	rt->secs[service][rt->n[service]++] = seconds;
	if (rt->n[service] == SERVICE_WINDOW)
		rt->filling &= ~BIT(service);
	return rt->filling == 0; /* every service has its window */
}

/* Rebuilds the in-memory queue of day from the database. */
int office_load_day(struct office *o, int64_t now)
{
	const struct config *c = o->cfg;
	struct queue_policy policy = {
		.kind = c->policy.kind == CFG_POLICY_DUE ? QUEUE_DUE :
							   QUEUE_RULES,
		.max_wait = (int64_t)c->policy.max_wait * 60,
		.walkin_every = c->policy.walkin_every,
		.early_window = (int64_t)c->policy.early_window * 60,
		.priority_wait = (int64_t)c->policy.priority_wait * 60,
		.booking_window = (int64_t)c->policy.booking_window * 60,
	};
	uint64_t *masks;
	struct queue *q;
	char day[TICKET_DAY_LEN + 1];
	int closed = 0, r;

	hours_day(now, day);
	r = store_close_days_before(o->st, day, now, &closed);
	if (r < 0)
		return r;
	if (closed > 0)
		log_info("closed %d tickets left from earlier days", closed);
	/* Personal data of bookings lives until the end of their day. */
	r = store_purge_phones(o->st, day, &closed);
	if (r < 0)
		return r;
	if (closed > 0)
		log_info("deleted the phone numbers of %d past bookings",
			 closed);
	masks = calloc(c->n_counters ? c->n_counters : 1, sizeof(*masks));
	if (!masks)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_counters; i++)
		masks[i] = c->counters[i].services;
	r = queue_new(&policy, c->n_services, c->n_counters, masks, &q);
	free(masks);
	if (r < 0)
		return r;
	queue_free(o->q);
	o->q = q;
	if (strcmp(o->day, day) != 0)
		o->day_began = now;
	memcpy(o->day, day, sizeof(day));
	r = store_tickets_active(o->st, day, add_active, o);
	if (r == 0)
		r = office_phones_load(o);
	if (r < 0)
		return r;
	for (size_t i = 0; i < c->n_counters; i++) {
		bool paused;
		int64_t current;
		r = store_counter_load(o->st, (int)i, &paused, &current);
		if (r < 0)
			return r;
		queue_set_paused(q, i, paused);
	}
	r = office_replay_floor(o);
	if (r < 0)
		return r;
	for (size_t i = 0; i < c->n_services; i++) {
		int streak;

		r = store_service_streak(o->st, day, (int)i, &streak);
		if (r < 0)
			return r;
		queue_set_streak(q, i, streak);
		memset(&o->arrays.times[i], 0, sizeof(o->arrays.times[i]));
	}
	/* One walk of the day's served tickets for every service (one a
	 * service read the whole day again for each). */
	struct recent_times *rt = calloc(1, sizeof(*rt));
	if (!rt)
		return -ENOMEM;
	rt->n_services = c->n_services;
	for (size_t i = 0; i < c->n_services; i++)
		if (!c->services[i].info) /* info tiles have none to wait for */
			rt->filling |= BIT(i);
	r = store_service_times(o->st, day, keep_time, rt);
	for (size_t i = 0; r == 0 && i < c->n_services; i++) {
		if (c->services[i].info)
			continue;
		while (rt->n[i] > 0) /* oldest first */
			office_record_service_time(o, (int)i,
						   rt->secs[i][--rt->n[i]]);
	}
	free(rt);
	return r;
}

/* Numbers restart and left-over tickets close when the business day
 * changes while the daemon runs. */
int office_roll_day(struct office *o, int64_t now, struct office_error *err)
{
	char day[TICKET_DAY_LEN + 1];
	int r;

	hours_day(now, day);
	/* Never back: a request that read the clock just before midnight
	 * and is written just after is of the day already begun. */
	if (strcmp(day, o->day) <= 0)
		return 0;
	log_info("new business day %s", day);
	r = office_load_day(o, now);
	if (r < 0) {
		log_err("database: starting day %s failed: %s", day,
			strerror(-r));
		return office_refuse(err,
				     store_is_fault(r) ? OFFICE_UNAVAILABLE :
							 OFFICE_INTERNAL,
				     -r,
				     "The ticket database could not be read.");
	}
	return 0;
}

int office_tick(struct office *o, int64_t now)
{
	struct office_error err;
	struct hours_status h;
	int64_t *ids = NULL;
	size_t n = 0, total = 0;
	uint64_t all = 0;
	int r;

	if (o->cfg->hours.always_open)
		return 0;
	hours_status(o->cfg, now, &h);
	pthread_mutex_lock(&o->lock);
	r = office_roll_day(o, now, &err);
	if (r < 0 || h.open)
		goto out;
	for (size_t s = 0; s < o->cfg->n_services; s++) {
		all |= BIT(s);
		total += queue_waiting(o->q, s);
	}
	if (total == 0)
		goto out;
	/* Closed with tickets still waiting: they expire now, each with its
	 * event, in one transaction. */
	ids = malloc(total * sizeof(*ids));
	if (!ids) {
		r = -ENOMEM;
		goto out;
	}
	r = queue_order(o->q, all, now, ids, total, &n);
	if (r == 0)
		r = store_begin(o->st);
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct ticket t = *queue_get(o->q, ids[i]);
		t.state = TICKET_EXPIRED;
		t.finished_at = now;
		r = office_record_state(o, &t, EVENT_EXPIRED, now,
					"the office closed");
	}
	if (r == 0)
		r = store_commit(o->st);
	if (r < 0) {
		store_rollback(o->st);
		log_err("database: expiring tickets at closing failed: %s",
			strerror(-r));
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		queue_remove(o->q, ids[i]);
	log_info("the office closed: %zu waiting tickets expired", n);
	office_notify_queue(o, now);
out:
	pthread_mutex_unlock(&o->lock);
	free(ids);
	return r;
}
