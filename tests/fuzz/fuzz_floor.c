/* Arbitrary request bodies for the floor manager's actions that parse
 * JSON. The first byte picks the endpoint (even: POST
 * /api/v1/counters/1/services, odd: POST /api/v1/tickets/{id}/cancel of a
 * waiting ticket); the rest is the body, sent with the admin token.
 * Whatever comes in, the answer is a 2xx or 4xx whose body is JSON (an
 * error of API.md's shape for 4xx). The office behind it is real. */
#include "api_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A waiting ticket to cancel, so that valid bodies reach the office. */
static int64_t waiting_ticket(void)
{
	struct office_error err;
	struct ticket t;

	if (office_issue(fz.office, 0, 0, false, fz.now, &t, &err) < 0)
		die("office_issue", -EIO);
	return t.id;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct api_request rq = {
		.method = "POST",
		.client_addr = "127.0.0.1",
		.authorization = "Bearer fuzz-admin",
	};
	struct api_response resp;
	char path[64];
	static unsigned int runs;

	init();
	if (size == 0)
		return 0;
	/* Each cancel issues a ticket: start afresh now and then. */
	if (++runs % 10000 == 0)
		reset();
	if (data[0] % 2 == 0)
		snprintf(path, sizeof(path), "/api/v1/counters/1/services");
	else
		snprintf(path, sizeof(path), "/api/v1/tickets/%lld/cancel",
			 (long long)waiting_ticket());
	rq.path = path;
	rq.body = size > 1 ? (const char *)data + 1 : NULL;
	rq.body_len = size - 1;
	api_handle(fz.api, &rq, &resp);
	check_answer(&resp, false);
	api_response_clear(&resp);
	return 0;
}
