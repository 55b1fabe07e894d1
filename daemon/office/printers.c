#include "printers.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct job {
	struct job *next;
	int64_t ticket_id;
	uint8_t *bytes;
	size_t len;
};

struct worker {
	struct printers *pool;
	int index;
	const struct transport *tr;
	/* opt's strings are the worker's own copies: a reloaded config may
	 * free the one the pool was started with while the pool lives on. */
	struct transport_options opt;
	char *path, *queue, *host;
	pthread_t thread;
	bool started;

	/* Guarded by the pool's lock. */
	struct job *head, *tail;
	size_t queued;
	struct printer_status status;
	bool known; /* status has been read at least once */

	/* Owned by the worker thread. */
	void *conn;
	bool open;
	struct timespec last_poll;
};

struct printers {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stopping;
	struct printers_tuning tuning;
	struct printers_callbacks cb;
	struct worker *workers;
	size_t n;
};

static const struct printers_tuning default_tuning = {
	.poll_ms = 2000,
	.reopen_ms = 1000,
	.timeout_ms = 3000,
	.status_timeout_ms = 300,
	.queue_max = 32,
};

static void set_status(struct printer_status *st, enum printer_state state,
		       const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void set_status(struct printer_status *st, enum printer_state state,
		       const char *fmt, ...)
{
	va_list ap;

	st->state = state;
	va_start(ap, fmt);
	vsnprintf(st->detail, sizeof(st->detail), fmt, ap);
	va_end(ap);
}

/* Records the new status; reports it when the state or detail changed. */
static void publish(struct worker *w, const struct printer_status *st)
{
	struct printers *p = w->pool;
	bool changed;

	pthread_mutex_lock(&p->lock);
	changed = !w->known || w->status.state != st->state ||
		  strcmp(w->status.detail, st->detail) != 0;
	w->status = *st;
	w->known = true;
	pthread_mutex_unlock(&p->lock);
	if (changed && p->cb.state)
		p->cb.state(p->cb.userdata, w->index, st);
}

static void disconnect(struct worker *w)
{
	if (w->open)
		w->tr->close(w->conn);
	w->conn = NULL;
	w->open = false;
}

static int connect_printer(struct worker *w, struct printer_status *st)
{
	int r;

	if (w->open)
		return 0;
	r = w->tr->open(&w->opt, &w->conn);
	if (r < 0) {
		set_status(st, PRINTER_OFFLINE, "cannot be reached: %s",
			   strerror(-r));
		return r;
	}
	w->open = true;
	return 0;
}

/* Reads the printer's state, reconnecting once when the connection turns
 * out to be broken (a printer that was switched off and on again). */
static int check(struct worker *w, struct printer_status *st)
{
	int r;

	for (int attempt = 0; attempt < 2; attempt++) {
		r = connect_printer(w, st);
		if (r < 0)
			break;
		r = w->tr->status(w->conn, st);
		if (r == 0)
			break;
		disconnect(w);
		set_status(st, PRINTER_OFFLINE, "connection lost: %s",
			   strerror(-r));
	}
	clock_gettime(CLOCK_MONOTONIC, &w->last_poll);
	publish(w, st);
	return r;
}

static void report(struct worker *w, const struct job *j, bool ok,
		   const char *why)
{
	struct printers *p = w->pool;
	if (p->cb.printed)
		p->cb.printed(p->cb.userdata, j->ticket_id, ok, why);
}

static long ms_since(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - t->tv_sec) * 1000 +
	       (now.tv_nsec - t->tv_nsec) / 1000000;
}

/* A printer that never answers status queries costs their timeouts on
 * every check; asking again right before a ticket would only delay it. */
static bool recently_silent(struct worker *w)
{
	struct printers *p = w->pool;
	bool silent;

	pthread_mutex_lock(&p->lock);
	silent = w->known && w->status.state == PRINTER_UNKNOWN;
	pthread_mutex_unlock(&p->lock);
	return silent && w->open && ms_since(&w->last_poll) < p->tuning.poll_ms;
}

/* Whether the printer can take a ticket (a check that failed cannot);
 * when not, the job is reported failed with the printer's state. */
static bool can_print(struct worker *w, const struct job *j, int r,
		      const struct printer_status *st)
{
	char why[PRINTER_DETAIL_MAX + 32];

	if (r == 0 && !printer_state_blocks(st->state))
		return true;
	snprintf(why, sizeof(why), "printer %s: %s",
		 printer_state_name(st->state), st->detail);
	report(w, j, false, why);
	return false;
}

static void run_job(struct worker *w, struct job *j)
{
	struct printer_status st;
	char why[PRINTER_DETAIL_MAX + 32];
	bool answers;
	int r = 0;

	if (recently_silent(w))
		st.state = PRINTER_UNKNOWN;
	else
		r = check(w, &st);
	if (!can_print(w, j, r, &st))
		return;
	answers = st.state != PRINTER_UNKNOWN;
	r = w->tr->write(w->conn, j->bytes, j->len);
	if (r < 0) {
		/* Part of the ticket may be on paper: it is not sent again by
		 * itself, a clerk reprints it on request. */
		disconnect(w);
		set_status(&st, PRINTER_OFFLINE, "write failed: %s",
			   strerror(-r));
		publish(w, &st);
		snprintf(why, sizeof(why), "write failed: %s", strerror(-r));
		report(w, j, false, why);
		return;
	}
	/* A printer that answers is asked again: paper that ran out on this
	 * ticket means the citizen has no ticket in hand. */
	if (answers && !can_print(w, j, check(w, &st), &st))
		return;
	report(w, j, true, NULL);
}

static void free_job(struct job *j)
{
	free(j->bytes);
	free(j);
}

static void deadline(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct printers *p = w->pool;
	struct printer_status st;

	check(w, &st);
	pthread_mutex_lock(&p->lock);
	while (!p->stopping) {
		struct job *j = w->head;
		if (!j) {
			struct timespec until;
			bool gone = w->status.state == PRINTER_OFFLINE;
			deadline(&until, gone ? p->tuning.reopen_ms
					      : p->tuning.poll_ms);
			int r = pthread_cond_timedwait(&p->wake, &p->lock,
						       &until);
			if (p->stopping)
				break;
			if (r == ETIMEDOUT) {
				pthread_mutex_unlock(&p->lock);
				check(w, &st);
				pthread_mutex_lock(&p->lock);
			}
			continue;
		}
		w->head = j->next;
		if (!w->head)
			w->tail = NULL;
		w->queued--;
		pthread_mutex_unlock(&p->lock);
		run_job(w, j);
		free_job(j);
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	disconnect(w);
	return NULL;
}

/* A copy of s (NULL stays NULL); *r becomes -ENOMEM when it fails. */
static char *dup_or_null(const char *s, int *r)
{
	char *copy;

	if (!s)
		return NULL;
	copy = strdup(s);
	if (!copy)
		*r = -ENOMEM;
	return copy;
}

int printers_start(const struct config *cfg,
		   const struct printers_tuning *tuning,
		   const struct printers_callbacks *cb, struct printers **ret)
{
	struct printers *p = calloc(1, sizeof(*p));
	int r = 0;

	if (!p)
		return -ENOMEM;
	p->tuning = tuning ? *tuning : default_tuning;
	p->cb = *cb;
	p->n = cfg->n_printers;
	p->workers = calloc(p->n ? p->n : 1, sizeof(*p->workers));
	if (!p->workers) {
		free(p);
		return -ENOMEM;
	}
	pthread_mutex_init(&p->lock, NULL);
	{
		/* Deadlines are on the monotonic clock: a clock set back by
		 * NTP must not stall the polls. */
		pthread_condattr_t attr;
		pthread_condattr_init(&attr);
		pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
		pthread_cond_init(&p->wake, &attr);
		pthread_condattr_destroy(&attr);
	}
	for (size_t i = 0; i < p->n; i++) {
		struct worker *w = &p->workers[i];
		const struct cfg_printer *c = &cfg->printers[i];
		w->pool = p;
		w->index = (int)i;
		w->tr = transport_for(c->driver);
		w->path = dup_or_null(c->path, &r);
		w->queue = dup_or_null(c->queue, &r);
		w->host = dup_or_null(c->host, &r);
		w->opt = (struct transport_options){
			.path = w->path,
			.queue = w->queue,
			.host = w->host,
			.usb_match = c->usb_match,
			.usb_vid = c->usb_vid,
			.usb_pid = c->usb_pid,
			.timeout_ms = p->tuning.timeout_ms,
			.status_timeout_ms = p->tuning.status_timeout_ms,
		};
		set_status(&w->status, PRINTER_UNKNOWN, "%s", "not yet checked");
		if (r < 0 || !w->tr) {
			printers_stop(p);
			return r < 0 ? r : -EINVAL;
		}
	}
	for (size_t i = 0; i < p->n; i++) {
		struct worker *w = &p->workers[i];
		r = pthread_create(&w->thread, NULL, worker_main, w);
		if (r != 0) {
			printers_stop(p);
			return -r;
		}
		w->started = true;
	}
	*ret = p;
	return 0;
}

void printers_stop(struct printers *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);
	for (size_t i = 0; i < p->n; i++) {
		struct worker *w = &p->workers[i];
		if (w->started)
			pthread_join(w->thread, NULL);
		while (w->head) {
			struct job *j = w->head;
			w->head = j->next;
			report(w, j, false, "the daemon stopped");
			free_job(j);
		}
		free(w->path);
		free(w->queue);
		free(w->host);
	}
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free(p->workers);
	free(p);
}

int printers_submit(struct printers *p, int printer, int64_t ticket_id,
		    uint8_t *bytes, size_t len, struct printer_status *status)
{
	struct worker *w;
	struct job *j;

	if (printer < 0 || (size_t)printer >= p->n) {
		free(bytes);
		return -EINVAL;
	}
	w = &p->workers[printer];
	j = calloc(1, sizeof(*j));
	if (!j) {
		free(bytes);
		return -ENOMEM;
	}
	*j = (struct job){.ticket_id = ticket_id, .bytes = bytes, .len = len};
	pthread_mutex_lock(&p->lock);
	if (status)
		*status = w->status;
	/* A blocking last state does not refuse the ticket: the worker asks
	 * the printer again before it (within the status timeout), so that a
	 * printer whose cover was just closed prints the very next ticket. */
	if (w->queued >= p->tuning.queue_max || p->stopping) {
		if (status && w->queued >= p->tuning.queue_max)
			set_status(status, w->status.state, "%s",
				   "too many tickets waiting to print");
		pthread_mutex_unlock(&p->lock);
		free_job(j);
		return -EAGAIN;
	}
	if (w->tail)
		w->tail->next = j;
	else
		w->head = j;
	w->tail = j;
	w->queued++;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

int printers_status(struct printers *p, int printer,
		    struct printer_status *ret)
{
	if (printer < 0 || (size_t)printer >= p->n)
		return -EINVAL;
	pthread_mutex_lock(&p->lock);
	*ret = p->workers[printer].status;
	pthread_mutex_unlock(&p->lock);
	return 0;
}
