/* GET /api/v1/stats and GET /metrics: the figures of stats.c rendered as
 * JSON, CSV or Prometheus text. api.c routes and authorizes; these answer.
 * Both answer 503 when s is NULL (no statistics connection). */
#ifndef BONOMAT_API_STATS_H
#define BONOMAT_API_STATS_H

#include <stdint.h>

#include "api_response.h"
#include "config.h"

struct stats;
struct printers;

/* ?date=YYYY-MM-DD (default: today at now); JSON, or CSV when the Accept
 * header asks for text/csv. */
void api_stats_report(const struct config *cfg, struct stats *s,
		      const struct api_request *req, int64_t now,
		      struct api_response *ret);
/* Today's counters and the printers' states (p may be NULL). */
/* A series' name and its first label, the office's id ([office] id),
 * which every series of /metrics has; the caller adds its own labels
 * after a comma, and the closing brace. */
struct buf;
void api_metric_series(struct buf *b, const struct config *cfg,
		       const char *name);
void api_stats_metrics(const struct config *cfg, struct stats *s,
		       struct printers *p, int64_t now,
		       struct api_response *ret);

#endif
