/* Strict request bodies: a JSON object with exactly the fields a route
 * allows, each of its type and within its length. Every refusal is a 400
 * that names the field. */
#ifndef BONOMAT_API_BODY_H
#define BONOMAT_API_BODY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "api_response.h"
#include "config.h"

enum api_field_type {
	API_FIELD_STRING,
	API_FIELD_BOOL,
	API_FIELD_ARRAY,
	API_FIELD_INTEGER,
};

struct api_field {
	const char *name;
	enum api_field_type type;
	bool required;
	size_t max_len; /* strings */
};

/* Parses the body of req as a JSON object with fields[0..n_fields) and no
 * other. An empty body stands for {} when nothing is required. On success
 * *ret_obj (may be NULL when the caller wants no fields) holds a new
 * reference; on failure ret holds the answer and a negative errno is
 * returned. */
int api_body_object(const struct api_request *req, struct api_response *ret,
		    const struct api_field *fields, size_t n_fields,
		    json_t **ret_obj);
/* The same for a route that takes no fields. */
int api_body_none(const struct api_request *req, struct api_response *ret);
/* The kiosk a body's optional string field "kiosk" names: without it the
 * first kiosk, or -1 when none is configured; an unknown one is a 422. */
int api_body_kiosk(const struct config *cfg, const json_t *body,
		   struct api_response *ret, int *ret_kiosk);

#endif
