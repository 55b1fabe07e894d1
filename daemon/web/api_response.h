/* One API request and its answer, and the primitives every part of the API
 * answers with: headers, JSON bodies, the error body of docs/API.md, and how
 * much of a client's text a message may repeat. Below api.c and
 * api_stats.c alike; knows nothing of routes or of the office's state. */
#ifndef BONOMAT_API_RESPONSE_H
#define BONOMAT_API_RESPONSE_H

#include <jansson.h>
#include <stddef.h>

#include "api_limits.h"

#define API_HEADERS_MAX 4
#define API_HEADER_VALUE_MAX 96
#define API_STRINGIFY_(x) #x
#define API_STRINGIFY(x) API_STRINGIFY_(x)
/* The message of every 413 answer (http.c and api.c both give it). */
#define API_TOO_LARGE_MESSAGE \
	"The body is larger than " API_STRINGIFY(API_BODY_MAX_KIB) " KiB."
/* The message of every 500 answer: the log says what went wrong. */
#define API_INTERNAL_MESSAGE \
	"The server could not complete the request; please try again."
/* How much of a client's text a message repeats, quoted (buffer size). */
#define API_ECHO_MAX 64

struct office_error;

struct api_request {
	const char *method;
	const char *path;          /* without the query string */
	const char *query;         /* after '?', or NULL */
	const char *body;          /* may be NULL when body_len is 0 */
	size_t body_len;
	const char *authorization; /* the header, or NULL */
	const char *accept;        /* the header, or NULL */
	const char *client_addr;   /* numeric address of the peer */
};

/* A response header beyond Content-Type (Allow, WWW-Authenticate, ...). */
struct api_header {
	const char *name; /* static */
	char value[API_HEADER_VALUE_MAX];
};

struct api_response {
	int status;
	char *body;               /* malloc'd, may be NULL */
	size_t body_len;
	const char *content_type; /* static */
	struct api_header headers[API_HEADERS_MAX];
	size_t n_headers;
};

void api_response_clear(struct api_response *r);
/* Adds a header to r; -ENOSPC when full, -EINVAL when value is too long. */
int api_response_header(struct api_response *r, const char *name,
			const char *value);
/* Serializes v (consumed, may be NULL) into a malloc'd string that the
 * caller owns: -ENOMEM or -EINVAL, ret_* untouched, on failure. */
int api_dump(json_t *v, char **ret, size_t *ret_len);
/* A JSON error body as docs/API.md: {"error":{"code":...,"message":...}}. */
void api_error(struct api_response *ret, int status, const char *code,
	       const char *message);
void api_errorf(struct api_response *ret, int status, const char *code,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* A 500 for req, logged with what went wrong. */
void api_internal(const struct api_request *req, struct api_response *ret,
		  const char *what);
/* Answers v (consumed) with status; a 500 when v is NULL or cannot be
 * rendered. */
void api_respond(const struct api_request *req, struct api_response *ret,
		 int status, json_t *v);
/* Answers the office's refusal err with its HTTP status. */
void api_office_failed(const struct api_request *req, struct api_response *ret,
		       struct office_error *err);
/* The same, with extra's members (a new reference, taken; may be NULL)
 * beside the refusal's. */
void api_office_failed_with(const struct api_request *req,
			    struct api_response *ret, struct office_error *err,
			    json_t *extra);
/* What a client sent, for repeating it in a message: in double quotes,
 * controls and invalid UTF-8 as \xNN, cut to fit size (text_quote()). */
void api_quote(char *buf, size_t size, const char *s);

#endif
