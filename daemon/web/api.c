#include "api.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api_stats.h"
#include "events.h"
#include "hours.h"
#include "log.h"
#include "printers.h"
#include "ticket.h"

#define ID_MAX 31    /* service, kiosk and counter ids in bodies */
#define PARAM_MAX 64 /* a path segment captured by a route */
#define PARAMS_MAX 2
#define ECHO_MAX 64 /* how much of a client's text a message repeats */
#define DISPLAY_CALLS 10
#define MESSAGE_MAX 320

struct addr16 {
	unsigned char b[16];
};

struct api {
	const struct config *cfg;
	struct office *office;
	struct printers *printers; /* NULL: no printing */
	api_advance_fn advance;    /* NULL: no test clock */
	void *advance_data;
	struct events *events;     /* NULL: no live events */
	struct stats *stats;       /* NULL: no statistics (503) */
	api_clock_fn clock;
	void *clock_data;
	struct addr16 *kiosk_clients;
	size_t n_kiosk_clients;
	size_t *token_len; /* of each counter's token, 0 when none */
	size_t admin_len;
};

enum auth {
	AUTH_NONE,
	AUTH_KIOSK,   /* client address in server.kiosk_clients */
	AUTH_COUNTER, /* the token of the counter named by the first segment */
	AUTH_ADMIN,
};

struct ctx {
	struct api *a;
	const struct api_request *req;
	int64_t now;
	char param[PARAMS_MAX][PARAM_MAX];
	int counter; /* AUTH_COUNTER routes: index of param[0] */
};

struct route {
	const char *method;
	const char *pattern; /* "{}" captures one path segment */
	enum auth auth;
	void (*handler)(struct ctx *c, struct api_response *ret);
};

enum field_type {
	FIELD_STRING,
	FIELD_BOOL,
	FIELD_ARRAY,
	FIELD_INTEGER,
};

struct field {
	const char *name;
	enum field_type type;
	bool required;
	size_t max_len; /* strings */
};

/* Length of the longest prefix of s that is valid UTF-8 by the same rules
 * jansson applies: no overlong forms, no surrogates, nothing past
 * U+10FFFF. */
static size_t utf8_prefix(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned char c = p[i];
		size_t n;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			n = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 3;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 4;
			cp = c & 0x07;
		} else {
			break;
		}
		if (len - i < n)
			break;
		size_t k;
		for (k = 1; k < n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				break;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if (k < n)
			break;
		if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			break;
		i += n;
	}
	return i;
}

/* Copies what a client sent into buf for repeating it in a message: at
 * most size - 1 bytes, cut where it stops being valid UTF-8. */
static void echo(char *buf, size_t size, const char *s)
{
	size_t len = strnlen(s, size - 1);

	len = utf8_prefix(s, len);
	memcpy(buf, s, len);
	buf[len] = '\0';
}

bool api_token_equal(const char *a, size_t a_len, const char *b, size_t b_len)
{
	volatile unsigned char diff = 0;

	if (a_len > API_TOKEN_MAX || b_len > API_TOKEN_MAX)
		return false;
	for (size_t i = 0; i < API_TOKEN_MAX; i++) {
		unsigned char x = i < a_len ? (unsigned char)a[i] : 0;
		unsigned char y = i < b_len ? (unsigned char)b[i] : 0;

		diff |= x ^ y;
	}
	return diff == 0 && a_len == b_len;
}

int api_response_header(struct api_response *r, const char *name,
			const char *value)
{
	struct api_header *h;

	if (r->n_headers >= API_HEADERS_MAX)
		return -ENOSPC;
	h = &r->headers[r->n_headers];
	if (strlen(value) >= sizeof(h->value))
		return -EINVAL;
	h->name = name;
	snprintf(h->value, sizeof(h->value), "%s", value);
	r->n_headers++;
	return 0;
}

void api_response_clear(struct api_response *r)
{
	if (!r)
		return;
	free(r->body);
	memset(r, 0, sizeof(*r));
}

/* Serializes v (consumed) into a malloc'd body. */
static int dump(json_t *v, char **ret, size_t *ret_len)
{
	size_t len;
	char *buf;

	if (!v)
		return -ENOMEM;
	len = json_dumpb(v, NULL, 0, JSON_COMPACT);
	if (len == 0) {
		json_decref(v);
		return -EINVAL;
	}
	buf = malloc(len + 1);
	if (!buf) {
		json_decref(v);
		return -ENOMEM;
	}
	if (json_dumpb(v, buf, len, JSON_COMPACT) != len) {
		free(buf);
		json_decref(v);
		return -EINVAL;
	}
	buf[len] = '\0';
	json_decref(v);
	*ret = buf;
	*ret_len = len;
	return 0;
}

void api_error(struct api_response *ret, int status, const char *code,
	       const char *message)
{
	char msg[MESSAGE_MAX];
	size_t len = strnlen(message, sizeof(msg) - 1);
	json_t *v;

	len = utf8_prefix(message, len);
	memcpy(msg, message, len);
	msg[len] = '\0';

	free(ret->body);
	ret->body = NULL;
	ret->body_len = 0;
	ret->status = status;
	ret->content_type = "application/json";
	v = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg);
	if (dump(v, &ret->body, &ret->body_len) < 0) {
		ret->body = NULL;
		ret->body_len = 0;
	}
}

static void errorf(struct api_response *ret, int status, const char *code,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void errorf(struct api_response *ret, int status, const char *code,
		   const char *fmt, ...)
{
	char msg[MESSAGE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	api_error(ret, status, code, msg);
}

static void internal(const struct ctx *c, struct api_response *ret,
		     const char *what)
{
	char path[128];
	size_t i;

	/* The path is the client's: no control characters into the log. */
	for (i = 0; c->req->path[i] && i < sizeof(path) - 1; i++) {
		unsigned char ch = (unsigned char)c->req->path[i];

		path[i] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
	}
	path[i] = '\0';
	log_err("api: %s %s: %s", c->req->method, path, what);
	api_error(ret, 500, "internal",
		  "The server could not complete the request; please try "
		  "again.");
}

static void respond(const struct ctx *c, struct api_response *ret, int status,
		    json_t *v)
{
	free(ret->body);
	ret->body = NULL;
	if (dump(v, &ret->body, &ret->body_len) < 0) {
		internal(c, ret, "cannot render the answer");
		return;
	}
	ret->status = status;
	ret->content_type = "application/json";
}

static void office_failed(const struct ctx *c, struct api_response *ret,
			  struct office_error *err)
{
	static const struct {
		int status;
		const char *code;
	} map[] = {
		[OFFICE_NOT_FOUND] = {404, "not_found"},
		[OFFICE_CONFLICT] = {409, "conflict"},
		[OFFICE_GONE] = {410, "gone"},
		[OFFICE_CLOSED] = {422, "closed"},
		[OFFICE_UNPROCESSABLE] = {422, "unprocessable"},
	};
	size_t s = (size_t)err->status;

	err->message[sizeof(err->message) - 1] = '\0';
	if (s >= sizeof(map) / sizeof(map[0]) || !map[s].code) {
		internal(c, ret,
			 err->message[0] ? err->message :
					   "office error without a reason");
		return;
	}
	api_error(ret, map[s].status, map[s].code,
		  err->message[0] ? err->message :
				    "The request cannot be carried out.");
}

static const char *service_id(const struct api *a, int i)
{
	if (i < 0 || (size_t)i >= a->cfg->n_services)
		return NULL;
	return a->cfg->services[i].id;
}

static const char *counter_id(const struct api *a, int i)
{
	if (i < 0 || (size_t)i >= a->cfg->n_counters)
		return NULL;
	return a->cfg->counters[i].id;
}

static json_t *int_or_null(int v)
{
	return v < 0 ? json_null() : json_integer(v);
}

static json_t *ticket_json(const struct api *a, const struct ticket *t)
{
	char issued[32], called[32];
	json_t *o;

	hours_rfc3339(t->issued_at, issued);
	/* clang-format off */
	o = json_pack("{s:I,s:s%,s:s?,s:s,s:s,s:s,s:i,s:o,s:s,s:s?,s:b}",
		      "id", (json_int_t)t->id,
		      "number", t->number,
		      strnlen(t->number, sizeof(t->number)),
		      "service", service_id(a, t->service),
		      "kind", ticket_kind_name(t->kind),
		      "state", ticket_state_name(t->state),
		      "issued_at", issued,
		      "ahead", t->ahead,
		      "est_wait_min", int_or_null(t->est_wait_min),
		      "printed", print_state_name(t->printed),
		      "counter", counter_id(a, t->counter),
		      "late", (int)t->late);
	/* clang-format on */
	if (!o)
		return NULL;
	if (t->reason != REASON_NONE &&
	    json_object_set_new(o, "reason",
				json_string(call_reason_name(t->reason)))) {
		json_decref(o);
		return NULL;
	}
	if (t->called_at != 0) {
		hours_rfc3339(t->called_at, called);
		if (json_object_set_new(o, "called_at", json_string(called))) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

static json_t *counter_json(const struct api *a, int counter,
			    const struct office_counter_view *v)
{
	const struct cfg_counter *cc = &a->cfg->counters[counter];
	json_t *services = json_array(), *waiting = json_array(), *cur;

	if (!services || !waiting)
		goto fail;
	for (size_t i = 0; i < a->cfg->n_services && i < 64; i++) {
		if (!(cc->services & (UINT64_C(1) << i)))
			continue;
		if (json_array_append_new(services,
					  json_string(a->cfg->services[i].id)))
			goto fail;
	}
	for (size_t i = 0; i < v->n_waiting; i++) {
		if (json_array_append_new(waiting,
					  ticket_json(a, &v->waiting[i])))
			goto fail;
	}
	cur = v->has_current ? ticket_json(a, &v->current) : json_null();
	/* clang-format off */
	return json_pack("{s:s,s:s,s:o,s:b,s:o,s:o}",
			 "id", cc->id, "name", cc->name,
			 "services", services, "paused", (int)v->paused,
			 "current", cur, "waiting", waiting);
	/* clang-format on */
fail:
	json_decref(services);
	json_decref(waiting);
	return NULL;
}

/* Parses the body as a JSON object with exactly the fields allowed: every
 * problem gets a 400 that names the field. An empty body stands for {}
 * when nothing is required. On success *ret_obj (may be NULL when the
 * caller wants no fields) holds a new reference. */
static int body_object(const struct ctx *c, struct api_response *ret,
		       const struct field *fields, size_t n_fields,
		       json_t **ret_obj)
{
	const struct api_request *req = c->req;
	bool empty = true, required = false;
	char key_echo[ECHO_MAX];
	json_error_t jerr;
	json_t *obj, *v;

	for (size_t i = 0; i < req->body_len; i++) {
		char ch = req->body[i];

		if (ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n') {
			empty = false;
			break;
		}
	}
	for (size_t i = 0; i < n_fields; i++)
		required |= fields[i].required;
	if (empty) {
		if (required) {
			errorf(ret, 400, "bad_request",
			       "A JSON body with the field \"%s\" is "
			       "required.",
			       fields[0].name);
			return -EINVAL;
		}
		obj = json_object();
		if (!obj) {
			internal(c, ret, "out of memory");
			return -ENOMEM;
		}
		goto done;
	}

	obj = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES,
			 &jerr);
	if (!obj) {
		errorf(ret, 400, "bad_request",
		       "The body is not valid JSON: %s (line %d, column %d).",
		       jerr.text, jerr.line, jerr.column);
		return -EINVAL;
	}
	if (!json_is_object(obj)) {
		json_decref(obj);
		api_error(ret, 400, "bad_request",
			  "The body must be a JSON object.");
		return -EINVAL;
	}
	for (void *it = json_object_iter(obj); it;
	     it = json_object_iter_next(obj, it)) {
		const char *key = json_object_iter_key(it);
		size_t i;

		for (i = 0; i < n_fields; i++)
			if (strcmp(key, fields[i].name) == 0)
				break;
		if (i == n_fields) {
			echo(key_echo, sizeof(key_echo), key);
			errorf(ret, 400, "bad_request", "Unknown field \"%s\".",
			       key_echo);
			json_decref(obj);
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < n_fields; i++) {
		const struct field *f = &fields[i];

		v = json_object_get(obj, f->name);
		if (!v) {
			if (!f->required)
				continue;
			errorf(ret, 400, "bad_request", "Missing field \"%s\".",
			       f->name);
			json_decref(obj);
			return -EINVAL;
		}
		switch (f->type) {
		case FIELD_STRING:
			if (!json_is_string(v)) {
				errorf(ret, 400, "bad_request",
				       "Field \"%s\" must be a string.",
				       f->name);
				break;
			}
			if (json_string_length(v) > f->max_len) {
				errorf(ret, 400, "bad_request",
				       "Field \"%s\" is longer than %zu "
				       "bytes.",
				       f->name, f->max_len);
				break;
			}
			continue;
		case FIELD_BOOL:
			if (!json_is_boolean(v)) {
				errorf(ret, 400, "bad_request",
				       "Field \"%s\" must be true or false.",
				       f->name);
				break;
			}
			continue;
		case FIELD_ARRAY:
			if (!json_is_array(v)) {
				errorf(ret, 400, "bad_request",
				       "Field \"%s\" must be an array.",
				       f->name);
				break;
			}
			continue;
		case FIELD_INTEGER:
			if (!json_is_integer(v)) {
				errorf(ret, 400, "bad_request",
				       "Field \"%s\" must be an integer.",
				       f->name);
				break;
			}
			continue;
		}
		json_decref(obj);
		return -EINVAL;
	}
done:
	if (ret_obj)
		*ret_obj = obj;
	else
		json_decref(obj);
	return 0;
}

static int no_body(const struct ctx *c, struct api_response *ret)
{
	return body_object(c, ret, NULL, 0, NULL);
}

static void h_healthz(struct ctx *c, struct api_response *ret)
{
	if (no_body(c, ret) < 0)
		return;
	if (office_healthy(c->a->office) != 0) {
		log_warn("api: health check failed: the database does not "
			 "accept writes");
		api_error(ret, 503, "unavailable",
			  "The database does not accept writes.");
		return;
	}
	respond(c, ret, 200, json_pack("{s:s}", "status", "ok"));
}

static void h_services(struct ctx *c, struct api_response *ret)
{
	const struct config *cfg = c->a->cfg;
	json_t *arr;

	if (no_body(c, ret) < 0)
		return;
	arr = json_array();
	if (!arr) {
		internal(c, ret, "out of memory");
		return;
	}
	for (size_t i = 0; i < cfg->n_services; i++) {
		const struct cfg_service *s = &cfg->services[i];
		struct office_service_view v;
		json_t *item;

		memset(&v, 0, sizeof(v));
		if (office_service(c->a->office, (int)i, c->now, &v) < 0) {
			json_decref(arr);
			internal(c, ret, "cannot read a service's queue");
			return;
		}
		/* clang-format off */
		item = json_pack("{s:s,s:s,s:s?,s:s,s:s?,s:b,s:I,s:o}",
				 "id", s->id, "name", s->name,
				 "prefix", s->info ? NULL : s->prefix,
				 "kind", s->info ? "info" : "ticket",
				 "info", s->info,
				 "open", (int)v.open,
				 "waiting", (json_int_t)v.waiting,
				 "est_wait_min", int_or_null(v.est_wait_min));
		/* clang-format on */
		if (json_array_append_new(arr, item)) {
			json_decref(arr);
			internal(c, ret, "cannot render a service");
			return;
		}
	}
	respond(c, ret, 200, arr);
}

/* The index of a ticket service named in a body: 404 when unknown, 422
 * when it is an information tile. */
static int ticket_service(const struct ctx *c, struct api_response *ret,
			  const char *id)
{
	const struct config *cfg = c->a->cfg;
	char buf[ECHO_MAX];
	int s = config_service_index(cfg, id);

	if (s < 0) {
		echo(buf, sizeof(buf), id);
		errorf(ret, 404, "not_found", "Unknown service \"%s\".", buf);
		return -ENOENT;
	}
	if (cfg->services[s].info) {
		errorf(ret, 422, "unprocessable",
		       "No tickets are issued here for \"%s\": %s",
		       cfg->services[s].name, cfg->services[s].info);
		return -EINVAL;
	}
	return s;
}

static void h_issue(struct ctx *c, struct api_response *ret)
{
	static const struct field fields[] = {
		{"service", FIELD_STRING, true, ID_MAX},
		{"kiosk", FIELD_STRING, false, ID_MAX},
		{"priority", FIELD_BOOL, false, 0},
	};
	const struct config *cfg = c->a->cfg;
	struct office_error err;
	struct ticket t;
	json_t *body, *v;
	int service, kiosk = cfg->n_kiosks > 0 ? 0 : -1;
	bool priority = false;
	char buf[ECHO_MAX];

	if (body_object(c, ret, fields, 3, &body) < 0)
		return;
	service = ticket_service(
		c, ret, json_string_value(json_object_get(body, "service")));
	if (service < 0)
		goto out;
	v = json_object_get(body, "kiosk");
	if (v) {
		kiosk = config_kiosk_index(cfg, json_string_value(v));
		if (kiosk < 0) {
			echo(buf, sizeof(buf), json_string_value(v));
			errorf(ret, 422, "unprocessable",
			       "Unknown kiosk \"%s\".", buf);
			goto out;
		}
	}
	v = json_object_get(body, "priority");
	if (v)
		priority = json_is_true(v);

	memset(&t, 0, sizeof(t));
	memset(&err, 0, sizeof(err));
	if (office_issue(c->a->office, service, kiosk, priority, c->now, &t,
			 &err) < 0) {
		office_failed(c, ret, &err);
		goto out;
	}
	respond(c, ret, 201, ticket_json(c->a, &t));
out:
	json_decref(body);
}

/* A ticket id in a path: decimal digits only, 1 to INT64_MAX. */
static int parse_id(const char *s, int64_t *ret)
{
	int64_t v = 0;

	if (!*s || *s == '0')
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v > (INT64_MAX - (*s - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (*s - '0');
	}
	*ret = v;
	return 0;
}

typedef int (*ticket_op)(struct office *o, int64_t id, int64_t now,
			 struct ticket *ret, struct office_error *err);

/* A request about the ticket whose id is the path's parameter. */
static void on_ticket(struct ctx *c, struct api_response *ret, ticket_op op,
		      int status)
{
	struct office_error err;
	struct ticket t;
	char buf[ECHO_MAX];
	int64_t id;

	if (no_body(c, ret) < 0)
		return;
	if (parse_id(c->param[0], &id) < 0) {
		echo(buf, sizeof(buf), c->param[0]);
		errorf(ret, 404, "not_found", "There is no ticket \"%s\".",
		       buf);
		return;
	}
	memset(&t, 0, sizeof(t));
	memset(&err, 0, sizeof(err));
	if (op(c->a->office, id, c->now, &t, &err) < 0) {
		office_failed(c, ret, &err);
		return;
	}
	respond(c, ret, status, ticket_json(c->a, &t));
}

static void h_ticket(struct ctx *c, struct api_response *ret)
{
	on_ticket(c, ret, office_ticket, 200);
}

static void h_display(struct ctx *c, struct api_response *ret)
{
	const struct config *cfg = c->a->cfg;
	struct store_call calls[DISPLAY_CALLS];
	json_t *arr;
	size_t n = 0;

	if (no_body(c, ret) < 0)
		return;
	if (office_recent_calls(c->a->office, c->now, calls, DISPLAY_CALLS,
				&n) < 0) {
		internal(c, ret, "cannot read the recent calls");
		return;
	}
	arr = json_array();
	if (!arr) {
		internal(c, ret, "out of memory");
		return;
	}
	for (size_t i = 0; i < n && i < DISPLAY_CALLS; i++) {
		const struct store_call *call = &calls[i];
		const char *name = NULL;
		json_t *item;
		char at[32];

		if (call->counter >= 0 &&
		    (size_t)call->counter < cfg->n_counters)
			name = cfg->counters[call->counter].name;
		hours_rfc3339(call->at, at);
		/* clang-format off */
		item = json_pack("{s:s%,s:s?,s:s?,s:s}",
				 "number", call->number,
				 strnlen(call->number, sizeof(call->number)),
				 "counter", counter_id(c->a, call->counter),
				 "counter_name", name,
				 "at", at);
		/* clang-format on */
		if (json_array_append_new(arr, item)) {
			json_decref(arr);
			internal(c, ret, "cannot render a call");
			return;
		}
	}
	respond(c, ret, 200, json_pack("{s:o}", "calls", arr));
}

static void render_counter(struct ctx *c, struct api_response *ret)
{
	struct office_counter_view v;
	struct office_error err;

	memset(&v, 0, sizeof(v));
	memset(&err, 0, sizeof(err));
	if (office_counter(c->a->office, c->counter, c->now, &v, &err) < 0) {
		office_failed(c, ret, &err);
		return;
	}
	respond(c, ret, 200, counter_json(c->a, c->counter, &v));
	office_counter_view_clear(&v);
}

static void h_counter(struct ctx *c, struct api_response *ret)
{
	if (no_body(c, ret) < 0)
		return;
	render_counter(c, ret);
}

static void h_next(struct ctx *c, struct api_response *ret)
{
	struct office_error err;
	struct ticket t;
	bool none = false;

	if (no_body(c, ret) < 0)
		return;
	memset(&t, 0, sizeof(t));
	memset(&err, 0, sizeof(err));
	if (office_next(c->a->office, c->counter, c->now, &t, &none, &err) <
	    0) {
		office_failed(c, ret, &err);
		return;
	}
	if (none) {
		ret->status = 204;
		return;
	}
	respond(c, ret, 200, ticket_json(c->a, &t));
}

static void h_recall(struct ctx *c, struct api_response *ret)
{
	struct office_error err;
	struct ticket t;

	if (no_body(c, ret) < 0)
		return;
	memset(&t, 0, sizeof(t));
	memset(&err, 0, sizeof(err));
	if (office_recall(c->a->office, c->counter, c->now, &t, &err) < 0) {
		office_failed(c, ret, &err);
		return;
	}
	respond(c, ret, 200, ticket_json(c->a, &t));
}

static void h_done(struct ctx *c, struct api_response *ret)
{
	static const struct field fields[] = {
		{"outcome", FIELD_STRING, true, ID_MAX},
	};
	struct office_error err;
	struct ticket t;
	const char *outcome;
	bool served;
	json_t *body;

	if (body_object(c, ret, fields, 1, &body) < 0)
		return;
	outcome = json_string_value(json_object_get(body, "outcome"));
	if (strcmp(outcome, "served") == 0) {
		served = true;
	} else if (strcmp(outcome, "no_show") == 0) {
		served = false;
	} else {
		api_error(ret, 400, "bad_request",
			  "Field \"outcome\" must be \"served\" or "
			  "\"no_show\".");
		goto out;
	}
	memset(&t, 0, sizeof(t));
	memset(&err, 0, sizeof(err));
	if (office_done(c->a->office, c->counter, served, c->now, &t, &err) <
	    0) {
		office_failed(c, ret, &err);
		goto out;
	}
	respond(c, ret, 200, ticket_json(c->a, &t));
out:
	json_decref(body);
}

static void h_transfer(struct ctx *c, struct api_response *ret)
{
	static const struct field fields[] = {
		{"service", FIELD_STRING, true, ID_MAX},
	};
	struct office_error err;
	struct ticket t;
	json_t *body;
	int service;

	if (body_object(c, ret, fields, 1, &body) < 0)
		return;
	service = ticket_service(
		c, ret, json_string_value(json_object_get(body, "service")));
	if (service < 0)
		goto out;
	memset(&t, 0, sizeof(t));
	memset(&err, 0, sizeof(err));
	if (office_transfer(c->a->office, c->counter, service, c->now, &t,
			    &err) < 0) {
		office_failed(c, ret, &err);
		goto out;
	}
	respond(c, ret, 200, ticket_json(c->a, &t));
out:
	json_decref(body);
}

static void set_paused(struct ctx *c, struct api_response *ret, bool paused)
{
	struct office_error err;

	if (no_body(c, ret) < 0)
		return;
	memset(&err, 0, sizeof(err));
	if (office_pause(c->a->office, c->counter, paused, c->now, &err) < 0) {
		office_failed(c, ret, &err);
		return;
	}
	render_counter(c, ret);
}

static void h_pause(struct ctx *c, struct api_response *ret)
{
	set_paused(c, ret, true);
}

static void h_resume(struct ctx *c, struct api_response *ret)
{
	set_paused(c, ret, false);
}

static void h_checkin(struct ctx *c, struct api_response *ret)
{
	static const struct field fields[] = {
		{"code", FIELD_STRING, true, 64},
		{"kiosk", FIELD_STRING, false, ID_MAX},
	};
	const struct config *cfg = c->a->cfg;
	struct office_error err;
	struct ticket t;
	json_t *body, *v, *o;
	int kiosk = cfg->n_kiosks > 0 ? 0 : -1;
	char buf[ECHO_MAX], message[256];

	if (body_object(c, ret, fields, 2, &body) < 0)
		return;
	v = json_object_get(body, "kiosk");
	if (v) {
		kiosk = config_kiosk_index(cfg, json_string_value(v));
		if (kiosk < 0) {
			echo(buf, sizeof(buf), json_string_value(v));
			errorf(ret, 422, "unprocessable",
			       "Unknown kiosk \"%s\".", buf);
			goto out;
		}
	}
	memset(&t, 0, sizeof(t));
	memset(&err, 0, sizeof(err));
	if (office_checkin(c->a->office,
			   json_string_value(json_object_get(body, "code")),
			   kiosk, c->now, &t, message, sizeof(message),
			   &err) < 0) {
		office_failed(c, ret, &err);
		goto out;
	}
	o = ticket_json(c->a, &t);
	if (o && message[0] &&
	    json_object_set_new(o, "message", json_string(message)) < 0) {
		json_decref(o);
		o = NULL;
	}
	respond(c, ret, 201, o);
out:
	json_decref(body);
}

#define IMPORT_MAX 1000

/* One item of POST /api/v1/appointments; every refusal names its index. */
static int booking_item(struct ctx *c, struct api_response *ret, size_t i,
			json_t *item, struct office_booking *b)
{
	static const char *const allowed[] = {"code",  "service", "start",
					      "end",   "phone",   "status"};
	const struct config *cfg = c->a->cfg;
	const char *service, *status, *start, *end;
	char buf[ECHO_MAX];
	json_t *v;

	if (!json_is_object(item)) {
		errorf(ret, 400, "bad_request",
		       "appointments[%zu] must be an object.", i);
		return -EINVAL;
	}
	for (void *it = json_object_iter(item); it;
	     it = json_object_iter_next(item, it)) {
		const char *key = json_object_iter_key(it);
		size_t k;
		for (k = 0; k < sizeof(allowed) / sizeof(allowed[0]); k++)
			if (strcmp(key, allowed[k]) == 0)
				break;
		if (k == sizeof(allowed) / sizeof(allowed[0])) {
			echo(buf, sizeof(buf), key);
			errorf(ret, 400, "bad_request",
			       "appointments[%zu]: unknown field \"%s\".", i,
			       buf);
			return -EINVAL;
		}
	}
#define STRING_FIELD(name, required, max, out)                              \
	do {                                                                \
		v = json_object_get(item, name);                            \
		(out) = NULL;                                               \
		if (!v || json_is_null(v)) {                                \
			if (!(required))                                    \
				break;                                      \
			errorf(ret, 400, "bad_request",                     \
			       "appointments[%zu]: missing \"" name "\".", i); \
			return -EINVAL;                                     \
		}                                                           \
		if (!json_is_string(v) || json_string_length(v) > (max)) {  \
			errorf(ret, 400, "bad_request",                     \
			       "appointments[%zu]: \"" name "\" must be a "   \
			       "string of at most %d bytes.",               \
			       i, (int)(max));                              \
			return -EINVAL;                                     \
		}                                                           \
		(out) = json_string_value(v);                               \
	} while (0)
	STRING_FIELD("code", true, 64, b->code);
	STRING_FIELD("service", true, ID_MAX, service);
	STRING_FIELD("start", true, 40, start);
	STRING_FIELD("end", true, 40, end);
	STRING_FIELD("phone", false, 20, b->phone);
	STRING_FIELD("status", false, 16, status);
#undef STRING_FIELD
	if (office_normalize_code(b->code, (char[33]){0}) < 0) {
		errorf(ret, 422, "unprocessable",
		       "appointments[%zu]: the code must be 4 to 32 letters "
		       "and digits (spaces and dashes are ignored).",
		       i);
		return -EINVAL;
	}
	b->service = config_service_index(cfg, service);
	if (b->service < 0 || cfg->services[b->service].info) {
		echo(buf, sizeof(buf), service);
		errorf(ret, 422, "unprocessable",
		       "appointments[%zu]: \"%s\" is not a service that "
		       "issues tickets here.",
		       i, buf);
		return -EINVAL;
	}
	if (hours_parse_rfc3339(start, &b->start) < 0 ||
	    hours_parse_rfc3339(end, &b->end) < 0) {
		errorf(ret, 400, "bad_request",
		       "appointments[%zu]: start and end must be RFC 3339 "
		       "times with an offset, such as "
		       "2026-12-03T09:15:00+02:00.",
		       i);
		return -EINVAL;
	}
	if (b->end <= b->start) {
		errorf(ret, 422, "unprocessable",
		       "appointments[%zu]: the end must be after the start.",
		       i);
		return -EINVAL;
	}
	if (b->phone) {
		size_t n = strlen(b->phone);
		bool ok = n >= 6;
		for (size_t k = 0; ok && k < n; k++)
			ok = (b->phone[k] >= '0' && b->phone[k] <= '9') ||
			     (k == 0 && b->phone[k] == '+');
		if (!ok) {
			errorf(ret, 400, "bad_request",
			       "appointments[%zu]: \"phone\" must be digits "
			       "with an optional leading +.",
			       i);
			return -EINVAL;
		}
	}
	b->cancelled = false;
	if (status && strcmp(status, "cancelled") == 0) {
		b->cancelled = true;
	} else if (status && strcmp(status, "booked") != 0) {
		errorf(ret, 400, "bad_request",
		       "appointments[%zu]: \"status\" must be \"booked\" or "
		       "\"cancelled\".",
		       i);
		return -EINVAL;
	}
	return 0;
}

static void h_appointments(struct ctx *c, struct api_response *ret)
{
	static const struct field fields[] = {
		{"appointments", FIELD_ARRAY, true, 0},
	};
	struct office_booking *b = NULL;
	struct office_error err;
	size_t n, created = 0, updated = 0;
	json_t *body, *list;

	if (body_object(c, ret, fields, 1, &body) < 0)
		return;
	list = json_object_get(body, "appointments");
	n = json_array_size(list);
	if (n > IMPORT_MAX) {
		errorf(ret, 400, "bad_request",
		       "At most %d appointments per request.", IMPORT_MAX);
		goto out;
	}
	b = calloc(n ? n : 1, sizeof(*b));
	if (!b) {
		internal(c, ret, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (booking_item(c, ret, i, json_array_get(list, i), &b[i]) < 0)
			goto out;
	memset(&err, 0, sizeof(err));
	if (office_import(c->a->office, b, n, c->now, &created, &updated,
			  &err) < 0) {
		office_failed(c, ret, &err);
		goto out;
	}
	respond(c, ret, 200,
		json_pack("{s:I, s:I}", "created", (json_int_t)created,
			  "updated", (json_int_t)updated));
out:
	free(b);
	json_decref(body);
}

static void h_test_clock(struct ctx *c, struct api_response *ret)
{
	static const struct field fields[] = {
		{"advance_s", FIELD_INTEGER, true, 0},
	};
	json_t *body;
	json_int_t s;
	char now[32];

	if (!c->a->advance) {
		api_error(ret, 404, "not_found",
			  "There is no test clock: the daemon runs on the "
			  "real clock (start it with --test-clock).");
		return;
	}
	if (body_object(c, ret, fields, 1, &body) < 0)
		return;
	s = json_integer_value(json_object_get(body, "advance_s"));
	json_decref(body);
	if (s < 0 || s > 366 * 86400) {
		api_error(ret, 400, "bad_request",
			  "\"advance_s\" must be between 0 and a year of "
			  "seconds: the clock only moves forward.");
		return;
	}
	hours_rfc3339(c->a->advance(c->a->advance_data, (int64_t)s), now);
	respond(c, ret, 200, json_pack("{s:s}", "now", now));
}

static void h_reprint(struct ctx *c, struct api_response *ret)
{
	on_ticket(c, ret, office_reprint, 202);
}

static json_t *printer_state_json(const struct api *a, size_t i,
				  const struct printer_status *st)
{
	const struct cfg_printer *p = &a->cfg->printers[i];

	return json_pack("{s:s, s:s, s:s, s:s}", "name", p->name, "driver",
			 printer_driver_name(p->driver), "state",
			 printer_state_name(st->state), "detail", st->detail);
}

static json_t *printer_json(const struct api *a, size_t i)
{
	struct printer_status st = {.state = PRINTER_OK};

	if (a->cfg->printers[i].driver == DRIVER_NONE)
		snprintf(st.detail, sizeof(st.detail), "no printer");
	else if (!a->printers ||
		 printers_status(a->printers, (int)i, &st) < 0)
		st = (struct printer_status){.state = PRINTER_UNKNOWN,
					     .detail = "not supervised"};
	return printer_state_json(a, i, &st);
}

static void h_printers(struct ctx *c, struct api_response *ret)
{
	json_t *list = json_array();

	if (no_body(c, ret) < 0) {
		json_decref(list);
		return;
	}
	for (size_t i = 0; list && i < c->a->cfg->n_printers; i++) {
		json_t *p = printer_json(c->a, i);
		if (!p || json_array_append_new(list, p) < 0) {
			json_decref(list);
			list = NULL;
		}
	}
	respond(c, ret, 200, list);
}

static void h_stats(struct ctx *c, struct api_response *ret)
{
	if (no_body(c, ret) < 0)
		return;
	api_stats_report(c->a->cfg, c->a->stats, c->req, c->now, ret);
}

static void h_metrics(struct ctx *c, struct api_response *ret)
{
	if (no_body(c, ret) < 0)
		return;
	api_stats_metrics(c->a->cfg, c->a->stats, c->a->printers, c->now,
			  ret);
}

/* What the pages show of the office, from the config's [office]. */
static void h_office(struct ctx *c, struct api_response *ret)
{
	const struct config *cfg = c->a->cfg;

	if (no_body(c, ret) < 0)
		return;
	respond(c, ret, 200,
		json_pack("{s:s, s:s, s:s, s:s}", "name", cfg->office.name,
			  "address", cfg->office.address, "footer",
			  cfg->office.footer, "timezone",
			  cfg->office.timezone));
}

static const struct route routes[] = {
	{"GET", "/healthz", AUTH_NONE, h_healthz},
	{"GET", "/api/v1/services", AUTH_NONE, h_services},
	{"GET", "/api/v1/office", AUTH_NONE, h_office},
	{"POST", "/api/v1/tickets", AUTH_KIOSK, h_issue},
	{"GET", "/api/v1/tickets/{}", AUTH_NONE, h_ticket},
	{"GET", "/api/v1/display", AUTH_NONE, h_display},
	{"GET", "/api/v1/counters/{}", AUTH_COUNTER, h_counter},
	{"POST", "/api/v1/counters/{}/next", AUTH_COUNTER, h_next},
	{"POST", "/api/v1/counters/{}/recall", AUTH_COUNTER, h_recall},
	{"POST", "/api/v1/counters/{}/done", AUTH_COUNTER, h_done},
	{"POST", "/api/v1/counters/{}/transfer", AUTH_COUNTER, h_transfer},
	{"POST", "/api/v1/counters/{}/pause", AUTH_COUNTER, h_pause},
	{"POST", "/api/v1/counters/{}/resume", AUTH_COUNTER, h_resume},
	{"POST", "/api/v1/tickets/{}/reprint", AUTH_ADMIN, h_reprint},
	{"POST", "/api/v1/checkins", AUTH_KIOSK, h_checkin},
	{"POST", "/api/v1/appointments", AUTH_ADMIN, h_appointments},
	{"POST", "/api/v1/test/clock", AUTH_ADMIN, h_test_clock},
	{"GET", "/api/v1/printers", AUTH_ADMIN, h_printers},
	{"GET", "/api/v1/stats", AUTH_ADMIN, h_stats},
	{"GET", "/metrics", AUTH_NONE, h_metrics},
};

static bool route_match(const char *pattern, const char *path, struct ctx *c)
{
	size_t n = 0;

	while (*pattern && *path) {
		if (pattern[0] == '{' && pattern[1] == '}') {
			size_t len = strcspn(path, "/");

			if (len == 0 || len >= PARAM_MAX || n >= PARAMS_MAX)
				return false;
			memcpy(c->param[n], path, len);
			c->param[n][len] = '\0';
			n++;
			path += len;
			pattern += 2;
			continue;
		}
		if (*pattern != *path)
			return false;
		pattern++;
		path++;
	}
	return *pattern == '\0' && *path == '\0';
}

/* HEAD is answered wherever GET is; libmicrohttpd drops the body. */
static bool method_match(const char *route, const char *method)
{
	if (strcmp(route, method) == 0)
		return true;
	return strcmp(route, "GET") == 0 && strcmp(method, "HEAD") == 0;
}

static void allow_add(char *allow, size_t size, const char *method)
{
	size_t len = strlen(allow);

	if (strstr(allow, method))
		return;
	snprintf(allow + len, size - len, "%s%s", len ? ", " : "", method);
	if (strcmp(method, "GET") == 0)
		allow_add(allow, size, "HEAD");
}

static int parse_addr(const char *s, struct addr16 *ret)
{
	char buf[64];
	size_t len = strcspn(s, "%");
	struct in_addr v4;

	/* A link-local peer comes with its zone ("fe80::1%eth0"). */
	if (len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, &v4) == 1) {
		memset(ret->b, 0, 10);
		ret->b[10] = 0xff;
		ret->b[11] = 0xff;
		memcpy(ret->b + 12, &v4, 4);
		return 0;
	}
	if (inet_pton(AF_INET6, buf, ret->b) == 1)
		return 0;
	return -EINVAL;
}

static int check_kiosk(const struct ctx *c, struct api_response *ret)
{
	const struct api *a = c->a;
	struct addr16 peer;

	if (a->n_kiosk_clients == 0)
		return 0;
	if (c->req->client_addr &&
	    parse_addr(c->req->client_addr, &peer) == 0) {
		for (size_t i = 0; i < a->n_kiosk_clients; i++)
			if (memcmp(peer.b, a->kiosk_clients[i].b, 16) == 0)
				return 0;
	}
	api_error(ret, 403, "forbidden",
		  "This device is not allowed to issue tickets.");
	return -EPERM;
}

/* The bearer token of an Authorization header: -ENOENT without one,
 * -EINVAL when it is not "Bearer <token>". */
static int bearer(const char *h, const char **ret, size_t *ret_len)
{
	size_t len;

	if (!h)
		return -ENOENT;
	if (strncasecmp(h, "Bearer", 6) != 0 || (h[6] != ' ' && h[6] != '\t'))
		return -EINVAL;
	h += 6;
	while (*h == ' ' || *h == '\t')
		h++;
	/* Whitespace around a field value is not part of it (RFC 9110). */
	len = strlen(h);
	while (len > 0 && (h[len - 1] == ' ' || h[len - 1] == '\t'))
		len--;
	if (len == 0 || len > API_TOKEN_MAX)
		return -EINVAL;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)h[i] <= ' ' || h[i] == 0x7f)
			return -EINVAL;
	*ret = h;
	*ret_len = len;
	return 0;
}

#define OWNER_NONE (-1)
#define OWNER_ADMIN (-2)

/* Whose token this is: a counter's index, OWNER_ADMIN or OWNER_NONE. Every
 * configured token is compared, so that the time taken does not tell
 * which one matched. A token shared by several owners (config forbids it)
 * resolves to want when want is among them. */
static int token_owner(const struct api *a, const char *tok, size_t len,
		       int want)
{
	const struct config *cfg = a->cfg;
	int owner = OWNER_NONE;
	bool wanted = false;

	for (size_t i = 0; i < cfg->n_counters; i++) {
		bool eq = cfg->counters[i].token &&
			  api_token_equal(tok, len, cfg->counters[i].token,
					  a->token_len[i]);

		owner = eq ? (int)i : owner;
		wanted |= eq && (int)i == want;
	}
	if (cfg->server.admin_token) {
		bool eq = api_token_equal(tok, len, cfg->server.admin_token,
					  a->admin_len);

		owner = eq ? OWNER_ADMIN : owner;
		wanted |= eq && want == OWNER_ADMIN;
	}
	return wanted ? want : owner;
}

static int unauthorized(struct api_response *ret, const char *message)
{
	api_error(ret, 401, "unauthorized", message);
	(void)api_response_header(ret, "WWW-Authenticate",
				  "Bearer realm=\"bonomat\"");
	return -EACCES;
}

/* want: a counter's index, or OWNER_ADMIN. */
static int check_token(const struct ctx *c, struct api_response *ret, int want)
{
	const char *tok = NULL;
	size_t len = 0;
	int r, owner;

	r = bearer(c->req->authorization, &tok, &len);
	if (r == -ENOENT)
		return unauthorized(ret, "This request needs a token "
					 "(Authorization: Bearer <token>).");
	if (r < 0)
		return unauthorized(ret, "The Authorization header must be "
					 "\"Bearer <token>\".");
	owner = token_owner(c->a, tok, len, want);
	if (owner == want)
		return 0;
	if (owner == OWNER_NONE)
		return unauthorized(ret, "The token is not valid.");
	if (want == OWNER_ADMIN)
		errorf(ret, 403, "forbidden",
		       "Counter %s's token does not allow this; the admin "
		       "token is needed.",
		       counter_id(c->a, owner));
	else if (owner == OWNER_ADMIN)
		errorf(ret, 403, "forbidden",
		       "The admin token does not allow acting for counter "
		       "%s.",
		       counter_id(c->a, want));
	else
		errorf(ret, 403, "forbidden",
		       "Counter %s's token does not allow acting for counter "
		       "%s.",
		       counter_id(c->a, owner), counter_id(c->a, want));
	return -EPERM;
}

static int authorize(struct ctx *c, enum auth auth, struct api_response *ret)
{
	char buf[ECHO_MAX];

	switch (auth) {
	case AUTH_NONE:
		return 0;
	case AUTH_KIOSK:
		return check_kiosk(c, ret);
	case AUTH_COUNTER:
		c->counter = config_counter_index(c->a->cfg, c->param[0]);
		if (c->counter < 0) {
			echo(buf, sizeof(buf), c->param[0]);
			errorf(ret, 404, "not_found", "Unknown counter \"%s\".",
			       buf);
			return -ENOENT;
		}
		return check_token(c, ret, c->counter);
	case AUTH_ADMIN:
		return check_token(c, ret, OWNER_ADMIN);
	}
	return -EINVAL;
}

void api_handle(struct api *a, const struct api_request *req,
		struct api_response *ret)
{
	struct ctx c = {.a = a, .req = req, .counter = -1};
	const struct route *found = NULL;
	char allow[API_HEADER_VALUE_MAX] = "";

	memset(ret, 0, sizeof(*ret));
	if (!req->method || !req->path || (req->body_len && !req->body)) {
		api_error(ret, 400, "bad_request",
			  "The request is incomplete.");
		return;
	}
	if (req->body_len > API_BODY_MAX) {
		api_error(ret, 413, "payload_too_large",
			  "The body is larger than 64 KiB.");
		return;
	}
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const struct route *r = &routes[i];

		if (!route_match(r->pattern, req->path, &c))
			continue;
		if (method_match(r->method, req->method)) {
			found = r;
			break;
		}
		allow_add(allow, sizeof(allow), r->method);
	}
	if (!found) {
		if (allow[0]) {
			errorf(ret, 405, "method_not_allowed",
			       "This resource only accepts %s.", allow);
			(void)api_response_header(ret, "Allow", allow);
		} else {
			api_error(ret, 404, "not_found",
				  "There is no such resource.");
		}
		return;
	}
	c.now = a->clock(a->clock_data);
	if (authorize(&c, found->auth, ret) < 0)
		return;
	found->handler(&c, ret);
}

int api_handles(const char *path)
{
	if (!path)
		return 0;
	return strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0 ||
	       strcmp(path, "/healthz") == 0 || strcmp(path, "/metrics") == 0;
}

int api_new(const struct config *cfg, struct office *office, api_clock_fn clock,
	    void *clock_data, struct api **ret)
{
	struct api *a;
	int r = -ENOMEM;

	if (!cfg || !office || !clock || !ret)
		return -EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->cfg = cfg;
	a->office = office;
	a->clock = clock;
	a->clock_data = clock_data;

	a->token_len = calloc(cfg->n_counters + 1, sizeof(*a->token_len));
	if (!a->token_len)
		goto fail;
	for (size_t i = 0; i < cfg->n_counters; i++) {
		const char *t = cfg->counters[i].token;

		a->token_len[i] = t ? strlen(t) : 0;
		if (a->token_len[i] > API_TOKEN_MAX) {
			log_err("api: the token of counter %s is longer than "
				"%d bytes",
				cfg->counters[i].id, API_TOKEN_MAX);
			r = -EINVAL;
			goto fail;
		}
	}
	if (cfg->server.admin_token) {
		a->admin_len = strlen(cfg->server.admin_token);
		if (a->admin_len > API_TOKEN_MAX) {
			log_err("api: the admin token is longer than %d bytes",
				API_TOKEN_MAX);
			r = -EINVAL;
			goto fail;
		}
	}

	if (cfg->server.n_kiosk_clients > 0) {
		a->kiosk_clients = calloc(cfg->server.n_kiosk_clients,
					  sizeof(*a->kiosk_clients));
		if (!a->kiosk_clients)
			goto fail;
	}
	for (size_t i = 0; i < cfg->server.n_kiosk_clients; i++) {
		if (parse_addr(cfg->server.kiosk_clients[i],
			       &a->kiosk_clients[i]) < 0) {
			log_err("api: kiosk client \"%s\" is not a numeric "
				"address",
				cfg->server.kiosk_clients[i]);
			r = -EINVAL;
			goto fail;
		}
	}
	a->n_kiosk_clients = cfg->server.n_kiosk_clients;
	*ret = a;
	return 0;
fail:
	api_free(a);
	return r;
}

void api_set_printers(struct api *a, struct printers *p)
{
	a->printers = p;
}

void api_set_test_clock(struct api *a, api_advance_fn advance,
			void *userdata)
{
	a->advance = advance;
	a->advance_data = userdata;
}

void api_set_events(struct api *a, struct events *e)
{
	a->events = e;
}

void api_set_stats(struct api *a, struct stats *s)
{
	a->stats = s;
}

static void publish(struct api *a, const char *type, json_t *v);

void api_printer_changed(struct api *a, int printer,
			 const struct printer_status *st)
{
	if (!a->events || printer < 0 ||
	    (size_t)printer >= a->cfg->n_printers)
		return;
	publish(a, "printer", printer_state_json(a, (size_t)printer, st));
}

static void publish(struct api *a, const char *type, json_t *v)
{
	char *data = NULL;
	size_t len;

	if (dump(v, &data, &len) == 0)
		events_publish(a->events, type, data);
	else
		log_err("events: cannot render a %s event", type);
	free(data);
}

void api_office_event(void *userdata, const struct office_event *ev)
{
	struct api *a = userdata;
	const struct config *cfg = a->cfg;
	char at[32];

	if (!a->events)
		return;
	hours_rfc3339(ev->at, at);
	if (ev->type == OFFICE_EVENT_QUEUE) {
		json_t *list = json_array();
		for (size_t i = 0; list && i < ev->n_services; i++) {
			const struct office_service_view *v = &ev->services[i];
			if (cfg->services[i].info)
				continue;
			if (json_array_append_new(
				    list,
				    json_pack("{s:s, s:I, s:o, s:b}", "id",
					      cfg->services[i].id, "waiting",
					      (json_int_t)v->waiting,
					      "est_wait_min",
					      int_or_null(v->est_wait_min),
					      "open", v->open)) < 0) {
				json_decref(list);
				list = NULL;
			}
		}
		publish(a, "queue",
			json_pack("{s:o?, s:s}", "services", list, "at", at));
		return;
	}
	const struct ticket *t = ev->ticket;
	publish(a, ev->type == OFFICE_EVENT_CALLED ? "called" : "recalled",
		json_pack("{s:I, s:s, s:s?, s:s?, s:s?, s:s}", "ticket",
			  (json_int_t)t->id, "number", t->number, "service",
			  service_id(a, t->service), "counter",
			  counter_id(a, t->counter), "counter_name",
			  t->counter >= 0 ? cfg->counters[t->counter].name
					  : NULL,
			  "at", at));
}

void api_free(struct api *a)
{
	if (!a)
		return;
	free(a->kiosk_clients);
	free(a->token_len);
	free(a);
}
