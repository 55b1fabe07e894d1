#include "api_body.h"

#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <string.h>

#include "api_response.h"

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
			api_echo(key_echo, sizeof(key_echo), key);
			api_errorf(ret, 400, "bad_request",
				   "Unknown field \"%s\".", key_echo);
			json_decref(obj);
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < n_fields; i++) {
		const struct api_field *f = &fields[i];

		v = json_object_get(obj, f->name);
		if (!v) {
			if (!f->required)
				continue;
			api_errorf(ret, 400, "bad_request",
				   "Missing field \"%s\".", f->name);
			json_decref(obj);
			return -EINVAL;
		}
		switch (f->type) {
		case API_FIELD_STRING:
			if (!json_is_string(v)) {
				api_errorf(ret, 400, "bad_request",
					   "Field \"%s\" must be a string.",
					   f->name);
				break;
			}
			if (json_string_length(v) > f->max_len) {
				api_errorf(ret, 400, "bad_request",
					   "Field \"%s\" is longer than %zu "
					   "bytes.",
					   f->name, f->max_len);
				break;
			}
			continue;
		case API_FIELD_BOOL:
			if (!json_is_boolean(v)) {
				api_errorf(
					ret, 400, "bad_request",
					"Field \"%s\" must be true or false.",
					f->name);
				break;
			}
			continue;
		case API_FIELD_ARRAY:
			if (!json_is_array(v)) {
				api_errorf(ret, 400, "bad_request",
					   "Field \"%s\" must be an array.",
					   f->name);
				break;
			}
			continue;
		case API_FIELD_INTEGER:
			if (!json_is_integer(v)) {
				api_errorf(ret, 400, "bad_request",
					   "Field \"%s\" must be an integer.",
					   f->name);
				break;
			}
			continue;
		}
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
