/* The citizen's text messages, the office's side (issue #12): the day's
 * tickets with a mobile number, given at the kiosk or sent with the
 * booking; which message each is owed; and their outcomes in the event
 * log. Deciding happens under the office lock after each change of the
 * queue, sending in the SMS worker (sms.c), which never takes this lock
 * while it talks to a gateway. Numbers appear masked in the event log
 * and the logs; the database keeps them until the day's end (day.c). */
#include "office_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "phone.h"
#include "sms.h"
#include "sms_text.h"

struct office_phone {
	int64_t ticket;
	char phone[PHONE_LEN + 1];
	bool near_done;   /* the "turn near" message is queued or sent */
	bool called_done; /* the "called" message likewise */
	bool seen;        /* read again by office_phones_load() */
};

void office_set_sms(struct office *o, struct sms *s)
{
	pthread_mutex_lock(&o->lock);
	o->sms = s;
	pthread_mutex_unlock(&o->lock);
}

bool office_sms_enabled(const struct office *o)
{
	return o->cfg->sms.driver != CFG_SMS_NONE;
}

static struct office_phone *find_phone(struct office *o, int64_t ticket)
{
	for (size_t i = 0; i < o->n_phones; i++)
		if (o->phones[i].ticket == ticket)
			return &o->phones[i];
	return NULL;
}

/* Remembers ticket's number, replacing an earlier one (whose messages
 * are owed again, as store_phone_put() says). */
static int remember(struct office *o, int64_t ticket, const char *phone,
		    bool near_done, bool called_done)
{
	struct office_phone *p = find_phone(o, ticket);
	size_t len = strlen(phone);

	/* Numbers come normalized (07xxxxxxxx); anything longer is not one. */
	if (len >= sizeof(p->phone))
		return -EINVAL;
	if (!p) {
		if (o->n_phones == o->cap_phones) {
			size_t cap = o->cap_phones ? 2 * o->cap_phones : 64;
			p = realloc(o->phones, cap * sizeof(*p));
			if (!p)
				return -ENOMEM;
			o->phones = p;
			o->cap_phones = cap;
		}
		p = &o->phones[o->n_phones++];
	}
	p->ticket = ticket;
	memcpy(p->phone, phone, len + 1);
	p->near_done = near_done;
	p->called_done = called_done;
	p->seen = true;
	return 0;
}

static int load_phone(const struct store_phone *sp, void *userdata)
{
	struct office *o = userdata;
	const struct ticket *t = queue_get(o->q, sp->ticket);
	const struct office_phone *p = find_phone(o, sp->ticket);
	/* A message queued before a reload read the queue again is not
	 * marked sent yet, and must not be queued twice. */
	bool near = sp->near_sent || (p && p->near_done);
	bool called = sp->called_sent || (p && p->called_done);

	/* Only tickets still in the queue are owed a message; one that was
	 * called before the restart is not told again. */
	if (!t)
		return 0;
	return remember(o, sp->ticket, sp->phone, near,
			called || t->state != TICKET_WAITING);
}

int office_phones_load(struct office *o)
{
	size_t n = 0;
	int r;

	for (size_t i = 0; i < o->n_phones; i++)
		o->phones[i].seen = false;
	r = store_phones_day(o->st, o->day, load_phone, o);
	/* Numbers of another day, or of tickets gone from the queue. */
	for (size_t i = 0; i < o->n_phones; i++)
		if (o->phones[i].seen)
			o->phones[n++] = o->phones[i];
	o->n_phones = n;
	return r;
}

void office_phones_free(struct office *o)
{
	free(o->phones);
	o->phones = NULL;
	o->n_phones = o->cap_phones = 0;
}

/* Within the caller's transaction: ticket t is to be texted on phone
 * (national form); source says who gave it, for the log. */
int office_phone_store(struct office *o, const struct ticket *t,
		       const char *phone, const char *source, int64_t now)
{
	char masked[PHONE_MASK_LEN + 1], detail[64];
	int r;

	phone_mask(phone, masked);
	snprintf(detail, sizeof(detail), "%s: %s", source, masked);
	r = store_phone_put(o->st, t->id, phone);
	if (r == 0)
		r = office_log_event(o, EVENT_SMS_REQUESTED, t, -1, now,
				     detail);
	return r;
}

/* After the commit of office_phone_store(). */
void office_phone_add(struct office *o, int64_t ticket, const char *phone)
{
	if (remember(o, ticket, phone, false, false) < 0)
		log_err("sms: out of memory; ticket id %lld will get no text "
			"message", (long long)ticket);
}

/* A message that never reached the worker is recorded as failed at once,
 * so that the log tells every message's end. */
static void record_dropped(struct office *o, const struct office_phone *p,
			   enum sms_kind kind, int64_t now)
{
	char detail[96];
	struct ticket t;
	int r;

	snprintf(detail, sizeof(detail),
		 "%s: the queue of text messages is full",
		 sms_kind_name(kind));
	r = store_begin(o->st);
	if (r == 0)
		r = store_ticket_get(o->st, p->ticket, &t);
	if (r == 0)
		r = office_log_event(o, EVENT_SMS_FAILED, &t, -1, now, detail);
	if (r == 0)
		r = store_commit(o->st);
	if (r < 0) {
		store_rollback(o->st);
		log_err("database: recording a dropped text message failed: "
			"%s",
			strerror(-r));
	}
}

static void submit(struct office *o, const struct office_phone *p,
		   enum sms_kind kind, const char *text, int64_t now)
{
	char masked[PHONE_MASK_LEN + 1];
	int r = sms_submit(o->sms, p->ticket, kind, p->phone, text);

	if (r == 0)
		return;
	phone_mask(p->phone, masked);
	log_warn("sms: the %s message of ticket id %lld to %s was dropped: "
		 "%s",
		 sms_kind_name(kind), (long long)p->ticket, masked,
		 r == -EAGAIN ? "the queue is full" : strerror(-r));
	record_dropped(o, p, kind, now);
}

void office_sms_check(struct office *o, int64_t now)
{
	const struct config *c = o->cfg;

	if (!o->sms)
		return;
	for (size_t i = 0; i < o->n_phones; i++) {
		struct office_phone *p = &o->phones[i];
		const struct ticket *q;
		char text[SMS_TEXT_MAX + 1];
		struct ticket t;

		if (p->near_done || p->called_done)
			continue;
		q = queue_get(o->q, p->ticket);
		if (!q || q->state != TICKET_WAITING)
			continue;
		t = *q;
		office_derive(o, &t, now);
		if (!((t.est_wait_min >= 0 &&
		       t.est_wait_min <= c->sms.notify_minutes) ||
		      (c->sms.notify_ahead > 0 &&
		       t.ahead <= c->sms.notify_ahead)))
			continue;
		p->near_done = true;
		sms_text_near(t.number, t.ahead, t.est_wait_min, text,
			      sizeof(text));
		submit(o, p, SMS_NEAR, text, now);
	}
}

void office_sms_called(struct office *o, const struct ticket *t, int64_t now)
{
	struct office_phone *p;
	char text[SMS_TEXT_MAX + 1];

	if (!o->sms || t->counter < 0 ||
	    (size_t)t->counter >= o->cfg->n_counters)
		return;
	p = find_phone(o, t->id);
	if (!p || p->called_done)
		return;
	p->called_done = p->near_done = true;
	sms_text_called(t->number, o->cfg->counters[t->counter].name, text,
			sizeof(text));
	submit(o, p, SMS_CALLED, text, now);
}

int office_phone(struct office *o, int64_t id, const char *phone,
		 int64_t now, struct ticket *ret,
		 char ret_masked[PHONE_MASK_LEN + 1], struct office_error *err)
{
	char national[PHONE_LEN + 1];
	struct ticket t;
	int r;

	pthread_mutex_lock(&o->lock);
	if (!office_sms_enabled(o)) {
		r = office_refuse(err, OFFICE_UNPROCESSABLE, ENOTSUP,
				  "This office sends no text messages.");
		goto out;
	}
	if (!phone || phone_parse(phone, strlen(phone), national) < 0) {
		r = office_refuse(err, OFFICE_UNPROCESSABLE, EINVAL,
				  "Not a Romanian mobile number "
				  "(07xx xxx xxx).");
		goto out;
	}
	r = office_read_ticket(o, id, now, &t, err);
	if (r < 0)
		goto out;
	if (strcmp(t.day, o->day) != 0 || t.state != TICKET_WAITING) {
		r = office_refuse(err, OFFICE_CONFLICT, EBUSY,
				  "Ticket %s is not waiting any more.",
				  t.number);
		goto out;
	}
	r = store_begin(o->st);
	if (r == 0)
		r = office_phone_store(o, &t, national, "kiosk", now);
	if (r == 0)
		r = store_commit(o->st);
	if (r < 0) {
		r = office_store_failed(o, err, r, "storing a phone number");
		goto out;
	}
	office_phone_add(o, t.id, national);
	office_sms_check(o, now);
	office_derive(o, &t, now);
	phone_mask(national, ret_masked);
	*ret = t;
out:
	pthread_mutex_unlock(&o->lock);
	return r;
}

int office_sms_done(struct office *o, int64_t ticket, enum sms_kind kind,
		    bool ok, const char *why, int64_t now)
{
	char detail[SMS_WHY_MAX + 32];
	struct ticket t;
	int r;

	snprintf(detail, sizeof(detail), "%s: %s", sms_kind_name(kind),
		 why ? why : "");
	pthread_mutex_lock(&o->lock);
	r = store_begin(o->st);
	if (r == 0)
		r = store_ticket_get(o->st, ticket, &t);
	if (r == 0)
		r = office_log_event(o, ok ? EVENT_SMS_SENT : EVENT_SMS_FAILED,
				     &t, -1, now, detail);
	/* The number may be gone with its day: the event still counts. */
	if (r == 0 && ok) {
		r = store_phone_mark(o->st, ticket, kind == SMS_NEAR,
				     kind == SMS_CALLED);
		if (r == -ENOENT)
			r = 0;
	}
	if (r == 0)
		r = store_commit(o->st);
	if (r < 0) {
		store_rollback(o->st);
		log_err("database: recording the text message of ticket id "
			"%lld failed: %s",
			(long long)ticket, strerror(-r));
	}
	pthread_mutex_unlock(&o->lock);
	return r;
}
