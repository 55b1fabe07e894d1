/* Tickets into a file or a device node. A regular file collects tickets
 * one after another (a demo, a kiosk without a printer, a test); a
 * character device such as /dev/usb/lp0 (the kernel's usblp driver) is a
 * printer, two-way when the device lets us read its replies. */
#include "escpos_status.h"
#include "fdio.h"
#include "transport.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FILE_TIMEOUT_DEFAULT_MS 3000
#define FILE_STATUS_TIMEOUT_DEFAULT_MS 300
#define FILE_DRAIN_MAX 65536

struct file_conn {
	int fd;
	bool device;   /* a character device: poll, and status by DLE EOT */
	bool readable; /* opened for reading too */
	int timeout_ms;
	int status_timeout_ms;
};


/* A device node is opened non-blocking: a printer that stops taking data
 * must cost a timeout, not a worker blocked in write() for good. Without
 * read permission it is still a printer, only a mute one. O_NOCTTY: a
 * serial printer must not become the daemon's controlling terminal. A FIFO
 * is only written: opened for reading as well it would be its own reader
 * and hand our status queries back to us as replies. */
static int open_device(const char *path, bool fifo, struct file_conn *c)
{
	const int flags = O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
	int fd = -1;

	if (!fifo) {
		fd = open(path, O_RDWR | flags);
		if (fd < 0 && errno != EACCES && errno != EPERM)
			return -errno;
	}
	c->readable = fd >= 0;
	if (fd < 0)
		fd = open(path, O_WRONLY | flags);
	if (fd < 0)
		return -errno;
	c->fd = fd;
	c->device = true;
	return 0;
}

static int file_open(const struct transport_options *opt, void **ret_conn)
{
	struct file_conn *c;
	struct stat st;
	int r;

	if (!opt->path || !opt->path[0])
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->fd = -1;
	c->timeout_ms = opt->timeout_ms > 0 ? opt->timeout_ms
					    : FILE_TIMEOUT_DEFAULT_MS;
	c->status_timeout_ms = opt->status_timeout_ms > 0 ?
				       opt->status_timeout_ms :
				       FILE_STATUS_TIMEOUT_DEFAULT_MS;

	if (stat(opt->path, &st) < 0) {
		/* A device that is not there is an unplugged printer: a
		 * regular file created in its place would swallow every
		 * ticket while reporting a printer that is fine. */
		if (errno == ENOENT && strncmp(opt->path, "/dev/", 5) == 0) {
			r = -ENODEV;
			goto fail;
		}
	} else if (!S_ISREG(st.st_mode)) {
		/* With no reader, a FIFO fails to open with ENXIO instead
		 * of waiting for one. */
		if (!S_ISCHR(st.st_mode) && !S_ISFIFO(st.st_mode)) {
			r = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
			goto fail;
		}
		r = open_device(opt->path, S_ISFIFO(st.st_mode), c);
		if (r < 0)
			goto fail;
	}
	if (!c->device) {
		c->fd = open(opt->path, O_WRONLY | O_CLOEXEC | O_APPEND |
					       O_CREAT | O_NONBLOCK, 0640);
		if (c->fd < 0) {
			r = -errno;
			goto fail;
		}
	}
	/* The path may have been replaced between stat() and open(); a FIFO
	 * put there is not waited for, O_NONBLOCK (which a regular file
	 * ignores) makes its open() fail or return at once. */
	if (fstat(c->fd, &st) < 0) {
		r = -errno;
		goto fail;
	}
	if (c->device ? S_ISREG(st.st_mode) : !S_ISREG(st.st_mode)) {
		r = -EAGAIN;
		goto fail;
	}
	*ret_conn = c;
	return 0;

fail:
	if (c->fd >= 0)
		close(c->fd);
	free(c);
	return r;
}

/* Writes all of buf. On a device the timeout runs from the last progress:
 * a printer that takes a long ticket slowly is printing, one that takes
 * nothing for timeout_ms is stuck. */
static int file_write(void *conn, const uint8_t *buf, size_t len)
{
	struct file_conn *c = conn;
	size_t off = 0;
	ssize_t n;
	int r;

	if (!c || (!buf && len))
		return -EINVAL;
	while (off < len) {
		n = write(c->fd, buf + off, len - off);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n == 0)
			return -EIO;
		if (errno == EINTR)
			continue;
		if (!c->device || (errno != EAGAIN && errno != EWOULDBLOCK))
			return -errno;
		r = fdio_wait(c->fd, POLLOUT, fdio_now_ms() + c->timeout_ms);
		if (r < 0)
			return r;
		if (r == 0)
			return -ETIMEDOUT;
	}
	return 0;
}

/* Reads one byte: 1, 0 when there is nothing (now, or ever: a device that
 * reads end of file has no back channel), or a negative errno such as
 * -ENODEV for an unplugged printer. */
static int read_byte(void *conn, uint8_t *ret)
{
	struct file_conn *c = conn;
	ssize_t n;

	for (;;) {
		n = read(c->fd, ret, 1);
		if (n == 1)
			return 1;
		if (n == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return -errno;
	}
}

/* Throws away what the printer sent unasked, so that the replies read
 * next belong to the queries sent next. */
static int drain(struct file_conn *c)
{
	uint8_t b;
	int r;

	for (size_t i = 0; i < FILE_DRAIN_MAX; i++) {
		r = read_byte(c, &b);
		if (r <= 0)
			return r;
	}
	return 0;
}

/* Sends DLE EOT n and waits for a valid reply byte: 1 with *ret set, 0 for
 * silence, or a negative errno. A device that is ready to read with nothing
 * to read is at end of file, which stays so (read_byte() answers 0, and
 * waiting on would only spin): silence. */
static int query(void *conn, uint8_t n, uint8_t *ret)
{
	struct file_conn *c = conn;
	const struct escpos_status_fd io = {
		.conn = c,
		.fd = c->fd,
		.timeout_ms = c->status_timeout_ms,
		.send = file_write,
		.read_byte = read_byte,
	};

	return escpos_status_query_fd(&io, n, ret);
}

static void set_status(struct printer_status *ret, enum printer_state state,
		       const char *detail)
{
	ret->state = state;
	snprintf(ret->detail, sizeof(ret->detail), "%s", detail);
}

static int file_status(void *conn, struct printer_status *ret)
{
	struct file_conn *c = conn;
	int r;

	if (!c)
		return -EINVAL;
	if (!c->device) {
		set_status(ret, PRINTER_OK, "file");
		return 0;
	}
	/* usblp refuses read() with EINVAL on a printer without a back
	 * channel: a printer that cannot answer, not a broken one. */
	r = c->readable ? drain(c) : -EINVAL;
	if (r == -EINVAL) {
		c->readable = false;
		set_status(ret, PRINTER_UNKNOWN,
			   "the device cannot be read back");
		return 0;
	}
	if (r < 0)
		return r;
	return escpos_status_ask(query, c, ret);
}

static void file_close(void *conn)
{
	struct file_conn *c = conn;

	if (c)
		fdio_close_free(c->fd, c);
}

const struct transport transport_file = {
	.name = "file",
	.open = file_open,
	.write = file_write,
	.status = file_status,
	.close = file_close,
};
