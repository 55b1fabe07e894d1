/* The office the API harnesses talk to: the config, a real store in a
 * temporary directory (memory-backed when /dev/shm is there) kept for the
 * whole run, the office and the api; and what every answer must be. For
 * tests/fuzz/fuzz_*.c only. */
#ifndef BONOMAT_FUZZ_API_FIXTURE_H
#define BONOMAT_FUZZ_API_FIXTURE_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "api.h"
#include "config.h"
#include "hours.h"
#include "office.h"
#include "store.h"

static const char conf_text[] =
	"[office]\n"
	"name = Biroul Cetățeanului\n"
	"timezone = Europe/Bucharest\n"
	"[server]\n"
	"listen = 127.0.0.1:0\n"
	"ui_dir = ui\n"
	"admin_token = fuzz-admin\n"
	"kiosk_clients = 127.0.0.1\n"
	"[storage]\n"
	"database = unused.db\n"
	"[hours]\n"
	"always_open = true\n"
	"[printer.default]\n"
	"driver = none\n"
	"[kiosk.k1]\n"
	"printer = default\n"
	"[service.A]\n"
	"name = Taxe și impozite locale\n"
	"prefix = A\n"
	"minutes = 8\n"
	"[service.B]\n"
	"name = Registratură\n"
	"prefix = B\n"
	"minutes = 5\n"
	"[service.SC]\n"
	"name = Acte de stare civilă\n"
	"info = Se eliberează la sediul din Bd. Mareșal Averescu nr. 17.\n"
	"[counter.1]\n"
	"name = Ghișeul 1\n"
	"services = A, B\n"
	"token = fuzz-counter-1\n";

static struct {
	struct config *cfg;
	struct store *st;
	struct office *office;
	struct api *api;
	int counter;
	int64_t now;
	char dir[64];
	char path[128];
	bool registered; /* cleanup() with atexit */
} fz;

static int64_t fixed_clock(void *userdata)
{
	return *(const int64_t *)userdata;
}

static void cleanup(void)
{
	static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
	char p[192];

	api_free(fz.api);
	office_free(fz.office);
	store_close(fz.st);
	config_free(fz.cfg);
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", fz.path, suffixes[i]);
		(void)unlink(p);
	}
	(void)rmdir(fz.dir);
}

static void die(const char *what, int r)
{
	fprintf(stderr, "fuzz: %s: %s\n", what, strerror(-r));
	abort();
}

static void init(void)
{
	char err[CONFIG_ERR_MAX];
	int r;

	if (fz.api)
		return;
	r = hours_set_zone("Europe/Bucharest");
	if (r < 0)
		die("time zone", r);
	r = hours_parse_rfc3339("2026-12-03T09:15:00+02:00", &fz.now);
	if (r < 0)
		die("time", r);
	r = config_parse(conf_text, strlen(conf_text), "fuzz.conf", &fz.cfg,
			 err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "fuzz: %s\n", err);
		abort();
	}
	fz.counter = config_counter_index(fz.cfg, "1");
	/* Memory-backed when possible: every accepted request commits. */
	snprintf(fz.dir, sizeof(fz.dir), "%s/bonomat-fuzz-XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(fz.dir))
		die("mkdtemp", -errno);
	snprintf(fz.path, sizeof(fz.path), "%s/bonomat.db", fz.dir);
	r = store_open(fz.path, fz.cfg, &fz.st);
	if (r < 0)
		die("store_open", r);
	r = office_new(fz.cfg, fz.st, fz.now, &fz.office);
	if (r < 0)
		die("office_new", r);
	r = api_new(fz.cfg, fz.office, fixed_clock, &fz.now, &fz.api);
	if (r < 0)
		die("api_new", r);
	if (!fz.registered)
		atexit(cleanup);
	fz.registered = true;
}

/* A new office on a new store: every accepted ticket is written, and a
 * store grown by millions of inputs would slow the fuzzer down. */
static inline void reset(void)
{
	cleanup();
	memset(fz.dir, 0, sizeof(fz.dir));
	fz.api = NULL;
	fz.office = NULL;
	fz.st = NULL;
	fz.cfg = NULL;
	init();
}

/* A 2xx or 4xx (or a 503 when allow_503) whose body is JSON, an error of
 * API.md's shape for 4xx and 5xx; or a 204 without a body. */
static void check_answer(const struct api_response *r, bool allow_503)
{
	json_t *v, *e;

	if (r->status < 200 ||
	    (r->status >= 500 && !(allow_503 && r->status == 503)) ||
	    (r->status >= 300 && r->status < 400)) {
		fprintf(stderr, "fuzz: status %d: %.*s\n", r->status,
			(int)r->body_len, r->body ? r->body : "");
		abort();
	}
	if (r->status == 204) {
		if (r->body || r->body_len)
			abort();
		return;
	}
	if (!r->body || !r->content_type ||
	    strcmp(r->content_type, "application/json") != 0 ||
	    strlen(r->body) != r->body_len)
		abort();
	v = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, NULL);
	if (!v)
		abort();
	if (r->status >= 400) {
		e = json_object_get(v, "error");
		if (json_object_size(v) != 1 || json_object_size(e) != 2 ||
		    !json_is_string(json_object_get(e, "code")) ||
		    !json_is_string(json_object_get(e, "message")))
			abort();
	}
	json_decref(v);
}

#endif
