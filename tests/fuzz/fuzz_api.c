/* Arbitrary request bodies for the API endpoints that parse JSON. The first
 * byte picks the endpoint ('0' or 0 POST /api/v1/tickets, '1' POST
 * /api/v1/counters/1/done, '2' POST /api/v1/counters/1/transfer, '3' POST
 * /api/v1/checkins, '4' POST /api/v1/appointments, '5' POST
 * /api/v1/tickets/1/phone; other bytes, less '0' from '0' on, modulo 6);
 * the rest is the body. Whatever comes in, the answer is
 * a 2xx or 4xx whose body is JSON (an error of API.md's shape for 4xx), or
 * a 204 without one. The office behind it is real: a store in a temporary
 * directory, kept for the whole run. */
#include "api_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* done and transfer act on the counter's called ticket: make sure there is
 * one, so that valid bodies reach the office rather than a 409. */
static void ensure_called(void)
{
	struct office_counter_view v;
	struct office_error err;
	struct ticket t;
	bool none = false;

	memset(&v, 0, sizeof(v));
	if (office_counter(fz.office, fz.counter, fz.now, &v, &err) < 0)
		die("office_counter", -EIO);
	if (!v.has_current) {
		if (v.n_waiting == 0 &&
		    office_issue(fz.office, 0, 0, false, fz.now, &t, &err) < 0)
			die("office_issue", -EIO);
		if (office_next(fz.office, fz.counter, fz.now, &t, &none,
				&err) < 0 ||
		    none)
			die("office_next", -EIO);
	}
	office_counter_view_clear(&v);
}

#define FUZZ_ADMIN_TOKEN "fuzz-admin"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = {
		"/api/v1/tickets",
		"/api/v1/counters/1/done",
		"/api/v1/counters/1/transfer",
		"/api/v1/checkins",
		"/api/v1/appointments",
		"/api/v1/tickets/1/phone",
	};
	struct api_request rq = {
		.method = "POST",
		.client_addr = "127.0.0.1",
	};
	struct api_response resp;
	unsigned int route;

	init();
	if (size == 0)
		return 0;
	route = (unsigned)(data[0] >= '0' ? data[0] - '0' : data[0]) % 6;
	rq.path = paths[route];
	rq.body = size > 1 ? (const char *)data + 1 : NULL;
	rq.body_len = size - 1;
	if (route == 1 || route == 2) {
		rq.authorization = "Bearer fuzz-counter-1";
		ensure_called();
	} else if (route == 5) {
		ensure_called(); /* ticket 1 is there */
	} else if (route == 4) {
		rq.authorization = "Bearer " FUZZ_ADMIN_TOKEN;
	}
	api_handle(fz.api, &rq, &resp);
	check_answer(&resp, false);
	api_response_clear(&resp);
	return 0;
}
