#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "stream.h"
#include "text.h"

#define URI_MAX 4096
#define ADDR_MAX 96
#define FILE_MAX (16 * 1024 * 1024)
/* Past this much of an oversize chunked body the connection is dropped
 * instead of read to its end for a polite 413. */
#define DISCARD_MAX (1024 * 1024)
#define CONN_LIMIT 512
#define CONN_TIMEOUT 30
#define THREADS 8 /* ticket requests waiting on one commit are written together */

#define CSP                                          \
	"default-src 'self'; img-src 'self' data:; " \
	"style-src 'self' 'unsafe-inline'"

struct http {
	const struct config *cfg;
	struct api *api;
	struct streams *streams; /* NULL: no event stream */
	struct MHD_Daemon *daemon;
	char *ui_root; /* realpath() of ui_dir; NULL when it is missing */
	size_t ui_root_len;
};

/* One request, from the URI line to its completion. */
struct request {
	char *path;	/* percent-decoded; NULL when the URI is unusable */
	char *query;	/* raw, after '?' */
	int uri_status; /* non-zero: answer with it (400, 414) */
	bool started;
	bool too_large;
	size_t discarded;
	struct buf body; /* at most API_BODY_MAX */
	char addr[ADDR_MAX];
};

static const struct {
	const char *ext;
	const char *type;
} content_types[] = {
	{"html", "text/html; charset=utf-8"},
	{"css", "text/css; charset=utf-8"},
	{"js", "text/javascript; charset=utf-8"},
	{"svg", "image/svg+xml"},
	{"png", "image/png"},
	{"json", "application/json"},
	{"ico", "image/x-icon"},
	{"woff2", "font/woff2"},
	{"txt", "text/plain; charset=utf-8"},
};

static void request_free(struct request *rq)
{
	if (!rq)
		return;
	free(rq->path);
	free(rq->query);
	buf_free(&rq->body);
	free(rq);
}

/* Percent-decodes the path of a URI; a bad escape or an encoded NUL is
 * refused rather than guessed at. */
static int decode_path(const char *s, size_t len, char **ret)
{
	char *out = malloc(len + 1);
	size_t n;
	int r;

	if (!out)
		return -ENOMEM;
	r = text_percent_decode(s, len, 0, out, len + 1, &n);
	if (r < 0) {
		free(out);
		return r;
	}
	*ret = out;
	return 0;
}

/* Called with the raw URI (query included, nothing decoded yet); what it
 * returns becomes the request's context. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct request *rq = calloc(1, sizeof(*rq));
	size_t len, plen;
	const char *q;
	int r;

	(void)cls;
	(void)conn;
	if (!rq)
		return NULL;
	buf_init(&rq->body, API_BODY_MAX);
	if (!uri || uri[0] != '/') {
		rq->uri_status = 400;
		return rq;
	}
	len = strnlen(uri, URI_MAX + 1);
	if (len > URI_MAX) {
		rq->uri_status = 414;
		return rq;
	}
	q = memchr(uri, '?', len);
	plen = q ? (size_t)(q - uri) : len;
	r = decode_path(uri, plen, &rq->path);
	if (r == -ENOMEM) {
		request_free(rq);
		return NULL;
	}
	if (r < 0) {
		rq->uri_status = 400;
		return rq;
	}
	if (q) {
		rq->query = strndup(q + 1, len - plen - 1);
		if (!rq->query) {
			request_free(rq);
			return NULL;
		}
	}
	return rq;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	request_free(*con_cls);
	*con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];
	size_t len;

	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	len = strlen(buf);
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	log_warn("http: %s", buf);
}

static void client_address(struct MHD_Connection *conn, char *buf, size_t size)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;
	socklen_t len;

	buf[0] = '\0';
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!ci || !ci->client_addr)
		return;
	sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		len = sizeof(struct sockaddr_in);
	else if (sa->sa_family == AF_INET6)
		len = sizeof(struct sockaddr_in6);
	else
		return;
	if (getnameinfo(sa, len, buf, (socklen_t)size, NULL, 0,
			NI_NUMERICHOST) != 0)
		buf[0] = '\0';
}

static bool add_header(struct MHD_Response *resp, const char *name,
		       const char *value)
{
	return MHD_add_response_header(resp, name, value) == MHD_YES;
}

static bool add_common_headers(struct MHD_Response *resp)
{
	return add_header(resp, "X-Content-Type-Options", "nosniff") &&
	       add_header(resp, "Referrer-Policy", "no-referrer");
}

/* Queues r (whose body it takes over) as the answer. */
static enum MHD_Result send_response(struct MHD_Connection *conn,
				     struct api_response *r)
{
	static char empty[1];
	struct MHD_Response *resp;
	enum MHD_Result ret;
	bool ok;

	if (r->body && r->body_len > 0) {
		resp = MHD_create_response_from_buffer_with_free_callback(
			r->body_len, r->body, free);
		if (resp)
			r->body = NULL;
	} else {
		resp = MHD_create_response_from_buffer(0, empty,
						       MHD_RESPMEM_PERSISTENT);
	}
	if (!resp) {
		log_err("http: cannot create a response (status %d)",
			r->status);
		api_response_clear(r);
		return MHD_NO;
	}
	ok = add_common_headers(resp) &&
	     add_header(resp, "Cache-Control", "no-store");
	if (ok && r->content_type)
		ok = add_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				r->content_type);
	for (size_t i = 0; ok && i < r->n_headers; i++)
		ok = add_header(resp, r->headers[i].name, r->headers[i].value);
	if (!ok) {
		log_err("http: cannot add response headers");
		MHD_destroy_response(resp);
		api_response_clear(r);
		return MHD_NO;
	}
	ret = MHD_queue_response(conn, (unsigned int)r->status, resp);
	MHD_destroy_response(resp);
	api_response_clear(r);
	return ret;
}

static enum MHD_Result send_error(struct MHD_Connection *conn, int status,
				  const char *code, const char *message)
{
	struct api_response r;

	memset(&r, 0, sizeof(r));
	api_error(&r, status, code, message);
	return send_response(conn, &r);
}

static bool is_static_page(const char *name)
{
	return strcmp(name, "kiosk") == 0 || strcmp(name, "counter") == 0 ||
	       strcmp(name, "display") == 0;
}

/* Maps a decoded URL path to a path relative to ui_dir, refusing anything
 * that could step outside it or reach a hidden file. */
static int map_path(const char *path, char *buf, size_t size)
{
	const char *p;
	size_t len;
	int n;

	if (path[0] != '/')
		return -EINVAL;
	path++;
	if (path[0] == '\0')
		path = "index.html";
	if (strchr(path, '\\') || strstr(path, "//"))
		return -EINVAL;
	for (p = path; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return -EINVAL;
	/* No segment may start with a dot: that refuses "." and ".." as
	 * well as hidden files. */
	for (p = path; *p;) {
		len = strcspn(p, "/");
		if (p[0] == '.')
			return -EINVAL;
		p += len;
		if (*p == '/')
			p++;
	}
	len = strlen(path);
	if (is_static_page(path))
		n = snprintf(buf, size, "%s/index.html", path);
	else if (path[len - 1] == '/')
		n = snprintf(buf, size, "%sindex.html", path);
	else
		n = snprintf(buf, size, "%s", path);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

static const char *content_type_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(path, '.');

	if (dot && (!slash || dot > slash)) {
		for (size_t i = 0;
		     i < sizeof(content_types) / sizeof(content_types[0]); i++)
			if (strcasecmp(dot + 1, content_types[i].ext) == 0)
				return content_types[i].type;
	}
	return "application/octet-stream";
}

static enum MHD_Result send_not_found(struct MHD_Connection *conn)
{
	return send_error(conn, 404, "not_found", "There is no such page.");
}

static enum MHD_Result serve_static(struct http *h, struct MHD_Connection *conn,
				    const char *method, const char *path)
{
	char rel[PATH_MAX], full[PATH_MAX];
	struct MHD_Response *resp;
	const char *type;
	struct stat st = {0};
	char *real;
	bool ok;
	int fd, n;

	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		struct api_response r;

		memset(&r, 0, sizeof(r));
		api_error(&r, 405, "method_not_allowed",
			  "Pages can only be read (GET or HEAD).");
		(void)api_response_header(&r, "Allow", "GET, HEAD");
		return send_response(conn, &r);
	}
	if (!h->ui_root || map_path(path, rel, sizeof(rel)) < 0)
		return send_not_found(conn);
	n = snprintf(full, sizeof(full), "%s/%s", h->ui_root, rel);
	if (n < 0 || (size_t)n >= sizeof(full))
		return send_not_found(conn);
	real = realpath(full, NULL);
	if (!real) {
		if (errno != ENOENT && errno != ENOTDIR)
			log_warn("http: %s: %s", full, strerror(errno));
		return send_not_found(conn);
	}
	/* A symlink inside ui_dir must not lead out of it. */
	if (strncmp(real, h->ui_root, h->ui_root_len) != 0 ||
	    real[h->ui_root_len] != '/') {
		free(real);
		return send_not_found(conn);
	}
	fd = open(real, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		log_warn("http: %s: %s", real, strerror(errno));
		free(real);
		return send_not_found(conn);
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > FILE_MAX) {
		if (st.st_size > FILE_MAX)
			log_warn("http: %s: larger than %d bytes, not served",
				 real, FILE_MAX);
		close(fd);
		free(real);
		return send_not_found(conn);
	}
	type = content_type_of(real);
	free(real);
	resp = MHD_create_response_from_fd((size_t)st.st_size, fd);
	if (!resp) {
		close(fd);
		log_err("http: cannot create a file response");
		return MHD_NO;
	}
	ok = add_common_headers(resp) &&
	     add_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type) &&
	     add_header(resp, "Cache-Control", "no-cache");
	if (ok && strncmp(type, "text/html", 9) == 0)
		ok = add_header(resp, "Content-Security-Policy", CSP);
	if (!ok) {
		log_err("http: cannot add response headers");
		MHD_destroy_response(resp);
		return MHD_NO;
	}
	enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);

	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result serve_api(struct http *h, struct MHD_Connection *conn,
				 const char *method, struct request *rq)
{
	struct api_request req = {
		.method = method,
		.path = rq->path,
		.query = rq->query,
		.body = rq->body.data,
		.body_len = rq->body.len,
		.client_addr = rq->addr[0] ? rq->addr : NULL,
	};
	struct api_response resp;

	req.authorization = MHD_lookup_connection_value(
		conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	req.accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						 MHD_HTTP_HEADER_ACCEPT);
	api_handle(h->api, &req, &resp);
	return send_response(conn, &resp);
}

/* Whether a Content-Length announces more than the API accepts. Values
 * that are not plain digits are libmicrohttpd's to refuse. */
static bool length_too_large(const char *s)
{
	size_t v = 0;

	if (!s || !*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (size_t)(*s - '0');
		if (v > API_BODY_MAX)
			return true;
	}
	return false;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct http *h = cls;
	struct request *rq = *con_cls;

	(void)url;
	(void)version;
	if (!rq)
		return MHD_NO;
	if (!rq->started) {
		rq->started = true;
		client_address(conn, rq->addr, sizeof(rq->addr));
		if (rq->uri_status == 414)
			return send_error(conn, 414, "uri_too_long",
					  "The address is too long.");
		if (rq->uri_status)
			return send_error(conn, 400, "bad_request",
					  "The address is malformed.");
		if (length_too_large(MHD_lookup_connection_value(
			    conn, MHD_HEADER_KIND,
			    MHD_HTTP_HEADER_CONTENT_LENGTH)))
			return send_error(conn, 413, "payload_too_large",
					  API_TOO_LARGE_MESSAGE);
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		if (!rq->too_large && n > API_BODY_MAX - rq->body.len) {
			rq->too_large = true;
			buf_free(&rq->body);
		}
		if (rq->too_large) {
			rq->discarded += n;
			if (rq->discarded <= DISCARD_MAX)
				return MHD_YES;
			log_warn("http: %s from %s: body far over %d bytes, "
				 "connection dropped",
				 method, rq->addr, API_BODY_MAX);
			return MHD_NO;
		}
		if (buf_add(&rq->body, upload_data, n) < 0) {
			log_err("http: out of memory reading a request body");
			return MHD_NO;
		}
		return MHD_YES;
	}
	if (rq->too_large)
		return send_error(conn, 413, "payload_too_large",
				  API_TOO_LARGE_MESSAGE);
	if (strcmp(rq->path, "/api/v1/events") == 0 && h->streams) {
		if (strcmp(method, "GET") != 0)
			return send_error(conn, 405, "method_not_allowed",
					  "The event stream is read with GET.");
		return streams_serve(h->streams, conn,
				     MHD_lookup_connection_value(
					     conn, MHD_HEADER_KIND,
					     "Last-Event-ID"));
	}
	if (api_handles(rq->path))
		return serve_api(h, conn, method, rq);
	return serve_static(h, conn, method, rq->path);
}

/* Fills ss with host:port; *ret_flags gets the address family's flag. */
static int listen_address(const char *host, uint16_t port,
			  struct sockaddr_storage *ss, unsigned int *ret_flags)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	struct addrinfo hints, *ai = NULL;
	int r;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		*ret_flags = 0;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		/* "::" takes IPv4 too, as a listener on every address
		 * is expected to. */
		*ret_flags = IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr) ?
				     MHD_USE_DUAL_STACK :
				     MHD_USE_IPv6;
		return 0;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	r = getaddrinfo(host, NULL, &hints, &ai);
	if (r != 0 || !ai) {
		log_err("http: cannot resolve listen address \"%s\": %s", host,
			gai_strerror(r));
		return -EADDRNOTAVAIL;
	}
	if (ai->ai_addrlen > sizeof(*ss) ||
	    (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)) {
		freeaddrinfo(ai);
		return -EAFNOSUPPORT;
	}
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	if (ai->ai_family == AF_INET) {
		in->sin_port = htons(port);
		*ret_flags = 0;
	} else {
		in6->sin6_port = htons(port);
		*ret_flags = MHD_USE_IPv6;
	}
	freeaddrinfo(ai);
	return 0;
}

int http_start(const struct config *cfg, struct api *api,
	       struct events *events, struct http **ret, uint16_t *ret_port)
{
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
			     MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	const char *host =
		cfg->server.listen_host ? cfg->server.listen_host : "127.0.0.1";
	const union MHD_DaemonInfo *info;
	struct sockaddr_storage ss;
	unsigned int family_flags;
	struct http *h;
	int r;

	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->cfg = cfg;
	h->api = api;
	if (events) {
		r = streams_new(events, &h->streams);
		if (r < 0)
			goto fail;
	}
	if (cfg->server.ui_dir) {
		h->ui_root = realpath(cfg->server.ui_dir, NULL);
		if (!h->ui_root)
			log_warn("http: ui_dir %s: %s; pages will not be "
				 "served",
				 cfg->server.ui_dir, strerror(errno));
		else
			h->ui_root_len = strlen(h->ui_root);
	}
	r = listen_address(host, cfg->server.listen_port, &ss, &family_flags);
	if (r < 0)
		goto fail;

	errno = 0;
	/* clang-format off */
	h->daemon = MHD_start_daemon(
		flags | family_flags, cfg->server.listen_port, NULL, NULL,
		on_request, h,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, h,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, h,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)CONN_LIMIT,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)CONN_TIMEOUT,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)THREADS,
		MHD_OPTION_STRICT_FOR_CLIENT, (int)1,
		MHD_OPTION_END);
	/* clang-format on */
	if (!h->daemon) {
		r = errno > 0 ? -errno : -EIO;
		log_err("http: cannot listen on %s port %u: %s", host,
			(unsigned int)cfg->server.listen_port, strerror(-r));
		goto fail;
	}
	info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
	if (!info || info->port == 0) {
		log_err("http: cannot find the port listened on");
		r = -EIO;
		goto fail;
	}
	if (ret_port)
		*ret_port = info->port;
	*ret = h;
	return 0;
fail:
	http_stop(h);
	return r;
}

void http_stop(struct http *h)
{
	if (!h)
		return;
	/* Parked event streams must be resumed for the server to stop. */
	streams_shutdown(h->streams);
	if (h->daemon)
		MHD_stop_daemon(h->daemon);
	streams_free(h->streams);
	free(h->ui_root);
	free(h);
}
