#include "booking_csv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "hours.h"
#include "text.h"

#define N_FIELDS 6

static const char *const field_names[N_FIELDS] = {
	"code", "service", "start", "end", "phone", "status",
};

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

void booking_csv_note(char msg[BOOKING_MSG_MAX], const char *fmt, ...)
{
	size_t len = strnlen(msg, BOOKING_MSG_MAX - 1);
	va_list ap;
	int r;

	if (len > 0) {
		if (len + 3 >= BOOKING_MSG_MAX)
			return;
		memcpy(msg + len, "; ", 3);
		len += 2;
	}
	va_start(ap, fmt);
	r = vsnprintf(msg + len, BOOKING_MSG_MAX - len, fmt, ap);
	va_end(ap);
	if (r < 0)
		msg[len] = '\0';
	else if ((size_t)r >= BOOKING_MSG_MAX - len)
		text_utf8_cut(msg);
}

int booking_csv_check_code(const char *what, const char *s, size_t n,
			   char ret[BOOKING_CODE_MAX + 1],
			   char msg[BOOKING_MSG_MAX])
{
	char q[64];
	int r;

	text_trim(&s, &n);
	if (n == 0) {
		booking_csv_note(msg, "%s is empty", what);
		return -EINVAL;
	}
	r = booking_code_normalize(s, n, ret);
	if (r == 0)
		return 0;
	text_quote(q, sizeof(q), s, n);
	if (r == -EINVAL)
		booking_csv_note(msg,
				 "%s %s may hold only letters, digits, "
				 "spaces and dashes",
				 what, q);
	else
		booking_csv_note(msg,
				 "%s %s is not %d to %d letters and digits",
				 what, q, BOOKING_CODE_MIN, BOOKING_CODE_MAX);
	return -EINVAL;
}

int booking_csv_check_service(const char *what, const char *s, size_t n,
			      char ret[BOOKING_SERVICE_MAX + 1],
			      char msg[BOOKING_MSG_MAX])
{
	char q[64];

	text_trim(&s, &n);
	if (n == 0) {
		booking_csv_note(msg, "%s is empty", what);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if (!alnum(s[i]) && s[i] != '_' && s[i] != '-') {
			text_quote(q, sizeof(q), s, n);
			booking_csv_note(msg,
					 "%s %s is no service id (letters, "
					 "digits, '_' and '-')",
					 what, q);
			return -EINVAL;
		}
	}
	if (n > BOOKING_SERVICE_MAX) {
		text_quote(q, sizeof(q), s, n);
		booking_csv_note(msg, "%s %s is longer than %d characters",
				 what, q, BOOKING_SERVICE_MAX);
		return -EINVAL;
	}
	memcpy(ret, s, n);
	ret[n] = '\0';
	return 0;
}

int booking_csv_check_phone(const char *what, const char *s, size_t n,
			    char ret[BOOKING_PHONE_MAX + 1],
			    char msg[BOOKING_MSG_MAX])
{
	char q[64];

	text_trim(&s, &n);
	if (booking_phone_normalize(s, n, ret) == 0)
		return 0;
	text_quote(q, sizeof(q), s, n);
	booking_csv_note(msg,
			 "%s %s is no phone number (+ and digits, %d "
			 "to %d of them)",
			 what, q, BOOKING_PHONE_MIN, BOOKING_PHONE_MAX);
	return -EINVAL;
}

int booking_csv_check_span(int64_t start, int64_t end,
			   char msg[BOOKING_MSG_MAX])
{
	int r = booking_span_check(start, end);

	if (r == -EINVAL)
		booking_csv_note(msg, "the end is not after the start");
	else if (r < 0)
		booking_csv_note(msg, "the booking lasts more than %d hours",
				 BOOKING_SPAN_MAX / 3600);
	return r < 0 ? -EINVAL : 0;
}

struct booking_list *booking_csv_list_new(void)
{
	return calloc(1, sizeof(struct booking_list));
}

void booking_csv_free(struct booking_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i].phone);
	free(l->items);
	free(l->errors);
	free(l);
}

__attribute__((format(printf, 4, 0))) static int
refuse_v(struct booking_list *l, unsigned line, bool fatal, const char *fmt,
	 va_list ap)
{
	struct booking_error *e;

	l->n_refused++;
	if (l->n_errors >= BOOKING_ERRORS_MAX + (fatal ? 1 : 0))
		return 0;
	if (array_reserve(&l->errors, &l->errors_cap, l->n_errors + 1,
			  sizeof(*l->errors), 16, BOOKING_ERRORS_MAX + 1) < 0)
		return -ENOMEM;
	e = &l->errors[l->n_errors++];
	e->line = line;
	if (vsnprintf(e->msg, sizeof(e->msg), fmt, ap) < 0)
		e->msg[0] = '\0';
	text_utf8_cut(e->msg);
	return 0;
}

int booking_csv_refuse(struct booking_list *l, unsigned line, const char *fmt,
		       ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = refuse_v(l, line, false, fmt, ap);
	va_end(ap);
	return r;
}

int booking_csv_refuse_file(struct booking_list *l, unsigned line,
			    const char *fmt, ...)
{
	va_list ap;
	int r;

	if (l->fatal)
		return 0;
	l->fatal = true;
	va_start(ap, fmt);
	r = refuse_v(l, line, true, fmt, ap);
	va_end(ap);
	return r;
}

int booking_csv_add(struct booking_list *l, struct booking *b)
{
	if (l->fatal) {
		free(b->phone);
		b->phone = NULL;
		return 0;
	}
	if (l->n == BOOKING_MAX) {
		free(b->phone);
		b->phone = NULL;
		return booking_csv_refuse_file(
			l, b->line,
			"more than %d bookings in one file: nothing is "
			"imported; split the file",
			BOOKING_MAX);
	}
	if (array_reserve(&l->items, &l->cap, l->n + 1, sizeof(*l->items), 64,
			  BOOKING_MAX) < 0) {
		free(b->phone);
		b->phone = NULL;
		return -ENOMEM;
	}
	l->items[l->n++] = *b;
	b->phone = NULL;
	return 0;
}

struct dup_key {
	char key[BOOKING_CODE_MAX + 1];
	size_t idx;
};

static int dup_cmp(const void *a, const void *b)
{
	const struct dup_key *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int refuse_duplicates(struct booking_list *l)
{
	struct dup_key *keys = NULL;
	unsigned *other = NULL;
	size_t out = 0;
	int r = 0;

	if (l->n < 2)
		return 0;
	keys = malloc(l->n * sizeof(*keys));
	other = calloc(l->n, sizeof(*other));
	if (!keys || !other) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < l->n; i++) {
		memcpy(keys[i].key, l->items[i].code, sizeof(keys[i].key));
		keys[i].idx = i;
	}
	qsort(keys, l->n, sizeof(*keys), dup_cmp);
	for (size_t i = 0, j; i < l->n; i = j) {
		for (j = i + 1; j < l->n; j++)
			if (strcmp(keys[i].key, keys[j].key))
				break;
		if (j - i < 2)
			continue;
		for (size_t k = i; k < j; k++) {
			size_t o = keys[k == i ? i + 1 : i].idx;

			other[keys[k].idx] = l->items[o].line;
		}
	}
	for (size_t i = 0; i < l->n; i++) {
		struct booking *b = &l->items[i];
		char q[64];
		int rr;

		if (!other[i]) {
			l->items[out++] = *b;
			continue;
		}
		text_quote(q, sizeof(q), b->code, strlen(b->code));
		rr = booking_csv_refuse(l, b->line,
					"code %s: the booking on line %u has "
					"the same code (codes are compared "
					"ignoring case, spaces and dashes)",
					q, other[i]);
		if (rr < 0)
			r = rr;
		free(b->phone);
	}
	l->n = out;
out:
	free(keys);
	free(other);
	return r;
}

struct err_key {
	unsigned line;
	size_t idx;
};

static int err_cmp(const void *a, const void *b)
{
	const struct err_key *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int sort_errors(struct booking_list *l)
{
	struct err_key *keys;
	struct booking_error *sorted;

	if (l->n_errors < 2)
		return 0;
	keys = malloc(l->n_errors * sizeof(*keys));
	sorted = malloc(l->n_errors * sizeof(*sorted));
	if (!keys || !sorted) {
		free(keys);
		free(sorted);
		return -ENOMEM;
	}
	for (size_t i = 0; i < l->n_errors; i++) {
		keys[i].line = l->errors[i].line;
		keys[i].idx = i;
	}
	qsort(keys, l->n_errors, sizeof(*keys), err_cmp);
	for (size_t i = 0; i < l->n_errors; i++)
		sorted[i] = l->errors[keys[i].idx];
	free(keys);
	free(l->errors);
	l->errors = sorted;
	l->errors_cap = l->n_errors;
	return 0;
}

int booking_csv_finish(struct booking_list *l)
{
	int r = 0;

	if (l->fatal) {
		for (size_t i = 0; i < l->n; i++)
			free(l->items[i].phone);
		l->n = 0;
	} else {
		r = refuse_duplicates(l);
	}
	if (sort_errors(l) < 0)
		r = -ENOMEM;
	return r;
}

struct fields {
	const char *f[N_FIELDS];
	size_t len[N_FIELDS];
	size_t n; /* all of them, also those past N_FIELDS */
};

static const char *field_name(size_t i)
{
	return i < N_FIELDS ? field_names[i] : "a field";
}

/* Splits a line (no line end) into RFC 4180 fields, unquoted into buf (n
 * bytes). Quotes may have blanks around them. */
static int split(const char *s, size_t n, char *buf, struct fields *ret,
		 char msg[BOOKING_MSG_MAX])
{
	size_t i = 0, o = 0, nf = 0;

	for (;;) {
		size_t start = o, j = i;

		while (j < n && blank(s[j]))
			j++;
		if (j < n && s[j] == '"') {
			for (i = j + 1;; i++) {
				if (i >= n) {
					booking_csv_note(msg,
							 "%s has no closing "
							 "quote",
							 field_name(nf));
					return -EINVAL;
				}
				if (s[i] == '"') {
					if (i + 1 < n && s[i + 1] == '"')
						i++;
					else
						break;
				}
				buf[o++] = s[i];
			}
			for (i++; i < n && blank(s[i]); i++)
				;
			if (i < n && s[i] != ',') {
				booking_csv_note(
					msg,
					"%s has text after its closing "
					"quote",
					field_name(nf));
				return -EINVAL;
			}
		} else {
			while (i < n && s[i] != ',')
				buf[o++] = s[i++];
		}
		if (nf < N_FIELDS) {
			ret->f[nf] = buf + start;
			ret->len[nf] = o - start;
		}
		nf++;
		if (i >= n)
			break;
		i++;
	}
	ret->n = nf;
	return 0;
}

static int check_time(const char *what, const char *s, size_t n, int64_t *ret,
		      char msg[BOOKING_MSG_MAX])
{
	char tmp[48], q[64];

	text_trim(&s, &n);
	if (n == 0) {
		booking_csv_note(msg, "%s is empty", what);
		return -EINVAL;
	}
	if (n < sizeof(tmp) && !memchr(s, '\0', n)) {
		memcpy(tmp, s, n);
		tmp[n] = '\0';
		if (hours_parse_rfc3339(tmp, ret) == 0)
			return 0;
	}
	text_quote(q, sizeof(q), s, n);
	booking_csv_note(msg,
			 "%s %s is no RFC 3339 time with an offset, such as "
			 "2026-12-03T09:15:00+02:00",
			 what, q);
	return -EINVAL;
}

static bool is_word(const char *s, size_t n, const char *word)
{
	return n == strlen(word) && strncasecmp(s, word, n) == 0;
}

static int check_status(const char *s, size_t n, enum booking_status *ret,
			char msg[BOOKING_MSG_MAX])
{
	char q[64];

	text_trim(&s, &n);
	if (n == 0 || is_word(s, n, "booked")) {
		*ret = BOOKING_BOOKED;
		return 0;
	}
	if (is_word(s, n, "cancelled") || is_word(s, n, "canceled")) {
		*ret = BOOKING_CANCELLED;
		return 0;
	}
	text_quote(q, sizeof(q), s, n);
	booking_csv_note(msg, "status %s is not booked, cancelled or empty", q);
	return -EINVAL;
}

static int check_header(struct booking_list *l, unsigned line,
			const struct fields *f, const char *s, size_t n)
{
	char q[64];
	bool ok = f->n == N_FIELDS;

	for (size_t i = 0; ok && i < N_FIELDS; i++) {
		const char *v = f->f[i];
		size_t len = f->len[i];

		text_trim(&v, &len);
		ok = is_word(v, len, field_names[i]);
	}
	if (ok)
		return 0;
	if (f->n == 1 && memchr(s, ';', n))
		return booking_csv_refuse_file(
			l, line,
			"the header's fields are separated by ';': save the "
			"file as CSV with commas, "
			"code,service,start,end,phone,status");
	text_quote(q, sizeof(q), s, n);
	return booking_csv_refuse_file(
		l, line,
		"the header is %s, not code,service,start,end,phone,status", q);
}

static int parse_line(struct booking_list *l, unsigned line, const char *s,
		      size_t n, bool *header, char *buf)
{
	char msg[BOOKING_MSG_MAX] = "";
	char phone[BOOKING_PHONE_MAX + 1];
	struct booking b;
	struct fields f;
	const char *t = s;
	size_t tn = n;
	bool times = true;

	text_trim(&t, &tn);
	if (tn == 0)
		return 0;
	if (n > BOOKING_LINE_MAX) {
		if (!*header)
			return booking_csv_refuse_file(
				l, line, "the header is longer than %d bytes",
				BOOKING_LINE_MAX);
		return booking_csv_refuse(l, line,
					  "the line is longer than %d bytes",
					  BOOKING_LINE_MAX);
	}
	if (split(s, n, buf, &f, msg) < 0) {
		if (!*header)
			return booking_csv_refuse_file(l, line, "header: %s",
						       msg);
		return booking_csv_refuse(l, line, "%s", msg);
	}
	if (!*header) {
		*header = true;
		return check_header(l, line, &f, s, n);
	}
	if (f.n != N_FIELDS)
		return booking_csv_refuse(
			l, line,
			"%zu field%s, not %d (code,service,start,end,phone,"
			"status)",
			f.n, f.n == 1 ? "" : "s", N_FIELDS);

	memset(&b, 0, sizeof(b));
	b.line = line;
	(void)booking_csv_check_code("code", f.f[0], f.len[0], b.code, msg);
	(void)booking_csv_check_service("service", f.f[1], f.len[1], b.service,
					msg);
	if (check_time("start", f.f[2], f.len[2], &b.start, msg) < 0)
		times = false;
	if (check_time("end", f.f[3], f.len[3], &b.end, msg) < 0)
		times = false;
	if (times)
		(void)booking_csv_check_span(b.start, b.end, msg);
	t = f.f[4];
	tn = f.len[4];
	text_trim(&t, &tn);
	phone[0] = '\0';
	if (tn > 0)
		(void)booking_csv_check_phone("phone", t, tn, phone, msg);
	(void)check_status(f.f[5], f.len[5], &b.status, msg);
	if (msg[0])
		return booking_csv_refuse(l, line, "%s", msg);
	if (phone[0] && !(b.phone = strdup(phone)))
		return -ENOMEM;
	return booking_csv_add(l, &b);
}

int booking_csv_parse(const char *data, size_t len,
		      struct booking_list **ret_list)
{
	char buf[BOOKING_LINE_MAX];
	struct booking_list *l;
	const char *p = data, *end = data + len;
	unsigned line = 0;
	bool header = false;
	int r = 0;

	if (len > BOOKING_FILE_MAX)
		return -EFBIG;
	l = booking_csv_list_new();
	if (!l)
		return -ENOMEM;
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < end && !l->fatal) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		size_t n = (size_t)(eol - p);

		line++;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		r = parse_line(l, line, p, n, &header, buf);
		if (r < 0)
			goto fail;
		p = nl ? nl + 1 : end;
	}
	if (!header) {
		r = booking_csv_refuse_file(
			l, line ? line : 1,
			"no header: the file is empty; want "
			"code,service,start,end,phone,status");
		if (r < 0)
			goto fail;
	}
	r = booking_csv_finish(l);
	if (r < 0)
		goto fail;
	*ret_list = l;
	return 0;
fail:
	booking_csv_free(l);
	return r;
}
