/* The floor manager's view and actions: the supervision page's snapshot,
 * cancelling a waiting ticket whose citizen left, and a counter's services
 * for the rest of the day, logged and replayed when the day is loaded
 * again (a restart the same day keeps them). */
#include "office_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "queue.h"

void office_services_format(const struct config *c, uint64_t services,
			    char *buf, size_t size)
{
	size_t len = 0;

	if (size == 0)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < c->n_services && len < size; i++) {
		int n;

		if (!(services & BIT(i)))
			continue;
		n = snprintf(buf + len, size - len, "%s%s", len ? "," : "",
			     c->services[i].id);
		if (n < 0)
			break;
		len += (size_t)n;
	}
}

/* The mask of a logged list of ids: ids the config no longer has, or no
 * longer as ticket services, are left out (and said once in the log). */
static uint64_t services_parse(const struct config *c, const char *list)
{
	uint64_t mask = 0;
	char id[64];

	while (list && *list) {
		size_t len = strcspn(list, ",");
		int s;

		if (len < sizeof(id)) {
			memcpy(id, list, len);
			id[len] = '\0';
			s = config_service_index(c, id);
			if (s >= 0 && !c->services[s].info)
				mask |= BIT(s);
			else
				log_warn("services changed: \"%s\" is no "
					 "ticket service of the config; left "
					 "out",
					 id);
		}
		list += len;
		if (*list == ',')
			list++;
	}
	return mask;
}

static int replay(const struct store_floor_event *e, void *userdata)
{
	struct office *o = userdata;
	uint64_t mask;

	switch (e->type) {
	case EVENT_PAUSED:
		o->arrays.paused_since[e->counter] = e->at;
		break;
	case EVENT_RESUMED:
		o->arrays.paused_since[e->counter] = 0;
		break;
	case EVENT_SERVICES_CHANGED:
		mask = services_parse(o->cfg, e->detail);
		if (mask)
			queue_set_counter_services(o->q, (size_t)e->counter,
						   mask);
		break;
	default:
		break;
	}
	return 0;
}

int office_replay_floor(struct office *o)
{
	int r;

	for (size_t i = 0; i < o->cfg->n_counters; i++)
		o->arrays.paused_since[i] = 0;
	r = store_floor_events(o->st, o->day, replay, o);
	if (r < 0)
		return r;
	/* Paused since an earlier day: since the day began, as far as
	 * today is concerned. */
	for (size_t i = 0; i < o->cfg->n_counters; i++) {
		if (!queue_paused(o->q, i))
			o->arrays.paused_since[i] = 0;
		else if (o->arrays.paused_since[i] == 0)
			o->arrays.paused_since[i] = o->day_began;
	}
	return 0;
}

int office_set_services(struct office *o, int counter, uint64_t services,
			int64_t now, struct office_error *err)
{
	const struct config *c = o->cfg;
	char detail[CONFIG_MAX_SERVICES * 33];
	int r;

	r = office_check_counter(o, counter, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < CONFIG_MAX_SERVICES; i++)
		if ((services & BIT(i)) &&
		    (i >= c->n_services || c->services[i].info))
			return office_refuse(err, OFFICE_UNPROCESSABLE, EINVAL,
					     "A counter calls ticket services "
					     "only.");
	if (!services)
		return office_refuse(err, OFFICE_UNPROCESSABLE, EINVAL,
				     "A counter needs at least one service.");
	pthread_mutex_lock(&o->lock);
	r = office_roll_day(o, now, err);
	if (r < 0 || queue_counter_services(o->q, (size_t)counter) == services)
		goto out;
	office_services_format(c, services, detail, sizeof(detail));
	r = store_begin(o->st);
	if (r == 0)
		r = office_log_event(o, EVENT_SERVICES_CHANGED, NULL, counter,
				     now, detail);
	if (r == 0)
		r = store_commit(o->st);
	if (r < 0) {
		r = office_store_failed(o, err, r,
					"changing a counter's services");
		goto out;
	}
	queue_set_counter_services(o->q, (size_t)counter, services);
	office_notify_queue(o, now); /* estimates depend on who serves what */
	office_notify_counter(o, counter, now);
out:
	pthread_mutex_unlock(&o->lock);
	return r;
}

int office_cancel(struct office *o, int64_t id, const char *reason,
		  int64_t now, struct ticket *ret, struct office_error *err)
{
	const struct ticket *q;
	struct ticket t;
	int r;

	pthread_mutex_lock(&o->lock);
	r = office_roll_day(o, now, err);
	if (r < 0)
		goto out;
	q = queue_get(o->q, id);
	if (!q) {
		/* Not active today: unknown, or already finished. */
		r = office_read_ticket(o, id, now, &t, err);
		if (r == 0)
			r = office_refuse(err, OFFICE_CONFLICT, EALREADY,
					  "Ticket %s is not waiting (it is "
					  "%s); only a waiting ticket can be "
					  "cancelled.",
					  t.number, ticket_state_name(t.state));
		goto out;
	}
	t = *q;
	if (t.state != TICKET_WAITING) {
		r = office_refuse(err, OFFICE_CONFLICT, EBUSY,
				  "Ticket %s is called to %s; the counter "
				  "finishes it (no-show).",
				  t.number,
				  t.counter >= 0 ?
					  o->cfg->counters[t.counter].name :
					  "a counter");
		goto out;
	}
	t.state = TICKET_NO_SHOW;
	t.finished_at = now;
	r = store_begin(o->st);
	if (r == 0)
		r = office_record_state(o, &t, EVENT_CANCELLED, now, reason);
	if (r == 0)
		r = store_commit(o->st);
	if (r < 0) {
		r = office_store_failed(o, err, r, "cancelling a ticket");
		goto out;
	}
	queue_remove(o->q, id);
	t.ahead = 0;
	t.est_wait_min = -1;
	*ret = t;
	office_notify_queue(o, now);
out:
	pthread_mutex_unlock(&o->lock);
	return r;
}

void office_floor_clear(struct office_floor *f)
{
	if (!f)
		return;
	free(f->services);
	free(f->counters);
	free(f->late);
	memset(f, 0, sizeof(*f));
}

struct floor_walk {
	const struct config *c;
	struct office_floor *f;
	int64_t now, max_wait;
	size_t late_cap;
	int r;
};

static int floor_one(void *userdata, const struct ticket *t)
{
	struct floor_walk *w = userdata;
	struct office_floor *f = w->f;
	struct office_floor_service *fs;

	if (t->service < 0 || (size_t)t->service >= w->c->n_services)
		return 0;
	fs = &f->services[t->service];
	if (fs->oldest_at == 0 || t->issued_at < fs->oldest_at) {
		fs->oldest_at = t->issued_at;
		memcpy(fs->oldest_number, t->number, sizeof(fs->oldest_number));
	}
	if (t->kind == TICKET_APPOINTMENT) {
		if (t->slot_start > 0 && t->slot_start <= w->now) {
			/* Grown by doubling: as many as are late, not as
			 * many as wait. */
			w->r = array_reserve(&f->late, &w->late_cap,
					     f->n_late + 1, sizeof(*f->late), 16,
					     QUEUE_TICKETS_MAX);
			if (w->r < 0)
				return 1;
			f->late[f->n_late++] = *t;
		}
		return 0;
	}
	if (w->now - t->issued_at >= w->max_wait)
		fs->over_max_wait++;
	if (fs->oldest_walkin_at == 0 || t->issued_at < fs->oldest_walkin_at) {
		fs->oldest_walkin_at = t->issued_at;
		memcpy(fs->oldest_walkin_number, t->number,
		       sizeof(fs->oldest_walkin_number));
	}
	return 0;
}

/* The waiting tickets' longest waits and the bookings waiting past their
 * slot start, in one walk of the call order that copies only the late
 * bookings. The caller holds the lock. */
static int floor_waiting(struct office *o, int64_t now, struct office_floor *f)
{
	const struct config *c = o->cfg;
	struct floor_walk w = {
		.c = c, .f = f, .now = now,
		.max_wait = (int64_t)c->alerts.max_wait * 60,
	};
	uint64_t all = 0;

	for (size_t s = 0; s < c->n_services; s++)
		all |= BIT(s);
	(void)queue_walk(o->q, all, now, floor_one, &w);
	return w.r;
}

int office_floor(struct office *o, int64_t now, struct office_floor *ret,
		 struct office_error *err)
{
	const struct config *c = o->cfg;
	struct office_floor f = {0};
	struct hours_status h;
	int *served = NULL;
	int r;

	f.services = calloc(c->n_services, sizeof(*f.services));
	f.counters = calloc(c->n_counters, sizeof(*f.counters));
	served = calloc(c->n_counters, sizeof(*served));
	if (!f.services || !f.counters || !served) {
		free(served);
		office_floor_clear(&f);
		return office_refuse(err, OFFICE_INTERNAL, ENOMEM,
				     "Out of memory.");
	}
	hours_status(c, now, &h);
	pthread_mutex_lock(&o->lock);
	r = office_roll_day(o, now, err);
	if (r < 0)
		goto out;
	memcpy(f.day, o->day, sizeof(f.day));
	for (size_t s = 0; s < c->n_services; s++)
		office_fill_service_view(o, (int)s, &h, &f.services[s].v);
	r = floor_waiting(o, now, &f);
	if (r == 0)
		r = store_served_by_counter(o->st, o->day, served);
	if (r < 0) {
		r = office_refuse(err, OFFICE_INTERNAL, -r,
				  "The floor could not be read.");
		goto out;
	}
	for (size_t i = 0; i < c->n_counters; i++) {
		struct office_floor_counter *fc = &f.counters[i];
		const struct ticket *cur = queue_current(o->q, i);

		fc->paused = queue_paused(o->q, i);
		fc->paused_since = fc->paused ? o->arrays.paused_since[i] : 0;
		fc->services = queue_counter_services(o->q, i);
		fc->served = served[i];
		if (cur) {
			fc->has_current = true;
			fc->current = *cur;
			fc->current.ahead = 0;
			fc->current.est_wait_min = -1;
		}
	}
out:
	pthread_mutex_unlock(&o->lock);
	free(served);
	if (r < 0) {
		office_floor_clear(&f);
		return r;
	}
	*ret = f;
	return 0;
}

int office_bookings_today(struct office *o, int64_t now,
			  int (*cb)(const struct store_booking *b,
				    void *userdata),
			  void *userdata, struct office_error *err)
{
	int r;

	pthread_mutex_lock(&o->lock);
	r = office_roll_day(o, now, err);
	if (r == 0) {
		r = store_bookings_day(o->st, o->day, cb, userdata);
		if (r < 0)
			r = office_refuse(err, OFFICE_INTERNAL, -r,
					  "The bookings could not be read.");
	}
	pthread_mutex_unlock(&o->lock);
	return r;
}
