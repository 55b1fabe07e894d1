/* The whole request path behind libmicrohttpd, as http.c drives it: the
 * request target split at '?' and percent-decoded, the router, the query
 * string, the Authorization and Accept headers, the client address and
 * the body. The input is lines: METHOD, TARGET, AUTHORIZATION, ACCEPT,
 * CLIENT ADDRESS, then the body (a missing line is a missing header).
 * Every answer is JSON of API.md's shape; only 503 (no statistics in this
 * office) may be a 5xx. Targets outside the API go to the static path
 * mapper instead. */
#include "api_fixture.h"
#include "http.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FIELDS 5
#define TARGET_MAX 4096
#define RESET_EVERY 20000

/* Copies the next line of [*p, end) into a new string; NULL at the end. */
static char *next_line(const char **p, const char *end)
{
	const char *nl;
	char *s;

	if (*p >= end)
		return NULL;
	nl = memchr(*p, '\n', (size_t)(end - *p));
	if (!nl)
		nl = end;
	s = strndup(*p, (size_t)(nl - *p));
	*p = nl < end ? nl + 1 : end;
	return s;
}

static void check_mapped(const char *path)
{
	char rel[512];

	if (http_map_path(path, rel, sizeof(rel)) < 0)
		return;
	if (rel[0] == '/' || rel[0] == '.' || strstr(rel, "/.") ||
	    strstr(rel, "//") || strchr(rel, '\\'))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	char *f[FIELDS] = {0};
	char *path = NULL;
	const char *q;
	struct api_request rq;
	struct api_response resp;
	size_t plen, n;

	static unsigned long runs;

	if (++runs % RESET_EVERY == 0)
		reset();
	init();
	for (int i = 0; i < FIELDS; i++)
		f[i] = next_line(&p, end);
	if (!f[0] || !f[1] || f[1][0] != '/' || strlen(f[1]) > TARGET_MAX)
		goto out;
	q = strchr(f[1], '?');
	plen = q ? (size_t)(q - f[1]) : strlen(f[1]);
	path = malloc(plen + 1);
	if (!path || text_percent_decode(f[1], plen, 0, path, plen + 1, &n) < 0)
		goto out;
	if (!api_handles(path)) {
		check_mapped(path);
		goto out;
	}
	memset(&rq, 0, sizeof(rq));
	rq.method = f[0];
	rq.path = path;
	rq.query = q ? q + 1 : NULL;
	rq.authorization = f[2];
	rq.accept = f[3];
	rq.client_addr = f[4];
	rq.body = p < end ? p : NULL;
	rq.body_len = (size_t)(end - p);
	api_handle(fz.api, &rq, &resp);
	check_answer(&resp, true);
	api_response_clear(&resp);
out:
	free(path);
	for (int i = 0; i < FIELDS; i++)
		free(f[i]);
	return 0;
}
