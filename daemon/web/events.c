#include "events.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct event {
	int64_t id;
	char *type;
	char *data;
	char *text; /* the formatter's, or NULL */
};

struct events {
	pthread_mutex_t lock;
	struct event *ring;
	size_t cap;
	int64_t last; /* id of the newest event; ids start at 1 */
	events_wake_fn wake;
	void *wake_data;
	events_format_fn format;
	void *format_data;
	events_greet_fn greet; /* set once at start, before any stream */
	void *greet_data;
};

int events_new(size_t capacity, struct events **ret)
{
	struct events *e;

	if (capacity == 0)
		return -EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->ring = calloc(capacity, sizeof(*e->ring));
	if (!e->ring) {
		free(e);
		return -ENOMEM;
	}
	e->cap = capacity;
	pthread_mutex_init(&e->lock, NULL);
	*ret = e;
	return 0;
}

void events_free(struct events *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->cap; i++) {
		free(e->ring[i].type);
		free(e->ring[i].data);
		free(e->ring[i].text);
	}
	free(e->ring);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

void events_set_greeting(struct events *e, events_greet_fn fn, void *userdata)
{
	e->greet = fn;
	e->greet_data = userdata;
}

void events_greet(struct events *e, events_emit_fn emit, void *emit_data)
{
	if (e->greet)
		e->greet(e->greet_data, emit, emit_data);
}

void events_set_wake(struct events *e, events_wake_fn fn, void *userdata)
{
	pthread_mutex_lock(&e->lock);
	e->wake = fn;
	e->wake_data = userdata;
	pthread_mutex_unlock(&e->lock);
}

void events_set_format(struct events *e, events_format_fn fn, void *userdata)
{
	pthread_mutex_lock(&e->lock);
	e->format = fn;
	e->format_data = userdata;
	pthread_mutex_unlock(&e->lock);
}

int64_t events_publish(struct events *e, const char *type, const char *data)
{
	char *t = strdup(type), *d = strdup(data);
	events_wake_fn wake;
	void *wake_data;
	int64_t id;

	if (!t || !d) {
		free(t);
		free(d);
		return -ENOMEM;
	}
	pthread_mutex_lock(&e->lock);
	id = ++e->last;
	struct event *slot = &e->ring[(size_t)(id % (int64_t)e->cap)];
	free(slot->type);
	free(slot->data);
	free(slot->text);
	*slot = (struct event){
		.id = id,
		.type = t,
		.data = d,
		.text = e->format ? e->format(e->format_data, id, t, d) : NULL,
	};
	wake = e->wake;
	wake_data = e->wake_data;
	pthread_mutex_unlock(&e->lock);
	if (wake)
		wake(wake_data);
	return id;
}

int events_since(struct events *e, int64_t after, events_each_fn fn,
		 void *userdata)
{
	int r = 0;

	pthread_mutex_lock(&e->lock);
	if (after < 0 || after > e->last) {
		r = -ERANGE;
		goto out;
	}
	if (e->last - after > (int64_t)e->cap) {
		r = -ERANGE;
		goto out;
	}
	for (int64_t id = after + 1; id <= e->last; id++) {
		const struct event *ev = &e->ring[(size_t)(id % (int64_t)e->cap)];
		r = fn(userdata, ev->id, ev->type, ev->data, ev->text);
		if (r != 0)
			break;
	}
out:
	pthread_mutex_unlock(&e->lock);
	return r;
}

int64_t events_last_id(struct events *e)
{
	int64_t id;

	pthread_mutex_lock(&e->lock);
	id = e->last;
	pthread_mutex_unlock(&e->lock);
	return id;
}
