/* The office over a real SQLite store in a temporary directory: numbering,
 * day change, rebuilding after a restart, and the refusals. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "hours.h"
#include "office.h"
#include "stats.h"
#include "store.h"

#include <sqlite3.h>

static const char conf_text[] =
	"[office]\n"
	"name = Test\n"
	"[server]\n"
	"admin_token = admin-secret-1\n"
	"[hours]\n"
	"thursday = 08:30-18:30\n"
	"always_open = %s\n"
	"[policy]\n"
	"walkin_every = 3\n"
	"[service.A]\n"
	"name = Taxe și impozite locale\n"
	"prefix = A\n"
	"minutes = 8\n"
	"[service.B]\n"
	"name = Registratură\n"
	"prefix = B\n"
	"[service.SC]\n"
	"name = Acte de stare civilă\n"
	"info = Bd. Mareșal Averescu nr. 17\n"
	"[counter.1]\n"
	"name = Ghișeul 1\n"
	"services = A, B\n"
	"token = counter-1-token\n"
	"[counter.2]\n"
	"name = Ghișeul 2\n"
	"services = A\n"
	"token = counter-2-token\n";

struct fixture {
	char dir[64];
	char db[96];
	struct config *cfg;
	struct store *st;
	struct office *o;
};

static int64_t at(const char *s)
{
	int64_t t = 0;
	assert_int_equal(hours_parse_rfc3339(s, &t), 0);
	return t;
}

static void open_office(struct fixture *f, int64_t now)
{
	assert_int_equal(store_open(f->db, f->cfg, &f->st), 0);
	assert_int_equal(office_new(f->cfg, f->st, now, &f->o), 0);
}

static void close_office(struct fixture *f)
{
	office_free(f->o);
	store_close(f->st);
	f->o = NULL;
	f->st = NULL;
}

static struct fixture *make(bool always_open)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char text[2048], err[CONFIG_ERR_MAX];

	assert_non_null(f);
	assert_int_equal(hours_set_zone("Europe/Bucharest"), 0);
	snprintf(f->dir, sizeof(f->dir), "/tmp/bonomat-office-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof(f->db), "%s/bonomat.db", f->dir);
	snprintf(text, sizeof(text), conf_text,
		 always_open ? "true" : "false");
	if (config_parse(text, strlen(text), "test.conf", &f->cfg, err,
			 sizeof(err)) != 0)
		fail_msg("config: %s", err);
	return f;
}

static void destroy(struct fixture *f)
{
	char path[128];
	static const char *const files[] = {"bonomat.db", "bonomat.db-wal",
					    "bonomat.db-shm"};
	close_office(f);
	config_free(f->cfg);
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", f->dir, files[i]);
		unlink(path);
	}
	rmdir(f->dir);
	free(f);
}

static int setup(void **state)
{
	struct fixture *f = make(true);
	open_office(f, at("2026-12-03T09:00:00+02:00"));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	destroy(*state);
	return 0;
}

static struct ticket issue(struct office *o, int service, bool prio,
			   int64_t now)
{
	struct ticket t;
	struct office_error err;
	if (office_issue(o, service, -1, prio, now, &t, &err) != 0)
		fail_msg("issue: %s", err.message);
	return t;
}

static struct ticket next(struct office *o, int counter, int64_t now)
{
	struct ticket t;
	struct office_error err;
	bool none = true;
	if (office_next(o, counter, now, &t, &none, &err) != 0)
		fail_msg("next: %s", err.message);
	assert_false(none);
	return t;
}

static void numbers_and_ahead(void **state)
{
	struct fixture *f = *state;
	int64_t now = at("2026-12-03T09:00:00+02:00");
	static const char *const want[] = {"A001", "A002", "A003"};
	/* 8 minutes each, two open counters serve A: the first two are
	 * called at once, the third when the first is done. */
	static const int want_est[] = {0, 0, 8};

	for (int i = 0; i < 3; i++) {
		struct ticket t = issue(f->o, 0, false, now + i);
		assert_string_equal(t.number, want[i]);
		assert_int_equal(t.ahead, i);
		assert_int_equal(t.est_wait_min, want_est[i]);
		/* The wait told is the one recorded. */
		assert_int_equal(t.estimate_min, want_est[i]);
		assert_int_equal(t.state, TICKET_WAITING);
		assert_string_equal(t.day, "2026-12-03");
	}
	struct ticket b = issue(f->o, 1, false, now + 5);
	assert_string_equal(b.number, "B001");
	/* B's only counter also serves A, whose tickets came first: the
	 * counter for A alone takes the third, so B waits one service. */
	assert_int_equal(b.est_wait_min, 8);

	struct ticket t = next(f->o, 1, now + 10);
	assert_string_equal(t.number, "A001");
	assert_int_equal(t.reason, REASON_WALK_IN);
	assert_int_equal(t.state, TICKET_CALLED);
	assert_int_equal(t.counter, 1);
}

static void next_finishes_the_current_ticket(void **state)
{
	struct fixture *f = *state;
	int64_t now = at("2026-12-03T09:00:00+02:00");
	struct ticket a = issue(f->o, 0, false, now);
	issue(f->o, 0, false, now + 1);
	struct office_error err;
	struct ticket t;

	assert_int_equal(next(f->o, 0, now + 2).id, a.id);
	next(f->o, 0, now + 3);
	assert_int_equal(office_ticket(f->o, a.id, now + 4, &t, &err), 0);
	assert_int_equal(t.state, TICKET_SERVED);
	assert_int_equal(t.finished_at, now + 3);
	/* Nobody waits: 204, and the current one is finished all the same. */
	bool none = false;
	assert_int_equal(office_next(f->o, 0, now + 5, &t, &none, &err), 0);
	assert_true(none);
	struct office_counter_view v;
	assert_int_equal(office_counter(f->o, 0, now + 5, &v, &err), 0);
	assert_false(v.has_current);
	assert_int_equal(v.n_waiting, 0);
	office_counter_view_clear(&v);
}

static void refusals_change_nothing(void **state)
{
	struct fixture *f = *state;
	int64_t now = at("2026-12-03T09:00:00+02:00");
	struct office_error err;
	struct ticket t;
	bool none;

	assert_true(office_issue(f->o, 2, 0, false, now, &t, &err) < 0);
	assert_int_equal(err.status, OFFICE_UNPROCESSABLE);
	assert_non_null(strstr(err.message, "Averescu"));
	assert_true(office_issue(f->o, 7, 0, false, now, &t, &err) < 0);
	assert_int_equal(err.status, OFFICE_NOT_FOUND);
	assert_true(office_recall(f->o, 0, now, &t, &err) < 0);
	assert_int_equal(err.status, OFFICE_CONFLICT);
	assert_true(office_done(f->o, 0, true, now, &t, &err) < 0);
	assert_int_equal(err.status, OFFICE_CONFLICT);
	assert_true(office_next(f->o, 9, now, &t, &none, &err) < 0);
	assert_int_equal(err.status, OFFICE_NOT_FOUND);

	issue(f->o, 0, false, now);
	next(f->o, 0, now);
	assert_true(office_transfer(f->o, 0, 0, now, &t, &err) < 0);
	assert_int_equal(err.status, OFFICE_UNPROCESSABLE);
	assert_true(office_transfer(f->o, 0, 2, now, &t, &err) < 0);
	assert_int_equal(err.status, OFFICE_UNPROCESSABLE);
	assert_true(office_transfer(f->o, 0, 5, now, &t, &err) < 0);
	assert_int_equal(err.status, OFFICE_NOT_FOUND);

	assert_int_equal(office_pause(f->o, 1, true, now, &err), 0);
	assert_true(office_next(f->o, 1, now, &t, &none, &err) < 0);
	assert_int_equal(err.status, OFFICE_CONFLICT);
	assert_non_null(strstr(err.message, "paused"));

	/* The refused issue did not use a number. */
	assert_string_equal(issue(f->o, 0, false, now).number, "A002");
}

static void transfer_keeps_issue_time(void **state)
{
	struct fixture *f = *state;
	int64_t now = at("2026-12-03T09:00:00+02:00");
	struct office_error err;
	struct ticket a = issue(f->o, 0, false, now), t;

	issue(f->o, 1, false, now + 60);
	next(f->o, 1, now + 120);
	assert_int_equal(office_transfer(f->o, 1, 1, now + 180, &t, &err), 0);
	assert_int_equal(t.id, a.id);
	assert_int_equal(t.service, 1);
	assert_int_equal(t.state, TICKET_WAITING);
	assert_int_equal(t.issued_at, now);
	assert_int_equal(t.ahead, 0); /* before B001, issued later */
	assert_string_equal(t.number, "A001");
	assert_int_equal(next(f->o, 0, now + 200).id, a.id);
}

/* One row of the events table, as the statistics read it. */
struct event_row {
	const char *at; /* local time of the day */
	const char *type;
	int64_t ticket;	     /* 0: none */
	const char *counter; /* NULL: none */
	const char *detail;  /* NULL: none */
};

/* The events table of the fixture's database, compared row by row. */
static void assert_events(const struct fixture *f, const char *day,
			  const struct event_row *want, size_t n_want)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	size_t n = 0;

	assert_int_equal(
		sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READONLY, NULL),
		SQLITE_OK);
	assert_int_equal(
		sqlite3_prepare_v2(db,
				   "SELECT at, type, coalesce(ticket, 0), "
				   "counter, detail, day FROM events "
				   "ORDER BY id",
				   -1, &st, NULL),
		SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *counter = (const char *)sqlite3_column_text(st, 3);
		const char *detail = (const char *)sqlite3_column_text(st, 4);
		char when[40];

		if (n >= n_want)
			fail_msg("event %zu (%s) is not expected", n,
				 (const char *)sqlite3_column_text(st, 1));
		snprintf(when, sizeof(when), "%sT%s+02:00", day, want[n].at);
		assert_int_equal(sqlite3_column_int64(st, 0), at(when));
		assert_string_equal(sqlite3_column_text(st, 1), want[n].type);
		assert_int_equal(sqlite3_column_int64(st, 2), want[n].ticket);
		if (want[n].counter)
			assert_string_equal(counter ? counter : "(null)",
					    want[n].counter);
		else
			assert_null(counter);
		if (want[n].detail)
			assert_string_equal(detail ? detail : "(null)",
					    want[n].detail);
		else
			assert_null(detail);
		assert_string_equal(sqlite3_column_text(st, 5), day);
		n++;
	}
	assert_int_equal(n, n_want);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* Every transition of a counter (call, recall, done, pause, resume,
 * transfer, no-show) writes its event, and the statistics read from those
 * events come out as the clerk lived the morning: 4 + 1 + 1 minutes busy,
 * 30 minutes paused, 5 + 1 + 1 minutes idle while someone waited. */
static void transitions_leave_events(void **state)
{
	struct fixture *f = *state;
	const char *day = "2026-12-03";
	int64_t t0 = at("2026-12-03T09:00:00+02:00");
	struct office_error err;
	struct ticket a, b, t;
	struct stats *s;
	struct stats_day *d;

	a = issue(f->o, 0, false, t0);
	b = issue(f->o, 0, false, t0 + 1);
	assert_int_equal(next(f->o, 0, at("2026-12-03T09:01:00+02:00")).id,
			 a.id);
	assert_int_equal(office_recall(f->o, 0, at("2026-12-03T09:02:00+02:00"),
				       &t, &err),
			 0);
	assert_int_equal(office_done(f->o, 0, true,
				     at("2026-12-03T09:05:00+02:00"), &t, &err),
			 0);
	assert_int_equal(office_pause(f->o, 0, true,
				      at("2026-12-03T09:10:00+02:00"), &err),
			 0);
	assert_int_equal(office_pause(f->o, 0, false,
				      at("2026-12-03T09:40:00+02:00"), &err),
			 0);
	assert_int_equal(next(f->o, 0, at("2026-12-03T09:41:00+02:00")).id,
			 b.id);
	assert_int_equal(office_transfer(f->o, 0, 1,
					 at("2026-12-03T09:42:00+02:00"), &t,
					 &err),
			 0);
	assert_int_equal(next(f->o, 0, at("2026-12-03T09:43:00+02:00")).id,
			 b.id);
	assert_int_equal(office_done(f->o, 0, false,
				     at("2026-12-03T09:44:00+02:00"), &t, &err),
			 0);
	assert_int_equal(t.state, TICKET_NO_SHOW);

	const struct event_row want[] = {
		{"09:00:00", "issued", a.id, NULL, NULL},
		{"09:00:01", "issued", b.id, NULL, NULL},
		{"09:01:00", "called", a.id, "1", NULL},
		{"09:02:00", "recalled", a.id, "1", NULL},
		{"09:05:00", "served", a.id, "1", NULL},
		{"09:10:00", "paused", 0, "1", NULL},
		{"09:40:00", "resumed", 0, "1", NULL},
		{"09:41:00", "called", b.id, "1", NULL},
		{"09:42:00", "transferred", b.id, NULL, "from A to B"},
		{"09:43:00", "called", b.id, "1", NULL},
		{"09:44:00", "no_show", b.id, "1", NULL},
	};
	assert_events(f, day, want, sizeof(want) / sizeof(want[0]));

	assert_int_equal(stats_open(f->db, f->cfg, &s), 0);
	assert_int_equal(
		stats_compute(s, day, at("2026-12-03T10:00:00+02:00"), &d), 0);
	assert_int_equal(d->n_counters, 2);
	assert_int_equal(d->counters[0].first, at("2026-12-03T09:01:00+02:00"));
	assert_int_equal(d->counters[0].last, at("2026-12-03T09:44:00+02:00"));
	assert_int_equal(d->counters[0].paused_s, 1800);
	assert_int_equal(d->counters[0].busy_s, 360);
	assert_int_equal(d->counters[0].idle_s, 420);
	assert_int_equal(d->counters[1].first, 0);
	assert_int_equal(d->counters[1].paused_s, 0);
	assert_int_equal(d->totals.issued, 2);
	assert_int_equal(d->totals.served, 1);
	assert_int_equal(d->totals.no_show, 1);
	stats_day_free(d);
	stats_close(s);
}

/* The whole state comes back from the database after a restart. */
static void rebuilt_after_restart(void **state)
{
	struct fixture *f = *state;
	int64_t now = at("2026-12-03T09:00:00+02:00");
	struct office_error err;
	struct office_counter_view v;

	for (int i = 0; i < 3; i++)
		issue(f->o, 0, false, now + i);
	for (int i = 0; i < 4; i++)
		issue(f->o, 0, true, now + 10 + i);
	/* Three priority calls; the fourth call is due to a walk-in. */
	for (int i = 0; i < 3; i++)
		assert_int_equal(next(f->o, 0, now + 20 + i).reason,
				 REASON_PRIORITY);
	assert_int_equal(office_pause(f->o, 1, true, now + 30, &err), 0);
	/* A call does not write the counter's row (counter.c): the current
	 * ticket below comes from the called ticket alone. */
	{
		bool paused = true;
		int64_t current = -1;

		assert_int_equal(store_counter_load(f->st, 0, &paused,
						    &current),
				 0);
		assert_false(paused);
		assert_int_equal(current, 0);
	}

	close_office(f);
	open_office(f, now + 40);

	assert_int_equal(office_counter(f->o, 0, now + 40, &v, &err), 0);
	assert_true(v.has_current);
	assert_string_equal(v.current.number, "A006"); /* third priority */
	assert_int_equal(v.n_waiting, 4);
	office_counter_view_clear(&v);
	assert_int_equal(office_counter(f->o, 1, now + 40, &v, &err), 0);
	assert_true(v.paused);
	office_counter_view_clear(&v);

	struct ticket t = next(f->o, 0, now + 50);
	assert_int_equal(t.reason, REASON_INTERLEAVE);
	assert_string_equal(t.number, "A001");
	assert_string_equal(issue(f->o, 0, false, now + 60).number, "A008");
}

/* Numbers restart on a new business day; what was left waiting expires. */
static void numbering_restarts_each_day(void **state)
{
	struct fixture *f = *state;
	int64_t day1 = at("2026-12-03T17:00:00+02:00");
	int64_t day2 = at("2026-12-04T08:31:00+02:00");
	struct office_error err;
	struct ticket a, b, t;

	a = issue(f->o, 0, false, day1);
	b = issue(f->o, 0, false, day1 + 1);
	next(f->o, 0, day1 + 2);
	assert_string_equal(b.number, "A002");
	struct ticket d2 = issue(f->o, 0, false, day2);
	assert_string_equal(d2.number, "A001");
	assert_string_equal(d2.day, "2026-12-04");
	assert_int_equal(d2.ahead, 0);
	assert_int_equal(office_ticket(f->o, a.id, day2, &t, &err), 0);
	assert_int_equal(t.state, TICKET_SERVED);
	assert_int_equal(office_ticket(f->o, b.id, day2, &t, &err), 0);
	assert_int_equal(t.state, TICKET_EXPIRED);

	/* Also when the daemon was down over night. */
	int64_t left = d2.id;
	close_office(f);
	open_office(f, day2 + 86400);
	assert_string_equal(issue(f->o, 0, false, day2 + 86400).number, "A001");
	assert_int_equal(office_ticket(f->o, left, day2 + 86400, &t, &err), 0);
	assert_int_equal(t.state, TICKET_EXPIRED);
}

static void closed_outside_hours(void **state)
{
	(void)state;
	struct fixture *f = make(false);
	struct office_error err;
	struct ticket t;
	struct office_service_view sv;
	int64_t evening = at("2026-12-03T19:00:00+02:00");

	open_office(f, evening);
	assert_true(office_issue(f->o, 0, 0, false, evening, &t, &err) < 0);
	assert_int_equal(err.status, OFFICE_CLOSED);
	assert_non_null(strstr(err.message, "2026-12-04 at 08:30"));
	int64_t late = at("2026-12-03T18:20:00+02:00");
	assert_true(office_issue(f->o, 0, 0, false, late, &t, &err) < 0);
	assert_int_equal(err.status, OFFICE_CLOSED);
	assert_non_null(strstr(err.message, "18:30"));
	assert_int_equal(office_service(f->o, 0, late, &sv), 0);
	assert_false(sv.open);
	int64_t morning = at("2026-12-03T08:30:00+02:00");
	assert_int_equal(office_service(f->o, 0, morning, &sv), 0);
	assert_true(sv.open);
	assert_string_equal(issue(f->o, 0, false, morning).number, "A001");
	destroy(f);
}

/* Estimates follow today's service times: ten tickets served in two
 * minutes each replace the config's eight. */
static void estimates_follow_service_times(void **state)
{
	struct fixture *f = *state;
	int64_t now = at("2026-12-03T09:00:00+02:00");
	struct office_error err;
	struct ticket t;

	for (int i = 0; i < 10; i++) {
		issue(f->o, 0, false, now);
		next(f->o, 1, now);
		now += 120;
		assert_int_equal(office_done(f->o, 1, true, now, &t, &err), 0);
	}
	for (int i = 0; i < 4; i++)
		issue(f->o, 0, false, now);
	t = issue(f->o, 0, false, now);
	assert_int_equal(t.ahead, 4);
	/* 4 tickets of 2 minutes over the two counters serving A. */
	assert_int_equal(t.est_wait_min, 4);

	/* And after a restart, from the database. */
	close_office(f);
	open_office(f, now);
	assert_int_equal(office_ticket(f->o, t.id, now, &t, &err), 0);
	assert_int_equal(t.est_wait_min, 4);

	/* A paused counter serves nobody: the other one does it all. */
	assert_int_equal(office_pause(f->o, 0, true, now, &err), 0);
	assert_int_equal(office_ticket(f->o, t.id, now, &t, &err), 0);
	assert_int_equal(t.est_wait_min, 8);
	assert_int_equal(office_pause(f->o, 1, true, now, &err), 0);
	assert_int_equal(office_ticket(f->o, t.id, now, &t, &err), 0);
	assert_int_equal(t.est_wait_min, -1);
}

/* Each service's recent times come back after a restart, its own and no
 * other's, the newest ten: 12 A tickets of 2 minutes (the two oldest of
 * 30 left out of A's window), 3 B tickets of 9 minutes. */
static void service_times_per_service_after_restart(void **state)
{
	struct fixture *f = *state;
	int64_t now = at("2026-12-03T09:00:00+02:00");
	struct office_error err;
	struct ticket t, a, b;

	for (int i = 0; i < 2; i++) {
		issue(f->o, 0, false, now);
		next(f->o, 0, now);
		now += 1800;
		assert_int_equal(office_done(f->o, 0, true, now, &t, &err), 0);
	}
	for (int i = 0; i < 12; i++) {
		int service = i % 4 == 3 ? 1 : 0;
		int64_t took = service == 1 ? 540 : 120;

		issue(f->o, service, false, now);
		next(f->o, 0, now);
		now += took;
		assert_int_equal(office_done(f->o, 0, true, now, &t, &err), 0);
	}
	for (int i = 0; i < 3; i++) {
		issue(f->o, 0, false, now);
		issue(f->o, 1, false, now);
	}
	assert_int_equal(office_ticket(f->o, issue(f->o, 0, false, now).id,
				       now, &a, &err),
			 0);
	assert_int_equal(office_ticket(f->o, issue(f->o, 1, false, now).id,
				       now, &b, &err),
			 0);
	assert_true(a.est_wait_min > 0 && b.est_wait_min > 0);

	close_office(f);
	open_office(f, now);
	assert_int_equal(office_ticket(f->o, a.id, now, &t, &err), 0);
	assert_int_equal(t.est_wait_min, a.est_wait_min);
	assert_int_equal(office_ticket(f->o, b.id, now, &t, &err), 0);
	assert_int_equal(t.est_wait_min, b.est_wait_min);
}

/* Near closing, no ticket that the estimate says cannot be served. */
static void cut_off_by_the_estimate(void **state)
{
	(void)state;
	struct fixture *f = make(false);
	int64_t now = at("2026-12-03T17:40:00+02:00"); /* closes 18:30 */
	struct office_error err;
	struct ticket t;
	int issued = 0;

	open_office(f, now);
	/* 8 minutes a ticket over two counters: the ticket with w waiting
	 * before it is called at 17:40 + 8 (w / 2) minutes, rounded down,
	 * and done 8 minutes later; w = 12 would end at 18:36. */
	while (office_issue(f->o, 0, -1, false, now, &t, &err) == 0)
		issued++;
	assert_int_equal(issued, 12);
	assert_int_equal(err.status, OFFICE_CLOSED);
	assert_non_null(strstr(err.message, "No more tickets"));
	assert_non_null(strstr(err.message, "18:30"));
	/* B has nobody waiting, but its only counter also serves A and
	 * calls the older A tickets first: no B ticket either. */
	assert_int_equal(office_issue(f->o, 1, -1, false, now, &t, &err),
			 -EAGAIN);
	assert_int_equal(err.status, OFFICE_CLOSED);
	destroy(f);
}

/* [policy] walkin_limit: a walk-in whose wait would pass it gets no
 * ticket, with the numbers for the kiosk; priority citizens always do. */
static void admission_beyond_the_walkin_limit(void **state)
{
	(void)state;
	struct fixture *f = make(true);
	int64_t now = at("2026-12-03T09:00:00+02:00");
	static const int want_est[] = {0, 0, 8, 8};
	struct office_error err;
	struct ticket t;

	f->cfg->policy.walkin_limit = 10;
	open_office(f, now);
	/* Two counters serve A, 8 minutes a ticket. */
	for (int i = 0; i < 4; i++)
		assert_int_equal(issue(f->o, 0, false, now).estimate_min,
				 want_est[i]);
	assert_int_equal(office_issue(f->o, 0, -1, false, now, &t, &err),
			 -EAGAIN);
	assert_int_equal(err.status, OFFICE_WAIT_TOO_LONG);
	assert_int_equal(err.wait_min, 16);
	assert_int_equal(err.limit_min, 10);
	assert_non_null(strstr(err.message, "book"));
	/* Priority tickets go first, and past the limit too: after three
	 * of them in a row a walk-in is called (walkin_every = 3). */
	static const int want_prio[] = {0, 0, 8, 16, 16};
	for (int i = 0; i < 5; i++)
		assert_int_equal(issue(f->o, 0, true, now).estimate_min,
				 want_prio[i]);
	destroy(f);
}

/* At closing, what still waits expires; what was called is left to the
 * clerk. */
static void waiting_tickets_expire_at_closing(void **state)
{
	(void)state;
	struct fixture *f = make(false);
	int64_t now = at("2026-12-03T18:00:00+02:00");
	struct office_error err;
	struct ticket a, b, t;

	open_office(f, now);
	a = issue(f->o, 0, false, now);
	b = issue(f->o, 0, false, now);
	next(f->o, 0, now);
	assert_int_equal(office_tick(f->o, at("2026-12-03T18:29:59+02:00")),
			 0);
	assert_int_equal(office_ticket(f->o, b.id, now, &t, &err), 0);
	assert_int_equal(t.state, TICKET_WAITING);
	int64_t closed = at("2026-12-03T18:30:00+02:00");
	assert_int_equal(office_tick(f->o, closed), 0);
	assert_int_equal(office_ticket(f->o, b.id, closed, &t, &err), 0);
	assert_int_equal(t.state, TICKET_EXPIRED);
	assert_int_equal(t.finished_at, closed);
	assert_int_equal(office_ticket(f->o, a.id, closed, &t, &err), 0);
	assert_int_equal(t.state, TICKET_CALLED);
	struct office_service_view sv;
	assert_int_equal(office_service(f->o, 0, closed, &sv), 0);
	assert_int_equal(sv.waiting, 0);
	destroy(f);
}

/* The floor manager's operations: a counter's services for the day
 * (estimates and calls follow, a restart the same day keeps them, the next
 * day forgets), a waiting ticket cancelled, and the snapshot. */
static void floor_services_and_cancel(void **state)
{
	struct fixture *f = *state;
	int64_t now = at("2026-12-03T09:00:00+02:00");
	struct office_counter_view v;
	struct office_floor fl;
	struct office_error err;
	struct ticket a, b, t;
	bool none = true;

	assert_int_equal(office_issue(f->o, 0, -1, false, now, &a, &err), 0);
	assert_int_equal(office_issue(f->o, 1, -1, false, now + 60, &b, &err),
			 0);
	/* Counter 2 (A only) calls B only from now: its next call is B001,
	 * though A001 waited longer. Bad masks change nothing. */
	assert_int_equal(office_set_services(f->o, 1, UINT64_C(2), now + 120,
					     &err),
			 0);
	assert_int_equal(office_set_services(f->o, 1, UINT64_C(4), now, &err),
			 -EINVAL); /* the information service */
	assert_int_equal(err.status, OFFICE_UNPROCESSABLE);
	assert_int_equal(office_set_services(f->o, 1, 0, now, &err), -EINVAL);
	assert_int_equal(office_set_services(f->o, 5, UINT64_C(1), now, &err),
			 -ENOENT);
	assert_int_equal(office_next(f->o, 1, now + 180, &t, &none, &err), 0);
	assert_false(none);
	assert_int_equal(t.id, b.id); /* A waited longer */

	/* A restart the same day keeps the change and the pause's time. */
	assert_int_equal(office_pause(f->o, 0, true, now + 240, &err), 0);
	close_office(f);
	open_office(f, now + 300);
	memset(&v, 0, sizeof(v));
	assert_int_equal(office_counter(f->o, 1, now + 300, &v, &err), 0);
	assert_int_equal(v.services, UINT64_C(2));
	office_counter_view_clear(&v);
	assert_int_equal(office_floor(f->o, now + 300, &fl, &err), 0);
	assert_string_equal(fl.day, "2026-12-03");
	assert_true(fl.counters[0].paused);
	assert_int_equal(fl.counters[0].paused_since, now + 240);
	assert_false(fl.counters[1].paused);
	assert_int_equal(fl.counters[1].services, UINT64_C(2));
	assert_true(fl.counters[1].has_current);
	assert_int_equal(fl.counters[1].current.id, b.id);
	assert_int_equal(fl.services[0].v.waiting, 1);
	assert_int_equal(fl.services[0].oldest_at, now);
	assert_string_equal(fl.services[0].oldest_walkin_number, a.number);
	assert_int_equal(fl.services[1].oldest_at, 0);
	assert_int_equal(fl.n_late, 0);
	office_floor_clear(&fl);

	/* Cancelled: gone from the queue, a no-show with its reason. */
	assert_int_equal(office_cancel(f->o, b.id, "x", now + 300, &t, &err),
			 -EBUSY); /* called */
	assert_int_equal(err.status, OFFICE_CONFLICT);
	assert_int_equal(office_cancel(f->o, a.id, "a plecat", now + 360, &t,
				       &err),
			 0);
	assert_int_equal(t.state, TICKET_NO_SHOW);
	assert_int_equal(t.finished_at, now + 360);
	assert_int_equal(office_cancel(f->o, a.id, "iar", now + 400, &t, &err),
			 -EALREADY);
	assert_int_equal(office_cancel(f->o, 999, "x", now + 400, &t, &err),
			 -ENOENT);
	assert_int_equal(office_ticket(f->o, a.id, now + 400, &t, &err), 0);
	assert_int_equal(t.state, TICKET_NO_SHOW);
	struct office_service_view sv;
	assert_int_equal(office_service(f->o, 0, now + 400, &sv), 0);
	assert_int_equal(sv.waiting, 0);

	/* The next day starts from the config. */
	memset(&v, 0, sizeof(v));
	assert_int_equal(office_counter(f->o, 1, at("2026-12-04T09:00:00+02:00"),
					&v, &err),
			 0);
	assert_int_equal(v.services, UINT64_C(1));
	office_counter_view_clear(&v);
}

/* The new config of reconfigured_in_place: B before A, a new service C,
 * counter 1 serving A only, counter 2 serving A and B. */
static const char reloaded_text[] =
	"[office]\n"
	"name = Test\n"
	"[server]\n"
	"admin_token = admin-secret-1\n"
	"[hours]\n"
	"always_open = true\n"
	"[service.B]\n"
	"name = Registratură\n"
	"prefix = B\n"
	"[service.C]\n"
	"name = Urbanism\n"
	"prefix = C\n"
	"[service.A]\n"
	"name = Taxe\n"
	"prefix = A\n"
	"[counter.2]\n"
	"services = A, B\n"
	"token = counter-2-token\n"
	"[counter.1]\n"
	"services = A\n"
	"token = counter-1-token\n";

struct seen_events {
	int config, queue;
	const struct config *cfg;
};

static void note_event(void *userdata, const struct office_event *ev)
{
	struct seen_events *s = userdata;

	if (ev->type == OFFICE_EVENT_CONFIG) {
		s->config++;
		s->cfg = ev->config;
	} else if (ev->type == OFFICE_EVENT_QUEUE && s->config) {
		s->queue++;
	}
}

static struct config *parse_text(const char *text)
{
	struct config *c = NULL;
	char err[CONFIG_ERR_MAX];

	if (config_parse(text, strlen(text), "reload.conf", &c, err,
			 sizeof(err)) != 0)
		fail_msg("config: %s", err);
	return c;
}

/* A reload keeps the waiting tickets, the open call and the paused
 * counter under the new indexes, and the next call follows the counters'
 * new services; a config that would orphan a waiting ticket is refused
 * and changes nothing. */
static void reconfigured_in_place(void **state)
{
	struct fixture *f = *state;
	int64_t now = at("2026-12-03T09:00:00+02:00");
	struct office_error err;
	struct office_counter_view v;
	struct office_service_view sv;
	struct seen_events seen = {0};
	struct config *nc, *bad;
	struct ticket a1, b1, t;

	a1 = issue(f->o, 0, false, now);
	issue(f->o, 0, false, now + 1);
	b1 = issue(f->o, 1, false, now + 2);
	assert_string_equal(next(f->o, 0, now + 3).number, a1.number);
	assert_int_equal(office_pause(f->o, 1, true, now + 4, &err), 0);
	office_set_notify(f->o, note_event, &seen);

	/* Without service B, whose ticket waits: refused. */
	bad = parse_text("[server]\nadmin_token = admin-secret-1\n"
			 "[service.A]\nname = Taxe\nprefix = A\n"
			 "[counter.1]\nservices = A\ntoken = counter-1-token\n");
	assert_int_equal(office_reconfigure(f->o, bad, NULL, now + 5, &err),
			 -EBUSY);
	assert_int_equal(err.status, OFFICE_CONFLICT);
	assert_non_null(strstr(err.message, b1.number));
	assert_int_equal(seen.config, 0);
	assert_int_equal(office_service(f->o, 1, now + 5, &sv), 0);
	assert_int_equal(sv.waiting, 1);
	config_free(bad);

	nc = parse_text(reloaded_text);
	assert_int_equal(office_reconfigure(f->o, nc, NULL, now + 6, &err), 0);
	assert_int_equal(seen.config, 1);
	assert_ptr_equal(seen.cfg, nc);
	assert_int_equal(seen.queue, 1);
	config_free(f->cfg);
	f->cfg = nc;

	/* Counter 1 is now index 1: its call is kept, it serves A only. */
	assert_int_equal(office_counter(f->o, 1, now + 7, &v, &err), 0);
	assert_true(v.has_current);
	assert_string_equal(v.current.number, a1.number);
	assert_int_equal(v.n_waiting, 1);
	office_counter_view_clear(&v);
	/* Counter 2 (index 0) is still paused and now sees B too. */
	assert_int_equal(office_counter(f->o, 0, now + 7, &v, &err), 0);
	assert_true(v.paused);
	assert_int_equal(v.n_waiting, 2);
	office_counter_view_clear(&v);
	assert_int_equal(office_service(f->o, 0, now + 7, &sv), 0); /* B */
	assert_int_equal(sv.waiting, 1);
	assert_int_equal(office_service(f->o, 1, now + 7, &sv), 0); /* C */
	assert_int_equal(sv.waiting, 0);
	assert_int_equal(office_pause(f->o, 0, false, now + 8, &err), 0);
	/* Counter 1 finishes its call and takes A002; B001 is left for
	 * counter 2, and then nothing is left for counter 1. */
	assert_string_equal(next(f->o, 1, now + 9).number, "A002");
	t = next(f->o, 0, now + 10);
	assert_string_equal(t.number, b1.number);
	assert_int_equal(t.service, 0);
	{
		bool none = false;
		assert_int_equal(office_next(f->o, 1, now + 10, &t, &none,
					     &err),
				 0);
		assert_true(none);
	}
	/* Numbering goes on: C starts, A continues. */
	assert_string_equal(issue(f->o, 1, false, now + 11).number, "C001");
	assert_string_equal(issue(f->o, 2, false, now + 12).number, "A003");
	office_set_notify(f->o, NULL, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(reconfigured_in_place, setup,
						teardown),
		cmocka_unit_test(admission_beyond_the_walkin_limit),
		cmocka_unit_test_setup_teardown(numbers_and_ahead, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			next_finishes_the_current_ticket, setup, teardown),
		cmocka_unit_test_setup_teardown(refusals_change_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(transfer_keeps_issue_time,
						setup, teardown),
		cmocka_unit_test_setup_teardown(transitions_leave_events, setup,
						teardown),
		cmocka_unit_test_setup_teardown(rebuilt_after_restart, setup,
						teardown),
		cmocka_unit_test_setup_teardown(numbering_restarts_each_day,
						setup, teardown),
		cmocka_unit_test(closed_outside_hours),
		cmocka_unit_test_setup_teardown(estimates_follow_service_times,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			service_times_per_service_after_restart, setup,
			teardown),
		cmocka_unit_test(cut_off_by_the_estimate),
		cmocka_unit_test(waiting_tickets_expire_at_closing),
		cmocka_unit_test_setup_teardown(floor_services_and_cancel, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
