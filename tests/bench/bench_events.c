/* The events stream: many idle pages on GET /api/v1/events, what they cost
 * the daemon and how fast a call reaches all of them.
 *
 * The real bonomatd (one counter, "1", serving A) gets N connections of
 * GET /api/v1/events (300 by default) from plain sockets in this process,
 * read by one thread with one epoll loop, which decodes the chunked body
 * and parses the server-sent events as they arrive. Each stream must answer
 * 200 text/event-stream and send ": connected" first. Then:
 * (1) idle: the daemon's CPU time (utime + stime of /proc/PID/stat, in
 *     clock ticks, and its CPU clock in nanoseconds) and the context
 *     switches of its threads over --idle seconds with every stream open
 *     and nothing happening;
 * (2) calls, --calls times: POST /api/v1/tickets {"service":"A"}; once
 *     every stream has that ticket's `queue` event, the time is taken and
 *     POST /api/v1/counters/1/next (the counter's token) calls it; its
 *     `called` event must reach every stream once, with the ticket's id,
 *     number, service and counter. Delivery latency = arrival - the time
 *     before sending `next`, so it includes the daemon's durable commit of
 *     the call (WAL, synchronous=FULL), which comes before the publishing.
 *     Arrival is the kernel's receive time of the bytes at the stream's
 *     socket (SO_TIMESTAMPNS): when the daemon delivered them, however late
 *     this process's one thread reads 300 sockets on a busy machine; the
 *     time of that read is reported too. Beside it: POST next -> 200, the
 *     first stream, and the spread from the first stream to the last;
 * (3) keepalive: after the last call nothing is sent until every stream
 *     gets its ": keepalive" comment (due after 15 s of silence), with the
 *     daemon's CPU over that time; --keepalive 0 skips it.
 * Then the daemon's peak RSS (VmHWM) and its RSS per stream. The goals
 * (no measurable CPU while idle, <= 10 ms in 10 s; delivery p99 <= 50 ms)
 * are reported; missing deliveries, duplicates or a broken stream fail.
 *
 *   bench_events [--daemon PATH] [--dir DIR] [--clients N] [--calls N]
 *                [--idle S] [--gap MS] [--keepalive S] [--keep]
 */
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"

#define CLIENTS_MAX 4000
#define CALLS_MAX 1000
#define NS_PER_MS INT64_C(1000000)
#define NS_PER_S INT64_C(1000000000)
#define CONNECT_TIMEOUT_NS (INT64_C(15) * NS_PER_S)
#define DELIVERY_TIMEOUT_NS (INT64_C(5) * NS_PER_S)
#define SETTLE_TIMEOUT_NS (INT64_C(2) * NS_PER_S)
/* After the last call: long enough for a duplicate to show up. */
#define QUIET_MS 500
#define KEEPALIVE_S 15 /* daemon/stream.c */
#define GOAL_P99_NS (INT64_C(50) * NS_PER_MS)
#define GOAL_IDLE_CPU_NS (INT64_C(10) * NS_PER_MS)

#define HEAD_MAX 4096
#define LINE_BYTES 2048
#define DATA_MAX 512
#define TYPE_MAX 32
#define NUMBER_MAX 16
#define STOP_TAG UINT32_MAX

#define COUNTER_ID "1" /* bench_config_text(): counter 1 serves A only */
#define COUNTER_TOKEN "bench-counter-1"

struct options {
	const char *daemon;
	char base[BENCH_DIR_MAX];
	long clients;
	long calls;
	long idle_s;
	long gap_ms;
	long keepalive_s;
	bool keep;
};

/* A `called` event as one stream got it. */
struct arrival {
	int64_t ns;	 /* when the read that completed it returned */
	int64_t sock_ns; /* when its bytes reached the socket (kernel) */
	long long ticket;
	char number[NUMBER_MAX];
	char data[DATA_MAX];
	bool truncated;
};

enum phase {
	PH_HEAD,
	PH_BODY,
	PH_DONE,
};

enum chunk_state {
	CK_SIZE,
	CK_DATA,
	CK_DATA_END,
	CK_TRAILER,
};

/* One event stream: its socket and the parsers of its bytes. Written by
 * the reader thread only, read by the main thread once it has stopped. */
struct stream {
	int fd;
	enum phase phase;
	char head[HEAD_MAX];
	size_t head_len;
	int status;
	bool event_stream, chunked, has_length;

	enum chunk_state ck;
	uint64_t ck_left;
	char ck_line[64];
	size_t ck_len;

	char line[LINE_BYTES];
	size_t line_len;
	bool line_long;
	char type[TYPE_MAX];
	char data[DATA_MAX];
	size_t data_len;
	bool has_data, data_long, has_id;
	long long boot, seq;

	bool connected;
	int64_t connected_ns;
	unsigned keepalives, other_comments, bad_ids;
	size_t events, queue_events, other_events;
	struct arrival *arr;
	size_t n_arr, cap_arr, arr_overflow;
	size_t bytes;
	int64_t sock_ns; /* the kernel's receive time of the last read */
	char why[128];	 /* why it ended or failed; empty while fine */
};

/* The streams and their reader thread. */
struct streams {
	struct stream *s;
	size_t n;
	int ep, stop_fd;
	pthread_t thread;
	bool started;
	long port;
	int64_t real_to_mono;	 /* CLOCK_MONOTONIC - CLOCK_REALTIME, in ns */
	atomic_size_t unstamped; /* reads without a kernel timestamp */
	atomic_size_t connected; /* streams that got ": connected" */
	atomic_size_t events;	 /* events dispatched, all streams */
	atomic_size_t called;	 /* `called` events, all streams */
	atomic_size_t keepalive; /* streams that got ": keepalive" */
	atomic_size_t failed;	 /* streams that ended or broke */
	atomic_size_t bytes;	 /* bytes read, all streams */
	atomic_int error;	 /* an errno of the loop itself */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bench_events [--daemon PATH] [--dir DIR] "
		"[--clients N] [--calls N] [--idle S] [--gap MS] "
		"[--keepalive S] [--keep]\n"
		"  --daemon     bonomatd (default $BONOMATD)\n"
		"  --dir        scratch directory (default "
		"$BONOMAT_BUILD_DIR/bench-tmp)\n"
		"  --clients    event streams held open (300)\n"
		"  --calls      tickets issued and called, one at a time "
		"(50)\n"
		"  --idle       seconds of idleness measured (10)\n"
		"  --gap        pause after each delivered call, in ms (20)\n"
		"  --keepalive  longest wait for the keepalive comment "
		"after the last call, in s (20); 0: not waited for\n");
}

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option opts[] = {
		{"daemon", required_argument, NULL, 'd'},
		{"dir", required_argument, NULL, 'D'},
		{"clients", required_argument, NULL, 'c'},
		{"calls", required_argument, NULL, 'n'},
		{"idle", required_argument, NULL, 'i'},
		{"gap", required_argument, NULL, 'g'},
		{"keepalive", required_argument, NULL, 'K'},
		{"keep", no_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *dir = NULL;
	int c;

	o->daemon = getenv("BONOMATD");
	o->clients = 300;
	o->calls = 50;
	o->idle_s = 10;
	o->gap_ms = 20;
	o->keepalive_s = 20;
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
		case 'n':
			r = bench_parse_long(optarg, 1, CALLS_MAX, &o->calls);
			break;
		case 'i':
			r = bench_parse_long(optarg, 0, 3600, &o->idle_s);
			break;
		case 'g':
			r = bench_parse_long(optarg, 0, 10000, &o->gap_ms);
			break;
		case 'K':
			r = bench_parse_long(optarg, 0, 600, &o->keepalive_s);
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
			fprintf(stderr, "bench_events: bad value '%s'\n",
				optarg);
			return r;
		}
	}
	if (optind != argc || !o->daemon || !*o->daemon) {
		if (!o->daemon || !*o->daemon)
			fprintf(stderr, "bench_events: no daemon: set "
					"BONOMATD or pass --daemon\n");
		usage(stderr);
		return -EINVAL;
	}
	return bench_scratch_dir(dir, o->base, sizeof(o->base));
}

/* Enough descriptors for the streams, the HTTP client and stdio. */
static int raise_nofile(rlim_t need, rlim_t *ret_cur)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return -errno;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need)
			return -EMFILE;
		rl.rlim_cur = need;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			return -errno;
	}
	*ret_cur = rl.rlim_cur;
	return 0;
}

/* ---- what the daemon costs: /proc/PID ---- */

struct cpu_mark {
	long long ticks;  /* utime + stime */
	int64_t clock_ns; /* its CPU clock; -1 when it cannot be read */
	long long switches;
};

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

/* utime + stime (fields 14 and 15) of /proc/PID/stat, in clock ticks. */
static int proc_ticks(pid_t pid, long long *ret)
{
	char path[64], buf[1024], *p, *end;
	long long v[2];
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
	/* The command name may hold spaces and parentheses: the fields
	 * that count start after the last ')', at field 3. */
	p = strrchr(buf, ')');
	if (!p)
		return -EIO;
	p++;
	for (int field = 3; field < 14; field++) {
		while (*p == ' ')
			p++;
		while (*p && *p != ' ')
			p++;
	}
	for (int k = 0; k < 2; k++) {
		errno = 0;
		v[k] = strtoll(p, &end, 10);
		if (errno || end == p || v[k] < 0)
			return -EIO;
		p = end;
	}
	*ret = v[0] + v[1];
	return 0;
}

/* Voluntary and involuntary context switches of all its threads: how
 * often they ran at all. *ret_threads gets their number. */
static int proc_switches(pid_t pid, long long *ret, long *ret_threads)
{
	char dir[64], path[128], line[256];
	struct dirent *e;
	long long sum = 0;
	long threads = 0;
	DIR *d;

	if (snprintf(dir, sizeof(dir), "/proc/%ld/task", (long)pid) < 0)
		return -EINVAL;
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((e = readdir(d)) != NULL) {
		FILE *f;
		int n;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		n = snprintf(path, sizeof(path), "%s/%s/status", dir,
			     e->d_name);
		if (n < 0 || (size_t)n >= sizeof(path))
			continue;
		f = fopen(path, "r");
		if (!f)
			continue; /* the thread ended meanwhile */
		while (fgets(line, sizeof(line), f)) {
			if (!strncmp(line, "voluntary_ctxt_switches:", 24))
				sum += strtoll(line + 24, NULL, 10);
			else if (!strncmp(line,
					  "nonvoluntary_ctxt_switches:", 27))
				sum += strtoll(line + 27, NULL, 10);
		}
		(void)fclose(f);
		threads++;
	}
	(void)closedir(d);
	*ret = sum;
	*ret_threads = threads;
	return 0;
}

static int cpu_mark(pid_t pid, clockid_t clk, bool have_clk, struct cpu_mark *m)
{
	struct timespec ts;
	long threads;
	int r;

	r = proc_ticks(pid, &m->ticks);
	if (r == 0)
		r = proc_switches(pid, &m->switches, &threads);
	if (r < 0)
		return r;
	m->clock_ns = -1;
	if (have_clk && clock_gettime(clk, &ts) == 0)
		m->clock_ns = (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
	return 0;
}

/* The CPU between two marks. */
struct cpu_used {
	double tick_ms;	 /* utime + stime, in steps of a clock tick */
	double clock_ms; /* by the CPU clock; negative when unknown */
	long long switches;
};

static struct cpu_used cpu_between(const struct cpu_mark *a,
				   const struct cpu_mark *b)
{
	long hz = sysconf(_SC_CLK_TCK);
	struct cpu_used u;

	if (hz <= 0)
		hz = 100;
	u.tick_ms = (double)(b->ticks - a->ticks) * 1000.0 / (double)hz;
	u.clock_ms = a->clock_ns >= 0 && b->clock_ns >= 0 ?
			     (double)(b->clock_ns - a->clock_ns) / 1e6 :
			     -1.0;
	u.switches = b->switches - a->switches;
	return u;
}

/* ---- the event streams: one epoll loop in one thread ---- */

static void stream_fail(struct streams *ss, struct stream *s, const char *why)
{
	if (s->phase == PH_DONE)
		return;
	s->phase = PH_DONE;
	(void)snprintf(s->why, sizeof(s->why), "%s", why);
	(void)epoll_ctl(ss->ep, EPOLL_CTL_DEL, s->fd, NULL);
	atomic_fetch_add(&ss->failed, 1);
}

/* The string value of "key" in flat JSON, as the daemon writes it (no
 * escapes in the values looked for); false when it is not there. */
static bool json_str_of(const char *json, const char *key, char *ret,
			size_t size)
{
	char pat[32];
	const char *p, *q;
	int n = snprintf(pat, sizeof(pat), "\"%s\"", key);

	if (n < 0 || (size_t)n >= sizeof(pat) || !(p = strstr(json, pat)))
		return false;
	p += n;
	while (*p == ' ')
		p++;
	if (*p++ != ':')
		return false;
	while (*p == ' ')
		p++;
	if (*p++ != '"' || !(q = strchr(p, '"')) || (size_t)(q - p) >= size)
		return false;
	memcpy(ret, p, (size_t)(q - p));
	ret[q - p] = '\0';
	return true;
}

static bool json_int_of(const char *json, const char *key, long long *ret)
{
	char pat[32], *end;
	const char *p;
	int n = snprintf(pat, sizeof(pat), "\"%s\"", key);

	if (n < 0 || (size_t)n >= sizeof(pat) || !(p = strstr(json, pat)))
		return false;
	p += n;
	while (*p == ' ')
		p++;
	if (*p++ != ':')
		return false;
	errno = 0;
	*ret = strtoll(p, &end, 10);
	return errno == 0 && end != p;
}

static void dispatch(struct streams *ss, struct stream *s, int64_t now)
{
	if (!s->has_data) {
		s->type[0] = '\0';
		return;
	}
	s->events++;
	if (strcmp(s->type, "called") == 0) {
		struct arrival *a;

		if (s->n_arr == s->cap_arr) {
			s->arr_overflow++;
		} else {
			a = &s->arr[s->n_arr++];
			a->ns = now;
			a->sock_ns = s->sock_ns;
			a->truncated = s->data_long;
			(void)snprintf(a->data, sizeof(a->data), "%s", s->data);
			if (!json_str_of(s->data, "number", a->number,
					 sizeof(a->number)))
				a->number[0] = '\0';
			if (!json_int_of(s->data, "ticket", &a->ticket))
				a->ticket = -1;
		}
		atomic_fetch_add(&ss->called, 1);
	} else if (strcmp(s->type, "queue") == 0) {
		s->queue_events++;
	} else {
		s->other_events++;
	}
	if (!s->has_id)
		s->bad_ids++;
	s->has_id = false;
	s->type[0] = '\0';
	s->data[0] = '\0';
	s->data_len = 0;
	s->has_data = s->data_long = false;
	atomic_fetch_add(&ss->events, 1);
}

/* The id field: "BOOT.SEQ", the same boot and a higher sequence than the
 * stream's last event. */
static void take_id(struct stream *s, const char *v)
{
	long long boot, seq;
	char *end;

	errno = 0;
	boot = strtoll(v, &end, 10);
	if (errno || end == v || *end != '.') {
		s->bad_ids++;
		return;
	}
	v = end + 1;
	seq = strtoll(v, &end, 10);
	if (errno || end == v || *end) {
		s->bad_ids++;
		return;
	}
	if ((s->boot != 0 && boot != s->boot) || seq <= s->seq)
		s->bad_ids++;
	s->boot = boot;
	s->seq = seq;
	s->has_id = true;
}

static void sse_line(struct streams *ss, struct stream *s, int64_t now)
{
	char *line = s->line, *v;
	size_t vlen;

	if (s->line_long) {
		stream_fail(ss, s, "a line of the stream is too long");
		return;
	}
	if (s->line_len == 0) {
		dispatch(ss, s, now);
		return;
	}
	if (line[0] == ':') {
		v = line + 1;
		if (*v == ' ')
			v++;
		if (strcmp(v, "connected") == 0) {
			if (!s->connected && s->events == 0) {
				s->connected = true;
				s->connected_ns = now;
				atomic_fetch_add(&ss->connected, 1);
			} else {
				s->other_comments++;
			}
		} else if (strcmp(v, "keepalive") == 0) {
			if (s->keepalives++ == 0)
				atomic_fetch_add(&ss->keepalive, 1);
		} else {
			s->other_comments++;
		}
		return;
	}
	v = strchr(line, ':');
	if (v) {
		*v++ = '\0';
		if (*v == ' ')
			v++;
	} else {
		v = line + s->line_len; /* a field with an empty value */
	}
	vlen = strlen(v);
	if (strcmp(line, "event") == 0) {
		/* A longer type is cut: it is none of those counted. */
		if (vlen >= sizeof(s->type))
			vlen = sizeof(s->type) - 1;
		memcpy(s->type, v, vlen);
		s->type[vlen] = '\0';
	} else if (strcmp(line, "data") == 0) {
		size_t need = vlen + (s->has_data ? 1 : 0);
		if (s->data_len + need >= sizeof(s->data)) {
			s->data_long = true;
		} else {
			if (s->has_data)
				s->data[s->data_len++] = '\n';
			memcpy(s->data + s->data_len, v, vlen);
			s->data_len += vlen;
			s->data[s->data_len] = '\0';
		}
		s->has_data = true;
	} else if (strcmp(line, "id") == 0) {
		take_id(s, v);
	}
	/* retry and unknown fields are ignored, as a browser does */
}

/* Decoded body bytes: lines end at LF (a CR before it is dropped). */
static void sse_feed(struct streams *ss, struct stream *s, const char *p,
		     size_t n, int64_t now)
{
	for (size_t i = 0; i < n && s->phase == PH_BODY; i++) {
		char ch = p[i];

		if (ch == '\n') {
			if (s->line_len > 0 && s->line[s->line_len - 1] == '\r')
				s->line_len--;
			s->line[s->line_len] = '\0';
			sse_line(ss, s, now);
			s->line_len = 0;
			s->line_long = false;
		} else if (s->line_len < sizeof(s->line) - 1) {
			s->line[s->line_len++] = ch;
		} else {
			s->line_long = true;
		}
	}
}

/* Transfer-Encoding: chunked, as RFC 9112 7.1 has it: a hex size line
 * (extensions after ';' ignored), the data, CRLF; size 0 ends the body. */
static void chunk_feed(struct streams *ss, struct stream *s, const char *p,
		       size_t n, int64_t now)
{
	size_t i = 0;

	while (i < n && s->phase == PH_BODY) {
		switch (s->ck) {
		case CK_SIZE:
		case CK_TRAILER: {
			char ch = p[i++];
			char *end;
			unsigned long long size;

			if (ch != '\n') {
				if (s->ck_len >= sizeof(s->ck_line) - 1) {
					stream_fail(ss, s,
						    "a chunk line is too long");
					return;
				}
				s->ck_line[s->ck_len++] = ch;
				break;
			}
			if (s->ck_len > 0 && s->ck_line[s->ck_len - 1] == '\r')
				s->ck_len--;
			s->ck_line[s->ck_len] = '\0';
			s->ck_len = 0;
			if (s->ck == CK_TRAILER) {
				if (s->ck_line[0] == '\0')
					stream_fail(ss, s,
						    "the daemon ended the "
						    "stream (last chunk)");
				break;
			}
			errno = 0;
			size = strtoull(s->ck_line, &end, 16);
			if (errno || end == s->ck_line ||
			    (*end && *end != ';' && *end != ' ' &&
			     *end != '\t') ||
			    s->ck_line[0] == '-') {
				stream_fail(ss, s, "a bad chunk size line");
				return;
			}
			if (size == 0) {
				s->ck = CK_TRAILER;
			} else {
				s->ck_left = size;
				s->ck = CK_DATA;
			}
			break;
		}
		case CK_DATA: {
			size_t k = n - i;
			if (k > s->ck_left)
				k = (size_t)s->ck_left;
			sse_feed(ss, s, p + i, k, now);
			i += k;
			s->ck_left -= k;
			if (s->ck_left == 0)
				s->ck = CK_DATA_END;
			break;
		}
		case CK_DATA_END: {
			char ch = p[i++];
			if (ch == '\r' && s->ck_len == 0) {
				s->ck_len = 1;
			} else if (ch == '\n') {
				s->ck_len = 0;
				s->ck = CK_SIZE;
			} else {
				stream_fail(ss, s,
					    "no CRLF after a chunk's data");
				return;
			}
			break;
		}
		}
	}
}

static void body_feed(struct streams *ss, struct stream *s, const char *p,
		      size_t n, int64_t now)
{
	if (s->chunked)
		chunk_feed(ss, s, p, n, now);
	else
		sse_feed(ss, s, p, n, now);
}

/* The status line and the headers that matter; false when they are not
 * what an event stream answers. */
static bool parse_head(struct stream *s)
{
	char *line = s->head, *next;
	bool first = true;

	while (line && *line) {
		next = strstr(line, "\r\n");
		if (next) {
			*next = '\0';
			next += 2;
		}
		if (first) {
			char *end;
			long v;

			first = false;
			if (strncmp(line, "HTTP/1.", 7) != 0 ||
			    strlen(line) < 12 || line[8] != ' ')
				return false;
			errno = 0;
			v = strtol(line + 9, &end, 10);
			if (errno || end != line + 12)
				return false;
			s->status = (int)v;
		} else {
			char *v = strchr(line, ':');

			if (!v)
				return false;
			*v++ = '\0';
			while (*v == ' ' || *v == '\t')
				v++;
			if (!strcasecmp(line, "Content-Type"))
				s->event_stream = !strncasecmp(
					v, "text/event-stream", 17);
			else if (!strcasecmp(line, "Transfer-Encoding"))
				s->chunked = !strncasecmp(v, "chunked", 7);
			else if (!strcasecmp(line, "Content-Length"))
				s->has_length = true;
		}
		line = next;
	}
	return !first;
}

static void stream_read(struct streams *ss, struct stream *s, const char *buf,
			size_t n, int64_t now)
{
	s->bytes += n;
	atomic_fetch_add(&ss->bytes, n);
	if (s->phase == PH_HEAD) {
		size_t k = n < sizeof(s->head) - 1 - s->head_len ?
				   n :
				   sizeof(s->head) - 1 - s->head_len;
		size_t from = s->head_len >= 3 ? s->head_len - 3 : 0;
		char *end;

		memcpy(s->head + s->head_len, buf, k);
		s->head_len += k;
		s->head[s->head_len] = '\0';
		end = strstr(s->head + from, "\r\n\r\n");
		if (!end) {
			if (s->head_len == sizeof(s->head) - 1)
				stream_fail(ss, s, "the headers are too long");
			return;
		}
		/* What came after the headers in this read is body. */
		{
			size_t head = (size_t)(end - s->head) + 4;
			size_t used = head - (s->head_len - k);

			*end = '\0';
			if (!parse_head(s)) {
				stream_fail(ss, s,
					    "a bad status line or header");
				return;
			}
			if (s->status != 200 || !s->event_stream ||
			    s->has_length) {
				char why[64];
				(void)snprintf(why, sizeof(why),
					       "status %d, %s%s", s->status,
					       s->event_stream ?
						       "text/event-stream" :
						       "not text/event-stream",
					       s->has_length ?
						       ", a Content-Length" :
						       "");
				stream_fail(ss, s, why);
				return;
			}
			s->phase = PH_BODY;
			buf += used;
			n -= used;
		}
	}
	if (s->phase == PH_BODY && n > 0)
		body_feed(ss, s, buf, n, now);
}

/* recv() that also takes the kernel's receive time (SO_TIMESTAMPNS, on
 * CLOCK_REALTIME) into s->sock_ns on the monotonic clock, 0 without one:
 * when the daemon's bytes arrived, however late this thread reads them. */
static ssize_t stream_recv(struct streams *ss, struct stream *s, char *buf,
			   size_t size)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {.iov_base = buf, .iov_len = size};
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *cm;
	ssize_t k;

	s->sock_ns = 0;
	k = recvmsg(s->fd, &msg, MSG_DONTWAIT);
	if (k <= 0)
		return k;
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		struct timespec ts;

		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_TIMESTAMPNS)
			continue;
		memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
		s->sock_ns = (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec +
			     ss->real_to_mono;
	}
	return k;
}

static void *streams_run(void *arg)
{
	struct streams *ss = arg;
	struct epoll_event ev[64];
	char buf[16384];

	for (;;) {
		int n = epoll_wait(ss->ep, ev, 64, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			atomic_store(&ss->error, errno);
			return NULL;
		}
		for (int i = 0; i < n; i++) {
			uint32_t tag = ev[i].data.u32;
			struct stream *s;

			if (tag == STOP_TAG)
				return NULL;
			s = &ss->s[tag];
			for (;;) {
				ssize_t k =
					stream_recv(ss, s, buf, sizeof(buf));
				int64_t now = bench_now_ns();

				if (k > 0) {
					if (s->sock_ns == 0) {
						s->sock_ns = now;
						atomic_fetch_add(&ss->unstamped,
								 1);
					}
					stream_read(ss, s, buf, (size_t)k, now);
					if ((size_t)k < sizeof(buf) ||
					    s->phase == PH_DONE)
						break;
					continue;
				}
				if (k == 0) {
					stream_fail(ss, s,
						    "the daemon closed the "
						    "connection");
				} else if (errno != EAGAIN &&
					   errno != EWOULDBLOCK &&
					   errno != EINTR) {
					char why[80];
					(void)snprintf(why, sizeof(why),
						       "recv: %s",
						       strerror(errno));
					stream_fail(ss, s, why);
				}
				break;
			}
		}
	}
}

/* CLOCK_MONOTONIC - CLOCK_REALTIME, from the closest of a few readings. */
static int64_t real_to_mono(void)
{
	int64_t best = 0, best_gap = INT64_MAX;

	for (int i = 0; i < 16; i++) {
		struct timespec rt;
		int64_t m0 = bench_now_ns(), m1, real;

		(void)clock_gettime(CLOCK_REALTIME, &rt);
		m1 = bench_now_ns();
		real = (int64_t)rt.tv_sec * NS_PER_S + rt.tv_nsec;
		if (m1 - m0 < best_gap) {
			best_gap = m1 - m0;
			best = m0 + (m1 - m0) / 2 - real;
		}
	}
	return best;
}

static int streams_init(struct streams *ss, size_t n, size_t calls, long port)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = STOP_TAG};

	ss->ep = ss->stop_fd = -1;
	ss->port = port;
	ss->real_to_mono = real_to_mono();
	ss->s = calloc(n, sizeof(*ss->s));
	if (!ss->s)
		return -ENOMEM;
	ss->n = n;
	for (size_t i = 0; i < n; i++) {
		ss->s[i].fd = -1;
		/* Room for duplicates, so that they can be counted. */
		ss->s[i].cap_arr = 2 * calls + 8;
		ss->s[i].arr = calloc(ss->s[i].cap_arr, sizeof(struct arrival));
		if (!ss->s[i].arr)
			return -ENOMEM;
	}
	ss->ep = epoll_create1(EPOLL_CLOEXEC);
	ss->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ss->ep < 0 || ss->stop_fd < 0 ||
	    epoll_ctl(ss->ep, EPOLL_CTL_ADD, ss->stop_fd, &ev) != 0)
		return -errno;
	if (pthread_create(&ss->thread, NULL, streams_run, ss) != 0)
		return -EAGAIN;
	ss->started = true;
	return 0;
}

/* Connects stream i and sends its request; the reader thread takes it
 * from there. */
static int stream_open(struct streams *ss, size_t i)
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_port = htons((uint16_t)ss->port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	struct stream *s = &ss->s[i];
	struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP,
				 .data.u32 = (uint32_t)i};
	char req[256];
	int n, fd, one = 1;

	n = snprintf(req, sizeof(req),
		     "GET /api/v1/events HTTP/1.1\r\n"
		     "Host: 127.0.0.1:%ld\r\n"
		     "Accept: text/event-stream\r\n"
		     "Cache-Control: no-cache\r\n"
		     "\r\n",
		     ss->port);
	if (n < 0 || (size_t)n >= sizeof(req))
		return -EOVERFLOW;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	s->fd = fd;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	(void)setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		return -errno;
	if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n)
		return -EIO;
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0)
		return -errno;
	/* Initialised before the reader can see it: epoll_ctl() is the
	 * barrier. */
	if (epoll_ctl(ss->ep, EPOLL_CTL_ADD, fd, &ev) != 0)
		return -errno;
	return 0;
}

static void streams_stop(struct streams *ss)
{
	uint64_t one = 1;

	if (ss->started) {
		if (write(ss->stop_fd, &one, sizeof(one)) != sizeof(one))
			fprintf(stderr, "bench_events: cannot stop the "
					"reader\n");
		(void)pthread_join(ss->thread, NULL);
		ss->started = false;
	}
}

static void streams_free(struct streams *ss)
{
	streams_stop(ss);
	for (size_t i = 0; ss->s && i < ss->n; i++) {
		if (ss->s[i].fd >= 0)
			(void)close(ss->s[i].fd);
		free(ss->s[i].arr);
	}
	free(ss->s);
	ss->s = NULL;
	if (ss->ep >= 0)
		(void)close(ss->ep);
	if (ss->stop_fd >= 0)
		(void)close(ss->stop_fd);
	ss->ep = ss->stop_fd = -1;
}

/* Waits until *v >= target (or a stream fails, when stop_on_fail):
 * 0, or -ETIMEDOUT, or -EPIPE. */
static int wait_for(struct streams *ss, atomic_size_t *v, size_t target,
		    int64_t timeout_ns, bool stop_on_fail)
{
	int64_t until = bench_now_ns() + timeout_ns;
	struct timespec ts = {.tv_nsec = 200000}; /* 0.2 ms */

	while (atomic_load(v) < target) {
		if (stop_on_fail && atomic_load(&ss->failed) > 0)
			return -EPIPE;
		if (atomic_load(&ss->error) != 0)
			return -atomic_load(&ss->error);
		if (bench_now_ns() > until)
			return -ETIMEDOUT;
		(void)nanosleep(&ts, NULL);
	}
	return 0;
}

/* ---- issuing and calling over HTTP ---- */

struct body {
	char text[4096];
	size_t len;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct body *b = userdata;
	size_t n = size * nmemb, room = sizeof(b->text) - 1 - b->len;
	size_t k = n < room ? n : room;

	memcpy(b->text + b->len, data, k);
	b->len += k;
	b->text[b->len] = '\0';
	return n;
}

struct api {
	CURL *issue, *next;
	struct curl_slist *issue_headers, *next_headers;
	char issue_url[64], next_url[96];
	struct body body;
};

static int api_init(struct api *a, long port)
{
	struct curl_slist *h;
	int n, m;

	n = snprintf(a->issue_url, sizeof(a->issue_url),
		     "http://127.0.0.1:%ld/api/v1/tickets", port);
	m = snprintf(a->next_url, sizeof(a->next_url),
		     "http://127.0.0.1:%ld/api/v1/counters/%s/next", port,
		     COUNTER_ID);
	if (n < 0 || (size_t)n >= sizeof(a->issue_url) || m < 0 ||
	    (size_t)m >= sizeof(a->next_url))
		return -ENAMETOOLONG;
	h = curl_slist_append(NULL, "Content-Type: application/json");
	/* No "Expect: 100-continue" round trip before the body. */
	a->issue_headers = h ? curl_slist_append(h, "Expect:") : NULL;
	if (!a->issue_headers) {
		curl_slist_free_all(h);
		return -ENOMEM;
	}
	h = curl_slist_append(NULL, "Authorization: Bearer " COUNTER_TOKEN);
	a->next_headers = h ? curl_slist_append(h, "Expect:") : NULL;
	if (!a->next_headers) {
		curl_slist_free_all(h);
		return -ENOMEM;
	}
	a->issue = curl_easy_init();
	a->next = curl_easy_init();
	if (!a->issue || !a->next)
		return -ENOMEM;
	for (int k = 0; k < 2; k++) {
		CURL *e = k == 0 ? a->issue : a->next;
		if (curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body) !=
			    CURLE_OK ||
		    curl_easy_setopt(e, CURLOPT_WRITEDATA, &a->body) !=
			    CURLE_OK ||
		    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
		    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L) != CURLE_OK ||
		    curl_easy_setopt(e, CURLOPT_TIMEOUT, 10L) != CURLE_OK ||
		    curl_easy_setopt(e, CURLOPT_POST, 1L) != CURLE_OK)
			return -EINVAL;
	}
	if (curl_easy_setopt(a->issue, CURLOPT_URL, a->issue_url) != CURLE_OK ||
	    curl_easy_setopt(a->issue, CURLOPT_HTTPHEADER, a->issue_headers) !=
		    CURLE_OK ||
	    curl_easy_setopt(a->issue, CURLOPT_POSTFIELDS,
			     "{\"service\":\"A\"}") != CURLE_OK ||
	    curl_easy_setopt(a->next, CURLOPT_URL, a->next_url) != CURLE_OK ||
	    curl_easy_setopt(a->next, CURLOPT_HTTPHEADER, a->next_headers) !=
		    CURLE_OK ||
	    curl_easy_setopt(a->next, CURLOPT_POSTFIELDS, "") != CURLE_OK ||
	    curl_easy_setopt(a->next, CURLOPT_POSTFIELDSIZE, 0L) != CURLE_OK)
		return -EINVAL;
	return 0;
}

static void api_free(struct api *a)
{
	curl_easy_cleanup(a->issue);
	curl_easy_cleanup(a->next);
	curl_slist_free_all(a->issue_headers);
	curl_slist_free_all(a->next_headers);
}

/* POSTs on e; 0 with the Ticket's id and number when the status is want. */
static int api_post(struct api *a, CURL *e, const char *what, long want,
		    long long *ret_id, char *number, size_t number_size)
{
	json_error_t jerr;
	json_int_t id;
	const char *num;
	long status = 0;
	CURLcode rc;
	json_t *o;
	int r = -EBADMSG;

	a->body.len = 0;
	a->body.text[0] = '\0';
	rc = curl_easy_perform(e);
	if (rc != CURLE_OK) {
		fprintf(stderr, "bench_events: %s: %s\n", what,
			curl_easy_strerror(rc));
		return -EIO;
	}
	if (curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK ||
	    status != want) {
		fprintf(stderr, "bench_events: %s: status %ld: %s\n", what,
			status, a->body.text);
		return -EIO;
	}
	o = json_loadb(a->body.text, a->body.len, 0, &jerr);
	if (o && json_unpack(o, "{s:I,s:s}", "id", &id, "number", &num) == 0 &&
	    (size_t)snprintf(number, number_size, "%s", num) < number_size) {
		*ret_id = (long long)id;
		r = 0;
	}
	json_decref(o);
	if (r < 0)
		fprintf(stderr, "bench_events: %s: not a Ticket: %s\n", what,
			a->body.text);
	return r;
}

/* ---- the run ---- */

struct call {
	long long id;
	char number[NUMBER_MAX];
	int64_t send_ns; /* before POST next */
	int64_t ok_ns;	 /* its 200 */
};

struct results {
	double connect_s;
	long rss_before_kb, rss_streams_kb, hwm_kb;
	long threads;
	struct cpu_used idle, calls, keepalive;
	double idle_s, calls_s, keepalive_s;
	size_t idle_bytes, idle_events;
	double keepalive_after_s; /* last call to the last keepalive */
	bool keepalive_done;
	double load_idle, load_calls; /* at the end of each */
	size_t queue_unsettled;
	struct call *c;
	size_t n_calls;
	struct rusage usage;
};

static void print_cpu(const char *what, const struct cpu_used *u,
		      double seconds)
{
	printf("  %-28s %8.2f ms by its CPU clock, %4.0f ms in utime+stime "
	       "(ticks of %.0f ms); %lld context switches in %.1f s\n",
	       what, u->clock_ms, u->tick_ms,
	       1000.0 / (double)sysconf(_SC_CLK_TCK), u->switches, seconds);
}

static int run_calls(const struct options *o, struct streams *ss, struct api *a,
		     struct results *res)
{
	size_t n = ss->n;

	for (long i = 0; i < o->calls; i++) {
		struct call *c = &res->c[i];
		size_t base = atomic_load(&ss->events);
		long long id;
		char number[NUMBER_MAX];
		int r;

		r = api_post(a, a->issue, "POST /api/v1/tickets", 201, &c->id,
			     c->number, sizeof(c->number));
		if (r < 0)
			return r;
		/* Its `queue` event reaches every stream first, so that the
		 * call is timed alone. */
		if (wait_for(ss, &ss->events, base + n, SETTLE_TIMEOUT_NS,
			     false) < 0)
			res->queue_unsettled++;
		c->send_ns = bench_now_ns();
		r = api_post(a, a->next, "POST next", 200, &id, number,
			     sizeof(number));
		c->ok_ns = bench_now_ns();
		if (r < 0)
			return r;
		res->n_calls++;
		if (id != c->id || strcmp(number, c->number) != 0) {
			fprintf(stderr,
				"bench_events: next called %s (%lld), not "
				"the ticket just issued, %s (%lld)\n",
				number, id, c->number, c->id);
			return -EPROTO;
		}
		r = wait_for(ss, &ss->called, n * (size_t)(i + 1),
			     DELIVERY_TIMEOUT_NS, true);
		if (r < 0) {
			fprintf(stderr,
				"bench_events: call %ld (%s): %zu of %zu "
				"`called` events after %lld ms: %s\n",
				i + 1, c->number,
				atomic_load(&ss->called) - n * (size_t)i, n,
				(long long)((bench_now_ns() - c->send_ns) /
					    NS_PER_MS),
				strerror(-r));
			return r;
		}
		/* And the `queue` event of the call, before the next one. */
		if (wait_for(ss, &ss->events, base + 3 * n, SETTLE_TIMEOUT_NS,
			     false) < 0)
			res->queue_unsettled++;
		if (o->gap_ms > 0)
			bench_sleep_ms(o->gap_ms);
	}
	return 0;
}

/* Every stream fine, with each call once; the latencies into lat. */
struct check {
	/* Arrival is when the bytes reached the stream's socket. */
	struct bench_samples lat;    /* send -> arrival, all */
	struct bench_samples read;   /* send -> read by this process, all */
	struct bench_samples after;  /* 200 of next -> arrival, all */
	struct bench_samples first;  /* send -> first stream, per call */
	struct bench_samples spread; /* first -> last stream, per call */
	struct bench_samples ok;     /* send -> 200, per call */
	size_t late_calls;	     /* calls with an arrival past the goal */
	size_t worst;		     /* the call with the latest arrival */
	size_t worst_late;	     /* its streams past the goal */
	int64_t worst_first, worst_last;
	size_t bad_streams, missing, duplicates, unknown, bad_data;
	size_t bad_ids, overflow, other_comments, other_events;
	size_t queue_events, keepalives;
	bool chunked_all, chunked_none;
};

static bool data_ok(const struct arrival *a, const struct call *c)
{
	json_error_t jerr;
	json_t *o = json_loads(a->data, 0, &jerr), *v;
	json_int_t id, seq;
	const char *num, *svc, *ctr, *at;
	bool ok = false;

	if (!a->truncated && o &&
	    json_unpack_ex(o, &jerr, JSON_STRICT,
			   "{s:I,s:s,s:s,s:s,s:o,s:s,s:I}", "ticket", &id,
			   "number", &num, "service", &svc, "counter", &ctr,
			   "counter_name", &v, "at", &at, "seq", &seq) == 0 &&
	    (json_is_string(v) || json_is_null(v)) && id == c->id && seq > 0 &&
	    !strcmp(num, c->number) && !strcmp(svc, "A") &&
	    !strcmp(ctr, COUNTER_ID) && strlen(at) >= 20)
		ok = true;
	json_decref(o);
	return ok;
}

static int check_all(struct streams *ss, const struct results *res,
		     struct check *k)
{
	size_t n_calls = res->n_calls;
	int64_t *first = calloc(n_calls, sizeof(*first));
	int64_t *last = calloc(n_calls, sizeof(*last));
	unsigned *seen = calloc(n_calls, sizeof(*seen));
	size_t *late = calloc(n_calls, sizeof(*late));
	int r = 0;

	if (!first || !last || !seen || !late) {
		r = -ENOMEM;
		goto out;
	}
	k->chunked_all = k->chunked_none = true;
	for (size_t i = 0; i < ss->n; i++) {
		const struct stream *s = &ss->s[i];
		bool bad = false;

		if (s->phase != PH_BODY || s->status != 200 || !s->connected) {
			if (k->bad_streams < 5)
				fprintf(stderr,
					"bench_events: stream %zu: status %d, "
					"%s, %s\n",
					i, s->status,
					s->connected ? "\": connected\"" :
						       "no \": connected\"",
					s->why[0] ? s->why : "open");
			bad = true;
		}
		if (s->chunked)
			k->chunked_none = false;
		else
			k->chunked_all = false;
		memset(seen, 0, n_calls * sizeof(*seen));
		for (size_t j = 0; j < s->n_arr; j++) {
			const struct arrival *a = &s->arr[j];
			size_t c;

			for (c = 0; c < n_calls; c++)
				if (!strcmp(a->number, res->c[c].number))
					break;
			if (c == n_calls) {
				k->unknown++;
				bad = true;
				continue;
			}
			if (seen[c]++ > 0) {
				k->duplicates++;
				bad = true;
				continue;
			}
			if (!data_ok(a, &res->c[c])) {
				if (k->bad_data == 0)
					fprintf(stderr,
						"bench_events: call %s: "
						"unexpected data %s\n",
						res->c[c].number, a->data);
				k->bad_data++;
				bad = true;
			}
			if (bench_samples_add(&k->lat,
					      a->sock_ns - res->c[c].send_ns) <
				    0 ||
			    bench_samples_add(&k->read,
					      a->ns - res->c[c].send_ns) < 0 ||
			    bench_samples_add(&k->after,
					      a->sock_ns - res->c[c].ok_ns) <
				    0) {
				r = -ENOMEM;
				goto out;
			}
			if (a->sock_ns - res->c[c].send_ns > GOAL_P99_NS)
				late[c]++;
			if (!first[c] || a->sock_ns < first[c])
				first[c] = a->sock_ns;
			if (a->sock_ns > last[c])
				last[c] = a->sock_ns;
		}
		for (size_t c = 0; c < n_calls; c++) {
			if (!seen[c]) {
				k->missing++;
				bad = true;
			}
		}
		k->bad_ids += s->bad_ids;
		k->overflow += s->arr_overflow;
		k->other_comments += s->other_comments;
		k->other_events += s->other_events;
		k->queue_events += s->queue_events;
		k->keepalives += s->keepalives;
		if (s->bad_ids || s->arr_overflow)
			bad = true;
		if (bad)
			k->bad_streams++;
	}
	for (size_t c = 0; c < n_calls; c++) {
		if (late[c])
			k->late_calls++;
		if (last[c] - res->c[c].send_ns >
		    last[k->worst] - res->c[k->worst].send_ns)
			k->worst = c;
		if (bench_samples_add(&k->ok, res->c[c].ok_ns -
						      res->c[c].send_ns) < 0 ||
		    (first[c] &&
		     (bench_samples_add(&k->first,
					first[c] - res->c[c].send_ns) < 0 ||
		      bench_samples_add(&k->spread, last[c] - first[c]) < 0))) {
			r = -ENOMEM;
			goto out;
		}
	}
	if (n_calls > 0) {
		k->worst_late = late[k->worst];
		k->worst_first = first[k->worst] - res->c[k->worst].send_ns;
		k->worst_last = last[k->worst] - res->c[k->worst].send_ns;
	}
	bench_samples_sort(&k->lat);
	bench_samples_sort(&k->read);
	bench_samples_sort(&k->after);
	bench_samples_sort(&k->first);
	bench_samples_sort(&k->spread);
	bench_samples_sort(&k->ok);
out:
	free(first);
	free(last);
	free(seen);
	free(late);
	return r;
}

static void check_free(struct check *k)
{
	bench_samples_free(&k->lat);
	bench_samples_free(&k->read);
	bench_samples_free(&k->after);
	bench_samples_free(&k->first);
	bench_samples_free(&k->spread);
	bench_samples_free(&k->ok);
}

static double ms(int64_t ns)
{
	return (double)ns / 1e6;
}

/* The load average of the last minute; -1 when unknown. */
static double load1(void)
{
	char buf[64];
	double v = -1;
	FILE *f = fopen("/proc/loadavg", "r");

	if (!f)
		return v;
	if (fgets(buf, sizeof(buf), f))
		v = strtod(buf, NULL);
	(void)fclose(f);
	return v;
}

static void print_line(const char *what, const struct bench_samples *s)
{
	printf("  %-36s n=%-6zu p50 %7.2f ms  p90 %7.2f ms  p99 %7.2f ms  "
	       "max %7.2f ms\n",
	       what, s->n, ms(bench_pct(s, 500)), ms(bench_pct(s, 900)),
	       ms(bench_pct(s, 990)), ms(bench_pct(s, 1000)));
}

/* Starts the daemon and the streams, runs the three phases, stops both.
 * Returns 0, or a negative errno when something did not work (the goals
 * are only reported). */
static int run(const struct options *o, const char *dir, struct results *res,
	       struct streams *ss)
{
	char conf[BENCH_DIR_MAX + 32], db[BENCH_DIR_MAX + 32];
	char log[BENCH_DIR_MAX + 32], text[16384];
	struct cpu_mark m0, m1;
	struct api a = {0};
	clockid_t clk = 0;
	bool have_clk;
	pid_t pid = 0;
	long port = 0;
	int64_t t0, t1;
	size_t n = (size_t)o->clients;
	int len, r, s;

	if (bench_path_in(conf, sizeof(conf), dir, "bonomat.conf") < 0 ||
	    bench_path_in(db, sizeof(db), dir, "bonomat.db") < 0 ||
	    bench_path_in(log, sizeof(log), dir, "bonomatd.log") < 0)
		return -ENAMETOOLONG;
	len = bench_config_text(text, sizeof(text), db, 1);
	r = len < 0 ? len : bench_write_file(conf, text, (size_t)len);
	if (r == 0)
		r = bench_daemon_start(o->daemon, conf, log, &pid, &port);
	if (r < 0)
		return r;
	have_clk = clock_getcpuclockid(pid, &clk) == 0;
	(void)proc_status_kb(pid, "VmRSS", &res->rss_before_kb);
	printf("daemon: pid %ld on port %ld, RSS %ld kB before the streams\n",
	       (long)pid, port, res->rss_before_kb);
	fflush(stdout);

	r = streams_init(ss, n, (size_t)o->calls, port);
	t0 = bench_now_ns();
	for (size_t i = 0; r == 0 && i < n; i++) {
		r = stream_open(ss, i);
		if (r < 0)
			fprintf(stderr, "bench_events: stream %zu: %s\n", i,
				strerror(-r));
	}
	if (r == 0) {
		r = wait_for(ss, &ss->connected, n, CONNECT_TIMEOUT_NS, true);
		if (r < 0)
			fprintf(stderr,
				"bench_events: %zu of %zu streams "
				"connected, %zu failed: %s\n",
				atomic_load(&ss->connected), n,
				atomic_load(&ss->failed), strerror(-r));
	}
	t1 = bench_now_ns();
	res->connect_s = (double)(t1 - t0) / 1e9;
	if (r < 0)
		goto stop;
	/* The daemon settles after the last stream's first bytes. */
	bench_sleep_ms(200);
	(void)proc_status_kb(pid, "VmRSS", &res->rss_streams_kb);
	printf("streams: %zu open, each 200 text/event-stream with "
	       "\": connected\", in %.2f s; daemon RSS %ld kB\n",
	       n, res->connect_s, res->rss_streams_kb);
	fflush(stdout);

	/* (1) idle */
	{
		size_t b0 = atomic_load(&ss->bytes);
		size_t e0 = atomic_load(&ss->events);

		r = cpu_mark(pid, clk, have_clk, &m0);
		t0 = bench_now_ns();
		if (r == 0)
			bench_sleep_ms(o->idle_s * 1000);
		t1 = bench_now_ns();
		if (r == 0)
			r = cpu_mark(pid, clk, have_clk, &m1);
		if (r < 0) {
			fprintf(stderr, "bench_events: /proc/%ld: %s\n",
				(long)pid, strerror(-r));
			goto stop;
		}
		res->idle = cpu_between(&m0, &m1);
		res->idle_s = (double)(t1 - t0) / 1e9;
		res->load_idle = load1();
		res->idle_bytes = atomic_load(&ss->bytes) - b0;
		res->idle_events = atomic_load(&ss->events) - e0;
	}
	if (atomic_load(&ss->failed) > 0) {
		fprintf(stderr,
			"bench_events: %zu streams ended while "
			"idle\n",
			atomic_load(&ss->failed));
		r = -EPIPE;
		goto stop;
	}

	/* (2) calls */
	res->c = calloc((size_t)o->calls, sizeof(*res->c));
	r = res->c ? api_init(&a, port) : -ENOMEM;
	if (r == 0)
		r = cpu_mark(pid, clk, have_clk, &m0);
	t0 = bench_now_ns();
	if (r == 0)
		r = run_calls(o, ss, &a, res);
	t1 = bench_now_ns();
	if (r == 0)
		r = cpu_mark(pid, clk, have_clk, &m1);
	api_free(&a);
	if (r < 0)
		goto stop;
	res->calls = cpu_between(&m0, &m1);
	res->calls_s = (double)(t1 - t0) / 1e9;
	res->load_calls = load1();
	/* Anything delivered twice would come now. */
	bench_sleep_ms(QUIET_MS);

	/* (3) keepalive: silence until every stream gets its comment. */
	if (o->keepalive_s > 0) {
		int64_t last = res->c[res->n_calls - 1].ok_ns;

		r = cpu_mark(pid, clk, have_clk, &m0);
		t0 = bench_now_ns();
		if (r == 0) {
			r = wait_for(ss, &ss->keepalive, n,
				     last + o->keepalive_s * NS_PER_S - t0,
				     true);
			res->keepalive_done = r == 0;
			res->keepalive_after_s =
				(double)(bench_now_ns() - last) / 1e9;
			if (r == -ETIMEDOUT)
				r = 0; /* reported with the figures */
		}
		t1 = bench_now_ns();
		if (r == 0)
			r = cpu_mark(pid, clk, have_clk, &m1);
		if (r < 0)
			goto stop;
		res->keepalive = cpu_between(&m0, &m1);
		res->keepalive_s = (double)(t1 - t0) / 1e9;
	}
	(void)proc_status_kb(pid, "VmHWM", &res->hwm_kb);
	{
		long long sw;
		(void)proc_switches(pid, &sw, &res->threads);
	}
stop:
	streams_stop(ss);
	/* The streams close before the daemon is told to stop, as pages
	 * that go away do. */
	for (size_t i = 0; i < ss->n; i++) {
		if (ss->s[i].fd >= 0)
			(void)close(ss->s[i].fd);
		ss->s[i].fd = -1;
	}
	s = bench_daemon_stop(pid, &res->usage);
	if (s < 0 || r < 0)
		bench_print_log(log);
	return r < 0 ? r : s;
}

int main(int argc, char **argv)
{
	struct options o = {0};
	struct results res = {0};
	struct streams ss = {.ep = -1, .stop_fd = -1};
	struct check k = {0};
	char dir[BENCH_DIR_MAX];
	rlim_t nofile = 0;
	int64_t p99;
	bool idle_met, p99_met, once;
	double idle_ms;
	double per_stream_kb;
	int r;

	if (parse_args(argc, argv, &o) < 0)
		return 2;
	r = raise_nofile((rlim_t)o.clients + 64, &nofile);
	if (r < 0) {
		fprintf(stderr,
			"bench_events: RLIMIT_NOFILE for %ld streams: "
			"%s\n",
			o.clients, strerror(-r));
		return 1;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "bench_events: curl_global_init failed\n");
		return 1;
	}
	r = bench_mkdtemp(o.base, "events", dir, sizeof(dir));
	if (r < 0) {
		fprintf(stderr, "bench_events: scratch directory in %s: %s\n",
			o.base, strerror(-r));
		curl_global_cleanup();
		return 1;
	}
	printf("scratch: %s; %ld event streams (one epoll thread, open "
	       "files up to %llu), %ld s idle, %ld calls with %ld ms between "
	       "them\n",
	       dir, o.clients, (unsigned long long)nofile, o.idle_s, o.calls,
	       o.gap_ms);
	fflush(stdout);

	r = run(&o, dir, &res, &ss);
	if (r < 0) {
		fprintf(stderr, "bench_events: %s\n", strerror(-r));
		goto out;
	}
	r = check_all(&ss, &res, &k);
	if (r < 0)
		goto out;

	once = k.bad_streams == 0 && k.missing == 0 && k.duplicates == 0 &&
	       k.unknown == 0 && k.bad_data == 0 && k.bad_ids == 0 &&
	       k.overflow == 0;
	p99 = bench_pct(&k.lat, 990);
	p99_met = p99 <= GOAL_P99_NS;
	/* The CPU clock when it could be read, else the ticks. */
	idle_ms = res.idle.clock_ms >= 0 ? res.idle.clock_ms : res.idle.tick_ms;
	idle_met = idle_ms <= ms(GOAL_IDLE_CPU_NS);
	per_stream_kb = (double)(res.rss_streams_kb - res.rss_before_kb) /
			(double)o.clients;

	printf("\n== %ld idle event streams ==\n", o.clients);
	printf("streams: %s chunked; %zu bytes and %zu events reached them "
	       "while idle\n",
	       k.chunked_all  ? "all" :
	       k.chunked_none ? "none" :
				"some",
	       res.idle_bytes, res.idle_events);
	print_cpu("daemon CPU while idle:", &res.idle, res.idle_s);
	printf("daemon RSS: %ld kB before the streams, %ld kB with them "
	       "(%.1f kB per stream)\n",
	       res.rss_before_kb, res.rss_streams_kb, per_stream_kb);

	printf("\n== %zu calls, each to %ld streams ==\n", res.n_calls,
	       o.clients);
	printf("arrival: when the event reached the stream's socket (its "
	       "kernel receive time%s); read: when this process read it\n",
	       atomic_load(&ss.unstamped) ? ", else the read" : "");
	print_line("POST next -> `called` arrival", &k.lat);
	print_line("POST next -> `called` read", &k.read);
	print_line("POST next -> first stream", &k.first);
	print_line("first -> last stream (fan-out)", &k.spread);
	print_line("POST next -> 200", &k.ok);
	print_line("200 of next -> `called` arrival", &k.after);
	printf("calls with an arrival past 50 ms: %zu of %zu; the latest, "
	       "call %zu: 200 after %.2f ms, first stream %.2f ms, last "
	       "%.2f ms, %zu streams past 50 ms\n",
	       k.late_calls, res.n_calls, k.worst + 1,
	       ms(res.c[k.worst].ok_ns - res.c[k.worst].send_ns),
	       ms(k.worst_first), ms(k.worst_last), k.worst_late);
	print_cpu("daemon CPU over the calls:", &res.calls, res.calls_s);
	printf("deliveries: %zu (%zu missing, %zu twice, %zu of an unknown "
	       "number, %zu with wrong data); streams not right: %zu; event "
	       "ids not increasing: %zu; `queue` events %zu, other events "
	       "%zu, other comments %zu; `queue` fan-outs not settled in "
	       "2 s: %zu\n",
	       k.lat.n, k.missing, k.duplicates, k.unknown, k.bad_data,
	       k.bad_streams, k.bad_ids, k.queue_events, k.other_events,
	       k.other_comments, res.queue_unsettled);
	if (o.keepalive_s > 0) {
		printf("\n== keepalive ==\n");
		if (res.keepalive_done)
			printf("every stream got \": keepalive\" %.1f s after "
			       "the last call (due after %d s of silence)\n",
			       res.keepalive_after_s, KEEPALIVE_S);
		else
			printf("only %zu of %ld streams got \": keepalive\" "
			       "in %.1f s after the last call (due after %d "
			       "s)\n",
			       atomic_load(&ss.keepalive), o.clients,
			       res.keepalive_after_s, KEEPALIVE_S);
		print_cpu("daemon CPU until then:", &res.keepalive,
			  res.keepalive_s);
	}
	printf("\ndaemon peak RSS: VmHWM %ld kB (getrusage maxrss %ld kB); "
	       "%ld threads\n",
	       res.hwm_kb, res.usage.ru_maxrss, res.threads);
	printf("goal: no measurable CPU while idle (<= %.0f ms in %ld s): "
	       "%s; delivery p99 <= 50 ms: %s; each call to each stream "
	       "once: %s\n",
	       ms(GOAL_IDLE_CPU_NS), o.idle_s, idle_met ? "met" : "MISSED",
	       p99_met ? "met" : "MISSED", once ? "yes" : "NO");

	printf("summary: events, %ld idle streams: daemon CPU %.2f ms in "
	       "%.0f s (utime+stime %.0f ms; goal <= %.0f ms: %s), %lld "
	       "context switches; daemon RSS %ld kB with them (%.1f kB per "
	       "stream)\n",
	       o.clients, idle_ms, res.idle_s, res.idle.tick_ms,
	       ms(GOAL_IDLE_CPU_NS), idle_met ? "met" : "MISSED",
	       res.idle.switches, res.rss_streams_kb, per_stream_kb);
	printf("summary: events, `called` to %ld streams x %zu calls: POST "
	       "next -> event at the socket p50 %.2f ms, p99 %.2f ms, max "
	       "%.2f ms over %zu deliveries (goal p99 <= 50 ms: %s; read by "
	       "the client p99 %.2f ms), %s; next -> 200 p50 "
	       "%.2f ms; fan-out first -> last stream p50 %.2f ms, max %.2f "
	       "ms; daemon peak RSS %ld kB; load %.2f on %ld CPUs\n",
	       o.clients, res.n_calls, ms(bench_pct(&k.lat, 500)), ms(p99),
	       ms(bench_pct(&k.lat, 1000)), k.lat.n, p99_met ? "met" : "MISSED",
	       ms(bench_pct(&k.read, 990)),
	       once ? "each once" : "NOT each once", ms(bench_pct(&k.ok, 500)),
	       ms(bench_pct(&k.spread, 500)), ms(bench_pct(&k.spread, 1000)),
	       res.hwm_kb, res.load_calls, sysconf(_SC_NPROCESSORS_ONLN));
	if (o.keepalive_s > 0)
		printf("summary: events, keepalive: %s; daemon CPU %.2f ms "
		       "over those %.1f s\n",
		       res.keepalive_done ? "every stream got its comment" :
					    "NOT every stream got its comment",
		       res.keepalive.clock_ms, res.keepalive_s);
	if (!once || (o.keepalive_s > 0 && !res.keepalive_done))
		r = -EPROTO;
out:
	check_free(&k);
	streams_free(&ss);
	free(res.c);
	if (o.keep || r < 0)
		printf("kept %s\n", dir);
	else
		bench_rmdir(dir);
	curl_global_cleanup();
	return r < 0 ? 1 : 0;
}
