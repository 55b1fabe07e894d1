/* Printer supervision: one worker thread per configured printer, each with
 * its own job queue and connection. Status is checked before each ticket
 * and polled while idle, every state change is reported once, and a job
 * that fails is dropped: nothing is ever printed later by itself. */
#ifndef BONOMAT_PRINTERS_H
#define BONOMAT_PRINTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "transport.h"

/* Called from the printer's worker thread, never with a pool lock held. */
struct printers_callbacks {
	/* A job ended: its bytes were handed to the printer (ok) or not. */
	void (*printed)(void *userdata, int64_t ticket_id, bool ok,
			const char *why);
	/* The printer's state changed (the first poll counts as a change). */
	void (*state)(void *userdata, int printer,
		      const struct printer_status *status);
	void *userdata;
};

struct printers_tuning {
	int poll_ms;         /* status poll while idle (2000) */
	int reopen_ms;       /* retry of a printer that is gone (1000) */
	int timeout_ms;      /* connect and write (3000) */
	int status_timeout_ms; /* a status reply (300) */
	size_t queue_max;    /* jobs waiting per printer (32) */
};

struct printers;

int printers_start(const struct config *cfg,
		   const struct printers_tuning *tuning,
		   const struct printers_callbacks *cb, struct printers **ret);
/* Stops the workers after the job each is doing; queued jobs are reported
 * as not printed. Accepts NULL. */
void printers_stop(struct printers *p);

/* Queues a job and takes ownership of bytes (malloc'd) in every case.
 * A printer last seen out of paper, open or offline still gets the job:
 * the worker asks it again first and reports the job failed if it still
 * cannot print. -EAGAIN when its queue is full or the pool stops (status
 * says why); the job is then dropped and not reported through the
 * callback. */
int printers_submit(struct printers *p, int printer, int64_t ticket_id,
		    uint8_t *bytes, size_t len, struct printer_status *status);
int printers_status(struct printers *p, int printer,
		    struct printer_status *ret);

#endif
