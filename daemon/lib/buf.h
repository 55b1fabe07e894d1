/* Growing memory with a hard cap, in the manner of curl's dynbuf: every
 * buffer and array that grows with its input says up front how large it
 * may become, and growing past that is an error (-E2BIG), never a larger
 * allocation. Growth doubles, so appending n items costs O(n). */
#ifndef BONOMAT_BUF_H
#define BONOMAT_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "log.h" /* LOG_PRINTF */

/* Makes room for at least `need` elements of `size` bytes in the array
 * *array of *cap elements, never more than `max` elements: doubles from
 * `first` (or the current capacity), clamps to max. 0, -E2BIG when need
 * exceeds max, -ENOMEM; on failure *array and *cap are unchanged. */
int array_reserve(void *array, size_t *cap, size_t need, size_t size,
		  size_t first, size_t max);

/* Bytes, kept NUL-terminated for text (the NUL is not counted in len).
 * The first failure sticks: later additions do nothing and return it, and
 * buf_steal() hands nothing over, so that a writer of many pieces checks
 * once, at the end. */
struct buf {
	char *data; /* NULL until something is added */
	size_t len, cap, max;
	int error; /* 0, or the first failure (-E2BIG, -ENOMEM) */
};

/* max: the most bytes it may hold, the NUL excluded. */
void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);
/* Empties it, keeping the memory, and forgets a failure. */
void buf_reset(struct buf *b);
int buf_add(struct buf *b, const void *data, size_t n);
int buf_addf(struct buf *b, const char *fmt, ...) LOG_PRINTF(2, 3);
int buf_vaddf(struct buf *b, const char *fmt, va_list ap);
/* Hands the bytes over to the caller (free() them) and empties b; an empty
 * buffer yields an empty string, not NULL. NULL after a failure (the bytes
 * are freed) or on -ENOMEM. */
char *buf_steal(struct buf *b, size_t *ret_len);

#endif
