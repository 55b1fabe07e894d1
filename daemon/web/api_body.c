#include "api_body.h"

#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <string.h>

#include "api_response.h"

static bool is_string(const json_t *v)
{
	return json_is_string(v);
}

static bool is_boolean(const json_t *v)
{
	return json_is_boolean(v);
}

static bool is_array(const json_t *v)
{
	return json_is_array(v);
}

static bool is_integer(const json_t *v)
{
	return json_is_integer(v);
}

/* How each type of field is checked, and named in a refusal. */
static const struct {
	bool (*is)(const json_t *v);
	const char *what;
} field_types[] = {
	[API_FIELD_STRING] = {is_string, "a string"},
	[API_FIELD_BOOL] = {is_boolean, "true or false"},
	[API_FIELD_ARRAY] = {is_array, "an array"},
	[API_FIELD_INTEGER] = {is_integer, "an integer"},
};

/* Parses the body as a JSON object with exactly the fields allowed: every
 * problem gets a 400 that names the field. An empty body stands for {}
 * when nothing is required. On success *ret_obj (may be NULL when the
 * caller wants no fields) holds a new reference. */
int api_body_object(const struct api_request *req, struct api_response *ret,
		    const struct api_field *fields, size_t n_fields,
		    json_t **ret_obj)
{
	bool empty = true, required = false;
	char key_echo[API_ECHO_MAX];
	json_error_t jerr;
	json_t *obj, *v;

	for (size_t i = 0; i < req->body_len; i++) {
		char ch = req->body[i];

		if (ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n') {
			empty = false;
			break;
		}
	}
	for (size_t i = 0; i < n_fields; i++)
		required |= fields[i].required;
	if (empty) {
		if (required) {
			api_errorf(ret, 400, "bad_request",
				   "A JSON body with the field \"%s\" is "
				   "required.",
				   fields[0].name);
			return -EINVAL;
		}
		obj = json_object();
		if (!obj) {
			api_internal(req, ret, "out of memory");
			return -ENOMEM;
		}
		goto done;
	}

	obj = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES,
			 &jerr);
	if (!obj) {
		api_errorf(
			ret, 400, "bad_request",
			"The body is not valid JSON: %s (line %d, column %d).",
			jerr.text, jerr.line, jerr.column);
		return -EINVAL;
	}
	if (!json_is_object(obj)) {
		json_decref(obj);
		api_error(ret, 400, "bad_request",
			  "The body must be a JSON object.");
		return -EINVAL;
	}
	for (void *it = json_object_iter(obj); it;
	     it = json_object_iter_next(obj, it)) {
		const char *key = json_object_iter_key(it);
		size_t i;

		for (i = 0; i < n_fields; i++)
			if (strcmp(key, fields[i].name) == 0)
				break;
		if (i == n_fields) {
			api_quote(key_echo, sizeof(key_echo), key);
			api_errorf(ret, 400, "bad_request",
				   "Unknown field %s.", key_echo);
			json_decref(obj);
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < n_fields; i++) {
		const struct api_field *f = &fields[i];

		v = json_object_get(obj, f->name);
		if (!v && !f->required)
			continue;
		if (!v)
			api_errorf(ret, 400, "bad_request",
				   "Missing field \"%s\".", f->name);
		else if (!field_types[f->type].is(v))
			api_errorf(ret, 400, "bad_request",
				   "Field \"%s\" must be %s.", f->name,
				   field_types[f->type].what);
		else if (f->type == API_FIELD_STRING &&
			 json_string_length(v) > f->max_len)
			api_errorf(ret, 400, "bad_request",
				   "Field \"%s\" is longer than %zu bytes.",
				   f->name, f->max_len);
		else
			continue;
		json_decref(obj);
		return -EINVAL;
	}
done:
	if (ret_obj)
		*ret_obj = obj;
	else
		json_decref(obj);
	return 0;
}

int api_body_none(const struct api_request *req, struct api_response *ret)
{
	return api_body_object(req, ret, NULL, 0, NULL);
}

int api_body_kiosk(const struct config *cfg, const json_t *body,
		   struct api_response *ret, int *ret_kiosk)
{
	const char *id = json_string_value(json_object_get(body, "kiosk"));
	char buf[API_ECHO_MAX];
	int kiosk = cfg->n_kiosks > 0 ? 0 : -1;

	if (id) {
		kiosk = config_kiosk_index(cfg, id);
		if (kiosk < 0) {
			api_quote(buf, sizeof(buf), id);
			api_errorf(ret, 422, "unprocessable",
				   "Unknown kiosk %s.", buf);
			return -ENOENT;
		}
	}
	*ret_kiosk = kiosk;
	return 0;
}
