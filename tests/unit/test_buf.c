/* daemon/lib/buf: growth, the hard cap, formatting and hand-over. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

static void reserve_doubles_and_caps(void **state)
{
	int *v = NULL;
	size_t cap = 0;

	(void)state;
	assert_int_equal(array_reserve(&v, &cap, 1, sizeof(*v), 4, 100), 0);
	assert_int_equal(cap, 4);
	assert_int_equal(array_reserve(&v, &cap, 4, sizeof(*v), 4, 100), 0);
	assert_int_equal(cap, 4); /* enough already */
	assert_int_equal(array_reserve(&v, &cap, 5, sizeof(*v), 4, 100), 0);
	assert_int_equal(cap, 8);
	assert_int_equal(array_reserve(&v, &cap, 70, sizeof(*v), 4, 100), 0);
	assert_int_equal(cap, 100); /* 128 clamped to the cap */
	for (int i = 0; i < 100; i++)
		v[i] = i;
	int *before = v;
	assert_int_equal(array_reserve(&v, &cap, 101, sizeof(*v), 4, 100),
			 -E2BIG);
	assert_ptr_equal(v, before);
	assert_int_equal(cap, 100);
	assert_int_equal(v[99], 99);
	free(v);
	v = NULL;
	cap = 0;
	/* Overflow of the byte count is refused, not wrapped. */
	assert_int_equal(array_reserve(&v, &cap, 3, SIZE_MAX / 2, 1, 4),
			 -ENOMEM);
	assert_null(v);
}

static void add_and_cap(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 10);
	assert_int_equal(buf_add(&b, "hello", 5), 0);
	assert_int_equal(buf_add(&b, "world", 5), 0);
	assert_int_equal(b.len, 10);
	assert_string_equal(b.data, "helloworld");
	assert_int_equal(buf_add(&b, "!", 1), -E2BIG);
	assert_string_equal(b.data, "helloworld");
	/* The failure sticks until the buffer is reset. */
	assert_int_equal(buf_add(&b, "", 0), -E2BIG);
	assert_int_equal(buf_addf(&b, "%s", ""), -E2BIG);
	assert_int_equal(b.error, -E2BIG);
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.error, 0);
	assert_string_equal(b.data, "");
	assert_int_equal(buf_add(&b, "x", 1), 0);
	buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.max, 10);
}

static void addf_grows_and_refuses(void **state)
{
	struct buf b;
	char big[600];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_init(&b, 1000);
	assert_int_equal(buf_addf(&b, "%d-%s", 42, "ș"), 0);
	assert_string_equal(b.data, "42-ș");
	/* Past the first allocation: written again after growing. */
	assert_int_equal(buf_addf(&b, "%s", big), 0);
	assert_int_equal(b.len, 5 + 599);
	assert_int_equal(b.data[b.len], '\0');
	assert_memory_equal(b.data + 5, big, 599);
	/* Over the cap: refused, the text unchanged. */
	assert_int_equal(buf_addf(&b, "%s", big), -E2BIG);
	assert_int_equal(b.len, 604);
	assert_int_equal(b.data[604], '\0');
	assert_memory_equal(b.data, "42-ș", 5);
	buf_free(&b);
}

static void steal(void **state)
{
	struct buf b;
	size_t n = 99;
	char *s;

	(void)state;
	buf_init(&b, 100);
	s = buf_steal(&b, &n);
	assert_non_null(s);
	assert_string_equal(s, "");
	assert_int_equal(n, 0);
	free(s);
	assert_int_equal(buf_add(&b, "abc", 3), 0);
	s = buf_steal(&b, &n);
	assert_string_equal(s, "abc");
	assert_int_equal(n, 3);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	free(s);
	/* After a failure nothing is handed over: no half a body. */
	assert_int_equal(buf_add(&b, "abc", 3), 0);
	assert_int_equal(buf_addf(&b, "%0200d", 1), -E2BIG);
	assert_null(buf_steal(&b, &n));
	assert_null(b.data);
	assert_int_equal(b.error, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reserve_doubles_and_caps),
		cmocka_unit_test(add_and_cap),
		cmocka_unit_test(addf_grows_and_refuses),
		cmocka_unit_test(steal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
