/* Calling the next ticket, in process.
 *
 * (a) The queue engine alone (queue.h): 50 counters with overlapping
 *     service lists over a queue of N waiting tickets of mixed kinds and
 *     eight services; each call times queue_finish of the counter's last
 *     ticket, queue_pick and queue_call, and one new ticket is added after
 *     it so that N stay waiting. Also times that queue_add, the "ahead"
 *     figure every issued ticket gets (queue_ahead) and a counter's whole
 *     waiting list (queue_order), sampled; then the walk-ins' estimates
 *     of the kiosk's admission, a whole run and one resumed after four
 *     walk-ins, 20 of each.
 * (b) The durable path: office_next() over a real store with N waiting
 *     tickets, which includes a synchronous=FULL commit, so it measures the
 *     disk as much as the code. The tickets go in through the store in one
 *     transaction; opening the office then rebuilds the queue from the
 *     database, as a restart does, and that is timed too.
 *
 *   bench_next [--sizes N,N,...] [--calls N] [--budget S] [--waiting N]
 *              [--next N] [--issue N] [--dir DIR] [--keep]
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "config.h"
#include "hours.h"
#include "office.h"
#include "queue.h"
#include "store.h"

#define COUNTERS 50
#define SIZES_MAX 8
#define SAMPLED_MAX 200
/* A Thursday morning; the engine and the office never read the clock. */
#define BENCH_NOW "2026-12-03T09:00:00+02:00"

struct options {
	size_t sizes[SIZES_MAX];
	size_t n_sizes;
	long calls;
	long budget;
	long waiting;
	long next;
	long issue;
	char base[BENCH_DIR_MAX];
	bool keep;
};

static int parse_sizes(const char *s, struct options *o)
{
	char buf[128], *tok, *save = NULL;
	int n = snprintf(buf, sizeof(buf), "%s", s);

	if (n < 0 || (size_t)n >= sizeof(buf))
		return -EINVAL;
	o->n_sizes = 0;
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		long v;
		if (o->n_sizes == SIZES_MAX ||
		    bench_parse_long(tok, 100, 10000000, &v) < 0)
			return -EINVAL;
		o->sizes[o->n_sizes++] = (size_t)v;
	}
	return o->n_sizes ? 0 : -EINVAL;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bench_next [--sizes N,N,...] [--calls N] [--budget S] "
		"[--waiting N] [--next N] [--issue N] [--dir DIR] [--keep]\n"
		"  --sizes    waiting tickets for the engine (10000,100000)\n"
		"  --calls    calls per size at most (20000)\n"
		"  --budget   seconds per size at most (5)\n"
		"  --waiting  waiting tickets in the database (10000)\n"
		"  --next     timed office_next() calls (1000)\n"
		"  --issue    timed office_issue() calls (200)\n"
		"  --dir      scratch directory on the disk to measure "
		"(default $BONOMAT_BUILD_DIR/bench-tmp)\n");
}

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option opts[] = {
		{"sizes", required_argument, NULL, 'S'},
		{"calls", required_argument, NULL, 'c'},
		{"budget", required_argument, NULL, 'b'},
		{"waiting", required_argument, NULL, 'w'},
		{"next", required_argument, NULL, 'n'},
		{"issue", required_argument, NULL, 'i'},
		{"dir", required_argument, NULL, 'D'},
		{"keep", no_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *dir = NULL;
	int c;

	o->sizes[0] = 10000;
	o->sizes[1] = 100000;
	o->n_sizes = 2;
	o->calls = 20000;
	o->budget = 5;
	o->waiting = 10000;
	o->next = 1000;
	o->issue = 200;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		int r = 0;
		switch (c) {
		case 'S':
			r = parse_sizes(optarg, o);
			break;
		case 'c':
			r = bench_parse_long(optarg, 1, 10000000, &o->calls);
			break;
		case 'b':
			r = bench_parse_long(optarg, 1, 600, &o->budget);
			break;
		case 'w':
			r = bench_parse_long(optarg, 0, 1000000, &o->waiting);
			break;
		case 'n':
			r = bench_parse_long(optarg, 1, 1000000, &o->next);
			break;
		case 'i':
			r = bench_parse_long(optarg, 0, 100000, &o->issue);
			break;
		case 'D':
			dir = optarg;
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
			fprintf(stderr, "bench_next: bad value '%s'\n", optarg);
			return r;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return -EINVAL;
	}
	return bench_scratch_dir(dir, o->base, sizeof(o->base));
}

static double us(int64_t ns)
{
	return (double)ns / 1e3;
}

static double ms(int64_t ns)
{
	return (double)ns / 1e6;
}

/* "p50 12.3 us, p99 45.6 us, max 78.9 us" of unsorted samples. */
static void print_us(const char *what, struct bench_samples *s)
{
	bench_samples_sort(s);
	printf("  %-34s n=%-6zu p50 %9.1f us  p99 %9.1f us  max %9.1f us\n",
	       what, s->n, us(bench_pct(s, 500)), us(bench_pct(s, 990)),
	       us(bench_pct(s, 1000)));
}

/* A waiting ticket as a mixed office issues them: three in four walk-ins,
 * one in ten priority, the rest appointments with slots around now. */
static void make_ticket(struct ticket *t, int64_t id, int64_t now,
			uint64_t *rng)
{
	uint64_t r = bench_rand(rng);
	unsigned pct;

	memset(t, 0, sizeof(*t));
	t->id = id;
	t->service = (int)(r % BENCH_SERVICES);
	r /= BENCH_SERVICES;
	pct = (unsigned)(r % 100);
	r /= 100;
	t->kind = pct < 75 ? TICKET_WALK_IN :
		  pct < 85 ? TICKET_PRIORITY :
			     TICKET_APPOINTMENT;
	t->state = TICKET_WAITING;
	t->issued_at = now - (int64_t)(r % 1800);
	r /= 1800;
	if (t->kind == TICKET_APPOINTMENT)
		t->slot_start = now - 1800 + (int64_t)(r % 7200);
	t->printed = PRINT_NONE;
	t->kiosk = 0;
	t->counter = -1;
	(void)snprintf(t->number, sizeof(t->number), "%c%03lld",
		       t->kind == TICKET_APPOINTMENT ? 'P' : 'A' + t->service,
		       (long long)(id % 1000));
}

struct engine_result {
	size_t waiting;
	double fill_s;
	long calls, empty;
	struct bench_samples call, add, ahead, order, whole, resumed;
	/* A priority ticket's wait: its own whole run, and from the
	 * walk-ins' run just made. */
	struct bench_samples prio_whole, prio_reach;
};

/* A priority ticket's wait of service, by a whole run of its own and from
 * the walk-ins' run (which must say the same). */
static int bench_priority(struct queue *q, uint64_t all, int service,
			  int64_t now, const int64_t *mean,
			  struct engine_result *res)
{
	int64_t own = -1, from = -1, a = bench_now_ns();
	int r = queue_estimate(q, (size_t)service, TICKET_PRIORITY, now, mean,
			       NULL, QUEUE_SHOW_SHARE, &own);

	if (r == 0)
		r = bench_samples_add(&res->prio_whole, bench_now_ns() - a);
	a = bench_now_ns();
	if (r == 0)
		r = queue_estimate_priority(q, all, (size_t)service, now, mean,
					    NULL, QUEUE_SHOW_SHARE, &from);
	if (r == 0)
		r = bench_samples_add(&res->prio_reach, bench_now_ns() - a);
	if (r == 0 && own != from) {
		fprintf(stderr, "bench_next: a priority ticket waits %lld s "
				"by its own run, %lld s from the walk-ins'\n",
			(long long)own, (long long)from);
		r = -EPROTO;
	}
	return r;
}

/* The walk-ins' estimates the kiosk's admission asks for after each group
 * commit: a whole run of the day, and one resumed after a batch of four
 * walk-ins issued in the run's second (the usual batch). */
static int bench_estimates(struct queue *q, int64_t now, int64_t *next_id,
			   struct engine_result *res)
{
	uint64_t all = (UINT64_C(1) << BENCH_SERVICES) - 1, served;
	int64_t mean[BENCH_SERVICES], waits[64];
	int r = 0;

	for (int s = 0; s < BENCH_SERVICES; s++)
		mean[s] = (5 + s) * 60;
	for (int i = 0; r == 0 && i < 40; i++) {
		bool whole = i % 2 == 0;
		int64_t a;

		if (whole) /* a change that is none: the run is whole */
			queue_set_streak(q, 0, queue_streak(q, 0));
		for (int j = 0; !whole && r == 0 && j < 4; j++) {
			struct ticket t = {
				.id = (*next_id)++,
				.service = (i * 4 + j) % BENCH_SERVICES,
				.kind = TICKET_WALK_IN,
				.state = TICKET_WAITING,
				.issued_at = now,
				.kiosk = 0,
				.counter = -1,
			};
			r = queue_add(q, &t);
		}
		a = bench_now_ns();
		if (r == 0)
			r = queue_estimate_walk_ins(q, all, now, mean, NULL,
						    QUEUE_SHOW_SHARE, waits,
						    &served);
		if (r == 0)
			r = bench_samples_add(whole ? &res->whole
						    : &res->resumed,
					      bench_now_ns() - a);
		if (r == 0)
			r = bench_priority(q, all, i % BENCH_SERVICES, now, mean,
					   res);
	}
	return r;
}

static int bench_engine(const struct options *o, size_t waiting, int64_t now,
			struct engine_result *res)
{
	const struct queue_policy policy = {
		.max_wait = 45 * 60,
		.walkin_every = 3,
		.early_window = 10 * 60,
	};
	uint64_t masks[COUNTERS], rng = 0x5eed0000 + waiting;
	uint64_t all = (UINT64_C(1) << BENCH_SERVICES) - 1;
	struct queue *q = NULL;
	struct ticket t;
	int64_t next_id = 1, t0, deadline, *ids = NULL;
	long sample_every;
	int r;

	res->waiting = waiting;
	for (size_t c = 0; c < COUNTERS; c++)
		masks[c] = bench_counter_mask(c);
	r = queue_new(&policy, BENCH_SERVICES, COUNTERS, masks, &q);
	if (r < 0)
		return r;
	ids = malloc((waiting + COUNTERS + 1) * sizeof(*ids));
	if (!ids) {
		r = -ENOMEM;
		goto out;
	}
	t0 = bench_now_ns();
	for (size_t i = 0; i < waiting; i++) {
		make_ticket(&t, next_id++, now, &rng);
		r = queue_add(q, &t);
		if (r < 0)
			goto out;
	}
	res->fill_s = (double)(bench_now_ns() - t0) / 1e9;

	/* About SAMPLED_MAX samples of the costlier whole-queue figures. */
	sample_every = o->calls / SAMPLED_MAX > 0 ? o->calls / SAMPLED_MAX : 1;
	deadline = bench_now_ns() + o->budget * INT64_C(1000000000);
	for (long i = 0; i < o->calls; i++) {
		size_t c = (size_t)i % COUNTERS, n;
		enum call_reason reason;
		int64_t id = 0, a, b;
		size_t ahead;

		if (bench_now_ns() > deadline)
			break;
		now++;
		r = 0;
		a = bench_now_ns();
		if (queue_current(q, c))
			r = queue_finish(q, c);
		if (r == 0)
			r = queue_pick(q, c, now, &id, &reason);
		if (r == 0)
			r = queue_call(q, c, id, reason, now);
		b = bench_now_ns();
		if (r == -ENOENT) {
			res->empty++;
			r = 0;
			continue;
		}
		if (r < 0)
			goto out;
		res->calls++;
		r = bench_samples_add(&res->call, b - a);
		if (r < 0)
			goto out;

		make_ticket(&t, next_id++, now, &rng);
		a = bench_now_ns();
		r = queue_add(q, &t);
		b = bench_now_ns();
		if (r < 0 || (r = bench_samples_add(&res->add, b - a)) < 0)
			goto out;
		if (i % sample_every != 0)
			continue;
		a = bench_now_ns();
		r = queue_ahead(q, t.id, now, &ahead);
		b = bench_now_ns();
		if (r < 0 || (r = bench_samples_add(&res->ahead, b - a)) < 0)
			goto out;
		if (i % (sample_every * 10) != 0)
			continue;
		a = bench_now_ns();
		r = queue_order(q, all, now, ids, waiting + COUNTERS + 1, &n);
		b = bench_now_ns();
		if (r < 0 || (r = bench_samples_add(&res->order, b - a)) < 0)
			goto out;
	}
	r = bench_estimates(q, now, &next_id, res);
out:
	free(ids);
	queue_free(q);
	return r;
}

struct office_result {
	double fill_s, rebuild_s;
	size_t queued;
	struct bench_samples issue, next;
	long none;
};

/* Inserts n waiting tickets of day in one transaction, as office_issue()
 * writes them (sequence, ticket, "issued" event). */
static int fill_store(struct store *st, const struct config *cfg,
		      const char *day, int64_t now, long n)
{
	uint64_t rng = 0xb0b0;
	int r;

	r = store_begin(st);
	if (r < 0)
		return r;
	for (long i = 0; i < n; i++) {
		struct ticket t;
		const char *prefix;
		int seq, len;

		/* Issued over the last two hours, oldest first. */
		make_ticket(&t, 0, now, &rng);
		t.issued_at = now - 7200 + (int64_t)(i * 7200 / (n ? n : 1));
		memcpy(t.day, day, sizeof(t.day));
		prefix = t.kind == TICKET_APPOINTMENT ?
				 cfg->policy.appointment_prefix :
				 cfg->services[t.service].prefix;
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
		if (r == 0)
			r = store_event_append(
				st, &(struct store_event){.at = t.issued_at,
							  .type = "issued",
							  .ticket = t.id,
							  .service = t.service,
							  .counter = -1,
							  .kind = t.kind});
		if (r < 0)
			goto fail;
	}
	return store_commit(st);
fail:
	store_rollback(st);
	return r;
}

static int bench_office(const struct options *o, const char *dir, int64_t now,
			struct office_result *res)
{
	char db[BENCH_DIR_MAX + 32], day[TICKET_DAY_LEN + 1];
	char text[16384], err[CONFIG_ERR_MAX];
	struct config *cfg = NULL;
	struct store *st = NULL;
	struct office *office = NULL;
	struct office_error oerr = {0};
	int64_t t0;
	int len, r;

	len = snprintf(db, sizeof(db), "%s/bonomat.db", dir);
	if (len < 0 || (size_t)len >= sizeof(db))
		return -ENAMETOOLONG;
	len = bench_config_text(text, sizeof(text), db, COUNTERS);
	if (len < 0)
		return len;
	r = config_parse(text, (size_t)len, "bench.conf", &cfg, err,
			 sizeof(err));
	if (r < 0) {
		fprintf(stderr, "bench_next: config: %s\n", err);
		return r;
	}
	r = hours_set_zone(cfg->office.timezone);
	if (r < 0)
		goto out;
	hours_day(now, day);

	r = store_open(db, cfg, &st);
	if (r < 0)
		goto out;
	t0 = bench_now_ns();
	r = fill_store(st, cfg, day, now, o->waiting);
	res->fill_s = (double)(bench_now_ns() - t0) / 1e9;
	store_close(st);
	st = NULL;
	if (r < 0)
		goto out;

	/* A restart: open the database and rebuild the queue from it. */
	t0 = bench_now_ns();
	r = store_open(db, cfg, &st);
	if (r == 0)
		r = office_new(cfg, st, now, &office);
	res->rebuild_s = (double)(bench_now_ns() - t0) / 1e9;
	if (r < 0)
		goto out;
	for (size_t s = 0; s < cfg->n_services; s++) {
		struct office_service_view v;
		if (office_service(office, (int)s, now, &v) == 0)
			res->queued += v.waiting;
	}

	for (long i = 0; i < o->issue; i++) {
		struct ticket t;
		int64_t a = bench_now_ns();
		r = office_issue(office, (int)(i % BENCH_SERVICES), 0,
				 i % 16 == 15, now, &t, &oerr);
		if (r < 0)
			goto fail;
		r = bench_samples_add(&res->issue, bench_now_ns() - a);
		if (r < 0)
			goto out;
	}
	for (long i = 0; i < o->next; i++) {
		struct ticket t;
		bool none = false;
		int64_t a;

		now++;
		a = bench_now_ns();
		r = office_next(office, (int)(i % COUNTERS), now, &t, &none,
				&oerr);
		if (r < 0)
			goto fail;
		r = bench_samples_add(&res->next, bench_now_ns() - a);
		if (r < 0)
			goto out;
		if (none)
			res->none++;
	}
	goto out;
fail:
	fprintf(stderr, "bench_next: office: %s (status %d)\n", oerr.message,
		(int)oerr.status);
out:
	office_free(office);
	store_close(st);
	config_free(cfg);
	return r;
}

int main(int argc, char **argv)
{
	struct options o = {0};
	struct engine_result eng[SIZES_MAX] = {0};
	struct office_result off = {0};
	char dir[BENCH_DIR_MAX], fs[32];
	bool tmpfs = false;
	int64_t now;
	int r;

	if (parse_args(argc, argv, &o) < 0)
		return 2;
	r = hours_set_zone("Europe/Bucharest");
	if (r == 0)
		r = hours_parse_rfc3339(BENCH_NOW, &now);
	if (r < 0) {
		fprintf(stderr, "bench_next: time zone: %s\n", strerror(-r));
		return 1;
	}

	printf("== (a) queue engine alone: finish + pick + call, %d "
	       "counters, %d services ==\n",
	       COUNTERS, BENCH_SERVICES);
	printf("sizeof(struct ticket) = %zu bytes; every operation scans "
	       "the active tickets\n",
	       sizeof(struct ticket));
	for (size_t i = 0; i < o.n_sizes; i++) {
		struct engine_result *e = &eng[i];

		fflush(stdout);
		r = bench_engine(&o, o.sizes[i], now, e);
		if (r < 0) {
			fprintf(stderr, "bench_next: engine at %zu: %s\n",
				o.sizes[i], strerror(-r));
			goto out;
		}
		printf("%zu waiting: filled by queue_add in %.2f s; %ld "
		       "calls%s\n",
		       e->waiting, e->fill_s, e->calls,
		       e->empty ? " (some counters found nothing)" : "");
		print_us("finish + pick + call", &e->call);
		print_us("queue_add (issue, refill)", &e->add);
		print_us("queue_ahead (every issued ticket)", &e->ahead);
		print_us("queue_order (a counter's list)", &e->order);
		print_us("walk-ins' estimate, whole run", &e->whole);
		print_us("the same after 4 walk-ins", &e->resumed);
		print_us("a priority ticket's wait, its own run",
			 &e->prio_whole);
		print_us("the same from the walk-ins' run", &e->prio_reach);
	}

	r = bench_mkdtemp(o.base, "next", dir, sizeof(dir));
	if (r < 0) {
		fprintf(stderr, "bench_next: scratch directory in %s: %s\n",
			o.base, strerror(-r));
		goto out;
	}
	if (bench_fs_name(dir, fs, sizeof(fs), &tmpfs) < 0)
		(void)snprintf(fs, sizeof(fs), "unknown");
	printf("\n== (b) durable: office_next() over SQLite (WAL, "
	       "synchronous=FULL) in %s (%s) ==\n",
	       dir, fs);
	printf("each call commits one transaction with an fsync: these "
	       "figures are the disk's as much as the code's\n");
	fflush(stdout);
	r = bench_office(&o, dir, now, &off);
	if (o.keep)
		printf("kept %s\n", dir);
	else
		bench_rmdir(dir);
	if (r < 0) {
		fprintf(stderr, "bench_next: office: %s\n", strerror(-r));
		goto out;
	}
	printf("%ld waiting tickets written in one transaction in %.2f s\n",
	       o.waiting, off.fill_s);
	printf("restart: store_open + office_new rebuilt %zu waiting in "
	       "%.3f s\n",
	       off.queued, off.rebuild_s);
	bench_samples_sort(&off.issue);
	bench_samples_sort(&off.next);
	if (off.issue.n)
		printf("office_issue: n=%zu p50 %.2f ms, p99 %.2f ms, max "
		       "%.2f ms\n",
		       off.issue.n, ms(bench_pct(&off.issue, 500)),
		       ms(bench_pct(&off.issue, 990)),
		       ms(bench_pct(&off.issue, 1000)));
	printf("office_next:  n=%zu p50 %.2f ms, p99 %.2f ms, max %.2f ms"
	       "%s\n",
	       off.next.n, ms(bench_pct(&off.next, 500)),
	       ms(bench_pct(&off.next, 990)), ms(bench_pct(&off.next, 1000)),
	       off.none ? " (some found nobody)" : "");

	for (size_t i = 0; i < o.n_sizes; i++)
		printf("summary: call-next, engine only, %zu waiting: p50 %.1f "
		       "us, p99 %.1f us, max %.1f us (queue filled by "
		       "queue_add in %.2f s)\n",
		       eng[i].waiting, us(bench_pct(&eng[i].call, 500)),
		       us(bench_pct(&eng[i].call, 990)),
		       us(bench_pct(&eng[i].call, 1000)), eng[i].fill_s);
	for (size_t i = 0; i < o.n_sizes; i++)
		printf("summary: walk-ins' estimate, %zu waiting: whole run "
		       "p50 %.1f us, resumed after 4 walk-ins p50 %.1f us\n",
		       eng[i].waiting, us(bench_pct(&eng[i].whole, 500)),
		       us(bench_pct(&eng[i].resumed, 500)));
	for (size_t i = 0; i < o.n_sizes; i++)
		printf("summary: a priority ticket's wait, %zu waiting: its "
		       "own run p50 %.1f us, from the walk-ins' run p50 %.1f "
		       "us\n",
		       eng[i].waiting, us(bench_pct(&eng[i].prio_whole, 500)),
		       us(bench_pct(&eng[i].prio_reach, 500)));
	printf("summary: call-next, durable office_next (incl. fsync "
	       "commit), %ld waiting: p50 %.2f ms, p99 %.2f ms\n",
	       o.waiting, ms(bench_pct(&off.next, 500)),
	       ms(bench_pct(&off.next, 990)));
	printf("summary: restart rebuild of %zu waiting tickets: %.3f s\n",
	       off.queued, off.rebuild_s);
out:
	for (size_t i = 0; i < SIZES_MAX; i++) {
		bench_samples_free(&eng[i].call);
		bench_samples_free(&eng[i].add);
		bench_samples_free(&eng[i].ahead);
		bench_samples_free(&eng[i].order);
		bench_samples_free(&eng[i].whole);
		bench_samples_free(&eng[i].resumed);
		bench_samples_free(&eng[i].prio_whole);
		bench_samples_free(&eng[i].prio_reach);
	}
	bench_samples_free(&off.issue);
	bench_samples_free(&off.next);
	return r < 0 ? 1 : 0;
}
