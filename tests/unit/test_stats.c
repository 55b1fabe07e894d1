/* Statistics over a real database written through the store: a scripted
 * day with known times (a transfer, an overtake, a no-show, an expiry, an
 * appointment on time and one late, pauses), every figure checked. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "api_stats.h"
#include "config.h"
#include "hours.h"
#include "stats.h"
#include "stats_internal.h"
#include "store.h"

/* clang-format off */
static const char conf_text[] =
	"[office]\n"
	"name = Test\n"
	"[server]\n"
	"admin_token = admin-secret-1\n"
	"[hours]\n"
	"always_open = true\n"
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
	"token = counter-2-token\n"
	"[counter.3]\n"
	"name = Ghișeul 3\n"
	"services = B\n"
	"token = counter-3-token\n";

enum { SA, SB };     /* service indexes */
enum { C1, C2, C3 }; /* counter indexes */
#define W TICKET_WALK_IN
#define P TICKET_PRIORITY
#define AP TICKET_APPOINTMENT

/* The day's tickets. */
enum { A1, A2, A3, P1, B1, AP1, AP2, B2, N_TICKETS };
/* clang-format on */

static const struct {
	int service;
	enum ticket_kind kind;
	const char *slot; /* appointments: slot start, local time */
	int est;	  /* minutes told at issue, -1 none */
} defs[N_TICKETS] = {
	[A1] = {SA, TICKET_WALK_IN, NULL, 10},
	[A2] = {SA, TICKET_WALK_IN, NULL, 10},
	[A3] = {SA, TICKET_WALK_IN, NULL, 20},
	[P1] = {SA, TICKET_PRIORITY, NULL, 0},
	[B1] = {SB, TICKET_WALK_IN, NULL, 30},
	[AP1] = {SA, TICKET_APPOINTMENT, "09:00:00", -1}, /* in at 08:50 */
	[AP2] = {SA, TICKET_APPOINTMENT, "09:15:00", -1}, /* in at 09:20 */
	[B2] = {SB, TICKET_WALK_IN, NULL, 5},
};

/* clang-format off */
enum op { ISSUE, CALL, SERVE, NO_SHOW, TRANSFER, EXPIRE, PAUSE, RESUME };
/* clang-format on */

struct step {
	const char *at; /* local time on the day */
	enum op op;
	int ticket;
	int counter;
	int arg; /* CALL: the reason; TRANSFER: the service */
};

/*
 * The day, in the order the office would write it. Waits (issue to first
 * call): A1 600, P1 480, A3 840, A2 1320, AP1 900, B1 2040, AP2 300.
 * Service times: P1 240, A1 720, A3 660 (in B, from its second call),
 * AP1 600, B1 1620, AP2 1200. At 08:46 counter 1 calls A3 while A2, issued
 * earlier, waits: the one overtake. A3, transferred to B at 08:55, keeps
 * its issue time (08:32) and so comes before B1 (08:34): no overtake.
 */
static const struct step day[] = {
	{"08:30:00", ISSUE, A1, -1, 0},
	{"08:31:00", ISSUE, A2, -1, 0},
	{"08:32:00", ISSUE, A3, -1, 0},
	{"08:33:00", ISSUE, P1, -1, 0},
	{"08:34:00", ISSUE, B1, -1, 0},
	{"08:40:00", CALL, A1, C2, REASON_WALK_IN},
	{"08:41:00", CALL, P1, C1, REASON_PRIORITY},
	{"08:45:00", SERVE, P1, C1, 0},
	{"08:46:00", CALL, A3, C1, REASON_WALK_IN},
	{"08:50:00", ISSUE, AP1, -1, 0},
	{"08:52:00", SERVE, A1, C2, 0},
	{"08:53:00", CALL, A2, C2, REASON_WALK_IN},
	{"08:55:00", TRANSFER, A3, C1, SB},
	{"08:56:00", CALL, A3, C3, REASON_WALK_IN},
	{"09:05:00", CALL, AP1, C1, REASON_APPOINTMENT_DUE},
	{"09:06:00", NO_SHOW, A2, C2, 0},
	{"09:07:00", SERVE, A3, C3, 0},
	{"09:08:00", CALL, B1, C3, REASON_WALK_IN},
	{"09:10:00", PAUSE, -1, C2, 0},
	{"09:15:00", SERVE, AP1, C1, 0},
	{"09:20:00", ISSUE, AP2, -1, 0},
	{"09:25:00", CALL, AP2, C1, REASON_APPOINTMENT_DUE},
	{"09:30:00", ISSUE, B2, -1, 0},
	{"09:35:00", SERVE, B1, C3, 0},
	{"09:40:00", RESUME, -1, C2, 0},
	{"09:45:00", SERVE, AP2, C1, 0},
	{"09:50:00", PAUSE, -1, C3, 0},
	{"10:00:00", EXPIRE, B2, -1, 0},
};

struct fixture {
	char dir[64];
	char db[96];
	struct config *cfg;
	struct store *st;
	struct stats *stats;
	struct ticket t[N_TICKETS];
};

static int64_t at(const char *date, const char *hms)
{
	char buf[40];
	int64_t t = 0;

	snprintf(buf, sizeof(buf), "%sT%s+02:00", date, hms);
	assert_int_equal(hours_parse_rfc3339(buf, &t), 0);
	return t;
}

static void event(struct fixture *f, int64_t now, const char *type,
		  const struct ticket *t, int counter)
{
	struct store_event ev = {
		.at = now,
		.type = type,
		.ticket = t ? t->id : 0,
		.service = t ? t->service : -1,
		.counter = counter,
		.kind = t ? t->kind : TICKET_WALK_IN,
		.reason = t && strcmp(type, "called") == 0 ? t->reason :
							     REASON_NONE,
	};

	assert_int_equal(store_event_append(f->st, &ev), 0);
}

/* One step as the office writes it: one transaction, the ticket's row
 * and its event. */
static void run_step(struct fixture *f, const char *date, const struct step *s)
{
	const struct cfg_service *svc;
	int64_t now = at(date, s->at);
	struct ticket *t = s->ticket >= 0 ? &f->t[s->ticket] : NULL;
	char prefix[8];
	int seq;

	assert_int_equal(store_begin(f->st), 0);
	switch (s->op) {
	case ISSUE:
		memset(t, 0, sizeof(*t));
		t->service = defs[s->ticket].service;
		t->kind = defs[s->ticket].kind;
		t->state = TICKET_WAITING;
		t->issued_at = now;
		t->estimate_min = defs[s->ticket].est;
		if (defs[s->ticket].slot)
			t->slot_start = at(date, defs[s->ticket].slot);
		t->kiosk = -1;
		t->counter = -1;
		t->printed = PRINT_NONE;
		snprintf(t->day, sizeof(t->day), "%s", date);
		svc = &f->cfg->services[t->service];
		snprintf(prefix, sizeof(prefix), "%s",
			 t->kind == TICKET_APPOINTMENT ? "P" : svc->prefix);
		assert_int_equal(store_next_seq(f->st, date, prefix, &seq), 0);
		snprintf(t->number, sizeof(t->number), "%s%03d", prefix, seq);
		assert_int_equal(store_ticket_insert(f->st, t), 0);
		event(f, now, "issued", t, -1);
		break;
	case CALL:
		t->state = TICKET_CALLED;
		t->counter = s->counter;
		t->reason = (enum call_reason)s->arg;
		t->called_at = now;
		assert_int_equal(store_ticket_update(f->st, t), 0);
		event(f, now, "called", t, s->counter);
		break;
	case SERVE:
	case NO_SHOW:
		t->state = s->op == SERVE ? TICKET_SERVED : TICKET_NO_SHOW;
		t->finished_at = now;
		assert_int_equal(store_ticket_update(f->st, t), 0);
		event(f, now, s->op == SERVE ? "served" : "no_show", t,
		      s->counter);
		break;
	case TRANSFER:
		/* As the office does: the event names the new service and
		 * no counter. */
		t->state = TICKET_WAITING;
		t->service = s->arg;
		t->counter = -1;
		assert_int_equal(store_ticket_update(f->st, t), 0);
		event(f, now, "transferred", t, -1);
		break;
	case EXPIRE:
		t->state = TICKET_EXPIRED;
		t->finished_at = now;
		assert_int_equal(store_ticket_update(f->st, t), 0);
		event(f, now, "expired", t, -1);
		break;
	case PAUSE:
	case RESUME:
		assert_int_equal(store_counter_save(f->st, s->counter,
						    s->op == PAUSE, 0),
				 0);
		event(f, now, s->op == PAUSE ? "paused" : "resumed", NULL,
		      s->counter);
		break;
	}
	assert_int_equal(store_commit(f->st), 0);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[CONFIG_ERR_MAX];

	assert_non_null(f);
	assert_int_equal(hours_set_zone("Europe/Bucharest"), 0);
	snprintf(f->dir, sizeof(f->dir), "/tmp/bonomat-stats-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof(f->db), "%s/bonomat.db", f->dir);
	if (config_parse(conf_text, strlen(conf_text), "test.conf", &f->cfg,
			 err, sizeof(err)) != 0)
		fail_msg("config: %s", err);
	assert_int_equal(store_open(f->db, f->cfg, &f->st), 0);
	assert_int_equal(stats_open(f->db, f->cfg, &f->stats), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	static const char *const files[] = {"bonomat.db", "bonomat.db-wal",
					    "bonomat.db-shm"};
	struct fixture *f = *state;
	char path[128];

	stats_close(f->stats);
	store_close(f->st);
	config_free(f->cfg);
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", f->dir, files[i]);
		unlink(path);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static void run_day(struct fixture *f, const char *date)
{
	for (size_t i = 0; i < sizeof(day) / sizeof(day[0]); i++)
		run_step(f, date, &day[i]);
}

static const struct stats_row *
find_row(const struct stats_day *d, const char *service, enum ticket_kind kind)
{
	for (size_t i = 0; i < d->n_rows; i++)
		if (strcmp(d->rows[i].service, service) == 0 &&
		    d->rows[i].kind == kind)
			return &d->rows[i];
	fail_msg("no row %s/%s", service, ticket_kind_name(kind));
	abort(); /* the compiler does not know fail_msg() returns not */
}

/* What one row should hold. */
struct want_row {
	const char *service;
	enum ticket_kind kind;
	size_t issued, served, no_show, expired, in, out, waiting, called;
	size_t wait_n;
	int64_t wait_mean_ds, wait_p90, wait_max;
	size_t service_n;
	int64_t service_mean_ds;
	size_t on_time, pending, within;
};

/* clang-format off */
static const struct want_row want_rows[] = {
	/* service, kind, issued, served, no_show, expired, transferred in,
	 * out, waiting, called; waits: n, mean (ds), p90, max; service
	 * times: n, mean (ds); on-time bookings, pending, called within 10
	 * minutes of the slot */
	{"A", W, 3, 1, 1, 0, 0, 1, 0, 0, 3, 9200, 1320, 1320, 1, 7200, 0, 0, 0},
	{"A", P, 1, 1, 0, 0, 0, 0, 0, 0, 1, 4800, 480, 480, 1, 2400, 0, 0, 0},
	{"A", AP, 2, 2, 0, 0, 0, 0, 0, 0, 2, 6000, 900, 900, 2, 9000, 1, 0, 1},
	{"B", W, 2, 2, 0, 1, 1, 0, 0, 0, 1, 20400, 2040, 2040, 2, 11400, 0, 0,
	 0},
	{"B", P, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
	{"B", AP, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
};
/* clang-format on */

static void check_row(const struct stats_day *d, const struct want_row *w)
{
	const struct stats_row *r = find_row(d, w->service, w->kind);

	assert_int_equal(r->issued, w->issued);
	assert_int_equal(r->served, w->served);
	assert_int_equal(r->no_show, w->no_show);
	assert_int_equal(r->expired, w->expired);
	assert_int_equal(r->transferred_in, w->in);
	assert_int_equal(r->transferred_out, w->out);
	assert_int_equal(r->waiting, w->waiting);
	assert_int_equal(r->called, w->called);
	assert_int_equal(r->wait.n, w->wait_n);
	assert_int_equal(r->wait.mean_ds, w->wait_mean_ds);
	assert_int_equal(r->wait.p90_s, w->wait_p90);
	assert_int_equal(r->wait.max_s, w->wait_max);
	assert_int_equal(r->service_time.n, w->service_n);
	assert_int_equal(r->service_time.mean_ds, w->service_mean_ds);
	assert_int_equal(r->on_time.bookings, w->on_time);
	assert_int_equal(r->on_time.pending, w->pending);
	assert_int_equal(r->on_time.within, w->within);
	/* Each row balances. */
	assert_int_equal(r->issued + r->transferred_in - r->transferred_out,
			 r->served + r->no_show + r->expired + r->waiting +
				 r->called);
}

static void scripted_day(void **state)
{
	struct fixture *f = *state;
	struct stats_day *d = NULL;
	const char *date = "2026-12-03";

	run_day(f, date);
	assert_int_equal(
		stats_compute(f->stats, date, at(date, "12:00:00"), &d), 0);
	assert_string_equal(d->day, date);
	/* A and B, three kinds each; the information service SC has rows
	 * too (the renderer leaves them out). */
	assert_int_equal(d->n_rows, 9);
	for (size_t i = 0; i < sizeof(want_rows) / sizeof(want_rows[0]); i++)
		check_row(d, &want_rows[i]);

	assert_int_equal(d->totals.issued, 8);
	assert_int_equal(d->totals.served, 6);
	assert_int_equal(d->totals.no_show, 1);
	assert_int_equal(d->totals.expired, 1);
	assert_int_equal(d->totals.waiting, 0);
	assert_int_equal(d->totals.called, 0);

	/* Fairness: walk-in waits 600, 840, 1320, 2040. */
	assert_int_equal(d->kinds[W].wait.n, 4);
	assert_int_equal(d->kinds[W].wait.mean_ds, 12000);
	assert_int_equal(d->kinds[W].wait.p90_s, 2040);
	assert_int_equal(d->kinds[W].wait.max_s, 2040);
	assert_int_equal(d->kinds[W].overtakes, 1);
	assert_int_equal(d->kinds[P].wait.n, 1);
	assert_int_equal(d->kinds[P].wait.mean_ds, 4800);
	assert_int_equal(d->kinds[P].overtakes, 0);
	assert_int_equal(d->kinds[AP].wait.n, 2);
	assert_int_equal(d->kinds[AP].wait.mean_ds, 6000);
	assert_int_equal(d->kinds[AP].wait.p90_s, 900);
	assert_int_equal(d->kinds[AP].wait.max_s, 900);
	assert_int_equal(d->kinds[AP].overtakes, 0);
	assert_int_equal(d->overtakes, 1);
	/* AP1 checked in 08:50 for 09:00, called 09:05; AP2 came late. */
	assert_int_equal(d->on_time.bookings, 1);
	assert_int_equal(d->on_time.pending, 0);
	assert_int_equal(d->on_time.within, 1);
	/* Told against waited, minutes: A1 10/10, A3 20/14 (30%: 6) and B1
	 * 30/34 within; A2 10/22 and P1 0/8 (5 min) longer; B2 never
	 * called. */
	assert_int_equal(d->estimates.told, 5);
	assert_int_equal(d->estimates.within, 3);
	assert_int_equal(d->estimates.longer, 2);
	/* Past the due time: walk-ins max_wait (45 min), B1 the latest at
	 * 2040 s; P1 priority_wait (15 min); AP1 its slot start, called 5
	 * minutes after; AP2 checked in late and is not measured. */
	assert_int_equal(d->kinds[W].late_n, 4);
	assert_int_equal(d->kinds[W].worst_late_s, 2040 - 2700);
	assert_int_equal(d->kinds[P].late_n, 1);
	assert_int_equal(d->kinds[P].worst_late_s, 480 - 900);
	assert_int_equal(d->kinds[AP].late_n, 1);
	assert_int_equal(d->kinds[AP].worst_late_s, 300);

	assert_int_equal(d->calls[REASON_WALK_IN], 5);
	assert_int_equal(d->calls[REASON_PRIORITY], 1);
	assert_int_equal(d->calls[REASON_APPOINTMENT_DUE], 2);
	assert_int_equal(d->calls[REASON_NONE], 0);
	assert_int_equal(d->calls[REASON_STARVATION_GUARD], 0);
	assert_int_equal(d->calls[REASON_INTERLEAVE], 0);
	assert_int_equal(d->calls[REASON_APPOINTMENT_EARLY], 0);

	/*
	 * Counter 1 (A, B), 08:41-09:45: busy 240 + 540 + 600 + 1200; idle
	 * 08:45-08:46 (A2, A3 wait), 08:55-09:05 (B1 waits), 09:20-09:25
	 * (AP2 waits); nothing to do 09:15-09:20.
	 * Counter 2 (A), 08:40-09:40: busy 720 + 780, idle 08:52-08:53 (A2
	 * waits), nothing 09:06-09:10, paused 09:10-09:40.
	 * Counter 3 (B), 08:56-09:50: busy 660 + 1620, idle 09:07-09:08 (B1)
	 * and 09:35-09:50 (B2 waits until it expires at 10:00, after the
	 * counter's last activity).
	 */
	assert_int_equal(d->n_counters, 3);
	assert_string_equal(d->counters[C1].id, "1");
	assert_int_equal(d->counters[C1].first, at(date, "08:41:00"));
	assert_int_equal(d->counters[C1].last, at(date, "09:45:00"));
	assert_int_equal(d->counters[C1].busy_s, 2580);
	assert_int_equal(d->counters[C1].idle_s, 960);
	assert_int_equal(d->counters[C1].paused_s, 0);
	assert_int_equal(d->counters[C2].first, at(date, "08:40:00"));
	assert_int_equal(d->counters[C2].last, at(date, "09:40:00"));
	assert_int_equal(d->counters[C2].busy_s, 1500);
	assert_int_equal(d->counters[C2].idle_s, 60);
	assert_int_equal(d->counters[C2].paused_s, 1800);
	assert_int_equal(d->counters[C3].first, at(date, "08:56:00"));
	assert_int_equal(d->counters[C3].last, at(date, "09:50:00"));
	assert_int_equal(d->counters[C3].busy_s, 2280);
	assert_int_equal(d->counters[C3].idle_s, 960);
	assert_int_equal(d->counters[C3].paused_s, 0);
	stats_day_free(d);

	/* Another day knows nothing of it. */
	assert_int_equal(stats_compute(f->stats, "2026-12-04",
				       at("2026-12-04", "12:00:00"), &d),
			 0);
	assert_int_equal(d->totals.issued, 0);
	assert_int_equal(d->n_rows, 9);
	assert_int_equal(d->counters[C1].first, 0);
	assert_int_equal(d->counters[C1].idle_s, 0);
	assert_int_equal(d->calls[REASON_WALK_IN], 0);
	stats_day_free(d);
}

static void live_figures(void **state)
{
	struct fixture *f = *state;
	struct stats_live *l = NULL;
	const char *date = "2026-12-03";
	/* A's waits 300, 480, 600, 840, 900, 1320; B's 2040 (A3 counts in
	 * A, where it was issued). */
	static const size_t want_a[] = {0, 1, 2, 2, 1, 0, 0, 0};
	static const size_t want_b[] = {0, 0, 0, 0, 0, 1, 0, 0};

	run_day(f, date);
	assert_int_equal(stats_live(f->stats, date, &l), 0);
	assert_int_equal(l->n_services, 3);
	assert_int_equal(l->services[SA].issued[W], 3);
	assert_int_equal(l->services[SA].issued[P], 1);
	assert_int_equal(l->services[SA].issued[AP], 2);
	assert_int_equal(l->services[SB].issued[W], 2);
	assert_int_equal(l->services[SA].served[W], 1);
	assert_int_equal(l->services[SA].served[P], 1);
	assert_int_equal(l->services[SA].served[AP], 2);
	assert_int_equal(l->services[SB].served[W], 2);
	assert_int_equal(l->services[SA].waiting, 0);
	assert_int_equal(l->services[SB].waiting, 0);
	for (size_t b = 0; b <= STATS_WAIT_BUCKETS; b++) {
		assert_int_equal(l->services[SA].wait_bucket[b], want_a[b]);
		assert_int_equal(l->services[SB].wait_bucket[b], want_b[b]);
	}
	assert_int_equal(l->services[SA].wait_count, 6);
	assert_int_equal(l->services[SA].wait_sum_s, 4440);
	assert_int_equal(l->services[SB].wait_count, 1);
	assert_int_equal(l->services[SB].wait_sum_s, 2040);
	stats_live_free(l);
}

/* An on-time booking not called yet is pending until slot start + 10
 * minutes, then it is late. */
static void pending_booking(void **state)
{
	static const struct step steps[] = {
		{"08:50:00", ISSUE, AP1, -1, 0},
		{"08:55:00", ISSUE, A1, -1, 0},
	};
	struct fixture *f = *state;
	struct stats_day *d = NULL;
	struct stats_live *l = NULL;
	const char *date = "2026-12-07";

	for (size_t i = 0; i < 2; i++)
		run_step(f, date, &steps[i]);
	assert_int_equal(
		stats_compute(f->stats, date, at(date, "09:05:00"), &d), 0);
	assert_int_equal(d->on_time.bookings, 1);
	assert_int_equal(d->on_time.pending, 1);
	assert_int_equal(d->on_time.within, 0);
	assert_int_equal(find_row(d, "A", AP)->waiting, 1);
	assert_int_equal(find_row(d, "A", W)->waiting, 1);
	assert_int_equal(d->totals.waiting, 2);
	/* Counter 1 did nothing yet: no idle time however long they wait. */
	assert_int_equal(d->counters[C1].idle_s, 0);
	stats_day_free(d);

	assert_int_equal(
		stats_compute(f->stats, date, at(date, "09:10:01"), &d), 0);
	assert_int_equal(d->on_time.bookings, 1);
	assert_int_equal(d->on_time.pending, 0);
	assert_int_equal(d->on_time.within, 0);
	stats_day_free(d);

	assert_int_equal(stats_live(f->stats, date, &l), 0);
	assert_int_equal(l->services[SA].waiting, 2);
	assert_int_equal(l->services[SA].issued[AP], 1);
	assert_int_equal(l->services[SA].wait_count, 0);
	stats_live_free(l);
}

static void valid_days(void **state)
{
	static const char *const good[] = {"2026-12-03", "2028-02-29",
					   "2000-02-29", "2026-01-31"};
	static const char *const bad[] = {
		"2026-02-29", "1900-02-29", "2026-13-01",  "2026-00-10",
		"2026-04-31", "2026-1-01",  "2026-12-03x", "2026/12/03",
		"",	      "today",	    "2026-12-3",   "1969-12-31",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(stats_valid_day(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(stats_valid_day(bad[i]));
	assert_false(stats_valid_day(NULL));
}

static void report(struct fixture *f, const char *query, const char *accept,
		   struct api_response *ret)
{
	struct api_request req = {
		.method = "GET",
		.path = "/api/v1/stats",
		.query = query,
		.accept = accept,
	};

	memset(ret, 0, sizeof(*ret));
	api_stats_report(f->cfg, f->stats, &req, at("2026-12-03", "12:00:00"),
			 ret);
}

static void csv_and_errors(void **state)
{
	static const char want_csv[] =
		"date,service,kind,issued,served,no_show,expired,"
		"transferred_in,transferred_out,waiting,called,wait_n,"
		"wait_mean_s,wait_p90_s,wait_max_s,service_n,service_mean_s,"
		"on_time_bookings,on_time_pending,called_within_10min,"
		"share_within_10min,returned\r\n"
		"2026-12-03,A,walk_in,3,1,1,0,0,1,0,0,3,920.0,1320,1320,1,"
		"720.0,0,0,0,,0\r\n"
		"2026-12-03,A,priority,1,1,0,0,0,0,0,0,1,480.0,480,480,1,"
		"240.0,0,0,0,,0\r\n"
		"2026-12-03,A,appointment,2,2,0,0,0,0,0,0,2,600.0,900,900,2,"
		"900.0,1,0,1,1.0000,0\r\n"
		"2026-12-03,B,walk_in,2,2,0,1,1,0,0,0,1,2040.0,2040,2040,2,"
		"1140.0,0,0,0,,0\r\n"
		"2026-12-03,B,priority,0,0,0,0,0,0,0,0,0,,,,0,,0,0,0,,0\r\n"
		"2026-12-03,B,appointment,0,0,0,0,0,0,0,0,0,,,,0,,0,0,0,,0\r\n";
	struct fixture *f = *state;
	struct api_response r;

	run_day(f, "2026-12-03");
	report(f, "date=2026-12-03", "text/csv", &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.content_type, "text/csv; charset=utf-8");
	assert_int_equal(r.body_len, strlen(want_csv));
	assert_memory_equal(r.body, want_csv, r.body_len);
	api_response_clear(&r);

	/* Today by default; JSON unless CSV is preferred. */
	report(f, NULL, "application/json, text/csv;q=0.5", &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.content_type, "application/json");
	assert_non_null(strstr(r.body, "\"date\":\"2026-12-03\""));
	assert_non_null(strstr(r.body, "\"totals\":{\"issued\":8,\"served\":6,"
				       "\"no_show\":1,\"returned\":0,\"expired\":1,"
				       "\"waiting\":0,\"called\":0}"));
	assert_non_null(strstr(r.body, "\"wait_mean_s\":920.0,"));
	assert_non_null(strstr(r.body, "\"share_within_10min\":1.0}"));
	assert_null(strstr(r.body, "\"SC\""));
	api_response_clear(&r);

	static const char *const bad[] = {
		"date=2026-02-30",
		"date=",
		"date",
		"date=2026-12-03&date=2026-12-04",
		"day=2026-12-03",
		"date=2026-12-03%00",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		report(f, bad[i], NULL, &r);
		assert_int_equal(r.status, 400);
		assert_non_null(strstr(r.body, "\"bad_request\""));
		api_response_clear(&r);
	}
	report(f, "date=2026%2D12%2D03", "*/*", &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.content_type, "application/json");
	api_response_clear(&r);
}

static void metrics_text(void **state)
{
	struct fixture *f = *state;
	struct api_response r = {0};
	static const char *const want[] = {
		"# TYPE bonomat_office_info gauge\n",
		"\nbonomat_office_info{office=\"default\",name=\"Test\"} "
		"1\n",
		"# TYPE bonomat_tickets_issued_total counter\n",
		"\nbonomat_tickets_issued_total{office=\"default\","
		"service=\"A\",kind=\"walk_in\"} 3\n",
		"\nbonomat_tickets_issued_total{office=\"default\","
		"service=\"B\",kind=\"walk_in\"} 2\n",
		"\nbonomat_tickets_served_total{office=\"default\","
		"service=\"A\",kind=\"appointment\"} 2\n",
		"\nbonomat_tickets_waiting{office=\"default\","
		"service=\"B\"} 0\n",
		"# TYPE bonomat_wait_seconds histogram\n",
		"\nbonomat_wait_seconds_bucket{office=\"default\","
		"service=\"A\",le=\"60\"} 0\n",
		"\nbonomat_wait_seconds_bucket{office=\"default\","
		"service=\"A\",le=\"600\"} 3\n",
		"\nbonomat_wait_seconds_bucket{office=\"default\","
		"service=\"A\",le=\"+Inf\"} 6\n",
		"\nbonomat_wait_seconds_sum{office=\"default\","
		"service=\"A\"} 4440\n",
		"\nbonomat_wait_seconds_count{office=\"default\","
		"service=\"A\"} 6\n",
		"\nbonomat_printer_state{office=\"default\","
		"printer=\"default\",state=\"ok\"} 1\n",
		"\nbonomat_printer_state{office=\"default\","
		"printer=\"default\",state=\"offline\"} 0\n",
	};

	run_day(f, "2026-12-03");
	api_stats_metrics(f->cfg, f->stats, NULL, at("2026-12-03", "12:00:00"),
			  &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.content_type,
			    "text/plain; version=0.0.4; charset=utf-8");
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(r.body, want[i]))
			fail_msg("missing %s in:\n%s", want[i], r.body);
	assert_null(strstr(r.body, "service=\"SC\""));
	api_response_clear(&r);

	/* Without a statistics connection: 503, as JSON. */
	api_stats_metrics(f->cfg, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 503);
	api_response_clear(&r);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The summary (a selection, not a sort) against the nearest ranks of a
 * sorted copy: sizes 1 to 40, runs of equal values, sorted, reversed and
 * shuffled inputs. */
static void summaries(void **state)
{
	uint64_t rng = 42;

	(void)state;
	for (size_t n = 1; n <= 40; n++) {
		for (int shape = 0; shape < 4; shape++) {
			int64_t v[40], sorted[40], sum = 0;
			struct stats_summary s;

			for (size_t i = 0; i < n; i++) {
				rng = rng * 6364136223846793005u + 1442695040888963407u;
				v[i] = shape == 0 ? (int64_t)(rng >> 60) /* few values */
				     : shape == 1 ? (int64_t)i
				     : shape == 2 ? (int64_t)(n - i)
						  : (int64_t)(rng >> 40) % 1000;
				sorted[i] = v[i];
				sum += v[i];
			}
			qsort(sorted, n, sizeof(*sorted), cmp_i64);
			stats_summarize(v, n, &s);
			assert_int_equal(s.n, n);
			/* p50: the ceil(n/2)-th smallest; p90 the ceil(9n/10)-th. */
			assert_int_equal(s.p50_s, sorted[(n + 1) / 2 - 1]);
			assert_int_equal(s.p90_s, sorted[(9 * n + 9) / 10 - 1]);
			assert_int_equal(s.max_s, sorted[n - 1]);
			assert_int_equal(s.mean_ds,
					 (sum * 10 + (int64_t)n / 2) / (int64_t)n);
		}
	}
	{
		/* Hand-worked: 5 waits of the period test. */
		int64_t v[] = {60, 120, 300, 600, 240};
		struct stats_summary s;

		stats_summarize(v, 5, &s);
		assert_int_equal(s.p50_s, 240);
		assert_int_equal(s.p90_s, 600);
		assert_int_equal(s.mean_ds, 2640);
	}
}

/* Values grouped by key, the keys past n_keys left out, every key a
 * summary (empty ones zeroed). */
static void summaries_by_key(void **state)
{
	const size_t keys[] = {1, 0, 1, SIZE_MAX, 1, 0};
	const int64_t vals[] = {10, 5, 30, 999, 20, 7};
	struct stats_summary out[3];

	(void)state;
	memset(out, 0xff, sizeof(out));
	assert_int_equal(stats_summarize_by(keys, vals, 6, 3, out,
					    sizeof(out[0])),
			 0);
	assert_int_equal(out[0].n, 2);
	assert_int_equal(out[0].p50_s, 5);
	assert_int_equal(out[0].max_s, 7);
	assert_int_equal(out[1].n, 3);
	assert_int_equal(out[1].p50_s, 20);
	assert_int_equal(out[1].p90_s, 30);
	assert_int_equal(out[1].mean_ds, 200);
	assert_int_equal(out[2].n, 0);
	assert_int_equal(out[2].max_s, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(scripted_day, setup, teardown),
		cmocka_unit_test_setup_teardown(live_figures, setup, teardown),
		cmocka_unit_test_setup_teardown(pending_booking, setup,
						teardown),
		cmocka_unit_test(valid_days),
		cmocka_unit_test(summaries),
		cmocka_unit_test(summaries_by_key),
		cmocka_unit_test_setup_teardown(csv_and_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(metrics_text, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
