/* ESC/POS encoder: a small document model (text lines, line feeds, a QR
 * code, a cut) turned into the bytes of an Epson-compatible receipt
 * printer. It knows nothing of queues or tickets.
 *
 * A document is encoded as:
 *   ESC @        1B 40           initialize
 *   FS .         1C 2E           cancel Kanji mode (clones print Chinese
 *                                without it)
 *   ESC t n      1B 74 n         code page, n from the configuration
 * then for each item:
 *   text         [ESC a n] [ESC E 1] [GS ! n] line [ESC E 0] [GS ! 0] LF
 *                for each wrapped line: ESC a (1B 61 n, 0 left, 1 center,
 *                2 right) only when the alignment changes, bold and size
 *                (GS ! = 1D 21, (width-1) << 4 | (height-1)) set for the
 *                line and reset after it, so that every line leaves the
 *                printer in its default style; an empty line is a bare LF
 *   feed         LF repeated
 *   QR code      [ESC a n] GS ( k model 2 (fn 65), module size (fn 67),
 *                error level (fn 69), store the data (fn 80), print
 *                (fn 81), then LF
 *   cut          GS V 66 n (partial) or GS V 65 n (full): feed to the
 *                cutter plus n motion units, then cut
 *
 * Text is UTF-8, mapped character by character to the printer's code page
 * by codepage_map() (codepage.h): ș ț print as ş ţ, typographic quotes
 * and dashes fold to ASCII, and a character that cannot be shown, or a
 * byte of invalid UTF-8, prints as ESCPOS_SUBSTITUTE, an underscore:
 * never '?', never a raw byte that the printer could take for a command.
 *
 * Lines wrap at spaces to columns / width characters, one byte per
 * character after mapping; a word longer than a line starts a line of its
 * own and is cut at the line's end. '\n' in the text ends a line. The
 * spaces at a wrap are dropped, and so are the spaces at the end of a line
 * (they would shift a centered line); spaces at the start of the text or
 * after a '\n' are kept.
 *
 * Every function returns 0 or a negative errno. */
#ifndef BONOMAT_ESCPOS_H
#define BONOMAT_ESCPOS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codepage.h"

#define ESCPOS_SUBSTITUTE CODEPAGE_SUBSTITUTE

#define ESCPOS_COLUMNS_MIN 16
#define ESCPOS_COLUMNS_MAX 128
#define ESCPOS_SIZE_MAX 8    /* character width and height */
#define ESCPOS_TEXT_MAX 4096 /* bytes of UTF-8 in one text item */
#define ESCPOS_QR_MAX 2953   /* bytes in a version 40-L QR code */
#define ESCPOS_QR_MODULE_MAX 16
#define ESCPOS_FEED_MAX 255
#define ESCPOS_DOC_MAX 256	     /* items in a document */
#define ESCPOS_BUF_MAX (1024 * 1024) /* bytes of output */

enum escpos_type {
	ESCPOS_TEXT,
	ESCPOS_FEED,
	ESCPOS_QR,
	ESCPOS_CUT,
};

enum escpos_align {
	ESCPOS_LEFT,
	ESCPOS_CENTER,
	ESCPOS_RIGHT,
};

/* Error correction of a QR code: 7, 15, 25 and 30 % of the symbol. */
enum escpos_qr_level {
	ESCPOS_QR_L,
	ESCPOS_QR_M,
	ESCPOS_QR_Q,
	ESCPOS_QR_H,
};

/* One item of a document; the fields a type does not use are ignored. */
struct escpos_item {
	enum escpos_type type;
	const char *text;	    /* TEXT: UTF-8; QR: data, sent as is */
	enum escpos_align align;    /* TEXT, QR */
	bool bold;		    /* TEXT */
	unsigned width, height;	    /* TEXT: 1 to 8, 0 is taken as 1 */
	unsigned lines;		    /* FEED: 1 to 255 line feeds */
	unsigned module;	    /* QR: module size, 1 to 16 dots */
	enum escpos_qr_level level; /* QR */
	unsigned feed;		    /* CUT: 0 to 255 motion units */
	bool full;		    /* CUT: full instead of partial cut */
};

struct escpos_config {
	enum codepage codepage;
	unsigned codepage_number; /* the n of ESC t n, 0 to 255 */
	unsigned columns;	  /* characters per line at width 1 */
};

/* A growable byte buffer of at most ESCPOS_BUF_MAX bytes. */
struct escpos_buf {
	uint8_t *data;
	size_t len, cap;
};

void escpos_buf_init(struct escpos_buf *buf);
/* Releases the bytes and leaves buf empty and reusable. */
void escpos_buf_free(struct escpos_buf *buf);
int escpos_buf_append(struct escpos_buf *buf, const void *data, size_t n);

/* A document that owns copies of its items' strings. */
struct escpos_doc {
	struct escpos_item *items;
	char **strings;     /* strings[i] is items[i].text, owned */
	size_t count, cap, strings_cap;
};

void escpos_doc_init(struct escpos_doc *doc);
/* Releases the items and leaves doc empty and reusable; NULL is fine. */
void escpos_doc_free(struct escpos_doc *doc);
/* Checks item and appends a copy of it, with a copy of its text. */
int escpos_doc_add(struct escpos_doc *doc, const struct escpos_item *item);

/* -EINVAL for an item out of range (unknown type or alignment, size past
 * 8, no lines, an empty QR code, ...), -E2BIG for text past
 * ESCPOS_TEXT_MAX or QR data past ESCPOS_QR_MAX. */
int escpos_item_check(const struct escpos_item *item);
int escpos_config_check(const struct escpos_config *cfg);

/* Appends the bytes of a whole document to out: -EINVAL or -E2BIG as the
 * checks say, -E2BIG also when out would pass ESCPOS_BUF_MAX, -ENOMEM.
 * On failure out keeps the length it had. */
int escpos_encode(const struct escpos_config *cfg,
		  const struct escpos_item *items, size_t count,
		  struct escpos_buf *out);

/* Word wrapping of mapped text (one byte per character; '\n' ends a
 * line), as escpos_encode() does it:
 *
 *	struct escpos_wrap w;
 *	size_t off, len;
 *
 *	escpos_wrap_init(&w, text, n, columns);
 *	while (escpos_wrap_next(&w, &off, &len))
 *		print text[off .. off + len), at most columns bytes;
 *
 * Empty text is one empty line. */
struct escpos_wrap {
	const uint8_t *text;
	size_t len, width, pos;
	bool done;
};

void escpos_wrap_init(struct escpos_wrap *w, const uint8_t *text, size_t len,
		      size_t width);
bool escpos_wrap_next(struct escpos_wrap *w, size_t *ret_off, size_t *ret_len);

#endif
