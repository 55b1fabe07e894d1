/* The SQLite helpers of the store layer, shared by the store's read-write
 * connection and the statistics' read-only one: result codes mapped to
 * negative errno, prepared statements bound, stepped and read. Statements
 * are prepared once and reused: a statement is finished (reset, bindings
 * cleared) after each use, so that it never holds a caller's string bound
 * with SQLITE_STATIC. None of them logs. */
#ifndef BONOMAT_DB_H
#define BONOMAT_DB_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

/* How long a connection waits for another one's lock. */
#define DB_BUSY_TIMEOUT_MS 5000

/* Maps an SQLite result code to 0 (SQLITE_OK, _ROW, _DONE) or a negative
 * errno; with db, an I/O error gives the OS error behind it. */
int db_errno(sqlite3 *db, int rc);

/* Prepares n persistent statements; on failure ret is left for
 * db_finalize_all() to clean up. */
int db_prepare_all(sqlite3 *db, const char *const *sql, size_t n,
		   sqlite3_stmt **ret);
void db_finalize_all(sqlite3_stmt **st, size_t n);

/* Readies a statement for its next use and drops its bindings. */
void db_finish(sqlite3_stmt *st);
/* Steps a statement that returns no rows, then finishes it. */
int db_exec(sqlite3_stmt *st);
/* Steps once: 1 with a row to read, 0 when done, or a negative errno. */
int db_step(sqlite3_stmt *st);
/* Steps a statement that returns one row, an integer in [min, INT_MAX]
 * (-ERANGE otherwise), through to its end. */
int db_step_int(sqlite3_stmt *st, int64_t min, int *ret);
/* Steps through every row, calling fn on each; stops at the first
 * non-zero value of fn and returns it. Finishes the statement. */
int db_each_row(sqlite3_stmt *st, int (*fn)(sqlite3_stmt *st, void *userdata),
		void *userdata);
/* Runs SQL text without results (schema, pragmas, transactions). */
int db_exec_sql(sqlite3 *db, const char *sql);
/* Runs a one-row query of fixed text and hands its first column over as
 * text (copied) and as integer, each when asked for. */
int db_query_one(sqlite3 *db, const char *sql, char *ret_text,
		 size_t text_size, int64_t *ret_int);

/* Binds text (SQLITE_STATIC: v must outlive the statement's use); NULL
 * binds NULL. */
int db_bind_text(sqlite3_stmt *st, int i, const char *v);
int db_bind_int64(sqlite3_stmt *st, int i, int64_t v);
/* Zero means "none" in struct ticket; NULL says so in the database. */
int db_bind_time(sqlite3_stmt *st, int i, int64_t v);

/* A text column, NULL when NULL. */
const char *db_column_text(sqlite3_stmt *st, int col);
/* Copies a text column into buf; -EIO when NULL or too long, as only a
 * damaged database holds such values. */
int db_column_copy(sqlite3_stmt *st, int col, char *buf, size_t size);

#endif
