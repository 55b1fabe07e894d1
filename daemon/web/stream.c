#include "stream.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "log.h"

#define KEEPALIVE_S 15
/* A keepalive may go this much early, to share a wakeup with others. */
#define KEEPALIVE_SLACK_S 2
#define CHUNK_MAX 16384
/* What one client's pending bytes may reach: a full chunk and the event
 * that passed it; events are small, this is a bound, not a size. */
#define STREAM_BUF_MAX (1 << 20)

struct client {
	struct client *next;   /* in the parked list */
	struct streams *s;
	struct MHD_Connection *conn;
	int64_t last;          /* id of the last event sent */
	bool parked;
	bool reset;            /* a `state` event is owed first */
	time_t sent_at;        /* monotonic seconds of the last bytes sent */
	struct buf out;        /* formatted; sent from off on */
	size_t off;
};

struct streams {
	struct events *events;
	/* Event ids carry the daemon's start time, so that an id from before
	 * a restart is never taken for one of this run. */
	long long boot;
	pthread_mutex_t lock; /* the parked list and every client's parked */
	struct client *parked;
	bool stopping;
	bool published; /* an event waits to be sent to parked streams */
	pthread_t ticker;
	bool ticker_running;
	pthread_cond_t tick;
};

static time_t mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* Moves the parked clients (only those whose keepalive is due by `due`
 * with due_only) onto *taken; called with s->lock held. They stay
 * suspended, so MHD cannot free them, until resume() is called on the
 * list. Returns when the first of those left parked owes its keepalive
 * (0 when none is left). */
static time_t detach(struct streams *s, bool due_only, time_t due,
		     struct client **taken)
{
	struct client **pp = &s->parked, *c;
	time_t next = 0;

	while ((c = *pp)) {
		time_t owed = c->sent_at + KEEPALIVE_S;

		if (due_only && owed > due) {
			if (next == 0 || owed < next)
				next = owed;
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		c->parked = false;
		c->next = *taken;
		*taken = c;
	}
	return next;
}

/* Resumes without the lock: a resumed client may park again at once. */
static void resume(struct client *c)
{
	while (c) {
		struct client *next = c->next;
		c->next = NULL;
		MHD_resume_connection(c->conn);
		c = next;
	}
}

/* Publishing happens with the office locked: resuming hundreds of parked
 * streams is left to the ticker thread, which the publisher only wakes. */
static void on_publish(void *userdata)
{
	struct streams *s = userdata;

	pthread_mutex_lock(&s->lock);
	s->published = true;
	pthread_cond_signal(&s->tick);
	pthread_mutex_unlock(&s->lock);
}

/* Resumes the parked streams when something was published, and those
 * that owe a keepalive when the first of them does: one timer for all the
 * streams, and no wakeup at all in between. The streams whose keepalive
 * falls due within KEEPALIVE_SLACK_S of the first are sent theirs with
 * it, so that streams opened over a few seconds share their wakeups. */
static void *ticker(void *arg)
{
	struct streams *s = arg;
	struct timespec until = {0};

	pthread_mutex_lock(&s->lock);
	while (!s->stopping) {
		struct client *wake = NULL;
		time_t now, next;

		if (!s->published &&
		    pthread_cond_timedwait(&s->tick, &s->lock, &until) !=
			    ETIMEDOUT)
			continue; /* published, stopping, or spurious */
		if (s->stopping)
			break;
		now = mono_s();
		if (s->published) {
			s->published = false;
			next = detach(s, false, 0, &wake);
		} else {
			next = detach(s, true, now + KEEPALIVE_SLACK_S, &wake);
		}
		/* A stream parked later owes its keepalive later than
		 * those parked now; with none parked, the first stream to
		 * park is looked at after a whole interval at the latest. */
		until.tv_sec = next ? next : now + KEEPALIVE_S;
		until.tv_nsec = 0;
		if (wake) {
			pthread_mutex_unlock(&s->lock);
			resume(wake);
			pthread_mutex_lock(&s->lock);
		}
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

#define EVENT_FORMAT "id: %lld.%" PRId64 "\nevent: %s\ndata: %s\n\n"

/* The ring's formatter: every event is formatted once, as it is
 * published, and that text is copied to every stream. */
static char *format_shared(void *userdata, int64_t id, const char *type,
			   const char *data)
{
	struct streams *s = userdata;
	int n = snprintf(NULL, 0, EVENT_FORMAT, s->boot, id, type, data);
	char *text = n < 0 ? NULL : malloc((size_t)n + 1);

	if (text)
		snprintf(text, (size_t)n + 1, EVENT_FORMAT, s->boot, id, type,
			 data);
	return text;
}

int streams_new(struct events *events, struct streams **ret)
{
	struct streams *s = calloc(1, sizeof(*s));
	pthread_condattr_t attr;
	int r;

	if (!s)
		return -ENOMEM;
	s->events = events;
	s->boot = (long long)time(NULL);
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&s->tick, &attr);
	pthread_condattr_destroy(&attr);
	r = pthread_create(&s->ticker, NULL, ticker, s);
	if (r != 0) {
		streams_free(s);
		return -r;
	}
	s->ticker_running = true;
	events_set_format(events, format_shared, s);
	events_set_wake(events, on_publish, s);
	*ret = s;
	return 0;
}

void streams_shutdown(struct streams *s)
{
	if (!s)
		return;
	events_set_wake(s->events, NULL, NULL);
	events_set_format(s->events, NULL, NULL);
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_cond_signal(&s->tick);
	pthread_mutex_unlock(&s->lock);
	if (s->ticker_running) {
		pthread_join(s->ticker, NULL);
		s->ticker_running = false;
	}
	/* The ticker is gone: what is still parked is resumed here, once and
	 * for all (a resumed stream sees stopping and ends). */
	pthread_mutex_lock(&s->lock);
	struct client *rest = NULL;
	(void)detach(s, false, 0, &rest);
	pthread_mutex_unlock(&s->lock);
	resume(rest);
}

void streams_free(struct streams *s)
{
	if (!s)
		return;
	streams_shutdown(s);
	pthread_cond_destroy(&s->tick);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static int format_event(struct client *c, int64_t id, const char *type,
			const char *data)
{
	return buf_addf(&c->out, EVENT_FORMAT, c->s->boot, id, type, data);
}

static int collect(void *userdata, int64_t id, const char *type,
		   const char *data, const char *text)
{
	struct client *c = userdata;
	int r = text ? buf_add(&c->out, text, strlen(text))
		     : format_event(c, id, type, data);

	if (r < 0)
		return r;
	c->last = id;
	/* Leave the rest for the next call once the chunk is full. */
	return c->out.len >= CHUNK_MAX ? 1 : 0;
}

static int emit_greeting(void *userdata, const char *type, const char *data)
{
	struct client *c = userdata;

	return format_event(c, c->last, type, data);
}

/* Fills c->out with what the client is owed; nothing when up to date. */
static void fill(struct client *c)
{
	int r;

	buf_reset(&c->out);
	c->off = 0;
	if (c->reset) {
		c->reset = false;
		c->last = events_last_id(c->s->events);
		format_event(c, c->last, "state", "{}");
		events_greet(c->s->events, emit_greeting, c);
		return;
	}
	r = events_since(c->s->events, c->last, collect, c);
	if (r == -ERANGE)
		c->reset = true; /* fell behind the ring: start over */
	if (r == -ERANGE && c->out.len == 0)
		fill(c);
}

static ssize_t reader(void *cls, uint64_t pos, char *out, size_t max)
{
	struct client *c = cls;
	struct streams *s = c->s;
	size_t n;

	(void)pos;
	if (c->off == c->out.len)
		fill(c);
	if (c->off == c->out.len) {
		pthread_mutex_lock(&s->lock);
		if (s->stopping) {
			pthread_mutex_unlock(&s->lock);
			return MHD_CONTENT_READER_END_OF_STREAM;
		}
		if (mono_s() - c->sent_at >= KEEPALIVE_S - KEEPALIVE_SLACK_S) {
			pthread_mutex_unlock(&s->lock);
			buf_reset(&c->out);
			c->off = 0;
			(void)buf_add(&c->out, ": keepalive\n\n", 13);
		} else if (events_last_id(s->events) == c->last) {
			/* Parked under the lock that publishing takes to
			 * resume, so that no event slips between the check
			 * and the suspension. */
			c->parked = true;
			c->next = s->parked;
			s->parked = c;
			MHD_suspend_connection(c->conn);
			pthread_mutex_unlock(&s->lock);
			return 0;
		} else {
			pthread_mutex_unlock(&s->lock);
			fill(c);
			if (c->off == c->out.len)
				return 0;
		}
	}
	n = c->out.len - c->off;
	if (n > max)
		n = max;
	memcpy(out, c->out.data + c->off, n);
	c->off += n;
	c->sent_at = mono_s();
	return (ssize_t)n;
}

static void client_free(void *cls)
{
	struct client *c = cls;
	struct streams *s = c->s;

	pthread_mutex_lock(&s->lock);
	if (c->parked) {
		for (struct client **pp = &s->parked; *pp; pp = &(*pp)->next) {
			if (*pp == c) {
				*pp = c->next;
				break;
			}
		}
	}
	pthread_mutex_unlock(&s->lock);
	buf_free(&c->out);
	free(c);
}

bool streams_parse_last_id(long long boot, const char *h, int64_t *ret)
{
	long long b, seq;
	char tail;

	if (!h || sscanf(h, "%lld.%lld%c", &b, &seq, &tail) != 2)
		return false;
	if (b != boot || seq < 0)
		return false;
	*ret = (int64_t)seq;
	return true;
}

enum MHD_Result streams_serve(struct streams *s, struct MHD_Connection *conn,
			      const char *last_event_id)
{
	struct client *c = calloc(1, sizeof(*c));
	struct MHD_Response *rsp;
	enum MHD_Result ret;

	if (!c)
		return MHD_NO;
	c->s = s;
	c->conn = conn;
	buf_init(&c->out, STREAM_BUF_MAX);
	c->sent_at = mono_s();
	if (last_event_id) {
		if (!streams_parse_last_id(s->boot, last_event_id,
					   &c->last))
			c->reset = true;
	} else {
		c->last = events_last_id(s->events);
	}
	/* The first bytes open the stream in the browser at once, with the
	 * state that is not news (a printer out of paper since the
	 * morning); a stream that resumes has it already. */
	if (!c->reset) {
		(void)buf_add(&c->out, ": connected\n\n", 13);
		if (!last_event_id)
			events_greet(s->events, emit_greeting, c);
	}
	rsp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, reader,
						c, client_free);
	if (!rsp) {
		buf_free(&c->out);
		free(c);
		return MHD_NO;
	}
	MHD_add_response_header(rsp, MHD_HTTP_HEADER_CONTENT_TYPE,
				"text/event-stream; charset=utf-8");
	MHD_add_response_header(rsp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(rsp, "X-Accel-Buffering", "no");
	MHD_add_response_header(rsp, "X-Content-Type-Options", "nosniff");
	ret = MHD_queue_response(conn, MHD_HTTP_OK, rsp);
	MHD_destroy_response(rsp);
	return ret;
}
