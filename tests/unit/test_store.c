#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "config.h"
#include "store.h"
#include "ticket.h"

#define DAY1 "2026-03-02"
#define DAY2 "2026-03-03"
#define T_DAY1 1772434800      /* 2026-03-02 09:00 Europe/Bucharest */
#define T_DAY2 1772521200      /* 2026-03-03 09:00 */
#define T_DAY2_0030 1772490600 /* 2026-03-03 00:30, still 03-02 in UTC */
/* Takes a database back from schema 9 to 8. */
#define UNDO_SCHEMA_9                                   \
	"DROP INDEX tickets_open;"                      \
	" CREATE INDEX tickets_state_day ON tickets"    \
	" (state, day);"

/* The store needs only the ids, so the test config is built by hand. */
static char id_tax[] = "tax", id_civil[] = "civil";
static char prefix_a[] = "A", prefix_b[] = "B";
static char id_c1[] = "1", id_c2[] = "2", id_k1[] = "k1";

static struct cfg_service services[] = {
	{.id = id_tax, .prefix = prefix_a, .minutes = 8},
	{.id = id_civil, .prefix = prefix_b, .minutes = 10},
};
static struct cfg_counter counters[] = {
	{.id = id_c1, .services = 3},
	{.id = id_c2, .services = 1},
};
static struct cfg_kiosk kiosks[] = {
	{.id = id_k1, .printer = 0},
};
static const struct config cfg = {
	.services = services,
	.n_services = 2,
	.counters = counters,
	.n_counters = 2,
	.kiosks = kiosks,
	.n_kiosks = 1,
};
/* The same office after "tax", the counters and the kiosk were removed. */
static const struct config cfg_reduced = {
	.services = &services[1],
	.n_services = 1,
};

enum {
	SVC_TAX,
	SVC_CIVIL
};
enum {
	CTR_1,
	CTR_2
};

struct fixture {
	char dir[64];
	char path[128];
	struct store *s;
};

static void remove_tree(const char *dir)
{
	char path[512];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) <
		    (int)sizeof(path))
			(void)unlink(path);
	}
	(void)closedir(d);
	(void)rmdir(dir);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	(void)snprintf(f->dir, sizeof(f->dir), "/tmp/bonomat-store-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	(void)snprintf(f->path, sizeof(f->path), "%s/bonomat.db", f->dir);
	assert_int_equal(store_open(f->path, &cfg, &f->s), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->s);
	remove_tree(f->dir);
	free(f);
	return 0;
}

static void reopen(struct fixture *f, const struct config *c)
{
	store_close(f->s);
	f->s = NULL;
	assert_int_equal(store_open(f->path, c, &f->s), 0);
}

/* A second connection to look at the file as it is on disk. */
static int64_t raw_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t v;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void raw_text(const char *path, const char *sql, char *buf, size_t size)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	const unsigned char *v;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_text(st, 0);
	(void)snprintf(buf, size, "%s", v ? (const char *)v : "(null)");
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* How many instructions of sql's program are opcode (EXPLAIN). */
static int raw_opcodes(const char *path, const char *sql, const char *opcode)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char explain[1024];
	int n = 0, rc;

	(void)snprintf(explain, sizeof(explain), "EXPLAIN %s", sql);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, explain, -1, &st, NULL),
			 SQLITE_OK);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *op = sqlite3_column_text(st, 1);
		n += op && strcmp((const char *)op, opcode) == 0;
	}
	assert_int_equal(rc, SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static int raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	int rc;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

static struct ticket make_ticket(const char *day, const char *number,
				 int service, enum ticket_kind kind,
				 int64_t issued_at)
{
	struct ticket t = {
		.service = service,
		.kind = kind,
		.state = TICKET_WAITING,
		.issued_at = issued_at,
		.printed = PRINT_PENDING,
		.kiosk = -1,
		.counter = -1,
		.est_wait_min = -1,
	};

	(void)snprintf(t.day, sizeof(t.day), "%s", day);
	(void)snprintf(t.number, sizeof(t.number), "%s", number);
	return t;
}

static int64_t insert(struct fixture *f, const char *day, const char *number,
		      int service, enum ticket_kind kind, int64_t issued_at)
{
	struct ticket t = make_ticket(day, number, service, kind, issued_at);

	assert_int_equal(store_ticket_insert(f->s, &t), 0);
	assert_true(t.id > 0);
	return t.id;
}

static void append_event(struct fixture *f, const char *type, int64_t at,
			 int64_t ticket, int service, int counter,
			 enum ticket_kind kind)
{
	struct store_event ev = {
		.at = at,
		.type = type,
		.ticket = ticket,
		.service = service,
		.counter = counter,
		.kind = kind,
		.reason = REASON_NONE,
	};

	assert_int_equal(store_event_append(f->s, &ev), 0);
}

static void assert_ticket_equal(const struct ticket *a, const struct ticket *b)
{
	assert_int_equal(a->id, b->id);
	assert_string_equal(a->number, b->number);
	assert_string_equal(a->day, b->day);
	assert_int_equal(a->service, b->service);
	assert_int_equal(a->kind, b->kind);
	assert_int_equal(a->state, b->state);
	assert_int_equal(a->issued_at, b->issued_at);
	assert_int_equal(a->slot_start, b->slot_start);
	assert_int_equal(a->late, b->late);
	assert_int_equal(a->printed, b->printed);
	assert_int_equal(a->kiosk, b->kiosk);
	assert_int_equal(a->counter, b->counter);
	assert_int_equal(a->reason, b->reason);
	assert_int_equal(a->called_at, b->called_at);
	assert_int_equal(a->finished_at, b->finished_at);
	assert_int_equal(a->recalls, b->recalls);
}

static void test_schema_created(void **state)
{
	struct fixture *f = *state;
	char mode[16];

	assert_int_equal(raw_int(f->path, "PRAGMA user_version"),
			 STORE_SCHEMA_VERSION);
	assert_int_equal(STORE_SCHEMA_VERSION, 10);
	raw_text(f->path, "PRAGMA journal_mode", mode, sizeof(mode));
	assert_string_equal(mode, "wal");
	assert_int_equal(raw_int(f->path,
				 "SELECT count(*) FROM sqlite_schema WHERE"
				 " type = 'table' AND name IN ('tickets',"
				 " 'sequences', 'counters', 'events')"),
			 4);
	assert_int_equal(raw_int(f->path,
				 "SELECT count(*) FROM sqlite_schema WHERE"
				 " type = 'trigger' AND tbl_name = 'events'"),
			 2);
	/* The CHECK constraints hold against any writer. */
	assert_int_not_equal(
		raw_exec(f->path,
			 "INSERT INTO tickets (day, number, service, kind,"
			 " state, issued_at, printed) VALUES ('2026-03-02',"
			 " 'A1', 'tax', 'vip', 'waiting', 1, 'none')"),
		SQLITE_OK);
}

static void test_reopen_keeps_data(void **state)
{
	struct fixture *f = *state;
	struct ticket t;
	int64_t id;

	assert_int_equal(store_begin(f->s), 0);
	id = insert(f, DAY1, "A001", SVC_TAX, TICKET_WALK_IN, T_DAY1);
	assert_int_equal(store_commit(f->s), 0);
	reopen(f, &cfg);
	assert_int_equal(store_ticket_get(f->s, id, &t), 0);
	assert_string_equal(t.number, "A001");
	assert_int_equal(t.service, SVC_TAX);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"),
			 STORE_SCHEMA_VERSION);
}

/* Bookings: created, updated by a later import without losing the
 * check-in, and their phone numbers deleted after their day. */
/* Schema 7 keeps a token with each new ticket, found through its unique
 * index; tickets of before have none and are found by no token. */
static void test_migration_from_6_tokens(void **state)
{
	struct fixture *f = *state;
	struct ticket t, got;
	int64_t old;

	assert_int_equal(store_begin(f->s), 0);
	old = insert(f, DAY1, "A001", SVC_TAX, TICKET_WALK_IN, T_DAY1);
	assert_int_equal(store_commit(f->s), 0);
	store_close(f->s);
	f->s = NULL;
	assert_int_equal(raw_exec(f->path,
				  UNDO_SCHEMA_9 "DROP TABLE phones;"
				  " DROP INDEX tickets_token;"
				  " ALTER TABLE tickets DROP COLUMN token;"
				  " PRAGMA user_version = 6"),
			 SQLITE_OK);
	reopen(f, &cfg);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"),
			 STORE_SCHEMA_VERSION);
	assert_int_equal(store_ticket_get(f->s, old, &got), 0);
	assert_string_equal(got.token, "");

	t = make_ticket(DAY1, "A002", SVC_TAX, TICKET_WALK_IN, T_DAY1 + 1);
	assert_int_equal(ticket_token_new(t.token), 0);
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_ticket_insert(f->s, &t), 0);
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(store_ticket_by_token(f->s, t.token, &got), 0);
	assert_int_equal(got.id, t.id);
	assert_string_equal(got.token, t.token);
	/* An update never changes the token. */
	got.state = TICKET_CALLED;
	got.token[0] = '\0';
	assert_int_equal(store_ticket_update(f->s, &got), 0);
	assert_int_equal(store_ticket_get(f->s, t.id, &got), 0);
	assert_string_equal(got.token, t.token);

	/* The same token twice is refused by the unique index. */
	struct ticket dup = make_ticket(DAY1, "A003", SVC_TAX, TICKET_WALK_IN,
					T_DAY1 + 2);
	memcpy(dup.token, t.token, sizeof(dup.token));
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_ticket_insert(f->s, &dup), -EEXIST);
	store_rollback(f->s);

	/* Unknown, malformed and empty tokens find nothing. */
	char other[TICKET_TOKEN_LEN + 1];
	assert_int_equal(ticket_token_new(other), 0);
	assert_string_not_equal(other, t.token);
	assert_int_equal(store_ticket_by_token(f->s, other, &got), -ENOENT);
	assert_int_equal(store_ticket_by_token(f->s, "", &got), -ENOENT);
	assert_int_equal(store_ticket_by_token(f->s, "' OR 1=1 --", &got),
			 -ENOENT);
	assert_int_equal(store_ticket_by_token(f->s, NULL, &got), -ENOENT);
}

static void test_appointments(void **state)
{
	struct fixture *f = *state;
	struct store_appointment a = {
		.code = "X7K2P9", .service = SVC_TAX, .start = T_DAY1,
		.end = T_DAY1 + 900, .phone = "+40722000111",
	}, got;
	bool created = false;
	int64_t id;
	int n = -1;

	assert_int_equal(store_appointment_get(f->s, "X7K2P9", &got),
			 -ENOENT);
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_appointment_put(f->s, &a, T_DAY1 - 86400,
					       &created),
			 0);
	assert_true(created);
	id = insert(f, DAY1, "P001", SVC_TAX, TICKET_APPOINTMENT, T_DAY1);
	assert_int_equal(store_appointment_set_ticket(f->s, "X7K2P9", id), 0);
	assert_int_equal(store_appointment_set_ticket(f->s, "NOPE1", id),
			 -ENOENT);
	a.start += 1800;
	a.end += 1800;
	a.cancelled = true;
	assert_int_equal(store_appointment_put(f->s, &a, T_DAY1, &created), 0);
	assert_false(created);
	assert_int_equal(store_commit(f->s), 0);

	assert_int_equal(store_appointment_get(f->s, "X7K2P9", &got), 0);
	assert_string_equal(got.code, "X7K2P9");
	assert_int_equal(got.service, SVC_TAX);
	assert_int_equal(got.start, T_DAY1 + 1800);
	assert_int_equal(got.end, T_DAY1 + 2700);
	assert_string_equal(got.phone, "+40722000111");
	assert_true(got.cancelled);
	assert_int_equal(got.ticket, id);

	/* An end before the start is refused. */
	a.end = a.start;
	assert_int_equal(store_appointment_put(f->s, &a, T_DAY1, &created),
			 -EINVAL);

	/* The booking's own day keeps the phone; the next one does not. */
	assert_int_equal(store_purge_phones(f->s, DAY1, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_purge_phones(f->s, DAY2, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_appointment_get(f->s, "X7K2P9", &got), 0);
	assert_string_equal(got.phone, "");
}

struct phone_seen {
	struct store_phone p[4];
	size_t n;
};

static int collect_phone(const struct store_phone *p, void *userdata)
{
	struct phone_seen *seen = userdata;

	if (seen->n == 4)
		return -ENOSPC;
	seen->p[seen->n++] = *p;
	return 0;
}

/* A ticket's number: replaced when given again (its messages owed
 * again), marked as its messages go out, and gone with its day. */
static void test_phones(void **state)
{
	struct fixture *f = *state;
	struct phone_seen seen = {0};
	int64_t a, b;
	int n = -1;

	assert_int_equal(store_begin(f->s), 0);
	a = insert(f, DAY1, "A001", SVC_TAX, TICKET_WALK_IN, T_DAY1);
	b = insert(f, DAY2, "A001", SVC_TAX, TICKET_WALK_IN, T_DAY1 + 86400);
	assert_int_equal(store_phone_put(f->s, a, "0722000111"), 0);
	assert_int_equal(store_phone_put(f->s, b, "0733000222"), 0);
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(store_phone_mark(f->s, a, true, false), 0);
	assert_int_equal(store_phone_mark(f->s, 999, true, false), -ENOENT);
	assert_int_equal(store_phones_day(f->s, DAY1, collect_phone, &seen), 0);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.p[0].ticket, a);
	assert_string_equal(seen.p[0].phone, "0722000111");
	assert_true(seen.p[0].near_sent);
	assert_false(seen.p[0].called_sent);

	/* Given again: the new number, nothing sent to it yet. */
	assert_int_equal(store_phone_put(f->s, a, "0744000333"), 0);
	seen.n = 0;
	assert_int_equal(store_phones_day(f->s, DAY1, collect_phone, &seen), 0);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.p[0].phone, "0744000333");
	assert_false(seen.p[0].near_sent);

	/* The day after DAY1 keeps DAY2's number only. */
	assert_int_equal(store_purge_phones(f->s, DAY2, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM phones"), 1);
	seen.n = 0;
	assert_int_equal(store_phones_day(f->s, DAY1, collect_phone, &seen), 0);
	assert_int_equal(seen.n, 0);
	assert_int_equal(store_phones_day(f->s, DAY2, collect_phone, &seen), 0);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.p[0].ticket, b);
	assert_int_equal(store_phones_day(f->s, "nope", collect_phone, &seen),
			 -EINVAL);
}

/* A database of schema 1 (as the first release wrote it) is brought to 2
 * on open, keeping its rows. */
static void test_migration_from_1(void **state)
{
	struct fixture *f = *state;
	struct ticket t;
	int64_t id;

	assert_int_equal(store_begin(f->s), 0);
	id = insert(f, DAY1, "A001", SVC_TAX, TICKET_WALK_IN, T_DAY1);
	assert_int_equal(store_commit(f->s), 0);
	store_close(f->s);
	f->s = NULL;
	assert_int_equal(raw_exec(f->path,
				  UNDO_SCHEMA_9 "DROP TABLE phones;"
				  " DROP TABLE appointments;"
				  " DROP INDEX events_floor;"
				  " DROP INDEX events_day;"
				  " DROP INDEX tickets_day;"
				  " DROP INDEX tickets_token;"
				  " ALTER TABLE tickets DROP COLUMN token;"
				  " ALTER TABLE tickets DROP COLUMN estimate;"
				  " DROP INDEX events_calls;"
				  " CREATE INDEX events_day_type ON events"
				  " (day, type, service);"
				  " PRAGMA user_version = 1"),
			 SQLITE_OK);
	reopen(f, &cfg);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"),
			 STORE_SCHEMA_VERSION);
	assert_int_equal(raw_int(f->path,
				 "SELECT count(*) FROM sqlite_schema WHERE"
				 " name IN ('events_calls', 'appointments')"),
			 2);
	assert_int_equal(raw_int(f->path,
				 "SELECT count(*) FROM sqlite_schema WHERE"
				 " name = 'events_day_type'"),
			 0);
	assert_int_equal(store_ticket_get(f->s, id, &t), 0);
	assert_string_equal(t.number, "A001");
}

/* Schema 4 records the estimate told at issue: tickets of before have
 * none, new ones keep theirs. */
static void test_migration_from_3(void **state)
{
	struct fixture *f = *state;
	struct ticket t;
	int64_t id;

	assert_int_equal(store_begin(f->s), 0);
	id = insert(f, DAY1, "A001", SVC_TAX, TICKET_WALK_IN, T_DAY1);
	assert_int_equal(store_commit(f->s), 0);
	store_close(f->s);
	f->s = NULL;
	assert_int_equal(raw_exec(f->path,
				  UNDO_SCHEMA_9 "DROP TABLE phones;"
				  " DROP INDEX appointments_pending;"
				  " DROP INDEX events_floor;"
				  " DROP INDEX appointments_by_day;"
				  " DROP INDEX events_day;"
				  " DROP INDEX tickets_day;"
				  " DROP INDEX tickets_token;"
				  " ALTER TABLE tickets DROP COLUMN token;"
				  " ALTER TABLE tickets DROP COLUMN estimate;"
				  " PRAGMA user_version = 3"),
			 SQLITE_OK);
	reopen(f, &cfg);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"),
			 STORE_SCHEMA_VERSION);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM tickets"
					  " WHERE estimate IS NULL"),
			 1);
	assert_int_equal(store_ticket_get(f->s, id, &t), 0);
	assert_int_equal(t.estimate_min, -1);
	t.estimate_min = 0;
	assert_int_equal(store_ticket_update(f->s, &t), 0);
	assert_int_equal(store_ticket_get(f->s, id, &t), 0);
	assert_int_equal(t.estimate_min, 0);
	t.estimate_min = 17;
	assert_int_equal(store_ticket_update(f->s, &t), 0);
	assert_int_equal(store_ticket_get(f->s, id, &t), 0);
	assert_int_equal(t.estimate_min, 17);
}

/* Schema 5 indexes the floor events and the day's bookings: the
 * supervision page's queries use them. Schema 6 adds the numbers texted
 * (phones). */
static void test_migration_from_4(void **state)
{
	struct fixture *f = *state;

	store_close(f->s);
	f->s = NULL;
	assert_int_equal(raw_exec(f->path,
				  UNDO_SCHEMA_9 "DROP TABLE phones;"
				  " DROP INDEX events_floor;"
				  " DROP INDEX appointments_by_day;"
				  " DROP INDEX events_day;"
				  " DROP INDEX tickets_day;"
				  " DROP INDEX tickets_token;"
				  " ALTER TABLE tickets DROP COLUMN token;"
				  " PRAGMA user_version = 4"),
			 SQLITE_OK);
	reopen(f, &cfg);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"),
			 STORE_SCHEMA_VERSION);
	assert_int_equal(raw_int(f->path,
				 "SELECT count(*) FROM sqlite_schema WHERE name"
				 " IN ('events_floor', 'appointments_by_day',"
				 " 'phones', 'phones_day')"),
			 4);
}

/* A database of schema 7 gets the phones table, keeping its tickets. */
/* Reopens the store on its file taken back by sql to an older schema, and
 * checks that it was brought up to date. */
static void migrate_from(struct fixture *f, const char *sql)
{
	store_close(f->s);
	f->s = NULL;
	assert_int_equal(raw_exec(f->path, sql), SQLITE_OK);
	reopen(f, &cfg);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"),
			 STORE_SCHEMA_VERSION);
}

static void test_migration_from_7(void **state)
{
	struct fixture *f = *state;
	struct ticket t;
	int64_t id;

	assert_int_equal(store_begin(f->s), 0);
	id = insert(f, DAY1, "A001", SVC_TAX, TICKET_WALK_IN, T_DAY1);
	assert_int_equal(store_commit(f->s), 0);
	migrate_from(f, UNDO_SCHEMA_9 "DROP TABLE phones;"
			" PRAGMA user_version = 7");
	assert_int_equal(store_ticket_get(f->s, id, &t), 0);
	assert_int_equal(store_phone_put(f->s, id, "0722000111"), 0);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM phones"
					  " WHERE day = '" DAY1 "'"),
			 1);
}

/* The waiting and called tickets that tickets_open holds. */
#define COUNT_OPEN(where)                                               \
	("SELECT count(*) FROM tickets INDEXED BY tickets_open WHERE"   \
	 " state IN ('waiting', 'called')" where)

/* Schema 9 swaps tickets_state_day for the partial tickets_open; the open
 * tickets are found through it, a call keeps them in it and a served one
 * leaves it. */
static void test_migration_from_8(void **state)
{
	struct fixture *f = *state;
	struct ticket t;
	int64_t waiting, called;
	char check[64];
	int count = 0;

	assert_int_equal(store_begin(f->s), 0);
	waiting = insert(f, DAY1, "A001", SVC_TAX, TICKET_WALK_IN, T_DAY1);
	called = insert(f, DAY1, "A002", SVC_TAX, TICKET_WALK_IN, T_DAY1 + 5);
	(void)insert(f, DAY1, "A003", SVC_TAX, TICKET_WALK_IN, T_DAY1 + 9);
	assert_int_equal(store_commit(f->s), 0);
	migrate_from(f, UNDO_SCHEMA_9 " PRAGMA user_version = 8");
	assert_int_equal(raw_int(f->path,
				 "SELECT count(*) FROM sqlite_schema WHERE"
				 " name = 'tickets_state_day'"),
			 0);
	assert_int_equal(raw_int(f->path, COUNT_OPEN(" AND day = '" DAY1 "'")),
			 3);

	assert_int_equal(store_ticket_get(f->s, called, &t), 0);
	t.state = TICKET_CALLED;
	t.counter = CTR_1;
	t.called_at = T_DAY1 + 60;
	assert_int_equal(store_ticket_update(f->s, &t), 0);
	t.state = TICKET_SERVED;
	t.finished_at = T_DAY1 + 120;
	assert_int_equal(store_ticket_update(f->s, &t), 0);
	assert_int_equal(raw_int(f->path, COUNT_OPEN(" AND day = '" DAY1 "'")),
			 2);
	raw_text(f->path, "PRAGMA integrity_check", check, sizeof(check));
	assert_string_equal(check, "ok");
	assert_int_equal(store_close_days_before(f->s, DAY2, T_DAY2, &count),
			 0);
	assert_int_equal(count, 2);
	assert_int_equal(store_ticket_get(f->s, waiting, &t), 0);
	assert_int_equal(t.state, TICKET_EXPIRED);
	assert_int_equal(raw_int(f->path, COUNT_OPEN("")), 0);
}

/* A state change writes the state's columns alone: a kind or print state
 * the caller holds otherwise is left as stored; a ticket whose day or
 * number changed too is written whole; a missing one is -ENOENT. */
static void test_set_state(void **state)
{
	struct fixture *f = *state;
	struct ticket t, got;
	int64_t id;

	assert_int_equal(store_begin(f->s), 0);
	id = insert(f, DAY1, "A001", SVC_TAX, TICKET_WALK_IN, T_DAY1);
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(store_ticket_get(f->s, id, &t), 0);
	t.state = TICKET_CALLED;
	t.counter = CTR_2;
	t.reason = REASON_INTERLEAVE;
	t.called_at = T_DAY1 + 60;
	t.recalls = 1;
	t.printed = PRINT_FAILED;  /* not a state column: left */
	t.kind = TICKET_PRIORITY; /* the same */
	assert_int_equal(store_ticket_set_state(f->s, &t), 0);
	assert_int_equal(store_ticket_get(f->s, id, &got), 0);
	assert_int_equal(got.state, TICKET_CALLED);
	assert_int_equal(got.counter, CTR_2);
	assert_int_equal(got.reason, REASON_INTERLEAVE);
	assert_int_equal(got.called_at, T_DAY1 + 60);
	assert_int_equal(got.recalls, 1);
	assert_int_equal(got.printed, PRINT_PENDING);
	assert_int_equal(got.kind, TICKET_WALK_IN);

	t = got;
	t.state = TICKET_SERVED;
	t.finished_at = T_DAY1 + 300;
	snprintf(t.number, sizeof(t.number), "A777");
	assert_int_equal(store_ticket_set_state(f->s, &t), 0);
	assert_int_equal(store_ticket_get(f->s, id, &got), 0);
	assert_ticket_equal(&got, &t);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM tickets WHERE"
					  " number = 'A777' AND state = 'served'"),
			 1);

	t.id = id + 100;
	assert_int_equal(store_ticket_set_state(f->s, &t), -ENOENT);
}

static int count_floor(const struct store_floor_event *e, void *userdata)
{
	char *seen = userdata;
	size_t len = strlen(seen);

	snprintf(seen + len, 256 - len, "%s:%d:%s;", event_type_name(e->type),
		 e->counter, e->detail ? e->detail : "");
	return 0;
}

/* Schema 10 states events_floor's condition as equalities joined by OR:
 * writing an event builds no temporary b-tree for an IN list any more,
 * and the day's floor events are still read through the index. */
#define WRITE_EVENT                                                    \
	"INSERT INTO events (at, day, type, ticket) VALUES (1,"        \
	" '" DAY1 "', 'called', NULL)"

static void test_migration_from_9(void **state)
{
	struct fixture *f = *state;
	char seen[256] = "";

	assert_int_equal(store_begin(f->s), 0);
	append_event(f, "paused", T_DAY1, 0, -1, CTR_1, TICKET_WALK_IN);
	append_event(f, "called", T_DAY1 + 10, 0, -1, CTR_1, TICKET_WALK_IN);
	assert_int_equal(store_commit(f->s), 0);
	migrate_from(f, "DROP INDEX events_floor;"
			" CREATE INDEX events_floor ON events (day) WHERE type"
			" IN ('paused', 'resumed', 'services_changed');"
			" PRAGMA user_version = 9");
	assert_int_equal(raw_int(f->path,
				 "SELECT count(*) FROM sqlite_schema WHERE"
				 " name = 'events_floor' AND sql LIKE '% OR %'"
				 " AND sql NOT LIKE '% IN (%'"),
			 1);
	assert_int_equal(raw_opcodes(f->path, WRITE_EVENT, "OpenEphemeral"),
			 0);
	assert_int_equal(raw_int(f->path,
				 "SELECT count(*) FROM events INDEXED BY"
				 " events_floor WHERE day = '" DAY1 "' AND"
				 " (type = 'paused' OR type = 'resumed' OR"
				 " type = 'services_changed')"),
			 1);
	assert_int_equal(store_begin(f->s), 0);
	append_event(f, "resumed", T_DAY1 + 60, 0, -1, CTR_1, TICKET_WALK_IN);
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(store_floor_events(f->s, DAY1, count_floor, seen), 0);
	assert_string_equal(seen, "paused:0:;resumed:0:;");
}


static int list_booking(const struct store_booking *b, void *userdata)
{
	char *seen = userdata;
	size_t len = strlen(seen);

	snprintf(seen + len, 256 - len, "%s:%s:%s;", b->a.code,
		 b->has_ticket ? b->number : "-",
		 b->has_ticket ? ticket_state_name(b->state) : "-");
	return 0;
}

/* The supervision page's reads: the day's floor events in order, the
 * tickets each counter served, the day's bookings with their tickets. */
static void test_floor_reads(void **state)
{
	struct fixture *f = *state;
	struct store_event ev = {.at = T_DAY1 + 60,
				 .type = "services_changed",
				 .service = -1,
				 .counter = CTR_2,
				 .detail = "tax,civil"};
	struct store_appointment a = {.code = "AB12CD", .service = SVC_TAX,
				      .start = T_DAY1, .end = T_DAY1 + 900};
	struct ticket t;
	char seen[256] = "";
	int served[2] = {-1, -1};
	bool created;

	assert_int_equal(store_begin(f->s), 0);
	append_event(f, "paused", T_DAY1, 0, -1, CTR_1, TICKET_WALK_IN);
	append_event(f, "called", T_DAY1 + 10, 0, -1, CTR_1, TICKET_WALK_IN);
	assert_int_equal(store_event_append(f->s, &ev), 0);
	append_event(f, "resumed", T_DAY1 + 120, 0, -1, CTR_1, TICKET_WALK_IN);
	append_event(f, "paused", T_DAY2, 0, -1, CTR_2, TICKET_WALK_IN);
	t = make_ticket(DAY1, "A001", SVC_TAX, TICKET_WALK_IN, T_DAY1);
	t.state = TICKET_SERVED;
	t.counter = CTR_2;
	assert_int_equal(store_ticket_insert(f->s, &t), 0);
	t = make_ticket(DAY1, "A002", SVC_TAX, TICKET_WALK_IN, T_DAY1);
	t.state = TICKET_NO_SHOW;
	t.counter = CTR_2;
	assert_int_equal(store_ticket_insert(f->s, &t), 0);
	assert_int_equal(store_appointment_put(f->s, &a, T_DAY1, &created), 0);
	a.start += 900;
	a.end += 900;
	memcpy(a.code, "ZZ99YY", 7);
	assert_int_equal(store_appointment_put(f->s, &a, T_DAY1, &created), 0);
	t = make_ticket(DAY1, "P001", SVC_TAX, TICKET_APPOINTMENT, T_DAY1);
	assert_int_equal(store_ticket_insert(f->s, &t), 0);
	assert_int_equal(store_appointment_set_ticket(f->s, "ZZ99YY", t.id), 0);
	assert_int_equal(store_commit(f->s), 0);

	assert_int_equal(store_floor_events(f->s, DAY1, count_floor, seen), 0);
	assert_string_equal(seen, "paused:0:;services_changed:1:tax,civil;"
				  "resumed:0:;");
	assert_int_equal(store_served_by_counter(f->s, DAY1, served), 0);
	assert_int_equal(served[CTR_1], 0);
	assert_int_equal(served[CTR_2], 1);
	seen[0] = '\0';
	assert_int_equal(store_bookings_day(f->s, DAY1, list_booking, seen), 0);
	assert_string_equal(seen, "AB12CD:-:-;ZZ99YY:P001:waiting;");
	seen[0] = '\0';
	assert_int_equal(store_bookings_day(f->s, DAY2, list_booking, seen), 0);
	assert_string_equal(seen, "");
	assert_int_equal(store_floor_events(f->s, "nope", count_floor, seen),
			 -EINVAL);
}

/* Schema 6 indexes the log and the tickets by day for the period
 * statistics. */
static void test_migration_from_5(void **state)
{
	struct fixture *f = *state;

	store_close(f->s);
	f->s = NULL;
	assert_int_equal(raw_exec(f->path, UNDO_SCHEMA_9 "DROP TABLE phones;"
					   " DROP INDEX events_day;"
					   " DROP INDEX tickets_day;"
					   " DROP INDEX tickets_token;"
					   " ALTER TABLE tickets DROP COLUMN token;"
					   " PRAGMA user_version = 5"),
			 SQLITE_OK);
	reopen(f, &cfg);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"),
			 STORE_SCHEMA_VERSION);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sqlite_master"
					  " WHERE type = 'index' AND name IN"
					  " ('events_day', 'tickets_day')"),
			 2);
}

static void test_future_version_refused(void **state)
{
	struct fixture *f = *state;
	struct store *s = NULL;
	char sql[64];

	store_close(f->s);
	f->s = NULL;

	(void)snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
		       STORE_SCHEMA_VERSION + 1);
	assert_int_equal(raw_exec(f->path, sql), SQLITE_OK);
	assert_int_equal(store_open(f->path, &cfg, &s), -EPROTO);
	assert_null(s);
	/* Refusing changes nothing. */
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"),
			 STORE_SCHEMA_VERSION + 1);
}

static void test_open_errors(void **state)
{
	struct fixture *f = *state;
	struct store *s = NULL;
	char path[192];

	(void)snprintf(path, sizeof(path), "%s/missing/bonomat.db", f->dir);
	assert_int_equal(store_open(path, &cfg, &s), -ENOENT);
	assert_null(s);
	(void)snprintf(path, sizeof(path), "%s/garbage.db", f->dir);
	{
		FILE *fp = fopen(path, "w");

		assert_non_null(fp);
		for (int i = 0; i < 200; i++)
			fputs("this is not a database\n", fp);
		assert_int_equal(fclose(fp), 0);
	}
	assert_true(store_open(path, &cfg, &s) < 0);
	assert_null(s);
	store_close(NULL);
}

static void test_sequences(void **state)
{
	struct fixture *f = *state;
	int seq = -1;

	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_next_seq(f->s, DAY1, "A", &seq), 0);
	assert_int_equal(seq, 1);
	assert_int_equal(store_next_seq(f->s, DAY1, "A", &seq), 0);
	assert_int_equal(seq, 2);
	assert_int_equal(store_next_seq(f->s, DAY1, "B", &seq), 0);
	assert_int_equal(seq, 1);
	assert_int_equal(store_next_seq(f->s, DAY1, "P", &seq), 0);
	assert_int_equal(seq, 1);
	assert_int_equal(store_next_seq(f->s, DAY2, "A", &seq), 0);
	assert_int_equal(seq, 1);
	assert_int_equal(store_commit(f->s), 0);

	reopen(f, &cfg);
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_next_seq(f->s, DAY1, "A", &seq), 0);
	assert_int_equal(seq, 3);
	assert_int_equal(store_next_seq(f->s, DAY2, "A", &seq), 0);
	assert_int_equal(seq, 2);
	assert_int_equal(store_commit(f->s), 0);

	seq = -1;
	assert_int_equal(store_next_seq(f->s, "2026-3-2", "A", &seq), -EINVAL);
	assert_int_equal(store_next_seq(f->s, DAY1, NULL, &seq), -EINVAL);
	assert_int_equal(seq, -1);
}

static void test_unique_number(void **state)
{
	struct fixture *f = *state;
	struct ticket t =
		make_ticket(DAY1, "A001", SVC_TAX, TICKET_WALK_IN, T_DAY1);
	struct ticket again = t;
	struct ticket other;

	assert_int_equal(store_ticket_insert(f->s, &t), 0);
	again.id = 0;
	assert_int_equal(store_ticket_insert(f->s, &again), -EEXIST);
	assert_int_equal(again.id, 0);
	/* The same number on another day is a different ticket. */
	again = make_ticket(DAY2, "A001", SVC_TAX, TICKET_WALK_IN, T_DAY2);
	assert_int_equal(store_ticket_insert(f->s, &again), 0);
	/* Renumbering onto a used number is refused too. */
	other = make_ticket(DAY1, "A002", SVC_TAX, TICKET_WALK_IN, T_DAY1);
	assert_int_equal(store_ticket_insert(f->s, &other), 0);
	snprintf(other.number, sizeof(other.number), "A001");
	assert_int_equal(store_ticket_update(f->s, &other), -EEXIST);
}

static void test_ticket_round_trip(void **state)
{
	struct fixture *f = *state;
	struct ticket t = make_ticket(DAY1, "P007", SVC_CIVIL,
				      TICKET_APPOINTMENT, T_DAY1 + 60);
	struct ticket got;
	int64_t missing;

	t.slot_start = T_DAY1 + 1800;
	t.late = true;
	t.printed = PRINT_FAILED;
	t.kiosk = 0;
	assert_int_equal(store_ticket_insert(f->s, &t), 0);
	assert_int_equal(store_ticket_get(f->s, t.id, &got), 0);
	assert_ticket_equal(&got, &t);
	assert_int_equal(got.est_wait_min, -1);

	t.state = TICKET_CALLED;
	t.counter = CTR_2;
	t.reason = REASON_APPOINTMENT_EARLY;
	t.called_at = T_DAY1 + 600;
	t.recalls = 2;
	t.printed = PRINT_OK;
	t.kind = TICKET_PRIORITY;
	t.late = false;
	t.slot_start = 0;
	t.kiosk = -1;
	assert_int_equal(store_ticket_update(f->s, &t), 0);
	assert_int_equal(store_ticket_get(f->s, t.id, &got), 0);
	assert_ticket_equal(&got, &t);

	t.state = TICKET_NO_SHOW;
	t.service = SVC_TAX;
	t.finished_at = T_DAY1 + 900;
	snprintf(t.number, sizeof(t.number), "A123");
	snprintf(t.day, sizeof(t.day), DAY2);
	assert_int_equal(store_ticket_update(f->s, &t), 0);
	reopen(f, &cfg);
	assert_int_equal(store_ticket_get(f->s, t.id, &got), 0);
	assert_ticket_equal(&got, &t);

	missing = t.id + 100;
	t.id = missing;
	assert_int_equal(store_ticket_update(f->s, &t), -ENOENT);
	assert_int_equal(store_ticket_get(f->s, missing, &got), -ENOENT);

	/* Bad indexes and enums are refused before SQL sees them. */
	t = make_ticket(DAY1, "A009", 5, TICKET_WALK_IN, T_DAY1);
	assert_int_equal(store_ticket_insert(f->s, &t), -EINVAL);
	t = make_ticket(DAY1, "A009", -1, TICKET_WALK_IN, T_DAY1);
	assert_int_equal(store_ticket_insert(f->s, &t), -EINVAL);
	t = make_ticket(DAY1, "A009", SVC_TAX, TICKET_WALK_IN, T_DAY1);
	t.counter = 2;
	assert_int_equal(store_ticket_insert(f->s, &t), -EINVAL);
	t = make_ticket(DAY1, "A009", SVC_TAX, (enum ticket_kind)7, T_DAY1);
	assert_int_equal(store_ticket_insert(f->s, &t), -EINVAL);
	t = make_ticket("", "A009", SVC_TAX, TICKET_WALK_IN, T_DAY1);
	assert_int_equal(store_ticket_insert(f->s, &t), -EINVAL);
	t = make_ticket(DAY1, "", SVC_TAX, TICKET_WALK_IN, T_DAY1);
	assert_int_equal(store_ticket_insert(f->s, &t), -EINVAL);
	assert_int_equal(t.id, 0);
}

static void test_unknown_ids(void **state)
{
	struct fixture *f = *state;
	struct ticket t =
		make_ticket(DAY1, "A001", SVC_TAX, TICKET_WALK_IN, T_DAY1);
	struct ticket got;

	t.kiosk = 0;
	t.counter = CTR_1;
	t.state = TICKET_CALLED;
	assert_int_equal(store_ticket_insert(f->s, &t), 0);
	reopen(f, &cfg_reduced);
	assert_int_equal(store_ticket_get(f->s, t.id, &got), 0);
	assert_int_equal(got.service, -1);
	assert_int_equal(got.kiosk, -1);
	assert_int_equal(got.counter, -1);
	/* Updating it keeps the stored service id, which a later config may
	 * know again. */
	got.recalls = 1;
	assert_int_equal(store_ticket_update(f->s, &got), 0);
	reopen(f, &cfg);
	assert_int_equal(store_ticket_get(f->s, t.id, &got), 0);
	assert_int_equal(got.service, SVC_TAX);
	assert_int_equal(got.recalls, 1);
}

static void test_rollback(void **state)
{
	struct fixture *f = *state;
	struct ticket t;
	int64_t id;
	int seq;

	store_rollback(f->s); /* no transaction: harmless */
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_begin(f->s), -EINPROGRESS);
	assert_int_equal(store_next_seq(f->s, DAY1, "A", &seq), 0);
	assert_int_equal(seq, 1);
	id = insert(f, DAY1, "A001", SVC_TAX, TICKET_WALK_IN, T_DAY1);
	append_event(f, "issued", T_DAY1, id, SVC_TAX, -1, TICKET_WALK_IN);
	assert_int_equal(store_counter_save(f->s, CTR_1, true, id), 0);
	store_rollback(f->s);
	store_rollback(f->s);

	assert_int_equal(store_ticket_get(f->s, id, &t), -ENOENT);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM events"), 0);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM counters"), 0);
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_next_seq(f->s, DAY1, "A", &seq), 0);
	assert_int_equal(seq, 1);
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(store_commit(f->s), -EINVAL);
}

static void test_events(void **state)
{
	struct fixture *f = *state;
	struct store_event ev = {
		.at = T_DAY2_0030,
		.type = "called",
		.service = SVC_TAX,
		.counter = CTR_1,
		.kind = TICKET_PRIORITY,
		.reason = REASON_PRIORITY,
		.detail = "after midnight",
	};
	char text[64];
	int64_t id;

	/* A ticket of day 1 called after midnight stays on day 1. */
	id = insert(f, DAY1, "A001", SVC_TAX, TICKET_PRIORITY, T_DAY1);
	ev.ticket = id;
	assert_int_equal(store_event_append(f->s, &ev), 0);
	raw_text(f->path,
		 "SELECT day || ' ' || type || ' ' || service || ' '"
		 " || counter || ' ' || kind || ' ' || reason"
		 " FROM events WHERE id = 1",
		 text, sizeof(text));
	assert_string_equal(text, DAY1 " called tax 1 priority priority");
	raw_text(f->path, "SELECT detail FROM events WHERE id = 1", text,
		 sizeof(text));
	assert_string_equal(text, "after midnight");

	/* Without a ticket the local date of `at` counts, not UTC's. */
	append_event(f, "paused", T_DAY2_0030, 0, -1, CTR_2, TICKET_WALK_IN);
	raw_text(f->path,
		 "SELECT day || ' ' || coalesce(ticket, 'null') ||"
		 " ' ' || coalesce(kind, 'null') || ' ' ||"
		 " coalesce(reason, 'null') || ' ' ||"
		 " coalesce(service, 'null')"
		 " FROM events WHERE id = 2",
		 text, sizeof(text));
	assert_string_equal(text, DAY2 " null null null null");

	/* An event about a ticket that does not exist is refused. */
	ev.ticket = id + 10;
	assert_int_equal(store_event_append(f->s, &ev), -ENOENT);
	ev.ticket = id;
	ev.type = "";
	assert_int_equal(store_event_append(f->s, &ev), -EINVAL);
	ev.type = "called";
	ev.counter = 9;
	assert_int_equal(store_event_append(f->s, &ev), -EINVAL);

	/* Append-only, whoever writes. */
	assert_int_equal(raw_exec(f->path, "UPDATE events SET type = 'x'"),
			 SQLITE_CONSTRAINT);
	assert_int_equal(raw_exec(f->path, "DELETE FROM events"),
			 SQLITE_CONSTRAINT);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM events"), 2);
	raw_text(f->path, "SELECT type FROM events WHERE id = 1", text,
		 sizeof(text));
	assert_string_equal(text, "called");
}

struct collect {
	int64_t ids[16];
	size_t n;
	size_t stop_after;
};

static int collect_cb(const struct ticket *t, void *userdata)
{
	struct collect *c = userdata;

	if (c->n >= sizeof(c->ids) / sizeof(c->ids[0]))
		return -ENOBUFS;
	c->ids[c->n++] = t->id;
	return c->n == c->stop_after ? 42 : 0;
}

static void test_tickets_active(void **state)
{
	struct fixture *f = *state;
	struct collect c = {.n = 0};
	struct ticket t;
	int64_t a, b, p, done;

	b = insert(f, DAY1, "B001", SVC_CIVIL, TICKET_WALK_IN, T_DAY1 + 20);
	a = insert(f, DAY1, "A001", SVC_TAX, TICKET_WALK_IN, T_DAY1 + 10);
	p = insert(f, DAY1, "P001", SVC_TAX, TICKET_APPOINTMENT, T_DAY1 + 30);
	done = insert(f, DAY1, "A002", SVC_TAX, TICKET_WALK_IN, T_DAY1 + 5);
	(void)insert(f, DAY2, "A001", SVC_TAX, TICKET_WALK_IN, T_DAY2);
	assert_int_equal(store_ticket_get(f->s, done, &t), 0);
	t.state = TICKET_SERVED;
	assert_int_equal(store_ticket_update(f->s, &t), 0);
	assert_int_equal(store_ticket_get(f->s, p, &t), 0);
	t.state = TICKET_CALLED;
	t.counter = CTR_1;
	assert_int_equal(store_ticket_update(f->s, &t), 0);

	assert_int_equal(store_tickets_active(f->s, DAY1, collect_cb, &c), 0);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.ids[0], a);
	assert_int_equal(c.ids[1], b);
	assert_int_equal(c.ids[2], p);

	c = (struct collect){.stop_after = 2};
	assert_int_equal(store_tickets_active(f->s, DAY1, collect_cb, &c), 42);
	assert_int_equal(c.n, 2);
	/* The statement was reset: a second walk starts over. */
	c = (struct collect){.n = 0};
	assert_int_equal(store_tickets_active(f->s, DAY1, collect_cb, &c), 0);
	assert_int_equal(c.n, 3);
}

static void test_close_days_before(void **state)
{
	struct fixture *f = *state;
	const int64_t now = T_DAY2 - 600;
	struct ticket t;
	int64_t waiting, called, served, today;
	bool paused;
	int64_t current;
	char text[96];
	int count = -1;

	waiting = insert(f, DAY1, "A001", SVC_TAX, TICKET_WALK_IN, T_DAY1);
	called = insert(f, DAY1, "B001", SVC_CIVIL, TICKET_PRIORITY, T_DAY1);
	served = insert(f, DAY1, "A002", SVC_TAX, TICKET_WALK_IN, T_DAY1);
	today = insert(f, DAY2, "A001", SVC_TAX, TICKET_WALK_IN, T_DAY2 - 60);

	assert_int_equal(store_ticket_get(f->s, called, &t), 0);
	t.state = TICKET_CALLED;
	t.counter = CTR_1;
	t.called_at = T_DAY1 + 60;
	assert_int_equal(store_ticket_update(f->s, &t), 0);
	assert_int_equal(store_counter_save(f->s, CTR_1, true, called), 0);
	assert_int_equal(store_ticket_get(f->s, served, &t), 0);
	t.state = TICKET_SERVED;
	t.finished_at = T_DAY1 + 120;
	assert_int_equal(store_ticket_update(f->s, &t), 0);

	assert_int_equal(store_close_days_before(f->s, DAY2, now, &count), 0);
	assert_int_equal(count, 2);

	assert_int_equal(store_ticket_get(f->s, waiting, &t), 0);
	assert_int_equal(t.state, TICKET_EXPIRED);
	assert_int_equal(t.finished_at, now);
	assert_int_equal(store_ticket_get(f->s, called, &t), 0);
	assert_int_equal(t.state, TICKET_SERVED);
	assert_int_equal(t.finished_at, now);
	assert_int_equal(t.called_at, T_DAY1 + 60);
	assert_int_equal(store_ticket_get(f->s, served, &t), 0);
	assert_int_equal(t.finished_at, T_DAY1 + 120);
	assert_int_equal(store_ticket_get(f->s, today, &t), 0);
	assert_int_equal(t.state, TICKET_WAITING);

	assert_int_equal(store_counter_load(f->s, CTR_1, &paused, &current), 0);
	assert_true(paused);
	assert_int_equal(current, 0);

	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM events"), 2);
	raw_text(f->path,
		 "SELECT group_concat(ticket || ' ' || type || ' ' ||"
		 " day || ' ' || at || ' ' || coalesce(detail, '-'),"
		 " '; ') FROM events",
		 text, sizeof(text));
	{
		char want[96];

		(void)snprintf(want, sizeof(want),
			       "%lld expired " DAY1 " %lld -; %lld served " DAY1
			       " %lld closed at end of day",
			       (long long)waiting, (long long)now,
			       (long long)called, (long long)now);
		assert_string_equal(text, want);
	}
	raw_text(f->path,
		 "SELECT kind || ' ' || counter FROM events"
		 " WHERE type = 'served'",
		 text, sizeof(text));
	assert_string_equal(text, "priority 1");

	/* Nothing left to close; inside a transaction it refuses. */
	assert_int_equal(store_close_days_before(f->s, DAY2, now, &count), 0);
	assert_int_equal(count, 0);
	assert_int_equal(store_begin(f->s), 0);
	count = -1;
	assert_int_equal(store_close_days_before(f->s, DAY2, now, &count),
			 -EINPROGRESS);
	assert_int_equal(count, -1);
	store_rollback(f->s);
}

static void test_streak(void **state)
{
	struct fixture *f = *state;
	int64_t w1, p1, a1, a2, b1, y1, w2;
	int streak = -1;

	assert_int_equal(store_service_streak(f->s, DAY2, SVC_TAX, &streak), 0);
	assert_int_equal(streak, 0);

	y1 = insert(f, DAY1, "P001", SVC_TAX, TICKET_APPOINTMENT, T_DAY1);
	w1 = insert(f, DAY2, "A001", SVC_TAX, TICKET_WALK_IN, T_DAY2);
	p1 = insert(f, DAY2, "A002", SVC_TAX, TICKET_PRIORITY, T_DAY2);
	a1 = insert(f, DAY2, "P001", SVC_TAX, TICKET_APPOINTMENT, T_DAY2);
	a2 = insert(f, DAY2, "P002", SVC_TAX, TICKET_APPOINTMENT, T_DAY2);
	b1 = insert(f, DAY2, "B001", SVC_CIVIL, TICKET_PRIORITY, T_DAY2);
	w2 = insert(f, DAY2, "A003", SVC_TAX, TICKET_WALK_IN, T_DAY2);

	/* Yesterday's calls do not count today. */
	append_event(f, "called", T_DAY1 + 10, y1, SVC_TAX, CTR_1,
		     TICKET_APPOINTMENT);
	assert_int_equal(store_service_streak(f->s, DAY2, SVC_TAX, &streak), 0);
	assert_int_equal(streak, 0);

	append_event(f, "called", T_DAY2 + 10, w1, SVC_TAX, CTR_1,
		     TICKET_WALK_IN);
	append_event(f, "called", T_DAY2 + 20, p1, SVC_TAX, CTR_2,
		     TICKET_PRIORITY);
	append_event(f, "called", T_DAY2 + 30, a1, SVC_TAX, CTR_1,
		     TICKET_APPOINTMENT);
	/* Recalls, other services and other events are not calls here. */
	append_event(f, "recalled", T_DAY2 + 35, a1, SVC_TAX, CTR_1,
		     TICKET_APPOINTMENT);
	append_event(f, "called", T_DAY2 + 36, b1, SVC_CIVIL, CTR_1,
		     TICKET_PRIORITY);
	append_event(f, "issued", T_DAY2 + 37, w2, SVC_TAX, -1, TICKET_WALK_IN);
	append_event(f, "called", T_DAY2 + 40, a2, SVC_TAX, CTR_2,
		     TICKET_APPOINTMENT);
	assert_int_equal(store_service_streak(f->s, DAY2, SVC_TAX, &streak), 0);
	assert_int_equal(streak, 3);
	assert_int_equal(store_service_streak(f->s, DAY2, SVC_CIVIL, &streak),
			 0);
	assert_int_equal(streak, 1);

	append_event(f, "called", T_DAY2 + 50, w2, SVC_TAX, CTR_1,
		     TICKET_WALK_IN);
	assert_int_equal(store_service_streak(f->s, DAY2, SVC_TAX, &streak), 0);
	assert_int_equal(streak, 0);
	append_event(f, "called", T_DAY2 + 60, a2, SVC_TAX, CTR_1,
		     TICKET_APPOINTMENT);
	assert_int_equal(store_service_streak(f->s, DAY2, SVC_TAX, &streak), 0);
	assert_int_equal(streak, 1);

	streak = -1;
	assert_int_equal(store_service_streak(f->s, DAY2, 7, &streak), -EINVAL);
	assert_int_equal(streak, -1);
}

static void test_recent_calls(void **state)
{
	struct fixture *f = *state;
	struct store_call calls[8];
	int64_t ids[5], old;
	char number[TICKET_NUMBER_MAX];
	size_t n = 99;

	assert_int_equal(store_recent_calls(f->s, DAY2, calls, 8, &n), 0);
	assert_int_equal(n, 0);

	for (int i = 0; i < 5; i++) {
		(void)snprintf(number, sizeof(number), "A%03d", i + 1);
		ids[i] = insert(f, DAY2, number, SVC_TAX, TICKET_WALK_IN,
				T_DAY2 + i);
		append_event(f, "called", T_DAY2 + 100 + i, ids[i], SVC_TAX,
			     i % 2 ? CTR_2 : CTR_1, TICKET_WALK_IN);
	}
	append_event(f, "recalled", T_DAY2 + 200, ids[0], SVC_TAX, CTR_1,
		     TICKET_WALK_IN);
	old = insert(f, DAY1, "A001", SVC_TAX, TICKET_WALK_IN, T_DAY1);
	append_event(f, "called", T_DAY1 + 100, old, SVC_TAX, CTR_1,
		     TICKET_WALK_IN);

	assert_int_equal(store_recent_calls(f->s, DAY2, calls, 3, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(calls[0].ticket, ids[4]);
	assert_string_equal(calls[0].number, "A005");
	assert_int_equal(calls[0].counter, CTR_1);
	assert_int_equal(calls[0].at, T_DAY2 + 104);
	assert_int_equal(calls[1].ticket, ids[3]);
	assert_string_equal(calls[1].number, "A004");
	assert_int_equal(calls[1].counter, CTR_2);
	assert_int_equal(calls[2].ticket, ids[2]);

	assert_int_equal(store_recent_calls(f->s, DAY2, calls, 8, &n), 0);
	assert_int_equal(n, 5);
	assert_int_equal(calls[4].ticket, ids[0]);
	assert_string_equal(calls[4].number, "A001");

	assert_int_equal(store_recent_calls(f->s, DAY2, NULL, 0, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_recent_calls(f->s, DAY1, calls, 8, &n), 0);
	assert_int_equal(n, 1);
}

static void test_counters(void **state)
{
	struct fixture *f = *state;
	bool paused = true;
	int64_t current = 77, id;

	assert_int_equal(store_counter_load(f->s, CTR_2, &paused, &current), 0);
	assert_false(paused);
	assert_int_equal(current, 0);

	id = insert(f, DAY1, "A001", SVC_TAX, TICKET_WALK_IN, T_DAY1);
	assert_int_equal(store_counter_save(f->s, CTR_2, true, id), 0);
	reopen(f, &cfg);
	assert_int_equal(store_counter_load(f->s, CTR_2, &paused, &current), 0);
	assert_true(paused);
	assert_int_equal(current, id);
	assert_int_equal(store_counter_load(f->s, CTR_1, &paused, &current), 0);
	assert_false(paused);
	assert_int_equal(current, 0);

	assert_int_equal(store_counter_save(f->s, CTR_2, false, 0), 0);
	assert_int_equal(store_counter_load(f->s, CTR_2, &paused, &current), 0);
	assert_false(paused);
	assert_int_equal(current, 0);

	assert_int_equal(store_counter_save(f->s, CTR_2, false, id + 9),
			 -ENOENT);
	assert_int_equal(store_counter_save(f->s, 2, false, 0), -EINVAL);
	assert_int_equal(store_counter_save(f->s, -1, false, 0), -EINVAL);
	paused = true;
	assert_int_equal(store_counter_load(f->s, 5, &paused, &current),
			 -EINVAL);
	assert_true(paused);
}

static void test_check_writable(void **state)
{
	struct fixture *f = *state;
	struct store *s = NULL;

	assert_int_equal(store_check_writable(f->s), 0);
	assert_int_equal(store_check_writable(f->s), 0);
	assert_int_equal(raw_int(f->path, "SELECT writes FROM health"), 2);
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_check_writable(f->s), -EINPROGRESS);
	store_rollback(f->s);

	store_close(f->s);
	f->s = NULL;
	assert_int_equal(chmod(f->path, 0444), 0);
	if (geteuid() != 0) {
		assert_int_equal(store_open(f->path, &cfg, &s), -EROFS);
		assert_null(s);
	} else {
		/* Root writes to read-only files: the check runs in a child
		 * that gives up root (as CI runs as root). */
		int status = -1;
		pid_t pid;

		assert_int_equal(chmod(f->dir, 0755), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			if (setgid(65534) != 0 || setuid(65534) != 0)
				_exit(3);
			int r = store_open(f->path, &cfg, &s);
			_exit(r == -EROFS && !s ? 0 : 1);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_int_equal(chmod(f->path, 0644), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_schema_created, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reopen_keeps_data, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_migration_from_1, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_migration_from_3, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_migration_from_7, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_set_state, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_migration_from_9, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_migration_from_8, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_migration_from_4, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_migration_from_5, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_floor_reads, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_migration_from_6_tokens,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_appointments, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_future_version_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sequences, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unique_number, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ticket_round_trip, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unknown_ids, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_phones, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tickets_active, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_close_days_before, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_streak, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recent_calls, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_counters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_writable, setup,
						teardown),
	};

	/* Business days are local dates of the office. */
	if (setenv("TZ", "Europe/Bucharest", 1) != 0)
		return 1;
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
