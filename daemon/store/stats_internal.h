/* What stats.c shares with stats_period.c: one day computed under a read
 * transaction that the caller holds, and its tickets as a period pools
 * them. */
#ifndef BONOMAT_STATS_INTERNAL_H
#define BONOMAT_STATS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "stats.h"

struct stats_ticket {
	int svc_issue, svc_now; /* row slots of the day (stats_day.rows / 3) */
	enum ticket_kind kind;
	int64_t issued_at;
	int64_t wait_s;	   /* issue to first call; -1 when not called */
	int64_t service_s; /* last call to served; -1 when not measured */
};

/* Takes the statistics lock and opens a read transaction. */
int stats_read_begin(struct stats *s);
void stats_read_end(struct stats *s);
const struct config *stats_config(const struct stats *s);

/* stats_compute() inside stats_read_begin(); with ret_tks, the day's
 * tickets are handed over too and overtakes are not counted. */
int stats_compute_locked(struct stats *s, const char *day, int64_t now,
			 struct stats_ticket **ret_tks, size_t *ret_n,
			 struct stats_day **ret);

/* The slot of a service id: its config index, else the index after the
 * configured services of id in extra_ids, appended when new. */
int stats_slot_of(const struct config *cfg, char ***extra_ids,
		  size_t *n_extra, const char *id, int *ret);

/* Summarizes v, reordering it. */
void stats_summarize(int64_t *v, size_t n, struct stats_summary *ret);
/* Summarizes vals[i] into the summary at out + keys[i] * stride, for every
 * key below n_keys (SIZE_MAX: left out); every key gets one, empty ones
 * too. */
int stats_summarize_by(const size_t *keys, const int64_t *vals, size_t n,
		       size_t n_keys, void *out, size_t stride);

#endif
