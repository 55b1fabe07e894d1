#include "db.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

int db_errno(sqlite3 *db, int rc)
{
	int sys;

	switch (rc) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return -EEXIST;
	case SQLITE_CONSTRAINT_FOREIGNKEY:
		return -ENOENT;
	case SQLITE_CONSTRAINT_TRIGGER:
		return -EPERM;
	case SQLITE_IOERR_NOMEM:
		return -ENOMEM;
	default:
		break;
	}
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return 0;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_CONSTRAINT:
		return -EINVAL;
	case SQLITE_TOOBIG:
		return -E2BIG;
	case SQLITE_CANTOPEN:
	case SQLITE_IOERR:
		/* The OS error says more than "I/O error" (ENOENT, EACCES,
		 * ENOSPC, EROFS, ...). */
		sys = db ? sqlite3_system_errno(db) : 0;
		if (sys > 0)
			return -sys;
		return (rc & 0xff) == SQLITE_CANTOPEN ? -ENOENT : -EIO;
	default:
		return -EIO;
	}
}

int db_prepare_all(sqlite3 *db, const char *const *sql, size_t n,
		   sqlite3_stmt **ret)
{
	for (size_t i = 0; i < n; i++) {
		int rc = sqlite3_prepare_v3(db, sql[i], -1,
					    SQLITE_PREPARE_PERSISTENT, &ret[i],
					    NULL);
		if (rc != SQLITE_OK)
			return db_errno(db, rc);
	}
	return 0;
}

void db_finalize_all(sqlite3_stmt **st, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		(void)sqlite3_finalize(st[i]);
		st[i] = NULL;
	}
}

void db_finish(sqlite3_stmt *st)
{
	(void)sqlite3_reset(st);
	(void)sqlite3_clear_bindings(st);
}

int db_exec(sqlite3_stmt *st)
{
	int r = db_step(st);

	db_finish(st);
	return r > 0 ? -EIO : r;
}

int db_step(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return db_errno(sqlite3_db_handle(st), rc);
}

int db_step_int(sqlite3_stmt *st, int64_t min, int *ret)
{
	int64_t v;
	int r = db_step(st);

	if (r == 0)
		return -EIO;
	if (r < 0)
		return r;
	v = sqlite3_column_int64(st, 0);
	r = db_step(st);
	if (r != 0)
		return r > 0 ? -EIO : r;
	if (v < min || v > INT_MAX)
		return -ERANGE;
	*ret = (int)v;
	return 0;
}

int db_each_row(sqlite3_stmt *st, int (*fn)(sqlite3_stmt *st, void *userdata),
		void *userdata)
{
	int r;

	while ((r = db_step(st)) > 0) {
		r = fn(st, userdata);
		if (r != 0)
			break;
	}
	db_finish(st);
	return r;
}

int db_exec_sql(sqlite3 *db, const char *sql)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : db_errno(db, rc);
}

int db_query_one(sqlite3 *db, const char *sql, char *ret_text,
		 size_t text_size, int64_t *ret_int)
{
	sqlite3_stmt *st = NULL;
	int rc, r;

	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		r = db_errno(db, rc);
		goto out;
	}
	r = db_step(st);
	if (r <= 0) {
		r = r == 0 ? -EIO : r;
		goto out;
	}
	if (ret_text) {
		r = db_column_copy(st, 0, ret_text, text_size);
		if (r < 0)
			goto out;
	}
	if (ret_int)
		*ret_int = sqlite3_column_int64(st, 0);
	r = 0;
out:
	(void)sqlite3_finalize(st);
	return r;
}

int db_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	int rc;

	if (v)
		rc = sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		rc = sqlite3_bind_null(st, i);
	return rc == SQLITE_OK ? 0 : db_errno(sqlite3_db_handle(st), rc);
}

int db_bind_int64(sqlite3_stmt *st, int i, int64_t v)
{
	int rc = sqlite3_bind_int64(st, i, v);

	return rc == SQLITE_OK ? 0 : db_errno(sqlite3_db_handle(st), rc);
}

int db_bind_time(sqlite3_stmt *st, int i, int64_t v)
{
	int rc;

	if (v == 0)
		rc = sqlite3_bind_null(st, i);
	else
		rc = sqlite3_bind_int64(st, i, v);
	return rc == SQLITE_OK ? 0 : db_errno(sqlite3_db_handle(st), rc);
}

const char *db_column_text(sqlite3_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st, col);
}

int db_column_copy(sqlite3_stmt *st, int col, char *buf, size_t size)
{
	const unsigned char *v = sqlite3_column_text(st, col);
	int n = sqlite3_column_bytes(st, col);

	if (!v || n < 0 || (size_t)n >= size)
		return -EIO;
	memcpy(buf, v, (size_t)n);
	buf[n] = '\0';
	return 0;
}
