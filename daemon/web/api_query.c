#include "api_query.h"

#include <errno.h>
#include <string.h>

#include "text.h"

static void refuse(struct api_response *ret, const char *what, const char *s,
		   size_t len)
{
	char q[API_ECHO_MAX];

	text_quote(q, sizeof(q), s, len);
	api_errorf(ret, 400, "bad_request", "%s %s.", what, q);
}

int api_query_parse(const char *query, struct api_query_param *params,
		    size_t n, struct api_response *ret)
{
	const char *p = query;

	for (size_t i = 0; i < n; i++) {
		params[i].value[0] = '\0';
		params[i].set = false;
	}
	while (p && *p) {
		size_t len = strcspn(p, "&"), klen, vlen;
		const char *eq = memchr(p, '=', len);
		struct api_query_param *q = NULL;

		klen = eq ? (size_t)(eq - p) : len;
		if (len == 0) {
			p++;
			continue;
		}
		for (size_t i = 0; i < n && !q; i++)
			if (strlen(params[i].name) == klen &&
			    strncmp(p, params[i].name, klen) == 0)
				q = &params[i];
		if (!q) {
			refuse(ret, "Unknown query parameter", p, klen);
			return -EINVAL;
		}
		if (q->set) {
			refuse(ret, "This query parameter is given twice:", p,
			       klen);
			return -EINVAL;
		}
		if (!eq || text_percent_decode(eq + 1, len - klen - 1,
					       TEXT_PERCENT_PLUS_SPACE |
						       TEXT_PERCENT_NO_CONTROL,
					       q->value, sizeof(q->value),
					       &vlen) < 0) {
			refuse(ret, "This query parameter has no usable value:",
			       p, len);
			return -EINVAL;
		}
		q->set = true;
		p += len;
	}
	return 0;
}
