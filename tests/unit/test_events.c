/* The ring of live events: ids, replay after an id, the gap, and the text
 * formatted once per event. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "events.h"

struct seen {
	int64_t ids[16];
	char types[16][16];
	char data[16][32];
	char text[16][64];
	bool has_text[16];
	size_t n;
	size_t stop_after; /* 0: never */
};

static int collect(void *userdata, int64_t id, const char *type,
		   const char *data, const char *text)
{
	struct seen *s = userdata;
	assert_true(s->n < 16);
	s->has_text[s->n] = text != NULL;
	snprintf(s->text[s->n], sizeof(s->text[0]), "%s", text ? text : "");
	s->ids[s->n] = id;
	snprintf(s->types[s->n], sizeof(s->types[0]), "%s", type);
	snprintf(s->data[s->n], sizeof(s->data[0]), "%s", data);
	s->n++;
	return s->stop_after && s->n == s->stop_after;
}

static int wakes;
static void wake(void *userdata)
{
	assert_ptr_equal(userdata, &wakes);
	wakes++;
}

static void replay_after_an_id(void **state)
{
	(void)state;
	struct events *e = NULL;
	struct seen s = {0};
	char data[32];

	assert_int_equal(events_new(4, &e), 0);
	events_set_wake(e, wake, &wakes);
	assert_int_equal(events_last_id(e), 0);
	for (int i = 1; i <= 3; i++) {
		snprintf(data, sizeof(data), "{\"n\":%d}", i);
		assert_int_equal(events_publish(e, i == 2 ? "printer" : "called",
						data),
				 i);
	}
	assert_int_equal(wakes, 3);
	assert_int_equal(events_since(e, 1, collect, &s), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.ids[0], 2);
	assert_string_equal(s.types[0], "printer");
	assert_string_equal(s.data[1], "{\"n\":3}");
	assert_false(s.has_text[0]); /* no formatter */
	/* Nothing after the newest. */
	s.n = 0;
	assert_int_equal(events_since(e, 3, collect, &s), 0);
	assert_int_equal(s.n, 0);
	/* An id from the future is not ours (the daemon restarted). */
	assert_int_equal(events_since(e, 9, collect, &s), -ERANGE);
	/* The callback can stop the walk. */
	s = (struct seen){.stop_after = 1};
	assert_int_equal(events_since(e, 0, collect, &s), 1);
	assert_int_equal(s.n, 1);
	events_free(e);
}

static void gap_too_old(void **state)
{
	(void)state;
	struct events *e = NULL;
	struct seen s = {0};

	assert_int_equal(events_new(4, &e), 0);
	for (int i = 1; i <= 10; i++)
		assert_int_equal(events_publish(e, "queue", "{}"), i);
	/* 7..10 are kept: after 6 is complete, after 5 misses 6. */
	assert_int_equal(events_since(e, 6, collect, &s), 0);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.ids[0], 7);
	assert_int_equal(s.ids[3], 10);
	s.n = 0;
	assert_int_equal(events_since(e, 5, collect, &s), -ERANGE);
	assert_int_equal(s.n, 0);
	events_free(e);
}

static int formats;
static char *format(void *userdata, int64_t id, const char *type,
		    const char *data)
{
	char *text = malloc(64);

	assert_ptr_equal(userdata, &formats);
	formats++;
	if (text)
		snprintf(text, 64, "%lld %s %s", (long long)id, type, data);
	return text;
}

/* An event is formatted once, when published, and every reader gets that
 * text; events from before the formatter have none. */
static void formatted_once_for_all_readers(void **state)
{
	(void)state;
	struct events *e = NULL;
	struct seen a = {0}, b = {0};

	formats = 0;
	assert_int_equal(events_new(4, &e), 0);
	assert_int_equal(events_publish(e, "queue", "{}"), 1);
	events_set_format(e, format, &formats);
	assert_int_equal(events_publish(e, "called", "{\"n\":2}"), 2);
	assert_int_equal(events_publish(e, "queue", "{\"n\":3}"), 3);
	assert_int_equal(formats, 2);
	assert_int_equal(events_since(e, 0, collect, &a), 0);
	assert_int_equal(events_since(e, 1, collect, &b), 0);
	assert_int_equal(formats, 2);
	assert_int_equal(a.n, 3);
	assert_false(a.has_text[0]);
	assert_true(a.has_text[1]);
	assert_string_equal(a.text[1], "2 called {\"n\":2}");
	assert_string_equal(a.text[2], "3 queue {\"n\":3}");
	assert_int_equal(b.n, 2);
	assert_string_equal(b.text[0], "2 called {\"n\":2}");
	/* Cleared: later events are not formatted. */
	events_set_format(e, NULL, NULL);
	assert_int_equal(events_publish(e, "queue", "{}"), 4);
	assert_int_equal(formats, 2);
	b = (struct seen){0};
	assert_int_equal(events_since(e, 3, collect, &b), 0);
	assert_int_equal(b.n, 1);
	assert_false(b.has_text[0]);
	events_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(replay_after_an_id),
		cmocka_unit_test(gap_too_old),
		cmocka_unit_test(formatted_once_for_all_readers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
