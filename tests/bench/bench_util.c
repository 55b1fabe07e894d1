#include "bench_util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define START_TIMEOUT_NS (INT64_C(15) * 1000000000)
#define STOP_TIMEOUT_NS (INT64_C(10) * 1000000000)

size_t bench_body_append(char *data, size_t size, size_t nmemb,
			 void *userdata)
{
	struct bench_body *b = userdata;
	size_t n = size * nmemb;
	char *p = realloc(b->data, b->len + n + 1);

	if (!p)
		return 0;
	memcpy(p + b->len, data, n);
	b->len += n;
	p[b->len] = '\0';
	b->data = p;
	return n;
}

int64_t bench_now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		abort(); /* cannot happen with CLOCK_MONOTONIC */
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int bench_samples_add(struct bench_samples *s, int64_t ns)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4096;
		int64_t *v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = ns;
	return 0;
}

int bench_samples_merge(struct bench_samples *to,
			const struct bench_samples *from)
{
	for (size_t i = 0; i < from->n; i++) {
		int r = bench_samples_add(to, from->v[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

void bench_samples_free(struct bench_samples *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

void bench_samples_sort(struct bench_samples *s)
{
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), cmp_i64);
}

int64_t bench_pct(const struct bench_samples *s, int per_mille)
{
	size_t rank;

	if (s->n == 0)
		return 0;
	rank = (s->n * (size_t)per_mille + 999) / 1000;
	if (rank == 0)
		rank = 1;
	if (rank > s->n)
		rank = s->n;
	return s->v[rank - 1];
}

uint64_t bench_rand(uint64_t *state)
{
	uint64_t x = *state ? *state : UINT64_C(0x9e3779b97f4a7c15);

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * UINT64_C(0x2545f4914f6cdd1d);
}

int bench_fs_name(const char *path, char *ret, size_t size, bool *ret_tmpfs)
{
	static const struct {
		uint32_t magic;
		const char *name;
	} fs[] = {
		{0xef53, "ext4"}, /* also ext2 and ext3 */
		{0x58465342, "xfs"},	 {0x9123683e, "btrfs"},
		{0xf2f52010, "f2fs"},	 {0x2fc12fc1, "zfs"},
		{0x794c7630, "overlay"}, {0x01021994, "tmpfs"},
		{0x858458f6, "ramfs"},	 {0x6969, "nfs"},
		{0xff534d42, "cifs"},	 {0x65735546, "fuse"},
		{0x5346544e, "ntfs"},	 {0x4d44, "vfat"},
	};
	struct statfs st;
	uint32_t magic;
	int n;

	if (statfs(path, &st) != 0)
		return -errno;
	magic = (uint32_t)st.f_type;
	*ret_tmpfs = magic == 0x01021994 || magic == 0x858458f6;
	for (size_t i = 0; i < sizeof(fs) / sizeof(fs[0]); i++) {
		if (fs[i].magic == magic) {
			n = snprintf(ret, size, "%s", fs[i].name);
			return n < 0 || (size_t)n >= size ? -ENOBUFS : 0;
		}
	}
	n = snprintf(ret, size, "0x%lx", (unsigned long)magic);
	return n < 0 || (size_t)n >= size ? -ENOBUFS : 0;
}

int bench_mkdtemp(const char *base, const char *prefix, char *ret, size_t size)
{
	int n;

	if (mkdir(base, 0755) != 0 && errno != EEXIST)
		return -errno;
	n = snprintf(ret, size, "%s/%s-XXXXXX", base, prefix);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	if (!mkdtemp(ret))
		return -errno;
	return 0;
}

void bench_rmdir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[BENCH_DIR_MAX + 256];

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		int n;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		n = snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (n > 0 && (size_t)n < sizeof(path) && unlink(path) != 0 &&
		    errno == EISDIR)
			bench_rmdir(path); /* a side's own directory */
	}
	(void)closedir(d);
	if (rmdir(dir) != 0)
		fprintf(stderr, "bench: could not remove %s: %s\n", dir,
			strerror(errno));
}

uint64_t bench_counter_mask(size_t counter)
{
	uint64_t all = (UINT64_C(1) << BENCH_SERVICES) - 1;
	unsigned s = (unsigned)(counter % BENCH_SERVICES);

#define SVC(i) (UINT64_C(1) << (((i) % BENCH_SERVICES)))
	switch (counter % 5) {
	case 0:
		return SVC(s);
	case 1:
		return SVC(s) | SVC(s + 1);
	case 2:
		return SVC(s) | SVC(s + 1) | SVC(s + 2);
	case 3:
		return all;
	default:
		return SVC(s) | SVC(s + 4);
	}
#undef SVC
}

static int parse_port(const char *s, long *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > 65535)
		return -EINVAL;
	*ret = v;
	return 0;
}

int bench_path_in(char *buf, size_t size, const char *dir, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", dir, name);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int bench_write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");
	int r = 0;

	if (!f)
		return -errno;
	if (fwrite(text, 1, len, f) != len)
		r = -EIO;
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	return r;
}

/* The port from the daemon's "listening on http://127.0.0.1:PORT" line,
 * 0 while it is not there yet. */
static int find_port(const char *log_path, long *ret_port)
{
	static const char needle[] = "listening on http://127.0.0.1:";
	char buf[8192];
	const char *p;
	size_t n;
	FILE *f = fopen(log_path, "r");

	*ret_port = 0;
	if (!f)
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	(void)fclose(f);
	buf[n] = '\0';
	p = strstr(buf, needle);
	if (!p)
		return 0;
	p += sizeof(needle) - 1;
	char digits[8];
	size_t k = 0;
	while (k < sizeof(digits) - 1 && p[k] >= '0' && p[k] <= '9') {
		digits[k] = p[k];
		k++;
	}
	digits[k] = '\0';
	if (p[k] != '\n' && p[k] != '\r' && p[k] != '\0' && p[k] != ' ')
		return 0; /* the line is not complete yet */
	return parse_port(digits, ret_port);
}

void bench_print_log(const char *log_path)
{
	char buf[4096];
	size_t n;
	FILE *f = fopen(log_path, "r");

	if (!f)
		return;
	fprintf(stderr, "---- %s ----\n", log_path);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		if (fwrite(buf, 1, n, stderr) != n)
			break;
	(void)fclose(f);
	fprintf(stderr, "----\n");
}

void bench_sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000,
			      .tv_nsec = (ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int bench_daemon_start(const char *daemon, const char *conf,
		       const char *log_path, pid_t *ret_pid, long *ret_port)
{
	int64_t deadline = bench_now_ns() + START_TIMEOUT_NS;
	pid_t pid;
	int status, r;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int in = open("/dev/null", O_RDONLY);
		if (fd < 0 || in < 0 || dup2(fd, STDERR_FILENO) < 0 ||
		    dup2(fd, STDOUT_FILENO) < 0 || dup2(in, STDIN_FILENO) < 0)
			_exit(126);
		execl(daemon, daemon, "-c", conf, (char *)NULL);
		_exit(127);
	}
	for (;;) {
		r = find_port(log_path, ret_port);
		if (r < 0 && r != -ENOENT)
			break;
		if (r == 0 && *ret_port > 0) {
			*ret_pid = pid;
			return 0;
		}
		if (waitpid(pid, &status, WNOHANG) == pid) {
			fprintf(stderr,
				"bench: %s exited (status %d) "
				"before listening\n",
				daemon, status);
			bench_print_log(log_path);
			return -ECHILD;
		}
		if (bench_now_ns() > deadline) {
			r = -ETIMEDOUT;
			break;
		}
		bench_sleep_ms(20);
	}
	fprintf(stderr, "bench: no 'listening on' line from %s: %s\n", daemon,
		strerror(-r));
	bench_print_log(log_path);
	(void)kill(pid, SIGKILL);
	(void)waitpid(pid, &status, 0);
	return r;
}

int bench_daemon_stop(pid_t pid, struct rusage *ret_usage)
{
	int64_t deadline = bench_now_ns() + STOP_TIMEOUT_NS;
	int status;

	/* Gone before being told to stop: say how, as nothing else will. */
	if (wait4(pid, &status, WNOHANG, ret_usage) == pid) {
		if (WIFSIGNALED(status))
			fprintf(stderr,
				"bench: the daemon died of "
				"signal %d during the run\n",
				WTERMSIG(status));
		else
			fprintf(stderr,
				"bench: the daemon exited "
				"with %d during the run\n",
				WEXITSTATUS(status));
		return -ECHILD;
	}
	if (kill(pid, SIGTERM) != 0)
		return -errno;
	for (;;) {
		pid_t w = wait4(pid, &status, WNOHANG, ret_usage);
		if (w == pid)
			break;
		if (w < 0)
			return -errno;
		if (bench_now_ns() > deadline) {
			fprintf(stderr, "bench: daemon ignored SIGTERM; "
					"killing it\n");
			(void)kill(pid, SIGKILL);
			if (wait4(pid, &status, 0, ret_usage) < 0)
				return -errno;
			return -ETIMEDOUT;
		}
		bench_sleep_ms(10);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench: daemon ended with status %d\n", status);
		return -ECHILD;
	}
	return 0;
}

/* Appends to a bounded buffer; *len goes past size on overflow, which the
 * caller checks once at the end. */
static void put(char *buf, size_t size, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void put(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= size) {
		*len = size;
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size - *len)
		*len = size;
	else
		*len += (size_t)n;
}

int bench_config_text(char *buf, size_t size, const char *db, size_t n_counters)
{
	size_t len = 0;

	put(buf, size, &len,
	    "; written by tests/bench\n"
	    "[office]\n"
	    "name = Bonomat benchmark\n"
	    "timezone = Europe/Bucharest\n"
	    "[server]\n"
	    "listen = 127.0.0.1:0\n"
	    "admin_token = bench-admin-token\n"
	    "kiosk_clients = 127.0.0.1, ::1\n"
	    /* Room for bench_events' thousand idle streams. */
	    "max_connections = 4096\n"
	    "max_event_streams = 2048\n"
	    "[storage]\n"
	    "database = %s\n"
	    "[hours]\n"
	    "always_open = true\n"
	    "[policy]\n"
	    "max_wait = 45\n"
	    "walkin_every = 3\n"
	    "early_window = 10\n"
	    "late_grace = 15\n"
	    "appointment_prefix = P\n"
	    "[printer.default]\n"
	    "driver = none\n"
	    "[kiosk.k1]\n"
	    "printer = default\n",
	    db);
	for (int s = 0; s < BENCH_SERVICES; s++)
		put(buf, size, &len,
		    "[service.%c]\nname = Service %c\nprefix = %c\n"
		    "minutes = %d\n",
		    'A' + s, 'A' + s, 'A' + s, 5 + s);
	for (size_t c = 0; c < n_counters; c++) {
		uint64_t mask = bench_counter_mask(c);
		const char *sep = "";

		put(buf, size, &len, "[counter.%zu]\nservices = ", c + 1);
		for (int s = 0; s < BENCH_SERVICES; s++) {
			if (!(mask & (UINT64_C(1) << s)))
				continue;
			put(buf, size, &len, "%s%c", sep, 'A' + s);
			sep = ", ";
		}
		put(buf, size, &len, "\ntoken = bench-counter-%zu\n", c + 1);
	}
	if (len >= size)
		return -ENOBUFS;
	return (int)len;
}

int bench_print_config_text(char *buf, size_t size, const char *db,
			    const char *host)
{
	static const char *const services[BENCH_PRINT_SERVICES] = {
		"Taxe și impozite locale",
		"Înmatriculări și radieri auto",
		"Certificate de urbanism și autorizații de construire",
		"Asistență socială",
	};
	size_t len = 0;

	put(buf, size, &len,
	    "; written by tests/bench\n"
	    "[office]\n"
	    "name = Primăria Sectorului 1 — Biroul Cetățeanului\n"
	    "address = Str. Mureș nr. 18–24, parter\n"
	    "timezone = Europe/Bucharest\n"
	    "footer = Programări online: programare.primariasector1.ro\n"
	    "ticket_url = https://bonuri.primariasector1.ro/t/{id}\n"
	    "[server]\n"
	    "listen = 127.0.0.1:0\n"
	    "admin_token = bench-admin-token\n"
	    "kiosk_clients = 127.0.0.1, ::1\n"
	    "[storage]\n"
	    "database = %s\n"
	    "[hours]\n"
	    "always_open = true\n"
	    "[printer.default]\n"
	    "driver = tcp\n"
	    "host = %s\n"
	    "codepage = cp852\n"
	    "codepage_number = 18\n"
	    "columns = 48\n"
	    "[printer.narrow]\n"
	    "driver = none\n"
	    "codepage = cp852\n"
	    "codepage_number = 18\n"
	    "columns = 32\n"
	    "[kiosk.k1]\n"
	    "printer = default\n",
	    db, host);
	for (int s = 0; s < BENCH_PRINT_SERVICES; s++)
		put(buf, size, &len,
		    "[service.%c]\nname = %s\nprefix = %c\nminutes = %d\n",
		    'A' + s, services[s], 'A' + s, 6 + 2 * s);
	put(buf, size, &len,
	    "[counter.1]\nname = Ghișeul 1\nservices = A, B\n"
	    "token = bench-counter-1\n"
	    "[counter.2]\nname = Ghișeul 2\nservices = A, C, D\n"
	    "token = bench-counter-2\n");
	if (len >= size)
		return -ENOBUFS;
	return (int)len;
}

int bench_parse_long(const char *s, long min, long max, long *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

int bench_scratch_dir(const char *dir, char *ret, size_t size)
{
	const char *build = getenv("BONOMAT_BUILD_DIR");
	int n;

	if (dir)
		n = snprintf(ret, size, "%s", dir);
	else
		n = snprintf(ret, size, "%s/bench-tmp",
			     build && *build ? build : ".");
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}
