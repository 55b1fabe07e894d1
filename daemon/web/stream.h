/* GET /api/v1/events: server-sent events from the event ring to pages.
 * A connection with nothing to send is suspended (no thread per client)
 * and resumed when an event is published, or every 15 s for a keepalive
 * comment, which is also how a client that left is noticed. */
#ifndef BONOMAT_STREAM_H
#define BONOMAT_STREAM_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stdint.h>

#include "events.h"

struct streams;

/* Hooks the streams to the ring's publications. */
int streams_new(struct events *events, struct streams **ret);
/* Resumes every parked connection so that the server can stop; call
 * before MHD_stop_daemon(). */
void streams_shutdown(struct streams *s);
void streams_free(struct streams *s);

/* Answers one GET /api/v1/events. last_event_id is the request's header
 * (NULL when absent): what the page missed is replayed, or a `state` event
 * tells it to load everything again when that is no longer in the ring
 * (or the id is from before a restart). */
/* Reads a Last-Event-ID, "BOOT.SEQ": true with *ret = SEQ when BOOT is
 * this run's boot and SEQ is not negative; false (a reset is owed) for
 * anything else. */
bool streams_parse_last_id(long long boot, const char *h, int64_t *ret);

enum MHD_Result streams_serve(struct streams *s, struct MHD_Connection *conn,
			      const char *last_event_id);

#endif
