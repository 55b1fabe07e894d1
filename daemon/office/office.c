/* The office object: creating and freeing it, and what every operation
 * shares (refusals in words for the person who asked, notifications of
 * the pages). The operations live in the files beside it, one job each:
 * day.c, estimate.c, views.c, issue.c, counter.c, printing.c, bookings.c. */
#include "office_internal.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hours.h"
#include "log.h"
#include "queue.h"

static void stop_notifier(struct office *o);

int office_refuse(struct office_error *err, enum office_status status,
		  int errnum, const char *fmt, ...)
{
	va_list ap;

	err->status = status;
	err->reason = NULL;
	err->opens_at = 0;
	err->closes_at = 0;
	err->cutoff_min = -1;
	err->wait_min = -1;
	err->starts_at = 0;
	err->has_ticket = false;
	err->limit_min = -1;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -errnum;
}

void office_disk_state(struct office *o)
{
	unsigned int shm = store_shm_faults();
	bool changed;
	int fault = store_fault(o->st, &changed);

	if (shm != o->shm_faults) {
		log_warn("database: the kernel refused %u writes to SQLite's "
			 "-shm mapping; those pages are kept in memory",
			 shm - o->shm_faults);
		o->shm_faults = shm;
	}

	if (!changed)
		return;
	if (fault)
		log_err("database %s cannot be written: %s; tickets and "
			"counter actions are refused (503) until it can",
			o->cfg->storage.database,
			fault == -ESTALE ? "the path names another file now" :
					   strerror(-fault));
	else
		log_info("database %s is written again",
			 o->cfg->storage.database);
}

int office_store_failed(struct office *o, struct office_error *err, int r,
			const char *what)
{
	store_rollback(o->st);
	if (store_is_fault(r) || store_fault(o->st, NULL) < 0) {
		office_disk_state(o);
		return office_refuse(
			err, OFFICE_UNAVAILABLE, -r,
			"The ticket database cannot be written just now; "
			"nothing was changed. Please try again in a moment.");
	}
	log_err("database: %s failed: %s", what, strerror(-r));
	return office_refuse(
		err, OFFICE_INTERNAL, -r,
		"The ticket database could not be written; nothing was "
		"changed. Please try again or call the office's IT.");
}

void office_format_hhmm(int64_t t, char ret[6])
{
	char s[32];
	hours_rfc3339(t, s);
	memcpy(ret, s + 11, 5);
	ret[5] = '\0';
}

int office_refuse_closed(const struct office *o, const struct hours_status *h,
			 struct office_error *err)
{
	char when[32], hhmm[6];
	int r;

	if (h->open) {
		office_format_hhmm(h->closes_at, hhmm);
		r = office_refuse(
			err, OFFICE_CLOSED, EAGAIN,
			"No more tickets are issued today: the office "
			"closes at %s and stops issuing tickets %d "
			"minutes before.",
			hhmm, o->cfg->hours.cutoff);
		err->reason = office_closed_reason_name(OFFICE_CLOSED_CUTOFF);
		err->closes_at = h->closes_at;
		err->cutoff_min = o->cfg->hours.cutoff;
		err->opens_at = office_reopens(o->cfg, h);
		return r;
	}
	if (h->next_open == 0) {
		r = office_refuse(err, OFFICE_CLOSED, EAGAIN,
				  "The office is closed.");
	} else {
		hours_rfc3339(h->next_open, when);
		office_format_hhmm(h->next_open, hhmm);
		when[10] = '\0';
		r = office_refuse(
			err, OFFICE_CLOSED, EAGAIN,
			"The office is closed. It opens again on %s at %s.",
			when, hhmm);
	}
	err->reason = office_closed_reason_name(OFFICE_CLOSED_HOURS);
	err->opens_at = h->next_open;
	return r;
}

int office_log_event(struct office *o, enum event_type type,
		     const struct ticket *t, int counter, int64_t at,
		     const char *detail)
{
	struct store_event ev = {
		.at = at,
		.type = event_type_name(type),
		.service = -1,
		.counter = counter,
		.detail = detail,
	};

	if (t) {
		ev.ticket = t->id;
		ev.service = t->service;
		ev.kind = t->kind;
		if (type == EVENT_CALLED)
			ev.reason = t->reason;
	}
	return store_event_append(o->st, &ev);
}

int office_new(const struct config *cfg, struct store *st, int64_t now,
	       struct office **ret)
{
	struct office *o = calloc(1, sizeof(*o));
	int r;

	if (!o)
		return -ENOMEM;
	o->cfg = cfg;
	o->st = st;
	r = office_arrays_new(cfg, &o->arrays);
	if (r < 0) {
		free(o);
		return r;
	}
	r = pthread_mutex_init(&o->lock, NULL);
	if (r != 0) {
		office_arrays_free(&o->arrays);
		free(o);
		return -r;
	}
	pthread_mutex_init(&o->batch_lock, NULL);
	pthread_cond_init(&o->batch_done, NULL);
	{
		pthread_condattr_t attr;

		pthread_condattr_init(&attr);
		pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
		pthread_cond_init(&o->queue_wake, &attr);
		pthread_condattr_destroy(&attr);
	}
	r = office_load_day(o, now);
	if (r < 0) {
		office_free(o);
		return r;
	}
	*ret = o;
	return 0;
}

void office_free(struct office *o)
{
	if (!o)
		return;
	if (o->batches || o->checked_in)
		log_info("%llu tickets issued: %llu in %llu commits, %llu at "
			 "check-in",
			 (unsigned long long)(o->batched + o->checked_in),
			 (unsigned long long)o->batched,
			 (unsigned long long)o->batches,
			 (unsigned long long)o->checked_in);
	stop_notifier(o);
	queue_free(o->q);
	office_arrays_free(&o->arrays);
	pthread_cond_destroy(&o->queue_wake);
	office_phones_free(o);
	pthread_cond_destroy(&o->batch_done);
	pthread_mutex_destroy(&o->batch_lock);
	pthread_mutex_destroy(&o->lock);
	free(o);
}

/* The queue events: each state of the queue is a snapshot, so changes
 * that come close together are told once, the latest, QUEUE_EVENT_MS
 * apart at most. Computing one walks the whole queue for every service's
 * estimate: it is done here, off the path of the request that changed
 * the queue, whose answer does not wait for it. It still holds the office
 * lock while it computes, and takes a CPU from the requests of a machine
 * with few: so the next one waits QUEUE_EVENT_SHARE times the CPU time
 * the last one took, when that is longer. With a short queue that is
 * nothing (a fraction of a millisecond an event); with 10,000 waiting
 * and calls coming back to back an event took 10-35 ms (each call in
 * between changes the state the estimates were cached for), and at five
 * a second it held the lock a tenth to a quarter of the time. */
#define QUEUE_EVENT_MS 200
#define QUEUE_EVENT_SHARE 200

/* Called with the lock held; with yield, lets go of it between services,
 * so that a call or a ticket waits for one service's estimates at most,
 * not for all of them: each service's figures are then those of its own
 * moment within the making of the event. */
static void send_queue(struct office *o, int64_t now, bool yield)
{
	struct office_service_view views[CONFIG_MAX_SERVICES];
	const struct config *cfg = o->cfg;
	struct hours_status h;

	hours_status(cfg, now, &h);
	for (size_t i = 0; i < cfg->n_services; i++) {
		if (yield && i > 0) {
			pthread_mutex_unlock(&o->lock);
			/* A waiting request gets the lock before it is
			 * taken again: the mutex is not fair. */
			(void)sched_yield();
			pthread_mutex_lock(&o->lock);
			/* A reload in between told its own event; this one
			 * is made again under the new services. */
			if (o->cfg != cfg) {
				o->queue_due = true;
				return;
			}
		}
		office_fill_service_view(o, (int)i, &h, &views[i]);
	}
	o->notify(o->notify_data,
		  &(struct office_event){.type = OFFICE_EVENT_QUEUE,
					 .at = now,
					 .services = views,
					 .n_services = o->cfg->n_services});
}

static void add_ms(struct timespec *t, long ms)
{
	t->tv_sec += ms / 1000;
	t->tv_nsec += (ms % 1000) * 1000000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

static bool before_ts(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	       (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static int64_t cpu_ns(void)
{
	struct timespec t;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) != 0)
		return 0;
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void *notifier(void *arg)
{
	struct office *o = arg;
	struct timespec next = {0}, now;

	pthread_mutex_lock(&o->lock);
	while (!o->notify_stop) {
		int64_t cpu, gap_ms;

		if (!o->queue_due) {
			pthread_cond_wait(&o->queue_wake, &o->lock);
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (before_ts(&now, &next)) {
			pthread_cond_timedwait(&o->queue_wake, &o->lock, &next);
			continue;
		}
		o->queue_due = false;
		cpu = cpu_ns();
		office_sms_check(o, o->queue_at);
		send_queue(o, o->queue_at, true);
		gap_ms = (cpu_ns() - cpu) * QUEUE_EVENT_SHARE / 1000000;
		next = now;
		add_ms(&next, gap_ms > QUEUE_EVENT_MS ? (long)gap_ms
						       : QUEUE_EVENT_MS);
	}
	/* A change not told yet is told before the thread goes. */
	if (o->queue_due) {
		o->queue_due = false;
		office_sms_check(o, o->queue_at);
		send_queue(o, o->queue_at, false);
	}
	pthread_mutex_unlock(&o->lock);
	return NULL;
}

static void stop_notifier(struct office *o)
{
	if (!o->notifier_running)
		return;
	pthread_mutex_lock(&o->lock);
	o->notify_stop = true;
	pthread_cond_signal(&o->queue_wake);
	pthread_mutex_unlock(&o->lock);
	pthread_join(o->notifier, NULL);
	o->notifier_running = false;
	o->notify_stop = false;
}

/* Without fn the queue events stop, those due told first: the caller may
 * free what userdata points to once this returns. */
void office_set_notify(struct office *o, office_notify_fn fn,
		       void *userdata)
{
	stop_notifier(o);
	pthread_mutex_lock(&o->lock);
	o->notify = fn;
	o->notify_data = userdata;
	pthread_mutex_unlock(&o->lock);
	if (fn && pthread_create(&o->notifier, NULL, notifier, o) == 0)
		o->notifier_running = true;
	else if (fn)
		log_err("queue events: no thread; they are told as they come");
}

/* The queue event at once, and none due after it: for a reload, rare,
 * whose pages should see the new services without waiting. Called with
 * the lock held. */
void office_notify_queue_now(struct office *o, int64_t now)
{
	office_sms_check(o, now);
	if (!o->notify)
		return;
	o->queue_due = false;
	send_queue(o, now, false);
}

/* Marks the queue changed at now, for the pages. Called with the lock
 * held. */
void office_notify_queue(struct office *o, int64_t now)
{
	/* The texts owed are looked at where the queue event is made: by
	 * the notifier when there is one, else here. */
	if (!o->notifier_running)
		office_sms_check(o, now);
	if (!o->notify)
		return;
	if (!o->notifier_running) {
		send_queue(o, now, false);
		return;
	}
	o->queue_at = now;
	if (!o->queue_due) {
		o->queue_due = true;
		pthread_cond_signal(&o->queue_wake);
	}
}

void office_notify_call(struct office *o, enum office_event_type type,
			int64_t seq, const struct ticket *t, int64_t now)
{
	if (type == OFFICE_EVENT_CALLED)
		office_sms_called(o, t, now);
	if (o->notify)
		o->notify(o->notify_data,
			  &(struct office_event){.type = type,
						 .at = now,
						 .ticket = t,
						 .seq = seq});
}

void office_notify_counter(struct office *o, int counter, int64_t now)
{
	if (o->notify)
		o->notify(o->notify_data,
			  &(struct office_event){.type = OFFICE_EVENT_COUNTER,
						 .at = now,
						 .counter = counter});
}

void office_commits(struct office *o, struct office_commits *ret)
{
	uint64_t sum = 0;

	pthread_mutex_lock(&o->lock);
	ret->commits = o->batches;
	ret->tickets = o->batched;
	for (size_t i = 0; i < OFFICE_COMMIT_BUCKETS; i++) {
		sum += o->batch_sizes[i];
		ret->le[i] = sum;
	}
	pthread_mutex_unlock(&o->lock);
}

int office_healthy(struct office *o)
{
	int r;

	pthread_mutex_lock(&o->lock);
	r = store_check_writable(o->st);
	office_disk_state(o);
	pthread_mutex_unlock(&o->lock);
	return r;
}
