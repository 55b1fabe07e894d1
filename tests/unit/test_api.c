/* The HTTP API as a function: routing, strict JSON, tokens, kiosk clients
 * and the shapes of API.md, against a real config, store and office in a
 * temporary directory, at a fixed time. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "api.h"
#include "config.h"
#include "hours.h"
#include "office.h"
#include "store.h"

#define TOK1 "tok-counter-1"
#define TOK2 "tok-counter-2"
#define ADMIN "admin-secret-1"
#define SUPERVISOR "tok-supervisor-sef"
#define TICKETS "/api/v1/tickets"
#define NOW_TEXT "2026-12-03T09:15:00+02:00"

static const char conf_text[] =
	"[office]\n"
	"name = Primăria Sectorului 1 — Biroul Cetățeanului\n"
	"address = Str. Mureș nr. 18–24, parter\n"
	"timezone = Europe/Bucharest\n"
	"footer = Programări online: programare.primariasector1.ro\n"
	"\n"
	"[server]\n"
	"listen = 127.0.0.1:0\n"
	"ui_dir = ui\n"
	"admin_token = " ADMIN "\n"
	"kiosk_clients = 127.0.0.1, ::1\n"
	"\n"
	"[storage]\n"
	"database = unused.db\n"
	"\n"
	"[hours]\n"
	"monday    = 08:30-16:30\n"
	"tuesday   = 08:30-16:30\n"
	"wednesday = 08:30-16:30\n"
	"thursday  = 08:30-18:30\n"
	"friday    = 08:30-16:30\n"
	"cutoff    = 15\n"
	"always_open = true\n"
	"\n"
	"[policy]\n"
	"max_wait = 45\n"
	"walkin_every = 3\n"
	"early_window = 10\n"
	"late_grace = 15\n"
	"appointment_prefix = P\n"
	"\n"
	"[printer.default]\n"
	"driver = none\n"
	"\n"
	"[kiosk.k1]\n"
	"printer = default\n"
	"\n"
	"[kiosk.k2]\n"
	"printer = default\n"
	"\n"
	"[service.A]\n"
	"name = Taxe și impozite locale\n"
	"prefix = A\n"
	"minutes = 8\n"
	"\n"
	"[service.B]\n"
	"name = Registratură\n"
	"prefix = B\n"
	"minutes = 5\n"
	"\n"
	"[service.SC]\n"
	"name = Acte de stare civilă\n"
	"info = Se eliberează la sediul din Bd. Mareșal Averescu nr. 17.\n"
	"\n"
	"[counter.1]\n"
	"name = Ghișeul 1\n"
	"services = A, B\n"
	"token = " TOK1 "\n"
	"\n"
	"[counter.2]\n"
	"name = Ghișeul 2\n"
	"services = A\n"
	"token = " TOK2 "\n"
	"\n"
	"[supervisor.sef]\n"
	"token = " SUPERVISOR "\n";

static struct config *cfg;
static int64_t now;

struct fixture {
	char dir[64];
	char path[128];
	struct store *st;
	struct office *office;
	struct api *api;
	struct api_response r;
};

static int64_t fixed_clock(void *userdata)
{
	return *(const int64_t *)userdata;
}

static int group_setup(void **state)
{
	char err[CONFIG_ERR_MAX];

	(void)state;
	if (hours_set_zone("Europe/Bucharest") < 0)
		return -1;
	if (hours_parse_rfc3339(NOW_TEXT, &now) < 0)
		return -1;
	if (config_parse(conf_text, strlen(conf_text), "test_api.conf", &cfg,
			 err, sizeof(err)) < 0) {
		fprintf(stderr, "config: %s\n", err);
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	config_free(cfg);
	return 0;
}

static void remove_tree(const char *dir)
{
	char path[512];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		(void)unlink(path);
	}
	closedir(d);
	(void)rmdir(dir);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/bonomat-api-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/bonomat.db", f->dir);
	if (store_open(f->path, cfg, &f->st) < 0 ||
	    office_new(cfg, f->st, now, &f->office) < 0 ||
	    api_new(cfg, f->office, fixed_clock, &now, &f->api) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	api_response_clear(&f->r);
	api_free(f->api);
	office_free(f->office);
	store_close(f->st);
	remove_tree(f->dir);
	free(f);
	return 0;
}

/* One request; the answer stays in f->r until the next one. */
static struct api_response *req(struct fixture *f, const char *method,
				const char *path, const char *body,
				const char *auth, const char *addr)
{
	struct api_request rq = {
		.method = method,
		.path = path,
		.body = body,
		.body_len = body ? strlen(body) : 0,
		.authorization = auth,
		.client_addr = addr,
	};

	api_response_clear(&f->r);
	api_handle(f->api, &rq, &f->r);
	return &f->r;
}

static struct api_response *counter(struct fixture *f, const char *method,
				    const char *path, const char *body,
				    const char *token)
{
	char auth[128];

	snprintf(auth, sizeof(auth), "Bearer %s", token);
	return req(f, method, path, body, auth, "192.0.2.7");
}

static struct api_response *kiosk(struct fixture *f, const char *body)
{
	return req(f, "POST", TICKETS, body, NULL, "127.0.0.1");
}

static const char *header(const struct api_response *r, const char *name)
{
	for (size_t i = 0; i < r->n_headers; i++)
		if (strcasecmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}

/* The body of r as JSON (a new reference), after checking the status. */
static json_t *json_of(const struct api_response *r, int status)
{
	json_error_t jerr;
	json_t *v;

	if (r->status != status)
		fail_msg("status %d, want %d; body %.*s", r->status, status,
			 (int)r->body_len, r->body ? r->body : "");
	assert_non_null(r->content_type);
	assert_string_equal(r->content_type, "application/json");
	assert_non_null(r->body);
	assert_int_equal(strlen(r->body), r->body_len);
	v = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!v)
		fail_msg("not JSON (%s): %.*s", jerr.text, (int)r->body_len,
			 r->body);
	return v;
}

/* Checks the error shape of API.md exactly; when part is given, the
 * message must contain it. */
static void expect_error(const struct api_response *r, int status,
			 const char *code, const char *part)
{
	json_t *v = json_of(r, status), *e, *c, *m;

	assert_true(json_is_object(v));
	assert_int_equal(json_object_size(v), 1);
	e = json_object_get(v, "error");
	assert_true(json_is_object(e));
	assert_int_equal(json_object_size(e), 2);
	c = json_object_get(e, "code");
	m = json_object_get(e, "message");
	assert_true(json_is_string(c));
	assert_true(json_is_string(m));
	assert_string_equal(json_string_value(c), code);
	assert_true(json_string_length(m) > 0);
	if (part && !strstr(json_string_value(m), part))
		fail_msg("message \"%s\" does not contain \"%s\"",
			 json_string_value(m), part);
	json_decref(v);
}

static const char *str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v))
		fail_msg("\"%s\" is not a string", key);
	return json_string_value(v);
}

static json_int_t num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		fail_msg("\"%s\" is not an integer", key);
	return json_integer_value(v);
}

static void expect_ticket_shape(json_t *t)
{
	/* clang-format off */
	static const char *const keys[] = {
		"id", "number", "service", "kind", "state", "issued_at",
		"ahead", "est_wait_min", "printed", "counter", "late",
	};
	/* clang-format on */
	json_t *v;

	assert_true(json_is_object(t));
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!json_object_get(t, keys[i]))
			fail_msg("ticket without \"%s\"", keys[i]);
	assert_true(num(t, "id") > 0);
	assert_true(num(t, "ahead") >= 0);
	v = json_object_get(t, "est_wait_min");
	assert_true(json_is_null(v) || json_is_integer(v));
	v = json_object_get(t, "counter");
	assert_true(json_is_null(v) || json_is_string(v));
	assert_true(json_is_boolean(json_object_get(t, "late")));
	(void)str(t, "number");
	(void)str(t, "service");
	(void)str(t, "kind");
	(void)str(t, "state");
	(void)str(t, "issued_at");
	(void)str(t, "printed");
}

/* Issues a ticket of service from the kiosk and returns its id. */
static json_int_t issue(struct fixture *f, const char *service)
{
	char body[96];
	json_t *t;
	json_int_t id;

	snprintf(body, sizeof(body),
		 "{\"service\":\"%s\",\"kiosk\":\"k1\","
		 "\"priority\":false}",
		 service);
	t = json_of(kiosk(f, body), 201);
	id = num(t, "id");
	json_decref(t);
	return id;
}

static void routing(void **state)
{
	struct fixture *f = *state;
	struct api_response *r;

	expect_error(req(f, "GET", "/api/v1/nope", NULL, NULL, NULL), 404,
		     "not_found", NULL);
	expect_error(req(f, "GET", "/api/v1", NULL, NULL, NULL), 404,
		     "not_found", NULL);
	expect_error(req(f, "GET", "/api/v1/services/", NULL, NULL, NULL), 404,
		     "not_found", NULL);
	expect_error(req(f, "GET", "/api/v1/tickets/1/nope", NULL, NULL, NULL),
		     404, "not_found", NULL);
	expect_error(
		counter(f, "POST", "/api/v1/counters/1/explode", NULL, TOK1),
		404, "not_found", NULL);

	r = req(f, "DELETE", "/api/v1/services", NULL, NULL, NULL);
	expect_error(r, 405, "method_not_allowed", NULL);
	assert_non_null(header(r, "Allow"));
	assert_string_equal(header(r, "Allow"), "GET, HEAD");
	r = req(f, "PUT", TICKETS, NULL, NULL, "127.0.0.1");
	expect_error(r, 405, "method_not_allowed", NULL);
	assert_string_equal(header(r, "Allow"), "POST, GET, HEAD");
	/* The method is wrong whoever asks: 405 comes before the token. */
	r = req(f, "GET", "/api/v1/counters/1/next", NULL, NULL, NULL);
	expect_error(r, 405, "method_not_allowed", NULL);
	assert_string_equal(header(r, "Allow"), "POST");
	r = req(f, "PUT", "/api/v1/counters/1", NULL, NULL, NULL);
	expect_error(r, 405, "method_not_allowed", NULL);
	assert_string_equal(header(r, "Allow"), "GET, HEAD");
	expect_error(req(f, "POST", "/healthz", NULL, NULL, NULL), 405,
		     "method_not_allowed", NULL);

	json_decref(json_of(
		req(f, "HEAD", "/api/v1/services", NULL, NULL, NULL), 200));

	assert_true(api_handles("/api/v1/services"));
	assert_true(api_handles("/api/v1"));
	assert_true(api_handles("/healthz"));
	assert_true(api_handles("/metrics"));
	assert_false(api_handles("/"));
	assert_false(api_handles("/apiary.html"));
	assert_false(api_handles("/kiosk/index.html"));
}

static void healthz(void **state)
{
	struct fixture *f = *state;
	json_t *v = json_of(req(f, "GET", "/healthz", NULL, NULL, NULL), 200);

	assert_string_equal(str(v, "status"), "ok");
	assert_int_equal(json_object_size(v), 1);
	json_decref(v);
}

static void services(void **state)
{
	struct fixture *f = *state;
	json_t *v, *s;

	issue(f, "A");
	v = json_of(req(f, "GET", "/api/v1/services", NULL, NULL, NULL), 200);
	assert_true(json_is_array(v));
	assert_int_equal(json_array_size(v), 3);

	s = json_array_get(v, 0);
	assert_int_equal(json_object_size(s), 13);
	assert_string_equal(str(s, "id"), "A");
	assert_string_equal(str(s, "name"), "Taxe și impozite locale");
	assert_string_equal(str(s, "prefix"), "A");
	assert_string_equal(str(s, "kind"), "ticket");
	assert_true(json_is_null(json_object_get(s, "info")));
	assert_true(json_is_true(json_object_get(s, "open")));
	assert_true(json_is_null(json_object_get(s, "closed_reason")));
	assert_true(json_is_true(json_object_get(s, "priority_open")));
	assert_true(json_is_null(json_object_get(s, "opens_at")));
	assert_int_equal(num(s, "waiting"), 1);
	assert_true(json_is_integer(json_object_get(s, "est_wait_min")));

	s = json_array_get(v, 2);
	assert_string_equal(str(s, "id"), "SC");
	assert_string_equal(str(s, "kind"), "info");
	assert_true(json_is_null(json_object_get(s, "prefix")));
	assert_string_equal(str(s, "info"), "Se eliberează la sediul din Bd. "
					    "Mareșal Averescu nr. 17.");
	assert_int_equal(num(s, "waiting"), 0);
	assert_true(json_is_null(json_object_get(s, "est_wait_min")));
	json_decref(v);
}

static void issue_ticket(void **state)
{
	struct fixture *f = *state;
	json_t *t;

	t = json_of(kiosk(f, "{\"service\":\"A\",\"kiosk\":\"k1\","
			     "\"priority\":false}"),
		    201);
	expect_ticket_shape(t);
	assert_int_equal(json_object_size(t), 13);
	assert_int_equal(num(t, "estimate_min"), 0);
	assert_true(ticket_token_valid(str(t, "token"), strlen(str(t, "token"))));
	assert_string_equal(str(t, "number"), "A001");
	assert_string_equal(str(t, "service"), "A");
	assert_string_equal(str(t, "kind"), "walk_in");
	assert_string_equal(str(t, "state"), "waiting");
	assert_string_equal(str(t, "issued_at"), NOW_TEXT);
	assert_int_equal(num(t, "ahead"), 0);
	assert_int_equal(num(t, "est_wait_min"), 0);
	assert_string_equal(str(t, "printed"), "none");
	assert_true(json_is_null(json_object_get(t, "counter")));
	assert_true(json_is_false(json_object_get(t, "late")));
	assert_null(json_object_get(t, "reason"));
	assert_null(json_object_get(t, "called_at"));
	json_decref(t);

	/* kiosk and priority are optional */
	t = json_of(kiosk(f, "{\"service\":\"A\"}"), 201);
	assert_string_equal(str(t, "number"), "A002");
	assert_string_equal(str(t, "kind"), "walk_in");
	assert_int_equal(num(t, "ahead"), 1);
	json_decref(t);
	t = json_of(kiosk(f, " {\"priority\":true,\"service\":\"B\","
			     "\"kiosk\":\"k2\"}\n"),
		    201);
	assert_string_equal(str(t, "number"), "B001");
	assert_string_equal(str(t, "kind"), "priority");
	json_decref(t);
}

/* [policy] walkin_limit: 422 wait_too_long, and the numbers beside the
 * message for the kiosk; a priority ticket is still issued. */
static void issue_beyond_the_walkin_limit(void **state)
{
	struct fixture *f = *state;
	json_t *v, *e;
	int issued = 0;

	cfg->policy.walkin_limit = 1;
	while (issued < 50 && kiosk(f, "{\"service\":\"A\"}")->status == 201)
		issued++;
	v = json_of(&f->r, 422);
	e = json_object_get(v, "error");
	assert_int_equal(json_object_size(v), 1);
	assert_int_equal(json_object_size(e), 4);
	assert_string_equal(str(e, "code"), "wait_too_long");
	assert_non_null(strstr(str(e, "message"), "book an appointment"));
	assert_true(num(e, "wait_min") > 1);
	assert_int_equal(num(e, "limit_min"), 1);
	json_decref(v);
	/* The first, with a counter free, was issued. */
	assert_true(issued >= 1);
	/* The tile says so before a tap: closed for walk-ins, with the
	 * reason, open for priority, and no reopening time (the wait can
	 * shorten any moment). */
	v = json_of(req(f, "GET", "/api/v1/services", NULL, NULL, NULL), 200);
	e = json_array_get(v, 0);
	assert_string_equal(str(e, "id"), "A");
	assert_true(json_is_false(json_object_get(e, "open")));
	assert_string_equal(str(e, "closed_reason"), "wait_too_long");
	assert_true(json_is_true(json_object_get(e, "priority_open")));
	assert_true(json_is_null(json_object_get(e, "opens_at")));
	json_decref(v);
	v = json_of(kiosk(f, "{\"service\":\"A\",\"priority\":true}"), 201);
	assert_string_equal(str(v, "kind"), "priority");
	json_decref(v);
	cfg->policy.walkin_limit = 0;
}

static void issue_errors(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *body;
		const char *part; /* of the message */
	} bad[] = {
		{"", "service"},
		{"   ", "service"},
		{"{", "not valid JSON"},
		{"{\"service\":\"A\",}", "not valid JSON"},
		{"{\"service\":\"A\"}{}", "not valid JSON"},
		{"nul", "not valid JSON"},
		{"\xff\xfe{}", "not valid JSON"},
		{"{\"service\":\"\xc3\x28\"}", "not valid JSON"},
		{"{\"service\":\"A\\u0000\"}", "not valid JSON"},
		{"{\"service\":\"A\",\"service\":\"B\"}", "not valid JSON"},
		{"[]", "object"},
		{"\"A\"", NULL},
		{"5", NULL},
		{"null", NULL},
		{"{}", "Missing field \"service\""},
		{"{\"kiosk\":\"k1\",\"priority\":false}",
		 "Missing field \"service\""},
		{"{\"service\":5}", "\"service\" must be a string"},
		{"{\"service\":null}", "\"service\" must be a string"},
		{"{\"service\":[\"A\"]}", "\"service\" must be a string"},
		{"{\"service\":\"A\",\"kiosk\":1}", "\"kiosk\" must be"},
		{"{\"service\":\"A\",\"priority\":\"false\"}",
		 "\"priority\" must be true or false"},
		{"{\"service\":\"A\",\"priority\":0}", "\"priority\""},
		{"{\"service\":\"A\",\"vip\":true}", "Unknown field \"vip\""},
		{"{\"Service\":\"A\"}", "Unknown field \"Service\""},
		{"{\"service\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
		 "longer than 31 bytes"},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct api_request rq = {
			.method = "POST",
			.path = TICKETS,
			.body = bad[i].body,
			.body_len = strlen(bad[i].body),
			.client_addr = "127.0.0.1",
		};

		api_response_clear(&f->r);
		api_handle(f->api, &rq, &f->r);
		expect_error(&f->r, 400, "bad_request", bad[i].part);
	}

	expect_error(kiosk(f, "{\"service\":\"Z\"}"), 404, "not_found",
		     "Unknown service \"Z\".");
	expect_error(kiosk(f, "{\"service\":\"\"}"), 404, "not_found", NULL);
	expect_error(kiosk(f, "{\"service\":\"a\"}"), 404, "not_found", NULL);
	expect_error(kiosk(f, "{\"service\":\"SC\",\"priority\":true}"), 422,
		     "unprocessable", "Acte de stare civilă");
	expect_error(kiosk(f, "{\"service\":\"A\",\"kiosk\":\"k9\"}"), 422,
		     "unprocessable", "Unknown kiosk \"k9\".");

	/* Nothing above consumed a number. */
	json_t *t = json_of(kiosk(f, "{\"service\":\"A\"}"), 201);
	assert_string_equal(str(t, "number"), "A001");
	json_decref(t);
}

static void body_limit(void **state)
{
	struct fixture *f = *state;
	static const char head[] = "{\"service\":\"A\"";
	char *body = malloc(API_BODY_MAX + 2);
	struct api_request rq = {
		.method = "POST",
		.path = TICKETS,
		.body = body,
		.client_addr = "127.0.0.1",
	};
	json_t *t;

	assert_non_null(body);
	memset(body, ' ', API_BODY_MAX + 1);
	memcpy(body, head, strlen(head));

	body[API_BODY_MAX - 1] = '}';
	rq.body_len = API_BODY_MAX;
	api_response_clear(&f->r);
	api_handle(f->api, &rq, &f->r);
	t = json_of(&f->r, 201);
	assert_string_equal(str(t, "number"), "A001");
	json_decref(t);

	body[API_BODY_MAX - 1] = ' ';
	body[API_BODY_MAX] = '}';
	rq.body_len = API_BODY_MAX + 1;
	api_response_clear(&f->r);
	api_handle(f->api, &rq, &f->r);
	expect_error(&f->r, 413, "payload_too_large", NULL);

	rq.path = "/api/v1/counters/1/next";
	rq.authorization = "Bearer " TOK1;
	api_response_clear(&f->r);
	api_handle(f->api, &rq, &f->r);
	expect_error(&f->r, 413, "payload_too_large", NULL);
	free(body);
}

static void kiosk_clients(void **state)
{
	struct fixture *f = *state;
	static const char body[] = "{\"service\":\"A\"}";
	static const char *const allowed[] = {
		"127.0.0.1",
		"::1",
		"::ffff:127.0.0.1",
		"0:0:0:0:0:0:0:1",
	};
	static const char *const refused[] = {
		"10.0.0.5",	   "127.0.0.2", "::2", "fe80::1%eth0",
		"::ffff:10.0.0.5", "localhost", "",    "127.0.0.1 ",
	};

	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		json_decref(json_of(
			req(f, "POST", TICKETS, body, NULL, allowed[i]), 201));
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		expect_error(req(f, "POST", TICKETS, body, NULL, refused[i]),
			     403, "forbidden", NULL);
	expect_error(req(f, "POST", TICKETS, body, NULL, NULL), 403,
		     "forbidden", NULL);
	/* Reading is open to everyone. */
	json_decref(json_of(
		req(f, "GET", "/api/v1/services", NULL, NULL, "10.0.0.5"),
		200));
	json_decref(json_of(
		req(f, "GET", "/api/v1/display", NULL, NULL, "10.0.0.5"), 200));
}

static void token_compare(void **state)
{
	char big[API_TOKEN_MAX + 2];

	(void)state;
	assert_true(api_token_equal("abc", 3, "abc", 3));
	assert_true(api_token_equal("", 0, "", 0));
	assert_true(api_token_equal(NULL, 0, "", 0));
	assert_false(api_token_equal("abc", 3, "abd", 3));
	assert_false(api_token_equal("abc", 3, "xbc", 3));
	assert_false(api_token_equal("abc", 3, "ab", 2));
	assert_false(api_token_equal("ab", 2, "abc", 3));
	assert_false(api_token_equal("abc", 3, "", 0));
	/* A NUL is a byte like any other, not an end. */
	assert_false(api_token_equal("ab\0", 3, "ab", 2));
	assert_false(api_token_equal("ab\0x", 4, "ab\0y", 4));

	memset(big, 'x', sizeof(big));
	assert_true(api_token_equal(big, API_TOKEN_MAX, big, API_TOKEN_MAX));
	assert_false(api_token_equal(big, API_TOKEN_MAX + 1, big,
				     API_TOKEN_MAX + 1));
	big[API_TOKEN_MAX - 1] = 'y';
	assert_false(api_token_equal(big, API_TOKEN_MAX, "xxxx", 4));
}

static void token_matrix(void **state)
{
	struct fixture *f = *state;
	/* floor: a supervisor's and the admin token may act too. */
	static const struct {
		const char *method, *path, *body;
		bool floor;
	} endpoints[] = {
		{"POST", "/api/v1/counters/1/next", NULL, false},
		{"POST", "/api/v1/counters/1/recall", NULL, false},
		{"POST", "/api/v1/counters/1/done", "{\"outcome\":\"served\"}",
		 false},
		{"POST", "/api/v1/counters/1/transfer", "{\"service\":\"B\"}",
		 false},
		{"POST", "/api/v1/counters/1/pause", NULL, true},
		{"POST", "/api/v1/counters/1/resume", NULL, true},
		{"GET", "/api/v1/counters/1", NULL, true},
	};
	static const char *const unauthorized[] = {
		NULL,
		"",
		"Bearer",
		"Bearer ",
		"Bearer wrong-token",
		TOK1,
		"Bearer" TOK1,
		"Basic dG9rLWNvdW50ZXItMTo=",
		"Token " TOK1,
		"Bearer TOK-COUNTER-1",
		"Bearer tok-counter-",
		"Bearer " TOK1 "x",
		"Bearer " TOK1 " junk",
		"Bearer " TOK1 ", Bearer " TOK1,
		"Bearer " TOK1 "\x01",
	};
	static const char *const accepted[] = {
		"Bearer " TOK1,	 "bearer " TOK1,      "BEARER " TOK1,
		"Bearer  " TOK1, "Bearer " TOK1 "  ", "Bearer\t" TOK1,
	};
	struct api_response *r;

	for (size_t e = 0; e < sizeof(endpoints) / sizeof(endpoints[0]); e++) {
		for (size_t u = 0;
		     u < sizeof(unauthorized) / sizeof(unauthorized[0]); u++) {
			r = req(f, endpoints[e].method, endpoints[e].path,
				endpoints[e].body, unauthorized[u], NULL);
			expect_error(r, 401, "unauthorized", NULL);
			assert_non_null(header(r, "WWW-Authenticate"));
			assert_int_equal(strncmp(header(r, "WWW-Authenticate"),
						 "Bearer", 6),
					 0);
		}
		r = counter(f, endpoints[e].method, endpoints[e].path,
			    endpoints[e].body, TOK2);
		expect_error(r, 403, "forbidden",
			     "Counter 2's token does not "
			     "allow acting for counter 1.");
		assert_null(header(r, "WWW-Authenticate"));
		if (endpoints[e].floor) {
			json_decref(json_of(counter(f, endpoints[e].method,
						    endpoints[e].path,
						    endpoints[e].body, ADMIN),
					    200));
			json_decref(json_of(counter(f, endpoints[e].method,
						    endpoints[e].path,
						    endpoints[e].body,
						    SUPERVISOR),
					    200));
			continue;
		}
		r = counter(f, endpoints[e].method, endpoints[e].path,
			    endpoints[e].body, ADMIN);
		expect_error(r, 403, "forbidden",
			     "The admin token does not allow acting for "
			     "counter 1.");
		r = counter(f, endpoints[e].method, endpoints[e].path,
			    endpoints[e].body, SUPERVISOR);
		expect_error(r, 403, "forbidden",
			     "Supervisor sef's token does not allow acting "
			     "for counter 1.");
	}
	for (size_t a = 0; a < sizeof(accepted) / sizeof(accepted[0]); a++) {
		json_t *c = json_of(req(f, "GET", "/api/v1/counters/1", NULL,
					accepted[a], NULL),
				    200);

		assert_string_equal(str(c, "id"), "1");
		json_decref(c);
	}
	/* Unknown counter: 404 to any valid token, 401 without one, so that
	 * counter ids cannot be listed without a token. */
	expect_error(counter(f, "GET", "/api/v1/counters/9", NULL, TOK1), 404,
		     "not_found", "Unknown counter \"9\".");
	expect_error(
		req(f, "POST", "/api/v1/counters/9/next", NULL, NULL, NULL),
		401, "unauthorized", NULL);
	expect_error(counter(f, "GET", "/api/v1/counters/9", NULL, "nobody's"),
		     401, "unauthorized", NULL);
	json_decref(json_of(counter(f, "GET", "/api/v1/counters/2", NULL, TOK2),
			    200));
}

static void counter_flow(void **state)
{
	struct fixture *f = *state;
	const char *c1 = "/api/v1/counters/1";
	struct api_response *r;
	json_t *v, *t, *w;
	json_int_t id;
	char path[64];

	/* Nobody waits: 204 without a body. */
	r = counter(f, "POST", "/api/v1/counters/1/next", NULL, TOK1);
	assert_int_equal(r->status, 204);
	assert_null(r->body);
	assert_int_equal(r->body_len, 0);
	assert_null(r->content_type);

	id = issue(f, "A");
	issue(f, "B");
	v = json_of(counter(f, "GET", c1, NULL, TOK1), 200);
	assert_int_equal(json_object_size(v), 9);
	assert_int_equal(json_array_size(json_object_get(v, "returnable")), 0);
	assert_true(json_is_string(json_object_get(v, "now")));
	assert_int_equal(json_integer_value(json_object_get(v, "waiting_total")),
			 2);
	assert_string_equal(str(v, "id"), "1");
	assert_string_equal(str(v, "name"), "Ghișeul 1");
	w = json_object_get(v, "services");
	assert_int_equal(json_array_size(w), 2);
	assert_string_equal(json_string_value(json_array_get(w, 0)), "A");
	assert_string_equal(json_string_value(json_array_get(w, 1)), "B");
	assert_true(json_is_false(json_object_get(v, "paused")));
	assert_true(json_is_null(json_object_get(v, "current")));
	w = json_object_get(v, "waiting");
	assert_int_equal(json_array_size(w), 2);
	expect_ticket_shape(json_array_get(w, 0));
	assert_int_equal(num(json_array_get(w, 0), "id"), id);
	assert_int_equal(num(json_array_get(w, 1), "ahead"), 0);
	json_decref(v);
	/* Counter 2 serves A only. */
	v = json_of(counter(f, "GET", "/api/v1/counters/2", NULL, TOK2), 200);
	assert_int_equal(json_array_size(json_object_get(v, "waiting")), 1);
	json_decref(v);

	t = json_of(counter(f, "POST", "/api/v1/counters/1/next", NULL, TOK1),
		    200);
	expect_ticket_shape(t);
	assert_int_equal(num(t, "id"), id);
	assert_string_equal(str(t, "state"), "called");
	assert_string_equal(str(t, "counter"), "1");
	assert_string_equal(str(t, "reason"), "walk_in");
	assert_string_equal(str(t, "called_at"), NOW_TEXT);
	assert_true(json_is_null(json_object_get(t, "est_wait_min")) ||
		    json_is_integer(json_object_get(t, "est_wait_min")));
	json_decref(t);

	t = json_of(counter(f, "POST", "/api/v1/counters/1/recall", "{}", TOK1),
		    200);
	assert_int_equal(num(t, "id"), id);
	json_decref(t);

	v = json_of(counter(f, "GET", c1, NULL, TOK1), 200);
	t = json_object_get(v, "current");
	expect_ticket_shape(t);
	assert_int_equal(num(t, "id"), id);
	assert_int_equal(json_array_size(json_object_get(v, "waiting")), 1);
	json_decref(v);

	expect_error(counter(f, "POST", "/api/v1/counters/1/transfer",
			     "{\"service\":\"Z\"}", TOK1),
		     404, "not_found", "Unknown service \"Z\".");
	expect_error(counter(f, "POST", "/api/v1/counters/1/transfer",
			     "{\"service\":\"SC\"}", TOK1),
		     422, "unprocessable", NULL);
	expect_error(counter(f, "POST", "/api/v1/counters/1/transfer",
			     "{\"service\":\"B\",\"x\":1}", TOK1),
		     400, "bad_request", "Unknown field \"x\".");
	expect_error(
		counter(f, "POST", "/api/v1/counters/1/transfer", "{}", TOK1),
		400, "bad_request", "service");
	t = json_of(counter(f, "POST", "/api/v1/counters/1/transfer",
			    "{\"service\":\"B\"}", TOK1),
		    200);
	assert_int_equal(num(t, "id"), id);
	assert_string_equal(str(t, "service"), "B");
	assert_string_equal(str(t, "state"), "waiting");
	assert_string_equal(str(t, "issued_at"), NOW_TEXT);
	assert_true(json_is_null(json_object_get(t, "counter")));
	json_decref(t);

	t = json_of(counter(f, "POST", "/api/v1/counters/1/next", NULL, TOK1),
		    200);
	id = num(t, "id");
	json_decref(t);
	static const struct {
		const char *body, *part;
	} bad_outcomes[] = {
		{"{\"outcome\":\"maybe\"}", "\"served\" or \"no_show\""},
		{"{\"outcome\":\"SERVED\"}", "\"served\" or \"no_show\""},
		{"{\"outcome\":1}", "\"outcome\" must be a string"},
		{"{\"outcome\":null}", "\"outcome\" must be a string"},
		{"{}", "Missing field \"outcome\""},
		{"", "outcome"},
		{"{\"outcome\":\"served\",\"extra\":1}", "\"extra\""},
		{"[]", "object"},
	};
	for (size_t i = 0; i < sizeof(bad_outcomes) / sizeof(bad_outcomes[0]);
	     i++)
		expect_error(counter(f, "POST", "/api/v1/counters/1/done",
				     bad_outcomes[i].body, TOK1),
			     400, "bad_request", bad_outcomes[i].part);
	t = json_of(counter(f, "POST", "/api/v1/counters/1/done",
			    "{\"outcome\":\"no_show\"}", TOK1),
		    200);
	assert_int_equal(num(t, "id"), id);
	assert_string_equal(str(t, "state"), "no_show");
	json_decref(t);
	expect_error(counter(f, "POST", "/api/v1/counters/1/done",
			     "{\"outcome\":\"served\"}", TOK1),
		     409, "conflict", NULL);
	expect_error(
		counter(f, "POST", "/api/v1/counters/1/recall", NULL, TOK1),
		409, "conflict", NULL);

	snprintf(path, sizeof(path), TICKETS "/%lld", (long long)id);
	t = json_of(counter(f, "GET", path, NULL, TOK1), 200);
	expect_ticket_shape(t);
	assert_string_equal(str(t, "state"), "no_show");
	assert_string_equal(str(t, "counter"), "1");
	assert_string_equal(str(t, "reason"), "walk_in");
	json_decref(t);

	v = json_of(counter(f, "POST", "/api/v1/counters/1/pause", NULL, TOK1),
		    200);
	assert_true(json_is_true(json_object_get(v, "paused")));
	json_decref(v);
	expect_error(counter(f, "POST", "/api/v1/counters/1/next", NULL, TOK1),
		     409, "conflict", NULL);
	v = json_of(counter(f, "POST", "/api/v1/counters/1/resume", NULL, TOK1),
		    200);
	assert_true(json_is_false(json_object_get(v, "paused")));
	assert_int_equal(json_object_size(v), 9);
	/* The no-show above may still come back. */
	w = json_object_get(v, "returnable");
	assert_int_equal(json_array_size(w), 1);
	assert_int_equal(num(json_array_get(w, 0), "id"), id);
	assert_true(json_is_string(
		json_object_get(json_array_get(w, 0), "return_until")));
	assert_true(json_is_integer(json_object_get(v, "waiting_total")));
	json_decref(v);
}

static void display(void **state)
{
	struct fixture *f = *state;
	json_t *v, *calls, *c;

	v = json_of(req(f, "GET", "/api/v1/display", NULL, NULL, NULL), 200);
	assert_int_equal(json_array_size(json_object_get(v, "calls")), 0);
	json_decref(v);

	for (int i = 0; i < 12; i++) {
		issue(f, "A");
		json_decref(
			json_of(counter(f, "POST", "/api/v1/counters/2/next",
					NULL, TOK2),
				200));
	}
	v = json_of(req(f, "GET", "/api/v1/display", NULL, NULL, NULL), 200);
	assert_int_equal(json_object_size(v), 1);
	calls = json_object_get(v, "calls");
	assert_int_equal(json_array_size(calls), 10);
	c = json_array_get(calls, 0);
	assert_int_equal(json_object_size(c), 5);
	assert_string_equal(str(c, "number"), "A012");
	assert_string_equal(str(c, "counter"), "2");
	assert_string_equal(str(c, "counter_name"), "Ghișeul 2");
	assert_string_equal(str(c, "at"), NOW_TEXT);
	assert_string_equal(str(json_array_get(calls, 9), "number"), "A003");
	/* All in one second: seq says the order, newest first. */
	for (size_t i = 1; i < json_array_size(calls); i++)
		assert_true(json_integer_value(json_object_get(
				    json_array_get(calls, i - 1), "seq")) >
			    json_integer_value(json_object_get(
				    json_array_get(calls, i), "seq")));
	assert_true(json_integer_value(json_object_get(
			    json_array_get(calls, 9), "seq")) > 0);
	json_decref(v);
}

static void ticket_lookup(void **state)
{
	struct fixture *f = *state;
	static const char *const missing[] = {
		"0",
		"2",
		"9999",
		"9223372036854775807",
		"99999999999999999999",
		"abc",
		"1x",
		"-1",
		"+1",
		"01",
		"1.0",
		" ",
		"0x1",
		"A001",
	};
	char path[96];
	json_int_t id = issue(f, "A");
	json_t *t;

	assert_int_equal(id, 1);
	/* For staff: a listed kiosk, a counter's or the admin token. */
	expect_error(req(f, "GET", TICKETS "/1", NULL, NULL, "203.0.113.9"),
		     401, "unauthorized", NULL);
	t = json_of(req(f, "GET", TICKETS "/1", NULL, "Bearer " ADMIN,
			"203.0.113.9"),
		    200);
	expect_ticket_shape(t);
	assert_string_equal(str(t, "number"), "A001");
	json_decref(t);
	t = json_of(counter(f, "GET", TICKETS "/1", NULL, TOK1), 200);
	json_decref(t);
	t = json_of(req(f, "GET", TICKETS "/1", NULL, NULL, "127.0.0.1"), 200);
	json_decref(t);
	for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
		snprintf(path, sizeof(path), TICKETS "/%s", missing[i]);
		expect_error(req(f, "GET", path, NULL, "Bearer " ADMIN, NULL),
			     404, "not_found", NULL);
	}
}

static void bodyless_endpoints(void **state)
{
	struct fixture *f = *state;
	const char *next = "/api/v1/counters/1/next";

	assert_int_equal(counter(f, "POST", next, "{}", TOK1)->status, 204);
	assert_int_equal(counter(f, "POST", next, " \r\n", TOK1)->status, 204);
	expect_error(counter(f, "POST", next, "{\"x\":1}", TOK1), 400,
		     "bad_request", "Unknown field \"x\".");
	expect_error(counter(f, "POST", next, "[]", TOK1), 400, "bad_request",
		     NULL);
	expect_error(counter(f, "POST", next, "{", TOK1), 400, "bad_request",
		     NULL);
	expect_error(req(f, "GET", "/api/v1/services", "{\"a\":1}", NULL, NULL),
		     400, "bad_request", NULL);
}

static void error_messages(void **state)
{
	struct fixture *f = *state;
	char longmsg[1000];

	/* A message cut inside a character, or not UTF-8 at all, still
	 * makes a JSON body. */
	api_error(&f->r, 400, "bad_request", "caf\xc3");
	expect_error(&f->r, 400, "bad_request", "caf");
	api_response_clear(&f->r);
	memset(longmsg, 'x', sizeof(longmsg) - 1);
	longmsg[sizeof(longmsg) - 1] = '\0';
	memcpy(longmsg + 300, "ă", 2);
	api_error(&f->r, 422, "unprocessable", longmsg);
	expect_error(&f->r, 422, "unprocessable", "xxx");
	api_response_clear(&f->r);
	/* A client's text is repeated within bounds. */
	expect_error(kiosk(f, "{\"service\":\"ș\\u0000\"}"), 400, "bad_request",
		     NULL);
	expect_error(kiosk(f, "{\"service\":\"șșșșșșșșșșșșșșș\"}"), 404,
		     "not_found", "Unknown service \"șșșșșșșșșșșșșșș\".");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(routing, setup, teardown),
		cmocka_unit_test_setup_teardown(healthz, setup, teardown),
		cmocka_unit_test_setup_teardown(services, setup, teardown),
		cmocka_unit_test_setup_teardown(issue_ticket, setup, teardown),
		cmocka_unit_test_setup_teardown(issue_beyond_the_walkin_limit,
						setup, teardown),
		cmocka_unit_test_setup_teardown(issue_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(body_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(kiosk_clients, setup, teardown),
		cmocka_unit_test(token_compare),
		cmocka_unit_test_setup_teardown(token_matrix, setup, teardown),
		cmocka_unit_test_setup_teardown(counter_flow, setup, teardown),
		cmocka_unit_test_setup_teardown(display, setup, teardown),
		cmocka_unit_test_setup_teardown(ticket_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(bodyless_endpoints, setup,
						teardown),
		cmocka_unit_test_setup_teardown(error_messages, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
