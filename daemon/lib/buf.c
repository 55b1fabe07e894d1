#include "buf.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int array_reserve(void *array, size_t *cap, size_t need, size_t size,
		  size_t first, size_t max)
{
	void **a = array;
	size_t n = *cap ? *cap : (first ? first : 1);
	void *p;

	if (need <= *cap)
		return 0;
	if (need > max)
		return -E2BIG;
	while (n < need && n <= max / 2)
		n *= 2;
	if (n < need || n > max)
		n = max;
	if (size && n > SIZE_MAX / size)
		return -ENOMEM;
	p = realloc(*a, n * size);
	if (!p)
		return -ENOMEM;
	*a = p;
	*cap = n;
	return 0;
}

void buf_init(struct buf *b, size_t max)
{
	*b = (struct buf){.max = max};
}

void buf_free(struct buf *b)
{
	if (!b)
		return;
	free(b->data);
	buf_init(b, b->max);
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	b->error = 0;
	if (b->data)
		b->data[0] = '\0';
}

static int failed(struct buf *b, int r)
{
	if (b->data)
		b->data[b->len] = '\0';
	b->error = r;
	return r;
}

int buf_add(struct buf *b, const void *data, size_t n)
{
	int r;

	if (b->error)
		return b->error;
	if (n > b->max - b->len)
		return failed(b, -E2BIG);
	/* One more for the NUL, which the cap does not count. */
	r = array_reserve(&b->data, &b->cap, b->len + n + 1, 1, 256,
			  b->max + 1);
	if (r < 0)
		return failed(b, r);
	if (n > 0)
		memcpy(b->data + b->len, data, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list again;
	int n, r = 0;

	if (b->error)
		return b->error;
	va_copy(again, ap);
	n = vsnprintf(b->data ? b->data + b->len : NULL,
		      b->data ? b->cap - b->len : 0, fmt, ap);
	if (n < 0) {
		r = -EINVAL;
	} else if ((size_t)n > b->max - b->len) {
		r = -E2BIG;
	} else if (b->data && (size_t)n < b->cap - b->len) {
		b->len += (size_t)n;
	} else {
		r = array_reserve(&b->data, &b->cap, b->len + (size_t)n + 1, 1,
				  256, b->max + 1);
		if (r == 0) {
			vsnprintf(b->data + b->len, b->cap - b->len, fmt,
				  again);
			b->len += (size_t)n;
		}
	}
	va_end(again);
	/* A refused or failed write leaves the text as it was. */
	if (r < 0)
		return failed(b, r);
	return 0;
}

int buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = buf_vaddf(b, fmt, ap);
	va_end(ap);
	return r;
}

char *buf_steal(struct buf *b, size_t *ret_len)
{
	char *d = b->data;

	if (b->error) {
		buf_free(b);
		return NULL;
	}
	if (!d && !(d = strdup("")))
		return NULL;
	if (ret_len)
		*ret_len = b->len;
	buf_init(b, b->max);
	return d;
}
