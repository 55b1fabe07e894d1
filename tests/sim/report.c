#include "report.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define MIN 60.0
/* On-time bookings are to be called within this of their slot start. */
#define ON_TIME_WINDOW (10 * 60)

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Sorts v and sums it up; the 90th percentile is the nearest rank. */
static void summarize(double *v, size_t n, struct report_wait *ret)
{
	double sum = 0;

	memset(ret, 0, sizeof(*ret));
	ret->n = n;
	if (!n)
		return;
	qsort(v, n, sizeof(*v), by_value);
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	ret->mean = sum / (double)n;
	ret->p90 = v[(n * 9 + 9) / 10 - 1];
	ret->max = v[n - 1];
}

static double estimate_tolerance(int est)
{
	double t = 0.3 * est;
	return t > 5.0 ? t : 5.0;
}

bool report_estimate_within(double w, int est)
{
	double d = w - est;
	return (d < 0 ? -d : d) <= estimate_tolerance(est);
}

bool report_estimate_longer(double w, int est)
{
	return w > est + estimate_tolerance(est);
}

/* One day's citizens into the pooled figures. */
/* v[kind], v[RUN_KINDS] (everyone) and v[RUN_KINDS + 1] (on-time bookings'
 * minutes after their slot start) get the day's figures appended. */
static void add_day(const struct day *d, const struct run_result *r,
		    const struct queue_policy *qp, double **v, size_t *n,
		    struct report *ret)
{
	int64_t longest = 0;
	double bound;

	for (size_t i = 0; i < d->n; i++)
		if (d->c[i].service_s > longest)
			longest = d->c[i].service_s;
	bound = (double)(qp->max_wait + longest) / MIN;

	for (size_t i = 0; i < d->n; i++) {
		const struct citizen *c = &d->c[i];
		const struct run_call *call = &r->call[i];
		double w = (double)(call->called_at - c->arrival) / MIN;

		v[c->kind][n[c->kind]++] = w;
		v[RUN_KINDS][n[RUN_KINDS]++] = w;
		if (call->estimate_min >= 0) {
			ret->est_n++;
			if (report_estimate_within(w, call->estimate_min))
				ret->est_within++;
			if (report_estimate_longer(w, call->estimate_min))
				ret->est_longer++;
		}
		{
			double late;
			if (c->kind == TICKET_APPOINTMENT)
				late = (double)(call->called_at -
						c->slot_start) /
				       MIN;
			else
				late = w - (double)(c->kind == TICKET_PRIORITY ?
							    qp->priority_wait :
							    qp->max_wait) /
						   MIN;
			if (late > ret->worst_late[c->kind])
				ret->worst_late[c->kind] = late;
		}
		if (c->kind == TICKET_APPOINTMENT &&
		    c->arrival <= c->slot_start) {
			int64_t late = call->called_at - c->slot_start;
			ret->on_time++;
			if (late <= ON_TIME_WINDOW)
				ret->on_time_called++;
			v[RUN_KINDS + 1][n[RUN_KINDS + 1]++] =
				late > 0 ? (double)late / MIN : 0;
		}
		if (c->kind == TICKET_WALK_IN) {
			double over = w - ((double)qp->max_wait / MIN +
					   d->services[c->service].minutes);
			if (over > 0)
				ret->over_mean++;
			if (over > ret->worst_over_mean)
				ret->worst_over_mean = over;
			if (ret->worst_bound == 0 ||
			    w - bound > ret->worst_walkin - ret->worst_bound) {
				ret->worst_walkin = w;
				ret->worst_bound = bound;
			}
		}
	}

	ret->idle_waiting_s += r->idle_waiting_s;
	for (int k = 0; k < RUN_KINDS; k++) {
		ret->overtakes[k] += r->overtakes[k];
		ret->overtakes_all += r->overtakes[k];
	}
	ret->passed_starved += r->passed_starved;
	for (int k = 0; k < RUN_REASONS; k++)
		ret->calls[k] += r->calls[k];
	ret->utilisation += (double)r->busy_s / ((double)d->n_counters *
						 (double)(d->close - d->open));
	if (r->last_finish > ret->last_finish)
		ret->last_finish = r->last_finish;
	ret->waiting_at_close += r->waiting_at_close;
}

int report_compute(struct day *const *d, const struct run_result *r,
		   size_t n_days, const struct queue_policy *qp,
		   struct report *ret)
{
	double *v[RUN_KINDS + 2] = {NULL}; /* per kind, all, on-time */
	size_t n[RUN_KINDS + 2] = {0}, total = 0;
	int err = -ENOMEM;

	memset(ret, 0, sizeof(*ret));
	for (size_t day = 0; day < n_days; day++)
		total += d[day]->n;
	for (int k = 0; k < RUN_KINDS + 2; k++) {
		v[k] = calloc(total + 1, sizeof(double));
		if (!v[k])
			goto out;
	}

	for (size_t day = 0; day < n_days; day++)
		add_day(d[day], &r[day], qp, v, n, ret);

	for (int k = 0; k <= RUN_KINDS; k++)
		summarize(v[k], n[k], &ret->wait[k]);
	summarize(v[RUN_KINDS + 1], n[RUN_KINDS + 1], &ret->after_slot);
	ret->on_time_share = ret->on_time ? (double)ret->on_time_called /
						    (double)ret->on_time :
					    1.0;
	ret->utilisation /= (double)(n_days ? n_days : 1);
	ret->days = n_days;
	err = 0;
out:
	for (int k = 0; k < RUN_KINDS + 2; k++)
		free(v[k]);
	return err;
}

static const char *const goal_names[] = {
	[GOAL_ON_TIME] = "on-time bookings called within 10 min of slot "
			 "start >= 95%",
	[GOAL_NO_IDLE] = "no counter idle while a ticket it serves waits",
	[GOAL_MEAN_WAIT] = "mean wait of all citizens <= 1.02 x FIFO's",
	[GOAL_WALKIN_SHARE] = "walk-in mean wait <= 1.05 x FIFO's mean x "
			      "all / walk-ins",
	[GOAL_MAX_WALKIN] = "max walk-in wait <= max_wait + one service "
			    "time (the longest)",
	[GOAL_NO_OVERTAKES] = "no overtakes within a class",
};

const char *report_goal_name(enum report_goal g)
{
	return g < GOAL_COUNT ? goal_names[g] : "?";
}

void report_goals(const struct report *b, const struct report *f,
		  struct report_goals *ret)
{
	const struct report_wait *walkin = &b->wait[TICKET_WALK_IN];
	const struct report_wait *fifo_all = &f->wait[RUN_KINDS];

	memset(ret, 0, sizeof(*ret));
	ret->value[GOAL_ON_TIME] = 100.0 * b->on_time_share;
	ret->limit[GOAL_ON_TIME] = 95.0;
	ret->ok[GOAL_ON_TIME] = b->on_time_called * 100 >= b->on_time * 95;

	ret->value[GOAL_NO_IDLE] = (double)b->idle_waiting_s;
	ret->ok[GOAL_NO_IDLE] = b->idle_waiting_s == 0;

	ret->value[GOAL_MEAN_WAIT] = b->wait[RUN_KINDS].mean;
	ret->limit[GOAL_MEAN_WAIT] = 1.02 * fifo_all->mean;

	/* Walk-ins may carry at most the waiting that FIFO gives everyone
	 * (5% slack): their mean times their number against FIFO's whole. */
	ret->value[GOAL_WALKIN_SHARE] = walkin->mean;
	ret->limit[GOAL_WALKIN_SHARE] =
		walkin->n ? 1.05 * fifo_all->mean * (double)fifo_all->n /
				    (double)walkin->n :
			    0;

	ret->value[GOAL_MAX_WALKIN] = b->worst_walkin;
	ret->limit[GOAL_MAX_WALKIN] = b->worst_bound;

	ret->value[GOAL_NO_OVERTAKES] = (double)b->overtakes_all;
	ret->ok[GOAL_NO_OVERTAKES] = b->overtakes_all == 0;

	ret->ok[GOAL_MEAN_WAIT] =
		ret->value[GOAL_MEAN_WAIT] <= ret->limit[GOAL_MEAN_WAIT];
	ret->ok[GOAL_WALKIN_SHARE] =
		ret->value[GOAL_WALKIN_SHARE] <= ret->limit[GOAL_WALKIN_SHARE];
	ret->ok[GOAL_MAX_WALKIN] =
		ret->value[GOAL_MAX_WALKIN] <= ret->limit[GOAL_MAX_WALKIN];
	for (int g = 0; g < GOAL_COUNT; g++) {
		if (ret->ok[g])
			ret->passed++;
		else
			ret->failed++;
	}
}

/* --- printing ------------------------------------------------------------ */

static const char *clock_of(int64_t t, char *buf, size_t len)
{
	(void)snprintf(buf, len, "%02d:%02d", (int)(t / 3600),
		       (int)(t / 60 % 60));
	return buf;
}

/* One line of the side-by-side table; cells are formatted by the caller. */
static void row(FILE *out, const char *label, const char *b, const char *f)
{
	char line[160];
	int n = snprintf(line, sizeof(line), "%-40s%-20s%s", label, b, f);

	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = (int)sizeof(line) - 1;
	while (n > 0 && line[n - 1] == ' ')
		n--;
	(void)fprintf(out, "%.*s\n", n, line);
}

void report_print_day(FILE *out, const struct day *d,
		      const struct queue_policy *qp, int late_grace)
{
	char open[8], close[8], cutoff[8];

	(void)fprintf(out,
		      "Day: open %s-%s, walk-in tickets until %s; %zu "
		      "counters, %zu services.\n",
		      clock_of(d->open, open, sizeof(open)),
		      clock_of(d->close, close, sizeof(close)),
		      clock_of(d->cutoff, cutoff, sizeof(cutoff)),
		      d->n_counters, d->n_services);
	(void)fprintf(
		out,
		"Walk-ins %zu + priority %zu; bookings %zu: %zu no-shows, "
		"%zu by the slot start,\n  %zu within the %d-min grace, "
		"%zu late (walk-in tickets), %zu after closing.\n",
		d->walkins, d->priority, d->bookings, d->no_shows, d->on_time,
		d->in_grace, late_grace, d->late, d->too_late);
	(void)fprintf(out,
		      "Work asked: %.2f of the counters' time while open; "
		      "service times log-normal.\n",
		      d->load);
	(void)fprintf(out, "  service          mean  counters   work\n");
	for (size_t s = 0; s < d->n_services; s++) {
		size_t counters = 0;
		for (size_t k = 0; k < d->n_counters; k++)
			if (d->counter_services[k] & UINT64_C(1) << s)
				counters++;
		(void)fprintf(out, "  %-2s %-10s %3.0f min  %8zu  %5.1f h\n",
			      d->services[s].id, d->services[s].name,
			      d->services[s].minutes, counters,
			      d->work_s[s] / 3600.0);
	}
	if (qp->kind == QUEUE_DUE)
		(void)fprintf(out,
			      "Policy: due times; max_wait %" PRId64
			      " min, priority_wait %" PRId64
			      " min, booking_window %" PRId64
			      " min, early_window %" PRId64 " min.\n\n",
			      qp->max_wait / 60, qp->priority_wait / 60,
			      qp->booking_window / 60, qp->early_window / 60);
	else
		(void)fprintf(out,
			      "Policy: the six rules; max_wait %" PRId64
			      " min, walkin_every %d, early_window %" PRId64
			      " min.\n\n",
			      qp->max_wait / 60, qp->walkin_every,
			      qp->early_window / 60);
}

void report_policy_label(const struct queue_policy *qp, char *buf, size_t len)
{
	if (qp->kind == QUEUE_DUE)
		(void)snprintf(buf, len, "due %d/%d/%d",
			       (int)(qp->max_wait / 60),
			       (int)(qp->priority_wait / 60),
			       (int)(qp->booking_window / 60));
	else
		(void)snprintf(buf, len, "rules %d/%d/%d",
			       (int)(qp->max_wait / 60), qp->walkin_every,
			       (int)(qp->early_window / 60));
}

static void wait_cell(const struct report_wait *w, char *buf, size_t len)
{
	(void)snprintf(buf, len, "%5.1f %5.1f %5.1f", w->mean, w->p90, w->max);
}

static void share_row(FILE *out, const char *label, double b, double f)
{
	char cb[32], cf[32];

	(void)snprintf(cb, sizeof(cb), "%5.1f%%", 100.0 * b);
	(void)snprintf(cf, sizeof(cf), "%5.1f%%", 100.0 * f);
	row(out, label, cb, cf);
}

static void count_row(FILE *out, const char *label, size_t b, size_t f)
{
	char cb[32], cf[32];

	(void)snprintf(cb, sizeof(cb), "%5zu", b);
	(void)snprintf(cf, sizeof(cf), "%5zu", f);
	row(out, label, cb, cf);
}

void report_print_table(FILE *out, const struct report *b,
			const struct report *f, const struct report *fr,
			const struct queue_policy *qp)
{
	static const char *const kinds[] = {"walk-in", "priority",
					    "appointment", "all"};
	char label[64], cb[64], cf[64], t1[8], t2[8];

	(void)snprintf(cb, sizeof(cb), "Bonomat ");
	report_policy_label(qp, cb + 8, sizeof(cb) - 8);
	row(out, "", cb, "FIFO by arrival");
	row(out, "Wait, minutes", " mean   p90   max", " mean   p90   max");
	for (int k = 0; k <= RUN_KINDS; k++) {
		(void)snprintf(label, sizeof(label), "  %-12s (n %6zu)",
			       kinds[k], b->wait[k].n);
		wait_cell(&b->wait[k], cb, sizeof(cb));
		wait_cell(&f->wait[k], cf, sizeof(cf));
		row(out, label, cb, cf);
	}
	(void)snprintf(cf, sizeof(cf), "%5.1f (%.3f x FIFO's)",
		       fr->wait[RUN_KINDS].mean,
		       f->wait[RUN_KINDS].mean > 0 ?
			       fr->wait[RUN_KINDS].mean /
				       f->wait[RUN_KINDS].mean :
			       1.0);
	row(out, "  all, FIFO with counters reversed", "", cf);

	(void)snprintf(label, sizeof(label), "On-time bookings (n %zu)",
		       b->on_time);
	row(out, label, "", "");
	share_row(out, "  called by 10 min after slot start", b->on_time_share,
		  f->on_time_share);
	(void)snprintf(cb, sizeof(cb), "%5.1f %5.1f", b->after_slot.p90,
		       b->after_slot.max);
	(void)snprintf(cf, sizeof(cf), "%5.1f %5.1f", f->after_slot.p90,
		       f->after_slot.max);
	row(out, "  min after slot start, p90 max", cb, cf);

	count_row(out, "Counter idle while its ticket waits, s",
		  (size_t)b->idle_waiting_s, (size_t)f->idle_waiting_s);
	count_row(out, "Overtakes within a class: walk-in",
		  b->overtakes[TICKET_WALK_IN], f->overtakes[TICKET_WALK_IN]);
	count_row(out, "  priority", b->overtakes[TICKET_PRIORITY],
		  f->overtakes[TICKET_PRIORITY]);
	count_row(out, "  appointment (an earlier slot waits)",
		  b->overtakes[TICKET_APPOINTMENT],
		  f->overtakes[TICKET_APPOINTMENT]);
	count_row(out, "Calls passing over a starved ticket", b->passed_starved,
		  f->passed_starved);

	row(out, "Max walk-in wait, min", "", "");
	(void)snprintf(cb, sizeof(cb), "%5.1f of %.1f", b->worst_walkin,
		       b->worst_bound);
	(void)snprintf(cf, sizeof(cf), "%5.1f of %.1f", f->worst_walkin,
		       f->worst_bound);
	row(out, "  closest to max_wait + longest service", cb, cf);
	(void)snprintf(cb, sizeof(cb), "%5zu, worst +%.1f", b->over_mean,
		       b->worst_over_mean);
	(void)snprintf(cf, sizeof(cf), "%5zu, worst +%.1f", f->over_mean,
		       f->worst_over_mean);
	row(out, "  past max_wait + own service mean", cb, cf);

	share_row(out, "Counters busy while open", b->utilisation,
		  f->utilisation);
	count_row(out, "Waiting at closing", b->waiting_at_close,
		  f->waiting_at_close);
	(void)snprintf(cb, sizeof(cb), "%s",
		       clock_of(b->last_finish, t1, sizeof(t1)));
	(void)snprintf(cf, sizeof(cf), "%s",
		       clock_of(f->last_finish, t2, sizeof(t2)));
	row(out, "Last citizen leaves", cb, cf);

	(void)snprintf(
		cb, sizeof(cb), "%5.1f%% %5.1f%%",
		b->est_n ? 100.0 * (double)b->est_within / (double)b->est_n :
			   100.0,
		b->est_n ? 100.0 * (double)b->est_longer / (double)b->est_n :
			   0.0);
	row(out, "Kiosk estimates within, longer", cb, "");
	(void)snprintf(cb, sizeof(cb), "%5.1f %5.1f %5.1f",
		       b->worst_late[TICKET_WALK_IN],
		       b->worst_late[TICKET_PRIORITY],
		       b->worst_late[TICKET_APPOINTMENT]);
	row(out, "Worst lateness, min: walk-in, prio, appt", cb, "");
	row(out, "Calls per rule", "", "(by arrival)");
	for (int reason = REASON_STARVATION_GUARD; reason < RUN_REASONS;
	     reason++) {
		(void)snprintf(label, sizeof(label), "  %s",
			       call_reason_name((enum call_reason)reason));
		(void)snprintf(cb, sizeof(cb), "%5zu", b->calls[reason]);
		row(out, label, cb, "");
	}
	(void)fputc('\n', out);
}

void report_print_goals(FILE *out, const struct report_goals *g,
			const struct queue_policy *qp)
{
	char label[48];

	report_policy_label(qp, label, sizeof(label));
	(void)fprintf(out,
		      "Goals (Bonomat %s against FIFO, the same citizens):\n",
		      label);
	for (int i = 0; i < GOAL_COUNT; i++) {
		const char *mark = g->ok[i] ? "PASS" : "FAIL";

		switch (i) {
		case GOAL_ON_TIME:
			(void)fprintf(out, "  %s  %s: %.1f%%\n", mark,
				      goal_names[i], g->value[i]);
			break;
		case GOAL_NO_IDLE:
			(void)fprintf(out, "  %s  %s: %.0f s\n", mark,
				      goal_names[i], g->value[i]);
			break;
		case GOAL_NO_OVERTAKES:
			(void)fprintf(out, "  %s  %s: %.0f\n", mark,
				      goal_names[i], g->value[i]);
			break;
		default:
			(void)fprintf(out, "  %s  %s: %.2f <= %.2f min\n", mark,
				      goal_names[i], g->value[i], g->limit[i]);
			break;
		}
	}
	(void)fprintf(out, "%d passed, %d failed\n", g->passed, g->failed);
}
