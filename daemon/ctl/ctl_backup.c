/* bonomatctl backup: an online copy of the daemon's SQLite database with
 * SQLite's backup API, which copies a consistent snapshot while bonomatd
 * goes on writing (it reads in one transaction; WAL lets the daemon
 * commit meanwhile). The copy is written beside its final name, checked,
 * synced and renamed, so that a backup file is always whole. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "ctl.h"

#define BACKUP_PREFIX "bonomat-"
#define BACKUP_SUFFIX ".db"
#define BUSY_MS 10000

static int fsync_path(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);
	int r = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

static void dir_of(const char *path, char dir[PATH_MAX])
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		(void)snprintf(dir, PATH_MAX, ".");
	else if (slash == path)
		(void)snprintf(dir, PATH_MAX, "/");
	else
		(void)snprintf(dir, PATH_MAX, "%.*s", (int)(slash - path),
			       path);
}

/* Copies src into the new file tmp; "ok" of quick_check on the copy. */
static int copy_db(const char *src, const char *tmp, int *ret_pages)
{
	sqlite3 *from = NULL, *to = NULL;
	sqlite3_backup *b;
	sqlite3_stmt *st = NULL;
	int rc, r = -EIO;

	/* Read-only: the copy must never create the daemon's -wal or -shm
	 * files as another user. */
	rc = sqlite3_open_v2(src, &from, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		fprintf(stderr, "bonomatctl: %s: %s\n", src,
			from ? sqlite3_errmsg(from) : sqlite3_errstr(rc));
		goto out;
	}
	sqlite3_busy_timeout(from, BUSY_MS);
	if (sqlite3_exec(from, "SELECT count(*) FROM sqlite_schema", NULL, NULL,
			 NULL) != SQLITE_OK) {
		fprintf(stderr, "bonomatctl: %s: %s\n", src,
			sqlite3_errmsg(from));
		goto out;
	}
	if (sqlite3_open_v2(tmp, &to, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "bonomatctl: %s: %s\n", tmp,
			to ? sqlite3_errmsg(to) : "cannot open");
		goto out;
	}
	b = sqlite3_backup_init(to, "main", from, "main");
	if (!b) {
		fprintf(stderr, "bonomatctl: backup: %s\n", sqlite3_errmsg(to));
		goto out;
	}
	/* All pages in one step: one read transaction, one snapshot. A busy
	 * source (a checkpoint holding a lock) is tried again. */
	for (int tries = 0; tries < 100; tries++) {
		rc = sqlite3_backup_step(b, -1);
		if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
			break;
		sqlite3_sleep(100);
	}
	*ret_pages = sqlite3_backup_pagecount(b);
	if (sqlite3_backup_finish(b) != SQLITE_OK || rc != SQLITE_DONE) {
		fprintf(stderr, "bonomatctl: backup of %s: %s\n", src,
			sqlite3_errstr(rc == SQLITE_DONE ? sqlite3_errcode(to) :
							   rc));
		goto out;
	}
	/* The copy is one file on its own, not in WAL mode. */
	if (sqlite3_exec(to, "PRAGMA journal_mode = DELETE", NULL, NULL,
			 NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(to, "PRAGMA quick_check", -1, &st, NULL) !=
		    SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW ||
	    strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0) {
		fprintf(stderr, "bonomatctl: the copy %s fails its check: %s\n",
			tmp, sqlite3_errmsg(to));
		goto out;
	}
	r = 0;
out:
	sqlite3_finalize(st);
	if (sqlite3_close(to) != SQLITE_OK && r == 0)
		r = -EIO;
	sqlite3_close(from);
	return r;
}

static int backup_to(const char *src, const char *file, int *ret_pages)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	int fd, r;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", file) >=
	    (int)sizeof(tmp))
		return -ENAMETOOLONG;
	/* mkstemp: mode 0600, the database holds phone numbers. */
	fd = mkstemp(tmp);
	if (fd < 0) {
		fprintf(stderr, "bonomatctl: %s: %s\n", file, strerror(errno));
		return -errno;
	}
	close(fd);
	r = copy_db(src, tmp, ret_pages);
	if (r == 0 && (r = fsync_path(tmp, O_RDONLY)) < 0)
		fprintf(stderr, "bonomatctl: %s: %s\n", tmp, strerror(-r));
	if (r == 0 && rename(tmp, file) < 0) {
		r = -errno;
		fprintf(stderr, "bonomatctl: %s: %s\n", file, strerror(errno));
	}
	if (r < 0) {
		(void)unlink(tmp);
		return r;
	}
	dir_of(file, dir);
	(void)fsync_path(dir, O_RDONLY | O_DIRECTORY);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool backup_name(const char *n)
{
	size_t len = strlen(n), pl = strlen(BACKUP_PREFIX),
	       sl = strlen(BACKUP_SUFFIX);

	return len > pl + sl && strncmp(n, BACKUP_PREFIX, pl) == 0 &&
	       strcmp(n + len - sl, BACKUP_SUFFIX) == 0 && !strchr(n, '/');
}

/* Removes the oldest bonomat-*.db of dir beyond the newest keep; their
 * names sort by time. Appends each removed name to removed. */
static int prune(const char *dir, int keep, json_t *removed)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int r = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (!backup_name(e->d_name))
			continue;
		if (n == cap) {
			char **p = realloc(names, (cap = cap ? cap * 2 : 32) *
							  sizeof(*p));
			if (!p) {
				r = -ENOMEM;
				break;
			}
			names = p;
		}
		if (!(names[n] = strdup(e->d_name))) {
			r = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (r == 0) {
		qsort(names, n, sizeof(*names), by_name);
		for (size_t i = 0; i + (size_t)keep < n; i++) {
			char path[PATH_MAX];

			(void)snprintf(path, sizeof(path), "%s/%s", dir,
				       names[i]);
			if (unlink(path) < 0) {
				fprintf(stderr, "bonomatctl: %s: %s\n", path,
					strerror(errno));
				r = -errno;
			} else {
				(void)json_array_append_new(removed,
							    json_string(path));
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

int ctl_cmd_backup(struct ctl *c, const char *file)
{
	char src[PATH_MAX], dst[PATH_MAX];
	const char *db = c->database;
	json_t *removed = json_array();
	int keep = c->keep, pages = 0, r, status = CTL_EXIT_FAILED;
	struct stat st;

	if (!removed)
		return CTL_EXIT_FAILED;
	if (!file == !c->dir) {
		fprintf(stderr, "usage: bonomatctl backup FILE, or bonomatctl "
				"backup --dir DIR [--keep N]\n");
		status = CTL_EXIT_USAGE;
		goto out;
	}
	if (keep && !c->dir) {
		fprintf(stderr, "bonomatctl: --keep goes with --dir\n");
		status = CTL_EXIT_USAGE;
		goto out;
	}
	/* The database and the number of backups to keep come from the
	 * config unless given; a config given explicitly must load. */
	if (!db || (c->dir && !keep) || c->config_given) {
		r = ctl_load_config(c);
		if (r) {
			status = r;
			goto out;
		}
		if (!db)
			db = c->cfg->storage.database;
		if (!keep)
			keep = c->cfg->storage.backup_keep;
	}
	if (db[0] == '/' || c->database)
		(void)snprintf(src, sizeof(src), "%s", db);
	else
		(void)snprintf(src, sizeof(src), "%s/%s", CTL_STATE_DIR, db);
	if (stat(src, &st) < 0) {
		fprintf(stderr, "bonomatctl: the database %s: %s\n", src,
			strerror(errno));
		goto out;
	}
	if (c->dir) {
		char stamp[32];
		time_t now = time(NULL);
		struct tm tm;

		localtime_r(&now, &tm);
		(void)strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H%M%S", &tm);
		if (snprintf(dst, sizeof(dst),
			     "%s/" BACKUP_PREFIX "%s" BACKUP_SUFFIX, c->dir,
			     stamp) >= (int)sizeof(dst)) {
			fprintf(stderr, "bonomatctl: --dir is too long\n");
			status = CTL_EXIT_USAGE;
			goto out;
		}
	} else {
		(void)snprintf(dst, sizeof(dst), "%s", file);
	}
	if (backup_to(src, dst, &pages) < 0)
		goto out;
	if (c->dir && prune(c->dir, keep, removed) < 0)
		fprintf(stderr,
			"bonomatctl: %s: old backups could not all be "
			"removed\n",
			c->dir);
	if (stat(dst, &st) < 0)
		st.st_size = 0;
	if (c->json) {
		json_t *o =
			json_pack("{s:s, s:s, s:I, s:i, s:O}", "database", src,
				  "file", dst, "bytes", (json_int_t)st.st_size,
				  "pages", pages, "removed", removed);

		if (o && json_dumpf(o, stdout,
				    JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0)
			putchar('\n');
		json_decref(o);
	} else {
		json_t *v;
		size_t i;

		printf("%s: backup of %s, %lld bytes\n", dst, src,
		       (long long)st.st_size);
		json_array_foreach(removed, i, v)
			printf("%s: removed (keeping the newest %d)\n",
			       json_string_value(v), keep);
	}
	status = CTL_EXIT_OK;
out:
	json_decref(removed);
	return status;
}
