#include "stats.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "db.h"
#include "stats_internal.h"

const int64_t stats_wait_bounds[STATS_WAIT_BUCKETS] = {
	60, 300, 600, 900, 1800, 2700, 3600,
};

enum stmt_id {
	ST_BEGIN,
	ST_END,
	ST_ROLLBACK,
	ST_TICKETS,
	ST_EVENTS,
	ST_CALLS,
	ST_COUNT,
};

static const char *const stmt_sql[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN",
	[ST_END] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	/* By the tickets_day index (schema 6), already in id order. */
	[ST_TICKETS] =
		"SELECT id, service, kind, state, issued_at,"
		" coalesce(slot_start, 0), coalesce(estimate, -1) FROM tickets"
		" WHERE day = ?1 ORDER BY id",
	/* The day's events by the events_day index (schema 6); a report
	 * asked for now and then, not a scrape every few seconds. */
	[ST_EVENTS] = "SELECT at, type, coalesce(ticket, 0), service, counter,"
		      " reason FROM events WHERE day = ?1 ORDER BY id",
	/* Served by the partial index events_calls. */
	[ST_CALLS] = "SELECT ticket, service, at FROM events"
		     " WHERE day = ?1 AND type = " EVENT_CALLED_SQL
		     " AND ticket IS NOT NULL ORDER BY id",
};

struct stats {
	const struct config *cfg;
	sqlite3 *db;
	sqlite3_stmt *st[ST_COUNT];
	pthread_mutex_t lock;
};

void stats_close(struct stats *s)
{
	if (!s)
		return;
	db_finalize_all(s->st, ST_COUNT);
	(void)sqlite3_close_v2(s->db);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

void stats_set_config(struct stats *s, const struct config *cfg)
{
	if (s)
		s->cfg = cfg;
}

int stats_open(const char *path, const struct config *cfg, struct stats **ret)
{
	struct stats *s;
	int64_t version = 0;
	int rc, r;

	if (!path || !cfg || !ret)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->cfg = cfg;
	pthread_mutex_init(&s->lock, NULL);
	rc = sqlite3_open_v2(path, &s->db,
			     SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_busy_timeout(s->db, DB_BUSY_TIMEOUT_MS);
	if (rc != SQLITE_OK) {
		r = db_errno(s->db, rc);
		goto fail;
	}
	r = db_query_one(s->db, "PRAGMA user_version", NULL, 0, &version);
	if (r < 0)
		goto fail;
	if (version < 1) {
		r = -ENOENT; /* not a database the store has set up */
		goto fail;
	}
	r = db_prepare_all(s->db, stmt_sql, ST_COUNT, s->st);
	if (r < 0)
		goto fail;
	*ret = s;
	return 0;
fail:
	stats_close(s);
	return r;
}

static int days_in_month(int y, int m)
{
	static const int dm[] = {31, 28, 31, 30, 31, 30,
				 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dm[m - 1];
}

static bool parse_day(const char *day, int *ret_y, int *ret_m, int *ret_d)
{
	static const char pattern[] = "dddd-dd-dd";
	int v[3] = {0, 0, 0}, part = 0;

	if (!day || strnlen(day, sizeof(pattern)) != sizeof(pattern) - 1)
		return false;
	for (size_t i = 0; i < sizeof(pattern) - 1; i++) {
		if (pattern[i] != 'd') {
			if (day[i] != pattern[i])
				return false;
			part++;
			continue;
		}
		if (day[i] < '0' || day[i] > '9')
			return false;
		v[part] = v[part] * 10 + (day[i] - '0');
	}
	if (v[0] < 1970 || v[1] < 1 || v[1] > 12 || v[2] < 1 ||
	    v[2] > days_in_month(v[0], v[1]))
		return false;
	*ret_y = v[0];
	*ret_m = v[1];
	*ret_d = v[2];
	return true;
}

bool stats_valid_day(const char *day)
{
	int y, m, d;

	return parse_day(day, &y, &m, &d);
}

/* The local day as [start, end): midnight to the next midnight, which
 * DST may make 23 or 25 hours apart. */
static int day_bounds(const char *day, int64_t *ret_start, int64_t *ret_end)
{
	struct tm tm;
	time_t start, end;
	int y, m, d;

	if (!parse_day(day, &y, &m, &d))
		return -EINVAL;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_isdst = -1;
	start = mktime(&tm);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d + 1;
	tm.tm_isdst = -1;
	end = mktime(&tm);
	if (start == (time_t)-1 || end == (time_t)-1 || end <= start)
		return -EINVAL;
	*ret_start = (int64_t)start;
	*ret_end = (int64_t)end;
	return 0;
}

static int begin_read(struct stats *s)
{
	return db_exec(s->st[ST_BEGIN]);
}

static void end_read(struct stats *s)
{
	if (db_exec(s->st[ST_END]) < 0 && !sqlite3_get_autocommit(s->db))
		(void)db_exec(s->st[ST_ROLLBACK]);
}

static int64_t wait_of(int64_t issued_at, int64_t called_at)
{
	return called_at > issued_at ? called_at - issued_at : 0;
}

/* The k-th smallest of v[0..n) (k < n), found by Hoare's selection
 * (Wirth's form, which copes with runs of equal values); v is reordered so
 * that no value before k is larger and none after it smaller. A period's
 * report summarizes hundreds of thousands of waits: no full sort. */
static int64_t kth_smallest(int64_t *v, size_t n, size_t k)
{
	ptrdiff_t l = 0, m = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;

	while (l < m) {
		int64_t x = v[kk];
		ptrdiff_t i = l, j = m;

		do {
			while (v[i] < x)
				i++;
			while (x < v[j])
				j--;
			if (i <= j) {
				int64_t tmp = v[i];

				v[i++] = v[j];
				v[j--] = tmp;
			}
		} while (i <= j);
		if (j < kk)
			l = i;
		if (kk < i)
			m = j;
	}
	return v[kk];
}

/* Summarizes v, reordering it. */
void stats_summarize(int64_t *v, size_t n, struct stats_summary *ret)
{
	struct stats_summary s = {.n = n};
	size_t k50 = (n + 1) / 2 - 1, k90 = (9 * n + 9) / 10 - 1;
	int64_t sum = 0;

	if (n > 0) {
		s.max_s = v[0];
		for (size_t i = 0; i < n; i++) {
			sum += v[i];
			if (v[i] > s.max_s)
				s.max_s = v[i];
		}
		s.mean_ds = (sum * 10 + (int64_t)n / 2) / (int64_t)n;
		/* Ranks ceil(0.5 n) and ceil(0.9 n); the second is at or
		 * after the first, among the values no smaller. */
		s.p50_s = kth_smallest(v, n, k50);
		s.p90_s = kth_smallest(v + k50, n - k50, k90 - k50);
	}
	*ret = s;
}

int stats_summarize_by(const size_t *keys, const int64_t *vals, size_t n,
		       size_t n_keys, void *out, size_t stride)
{
	size_t *start = calloc(n_keys + 1, sizeof(*start));
	int64_t *v = malloc((n ? n : 1) * sizeof(*v));
	int r = 0;

	if (!start || !v) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (keys[i] < n_keys)
			start[keys[i] + 1]++;
	for (size_t k = 0; k < n_keys; k++)
		start[k + 1] += start[k];
	for (size_t i = 0; i < n; i++)
		if (keys[i] < n_keys)
			v[start[keys[i]]++] = vals[i];
	/* start[k] is now where key k + 1 begins. */
	for (size_t k = 0; k < n_keys; k++) {
		size_t from = k ? start[k - 1] : 0;

		stats_summarize(v + from, start[k] - from,
				(struct stats_summary *)((char *)out +
							 k * stride));
	}
out:
	free(start);
	free(v);
	return r;
}

/* --- one day from the event log ------------------------------------------ */

enum tk_state {
	TK_UNSEEN, /* no event about it read yet */
	TK_WAITING,
	TK_CALLED,
	TK_DONE,
};

struct tk {
	int64_t id;
	int64_t issued_at, slot_start;
	enum ticket_kind kind;
	enum ticket_state table_state;
	/* Service slots: the row's, where it was issued (its first event),
	 * where it is now. */
	int svc_table, svc_issue, svc_now;
	enum tk_state state;
	int counter; /* config index while called, else -1 */
	/* 0 when never called. */
	int64_t first_call, last_call;
	/* Last call to served; -1 when not measured. */
	int64_t service_s;
	int estimate; /* minutes told at issue, -1 when none */
};

struct ev {
	int64_t at;
	int64_t ticket;
	int type;    /* enum event_type, -1 for a name this build lacks */
	int svc;     /* service slot, -1 when none */
	int counter; /* config index, -1 when none or unknown */
	enum call_reason reason;
	int tk; /* index into the day's tickets, -1 when none */
};

/* Where a counter's time goes; see sweep(). */
enum use {
	USE_PAUSED,
	USE_BUSY,
	USE_IDLE,
	USE_FREE,
	USE_COUNT,
};

struct ctr {
	bool started, paused, pause_seen;
	int current; /* index of its called ticket, -1 when none */
	int64_t pending[USE_COUNT]; /* since its latest activity */
	int64_t total[USE_COUNT];   /* up to its latest activity */
};

struct day_ctx {
	const struct config *cfg;
	struct stats_day *d;
	int64_t day_start, day_end;
	struct tk *tks;
	size_t n_tks, cap_tks;
	struct ev *evs;
	size_t n_evs, cap_evs;
	/* Service slots: the configured services, then extra_ids. */
	size_t n_slots;
	size_t *waiting;       /* per slot */
	uint64_t waiting_mask; /* configured services with a waiting ticket */
	struct ctr *ctrs;
	bool period; /* part of a period: no overtakes (quadratic) */
};

static int cmp_tk_id(const void *key, const void *elem)
{
	int64_t id = *(const int64_t *)key;
	const struct tk *t = elem;

	return id < t->id ? -1 : id > t->id;
}

static int find_tk(const struct tk *tks, size_t n, int64_t id)
{
	const struct tk *t;

	if (id <= 0 || n == 0)
		return -1;
	t = bsearch(&id, tks, n, sizeof(*tks), cmp_tk_id);
	return t ? (int)(t - tks) : -1;
}

int stats_slot_of(const struct config *cfg, char ***extra_ids,
		  size_t *n_extra, const char *id, int *ret)
{
	char **ids, *copy;
	int i = config_service_index(cfg, id);

	if (i >= 0) {
		*ret = i;
		return 0;
	}
	for (size_t k = 0; k < *n_extra; k++) {
		if (strcmp((*extra_ids)[k], id) == 0) {
			*ret = (int)(cfg->n_services + k);
			return 0;
		}
	}
	if (*n_extra >= (size_t)INT_MAX - cfg->n_services)
		return -ERANGE;
	copy = strdup(id);
	if (!copy)
		return -ENOMEM;
	ids = realloc(*extra_ids, (*n_extra + 1) * sizeof(*ids));
	if (!ids) {
		free(copy);
		return -ENOMEM;
	}
	ids[*n_extra] = copy;
	*extra_ids = ids;
	*ret = (int)(cfg->n_services + *n_extra);
	(*n_extra)++;
	return 0;
}

/* The day's slot of a service id; -1 for NULL. */
static int slot_of(struct day_ctx *x, const char *id, int *ret)
{
	if (!id) {
		*ret = -1;
		return 0;
	}
	return stats_slot_of(x->cfg, &x->d->extra_ids, &x->d->n_extra, id,
			     ret);
}

/* Runs one of the per-day queries (?1 the day), fn on each row. */
static int each_row_of_day(struct stats *s, enum stmt_id id, const char *day,
			   int (*fn)(sqlite3_stmt *st, void *userdata),
			   void *userdata)
{
	sqlite3_stmt *st = s->st[id];
	int r = db_bind_text(st, 1, day);

	if (r < 0) {
		db_finish(st);
		return r;
	}
	return db_each_row(st, fn, userdata);
}

static int ticket_row(sqlite3_stmt *st, void *userdata)
{
	struct day_ctx *x = userdata;
	struct tk *t;
	int r;

	/* Tickets are found by int index (struct ev). */
	r = array_reserve(&x->tks, &x->cap_tks, x->n_tks + 1, sizeof(*x->tks),
			  256, INT_MAX);
	if (r < 0)
		return r == -E2BIG ? -ERANGE : r;
	t = &x->tks[x->n_tks];
	memset(t, 0, sizeof(*t));
	t->id = sqlite3_column_int64(st, 0);
	r = slot_of(x, db_column_text(st, 1), &t->svc_table);
	if (r < 0)
		return r;
	if (t->svc_table < 0 ||
	    ticket_kind_parse(db_column_text(st, 2), &t->kind) < 0 ||
	    ticket_state_parse(db_column_text(st, 3), &t->table_state) < 0)
		return -EIO; /* the schema's checks forbid this */
	t->issued_at = sqlite3_column_int64(st, 4);
	t->slot_start = sqlite3_column_int64(st, 5);
	t->estimate = sqlite3_column_int(st, 6);
	t->svc_issue = t->svc_now = t->svc_table;
	t->counter = -1;
	t->service_s = -1;
	x->n_tks++;
	return 0;
}

static int load_tickets(struct stats *s, struct day_ctx *x)
{
	return each_row_of_day(s, ST_TICKETS, x->d->day, ticket_row, x);
}

/* A type this build does not know (written by a newer one) still moves
 * the clock and marks the counter's activity; it changes nothing else. */
static int ev_type_of(const char *name)
{
	enum event_type t;

	return event_type_parse(name, &t) < 0 ? -1 : (int)t;
}

static int event_row(sqlite3_stmt *st, void *userdata)
{
	struct day_ctx *x = userdata;
	const char *v;
	struct ev *e;
	int r;

	r = array_reserve(&x->evs, &x->cap_evs, x->n_evs + 1, sizeof(*x->evs),
			  1024, SIZE_MAX / sizeof(*x->evs));
	if (r < 0)
		return r;
	e = &x->evs[x->n_evs];
	memset(e, 0, sizeof(*e));
	e->at = sqlite3_column_int64(st, 0);
	e->type = ev_type_of(db_column_text(st, 1));
	e->ticket = sqlite3_column_int64(st, 2);
	r = slot_of(x, db_column_text(st, 3), &e->svc);
	if (r < 0)
		return r;
	v = db_column_text(st, 4);
	e->counter = v ? config_counter_index(x->cfg, v) : -1;
	if (call_reason_parse(db_column_text(st, 5), &e->reason) < 0)
		e->reason = REASON_NONE;
	e->tk = find_tk(x->tks, x->n_tks, e->ticket);
	x->n_evs++;
	return 0;
}

static int load_events(struct stats *s, struct day_ctx *x)
{
	return each_row_of_day(s, ST_EVENTS, x->d->day, event_row, x);
}

static struct stats_row *row(struct day_ctx *x, int slot, enum ticket_kind k)
{
	return &x->d->rows[(size_t)slot * STATS_KINDS + (size_t)k];
}

static uint64_t slot_bit(const struct day_ctx *x, int slot)
{
	if (slot < 0 || (size_t)slot >= x->cfg->n_services || slot >= 64)
		return 0;
	return UINT64_C(1) << slot;
}

static void set_waiting(struct day_ctx *x, struct tk *t)
{
	t->state = TK_WAITING;
	if (x->waiting[t->svc_now]++ == 0)
		x->waiting_mask |= slot_bit(x, t->svc_now);
}

static void leave_waiting(struct day_ctx *x, struct tk *t)
{
	if (t->state != TK_WAITING)
		return;
	if (--x->waiting[t->svc_now] == 0)
		x->waiting_mask &= ~slot_bit(x, t->svc_now);
}

/* Frees t's counter, when it has one. */
static void release(struct day_ctx *x, struct tk *t)
{
	if (t->state == TK_CALLED && t->counter >= 0 &&
	    x->ctrs[t->counter].current == (int)(t - x->tks))
		x->ctrs[t->counter].current = -1;
	t->counter = -1;
}

/* Whether a, waiting, comes before b in their class's order: the queue's
 * (appointments by slot start, then everyone by issue time, then id). */
static bool before(const struct tk *a, const struct tk *b)
{
	if (a->kind == TICKET_APPOINTMENT && a->slot_start != b->slot_start)
		return a->slot_start < b->slot_start;
	if (a->issued_at != b->issued_at)
		return a->issued_at < b->issued_at;
	return a->id < b->id;
}

/*
 * An overtake within a class: counter c calls t while another ticket of the
 * same kind waits in the same service, a service c serves, and comes
 * before t in the class's order. Each such call counts once however many
 * it passes over. The policy never does this; a count above zero points
 * at a bug or a clerk working around the system.
 */
static bool overtakes(const struct day_ctx *x, const struct tk *t, int c)
{
	uint64_t bit = slot_bit(x, t->svc_now);

	if (c >= 0 && bit && !(x->cfg->counters[c].services & bit))
		return false;
	for (size_t i = 0; i < x->n_tks; i++) {
		const struct tk *o = &x->tks[i];

		if (o != t && o->state == TK_WAITING &&
		    o->svc_now == t->svc_now && o->kind == t->kind &&
		    before(o, t))
			return true;
	}
	return false;
}

static void apply(struct day_ctx *x, const struct ev *e)
{
	struct stats_day *d = x->d;
	struct tk *t = e->tk >= 0 ? &x->tks[e->tk] : NULL;
	int to;

	if (e->type == EVENT_CALLED)
		d->calls[e->reason]++;
	if (e->type == EVENT_PAUSED && e->counter >= 0)
		x->ctrs[e->counter].paused = true;
	if (e->type == EVENT_RESUMED && e->counter >= 0)
		x->ctrs[e->counter].paused = false;
	if (!t)
		return;
	if (t->state == TK_UNSEEN) {
		/* Its first event (issued, or whatever a check-in writes)
		 * says where it was issued. */
		if (e->svc >= 0)
			t->svc_issue = t->svc_now = e->svc;
		set_waiting(x, t);
	}
	switch (e->type) {
	case EVENT_CALLED:
		if (!x->period && t->state == TK_WAITING &&
		    overtakes(x, t, e->counter)) {
			d->kinds[t->kind].overtakes++;
			d->overtakes++;
		}
		row(x, t->svc_now, t->kind)->calls[e->reason]++;
		leave_waiting(x, t);
		release(x, t);
		t->state = TK_CALLED;
		t->counter = e->counter;
		if (e->counter >= 0)
			x->ctrs[e->counter].current = e->tk;
		if (t->first_call == 0)
			t->first_call = e->at;
		t->last_call = e->at;
		break;
	case EVENT_SERVED:
	case EVENT_NO_SHOW:
	case EVENT_CANCELLED: /* the citizen left: a no-show */
	case EVENT_EXPIRED:
		if (t->state == TK_DONE)
			break;
		leave_waiting(x, t);
		release(x, t);
		t->state = TK_DONE;
		if (e->type == EVENT_SERVED) {
			row(x, t->svc_now, t->kind)->served++;
			/* Tickets still called when the day was closed are
			 * served the next morning: no service time. */
			if (t->last_call && e->at >= t->last_call &&
			    e->at < x->day_end)
				t->service_s = e->at - t->last_call;
		} else if (e->type == EVENT_NO_SHOW ||
			   e->type == EVENT_CANCELLED) {
			row(x, t->svc_now, t->kind)->no_show++;
		} else {
			row(x, t->svc_now, t->kind)->expired++;
		}
		break;
	case EVENT_RETURNED:
		/* A no-show waits again: it is no longer counted as one. */
		if (t->state != TK_DONE)
			break;
		if (row(x, t->svc_now, t->kind)->no_show > 0)
			row(x, t->svc_now, t->kind)->no_show--;
		row(x, t->svc_now, t->kind)->returned++;
		set_waiting(x, t);
		break;
	case EVENT_TRANSFERRED:
		if (t->state == TK_DONE)
			break;
		to = e->svc >= 0 ? e->svc : t->svc_now;
		leave_waiting(x, t);
		release(x, t);
		row(x, t->svc_now, t->kind)->transferred_out++;
		row(x, to, t->kind)->transferred_in++;
		t->svc_now = to;
		set_waiting(x, t);
		break;
	default:
		break;
	}
}

/*
 * Counters' time. Between two consecutive events of the day's log a
 * counter is in one state, taken in this order:
 *   paused: after a 'paused' event and before the next 'resumed' (a day
 *           whose first such event is 'resumed' starts paused);
 *   busy:   it has a called ticket (from the 'called' event to the
 *           ticket's 'served', 'no_show', 'expired' or 'transferred');
 *   idle:   neither, while a ticket of one of the services the config
 *           gives it waits (issued or transferred in, not yet called);
 *   free:   neither, and nothing waits that it could call.
 * Only the span from the counter's first to its last activity of the day
 * counts (an event naming it, or the transfer of its ticket, stamped
 * within the local day), so that opening late or leaving early is not
 * idleness. idle_s is the time in the third state; busy_s and paused_s are
 * reported beside it.
 */
static void sweep(struct day_ctx *x, int64_t dt)
{
	for (size_t c = 0; c < x->cfg->n_counters; c++) {
		struct ctr *k = &x->ctrs[c];
		enum use u;

		if (!k->started || dt <= 0)
			continue;
		if (k->paused)
			u = USE_PAUSED;
		else if (k->current >= 0)
			u = USE_BUSY;
		else if (x->waiting_mask & x->cfg->counters[c].services)
			u = USE_IDLE;
		else
			u = USE_FREE;
		k->pending[u] += dt;
	}
}

static void activity(struct day_ctx *x, int c, int64_t at)
{
	struct stats_counter *sc;
	struct ctr *k;

	if (c < 0 || at < x->day_start || at >= x->day_end)
		return;
	sc = &x->d->counters[c];
	k = &x->ctrs[c];
	if (!k->started) {
		k->started = true;
		sc->first = at;
	}
	sc->last = at;
	for (size_t u = 0; u < USE_COUNT; u++) {
		k->total[u] += k->pending[u];
		k->pending[u] = 0;
	}
}

static void replay(struct day_ctx *x)
{
	int64_t clock = x->n_evs ? x->evs[0].at : 0;

	/* A counter whose first pause event of the day is 'resumed' was
	 * paused since an earlier day. */
	for (size_t i = 0; i < x->n_evs; i++) {
		const struct ev *e = &x->evs[i];
		struct ctr *k;

		if (e->counter < 0 ||
		    (e->type != EVENT_PAUSED && e->type != EVENT_RESUMED))
			continue;
		k = &x->ctrs[e->counter];
		if (!k->pause_seen) {
			k->pause_seen = true;
			k->paused = e->type == EVENT_RESUMED;
		}
	}

	for (size_t i = 0; i < x->n_evs; i++) {
		const struct ev *e = &x->evs[i];
		int c = e->counter;

		/* The log is in commit order; a clock set back must not
		 * count time twice. */
		if (e->at > clock) {
			sweep(x, e->at - clock);
			clock = e->at;
		}
		if (c < 0 && e->type == EVENT_TRANSFERRED && e->tk >= 0 &&
		    x->tks[e->tk].state == TK_CALLED)
			c = x->tks[e->tk].counter;
		apply(x, e);
		if (c >= 0)
			activity(x, c, e->at);
	}
	for (size_t c = 0; c < x->cfg->n_counters; c++) {
		struct stats_counter *sc = &x->d->counters[c];

		sc->busy_s = x->ctrs[c].total[USE_BUSY];
		sc->paused_s = x->ctrs[c].total[USE_PAUSED];
		sc->idle_s = x->ctrs[c].total[USE_IDLE];
	}
}

static void count_on_time(struct day_ctx *x, const struct tk *t)
{
	struct stats_on_time *r = &row(x, t->svc_issue, t->kind)->on_time;
	struct stats_on_time *all = &x->d->on_time;
	int64_t deadline = t->slot_start + STATS_SLOT_GRACE_S;

	if (t->kind != TICKET_APPOINTMENT || t->slot_start <= 0 ||
	    t->issued_at > t->slot_start)
		return;
	r->bookings++;
	all->bookings++;
	if (t->first_call != 0 && t->first_call <= deadline) {
		r->within++;
		all->within++;
	} else if (t->first_call == 0 && t->state == TK_WAITING &&
		   x->d->now < deadline) {
		r->pending++;
		all->pending++;
	}
}

/* The estimate told at issue against the first call. */
static void count_estimate(struct day_ctx *x, const struct tk *t)
{
	struct stats_estimates *e = &x->d->estimates;
	int64_t est, tol, wait;

	if (t->estimate < 0 || !t->first_call)
		return;
	est = (int64_t)t->estimate * 60;
	tol = est * 3 / 10 > 300 ? est * 3 / 10 : 300;
	wait = wait_of(t->issued_at, t->first_call);
	e->told++;
	if (wait >= est - tol && wait <= est + tol)
		e->within++;
	else if (wait > est + tol)
		e->longer++;
}

/* How far past its due time t was called, or is, still waiting, now. */
static void count_late(struct day_ctx *x, const struct tk *t)
{
	struct stats_kind *k = &x->d->kinds[t->kind];
	int64_t at = t->first_call	    ? t->first_call :
		     t->state == TK_WAITING ? x->d->now :
					      0;
	int64_t due, late;

	if (!at)
		return;
	switch (t->kind) {
	case TICKET_APPOINTMENT:
		if (t->slot_start <= 0 || t->issued_at > t->slot_start)
			return; /* the promise is to those on time */
		due = t->slot_start;
		break;
	case TICKET_PRIORITY:
		due = t->issued_at + (int64_t)x->cfg->policy.priority_wait * 60;
		break;
	default:
		due = t->issued_at + (int64_t)x->cfg->policy.max_wait * 60;
		break;
	}
	late = at - due;
	if (k->late_n++ == 0 || late > k->worst_late_s)
		k->worst_late_s = late;
}

/* Tickets no event mentions (none in a sound log) count as their row. */
static void count_unseen(struct day_ctx *x, struct tk *t)
{
	struct stats_row *r = row(x, t->svc_table, t->kind);

	switch (t->table_state) {
	case TICKET_WAITING:
		t->state = TK_WAITING;
		break;
	case TICKET_CALLED:
		t->state = TK_CALLED;
		break;
	case TICKET_SERVED:
		r->served++;
		t->state = TK_DONE;
		break;
	case TICKET_NO_SHOW:
		r->no_show++;
		t->state = TK_DONE;
		break;
	case TICKET_EXPIRED:
		r->expired++;
		t->state = TK_DONE;
		break;
	}
}

static int tally(struct day_ctx *x)
{
	struct stats_day *d = x->d;
	size_t *keys = NULL;
	int64_t *v = NULL;
	int r;

	for (size_t i = 0; i < x->n_tks; i++) {
		struct tk *t = &x->tks[i];
		struct stats_row *now;

		if (t->state == TK_UNSEEN)
			count_unseen(x, t);
		row(x, t->svc_issue, t->kind)->issued++;
		now = row(x, t->svc_now, t->kind);
		if (t->state == TK_WAITING)
			now->waiting++;
		else if (t->state == TK_CALLED)
			now->called++;
		count_on_time(x, t);
		count_estimate(x, t);
		count_late(x, t);
	}

	keys = malloc((x->n_tks ? x->n_tks : 1) * sizeof(*keys));
	v = malloc((x->n_tks ? x->n_tks : 1) * sizeof(*v));
	if (!keys || !v) {
		r = -ENOMEM;
		goto out;
	}
	/* Waits by kind, then by the row where issued; service times by
	 * the row where the ticket is. */
	for (size_t i = 0; i < x->n_tks; i++) {
		const struct tk *t = &x->tks[i];

		keys[i] = t->first_call ? (size_t)t->kind : SIZE_MAX;
		v[i] = wait_of(t->issued_at, t->first_call);
	}
	r = stats_summarize_by(keys, v, x->n_tks, STATS_KINDS, &d->kinds[0].wait,
			       sizeof(d->kinds[0]));
	for (size_t i = 0; r == 0 && i < x->n_tks; i++) {
		const struct tk *t = &x->tks[i];

		if (t->first_call)
			keys[i] = (size_t)t->svc_issue * STATS_KINDS +
				  (size_t)t->kind;
	}
	if (r == 0)
		r = stats_summarize_by(keys, v, x->n_tks, d->n_rows,
				       &d->rows[0].wait, sizeof(d->rows[0]));
	for (size_t i = 0; r == 0 && i < x->n_tks; i++) {
		const struct tk *t = &x->tks[i];

		keys[i] = t->service_s >= 0 ? (size_t)t->svc_now * STATS_KINDS +
						      (size_t)t->kind :
					      SIZE_MAX;
		v[i] = t->service_s;
	}
	if (r == 0)
		r = stats_summarize_by(keys, v, x->n_tks, d->n_rows,
				       &d->rows[0].service_time,
				       sizeof(d->rows[0]));
	for (size_t ri = 0; ri < d->n_rows; ri++) {
		const struct stats_row *rw = &d->rows[ri];

		d->totals.issued += rw->issued;
		d->totals.served += rw->served;
		d->totals.no_show += rw->no_show;
		d->totals.returned += rw->returned;
		d->totals.expired += rw->expired;
		d->totals.waiting += rw->waiting;
		d->totals.called += rw->called;
	}
out:
	free(keys);
	free(v);
	return r;
}

void stats_day_free(struct stats_day *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n_extra; i++)
		free(d->extra_ids[i]);
	free(d->extra_ids);
	free(d->rows);
	free(d->counters);
	free(d);
}

static int setup_rows(struct day_ctx *x)
{
	const struct config *cfg = x->cfg;
	struct stats_day *d = x->d;

	x->n_slots = cfg->n_services + d->n_extra;
	d->n_rows = x->n_slots * STATS_KINDS;
	d->rows = calloc(d->n_rows ? d->n_rows : 1, sizeof(*d->rows));
	x->waiting = calloc(x->n_slots ? x->n_slots : 1, sizeof(*x->waiting));
	d->counters = calloc(cfg->n_counters ? cfg->n_counters : 1,
			     sizeof(*d->counters));
	x->ctrs =
		calloc(cfg->n_counters ? cfg->n_counters : 1, sizeof(*x->ctrs));
	if (!d->rows || !x->waiting || !d->counters || !x->ctrs)
		return -ENOMEM;
	d->n_counters = cfg->n_counters;
	for (size_t i = 0; i < d->n_rows; i++) {
		size_t slot = i / STATS_KINDS;

		d->rows[i].service =
			slot < cfg->n_services ?
				cfg->services[slot].id :
				d->extra_ids[slot - cfg->n_services];
		d->rows[i].kind = (enum ticket_kind)(i % STATS_KINDS);
	}
	for (size_t c = 0; c < cfg->n_counters; c++) {
		d->counters[c].id = cfg->counters[c].id;
		x->ctrs[c].current = -1;
	}
	return 0;
}

/* Hands the day's tickets over as the period pools them. */
static int export_tickets(const struct day_ctx *x, struct stats_ticket **ret,
			  size_t *ret_n)
{
	struct stats_ticket *v;

	v = calloc(x->n_tks ? x->n_tks : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < x->n_tks; i++) {
		const struct tk *t = &x->tks[i];

		v[i].svc_issue = t->svc_issue;
		v[i].svc_now = t->svc_now;
		v[i].kind = t->kind;
		v[i].issued_at = t->issued_at;
		v[i].wait_s = t->first_call ?
				      wait_of(t->issued_at, t->first_call) :
				      -1;
		v[i].service_s = t->service_s;
	}
	*ret = v;
	*ret_n = x->n_tks;
	return 0;
}

int stats_read_begin(struct stats *s)
{
	int r;

	pthread_mutex_lock(&s->lock);
	r = begin_read(s);
	if (r < 0)
		pthread_mutex_unlock(&s->lock);
	return r;
}

void stats_read_end(struct stats *s)
{
	end_read(s);
	pthread_mutex_unlock(&s->lock);
}

const struct config *stats_config(const struct stats *s)
{
	return s->cfg;
}

int stats_compute_locked(struct stats *s, const char *day, int64_t now,
			 struct stats_ticket **ret_tks, size_t *ret_n,
			 struct stats_day **ret)
{
	struct day_ctx x = {.cfg = s->cfg, .period = ret_tks != NULL};
	struct stats_day *d;
	int r;

	if (!stats_valid_day(day))
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	memcpy(d->day, day, sizeof(d->day));
	d->now = now;
	x.d = d;
	r = day_bounds(day, &x.day_start, &x.day_end);
	if (r == 0)
		r = load_tickets(s, &x);
	if (r == 0)
		r = load_events(s, &x);
	if (r == 0)
		r = setup_rows(&x);
	if (r < 0)
		goto out;
	replay(&x);
	r = tally(&x);
	if (r == 0 && ret_tks)
		r = export_tickets(&x, ret_tks, ret_n);
out:
	free(x.tks);
	free(x.evs);
	free(x.waiting);
	free(x.ctrs);
	if (r < 0) {
		stats_day_free(d);
		return r;
	}
	*ret = d;
	return 0;
}

int stats_compute(struct stats *s, const char *day, int64_t now,
		  struct stats_day **ret)
{
	int r;

	if (!s || !ret || !stats_valid_day(day))
		return -EINVAL;
	r = stats_read_begin(s);
	if (r < 0)
		return r;
	r = stats_compute_locked(s, day, now, NULL, NULL, ret);
	stats_read_end(s);
	return r;
}

/* --- today's figures for GET /metrics ------------------------------------ */

struct live_tk {
	int64_t id;
	int service; /* config index of the row, -1 when not configured */
	enum ticket_kind kind;
	enum ticket_state state;
	int64_t issued_at;
	int first_service; /* where it was first called, -1 before */
	int64_t first_call;
};

static int cmp_live_id(const void *key, const void *elem)
{
	int64_t id = *(const int64_t *)key;
	const struct live_tk *t = elem;

	return id < t->id ? -1 : id > t->id;
}

struct live_ctx {
	const struct config *cfg;
	struct live_tk *tks;
	size_t n, cap;
};

static int live_ticket_row(sqlite3_stmt *st, void *userdata)
{
	struct live_ctx *l = userdata;
	struct live_tk *t;
	const char *v;
	int r;

	r = array_reserve(&l->tks, &l->cap, l->n + 1, sizeof(*l->tks), 256,
			  SIZE_MAX / sizeof(*l->tks));
	if (r < 0)
		return r;
	t = &l->tks[l->n];
	t->id = sqlite3_column_int64(st, 0);
	v = db_column_text(st, 1);
	t->service = v ? config_service_index(l->cfg, v) : -1;
	if (ticket_kind_parse(db_column_text(st, 2), &t->kind) < 0 ||
	    ticket_state_parse(db_column_text(st, 3), &t->state) < 0)
		return -EIO;
	t->issued_at = sqlite3_column_int64(st, 4);
	t->first_service = -1;
	t->first_call = 0;
	l->n++;
	return 0;
}

static int live_call_row(sqlite3_stmt *st, void *userdata)
{
	struct live_ctx *l = userdata;
	int64_t id = sqlite3_column_int64(st, 0);
	struct live_tk *t;
	const char *v;

	t = l->n ? bsearch(&id, l->tks, l->n, sizeof(*l->tks), cmp_live_id)
		 : NULL;
	if (!t || t->first_call != 0)
		return 0;
	v = db_column_text(st, 1);
	t->first_service = v ? config_service_index(l->cfg, v) : -1;
	t->first_call = sqlite3_column_int64(st, 2);
	return 0;
}

static int live_load(struct stats *s, const char *day, struct live_tk **ret,
		     size_t *ret_n)
{
	struct live_ctx l = {.cfg = s->cfg};
	int r;

	r = each_row_of_day(s, ST_TICKETS, day, live_ticket_row, &l);
	if (r == 0)
		r = each_row_of_day(s, ST_CALLS, day, live_call_row, &l);
	if (r < 0) {
		free(l.tks);
		return r;
	}
	*ret = l.tks;
	*ret_n = l.n;
	return 0;
}

void stats_live_free(struct stats_live *l)
{
	if (!l)
		return;
	free(l->services);
	free(l);
}

/* Issued counts where a ticket was issued: the service of its first call
 * (a transfer needs a call first), else the one it is in. Served and
 * waiting count where it is. Services the config no longer has are left
 * out. */
int stats_live(struct stats *s, const char *day, struct stats_live **ret)
{
	struct live_tk *tks = NULL;
	struct stats_live *l;
	size_t n = 0;
	int r;

	if (!s || !ret || !stats_valid_day(day))
		return -EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	memcpy(l->day, day, sizeof(l->day));
	l->n_services = s->cfg->n_services;
	l->services =
		calloc(l->n_services ? l->n_services : 1, sizeof(*l->services));
	if (!l->services) {
		stats_live_free(l);
		return -ENOMEM;
	}

	pthread_mutex_lock(&s->lock);
	r = begin_read(s);
	if (r == 0) {
		r = live_load(s, day, &tks, &n);
		end_read(s);
	}
	pthread_mutex_unlock(&s->lock);
	if (r < 0) {
		stats_live_free(l);
		return r;
	}

	for (size_t i = 0; i < n; i++) {
		const struct live_tk *t = &tks[i];
		int issued_in =
			t->first_service >= 0 ? t->first_service : t->service;
		struct stats_live_service *ls;
		int64_t wait;
		size_t b;

		if (issued_in >= 0)
			l->services[issued_in].issued[t->kind]++;
		if (t->service >= 0) {
			ls = &l->services[t->service];
			if (t->state == TICKET_SERVED)
				ls->served[t->kind]++;
			else if (t->state == TICKET_WAITING)
				ls->waiting++;
		}
		if (issued_in < 0 || t->first_call == 0)
			continue;
		ls = &l->services[issued_in];
		wait = wait_of(t->issued_at, t->first_call);
		for (b = 0; b < STATS_WAIT_BUCKETS; b++)
			if (wait <= stats_wait_bounds[b])
				break;
		ls->wait_bucket[b]++;
		ls->wait_sum_s += wait;
		ls->wait_count++;
	}
	free(tks);
	*ret = l;
	return 0;
}
