#include "bench_util.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

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
		if (n > 0 && (size_t)n < sizeof(path))
			(void)unlink(path);
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
