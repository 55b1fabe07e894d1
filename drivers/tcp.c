/* Network receipt printers on a raw TCP port (9100, "JetDirect"): the
 * ticket's bytes go down the socket as they are, and the printer answers
 * DLE EOT status queries on the same socket. */
#include "escpos_status.h"
#include "fdio.h"
#include "transport.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TCP_DEFAULT_PORT "9100"
#define TCP_TIMEOUT_DEFAULT_MS 3000
#define TCP_STATUS_TIMEOUT_DEFAULT_MS 300
#define TCP_HOST_MAX 255
/* A printer that streams without end (automatic status back, a
 * misbehaving peer) must not keep the drain going forever. */
#define TCP_DRAIN_MAX 65536
/* How often the send queue is looked at while the printer takes a ticket. */
#define TCP_ACK_POLL_MS 5

struct tcp_conn {
	int fd;
	int timeout_ms;
	int status_timeout_ms;
};


/* Splits "host:port", "[v6]:port", "host" or a bare IPv6 address into a
 * host and a service (9100 when there is no port). */
static int split_host(const char *spec, char *host, size_t hostsize,
		      char *port, size_t portsize)
{
	const char *h = spec, *p = NULL, *colon;
	size_t n;

	if (!spec || !spec[0])
		return -EINVAL;
	if (spec[0] == '[') {
		const char *end = strchr(spec, ']');

		if (!end)
			return -EINVAL;
		h = spec + 1;
		n = (size_t)(end - h);
		if (end[1] == ':')
			p = end + 2;
		else if (end[1] != '\0')
			return -EINVAL;
	} else {
		colon = strchr(spec, ':');
		/* Two colons or more without brackets: an IPv6 address
		 * with no port, since a port could not be told apart. */
		if (colon && !strchr(colon + 1, ':'))
			p = colon + 1;
		n = p ? (size_t)(colon - spec) : strlen(spec);
	}
	if (n == 0 || n >= hostsize)
		return -EINVAL;
	memcpy(host, h, n);
	host[n] = '\0';

	if (p) {
		char *end;
		unsigned long v;

		if (*p < '0' || *p > '9')
			return -EINVAL;
		errno = 0;
		v = strtoul(p, &end, 10);
		if (errno || *end || v == 0 || v > 65535)
			return -EINVAL;
		if (snprintf(port, portsize, "%lu", v) >= (int)portsize)
			return -EINVAL;
	} else {
		if (snprintf(port, portsize, "%s", TCP_DEFAULT_PORT) >=
		    (int)portsize)
			return -EINVAL;
	}
	return 0;
}

static int gai_errno(int r)
{
	switch (r) {
	case EAI_AGAIN:
		return -EAGAIN;
	case EAI_MEMORY:
		return -ENOMEM;
	case EAI_SYSTEM:
		return errno ? -errno : -EIO;
	default:
		return -EHOSTUNREACH;
	}
}

/* Numeric addresses first: they need no resolver, which has no timeout of
 * ours and may not be reachable from a kiosk at all. */
static int resolve(const char *host, const char *port, struct addrinfo **ret)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
	};
	int r;

	r = getaddrinfo(host, port, &hints, ret);
	if (r == EAI_NONAME) {
		hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
		r = getaddrinfo(host, port, &hints, ret);
	}
	return r == 0 ? 0 : gai_errno(r);
}

/* One non-blocking connect, finished within deadline: the fd or a negative
 * errno. */
static int connect_one(const struct addrinfo *ai, int64_t deadline)
{
	int fd, r, err = 0, one = 1;
	socklen_t len = sizeof(err);

	fd = socket(ai->ai_family,
		    ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    ai->ai_protocol);
	if (fd < 0)
		return -errno;
	/* A ticket is one burst of small writes and a status query is three
	 * bytes waiting for an answer: Nagle would only delay both. */
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)
		goto fail_errno;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS && errno != EINTR)
		goto fail_errno;
	r = fdio_wait(fd, POLLOUT, deadline);
	if (r < 0) {
		err = -r;
		goto fail;
	}
	if (r == 0) {
		err = ETIMEDOUT;
		goto fail;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		goto fail_errno;
	if (err)
		goto fail;
	return fd;

fail_errno:
	err = errno;
fail:
	close(fd);
	return -err;
}

static int tcp_open(const struct transport_options *opt, void **ret_conn)
{
	char host[TCP_HOST_MAX + 1], port[8];
	struct addrinfo *res = NULL;
	struct tcp_conn *c;
	int64_t deadline;
	int r, fd = -ECONNREFUSED;

	r = split_host(opt->host, host, sizeof(host), port, sizeof(port));
	if (r < 0)
		return r;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->timeout_ms = opt->timeout_ms > 0 ? opt->timeout_ms
					    : TCP_TIMEOUT_DEFAULT_MS;
	c->status_timeout_ms = opt->status_timeout_ms > 0 ?
				       opt->status_timeout_ms :
				       TCP_STATUS_TIMEOUT_DEFAULT_MS;
	r = resolve(host, port, &res);
	if (r < 0) {
		free(c);
		return r;
	}
	/* One deadline for all the addresses of a name, so that a name with
	 * several dead addresses still answers within the timeout. */
	deadline = fdio_now_ms() + c->timeout_ms;
	for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		fd = connect_one(ai, deadline);
		if (fd >= 0 || fdio_remaining_ms(deadline) == 0)
			break;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		free(c);
		return fd;
	}
	c->fd = fd;
	*ret_conn = c;
	return 0;
}

/* Sends all of buf. The timeout runs from the last progress: a printer
 * that takes a long ticket slowly is still printing, one that takes
 * nothing for timeout_ms is stuck. */
static int send_all(struct tcp_conn *c, const uint8_t *buf, size_t len)
{
	size_t off = 0;
	ssize_t n;
	int r;

	while (off < len) {
		n = send(c->fd, buf + off, len - off, MSG_NOSIGNAL);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n == 0)
			return -EIO;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		r = fdio_wait(c->fd, POLLOUT, fdio_now_ms() + c->timeout_ms);
		if (r < 0)
			return r;
		if (r == 0)
			return -ETIMEDOUT;
	}
	return 0;
}

/* The error the kernel holds for the socket (a reset), or 0. */
static int socket_error(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return -errno;
	return -err;
}

/* Waits until the printer has acknowledged every byte sent: the kernel's
 * send queue (TIOCOUTQ, SIOCOUTQ on a socket) is empty. A printer that was
 * switched off acknowledges nothing and the queue stalls; one whose socket
 * was closed answers with a reset, which empties the queue with an error.
 * Without this, a ticket written into the kernel's buffer of a dead
 * connection would count as printed. The timeout runs from the last
 * progress, as in send_all(). */
static int wait_acked(struct tcp_conn *c)
{
	int64_t deadline = fdio_now_ms() + c->timeout_ms;
	int queued, last = -1, r;

	for (;;) {
		r = socket_error(c->fd);
		if (r < 0)
			return r;
		if (ioctl(c->fd, TIOCOUTQ, &queued) < 0)
			return -errno;
		if (queued == 0)
			return 0;
		if (queued != last) {
			last = queued;
			deadline = fdio_now_ms() + c->timeout_ms;
		}
		if (fdio_remaining_ms(deadline) == 0)
			return -ETIMEDOUT;
		/* No events asked: poll wakes early only on an error or a
		 * hang-up, which the next round reads. */
		struct pollfd pfd = {.fd = c->fd, .events = 0};
		if (poll(&pfd, 1, TCP_ACK_POLL_MS) < 0 && errno != EINTR)
			return -errno;
		if (pfd.revents & POLLHUP) {
			r = socket_error(c->fd);
			return r < 0 ? r : -EPIPE;
		}
	}
}

static int tcp_write(void *conn, const uint8_t *buf, size_t len)
{
	struct tcp_conn *c = conn;
	int r;

	if (!c || (!buf && len))
		return -EINVAL;
	r = send_all(c, buf, len);
	if (r < 0)
		return r;
	return wait_acked(c);
}

/* A status query is not waited on for its acknowledgement: its reply
 * says more, within the status timeout. */
static int tcp_send(void *conn, const uint8_t *buf, size_t len)
{
	return send_all(conn, buf, len);
}

/* An orderly close by the printer is as final as a reset for us. */
static int recv_error(ssize_t n)
{
	if (n == 0)
		return -EPIPE;
	return -errno;
}

/* Throws away what the printer sent unasked (late replies to an earlier
 * query, automatic status back), so that the replies read next belong to
 * the queries sent next. */
static int drain(struct tcp_conn *c)
{
	uint8_t buf[512];
	size_t total = 0;
	ssize_t n;

	while (total < TCP_DRAIN_MAX) {
		n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0) {
			total += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		return recv_error(n);
	}
	return 0;
}

static int read_byte(void *conn, uint8_t *ret)
{
	struct tcp_conn *c = conn;
	ssize_t got = recv(c->fd, ret, 1, MSG_DONTWAIT);

	if (got == 1)
		return 1;
	if (got < 0 && (errno == EINTR || errno == EAGAIN ||
			errno == EWOULDBLOCK))
		return -EAGAIN;
	return recv_error(got);
}

/* Sends DLE EOT n and waits for a reply byte: 1 with *ret set, 0 when the
 * printer stays silent, or a negative errno. Bytes that cannot be a status
 * reply are skipped. */
static int query(void *conn, uint8_t n, uint8_t *ret)
{
	struct tcp_conn *c = conn;
	const struct escpos_status_fd io = {
		.conn = c,
		.fd = c->fd,
		.timeout_ms = c->status_timeout_ms,
		.send = tcp_send,
		.read_byte = read_byte,
	};

	return escpos_status_query_fd(&io, n, ret);
}

static int tcp_status(void *conn, struct printer_status *ret)
{
	struct tcp_conn *c = conn;
	int r;

	if (!c)
		return -EINVAL;
	r = drain(c);
	if (r < 0)
		return r;
	return escpos_status_ask(query, c, ret);
}

static void tcp_close(void *conn)
{
	struct tcp_conn *c = conn;

	if (c)
		fdio_close_free(c->fd, c);
}

const struct transport transport_tcp = {
	.name = "tcp",
	.open = tcp_open,
	.write = tcp_write,
	.status = tcp_status,
	.close = tcp_close,
};
