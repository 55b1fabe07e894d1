/* Durable ticket issuing: the real bonomatd on a loopback port with N
 * clients (one thread, one curl easy handle and one kept-alive connection
 * each) POSTing /api/v1/tickets, against a bare SQLite loop on the same
 * disk (WAL, synchronous=FULL, one small row per commit), which is about
 * the most any durable issuing can do there one ticket per commit. In
 * between, two sides in this process split the difference: the store's
 * issue transaction alone, and office_issue() (the same plus the queue
 * engine), each on a database of its own. A last side is what any HTTP
 * issuer reaches here: a minimal libmicrohttpd server in this process (a
 * thread per connection, the most favourable to grouping), whose requests
 * do nothing but insert the bare loop's row with a group commit, asked by
 * the same clients. The sides take turns in short rounds, forward then
 * backward, so that a disk whose speed drifts, as a shared or virtual one
 * does, slows all of them alike. Prints rates, latencies, the ratios
 * daemon/bare and minimal/bare, and the daemon's peak RSS.
 *
 *   bench_issue [--daemon PATH] [--dir DIR] [--clients N] [--seconds S]
 *               [--rounds N] [--warmup S] [--keep]
 */
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <microhttpd.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "config.h"
#include "hours.h"
#include "office.h"
#include "store.h"

#define CLIENTS_MAX 64
#define FAILURES_MAX 100
#define ROUNDS_MAX 20
#define NS_PER_S INT64_C(1000000000)

struct options {
	const char *daemon;
	char base[BENCH_DIR_MAX];
	long clients;
	long seconds; /* per side, over all rounds */
	long rounds;
	long warmup;
	bool keep;
};

/* Set by the main thread before the start barrier, read-only after. */
struct schedule {
	pthread_barrier_t start;
	int64_t t0;    /* end of the warm-up: samples count from here */
	int64_t t_end; /* no request starts after this */
};

struct client {
	pthread_t thread;
	size_t index;
	struct schedule *sched;
	const char *url;
	struct bench_samples lat;
	size_t ok, warm_ok, failed;
	long connects;
	int64_t last_end;
	long bad_status;
	char bad_body[160];
	char resp[512];
	size_t resp_len;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: bench_issue [--daemon PATH] [--dir DIR] "
		   "[--clients N] [--seconds S] [--rounds N] [--warmup S] "
		   "[--keep]\n"
		   "  --daemon   bonomatd (default $BONOMATD)\n"
		   "  --dir      scratch directory on the disk to measure "
		   "(default $BONOMAT_BUILD_DIR/bench-tmp)\n"
		   "  --seconds  measured time of each side, all rounds "
		   "together (10)\n"
		   "  --rounds   turns of each side (20)\n");
}

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option opts[] = {
		{"daemon", required_argument, NULL, 'd'},
		{"dir", required_argument, NULL, 'D'},
		{"clients", required_argument, NULL, 'c'},
		{"seconds", required_argument, NULL, 's'},
		{"rounds", required_argument, NULL, 'r'},
		{"warmup", required_argument, NULL, 'w'},
		{"keep", no_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *dir = NULL;
	int c;

	o->daemon = getenv("BONOMATD");
	o->clients = 8;
	o->seconds = 10;
	o->rounds = 20;
	o->warmup = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		int r = 0;
		switch (c) {
		case 'd':
			o->daemon = optarg;
			break;
		case 'D':
			dir = optarg;
			break;
		case 'c':
			r = bench_parse_long(optarg, 1, CLIENTS_MAX, &o->clients);
			break;
		case 's':
			r = bench_parse_long(optarg, 1, 120, &o->seconds);
			break;
		case 'r':
			r = bench_parse_long(optarg, 1, ROUNDS_MAX, &o->rounds);
			break;
		case 'w':
			r = bench_parse_long(optarg, 0, 30, &o->warmup);
			break;
		case 'k':
			o->keep = true;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_SUCCESS);
		default:
			usage(stderr);
			return -EINVAL;
		}
		if (r < 0) {
			fprintf(stderr, "bench_issue: bad value '%s'\n",
				optarg);
			return r;
		}
	}
	if (optind != argc || !o->daemon || !*o->daemon) {
		if (!o->daemon || !*o->daemon)
			fprintf(stderr, "bench_issue: no daemon: set "
					"BONOMATD or pass --daemon\n");
		usage(stderr);
		return -EINVAL;
	}
	return bench_scratch_dir(dir, o->base, sizeof(o->base));
}

/* A "Key:   1234 kB" line of /proc/PID/status, in kB. */
static int proc_status_kb(pid_t pid, const char *key, long *ret)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	FILE *f;
	int r = -ENOENT;

	if (snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid) < 0)
		return -EINVAL;
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *p, *end;
		long v;
		if (strncmp(line, key, klen) != 0 || line[klen] != ':')
			continue;
		p = line + klen + 1;
		errno = 0;
		v = strtol(p, &end, 10);
		if (errno || end == p || v < 0) {
			r = -EIO;
			break;
		}
		*ret = v;
		r = 0;
		break;
	}
	(void)fclose(f);
	return r;
}

/* utime + stime of a process, in clock ticks (/proc/PID/stat). */
static int proc_cpu_ticks(pid_t pid, unsigned long long *ret)
{
	char path[64], buf[1024], *p, *end;
	unsigned long long v[2];
	size_t n;
	FILE *f;

	if (snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid) < 0)
		return -EINVAL;
	f = fopen(path, "r");
	if (!f)
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	(void)fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p)
		return -EIO;
	p++;
	/* After the name: state is field 3, utime 14 and stime 15. */
	for (int field = 3; field < 14; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -EIO;
	}
	for (int i = 0; i < 2; i++) {
		errno = 0;
		v[i] = strtoull(p, &end, 10);
		if (errno || end == p)
			return -EIO;
		p = end;
	}
	*ret = v[0] + v[1];
	return 0;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct client *c = userdata;
	size_t n = size * nmemb, room = sizeof(c->resp) - 1 - c->resp_len;
	size_t k = n < room ? n : room;

	memcpy(c->resp + c->resp_len, data, k);
	c->resp_len += k;
	c->resp[c->resp_len] = '\0';
	return n;
}

static void note_failure(struct client *c, long status, const char *what)
{
	if (c->failed++ == 0) {
		/* Cut to the buffer: the start says enough. */
		size_t n = strnlen(what, sizeof(c->bad_body) - 1);
		c->bad_status = status;
		memcpy(c->bad_body, what, n);
		c->bad_body[n] = '\0';
	}
}

static void *client_run(void *arg)
{
	struct client *c = arg;
	struct curl_slist *headers = NULL, *h;
	char body[128];
	CURL *curl = curl_easy_init();
	int ok = curl != NULL;

	/* No "Expect: 100-continue" round trip before the body. */
	h = curl_slist_append(NULL, "Content-Type: application/json");
	headers = h ? curl_slist_append(h, "Expect:") : NULL;
	if (!headers)
		curl_slist_free_all(h);
	ok = ok && headers;
	if (ok)
		ok = curl_easy_setopt(curl, CURLOPT_URL, c->url) == CURLE_OK &&
		     curl_easy_setopt(curl, CURLOPT_POST, 1L) == CURLE_OK &&
		     curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers) ==
			     CURLE_OK &&
		     curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body) ==
			     CURLE_OK &&
		     curl_easy_setopt(curl, CURLOPT_WRITEDATA, c) == CURLE_OK &&
		     curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
		     curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L) ==
			     CURLE_OK &&
		     curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L) == CURLE_OK;
	if (!ok)
		note_failure(c, 0, "curl setup failed");
	/* Every client waits here, also a failed one, or the others would
	 * wait for ever. */
	(void)pthread_barrier_wait(&c->sched->start);
	for (size_t i = 0; ok; i++) {
		int64_t start = bench_now_ns(), end;
		long status = 0, connects = 0;
		CURLcode rc;
		int n;

		if (start >= c->sched->t_end || c->failed >= FAILURES_MAX)
			break;
		/* Services in turn, one ticket in 16 a priority one. */
		n = snprintf(body, sizeof(body),
			     "{\"service\":\"%c\",\"kiosk\":\"k1\","
			     "\"priority\":%s}",
			     'A' + (int)((c->index + i) % BENCH_SERVICES),
			     (i % 16) == 15 ? "true" : "false");
		if (n < 0 || (size_t)n >= sizeof(body) ||
		    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)n) !=
			    CURLE_OK ||
		    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body) !=
			    CURLE_OK) {
			note_failure(c, 0, "request setup failed");
			break;
		}
		c->resp_len = 0;
		c->resp[0] = '\0';
		rc = curl_easy_perform(curl);
		end = bench_now_ns();
		if (rc != CURLE_OK) {
			note_failure(c, 0, curl_easy_strerror(rc));
			continue;
		}
		if (curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status) !=
			    CURLE_OK ||
		    curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &connects) !=
			    CURLE_OK) {
			note_failure(c, 0, "curl_easy_getinfo failed");
			continue;
		}
		c->connects += connects;
		if (status != 201 || !strstr(c->resp, "\"number\"")) {
			note_failure(c, status, c->resp);
			continue;
		}
		if (start < c->sched->t0) {
			c->warm_ok++;
			continue;
		}
		if (bench_samples_add(&c->lat, end - start) < 0) {
			note_failure(c, 0, "out of memory");
			break;
		}
		c->ok++;
		c->last_end = end;
	}
	curl_easy_cleanup(curl);
	curl_slist_free_all(headers);
	return NULL;
}

/* One side's figures, summed over its rounds. */
struct side {
	size_t ok, warm_ok, failed;
	double seconds;
	double rate[ROUNDS_MAX];
	struct bench_samples lat;
};

static void side_add(struct side *s, size_t round, size_t ok, int64_t t0,
		     int64_t last)
{
	double secs = (double)(last - t0) / 1e9;

	s->ok += ok;
	s->seconds += secs;
	s->rate[round] = secs > 0 ? (double)ok / secs : 0;
}

struct daemon {
	pid_t pid;
	char url[64];
	char conf[BENCH_DIR_MAX + 32];
	char db[BENCH_DIR_MAX + 32];
	char log[BENCH_DIR_MAX + 32];
	long connects;
	double cpu_seconds; /* in the measured windows */
	long vm_hwm_kb, vm_rss_kb;
	struct rusage usage;
	long db_tickets;
	/* bonomat_tickets_per_commit of /metrics: its _sum and _count */
	long long commit_tickets, commits;
};

/* The group commit's figures from the daemon's /metrics. */
static int read_commits(struct daemon *d)
{
	char url[96], *p;
	struct bench_body body = {0};
	CURL *curl = curl_easy_init();
	CURLcode rc;
	int r = -EIO;

	p = strstr(d->url, "/api/");
	if (!curl || !p)
		goto out;
	(void)snprintf(url, sizeof(url), "%.*s/metrics", (int)(p - d->url),
		       d->url);
	(void)curl_easy_setopt(curl, CURLOPT_URL, url);
	(void)curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	(void)curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
	(void)curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, bench_body_append);
	(void)curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
	rc = curl_easy_perform(curl);
	if (rc != CURLE_OK || !body.data)
		goto out;
	/* "name{office="..."} value": the value after the labels. */
	p = strstr(body.data, "\nbonomat_tickets_per_commit_sum{");
	p = p ? strstr(p, "} ") : NULL;
	if (p && sscanf(p, "} %lld", &d->commit_tickets) == 1 &&
	    (p = strstr(body.data, "\nbonomat_tickets_per_commit_count{")) &&
	    (p = strstr(p, "} ")) && sscanf(p, "} %lld", &d->commits) == 1)
		r = 0;
out:
	free(body.data);
	curl_easy_cleanup(curl);
	return r;
}

static int daemon_start(const struct options *o, const char *dir,
			struct daemon *d)
{
	char text[16384];
	long port = 0;
	int len, r;

	if (bench_path_in(d->conf, sizeof(d->conf), dir, "bonomat.conf") < 0 ||
	    bench_path_in(d->db, sizeof(d->db), dir, "bonomat.db") < 0 ||
	    bench_path_in(d->log, sizeof(d->log), dir, "bonomatd.log") < 0)
		return -ENAMETOOLONG;
	len = bench_config_text(text, sizeof(text), d->db, 4);
	if (len < 0)
		return len;
	r = bench_write_file(d->conf, text, (size_t)len);
	if (r < 0)
		return r;
	r = bench_daemon_start(o->daemon, d->conf, d->log, &d->pid, &port);
	if (r < 0)
		return r;
	len = snprintf(d->url, sizeof(d->url),
		       "http://127.0.0.1:%ld/api/v1/tickets", port);
	if (len < 0 || (size_t)len >= sizeof(d->url))
		return -ENAMETOOLONG;
	printf("daemon: pid %ld, %s\n", (long)d->pid, d->url);
	fflush(stdout);
	return 0;
}

static int count_tickets(const char *db, long *ret)
{
	sqlite3 *s = NULL;
	sqlite3_stmt *st = NULL;
	int rc, r = -EIO;

	rc = sqlite3_open_v2(db, &s, SQLITE_OPEN_READONLY, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(s, "SELECT count(*) FROM tickets", -1,
					&st, NULL);
	if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
		*ret = (long)sqlite3_column_int64(st, 0);
		r = 0;
	}
	(void)sqlite3_finalize(st);
	(void)sqlite3_close(s);
	return r;
}

/* Reads the peak RSS, stops the daemon and counts what it stored. */
static int daemon_stop(struct daemon *d)
{
	int r;

	if (proc_status_kb(d->pid, "VmHWM", &d->vm_hwm_kb) < 0 ||
	    proc_status_kb(d->pid, "VmRSS", &d->vm_rss_kb) < 0)
		fprintf(stderr, "bench_issue: cannot read /proc/%ld/status\n",
			(long)d->pid);
	r = bench_daemon_stop(d->pid, &d->usage);
	d->pid = 0;
	if (r < 0) {
		bench_print_log(d->log);
		return r;
	}
	if (count_tickets(d->db, &d->db_tickets) < 0)
		d->db_tickets = -1;
	return 0;
}

/* The clients against url for warmup_ns, then run_ns measured; the CPU
 * time of d's process counted when d is given. */
static int http_round(const struct options *o, const char *url,
		      struct daemon *d, size_t round, int64_t warmup_ns,
		      int64_t run_ns, struct side *res)
{
	struct schedule sched;
	struct client *clients;
	unsigned long long cpu0 = 0, cpu1 = 0;
	long tick = sysconf(_SC_CLK_TCK);
	size_t ok = 0;
	int64_t last;
	int r;

	clients = calloc((size_t)o->clients, sizeof(*clients));
	if (!clients)
		return -ENOMEM;
	r = -pthread_barrier_init(&sched.start, NULL, (unsigned)o->clients + 1);
	if (r < 0) {
		free(clients);
		return r;
	}
	for (size_t i = 0; i < (size_t)o->clients; i++) {
		clients[i].index = i;
		clients[i].sched = &sched;
		clients[i].url = url;
		r = -pthread_create(&clients[i].thread, NULL, client_run,
				    &clients[i]);
		if (r < 0) {
			/* The barrier can no longer be reached by all. */
			fprintf(stderr, "bench_issue: pthread_create: %s\n",
				strerror(-r));
			exit(EXIT_FAILURE);
		}
	}
	sched.t0 = bench_now_ns() + warmup_ns;
	sched.t_end = sched.t0 + run_ns;
	(void)pthread_barrier_wait(&sched.start);
	bench_sleep_ms((long)((sched.t0 - bench_now_ns()) / 1000000));
	if (!d || proc_cpu_ticks(d->pid, &cpu0) < 0)
		cpu0 = 0;
	for (size_t i = 0; i < (size_t)o->clients; i++)
		(void)pthread_join(clients[i].thread, NULL);
	if (!d || proc_cpu_ticks(d->pid, &cpu1) < 0)
		cpu1 = cpu0;
	(void)pthread_barrier_destroy(&sched.start);
	if (d && tick > 0)
		d->cpu_seconds += (double)(cpu1 - cpu0) / (double)tick;

	last = sched.t0;
	for (size_t i = 0; i < (size_t)o->clients; i++) {
		struct client *c = &clients[i];
		ok += c->ok;
		res->warm_ok += c->warm_ok;
		res->failed += c->failed;
		if (d)
			d->connects += c->connects;
		if (c->last_end > last)
			last = c->last_end;
		if (bench_samples_merge(&res->lat, &c->lat) < 0)
			r = -ENOMEM;
		if (c->failed)
			fprintf(stderr,
				"client %zu: %zu failed, first: "
				"status %ld: %s\n",
				i, c->failed, c->bad_status, c->bad_body);
		bench_samples_free(&c->lat);
	}
	free(clients);
	side_add(res, round, ok, sched.t0, last);
	return r;
}

/* A side that runs in this process, one operation at a time. */
struct loop {
	int (*one)(void *ctx, long i); /* one durable operation */
	void *ctx;
	long next; /* operations so far, over all rounds */
};

/* The operation for warmup_ns, then run_ns measured. */
static int loop_round(struct loop *l, size_t round, int64_t warmup_ns,
		      int64_t run_ns, struct side *res)
{
	int64_t t0 = bench_now_ns() + warmup_ns, t_end = t0 + run_ns;
	int64_t last = t0;
	size_t ok = 0;

	for (;; l->next++) {
		int64_t start = bench_now_ns(), end;
		int r;

		if (start >= t_end)
			break;
		r = l->one(l->ctx, l->next);
		if (r < 0)
			return r;
		end = bench_now_ns();
		if (start < t0) {
			res->warm_ok++;
			continue;
		}
		if (bench_samples_add(&res->lat, end - start) < 0)
			return -ENOMEM;
		ok++;
		last = end;
	}
	side_add(res, round, ok, t0, last);
	return 0;
}

struct bare {
	sqlite3 *db;
	sqlite3_stmt *begin, *ins, *commit;
};

static int sql_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		fprintf(stderr, "bench_issue: %s: %s\n", sql,
			msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return -EIO;
	}
	return 0;
}

static int step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	(void)sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

static void bare_close(struct bare *b)
{
	(void)sqlite3_finalize(b->begin);
	(void)sqlite3_finalize(b->ins);
	(void)sqlite3_finalize(b->commit);
	(void)sqlite3_close(b->db);
	memset(b, 0, sizeof(*b));
}

/* A table as small as a ticket row, in a WAL database with
 * synchronous=FULL, as the store opens its own: name in dir. */
static int bare_open(const char *dir, const char *name, struct bare *b)
{
	static const char *const ins_sql =
		"INSERT INTO tickets (day, number, service, issued_at)"
		" VALUES (?1, ?2, ?3, ?4)";
	char path[BENCH_DIR_MAX + 32], mode[16] = "";
	sqlite3_stmt *st = NULL;
	int rc;

	if (bench_path_in(path, sizeof(path), dir, name) < 0)
		return -ENAMETOOLONG;
	rc = sqlite3_open_v2(path, &b->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				     SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK)
		goto fail;
	if (sqlite3_prepare_v2(b->db, "PRAGMA journal_mode = WAL", -1, &st,
			       NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *m = sqlite3_column_text(st, 0);
		(void)snprintf(mode, sizeof(mode), "%s",
			       m ? (const char *)m : "");
	}
	(void)sqlite3_finalize(st);
	if (strcmp(mode, "wal") != 0) {
		fprintf(stderr, "bench_issue: WAL refused (mode '%s')\n", mode);
		goto fail;
	}
	if (sql_exec(b->db, "PRAGMA synchronous = FULL") < 0 ||
	    sql_exec(b->db,
		     "CREATE TABLE tickets (id INTEGER PRIMARY KEY,"
		     " day TEXT NOT NULL, number TEXT NOT NULL,"
		     " service TEXT NOT NULL, issued_at INTEGER NOT NULL)") < 0)
		goto fail;
	if (sqlite3_prepare_v2(b->db, "BEGIN IMMEDIATE", -1, &b->begin, NULL) !=
		    SQLITE_OK ||
	    sqlite3_prepare_v2(b->db, ins_sql, -1, &b->ins, NULL) !=
		    SQLITE_OK ||
	    sqlite3_prepare_v2(b->db, "COMMIT", -1, &b->commit, NULL) !=
		    SQLITE_OK)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "bench_issue: bare database %s: %s\n", path,
		b->db ? sqlite3_errmsg(b->db) : "cannot open");
	bare_close(b);
	return -EIO;
}

/* The small row i, inside the caller's transaction. */
static int bare_insert(struct bare *b, long i)
{
	char service[2] = {(char)('A' + i % BENCH_SERVICES), '\0'};
	char number[24];
	int n;

	n = snprintf(number, sizeof(number), "%s%03ld", service,
		     i / BENCH_SERVICES + 1);
	if (n < 0 || (size_t)n >= sizeof(number))
		return -EOVERFLOW;
	if (sqlite3_bind_text(b->ins, 1, "2026-12-03", -1, SQLITE_STATIC) !=
		    SQLITE_OK ||
	    sqlite3_bind_text(b->ins, 2, number, -1, SQLITE_TRANSIENT) !=
		    SQLITE_OK ||
	    sqlite3_bind_text(b->ins, 3, service, -1, SQLITE_TRANSIENT) !=
		    SQLITE_OK ||
	    sqlite3_bind_int64(b->ins, 4, 1796281200 + i) != SQLITE_OK ||
	    step_done(b->ins) < 0)
		return -EIO;
	(void)sqlite3_clear_bindings(b->ins);
	return 0;
}

/* One small row in its own transaction. */
static int bare_one(void *ctx, long i)
{
	struct bare *b = ctx;

	if (step_done(b->begin) < 0 || bare_insert(b, i) < 0 ||
	    step_done(b->commit) < 0) {
		fprintf(stderr, "bench_issue: bare loop: %s\n",
			sqlite3_errmsg(b->db));
		(void)sqlite3_exec(b->db, "ROLLBACK", NULL, NULL, NULL);
		return -EIO;
	}
	return 0;
}

/*
 * The minimal HTTP issuer: libmicrohttpd with a thread per connection, so
 * that every request waiting for a commit waits in its own thread and the
 * requests that come during a commit all join the next one. A request
 * reads nothing of its body and inserts the bare loop's row; the first to
 * find no commit under way leads: it takes every request queued, writes
 * their rows in one transaction and answers them after its COMMIT.
 */
struct min_req {
	struct min_req *next;
	long i;
	int r;
	bool done;
};

struct minimal {
	struct bare b;
	struct MHD_Daemon *mhd;
	char url[64];
	pthread_mutex_t lock;
	pthread_cond_t done;
	bool inited, writing;
	struct min_req *head, *tail;
	long next; /* rows so far */
	long long commits, rows;
};

/* Writes the batch in one transaction. Called by its leader alone. */
static int minimal_write(struct minimal *m, struct min_req *batch)
{
	int r = step_done(m->b.begin);

	for (struct min_req *q = batch; r == 0 && q; q = q->next)
		r = bare_insert(&m->b, q->i);
	if (r == 0)
		r = step_done(m->b.commit);
	if (r < 0)
		(void)sqlite3_exec(m->b.db, "ROLLBACK", NULL, NULL, NULL);
	return r;
}

static int minimal_issue(struct minimal *m, long *ret_i)
{
	struct min_req req = {0};

	pthread_mutex_lock(&m->lock);
	req.i = m->next++;
	if (m->tail)
		m->tail->next = &req;
	else
		m->head = &req;
	m->tail = &req;
	while (!req.done) {
		struct min_req *batch;
		long long n = 0;
		int r;

		if (m->writing) {
			pthread_cond_wait(&m->done, &m->lock);
			continue;
		}
		batch = m->head;
		m->head = m->tail = NULL;
		m->writing = true;
		pthread_mutex_unlock(&m->lock);
		r = minimal_write(m, batch);
		pthread_mutex_lock(&m->lock);
		for (struct min_req *q = batch, *next; q; q = next) {
			next = q->next;
			q->r = r;
			q->done = true; /* q may be gone once this is seen */
			n++;
		}
		m->commits += r == 0;
		m->rows += r == 0 ? n : 0;
		m->writing = false;
		pthread_cond_broadcast(&m->done);
	}
	pthread_mutex_unlock(&m->lock);
	*ret_i = req.i;
	return req.r;
}

static enum MHD_Result minimal_answer(void *cls, struct MHD_Connection *conn,
				      const char *url, const char *method,
				      const char *version,
				      const char *upload_data,
				      size_t *upload_data_size, void **con_cls)
{
	struct minimal *m = cls;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char body[64];
	long i;
	int n;

	(void)url;
	(void)method;
	(void)version;
	(void)upload_data;
	if (!*con_cls) { /* the headers: the body comes next */
		*con_cls = conn;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (minimal_issue(m, &i) < 0)
		return MHD_NO;
	n = snprintf(body, sizeof(body), "{\"id\":%ld,\"number\":\"%c%03ld\"}",
		     i + 1, 'A' + (int)(i % BENCH_SERVICES),
		     i / BENCH_SERVICES + 1);
	if (n < 0 || (size_t)n >= sizeof(body))
		return MHD_NO;
	resp = MHD_create_response_from_buffer((size_t)n, body,
					       MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	(void)MHD_add_response_header(resp, "Content-Type",
				      "application/json");
	ret = MHD_queue_response(conn, 201, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void minimal_close(struct minimal *m)
{
	if (m->mhd)
		MHD_stop_daemon(m->mhd);
	m->mhd = NULL;
	bare_close(&m->b);
	if (m->inited) {
		pthread_cond_destroy(&m->done);
		pthread_mutex_destroy(&m->lock);
		m->inited = false;
	}
}

static int minimal_open(const char *dir, struct minimal *m)
{
	const union MHD_DaemonInfo *info;
	int r = bare_open(dir, "minimal.db", &m->b);

	if (r < 0)
		return r;
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->done, NULL);
	m->inited = true;
	m->mhd = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION |
					  MHD_USE_INTERNAL_POLLING_THREAD,
				  0, NULL, NULL, minimal_answer, m,
				  MHD_OPTION_END);
	info = m->mhd ? MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_BIND_PORT)
		      : NULL;
	if (!info) {
		fprintf(stderr, "bench_issue: the minimal server did not "
				"start\n");
		minimal_close(m);
		return -EIO;
	}
	(void)snprintf(m->url, sizeof(m->url),
		       "http://127.0.0.1:%u/api/v1/tickets",
		       (unsigned int)info->port);
	return 0;
}

/* The daemon's own modules in this process, on a database of their own:
 * they split the daemon's time per ticket into the store's transaction,
 * the office around it, and HTTP. */
struct inproc {
	struct config *cfg;
	struct store *st;
	struct office *office;
	int64_t now;
	char day[TICKET_DAY_LEN + 1];
};

static void inproc_close(struct inproc *p)
{
	office_free(p->office);
	store_close(p->st);
	config_free(p->cfg);
	memset(p, 0, sizeof(*p));
}

static int inproc_open(const char *dir, const char *name, bool office,
		       struct inproc *p)
{
	char db[BENCH_DIR_MAX + 32], text[16384], err[CONFIG_ERR_MAX];
	int len, r;

	if (bench_path_in(db, sizeof(db), dir, name) < 0)
		return -ENAMETOOLONG;
	len = bench_config_text(text, sizeof(text), db, 4);
	if (len < 0)
		return len;
	r = config_parse(text, (size_t)len, "bench.conf", &p->cfg, err,
			 sizeof(err));
	if (r < 0) {
		fprintf(stderr, "bench_issue: config: %s\n", err);
		return r;
	}
	r = hours_set_zone(p->cfg->office.timezone);
	if (r == 0)
		r = hours_parse_rfc3339("2026-12-03T09:00:00+02:00", &p->now);
	if (r == 0)
		r = store_open(db, p->cfg, &p->st);
	if (r == 0 && office)
		r = office_new(p->cfg, p->st, p->now, &p->office);
	if (r < 0) {
		fprintf(stderr, "bench_issue: %s: %s\n", db, strerror(-r));
		inproc_close(p);
		return r;
	}
	hours_day(p->now, p->day);
	return 0;
}

/* The transaction office_issue() commits, without the office: number,
 * ticket and "issued" event. */
static int store_one(void *ctx, long i)
{
	struct inproc *p = ctx;
	int service = (int)(i % BENCH_SERVICES), seq, n, r;
	const char *prefix = p->cfg->services[service].prefix;
	struct ticket t = {
		.service = service,
		.kind = i % 16 == 15 ? TICKET_PRIORITY : TICKET_WALK_IN,
		.state = TICKET_WAITING,
		.issued_at = p->now,
		.kiosk = 0,
		.counter = -1,
		.printed = PRINT_NONE,
	};

	memcpy(t.day, p->day, sizeof(t.day));
	r = store_begin(p->st);
	if (r < 0)
		return r;
	r = store_next_seq(p->st, t.day, prefix, &seq);
	if (r == 0) {
		n = snprintf(t.number, sizeof(t.number), "%s%03d", prefix, seq);
		if (n < 0 || (size_t)n >= sizeof(t.number))
			r = -EOVERFLOW;
	}
	if (r == 0)
		r = store_ticket_insert(p->st, &t);
	if (r == 0)
		r = store_event_append(p->st,
				       &(struct store_event){.at = p->now,
							     .type = "issued",
							     .ticket = t.id,
							     .service = service,
							     .counter = -1,
							     .kind = t.kind});
	if (r == 0)
		r = store_commit(p->st);
	if (r < 0) {
		store_rollback(p->st);
		fprintf(stderr, "bench_issue: store: %s\n", strerror(-r));
	}
	return r;
}

static int office_one(void *ctx, long i)
{
	struct inproc *p = ctx;
	struct office_error err = {0};
	struct ticket t;
	int r;

	r = office_issue(p->office, (int)(i % BENCH_SERVICES), 0, i % 16 == 15,
			 p->now, &t, &err);
	if (r < 0)
		fprintf(stderr, "bench_issue: office_issue: %s\n", err.message);
	return r;
}

static double us(int64_t ns)
{
	return (double)ns / 1e3;
}

static double ms(int64_t ns)
{
	return (double)ns / 1e6;
}

static double rate_of(const struct side *s)
{
	return s->seconds > 0 ? (double)s->ok / s->seconds : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

enum {
	SIDE_HTTP,   /* bonomatd over HTTP */
	SIDE_OFFICE, /* office_issue() in this process */
	SIDE_STORE,  /* the store's transaction alone */
	SIDE_BARE,   /* one small row per commit */
	SIDE_MINIMAL, /* a minimal HTTP server's group commit of that row */
	SIDE_COUNT,
};

static const char *const side_name[SIDE_COUNT] = {
	[SIDE_HTTP] = "daemon over HTTP",
	[SIDE_OFFICE] = "office_issue() in process",
	[SIDE_STORE] = "store transaction alone",
	[SIDE_BARE] = "bare SQLite row",
	[SIDE_MINIMAL] = "minimal HTTP issuer",
};

static int run(const struct options *o, const char *dir, struct daemon *d,
	       struct side sides[SIDE_COUNT], double *ret_median,
	       double *ret_min_median, double *ret_min_rows_a_commit)
{
	int64_t warmup_ns = o->warmup * NS_PER_S;
	int64_t round_ns = o->seconds * NS_PER_S / o->rounds;
	double ratios[ROUNDS_MAX], min_ratios[ROUNDS_MAX];
	struct bare b = {0};
	struct minimal m = {0};
	struct inproc st = {0}, off = {0};
	struct loop loops[SIDE_COUNT] = {
		[SIDE_OFFICE] = {office_one, &off, 0},
		[SIDE_STORE] = {store_one, &st, 0},
		[SIDE_BARE] = {bare_one, &b, 0},
	};
	int r, s;

	r = daemon_start(o, dir, d);
	if (r < 0) {
		if (d->pid > 0)
			(void)daemon_stop(d);
		return r;
	}
	r = bare_open(dir, "bare.db", &b);
	if (r == 0)
		r = minimal_open(dir, &m);
	if (r == 0)
		r = inproc_open(dir, "store.db", false, &st);
	if (r == 0)
		r = inproc_open(dir, "office.db", true, &off);
	if (r < 0)
		goto out;
	printf("%-6s %11s %11s %11s %11s %11s %6s %6s\n", "round",
	       "daemon t/s", "office t/s", "store t/s", "bare rows/s",
	       "minimal t/s", "ratio", "min.");
	for (size_t i = 0; i < (size_t)o->rounds; i++) {
		int64_t warm = i == 0 ? warmup_ns : 0;

		/* Forward, then backward: a drift in the disk's speed hits
		 * every side alike. */
		for (int k = 0; r == 0 && k < SIDE_COUNT; k++) {
			int side = i % 2 == 0 ? k : SIDE_COUNT - 1 - k;
			if (side == SIDE_HTTP)
				r = http_round(o, d->url, d, i, warm, round_ns,
					       &sides[side]);
			else if (side == SIDE_MINIMAL)
				r = http_round(o, m.url, NULL, i, warm,
					       round_ns, &sides[side]);
			else
				r = loop_round(&loops[side], i, warm, round_ns,
					       &sides[side]);
		}
		if (r < 0)
			goto out;
		ratios[i] = sides[SIDE_BARE].rate[i] > 0 ?
				    sides[SIDE_HTTP].rate[i] /
					    sides[SIDE_BARE].rate[i] :
				    0;
		min_ratios[i] = sides[SIDE_BARE].rate[i] > 0 ?
					sides[SIDE_MINIMAL].rate[i] /
						sides[SIDE_BARE].rate[i] :
					0;
		printf("%-6zu %11.1f %11.1f %11.1f %11.1f %11.1f %6.2f %6.2f\n",
		       i + 1, sides[SIDE_HTTP].rate[i],
		       sides[SIDE_OFFICE].rate[i], sides[SIDE_STORE].rate[i],
		       sides[SIDE_BARE].rate[i], sides[SIDE_MINIMAL].rate[i],
		       ratios[i], min_ratios[i]);
		fflush(stdout);
		if (sides[SIDE_HTTP].failed >= FAILURES_MAX ||
		    sides[SIDE_MINIMAL].failed >= FAILURES_MAX) {
			r = -EIO;
			goto out;
		}
	}
	qsort(ratios, (size_t)o->rounds, sizeof(ratios[0]), cmp_double);
	qsort(min_ratios, (size_t)o->rounds, sizeof(min_ratios[0]),
	      cmp_double);
	*ret_median = ratios[o->rounds / 2];
	*ret_min_median = min_ratios[o->rounds / 2];
	*ret_min_rows_a_commit =
		m.commits ? (double)m.rows / (double)m.commits : 0;
out:
	minimal_close(&m);
	inproc_close(&off);
	inproc_close(&st);
	bare_close(&b);
	if (read_commits(d) < 0)
		fprintf(stderr, "bench_issue: no bonomat_tickets_per_commit "
				"in /metrics\n");
	s = daemon_stop(d);
	return r < 0 ? r : s;
}

int main(int argc, char **argv)
{
	struct options o = {0};
	struct daemon d = {0};
	struct side sides[SIDE_COUNT] = {0};
	const struct side *h = &sides[SIDE_HTTP], *b = &sides[SIDE_BARE];
	char dir[BENCH_DIR_MAX], fs[32], tmp_fs[32];
	bool tmpfs = false, tmp_tmpfs = false;
	double h_rate, b_rate, m_rate, ratio, m_ratio, median = 0;
	double m_median = 0, m_per_commit = 0;
	int r;

	if (parse_args(argc, argv, &o) < 0)
		return 2;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "bench_issue: curl_global_init failed\n");
		return 1;
	}
	r = bench_mkdtemp(o.base, "issue", dir, sizeof(dir));
	if (r < 0) {
		fprintf(stderr, "bench_issue: scratch directory in %s: %s\n",
			o.base, strerror(-r));
		curl_global_cleanup();
		return 1;
	}
	if (bench_fs_name(dir, fs, sizeof(fs), &tmpfs) < 0)
		(void)snprintf(fs, sizeof(fs), "unknown");
	if (bench_fs_name("/tmp", tmp_fs, sizeof(tmp_fs), &tmp_tmpfs) < 0)
		(void)snprintf(tmp_fs, sizeof(tmp_fs), "unknown");
	printf("scratch: %s (%s%s); /tmp is %s\n", dir, fs,
	       tmpfs ? ", IN MEMORY: figures do not reflect a disk" : "",
	       tmp_fs);
	printf("sqlite %s, libcurl %s; %ld clients; each side %ld s in %ld "
	       "rounds, taking turns, after %ld s of warm-up\n",
	       sqlite3_libversion(),
	       curl_version_info(CURLVERSION_NOW)->version, o.clients,
	       o.seconds, o.rounds, o.warmup);
	fflush(stdout);

	r = run(&o, dir, &d, sides, &median, &m_median, &m_per_commit);
	if (r < 0) {
		fprintf(stderr, "bench_issue: %s\n", strerror(-r));
		goto out;
	}
	for (int k = 0; k < SIDE_COUNT; k++)
		bench_samples_sort(&sides[k].lat);
	h_rate = rate_of(h);
	b_rate = rate_of(b);
	m_rate = rate_of(&sides[SIDE_MINIMAL]);
	ratio = b_rate > 0 ? h_rate / b_rate : 0;
	m_ratio = b_rate > 0 ? m_rate / b_rate : 0;

	printf("\n== durable issuing over HTTP: POST /api/v1/tickets, %ld "
	       "clients ==\n",
	       o.clients);
	printf("tickets: %zu in %.2f s = %.1f tickets/s (%zu in warm-up, "
	       "%zu failed)\n",
	       h->ok, h->seconds, h_rate, h->warm_ok, h->failed);
	printf("latency: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
	       ms(bench_pct(&h->lat, 500)), ms(bench_pct(&h->lat, 900)),
	       ms(bench_pct(&h->lat, 990)), ms(bench_pct(&h->lat, 1000)));
	printf("connections opened: %ld for %ld clients in %ld rounds "
	       "(keep-alive within a round)\n",
	       d.connects, o.clients, o.rounds);
	printf("database: %ld tickets stored, %zu answered 201\n", d.db_tickets,
	       h->ok + h->warm_ok);
	printf("daemon CPU while measured: %.2f s (%.0f%% of one core, %.0f "
	       "us per ticket)\n",
	       d.cpu_seconds,
	       h->seconds > 0 ? 100.0 * d.cpu_seconds / h->seconds : 0,
	       h->ok ? 1e6 * d.cpu_seconds / (double)h->ok : 0);
	printf("daemon peak RSS: VmHWM %ld kB (VmRSS at the end %ld kB, "
	       "getrusage maxrss %ld kB)\n",
	       d.vm_hwm_kb, d.vm_rss_kb, d.usage.ru_maxrss);

	printf("\n== one writer in this process, same disk, WAL + "
	       "synchronous=FULL ==\n");
	for (int k = SIDE_OFFICE; k <= SIDE_BARE; k++) {
		const struct side *x = &sides[k];
		printf("%-26s %7.1f/s  p50 %7.0f us  p99 %7.0f us  max %7.0f "
		       "us\n",
		       side_name[k], rate_of(x), us(bench_pct(&x->lat, 500)),
		       us(bench_pct(&x->lat, 990)),
		       us(bench_pct(&x->lat, 1000)));
	}

	printf("\n== the same clients against a minimal HTTP issuer in this "
	       "process ==\n");
	printf("%-26s %7.1f/s  p50 %7.0f us  p99 %7.0f us  max %7.0f us; "
	       "%.2f rows a commit\n",
	       side_name[SIDE_MINIMAL], m_rate,
	       us(bench_pct(&sides[SIDE_MINIMAL].lat, 500)),
	       us(bench_pct(&sides[SIDE_MINIMAL].lat, 990)),
	       us(bench_pct(&sides[SIDE_MINIMAL].lat, 1000)), m_per_commit);

	printf("\n== ratio ==\n");
	printf("group commit: %lld tickets in %lld commits, %.2f a commit "
	       "(bonomat_tickets_per_commit)\n",
	       d.commit_tickets, d.commits,
	       d.commits ? (double)d.commit_tickets / (double)d.commits : 0);
	printf("daemon/bare: %.2f overall, %.2f median of the rounds (goal "
	       ">= 2): %s\n",
	       ratio, median, ratio >= 2 ? "met" : "MISSED");
	printf("store/bare %.2f, office/store %.2f, daemon/office %.2f\n",
	       b_rate > 0 ? rate_of(&sides[SIDE_STORE]) / b_rate : 0,
	       rate_of(&sides[SIDE_STORE]) > 0 ?
		       rate_of(&sides[SIDE_OFFICE]) /
			       rate_of(&sides[SIDE_STORE]) :
		       0,
	       rate_of(&sides[SIDE_OFFICE]) > 0 ?
		       h_rate / rate_of(&sides[SIDE_OFFICE]) :
		       0);

	printf("summary: filesystem of the databases: %s%s\n", fs,
	       tmpfs ? " (in memory!)" : "");
	printf("summary: issue over HTTP, %ld clients: %.0f tickets/s, "
	       "p50 %.2f ms, p99 %.2f ms\n",
	       o.clients, h_rate, ms(bench_pct(&h->lat, 500)),
	       ms(bench_pct(&h->lat, 990)));
	printf("summary: bare SQLite, WAL + synchronous=FULL, 1 row/commit: "
	       "%.0f rows/s, p50 %.0f us, p99 %.0f us\n",
	       b_rate, us(bench_pct(&b->lat, 500)),
	       us(bench_pct(&b->lat, 990)));
	printf("summary: daemon/bare: %.2f (median of %ld rounds %.2f; goal "
	       ">= 2, several tickets a commit): %s; %.2f tickets a commit\n",
	       ratio, o.rounds, median, ratio >= 2 ? "met" : "MISSED",
	       d.commits ? (double)d.commit_tickets / (double)d.commits : 0);
	printf("summary: a minimal HTTP issuer (libmicrohttpd, a thread per "
	       "connection, the bare row with a group commit, nothing "
	       "else), same clients: %.0f rows/s, %.2f rows a commit; "
	       "minimal/bare %.2f (median of %ld rounds %.2f): what the "
	       "goal of 2 asks of any HTTP server on this machine\n",
	       m_rate, m_per_commit, m_ratio, o.rounds, m_median);
	printf("summary: in process, one writer: store transaction %.0f/s, "
	       "office_issue %.0f/s\n",
	       rate_of(&sides[SIDE_STORE]), rate_of(&sides[SIDE_OFFICE]));
	printf("summary: daemon peak RSS (VmHWM) after %zu tickets: %ld kB\n",
	       h->ok + h->warm_ok, d.vm_hwm_kb);
	if (h->failed || sides[SIDE_MINIMAL].failed)
		r = -EIO;
out:
	for (int k = 0; k < SIDE_COUNT; k++)
		bench_samples_free(&sides[k].lat);
	if (o.keep || r < 0)
		printf("kept %s\n", dir);
	else
		bench_rmdir(dir);
	curl_global_cleanup();
	return r < 0 ? 1 : 0;
}
