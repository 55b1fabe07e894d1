/*
 * Tickets as raw jobs on a named queue of a CUPS server (the local one, or
 * the one CUPS_SERVER or client.conf names), through libcups. A ticket is
 * written when CUPS reports its job completed; a job that has not completed
 * within the timeout (the printer behind CUPS is gone, say) is cancelled,
 * so that it never prints late by itself. The status is the queue's
 * printer-state and printer-state-reasons.
 */
#include "cups.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <cups/cups.h>

#include "dynlib.h"

#define DEFAULT_TIMEOUT_MS 3000
#define POLL_FIRST_MS 5 /* a job reaches a local printer in ~100 ms */
#define POLL_MAX_MS 100
#define MAX_REASONS 32
#define JOB_TITLE "bonomat ticket"

struct cups_conn {
	http_t *http;
	char *queue;
	char uri[HTTP_MAX_URI]; /* ipp://localhost/printers/QUEUE */
	int timeout_ms;
};

/* libcups, loaded by the first cups_open (see dynlib.h). */
/* clang-format off */
#define CUPS_FUNCTIONS(X) \
	X(cupsCancelJob2) \
	X(cupsCreateJob) \
	X(cupsDoRequest) \
	X(cupsEncryption) \
	X(cupsFinishDocument) \
	X(cupsLastError) \
	X(cupsServer) \
	X(cupsStartDocument) \
	X(cupsUser) \
	X(cupsWriteRequestData) \
	X(httpAssembleURIf) \
	X(httpClose) \
	X(httpConnect2) \
	X(httpError) \
	X(httpGetState) \
	X(httpReconnect2) \
	X(httpSetTimeout) \
	X(ippAddInteger) \
	X(ippAddString) \
	X(ippAddStrings) \
	X(ippDelete) \
	X(ippFindAttribute) \
	X(ippGetBoolean) \
	X(ippGetCount) \
	X(ippGetInteger) \
	X(ippGetString) \
	X(ippNewRequest) \
	X(ippPort)
/* clang-format on */

DYNLIB_DEFINE(libcups, "libcups.so.2", CUPS_FUNCTIONS);

/* -- what the queue's attributes mean ---------------------------------- */

static const struct {
	const char *keyword; /* without its -error/-warning/-report suffix */
	enum printer_state state;
	const char *what;
} reasons_known[] = {
	{"media-empty", PRINTER_PAPER_OUT, "out of paper"},
	{"media-needed", PRINTER_PAPER_OUT, "out of paper"},
	{"cover-open", PRINTER_COVER_OPEN, "the cover is open"},
	{"door-open", PRINTER_COVER_OPEN, "the door is open"},
	{"offline", PRINTER_OFFLINE, "the printer reports offline"},
	{"connecting-to-device", PRINTER_OFFLINE,
	 "CUPS cannot reach the printer"},
	{"shutdown", PRINTER_OFFLINE, "the printer is shut down"},
	{"media-low", PRINTER_PAPER_LOW, "paper near end"},
};

static int severity(enum printer_state s)
{
	switch (s) {
	case PRINTER_PAPER_OUT:
		return 4;
	case PRINTER_COVER_OPEN:
		return 3;
	case PRINTER_OFFLINE:
		return 2;
	case PRINTER_PAPER_LOW:
		return 1;
	default:
		return 0;
	}
}

/* The index in reasons_known of keyword, or -1. */
static int reason_lookup(const char *keyword)
{
	static const char *const suffixes[] = {"-error", "-warning", "-report"};
	size_t len = strlen(keyword);

	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t n = strlen(suffixes[i]);
		if (len > n && strcmp(keyword + len - n, suffixes[i]) == 0) {
			len -= n;
			break;
		}
	}
	for (size_t i = 0; i < sizeof(reasons_known) / sizeof(reasons_known[0]);
	     i++) {
		const char *k = reasons_known[i].keyword;
		if (strlen(k) == len && memcmp(k, keyword, len) == 0)
			return (int)i;
	}
	return -1;
}

/* Fills ret with "what (reason): message", the parts present, on one line. */
static void set_status(struct printer_status *ret, enum printer_state state,
		       const char *what, const char *reason,
		       const char *message)
{
	size_t size = sizeof(ret->detail), used;
	int n;

	ret->state = state;
	n = snprintf(ret->detail, size, "%s", what);
	used = n < 0 ? 0 : (size_t)n;
	if (reason && used < size) {
		n = snprintf(ret->detail + used, size - used, " (%s)", reason);
		used += n < 0 ? 0 : (size_t)n;
	}
	if (message && *message && used < size)
		(void)snprintf(ret->detail + used, size - used, ": %s",
			       message);
	for (char *p = ret->detail; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
}

void cups_state_decode(int printer_state, const char *const *reasons,
		       size_t n_reasons, bool accepting, const char *message,
		       struct printer_status *ret)
{
	int worst = -1;
	const char *worst_reason = NULL;

	for (size_t i = 0; i < n_reasons; i++) {
		int k = reasons[i] ? reason_lookup(reasons[i]) : -1;
		if (k < 0)
			continue;
		if (worst < 0 || severity(reasons_known[k].state) >
					 severity(reasons_known[worst].state)) {
			worst = k;
			worst_reason = reasons[i];
		}
	}
	if (worst >= 0 && printer_state_blocks(reasons_known[worst].state)) {
		set_status(ret, reasons_known[worst].state,
			   reasons_known[worst].what, worst_reason, message);
		return;
	}
	if (printer_state == CUPS_PRINTER_STOPPED) {
		set_status(ret, PRINTER_OFFLINE, "the CUPS queue is stopped",
			   NULL, message);
		return;
	}
	if (!accepting) {
		set_status(ret, PRINTER_OFFLINE, "the CUPS queue rejects jobs",
			   NULL, message);
		return;
	}
	if (printer_state != CUPS_PRINTER_IDLE &&
	    printer_state != CUPS_PRINTER_PROCESSING) {
		set_status(ret, PRINTER_UNKNOWN,
			   "CUPS does not tell the queue's state", NULL, NULL);
		return;
	}
	/* Volatile messages ("Connecting to printer.") stay out of the detail
	 * of a working printer, which would otherwise change all the time. */
	if (worst >= 0) {
		set_status(ret, reasons_known[worst].state,
			   reasons_known[worst].what, worst_reason, NULL);
		return;
	}
	set_status(ret, PRINTER_OK, "ready", NULL, NULL);
}

/* -- talking to the server --------------------------------------------- */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ms / 1000),
		.tv_nsec = (long)(ms % 1000) * 1000000L,
	};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Any wait on the connection longer than its timeout is an error. */
static int give_up(http_t *http, void *userdata)
{
	(void)http;
	(void)userdata;
	return 0;
}

static int socket_error(int e)
{
	switch (e) {
	case 0:
		return -EHOSTDOWN;
	case ENOENT: /* no server socket */
	case ECONNREFUSED:
		return -ECONNREFUSED;
	default:
		return -e;
	}
}

/* The errno for the last failed request on c. */
static int request_error(const struct cups_conn *c)
{
	switch (libcups.cupsLastError()) {
	case IPP_STATUS_ERROR_NOT_FOUND:
		return -ENODEV;
	case IPP_STATUS_ERROR_NOT_ACCEPTING_JOBS:
	case IPP_STATUS_ERROR_BUSY:
		return -EBUSY;
	case IPP_STATUS_ERROR_FORBIDDEN:
	case IPP_STATUS_ERROR_NOT_AUTHENTICATED:
	case IPP_STATUS_ERROR_NOT_AUTHORIZED:
	case IPP_STATUS_ERROR_CUPS_AUTHENTICATION_CANCELED:
		return -EACCES;
	case IPP_STATUS_ERROR_TIMEOUT:
		return -ETIMEDOUT;
	case IPP_STATUS_ERROR_SERVICE_UNAVAILABLE:
	case IPP_STATUS_ERROR_INTERNAL:
		return socket_error(libcups.httpError(c->http));
	default:
		return -EIO;
	}
}

static bool ipp_ok(ipp_status_t s)
{
	return s <= IPP_STATUS_OK_EVENTS_COMPLETE;
}

/* A request on the queue, as the job owner; NULL when out of memory. */
static ipp_t *queue_request(const struct cups_conn *c, ipp_op_t op)
{
	ipp_t *req = libcups.ippNewRequest(op);

	if (!req)
		return NULL;
	if (!libcups.ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI,
				  "printer-uri", NULL, c->uri) ||
	    !libcups.ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME,
				  "requesting-user-name", NULL,
				  libcups.cupsUser())) {
		libcups.ippDelete(req);
		return NULL;
	}
	return req;
}

/* Sends req (consumed) and hands over the successful response in ret. */
static int do_request(struct cups_conn *c, ipp_t *req, ipp_t **ret)
{
	ipp_t *resp;

	resp = libcups.cupsDoRequest(c->http, req, "/");
	if (!resp || !ipp_ok(libcups.cupsLastError())) {
		int r = request_error(c);
		libcups.ippDelete(resp);
		return r;
	}
	*ret = resp;
	return 0;
}

static int get_printer(struct cups_conn *c, struct printer_status *ret)
{
	static const char *const wanted[] = {
		"printer-state",
		"printer-state-reasons",
		"printer-state-message",
		"printer-is-accepting-jobs",
	};
	const char *reasons[MAX_REASONS];
	size_t n_reasons = 0;
	ipp_t *req, *resp = NULL;
	ipp_attribute_t *a;
	int state = 0, r;
	bool accepting = true;
	const char *message = NULL;

	req = queue_request(c, IPP_OP_GET_PRINTER_ATTRIBUTES);
	if (!req)
		return -ENOMEM;
	if (!libcups.ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD,
				   "requested-attributes",
				   (int)(sizeof(wanted) / sizeof(wanted[0])),
				   NULL, wanted)) {
		libcups.ippDelete(req);
		return -ENOMEM;
	}
	r = do_request(c, req, &resp);
	if (r < 0)
		return r;

	a = libcups.ippFindAttribute(resp, "printer-state", IPP_TAG_ENUM);
	if (a)
		state = libcups.ippGetInteger(a, 0);
	a = libcups.ippFindAttribute(resp, "printer-state-reasons",
				     IPP_TAG_KEYWORD);
	for (int i = 0;
	     a && i < libcups.ippGetCount(a) && n_reasons < MAX_REASONS; i++) {
		const char *s = libcups.ippGetString(a, i, NULL);
		if (s)
			reasons[n_reasons++] = s;
	}
	a = libcups.ippFindAttribute(resp, "printer-is-accepting-jobs",
				     IPP_TAG_BOOLEAN);
	if (a)
		accepting = libcups.ippGetBoolean(a, 0) != 0;
	a = libcups.ippFindAttribute(resp, "printer-state-message",
				     IPP_TAG_TEXT);
	if (a)
		message = libcups.ippGetString(a, 0, NULL);

	if (ret)
		cups_state_decode(state, reasons, n_reasons, accepting, message,
				  ret);
	libcups.ippDelete(resp);
	return 0;
}

static int get_job_state(struct cups_conn *c, int job, int *ret_state)
{
	ipp_t *req, *resp = NULL;
	ipp_attribute_t *a;
	int r;

	req = queue_request(c, IPP_OP_GET_JOB_ATTRIBUTES);
	if (!req)
		return -ENOMEM;
	if (!libcups.ippAddInteger(req, IPP_TAG_OPERATION, IPP_TAG_INTEGER,
				   "job-id", job) ||
	    !libcups.ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD,
				  "requested-attributes", NULL, "job-state")) {
		libcups.ippDelete(req);
		return -ENOMEM;
	}
	r = do_request(c, req, &resp);
	if (r < 0)
		return r;
	a = libcups.ippFindAttribute(resp, "job-state", IPP_TAG_ENUM);
	if (a)
		*ret_state = libcups.ippGetInteger(a, 0);
	else
		r = -EIO;
	libcups.ippDelete(resp);
	return r;
}

/*
 * Cancels a job that must not print late by itself, and returns err; 0 when
 * the job turns out to have completed meanwhile. A connection that broke is
 * connected once more for this.
 */
static int abandon_job(struct cups_conn *c, int job, int err)
{
	int state;

	if (libcups.httpGetState(c->http) != HTTP_STATE_WAITING &&
	    libcups.httpReconnect2(c->http, c->timeout_ms, NULL) != 0)
		return err;
	if (ipp_ok(libcups.cupsCancelJob2(c->http, c->queue, job, 0)))
		return err;
	if (libcups.httpError(c->http) != 0 &&
	    libcups.httpReconnect2(c->http, c->timeout_ms, NULL) != 0)
		return err;
	if (get_job_state(c, job, &state) == 0 && state == IPP_JSTATE_COMPLETED)
		return 0;
	return err;
}

/* Follows the job until it is done, for at most the timeout. */
static int wait_job(struct cups_conn *c, int job)
{
	int64_t deadline = now_ms() + c->timeout_ms, left;
	int64_t delay = POLL_FIRST_MS;
	int state, r;

	for (;;) {
		r = get_job_state(c, job, &state);
		if (r < 0)
			return abandon_job(c, job, r);
		if (state == IPP_JSTATE_COMPLETED)
			return 0;
		if (state == IPP_JSTATE_CANCELED || state == IPP_JSTATE_ABORTED)
			return -EIO;
		left = deadline - now_ms();
		if (left <= 0)
			return abandon_job(c, job, -ETIMEDOUT);
		sleep_ms(delay < left ? delay : left);
		delay = delay * 2 < POLL_MAX_MS ? delay * 2 : POLL_MAX_MS;
	}
}

/* -- the transport ----------------------------------------------------- */

static void cups_close(void *conn)
{
	struct cups_conn *c = conn;

	if (!c)
		return;
	if (c->http)
		libcups.httpClose(c->http);
	free(c->queue);
	free(c);
}

static int cups_open(const struct transport_options *opt, void **ret_conn)
{
	struct cups_conn *c;
	int r;

	if (!opt->queue || !*opt->queue)
		return -EINVAL;
	r = dynlib_load(&libcups_lib, NULL, 0);
	if (r < 0)
		return r;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->timeout_ms =
		opt->timeout_ms > 0 ? opt->timeout_ms : DEFAULT_TIMEOUT_MS;
	c->queue = strdup(opt->queue);
	if (!c->queue) {
		r = -ENOMEM;
		goto fail;
	}
	if (libcups.httpAssembleURIf(HTTP_URI_CODING_ALL, c->uri,
				     sizeof(c->uri), "ipp", NULL, "localhost",
				     libcups.ippPort(), "/printers/%s",
				     c->queue) < HTTP_URI_STATUS_OK) {
		r = -EINVAL;
		goto fail;
	}
	/* Connected in a second step, for the socket's errno (lost when
	 * httpConnect2 itself fails) and with the timeouts in place. */
	c->http = libcups.httpConnect2(libcups.cupsServer(), libcups.ippPort(),
				       NULL, AF_UNSPEC,
				       libcups.cupsEncryption(), 1, 0, NULL);
	if (!c->http) {
		r = -EHOSTUNREACH; /* the server's name does not resolve */
		goto fail;
	}
	libcups.httpSetTimeout(c->http, c->timeout_ms / 1000.0, give_up, NULL);
	if (libcups.httpReconnect2(c->http, c->timeout_ms, NULL) != 0) {
		r = socket_error(libcups.httpError(c->http));
		goto fail;
	}
	/* A queue that does not exist (a typo in the config) is told now,
	 * as -ENODEV, not by the first ticket. */
	r = get_printer(c, NULL);
	if (r < 0)
		goto fail;
	*ret_conn = c;
	return 0;
fail:
	cups_close(c);
	return r;
}

static int cups_write(void *conn, const uint8_t *buf, size_t len)
{
	struct cups_conn *c = conn;
	int job, r;

	if (len == 0)
		return 0;
	job = libcups.cupsCreateJob(c->http, c->queue, JOB_TITLE, 0, NULL);
	if (job <= 0)
		return request_error(c);
	if (libcups.cupsStartDocument(c->http, c->queue, job, NULL,
				      CUPS_FORMAT_RAW,
				      1) != HTTP_STATUS_CONTINUE ||
	    libcups.cupsWriteRequestData(c->http, (const char *)buf, len) !=
		    HTTP_STATUS_CONTINUE) {
		r = request_error(c);
		return abandon_job(c, job, r);
	}
	if (!ipp_ok(libcups.cupsFinishDocument(c->http, c->queue))) {
		r = request_error(c);
		return abandon_job(c, job, r);
	}
	return wait_job(c, job);
}

static int cups_status(void *conn, struct printer_status *ret)
{
	return get_printer(conn, ret);
}

const struct transport transport_cups = {
	.name = "cups",
	.open = cups_open,
	.write = cups_write,
	.status = cups_status,
	.close = cups_close,
};
