/* Who may call a route: kiosks by their client address, a counter, a
 * supervisor and the admin by a bearer token, compared in time that tells nothing about the
 * token (api_token_equal of api.h is implemented here). Every refusal is
 * a 401, 403 or 404 in ret. */
#ifndef BONOMAT_API_AUTH_H
#define BONOMAT_API_AUTH_H

#include "api_response.h"

struct addr16;
struct ctx;

enum api_auth {
	API_AUTH_NONE,
	API_AUTH_KIOSK,   /* client address in server.kiosk_clients */
	API_AUTH_COUNTER, /* the token of the counter in the first segment */
	API_AUTH_ADMIN,
	/* A supervisor's token or the admin token (docs/API.md, "Roles"). */
	API_AUTH_SUPERVISOR,
	/* The token of the counter in the first segment, a supervisor's or
	 * the admin token; it sets c->counter as API_AUTH_COUNTER does. */
	API_AUTH_COUNTER_OR_SUPERVISOR,
	/* A client address listed in server.kiosk_clients (an empty list
	 * lets nobody in by address), or any counter's or the admin token:
	 * who may read a ticket by its id. */
	API_AUTH_STAFF,
};

/* A numeric IPv4 or IPv6 address, with or without a zone, as 16 bytes
 * (IPv4 mapped); -EINVAL when it is none. */
int api_auth_parse_addr(const char *s, struct addr16 *ret);
/* Whether c may be served by a route that needs auth; for
 * API_AUTH_COUNTER and API_AUTH_COUNTER_OR_SUPERVISOR it sets c->counter
 * from the first path segment, and c->supervisor to the index of the
 * supervisor whose token was used (-1: none). */
int api_authorize(struct ctx *c, enum api_auth auth, struct api_response *ret);

#endif
