/* The file transport: tickets appended to a regular file, and a character
 * device that talks back. The device is a pseudo-terminal in raw mode: the
 * transport opens its slave side as it would /dev/usb/lp0, and a thread of
 * the test plays the printer on the master side, recording the bytes and
 * answering DLE EOT n with scripted status bytes. */
/* posix_openpt() and its friends */
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "escpos_status.h"
#include "transport.h"

#define STATUS_TIMEOUT_MS 100

static char tmpdir[64];

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static struct transport_options options(const char *path)
{
	return (struct transport_options){
		.path = path,
		.timeout_ms = 1000,
		.status_timeout_ms = STATUS_TIMEOUT_MS,
	};
}

static void tmp_path(char *buf, size_t size, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", tmpdir, name);

	assert_true(n > 0 && (size_t)n < size);
}

/* The whole content of path into buf; its length. */
static size_t slurp(const char *path, uint8_t *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	while ((n = read(fd, buf + len, size - len)) > 0)
		len += (size_t)n;
	assert_true(n == 0);
	close(fd);
	return len;
}

static int setup_dir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/bonomat-test-file-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	umask(022);
	return 0;
}

static int teardown_dir(void **state)
{
	static const char *const names[] = {
		"tickets.escpos", "old.escpos", "fifo",
	};
	char path[128] = "";

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
		(void)unlink(path);
	}
	snprintf(path, sizeof(path), "%s/dir", tmpdir);
	(void)rmdir(path);
	return rmdir(tmpdir);
}

/* -- regular files ------------------------------------------------------- */

static void test_find_by_name(void **state)
{
	(void)state;
	assert_ptr_equal(transport_find("file"), &transport_file);
	assert_string_equal(transport_file.name, "file");
	transport_file.close(NULL);
}

static void test_file_collects_tickets(void **state)
{
	static const uint8_t t1[] = {0x1B, 0x40, 'A', '0', '0', '1', 0x0A,
				     0x1D, 0x56, 0x42, 0x00};
	static const uint8_t t2[] = {0x1B, 0x40, 0xAD, 0x00, 0xFF, 0x0A};
	char path[128] = "";
	struct transport_options opt = options(path);
	struct printer_status st;
	uint8_t got[256];
	struct stat sb;
	void *conn = NULL;

	(void)state;
	tmp_path(path, sizeof(path), "tickets.escpos");
	assert_int_equal(transport_file.open(&opt, &conn), 0);
	assert_int_equal(transport_file.write(conn, t1, sizeof(t1)), 0);
	assert_int_equal(transport_file.status(conn, &st), 0);
	assert_int_equal(st.state, PRINTER_OK);
	assert_string_equal(st.detail, "file");
	transport_file.close(conn);

	/* A second connection appends: the file is a roll of tickets. */
	assert_int_equal(transport_file.open(&opt, &conn), 0);
	assert_int_equal(transport_file.write(conn, t2, sizeof(t2)), 0);
	assert_int_equal(transport_file.write(conn, t2, 0), 0);
	transport_file.close(conn);

	assert_int_equal(slurp(path, got, sizeof(got)),
			 sizeof(t1) + sizeof(t2));
	assert_memory_equal(got, t1, sizeof(t1));
	assert_memory_equal(got + sizeof(t1), t2, sizeof(t2));
	/* Tickets are not for everybody on the machine to read. */
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0640);
}

static void test_file_keeps_old_content(void **state)
{
	static const char old[] = "earlier tickets\n";
	static const uint8_t t[] = {0x1B, 0x40, 'B', 0x0A};
	char path[128] = "";
	struct transport_options opt = options(path);
	uint8_t got[128];
	void *conn = NULL;
	FILE *f;

	(void)state;
	tmp_path(path, sizeof(path), "old.escpos");
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(old, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(transport_file.open(&opt, &conn), 0);
	assert_int_equal(transport_file.write(conn, t, sizeof(t)), 0);
	transport_file.close(conn);
	assert_int_equal(slurp(path, got, sizeof(got)),
			 strlen(old) + sizeof(t));
	assert_memory_equal(got, old, strlen(old));
	assert_memory_equal(got + strlen(old), t, sizeof(t));
}

static void test_open_errors(void **state)
{
	char path[128] = "";
	struct transport_options opt = options(path);
	void *conn = (void *)&conn;

	(void)state;
	tmp_path(path, sizeof(path), "no/such/dir/tickets");
	assert_int_equal(transport_file.open(&opt, &conn), -ENOENT);
	tmp_path(path, sizeof(path), "dir");
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(transport_file.open(&opt, &conn), -EISDIR);
	/* An unplugged printer's device node is not created as a file. */
	opt.path = "/dev/usb/lp-bonomat-test-missing";
	assert_int_equal(transport_file.open(&opt, &conn), -ENODEV);
	opt.path = "";
	assert_int_equal(transport_file.open(&opt, &conn), -EINVAL);
	opt.path = NULL;
	assert_int_equal(transport_file.open(&opt, &conn), -EINVAL);
	assert_ptr_equal(conn, (void *)&conn);
}

/* A FIFO with no reader is a printer that is not there; with a reader it
 * takes tickets and, being write-only, cannot tell its state. */
static void test_fifo(void **state)
{
	static const uint8_t t[] = {0x1B, 0x40, 'C', 0x0A};
	char path[128] = "";
	struct transport_options opt = options(path);
	struct printer_status st;
	uint8_t got[16];
	void *conn = NULL;
	int rfd;

	(void)state;
	tmp_path(path, sizeof(path), "fifo");
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(transport_file.open(&opt, &conn), -ENXIO);
	rfd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(rfd >= 0);
	assert_int_equal(transport_file.open(&opt, &conn), 0);
	assert_int_equal(transport_file.write(conn, t, sizeof(t)), 0);
	assert_int_equal(read(rfd, got, sizeof(got)), sizeof(t));
	assert_memory_equal(got, t, sizeof(t));
	assert_int_equal(transport_file.status(conn, &st), 0);
	assert_int_equal(st.state, PRINTER_UNKNOWN);
	/* Nothing was asked: a write-only device cannot answer, and the
	 * queries would only reach the reader as part of the tickets. */
	assert_int_equal(read(rfd, got, sizeof(got)), -1);
	assert_int_equal(errno, EAGAIN);
	transport_file.close(conn);
	close(rfd);
}

/* -- a character device that answers ------------------------------------- */

struct printer {
	int master;
	int holder; /* the slave kept open: without it the master hangs up */
	char slave[64];
	int wake[2];
	pthread_t thread;
	bool running;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint8_t reply[5];
	bool answer[5];
	bool no_read;
	uint8_t got[1 << 16];
	size_t got_len;
};

static void *printer_main(void *arg)
{
	struct printer *p = arg;
	struct pollfd pfd[2] = {
		{.fd = p->master, .events = POLLIN},
		{.fd = p->wake[0], .events = POLLIN},
	};
	uint8_t buf[1024];
	int state = 0;

	if (p->no_read) {
		(void)poll(&pfd[1], 1, -1);
		return NULL;
	}
	for (;;) {
		ssize_t n;

		if (poll(pfd, 2, -1) < 0 || (pfd[1].revents & POLLIN))
			break;
		n = read(p->master, buf, sizeof(buf));
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++) {
			uint8_t b = buf[i], reply = 0;
			bool answer = false;

			pthread_mutex_lock(&p->lock);
			if (p->got_len < sizeof(p->got))
				p->got[p->got_len++] = b;
			if (state == 2) {
				answer = b <= 4 && p->answer[b];
				if (answer)
					reply = p->reply[b];
			}
			pthread_cond_broadcast(&p->cond);
			pthread_mutex_unlock(&p->lock);
			if (state == 2) {
				state = 0;
				if (answer && write(p->master, &reply, 1) != 1)
					abort();
			} else if (b == 0x10) {
				state = 1;
			} else {
				state = state == 1 && b == 0x04 ? 2 : 0;
			}
		}
	}
	return NULL;
}

/* A pseudo-terminal in raw mode: no echo, no translation of LF or of
 * control bytes, so it carries ESC/POS both ways unchanged. */
static struct printer *printer_new(void)
{
	struct printer *p = calloc(1, sizeof(*p));
	struct termios tio;
	const char *name;
	int n;

	assert_non_null(p);
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	assert_int_equal(pipe(p->wake), 0);
	p->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(p->master >= 0);
	assert_int_equal(grantpt(p->master), 0);
	assert_int_equal(unlockpt(p->master), 0);
	name = ptsname(p->master);
	assert_non_null(name);
	n = snprintf(p->slave, sizeof(p->slave), "%s", name);
	assert_true(n > 0 && (size_t)n < sizeof(p->slave));
	p->holder = open(p->slave, O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(p->holder >= 0);
	assert_int_equal(tcgetattr(p->holder, &tio), 0);
	cfmakeraw(&tio);
	assert_int_equal(tcsetattr(p->holder, TCSANOW, &tio), 0);
	return p;
}

static void printer_reply(struct printer *p, uint8_t n, int b)
{
	pthread_mutex_lock(&p->lock);
	p->answer[n] = b >= 0;
	p->reply[n] = (uint8_t)(b >= 0 ? b : 0);
	pthread_mutex_unlock(&p->lock);
}

static void printer_run(struct printer *p)
{
	assert_int_equal(pthread_create(&p->thread, NULL, printer_main, p),
			 0);
	p->running = true;
}

static size_t printer_wait_bytes(struct printer *p, size_t n)
{
	struct timespec until;
	size_t got;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	pthread_mutex_lock(&p->lock);
	while (p->got_len < n &&
	       pthread_cond_timedwait(&p->cond, &p->lock, &until) == 0)
		;
	got = p->got_len;
	pthread_mutex_unlock(&p->lock);
	return got;
}

static void printer_stop(struct printer *p)
{
	if (p->running) {
		assert_int_equal(write(p->wake[1], "x", 1), 1);
		pthread_join(p->thread, NULL);
		p->running = false;
	}
}

static void printer_free(struct printer *p)
{
	printer_stop(p);
	if (p->master >= 0)
		close(p->master);
	close(p->holder);
	close(p->wake[0]);
	close(p->wake[1]);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p);
}

static void *open_printer(struct printer *p)
{
	struct transport_options opt = options(p->slave);
	void *conn = NULL;

	assert_int_equal(transport_file.open(&opt, &conn), 0);
	assert_non_null(conn);
	return conn;
}

static void test_device_exact_bytes(void **state)
{
	uint8_t ticket[3000];
	struct printer *p = printer_new();
	void *conn;

	(void)state;
	/* Every byte value, LF and CR among them, passes unchanged. */
	for (size_t i = 0; i < sizeof(ticket); i++)
		ticket[i] = (uint8_t)(i * 13 + 5);
	printer_run(p);
	conn = open_printer(p);
	assert_int_equal(transport_file.write(conn, ticket, 1000), 0);
	assert_int_equal(transport_file.write(conn, ticket + 1000, 2000), 0);
	assert_int_equal(printer_wait_bytes(p, sizeof(ticket)),
			 sizeof(ticket));
	sleep_ms(50);
	pthread_mutex_lock(&p->lock);
	assert_int_equal(p->got_len, sizeof(ticket));
	assert_memory_equal(p->got, ticket, sizeof(ticket));
	pthread_mutex_unlock(&p->lock);
	transport_file.close(conn);
	printer_free(p);
}

struct status_case {
	const char *name;
	int reply[5]; /* -1: silent */
	enum printer_state want;
};

static const struct status_case status_cases[] = {
	{"ready", {-1, 0x12, 0x12, -1, 0x12}, PRINTER_OK},
	{"paper near end", {-1, 0x12, 0x12, -1, 0x1E}, PRINTER_PAPER_LOW},
	{"paper end", {-1, 0x12, 0x12, -1, 0x72}, PRINTER_PAPER_OUT},
	{"stopped by paper end", {-1, 0x12, 0x32, -1, 0x12},
	 PRINTER_PAPER_OUT},
	{"cover open", {-1, 0x12, 0x16, -1, 0x12}, PRINTER_COVER_OPEN},
	{"offline", {-1, 0x1A, 0x12, -1, 0x12}, PRINTER_OFFLINE},
	{"silence", {-1, -1, -1, -1, -1}, PRINTER_UNKNOWN},
	{"invalid replies", {-1, 0x00, 0xFF, -1, 0x80}, PRINTER_UNKNOWN},
};

static void test_device_status_table(void **state)
{
	static const uint8_t queries[] = {
		0x10, 0x04, 0x01, 0x10, 0x04, 0x02, 0x10, 0x04, 0x04,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(status_cases) / sizeof(status_cases[0]);
	     i++) {
		const struct status_case *c = &status_cases[i];
		struct printer *p = printer_new();
		struct printer_status st;
		void *conn;
		int64_t t0, took;

		for (uint8_t n = 1; n <= 4; n++)
			printer_reply(p, n, c->reply[n]);
		printer_run(p);
		conn = open_printer(p);
		t0 = now_ms();
		assert_int_equal(transport_file.status(conn, &st), 0);
		took = now_ms() - t0;
		if (st.state != c->want)
			fail_msg("%s: state %s, want %s", c->name,
				 printer_state_name(st.state),
				 printer_state_name(c->want));
		assert_true(st.detail[0] != '\0');
		if (took > 3 * STATUS_TIMEOUT_MS + 500)
			fail_msg("%s: status took %lld ms", c->name,
				 (long long)took);
		assert_int_equal(printer_wait_bytes(p, sizeof(queries)),
				 sizeof(queries));
		pthread_mutex_lock(&p->lock);
		assert_memory_equal(p->got, queries, sizeof(queries));
		pthread_mutex_unlock(&p->lock);
		transport_file.close(conn);
		printer_free(p);
	}
}

/* A reply that arrived after its query timed out is not taken for the
 * answer to the next status query. */
static void test_device_drains_stale_bytes(void **state)
{
	static const uint8_t stale[] = {0x72, 0x16, 0x1A};
	struct printer *p = printer_new();
	struct printer_status st;
	void *conn;

	(void)state;
	for (uint8_t n = 1; n <= 4; n++)
		printer_reply(p, n, n == 3 ? -1 : 0x12);
	conn = open_printer(p);
	assert_int_equal(write(p->master, stale, sizeof(stale)),
			 sizeof(stale));
	sleep_ms(20);
	printer_run(p);
	assert_int_equal(transport_file.status(conn, &st), 0);
	assert_int_equal(st.state, PRINTER_OK);
	transport_file.close(conn);
	printer_free(p);
}

/* A printer that takes nothing: the write gives up after the timeout
 * instead of blocking the worker. */
static void test_device_write_timeout(void **state)
{
	static uint8_t big[1 << 20];
	struct printer *p = printer_new();
	struct transport_options opt = options(p->slave);
	void *conn = NULL;
	int64_t t0, took;

	(void)state;
	p->no_read = true;
	printer_run(p);
	opt.timeout_ms = 300;
	assert_int_equal(transport_file.open(&opt, &conn), 0);
	t0 = now_ms();
	assert_int_equal(transport_file.write(conn, big, sizeof(big)),
			 -ETIMEDOUT);
	took = now_ms() - t0;
	assert_true(took >= 250 && took < 5000);
	transport_file.close(conn);
	printer_free(p);
}

/* The device went away under an open connection (a pty whose master is
 * closed reads and writes EIO, as an unplugged usblp device fails with
 * ENODEV): both write and status fail, so the caller reopens. */
static void test_device_gone(void **state)
{
	static const uint8_t t[] = {0x1B, 0x40};
	struct printer *p = printer_new();
	struct printer_status st = {.state = PRINTER_OK, .detail = "keep"};
	void *conn;
	int r;

	(void)state;
	conn = open_printer(p);
	close(p->master);
	p->master = -1;
	r = transport_file.write(conn, t, sizeof(t));
	assert_true(r < 0);
	r = transport_file.status(conn, &st);
	assert_true(r < 0);
	assert_int_equal(st.state, PRINTER_OK);
	assert_string_equal(st.detail, "keep");
	transport_file.close(conn);
	printer_free(p);
}

/* /dev/null is a character device that takes everything and never
 * answers: the state is unknown, not offline, and costs no more than the
 * status timeouts. */
static void test_dev_null(void **state)
{
	static const uint8_t t[] = {0x1B, 0x40};
	struct transport_options opt = options("/dev/null");
	struct printer_status st;
	void *conn = NULL;
	int64_t t0;

	(void)state;
	assert_int_equal(transport_file.open(&opt, &conn), 0);
	assert_int_equal(transport_file.write(conn, t, sizeof(t)), 0);
	t0 = now_ms();
	assert_int_equal(transport_file.status(conn, &st), 0);
	assert_int_equal(st.state, PRINTER_UNKNOWN);
	assert_true(now_ms() - t0 < 3 * STATUS_TIMEOUT_MS + 500);
	transport_file.close(conn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_by_name),
		cmocka_unit_test(test_file_collects_tickets),
		cmocka_unit_test(test_file_keeps_old_content),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_fifo),
		cmocka_unit_test(test_device_exact_bytes),
		cmocka_unit_test(test_device_status_table),
		cmocka_unit_test(test_device_drains_stale_bytes),
		cmocka_unit_test(test_device_write_timeout),
		cmocka_unit_test(test_device_gone),
		cmocka_unit_test(test_dev_null),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
