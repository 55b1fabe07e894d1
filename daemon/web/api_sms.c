#include "api_sms.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "api_body.h"
#include "api_internal.h"
#include "api_json.h"
#include "api_stats.h"
#include "booking.h"
#include "buf.h"
#include "office.h"
#include "phone.h"
#include "sms.h"

void api_sms_phone(struct ctx *c, struct api_response *ret)
{
	static const struct api_field fields[] = {
		{"phone", API_FIELD_STRING, true, BOOKING_PHONE_INPUT_MAX},
		{"consent", API_FIELD_BOOL, true, 0},
	};
	char national[PHONE_LEN + 1], masked[PHONE_MASK_LEN + 1];
	char buf[API_ECHO_MAX];
	struct office_error err;
	struct ticket t;
	const char *phone;
	json_t *body;
	int64_t id;

	if (api_body_object(c->req, ret, fields, 2, &body) < 0)
		return;
	if (api_parse_id(c->param[0], &id) < 0) {
		api_quote(buf, sizeof(buf), c->param[0]);
		api_errorf(ret, 404, "not_found", "There is no ticket %s.", buf);
		goto out;
	}
	/* Consent is a deliberate act: only true counts. */
	if (!json_is_true(json_object_get(body, "consent"))) {
		api_error(ret, 400, "bad_request",
			  "consent: must be true; the citizen agrees to be "
			  "texted on this number today.");
		goto out;
	}
	phone = json_string_value(json_object_get(body, "phone"));
	if (phone_parse(phone, strlen(phone), national) < 0) {
		api_quote(buf, sizeof(buf), phone);
		api_errorf(ret, 400, "bad_request",
			   "phone: %s is not a Romanian mobile number "
			   "(07xx xxx xxx or +40 7xx xxx xxx).",
			   buf);
		goto out;
	}
	memset(&t, 0, sizeof(t));
	memset(&err, 0, sizeof(err));
	if (office_phone(c->a->office, id, national, c->now, &t, masked,
			 &err) < 0) {
		api_office_failed(c->req, ret, &err);
		goto out;
	}
	api_respond(c->req, ret, 200,
		    json_pack("{s:o, s:s}", "ticket",
			      api_json_ticket(c->a->cfg, &t), "phone",
			      masked));
out:
	json_decref(body);
}

/* One series without labels of its own: "name{office="id"} value". */
static void series(struct buf *b, const struct config *cfg, const char *name,
		   const char *type, const char *help, uint64_t value)
{
	buf_addf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
	api_metric_series(b, cfg, name);
	buf_addf(b, "} %" PRIu64 "\n", value);
}

void api_sms_metrics(const struct config *cfg, struct sms *s,
		     struct api_response *ret)
{
	struct sms_counts n = {0};
	struct buf b;
	char *body;
	size_t len;

	if (ret->status != 200)
		return;
	if (s)
		sms_counts(s, &n);
	buf_init(&b, ret->body_len + 4096);
	(void)buf_add(&b, ret->body, ret->body_len);
	series(&b, cfg, "bonomat_sms_sent_total", "counter",
	       "Text messages the gateway took since the start.", n.sent);
	series(&b, cfg, "bonomat_sms_failed_total", "counter",
	       "Text messages given up on after their retries since the "
	       "start.",
	       n.failed);
	series(&b, cfg, "bonomat_sms_dropped_total", "counter",
	       "Text messages dropped because the queue was full since the "
	       "start.",
	       n.dropped);
	series(&b, cfg, "bonomat_sms_retries_total", "counter",
	       "Attempts made again after a gateway failed since the start.",
	       n.retried);
	series(&b, cfg, "bonomat_sms_queued", "gauge",
	       "Text messages waiting or being sent now.", n.queued);
	body = buf_steal(&b, &len);
	if (!body)
		return; /* the counters without the SMS lines */
	free(ret->body);
	ret->body = body;
	ret->body_len = len;
}
