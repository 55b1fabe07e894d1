#include "api_bookings.h"

#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "api_body.h"
#include "api_internal.h"
#include "api_json.h"
#include "api_response.h"
#include "booking.h"
#include "config.h"
#include "hours.h"
#include "office.h"

void api_bookings_checkin(struct ctx *c, struct api_response *ret)
{
	static const struct api_field fields[] = {
		{"code", API_FIELD_STRING, true, BOOKING_CODE_INPUT_MAX},
		{"kiosk", API_FIELD_STRING, false, API_ID_MAX},
	};
	struct office_error err;
	struct ticket t;
	json_t *body, *o;
	int64_t booked_at = 0;
	char when[32];
	int kiosk;
	char message[256];

	if (api_body_object(c->req, ret, fields, 2, &body) < 0)
		return;
	if (api_body_kiosk(c->a->cfg, body, ret, &kiosk) < 0)
		goto out;
	memset(&t, 0, sizeof(t));
	memset(&err, 0, sizeof(err));
	if (office_checkin(c->a->office,
			   json_string_value(json_object_get(body, "code")),
			   kiosk, c->now, &t, message, sizeof(message),
			   &booked_at, &err) < 0) {
		/* Already checked in: the kiosk shows the ticket's number
		 * as large as a new one. */
		api_office_failed_with(
			c->req, ret, &err,
			err.has_ticket ?
				json_pack("{s:o?}", "ticket",
					  api_json_ticket(c->a->cfg,
							  &err.ticket)) :
				NULL);
		goto out;
	}
	o = api_json_ticket(c->a->cfg, &t);
	if (o && message[0] &&
	    json_object_set_new(o, "message", json_string(message)) < 0) {
		json_decref(o);
		o = NULL;
	}
	/* A late check-in: what the kiosk words the message from. */
	if (o && t.late && booked_at) {
		hours_rfc3339(booked_at, when);
		if (json_object_set_new(o, "booked_at", json_string(when)) ||
		    json_object_set_new(
			    o, "late_grace_min",
			    json_integer(c->a->cfg->policy.late_grace))) {
			json_decref(o);
			o = NULL;
		}
	}
	api_respond(c->req, ret, 201, o);
out:
	json_decref(body);
}

#define IMPORT_MAX 1000

/* One item of POST /api/v1/appointments; every refusal names its index. */
static int booking_item(struct ctx *c, struct api_response *ret, size_t i,
			json_t *item, struct office_booking *b)
{
	static const char *const allowed[] = {"code",  "service", "start",
					      "end",   "phone",   "status"};
	const struct config *cfg = c->a->cfg;
	const char *service, *status, *start, *end;
	char buf[API_ECHO_MAX], norm[BOOKING_CODE_MAX + 1];
	char phone[BOOKING_PHONE_MAX + 1];
	json_t *v;
	int span;

	if (!json_is_object(item)) {
		api_errorf(ret, 400, "bad_request",
			   "appointments[%zu] must be an object.", i);
		return -EINVAL;
	}
	for (void *it = json_object_iter(item); it;
	     it = json_object_iter_next(item, it)) {
		const char *key = json_object_iter_key(it);
		size_t k;
		for (k = 0; k < sizeof(allowed) / sizeof(allowed[0]); k++)
			if (strcmp(key, allowed[k]) == 0)
				break;
		if (k == sizeof(allowed) / sizeof(allowed[0])) {
			api_quote(buf, sizeof(buf), key);
			api_errorf(ret, 400, "bad_request",
				   "appointments[%zu]: unknown field %s.", i,
				   buf);
			return -EINVAL;
		}
	}
#define STRING_FIELD(name, required, max, out)                              \
	do {                                                                \
		v = json_object_get(item, name);                            \
		(out) = NULL;                                               \
		if (!v || json_is_null(v)) {                                \
			if (!(required))                                    \
				break;                                      \
			api_errorf(ret, 400, "bad_request",                 \
				   "appointments[%zu]: missing \"" name     \
				   "\".",                                   \
				   i);                                      \
			return -EINVAL;                                     \
		}                                                           \
		if (!json_is_string(v) || json_string_length(v) > (max)) {  \
			api_errorf(ret, 400, "bad_request",                 \
				   "appointments[%zu]: \"" name "\" must "  \
				   "be a string of at most %d bytes.",      \
				   i, (int)(max));                          \
			return -EINVAL;                                     \
		}                                                           \
		(out) = json_string_value(v);                               \
	} while (0)
	STRING_FIELD("code", true, BOOKING_CODE_INPUT_MAX, b->code);
	STRING_FIELD("service", true, API_ID_MAX, service);
	STRING_FIELD("start", true, 40, start);
	STRING_FIELD("end", true, 40, end);
	STRING_FIELD("phone", false, BOOKING_PHONE_INPUT_MAX, b->phone);
	STRING_FIELD("status", false, 16, status);
#undef STRING_FIELD
	if (booking_code_normalize(b->code, strlen(b->code), norm) < 0) {
		api_errorf(ret, 422, "unprocessable",
			   "appointments[%zu]: the code must be %d to %d "
			   "letters and digits (spaces and dashes are "
			   "ignored).",
			   i, BOOKING_CODE_MIN, BOOKING_CODE_MAX);
		return -EINVAL;
	}
	b->service = config_service_index(cfg, service);
	if (b->service < 0 || cfg->services[b->service].info) {
		api_quote(buf, sizeof(buf), service);
		api_errorf(ret, 422, "unprocessable",
			   "appointments[%zu]: %s is not a service that "
			   "issues tickets here.",
			   i, buf);
		return -EINVAL;
	}
	if (hours_parse_rfc3339(start, &b->start) < 0 ||
	    hours_parse_rfc3339(end, &b->end) < 0) {
		api_errorf(ret, 400, "bad_request",
			   "appointments[%zu]: start and end must be RFC 3339 "
			   "times with an offset, such as "
			   "2026-12-03T09:15:00+02:00.",
			   i);
		return -EINVAL;
	}
	span = booking_span_check(b->start, b->end);
	if (span < 0) {
		if (span == -EINVAL)
			api_errorf(ret, 422, "unprocessable",
				   "appointments[%zu]: the end must be after "
				   "the start.",
				   i);
		else
			api_errorf(ret, 422, "unprocessable",
				   "appointments[%zu]: a booking lasts at "
				   "most %d hours.",
				   i, BOOKING_SPAN_MAX / 3600);
		return -EINVAL;
	}
	if (b->phone && booking_phone_normalize(b->phone, strlen(b->phone),
						phone) < 0) {
		api_errorf(ret, 400, "bad_request",
			   "appointments[%zu]: \"phone\" must be %d to %d "
			   "digits with an optional leading + (spaces, "
			   "dashes, dots, slashes and parentheses are "
			   "ignored).",
			   i, BOOKING_PHONE_MIN, BOOKING_PHONE_MAX);
		return -EINVAL;
	}
	b->cancelled = false;
	if (status && strcmp(status, "cancelled") == 0) {
		b->cancelled = true;
	} else if (status && strcmp(status, "booked") != 0) {
		api_errorf(
			ret, 400, "bad_request",
			"appointments[%zu]: \"status\" must be \"booked\" or "
			"\"cancelled\".",
			i);
		return -EINVAL;
	}
	return 0;
}

void api_bookings_import(struct ctx *c, struct api_response *ret)
{
	static const struct api_field fields[] = {
		{"appointments", API_FIELD_ARRAY, true, 0},
	};
	struct office_booking *b = NULL;
	struct office_error err;
	size_t n, created = 0, updated = 0;
	json_t *body, *list;

	if (api_body_object(c->req, ret, fields, 1, &body) < 0)
		return;
	list = json_object_get(body, "appointments");
	n = json_array_size(list);
	if (n > IMPORT_MAX) {
		api_errorf(ret, 400, "bad_request",
			   "At most %d appointments per request.", IMPORT_MAX);
		goto out;
	}
	b = calloc(n ? n : 1, sizeof(*b));
	if (!b) {
		api_internal(c->req, ret, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (booking_item(c, ret, i, json_array_get(list, i), &b[i]) < 0)
			goto out;
	memset(&err, 0, sizeof(err));
	if (office_import(c->a->office, b, n, c->now, &created, &updated,
			  &err) < 0) {
		api_office_failed(c->req, ret, &err);
		goto out;
	}
	api_respond(c->req, ret, 200,
		    json_pack("{s:I, s:I}", "created", (json_int_t)created,
			      "updated", (json_int_t)updated));
out:
	free(b);
	json_decref(body);
}
