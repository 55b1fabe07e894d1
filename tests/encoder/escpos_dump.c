/* Prints Bonomat's ESC/POS bytes for the fixture documents of a JSON file,
 * for crosscheck.mjs to compare with an independent encoder.
 *
 *   escpos_dump FIXTURES.json            "name hex" per fixture
 *   escpos_dump --json FIXTURES.json     the same as JSON, with each
 *                                        document's items (for a ticket,
 *                                        the items the layout made)
 *   escpos_dump --map cp852|cp1250       "cccc hex" per code point below
 *                                        U+3000: codepage_map()'s bytes
 *
 * A fixture has a name, codepage, codepage_number and columns, and either
 * items (type text/feed/qr/cut with the fields of struct escpos_item) or
 * ticket (the fields of struct layout_ticket). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "escpos.h"
#include "ticket_layout.h"

static const char *const align_names[] = {"left", "center", "right"};
static const char *const level_names[] = {"l", "m", "q", "h"};
static const char *const type_names[] = {"text", "feed", "qr", "cut"};

static int lookup(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; s && i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

#define LOOKUP(names, s) lookup(names, sizeof(names) / sizeof(*names), s)

static unsigned uint_field(json_t *obj, const char *key, unsigned dflt)
{
	json_t *v = json_object_get(obj, key);

	return json_is_integer(v) ? (unsigned)json_integer_value(v) : dflt;
}

static const char *string_field(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static int parse_item(json_t *j, struct escpos_item *item)
{
	int type = LOOKUP(type_names, string_field(j, "type"));
	int align = LOOKUP(align_names, string_field(j, "align"));
	int level = LOOKUP(level_names, string_field(j, "level"));

	if (type < 0)
		return -EINVAL;
	*item = (struct escpos_item){
		.type = (enum escpos_type)type,
		.text = type == ESCPOS_QR ? string_field(j, "data") :
					    string_field(j, "text"),
		.align = align < 0 ? ESCPOS_LEFT : (enum escpos_align)align,
		.bold = json_is_true(json_object_get(j, "bold")),
		.width = uint_field(j, "width", 1),
		.height = uint_field(j, "height", 1),
		.lines = uint_field(j, "lines", 1),
		.module = uint_field(j, "module", 6),
		.level = level < 0 ? ESCPOS_QR_M : (enum escpos_qr_level)level,
		.feed = uint_field(j, "feed", 0),
		.full = json_is_true(json_object_get(j, "full")),
	};
	return 0;
}

static json_t *item_json(const struct escpos_item *item)
{
	json_t *j = json_object();

	json_object_set_new(j, "type", json_string(type_names[item->type]));
	switch (item->type) {
	case ESCPOS_TEXT:
		json_object_set_new(j, "text", json_string(item->text));
		json_object_set_new(j, "align",
				    json_string(align_names[item->align]));
		json_object_set_new(j, "bold", json_boolean(item->bold));
		json_object_set_new(
			j, "width",
			json_integer(item->width ? item->width : 1));
		json_object_set_new(
			j, "height",
			json_integer(item->height ? item->height : 1));
		break;
	case ESCPOS_FEED:
		json_object_set_new(j, "lines", json_integer(item->lines));
		break;
	case ESCPOS_QR:
		json_object_set_new(j, "data", json_string(item->text));
		json_object_set_new(j, "align",
				    json_string(align_names[item->align]));
		json_object_set_new(j, "module", json_integer(item->module));
		json_object_set_new(j, "level",
				    json_string(level_names[item->level]));
		break;
	case ESCPOS_CUT:
		json_object_set_new(j, "feed", json_integer(item->feed));
		json_object_set_new(j, "full", json_boolean(item->full));
		break;
	}
	return j;
}

static void parse_ticket(json_t *j, struct layout_ticket *t)
{
	json_t *people = json_object_get(j, "people_ahead");
	json_t *wait = json_object_get(j, "wait_minutes");

	*t = (struct layout_ticket){
		.office_name = string_field(j, "office_name"),
		.office_address = string_field(j, "office_address"),
		.number = string_field(j, "number"),
		.service_name = string_field(j, "service_name"),
		.kind_label = string_field(j, "kind_label"),
		.people_ahead = json_is_integer(people) ?
					(int)json_integer_value(people) :
					-1,
		.wait_minutes = json_is_integer(wait) ?
					(int)json_integer_value(wait) :
					-1,
		.datetime = string_field(j, "datetime"),
		.footer = string_field(j, "footer"),
		.qr_url = string_field(j, "qr_url"),
	};
}

static char *hex(const uint8_t *p, size_t n)
{
	char *s = malloc(2 * n + 1);

	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++)
		snprintf(s + 2 * i, 3, "%02x", p[i]);
	s[2 * n] = '\0';
	return s;
}

/* Encodes one fixture; on success *ret_hex and *ret_items are the
 * caller's. */
static int dump_fixture(json_t *f, char **ret_hex, json_t **ret_items)
{
	struct escpos_config cfg = {
		.codepage_number = uint_field(f, "codepage_number", 18),
		.columns = uint_field(f, "columns", 42),
	};
	json_t *items = json_object_get(f, "items");
	json_t *ticket = json_object_get(f, "ticket");
	struct escpos_doc doc;
	struct escpos_buf out;
	json_t *list;
	int r;

	r = codepage_from_name(string_field(f, "codepage"), &cfg.codepage);
	if (r < 0)
		return r;
	escpos_doc_init(&doc);
	if (json_is_object(ticket)) {
		struct layout_ticket t;

		parse_ticket(ticket, &t);
		r = layout_ticket(&t, cfg.columns, &doc);
	} else if (json_is_array(items)) {
		for (size_t i = 0; i < json_array_size(items); i++) {
			struct escpos_item item;

			r = parse_item(json_array_get(items, i), &item);
			if (r == 0)
				r = escpos_doc_add(&doc, &item);
			if (r < 0)
				break;
		}
	} else {
		r = -EINVAL;
	}
	if (r < 0) {
		escpos_doc_free(&doc);
		return r;
	}
	escpos_buf_init(&out);
	r = escpos_encode(&cfg, doc.items, doc.count, &out);
	if (r == 0) {
		*ret_hex = hex(out.data, out.len);
		if (!*ret_hex)
			r = -ENOMEM;
	}
	if (r == 0) {
		list = json_array();
		for (size_t i = 0; i < doc.count; i++)
			json_array_append_new(list, item_json(&doc.items[i]));
		*ret_items = list;
	}
	escpos_buf_free(&out);
	escpos_doc_free(&doc);
	return r;
}

static int dump_map(const char *name)
{
	enum codepage page;

	if (codepage_from_name(name, &page) < 0) {
		fprintf(stderr, "escpos_dump: unknown code page %s\n", name);
		return 1;
	}
	for (uint32_t cp = 0; cp < 0x3000; cp++) {
		uint8_t out[CODEPAGE_MAX_BYTES];
		size_t n = codepage_map(page, cp, out);

		printf("%04x ", (unsigned)cp);
		for (size_t i = 0; i < n; i++)
			printf("%02x", out[i]);
		printf("\n");
	}
	return 0;
}

int main(int argc, char **argv)
{
	json_t *root, *fixtures, *result;
	json_error_t error;
	int as_json = 0, status = 0;

	if (argc == 3 && strcmp(argv[1], "--map") == 0)
		return dump_map(argv[2]);
	if (argc == 3 && strcmp(argv[1], "--json") == 0)
		as_json = 1;
	else if (argc != 2) {
		fprintf(stderr, "usage: escpos_dump [--json] FIXTURES.json\n"
				"       escpos_dump --map cp852|cp1250\n");
		return 2;
	}
	root = json_load_file(argv[argc - 1], 0, &error);
	if (!root) {
		fprintf(stderr, "%s:%d: %s\n", argv[argc - 1], error.line,
			error.text);
		return 1;
	}
	fixtures = json_object_get(root, "fixtures");
	result = json_array();
	for (size_t i = 0; i < json_array_size(fixtures); i++) {
		json_t *f = json_array_get(fixtures, i);
		const char *name = string_field(f, "name");
		char *h = NULL;
		json_t *items = NULL;
		int r = dump_fixture(f, &h, &items);

		if (r < 0) {
			fprintf(stderr, "escpos_dump: %s: %s\n",
				name ? name : "?", strerror(-r));
			status = 1;
			continue;
		}
		if (as_json) {
			json_t *o = json_object();

			json_object_set_new(o, "name", json_string(name));
			json_object_set_new(o, "hex", json_string(h));
			json_object_set_new(o, "items", items);
			json_array_append_new(result, o);
		} else {
			printf("%s %s\n", name, h);
			json_decref(items);
		}
		free(h);
	}
	if (as_json) {
		json_dumpf(result, stdout, JSON_INDENT(1));
		printf("\n");
	}
	json_decref(result);
	json_decref(root);
	return status;
}
