/* The live events of docs/API.md (called, recalled, queue, printer) in a
 * bounded in-memory ring. Each event has an increasing id, so that a page
 * that reconnects with Last-Event-ID gets what it missed, or learns that
 * the gap is too old and it must load the whole state again. Thread-safe. */
#ifndef BONOMAT_EVENTS_H
#define BONOMAT_EVENTS_H

#include <stddef.h>
#include <stdint.h>

struct events;

typedef void (*events_wake_fn)(void *userdata);
/* text is what the formatter made of the event when it was published
 * (NULL without a formatter, or when it failed): made once, shared by
 * every reader. */
typedef int (*events_each_fn)(void *userdata, int64_t id, const char *type,
			      const char *data, const char *text);
/* Renders an event once, as it is published, for the readers that send it
 * (the streams' server-sent event); returns malloc'd text or NULL. Called
 * with the ring locked: it must not call back into the ring. */
typedef char *(*events_format_fn)(void *userdata, int64_t id,
				  const char *type, const char *data);

int events_new(size_t capacity, struct events **ret);
void events_free(struct events *e);
/* Called after every publish, outside the ring's lock (for streams). */
void events_set_wake(struct events *e, events_wake_fn fn, void *userdata);
/* Sets (NULL: clears) the formatter of the events published from now on. */
void events_set_format(struct events *e, events_format_fn fn, void *userdata);

/* What a new stream is told first, before any event: state that is not
 * news (the printers' current states). greet calls emit once per event. */
typedef int (*events_emit_fn)(void *emit_data, const char *type,
			      const char *data);
typedef void (*events_greet_fn)(void *userdata, events_emit_fn emit,
				void *emit_data);
void events_set_greeting(struct events *e, events_greet_fn fn, void *userdata);
/* Calls the greeting, if one is set. */
void events_greet(struct events *e, events_emit_fn emit, void *emit_data);

/* Appends a copy of the event; returns its id (> 0) or a negative errno. */
int64_t events_publish(struct events *e, const char *type, const char *data);
/* Calls fn for every event after id `after`, oldest first, stopping at a
 * non-zero return. -ERANGE when events after `after` were already dropped
 * from the ring. */
int events_since(struct events *e, int64_t after, events_each_fn fn,
		 void *userdata);
int64_t events_last_id(struct events *e);

#endif
