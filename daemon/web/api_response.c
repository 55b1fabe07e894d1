#include "api_response.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hours.h"
#include "log.h"
#include "office.h"
#include "text.h"

#define MESSAGE_MAX 320

void api_quote(char *buf, size_t size, const char *s)
{
	/* Past size bytes nothing more would be shown. */
	text_quote(buf, size, s, strnlen(s, size));
}

int api_response_header(struct api_response *r, const char *name,
			const char *value)
{
	struct api_header *h;

	if (r->n_headers >= API_HEADERS_MAX)
		return -ENOSPC;
	h = &r->headers[r->n_headers];
	if (strlen(value) >= sizeof(h->value))
		return -EINVAL;
	h->name = name;
	snprintf(h->value, sizeof(h->value), "%s", value);
	r->n_headers++;
	return 0;
}

void api_response_clear(struct api_response *r)
{
	if (!r)
		return;
	free(r->body);
	memset(r, 0, sizeof(*r));
}

int api_dump(json_t *v, char **ret, size_t *ret_len)
{
	size_t len;
	char *buf;

	if (!v)
		return -ENOMEM;
	len = json_dumpb(v, NULL, 0, JSON_COMPACT);
	if (len == 0) {
		json_decref(v);
		return -EINVAL;
	}
	buf = malloc(len + 1);
	if (!buf) {
		json_decref(v);
		return -ENOMEM;
	}
	if (json_dumpb(v, buf, len, JSON_COMPACT) != len) {
		free(buf);
		json_decref(v);
		return -EINVAL;
	}
	buf[len] = '\0';
	json_decref(v);
	*ret = buf;
	*ret_len = len;
	return 0;
}

/* The error object, with extra's members (a new reference, taken) added
 * beside code and message. */
static void error_with(struct api_response *ret, int status, const char *code,
		       const char *message, json_t *extra)
{
	char msg[MESSAGE_MAX];
	json_t *v;

	/* Cut where it stops being valid UTF-8: jansson takes nothing else. */
	size_t len = text_utf8_prefix(message, strnlen(message, sizeof(msg) - 1));
	memcpy(msg, message, len);
	msg[len] = '\0';
	free(ret->body);
	ret->body = NULL;
	ret->body_len = 0;
	ret->status = status;
	ret->content_type = "application/json";
	v = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg);
	if (v && extra &&
	    json_object_update(json_object_get(v, "error"), extra) < 0) {
		json_decref(v);
		v = NULL;
	}
	json_decref(extra);
	if (api_dump(v, &ret->body, &ret->body_len) < 0) {
		ret->body = NULL;
		ret->body_len = 0;
	}
}

void api_error(struct api_response *ret, int status, const char *code,
	       const char *message)
{
	error_with(ret, status, code, message, NULL);
}

void api_errorf(struct api_response *ret, int status, const char *code,
		const char *fmt, ...)
{
	char msg[MESSAGE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	api_error(ret, status, code, msg);
}

void api_internal(const struct api_request *req, struct api_response *ret,
		  const char *what)
{
	/* The log escapes what the client sent (log_escape()). */
	log_err("api: %s %.128s: %s", req->method, req->path, what);
	api_error(ret, 500, "internal", API_INTERNAL_MESSAGE);
}

void api_respond(const struct api_request *req, struct api_response *ret,
		 int status, json_t *v)
{
	free(ret->body);
	ret->body = NULL;
	if (api_dump(v, &ret->body, &ret->body_len) < 0) {
		api_internal(req, ret, "cannot render the answer");
		return;
	}
	ret->status = status;
	ret->content_type = "application/json";
}

/* The refusal's parameters (office.h), for pages that word it. */
static json_t *office_params(const struct office_error *err, json_t *extra)
{
	json_t *o = extra ? extra : json_object();
	char t[32];

	if (!o)
		return NULL;
	if (err->reason)
		json_object_set_new(o, "reason", json_string(err->reason));
	if (err->opens_at) {
		hours_rfc3339(err->opens_at, t);
		json_object_set_new(o, "opens_at", json_string(t));
	}
	if (err->closes_at) {
		hours_rfc3339(err->closes_at, t);
		json_object_set_new(o, "closes_at", json_string(t));
	}
	if (err->cutoff_min >= 0)
		json_object_set_new(o, "cutoff_min",
				    json_integer(err->cutoff_min));
	if (err->starts_at) {
		hours_rfc3339(err->starts_at, t);
		json_object_set_new(o, "starts_at", json_string(t));
	}
	if (err->wait_min >= 0)
		json_object_set_new(o, "wait_min", json_integer(err->wait_min));
	if (err->limit_min >= 0)
		json_object_set_new(o, "limit_min",
				    json_integer(err->limit_min));
	return o;
}

void api_office_failed(const struct api_request *req, struct api_response *ret,
		       struct office_error *err)
{
	api_office_failed_with(req, ret, err, NULL);
}

void api_office_failed_with(const struct api_request *req,
			    struct api_response *ret, struct office_error *err,
			    json_t *extra)
{
	static const struct {
		int status;
		const char *code;
	} map[] = {
		[OFFICE_NOT_FOUND] = {404, "not_found"},
		[OFFICE_CONFLICT] = {409, "conflict"},
		[OFFICE_GONE] = {410, "gone"},
		[OFFICE_CLOSED] = {422, "closed"},
		[OFFICE_UNPROCESSABLE] = {422, "unprocessable"},
		[OFFICE_WAIT_TOO_LONG] = {422, "wait_too_long"},
		[OFFICE_UNAVAILABLE] = {503, "unavailable"},
		[OFFICE_RETURN_WINDOW_PASSED] = {422, "return_window_passed"},
	};
	size_t s = (size_t)err->status;

	err->message[sizeof(err->message) - 1] = '\0';
	if (s >= sizeof(map) / sizeof(map[0]) || !map[s].code) {
		json_decref(extra);
		api_internal(req, ret,
			     err->message[0] ? err->message :
					       "office error without a reason");
		return;
	}
	error_with(ret, map[s].status, map[s].code,
		   err->message[0] ? err->message :
				     "The request cannot be carried out.",
		   office_params(err, extra));
	/* A fault of the disk: kiosks may ask again shortly. */
	if (map[s].status == 503)
		(void)api_response_header(ret, "Retry-After", "5");
}
