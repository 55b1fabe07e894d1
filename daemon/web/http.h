/* The HTTP server (libmicrohttpd): request bodies bounded to API_BODY_MAX,
 * the API routes to api_handle(), everything else a static file under
 * ui_dir. */
#ifndef BONOMAT_HTTP_H
#define BONOMAT_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "api.h"
#include "config.h"

struct http;
struct events;

/* Listens on the configured address; *ret_port is the port bound (useful
 * when the config asks for port 0). With events, GET /api/v1/events
 * streams them. */
int http_start(const struct config *cfg, struct api *api,
	       struct events *events, struct http **ret, uint16_t *ret_port);
/* Stops accepting connections and waits, at most timeout_s, until every
 * request whose headers were read has been answered (event streams
 * aside); answers meanwhile close their connections. */
void http_quiesce(struct http *h, int timeout_s);
void http_stop(struct http *h);

/* Maps a decoded URL path ("/kiosk/") to a path relative to ui_dir
 * ("kiosk/index.html"), refusing (-EINVAL) anything that could step
 * outside it or reach a hidden file: no "." or ".." segment, no segment
 * starting with a dot, no "//", backslash or control character. */
int http_map_path(const char *path, char *buf, size_t size);

#endif
