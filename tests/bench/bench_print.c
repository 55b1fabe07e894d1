/* Printing: from POST /api/v1/tickets to the ticket's first byte at a
 * network printer, and the encoder's time per ticket.
 *
 * (a) The real bonomatd with [printer.default] driver = tcp pointed at a
 *     printer in this process: a thread that accepts the daemon's
 *     connection, answers every status query DLE EOT n (10 04 n) at once
 *     with 0x12 (ready, as an Epson TM does), and notes when each ticket
 *     starts (ESC @, 1B 40) and ends (its cut, GS V m n, 1D 56 m n). One
 *     client issues tickets one at a time on kiosk k1 and times, for each,
 *     POST to 201 and POST to the ticket's first byte at the printer. That
 *     includes the status check the printer's worker makes before every
 *     ticket (DLE EOT 1, 2 and 4, a round trip each), which the printer
 *     times as well. The client then waits until the ticket is settled
 *     (GET says printed "ok", which the worker commits after writing it),
 *     so that the next ticket finds the worker idle, as the next citizen at
 *     a kiosk does; --back-to-back issues the next one as soon as the cut
 *     arrives instead. Every ticket must arrive once, with its number, and
 *     be cut.
 * (b) receipt_render() in this process, as the daemon lays out and encodes
 *     a ticket, at 48 and 32 columns: mean and p99 in microseconds and the
 *     bytes of a ticket; layout_ticket() and escpos_encode() also apart.
 *
 *   bench_print [--daemon PATH] [--dir DIR] [--tickets N] [--warmup N]
 *               [--gap MS] [--back-to-back] [--iterations N] [--keep]
 */
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "config.h"
#include "escpos.h"
#include "hours.h"
#include "receipt.h"
#include "ticket.h"
#include "ticket_layout.h"

#define TICKETS_MAX 100000
#define CONNS_MAX 4
#define STATUS_READY 0x12 /* Epson TM: fixed bits only, nothing wrong */
#define ARRIVAL_TIMEOUT_NS (INT64_C(5) * 1000000000)
#define SETTLE_TIMEOUT_NS (INT64_C(5) * 1000000000)
/* After the last ticket: long enough for a duplicate to show up. */
#define QUIET_MS 1000
#define GOAL_P99_NS (INT64_C(10) * 1000000)
#define NS_PER_MS INT64_C(1000000)

#define DLE 0x10
#define EOT 0x04
#define ESC 0x1b
#define GS 0x1d

struct options {
	const char *daemon;
	char base[BENCH_DIR_MAX];
	long tickets;
	long warmup;
	long gap_ms;
	long iterations;
	bool back_to_back;
	bool keep;
};

/* One ticket as the printer received it. */
struct mark {
	int64_t check_ns; /* the DLE EOT 1 of the last status check before it */
	int64_t start_ns; /* its ESC @ */
	int64_t cut_ns;	  /* its GS V m n */
	unsigned queries; /* status queries since the previous ticket */
	size_t off, len;  /* its bytes in printer.data */
};

/* The parser of one connection, fed byte by byte. */
struct conn {
	int fd;
	unsigned held;	   /* 1 after DLE, 2 after DLE EOT */
	bool esc;	   /* an ESC between tickets */
	bool in_ticket;	   /* between ESC @ and the cut */
	uint8_t prev;	   /* the ticket's previous byte */
	unsigned cut_left; /* the m and n of GS V still to come */
};

/* A network receipt printer in a thread of this process. */
struct printer {
	int listen_fd;
	long port;
	pthread_t thread;
	bool started;
	struct conn conns[CONNS_MAX];
	size_t n_conns;

	pthread_mutex_t lock;
	pthread_cond_t arrived;
	/* Guarded by lock. */
	bool stop;
	struct mark *marks;
	size_t n_marks; /* tickets started */
	size_t cuts;
	uint8_t *data;
	size_t data_len, data_cap;
	unsigned long queries, queries_in_ticket, stray, overflow;
	unsigned long connections;
	int64_t check_ns;
	unsigned queries_since;
	int error;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: bench_print [--daemon PATH] [--dir DIR] "
		   "[--tickets N] [--warmup N] [--gap MS] [--back-to-back] "
		   "[--iterations N] [--keep]\n"
		   "  --daemon      bonomatd (default $BONOMATD)\n"
		   "  --dir         scratch directory (default "
		   "$BONOMAT_BUILD_DIR/bench-tmp)\n"
		   "  --tickets     tickets measured, one at a time (500)\n"
		   "  --warmup      tickets issued first, not measured (20)\n"
		   "  --gap         pause between tickets, in ms (0)\n"
		   "  --back-to-back  the next ticket as soon as the cut "
		   "arrives, without waiting for printed \"ok\"\n"
		   "  --iterations  encoder runs per measure and width "
		   "(20000); 0: no encoder figures\n");
}

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option opts[] = {
		{"daemon", required_argument, NULL, 'd'},
		{"dir", required_argument, NULL, 'D'},
		{"tickets", required_argument, NULL, 't'},
		{"warmup", required_argument, NULL, 'w'},
		{"gap", required_argument, NULL, 'g'},
		{"back-to-back", no_argument, NULL, 'b'},
		{"iterations", required_argument, NULL, 'i'},
		{"keep", no_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *dir = NULL;
	int c;

	o->daemon = getenv("BONOMATD");
	o->tickets = 500;
	o->warmup = 20;
	o->iterations = 20000;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		int r = 0;
		switch (c) {
		case 'd':
			o->daemon = optarg;
			break;
		case 'D':
			dir = optarg;
			break;
		case 't':
			r = bench_parse_long(optarg, 1, TICKETS_MAX / 2, &o->tickets);
			break;
		case 'w':
			r = bench_parse_long(optarg, 0, TICKETS_MAX / 2, &o->warmup);
			break;
		case 'g':
			r = bench_parse_long(optarg, 0, 10000, &o->gap_ms);
			break;
		case 'b':
			o->back_to_back = true;
			break;
		case 'i':
			r = bench_parse_long(optarg, 0, 10000000, &o->iterations);
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
			fprintf(stderr, "bench_print: bad value '%s'\n",
				optarg);
			return r;
		}
	}
	if (optind != argc || !o->daemon || !*o->daemon) {
		if (!o->daemon || !*o->daemon)
			fprintf(stderr, "bench_print: no daemon: set "
					"BONOMATD or pass --daemon\n");
		usage(stderr);
		return -EINVAL;
	}
	return bench_scratch_dir(dir, o->base, sizeof(o->base));
}

/* Called with the printer's lock held. */
static void keep_byte(struct printer *p, uint8_t b)
{
	if (p->data_len == p->data_cap) {
		size_t cap = p->data_cap ? p->data_cap * 2 : 65536;
		uint8_t *d = realloc(p->data, cap);
		if (!d) {
			p->error = ENOMEM;
			return;
		}
		p->data = d;
		p->data_cap = cap;
	}
	p->data[p->data_len++] = b;
}

/* A print byte, the status queries taken out: tickets are ESC @ ... GS V m
 * n, and nothing is expected between them. Called with the lock held. */
static void print_byte(struct printer *p, struct conn *c, uint8_t b,
		       int64_t now)
{
	struct mark *m;

	if (!c->in_ticket) {
		if (!c->esc) {
			if (b == ESC)
				c->esc = true;
			else
				p->stray++;
			return;
		}
		c->esc = false;
		if (b != '@') {
			p->stray += 2;
			return;
		}
		if (p->n_marks == TICKETS_MAX) {
			p->overflow++;
			return;
		}
		m = &p->marks[p->n_marks++];
		*m = (struct mark){
			.check_ns = p->check_ns,
			.start_ns = now,
			.queries = p->queries_since,
			.off = p->data_len,
		};
		p->queries_since = 0;
		c->in_ticket = true;
		c->prev = 0;
		c->cut_left = 0;
		keep_byte(p, ESC);
		keep_byte(p, '@');
		return;
	}
	keep_byte(p, b);
	m = &p->marks[p->n_marks - 1];
	if (c->cut_left > 0) {
		if (--c->cut_left == 0) {
			m->cut_ns = now;
			m->len = p->data_len - m->off;
			c->in_ticket = false;
			p->cuts++;
			(void)pthread_cond_broadcast(&p->arrived);
		}
	} else if (c->prev == GS && b == 'V') {
		c->cut_left = 2;
	}
	c->prev = b;
}

/* Parses a chunk as a printer does: DLE EOT n anywhere is a real-time
 * status query, answered at once. Returns the number of replies to send.
 * Called with the lock held. */
static size_t feed(struct printer *p, struct conn *c, const uint8_t *buf,
		   size_t len, int64_t now)
{
	size_t replies = 0;

	for (size_t i = 0; i < len; i++) {
		uint8_t b = buf[i];

		if (c->held == 2) {
			c->held = 0;
			replies++;
			p->queries++;
			if (c->in_ticket) {
				p->queries_in_ticket++;
				continue;
			}
			p->queries_since++;
			if (b == 1)
				p->check_ns = now;
			continue;
		}
		if (c->held == 1) {
			c->held = 0;
			if (b == EOT) {
				c->held = 2;
				continue;
			}
			print_byte(p, c, DLE, now);
		}
		if (b == DLE)
			c->held = 1;
		else
			print_byte(p, c, b, now);
	}
	return replies;
}

static void drop_conn(struct printer *p, size_t i)
{
	(void)close(p->conns[i].fd);
	p->conns[i] = p->conns[--p->n_conns];
}

static void printer_accept(struct printer *p)
{
	int fd, one = 1;

	fd = accept(p->listen_fd, NULL, NULL);
	if (fd < 0)
		return;
	if (p->n_conns == CONNS_MAX) {
		(void)close(fd);
		return;
	}
	/* The one-byte replies must not wait for the query's ACK. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	p->conns[p->n_conns++] = (struct conn){.fd = fd};
	pthread_mutex_lock(&p->lock);
	p->connections++;
	pthread_mutex_unlock(&p->lock);
}

/* 0 to go on, -1 when the connection is to be dropped. */
static int printer_read(struct printer *p, struct conn *c)
{
	uint8_t buf[4096], replies[64];
	ssize_t n;
	size_t k;
	int64_t now;

	n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return -1;
	now = bench_now_ns();
	pthread_mutex_lock(&p->lock);
	k = feed(p, c, buf, (size_t)n, now);
	pthread_mutex_unlock(&p->lock);
	while (k > 0) {
		size_t part = k < sizeof(replies) ? k : sizeof(replies);
		memset(replies, STATUS_READY, part);
		if (send(c->fd, replies, part, MSG_NOSIGNAL) != (ssize_t)part)
			return -1;
		k -= part;
	}
	return 0;
}

static void *printer_run(void *arg)
{
	struct printer *p = arg;
	struct pollfd pfd[CONNS_MAX + 1];

	for (;;) {
		bool stop;
		int r;

		pthread_mutex_lock(&p->lock);
		stop = p->stop;
		pthread_mutex_unlock(&p->lock);
		if (stop)
			break;
		pfd[0] = (struct pollfd){.fd = p->listen_fd, .events = POLLIN};
		for (size_t i = 0; i < p->n_conns; i++)
			pfd[i + 1] = (struct pollfd){.fd = p->conns[i].fd,
						     .events = POLLIN};
		/* The timeout only bounds the time to see stop. */
		r = poll(pfd, p->n_conns + 1, 50);
		if (r < 0 && errno != EINTR) {
			pthread_mutex_lock(&p->lock);
			p->error = errno;
			pthread_mutex_unlock(&p->lock);
			break;
		}
		if (r <= 0)
			continue;
		/* Backwards: a dropped connection takes the last one's
		 * place, which has been looked at already. */
		for (size_t i = p->n_conns; i-- > 0;)
			if (pfd[i + 1].revents &&
			    printer_read(p, &p->conns[i]) < 0)
				drop_conn(p, i);
		if (pfd[0].revents & POLLIN)
			printer_accept(p);
	}
	while (p->n_conns > 0)
		drop_conn(p, p->n_conns - 1);
	return NULL;
}

static int printer_start(struct printer *p)
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	socklen_t len = sizeof(sa);
	pthread_condattr_t attr;
	int r;

	p->listen_fd = -1;
	(void)pthread_mutex_init(&p->lock, NULL);
	/* Deadlines on the clock of bench_now_ns(). */
	(void)pthread_condattr_init(&attr);
	(void)pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	(void)pthread_cond_init(&p->arrived, &attr);
	(void)pthread_condattr_destroy(&attr);
	p->marks = calloc(TICKETS_MAX, sizeof(*p->marks));
	if (!p->marks)
		return -ENOMEM;
	p->listen_fd =
		socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->listen_fd < 0 ||
	    bind(p->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(p->listen_fd, 8) != 0 ||
	    getsockname(p->listen_fd, (struct sockaddr *)&sa, &len) != 0)
		return -errno;
	p->port = ntohs(sa.sin_port);
	r = -pthread_create(&p->thread, NULL, printer_run, p);
	if (r < 0)
		return r;
	p->started = true;
	return 0;
}

static void printer_stop(struct printer *p)
{
	if (p->started) {
		pthread_mutex_lock(&p->lock);
		p->stop = true;
		pthread_mutex_unlock(&p->lock);
		(void)pthread_join(p->thread, NULL);
		p->started = false;
	}
	if (p->listen_fd >= 0)
		(void)close(p->listen_fd);
	p->listen_fd = -1;
	free(p->marks);
	free(p->data);
	p->marks = NULL;
	p->data = NULL;
	(void)pthread_cond_destroy(&p->arrived);
	(void)pthread_mutex_destroy(&p->lock);
}

/* Waits until the printer has cut n tickets: 0, or -ETIMEDOUT. */
static int printer_wait_cuts(struct printer *p, size_t n, int64_t timeout_ns)
{
	int64_t until = bench_now_ns() + timeout_ns;
	struct timespec ts = {.tv_sec = until / 1000000000,
			      .tv_nsec = until % 1000000000};
	int r = 0;

	pthread_mutex_lock(&p->lock);
	while (p->cuts < n && p->error == 0 && r == 0)
		r = -pthread_cond_timedwait(&p->arrived, &p->lock, &ts);
	if (p->cuts >= n)
		r = 0;
	else if (p->error)
		r = -p->error;
	pthread_mutex_unlock(&p->lock);
	return r;
}

/* A response body, cut to the buffer. */
struct body {
	char text[2048];
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

struct client {
	CURL *post, *get;
	struct curl_slist *headers;
	char post_url[64];
	long port;
	struct body body;
};

static int client_init(struct client *c, long port)
{
	struct curl_slist *h;
	int n;

	c->port = port;
	n = snprintf(c->post_url, sizeof(c->post_url),
		     "http://127.0.0.1:%ld/api/v1/tickets", port);
	if (n < 0 || (size_t)n >= sizeof(c->post_url))
		return -ENAMETOOLONG;
	h = curl_slist_append(NULL, "Content-Type: application/json");
	/* No "Expect: 100-continue" round trip before the body. */
	c->headers = h ? curl_slist_append(h, "Expect:") : NULL;
	if (!c->headers) {
		curl_slist_free_all(h);
		return -ENOMEM;
	}
	c->post = curl_easy_init();
	c->get = curl_easy_init();
	if (!c->post || !c->get)
		return -ENOMEM;
	for (int k = 0; k < 2; k++) {
		CURL *e = k == 0 ? c->post : c->get;
		if (curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body) !=
			    CURLE_OK ||
		    curl_easy_setopt(e, CURLOPT_WRITEDATA, &c->body) !=
			    CURLE_OK ||
		    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
		    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L) != CURLE_OK ||
		    curl_easy_setopt(e, CURLOPT_TIMEOUT, 10L) != CURLE_OK)
			return -EINVAL;
	}
	if (curl_easy_setopt(c->post, CURLOPT_URL, c->post_url) != CURLE_OK ||
	    curl_easy_setopt(c->post, CURLOPT_POST, 1L) != CURLE_OK ||
	    curl_easy_setopt(c->post, CURLOPT_HTTPHEADER, c->headers) !=
		    CURLE_OK)
		return -EINVAL;
	return 0;
}

static void client_free(struct client *c)
{
	curl_easy_cleanup(c->post);
	curl_easy_cleanup(c->get);
	curl_slist_free_all(c->headers);
}

/* The id, number and printed state of a Ticket in the body. */
static int ticket_of(const struct body *b, long long *ret_id, char *number,
		     size_t number_size, char *printed, size_t printed_size)
{
	json_error_t jerr;
	json_t *o = json_loadb(b->text, b->len, 0, &jerr);
	json_int_t id;
	const char *num, *pr;
	int r = -EBADMSG;

	if (o &&
	    json_unpack(o, "{s:I,s:s,s:s}", "id", &id, "number", &num,
			"printed", &pr) == 0 &&
	    (size_t)snprintf(number, number_size, "%s", num) < number_size &&
	    (size_t)snprintf(printed, printed_size, "%s", pr) < printed_size) {
		*ret_id = (long long)id;
		r = 0;
	}
	json_decref(o);
	return r;
}

/* POST /api/v1/tickets: 0 with the ticket, or a negative errno with the
 * reason on stderr. */
static int client_issue(struct client *c, char service, long long *ret_id,
			char *number, size_t number_size)
{
	char req[96], printed[16];
	long status = 0;
	CURLcode rc;
	int n;

	n = snprintf(req, sizeof(req),
		     "{\"service\":\"%c\",\"kiosk\":\"k1\","
		     "\"priority\":false}",
		     service);
	if (n < 0 || (size_t)n >= sizeof(req))
		return -EOVERFLOW;
	c->body.len = 0;
	c->body.text[0] = '\0';
	if (curl_easy_setopt(c->post, CURLOPT_POSTFIELDSIZE, (long)n) !=
		    CURLE_OK ||
	    curl_easy_setopt(c->post, CURLOPT_COPYPOSTFIELDS, req) != CURLE_OK)
		return -EINVAL;
	rc = curl_easy_perform(c->post);
	if (rc != CURLE_OK) {
		fprintf(stderr, "bench_print: POST: %s\n",
			curl_easy_strerror(rc));
		return -EIO;
	}
	if (curl_easy_getinfo(c->post, CURLINFO_RESPONSE_CODE, &status) !=
		    CURLE_OK ||
	    status != 201 ||
	    ticket_of(&c->body, ret_id, number, number_size, printed,
		      sizeof(printed)) < 0) {
		fprintf(stderr, "bench_print: POST: status %ld: %s\n", status,
			c->body.text);
		return -EIO;
	}
	if (strcmp(printed, "pending") != 0) {
		fprintf(stderr, "bench_print: ticket %s: printed \"%s\"\n",
			number, printed);
		return -EIO;
	}
	return 0;
}

/* GET /api/v1/tickets/{id} until printed is no longer "pending": 0 when
 * it is "ok". *ret_gets counts the requests. */
static int client_settle(struct client *c, long long id, long *ret_gets)
{
	int64_t until = bench_now_ns() + SETTLE_TIMEOUT_NS;
	char url[96], number[TICKET_NUMBER_MAX], printed[16];
	long long got;
	long status = 0;
	CURLcode rc;
	int n;

	n = snprintf(url, sizeof(url),
		     "http://127.0.0.1:%ld/api/v1/tickets/%lld", c->port, id);
	if (n < 0 || (size_t)n >= sizeof(url) ||
	    curl_easy_setopt(c->get, CURLOPT_URL, url) != CURLE_OK)
		return -EINVAL;
	for (;;) {
		c->body.len = 0;
		c->body.text[0] = '\0';
		rc = curl_easy_perform(c->get);
		(*ret_gets)++;
		if (rc != CURLE_OK ||
		    curl_easy_getinfo(c->get, CURLINFO_RESPONSE_CODE,
				      &status) != CURLE_OK ||
		    status != 200 ||
		    ticket_of(&c->body, &got, number, sizeof(number), printed,
			      sizeof(printed)) < 0) {
			fprintf(stderr,
				"bench_print: GET %s: %s, status %ld: "
				"%s\n",
				url, curl_easy_strerror(rc), status,
				c->body.text);
			return -EIO;
		}
		if (strcmp(printed, "ok") == 0)
			return 0;
		if (strcmp(printed, "pending") != 0) {
			fprintf(stderr,
				"bench_print: ticket %s: printed "
				"\"%s\"\n",
				number, printed);
			return -EIO;
		}
		if (bench_now_ns() > until) {
			fprintf(stderr,
				"bench_print: ticket %s still pending "
				"after 5 s\n",
				number);
			return -ETIMEDOUT;
		}
		bench_sleep_ms(1);
	}
}

/* The figures of the printing side, per measured ticket. */
struct print_run {
	struct bench_samples first; /* POST to ESC @ at the printer */
	struct bench_samples post;  /* POST to 201 */
	struct bench_samples check; /* DLE EOT 1 of the check to ESC @ */
	struct bench_samples queue; /* POST to that DLE EOT 1 */
	struct bench_samples body;  /* ESC @ to the cut */
	size_t issued, measured, before_201, unchecked;
	long gets;
	double seconds;
};

static void print_run_free(struct print_run *pr)
{
	bench_samples_free(&pr->first);
	bench_samples_free(&pr->post);
	bench_samples_free(&pr->check);
	bench_samples_free(&pr->queue);
	bench_samples_free(&pr->body);
}

static bool contains(const uint8_t *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	for (size_t i = 0; k <= n && i <= n - k; i++)
		if (memcmp(hay + i, needle, k) == 0)
			return true;
	return false;
}

/* The marks of ticket i, copied under the lock; false when the ticket does
 * not carry number. */
static bool ticket_at(struct printer *p, size_t i, const char *number,
		      struct mark *ret)
{
	bool ok;

	pthread_mutex_lock(&p->lock);
	*ret = p->marks[i];
	ok = contains(p->data + ret->off, ret->len, number);
	pthread_mutex_unlock(&p->lock);
	return ok;
}

static int issue_all(const struct options *o, struct printer *p,
		     struct client *c, struct print_run *pr)
{
	size_t total = (size_t)(o->warmup + o->tickets);
	int64_t t_begin = 0;
	int r = 0;

	for (size_t i = 0; i < total; i++) {
		char number[TICKET_NUMBER_MAX];
		long long id;
		int64_t t0, t1;
		struct mark m;

		if (i == (size_t)o->warmup)
			t_begin = bench_now_ns();
		t0 = bench_now_ns();
		r = client_issue(c, (char)('A' + i % BENCH_PRINT_SERVICES), &id,
				 number, sizeof(number));
		t1 = bench_now_ns();
		if (r < 0)
			break;
		pr->issued++;
		r = printer_wait_cuts(p, i + 1, ARRIVAL_TIMEOUT_NS);
		if (r < 0) {
			fprintf(stderr,
				"bench_print: ticket %s (%zu) did not "
				"reach the printer: %s\n",
				number, i + 1, strerror(-r));
			break;
		}
		if (!ticket_at(p, i, number, &m)) {
			fprintf(stderr,
				"bench_print: ticket %zu at the printer "
				"does not carry its number %s\n",
				i + 1, number);
			r = -EBADMSG;
			break;
		}
		if (i >= (size_t)o->warmup) {
			if (bench_samples_add(&pr->first, m.start_ns - t0) <
				    0 ||
			    bench_samples_add(&pr->post, t1 - t0) < 0 ||
			    bench_samples_add(&pr->body,
					      m.cut_ns - m.start_ns) < 0) {
				r = -ENOMEM;
				break;
			}
			/* The worker checks the status before each ticket:
			 * a check that began before the POST was an idle
			 * poll, and this ticket went without one. */
			if (m.check_ns > t0) {
				if (bench_samples_add(&pr->check,
						      m.start_ns - m.check_ns) <
					    0 ||
				    bench_samples_add(&pr->queue,
						      m.check_ns - t0) < 0) {
					r = -ENOMEM;
					break;
				}
			} else {
				pr->unchecked++;
			}
			if (m.start_ns < t1)
				pr->before_201++;
			pr->measured++;
		}
		if (!o->back_to_back) {
			r = client_settle(c, id, &pr->gets);
			if (r < 0)
				break;
		}
		if (o->gap_ms > 0)
			bench_sleep_ms(o->gap_ms);
	}
	pr->seconds = (double)(bench_now_ns() - t_begin) / 1e9;
	return r;
}

static double ms(int64_t ns)
{
	return (double)ns / 1e6;
}

static double us(int64_t ns)
{
	return (double)ns / 1e3;
}

static void print_line(const char *what, const struct bench_samples *s)
{
	printf("  %-34s n=%-5zu p50 %6.2f ms  p90 %6.2f ms  p99 %6.2f ms  "
	       "max %6.2f ms\n",
	       what, s->n, ms(bench_pct(s, 500)), ms(bench_pct(s, 900)),
	       ms(bench_pct(s, 990)), ms(bench_pct(s, 1000)));
}

/* Starts the printer and the daemon, issues the tickets, stops both and
 * checks that the printer got each ticket once. */
static int run_print(const struct options *o, const char *dir,
		     struct print_run *pr)
{
	char conf[BENCH_DIR_MAX + 32], db[BENCH_DIR_MAX + 32];
	char log[BENCH_DIR_MAX + 32], host[32], text[8192];
	struct printer p = {0};
	struct client c = {0};
	unsigned long queries, in_ticket, stray, overflow, conns;
	size_t started, cuts;
	pid_t pid = 0;
	long port = 0;
	int len, r, s;

	r = printer_start(&p);
	if (r < 0) {
		fprintf(stderr, "bench_print: printer: %s\n", strerror(-r));
		printer_stop(&p);
		return r;
	}
	len = snprintf(host, sizeof(host), "127.0.0.1:%ld", p.port);
	if (len < 0 || (size_t)len >= sizeof(host) ||
	    bench_path_in(conf, sizeof(conf), dir, "bonomat.conf") < 0 ||
	    bench_path_in(db, sizeof(db), dir, "bonomat.db") < 0 ||
	    bench_path_in(log, sizeof(log), dir, "bonomatd.log") < 0) {
		printer_stop(&p);
		return -ENAMETOOLONG;
	}
	len = bench_print_config_text(text, sizeof(text), db, host);
	r = len < 0 ? len : bench_write_file(conf, text, (size_t)len);
	if (r == 0)
		r = bench_daemon_start(o->daemon, conf, log, &pid, &port);
	if (r < 0) {
		printer_stop(&p);
		return r;
	}
	printf("daemon: pid %ld on port %ld; printer: tcp %s\n", (long)pid,
	       port, host);
	fflush(stdout);
	r = client_init(&c, port);
	if (r == 0)
		r = issue_all(o, &p, &c, pr);
	client_free(&c);
	/* Anything printed twice would come now. */
	if (r == 0)
		bench_sleep_ms(QUIET_MS);
	s = bench_daemon_stop(pid, NULL);
	if (s < 0 || r < 0)
		bench_print_log(log);
	pthread_mutex_lock(&p.lock);
	started = p.n_marks;
	cuts = p.cuts;
	queries = p.queries;
	in_ticket = p.queries_in_ticket;
	stray = p.stray;
	overflow = p.overflow;
	conns = p.connections;
	pthread_mutex_unlock(&p.lock);
	printer_stop(&p);

	printf("printer: %zu tickets started, %zu cut, %zu issued; %lu "
	       "status queries (%lu inside a ticket), %lu stray bytes, %lu "
	       "connection(s)\n",
	       started, cuts, pr->issued, queries, in_ticket, stray, conns);
	if (r == 0 && (started != pr->issued || cuts != pr->issued || stray ||
		       overflow || in_ticket)) {
		fprintf(stderr, "bench_print: the printer did not get each "
				"ticket exactly once\n");
		r = -EPROTO;
	}
	return r < 0 ? r : s;
}

/* One ticket of the example office, as receipt_render() gets it. */
static void sample_ticket(struct ticket *t)
{
	*t = (struct ticket){
		.id = 1234,
		.number = "A012",
		.day = "2026-12-03",
		.service = 0,
		.kind = TICKET_WALK_IN,
		.state = TICKET_WAITING,
		.issued_at = 1796282100, /* 2026-12-03 09:15 in Bucharest */
		.printed = PRINT_PENDING,
		.kiosk = 0,
		.counter = -1,
		.ahead = 7,
		.est_wait_min = 25,
	};
}

struct enc_figures {
	struct bench_samples render, layout, encode;
	size_t bytes;
};

static double mean_us(const struct bench_samples *s)
{
	double sum = 0;

	for (size_t i = 0; i < s->n; i++)
		sum += (double)s->v[i];
	return s->n ? sum / (double)s->n / 1e3 : 0;
}

/* receipt_render(), layout_ticket() and escpos_encode() in turn, n times
 * after a tenth of that as warm-up, so that the load of the machine falls
 * on all three alike. escpos_encode() encodes one laid-out document. */
static int measure_encoder(const struct config *cfg, int printer, long n,
			   struct enc_figures *f)
{
	const struct cfg_printer *pc = &cfg->printers[printer];
	const struct escpos_config ec = {
		.codepage = pc->codepage,
		.codepage_number = (unsigned)pc->codepage_number,
		.columns = (unsigned)pc->columns,
	};
	struct layout_ticket lt;
	struct escpos_doc doc, tmp;
	struct ticket t;
	int r;

	sample_ticket(&t);
	lt = (struct layout_ticket){
		.office_name = cfg->office.name,
		.office_address = cfg->office.address,
		.number = t.number,
		.service_name = cfg->services[t.service].name,
		.kind_label = NULL,
		.people_ahead = t.ahead,
		.wait_minutes = t.est_wait_min,
		.datetime = "03.12.2026 09:15",
		.footer = cfg->office.footer,
		.qr_url = "https://bonuri.primariasector1.ro/t/1234",
	};
	r = layout_ticket(&lt, ec.columns, &doc);
	if (r < 0) {
		fprintf(stderr, "bench_print: layout: %s\n", strerror(-r));
		return r;
	}
	for (long i = -n / 10 - 1; r == 0 && i < n; i++) {
		struct escpos_buf buf;
		int64_t t0, t1, t2, t3;

		escpos_buf_init(&buf);
		t0 = bench_now_ns();
		r = receipt_render(cfg, printer, &t, &buf);
		t1 = bench_now_ns();
		f->bytes = buf.len;
		escpos_buf_free(&buf);
		if (r < 0)
			break;
		r = layout_ticket(&lt, ec.columns, &tmp);
		t2 = bench_now_ns();
		if (r < 0)
			break;
		escpos_doc_free(&tmp);
		escpos_buf_init(&buf);
		t3 = bench_now_ns();
		r = escpos_encode(&ec, doc.items, doc.count, &buf);
		t3 = bench_now_ns() - t3;
		escpos_buf_free(&buf);
		if (r < 0 || i < 0)
			continue;
		if (bench_samples_add(&f->render, t1 - t0) < 0 ||
		    bench_samples_add(&f->layout, t2 - t1) < 0 ||
		    bench_samples_add(&f->encode, t3) < 0)
			r = -ENOMEM;
	}
	escpos_doc_free(&doc);
	if (r < 0)
		fprintf(stderr, "bench_print: encoder: %s\n", strerror(-r));
	bench_samples_sort(&f->render);
	bench_samples_sort(&f->layout);
	bench_samples_sort(&f->encode);
	return r;
}

static void enc_figures_free(struct enc_figures *f)
{
	bench_samples_free(&f->render);
	bench_samples_free(&f->layout);
	bench_samples_free(&f->encode);
}

static int run_encoder(const struct options *o)
{
	static const char *const printers[] = {"default", "narrow"};
	char text[8192], err[CONFIG_ERR_MAX];
	struct config *cfg = NULL;
	int len, r;

	len = bench_print_config_text(text, sizeof(text), "unused.db",
				      "127.0.0.1:9100");
	if (len < 0)
		return len;
	r = config_parse(text, (size_t)len, "bench.conf", &cfg, err,
			 sizeof(err));
	if (r < 0) {
		fprintf(stderr, "bench_print: config: %s\n", err);
		return r;
	}
	r = hours_set_zone(cfg->office.timezone);
	if (r < 0)
		fprintf(stderr, "bench_print: time zone %s: %s\n",
			cfg->office.timezone, strerror(-r));
	printf("\n== encoder in process: receipt_render() of one walk-in "
	       "ticket (office name, address, number, service \"%s\", people "
	       "ahead, wait, date, footer, QR code of a %zu-byte URL), %ld "
	       "runs ==\n",
	       cfg->services[0].name,
	       strlen("https://bonuri.primariasector1.ro/t/1234"),
	       o->iterations);
	for (size_t k = 0; r == 0 && k < 2; k++) {
		struct enc_figures f = {0};
		int idx = config_printer_index(cfg, printers[k]);
		int cols;

		if (idx < 0) {
			r = -ENOENT;
			break;
		}
		cols = cfg->printers[idx].columns;
		r = measure_encoder(cfg, idx, o->iterations, &f);
		if (r < 0) {
			enc_figures_free(&f);
			break;
		}
		printf("%d columns: %zu bytes per ticket\n", cols, f.bytes);
		printf("  %-26s mean %6.1f us  p50 %6.1f us  p99 %6.1f us  "
		       "max %7.1f us\n",
		       "receipt_render (all)", mean_us(&f.render),
		       us(bench_pct(&f.render, 500)),
		       us(bench_pct(&f.render, 990)),
		       us(bench_pct(&f.render, 1000)));
		printf("  %-26s mean %6.1f us  p50 %6.1f us  p99 %6.1f us  "
		       "max %7.1f us\n",
		       "layout_ticket", mean_us(&f.layout),
		       us(bench_pct(&f.layout, 500)),
		       us(bench_pct(&f.layout, 990)),
		       us(bench_pct(&f.layout, 1000)));
		printf("  %-26s mean %6.1f us  p50 %6.1f us  p99 %6.1f us  "
		       "max %7.1f us\n",
		       "escpos_encode", mean_us(&f.encode),
		       us(bench_pct(&f.encode, 500)),
		       us(bench_pct(&f.encode, 990)),
		       us(bench_pct(&f.encode, 1000)));
		printf("summary: encoder, receipt_render at %d columns: mean "
		       "%.1f us, p99 %.1f us, %zu bytes per ticket (layout "
		       "%.1f us + encode %.1f us)\n",
		       cols, mean_us(&f.render), us(bench_pct(&f.render, 990)),
		       f.bytes, mean_us(&f.layout), mean_us(&f.encode));
		enc_figures_free(&f);
	}
	config_free(cfg);
	return r;
}

int main(int argc, char **argv)
{
	struct options o = {0};
	struct print_run pr = {0};
	char dir[BENCH_DIR_MAX], mode[64];
	int64_t p99;
	int r;

	if (parse_args(argc, argv, &o) < 0)
		return 2;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "bench_print: curl_global_init failed\n");
		return 1;
	}
	r = bench_mkdtemp(o.base, "print", dir, sizeof(dir));
	if (r < 0) {
		fprintf(stderr, "bench_print: scratch directory in %s: %s\n",
			o.base, strerror(-r));
		curl_global_cleanup();
		return 1;
	}
	printf("scratch: %s; %ld tickets one at a time after %ld of "
	       "warm-up, %s, then a pause of %ld ms\n",
	       dir, o.tickets, o.warmup,
	       o.back_to_back ? "the next one as soon as the cut arrives" :
				"each settled (printed \"ok\") before the "
				"next",
	       o.gap_ms);
	fflush(stdout);

	r = run_print(&o, dir, &pr);
	if (r < 0) {
		fprintf(stderr, "bench_print: %s\n", strerror(-r));
		goto out;
	}
	bench_samples_sort(&pr.first);
	bench_samples_sort(&pr.post);
	bench_samples_sort(&pr.check);
	bench_samples_sort(&pr.queue);
	bench_samples_sort(&pr.body);
	p99 = bench_pct(&pr.first, 990);

	printf("\n== POST /api/v1/tickets to the ticket's first byte at a "
	       "TCP printer ==\n");
	printf("%zu tickets measured in %.2f s; every one reached the "
	       "printer once, carried its number and was cut%s\n",
	       pr.measured, pr.seconds,
	       o.back_to_back ? "" : "; all settled as printed \"ok\"");
	print_line("POST -> first byte (ESC @)", &pr.first);
	print_line("POST -> 201", &pr.post);
	print_line("POST -> status check (DLE EOT 1)", &pr.queue);
	print_line("status check -> ESC @ (3 queries)", &pr.check);
	print_line("ESC @ -> cut (the ticket's bytes)", &pr.body);
	printf("first byte before the 201: %zu of %zu; without a status "
	       "check after its POST: %zu; GETs to see \"ok\": %ld\n",
	       pr.before_201, pr.measured, pr.unchecked, pr.gets);
	printf("goal p99 <= 10 ms: %s\n",
	       p99 <= GOAL_P99_NS ? "met" : "MISSED");
	if (o.back_to_back)
		(void)snprintf(mode, sizeof(mode), "back to back");
	else if (o.gap_ms > 0)
		(void)snprintf(mode, sizeof(mode),
			       "each settled, then %ld ms "
			       "idle",
			       o.gap_ms);
	else
		(void)snprintf(mode, sizeof(mode), "each settled");
	printf("summary: print over TCP, %zu tickets one at a time (%s): "
	       "POST -> first byte p50 %.2f ms, p99 %.2f ms, max %.2f ms "
	       "(goal p99 <= 10 ms: %s); POST -> 201 p50 %.2f ms, p99 %.2f "
	       "ms\n",
	       pr.measured, mode, ms(bench_pct(&pr.first, 500)), ms(p99),
	       ms(bench_pct(&pr.first, 1000)),
	       p99 <= GOAL_P99_NS ? "met" : "MISSED",
	       ms(bench_pct(&pr.post, 500)), ms(bench_pct(&pr.post, 990)));
	printf("summary: print over TCP (%s): status check before each "
	       "ticket (DLE EOT 1, 2, 4) p50 %.2f ms, p99 %.2f ms, %zu of %zu "
	       "without one; each ticket printed once and cut\n",
	       mode, ms(bench_pct(&pr.check, 500)),
	       ms(bench_pct(&pr.check, 990)), pr.unchecked, pr.measured);
	fflush(stdout);
	if (o.iterations > 0)
		r = run_encoder(&o);
out:
	print_run_free(&pr);
	if (o.keep || r < 0)
		printf("kept %s\n", dir);
	else
		bench_rmdir(dir);
	curl_global_cleanup();
	return r < 0 ? 1 : 0;
}
