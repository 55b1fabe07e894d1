/* The rows of issue 15's table that bench_issue and bench_events do not
 * measure, each against its floor on this machine in the same run, the
 * sides taking turns in short rounds so that a drifting disk or a busy
 * neighbour slows both alike:
 *
 *   calls     POST /api/v1/counters/{id}/next on the real bonomatd with
 *             --waiting tickets waiting, against one bare one-row commit
 *             (WAL, synchronous=FULL) on the same disk: p50 and p99 ratios.
 *             Two clients take turns with the bare commit, each on its own
 *             kept-alive TCP connection: libcurl's easy interface (the
 *             figure of issue 15) and a raw socket writing the same request
 *             bytes and reading the answer to its Content-Length, whose
 *             difference is libcurl's own cost per request. Between them,
 *             office_next() in this process on a database of its own with
 *             as many waiting: the call's own transaction and queue work,
 *             without HTTP, the events or the queue notifier
 *   memory    the daemon's peak RSS with those tickets waiting, before and
 *             after every counter's view (default and ?limit=200)
 *   services  GET /api/v1/services under wrk (8 connections), against a
 *             minimal libmicrohttpd server in this process answering the
 *             same bytes with the same thread count: the rate's ratio
 *   ready     from exec to the first 200 of /healthz on a database of
 *             --days days of --per-day tickets (three events each) and
 *             2,000 waiting, against an empty database
 *
 *   bench_limits [--daemon PATH] [--dir DIR] [--waiting N] [--calls N]
 *                [--rounds N] [--wrk PATH] [--wrk-seconds S] [--days N]
 *                [--per-day N] [--ready-runs N] [--rows LIST] [--keep]
 *
 * --calls is the number of calls, half from each client, in --rounds
 * rounds; as many bare commits and requests to the minimal server.
 * --rows names the rows to run, comma-separated (calls, memory, services,
 * ready; all by default); memory comes after the calls' queue, so "memory"
 * alone still makes the calls.
 *
 * Prints "summary:" lines (tests/bench/run.sh collects them). The figures
 * are the machine's: nothing here fails on a slow one.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "config.h"
#include "hours.h"
#include "office.h"
#include "store.h"

#define COUNTERS 8
#define ROUNDS_MAX 20
#define BIG_WAITING 2000
#define NS_PER_MS 1000000.0
#define ROW_CALLS 1u
#define ROW_MEMORY 2u
#define ROW_SERVICES 4u
#define ROW_READY 8u
#define ROWS_ALL 15u
#define RAW_BUF 65536

struct options {
	const char *daemon;
	const char *wrk;
	char base[BENCH_DIR_MAX];
	long waiting, calls, rounds, wrk_seconds, days, per_day, ready_runs;
	unsigned int rows;
	bool keep;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: bench_limits [--daemon PATH] [--dir DIR] "
		   "[--waiting N] [--calls N] [--rounds N] [--wrk PATH] "
		   "[--wrk-seconds S] [--days N] [--per-day N] "
		   "[--ready-runs N] [--rows calls,memory,services,ready] "
		   "[--keep]\n");
}

/* "calls,ready" into ROW_ bits. */
static int parse_rows(const char *s, unsigned int *ret)
{
	static const struct {
		const char *name;
		unsigned int bit;
	} names[] = {{"calls", ROW_CALLS},
		     {"memory", ROW_MEMORY},
		     {"services", ROW_SERVICES},
		     {"ready", ROW_READY}};
	unsigned int rows = 0;

	while (*s) {
		size_t len = strcspn(s, ","), i;

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strlen(names[i].name) == len &&
			    strncmp(names[i].name, s, len) == 0)
				break;
		if (i == sizeof(names) / sizeof(names[0]))
			return -EINVAL;
		rows |= names[i].bit;
		s += len;
		if (*s == ',')
			s++;
	}
	if (!rows)
		return -EINVAL;
	*ret = rows;
	return 0;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option opts[] = {
		{"daemon", required_argument, NULL, 'd'},
		{"dir", required_argument, NULL, 'D'},
		{"waiting", required_argument, NULL, 'w'},
		{"calls", required_argument, NULL, 'c'},
		{"rounds", required_argument, NULL, 'r'},
		{"wrk", required_argument, NULL, 'W'},
		{"wrk-seconds", required_argument, NULL, 's'},
		{"days", required_argument, NULL, 'a'},
		{"per-day", required_argument, NULL, 'p'},
		{"ready-runs", required_argument, NULL, 'R'},
		{"rows", required_argument, NULL, 'o'},
		{"keep", no_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *dir = NULL;
	int c;

	o->daemon = getenv("BONOMATD");
	o->wrk = "wrk";
	o->waiting = 10000;
	o->calls = 1000;
	o->rounds = 5;
	o->wrk_seconds = 3;
	o->days = 400;
	o->per_day = 2500;
	o->ready_runs = 5;
	o->rows = ROWS_ALL;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		int r = 0;
		switch (c) {
		case 'd':
			o->daemon = optarg;
			break;
		case 'D':
			dir = optarg;
			break;
		case 'w':
			r = bench_parse_long(optarg, 0, 1000000, &o->waiting);
			break;
		case 'c':
			r = bench_parse_long(optarg, 1, 1000000, &o->calls);
			break;
		case 'r':
			r = bench_parse_long(optarg, 1, ROUNDS_MAX, &o->rounds);
			break;
		case 'W':
			o->wrk = optarg;
			break;
		case 's':
			r = bench_parse_long(optarg, 1, 60, &o->wrk_seconds);
			break;
		case 'a':
			r = bench_parse_long(optarg, 0, 4000, &o->days);
			break;
		case 'p':
			r = bench_parse_long(optarg, 1, 100000, &o->per_day);
			break;
		case 'R':
			r = bench_parse_long(optarg, 1, 50, &o->ready_runs);
			break;
		case 'o':
			r = parse_rows(optarg, &o->rows);
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
			fprintf(stderr, "bench_limits: bad value '%s'\n",
				optarg);
			return r;
		}
	}
	if (optind != argc || !o->daemon || !*o->daemon) {
		usage(stderr);
		return -EINVAL;
	}
	return bench_scratch_dir(dir, o->base, sizeof(o->base));
}

static double ms(int64_t ns)
{
	return (double)ns / NS_PER_MS;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* --- the daemon's database and config ------------------------------- */

struct site {
	char dir[BENCH_DIR_MAX];
	char db[BENCH_DIR_MAX + 32], conf[BENCH_DIR_MAX + 32];
	char log[BENCH_DIR_MAX + 32];
	struct config *cfg;
};

/* The benchmark office's config for a database in dir; port 0 lets the
 * daemon choose. */
static int site_init(struct site *s, const char *dir, long port)
{
	char text[16384], err[CONFIG_ERR_MAX], *p;
	int len, r;

	memset(s, 0, sizeof(*s));
	(void)snprintf(s->dir, sizeof(s->dir), "%s", dir);
	if (bench_path_in(s->db, sizeof(s->db), dir, "bonomat.db") < 0 ||
	    bench_path_in(s->conf, sizeof(s->conf), dir, "bonomat.conf") < 0 ||
	    bench_path_in(s->log, sizeof(s->log), dir, "bonomatd.log") < 0)
		return -ENAMETOOLONG;
	len = bench_config_text(text, sizeof(text) - 8, s->db, COUNTERS);
	if (len < 0)
		return len;
	p = strstr(text, "listen = 127.0.0.1:0\n");
	if (p && port > 0) {
		char tail[16384];

		(void)snprintf(tail, sizeof(tail), "%s",
			       p + strlen("listen = 127.0.0.1:0\n"));
		len = (int)(p - text);
		len += snprintf(p, sizeof(text) - (size_t)len,
				"listen = 127.0.0.1:%ld\n%s", port, tail);
		if (len < 0 || (size_t)len >= sizeof(text))
			return -ENOBUFS;
	}
	r = bench_write_file(s->conf, text, (size_t)len);
	if (r == 0)
		r = config_parse(text, (size_t)len, "bench.conf", &s->cfg, err,
				 sizeof(err));
	if (r < 0)
		fprintf(stderr, "bench_limits: config: %s\n", err);
	return r;
}

static void site_free(struct site *s)
{
	config_free(s->cfg);
	s->cfg = NULL;
}

/* n walk-in tickets waiting today, issued over the last two hours, in one
 * transaction through the store (as the daemon numbers them). */
static int fill_waiting(struct store *st, const struct config *cfg,
			int64_t now, long n)
{
	char day[TICKET_DAY_LEN + 1];
	uint64_t rng = 0x5eed;
	int r;

	hours_day(now, day);
	r = store_begin(st);
	if (r < 0)
		return r;
	for (long i = 0; i < n; i++) {
		struct ticket t = {
			.service = (int)(bench_rand(&rng) % BENCH_SERVICES),
			.kind = TICKET_WALK_IN,
			.state = TICKET_WAITING,
			.issued_at = now - 7200 + (int64_t)(i * 7200 / n),
			.printed = PRINT_NONE,
			.kiosk = 0,
			.counter = -1,
			.estimate_min = -1,
		};
		const char *prefix = cfg->services[t.service].prefix;
		int seq, len;

		memcpy(t.day, day, sizeof(t.day));
		r = store_next_seq(st, day, prefix, &seq);
		if (r < 0)
			goto fail;
		len = snprintf(t.number, sizeof(t.number), "%s%03d", prefix,
			       seq);
		if (len < 0 || (size_t)len >= sizeof(t.number)) {
			r = -EOVERFLOW;
			goto fail;
		}
		r = store_ticket_insert(st, &t);
		if (r < 0)
			goto fail;
	}
	return store_commit(st);
fail:
	store_rollback(st);
	return r;
}

static int prepare_waiting(struct site *s, int64_t now, long n)
{
	struct store *st = NULL;
	int r = store_open(s->db, s->cfg, &st);

	if (r == 0 && n > 0)
		r = fill_waiting(st, s->cfg, now, n);
	store_close(st);
	return r;
}

/* --- HTTP client ----------------------------------------------------- */

/* One request on the kept-alive handle: *ret_status, and the body in b
 * (NULL: dropped). */
static int http_do(CURL *curl, const char *url, const char *method,
		   const char *token, struct bench_body *b, long *ret_status)
{
	struct curl_slist *h = NULL;
	char auth[128];
	struct bench_body sink = {0};
	CURLcode rc;

	if (token) {
		(void)snprintf(auth, sizeof(auth),
			       "Authorization: Bearer %s", token);
		h = curl_slist_append(NULL, auth);
	}
	(void)curl_easy_setopt(curl, CURLOPT_URL, url);
	(void)curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
	if (strcmp(method, "POST") == 0) {
		(void)curl_easy_setopt(curl, CURLOPT_POST, 1L);
		(void)curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "");
		(void)curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, 0L);
	} else {
		(void)curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
	}
	(void)curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, bench_body_append);
	(void)curl_easy_setopt(curl, CURLOPT_WRITEDATA, b ? b : &sink);
	rc = curl_easy_perform(curl);
	curl_slist_free_all(h);
	free(sink.data);
	if (rc != CURLE_OK)
		return -EIO;
	(void)curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, ret_status);
	return 0;
}

static CURL *client_new(void)
{
	CURL *curl = curl_easy_init();

	if (curl) {
		(void)curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
		(void)curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
		(void)curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
	}
	return curl;
}

/* VmHWM of a process, in kB. */
static long peak_kb(pid_t pid)
{
	char path[64], line[256];
	long v = -1;
	FILE *f;

	(void)snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %ld kB", &v) == 1)
			break;
	(void)fclose(f);
	return v;
}

/* --- the bare commit --------------------------------------------------- */

struct bare {
	sqlite3 *db;
	sqlite3_stmt *begin, *ins, *commit;
	long i;
};

static void bare_close(struct bare *b)
{
	(void)sqlite3_finalize(b->begin);
	(void)sqlite3_finalize(b->ins);
	(void)sqlite3_finalize(b->commit);
	(void)sqlite3_close(b->db);
	memset(b, 0, sizeof(*b));
}

static int bare_open(const char *dir, struct bare *b)
{
	char path[BENCH_DIR_MAX + 32];

	memset(b, 0, sizeof(*b));
	if (bench_path_in(path, sizeof(path), dir, "bare.db") < 0)
		return -ENAMETOOLONG;
	if (sqlite3_open(path, &b->db) != SQLITE_OK ||
	    sqlite3_exec(b->db,
			 "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
			 "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY,"
			 " day TEXT, number TEXT, at INTEGER)",
			 NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(b->db, "BEGIN IMMEDIATE", -1, &b->begin,
			       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(b->db,
			       "INSERT INTO t (day, number, at) VALUES "
			       "('2026-12-06', ?1, ?2)",
			       -1, &b->ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(b->db, "COMMIT", -1, &b->commit, NULL) !=
		    SQLITE_OK) {
		fprintf(stderr, "bench_limits: bare database: %s\n",
			b->db ? sqlite3_errmsg(b->db) : "cannot open");
		bare_close(b);
		return -EIO;
	}
	return 0;
}

static int step(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	(void)sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

/* One row in its own durable transaction. */
static int bare_one(struct bare *b)
{
	char number[24];

	(void)snprintf(number, sizeof(number), "A%03ld", ++b->i);
	if (step(b->begin) < 0 ||
	    sqlite3_bind_text(b->ins, 1, number, -1, SQLITE_TRANSIENT) !=
		    SQLITE_OK ||
	    sqlite3_bind_int64(b->ins, 2, b->i) != SQLITE_OK ||
	    step(b->ins) < 0 || step(b->commit) < 0)
		return -EIO;
	return 0;
}

struct running {
	pid_t pid;
	long port;
};

/* --- the minimal server ---------------------------------------------- */

struct floor_body {
	char *data;
	size_t len;
};

static enum MHD_Result floor_answer(void *cls, struct MHD_Connection *conn,
				    const char *url, const char *method,
				    const char *version,
				    const char *upload_data,
				    size_t *upload_data_size, void **con_cls)
{
	const struct floor_body *b = cls;
	struct MHD_Response *resp;
	enum MHD_Result ret;

	(void)url;
	(void)method;
	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	if (!*con_cls) { /* the headers: the answer comes on the next call */
		*con_cls = conn;
		return MHD_YES;
	}
	resp = MHD_create_response_from_buffer(b->len, b->data,
					       MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	(void)MHD_add_response_header(resp, "Content-Type",
				      "application/json");
	ret = MHD_queue_response(conn, 200, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* A minimal libmicrohttpd server answering every request with b, as the
 * daemon's (8 workers, epoll); *ret_port is where it listens. */
static struct MHD_Daemon *floor_start(struct floor_body *b, long *ret_port)
{
	/* The daemon's HTTP workers (http.c THREADS). */
	enum { DAEMON_THREADS = 8 };
	const union MHD_DaemonInfo *info;
	struct MHD_Daemon *mhd;

	mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL,
			       0, NULL, NULL, floor_answer, b,
			       MHD_OPTION_THREAD_POOL_SIZE,
			       (unsigned int)DAEMON_THREADS, MHD_OPTION_END);
	info = mhd ? MHD_get_daemon_info(mhd, MHD_DAEMON_INFO_BIND_PORT) : NULL;
	if (!info) {
		if (mhd)
			MHD_stop_daemon(mhd);
		return NULL;
	}
	*ret_port = info->port;
	return mhd;
}

/* --- the raw client ---------------------------------------------------- */

/* A kept-alive TCP connection that writes a request's bytes and reads the
 * answer to the end of its Content-Length, nothing else: what is left of
 * a request's time without an HTTP library on the client's side. */
struct raw {
	int fd;
	char buf[RAW_BUF];
};

static int raw_connect(long port, struct raw *c)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port)};
	int one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -errno;
	/* As CURLOPT_TCP_NODELAY does for the other client. */
	if (setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) <
		    0 ||
	    connect(c->fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int r = -errno;

		(void)close(c->fd);
		c->fd = -1;
		return r;
	}
	return 0;
}

static void raw_close(struct raw *c)
{
	if (c->fd >= 0)
		(void)close(c->fd);
	c->fd = -1;
}

/* The value of a header in the head (which ends with an empty line), or
 * NULL; name with its colon, e.g. "content-length:". */
static const char *raw_header(const char *head, const char *name)
{
	const char *p = strstr(head, "\r\n");
	size_t n = strlen(name);

	while (p && p[2] != '\r') {
		p += 2;
		if (strncasecmp(p, name, n) == 0)
			return p + n;
		p = strstr(p, "\r\n");
	}
	return NULL;
}

/* One request of len bytes; *ret_status from the status line. */
static int raw_do(struct raw *c, const char *req, size_t len,
		  long *ret_status)
{
	size_t have = 0, head = 0, want = 0;
	const char *v;
	char *end;

	while (len > 0) {
		ssize_t n = send(c->fd, req, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EIO;
		req += n;
		len -= (size_t)n;
	}
	for (;;) {
		ssize_t n = recv(c->fd, c->buf + have, RAW_BUF - 1 - have, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EIO;
		have += (size_t)n;
		c->buf[have] = '\0';
		if (!head) {
			char *e = strstr(c->buf, "\r\n\r\n");

			if (!e) {
				if (have == RAW_BUF - 1)
					return -EMSGSIZE;
				continue;
			}
			head = (size_t)(e - c->buf) + 4;
			e[2] = '\0'; /* the head ends with its last CRLF */
			if (strncmp(c->buf, "HTTP/1.1 ", 9) != 0)
				return -EPROTO;
			*ret_status = strtol(c->buf + 9, NULL, 10);
			v = raw_header(c->buf, "content-length:");
			if (!v) /* every answer of the API has one */
				return -EPROTO;
			want = (size_t)strtoul(v, &end, 10);
			if (head + want > RAW_BUF - 1)
				return -EMSGSIZE;
		}
		if (have > head + want)
			return -EPROTO; /* nothing was asked after it */
		if (have == head + want)
			return 0;
	}
}

/* The request libcurl sends for http_do(POST) with that token, byte for
 * byte (seen with strace), into buf. */
static int raw_next_request(char *buf, size_t size, long port, long counter)
{
	int n = snprintf(buf, size,
			 "POST /api/v1/counters/%ld/next HTTP/1.1\r\n"
			 "Host: 127.0.0.1:%ld\r\n"
			 "Accept: */*\r\n"
			 "Authorization: Bearer bench-counter-%ld\r\n"
			 "Content-Length: 0\r\n"
			 "Content-Type: application/x-www-form-urlencoded\r\n"
			 "\r\n",
			 counter, port, counter);

	return n < 0 || (size_t)n >= size ? -ENOBUFS : n;
}

/* --- rows: calls and memory -------------------------------------------- */

static void print_ratio(const char *what, const struct bench_samples *d,
			const struct bench_samples *f)
{
	double d50 = ms(bench_pct(d, 500)), d99 = ms(bench_pct(d, 990));
	double f50 = ms(bench_pct(f, 500)), f99 = ms(bench_pct(f, 990));

	printf("summary: %s: p50 %.3f ms, p99 %.3f ms; one bare commit p50 "
	       "%.3f ms, p99 %.3f ms; ratio p50 %.2fx, p99 %.2fx (goal p50 "
	       "<= 1.5x, p99 <= 2x): %s\n",
	       what, d50, d99, f50, f99, f50 > 0 ? d50 / f50 : 0,
	       f99 > 0 ? d99 / f99 : 0,
	       f50 > 0 && f99 > 0 && d50 <= 1.5 * f50 && d99 <= 2 * f99 ?
		       "met" :
		       "MISSED");
}

/* The sides of the calls row: the daemon from each client, a bare
 * commit, and the raw client's same request to the minimal server (what
 * libmicrohttpd and the loopback cost without the daemon's work). */
enum side { SIDE_CURL, SIDE_RAW, SIDE_BARE, SIDE_FLOOR, SIDE_OFFICE, SIDES };

/* office_next() in this process, on a site of its own in DIR/inproc. */
struct inproc {
	struct site s;
	struct store *st;
	struct office *office;
};

static void inproc_close(struct inproc *p)
{
	office_free(p->office);
	store_close(p->st);
	site_free(&p->s);
	memset(p, 0, sizeof(*p));
}

static int inproc_open(const char *dir, long waiting, struct inproc *p)
{
	char sub[BENCH_DIR_MAX];
	int64_t now = (int64_t)time(NULL);
	int r;

	memset(p, 0, sizeof(*p));
	if (bench_path_in(sub, sizeof(sub), dir, "inproc") < 0)
		return -ENAMETOOLONG;
	if (mkdir(sub, 0700) < 0 && errno != EEXIST)
		return -errno;
	r = site_init(&p->s, sub, 0);
	if (r == 0)
		r = prepare_waiting(&p->s, now, waiting);
	if (r == 0)
		r = store_open(p->s.db, p->s.cfg, &p->st);
	if (r == 0)
		r = office_new(p->s.cfg, p->st, now, &p->office);
	if (r < 0) {
		fprintf(stderr, "bench_limits: in process office: %s\n",
			strerror(-r));
		inproc_close(p);
	}
	return r;
}

/* One office_next() on counter k (1-based), at the wall clock's second as
 * the daemon's would be. */
static int inproc_next(struct inproc *p, long k)
{
	struct office_error err = {0};
	struct ticket t;
	bool none = false;
	int r = office_next(p->office, (int)(k - 1), (int64_t)time(NULL), &t,
			    &none, &err);

	if (r < 0)
		fprintf(stderr, "bench_limits: office_next: %s\n",
			err.message);
	else if (none)
		r = -ENOENT;
	return r;
}

/* What the minimal server answers the calls: a called ticket as the
 * daemon renders it (301 bytes; the daemon's are 285 to 290). */
static char floor_ticket[] =
	"{\"id\":10000,\"number\":\"A001\",\"service\":\"A\",\"kind\":"
	"\"walk_in\",\"state\":\"called\",\"issued_at\":\"2026-12-06T22:40:"
	"30+02:00\",\"ahead\":0,\"est_wait_min\":null,\"printed\":\"none\","
	"\"counter\":\"c1\",\"reason\":\"walk_in\",\"called_at\":\"2026-12-"
	"06T22:40:31+02:00\",\"finished_at\":null,\"recalls\":0,\"estimate_"
	"min\":null,\"kiosk\":null}";

/* One call-next on counter k by the side's client, one bare commit, or
 * the raw client's request to the minimal server. */
static int call_once(enum side side, CURL *curl, struct raw *raw,
		     struct raw *raw_floor, struct bare *b,
		     struct inproc *in, long port, long k)
{
	char url[256], token[64], req[512];
	long status = 0;
	int r, len;

	switch (side) {
	case SIDE_CURL:
		(void)snprintf(url, sizeof(url),
			       "http://127.0.0.1:%ld/api/v1/counters/%ld/next",
			       port, k);
		(void)snprintf(token, sizeof(token), "bench-counter-%ld", k);
		r = http_do(curl, url, "POST", token, NULL, &status);
		break;
	case SIDE_RAW:
	case SIDE_FLOOR:
		len = raw_next_request(req, sizeof(req), port, k);
		r = len < 0 ? len :
			      raw_do(side == SIDE_RAW ? raw : raw_floor, req,
				     (size_t)len, &status);
		break;
	case SIDE_OFFICE:
		return inproc_next(in, k);
	default:
		return bare_one(b);
	}
	if (r == 0 && status != 200) {
		fprintf(stderr, "bench_limits: next: status %ld\n", status);
		r = -EIO;
	}
	return r;
}

static int calls(const struct options *o, struct site *s, struct running *d,
		 CURL *curl)
{
	static const char *const names[SIDES] = {
		"call-next over HTTP vs one bare commit",
		"call-next over HTTP, raw socket client, vs one bare commit",
		"one bare commit",
		"the same request to a minimal libmicrohttpd server, raw "
		"socket client",
		"office_next() in process vs one bare commit",
	};
	struct bench_samples sm[SIDES] = {{0}};
	struct raw raw = {.fd = -1}, raw_floor = {.fd = -1};
	struct floor_body fb = {floor_ticket, sizeof(floor_ticket) - 1};
	struct MHD_Daemon *mhd;
	struct bare b;
	struct inproc in;
	/* --calls is shared by the two clients, so that the queue at start
	 * (and with it the memory row's peak) is what it was with one. */
	long per = o->calls / o->rounds / 2, status = 0, fport = 0;
	char url[256];
	int r;

	if (per < 1)
		per = 1;

	mhd = floor_start(&fb, &fport);
	if (!mhd)
		return -EIO;
	r = bare_open(s->dir, &b);
	if (r < 0) {
		MHD_stop_daemon(mhd);
		return r;
	}
	r = inproc_open(s->dir, o->waiting + o->calls, &in);
	if (r < 0) {
		MHD_stop_daemon(mhd);
		bare_close(&b);
		return r;
	}
	r = raw_connect(d->port, &raw);
	if (r == 0)
		r = raw_connect(fport, &raw_floor);
	/* The first request of a kept-alive connection is not timed. */
	(void)snprintf(url, sizeof(url), "http://127.0.0.1:%ld/healthz",
		       d->port);
	if (r == 0)
		r = http_do(curl, url, "GET", NULL, NULL, &status);
	if (r == 0) {
		static const char healthz[] = "GET /healthz HTTP/1.1\r\n"
					      "Host: 127.0.0.1\r\n\r\n";

		r = raw_do(&raw, healthz, sizeof(healthz) - 1, &status);
		if (r == 0)
			r = raw_do(&raw_floor, healthz, sizeof(healthz) - 1,
				   &status);
	}
	/* Each round the sides in another order: every side comes first,
	 * second, third and last as often. */
	for (long round = 0; r == 0 && round < o->rounds; round++) {
		for (int j = 0; r == 0 && j < SIDES; j++) {
			enum side side = (enum side)((round + j) % SIDES);

			for (long i = 0; r == 0 && i < per; i++) {
				long k = 1 + (round * per + i) % COUNTERS;
				int64_t t0 = bench_now_ns();

				r = call_once(side, curl, &raw, &raw_floor, &b,
					      &in,
					      side == SIDE_FLOOR ? fport :
								   d->port,
					      k);
				if (r == 0)
					r = bench_samples_add(
						&sm[side], bench_now_ns() - t0);
			}
		}
	}
	raw_close(&raw);
	raw_close(&raw_floor);
	MHD_stop_daemon(mhd);
	bare_close(&b);
	inproc_close(&in);
	if (r == 0) {
		for (int i = 0; i < SIDES; i++)
			bench_samples_sort(&sm[i]);
		printf("call-next over HTTP, %ld waiting, %zu calls on %d "
		       "counters for each client in %ld rounds against as many "
		       "bare commits\n",
		       o->waiting, sm[SIDE_CURL].n, COUNTERS, o->rounds);
		print_ratio(names[SIDE_CURL], &sm[SIDE_CURL], &sm[SIDE_BARE]);
		print_ratio(names[SIDE_RAW], &sm[SIDE_RAW], &sm[SIDE_BARE]);
		printf("summary: %s: p50 %.3f ms, p99 %.3f ms; ratio p50 "
		       "%.2fx, p99 %.2fx: the call's own transaction and "
		       "queue work, no HTTP (no goal of its own; what is left "
		       "of the goal's 1.5x for all the rest: p50 %+.3f ms)\n",
		       names[SIDE_OFFICE], ms(bench_pct(&sm[SIDE_OFFICE], 500)),
		       ms(bench_pct(&sm[SIDE_OFFICE], 990)),
		       (double)bench_pct(&sm[SIDE_OFFICE], 500) /
			       (double)bench_pct(&sm[SIDE_BARE], 500),
		       (double)bench_pct(&sm[SIDE_OFFICE], 990) /
			       (double)bench_pct(&sm[SIDE_BARE], 990),
		       ms((int64_t)(1.5 * (double)bench_pct(&sm[SIDE_BARE],
							    500)) -
			  bench_pct(&sm[SIDE_OFFICE], 500)));
		printf("summary: libcurl's own cost per call (libcurl client "
		       "minus raw socket client): p50 %+.3f ms, p99 %+.3f ms\n",
		       ms(bench_pct(&sm[SIDE_CURL], 500) -
			  bench_pct(&sm[SIDE_RAW], 500)),
		       ms(bench_pct(&sm[SIDE_CURL], 990) -
			  bench_pct(&sm[SIDE_RAW], 990)));
		printf("summary: %s: p50 %.3f ms, p99 %.3f ms; the daemon's "
		       "call over it (raw client): p50 %+.3f ms\n",
		       names[SIDE_FLOOR], ms(bench_pct(&sm[SIDE_FLOOR], 500)),
		       ms(bench_pct(&sm[SIDE_FLOOR], 990)),
		       ms(bench_pct(&sm[SIDE_RAW], 500) -
			  bench_pct(&sm[SIDE_FLOOR], 500)));
	}
	for (int i = 0; i < SIDES; i++)
		bench_samples_free(&sm[i]);
	return r;
}

/* Every counter's view, the default and the longest. */
static int memory(const struct options *o, struct running *d, CURL *curl)
{
	long hwm0 = peak_kb(d->pid), hwm1, status = 0;
	char url[256], token[64];
	int r = 0;

	for (long k = 1; r == 0 && k <= COUNTERS; k++) {
		for (int lim = 0; r == 0 && lim < 2; lim++) {
			struct bench_body body = {0};

			(void)snprintf(url, sizeof(url),
				       "http://127.0.0.1:%ld/api/v1/counters/"
				       "%ld%s",
				       d->port, k, lim ? "?limit=200" : "");
			(void)snprintf(token, sizeof(token),
				       "bench-counter-%ld", k);
			r = http_do(curl, url, "GET", token, &body, &status);
			if (r == 0 && status != 200)
				r = -EIO;
			free(body.data);
		}
	}
	hwm1 = peak_kb(d->pid);
	if (r == 0)
		printf("summary: peak RSS with %ld waiting: %.1f MiB before "
		       "the counters' views, %.1f MiB after all %d views "
		       "(default and limit=200), +%ld kB (goal <= 16 MiB, "
		       "flat): %s\n",
		       o->waiting, (double)hwm0 / 1024, (double)hwm1 / 1024,
		       COUNTERS, hwm1 - hwm0,
		       hwm1 <= 16 * 1024 ? "met" : "MISSED");
	return r;
}

static int calls_and_memory(const struct options *o, struct site *s,
			    struct running *d)
{
	CURL *curl = client_new();
	int r = 0;

	if (!curl)
		return -ENOMEM;
	r = calls(o, s, d, curl);
	if (r == 0 && (o->rows & ROW_MEMORY))
		r = memory(o, d, curl);
	curl_easy_cleanup(curl);
	return r;
}

/* --- row: services against a minimal server ---------------------------- */

/* wrk's "Requests/sec:" for url, or a negative errno. */
static double wrk_rate(const struct options *o, const char *url)
{
	char cmd[1024], line[256];
	double rate = -EIO;
	FILE *p;

	(void)snprintf(cmd, sizeof(cmd), "'%s' -t2 -c8 -d%lds '%s' 2>&1",
		       o->wrk, o->wrk_seconds, url);
	p = popen(cmd, "r");
	if (!p)
		return -errno;
	while (fgets(line, sizeof(line), p))
		(void)sscanf(line, "Requests/sec: %lf", &rate);
	(void)pclose(p);
	return rate;
}

static int services(const struct options *o, struct running *d)
{
	struct bench_body body = {0};
	struct floor_body fb;
	struct MHD_Daemon *mhd;
	double rd[ROUNDS_MAX], rf[ROUNDS_MAX], md, mf;
	CURL *curl = client_new();
	char url[128], furl[128];
	long status = 0, fport = 0;
	int r;

	if (!curl)
		return -ENOMEM;
	(void)snprintf(url, sizeof(url),
		       "http://127.0.0.1:%ld/api/v1/services", d->port);
	r = http_do(curl, url, "GET", NULL, &body, &status);
	curl_easy_cleanup(curl);
	if (r < 0 || status != 200 || !body.data) {
		free(body.data);
		return r < 0 ? r : -EIO;
	}
	fb = (struct floor_body){body.data, body.len};
	mhd = floor_start(&fb, &fport);
	if (!mhd) {
		free(body.data);
		return -EIO;
	}
	(void)snprintf(furl, sizeof(furl),
		       "http://127.0.0.1:%ld/api/v1/services", fport);
	for (long i = 0; i < o->rounds; i++) {
		if (i % 2) {
			rf[i] = wrk_rate(o, furl);
			rd[i] = wrk_rate(o, url);
		} else {
			rd[i] = wrk_rate(o, url);
			rf[i] = wrk_rate(o, furl);
		}
		if (rd[i] < 0 || rf[i] < 0) {
			fprintf(stderr, "bench_limits: wrk (%s) gave no rate\n",
				o->wrk);
			r = -EIO;
			break;
		}
		printf("round %ld: daemon %.0f/s, minimal server %.0f/s, "
		       "ratio %.2f\n",
		       i + 1, rd[i], rf[i], rd[i] / rf[i]);
	}
	MHD_stop_daemon(mhd);
	if (r == 0) {
		double ratio[ROUNDS_MAX];

		for (long i = 0; i < o->rounds; i++)
			ratio[i] = rd[i] / rf[i];
		md = median(rd, (size_t)o->rounds);
		mf = median(rf, (size_t)o->rounds);
		printf("summary: GET /api/v1/services (%zu bytes, wrk 8 "
		       "connections, %ld s a round): %.0f/s vs a minimal "
		       "libmicrohttpd server %.0f/s: %.2fx (median of %ld "
		       "rounds %.2fx; goal >= 0.7x): %s\n",
		       body.len, o->wrk_seconds, md, mf, md / mf, o->rounds,
		       median(ratio, (size_t)o->rounds),
		       md / mf >= 0.7 ? "met" : "MISSED");
	}
	free(body.data);
	return r;
}

/* --- row: ready on a large database -------------------------------------- */

/* A free loopback port, for a daemon that must be polled from its exec. */
static long free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	long port = -1;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		(void)close(fd);
	return port;
}

/* Milliseconds from exec to the first 200 of /healthz, then stopped. */
static double ready_ms(const struct options *o, const char *dir)
{
	struct site s;
	char url[128];
	CURL *curl;
	long port = free_port(), status = 0;
	int64_t t0, deadline;
	double t = -1;
	pid_t pid;

	if (port <= 0 || site_init(&s, dir, port) < 0)
		return -1;
	site_free(&s);
	curl = client_new();
	if (!curl)
		return -1;
	(void)curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 2000L);
	(void)snprintf(url, sizeof(url), "http://127.0.0.1:%ld/healthz", port);
	fflush(stdout); /* or the child's stdout would print it again */
	t0 = bench_now_ns();
	pid = fork();
	if (pid == 0) {
		FILE *f = freopen(s.log, "w", stdout);

		if (!f || dup2(STDOUT_FILENO, STDERR_FILENO) < 0)
			_exit(126);
		execl(o->daemon, o->daemon, "-c", s.conf, (char *)NULL);
		_exit(127);
	}
	if (pid < 0) {
		curl_easy_cleanup(curl);
		return -1;
	}
	deadline = t0 + 60 * (int64_t)1000000000;
	while (bench_now_ns() < deadline) {
		if (http_do(curl, url, "GET", NULL, NULL, &status) == 0 &&
		    status == 200) {
			t = ms(bench_now_ns() - t0);
			break;
		}
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			bench_print_log(s.log);
			pid = 0;
			break;
		}
		(void)usleep(200);
	}
	curl_easy_cleanup(curl);
	if (pid > 0 && bench_daemon_stop(pid, NULL) < 0)
		t = -1;
	return t;
}

/* days x per_day served tickets with three events each (issued, called,
 * served), then BIG_WAITING waiting today. The days are calendar days
 * before today (a day of 23 hours would give two tickets one date). */
static int fill_big(const struct options *o, struct site *s, int64_t now)
{
	static const char *const tickets =
		"WITH RECURSIVE d(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM "
		"d WHERE i < ?1), n(j) AS (SELECT 1 UNION ALL SELECT j + 1 "
		"FROM n WHERE j < ?2) "
		"INSERT INTO tickets (day, number, service, kind, state, "
		"issued_at, printed, counter, reason, called_at, "
		"finished_at) SELECT date(?3, 'unixepoch', 'localtime', "
		"printf('-%d days', i)), char(65 + j % 8) || printf('%05d', j), "
		"char(65 + j % 8), 'walk_in', 'served', ?3 - i * 86400 + j, "
		"'none', '1', 'walk_in', ?3 - i * 86400 + j + 600, "
		"?3 - i * 86400 + j + 900 FROM d, n";
	static const char *const events =
		"INSERT INTO events (at, day, type, ticket, service, counter, "
		"kind, reason) SELECT issued_at, day, 'issued', id, service, "
		"NULL, kind, NULL FROM tickets WHERE state = 'served';"
		"INSERT INTO events (at, day, type, ticket, service, counter, "
		"kind, reason) SELECT called_at, day, 'called', id, service, "
		"counter, kind, reason FROM tickets WHERE state = 'served';"
		"INSERT INTO events (at, day, type, ticket, service, counter, "
		"kind, reason) SELECT finished_at, day, 'served', id, service, "
		"counter, kind, NULL FROM tickets WHERE state = 'served';";
	struct store *st = NULL;
	sqlite3 *db = NULL;
	sqlite3_stmt *ins = NULL;
	int r = store_open(s->db, s->cfg, &st);

	store_close(st); /* the schema */
	if (r < 0)
		return r;
	r = -EIO;
	if (sqlite3_open(s->db, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, tickets, -1, &ins, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(ins, 1, o->days) != SQLITE_OK ||
	    sqlite3_bind_int64(ins, 2, o->per_day) != SQLITE_OK ||
	    sqlite3_bind_int64(ins, 3, now) != SQLITE_OK ||
	    sqlite3_step(ins) != SQLITE_DONE ||
	    sqlite3_exec(db, events, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		fprintf(stderr, "bench_limits: filling %s: %s\n", s->db,
			db ? sqlite3_errmsg(db) : "cannot open");
	else
		r = 0;
	(void)sqlite3_finalize(ins);
	(void)sqlite3_close(db);
	if (r == 0)
		r = prepare_waiting(s, now, BIG_WAITING);
	return r;
}

static int ready(const struct options *o, const char *dir, int64_t now)
{
	char empty[BENCH_DIR_MAX], big[BENCH_DIR_MAX];
	double te[50], tb[50], me, mb;
	struct site s;
	int64_t t0;
	int r;

	if (bench_path_in(empty, sizeof(empty), dir, "empty") < 0 ||
	    bench_path_in(big, sizeof(big), dir, "big") < 0)
		return -ENAMETOOLONG;
	r = bench_mkdtemp(dir, "big", big, sizeof(big));
	if (r == 0)
		r = bench_mkdtemp(dir, "empty", empty, sizeof(empty));
	if (r < 0)
		return r;
	r = site_init(&s, big, 0);
	if (r < 0)
		return r;
	t0 = bench_now_ns();
	r = fill_big(o, &s, now);
	site_free(&s);
	if (r < 0)
		return r;
	printf("large database: %ld days x %ld tickets, %ld events, %d "
	       "waiting, written in %.1f s\n",
	       o->days, o->per_day, 3 * o->days * o->per_day, BIG_WAITING,
	       (double)(bench_now_ns() - t0) / 1e9);
	/* Started once each before measuring: the file in the page cache. */
	if (ready_ms(o, big) < 0 || ready_ms(o, empty) < 0)
		return -EIO;
	for (long i = 0; i < o->ready_runs; i++) {
		bool big_first = i % 2;

		if (big_first)
			tb[i] = ready_ms(o, big);
		te[i] = ready_ms(o, empty);
		if (!big_first)
			tb[i] = ready_ms(o, big);
		if (te[i] < 0 || tb[i] < 0)
			return -EIO;
		printf("run %ld: empty %.1f ms, large %.1f ms\n", i + 1, te[i],
		       tb[i]);
	}
	me = median(te, (size_t)o->ready_runs);
	mb = median(tb, (size_t)o->ready_runs);
	printf("summary: ready (exec to /healthz 200) on %ld days x %ld "
	       "tickets, %ld events, %d waiting: %.1f ms vs %.1f ms empty: "
	       "%.2fx (median of %ld; goal <= 1.5x): %s\n",
	       o->days, o->per_day, 3 * o->days * o->per_day, BIG_WAITING, mb,
	       me, mb / me, o->ready_runs, mb <= 1.5 * me ? "met" : "MISSED");
	if (!o->keep) {
		bench_rmdir(big);
		bench_rmdir(empty);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct options o;
	struct site s;
	struct running d = {0};
	char dir[BENCH_DIR_MAX];
	int64_t now;
	int r, status = 0;

	if (parse_args(argc, argv, &o) < 0)
		return 2;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return 1;
	now = (int64_t)time(NULL);
	r = hours_set_zone("Europe/Bucharest");
	if (r == 0)
		r = bench_mkdtemp(o.base, "limits", dir, sizeof(dir));
	if (r == 0)
		r = site_init(&s, dir, 0);
	if (r < 0) {
		fprintf(stderr, "bench_limits: %s\n", strerror(-r));
		return 1;
	}
	/* The calls take tickets off the queue: it stays at --waiting. */
	r = prepare_waiting(&s, now, o.waiting + o.calls);
	if (r == 0)
		r = bench_daemon_start(o.daemon, s.conf, s.log, &d.pid,
				       &d.port);
	if (r == 0) {
		printf("== calls and memory: %ld waiting ==\n", o.waiting);
		fflush(stdout);
		if ((o.rows & (ROW_CALLS | ROW_MEMORY)) &&
		    calls_and_memory(&o, &s, &d) < 0)
			status = 1;
		printf("\n== GET /api/v1/services against a minimal "
		       "libmicrohttpd server ==\n");
		fflush(stdout);
		if ((o.rows & ROW_SERVICES) && services(&o, &d) < 0)
			status = 1;
		if (bench_daemon_stop(d.pid, NULL) < 0)
			status = 1;
	} else {
		status = 1;
	}
	site_free(&s);
	printf("\n== ready on a large database ==\n");
	fflush(stdout);
	if ((o.rows & ROW_READY) && ready(&o, dir, now) < 0) {
		fprintf(stderr, "bench_limits: ready: failed\n");
		status = 1;
	}
	if (!o.keep)
		bench_rmdir(dir);
	curl_global_cleanup();
	return status;
}
