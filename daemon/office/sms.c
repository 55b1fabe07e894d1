/* The worker and its queue. Messages wait in an array of [sms] queue_size
 * slots; the worker sends the one due first (a retry is due after its
 * backoff), keeping its slot while it is sent, so that the bound holds
 * messages being sent too. */
#include "sms.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct msg {
	int64_t ticket;
	enum sms_kind kind;
	char to[PHONE_LEN + 1];
	char text[SMS_TEXT_MAX + 1];
	int attempts;   /* made so far */
	int64_t due_ms; /* monotonic */
	uint64_t seq;   /* submission order, among those due alike */
	bool busy;      /* being sent by the worker */
};

struct sms {
	struct cfg_sms set; /* a copy: its strings are the worker's own */
	const struct sms_driver *driver;
	struct sms_callbacks cb;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;
	atomic_bool stopping; /* stop, for a driver in the middle of a send */
	struct msg *q; /* queue_size slots, n used */
	size_t n, cap;
	uint64_t seq;
	struct sms_counts counts;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The first message due, not being sent; NULL when none waits. */
static struct msg *next_due(struct sms *s)
{
	struct msg *best = NULL;

	for (size_t i = 0; i < s->n; i++) {
		struct msg *m = &s->q[i];
		if (m->busy)
			continue;
		if (!best || m->due_ms < best->due_ms ||
		    (m->due_ms == best->due_ms && m->seq < best->seq))
			best = m;
	}
	return best;
}

static void drop(struct sms *s, struct msg *m)
{
	*m = s->q[--s->n];
}

static void wait_until(struct sms *s, int64_t due_ms)
{
	struct timespec ts = {
		.tv_sec = (time_t)(due_ms / 1000),
		.tv_nsec = (long)(due_ms % 1000) * 1000000,
	};

	pthread_cond_timedwait(&s->wake, &s->lock, &ts);
}

static void *worker(void *arg)
{
	struct sms *s = arg;

	pthread_mutex_lock(&s->lock);
	while (!s->stop) {
		struct msg *m = next_due(s), out;
		char why[SMS_WHY_MAX] = "";
		int r;

		if (!m) {
			pthread_cond_wait(&s->wake, &s->lock);
			continue;
		}
		if (m->due_ms > now_ms()) {
			wait_until(s, m->due_ms);
			continue;
		}
		m->busy = true;
		out = *m;
		pthread_mutex_unlock(&s->lock);

		r = s->driver->send(&s->set, out.to, out.text, &s->stopping,
				    why);
		if (r < 0 && !why[0])
			snprintf(why, sizeof(why), "%s", strerror(-r));

		pthread_mutex_lock(&s->lock);
		if (r == -ECANCELED)
			break; /* stopping: it stays queued, unsent */
		/* Slots move when others leave: find it again. */
		for (m = s->q; m < s->q + s->n && !(m->busy); m++)
			;
		if (r < 0 && out.attempts < s->set.retries) {
			int64_t backoff = (int64_t)s->set.backoff * 1000;
			backoff <<= out.attempts < 16 ? out.attempts : 16;
			m->attempts++;
			m->busy = false;
			m->due_ms = now_ms() + backoff;
			s->counts.retried++;
			continue;
		}
		drop(s, m);
		if (r == 0)
			s->counts.sent++;
		else
			s->counts.failed++;
		pthread_mutex_unlock(&s->lock);
		if (s->cb.done)
			s->cb.done(s->cb.userdata, out.ticket, out.kind, r == 0,
				   r == 0 ? s->driver->name : why);
		pthread_mutex_lock(&s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

static void settings_free(struct cfg_sms *set)
{
	free(set->gammu_config);
	free(set->gammu_inject);
	free(set->url);
	free(set->user);
	free(set->password);
	free(set->body);
	free(set->content_type);
}

/* ret: a copy of src with copies of its strings. */
static int settings_copy(const struct cfg_sms *src, struct cfg_sms *ret)
{
	char **const fields[] = {&ret->gammu_config, &ret->gammu_inject,
				 &ret->url, &ret->user, &ret->password,
				 &ret->body, &ret->content_type};
	int r = 0;

	*ret = *src;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		/* Still src's string: replaced by a copy, or NULL. */
		char *v = *fields[i];

		*fields[i] = v && r == 0 ? strdup(v) : NULL;
		if (v && !*fields[i])
			r = -ENOMEM;
	}
	if (r < 0)
		settings_free(ret);
	return r;
}

int sms_start(const struct config *cfg, const struct sms_driver *driver,
	      const struct sms_callbacks *cb, struct sms **ret)
{
	pthread_condattr_t attr;
	struct sms *s;
	int r;

	if (!driver)
		driver = cfg->sms.driver == CFG_SMS_GAMMU  ? &sms_driver_gammu
			 : cfg->sms.driver == CFG_SMS_HTTP ? &sms_driver_http
							   : NULL;
	if (!driver)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->driver = driver;
	if (cb)
		s->cb = *cb;
	s->cap = (size_t)cfg->sms.queue_size;
	s->q = calloc(s->cap, sizeof(*s->q));
	if (!s->q || settings_copy(&cfg->sms, &s->set) < 0) {
		free(s->q);
		free(s);
		return -ENOMEM;
	}
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&s->wake, &attr);
	pthread_condattr_destroy(&attr);
	r = pthread_create(&s->thread, NULL, worker, s);
	if (r != 0) {
		pthread_cond_destroy(&s->wake);
		pthread_mutex_destroy(&s->lock);
		settings_free(&s->set);
		free(s->q);
		free(s);
		return -r;
	}
	*ret = s;
	return 0;
}

void sms_stop(struct sms *s, size_t *ret_unsent)
{
	if (!s)
		return;
	atomic_store(&s->stopping, true);
	pthread_mutex_lock(&s->lock);
	s->stop = true;
	pthread_cond_broadcast(&s->wake);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	if (ret_unsent)
		*ret_unsent = s->n;
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->lock);
	settings_free(&s->set);
	free(s->q);
	free(s);
}

int sms_submit(struct sms *s, int64_t ticket, enum sms_kind kind,
	       const char *to, const char *text)
{
	struct msg *m;
	int r = 0;

	if (!to || !text || strlen(to) > PHONE_LEN ||
	    strlen(text) > SMS_TEXT_MAX)
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	if (s->stop || s->n == s->cap) {
		s->counts.dropped++;
		r = -EAGAIN;
		goto out;
	}
	m = &s->q[s->n++];
	memset(m, 0, sizeof(*m));
	m->ticket = ticket;
	m->kind = kind;
	snprintf(m->to, sizeof(m->to), "%s", to);
	snprintf(m->text, sizeof(m->text), "%s", text);
	m->due_ms = now_ms();
	m->seq = s->seq++;
	pthread_cond_signal(&s->wake);
out:
	pthread_mutex_unlock(&s->lock);
	return r;
}

void sms_counts(struct sms *s, struct sms_counts *ret)
{
	pthread_mutex_lock(&s->lock);
	*ret = s->counts;
	ret->queued = s->n;
	pthread_mutex_unlock(&s->lock);
}

const char *sms_name(const struct sms *s)
{
	return s->driver->name;
}

/* Appends v escaped for the body's content type; false when full. */
static bool put_value(char *buf, size_t size, size_t *n, const char *v,
		      bool json, bool form)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *v; v++) {
		unsigned char c = (unsigned char)*v;
		char e[8];
		size_t k = 0;

		if (json && (c == '"' || c == '\\')) {
			e[k++] = '\\';
			e[k++] = (char)c;
		} else if (json && c < 0x20) {
			k = (size_t)snprintf(e, sizeof(e), "\\u%04x", c);
		} else if (form && !((c >= 'A' && c <= 'Z') ||
				     (c >= 'a' && c <= 'z') ||
				     (c >= '0' && c <= '9') || strchr("-._~", c))) {
			e[k++] = '%';
			e[k++] = hex[c >> 4];
			e[k++] = hex[c & 15];
		} else {
			e[k++] = (char)c;
		}
		if (*n + k >= size)
			return false;
		memcpy(buf + *n, e, k);
		*n += k;
	}
	return true;
}

int sms_fill_body(const char *tmpl, const char *content_type, const char *to,
		  const char *text, char *buf, size_t size)
{
	bool json = strstr(content_type, "json") != NULL;
	bool form = strstr(content_type, "x-www-form-urlencoded") != NULL;
	char e164[PHONE_E164_LEN + 1];
	size_t n = 0;

	if (size == 0)
		return -E2BIG;
	phone_e164(to, e164);
	for (const char *p = tmpl; *p;) {
		const char *v = NULL;

		if (!strncmp(p, "{to}", 4)) {
			v = to;
			p += 4;
		} else if (!strncmp(p, "{to_e164}", 9)) {
			v = e164;
			p += 9;
		} else if (!strncmp(p, "{text}", 6)) {
			v = text;
			p += 6;
		}
		if (v) {
			if (!put_value(buf, size, &n, v, json, form))
				return -E2BIG;
			continue;
		}
		if (n + 1 >= size)
			return -E2BIG;
		buf[n++] = *p++;
	}
	buf[n] = '\0';
	return 0;
}
