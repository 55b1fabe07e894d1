#include "office.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hours.h"
#include "log.h"
#include "printers.h"
#include "queue.h"
#include "receipt.h"

/* The last service times of a service, for the estimates: a moving
 * average over SERVICE_WINDOW tickets, the empty places of the window
 * counting as the config's starting estimate. */
#define SERVICE_WINDOW 10

struct service_times {
	int64_t recent[SERVICE_WINDOW];
	size_t n, next;
};

struct office {
	pthread_mutex_t lock;
	const struct config *cfg;
	struct store *st;
	struct queue *q;
	struct service_times *times;  /* per service, today's */
	struct printers *printers;    /* NULL: nothing is printed */
	office_notify_fn notify;
	void *notify_data;

	/* Ticket requests waiting for the next group commit. */
	pthread_mutex_t batch_lock;
	pthread_cond_t batch_done;
	struct issue_req *batch_head, *batch_tail;
	bool batch_writing;
	uint64_t batches, batched; /* commits and the tickets they wrote */
	char day[TICKET_DAY_LEN + 1]; /* the business day the queue holds */
};

#define BIT(i) (UINT64_C(1) << (i))

static int refuse(struct office_error *err, enum office_status status,
		  int errnum, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void record_service_time(struct office *o, int service, int64_t s);

static int refuse(struct office_error *err, enum office_status status,
		  int errnum, const char *fmt, ...)
{
	va_list ap;

	err->status = status;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -errnum;
}

static int store_failed(struct office *o, struct office_error *err, int r,
			const char *what)
{
	store_rollback(o->st);
	log_err("database: %s failed: %s", what, strerror(-r));
	return refuse(err, OFFICE_INTERNAL, -r,
		      "The ticket database could not be written; nothing was "
		      "changed. Please try again or call the office's IT.");
}

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

/* Rebuilds the in-memory queue of day from the database. */
static int load_day(struct office *o, int64_t now)
{
	const struct config *c = o->cfg;
	struct queue_policy policy = {
		.max_wait = (int64_t)c->policy.max_wait * 60,
		.walkin_every = c->policy.walkin_every,
		.early_window = (int64_t)c->policy.early_window * 60,
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
	memcpy(o->day, day, sizeof(day));
	r = store_tickets_active(o->st, day, add_active, o);
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
	for (size_t i = 0; i < c->n_services; i++) {
		int64_t secs[SERVICE_WINDOW];
		size_t n = 0;
		int streak;

		r = store_service_streak(o->st, day, (int)i, &streak);
		if (r < 0)
			return r;
		queue_set_streak(q, i, streak);
		memset(&o->times[i], 0, sizeof(o->times[i]));
		if (c->services[i].info)
			continue;
		r = store_service_times(o->st, day, (int)i, secs,
					SERVICE_WINDOW, &n);
		if (r < 0)
			return r;
		while (n > 0) /* oldest first */
			record_service_time(o, (int)i, secs[--n]);
	}
	return 0;
}

/* Numbers restart and left-over tickets close when the business day
 * changes while the daemon runs. */
static int roll_day(struct office *o, int64_t now, struct office_error *err)
{
	char day[TICKET_DAY_LEN + 1];
	int r;

	hours_day(now, day);
	if (strcmp(day, o->day) == 0)
		return 0;
	log_info("new business day %s", day);
	r = load_day(o, now);
	if (r < 0) {
		log_err("database: starting day %s failed: %s", day,
			strerror(-r));
		return refuse(err, OFFICE_INTERNAL, -r,
			      "The ticket database could not be read.");
	}
	return 0;
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
	o->times = calloc(cfg->n_services, sizeof(*o->times));
	if (!o->times) {
		free(o);
		return -ENOMEM;
	}
	r = pthread_mutex_init(&o->lock, NULL);
	if (r != 0) {
		free(o->times);
		free(o);
		return -r;
	}
	pthread_mutex_init(&o->batch_lock, NULL);
	pthread_cond_init(&o->batch_done, NULL);
	r = load_day(o, now);
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
	if (o->batches)
		log_info("%llu tickets issued in %llu commits",
			 (unsigned long long)o->batched,
			 (unsigned long long)o->batches);
	queue_free(o->q);
	free(o->times);
	pthread_cond_destroy(&o->batch_done);
	pthread_mutex_destroy(&o->batch_lock);
	pthread_mutex_destroy(&o->lock);
	free(o);
}

static size_t open_counters(const struct office *o, int service)
{
	size_t n = 0;
	for (size_t i = 0; i < o->cfg->n_counters; i++)
		if ((o->cfg->counters[i].services & BIT(service)) &&
		    !queue_paused(o->q, i))
			n++;
	return n;
}

/* A forgotten "served" hours later must not make every estimate absurd. */
static void record_service_time(struct office *o, int service, int64_t s)
{
	struct service_times *st = &o->times[service];

	if (s < 60)
		s = 60;
	if (s > 3600)
		s = 3600;
	st->recent[st->next] = s;
	st->next = (st->next + 1) % SERVICE_WINDOW;
	if (st->n < SERVICE_WINDOW)
		st->n++;
}

/* Seconds a ticket of service takes at a counter, as it goes today. */
static int64_t mean_service_time(const struct office *o, int service)
{
	const struct service_times *st = &o->times[service];
	int64_t sum = (int64_t)(SERVICE_WINDOW - st->n) *
		      o->cfg->services[service].minutes * 60;

	for (size_t i = 0; i < st->n; i++)
		sum += st->recent[i];
	return sum / SERVICE_WINDOW;
}

/* Minutes until a ticket with `ahead` tickets before it is called, or -1
 * when no counter serving the service is open. */
static int estimate(const struct office *o, int service, size_t ahead)
{
	size_t n = open_counters(o, service);
	int64_t mean = mean_service_time(o, service);

	if (n == 0)
		return -1;
	return (int)(((int64_t)ahead * mean + (int64_t)n * 60 - 1) /
		     ((int64_t)n * 60));
}

static void derive(const struct office *o, struct ticket *t, int64_t now)
{
	size_t ahead = 0;

	t->ahead = 0;
	t->est_wait_min = -1;
	if (t->state != TICKET_WAITING || t->service < 0)
		return;
	if (queue_ahead(o->q, t->id, now, &ahead) == 0) {
		t->ahead = (int)ahead;
		t->est_wait_min = estimate(o, t->service, ahead);
	}
}

static void format_hhmm(int64_t t, char ret[6])
{
	char s[32];
	hours_rfc3339(t, s);
	memcpy(ret, s + 11, 5);
	ret[5] = '\0';
}

static int refuse_closed(const struct office *o, const struct hours_status *h,
			 struct office_error *err)
{
	char when[32], hhmm[6];

	if (h->open) {
		format_hhmm(h->closes_at, hhmm);
		return refuse(err, OFFICE_CLOSED, EAGAIN,
			      "No more tickets are issued today: the office "
			      "closes at %s and stops issuing tickets %d "
			      "minutes before.",
			      hhmm, o->cfg->hours.cutoff);
	}
	if (h->next_open == 0)
		return refuse(err, OFFICE_CLOSED, EAGAIN,
			      "The office is closed.");
	hours_rfc3339(h->next_open, when);
	format_hhmm(h->next_open, hhmm);
	when[10] = '\0';
	return refuse(err, OFFICE_CLOSED, EAGAIN,
		      "The office is closed. It opens again on %s at %s.",
		      when, hhmm);
}

void office_set_notify(struct office *o, office_notify_fn fn,
		       void *userdata)
{
	pthread_mutex_lock(&o->lock);
	o->notify = fn;
	o->notify_data = userdata;
	pthread_mutex_unlock(&o->lock);
}

static void service_view(const struct office *o, int service,
			 const struct hours_status *h,
			 struct office_service_view *ret);

/* Tells the pages the new waiting counts. Called with the lock held. */
static void notify_queue(struct office *o, int64_t now)
{
	struct office_service_view views[CONFIG_MAX_SERVICES];
	struct hours_status h;

	if (!o->notify)
		return;
	hours_status(o->cfg, now, &h);
	for (size_t i = 0; i < o->cfg->n_services; i++)
		service_view(o, (int)i, &h, &views[i]);
	o->notify(o->notify_data,
		  &(struct office_event){.type = OFFICE_EVENT_QUEUE,
					 .at = now,
					 .services = views,
					 .n_services = o->cfg->n_services});
}

static void notify_call(struct office *o, enum office_event_type type,
			const struct ticket *t, int64_t now)
{
	if (o->notify)
		o->notify(o->notify_data,
			  &(struct office_event){.type = type,
						 .at = now,
						 .ticket = t});
}

void office_set_printers(struct office *o, struct printers *p)
{
	pthread_mutex_lock(&o->lock);
	o->printers = p;
	pthread_mutex_unlock(&o->lock);
}

/* The printer of a kiosk; without a kiosk, the one named "default". */
static int printer_of(const struct office *o, int kiosk)
{
	const struct config *c = o->cfg;
	int d;

	if (kiosk >= 0 && (size_t)kiosk < c->n_kiosks)
		return c->kiosks[kiosk].printer;
	d = config_printer_index(c, "default");
	return d >= 0 ? d : c->n_printers ? 0 : -1;
}

static bool prints(const struct office *o, int printer)
{
	return o->printers && printer >= 0 &&
	       o->cfg->printers[printer].driver != DRIVER_NONE;
}

/* Changes the ticket's print state in one transaction, with its event. */
static int set_printed(struct office *o, int64_t id, enum print_state state,
		       const char *why, int64_t now)
{
	struct ticket t;
	int r;

	r = store_begin(o->st);
	if (r == 0)
		r = store_ticket_get(o->st, id, &t);
	if (r == 0) {
		t.printed = state;
		r = store_ticket_update(o->st, &t);
	}
	if (r == 0)
		r = store_event_append(o->st, &(struct store_event){
			.at = now,
			.type = state == PRINT_OK	 ? "printed"
				: state == PRINT_FAILED ? "print_failed"
							: "print_requested",
			.ticket = id, .service = t.service, .counter = -1,
			.kind = t.kind, .detail = why});
	if (r == 0)
		r = store_commit(o->st);
	if (r < 0) {
		store_rollback(o->st);
		log_err("database: recording the print state of ticket %lld "
			"failed: %s",
			(long long)id, strerror(-r));
		return r;
	}
	queue_set_printed(o->q, id, state);
	return 0;
}

/* Lays the ticket out and queues it on the printer. On failure the ticket
 * is marked failed, and t says so. */
static void send_to_printer(struct office *o, int printer, struct ticket *t,
			    int64_t now)
{
	struct escpos_buf buf;
	struct printer_status ps = {0};
	char why[PRINTER_DETAIL_MAX + 64];
	int r;

	escpos_buf_init(&buf);
	r = receipt_render(o->cfg, printer, t, &buf);
	if (r < 0) {
		escpos_buf_free(&buf);
		snprintf(why, sizeof(why), "layout failed: %s", strerror(-r));
		log_err("ticket %s: %s", t->number, why);
	} else {
		/* The pool takes the bytes in every case. */
		r = printers_submit(o->printers, printer, t->id, buf.data,
				    buf.len, &ps);
		if (r < 0)
			snprintf(why, sizeof(why), "printer %s: %s",
				 printer_state_name(ps.state), ps.detail);
	}
	if (r < 0 && set_printed(o, t->id, PRINT_FAILED, why, now) == 0)
		t->printed = PRINT_FAILED;
}

int office_printed(struct office *o, int64_t ticket, bool ok,
		   const char *why, int64_t now)
{
	int r;

	pthread_mutex_lock(&o->lock);
	r = set_printed(o, ticket, ok ? PRINT_OK : PRINT_FAILED, why, now);
	pthread_mutex_unlock(&o->lock);
	return r;
}

/*
 * Numbers and inserts a new waiting ticket (service, kind, issue time,
 * kiosk and slot set by the caller) inside the caller's transaction, with
 * its events. A printer known to be out of paper, open or gone gets no
 * job: the ticket is marked failed at once and the kiosk shows the number.
 */
static int write_ticket(struct office *o, struct ticket *t, const char *prefix,
			int printer, struct printer_status *ps)
{
	int seq, r;

	t->state = TICKET_WAITING;
	t->counter = -1;
	t->printed = PRINT_NONE;
	memcpy(t->day, o->day, sizeof(t->day));
	if (prints(o, printer)) {
		printers_status(o->printers, printer, ps);
		t->printed = printer_state_blocks(ps->state) ? PRINT_FAILED
							     : PRINT_PENDING;
	}
	r = store_next_seq(o->st, t->day, prefix, &seq);
	if (r == 0 && (size_t)snprintf(t->number, sizeof(t->number), "%s%03d",
				       prefix, seq) >= sizeof(t->number))
		r = -EOVERFLOW;
	if (r == 0)
		r = store_ticket_insert(o->st, t);
	if (r == 0)
		r = store_event_append(o->st, &(struct store_event){
			.at = t->issued_at, .type = "issued", .ticket = t->id,
			.service = t->service, .counter = -1, .kind = t->kind});
	if (r == 0 && t->printed == PRINT_FAILED)
		r = store_event_append(o->st, &(struct store_event){
			.at = t->issued_at, .type = "print_failed",
			.ticket = t->id, .service = t->service, .counter = -1,
			.kind = t->kind, .detail = ps->detail});
	return r;
}

/* One ticket request waiting to be written with others (group commit). */
struct issue_req {
	struct issue_req *next;
	int service, kiosk;
	bool priority;
	int64_t now;
	int printer;
	struct printer_status ps;
	struct ticket t;
	int r;
	struct office_error err;
	bool done;
};

/* Writes the batch's tickets in one transaction, so that requests that
 * arrived while the previous commit was syncing share one fsync. Each is
 * answered only after that commit. Called with the office lock held. */
static void issue_batch(struct office *o, struct issue_req *batch)
{
	const struct config *c = o->cfg;
	struct office_error err;
	struct issue_req *q;
	bool began = false;
	int r;

	r = roll_day(o, batch->now, &err);
	if (r == 0) {
		r = store_begin(o->st);
		began = true;
	}
	for (q = batch; r == 0 && q; q = q->next) {
		struct ticket *t = &q->t;

		t->service = q->service;
		t->kind = q->priority ? TICKET_PRIORITY : TICKET_WALK_IN;
		t->issued_at = q->now;
		t->kiosk = q->kiosk;
		q->printer = printer_of(o, q->kiosk);
		r = write_ticket(o, t, c->services[q->service].prefix,
				 q->printer, &q->ps);
	}
	if (r == 0)
		r = store_commit(o->st);
	if (r == 0) {
		o->batches++;
		for (q = batch; q; q = q->next)
			o->batched++;
	}
	if (r < 0) {
		if (began)
			r = store_failed(o, &err, r, "issuing tickets");
		for (q = batch; q; q = q->next) {
			q->r = r;
			q->err = err;
		}
		return;
	}
	for (q = batch; q; q = q->next) {
		q->r = queue_add(o->q, &q->t);
		if (q->r < 0) {
			/* Committed but not queued: rebuild from the
			 * database, which has it. */
			log_err("queueing ticket %s failed: %s; reloading",
				q->t.number, strerror(-q->r));
			q->r = load_day(o, q->now);
			if (q->r < 0)
				refuse(&q->err, OFFICE_INTERNAL, -q->r,
				       "The queue could not be updated.");
		}
	}
	for (q = batch; q; q = q->next) {
		if (q->r < 0)
			continue;
		derive(o, &q->t, q->now);
		if (q->t.printed == PRINT_PENDING)
			send_to_printer(o, q->printer, &q->t, q->now);
	}
	notify_queue(o, batch->now);
}

int office_issue(struct office *o, int service, int kiosk, bool priority,
		 int64_t now, struct ticket *ret, struct office_error *err)
{
	const struct config *c = o->cfg;
	struct hours_status h;
	struct issue_req req = {
		.service = service, .kiosk = kiosk, .priority = priority,
		.now = now,
	};

	if (service < 0 || (size_t)service >= c->n_services)
		return refuse(err, OFFICE_NOT_FOUND, ENOENT,
			      "There is no such service.");
	const struct cfg_service *svc = &c->services[service];
	if (svc->info)
		return refuse(err, OFFICE_UNPROCESSABLE, EINVAL,
			      "\"%s\" is not served here with a ticket: %s",
			      svc->name, svc->info);
	hours_status(c, now, &h);
	if (!h.open || h.cutoff)
		return refuse_closed(o, &h, err);
	if (h.closes_at) {
		/* No ticket that, by the estimate, could not be served
		 * before closing: the citizen is told now, not at 16:30. */
		int wait;
		int64_t service_s;

		pthread_mutex_lock(&o->lock);
		wait = estimate(o, service, queue_waiting(o->q,
							  (size_t)service));
		service_s = mean_service_time(o, service);
		pthread_mutex_unlock(&o->lock);
		if (wait >= 0 && now + (int64_t)wait * 60 + service_s >
					 h.closes_at) {
			char hhmm[6];
			format_hhmm(h.closes_at, hhmm);
			return refuse(err, OFFICE_CLOSED, EAGAIN,
				      "No more tickets for \"%s\" today: "
				      "about %d minutes of waiting are ahead "
				      "and the office closes at %s. Please "
				      "come back on another day or book an "
				      "appointment online.",
				      svc->name, wait, hhmm);
		}
	}

	/* The first request to find no batch being written leads: it takes
	 * every request queued so far and writes them; the others wait for
	 * their answer, or lead the next batch. */
	pthread_mutex_lock(&o->batch_lock);
	if (o->batch_tail)
		o->batch_tail->next = &req;
	else
		o->batch_head = &req;
	o->batch_tail = &req;
	while (!req.done) {
		if (o->batch_writing) {
			pthread_cond_wait(&o->batch_done, &o->batch_lock);
			continue;
		}
		struct issue_req *batch = o->batch_head;
		o->batch_head = o->batch_tail = NULL;
		o->batch_writing = true;
		pthread_mutex_unlock(&o->batch_lock);

		pthread_mutex_lock(&o->lock);
		issue_batch(o, batch);
		pthread_mutex_unlock(&o->lock);

		pthread_mutex_lock(&o->batch_lock);
		for (struct issue_req *q = batch; q;) {
			struct issue_req *next = q->next;
			q->done = true; /* q may be gone once this is seen */
			q = next;
		}
		o->batch_writing = false;
		pthread_cond_broadcast(&o->batch_done);
	}
	pthread_mutex_unlock(&o->batch_lock);
	if (req.r < 0) {
		*err = req.err;
		return req.r;
	}
	*ret = req.t;
	return 0;
}

int office_ticket(struct office *o, int64_t id, int64_t now,
		  struct ticket *ret, struct office_error *err)
{
	struct ticket t;
	int r;

	pthread_mutex_lock(&o->lock);
	r = roll_day(o, now, err);
	if (r < 0)
		goto out;
	r = store_ticket_get(o->st, id, &t);
	if (r == -ENOENT) {
		r = refuse(err, OFFICE_NOT_FOUND, ENOENT,
			   "There is no ticket with id %lld.", (long long)id);
		goto out;
	}
	if (r < 0) {
		log_err("database: reading ticket %lld failed: %s",
			(long long)id, strerror(-r));
		r = refuse(err, OFFICE_INTERNAL, -r,
			   "The ticket database could not be read.");
		goto out;
	}
	derive(o, &t, now);
	*ret = t;
out:
	pthread_mutex_unlock(&o->lock);
	return r;
}

static int check_counter(const struct office *o, int counter,
			 struct office_error *err)
{
	if (counter < 0 || (size_t)counter >= o->cfg->n_counters)
		return refuse(err, OFFICE_NOT_FOUND, ENOENT,
			      "There is no such counter.");
	return 0;
}

static const char *counter_name(const struct office *o, int counter)
{
	return o->cfg->counters[counter].name;
}

static int record(struct office *o, const struct ticket *t, const char *type,
		  int64_t now, const char *detail)
{
	int r = store_ticket_update(o->st, t);
	if (r == 0)
		r = store_event_append(o->st, &(struct store_event){
			.at = now, .type = type, .ticket = t->id,
			.service = t->service, .counter = t->counter,
			.kind = t->kind,
			.reason = strcmp(type, "called") == 0 ? t->reason
							     : REASON_NONE,
			.detail = detail});
	return r;
}

int office_next(struct office *o, int counter, int64_t now,
		struct ticket *ret, bool *ret_none, struct office_error *err)
{
	struct ticket done = {0}, next = {0};
	const struct ticket *cur, *n;
	enum call_reason reason;
	int64_t id = 0;
	int r;

	r = check_counter(o, counter, err);
	if (r < 0)
		return r;
	pthread_mutex_lock(&o->lock);
	r = roll_day(o, now, err);
	if (r < 0)
		goto out;
	if (queue_paused(o->q, (size_t)counter)) {
		r = refuse(err, OFFICE_CONFLICT, EBUSY,
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
		r = record(o, &done, "served", now, NULL);
	if (r == 0 && id)
		r = record(o, &next, "called", now, NULL);
	if (r == 0)
		r = store_counter_save(o->st, counter,
				       queue_paused(o->q, (size_t)counter), id);
	if (r == 0)
		r = store_commit(o->st);
	if (r < 0) {
		r = store_failed(o, err, r, "calling the next ticket");
		goto out;
	}
	if (cur) {
		record_service_time(o, done.service, now - done.called_at);
		queue_finish(o->q, (size_t)counter);
	}
	if (!id) {
		*ret_none = true;
		goto out;
	}
	queue_call(o->q, (size_t)counter, id, reason, now);
	*ret_none = false;
	*ret = next;
	notify_call(o, OFFICE_EVENT_CALLED, &next, now);
	notify_queue(o, now);
out:
	pthread_mutex_unlock(&o->lock);
	return r;
}

/* The counter's called ticket, or a conflict naming what is missing. */
static int current_of(struct office *o, int counter, struct ticket *ret,
		      struct office_error *err)
{
	const struct ticket *cur = queue_current(o->q, (size_t)counter);

	if (!cur)
		return refuse(err, OFFICE_CONFLICT, ENOENT,
			      "%s has no ticket called at the moment.",
			      counter_name(o, counter));
	*ret = *cur;
	return 0;
}

int office_recall(struct office *o, int counter, int64_t now,
		  struct ticket *ret, struct office_error *err)
{
	struct ticket t;
	int r;

	r = check_counter(o, counter, err);
	if (r < 0)
		return r;
	pthread_mutex_lock(&o->lock);
	r = roll_day(o, now, err);
	if (r == 0)
		r = current_of(o, counter, &t, err);
	if (r < 0)
		goto out;
	t.recalls++;
	r = store_begin(o->st);
	if (r == 0)
		r = record(o, &t, "recalled", now, NULL);
	if (r == 0)
		r = store_commit(o->st);
	if (r < 0) {
		r = store_failed(o, err, r, "recalling a ticket");
		goto out;
	}
	queue_recall(o->q, (size_t)counter);
	*ret = t;
	notify_call(o, OFFICE_EVENT_RECALLED, &t, now);
out:
	pthread_mutex_unlock(&o->lock);
	return r;
}

int office_done(struct office *o, int counter, bool served, int64_t now,
		struct ticket *ret, struct office_error *err)
{
	struct ticket t;
	int r;

	r = check_counter(o, counter, err);
	if (r < 0)
		return r;
	pthread_mutex_lock(&o->lock);
	r = roll_day(o, now, err);
	if (r == 0)
		r = current_of(o, counter, &t, err);
	if (r < 0)
		goto out;
	t.state = served ? TICKET_SERVED : TICKET_NO_SHOW;
	t.finished_at = now;
	r = store_begin(o->st);
	if (r == 0)
		r = record(o, &t, served ? "served" : "no_show", now, NULL);
	if (r == 0)
		r = store_counter_save(o->st, counter,
				       queue_paused(o->q, (size_t)counter), 0);
	if (r == 0)
		r = store_commit(o->st);
	if (r < 0) {
		r = store_failed(o, err, r, "finishing a ticket");
		goto out;
	}
	if (served)
		record_service_time(o, t.service, now - t.called_at);
	queue_finish(o->q, (size_t)counter);
	*ret = t;
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

	r = check_counter(o, counter, err);
	if (r < 0)
		return r;
	if (service < 0 || (size_t)service >= c->n_services)
		return refuse(err, OFFICE_NOT_FOUND, ENOENT,
			      "There is no such service to transfer to.");
	if (c->services[service].info)
		return refuse(err, OFFICE_UNPROCESSABLE, EINVAL,
			      "\"%s\" is an information service; tickets "
			      "cannot be transferred to it.",
			      c->services[service].name);
	pthread_mutex_lock(&o->lock);
	r = roll_day(o, now, err);
	if (r == 0)
		r = current_of(o, counter, &t, err);
	if (r < 0)
		goto out;
	if (t.service == service) {
		r = refuse(err, OFFICE_UNPROCESSABLE, EINVAL,
			   "Ticket %s is already in \"%s\".", t.number,
			   c->services[service].name);
		goto out;
	}
	snprintf(detail, sizeof(detail), "from %s to %s",
		 c->services[t.service].id, c->services[service].id);
	t.state = TICKET_WAITING;
	t.service = service;
	t.counter = -1;
	r = store_begin(o->st);
	if (r == 0)
		r = record(o, &t, "transferred", now, detail);
	if (r == 0)
		r = store_counter_save(o->st, counter,
				       queue_paused(o->q, (size_t)counter), 0);
	if (r == 0)
		r = store_commit(o->st);
	if (r < 0) {
		r = store_failed(o, err, r, "transferring a ticket");
		goto out;
	}
	queue_transfer(o->q, (size_t)counter, (size_t)service);
	derive(o, &t, now);
	*ret = t;
	notify_queue(o, now);
out:
	pthread_mutex_unlock(&o->lock);
	return r;
}

int office_pause(struct office *o, int counter, bool paused, int64_t now,
		 struct office_error *err)
{
	const struct ticket *cur;
	int r;

	r = check_counter(o, counter, err);
	if (r < 0)
		return r;
	pthread_mutex_lock(&o->lock);
	r = roll_day(o, now, err);
	if (r < 0 || queue_paused(o->q, (size_t)counter) == paused)
		goto out;
	cur = queue_current(o->q, (size_t)counter);
	r = store_begin(o->st);
	if (r == 0)
		r = store_counter_save(o->st, counter, paused,
				       cur ? cur->id : 0);
	if (r == 0)
		r = store_event_append(o->st, &(struct store_event){
			.at = now, .type = paused ? "paused" : "resumed",
			.service = -1, .counter = counter});
	if (r == 0)
		r = store_commit(o->st);
	if (r < 0) {
		r = store_failed(o, err, r, "pausing a counter");
		goto out;
	}
	queue_set_paused(o->q, (size_t)counter, paused);
	notify_queue(o, now); /* estimates depend on the open counters */
out:
	pthread_mutex_unlock(&o->lock);
	return r;
}

struct id_pos {
	int64_t id;
	size_t pos;
};

static int cmp_id(const void *a, const void *b)
{
	int64_t x = ((const struct id_pos *)a)->id;
	int64_t y = ((const struct id_pos *)b)->id;
	return x < y ? -1 : x > y;
}

/* Fills ahead and the estimate of each waiting ticket in v, computing one
 * order per service rather than one per ticket. */
static int derive_all(const struct office *o, struct ticket *v, size_t n,
		      uint64_t services, int64_t now)
{
	struct id_pos *index = malloc((n ? n : 1) * sizeof(*index));
	int64_t *ids = malloc((n ? n : 1) * sizeof(*ids));
	size_t got;
	int r = 0;

	if (!index || !ids) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		index[i] = (struct id_pos){v[i].id, i};
	qsort(index, n, sizeof(*index), cmp_id);
	for (size_t s = 0; s < o->cfg->n_services; s++) {
		if (!(services & BIT(s)))
			continue;
		r = queue_order(o->q, BIT(s), now, ids, n, &got);
		if (r < 0)
			goto out;
		for (size_t i = 0; i < got && i < n; i++) {
			struct id_pos key = {.id = ids[i]};
			struct id_pos *f = bsearch(&key, index, n,
						   sizeof(*index), cmp_id);
			if (f) {
				v[f->pos].ahead = (int)i;
				v[f->pos].est_wait_min =
					estimate(o, (int)s, i);
			}
		}
	}
out:
	free(index);
	free(ids);
	return r;
}

int office_counter(struct office *o, int counter, int64_t now,
		   struct office_counter_view *ret, struct office_error *err)
{
	struct office_counter_view v = {0};
	int64_t *ids = NULL;
	uint64_t services;
	size_t n = 0;
	int r;

	r = check_counter(o, counter, err);
	if (r < 0)
		return r;
	pthread_mutex_lock(&o->lock);
	r = roll_day(o, now, err);
	if (r < 0)
		goto out;
	services = queue_counter_services(o->q, (size_t)counter);
	for (size_t s = 0; s < o->cfg->n_services; s++)
		if (services & BIT(s))
			n += queue_waiting(o->q, s);
	ids = malloc((n ? n : 1) * sizeof(*ids));
	v.waiting = malloc((n ? n : 1) * sizeof(*v.waiting));
	if (!ids || !v.waiting) {
		r = refuse(err, OFFICE_INTERNAL, ENOMEM, "Out of memory.");
		goto out;
	}
	r = queue_order(o->q, services, now, ids, n, &v.n_waiting);
	for (size_t i = 0; r == 0 && i < v.n_waiting; i++) {
		const struct ticket *t = queue_get(o->q, ids[i]);
		if (!t)
			r = -ENOENT;
		else
			v.waiting[i] = *t;
	}
	if (r == 0)
		r = derive_all(o, v.waiting, v.n_waiting, services, now);
	if (r < 0) {
		r = refuse(err, OFFICE_INTERNAL, -r,
			   "The waiting list could not be made.");
		goto out;
	}
	v.paused = queue_paused(o->q, (size_t)counter);
	const struct ticket *cur = queue_current(o->q, (size_t)counter);
	if (cur) {
		v.has_current = true;
		v.current = *cur;
		v.current.ahead = 0;
		v.current.est_wait_min = -1;
	}
	*ret = v;
	v.waiting = NULL;
out:
	pthread_mutex_unlock(&o->lock);
	free(ids);
	free(v.waiting);
	return r;
}

void office_counter_view_clear(struct office_counter_view *v)
{
	if (!v)
		return;
	free(v->waiting);
	v->waiting = NULL;
	v->n_waiting = 0;
}

static void service_view(const struct office *o, int service,
			 const struct hours_status *h,
			 struct office_service_view *ret)
{
	ret->open = h->open && !h->cutoff;
	ret->waiting = queue_waiting(o->q, (size_t)service);
	ret->est_wait_min = o->cfg->services[service].info
				    ? -1
				    : estimate(o, service, ret->waiting);
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
	r = roll_day(o, now, &err);
	if (r == 0)
		service_view(o, service, &h, ret);
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
	r = roll_day(o, now, &err);
	if (r == 0)
		r = store_recent_calls(o->st, o->day, ret_calls, max, ret_n);
	pthread_mutex_unlock(&o->lock);
	return r;
}

int office_healthy(struct office *o)
{
	int r;

	pthread_mutex_lock(&o->lock);
	r = store_check_writable(o->st);
	pthread_mutex_unlock(&o->lock);
	return r;
}

int office_reprint(struct office *o, int64_t id, int64_t now,
		   struct ticket *ret, struct office_error *err)
{
	struct printer_status ps;
	struct ticket t;
	int printer, r;

	pthread_mutex_lock(&o->lock);
	r = roll_day(o, now, err);
	if (r < 0)
		goto out;
	r = store_ticket_get(o->st, id, &t);
	if (r == -ENOENT) {
		r = refuse(err, OFFICE_NOT_FOUND, ENOENT,
			   "There is no ticket with id %lld.", (long long)id);
		goto out;
	}
	if (r < 0) {
		r = refuse(err, OFFICE_INTERNAL, -r,
			   "The ticket database could not be read.");
		goto out;
	}
	if (strcmp(t.day, o->day) != 0) {
		r = refuse(err, OFFICE_UNPROCESSABLE, EINVAL,
			   "Ticket %s was issued on %s; only today's tickets "
			   "are printed again.",
			   t.number, t.day);
		goto out;
	}
	printer = printer_of(o, t.kiosk);
	if (!prints(o, printer)) {
		r = refuse(err, OFFICE_UNPROCESSABLE, EINVAL,
			   "No printer is configured for the kiosk that "
			   "issued ticket %s.",
			   t.number);
		goto out;
	}
	printers_status(o->printers, printer, &ps);
	if (printer_state_blocks(ps.state)) {
		r = refuse(err, OFFICE_CONFLICT, EAGAIN,
			   "Printer \"%s\" cannot print now (%s): %s.",
			   o->cfg->printers[printer].name,
			   printer_state_name(ps.state), ps.detail);
		goto out;
	}
	r = set_printed(o, id, PRINT_PENDING, "reprint requested", now);
	if (r < 0) {
		r = refuse(err, OFFICE_INTERNAL, -r,
			   "The ticket database could not be written.");
		goto out;
	}
	t.printed = PRINT_PENDING;
	derive(o, &t, now);
	send_to_printer(o, printer, &t, now);
	*ret = t;
out:
	pthread_mutex_unlock(&o->lock);
	return r;
}

int office_normalize_code(const char *code, char ret[33])
{
	char out[33];
	size_t n = 0;

	if (!code)
		return -EINVAL;
	for (const char *p = code; *p; p++) {
		char ch = *p;
		if (ch == ' ' || ch == '-' || ch == '\t')
			continue;
		if (ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 'a' + 'A');
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')))
			return -EINVAL;
		if (n == 32)
			return -EINVAL;
		out[n++] = ch;
	}
	if (n < 4)
		return -EINVAL;
	out[n] = '\0';
	memcpy(ret, out, n + 1);
	return 0;
}

int office_import(struct office *o, const struct office_booking *b, size_t n,
		  int64_t now, size_t *ret_created, size_t *ret_updated,
		  struct office_error *err)
{
	const struct config *c = o->cfg;
	size_t created = 0, updated = 0;
	int r;

	/* The API checked each item; a code that normalizes to another's
	 * in the same batch would be updated twice: refuse it. */
	for (size_t i = 0; i < n; i++) {
		char code[33];
		if (office_normalize_code(b[i].code, code) < 0)
			return refuse(err, OFFICE_UNPROCESSABLE, EINVAL,
				      "appointments[%zu]: the code must be 4 "
				      "to 32 letters and digits.",
				      i);
		if (b[i].service < 0 || (size_t)b[i].service >= c->n_services ||
		    c->services[b[i].service].info)
			return refuse(err, OFFICE_UNPROCESSABLE, EINVAL,
				      "appointments[%zu]: not a service that "
				      "issues tickets.",
				      i);
		if (b[i].end <= b[i].start)
			return refuse(err, OFFICE_UNPROCESSABLE, EINVAL,
				      "appointments[%zu]: the end must be after "
				      "the start.",
				      i);
		for (size_t j = 0; j < i; j++) {
			char other[33];
			if (office_normalize_code(b[j].code, other) == 0 &&
			    strcmp(code, other) == 0)
				return refuse(err, OFFICE_UNPROCESSABLE,
					      EINVAL,
					      "appointments[%zu]: the code %s "
					      "is also item %zu.",
					      i, code, j);
		}
	}
	pthread_mutex_lock(&o->lock);
	r = store_begin(o->st);
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct store_appointment a = {
			.service = b[i].service, .start = b[i].start,
			.end = b[i].end, .cancelled = b[i].cancelled,
		};
		bool was_created;
		office_normalize_code(b[i].code, a.code);
		if (b[i].phone)
			snprintf(a.phone, sizeof(a.phone), "%s", b[i].phone);
		r = store_appointment_put(o->st, &a, now, &was_created);
		if (r == 0 && was_created)
			created++;
		else if (r == 0)
			updated++;
	}
	if (r == 0)
		r = store_event_append(o->st, &(struct store_event){
			.at = now, .type = "imported", .service = -1,
			.counter = -1});
	if (r == 0)
		r = store_commit(o->st);
	if (r < 0) {
		r = store_failed(o, err, r, "importing bookings");
		goto out;
	}
	*ret_created = created;
	*ret_updated = updated;
out:
	pthread_mutex_unlock(&o->lock);
	return r;
}

static void local_date_time(int64_t t, char date[11], char hhmm[6])
{
	char s[32];
	hours_rfc3339(t, s);
	memcpy(date, s, 10);
	date[10] = '\0';
	memcpy(hhmm, s + 11, 5);
	hhmm[5] = '\0';
}

int office_checkin(struct office *o, const char *code, int kiosk, int64_t now,
		   struct ticket *ret, char *message, size_t message_len,
		   struct office_error *err)
{
	const struct config *c = o->cfg;
	struct store_appointment a;
	struct hours_status h;
	struct printer_status ps = {0};
	struct ticket t = {0};
	char norm[33], day[TICKET_DAY_LEN + 1], date[11], hhmm[6];
	int printer, r;

	if (office_normalize_code(code, norm) < 0)
		return refuse(err, OFFICE_NOT_FOUND, ENOENT,
			      "There is no booking with this code. Check the "
			      "code in your SMS.");
	/* Check-ins are taken all the opening hours, also past the walk-in
	 * cut-off. */
	hours_status(c, now, &h);
	if (!h.open)
		return refuse_closed(o, &h, err);

	pthread_mutex_lock(&o->lock);
	r = roll_day(o, now, err);
	if (r < 0)
		goto out;
	r = store_appointment_get(o->st, norm, &a);
	if (r == -ENOENT) {
		r = refuse(err, OFFICE_NOT_FOUND, ENOENT,
			   "There is no booking with the code %s. Check the "
			   "code in your SMS.",
			   norm);
		goto out;
	}
	if (r < 0) {
		r = refuse(err, OFFICE_INTERNAL, -r,
			   "The bookings could not be read.");
		goto out;
	}
	local_date_time(a.start, date, hhmm);
	if (a.cancelled) {
		r = refuse(err, OFFICE_GONE, ECANCELED,
			   "The booking %s for %s at %s was cancelled.", norm,
			   date, hhmm);
		goto out;
	}
	hours_day(a.start, day);
	if (strcmp(day, o->day) != 0) {
		r = refuse(err, OFFICE_UNPROCESSABLE, EINVAL,
			   "The booking %s is for %s at %s, not for today.",
			   norm, date, hhmm);
		goto out;
	}
	if (a.ticket) {
		struct ticket old;
		if (store_ticket_get(o->st, a.ticket, &old) == 0)
			r = refuse(err, OFFICE_CONFLICT, EEXIST,
				   "The booking %s is already checked in: "
				   "your ticket is %s.",
				   norm, old.number);
		else
			r = refuse(err, OFFICE_CONFLICT, EEXIST,
				   "The booking %s is already checked in.",
				   norm);
		goto out;
	}
	if (a.service < 0 || c->services[a.service].info) {
		r = refuse(err, OFFICE_UNPROCESSABLE, EINVAL,
			   "The booking %s is for a service this office does "
			   "not serve here.",
			   norm);
		goto out;
	}
	t.service = a.service;
	t.issued_at = now;
	t.kiosk = kiosk;
	if (message_len)
		message[0] = '\0';
	if (now > a.start + (int64_t)c->policy.late_grace * 60) {
		/* Too late to keep the booking's place: a walk-in ticket,
		 * and the citizen is told why. */
		t.kind = TICKET_WALK_IN;
		t.late = true;
		snprintf(message, message_len,
			 "Your appointment was at %s and you arrived more "
			 "than %d minutes late, so you get a regular ticket "
			 "and wait with the other citizens.",
			 hhmm, c->policy.late_grace);
	} else {
		t.kind = TICKET_APPOINTMENT;
		t.slot_start = a.start;
	}
	printer = printer_of(o, kiosk);
	r = store_begin(o->st);
	if (r == 0)
		r = write_ticket(o, &t,
				 t.kind == TICKET_APPOINTMENT
					 ? c->policy.appointment_prefix
					 : c->services[t.service].prefix,
				 printer, &ps);
	if (r == 0)
		r = store_appointment_set_ticket(o->st, norm, t.id);
	if (r == 0)
		r = store_event_append(o->st, &(struct store_event){
			.at = now, .type = "checked_in", .ticket = t.id,
			.service = t.service, .counter = -1, .kind = t.kind,
			.detail = t.late ? "late: walk-in ticket" : NULL});
	if (r == 0)
		r = store_commit(o->st);
	if (r < 0) {
		r = store_failed(o, err, r, "checking a booking in");
		goto out;
	}
	r = queue_add(o->q, &t);
	if (r < 0) {
		log_err("queueing ticket %s failed: %s; reloading", t.number,
			strerror(-r));
		r = load_day(o, now);
		if (r < 0) {
			r = refuse(err, OFFICE_INTERNAL, -r,
				   "The queue could not be updated.");
			goto out;
		}
	}
	derive(o, &t, now);
	if (t.printed == PRINT_PENDING)
		send_to_printer(o, printer, &t, now);
	notify_queue(o, now);
	*ret = t;
out:
	pthread_mutex_unlock(&o->lock);
	return r;
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
	r = roll_day(o, now, &err);
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
		r = record(o, &t, "expired", now, "the office closed");
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
	notify_queue(o, now);
out:
	pthread_mutex_unlock(&o->lock);
	free(ids);
	return r;
}
