/* The query string of an API request: key=value pairs separated by '&',
 * percent-decoded ('+' is a space), every key one the route knows and
 * given at most once. Used by every route that takes parameters. */
#ifndef BONOMAT_API_QUERY_H
#define BONOMAT_API_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include "api_response.h"

#define API_QUERY_VALUE_MAX 32 /* bytes of a decoded value, NUL included */

struct api_query_param {
	const char *name;
	char value[API_QUERY_VALUE_MAX];
	bool set;
};

/* Reads query (NULL or "" when none) into params. 0, or -EINVAL with a 400
 * bad_request in ret naming the unknown, repeated or malformed parameter
 * (control characters and over-long values are malformed). */
int api_query_parse(const char *query, struct api_query_param *params,
		    size_t n, struct api_response *ret);

#endif
