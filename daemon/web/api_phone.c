#include "api_phone.h"

#include <errno.h>
#include <pthread.h>
#include <qrencode.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_auth.h"
#include "api_body.h"
#include "api_internal.h"
#include "api_json.h"
#include "buf.h"
#include "hours.h"
#include "receipt.h"
#include "ticket.h"

/*
 * Unknown tokens, per client address. A token has 128 random bits, so
 * guessing is hopeless; still, an address that keeps asking for tokens
 * nobody has is answered 429 for a while, so that it learns nothing
 * faster than that. The table is bounded: when full, the entry with the
 * fewest misses left gives way.
 */
#define MISS_SLOTS 256
#define MISS_LIMIT 10  /* misses before 429 */
#define MISS_DECAY_S 6 /* one miss forgotten every this many seconds */

struct miss {
	struct addr16 addr;
	unsigned int n; /* 0: a free slot */
	int64_t at;     /* monotonic seconds of the last decay */
};

struct api_misses {
	pthread_mutex_t lock;
	struct miss slot[MISS_SLOTS];
};

static int64_t monotonic_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

static void decay(struct miss *m, int64_t now)
{
	int64_t steps = (now - m->at) / MISS_DECAY_S;

	if (steps <= 0)
		return;
	m->n = (int64_t)m->n > steps ? m->n - (unsigned int)steps : 0;
	m->at += steps * MISS_DECAY_S;
}

int api_misses_new(struct api_misses **ret)
{
	struct api_misses *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	pthread_mutex_init(&m->lock, NULL);
	*ret = m;
	return 0;
}

void api_misses_free(struct api_misses *m)
{
	if (!m)
		return;
	pthread_mutex_destroy(&m->lock);
	free(m);
}

/* The request's address as a key; all zeros when it has none. */
static struct addr16 client_key(const struct ctx *c)
{
	struct addr16 a;

	memset(&a, 0, sizeof(a));
	if (c->req->client_addr)
		(void)api_auth_parse_addr(c->req->client_addr, &a);
	return a;
}

/* Whether the client has missed too often (then a 429 is in ret). */
static bool misses_exceeded(struct ctx *c, struct api_response *ret)
{
	struct api_misses *m = c->a->misses;
	struct addr16 a = client_key(c);
	int64_t now = monotonic_s();
	bool over = false;

	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < MISS_SLOTS; i++) {
		struct miss *s = &m->slot[i];

		if (s->n && memcmp(s->addr.b, a.b, sizeof(a.b)) == 0) {
			decay(s, now);
			over = s->n >= MISS_LIMIT;
			break;
		}
	}
	pthread_mutex_unlock(&m->lock);
	if (over) {
		api_error(ret, 429, "too_many_requests",
			  "Too many unknown tickets were asked for from this "
			  "address; try again in a minute.");
		(void)api_response_header(ret, "Retry-After",
					  API_STRINGIFY(MISS_DECAY_S));
	}
	return over;
}

static void miss_note(struct ctx *c)
{
	struct api_misses *m = c->a->misses;
	struct addr16 a = client_key(c);
	int64_t now = monotonic_s();
	struct miss *found = NULL, *least = NULL;

	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < MISS_SLOTS; i++) {
		struct miss *s = &m->slot[i];

		decay(s, now);
		if (s->n && memcmp(s->addr.b, a.b, sizeof(a.b)) == 0) {
			found = s;
			break;
		}
		if (!least || s->n < least->n)
			least = s;
	}
	if (!found) {
		found = least;
		found->addr = a;
		found->n = 0;
		found->at = now;
	}
	if (found->n < MISS_LIMIT * 2)
		found->n++;
	pthread_mutex_unlock(&m->lock);
}

/*
 * The ticket whose token is the path's first parameter; a 404 (or 429)
 * in ret otherwise. Every unknown token takes the same path: the index
 * lookup, whose time depends on the tree, not on how near a guess came;
 * the found ticket's token is then compared in constant time all the
 * same, so that no shortcut of the lookup can answer for a near miss.
 */
static int token_ticket(struct ctx *c, struct api_response *ret,
			struct ticket *t)
{
	const char *tok = c->param[0];
	size_t len = strnlen(tok, PARAM_MAX);
	struct office_error err;
	int r;

	if (misses_exceeded(c, ret))
		return -EAGAIN;
	memset(&err, 0, sizeof(err));
	memset(t, 0, sizeof(*t));
	if (!ticket_token_valid(tok, len))
		r = -ENOENT;
	else
		r = office_ticket_by_token(c->a->office, tok, c->now, t, &err);
	if (r == 0 && !api_token_equal(tok, len, t->token, strlen(t->token)))
		r = -ENOENT;
	if (r < 0 && (r == -ENOENT || err.status == OFFICE_NOT_FOUND)) {
		miss_note(c);
		api_error(ret, 404, "not_found", "There is no such ticket.");
		return -ENOENT;
	}
	if (r < 0) {
		api_office_failed(c->req, ret, &err);
		return r;
	}
	return 0;
}

json_t *api_json_public_ticket(const struct config *cfg,
			       const struct ticket *t, int64_t return_until,
			       int64_t now)
{
	const struct cfg_service *svc = t->service >= 0 &&
						(size_t)t->service <
							cfg->n_services ?
					&cfg->services[t->service] :
					NULL;
	const struct cfg_counter *ctr =
		t->counter >= 0 && (size_t)t->counter < cfg->n_counters ?
			&cfg->counters[t->counter] :
			NULL;
	json_t *o;

	/* clang-format off */
	o = json_pack("{s:s%,s:s?,s:s?,s:s?,s:s,s:i,s:o,s:s,s:s?,s:s?,s:i}",
		      "number", t->number,
		      strnlen(t->number, sizeof(t->number)),
		      "service", svc ? svc->id : NULL,
		      "service_name", svc ? svc->name : NULL,
		      "service_name_en", svc ? svc->name_en : NULL,
		      "state", ticket_state_name(t->state),
		      "ahead", t->state == TICKET_WAITING ? t->ahead : 0,
		      "est_wait_min", api_json_int_or_null(
			      t->state == TICKET_WAITING ? t->est_wait_min :
							   -1),
		      "printed", print_state_name(t->printed),
		      "counter", ctr && t->state == TICKET_CALLED ?
				 ctr->id : NULL,
		      "counter_name", ctr && t->state == TICKET_CALLED ?
				      ctr->name : NULL,
		      "recalls", t->recalls);
	/* clang-format on */
	if (o && (api_json_time_or_null(o, "issued_at", t->issued_at) < 0 ||
		  api_json_time_or_null(o, "called_at",
					t->state == TICKET_CALLED ||
							t->state ==
								TICKET_NO_SHOW ?
						t->called_at :
						0) < 0 ||
		  api_json_time_or_null(o, "return_until", return_until) < 0 ||
		  api_json_time_or_null(o, "now", now) < 0)) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

/* GET /api/v1/t/{token}: what the citizen holding the ticket may see. */
void api_phone_ticket(struct ctx *c, struct api_response *ret)
{
	struct ticket t;

	if (api_body_none(c->req, ret) < 0 || token_ticket(c, ret, &t) < 0)
		return;
	api_respond(c->req, ret, 200,
		    api_json_public_ticket(
			    c->a->cfg, &t,
			    office_return_until(c->a->office, &t, c->now),
			    c->now));
}

#define QR_QUIET 4          /* modules of white around the code */
#define QR_SVG_MAX (256 * 1024)

int api_qr_svg(const char *text, char **ret, size_t *ret_len)
{
	QRcode *qr;
	struct buf b;
	char *svg;
	int w, size;

	errno = 0;
	qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!qr)
		return errno == ERANGE ? -E2BIG : errno ? -errno : -EINVAL;
	w = qr->width;
	size = w + 2 * QR_QUIET;
	buf_init(&b, QR_SVG_MAX);
	(void)buf_addf(&b,
		       "<svg xmlns=\"http://www.w3.org/2000/svg\" "
		       "viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\">"
		       "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
		       "<path fill=\"#000\" d=\"",
		       size, size, size, size);
	/* One rectangle per run of dark modules in a row (bit 0: dark). */
	for (int y = 0; y < w; y++) {
		for (int x = 0; x < w;) {
			int run = 0;

			while (x + run < w && (qr->data[y * w + x + run] & 1))
				run++;
			if (run) {
				(void)buf_addf(&b, "M%d %dh%dv1h-%dz",
					       x + QR_QUIET, y + QR_QUIET, run,
					       run);
				x += run;
			} else {
				x++;
			}
		}
	}
	(void)buf_addf(&b, "\"/></svg>\n");
	QRcode_free(qr);
	svg = buf_steal(&b, ret_len);
	if (!svg)
		return b.error ? b.error : -ENOMEM;
	*ret = svg;
	return 0;
}

/* GET /api/v1/t/{token}/qr.svg: the QR code of the ticket's address
 * ([office] ticket_url), for the kiosk's screen. */
void api_phone_qr(struct ctx *c, struct api_response *ret)
{
	char url[1024];
	struct ticket t;
	int r;

	if (api_body_none(c->req, ret) < 0 || token_ticket(c, ret, &t) < 0)
		return;
	r = receipt_ticket_url(c->a->cfg, &t, url, sizeof(url));
	if (r == -ENOENT) {
		api_error(ret, 404, "not_found",
			  "There is no QR code: [office] ticket_url is not "
			  "set.");
		return;
	}
	free(ret->body);
	ret->body = NULL;
	if (r == 0)
		r = api_qr_svg(url, &ret->body, &ret->body_len);
	if (r < 0) {
		api_internal(c->req, ret, "cannot make the QR code");
		return;
	}
	ret->status = 200;
	ret->content_type = "image/svg+xml";
}

/* POST /api/v1/t/{token}/return: the citizen at a kiosk brings a no-show
 * ticket back with its QR code. */
void api_phone_return(struct ctx *c, struct api_response *ret)
{
	static const struct api_field fields[] = {
		{"kiosk", API_FIELD_STRING, false, API_ID_MAX},
	};
	struct office_error err;
	struct ticket t;
	json_t *body = NULL;
	int kiosk, r;

	if (api_body_object(c->req, ret, fields, 1, &body) < 0)
		return;
	if (api_body_kiosk(c->a->cfg, body, ret, &kiosk) < 0)
		goto out;
	if (misses_exceeded(c, ret))
		goto out;
	memset(&err, 0, sizeof(err));
	memset(&t, 0, sizeof(t));
	if (!ticket_token_valid(c->param[0], strnlen(c->param[0], PARAM_MAX))) {
		miss_note(c);
		api_error(ret, 404, "not_found", "There is no such ticket.");
		goto out;
	}
	r = office_return_by_token(c->a->office, c->param[0], kiosk, c->now,
				   &t, &err);
	if (r < 0 && err.status == OFFICE_NOT_FOUND)
		miss_note(c);
	if (r < 0)
		api_office_failed(c->req, ret, &err);
	else
		api_respond(c->req, ret, 200,
			    api_json_public_ticket(c->a->cfg, &t, 0, c->now));
out:
	json_decref(body);
}
