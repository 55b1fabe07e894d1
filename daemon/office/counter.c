/* The transitions at a counter: next, recall, done, transfer and pause,
 * each committed with its event before memory changes. A counter's row
 * in the store keeps its pause only: its current ticket is the one called
 * to it, which the queue is rebuilt from at start (office_load_day), so
 * a call does not write the row (one WAL page of six or seven, and a
 * statement, less on every call). */
#include "office_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "queue.h"

int office_check_counter(const struct office *o, int counter,
			 struct office_error *err)
{
	if (counter < 0 || (size_t)counter >= o->cfg->n_counters)
		return office_refuse(err, OFFICE_NOT_FOUND, ENOENT,
				     "There is no such counter.");
	return 0;
}

static const char *counter_name(const struct office *o, int counter)
{
	return o->cfg->counters[counter].name;
}

int office_record(struct office *o, const struct ticket *t,
		  enum event_type type, int64_t now, const char *detail)
{
	int r = store_ticket_update(o->st, t);
	if (r == 0)
		r = office_log_event(o, type, t, t->counter, now, detail);
	return r;
}

int office_record_state(struct office *o, const struct ticket *t,
			enum event_type type, int64_t now, const char *detail)
{
	int r = store_ticket_set_state(o->st, t);
	if (r == 0)
		r = office_log_event(o, type, t, t->counter, now, detail);
	return r;
}

int office_next(struct office *o, int counter, int64_t now,
		struct ticket *ret, bool *ret_none, struct office_error *err)
{
	struct ticket done = {0}, next = {0};
	const struct ticket *cur, *n;
	enum call_reason reason;
	int64_t id = 0, seq = 0;
	int r;

	r = office_check_counter(o, counter, err);
	if (r < 0)
		return r;
	pthread_mutex_lock(&o->lock);
	r = office_roll_day(o, now, err);
	if (r < 0)
		goto out;
	if (queue_paused(o->q, (size_t)counter)) {
		r = office_refuse(
			err, OFFICE_CONFLICT, EBUSY,
			"%s is paused; resume it before calling the next "
			"ticket.",
			counter_name(o, counter));
		goto out;
	}
	cur = queue_current(o->q, (size_t)counter);
	if (cur) {
		done = *cur;
		done.state = TICKET_SERVED;
		done.finished_at = now;
	}
	if (queue_pick(o->q, (size_t)counter, now, &id, &reason) == 0) {
		n = queue_get(o->q, id);
		next = *n;
		next.state = TICKET_CALLED;
		next.counter = counter;
		next.reason = reason;
		next.called_at = now;
	}
	if (!cur && !id) {
		*ret_none = true;
		goto out;
	}

	r = store_begin(o->st);
	if (r == 0 && cur)
		r = office_record_state(o, &done, EVENT_SERVED, now, NULL);
	if (r == 0 && id) {
		r = office_record_state(o, &next, EVENT_CALLED, now, NULL);
		seq = store_last_event(o->st);
	}
	if (r == 0)
		r = store_commit(o->st);
	if (r < 0) {
		r = office_store_failed(o, err, r, "calling the next ticket");
		goto out;
	}
	if (cur) {
		office_record_service_time(o, done.service,
					   now - done.called_at);
		queue_finish(o->q, (size_t)counter);
	}
	if (!id) {
		*ret_none = true;
		goto out;
	}
	queue_call(o->q, (size_t)counter, id, reason, now);
	*ret_none = false;
	*ret = next;
	office_notify_call(o, OFFICE_EVENT_CALLED, seq, &next, now);
	office_notify_queue(o, now);
out:
	pthread_mutex_unlock(&o->lock);
	return r;
}

/* The counter's called ticket of today, or a refusal naming what is
 * missing. The caller holds the office lock. */
static int current_today(struct office *o, int counter, int64_t now,
			 struct ticket *ret, struct office_error *err)
{
	const struct ticket *cur;
	int r;

	r = office_check_counter(o, counter, err);
	if (r == 0)
		r = office_roll_day(o, now, err);
	if (r < 0)
		return r;
	cur = queue_current(o->q, (size_t)counter);
	if (!cur)
		return office_refuse(err, OFFICE_CONFLICT, ENOENT,
				     "%s has no ticket called at the moment.",
				     counter_name(o, counter));
	*ret = *cur;
	return 0;
}

/* Commits the end of the counter's ticket t (its new state with its
 * event; with its new service too, a transfer) in one transaction; what
 * names the operation in the log should it fail. The caller holds the
 * office lock. */
static int release_counter(struct office *o, const struct ticket *t,
			   enum event_type type, int64_t now,
			   const char *detail, const char *what,
			   struct office_error *err)
{
	int r = store_begin(o->st);

	if (r == 0)
		r = type == EVENT_TRANSFERRED
			    ? office_record(o, t, type, now, detail)
			    : office_record_state(o, t, type, now, detail);
	if (r == 0)
		r = store_commit(o->st);
	if (r < 0)
		return office_store_failed(o, err, r, what);
	return 0;
}

int office_recall(struct office *o, int counter, int64_t now,
		  struct ticket *ret, struct office_error *err)
{
	struct ticket t;
	int64_t seq = 0;
	int r;

	pthread_mutex_lock(&o->lock);
	r = current_today(o, counter, now, &t, err);
	if (r < 0)
		goto out;
	t.recalls++;
	r = store_begin(o->st);
	if (r == 0) {
		r = office_record_state(o, &t, EVENT_RECALLED, now, NULL);
		seq = store_last_event(o->st);
	}
	if (r == 0)
		r = store_commit(o->st);
	if (r < 0) {
		r = office_store_failed(o, err, r, "recalling a ticket");
		goto out;
	}
	queue_recall(o->q, (size_t)counter);
	*ret = t;
	office_notify_call(o, OFFICE_EVENT_RECALLED, seq, &t, now);
out:
	pthread_mutex_unlock(&o->lock);
	return r;
}

int office_done(struct office *o, int counter, bool served, int64_t now,
		struct ticket *ret, struct office_error *err)
{
	struct ticket t;
	int r;

	pthread_mutex_lock(&o->lock);
	r = current_today(o, counter, now, &t, err);
	if (r < 0)
		goto out;
	t.state = served ? TICKET_SERVED : TICKET_NO_SHOW;
	t.finished_at = now;
	r = release_counter(o, &t, served ? EVENT_SERVED : EVENT_NO_SHOW, now,
			    NULL, "finishing a ticket", err);
	if (r < 0)
		goto out;
	if (served)
		office_record_service_time(o, t.service, now - t.called_at);
	queue_finish(o->q, (size_t)counter);
	*ret = t;
	office_notify_counter(o, counter, now);
out:
	pthread_mutex_unlock(&o->lock);
	return r;
}

int office_transfer(struct office *o, int counter, int service, int64_t now,
		    struct ticket *ret, struct office_error *err)
{
	const struct config *c = o->cfg;
	struct ticket t;
	char detail[96];
	int r;

	r = office_check_counter(o, counter, err);
	if (r < 0)
		return r;
	if (service < 0 || (size_t)service >= c->n_services)
		return office_refuse(
			err, OFFICE_NOT_FOUND, ENOENT,
			"There is no such service to transfer to.");
	if (c->services[service].info)
		return office_refuse(
			err, OFFICE_UNPROCESSABLE, EINVAL,
			"\"%s\" is an information service; tickets "
			"cannot be transferred to it.",
			c->services[service].name);
	pthread_mutex_lock(&o->lock);
	r = current_today(o, counter, now, &t, err);
	if (r < 0)
		goto out;
	if (t.service == service) {
		r = office_refuse(err, OFFICE_UNPROCESSABLE, EINVAL,
				  "Ticket %s is already in \"%s\".", t.number,
				  c->services[service].name);
		goto out;
	}
	snprintf(detail, sizeof(detail), "from %s to %s",
		 c->services[t.service].id, c->services[service].id);
	t.state = TICKET_WAITING;
	t.service = service;
	t.counter = -1;
	/* Waiting again: the previous call says nothing about the next. */
	t.reason = REASON_NONE;
	t.called_at = 0;
	r = release_counter(o, &t, EVENT_TRANSFERRED, now, detail,
			    "transferring a ticket", err);
	if (r < 0)
		goto out;
	queue_transfer(o->q, (size_t)counter, (size_t)service);
	office_derive(o, &t, now);
	*ret = t;
	office_notify_queue(o, now);
out:
	pthread_mutex_unlock(&o->lock);
	return r;
}

int office_pause(struct office *o, int counter, bool paused, int64_t now,
		 struct office_error *err)
{
	int r;

	r = office_check_counter(o, counter, err);
	if (r < 0)
		return r;
	pthread_mutex_lock(&o->lock);
	r = office_roll_day(o, now, err);
	if (r < 0 || queue_paused(o->q, (size_t)counter) == paused)
		goto out;
	r = store_begin(o->st);
	if (r == 0)
		r = store_counter_save(o->st, counter, paused, 0);
	if (r == 0)
		r = office_log_event(o, paused ? EVENT_PAUSED : EVENT_RESUMED,
				     NULL, counter, now, NULL);
	if (r == 0)
		r = store_commit(o->st);
	if (r < 0) {
		r = office_store_failed(o, err, r, "pausing a counter");
		goto out;
	}
	queue_set_paused(o->q, (size_t)counter, paused);
	o->arrays.paused_since[counter] = paused ? now : 0;
	office_notify_queue(o, now); /* estimates depend on the open counters */
	office_notify_counter(o, counter, now);
out:
	pthread_mutex_unlock(&o->lock);
	return r;
}
