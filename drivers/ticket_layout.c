/* The ticket, top to bottom: office name and address, a rule, the number
 * very large, service, kind, people ahead, estimated wait, date and time, a
 * rule, the booking address, the status QR code, the cut. */
#include "ticket_layout.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Number of printed characters of s, after mapping (both code pages map
 * the ticket's texts to the same number of bytes). */
static size_t columns_of(const char *s)
{
	uint8_t mapped[ESCPOS_TEXT_MAX];
	size_t len = strlen(s), n = 0;

	if (len > sizeof(mapped))
		return len;
	if (codepage_convert(CODEPAGE_CP852, s, len, mapped, sizeof(mapped),
			     &n) < 0)
		return len;
	return n;
}

/* Font A is 12 x 24 dots, 1.5 x 3 mm at 203 dpi. At 6 x 6 a character of
 * the number is 9 x 18 mm, readable at arm's length by someone with poor
 * sight and as large as on a bank's queue ticket. "A012" at 6 x 6 takes 24
 * of the 32 columns of 58 mm paper. 8 x 8 would only add 6 mm of paper to
 * every ticket; a longer number gets smaller, to stay on one line. */
unsigned layout_number_size(const char *number, unsigned columns)
{
	size_t n = number ? columns_of(number) : 0;
	size_t size;

	if (n == 0)
		return LAYOUT_NUMBER_SIZE_MAX;
	size = columns / n;
	if (size < 1)
		size = 1;
	if (size > LAYOUT_NUMBER_SIZE_MAX)
		size = LAYOUT_NUMBER_SIZE_MAX;
	return (unsigned)size;
}

/* Romanian counts: 1 persoană, 2 to 19 persoane, and "de" before the noun
 * from 20 on, unless the last two digits are 01 to 19 (101 persoane). */
int layout_people_ahead(int people, char *buf, size_t size)
{
	const char *noun = "persoane";
	int n;

	if (people == 1)
		noun = "persoană";
	else if (people >= 20 && (people % 100 == 0 || people % 100 >= 20))
		noun = "de persoane";
	n = snprintf(buf, size, "Înaintea dvs.: %d %s", people, noun);
	if (n < 0 || (size_t)n >= size)
		return -ENOBUFS;
	return 0;
}

static bool empty(const char *s)
{
	return !s || !s[0];
}

static int add_text(struct escpos_doc *doc, const char *text, bool bold)
{
	const struct escpos_item item = {
		.type = ESCPOS_TEXT,
		.text = text,
		.align = ESCPOS_CENTER,
		.bold = bold,
	};

	if (empty(text))
		return 0;
	return escpos_doc_add(doc, &item);
}

/* "label value" on one line when it fits, else the value on a line of its
 * own, so that a wrap never leaves "min" alone under "~12". */
static int add_pair(struct escpos_doc *doc, unsigned columns, const char *label,
		    const char *value)
{
	char line[256];
	int n, r;

	n = snprintf(line, sizeof(line), "%s %s", label, value);
	if (n < 0 || (size_t)n >= sizeof(line))
		return -E2BIG;
	if (columns_of(line) <= columns)
		return add_text(doc, line, false);
	r = add_text(doc, label, false);
	if (r < 0)
		return r;
	return add_text(doc, value, false);
}

static int add_rule(struct escpos_doc *doc, unsigned columns)
{
	char rule[ESCPOS_COLUMNS_MAX + 1];
	const struct escpos_item item = {
		.type = ESCPOS_TEXT,
		.text = rule,
	};

	memset(rule, '-', columns);
	rule[columns] = '\0';
	return escpos_doc_add(doc, &item);
}

static int build(const struct layout_ticket *t, unsigned columns,
		 struct escpos_doc *doc)
{
	const unsigned size = layout_number_size(t->number, columns);
	const struct escpos_item number = {
		.type = ESCPOS_TEXT,
		.text = t->number,
		.align = ESCPOS_CENTER,
		.bold = true,
		.width = size,
		.height = size,
	};
	const struct escpos_item gap = {.type = ESCPOS_FEED, .lines = 1};
	const struct escpos_item qr = {
		.type = ESCPOS_QR,
		.text = t->qr_url,
		.align = ESCPOS_CENTER,
		.module = LAYOUT_QR_MODULE,
		.level = ESCPOS_QR_M,
	};
	const struct escpos_item cut = {.type = ESCPOS_CUT};
	char line[64];
	int r;

	if ((r = add_text(doc, t->office_name, true)) < 0 ||
	    (r = add_text(doc, t->office_address, false)) < 0 ||
	    (r = add_rule(doc, columns)) < 0 ||
	    (r = escpos_doc_add(doc, &number)) < 0 ||
	    (r = add_text(doc, t->service_name, true)) < 0 ||
	    (r = add_text(doc, t->kind_label, false)) < 0 ||
	    (r = escpos_doc_add(doc, &gap)) < 0)
		return r;
	if (t->people_ahead >= 0) {
		r = layout_people_ahead(t->people_ahead, line, sizeof(line));
		if (r < 0 || (r = add_text(doc, line, false)) < 0)
			return r;
	}
	if (t->wait_minutes >= 0) {
		snprintf(line, sizeof(line), "~%d min", t->wait_minutes);
		r = add_pair(doc, columns, "Timp estimat de așteptare:", line);
		if (r < 0)
			return r;
	}
	if ((r = add_text(doc, t->datetime, false)) < 0)
		return r;
	if (!empty(t->footer) || !empty(t->qr_url)) {
		if ((r = add_rule(doc, columns)) < 0 ||
		    (r = add_text(doc, t->footer, false)) < 0)
			return r;
	}
	if (!empty(t->qr_url)) {
		if ((r = add_text(doc, "Urmăriți rândul online:", false)) < 0 ||
		    (r = escpos_doc_add(doc, &qr)) < 0)
			return r;
	}
	return escpos_doc_add(doc, &cut);
}

int layout_ticket(const struct layout_ticket *t, unsigned columns,
		  struct escpos_doc *ret_doc)
{
	struct escpos_doc doc;
	int r;

	if (empty(t->number) || columns < ESCPOS_COLUMNS_MIN ||
	    columns > ESCPOS_COLUMNS_MAX)
		return -EINVAL;
	escpos_doc_init(&doc);
	r = build(t, columns, &doc);
	if (r < 0) {
		escpos_doc_free(&doc);
		return r;
	}
	*ret_doc = doc;
	return 0;
}
