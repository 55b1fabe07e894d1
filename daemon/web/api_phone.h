/* The citizen's ticket (docs/API.md, "The citizen's ticket"): the routes
 * under /api/v1/t/{token} that the phone page and the kiosk call, what
 * they show of a ticket, its QR code as SVG (libqrencode), and the count
 * of unknown tokens per address that turns into 429. */
#ifndef BONOMAT_API_PHONE_H
#define BONOMAT_API_PHONE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "api_response.h"
#include "config.h"
#include "ticket.h"

struct api_misses;
struct ctx;

int api_misses_new(struct api_misses **ret);
void api_misses_free(struct api_misses *m);

/* GET /api/v1/t/{token}, GET /api/v1/t/{token}/qr.svg and
 * POST /api/v1/t/{token}/return. */
void api_phone_ticket(struct ctx *c, struct api_response *ret);
void api_phone_qr(struct ctx *c, struct api_response *ret);
void api_phone_return(struct ctx *c, struct api_response *ret);

/* t as its holder sees it: nothing about anyone else. return_until: the
 * last moment a no-show can come back, 0 when it cannot. */
json_t *api_json_public_ticket(const struct config *cfg,
			       const struct ticket *t, int64_t return_until,
			       int64_t now);
/* The QR code of text as an SVG document (malloc'd, the caller frees). */
int api_qr_svg(const char *text, char **ret, size_t *ret_len);

#endif
