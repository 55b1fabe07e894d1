/* Issuing tickets: numbering and writing a new ticket, and the group
 * commit that lets the requests arriving together share one fsync. */
#include "office_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "hours.h"
#include "log.h"
#include "queue.h"

/*
 * Numbers and inserts a new waiting ticket (service, kind, issue time,
 * kiosk and slot set by the caller) inside the caller's transaction, with
 * its events. A printer last seen out of paper, open or gone still gets
 * the job: its worker asks it again first, so that a printer that just
 * came back prints the very next ticket (printers_submit()).
 */
int office_write_ticket(struct office *o, struct ticket *t, const char *prefix,
			int printer, struct printer_status *ps)
{
	int seq, r;

	t->state = TICKET_WAITING;
	t->counter = -1;
	t->printed = PRINT_NONE;
	memcpy(t->day, o->day, sizeof(t->day));
	if (office_prints(o, printer)) {
		printers_status(o->printers, printer, ps);
		t->printed = PRINT_PENDING;
	}
	r = ticket_token_new(t->token);
	if (r == 0)
		r = store_next_seq(o->st, t->day, prefix, &seq);
	if (r == 0 && (size_t)snprintf(t->number, sizeof(t->number), "%s%03d",
				       prefix, seq) >= sizeof(t->number))
		r = -EOVERFLOW;
	if (r == 0)
		r = store_ticket_insert(o->st, t);
	if (r == 0)
		r = office_log_event(o, EVENT_ISSUED, t, -1, t->issued_at,
				     NULL);
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
	bool admitted;
	bool done;
};

/* Whether q's ticket is issued, by the queue as it stands (the requests
 * before it in the batch not counted, as when they come at once): the
 * refusal in q->err if not, the wait to tell with the ticket if so. */
static void admit(struct office *o, struct issue_req *q)
{
	struct hours_status h;
	const struct office_admission *a;

	hours_status(o->cfg, q->now, &h);
	a = office_admission_cached(o, q->service, q->priority, &h);
	if (a->reason != OFFICE_ADMIT) {
		q->r = office_refuse_admission(o, q->service, &h, a, &q->err);
		return;
	}
	q->admitted = true;
	q->t.estimate_min = a->wait_min;
}

/* Admits the batch's requests and writes the tickets of those admitted
 * in one transaction, so that requests that arrived while the previous
 * commit was syncing share one fsync. Each is answered only after that
 * commit. Called with the office lock held. */
static void issue_batch(struct office *o, struct issue_req *batch)
{
	const struct config *c = o->cfg;
	struct office_error err;
	struct issue_req *q;
	size_t admitted = 0;
	bool began = false;
	int r;

	if (!batch)
		return;
	r = office_roll_day(o, batch->now, &err);
	for (q = batch; r == 0 && q; q = q->next) {
		admit(o, q);
		admitted += q->admitted;
	}
	if (r == 0 && admitted == 0)
		return;
	if (r == 0) {
		r = store_begin(o->st);
		began = true;
	}
	for (q = batch; r == 0 && q; q = q->next) {
		struct ticket *t = &q->t;

		if (!q->admitted)
			continue;

		t->service = q->service;
		t->kind = q->priority ? TICKET_PRIORITY : TICKET_WALK_IN;
		t->issued_at = q->now;
		/* A request that read the clock before the day began and is
		 * written after is of the day begun (office_roll_day never
		 * goes back): issued then, not on the day before, so that its
		 * number and its time agree and it is not expired at once. */
		if (t->issued_at < o->day_began)
			t->issued_at = o->day_began;
		t->kiosk = q->kiosk;
		q->printer = office_printer_of(o, q->kiosk);
		r = office_write_ticket(o, t, c->services[q->service].prefix,
					q->printer, &q->ps);
	}
	if (r == 0)
		r = store_commit(o->st);
	office_disk_state(o);
	if (r == 0) {
		size_t b = 0;

		o->batches++;
		o->batched += admitted;
		while (b + 1 < OFFICE_COMMIT_BUCKETS && admitted > (size_t)1 << b)
			b++;
		o->batch_sizes[b]++;
	}
	if (r < 0) {
		if (began)
			r = office_store_failed(o, &err, r, "issuing tickets");
		for (q = batch; q; q = q->next) {
			if (q->r < 0 && !q->admitted)
				continue; /* refused already, and told why */
			q->r = r;
			q->err = err;
		}
		return;
	}
	for (q = batch; q; q = q->next) {
		if (!q->admitted)
			continue;
		q->r = queue_add(o->q, &q->t);
		if (q->r < 0) {
			/* Committed but not queued: rebuild from the
			 * database, which has it. */
			log_err("queueing ticket %s failed: %s; reloading",
				q->t.number, strerror(-q->r));
			q->r = office_load_day(o, q->now);
			if (q->r < 0)
				office_refuse(
					&q->err, OFFICE_INTERNAL, -q->r,
					"The queue could not be updated.");
		}
	}
	for (q = batch; q; q = q->next) {
		if (!q->admitted || q->r < 0)
			continue;
		office_derive(o, &q->t, q->now);
		/* The screen and the paper show the wait recorded. */
		if (q->t.estimate_min >= 0)
			q->t.est_wait_min = q->t.estimate_min;
		if (q->t.printed == PRINT_PENDING)
			office_send_to_printer(o, q->printer, &q->t, q->now);
	}
	office_notify_queue(o, batch->now);
}

/* Takes the queued requests of the first one's day. Those of another day
 * stay queued for the next batch: a batch never spans midnight, since it
 * rolls the day once, and a request after midnight numbered in
 * yesterday's day would be expired at once. Called with batch_lock held. */
static struct issue_req *take_batch(struct office *o)
{
	struct issue_req *head = NULL, *last = NULL;
	struct issue_req *rest = NULL, *rest_last = NULL;
	char day[TICKET_DAY_LEN + 1], d[TICKET_DAY_LEN + 1];

	hours_day(o->batch_head->now, day);
	for (struct issue_req *q = o->batch_head, *next; q; q = next) {
		next = q->next;
		q->next = NULL;
		hours_day(q->now, d);
		if (strcmp(d, day) == 0) {
			if (last)
				last->next = q;
			else
				head = q;
			last = q;
		} else {
			if (rest_last)
				rest_last->next = q;
			else
				rest = q;
			rest_last = q;
		}
	}
	o->batch_head = rest;
	o->batch_tail = rest_last;
	return head;
}

int office_issue(struct office *o, int service, int kiosk, bool priority,
		 int64_t now, struct ticket *ret, struct office_error *err)
{
	const struct config *c = o->cfg;
	struct issue_req req = {
		.service = service, .kiosk = kiosk, .priority = priority,
		.now = now,
	};

	if (service < 0 || (size_t)service >= c->n_services)
		return office_refuse(err, OFFICE_NOT_FOUND, ENOENT,
				     "There is no such service.");
	const struct cfg_service *svc = &c->services[service];
	if (svc->info)
		return office_refuse(
			err, OFFICE_UNPROCESSABLE, EINVAL,
			"\"%s\" is not served here with a ticket: %s",
			svc->name, svc->info);
	/* The batch admits the request, after the day is rolled, so that
	 * the requests that come while a commit is syncing wait for nothing
	 * but the next. The first request to find no batch being written
	 * leads: it takes every request queued so far and writes them; the
	 * others wait for their answer, or lead the next batch. */
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
		struct issue_req *batch = take_batch(o);
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
