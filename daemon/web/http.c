#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api_auth.h"
#include "api_internal.h"
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
/* Once a request's headers are complete: the body, the answer and the
 * idle time of a kept-alive connection until its next request line. */
#define CONN_TIMEOUT 30
#define THREADS 8 /* the workers of libmicrohttpd */
/* The threads that issue tickets (see struct issuers). */
#define ISSUERS 16
/* A quarter of the connections and of the event streams is kept for the
 * kiosk_clients, so that no crowd of other addresses can take it all. */
#define RESERVED_SHARE 4
#define RETRY_AFTER "5"
#define BUSY_LOG_S 60 /* at most one "budget exhausted" line a minute */

#define CHARTJS_PREFIX "/javascript/chart.js/"

#define CSP                                          \
	"default-src 'self'; img-src 'self' data:; " \
	"style-src 'self' 'unsafe-inline'"

/* Connections open from one address. */
struct peer {
	struct addr16 addr;
	unsigned int n; /* 0: a free slot */
};

/* What a connection holds of the budget (MHD's socket context). */
struct conn_info {
	struct addr16 addr;
	bool trusted;
};

/*
 * The connection budget. libmicrohttpd's own limits (a total, the same
 * per-address limit for everyone) cannot keep a share for the kiosks, so
 * the accept policy callback decides with these counts, which the
 * connection notifications keep. The counts can run over by the few
 * connections being accepted at the same moment by other workers.
 */
struct budget {
	pthread_mutex_t lock;
	pthread_cond_t idle; /* signalled when requests drops to 0 */
	unsigned int open, open_others;
	unsigned int streams, streams_others;
	unsigned int requests; /* headers read, not yet answered; no streams */
	bool closed; /* shutting down and drained: no request starts */
	struct peer *peers;
	size_t n_peers;
	time_t warned; /* last "budget exhausted" line */
};

/* The [server] limits, copied at start: a reload leaves them (they need
 * a restart) and may free the config they came from. */
struct http_limits {
	unsigned int max_connections, max_per_address, max_event_streams;
	unsigned int header_timeout;
};

/*
 * Ticket requests are answered by threads of their own. A worker of
 * libmicrohttpd serves many connections one request at a time, and
 * connections opened together land on the same worker: were the ticket
 * written on it, the requests that come while a commit syncs would wait
 * behind it on their worker instead of joining the next commit (the
 * office's group commit). So the connection is suspended, the request
 * handed to these threads, and resumed with its answer.
 */
struct issuers {
	pthread_mutex_t lock;
	pthread_cond_t work;
	struct request *head, *tail;
	pthread_t threads[ISSUERS];
	size_t n_threads;
	bool stop, inited;
};

struct http {
	struct http_limits lim;
	struct api *api;
	struct streams *streams; /* NULL: no event stream */
	struct MHD_Daemon *daemon;
	char *ui_root; /* realpath() of ui_dir; NULL when it is missing */
	size_t ui_root_len;
	char *chart_root; /* realpath() of chartjs_dir, or NULL */
	size_t chart_root_len;
	struct addr16 *trusted; /* kiosk_clients */
	size_t n_trusted;
	struct budget b;
	atomic_bool stopping; /* answers close their connection */
	struct issuers is;
};

/* One request, from the URI line to its completion. */
struct request {
	char *path;	/* percent-decoded; NULL when the URI is unusable */
	char *query;	/* raw, after '?' */
	int uri_status; /* non-zero: answer with it (400, 414) */
	bool started;
	bool counted; /* in budget.requests */
	bool stream;  /* in budget.streams */
	bool stream_trusted;
	bool too_large;
	size_t discarded;
	struct buf body; /* at most API_BODY_MAX */
	char addr[ADDR_MAX];
	/* Handed to the issuers: the connection, suspended until the
	 * answer in resp is ready. */
	struct MHD_Connection *conn;
	struct api_request areq;
	struct api_response resp;
	bool handed, answered;
	struct request *next;
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
	api_response_clear(&rq->resp);
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
	struct http *h = cls;
	struct request *rq = calloc(1, sizeof(*rq));
	size_t len, plen;
	const char *q;
	int r;

	/* A new request line: its headers have header_timeout of silence,
	 * as a new connection has for its first line. */
	(void)MHD_set_connection_option(
		conn, MHD_CONNECTION_OPTION_TIMEOUT,
		h->lim.header_timeout);
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
	struct http *h = cls;
	struct request *rq = *con_cls;

	(void)conn;
	(void)toe;
	if (rq && (rq->counted || rq->stream)) {
		pthread_mutex_lock(&h->b.lock);
		if (rq->counted && --h->b.requests == 0)
			pthread_cond_broadcast(&h->b.idle);
		if (rq->stream) {
			h->b.streams--;
			if (!rq->stream_trusted)
				h->b.streams_others--;
		}
		pthread_mutex_unlock(&h->b.lock);
	}
	request_free(rq);
	*con_cls = NULL;
}

/* The 16-byte form of a peer's address (IPv4 mapped), as api_auth keeps
 * kiosk_clients. */
static bool addr_key(const struct sockaddr *sa, struct addr16 *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (!sa)
		return false;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		ret->b[10] = 0xff;
		ret->b[11] = 0xff;
		memcpy(ret->b + 12, &in->sin_addr, 4);
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 =
			(const struct sockaddr_in6 *)sa;

		memcpy(ret->b, &in6->sin6_addr, 16);
		return true;
	}
	return false;
}

static bool is_trusted(const struct http *h, const struct addr16 *a)
{
	for (size_t i = 0; i < h->n_trusted; i++)
		if (memcmp(h->trusted[i].b, a->b, 16) == 0)
			return true;
	return false;
}

/* Called with the budget lock held. */
static struct peer *peer_find(struct budget *b, const struct addr16 *a,
			      bool add)
{
	struct peer *free_slot = NULL;

	for (size_t i = 0; i < b->n_peers; i++) {
		if (b->peers[i].n == 0) {
			if (!free_slot)
				free_slot = &b->peers[i];
			continue;
		}
		if (memcmp(b->peers[i].addr.b, a->b, 16) == 0)
			return &b->peers[i];
	}
	if (add && free_slot)
		free_slot->addr = *a;
	return add ? free_slot : NULL;
}

static void budget_warn(struct http *h, const char *what)
{
	time_t now = time(NULL);
	bool say;

	pthread_mutex_lock(&h->b.lock);
	say = now - h->b.warned >= BUSY_LOG_S;
	if (say)
		h->b.warned = now;
	pthread_mutex_unlock(&h->b.lock);
	if (say)
		log_warn("http: %s (logged at most once a minute)", what);
}

/* Whether a new connection fits the budget: every address but the
 * kiosk_clients gets at most max_connections_per_address, and all of them
 * together leave a quarter of max_connections to the kiosk_clients. */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr,
				 socklen_t addrlen)
{
	struct http *h = cls;
	unsigned int max = h->lim.max_connections;
	unsigned int others = max - max / RESERVED_SHARE;
	const char *why = NULL;
	struct addr16 key;
	struct peer *p;
	bool trusted;

	(void)addrlen;
	if (atomic_load(&h->stopping))
		return MHD_NO;
	if (!addr_key(addr, &key))
		return MHD_NO;
	trusted = is_trusted(h, &key);
	pthread_mutex_lock(&h->b.lock);
	if (h->b.open >= max)
		why = "max_connections reached, new connections refused";
	else if (!trusted && h->b.open_others >= others)
		why = "the connections not kept for kiosk_clients are all "
		      "taken; other addresses are refused";
	else if (!trusted) {
		p = peer_find(&h->b, &key, false);
		if (p && p->n >= h->lim.max_per_address)
			why = "an address reached max_connections_per_address; "
			      "its new connections are refused";
	}
	pthread_mutex_unlock(&h->b.lock);
	if (why) {
		budget_warn(h, why);
		return MHD_NO;
	}
	return MHD_YES;
}

static void on_connection(void *cls, struct MHD_Connection *conn,
			  void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct http *h = cls;
	struct conn_info *ci = *socket_context;
	const union MHD_ConnectionInfo *info;
	struct peer *p;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = calloc(1, sizeof(*ci));
		if (!ci)
			return;
		info = MHD_get_connection_info(
			conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		if (info)
			(void)addr_key(info->client_addr, &ci->addr);
		ci->trusted = is_trusted(h, &ci->addr);
		pthread_mutex_lock(&h->b.lock);
		h->b.open++;
		if (!ci->trusted) {
			h->b.open_others++;
			p = peer_find(&h->b, &ci->addr, true);
			if (p)
				p->n++;
		}
		pthread_mutex_unlock(&h->b.lock);
		*socket_context = ci;
		return;
	}
	if (!ci)
		return;
	pthread_mutex_lock(&h->b.lock);
	h->b.open--;
	if (!ci->trusted) {
		h->b.open_others--;
		p = peer_find(&h->b, &ci->addr, false);
		if (p)
			p->n--;
	}
	pthread_mutex_unlock(&h->b.lock);
	free(ci);
	*socket_context = NULL;
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
static enum MHD_Result send_response(struct http *h,
				     struct MHD_Connection *conn,
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
	/* Shutting down: this answer is the connection's last. */
	if (ok && atomic_load(&h->stopping))
		ok = add_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
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

static enum MHD_Result send_error(struct http *h, struct MHD_Connection *conn,
				  int status, const char *code,
				  const char *message)
{
	struct api_response r;

	memset(&r, 0, sizeof(r));
	api_error(&r, status, code, message);
	if (status == 503)
		(void)api_response_header(&r, "Retry-After", RETRY_AFTER);
	return send_response(h, conn, &r);
}

static bool is_static_page(const char *name)
{
	return strcmp(name, "kiosk") == 0 || strcmp(name, "counter") == 0 ||
	       strcmp(name, "display") == 0 ||
	       strcmp(name, "supervisor") == 0 || strcmp(name, "reports") == 0;
}

int http_map_path(const char *path, char *buf, size_t size)
{
	const char *p;
	size_t len;
	int n;

	if (path[0] != '/')
		return -EINVAL;
	path++;
	if (path[0] == '\0')
		path = "index.html";
	/* "//" also at the start: "//x" must not become the absolute "/x"
	 * (found by fuzz_static_path; realpath() kept it inside ui_dir). */
	if (path[0] == '/' || strchr(path, '\\') || strstr(path, "//"))
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
	/* The citizen's page of a ticket, /t/{token}: one page for every
	 * token, which it reads from its own address. */
	if (strncmp(path, "t/", 2) == 0 && path[2] && !strchr(path + 2, '/'))
		n = snprintf(buf, size, "phone/index.html");
	else if (is_static_page(path))
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

static enum MHD_Result send_not_found(struct http *h,
				      struct MHD_Connection *conn)
{
	return send_error(h, conn, 404, "not_found", "There is no such page.");
}

/* A file of the tree at root (a realpath(), NULL when missing), path
 * mapped by http_map_path(). */
static enum MHD_Result serve_file(struct http *h, struct MHD_Connection *conn,
				  const char *method, const char *root,
				  size_t root_len, const char *path)
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
		return send_response(h, conn, &r);
	}
	if (!root || http_map_path(path, rel, sizeof(rel)) < 0)
		return send_not_found(h, conn);
	n = snprintf(full, sizeof(full), "%s/%s", root, rel);
	if (n < 0 || (size_t)n >= sizeof(full))
		return send_not_found(h, conn);
	real = realpath(full, NULL);
	if (!real) {
		if (errno != ENOENT && errno != ENOTDIR)
			log_warn("http: %s: %s", full, strerror(errno));
		return send_not_found(h, conn);
	}
	/* A symlink inside the tree must not lead out of it. */
	if (strncmp(real, root, root_len) != 0 || real[root_len] != '/') {
		free(real);
		return send_not_found(h, conn);
	}
	/* O_NONBLOCK: a FIFO or a device opens without waiting, and is then
	 * refused as not a regular file instead of hanging the worker. */
	fd = open(real, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		log_warn("http: %s: %s", real, strerror(errno));
		free(real);
		return send_not_found(h, conn);
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > FILE_MAX) {
		if (st.st_size > FILE_MAX)
			log_warn("http: %s: larger than %d bytes, not served",
				 real, FILE_MAX);
		close(fd);
		free(real);
		return send_not_found(h, conn);
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

static void *issuer(void *arg)
{
	struct http *h = arg;
	struct issuers *is = &h->is;

	pthread_mutex_lock(&is->lock);
	for (;;) {
		struct request *rq = is->head;

		if (!rq) {
			if (is->stop)
				break;
			pthread_cond_wait(&is->work, &is->lock);
			continue;
		}
		is->head = rq->next;
		if (!is->head)
			is->tail = NULL;
		pthread_mutex_unlock(&is->lock);
		api_handle(h->api, &rq->areq, &rq->resp);
		rq->answered = true;
		/* The worker that sends the answer sees rq->resp: resuming
		 * goes through libmicrohttpd's locks. */
		MHD_resume_connection(rq->conn);
		pthread_mutex_lock(&is->lock);
	}
	pthread_mutex_unlock(&is->lock);
	return NULL;
}

static int issuers_start(struct http *h)
{
	struct issuers *is = &h->is;

	pthread_mutex_init(&is->lock, NULL);
	pthread_cond_init(&is->work, NULL);
	is->inited = true;
	for (size_t i = 0; i < ISSUERS; i++) {
		int r = pthread_create(&is->threads[i], NULL, issuer, h);
		if (r != 0)
			return -r;
		is->n_threads++;
	}
	return 0;
}

/* Answers every request handed over, then ends the threads. */
static void issuers_stop(struct http *h)
{
	struct issuers *is = &h->is;

	if (!is->n_threads)
		return;
	pthread_mutex_lock(&is->lock);
	is->stop = true;
	pthread_cond_broadcast(&is->work);
	pthread_mutex_unlock(&is->lock);
	for (size_t i = 0; i < is->n_threads; i++)
		pthread_join(is->threads[i], NULL);
	is->n_threads = 0;
}

/* Whether the request is one the issuers answer: a new ticket. */
static bool for_issuers(const struct http *h, const char *method,
			const struct request *rq)
{
	return h->is.n_threads && strcmp(method, "POST") == 0 &&
	       strcmp(rq->path, "/api/v1/tickets") == 0;
}

static enum MHD_Result serve_api(struct http *h, struct MHD_Connection *conn,
				 const char *method, struct request *rq)
{
	struct api_request *req = &rq->areq;
	struct api_response resp;

	*req = (struct api_request){
		.method = method,
		.path = rq->path,
		.query = rq->query,
		.body = rq->body.data,
		.body_len = rq->body.len,
		.client_addr = rq->addr[0] ? rq->addr : NULL,
	};
	/* The connection's headers stay while it is suspended. */
	req->authorization = MHD_lookup_connection_value(
		conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	req->accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						  MHD_HTTP_HEADER_ACCEPT);
	if (for_issuers(h, method, rq)) {
		struct issuers *is = &h->is;

		rq->conn = conn;
		rq->handed = true;
		MHD_suspend_connection(conn);
		pthread_mutex_lock(&is->lock);
		if (is->tail)
			is->tail->next = rq;
		else
			is->head = rq;
		is->tail = rq;
		pthread_cond_signal(&is->work);
		pthread_mutex_unlock(&is->lock);
		return MHD_YES;
	}
	api_handle(h->api, req, &resp);
	return send_response(h, conn, &resp);
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

/* What the header lines say about framing, as far as libmicrohttpd lets
 * them through. */
struct header_check {
	unsigned int host, length, encoding;
	const char *content_type;
	bool bad_name, bad_value;
};

static bool is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static enum MHD_Result check_header(void *cls, enum MHD_ValueKind kind,
				    const char *key, size_t key_size,
				    const char *value, size_t value_size)
{
	struct header_check *hc = cls;

	(void)kind;
	if (!key || key_size == 0)
		hc->bad_name = true;
	for (size_t i = 0; key && i < key_size; i++)
		if (!is_tchar((unsigned char)key[i]))
			hc->bad_name = true;
	/* Field values: visible characters, blanks and tabs; a bare CR (or
	 * any other control character) is refused (RFC 9110, 5.5). */
	for (size_t i = 0; value && i < value_size; i++) {
		unsigned char c = (unsigned char)value[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			hc->bad_value = true;
	}
	if (hc->bad_name || !key)
		return MHD_YES;
	if (strcasecmp(key, MHD_HTTP_HEADER_HOST) == 0)
		hc->host++;
	else if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
		hc->length++;
	else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0)
		hc->encoding++;
	else if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_TYPE) == 0)
		hc->content_type = value;
	return MHD_YES;
}

/* application/json, with parameters or not (RFC 9110, 8.3.1). */
static bool is_json_type(const char *s)
{
	static const char json[] = "application/json";
	size_t n = sizeof(json) - 1;

	if (!s || strncasecmp(s, json, n) != 0)
		return false;
	s += n;
	while (*s == ' ' || *s == '\t')
		s++;
	return *s == '\0' || *s == ';';
}

/* Refuses what a proxy in front could read differently (two lengths, two
 * hosts, a length beside chunked, malformed lines), and bodies that are
 * not JSON: a form of any web site can send text/plain without a CORS
 * preflight, application/json it cannot. */
static enum MHD_Result check_request(struct http *h,
				     struct MHD_Connection *conn, bool *ret_ok)
{
	struct header_check hc = {0};
	const char *length;

	*ret_ok = false;
	(void)MHD_get_connection_values_n(conn, MHD_HEADER_KIND, check_header,
					  &hc);
	if (hc.bad_name)
		return send_error(h, conn, 400, "bad_request",
				  "A header line has a malformed field name.");
	if (hc.bad_value)
		return send_error(h, conn, 400, "bad_request",
				  "A header value holds a control character.");
	if (hc.host > 1)
		return send_error(h, conn, 400, "bad_request",
				  "The request has more than one Host header.");
	if (hc.length > 1)
		return send_error(h, conn, 400, "bad_request",
				  "The request has more than one "
				  "Content-Length header.");
	if (hc.length && hc.encoding)
		return send_error(h, conn, 400, "bad_request",
				  "The request has both Content-Length and "
				  "Transfer-Encoding.");
	length = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
					     MHD_HTTP_HEADER_CONTENT_LENGTH);
	if ((hc.encoding || (length && length[strspn(length, "0")] != '\0')) &&
	    !is_json_type(hc.content_type))
		return send_error(h, conn, 415, "unsupported_media_type",
				  "Request bodies must be sent as "
				  "Content-Type: application/json.");
	*ret_ok = true;
	return MHD_YES;
}

/* Whether one more event stream fits: the kiosk_clients may use all of
 * max_event_streams, the others three quarters. */
static bool stream_admit(struct http *h, struct request *rq)
{
	unsigned int max = h->lim.max_event_streams;
	struct addr16 key;
	bool trusted, ok;

	trusted =
		api_auth_parse_addr(rq->addr, &key) == 0 && is_trusted(h, &key);
	pthread_mutex_lock(&h->b.lock);
	ok = h->b.streams < max &&
	     (trusted || h->b.streams_others < max - max / RESERVED_SHARE);
	if (ok) {
		h->b.streams++;
		if (!trusted)
			h->b.streams_others++;
		rq->stream = true;
		rq->stream_trusted = trusted;
		/* A stream is no request to wait for at shutdown. */
		if (rq->counted && --h->b.requests == 0)
			pthread_cond_broadcast(&h->b.idle);
		rq->counted = false;
	}
	pthread_mutex_unlock(&h->b.lock);
	return ok;
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
		enum MHD_Result ret;
		bool ok;

		rq->started = true;
		client_address(conn, rq->addr, sizeof(rq->addr));
		/* The headers are in: from now on the usual timeout. */
		(void)MHD_set_connection_option(conn,
						MHD_CONNECTION_OPTION_TIMEOUT,
						(unsigned int)CONN_TIMEOUT);
		pthread_mutex_lock(&h->b.lock);
		/* After the drain, a request is not let into the office,
		 * where it could be stored without its answer. */
		ok = !h->b.closed;
		if (ok) {
			h->b.requests++;
			rq->counted = true;
		}
		pthread_mutex_unlock(&h->b.lock);
		if (!ok)
			return MHD_NO;
		if (rq->uri_status == 414)
			return send_error(h, conn, 414, "uri_too_long",
					  "The address is too long.");
		if (rq->uri_status)
			return send_error(h, conn, 400, "bad_request",
					  "The address is malformed.");
		if (length_too_large(MHD_lookup_connection_value(
			    conn, MHD_HEADER_KIND,
			    MHD_HTTP_HEADER_CONTENT_LENGTH)))
			return send_error(h, conn, 413, "payload_too_large",
					  API_TOO_LARGE_MESSAGE);
		ret = check_request(h, conn, &ok);
		if (!ok)
			return ret;
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
		return send_error(h, conn, 413, "payload_too_large",
				  API_TOO_LARGE_MESSAGE);
	/* Resumed by an issuer: its answer. */
	if (rq->handed)
		return rq->answered ? send_response(h, conn, &rq->resp)
				    : MHD_YES;
	if (strcmp(rq->path, "/api/v1/events") == 0 && h->streams) {
		if (strcmp(method, "GET") != 0)
			return send_error(h, conn, 405, "method_not_allowed",
					  "The event stream is read with GET.");
		if (!stream_admit(h, rq))
			return send_error(h, conn, 503, "unavailable",
					  "Too many event streams are open; "
					  "try again later.");
		return streams_serve(h->streams, conn,
				     MHD_lookup_connection_value(
					     conn, MHD_HEADER_KIND,
					     "Last-Event-ID"));
	}
	if (api_handles(rq->path))
		return serve_api(h, conn, method, rq);
	/* Chart.js where Debian installs it, at the address Debian's web
	 * applications give /usr/share/javascript. */
	if (strncmp(rq->path, CHARTJS_PREFIX, strlen(CHARTJS_PREFIX)) == 0)
		return serve_file(h, conn, method, h->chart_root,
				  h->chart_root_len,
				  rq->path + strlen(CHARTJS_PREFIX) - 1);
	return serve_file(h, conn, method, h->ui_root, h->ui_root_len,
			  rq->path);
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
	h->lim = (struct http_limits){
		.max_connections = (unsigned int)cfg->server.max_connections,
		.max_per_address = (unsigned int)cfg->server.max_per_address,
		.max_event_streams =
			(unsigned int)cfg->server.max_event_streams,
		.header_timeout = (unsigned int)cfg->server.header_timeout,
	};
	h->api = api;
	atomic_init(&h->stopping, false);
	pthread_mutex_init(&h->b.lock, NULL);
	pthread_cond_init(&h->b.idle, NULL);
	/* Slots for every connection the others may hold, and for those
	 * being accepted at the same time. */
	h->b.n_peers = (size_t)cfg->server.max_connections + 4 * THREADS;
	h->b.peers = calloc(h->b.n_peers, sizeof(*h->b.peers));
	h->n_trusted = cfg->server.n_kiosk_clients;
	h->trusted = calloc(h->n_trusted + 1, sizeof(*h->trusted));
	if (!h->b.peers || !h->trusted) {
		r = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < h->n_trusted; i++) {
		if (api_auth_parse_addr(cfg->server.kiosk_clients[i],
					&h->trusted[i]) < 0) {
			r = -EINVAL;
			goto fail;
		}
	}
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
	if (cfg->server.chartjs_dir) {
		h->chart_root = realpath(cfg->server.chartjs_dir, NULL);
		if (!h->chart_root)
			log_warn("http: chartjs_dir %s: %s; the reports page "
				 "will have no charts (install libjs-chart.js)",
				 cfg->server.chartjs_dir, strerror(errno));
		else
			h->chart_root_len = strlen(h->chart_root);
	}
	r = listen_address(host, cfg->server.listen_port, &ss, &family_flags);
	if (r < 0)
		goto fail;

	errno = 0;
	/* clang-format off */
	h->daemon = MHD_start_daemon(
		flags | family_flags, cfg->server.listen_port, on_accept, h,
		on_request, h,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, h,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, h,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
		/* The budget is on_accept's; libmicrohttpd's limit, which it
		 * splits among the workers, only has to stay out of its way. */
		MHD_OPTION_CONNECTION_LIMIT,
		(unsigned int)(2 * cfg->server.max_connections + 4 * THREADS),
		MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned int)cfg->server.header_timeout,
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
	r = issuers_start(h);
	if (r < 0) {
		log_err("http: cannot start the ticket threads: %s",
			strerror(-r));
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

void http_quiesce(struct http *h, int timeout_s)
{
	struct timespec until;
	unsigned int left;
	int r = 0;

	if (!h || !h->daemon)
		return;
	/* No new connection is served from here on: on_accept closes each
	 * at once. Not MHD_quiesce_daemon(): with a thread pool it takes the
	 * listening socket out of each worker's epoll set while the worker
	 * may do the same, and libmicrohttpd 0.9.75 aborts on the loser's
	 * ENOENT ("Failed to remove listen FD from epoll set", seen in the
	 * tests at SIGTERM). MHD_stop_daemon() closes the socket. */
	atomic_store(&h->stopping, true);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_s;
	pthread_mutex_lock(&h->b.lock);
	while (h->b.requests > 0 && r != ETIMEDOUT)
		r = pthread_cond_timedwait(&h->b.idle, &h->b.lock, &until);
	left = h->b.requests;
	h->b.closed = true;
	pthread_mutex_unlock(&h->b.lock);
	if (left)
		log_warn("http: %u requests still unanswered after %d s; "
			 "their connections are closed",
			 left, timeout_s);
}

void http_stop(struct http *h)
{
	if (!h)
		return;
	/* Suspended requests and parked event streams must be resumed for
	 * the server to stop. */
	issuers_stop(h);
	streams_shutdown(h->streams);
	if (h->daemon)
		MHD_stop_daemon(h->daemon);
	streams_free(h->streams);
	if (h->is.inited) {
		pthread_cond_destroy(&h->is.work);
		pthread_mutex_destroy(&h->is.lock);
	}
	pthread_cond_destroy(&h->b.idle);
	pthread_mutex_destroy(&h->b.lock);
	free(h->b.peers);
	free(h->trusted);
	free(h->ui_root);
	free(h->chart_root);
	free(h);
}
