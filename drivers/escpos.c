/* ESC/POS encoder; the byte layout is described in escpos.h. Command bytes
 * are from Epson's ESC/POS command reference. */
#include "escpos.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define ESC 0x1b
#define FS 0x1c
#define GS 0x1d
#define LF 0x0a

void escpos_buf_init(struct escpos_buf *buf)
{
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
}

void escpos_buf_free(struct escpos_buf *buf)
{
	if (!buf)
		return;
	free(buf->data);
	escpos_buf_init(buf);
}

int escpos_buf_append(struct escpos_buf *buf, const void *data, size_t n)
{
	int r;

	if (n > ESCPOS_BUF_MAX - buf->len)
		return -E2BIG;
	r = array_reserve(&buf->data, &buf->cap, buf->len + n, 1, 256,
			  ESCPOS_BUF_MAX);
	if (r < 0)
		return r;
	if (n > 0)
		memcpy(buf->data + buf->len, data, n);
	buf->len += n;
	return 0;
}

void escpos_doc_init(struct escpos_doc *doc)
{
	doc->items = NULL;
	doc->strings = NULL;
	doc->count = 0;
	doc->cap = 0;
	doc->strings_cap = 0;
}

void escpos_doc_free(struct escpos_doc *doc)
{
	if (!doc)
		return;
	for (size_t i = 0; i < doc->count; i++)
		free(doc->strings[i]);
	free(doc->items);
	free(doc->strings);
	escpos_doc_init(doc);
}

int escpos_doc_add(struct escpos_doc *doc, const struct escpos_item *item)
{
	char *copy = NULL;
	int r;

	r = escpos_item_check(item);
	if (r < 0)
		return r;
	if (doc->count == ESCPOS_DOC_MAX)
		return -E2BIG;
	r = array_reserve(&doc->items, &doc->cap, doc->count + 1,
			  sizeof(*doc->items), 16, ESCPOS_DOC_MAX);
	if (r == 0)
		r = array_reserve(&doc->strings, &doc->strings_cap,
				  doc->count + 1, sizeof(*doc->strings), 16,
				  ESCPOS_DOC_MAX);
	if (r < 0)
		return r;
	if (item->text) {
		size_t n = strlen(item->text);

		copy = malloc(n + 1);
		if (!copy)
			return -ENOMEM;
		memcpy(copy, item->text, n + 1);
	}
	doc->items[doc->count] = *item;
	doc->items[doc->count].text = copy;
	doc->strings[doc->count] = copy;
	doc->count++;
	return 0;
}

int escpos_item_check(const struct escpos_item *item)
{
	switch (item->type) {
	case ESCPOS_TEXT:
		if (!item->text || item->align > ESCPOS_RIGHT ||
		    item->width > ESCPOS_SIZE_MAX ||
		    item->height > ESCPOS_SIZE_MAX)
			return -EINVAL;
		if (strnlen(item->text, ESCPOS_TEXT_MAX + 1) > ESCPOS_TEXT_MAX)
			return -E2BIG;
		return 0;
	case ESCPOS_FEED:
		if (item->lines < 1 || item->lines > ESCPOS_FEED_MAX)
			return -EINVAL;
		return 0;
	case ESCPOS_QR:
		if (!item->text || !item->text[0] ||
		    item->align > ESCPOS_RIGHT || item->module < 1 ||
		    item->module > ESCPOS_QR_MODULE_MAX ||
		    item->level > ESCPOS_QR_H)
			return -EINVAL;
		if (strnlen(item->text, ESCPOS_QR_MAX + 1) > ESCPOS_QR_MAX)
			return -E2BIG;
		return 0;
	case ESCPOS_CUT:
		if (item->feed > 255)
			return -EINVAL;
		return 0;
	}
	return -EINVAL;
}

int escpos_config_check(const struct escpos_config *cfg)
{
	if (cfg->codepage != CODEPAGE_CP852 && cfg->codepage != CODEPAGE_CP1250)
		return -EINVAL;
	if (cfg->codepage_number > 255)
		return -EINVAL;
	if (cfg->columns < ESCPOS_COLUMNS_MIN ||
	    cfg->columns > ESCPOS_COLUMNS_MAX)
		return -EINVAL;
	return 0;
}

void escpos_wrap_init(struct escpos_wrap *w, const uint8_t *text, size_t len,
		      size_t width)
{
	w->text = text;
	w->len = len;
	w->width = width ? width : 1;
	w->pos = 0;
	w->done = false;
}

/* After a line that ended at a wrap: skips the spaces there, and a '\n'
 * right after them, which ends the same line. */
static void wrap_skip(struct escpos_wrap *w, size_t i)
{
	while (i < w->len && w->text[i] == ' ')
		i++;
	if (i < w->len && w->text[i] == '\n')
		i++;
	else if (i == w->len)
		w->done = true;
	w->pos = i;
}

bool escpos_wrap_next(struct escpos_wrap *w, size_t *ret_off, size_t *ret_len)
{
	const uint8_t *t = w->text;
	size_t start = w->pos, i = w->pos, end, fit = 0;

	if (w->done)
		return false;
	for (;;) {
		if (i == w->len || t[i] == '\n') {
			/* The rest of the paragraph fits. */
			end = i;
			if (i == w->len)
				w->done = true;
			w->pos = i + 1;
			break;
		}
		if (i - start == w->width) {
			if (t[i] == ' ') {
				end = i;
				wrap_skip(w, i);
			} else if (fit > 0) {
				end = fit;
				wrap_skip(w, fit);
			} else {
				/* One word fills the line: cut it. */
				end = i;
				w->pos = i;
			}
			break;
		}
		if (t[i] == ' ' && i > start && t[i - 1] != ' ')
			fit = i;
		i++;
	}
	while (end > start && t[end - 1] == ' ')
		end--;
	*ret_off = start;
	*ret_len = end - start;
	return true;
}

struct encoder {
	struct escpos_buf *out;
	const struct escpos_config *cfg;
	enum escpos_align align;
	int r;
};

static void emit(struct encoder *e, const void *data, size_t n)
{
	if (e->r == 0)
		e->r = escpos_buf_append(e->out, data, n);
}

static void emit3(struct encoder *e, uint8_t a, uint8_t b, uint8_t c)
{
	const uint8_t cmd[3] = {a, b, c};

	emit(e, cmd, sizeof(cmd));
}

static void emit_lf(struct encoder *e, unsigned n)
{
	static const uint8_t lf = LF;

	while (n-- > 0)
		emit(e, &lf, 1);
}

static void set_align(struct encoder *e, enum escpos_align align)
{
	if (e->align != align) {
		emit3(e, ESC, 'a', (uint8_t)align);
		e->align = align;
	}
}

static void encode_text(struct encoder *e, const struct escpos_item *item)
{
	unsigned width = item->width ? item->width : 1;
	unsigned height = item->height ? item->height : 1;
	uint8_t size = (uint8_t)((width - 1) << 4 | (height - 1));
	uint8_t mapped[ESCPOS_TEXT_MAX];
	struct escpos_wrap w;
	size_t n, off, len;
	int r;

	/* The output is never longer than the UTF-8 input. */
	r = codepage_convert(e->cfg->codepage, item->text, strlen(item->text),
			     mapped, sizeof(mapped), &n);
	if (r < 0) {
		e->r = r;
		return;
	}
	escpos_wrap_init(&w, mapped, n, e->cfg->columns / width);
	while (escpos_wrap_next(&w, &off, &len)) {
		if (len == 0) {
			emit_lf(e, 1);
			continue;
		}
		set_align(e, item->align);
		if (item->bold)
			emit3(e, ESC, 'E', 1);
		if (size)
			emit3(e, GS, '!', size);
		emit(e, mapped + off, len);
		if (item->bold)
			emit3(e, ESC, 'E', 0);
		if (size)
			emit3(e, GS, '!', 0);
		emit_lf(e, 1);
	}
}

/* GS ( k pL pH cn fn [params]: cn 49 (0x31) is the QR code. */
static void qr_function(struct encoder *e, uint8_t fn, const void *params,
			size_t n)
{
	const uint8_t lo = (uint8_t)((n + 2) & 0xff),
		      hi = (uint8_t)((n + 2) >> 8);
	const uint8_t head[7] = {GS, '(', 'k', lo, hi, 0x31, fn};

	emit(e, head, sizeof(head));
	emit(e, params, n);
}

static void encode_qr(struct encoder *e, const struct escpos_item *item)
{
	const uint8_t model[2] = {0x32, 0x00}; /* model 2 */
	const uint8_t module = (uint8_t)item->module;
	const uint8_t level = (uint8_t)(0x30 + item->level);
	const uint8_t print = 0x30;
	const size_t n = strlen(item->text);
	uint8_t *store;

	set_align(e, item->align);
	qr_function(e, 0x41, model, sizeof(model));
	qr_function(e, 0x43, &module, 1);
	qr_function(e, 0x45, &level, 1);
	/* Store: m = 0x30, then the data as is. */
	store = malloc(n + 1);
	if (!store) {
		e->r = -ENOMEM;
		return;
	}
	store[0] = 0x30;
	memcpy(store + 1, item->text, n);
	qr_function(e, 0x50, store, n + 1);
	free(store);
	qr_function(e, 0x51, &print, 1);
	emit_lf(e, 1);
}

/* GS V m n, function B: m 65 full or 66 partial cut. GS V 0 would cut at
 * once, through the last lines, which are still between the print head and
 * the cutter. */
static void encode_cut(struct encoder *e, const struct escpos_item *item)
{
	const uint8_t m = item->full ? 65 : 66;
	const uint8_t cut[4] = {GS, 'V', m, (uint8_t)item->feed};

	emit(e, cut, sizeof(cut));
}

int escpos_encode(const struct escpos_config *cfg,
		  const struct escpos_item *items, size_t count,
		  struct escpos_buf *out)
{
	static const uint8_t init[4] = {ESC, '@', FS, '.'};

	struct encoder e = {
		.out = out,
		.cfg = cfg,
		.align = ESCPOS_LEFT,
		.r = 0,
	};
	const size_t old_len = out->len;
	int r;

	r = escpos_config_check(cfg);
	if (r < 0)
		return r;
	if (count > ESCPOS_DOC_MAX)
		return -E2BIG;
	for (size_t i = 0; i < count; i++) {
		r = escpos_item_check(&items[i]);
		if (r < 0)
			return r;
	}

	emit(&e, init, sizeof(init));
	emit3(&e, ESC, 't', (uint8_t)cfg->codepage_number);
	for (size_t i = 0; i < count && e.r == 0; i++) {
		const struct escpos_item *item = &items[i];

		switch (item->type) {
		case ESCPOS_TEXT:
			encode_text(&e, item);
			break;
		case ESCPOS_FEED:
			emit_lf(&e, item->lines);
			break;
		case ESCPOS_QR:
			encode_qr(&e, item);
			break;
		case ESCPOS_CUT:
			encode_cut(&e, item);
			break;
		}
	}
	if (e.r < 0)
		out->len = old_len;
	return e.r;
}
