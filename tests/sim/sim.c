/* bonomat_sim: a whole office day in process, Bonomat's call policy side
 * by side with first come first served, and the goals of issue 4.
 *
 *   bonomat_sim [--seed N] [--days N] [--walkins N] [--bookings N]
 *               [--counters N] [--policy MAX_WAIT,WALKIN_EVERY,EARLY_WINDOW]
 *               [--due | --rules] [--small] [--long-bookings]
 *               [--sweep | --evidence [--trace]]
 *
 * --days N runs the days of seeds N..N+days-1 and judges the goals on
 * them all, pooled. --due and --rules choose the call policy (default: the
 * daemon's). --evidence runs today's rules and the due policy on single
 * days spread over loads 0.60-1.15 (200 unless --days) and prints per load
 * band the share of days each goal of issue 11 holds; --trace adds a line
 * per day and policy, and on an ordinary day past the walk-in bound the
 * walk-ins past it with what their counters called meanwhile. Exits 1
 * when a goal is missed (not with --sweep; with --evidence, when the due
 * policy breaks its claims or the default misses a goal), 2 on bad usage
 * or an error.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "day.h"
#include "queue.h"
#include "oracle.h"
#include "report.h"
#include "run.h"

/*
 * The default day: 12 counters with the example config's service times (5
 * to 15 minutes, 8 on average) kept about 80% busy, the morning peak above
 * what they serve. The 1,800 walk-ins and 600 bookings of the issue ask for
 * 3.2 times what 12 counters give in eight hours; at the same 80% they need
 * 48 (--walkins 1800 --bookings 600 --counters 48).
 */
#define DEFAULT_WALKINS 450
#define DEFAULT_BOOKINGS 150
#define DEFAULT_COUNTERS 12
/* The small day of ctest: half the counters and half the citizens. */
#define SMALL_WALKINS 180
#define SMALL_BOOKINGS 60
#define SMALL_COUNTERS 6
/* Days a sweep pools by default: one day's mean wait moves by some 5%
 * with any change of call order (see FIFO with counters reversed). */
#define SWEEP_DAYS 20
/* Single days of the evidence (--evidence): at least 200, over all loads. */
#define EVIDENCE_DAYS 200

struct options {
	uint64_t seed;
	long walkins, bookings, counters, days;
	struct queue_policy policy;
	int late_grace;
	bool long_bookings;
	bool sweep;
	bool evidence;
	bool trace; /* --evidence: each day, and the walk-ins past the bound */
};

static void usage(FILE *out)
{
	(void)fputs("usage: bonomat_sim [--seed N] [--days N] [--walkins N] "
		    "[--bookings N]\n"
		    "                   [--counters N] [--policy MAX_WAIT,"
		    "WALKIN_EVERY,EARLY_WINDOW]\n"
		    "                   [--due | --rules] [--small] "
		    "[--long-bookings]\n"
		    "                   [--sweep | --evidence [--trace]]\n"
		    "Policy values in minutes; default: the daemon's.\n",
		    out);
}

static int parse_long(const char *s, long min, long max, long *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int parse_u64(const char *s, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	if (*s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* "45,3,10", in minutes; the ranges are the config's. */
static int parse_policy(const char *s, struct queue_policy *ret)
{
	char buf[64], *tok[3], *save = NULL;
	long mw, we, ew;
	int n = snprintf(buf, sizeof(buf), "%s", s);

	if (n < 0 || (size_t)n >= sizeof(buf))
		return -EINVAL;
	tok[0] = strtok_r(buf, ",", &save);
	tok[1] = strtok_r(NULL, ",", &save);
	tok[2] = strtok_r(NULL, ",", &save);
	if (!tok[0] || !tok[1] || !tok[2] || strtok_r(NULL, ",", &save) ||
	    parse_long(tok[0], 1, 600, &mw) < 0 ||
	    parse_long(tok[1], 0, 100, &we) < 0 ||
	    parse_long(tok[2], 0, 240, &ew) < 0)
		return -EINVAL;
	ret->max_wait = mw * 60;
	ret->walkin_every = (int)we;
	ret->early_window = ew * 60;
	return 0;
}

/* The daemon's default policy, read from a config that sets none of it,
 * so that the simulator follows when the defaults are tuned. */
static int daemon_defaults(struct queue_policy *ret, int *ret_late_grace)
{
	static const char text[] = "[server]\n"
				   "admin_token = simulator\n"
				   "[service.A]\n"
				   "name = A\n"
				   "[counter.1]\n"
				   "services = A\n"
				   "token = simulator-1\n";
	struct config *c;
	char err[256];
	int r = config_parse(text, sizeof(text) - 1, "simulator", &c, err,
			     sizeof(err));

	if (r < 0) {
		(void)fprintf(stderr, "bonomat_sim: %s\n", err);
		return r;
	}
	ret->kind = c->policy.kind == CFG_POLICY_DUE ? QUEUE_DUE : QUEUE_RULES;
	ret->max_wait = (int64_t)c->policy.max_wait * 60;
	ret->walkin_every = c->policy.walkin_every;
	ret->early_window = (int64_t)c->policy.early_window * 60;
	ret->priority_wait = (int64_t)c->policy.priority_wait * 60;
	ret->booking_window = (int64_t)c->policy.booking_window * 60;
	*ret_late_grace = c->policy.late_grace;
	config_free(c);
	return 0;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	enum {
		OPT_SEED = 256,
		OPT_DAYS,
		OPT_WALKINS,
		OPT_BOOKINGS,
		OPT_COUNTERS,
		OPT_POLICY,
		OPT_SMALL,
		OPT_LONG_BOOKINGS,
		OPT_SWEEP,
		OPT_DUE,
		OPT_RULES,
		OPT_EVIDENCE,
		OPT_TRACE,
		OPT_HELP,
	};
	static const struct option longopts[] = {
		{"seed", required_argument, NULL, OPT_SEED},
		{"days", required_argument, NULL, OPT_DAYS},
		{"walkins", required_argument, NULL, OPT_WALKINS},
		{"bookings", required_argument, NULL, OPT_BOOKINGS},
		{"counters", required_argument, NULL, OPT_COUNTERS},
		{"policy", required_argument, NULL, OPT_POLICY},
		{"small", no_argument, NULL, OPT_SMALL},
		{"long-bookings", no_argument, NULL, OPT_LONG_BOOKINGS},
		{"sweep", no_argument, NULL, OPT_SWEEP},
		{"due", no_argument, NULL, OPT_DUE},
		{"rules", no_argument, NULL, OPT_RULES},
		{"evidence", no_argument, NULL, OPT_EVIDENCE},
		{"trace", no_argument, NULL, OPT_TRACE},
		{"help", no_argument, NULL, OPT_HELP},
		{NULL, 0, NULL, 0},
	};
	long walkins = -1, bookings = -1, counters = -1, days = -1;
	bool small = false;
	int opt;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		int r = 0;
		switch (opt) {
		case OPT_SEED:
			r = parse_u64(optarg, &o->seed);
			break;
		case OPT_DAYS:
			r = parse_long(optarg, 1, 10000, &days);
			break;
		case OPT_WALKINS:
			r = parse_long(optarg, 0, 1000000, &walkins);
			break;
		case OPT_BOOKINGS:
			r = parse_long(optarg, 0, 1000000, &bookings);
			break;
		case OPT_COUNTERS:
			r = parse_long(optarg, 1, 256, &counters);
			break;
		case OPT_POLICY:
			r = parse_policy(optarg, &o->policy);
			break;
		case OPT_SMALL:
			small = true;
			break;
		case OPT_LONG_BOOKINGS:
			o->long_bookings = true;
			break;
		case OPT_SWEEP:
			o->sweep = true;
			break;
		case OPT_DUE:
			o->policy.kind = QUEUE_DUE;
			break;
		case OPT_RULES:
			o->policy.kind = QUEUE_RULES;
			break;
		case OPT_EVIDENCE:
			o->evidence = true;
			break;
		case OPT_TRACE:
			o->trace = true;
			break;
		case OPT_HELP:
			usage(stdout);
			exit(0);
		default:
			return -EINVAL;
		}
		if (r < 0) {
			(void)fprintf(stderr, "bonomat_sim: bad value: %s\n",
				      optarg);
			return r;
		}
	}
	if (optind != argc)
		return -EINVAL;
	if (walkins < 0)
		walkins = small ? SMALL_WALKINS : DEFAULT_WALKINS;
	if (bookings < 0)
		bookings = small ? SMALL_BOOKINGS : DEFAULT_BOOKINGS;
	if (counters < 0)
		counters = small ? SMALL_COUNTERS : DEFAULT_COUNTERS;
	if (days < 0)
		days = o->sweep ? SWEEP_DAYS : o->evidence ? EVIDENCE_DAYS : 1;
	o->walkins = walkins;
	o->bookings = bookings;
	o->counters = counters;
	o->days = days;
	return 0;
}

/* The parameters of the day of seed seed + i. */
static struct day_params day_params_of(const struct options *o, long i)
{
	return (struct day_params){
		.seed = o->seed + (uint64_t)i,
		.walkins = (int)o->walkins,
		.bookings = (int)o->bookings,
		.counters = (int)o->counters,
		.late_grace = o->late_grace,
		.long_bookings = o->long_bookings,
	};
}

/* The days of seeds seed..seed+days-1. */
static int draw_days(const struct options *o, struct day ***ret)
{
	struct day **days = calloc((size_t)o->days, sizeof(*days));

	if (!days)
		return -ENOMEM;
	for (long i = 0; i < o->days; i++) {
		struct day_params p = day_params_of(o, i);
		int r = day_new(&p, &days[i]);
		if (r < 0) {
			if (r == -EINVAL)
				(void)fprintf(stderr,
					      "bonomat_sim: with %ld "
					      "counters a service has none\n",
					      o->counters);
			while (i-- > 0)
				day_free(days[i]);
			free(days);
			return r;
		}
	}
	*ret = days;
	return 0;
}

static void free_days(struct day **days, size_t n)
{
	for (size_t i = 0; days && i < n; i++)
		day_free(days[i]);
	free(days);
}

static const char *policy_name(enum run_policy policy)
{
	switch (policy) {
	case RUN_BONOMAT:
		return "Bonomat";
	case RUN_FIFO:
		return "FIFO";
	case RUN_FIFO_REVERSED:
		break;
	}
	return "FIFO reversed";
}

/* Runs one policy over days, reports on each day (per_day, optional) and
 * on all of them pooled. */
static int run_report(struct day *const *days, size_t n, enum run_policy policy,
		      const struct queue_policy *qp, struct report *per_day,
		      struct report *pooled)
{
	/* Zeroed: a result run_day() did not fill frees as nothing. */
	struct run_result *res = calloc(n, sizeof(*res));
	int r = -ENOMEM;

	if (!res)
		goto out;
	for (size_t i = 0; i < n; i++) {
		r = run_day(days[i], policy, qp, &res[i]);
		if (r < 0) {
			(void)fprintf(stderr, "bonomat_sim: %s run: %s\n",
				      policy_name(policy), strerror(-r));
			goto out;
		}
		if (per_day) {
			r = report_compute(&days[i], &res[i], 1, qp,
					   &per_day[i]);
			if (r < 0)
				goto out;
		}
	}
	r = report_compute(days, res, n, qp, pooled);
out:
	for (size_t i = 0; res && i < n; i++)
		run_result_free(&res[i]);
	free(res);
	return r;
}

/* With several days, one line each before the pooled table. */
static void print_days(struct day *const *days, size_t n,
		       const struct report *b, const struct report *f)
{
	(void)printf("Day by day (Bonomat against FIFO):\n"
		     "      seed  work  mean wait, min    on-time bookings"
		     "  goals\n");
	for (size_t i = 0; i < n; i++) {
		struct report_goals g;
		char missed[GOAL_COUNT + 1];
		size_t m = 0;

		report_goals(&b[i], &f[i], &g);
		for (int k = 0; k < GOAL_COUNT; k++)
			if (!g.ok[k])
				missed[m++] = (char)('1' + k);
		missed[m] = '\0';
		(void)printf(
			"  %8" PRIu64 "  %4.2f  %5.1f vs %5.1f     "
			"%5.1f%% vs %5.1f%%  %s%s\n",
			days[i]->seed, days[i]->load, b[i].wait[RUN_KINDS].mean,
			f[i].wait[RUN_KINDS].mean, 100.0 * b[i].on_time_share,
			100.0 * f[i].on_time_share, m ? "missed " : "all met",
			missed);
	}
	(void)printf("\n");
}

static int simulate_days(const struct options *o)
{
	struct day **days = NULL;
	struct report b, f, fr, *b_day = NULL, *f_day = NULL;
	struct report_goals g;
	size_t n = (size_t)o->days;
	int ret = 2;

	if (draw_days(o, &days) < 0)
		return 2;
	b_day = calloc(n, sizeof(*b_day));
	f_day = calloc(n, sizeof(*f_day));
	if (!b_day || !f_day)
		goto out;
	(void)printf("Bonomat day simulator: %zu day%s, seed %" PRIu64 "\n\n",
		     n, n > 1 ? "s" : "", o->seed);
	report_print_day(stdout, days[0], &o->policy, o->late_grace);
	if (run_report(days, n, RUN_BONOMAT, &o->policy, b_day, &b) < 0 ||
	    run_report(days, n, RUN_FIFO, &o->policy, f_day, &f) < 0 ||
	    run_report(days, n, RUN_FIFO_REVERSED, &o->policy, NULL, &fr) < 0)
		goto out;
	if (n > 1)
		print_days(days, n, b_day, f_day);
	report_print_table(stdout, &b, &f, &fr, &o->policy);
	report_goals(&b, &f, &g);
	report_print_goals(stdout, &g, &o->policy);
	(void)printf("seed %" PRIu64 "\n", o->seed);
	ret = g.failed ? 1 : 0;
out:
	free(b_day);
	free(f_day);
	free_days(days, n);
	return ret;
}

/* --- the sweep ----------------------------------------------------------- */

#define MW_FROM 30
#define MW_TO 60
#define MW_STEP 5
#define WE_FROM 2
#define WE_TO 6
#define EW_FROM 5
#define EW_TO 15
#define N_MW ((MW_TO - MW_FROM) / MW_STEP + 1)
#define N_WE (WE_TO - WE_FROM + 1)
#define N_EW (EW_TO - EW_FROM + 1)

/* One combination of policy values over the days pooled. */
struct cell {
	unsigned missed;  /* bit g: goal g missed */
	size_t days_met;  /* days on which every goal held */
	double on_time;	  /* %, pooled */
	double worst_day; /* %, the worst day's on-time share */
	double mean;	  /* mean wait over FIFO's */
	double walkin;	  /* walk-in mean wait over its limit */
	double max_walkin, bound;
};

/* A small program's results, kept for the grid. */
static struct cell cells[N_MW][N_WE][N_EW];

static void print_grid(void)
{
	(void)printf(
		"Cells: ok, or the goals missed (1 on-time bookings, "
		"2 idle, 3 mean wait,\n"
		"4 walk-ins' share, 5 max walk-in wait, 6 overtakes).\n\n");
	(void)printf("max_wait  walkin_every  early_window:");
	for (int ew = EW_FROM; ew <= EW_TO; ew++)
		(void)printf("%4d", ew);
	(void)printf("\n");
	for (int i = 0; i < N_MW; i++)
		for (int j = 0; j < N_WE; j++) {
			(void)printf("%6d %11d %17s", MW_FROM + i * MW_STEP,
				     WE_FROM + j, "");
			for (int k = 0; k < N_EW; k++) {
				char buf[GOAL_COUNT + 1];
				size_t n = 0;
				unsigned m = cells[i][j][k].missed;

				for (int g = 0; g < GOAL_COUNT && n < 3; g++)
					if (m & 1u << g)
						buf[n++] = (char)('1' + g);
				buf[n] = '\0';
				(void)printf("%4s", m ? buf : "ok");
			}
			(void)printf("\n");
		}
}

/* Which of two passing combinations to recommend: the one that meets
 * every goal on more single days; then the one whose bookings fare better
 * on their worst day; then the lower mean wait. */
static bool better(const struct cell *a, const struct cell *b)
{
	if (a->days_met != b->days_met)
		return a->days_met > b->days_met;
	if (a->worst_day != b->worst_day)
		return a->worst_day > b->worst_day;
	return a->mean < b->mean;
}

/* A passing combination whose neighbours on the grid (one step along
 * each axis) pass too: its pass is no accident of the days drawn. */
static bool robust(int i, int j, int k)
{
	static const int step[6][3] = {{-1, 0, 0}, {1, 0, 0},  {0, -1, 0},
				       {0, 1, 0},  {0, 0, -1}, {0, 0, 1}};

	if (cells[i][j][k].missed)
		return false;
	for (int s = 0; s < 6; s++) {
		int a = i + step[s][0], b = j + step[s][1], c = k + step[s][2];
		if (a < 0 || a >= N_MW || b < 0 || b >= N_WE || c < 0 ||
		    c >= N_EW)
			continue;
		if (cells[a][b][c].missed)
			return false;
	}
	return true;
}

static int sweep_cell(struct day *const *days, size_t n,
		      const struct report *f_day, const struct report *f,
		      const struct queue_policy *qp, struct cell *c)
{
	struct report *b_day = calloc(n, sizeof(*b_day)), b;
	struct report_goals g;
	int r = -ENOMEM;

	if (!b_day)
		return r;
	r = run_report(days, n, RUN_BONOMAT, qp, b_day, &b);
	if (r < 0)
		goto out;
	report_goals(&b, f, &g);
	memset(c, 0, sizeof(*c));
	for (int k = 0; k < GOAL_COUNT; k++)
		if (!g.ok[k])
			c->missed |= 1u << k;
	c->on_time = g.value[GOAL_ON_TIME];
	c->worst_day = 100.0;
	for (size_t i = 0; i < n; i++) {
		struct report_goals gd;
		report_goals(&b_day[i], &f_day[i], &gd);
		if (!gd.failed)
			c->days_met++;
		if (gd.value[GOAL_ON_TIME] < c->worst_day)
			c->worst_day = gd.value[GOAL_ON_TIME];
	}
	c->mean = f->wait[RUN_KINDS].mean > 0 ?
			  b.wait[RUN_KINDS].mean / f->wait[RUN_KINDS].mean :
			  1.0;
	c->walkin = g.limit[GOAL_WALKIN_SHARE] > 0 ?
			    g.value[GOAL_WALKIN_SHARE] /
				    g.limit[GOAL_WALKIN_SHARE] :
			    0;
	c->max_walkin = g.value[GOAL_MAX_WALKIN];
	c->bound = g.limit[GOAL_MAX_WALKIN];
out:
	free(b_day);
	return r;
}

static void print_cell(const char *what, int mw, int we, int ew,
		       const struct cell *c, size_t n)
{
	(void)printf("%s --policy %d,%d,%d: every goal met on %zu of %zu "
		     "days;\n  on-time bookings %.1f%% (worst day %.1f%%), "
		     "mean wait %.3f x FIFO's,\n  walk-in mean %.2f of its "
		     "limit, max walk-in wait %.1f of %.1f min\n",
		     what, mw, we, ew, c->days_met, n, c->on_time, c->worst_day,
		     c->mean, c->walkin, c->max_walkin, c->bound);
}

static int sweep(const struct options *o)
{
	struct day **days = NULL;
	struct report f, *f_day = NULL;
	size_t n = (size_t)o->days, passing = 0, n_robust = 0;
	int ret = 2, best[3] = {-1, -1, -1};

	if (draw_days(o, &days) < 0)
		return 2;
	f_day = calloc(n, sizeof(*f_day));
	if (!f_day || run_report(days, n, RUN_FIFO, &o->policy, f_day, &f) < 0)
		goto out;
	(void)printf("Bonomat day simulator: sweep over %zu days, seeds "
		     "%" PRIu64 "..%" PRIu64 "\n\n",
		     n, o->seed, o->seed + n - 1);
	report_print_day(stdout, days[0], &o->policy, o->late_grace);
	(void)printf("A combination passes when the goals hold over all the "
		     "days' citizens pooled.\n");

	for (int i = 0; i < N_MW; i++)
		for (int j = 0; j < N_WE; j++)
			for (int k = 0; k < N_EW; k++) {
				struct queue_policy qp = {
					.max_wait =
						(MW_FROM + i * MW_STEP) * 60,
					.walkin_every = WE_FROM + j,
					.early_window = (EW_FROM + k) * 60,
				};
				struct cell *c = &cells[i][j][k];

				if (sweep_cell(days, n, f_day, &f, &qp, c) < 0)
					goto out;
				if (!c->missed)
					passing++;
			}
	for (int i = 0; i < N_MW; i++)
		for (int j = 0; j < N_WE; j++)
			for (int k = 0; k < N_EW; k++) {
				if (!robust(i, j, k))
					continue;
				n_robust++;
				if (best[0] < 0 ||
				    better(&cells[i][j][k],
					   &cells[best[0]][best[1]][best[2]])) {
					best[0] = i;
					best[1] = j;
					best[2] = k;
				}
			}
	print_grid();
	(void)printf("\n%zu of %d combinations pass, %zu of them with every "
		     "neighbour on the grid.\n",
		     passing, N_MW * N_WE * N_EW, n_robust);
	{
		struct cell c;
		if (sweep_cell(days, n, f_day, &f, &o->policy, &c) < 0)
			goto out;
		print_cell("Given", (int)(o->policy.max_wait / 60),
			   o->policy.walkin_every,
			   (int)(o->policy.early_window / 60), &c, n);
	}
	if (best[0] >= 0)
		print_cell("Recommended", MW_FROM + best[0] * MW_STEP,
			   WE_FROM + best[1], EW_FROM + best[2],
			   &cells[best[0]][best[1]][best[2]], n);
	(void)printf("seed %" PRIu64 "\n", o->seed);
	ret = 0;
out:
	free(f_day);
	free_days(days, n);
	return ret;
}

/* --- the evidence: both policies over single days of every load -------- */

#define LOAD_FROM 0.60
#define LOAD_TO 1.15
/* Up to this load a day must also keep the walk-in bound, the order
 * within classes and the counters busy. */
#define LOAD_ORDINARY 0.90

enum ev_goal {
	EV_ON_TIME,  /* >= 95% of on-time bookings within 10 min */
	EV_BOUND,    /* walk-ins within max_wait + one service time */
	EV_ORDER,    /* no overtakes within a class */
	EV_IDLE,     /* no counter idle while its ticket waits */
	EV_ESTIMATE, /* >= 80% of estimates within, <= 10% longer */
	EV_COUNT,
};

static const char *const ev_names[EV_COUNT] = {
	"on-time", "bound", "order", "idle", "estimate",
};

static const double bands[] = {0.60, 0.70, 0.80, 0.90, 1.00, 1.16};
#define N_BANDS (sizeof(bands) / sizeof(bands[0]) - 1)
#define N_POLICIES 3 /* today's rules, the rules given, due times */

struct ev_cell {
	size_t days, met[EV_COUNT], all_met;
	double worst_on_time; /* %, the worst day's */
	double worst_over;    /* min, the walk-in furthest past its bound */
	double wait_sum, fifo_sum; /* minutes, everyone of every day */
	size_t wait_n;
	size_t est_n, est_within, est_longer;
	/* The days on which both promises can be kept (oracle.h) and, of
	 * them, those on which every goal held; of the other days, those on
	 * which the booking promise and the walk-in bound were kept. */
	size_t feasible, feasible_met, infeasible_on_time, infeasible_bound;
};

static size_t band_of(double load)
{
	size_t b = 0;
	while (b + 1 < N_BANDS && load >= bands[b + 1])
		b++;
	return b;
}

static bool ordinary(size_t band)
{
	return bands[band + 1] <= LOAD_ORDINARY + 1e-9;
}

/* Which goals one day of one policy meets. */
static void ev_day(const struct report *r, bool *ret)
{
	ret[EV_ON_TIME] = r->on_time_called * 100 >= r->on_time * 95;
	ret[EV_BOUND] = r->worst_walkin <= r->worst_bound;
	ret[EV_ORDER] = r->overtakes_all == 0;
	ret[EV_IDLE] = r->idle_waiting_s == 0;
	ret[EV_ESTIMATE] = r->est_within * 100 >= r->est_n * 80 &&
			   r->est_longer * 100 <= r->est_n * 10;
}

static void ev_add(struct ev_cell *c, const struct report *r,
		   const struct report *fifo, size_t band, bool feasible)
{
	bool met[EV_COUNT], all = true;

	ev_day(r, met);
	c->days++;
	for (int g = 0; g < EV_COUNT; g++) {
		if (met[g])
			c->met[g]++;
		/* The bound, order and idle goals hold up to LOAD_ORDINARY. */
		if (!met[g] &&
		    (g == EV_ON_TIME || g == EV_ESTIMATE || ordinary(band)))
			all = false;
	}
	if (all)
		c->all_met++;
	if (feasible) {
		c->feasible++;
		c->feasible_met += all;
	} else {
		c->infeasible_on_time += met[EV_ON_TIME];
		c->infeasible_bound += met[EV_BOUND];
	}
	if (c->days == 1 || 100.0 * r->on_time_share < c->worst_on_time)
		c->worst_on_time = 100.0 * r->on_time_share;
	if (c->days == 1 || r->worst_walkin - r->worst_bound > c->worst_over)
		c->worst_over = r->worst_walkin - r->worst_bound;
	c->wait_sum += r->wait[RUN_KINDS].mean * (double)r->wait[RUN_KINDS].n;
	c->fifo_sum +=
		fifo->wait[RUN_KINDS].mean * (double)fifo->wait[RUN_KINDS].n;
	c->wait_n += r->wait[RUN_KINDS].n;
	c->est_n += r->est_n;
	c->est_within += r->est_within;
	c->est_longer += r->est_longer;
}

static void ev_merge(struct ev_cell *to, const struct ev_cell *c)
{
	if (!c->days)
		return;
	if (!to->days || c->worst_on_time < to->worst_on_time)
		to->worst_on_time = c->worst_on_time;
	if (!to->days || c->worst_over > to->worst_over)
		to->worst_over = c->worst_over;
	to->days += c->days;
	to->all_met += c->all_met;
	to->feasible += c->feasible;
	to->feasible_met += c->feasible_met;
	to->infeasible_on_time += c->infeasible_on_time;
	to->infeasible_bound += c->infeasible_bound;
	for (int g = 0; g < EV_COUNT; g++)
		to->met[g] += c->met[g];
	to->wait_sum += c->wait_sum;
	to->fifo_sum += c->fifo_sum;
	to->wait_n += c->wait_n;
	to->est_n += c->est_n;
	to->est_within += c->est_within;
	to->est_longer += c->est_longer;
}

static double pct(size_t a, size_t b)
{
	return b ? 100.0 * (double)a / (double)b : 100.0;
}

static void ev_print_row(const char *band, const char *policy,
			 const struct ev_cell *c, bool ord)
{
	(void)printf("%-11s %-21s %4zu", band, policy, c->days);
	for (int g = 0; g < EV_COUNT; g++) {
		if (!ord && (g == EV_BOUND || g == EV_ORDER || g == EV_IDLE))
			(void)printf("  (%3.0f)", pct(c->met[g], c->days));
		else
			(void)printf("  %5.0f", pct(c->met[g], c->days));
	}
	(void)printf("  %5.1f %+7.1f  %5.3f  %4.0f/%-3.0f\n", c->worst_on_time,
		     c->worst_over,
		     c->fifo_sum > 0 ? c->wait_sum / c->fifo_sum : 1.0,
		     pct(c->est_within, c->est_n),
		     pct(c->est_longer, c->est_n));
}

/* The days on which the goals can be kept together at all, and what each
 * policy did on them and on the others. */
static void ev_print_possible(struct ev_cell (*cell)[N_BANDS],
			      const struct ev_cell *total, char (*label)[48],
			      size_t np)
{
	(void)printf("\nThe days on which no call order at all keeps both the "
		     "booking promise and the walk-in\nbound, proved by a "
		     "relaxation that favours the policy (oracle.h: a "
		     "service cut into\npieces, every arrival and service "
		     "time known in advance; the windows pool the\ncounters "
		     "per set of services, the flow keeps each counter's "
		     "services); open: not\nproved impossible, and of those "
		     "the days on which the policy met every goal of its\n"
		     "band; on the impossible days, which promise it "
		     "kept.\n\n");
	(void)printf("%-11s %-21s %4s  %5s  %9s  %10s  %7s  %5s\n", "load",
		     "policy", "days", "open", "all goals", "impossible",
		     "on-time", "bound");
	for (size_t b = 0; b <= N_BANDS; b++) {
		char name[16];
		if (b < N_BANDS)
			(void)snprintf(
				name, sizeof(name), "%.2f-%.2f", bands[b],
				b + 1 == N_BANDS ? LOAD_TO : bands[b + 1]);
		else
			(void)snprintf(name, sizeof(name), "all");
		for (size_t k = 0; k < np; k++) {
			const struct ev_cell *c =
				b < N_BANDS ? &cell[k][b] : &total[k];
			if (!c->days)
				continue;
			(void)printf(
				"%-11s %-21s %4zu  %5zu  %9zu  %10zu  %7zu  "
				"%5zu\n",
				name, label[k], c->days, c->feasible,
				c->feasible_met, c->days - c->feasible,
				c->infeasible_on_time, c->infeasible_bound);
		}
	}
}

/* Draws day i of the evidence: its load set by scaling the citizens of the
 * base day, so that the days spread evenly over LOAD_FROM..LOAD_TO. */
static int ev_draw(const struct options *o, long i, struct day **ret)
{
	double target =
		LOAD_FROM + (LOAD_TO - LOAD_FROM) * (double)i /
				    (double)(o->days > 1 ? o->days - 1 : 1);
	struct day_params p = day_params_of(o, i);
	struct day *d;
	double scale;
	int r = day_new(&p, &d);

	if (r < 0)
		return r;
	scale = d->load > 0 ? target / d->load : 1.0;
	day_free(d);
	p.walkins = (int)((double)o->walkins * scale + 0.5);
	p.bookings = (int)((double)o->bookings * scale + 0.5);
	return day_new(&p, ret);
}

static void hhmm(int64_t t, char *buf, size_t len)
{
	(void)snprintf(buf, len, "%02d:%02d:%02d", (int)(t / 3600),
		       (int)(t / 60 % 60), (int)(t % 60));
}

static void services_of(const struct day *d, uint64_t set, char *buf)
{
	size_t n = 0;

	for (size_t s = 0; s < d->n_services; s++)
		if (set & (UINT64_C(1) << s))
			buf[n++] = d->services[s].id[0];
	buf[n] = '\0';
}

/* --trace: the walk-ins of one day past the bound, and what the counters
 * that serve their service called from their due time until their call. */
static void ev_trace(long i, const struct day *d, const char *label,
		     const struct run_result *res, const struct report *rep,
		     int64_t max_wait)
{
	static const char kind[] = "WPB"; /* enum ticket_kind */
	int64_t longest = 0;

	for (size_t j = 0; j < d->n; j++)
		if (d->c[j].service_s > longest)
			longest = d->c[j].service_s;
	(void)printf("day %ld seed %" PRIu64 " load %.3f %s: on-time %.1f%%, "
		     "worst walk-in %.1f of %.1f min\n",
		     i, d->seed, d->load, label, 100.0 * rep->on_time_share,
		     rep->worst_walkin, rep->worst_bound);
	for (size_t j = 0; j < d->n; j++) {
		const struct citizen *c = &d->c[j];
		const struct run_call *cj = &res->call[j];
		uint64_t bit = UINT64_C(1) << c->service;
		int64_t due = c->arrival + max_wait + longest;
		char a[16], b[16], set[16];

		if (c->kind != TICKET_WALK_IN || cj->called_at <= due)
			continue;
		hhmm(c->arrival, a, sizeof(a));
		hhmm(cj->called_at, b, sizeof(b));
		(void)printf("  walk-in %zu of %s arrived %s called %s at "
			     "counter %d, %.1f min past the bound\n",
			     j, d->services[c->service].id, a, b, cj->counter,
			     (double)(cj->called_at - due) / 60);
		for (size_t k = 0; k < d->n; k++) {
			const struct citizen *u = &d->c[k];
			const struct run_call *ck = &res->call[k];
			uint64_t cs = d->counter_services[ck->counter];
			if (!(cs & bit) ||
			    ck->called_at < c->arrival + max_wait ||
			    ck->called_at > cj->called_at)
				continue;
			hhmm(ck->called_at, a, sizeof(a));
			services_of(d, cs, set);
			(void)printf(
				"    %s c%-2d %-6s %c%s %-17s waited %5.1f", a,
				ck->counter, set, kind[u->kind],
				d->services[u->service].id,
				call_reason_name(ck->reason),
				(double)(ck->called_at - u->arrival) / 60);
			if (u->kind == TICKET_APPOINTMENT)
				(void)printf(" slot %+5.1f",
					     (double)(ck->called_at -
						      u->slot_start) /
						     60);
			(void)printf(" took %4.1f\n",
				     (double)u->service_s / 60);
		}
	}
}

/* Today's rules, the policy the due times are to be judged against. */
static const struct queue_policy today = {
	.kind = QUEUE_RULES,
	.max_wait = 45 * 60,
	.walkin_every = 3,
	.early_window = 10 * 60,
};

/* Pooled over every day: one day's mean wait moves by some 5% with any
 * change of call order, FIFO against FIFO included. */
static bool mean_wait_ok(const struct ev_cell *total)
{
	return total->wait_sum <= 1.02 * total->fifo_sum;
}

/* Whether u is at least as good as r on every goal that applies in every
 * band, and on the mean wait pooled over all days (ut, rt): within 1.02 x
 * FIFO's, or no worse than r's. */
static bool at_least_as_good(const struct ev_cell *u, const struct ev_cell *r,
			     const struct ev_cell *ut, const struct ev_cell *rt)
{
	for (size_t b = 0; b < N_BANDS; b++)
		for (int g = 0; g < EV_COUNT; g++) {
			bool applies = g == EV_ON_TIME || g == EV_ESTIMATE ||
				       ordinary(b);
			if (applies && u[b].met[g] < r[b].met[g])
				return false;
		}
	return mean_wait_ok(ut) ||
	       ut->wait_sum * rt->fifo_sum <= rt->wait_sum * ut->fifo_sum;
}

static bool better_promise(const struct ev_cell *u, const struct ev_cell *r)
{
	return u->met[EV_ON_TIME] > r->met[EV_ON_TIME] ||
	       (u->met[EV_ON_TIME] == r->met[EV_ON_TIME] &&
		u->worst_on_time > r->worst_on_time);
}

/* What docs/DESIGN.md claims of the due policy at every load: on every
 * day the booking promise, the order within classes and no idle counter;
 * per band the estimates (>= 80% within, <= 10% longer). */
static bool due_claims(const struct ev_cell *c)
{
	for (size_t b = 0; b < N_BANDS; b++) {
		if (!c[b].days)
			continue;
		if (c[b].met[EV_ON_TIME] != c[b].days ||
		    c[b].met[EV_ORDER] != c[b].days ||
		    c[b].met[EV_IDLE] != c[b].days ||
		    c[b].est_within * 100 < c[b].est_n * 80 ||
		    c[b].est_longer * 100 > c[b].est_n * 10)
			return false;
	}
	return true;
}

static int evidence(const struct options *o)
{
	/* Today's rules; the rules with the values given (when they differ
	 * from today's); the due times with the values given. */
	struct queue_policy qp[N_POLICIES];
	static struct ev_cell cell[N_POLICIES][N_BANDS];
	struct ev_cell total[N_POLICIES];
	char label[N_POLICIES][48];
	size_t np = 0, due, def;
	bool ok = true, claims;

	memset(cell, 0, sizeof(cell));
	memset(total, 0, sizeof(total));
	qp[np++] = today;
	qp[np] = o->policy;
	qp[np].kind = QUEUE_RULES;
	if (qp[np].max_wait != today.max_wait ||
	    qp[np].walkin_every != today.walkin_every ||
	    qp[np].early_window != today.early_window)
		np++;
	def = o->policy.kind == QUEUE_DUE ? np : np - 1;
	qp[np] = o->policy;
	qp[np].kind = QUEUE_DUE;
	due = np++;
	for (size_t k = 0; k < np; k++)
		report_policy_label(&qp[k], label[k], sizeof(label[k]));
	(void)snprintf(label[0] + strlen(label[0]),
		       sizeof(label[0]) - strlen(label[0]), " (today)");

	for (long i = 0; i < o->days; i++) {
		struct day *d;
		struct run_result res;
		struct report fifo, rep;
		struct oracle_result orc;
		size_t band;

		if (ev_draw(o, i, &d) < 0)
			return 2;
		band = band_of(d->load);
		if (oracle_check(d, today.max_wait, &orc) < 0)
			goto fail;
		if (run_report(&d, 1, RUN_FIFO, &qp[0], NULL, &fifo) < 0)
			goto fail;
		for (size_t k = 0; k < np; k++) {
			if (run_day(d, RUN_BONOMAT, &qp[k], &res) < 0)
				goto fail;
			if (report_compute(&d, &res, 1, &qp[k], &rep) < 0) {
				run_result_free(&res);
				goto fail;
			}
			if (o->trace)
				(void)printf("summary day %ld load %.3f %-22s "
					     "on-time %5.1f%% (%zu of %zu) "
					     "over %+6.1f\n",
					     i, d->load, label[k],
					     100.0 * rep.on_time_share,
					     rep.on_time - rep.on_time_called,
					     rep.on_time,
					     rep.worst_walkin -
						     rep.worst_bound);
			if (o->trace && ordinary(band) &&
			    rep.worst_walkin > rep.worst_bound)
				ev_trace(i, d, label[k], &res, &rep,
					 qp[k].max_wait);
			run_result_free(&res);
			ev_add(&cell[k][band], &rep, &fifo, band, orc.feasible);
		}
		day_free(d);
		continue;
fail:
		day_free(d);
		return 2;
	}

	(void)printf("Bonomat day simulator: the policies over %ld single "
		     "days, seeds %" PRIu64 "..%" PRIu64 ",\n"
		     "loads %.2f-%.2f; %ld counters, the citizens of %ld "
		     "walk-ins and %ld bookings scaled to each day's load.\n"
		     "Share of days (%%) on which each goal holds: on-time "
		     "bookings >= 95%% within 10 min;\nwalk-ins within "
		     "max_wait + one service time; no overtakes within a "
		     "class; no counter\nidle while its ticket waits; kiosk "
		     "estimates >= 80%% within max(5 min, 30%%), <= 10%% "
		     "longer.\nIn parentheses: not a goal above load %.2f. "
		     "Worst day: its on-time share (%%) and the\nwalk-in "
		     "furthest past the bound (min). Mean wait pooled over "
		     "FIFO's on the same\ncitizens (the goal, <= 1.02, on all "
		     "days pooled); estimates pooled: within, longer (%%).\n\n",
		     o->days, o->seed, o->seed + (uint64_t)o->days - 1,
		     LOAD_FROM, LOAD_TO, o->counters, o->walkins, o->bookings,
		     LOAD_ORDINARY);
	(void)printf("%-11s %-21s %4s", "load", "policy", "days");
	for (int g = 0; g < EV_COUNT; g++)
		(void)printf("  %5s", ev_names[g]);
	(void)printf("  %5s %7s  %5s  %s\n", "worst", "over", "mean", "est");
	for (size_t b = 0; b < N_BANDS; b++) {
		char name[16];
		(void)snprintf(name, sizeof(name), "%.2f-%.2f", bands[b],
			       b + 1 == N_BANDS ? LOAD_TO : bands[b + 1]);
		for (size_t k = 0; k < np; k++) {
			const struct ev_cell *c = &cell[k][b];
			if (!c->days)
				continue;
			ev_print_row(name, label[k], c, ordinary(b));
			ev_merge(&total[k], c);
			if (k == def && c->all_met != c->days)
				ok = false;
		}
	}
	for (size_t k = 0; k < np; k++)
		ev_print_row("all", label[k], &total[k], false);
	if (!mean_wait_ok(&total[def]))
		ok = false;
	ev_print_possible(cell, total, label, np);

	(void)printf("\n");
	for (size_t k = 0; k < due; k++)
		(void)printf("%s against %s: %s on every goal in every "
			     "band,\n  %s on the booking promise.\n",
			     label[due], label[k],
			     at_least_as_good(cell[due], cell[k], &total[due],
					      &total[k]) ?
				     "at least as good" :
				     "not as good",
			     better_promise(&total[due], &total[k]) ?
				     "better" :
				     "not better");
	(void)printf("The default, %s, %s.\n", label[def],
		     ok ? "meets every goal on every day" :
			  "misses a goal on some day");
	claims = due_claims(cell[due]) && mean_wait_ok(&total[due]);
	(void)printf("The due policy's claims (docs/DESIGN.md: every day "
		     "its bookings on time, no overtakes,\n  no idle "
		     "counter; per band the estimates; the mean wait) %s.\n",
		     claims ? "hold" : "DO NOT HOLD");
	(void)printf("seed %" PRIu64 "\n", o->seed);
	/* A run fails when the due policy breaks its claims, or when it is
	 * the default and misses any goal. */
	return claims && (def != due || ok) ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct options o = {.seed = 1};

	if (daemon_defaults(&o.policy, &o.late_grace) < 0)
		return 2;
	if (parse_options(argc, argv, &o) < 0) {
		usage(stderr);
		return 2;
	}
	if (o.evidence)
		return evidence(&o);
	return o.sweep ? sweep(&o) : simulate_days(&o);
}
