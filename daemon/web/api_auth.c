#include "api_auth.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api_internal.h"
#include "api_json.h"
#include "api_response.h"
#include "config.h"

bool api_token_equal(const char *a, size_t a_len, const char *b, size_t b_len)
{
	volatile unsigned char diff = 0;

	if (a_len > API_TOKEN_MAX || b_len > API_TOKEN_MAX)
		return false;
	for (size_t i = 0; i < API_TOKEN_MAX; i++) {
		unsigned char x = i < a_len ? (unsigned char)a[i] : 0;
		unsigned char y = i < b_len ? (unsigned char)b[i] : 0;

		diff |= x ^ y;
	}
	return diff == 0 && a_len == b_len;
}

int api_auth_parse_addr(const char *s, struct addr16 *ret)
{
	char buf[64];
	size_t len = strcspn(s, "%");
	struct in_addr v4;

	/* A link-local peer comes with its zone ("fe80::1%eth0"). */
	if (len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, &v4) == 1) {
		memset(ret->b, 0, 10);
		ret->b[10] = 0xff;
		ret->b[11] = 0xff;
		memcpy(ret->b + 12, &v4, 4);
		return 0;
	}
	if (inet_pton(AF_INET6, buf, ret->b) == 1)
		return 0;
	return -EINVAL;
}

/* Whether the peer is one of kiosk_clients; never when none is listed. */
static bool listed_kiosk(const struct ctx *c)
{
	const struct api *a = c->a;
	struct addr16 peer;

	if (!c->req->client_addr ||
	    api_auth_parse_addr(c->req->client_addr, &peer) < 0)
		return false;
	for (size_t i = 0; i < a->n_kiosk_clients; i++)
		if (memcmp(peer.b, a->kiosk_clients[i].b, 16) == 0)
			return true;
	return false;
}

static int check_kiosk(const struct ctx *c, struct api_response *ret)
{
	if (c->a->n_kiosk_clients == 0 || listed_kiosk(c))
		return 0;
	api_error(ret, 403, "forbidden",
		  "This device is not allowed to issue tickets.");
	return -EPERM;
}

/* The bearer token of an Authorization header: -ENOENT without one,
 * -EINVAL when it is not "Bearer <token>". */
static int bearer(const char *h, const char **ret, size_t *ret_len)
{
	size_t len;

	if (!h)
		return -ENOENT;
	if (strncasecmp(h, "Bearer", 6) != 0 || (h[6] != ' ' && h[6] != '\t'))
		return -EINVAL;
	h += 6;
	while (*h == ' ' || *h == '\t')
		h++;
	/* Whitespace around a field value is not part of it (RFC 9110). */
	len = strlen(h);
	while (len > 0 && (h[len - 1] == ' ' || h[len - 1] == '\t'))
		len--;
	if (len == 0 || len > API_TOKEN_MAX)
		return -EINVAL;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)h[i] <= ' ' || h[i] == 0x7f)
			return -EINVAL;
	*ret = h;
	*ret_len = len;
	return 0;
}

#define OWNER_NONE (-1)
#define OWNER_ADMIN (-2)
/* Supervisor i owns OWNER_SUPERVISOR(i); IS_SUPERVISOR tells them apart. */
#define OWNER_SUPERVISOR(i) (-3 - (int)(i))
#define IS_SUPERVISOR(owner) ((owner) <= -3)
#define SUPERVISOR_OF(owner) (-3 - (owner))

/* Whose token this is: a counter's index, OWNER_ADMIN, OWNER_SUPERVISOR(i)
 * or OWNER_NONE. Every configured token is compared, so that the time
 * taken does not tell which one matched. A token shared by several owners
 * (config forbids it) resolves to want when want is among them. */
static int token_owner(const struct api *a, const char *tok, size_t len,
		       int want)
{
	const struct config *cfg = a->cfg;
	int owner = OWNER_NONE;
	bool wanted = false;

	for (size_t i = 0; i < cfg->n_counters; i++) {
		bool eq = cfg->counters[i].token &&
			  api_token_equal(tok, len, cfg->counters[i].token,
					  a->arrays.token_len[i]);

		owner = eq ? (int)i : owner;
		wanted |= eq && (int)i == want;
	}
	for (size_t i = 0; i < cfg->n_supervisors; i++) {
		bool eq = api_token_equal(tok, len, cfg->supervisors[i].token,
					  a->arrays.supervisor_len[i]);

		owner = eq ? OWNER_SUPERVISOR(i) : owner;
	}
	if (cfg->server.admin_token) {
		bool eq = api_token_equal(tok, len, cfg->server.admin_token,
					  a->arrays.admin_len);

		owner = eq ? OWNER_ADMIN : owner;
		wanted |= eq && want == OWNER_ADMIN;
	}
	return wanted ? want : owner;
}

static int unauthorized(struct api_response *ret, const char *message)
{
	api_error(ret, 401, "unauthorized", message);
	(void)api_response_header(ret, "WWW-Authenticate",
				  "Bearer realm=\"bonomat\"");
	return -EACCES;
}

/* The owner of the request's token (see token_owner); a 401 in ret when
 * there is none, it is malformed or it is nobody's. */
static int token_of(const struct ctx *c, struct api_response *ret, int want,
		    int *ret_owner)
{
	const char *tok = NULL;
	size_t len = 0;
	int r, owner;

	r = bearer(c->req->authorization, &tok, &len);
	if (r == -ENOENT)
		return unauthorized(ret, "This request needs a token "
					 "(Authorization: Bearer <token>).");
	if (r < 0)
		return unauthorized(ret, "The Authorization header must be "
					 "\"Bearer <token>\".");
	owner = token_owner(c->a, tok, len, want);
	if (owner == OWNER_NONE)
		return unauthorized(ret, "The token is not valid.");
	*ret_owner = owner;
	return 0;
}

/* Whose token owner is, in words for a refusal. */
static void owner_words(const struct ctx *c, int owner, char *buf,
			size_t size)
{
	if (owner == OWNER_ADMIN)
		snprintf(buf, size, "The admin token");
	else if (IS_SUPERVISOR(owner))
		snprintf(buf, size, "Supervisor %s's token",
			 c->a->cfg->supervisors[SUPERVISOR_OF(owner)].id);
	else
		snprintf(buf, size, "Counter %s's token",
			 api_counter_id(c->a->cfg, owner));
}

/* want: a counter's index, or OWNER_ADMIN. floor: a supervisor's token
 * and the admin token are accepted too. */
static int check_token(struct ctx *c, struct api_response *ret, int want,
		       bool floor)
{
	char who[96];
	int r, owner;

	r = token_of(c, ret, want, &owner);
	if (r < 0)
		return r;
	if (IS_SUPERVISOR(owner))
		c->supervisor = SUPERVISOR_OF(owner);
	if (owner == want || (floor && (owner == OWNER_ADMIN ||
					IS_SUPERVISOR(owner))))
		return 0;
	owner_words(c, owner, who, sizeof(who));
	if (want == OWNER_ADMIN && floor)
		api_errorf(ret, 403, "forbidden",
			   "%s does not allow this; a supervisor's or the "
			   "admin token is needed.",
			   who);
	else if (want == OWNER_ADMIN)
		api_errorf(ret, 403, "forbidden",
			   "%s does not allow this; the admin token is "
			   "needed.",
			   who);
	else
		api_errorf(ret, 403, "forbidden",
			   "%s does not allow acting for counter %s.", who,
			   api_counter_id(c->a->cfg, want));
	return -EPERM;
}

int api_authorize(struct ctx *c, enum api_auth auth, struct api_response *ret)
{
	char buf[API_ECHO_MAX];
	int owner, r;

	switch (auth) {
	case API_AUTH_NONE:
		return 0;
	case API_AUTH_KIOSK:
		return check_kiosk(c, ret);
	case API_AUTH_COUNTER:
	case API_AUTH_COUNTER_OR_SUPERVISOR:
		c->counter = config_counter_index(c->a->cfg, c->param[0]);
		if (c->counter < 0) {
			/* 401 before 404: without a valid token nobody
			 * learns which counter ids exist. */
			r = token_of(c, ret, OWNER_NONE, &owner);
			if (r < 0)
				return r;
			api_quote(buf, sizeof(buf), c->param[0]);
			api_errorf(ret, 404, "not_found", "Unknown counter %s.",
				   buf);
			return -ENOENT;
		}
		return check_token(c, ret, c->counter,
				   auth == API_AUTH_COUNTER_OR_SUPERVISOR);
	case API_AUTH_ADMIN:
		return check_token(c, ret, OWNER_ADMIN, false);
	case API_AUTH_SUPERVISOR:
		return check_token(c, ret, OWNER_ADMIN, true);
	case API_AUTH_STAFF:
		if (listed_kiosk(c))
			return 0;
		return token_of(c, ret, OWNER_NONE, &owner);
	}
	return -EINVAL;
}
