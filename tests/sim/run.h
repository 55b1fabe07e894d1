/* One day at the counters under one call policy: Bonomat's queue engine,
 * or first come first served by arrival. Every counter calls as soon as it
 * is free; the run records who was called when, and checks the calls as
 * they happen. */
#ifndef BONOMAT_SIM_RUN_H
#define BONOMAT_SIM_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "day.h"
#include "queue.h"
#include "ticket.h"

enum run_policy {
	RUN_BONOMAT,
	RUN_FIFO,
	/* FIFO again, the free counters asked in the reverse order: as fair
	 * as FIFO, so the difference is the noise of one day. */
	RUN_FIFO_REVERSED,
};

#define RUN_KINDS 3				   /* enum ticket_kind */
#define RUN_REASONS REASON_COUNT		   /* enum call_reason */

struct run_call {
	int64_t called_at;
	int64_t finished_at;
	int counter;
	enum call_reason reason; /* REASON_NONE under FIFO */
	/* The wait the kiosk tells a walk-in or priority citizen, in whole
	 * minutes as the daemon does; -1: none (bookings, FIFO). */
	int estimate_min;
};

struct run_result {
	struct run_call *call; /* per citizen of the day, in its order */
	size_t n;
	/* Counter-seconds a counter stood idle while a ticket of one of its
	 * services waited. */
	int64_t idle_waiting_s;
	/* Calls of a ticket while an earlier one of the same kind and service
	 * waited (for appointments: with an earlier slot). */
	size_t overtakes[RUN_KINDS];
	/* Calls of another ticket while a walk-in or priority ticket the
	 * counter serves had waited max_wait, the oldest such excepted. */
	size_t passed_starved;
	size_t calls[RUN_REASONS];
	int64_t busy_s;	     /* at the counters, within opening hours */
	int64_t last_finish; /* the last citizen leaves */
	size_t waiting_at_close;
};

/* Runs the day; policy values are used by RUN_BONOMAT, and max_wait by
 * both for passed_starved. The caller frees the result with
 * run_result_free(). */
int run_day(const struct day *d, enum run_policy policy,
	    const struct queue_policy *qp, struct run_result *ret);
void run_result_free(struct run_result *r);

#endif
