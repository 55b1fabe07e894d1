/* The fairness figures of a simulated day, the goals of issue 4 and the
 * tables that show them. */
#ifndef BONOMAT_SIM_REPORT_H
#define BONOMAT_SIM_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "day.h"
#include "queue.h"
#include "run.h"

/* Waits in minutes; row RUN_KINDS is everyone. */
struct report_wait {
	size_t n;
	double mean, p90, max;
};

struct report {
	struct report_wait wait[RUN_KINDS + 1];
	/* Bookings checked in by their slot start, and those of them called
	 * within 10 minutes of it; minutes after the start they were called
	 * (0 when before). */
	size_t on_time, on_time_called;
	double on_time_share;
	struct report_wait after_slot;
	int64_t idle_waiting_s;
	size_t overtakes[RUN_KINDS], overtakes_all;
	size_t passed_starved;
	size_t calls[RUN_REASONS];
	double utilisation; /* of the counters while open */
	int64_t last_finish;
	size_t waiting_at_close;
	/* The starvation bound, max_wait + the day's longest service: the
	 * walk-in that came closest to it (or went furthest past it), and
	 * how many went past max_wait + their own service's mean. */
	double worst_walkin, worst_bound;
	size_t over_mean;
	double worst_over_mean;
	/* The kiosk's estimates against the real waits: within max(5 min,
	 * 30%) of the estimate, or longer than that. */
	size_t est_n, est_within, est_longer;
	/* The worst lateness per kind, minutes: bookings after their slot
	 * start, the others past their due time (max_wait, priority_wait). */
	double worst_late[RUN_KINDS];
	size_t days;
};

/* Whether a real wait of w minutes is within max(5 min, 30%) of the
 * estimate est, or longer than that (docs/DESIGN.md, "Estimates"). */
bool report_estimate_within(double w, int est);
bool report_estimate_longer(double w, int est);

enum report_goal {
	GOAL_ON_TIME,
	GOAL_NO_IDLE,
	GOAL_MEAN_WAIT,
	GOAL_WALKIN_SHARE,
	GOAL_MAX_WALKIN,
	GOAL_NO_OVERTAKES,
	GOAL_COUNT,
};

struct report_goals {
	bool ok[GOAL_COUNT];
	double value[GOAL_COUNT], limit[GOAL_COUNT];
	int passed, failed;
};

/* The figures of one or more days under one policy, everyone of every day
 * pooled: means and shares over all citizens, maxima over all days. */
int report_compute(struct day *const *d, const struct run_result *r,
		   size_t n_days, const struct queue_policy *qp,
		   struct report *ret);
/* Bonomat's figures b against FIFO's f. */
void report_goals(const struct report *b, const struct report *f,
		  struct report_goals *ret);
const char *report_goal_name(enum report_goal g);

/* "rules 45/3/10" or "due 45/15/10": the policy and its values. */
void report_policy_label(const struct queue_policy *qp, char *buf, size_t len);
void report_print_day(FILE *out, const struct day *d,
		      const struct queue_policy *qp, int late_grace);
/* Bonomat's figures b, FIFO's f, and FIFO's with the counters in reverse
 * order fr: the noise against which the mean waits compare. */
void report_print_table(FILE *out, const struct report *b,
			const struct report *f, const struct report *fr,
			const struct queue_policy *qp);
void report_print_goals(FILE *out, const struct report_goals *g,
			const struct queue_policy *qp);

#endif
