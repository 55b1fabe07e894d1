/* The report of a period on a large database: GET
 * /api/v1/stats?from=&to= of the real bonomatd.
 *
 * A fresh database gets the daemon's schema (store_open, as bonomatd
 * does), then N tickets with their event log (issued or checked in,
 * called, served or no-show) over DAYS days ending yesterday, written
 * straight with SQLite in one transaction: eight services, mixed kinds,
 * more people in the morning. The daemon is started on it and the report
 * of the last PERIOD days is asked for RUNS times, as JSON and once as CSV;
 * the time of each answer is printed, and the median is held against the
 * budget (issue #13: 90 days of 250,000 tickets in under a second).
 *
 *   bench_report [--daemon PATH] [--tickets N] [--days N] [--period N]
 *                [--runs N] [--budget-ms N] [--dir DIR] [--keep]
 */
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "config.h"
#include "hours.h"
#include "store.h"

#define COUNTERS 12
#define RUNS_MAX 50

struct options {
	const char *daemon;
	long tickets, days, period, runs, budget_ms;
	char base[BENCH_DIR_MAX];
	bool keep;
};

static const char *const kinds[] = {"walk_in", "priority", "appointment"};
static const char *const reasons[] = {"walk_in", "priority",
				      "appointment_due"};

/* The local date of t as YYYY-MM-DD. */
static void day_of(time_t t, char day[11])
{
	struct tm tm;

	localtime_r(&t, &tm);
	(void)strftime(day, 11, "%Y-%m-%d", &tm);
}

/* Local midnight of the day that is back days before today. */
static time_t midnight(long back)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	tm.tm_mday -= (int)back;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

enum { S_TICKET, S_EVENT, S_COUNT };

static int seed_ticket(sqlite3_stmt **st, const char *day, time_t open,
		       int number[BENCH_SERVICES + 1], uint64_t *rng)
{
	int svc = (int)(bench_rand(rng) % BENCH_SERVICES);
	int k = (int)(bench_rand(rng) % 10);
	int kind = k < 7 ? 0 : k < 8 ? 1 : 2;
	/* Mornings are busier: the smaller of two uniform draws. */
	uint64_t a = bench_rand(rng) % 36000, b = bench_rand(rng) % 36000;
	time_t issued = open + (time_t)(a < b ? a : b);
	time_t slot = kind == 2 ? (issued / 900 + 1) * 900 : 0;
	time_t called = issued + (time_t)(bench_rand(rng) % 2400);
	time_t end = called + 60 + (time_t)(bench_rand(rng) % 900);
	bool no_show = bench_rand(rng) % 20 == 0;
	char number_text[16], service[2] = {(char)('A' + svc), '\0'};
	char counter[8];
	int64_t id;
	int n = kind == 2 ? BENCH_SERVICES : svc;

	(void)snprintf(number_text, sizeof(number_text), "%c%03d",
		       kind == 2 ? 'P' : 'A' + svc, ++number[n]);
	(void)snprintf(counter, sizeof(counter), "%d",
		       (int)(bench_rand(rng) % COUNTERS) + 1);
	sqlite3_reset(st[S_TICKET]);
	sqlite3_bind_text(st[S_TICKET], 1, day, -1, SQLITE_STATIC);
	sqlite3_bind_text(st[S_TICKET], 2, number_text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st[S_TICKET], 3, service, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st[S_TICKET], 4, kinds[kind], -1, SQLITE_STATIC);
	sqlite3_bind_text(st[S_TICKET], 5, no_show ? "no_show" : "served", -1,
			  SQLITE_STATIC);
	sqlite3_bind_int64(st[S_TICKET], 6, issued);
	if (slot)
		sqlite3_bind_int64(st[S_TICKET], 7, slot);
	else
		sqlite3_bind_null(st[S_TICKET], 7);
	sqlite3_bind_text(st[S_TICKET], 8, counter, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st[S_TICKET], 9, reasons[kind], -1, SQLITE_STATIC);
	sqlite3_bind_int64(st[S_TICKET], 10, called);
	sqlite3_bind_int64(st[S_TICKET], 11, end);
	if (sqlite3_step(st[S_TICKET]) != SQLITE_DONE)
		return -EIO;
	id = sqlite3_last_insert_rowid(sqlite3_db_handle(st[S_TICKET]));

	const struct {
		time_t at;
		const char *type;
		bool counter;
		const char *reason;
	} ev[3] = {
		{issued, kind == 2 ? "checked_in" : "issued", false, NULL},
		{called, "called", true, reasons[kind]},
		{end, no_show ? "no_show" : "served", true, NULL},
	};
	for (int i = 0; i < 3; i++) {
		sqlite3_stmt *e = st[S_EVENT];

		sqlite3_reset(e);
		sqlite3_bind_int64(e, 1, ev[i].at);
		sqlite3_bind_text(e, 2, day, -1, SQLITE_STATIC);
		sqlite3_bind_text(e, 3, ev[i].type, -1, SQLITE_STATIC);
		sqlite3_bind_int64(e, 4, id);
		sqlite3_bind_text(e, 5, service, -1, SQLITE_TRANSIENT);
		if (ev[i].counter)
			sqlite3_bind_text(e, 6, counter, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(e, 6);
		sqlite3_bind_text(e, 7, kinds[kind], -1, SQLITE_STATIC);
		if (ev[i].reason)
			sqlite3_bind_text(e, 8, ev[i].reason, -1,
					  SQLITE_STATIC);
		else
			sqlite3_bind_null(e, 8);
		if (sqlite3_step(e) != SQLITE_DONE)
			return -EIO;
	}
	return 0;
}

/* The tickets spread evenly over the days that end yesterday. */
static int seed(const char *db, const struct options *o)
{
	static const char *const sql[S_COUNT] = {
		[S_TICKET] = "INSERT INTO tickets (day, number, service, kind,"
			     " state, issued_at, slot_start, printed, kiosk,"
			     " counter, reason, called_at, finished_at) VALUES"
			     " (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'ok', 'k1', ?8,"
			     " ?9, ?10, ?11)",
		[S_EVENT] = "INSERT INTO events (at, day, type, ticket,"
			    " service, counter, kind, reason) VALUES"
			    " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	};
	sqlite3_stmt *st[S_COUNT] = {NULL};
	uint64_t rng = 0x5eed2026;
	sqlite3 *h = NULL;
	long done = 0;
	int r = 0;

	if (sqlite3_open(db, &h) != SQLITE_OK ||
	    sqlite3_exec(h, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		r = -EIO;
	for (int i = 0; r == 0 && i < S_COUNT; i++)
		if (sqlite3_prepare_v2(h, sql[i], -1, &st[i], NULL) != SQLITE_OK)
			r = -EIO;
	for (long d = 0; r == 0 && d < o->days; d++) {
		time_t open = midnight(o->days - d) + 8 * 3600 + 1800;
		long n = o->tickets * (d + 1) / o->days - done;
		int number[BENCH_SERVICES + 1] = {0};
		char day[11];

		day_of(open, day);
		for (long i = 0; r == 0 && i < n; i++)
			r = seed_ticket(st, day, open, number, &rng);
		done += n;
	}
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(st[i]);
	if (r == 0 && sqlite3_exec(h, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		r = -EIO;
	if (r < 0)
		fprintf(stderr, "bench_report: seeding: %s\n",
			h ? sqlite3_errmsg(h) : "cannot open");
	sqlite3_close(h);
	return r;
}

static size_t on_body(char *p, size_t size, size_t n, void *userdata)
{
	size_t *len = userdata;

	(void)p;
	*len += size * n;
	return size * n;
}

/* One GET; its time in ns, the body's length and the status. */
static int get(const char *url, bool csv, int64_t *ret_ns, size_t *ret_len)
{
	struct curl_slist *hdr = NULL;
	CURL *e = curl_easy_init();
	long status = 0;
	size_t len = 0;
	int64_t t0;
	int r = -EIO;

	if (!e)
		return -ENOMEM;
	hdr = curl_slist_append(hdr, "Authorization: Bearer bench-admin-token");
	if (csv)
		hdr = curl_slist_append(hdr, "Accept: text/csv");
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &len);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, 60L);
	t0 = bench_now_ns();
	if (curl_easy_perform(e) == CURLE_OK &&
	    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status) ==
		    CURLE_OK &&
	    status == 200) {
		*ret_ns = bench_now_ns() - t0;
		*ret_len = len;
		r = 0;
	} else {
		fprintf(stderr, "bench_report: GET %s: status %ld\n", url,
			status);
	}
	curl_slist_free_all(hdr);
	curl_easy_cleanup(e);
	return r;
}

/* The CPU time of process pid so far, in ms (utime + stime of
 * /proc/PID/stat); -1 when it cannot be read. */
static long cpu_ms(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	size_t n;
	FILE *f;

	(void)snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* After the command's closing parenthesis: state is field 3,
	 * utime 14 and stime 15. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
				"%lu %lu", &ut, &st) != 2)
		return -1;
	return (long)((ut + st) * 1000 / (unsigned long)sysconf(_SC_CLK_TCK));
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longs[] = {
		{"daemon", required_argument, NULL, 'D'},
		{"tickets", required_argument, NULL, 't'},
		{"days", required_argument, NULL, 'd'},
		{"period", required_argument, NULL, 'p'},
		{"runs", required_argument, NULL, 'r'},
		{"budget-ms", required_argument, NULL, 'b'},
		{"dir", required_argument, NULL, 'o'},
		{"keep", no_argument, NULL, 'k'},
		{NULL, 0, NULL, 0},
	};
	const char *dir = NULL;
	int c;

	*o = (struct options){.daemon = getenv("BONOMATD"),
			      .tickets = 250000,
			      .days = 110,
			      .period = 90,
			      .runs = 5,
			      .budget_ms = 1000};
	while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		int r = 0;

		switch (c) {
		case 'D':
			o->daemon = optarg;
			break;
		case 't':
			r = bench_parse_long(optarg, 1, 10000000, &o->tickets);
			break;
		case 'd':
			r = bench_parse_long(optarg, 1, 3650, &o->days);
			break;
		case 'p':
			r = bench_parse_long(optarg, 1, 366, &o->period);
			break;
		case 'r':
			r = bench_parse_long(optarg, 1, RUNS_MAX, &o->runs);
			break;
		case 'b':
			r = bench_parse_long(optarg, 1, 600000, &o->budget_ms);
			break;
		case 'o':
			dir = optarg;
			break;
		case 'k':
			o->keep = true;
			break;
		default:
			return -EINVAL;
		}
		if (r < 0) {
			fprintf(stderr, "bench_report: bad value %s\n", optarg);
			return r;
		}
	}
	if (!o->daemon || optind != argc || o->period > o->days) {
		fprintf(stderr, "usage: bench_report --daemon PATH [--tickets N]"
				" [--days N] [--period N<=days] [--runs N]"
				" [--budget-ms N] [--dir DIR] [--keep]\n");
		return -EINVAL;
	}
	return bench_scratch_dir(dir, o->base, sizeof(o->base));
}

/* Creates the database as bonomatd does and writes the config file. */
static int prepare(const char *dir, char *db, char *conf)
{
	char text[8192], err[256];
	struct config *cfg = NULL;
	struct store *st = NULL;
	int len, r;

	if (bench_path_in(db, BENCH_DIR_MAX, dir, "bonomat.db") < 0 ||
	    bench_path_in(conf, BENCH_DIR_MAX, dir, "bonomat.conf") < 0)
		return -ENAMETOOLONG;
	len = bench_config_text(text, sizeof(text), db, COUNTERS);
	if (len < 0)
		return len;
	r = config_parse(text, (size_t)len, "bench.conf", &cfg, err,
			 sizeof(err));
	if (r < 0) {
		fprintf(stderr, "bench_report: %s\n", err);
		return r;
	}
	r = hours_set_zone(cfg->office.timezone);
	if (r == 0)
		r = store_open(db, cfg, &st);
	store_close(st);
	config_free(cfg);
	if (r == 0)
		r = bench_write_file(conf, text, (size_t)len);
	return r;
}

int main(int argc, char **argv)
{
	struct bench_samples s = {0}, cpu_s = {0};
	char dir[BENCH_DIR_MAX], db[BENCH_DIR_MAX], conf[BENCH_DIR_MAX];
	char log[BENCH_DIR_MAX] = "", url[512], from[11], to[11];
	struct options o;
	int64_t t0, ns;
	size_t len = 0, csv_len = 0;
	long port = 0;
	pid_t pid = -1;
	int r, status = 1;

	if (parse_options(argc, argv, &o) < 0)
		return 2;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return 1;
	r = bench_mkdtemp(o.base, "report", dir, sizeof(dir));
	if (r < 0) {
		fprintf(stderr, "bench_report: %s: %s\n", o.base, strerror(-r));
		return 1;
	}
	r = prepare(dir, db, conf);
	if (r < 0) {
		fprintf(stderr, "bench_report: preparing: %s\n", strerror(-r));
		goto out;
	}
	t0 = bench_now_ns();
	if (seed(db, &o) < 0)
		goto out;
	printf("seeded %ld tickets over %ld days (%ld events) in %.1f s\n",
	       o.tickets, o.days, 3 * o.tickets,
	       (double)(bench_now_ns() - t0) / 1e9);
	day_of(midnight(o.period) + 12 * 3600, from);
	day_of(midnight(1) + 12 * 3600, to);

	if (bench_path_in(log, sizeof(log), dir, "daemon.log") < 0 ||
	    bench_daemon_start(o.daemon, conf, log, &pid, &port) < 0)
		goto out;
	(void)snprintf(url, sizeof(url),
		       "http://127.0.0.1:%ld/api/v1/stats?from=%s&to=%s", port,
		       from, to);
	for (long i = 0; i < o.runs; i++) {
		long cpu = cpu_ms(pid);

		if (get(url, false, &ns, &len) < 0 ||
		    bench_samples_add(&s, ns) < 0 ||
		    bench_samples_add(&cpu_s, (cpu_ms(pid) - cpu) * 1000000) < 0)
			goto out;
		printf("run %ld: %.0f ms (daemon CPU %.0f ms), %zu bytes of "
		       "JSON\n",
		       i + 1, (double)ns / 1e6,
		       (double)cpu_s.v[cpu_s.n - 1] / 1e6, len);
	}
	if (get(url, true, &ns, &csv_len) < 0)
		goto out;
	printf("CSV: %.0f ms, %zu bytes\n", (double)ns / 1e6, csv_len);
	bench_samples_sort(&s);
	bench_samples_sort(&cpu_s);
	printf("summary: report of %ld days (%s to %s) over %ld tickets: "
	       "median %.0f ms, max %.0f ms of %ld runs (budget %ld ms); "
	       "daemon CPU median %.0f ms\n",
	       o.period, from, to, o.tickets,
	       (double)bench_pct(&s, 500) / 1e6,
	       (double)bench_pct(&s, 1000) / 1e6, o.runs, o.budget_ms,
	       (double)bench_pct(&cpu_s, 500) / 1e6);
	if (bench_pct(&s, 500) > o.budget_ms * 1000000) {
		fprintf(stderr, "bench_report: the median is over the budget\n");
		goto out;
	}
	status = 0;
out:
	if (pid > 0 && bench_daemon_stop(pid, NULL) < 0) {
		if (log[0])
			bench_print_log(log);
		status = 1;
	}
	bench_samples_free(&s);
	bench_samples_free(&cpu_s);
	if (!o.keep)
		bench_rmdir(dir);
	curl_global_cleanup();
	return status;
}
