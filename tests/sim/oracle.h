/* Whether a day's two promises can be kept together at all, by any call
 * order. The test is a relaxation that favours the policy: the counters are
 * pooled (each serves every service), a citizen's service may be cut into
 * pieces and spread over counters, and the order knows every arrival and
 * service time in advance. When even that cannot keep both promises, no
 * real policy can, and the day is a choice between them, not a fault of
 * the policy. */
#ifndef BONOMAT_SIM_ORACLE_H
#define BONOMAT_SIM_ORACLE_H

#include <stdbool.h>
#include <stdint.h>

#include "day.h"

/* On-time bookings are to be called within this of their slot start. */
#define ORACLE_ON_TIME_WINDOW (10 * 60)

struct oracle_result {
	bool feasible; /* false: proved impossible, true: not proved */
	/* When not feasible by a window: the window that proves it, the
	 * service time that must be done in it against what the counters can
	 * do. */
	int64_t from, to;
	double demand_s, capacity_s;
	/* Not feasible by the flow (below) though every window fits: the
	 * service time the counters can do by the deadlines at most, against
	 * what is asked of them. */
	bool by_flow;
	double flow_s, work_s;
};

/* The grid of the flow test, seconds: arrivals are rounded down to it and
 * deadlines up, so that it favours the policy too. */
#define ORACLE_GRID 60

/*
 * The goals of issue 11: at least 95% of the bookings checked in by their
 * slot start called within ORACLE_ON_TIME_WINDOW of it, and every walk-in
 * called within max_wait plus the day's longest service. A citizen with a
 * deadline to be called by must have been served by that deadline plus
 * their service time. For every window [a, b], the service time of the
 * citizens who arrive at or after a and must be served by b, less the
 * longest bookings the 5% may leave late, must fit in the counters' time
 * in the window.
 *
 * When every window fits, a second test keeps what the windows pool: each
 * counter serves only its services, and a citizen is at one counter at a
 * time. Time is cut into ORACLE_GRID cells; a maximum flow sends each
 * citizen's service time through the cells between their arrival and
 * their deadline, at most a cell's length per cell, to the counters of
 * each cell that serve their service, each counter taking a cell's length
 * per cell; the bookings may leave out at most the service time of the
 * longest 5% of them (any such 5% fit in it). When the flow cannot carry
 * every citizen's service time, no call order keeps both promises. It
 * still lets a service be cut into pieces and knows the day in advance.
 * -ENOMEM or 0.
 */
int oracle_check(const struct day *d, int64_t max_wait,
		 struct oracle_result *ret);

#endif
