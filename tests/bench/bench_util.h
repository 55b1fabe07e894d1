/* What the benchmarks share: a monotonic clock, latency samples and their
 * percentiles, a small seeded random generator, the scratch directory on
 * the disk under test, and the office the benchmarks configure. */
#ifndef BONOMAT_BENCH_UTIL_H
#define BONOMAT_BENCH_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#define BENCH_SERVICES 8
#define BENCH_DIR_MAX 512
#define BENCH_PRINT_SERVICES 4

/* An answer's body as it comes, NUL-terminated; free(data) after. */
struct bench_body {
	char *data;
	size_t len;
};

/* A libcurl write callback (CURLOPT_WRITEFUNCTION) that appends to the
 * struct bench_body of CURLOPT_WRITEDATA; 0 (an error to libcurl) when
 * out of memory. */
size_t bench_body_append(char *data, size_t size, size_t nmemb,
			 void *userdata);

/* Nanoseconds on CLOCK_MONOTONIC. */
int64_t bench_now_ns(void);

/* A growing array of latencies in nanoseconds. */
struct bench_samples {
	int64_t *v;
	size_t n, cap;
};

int bench_samples_add(struct bench_samples *s, int64_t ns);
/* Appends all of from to to. */
int bench_samples_merge(struct bench_samples *to,
			const struct bench_samples *from);
void bench_samples_free(struct bench_samples *s);
/* Sorts the samples; bench_pct() then reads them. */
void bench_samples_sort(struct bench_samples *s);
/* The nearest-rank percentile, per mille (500 = p50, 990 = p99), of sorted
 * samples, in nanoseconds; 0 when there are none. */
int64_t bench_pct(const struct bench_samples *s, int per_mille);

/* xorshift64*: the same sequence on every run for the same seed. */
uint64_t bench_rand(uint64_t *state);

/* The name of the file system that holds path ("ext4", "tmpfs", ...), or
 * "0x..." for one not in the table; *ret_tmpfs when it lives in memory. */
int bench_fs_name(const char *path, char *ret, size_t size, bool *ret_tmpfs);

/* Creates a fresh directory base/<prefix>-XXXXXX (base is created first
 * when missing) and writes its path to ret. */
int bench_mkdtemp(const char *base, const char *prefix, char *ret, size_t size);
/* Removes the files in dir and the directories in it, then dir. */
void bench_rmdir(const char *dir);

/* dir/name into buf, or -ENAMETOOLONG. */
int bench_path_in(char *buf, size_t size, const char *dir, const char *name);
/* Creates or truncates path with len bytes of text. */
int bench_write_file(const char *path, const char *text, size_t len);
/* Copies a file to stderr between two marks (a daemon's log on failure). */
void bench_print_log(const char *log_path);
void bench_sleep_ms(long ms);

/* Starts daemon -c conf with stdout and stderr in log_path and waits for
 * its "listening on http://127.0.0.1:PORT" line: *ret_pid and *ret_port.
 * On failure the daemon is gone and its log is on stderr. */
int bench_daemon_start(const char *daemon, const char *conf,
		       const char *log_path, pid_t *ret_pid, long *ret_port);
/* SIGTERM, then SIGKILL when it does not stop in time; 0 when it exited
 * with status 0, -ECHILD when it ended otherwise or before being told. */
int bench_daemon_stop(pid_t pid, struct rusage *ret_usage);

/* The services a benchmark counter calls: a mix of one, two, three and all
 * eight services, so that the counters' lists overlap as in an office. */
uint64_t bench_counter_mask(size_t counter);

/* The config of the benchmark office (CONFIG.md): eight services A to H,
 * n_counters counters with bench_counter_mask(), one kiosk k1 on a printer
 * with driver none, always open, database at db. Returns the length
 * written, or a negative errno (-ENOBUFS when size is too small). */
int bench_config_text(char *buf, size_t size, const char *db,
		      size_t n_counters);

/* The config of the printing benchmark: the office of CONFIG.md's example
 * (Romanian names, an address, a footer, a ticket URL for the QR code),
 * BENCH_PRINT_SERVICES services A to D, two counters, kiosk k1 on printer
 * "default" (driver tcp to host, CP852, 48 columns) and a printer "narrow"
 * (driver none, 32 columns) that only the encoder uses. Returns the length
 * written, or a negative errno (-ENOBUFS when size is too small). */
int bench_print_config_text(char *buf, size_t size, const char *db,
			    const char *host);

/* A whole number from min to max, as an option's value. */
int bench_parse_long(const char *s, long min, long max, long *ret);
/* dir, or $BONOMAT_BUILD_DIR/bench-tmp (./bench-tmp without it), into ret:
 * where a benchmark puts its databases. */
int bench_scratch_dir(const char *dir, char *ret, size_t size);

#endif
