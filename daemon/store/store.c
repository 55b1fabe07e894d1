#include "store.h"

#include <errno.h>
#include <pthread.h>
#include <limits.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdio.h>
#include <time.h>

#include "db.h"

/*
 * Schema migrations: migrations[i] brings user_version i to i + 1 and ends
 * by setting it, so that the step and its version bump commit together.
 * Append new steps; never edit a released one.
 */
static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE tickets (\n"
	"	id INTEGER PRIMARY KEY,\n"
	"	day TEXT NOT NULL CHECK (day GLOB"
	" '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),\n"
	"	number TEXT NOT NULL CHECK (length(number) > 0),\n"
	"	service TEXT NOT NULL,\n"
	"	kind TEXT NOT NULL CHECK (kind IN"
	" ('walk_in', 'priority', 'appointment')),\n"
	"	state TEXT NOT NULL CHECK (state IN"
	" ('waiting', 'called', 'served', 'no_show', 'expired')),\n"
	"	issued_at INTEGER NOT NULL,\n"
	"	slot_start INTEGER,\n"
	"	late INTEGER NOT NULL DEFAULT 0 CHECK (late IN (0, 1)),\n"
	"	printed TEXT NOT NULL CHECK (printed IN"
	" ('none', 'pending', 'ok', 'failed')),\n"
	"	kiosk TEXT,\n"
	"	counter TEXT,\n"
	"	reason TEXT NOT NULL DEFAULT 'none',\n"
	"	called_at INTEGER,\n"
	"	finished_at INTEGER,\n"
	"	recalls INTEGER NOT NULL DEFAULT 0 CHECK (recalls >= 0),\n"
	"	UNIQUE (day, number)\n"
	");\n"
	"CREATE INDEX tickets_state_day ON tickets (state, day);\n"
	"CREATE TABLE sequences (\n"
	"	day TEXT NOT NULL,\n"
	"	prefix TEXT NOT NULL,\n"
	"	last INTEGER NOT NULL CHECK (last > 0),\n"
	"	PRIMARY KEY (day, prefix)\n"
	") WITHOUT ROWID;\n"
	"CREATE TABLE counters (\n"
	"	id TEXT PRIMARY KEY NOT NULL,\n"
	"	paused INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),\n"
	"	current INTEGER REFERENCES tickets (id)\n"
	");\n"
	"CREATE TABLE events (\n"
	"	id INTEGER PRIMARY KEY,\n"
	"	at INTEGER NOT NULL,\n"
	"	day TEXT NOT NULL CHECK (day GLOB"
	" '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),\n"
	"	type TEXT NOT NULL CHECK (length(type) > 0),\n"
	"	ticket INTEGER REFERENCES tickets (id),\n"
	"	service TEXT,\n"
	"	counter TEXT,\n"
	"	kind TEXT,\n"
	"	reason TEXT,\n"
	"	detail TEXT\n"
	");\n"
	"CREATE INDEX events_day_type ON events (day, type, service);\n"
	"CREATE TRIGGER events_no_update BEFORE UPDATE ON events\n"
	"BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;\n"
	"CREATE TRIGGER events_no_delete BEFORE DELETE ON events\n"
	"BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;\n"
	"CREATE TABLE health (\n"
	"	id INTEGER PRIMARY KEY CHECK (id = 1),\n"
	"	writes INTEGER NOT NULL\n"
	");\n"
	"PRAGMA user_version = 1;\n",
	/* 1 -> 2: only calls are looked up in the log (the interleave streak,
	 * the lobby display), so only they pay for an index entry. */
	"DROP INDEX events_day_type;\n"
	"CREATE INDEX events_calls ON events (day, service)"
	" WHERE type = 'called';\n"
	"PRAGMA user_version = 2;\n",
	/* 2 -> 3: bookings made online, checked in at the kiosk. day is the
	 * local date of the slot, for purging phone numbers after it. */
	"CREATE TABLE appointments (\n"
	"	code TEXT PRIMARY KEY NOT NULL"
	" CHECK (length(code) BETWEEN 4 AND 32),\n"
	"	service TEXT NOT NULL,\n"
	"	day TEXT NOT NULL CHECK (day GLOB"
	" '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),\n"
	"	start INTEGER NOT NULL,\n"
	"	end INTEGER NOT NULL CHECK (end > start),\n"
	"	phone TEXT,\n"
	"	status TEXT NOT NULL CHECK (status IN ('booked', 'cancelled')),\n"
	"	ticket INTEGER REFERENCES tickets (id),\n"
	"	updated_at INTEGER NOT NULL\n"
	") WITHOUT ROWID;\n"
	"CREATE INDEX appointments_day ON appointments (day)"
	" WHERE phone IS NOT NULL;\n"
	"PRAGMA user_version = 3;\n",
	/* 3 -> 4: the wait the kiosk told a walk-in or priority citizen, in
	 * minutes, for the statistics' estimate accuracy; and the bookings
	 * still to check in, which the estimates count. */
	"ALTER TABLE tickets ADD COLUMN estimate INTEGER"
	" CHECK (estimate IS NULL OR estimate >= 0);\n"
	"CREATE INDEX appointments_pending ON appointments (day, start)"
	" WHERE ticket IS NULL AND status = 'booked';\n"
	"PRAGMA user_version = 4;\n",
	/* 4 -> 5: the supervision page looks at the day's floor events
	 * (pauses, services changed) and at all the day's bookings every
	 * few seconds; a day's restart replays the services changed. */
	"CREATE INDEX events_floor ON events (day)"
	" WHERE type IN ('paused', 'resumed', 'services_changed');\n"
	"CREATE INDEX appointments_by_day ON appointments (day, start);\n"
	"PRAGMA user_version = 5;\n",
	/* 5 -> 6: the statistics read a day's whole log and all of its
	 * tickets, a period's days one after the other (GET
	 * /api/v1/stats?from=&to=). */
	"CREATE INDEX events_day ON events (day);\n"
	"CREATE INDEX tickets_day ON tickets (day);\n"
	"PRAGMA user_version = 6;\n",
	/* 6 -> 7: the token of the citizen's address of a ticket (/t/{token},
	 * ticket.h), looked up by the index. Tickets of before have none. */
	"ALTER TABLE tickets ADD COLUMN token TEXT"
	" CHECK (token IS NULL OR length(token) = 22);\n"
	"CREATE UNIQUE INDEX tickets_token ON tickets (token)"
	" WHERE token IS NOT NULL;\n"
	"PRAGMA user_version = 7;\n",
	/* 7 -> 8: the mobile numbers a day's tickets are texted on (issue
	 * #12), kept for their day only, and which messages went out. */
	"CREATE TABLE phones (\n"
	"	ticket INTEGER PRIMARY KEY REFERENCES tickets (id),\n"
	"	day TEXT NOT NULL CHECK (day GLOB"
	" '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),\n"
	"	phone TEXT NOT NULL CHECK (length(phone) BETWEEN 6 AND 20),\n"
	"	near_sent INTEGER NOT NULL DEFAULT 0 CHECK (near_sent IN (0, 1)),\n"
	"	called_sent INTEGER NOT NULL DEFAULT 0"
	" CHECK (called_sent IN (0, 1))\n"
	");\n"
	"CREATE INDEX phones_day ON phones (day);\n"
	"PRAGMA user_version = 8;\n",
	/* 8 -> 9: a call changes two tickets' state, and every entry of an
	 * index on state moved with it (issue #15: a call's commit wrote
	 * about nine WAL pages). Only the day's open tickets are looked up
	 * by state (the queue at start, closing a day); the rest by day
	 * (tickets_day). An entry of tickets_open keeps its key (day, id)
	 * from waiting to called, and goes once served. */
	"DROP INDEX tickets_state_day;\n"
	"CREATE INDEX tickets_open ON tickets (day)"
	" WHERE state IN ('waiting', 'called');\n"
	"PRAGMA user_version = 9;\n",
	/* 9 -> 10: SQLite tests "x IN (a, b, c)", a list of three constants
	 * or more, by building a temporary b-tree of the list each time
	 * (OpenEphemeral: a pager, a b-tree and their allocations), so the
	 * partial index events_floor cost every event written 3 us (two per
	 * call). As equalities joined by OR it is a few comparisons. The
	 * query must name the condition word for word (FLOOR_TYPES), or the
	 * planner does not use the index. (tickets_open's two states are
	 * compared one by one already; the CHECKs of tickets.kind, state
	 * and printed still build their lists: a table rebuild.) */
	"DROP INDEX events_floor;\n"
	"CREATE INDEX events_floor ON events (day)"
	" WHERE type = 'paused' OR type = 'resumed'"
	" OR type = 'services_changed';\n"
	"PRAGMA user_version = 10;\n",
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) ==
		       STORE_SCHEMA_VERSION,
	       "one migration step per schema version");

#define TICKET_COLUMNS                                                    \
	"id, day, number, service, kind, state, issued_at, slot_start, "  \
	"late, printed, kiosk, counter, reason, called_at, finished_at, " \
	"recalls, estimate, token"

#define EVENT_COLUMNS \
	"at, day, type, ticket, service, counter, kind, reason, detail"

enum stmt_id {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_SEQ_NEXT,
	ST_TICKET_INSERT,
	ST_TICKET_UPDATE,
	ST_TICKET_STATE,
	ST_TICKET_RENUMBER,
	ST_TICKET_GET,
	ST_TICKET_BY_TOKEN,
	ST_TICKETS_ACTIVE,
	ST_TICKETS_LIST,
	ST_EVENT_APPEND,
	ST_COUNTER_SAVE,
	ST_COUNTER_LOAD,
	ST_CLOSE_EXPIRED_EVENTS,
	ST_CLOSE_SERVED_EVENTS,
	ST_CLOSE_COUNTERS,
	ST_CLOSE_TICKETS,
	ST_STREAK,
	ST_RECENT_CALLS,
	ST_HEALTH,
	ST_APPT_GET,
	ST_APPT_PUT,
	ST_APPT_TICKET,
	ST_APPT_PURGE,
	ST_SERVICE_TIMES,
	ST_APPT_PENDING,
	ST_FLOOR_EVENTS,
	ST_SERVED_BY_COUNTER,
	ST_APPT_DAY,
	ST_PHONE_PUT,
	ST_PHONE_MARK,
	ST_PHONES_DAY,
	ST_PHONES_PURGE,
	ST_COUNT,
};

/* The condition of the partial index tickets_open (schema 9), which a
 * query must name word for word to be served by it (and, ordered by id,
 * name the index too: the planner would rather scan than sort). */
#define TICKETS_OPEN "state IN ('waiting', 'called')"
/* The same for events_floor (schema 10). */
#define FLOOR_TYPES                                    \
	"(type = 'paused' OR type = 'resumed' OR type = " \
	"'services_changed')"

static const char *const stmt_sql[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_SEQ_NEXT] =
		"INSERT INTO sequences (day, prefix, last) VALUES (?1, ?2, 1)"
		" ON CONFLICT (day, prefix) DO UPDATE SET last = last + 1"
		" RETURNING last",
	[ST_TICKET_INSERT] =
		"INSERT INTO tickets (day, number, service, kind, state,"
		" issued_at, slot_start, late, printed, kiosk, counter, reason,"
		" called_at, finished_at, recalls, estimate, token) VALUES"
		" (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
		" ?14, ?15, ?16, ?18)",
	/* A service the config no longer has (-1) keeps its stored id.
	 * SQLite rewrites every index on a column a SET names, changed or
	 * not: day and number, which never change on a call, are only named
	 * by ST_TICKET_RENUMBER, which store_ticket_update runs when this one
	 * found no row with the ticket's day and number. */
	[ST_TICKET_UPDATE] =
		"UPDATE tickets SET"
		" service = coalesce(?3, service), kind = ?4, state = ?5,"
		" issued_at = ?6, slot_start = ?7, late = ?8, printed = ?9,"
		" kiosk = ?10, counter = ?11, reason = ?12, called_at = ?13,"
		" finished_at = ?14, recalls = ?15, estimate = ?16"
		" WHERE id = ?17 AND day = ?1 AND number = ?2",
	/* The parameters of ST_TICKET_UPDATE, those of a state change
	 * alone named (store_ticket_set_state). */
	[ST_TICKET_STATE] =
		"UPDATE tickets SET"
		" state = ?5, counter = ?11, reason = ?12, called_at = ?13,"
		" finished_at = ?14, recalls = ?15"
		" WHERE id = ?17 AND day = ?1 AND number = ?2",
	[ST_TICKET_RENUMBER] =
		"UPDATE tickets SET day = ?1, number = ?2,"
		" service = coalesce(?3, service), kind = ?4, state = ?5,"
		" issued_at = ?6, slot_start = ?7, late = ?8, printed = ?9,"
		" kiosk = ?10, counter = ?11, reason = ?12, called_at = ?13,"
		" finished_at = ?14, recalls = ?15, estimate = ?16"
		" WHERE id = ?17",
	[ST_TICKET_GET] =
		"SELECT " TICKET_COLUMNS " FROM tickets WHERE id = ?1",
	[ST_TICKET_BY_TOKEN] =
		"SELECT " TICKET_COLUMNS " FROM tickets WHERE token = ?1",
	[ST_TICKETS_ACTIVE] =
		"SELECT " TICKET_COLUMNS " FROM tickets"
		" WHERE " TICKETS_OPEN " AND day = ?1"
		" ORDER BY issued_at, id",
	/* ?2 and ?3 NULL: any state, any number. */
	[ST_TICKETS_LIST] =
		"SELECT " TICKET_COLUMNS " FROM tickets"
		" WHERE day = ?1 AND (?2 IS NULL OR state = ?2)"
		" AND (?3 IS NULL OR number = ?3) AND id > ?4"
		" ORDER BY id LIMIT ?5",
	[ST_EVENT_APPEND] =
		"INSERT INTO events (" EVENT_COLUMNS ") VALUES (?1,"
		" coalesce((SELECT day FROM tickets WHERE id = ?4), ?2),"
		" ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[ST_COUNTER_SAVE] =
		"INSERT INTO counters (id, paused, current) VALUES (?1, ?2, ?3)"
		" ON CONFLICT (id) DO UPDATE SET paused = excluded.paused,"
		" current = excluded.current",
	[ST_COUNTER_LOAD] =
		"SELECT paused, current FROM counters WHERE id = ?1",
	/* ?3 names the event type. */
	[ST_CLOSE_EXPIRED_EVENTS] =
		"INSERT INTO events (" EVENT_COLUMNS ")"
		" SELECT ?1, day, ?3, id, service, counter, kind,"
		" NULL, NULL FROM tickets"
		" INDEXED BY tickets_open"
		" WHERE " TICKETS_OPEN " AND state = 'waiting' AND day < ?2"
		" ORDER BY id",
	[ST_CLOSE_SERVED_EVENTS] =
		"INSERT INTO events (" EVENT_COLUMNS ")"
		" SELECT ?1, day, ?3, id, service, counter, kind,"
		" NULL, 'closed at end of day' FROM tickets"
		" INDEXED BY tickets_open"
		" WHERE " TICKETS_OPEN " AND state = 'called' AND day < ?2"
		" ORDER BY id",
	[ST_CLOSE_COUNTERS] =
		"UPDATE counters SET current = NULL WHERE current IN"
		" (SELECT id FROM tickets WHERE " TICKETS_OPEN
		" AND day < ?1)",
	[ST_CLOSE_TICKETS] =
		"UPDATE tickets SET finished_at = ?1, state = CASE state"
		" WHEN 'waiting' THEN 'expired' ELSE 'served' END"
		" WHERE " TICKETS_OPEN " AND day < ?2",
	[ST_STREAK] = "SELECT count(*) FROM events"
		      " WHERE day = ?1 AND type = " EVENT_CALLED_SQL
		      " AND service = ?2"
		      " AND id > coalesce((SELECT max(id) FROM events"
		      " WHERE day = ?1 AND type = " EVENT_CALLED_SQL
		      " AND service = ?2"
		      " AND kind = 'walk_in'), 0)",
	[ST_RECENT_CALLS] =
		"SELECT e.ticket, t.number, e.counter, e.at, e.id"
		" FROM events AS e"
		" JOIN tickets AS t ON t.id = e.ticket"
		" WHERE e.day = ?1 AND e.type = " EVENT_CALLED_SQL
		" ORDER BY e.id DESC LIMIT ?2",
	[ST_APPT_GET] =
		"SELECT code, service, start, end, phone, status,"
		" coalesce(ticket, 0) FROM appointments WHERE code = ?1",
	/* A later import updates a booking but never forgets its check-in. */
	[ST_APPT_PUT] =
		"INSERT INTO appointments (code, service, day, start, end,"
		" phone, status, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
		" ?7, ?8) ON CONFLICT (code) DO UPDATE SET"
		" service = excluded.service, day = excluded.day,"
		" start = excluded.start, end = excluded.end,"
		" phone = excluded.phone, status = excluded.status,"
		" updated_at = excluded.updated_at",
	[ST_APPT_TICKET] =
		"UPDATE appointments SET ticket = ?2 WHERE code = ?1",
	[ST_APPT_PURGE] = "UPDATE appointments SET phone = NULL"
			  " WHERE phone IS NOT NULL AND day < ?1",
	[ST_SERVICE_TIMES] =
		"SELECT service, finished_at - called_at FROM tickets"
		" WHERE day = ?1 AND state = 'served'"
		" AND called_at IS NOT NULL AND finished_at IS NOT NULL"
		" ORDER BY finished_at DESC, id DESC",
	[ST_APPT_PENDING] =
		"SELECT service, start FROM appointments"
		" WHERE day = ?1 AND ticket IS NULL AND status = 'booked'"
		" AND start >= ?2 ORDER BY start LIMIT ?3",
	/* Served by the partial index events_floor (schema 5, 10), which
	 * only a query naming the same types can use. */
	[ST_FLOOR_EVENTS] =
		"SELECT type, counter, at, detail FROM events"
		" WHERE day = ?1 AND " FLOOR_TYPES " ORDER BY id",
	[ST_SERVED_BY_COUNTER] =
		"SELECT counter, count(*) FROM tickets"
		" WHERE state = 'served' AND day = ?1 AND counter IS NOT NULL"
		" GROUP BY counter",
	[ST_APPT_DAY] =
		"SELECT a.code, a.service, a.start, a.end, a.status,"
		" coalesce(a.ticket, 0), t.number, t.state,"
		" coalesce(t.called_at, 0) FROM appointments AS a"
		" LEFT JOIN tickets AS t ON t.id = a.ticket"
		" WHERE a.day = ?1 ORDER BY a.start, a.code",
	/* A number given again replaces the first, and its messages are
	 * owed again. */
	[ST_PHONE_PUT] =
		"INSERT INTO phones (ticket, day, phone) VALUES (?1,"
		" (SELECT day FROM tickets WHERE id = ?1), ?2)"
		" ON CONFLICT (ticket) DO UPDATE SET phone = excluded.phone,"
		" near_sent = 0, called_sent = 0",
	[ST_PHONE_MARK] =
		"UPDATE phones SET near_sent = near_sent | ?2,"
		" called_sent = called_sent | ?3 WHERE ticket = ?1",
	[ST_PHONES_DAY] =
		"SELECT ticket, phone, near_sent, called_sent FROM phones"
		" WHERE day = ?1 ORDER BY ticket",
	[ST_PHONES_PURGE] = "DELETE FROM phones WHERE day < ?1",
	[ST_HEALTH] = ("INSERT INTO health (id, writes) VALUES (1, 1)"
		       " ON CONFLICT (id) DO UPDATE SET writes = writes + 1"),
};

struct store {
	sqlite3 *db;
	const struct config *cfg;
	sqlite3_stmt *st[ST_COUNT];

	/* Checkpoints run in a thread of their own, on a connection of their
	 * own, so that copying the WAL into the database never delays the
	 * commit of a ticket. */
	sqlite3 *ckpt_db;
	pthread_t ckpt_thread;
	bool ckpt_running;
	pthread_mutex_t ckpt_lock;
	pthread_cond_t ckpt_wake;
	bool ckpt_stop;
	bool ckpt_dirty; /* a commit since the last checkpoint */

	/* The file opened, to tell when the path names it no more. */
	char *path;
	dev_t dev;
	ino_t ino;
	int fault; /* of the last write: 0 or a negative errno */
	bool fault_changed;
	uint64_t writes; /* write transactions begun and ended */
};

/* The checkpointer runs CHECKPOINT_MS after the first commit since its
 * last run (the commits of those milliseconds share it), and sleeps
 * otherwise, waking every CHECKPOINT_IDLE_MS for writes made outside
 * store_commit(). */
#define CHECKPOINT_MS 200
#define CHECKPOINT_IDLE_MS 10000
/* A WAL of this many frames is started over (checkpoint_run), waiting
 * at most this many times 0.2 ms for the writer and readers. */
#define CHECKPOINT_RESTART_FRAMES 1024
#define CHECKPOINT_RESTART_TRIES 25

static bool valid_day(const char *day)
{
	static const char pattern[] = "dddd-dd-dd";

	if (!day || strnlen(day, TICKET_DAY_LEN + 1) != TICKET_DAY_LEN)
		return false;
	for (size_t i = 0; i < TICKET_DAY_LEN; i++) {
		if (pattern[i] == 'd' ? day[i] < '0' || day[i] > '9' :
					day[i] != pattern[i])
			return false;
	}
	return true;
}

static bool in_range(int v, int max)
{
	return v >= 0 && v <= max;
}

/* The config's id of an index; NULL for -1; *ok false when out of range. */
static const char *service_id(const struct store *s, int i, bool *ok)
{
	*ok = i == -1 || (i >= 0 && (size_t)i < s->cfg->n_services);
	return *ok && i >= 0 ? s->cfg->services[i].id : NULL;
}

static const char *counter_id(const struct store *s, int i, bool *ok)
{
	*ok = i == -1 || (i >= 0 && (size_t)i < s->cfg->n_counters);
	return *ok && i >= 0 ? s->cfg->counters[i].id : NULL;
}

static const char *kiosk_id(const struct store *s, int i, bool *ok)
{
	*ok = i == -1 || (i >= 0 && (size_t)i < s->cfg->n_kiosks);
	return *ok && i >= 0 ? s->cfg->kiosks[i].id : NULL;
}

static int local_day(int64_t at, char ret[TICKET_DAY_LEN + 1])
{
	time_t t = (time_t)at;
	struct tm tm;

	if ((int64_t)t != at || !localtime_r(&t, &tm))
		return -EINVAL;
	if (strftime(ret, TICKET_DAY_LEN + 1, "%Y-%m-%d", &tm) !=
	    TICKET_DAY_LEN)
		return -EINVAL;
	return 0;
}

/* Each step runs in its own transaction and reads the version inside it,
 * so that two processes opening the same new database migrate it once. */
static int migrate(struct store *s)
{
	int64_t version = 0, after = 0;
	int r;

	for (;;) {
		r = db_exec_sql(s->db, "BEGIN IMMEDIATE");
		if (r < 0)
			return r;
		r = db_query_one(s->db, "PRAGMA user_version", NULL, 0, &version);
		if (r < 0)
			goto fail;
		if (version < 0 || version > STORE_SCHEMA_VERSION) {
			r = -EPROTO;
			goto fail;
		}
		if (version == STORE_SCHEMA_VERSION)
			break;
		r = db_exec_sql(s->db, migrations[version]);
		if (r < 0)
			goto fail;
		r = db_query_one(s->db, "PRAGMA user_version", NULL, 0, &after);
		if (r < 0)
			goto fail;
		if (after != version + 1) {
			r = -EIO;
			goto fail;
		}
		r = db_exec_sql(s->db, "COMMIT");
		if (r < 0)
			goto fail;
	}
	return db_exec_sql(s->db, "COMMIT");
fail:
	if (!sqlite3_get_autocommit(s->db))
		(void)db_exec_sql(s->db, "ROLLBACK");
	return r;
}

static int configure(struct store *s)
{
	char mode[16];
	int rc, r;

	rc = sqlite3_extended_result_codes(s->db, 1);
	if (rc == SQLITE_OK)
		rc = sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1,
				       NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_db_config(s->db, SQLITE_DBCONFIG_DQS_DDL, 0, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_db_config(s->db, SQLITE_DBCONFIG_DQS_DML, 0, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_busy_timeout(s->db, DB_BUSY_TIMEOUT_MS);
	if (rc != SQLITE_OK)
		return db_errno(s->db, rc);

	/* READWRITE silently falls back to read-only on a write-protected
	 * file; the daemon cannot work like that. */
	if (sqlite3_db_readonly(s->db, "main") != 0)
		return -EROFS;

	r = db_exec_sql(s->db, "PRAGMA foreign_keys = ON");
	if (r < 0)
		return r;
	r = db_exec_sql(s->db, "PRAGMA synchronous = FULL");
	if (r < 0)
		return r;
	/* The pragma answers with the mode in force, which stays the old
	 * one when WAL is impossible (no shared memory, some file systems). */
	r = db_query_one(s->db, "PRAGMA journal_mode = WAL", mode, sizeof(mode),
			 NULL);
	if (r < 0)
		return r;
	if (strcasecmp(mode, "wal") != 0)
		return -ENOTSUP;
	return 0;
}

/*
 * SIGBUS from SQLite's mapping of -shm. SQLite keeps the WAL index in a
 * shared mapping of the -shm file, and even readers write to it (their
 * read marks). When the kernel refuses a page of it (the file made
 * immutable, the file system remounted read-only after I/O errors), the
 * store instruction faults with SIGBUS instead of returning an error.
 *
 * Choices: a heap WAL index (locking_mode=EXCLUSIVE) would shut out the
 * checkpoint and statistics connections; a check before each access
 * cannot close the race and does not reach SQLite's readers; unwinding
 * out of SQLite from a handler would leave its locks and state broken.
 * So the handler makes the access succeed: the faulting page of a -shm
 * mapping (and only of one: /proc/self/maps tells) is replaced by a
 * private copy, and the instruction runs again. All the daemon's
 * connections share that mapping, so they keep one consistent index;
 * the -shm file only matters to another process opening the database,
 * and SQLite rebuilds the index from the WAL whenever the first process
 * opens it. Writes are refused meanwhile (check_file), so no ticket is
 * acknowledged into a file that cannot hold it.
 */
static atomic_uint shm_faults;
static long shm_page;
static struct sigaction shm_old;

/* Whether addr lies in a mapping of a file named "*-shm". Only system
 * calls, so that a signal handler may call it. */
static bool in_shm_mapping(uintptr_t addr)
{
	char buf[8192]; /* on the stack: two threads may fault at once */
	char *line, *end;
	size_t len = 0;
	ssize_t n;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	bool found = false;

	if (fd < 0)
		return false;
	/* Lines are kept whole across reads. */
	for (;;) {
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		line = buf;
		while ((end = strchr(line, '\n'))) {
			uintptr_t lo = 0, hi = 0;
			char *p = line;

			*end = '\0';
			while (*p && *p != '-') {
				int v = *p >= 'a' ? *p - 'a' + 10 : *p - '0';
				lo = lo * 16 + (uintptr_t)v;
				p++;
			}
			if (*p == '-')
				p++;
			while (*p && *p != ' ') {
				int v = *p >= 'a' ? *p - 'a' + 10 : *p - '0';
				hi = hi * 16 + (uintptr_t)v;
				p++;
			}
			if (addr >= lo && addr < hi) {
				size_t l = (size_t)(end - line);

				found = l > 4 &&
					memcmp(end - 4, "-shm", 4) == 0;
				goto out;
			}
			line = end + 1;
		}
		len = strlen(line);
		memmove(buf, line, len);
		if (len == sizeof(buf) - 1)
			len = 0; /* a line longer than buf: not ours */
	}
out:
	close(fd);
	return found;
}

static void on_sigbus(int sig, siginfo_t *si, void *uctx)
{
	/* On this thread's stack: two threads may fault at once. */
	unsigned char copy[16384];
	uintptr_t page;
	void *p;

	if (si->si_code == BUS_ADRERR && shm_page > 0 &&
	    (size_t)shm_page <= sizeof(copy) &&
	    in_shm_mapping((uintptr_t)si->si_addr)) {
		page = (uintptr_t)si->si_addr & ~((uintptr_t)shm_page - 1);
		/* Reading the page still works: the kernel refused to let
		 * it be written. */
		memcpy(copy, (void *)page, (size_t)shm_page);
		p = mmap((void *)page, (size_t)shm_page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		if (p != MAP_FAILED) {
			memcpy(p, copy, (size_t)shm_page);
			atomic_fetch_add(&shm_faults, 1);
			return;
		}
	}
	/* Not ours: whatever handled SIGBUS before (the default: a core). */
	if (shm_old.sa_flags & SA_SIGINFO && shm_old.sa_sigaction) {
		shm_old.sa_sigaction(sig, si, uctx);
		return;
	}
	sigaction(SIGBUS, &shm_old, NULL);
}

/* Installs on_sigbus, once (store_open runs before the threads). */
static void shm_guard(void)
{
	struct sigaction sa;

	if (shm_page)
		return;
	shm_page = sysconf(_SC_PAGESIZE);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGBUS, &sa, &shm_old);
}

unsigned int store_shm_faults(void)
{
	return atomic_load(&shm_faults);
}

static int check_file(struct store *s);

/* The RESTART checkpoint's patience: it holds off new writers while it
 * waits, so it waits a few milliseconds at most and otherwise is tried
 * again at the next run. */
static int restart_busy(void *userdata, int n)
{
	(void)userdata;
	if (n >= CHECKPOINT_RESTART_TRIES)
		return 0;
	nanosleep(&(struct timespec){.tv_nsec = 200000}, NULL);
	return 1;
}

/*
 * A passive checkpoint, and once the WAL is long a RESTART one. SQLite
 * starts the WAL over only when a write transaction begins on a WAL all
 * in the database; with calls or tickets back to back every passive pass
 * ends while the next commit is under way, so the WAL grew to tens of
 * megabytes and every commit's fdatasync also wrote the file's new size
 * (0.24-0.68 ms against 0.13-0.17 ms in place, measured). RESTART takes
 * the write lock for the frames of its own milliseconds and starts the
 * WAL over; it gives up after a few milliseconds rather than hold the
 * writers (a long report's read, for one).
 */
static void checkpoint_run(struct store *s)
{
	int log = 0, done = 0;
	int rc = sqlite3_wal_checkpoint_v2(s->ckpt_db, NULL,
					   SQLITE_CHECKPOINT_PASSIVE, &log,
					   &done);

	if (rc != SQLITE_OK || log < CHECKPOINT_RESTART_FRAMES)
		return;
	(void)sqlite3_busy_handler(s->ckpt_db, restart_busy, NULL);
	(void)sqlite3_wal_checkpoint_v2(s->ckpt_db, NULL,
					SQLITE_CHECKPOINT_RESTART, NULL, NULL);
	(void)sqlite3_busy_timeout(s->ckpt_db, DB_BUSY_TIMEOUT_MS);
}

static void *checkpointer(void *arg)
{
	struct store *s = arg;
	struct timespec until;

	pthread_mutex_lock(&s->ckpt_lock);
	while (!s->ckpt_stop) {
		bool dirty = s->ckpt_dirty;
		long ms = dirty ? CHECKPOINT_MS : CHECKPOINT_IDLE_MS;
		int r;

		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += ms / 1000;
		until.tv_nsec += (ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		r = pthread_cond_timedwait(&s->ckpt_wake, &s->ckpt_lock,
					   &until);
		if (s->ckpt_stop)
			break;
		/* Woken by the first commit: wait CHECKPOINT_MS for more. */
		if (!dirty && r != ETIMEDOUT)
			continue;
		s->ckpt_dirty = false;
		pthread_mutex_unlock(&s->ckpt_lock);
		/* PASSIVE never waits for the writer; a busy or partial
		 * checkpoint simply goes on next time, as does one skipped
		 * while the file cannot be written (see check_file). */
		if (check_file(s) == 0)
			checkpoint_run(s);
		pthread_mutex_lock(&s->ckpt_lock);
	}
	pthread_mutex_unlock(&s->ckpt_lock);
	return NULL;
}

static int start_checkpointer(struct store *s, const char *path)
{
	pthread_condattr_t attr;
	int rc, r;

	rc = sqlite3_open_v2(path, &s->ckpt_db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_busy_timeout(s->ckpt_db, DB_BUSY_TIMEOUT_MS);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(s->ckpt_db, "PRAGMA synchronous = FULL", NULL,
				  NULL, NULL);
	if (rc != SQLITE_OK)
		return db_errno(s->ckpt_db, rc);
	pthread_mutex_init(&s->ckpt_lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&s->ckpt_wake, &attr);
	pthread_condattr_destroy(&attr);
	r = pthread_create(&s->ckpt_thread, NULL, checkpointer, s);
	if (r != 0) {
		pthread_cond_destroy(&s->ckpt_wake);
		pthread_mutex_destroy(&s->ckpt_lock);
		return -r;
	}
	s->ckpt_running = true;
	/* The thread does the checkpoints from now on. */
	return db_exec_sql(s->db, "PRAGMA wal_autocheckpoint = 0");
}

static void stop_checkpointer(struct store *s)
{
	if (s->ckpt_running) {
		pthread_mutex_lock(&s->ckpt_lock);
		s->ckpt_stop = true;
		pthread_cond_signal(&s->ckpt_wake);
		pthread_mutex_unlock(&s->ckpt_lock);
		pthread_join(s->ckpt_thread, NULL);
		pthread_cond_destroy(&s->ckpt_wake);
		pthread_mutex_destroy(&s->ckpt_lock);
		s->ckpt_running = false;
		/* Leave a small WAL behind for the next start. */
		if (check_file(s) == 0)
			(void)sqlite3_wal_checkpoint_v2(
				s->ckpt_db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
				NULL, NULL);
	}
	(void)sqlite3_close_v2(s->ckpt_db);
	s->ckpt_db = NULL;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	stop_checkpointer(s);
	db_finalize_all(s->st, ST_COUNT);
	(void)sqlite3_close_v2(s->db);
	free(s->path);
	free(s);
}

static int writable(const char *path, const char *suffix, bool must_exist)
{
	char buf[PATH_MAX];
	int n = snprintf(buf, sizeof(buf), "%s%s", path, suffix);

	if (n < 0 || (size_t)n >= sizeof(buf))
		return -ENAMETOOLONG;
	if (access(buf, W_OK) == 0)
		return 0;
	if (errno == ENOENT && !must_exist)
		return 0;
	return -errno;
}

/*
 * Whether a write can be tried: the path still names the file opened, and
 * it, its -wal and its -shm are writable (access() also sees a read-only
 * mount and the immutable flag, even for root). Writes are refused while
 * it is not so: nothing is acknowledged into a file that is gone, and no
 * write transaction runs into the SIGBUS described at shm_guard().
 */
static int check_file(struct store *s)
{
	struct stat st;
	int r;

	if (stat(s->path, &st) != 0)
		return -errno;
	if (st.st_dev != s->dev || st.st_ino != s->ino)
		return -ESTALE;
	r = writable(s->path, "", true);
	if (r == 0)
		r = writable(s->path, "-wal", false);
	if (r == 0)
		r = writable(s->path, "-shm", false);
	return r;
}

/* Keeps the outcome of a write (a COMMIT, or the failure of a BEGIN, of
 * check_file or of the health probe): there, any error but contention
 * and memory is the disk's or the file's. */
static int note(struct store *s, int r)
{
	int fault = r < 0 && r != -EBUSY && r != -ENOMEM ? r : 0;

	if (fault != s->fault) {
		s->fault = fault;
		s->fault_changed = true;
	}
	return r;
}

bool store_is_fault(int r)
{
	switch (-r) {
	case ENOSPC:
	case EDQUOT:
	case EROFS:
	case EIO:
	case ESTALE:
	case EFBIG:
		return true;
	default:
		return false;
	}
}

int store_fault(struct store *s, bool *ret_changed)
{
	if (ret_changed) {
		*ret_changed = s->fault_changed;
		s->fault_changed = false;
	}
	return s->fault;
}

void store_set_config(struct store *s, const struct config *cfg)
{
	s->cfg = cfg;
}

int store_open(const char *path, const struct config *cfg, struct store **ret)
{
	struct store *s;
	int rc, r;

	if (!path || !cfg || !ret)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->cfg = cfg;
	shm_guard();
	s->path = strdup(path);
	if (!s->path) {
		r = -ENOMEM;
		goto fail;
	}

	rc = sqlite3_open_v2(path, &s->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				     SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		r = db_errno(s->db, rc);
		goto fail;
	}
	r = configure(s);
	if (r < 0)
		goto fail;
	{
		struct stat st;

		if (stat(path, &st) != 0) {
			r = -errno;
			goto fail;
		}
		s->dev = st.st_dev;
		s->ino = st.st_ino;
	}
	r = migrate(s);
	if (r < 0)
		goto fail;
	r = start_checkpointer(s, path);
	if (r < 0)
		goto fail;
	r = db_prepare_all(s->db, stmt_sql, ST_COUNT, s->st);
	if (r < 0)
		goto fail;
	*ret = s;
	return 0;
fail:
	store_close(s);
	return r;
}

int store_begin(struct store *s)
{
	int r;

	if (!sqlite3_get_autocommit(s->db))
		return -EINPROGRESS;
	s->writes++;
	/* Only a commit clears a fault: BEGIN itself writes nothing. */
	r = check_file(s);
	if (r == 0)
		r = db_exec(s->st[ST_BEGIN]);
	return r < 0 ? note(s, r) : 0;
}

int store_commit(struct store *s)
{
	int r;

	if (sqlite3_get_autocommit(s->db))
		return -EINVAL;
	s->writes++;
	r = note(s, db_exec(s->st[ST_COMMIT]));
	if (r == 0 && s->ckpt_running) {
		pthread_mutex_lock(&s->ckpt_lock);
		if (!s->ckpt_dirty) {
			s->ckpt_dirty = true;
			pthread_cond_signal(&s->ckpt_wake);
		}
		pthread_mutex_unlock(&s->ckpt_lock);
	}
	return r;
}

uint64_t store_writes(const struct store *s)
{
	return s->writes;
}

void store_rollback(struct store *s)
{
	if (!s || sqlite3_get_autocommit(s->db))
		return;
	(void)db_exec(s->st[ST_ROLLBACK]);
}

int store_next_seq(struct store *s, const char *day, const char *prefix,
		   int *ret_seq)
{
	sqlite3_stmt *st = s->st[ST_SEQ_NEXT];
	int r;

	if (!valid_day(day) || !prefix)
		return -EINVAL;
	if ((r = db_bind_text(st, 1, day)) < 0 ||
	    (r = db_bind_text(st, 2, prefix)) < 0)
		goto out;
	r = db_step_int(st, 1, ret_seq);
out:
	db_finish(st);
	return r;
}

/* Binds ?1..?15 of the insert and update statements. */
/* Minutes, or NULL when negative (none). */
static int bind_minutes(sqlite3_stmt *st, int i, int minutes)
{
	int rc = minutes < 0 ? sqlite3_bind_null(st, i) :
			       sqlite3_bind_int64(st, i, minutes);
	return rc == SQLITE_OK ? 0 : db_errno(sqlite3_db_handle(st), rc);
}

static int bind_ticket(struct store *s, sqlite3_stmt *st,
		       const struct ticket *t, bool need_service)
{
	const char *service, *kiosk, *counter;
	bool ok_service, ok_kiosk, ok_counter;
	size_t n;
	int r;

	service = service_id(s, t->service, &ok_service);
	kiosk = kiosk_id(s, t->kiosk, &ok_kiosk);
	counter = counter_id(s, t->counter, &ok_counter);
	n = strnlen(t->number, sizeof(t->number));
	if (!valid_day(t->day) || n == 0 || n == sizeof(t->number) ||
	    !ok_service || (need_service && !service) || !ok_kiosk ||
	    !ok_counter || !in_range((int)t->kind, TICKET_APPOINTMENT) ||
	    !in_range((int)t->state, TICKET_EXPIRED) ||
	    !in_range((int)t->printed, PRINT_FAILED) ||
	    !in_range((int)t->reason, REASON_COUNT - 1) || t->recalls < 0)
		return -EINVAL;

	if ((r = db_bind_text(st, 1, t->day)) < 0 ||
	    (r = db_bind_text(st, 2, t->number)) < 0 ||
	    (r = db_bind_text(st, 3, service)) < 0 ||
	    (r = db_bind_text(st, 4, ticket_kind_name(t->kind))) < 0 ||
	    (r = db_bind_text(st, 5, ticket_state_name(t->state))) < 0 ||
	    (r = db_bind_int64(st, 6, t->issued_at)) < 0 ||
	    (r = db_bind_time(st, 7, t->slot_start)) < 0 ||
	    (r = db_bind_int64(st, 8, t->late ? 1 : 0)) < 0 ||
	    (r = db_bind_text(st, 9, print_state_name(t->printed))) < 0 ||
	    (r = db_bind_text(st, 10, kiosk)) < 0 ||
	    (r = db_bind_text(st, 11, counter)) < 0 ||
	    (r = db_bind_text(st, 12, call_reason_name(t->reason))) < 0 ||
	    (r = db_bind_time(st, 13, t->called_at)) < 0 ||
	    (r = db_bind_time(st, 14, t->finished_at)) < 0 ||
	    (r = db_bind_int64(st, 15, t->recalls)) < 0 ||
	    (r = bind_minutes(st, 16, t->estimate_min)) < 0)
		return r;
	return 0;
}

int store_ticket_insert(struct store *s, struct ticket *t)
{
	sqlite3_stmt *st = s->st[ST_TICKET_INSERT];
	int r;

	r = bind_ticket(s, st, t, true);
	if (r == 0)
		r = db_bind_text(st, 18, t->token[0] ? t->token : NULL);
	if (r < 0)
		goto out;
	r = db_exec(st);
	if (r < 0)
		goto out;
	t->id = sqlite3_last_insert_rowid(s->db);
out:
	db_finish(st);
	return r;
}

/* Runs one of the two update statements; 1 when it changed no row. */
static int ticket_update_with(struct store *s, int which,
			      const struct ticket *t)
{
	sqlite3_stmt *st = s->st[which];
	int r;

	if ((r = bind_ticket(s, st, t, false)) < 0 ||
	    (r = db_bind_int64(st, 17, t->id)) < 0)
		goto out;
	r = db_exec(st);
	if (r == 0 && sqlite3_changes(s->db) == 0)
		r = 1;
out:
	db_finish(st);
	return r;
}

int store_ticket_update(struct store *s, const struct ticket *t)
{
	int r;

	if (t->id <= 0)
		return -ENOENT;
	r = ticket_update_with(s, ST_TICKET_UPDATE, t);
	if (r == 1)
		r = ticket_update_with(s, ST_TICKET_RENUMBER, t);
	return r == 1 ? -ENOENT : r;
}

int store_ticket_set_state(struct store *s, const struct ticket *t)
{
	int r;

	if (t->id <= 0)
		return -ENOENT;
	r = ticket_update_with(s, ST_TICKET_STATE, t);
	/* Its day or number changed too: all of it. */
	return r == 1 ? store_ticket_update(s, t) : r;
}

/* Reads a row of TICKET_COLUMNS. Ids the config no longer has load as -1. */
static int row_ticket(struct store *s, sqlite3_stmt *st, struct ticket *ret)
{
	struct ticket t = {0};
	const char *v;
	int r;

	t.id = sqlite3_column_int64(st, 0);
	if ((r = db_column_copy(st, 1, t.day, sizeof(t.day))) < 0 ||
	    (r = db_column_copy(st, 2, t.number, sizeof(t.number))) < 0)
		return r;
	v = db_column_text(st, 3);
	t.service = v ? config_service_index(s->cfg, v) : -1;
	if (ticket_kind_parse(db_column_text(st, 4), &t.kind) < 0 ||
	    ticket_state_parse(db_column_text(st, 5), &t.state) < 0 ||
	    print_state_parse(db_column_text(st, 9), &t.printed) < 0)
		return -EIO;
	t.issued_at = sqlite3_column_int64(st, 6);
	t.slot_start = sqlite3_column_int64(st, 7);
	t.late = sqlite3_column_int64(st, 8) != 0;
	v = db_column_text(st, 10);
	t.kiosk = v ? config_kiosk_index(s->cfg, v) : -1;
	v = db_column_text(st, 11);
	t.counter = v ? config_counter_index(s->cfg, v) : -1;
	if (call_reason_parse(db_column_text(st, 12), &t.reason) < 0)
		t.reason = REASON_NONE;
	t.called_at = sqlite3_column_int64(st, 13);
	t.finished_at = sqlite3_column_int64(st, 14);
	t.recalls = sqlite3_column_int(st, 15);
	t.estimate_min = sqlite3_column_type(st, 16) == SQLITE_NULL ?
				 -1 :
				 sqlite3_column_int(st, 16);
	if (sqlite3_column_type(st, 17) != SQLITE_NULL &&
	    (r = db_column_copy(st, 17, t.token, sizeof(t.token))) < 0)
		return r;
	t.est_wait_min = -1;
	*ret = t;
	return 0;
}

/* The one row of st, bound already (r: how binding went); -ENOENT when
 * there is none. */
static int one_ticket(struct store *s, sqlite3_stmt *st, int r,
		      struct ticket *ret)
{
	if (r == 0)
		r = db_step(st);
	if (r > 0)
		r = row_ticket(s, st, ret);
	else if (r == 0)
		r = -ENOENT;
	db_finish(st);
	return r;
}

int store_ticket_get(struct store *s, int64_t id, struct ticket *ret)
{
	sqlite3_stmt *st = s->st[ST_TICKET_GET];

	return one_ticket(s, st, db_bind_int64(st, 1, id), ret);
}

int store_ticket_by_token(struct store *s, const char *token,
			  struct ticket *ret)
{
	sqlite3_stmt *st = s->st[ST_TICKET_BY_TOKEN];

	if (!token || !ticket_token_valid(token, strlen(token)))
		return -ENOENT;
	return one_ticket(s, st, db_bind_text(st, 1, token), ret);
}

int store_event_append(struct store *s, const struct store_event *ev)
{
	sqlite3_stmt *st = s->st[ST_EVENT_APPEND];
	char day[TICKET_DAY_LEN + 1];
	const char *service, *counter, *kind = NULL, *reason = NULL;
	enum event_type type;
	bool ok_service, ok_counter;
	int r;

	service = service_id(s, ev->service, &ok_service);
	counter = counter_id(s, ev->counter, &ok_counter);
	if (event_type_parse(ev->type, &type) < 0 || ev->ticket < 0 ||
	    !ok_service || !ok_counter ||
	    !in_range((int)ev->reason, REASON_COUNT - 1))
		return -EINVAL;
	if (ev->ticket != 0) {
		if (!in_range((int)ev->kind, TICKET_APPOINTMENT))
			return -EINVAL;
		kind = ticket_kind_name(ev->kind);
	}
	if (ev->reason != REASON_NONE)
		reason = call_reason_name(ev->reason);
	/* Used only when the event is about no ticket: otherwise the
	 * statement takes the ticket's business day. */
	r = local_day(ev->at, day);
	if (r < 0)
		return r;

	if ((r = db_bind_int64(st, 1, ev->at)) < 0 ||
	    (r = db_bind_text(st, 2, day)) < 0 ||
	    (r = db_bind_text(st, 3, event_type_name(type))) < 0 ||
	    (r = ev->ticket ? db_bind_int64(st, 4, ev->ticket) :
			      db_bind_text(st, 4, NULL)) < 0 ||
	    (r = db_bind_text(st, 5, service)) < 0 ||
	    (r = db_bind_text(st, 6, counter)) < 0 ||
	    (r = db_bind_text(st, 7, kind)) < 0 ||
	    (r = db_bind_text(st, 8, reason)) < 0 ||
	    (r = db_bind_text(st, 9, ev->detail)) < 0)
		goto out;
	r = db_exec(st);
out:
	db_finish(st);
	return r;
}

int64_t store_last_event(struct store *s)
{
	return sqlite3_last_insert_rowid(s->db);
}

int store_counter_save(struct store *s, int counter, bool paused,
		       int64_t current)
{
	sqlite3_stmt *st = s->st[ST_COUNTER_SAVE];
	const char *id;
	bool ok;
	int r;

	id = counter_id(s, counter, &ok);
	if (!id || current < 0)
		return -EINVAL;
	if ((r = db_bind_text(st, 1, id)) < 0 ||
	    (r = db_bind_int64(st, 2, paused ? 1 : 0)) < 0 ||
	    (r = db_bind_time(st, 3, current)) < 0)
		goto out;
	r = db_exec(st);
out:
	db_finish(st);
	return r;
}

int store_counter_load(struct store *s, int counter, bool *ret_paused,
		       int64_t *ret_current)
{
	sqlite3_stmt *st = s->st[ST_COUNTER_LOAD];
	const char *id;
	bool ok;
	int r;

	id = counter_id(s, counter, &ok);
	if (!id)
		return -EINVAL;
	r = db_bind_text(st, 1, id);
	if (r == 0)
		r = db_step(st);
	if (r > 0) {
		*ret_paused = sqlite3_column_int64(st, 0) != 0;
		*ret_current = sqlite3_column_int64(st, 1);
		r = 0;
	} else if (r == 0) {
		*ret_paused = false;
		*ret_current = 0;
	}
	db_finish(st);
	return r;
}

struct active {
	struct store *s;
	int (*cb)(const struct ticket *t, void *userdata);
	void *userdata;
};

static int active_row(sqlite3_stmt *st, void *userdata)
{
	struct active *a = userdata;
	struct ticket t;
	int r = row_ticket(a->s, st, &t);

	return r < 0 ? r : a->cb(&t, a->userdata);
}

int store_tickets_active(struct store *s, const char *day,
			 int (*cb)(const struct ticket *t, void *userdata),
			 void *userdata)
{
	sqlite3_stmt *st = s->st[ST_TICKETS_ACTIVE];
	struct active a = {s, cb, userdata};
	int r;

	if (!valid_day(day) || !cb)
		return -EINVAL;
	r = db_bind_text(st, 1, day);
	if (r < 0) {
		db_finish(st);
		return r;
	}
	return db_each_row(st, active_row, &a);
}

int store_tickets_list(struct store *s, const struct store_ticket_filter *f,
		       int (*cb)(const struct ticket *t, void *userdata),
		       void *userdata)
{
	sqlite3_stmt *st = s->st[ST_TICKETS_LIST];
	struct active a = {s, cb, userdata};
	int r;

	if (!f || !valid_day(f->day) || !cb || f->after < 0 ||
	    f->limit > INT64_MAX)
		return -EINVAL;
	r = db_bind_text(st, 1, f->day);
	if (r == 0)
		r = db_bind_text(st, 2, f->state ? ticket_state_name(*f->state)
						 : NULL);
	if (r == 0)
		r = db_bind_text(st, 3, f->number);
	if (r == 0)
		r = db_bind_int64(st, 4, f->after);
	if (r == 0)
		r = db_bind_int64(st, 5, (int64_t)f->limit);
	if (r < 0) {
		db_finish(st);
		return r;
	}
	return db_each_row(st, active_row, &a);
}

int store_close_days_before(struct store *s, const char *day, int64_t now,
			    int *ret_count)
{
	sqlite3_stmt *st;
	int changed, r;

	if (!valid_day(day))
		return -EINVAL;
	r = store_begin(s);
	if (r < 0)
		return r;

	st = s->st[ST_CLOSE_EXPIRED_EVENTS];
	if ((r = db_bind_int64(st, 1, now)) < 0 ||
	    (r = db_bind_text(st, 2, day)) < 0 ||
	    (r = db_bind_text(st, 3, event_type_name(EVENT_EXPIRED))) < 0 ||
	    (r = db_exec(st)) < 0)
		goto fail;
	st = s->st[ST_CLOSE_SERVED_EVENTS];
	if ((r = db_bind_int64(st, 1, now)) < 0 ||
	    (r = db_bind_text(st, 2, day)) < 0 ||
	    (r = db_bind_text(st, 3, event_type_name(EVENT_SERVED))) < 0 ||
	    (r = db_exec(st)) < 0)
		goto fail;
	/* Before the tickets change state, while the subquery finds them. */
	st = s->st[ST_CLOSE_COUNTERS];
	if ((r = db_bind_text(st, 1, day)) < 0 || (r = db_exec(st)) < 0)
		goto fail;
	st = s->st[ST_CLOSE_TICKETS];
	if ((r = db_bind_int64(st, 1, now)) < 0 ||
	    (r = db_bind_text(st, 2, day)) < 0 || (r = db_exec(st)) < 0)
		goto fail;
	changed = sqlite3_changes(s->db);

	r = store_commit(s);
	if (r < 0)
		goto fail;
	*ret_count = changed;
	return 0;
fail:
	db_finish(st);
	store_rollback(s);
	return r;
}

int store_service_streak(struct store *s, const char *day, int service,
			 int *ret_streak)
{
	sqlite3_stmt *st = s->st[ST_STREAK];
	const char *id;
	bool ok;
	int r;

	id = service_id(s, service, &ok);
	if (!valid_day(day) || !id)
		return -EINVAL;
	if ((r = db_bind_text(st, 1, day)) < 0 ||
	    (r = db_bind_text(st, 2, id)) < 0)
		goto out;
	r = db_step_int(st, 0, ret_streak);
out:
	db_finish(st);
	return r;
}

int store_recent_calls(struct store *s, const char *day,
		       struct store_call *ret_calls, size_t max, size_t *ret_n)
{
	sqlite3_stmt *st = s->st[ST_RECENT_CALLS];
	struct store_call *c;
	const char *counter;
	size_t n = 0;
	int r;

	if (!valid_day(day) || (max > 0 && !ret_calls))
		return -EINVAL;
	if ((r = db_bind_text(st, 1, day)) < 0 ||
	    (r = db_bind_int64(st, 2,
			    max > INT64_MAX ? INT64_MAX : (int64_t)max)) < 0)
		goto out;
	while (n < max && (r = db_step(st)) > 0) {
		c = &ret_calls[n];
		c->ticket = sqlite3_column_int64(st, 0);
		r = db_column_copy(st, 1, c->number, sizeof(c->number));
		if (r < 0)
			goto out;
		counter = db_column_text(st, 2);
		c->counter =
			counter ? config_counter_index(s->cfg, counter) : -1;
		c->at = sqlite3_column_int64(st, 3);
		c->seq = sqlite3_column_int64(st, 4);
		n++;
	}
	if (r < 0)
		goto out;
	*ret_n = n;
out:
	db_finish(st);
	return r;
}

int store_check_writable(struct store *s)
{
	int r;

	if (!sqlite3_get_autocommit(s->db))
		return -EINPROGRESS;
	/* The probe can fit into WAL space already allocated while a
	 * ticket's write failed: that failure stands until a write works. */
	if (s->fault)
		return s->fault;
	r = check_file(s);
	if (r == 0)
		r = db_exec(s->st[ST_HEALTH]);
	return r < 0 ? note(s, r) : 0;
}

int store_appointment_get(struct store *s, const char *code,
			  struct store_appointment *ret)
{
	sqlite3_stmt *st = s->st[ST_APPT_GET];
	struct store_appointment a;
	const char *v;
	int r;

	if (!code || strlen(code) >= sizeof(a.code))
		return -EINVAL;
	r = db_bind_text(st, 1, code);
	if (r == 0)
		r = db_step(st);
	if (r <= 0) {
		r = r == 0 ? -ENOENT : r;
		goto out;
	}
	memset(&a, 0, sizeof(a));
	v = (const char *)sqlite3_column_text(st, 0);
	snprintf(a.code, sizeof(a.code), "%s", v ? v : "");
	v = (const char *)sqlite3_column_text(st, 1);
	a.service = v ? config_service_index(s->cfg, v) : -1;
	a.start = sqlite3_column_int64(st, 2);
	a.end = sqlite3_column_int64(st, 3);
	v = (const char *)sqlite3_column_text(st, 4);
	snprintf(a.phone, sizeof(a.phone), "%s", v ? v : "");
	v = (const char *)sqlite3_column_text(st, 5);
	a.cancelled = v && strcmp(v, "cancelled") == 0;
	a.ticket = sqlite3_column_int64(st, 6);
	*ret = a;
	r = 0;
out:
	db_finish(st);
	return r;
}

int store_appointment_put(struct store *s, const struct store_appointment *a,
			  int64_t now, bool *ret_created)
{
	sqlite3_stmt *st = s->st[ST_APPT_PUT];
	struct store_appointment old;
	char day[TICKET_DAY_LEN + 1];
	const char *service;
	bool ok;
	int r;

	service = service_id(s, a->service, &ok);
	if (!service || a->end <= a->start)
		return -EINVAL;
	r = local_day(a->start, day);
	if (r < 0)
		return r;
	r = store_appointment_get(s, a->code, &old);
	if (r < 0 && r != -ENOENT)
		return r;
	bool created = r == -ENOENT;
	if ((r = db_bind_text(st, 1, a->code)) < 0 ||
	    (r = db_bind_text(st, 2, service)) < 0 ||
	    (r = db_bind_text(st, 3, day)) < 0 ||
	    (r = db_bind_int64(st, 4, a->start)) < 0 ||
	    (r = db_bind_int64(st, 5, a->end)) < 0 ||
	    (r = db_bind_text(st, 6, a->phone[0] ? a->phone : NULL)) < 0 ||
	    (r = db_bind_text(st, 7, a->cancelled ? "cancelled" : "booked")) <
		    0 ||
	    (r = db_bind_int64(st, 8, now)) < 0)
		goto out;
	r = db_exec(st);
	if (r == 0)
		*ret_created = created;
	return r;
out:
	db_finish(st);
	return r;
}

int store_appointment_set_ticket(struct store *s, const char *code,
				 int64_t ticket)
{
	sqlite3_stmt *st = s->st[ST_APPT_TICKET];
	int r;

	if ((r = db_bind_text(st, 1, code)) < 0 ||
	    (r = db_bind_time(st, 2, ticket)) < 0)
		goto out;
	r = db_exec(st);
	if (r == 0 && sqlite3_changes(s->db) == 0)
		r = -ENOENT;
	return r;
out:
	db_finish(st);
	return r;
}

int store_purge_phones(struct store *s, const char *day, int *ret_count)
{
	static const enum stmt_id purges[] = {ST_APPT_PURGE, ST_PHONES_PURGE};
	int r, count = 0;

	if (!valid_day(day))
		return -EINVAL;
	for (size_t i = 0; i < sizeof(purges) / sizeof(purges[0]); i++) {
		sqlite3_stmt *st = s->st[purges[i]];

		r = db_bind_text(st, 1, day);
		if (r < 0) {
			db_finish(st);
			return r;
		}
		r = db_exec(st);
		if (r < 0)
			return r;
		count += sqlite3_changes(s->db);
	}
	if (ret_count)
		*ret_count = count;
	return 0;
}

int store_phone_put(struct store *s, int64_t ticket, const char *phone)
{
	sqlite3_stmt *st = s->st[ST_PHONE_PUT];
	int r;

	if (ticket <= 0 || !phone)
		return -EINVAL;
	if ((r = db_bind_int64(st, 1, ticket)) < 0 ||
	    (r = db_bind_text(st, 2, phone)) < 0) {
		db_finish(st);
		return r;
	}
	return db_exec(st);
}

int store_phone_mark(struct store *s, int64_t ticket, bool near, bool called)
{
	sqlite3_stmt *st = s->st[ST_PHONE_MARK];
	int r;

	if ((r = db_bind_int64(st, 1, ticket)) < 0 ||
	    (r = db_bind_int64(st, 2, near)) < 0 ||
	    (r = db_bind_int64(st, 3, called)) < 0) {
		db_finish(st);
		return r;
	}
	r = db_exec(st);
	if (r == 0 && sqlite3_changes(s->db) == 0)
		r = -ENOENT;
	return r;
}

int store_phones_day(struct store *s, const char *day,
		     int (*cb)(const struct store_phone *p, void *userdata),
		     void *userdata)
{
	sqlite3_stmt *st = s->st[ST_PHONES_DAY];
	struct store_phone p;
	int r;

	if (!valid_day(day))
		return -EINVAL;
	r = db_bind_text(st, 1, day);
	while (r == 0 && (r = db_step(st)) > 0) {
		memset(&p, 0, sizeof(p));
		p.ticket = sqlite3_column_int64(st, 0);
		if (db_column_copy(st, 1, p.phone, sizeof(p.phone)) < 0) {
			r = 0; /* not a number this daemon wrote */
			continue;
		}
		p.near_sent = sqlite3_column_int(st, 2) != 0;
		p.called_sent = sqlite3_column_int(st, 3) != 0;
		r = cb(&p, userdata);
	}
	db_finish(st);
	return r;
}

int store_service_times(struct store *s, const char *day,
			int (*fn)(void *userdata, int service, int64_t seconds),
			void *userdata)
{
	sqlite3_stmt *st = s->st[ST_SERVICE_TIMES];
	const char *id;
	int r;

	if (!fn || !valid_day(day))
		return -EINVAL;
	if ((r = db_bind_text(st, 1, day)) < 0)
		goto out;
	while ((r = db_step(st)) > 0) {
		id = db_column_text(st, 0);
		if (fn(userdata, id ? config_service_index(s->cfg, id) : -1,
		       sqlite3_column_int64(st, 1)))
			break;
	}
	if (r > 0)
		r = 0;
out:
	db_finish(st);
	return r;
}

int store_bookings_pending(struct store *s, const char *day, int64_t from,
			   struct store_slot *ret_slots, size_t max,
			   size_t *ret_n)
{
	sqlite3_stmt *st = s->st[ST_APPT_PENDING];
	size_t n = 0;
	int r;

	if (!valid_day(day))
		return -EINVAL;
	if ((r = db_bind_text(st, 1, day)) < 0 ||
	    (r = db_bind_int64(st, 2, from)) < 0 ||
	    (r = db_bind_int64(st, 3, (int64_t)max)) < 0)
		goto out;
	while ((r = db_step(st)) > 0 && n < max) {
		const char *v = db_column_text(st, 0);
		int service = v ? config_service_index(s->cfg, v) : -1;
		if (service < 0)
			continue; /* a service the config no longer has */
		ret_slots[n].service = service;
		ret_slots[n].start = sqlite3_column_int64(st, 1);
		n++;
	}
	if (r < 0)
		goto out;
	*ret_n = n;
	r = 0;
out:
	db_finish(st);
	return r;
}

int store_floor_events(struct store *s, const char *day,
		       int (*cb)(const struct store_floor_event *e,
				 void *userdata),
		       void *userdata)
{
	sqlite3_stmt *st = s->st[ST_FLOOR_EVENTS];
	int r;

	if (!valid_day(day))
		return -EINVAL;
	r = db_bind_text(st, 1, day);
	while (r == 0 && (r = db_step(st)) > 0) {
		const char *type = db_column_text(st, 0);
		const char *counter = db_column_text(st, 1);
		struct store_floor_event e = {
			.counter = counter ? config_counter_index(s->cfg,
								  counter) :
					     -1,
			.at = sqlite3_column_int64(st, 2),
			.detail = db_column_text(st, 3),
		};

		if (!type || event_type_parse(type, &e.type) < 0 ||
		    e.counter < 0)
			continue; /* a counter the config no longer has */
		r = cb(&e, userdata);
	}
	db_finish(st);
	return r < 0 ? r : 0;
}

int store_served_by_counter(struct store *s, const char *day,
			    int *ret_counts)
{
	sqlite3_stmt *st = s->st[ST_SERVED_BY_COUNTER];
	int r;

	if (!valid_day(day))
		return -EINVAL;
	for (size_t i = 0; i < s->cfg->n_counters; i++)
		ret_counts[i] = 0;
	r = db_bind_text(st, 1, day);
	while (r == 0 && (r = db_step(st)) > 0) {
		const char *v = db_column_text(st, 0);
		int c = v ? config_counter_index(s->cfg, v) : -1;

		if (c >= 0)
			ret_counts[c] = sqlite3_column_int(st, 1);
	}
	db_finish(st);
	return r < 0 ? r : 0;
}

int store_bookings_day(struct store *s, const char *day,
		       int (*cb)(const struct store_booking *b,
				 void *userdata),
		       void *userdata)
{
	sqlite3_stmt *st = s->st[ST_APPT_DAY];
	int r;

	if (!valid_day(day))
		return -EINVAL;
	r = db_bind_text(st, 1, day);
	while (r == 0 && (r = db_step(st)) > 0) {
		struct store_booking b;
		const char *v;

		memset(&b, 0, sizeof(b));
		v = db_column_text(st, 0);
		snprintf(b.a.code, sizeof(b.a.code), "%s", v ? v : "");
		v = db_column_text(st, 1);
		b.a.service = v ? config_service_index(s->cfg, v) : -1;
		b.a.start = sqlite3_column_int64(st, 2);
		b.a.end = sqlite3_column_int64(st, 3);
		v = db_column_text(st, 4);
		b.a.cancelled = v && strcmp(v, "cancelled") == 0;
		b.a.ticket = sqlite3_column_int64(st, 5);
		v = db_column_text(st, 6);
		snprintf(b.number, sizeof(b.number), "%s", v ? v : "");
		v = db_column_text(st, 7);
		b.has_ticket = b.a.ticket != 0 && v &&
			       ticket_state_parse(v, &b.state) == 0;
		b.called_at = sqlite3_column_int64(st, 8);
		r = cb(&b, userdata);
	}
	db_finish(st);
	return r < 0 ? r : 0;
}
