/* The citizen's text messages on their way out (issue #12): one worker
 * thread with a bounded queue hands each message to the configured
 * gateway, retries a failed one with a doubling backoff and reports each
 * message's end once. Nothing here holds the office lock, and submitting
 * never waits for a gateway, so a gateway that is down or slow never
 * delays a ticket or a call. */
#ifndef BONOMAT_SMS_H
#define BONOMAT_SMS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "phone.h"
#include "sms_text.h"

#define SMS_WHY_MAX 200

/* A gateway: the transports of text messages, as const tables. */
struct sms_driver {
	const char *name;
	/* Sends one message within [sms] timeout; 0, or a negative errno
	 * with why (SMS_WHY_MAX bytes) saying what the gateway answered.
	 * Gives up early (-ECANCELED) once *stop is set: a gateway must not
	 * hold the daemon's shutdown. Called from the worker only. */
	int (*send)(const struct cfg_sms *set, const char *to,
		    const char *text, const atomic_bool *stop,
		    char why[SMS_WHY_MAX]);
};

extern const struct sms_driver sms_driver_gammu; /* sms_gammu.c */
extern const struct sms_driver sms_driver_http;  /* sms_http.c */

/* Called from the worker, with no lock held: the message about ticket
 * ended, sent (ok) or given up on after its retries (why says why). */
struct sms_callbacks {
	void (*done)(void *userdata, int64_t ticket, enum sms_kind kind,
		     bool ok, const char *why);
	void *userdata;
};

struct sms_counts {
	uint64_t sent, failed, dropped, retried;
	size_t queued; /* waiting or being sent now */
};

struct sms;

/* Starts the worker of cfg's [sms] driver, or of driver when not NULL
 * (the tests' gateways), with a copy of cfg's [sms] settings: a reload may
 * free cfg meanwhile. -EINVAL for driver none without driver. */
int sms_start(const struct config *cfg, const struct sms_driver *driver,
	      const struct sms_callbacks *cb, struct sms **ret);
/* Stops after the message being sent; the ones still queued are counted
 * in *ret_unsent (may be NULL) and not reported. Accepts NULL. */
void sms_stop(struct sms *s, size_t *ret_unsent);
/* Queues a message without waiting: -EAGAIN (and counted as dropped)
 * when the queue is full, -EINVAL for a number or text out of bounds. */
int sms_submit(struct sms *s, int64_t ticket, enum sms_kind kind,
	       const char *to, const char *text);
void sms_counts(struct sms *s, struct sms_counts *ret);
const char *sms_name(const struct sms *s);

/* The http driver's body: template with {to} (0722123456), {to_e164}
 * (+40722123456) and {text} replaced, each escaped for content_type (a
 * JSON string, or percent-encoded for a form). -E2BIG when it does not
 * fit in size bytes. */
int sms_fill_body(const char *tmpl, const char *content_type, const char *to,
		  const char *text, char *buf, size_t size);

#endif
