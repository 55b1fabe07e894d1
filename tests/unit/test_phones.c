/* The office's side of the text messages (office/phones.c) over a real
 * SQLite store, with a scripted gateway in place of gammu: a number given
 * for a waiting ticket, the "turn near" message when the people ahead
 * fall to [sms] notify_ahead, the "called" message, each outcome in the
 * event log, nothing sent twice across a restart, refusals, and the
 * numbers gone with their day. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "config.h"
#include "hours.h"
#include "office.h"
#include "sms.h"
#include "store.h"

static const char conf_text[] =
	"[server]\nadmin_token = admin-secret-1\n"
	"[hours]\nalways_open = true\n"
	"[service.A]\nname = Taxe\nprefix = A\nminutes = 8\n"
	"[counter.1]\nname = Ghișeul 1\nservices = A\ntoken = counter-1-tok\n"
	"[counter.2]\nname = Ghișeul 2\nservices = A\ntoken = counter-2-tok\n"
	"[sms]\ndriver = gammu\nnotify_minutes = 0\nnotify_ahead = 1\n"
	"retries = 0\n";

#define T0 "2026-12-03T10:00:00+02:00"

static struct {
	pthread_mutex_t lock;
	int n;
	char to[8][PHONE_LEN + 1];
	char text[8][SMS_TEXT_MAX + 1];
	int done;
	int delay_ms; /* each send takes this long */
} gw = {.lock = PTHREAD_MUTEX_INITIALIZER};

static struct office *the_office;
static int64_t the_now;

static int fake_send(const struct cfg_sms *cfg, const char *to,
		     const char *text, const atomic_bool *stop,
		     char why[SMS_WHY_MAX])
{
	(void)cfg;
	(void)stop;
	(void)why;
	pthread_mutex_lock(&gw.lock);
	if (gw.n < 8) {
		snprintf(gw.to[gw.n], sizeof(gw.to[0]), "%s", to);
		snprintf(gw.text[gw.n], sizeof(gw.text[0]), "%s", text);
	}
	gw.n++;
	pthread_mutex_unlock(&gw.lock);
	if (gw.delay_ms)
		usleep((useconds_t)gw.delay_ms * 1000);
	return 0;
}

static const struct sms_driver fake = {.name = "fake", .send = fake_send};

static void on_done(void *userdata, int64_t ticket, enum sms_kind kind,
		    bool ok, const char *why)
{
	(void)userdata;
	office_sms_done(the_office, ticket, kind, ok, why, the_now);
	pthread_mutex_lock(&gw.lock);
	gw.done++;
	pthread_mutex_unlock(&gw.lock);
}

struct fixture {
	char dir[64], db[96];
	struct config *cfg;
	struct store *st;
	struct office *o;
	struct sms *sms;
};

static void open_all(struct fixture *f, int64_t now)
{
	the_now = now;
	assert_int_equal(store_open(f->db, f->cfg, &f->st), 0);
	assert_int_equal(office_new(f->cfg, f->st, now, &f->o), 0);
	the_office = f->o;
	assert_int_equal(sms_start(f->cfg, &fake,
				   &(struct sms_callbacks){.done = on_done},
				   &f->sms),
			 0);
	office_set_sms(f->o, f->sms);
}

static void close_all(struct fixture *f)
{
	if (f->o)
		office_set_sms(f->o, NULL);
	sms_stop(f->sms, NULL);
	office_free(f->o);
	store_close(f->st);
	f->sms = NULL;
	f->o = NULL;
	f->st = NULL;
}

static int64_t at(const char *s)
{
	int64_t t = 0;
	assert_int_equal(hours_parse_rfc3339(s, &t), 0);
	return t;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[CONFIG_ERR_MAX];

	assert_non_null(f);
	assert_int_equal(hours_set_zone("Europe/Bucharest"), 0);
	snprintf(f->dir, sizeof(f->dir), "/tmp/bonomat-phones-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof(f->db), "%s/bonomat.db", f->dir);
	if (config_parse(conf_text, strlen(conf_text), "t.conf", &f->cfg, err,
			 sizeof(err)) != 0)
		fail_msg("config: %s", err);
	pthread_mutex_lock(&gw.lock);
	gw.n = gw.done = gw.delay_ms = 0;
	pthread_mutex_unlock(&gw.lock);
	open_all(f, at(T0));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	static const char *const files[] = {"bonomat.db", "bonomat.db-wal",
					    "bonomat.db-shm"};
	char path[128];

	close_all(f);
	config_free(f->cfg);
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", f->dir, files[i]);
		unlink(path);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static struct ticket issue(struct fixture *f, int64_t now)
{
	struct office_error err;
	struct ticket t;

	if (office_issue(f->o, 0, -1, false, now, &t, &err) != 0)
		fail_msg("issue: %s", err.message);
	return t;
}

static struct ticket next(struct fixture *f, int64_t now)
{
	struct office_error err;
	struct ticket t;
	bool none = true;

	if (office_next(f->o, 1, now, &t, &none, &err) != 0)
		fail_msg("next: %s", err.message);
	assert_false(none);
	return t;
}

static int sent(void)
{
	int n;

	pthread_mutex_lock(&gw.lock);
	n = gw.n;
	pthread_mutex_unlock(&gw.lock);
	return n;
}

/* Waits until n messages were sent and recorded; then a little more, to
 * see that no other comes. */
static void wait_sent(int n)
{
	for (int i = 0; i < 300; i++) {
		pthread_mutex_lock(&gw.lock);
		bool ok = gw.n >= n && gw.done >= n;
		pthread_mutex_unlock(&gw.lock);
		if (ok)
			break;
		usleep(10000);
	}
	usleep(100000);
	assert_int_equal(sent(), n);
}

static int count(const struct fixture *f, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int n = -1;

	assert_int_equal(sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READONLY,
					 NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
			 SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static void near_then_called(void **state)
{
	struct fixture *f = *state;
	struct office_error err;
	char masked[PHONE_MASK_LEN + 1] = "";
	struct ticket a1, a3, t;
	int64_t now = at(T0);

	a1 = issue(f, now);
	issue(f, now);
	a3 = issue(f, now);
	assert_int_equal(office_phone(f->o, a3.id, "0722 123 456", now, &t,
				      masked, &err),
			 0);
	assert_string_equal(masked, "07xx xxx 456");
	assert_string_equal(t.number, "A003");
	assert_int_equal(t.ahead, 2);
	wait_sent(0);

	/* One ahead: the "turn near" message, once. */
	assert_string_equal(next(f, now + 60).number, "A001");
	wait_sent(1);
	assert_string_equal(gw.to[0], "0722123456");
	assert_string_equal(gw.text[0],
			    "Bonul A003: se apropie randul dumneavoastra (1 "
			    "persoana inainte, aproximativ 4 minute). Va rugam "
			    "sa reveniti in sala de asteptare.");
	assert_int_equal(count(f, "SELECT count(*) FROM events WHERE type ="
				  " 'sms_sent' AND detail = 'near: fake'"),
			 1);
	assert_int_equal(count(f, "SELECT near_sent FROM phones"), 1);

	/* A restart: the near message is not sent again. */
	close_all(f);
	open_all(f, now + 120);
	assert_string_equal(next(f, now + 180).number, "A002");
	wait_sent(1);

	assert_string_equal(next(f, now + 240).number, "A003");
	wait_sent(2);
	assert_string_equal(gw.to[1], "0722123456");
	assert_string_equal(gw.text[1],
			    "A003, Ghiseul 2: este randul dumneavoastra.");
	assert_int_equal(count(f, "SELECT called_sent FROM phones"), 1);

	/* Refusals change nothing. */
	assert_int_equal(office_phone(f->o, a1.id, "0722123456", now + 250, &t,
				      masked, &err),
			 -EBUSY);
	assert_int_equal(err.status, OFFICE_CONFLICT);
	assert_int_equal(office_phone(f->o, a3.id + 100, "0722123456",
				      now + 250, &t, masked, &err),
			 -ENOENT);
	assert_int_equal(err.status, OFFICE_NOT_FOUND);
	assert_int_equal(office_phone(f->o, a3.id, "0212345678", now + 250, &t,
				      masked, &err),
			 -EINVAL);
	assert_int_equal(err.status, OFFICE_UNPROCESSABLE);

	/* Restarted after the call: nothing more. */
	close_all(f);
	open_all(f, now + 300);
	issue(f, now + 300);
	wait_sent(2);
	assert_int_equal(count(f, "SELECT count(*) FROM events WHERE type ="
				  " 'sms_requested' AND detail ="
				  " 'kiosk: 07xx xxx 456'"),
			 1);
	assert_int_equal(count(f, "SELECT count(*) FROM events WHERE detail"
				  " LIKE '%722123456%'"),
			 0);

	/* The next day: the number is gone. */
	close_all(f);
	open_all(f, at("2026-12-04T08:00:00+02:00"));
	assert_int_equal(count(f, "SELECT count(*) FROM phones"), 0);
}

/* Nobody ahead when the number is given: the message goes at once. */
static void near_at_once(void **state)
{
	struct fixture *f = *state;
	struct office_error err;
	char masked[PHONE_MASK_LEN + 1];
	struct ticket a1, t;
	int64_t now = at(T0);

	a1 = issue(f, now);
	assert_int_equal(office_phone(f->o, a1.id, "+40744555666", now, &t,
				      masked, &err),
			 0);
	wait_sent(1);
	assert_string_equal(gw.to[0], "0744555666");
	assert_string_equal(gw.text[0],
			    "Bonul A001: urmeaza randul dumneavoastra. Va "
			    "rugam sa reveniti in sala de asteptare.");
}

/* A reload reads the queue and the numbers again while a message is on
 * its way (queued, not yet marked sent): it is not queued a second time. */
static void reload_while_sending(void **state)
{
	struct fixture *f = *state;
	struct office_error err;
	char masked[PHONE_MASK_LEN + 1];
	struct ticket a1, t;
	int64_t now = at(T0);

	gw.delay_ms = 500;
	a1 = issue(f, now);
	assert_int_equal(office_phone(f->o, a1.id, "0722123456", now, &t,
				      masked, &err),
			 0);
	usleep(100000); /* the worker is sending it now */
	assert_int_equal(sent(), 1);
	assert_int_equal(office_reconfigure(f->o, f->cfg, NULL, now + 1, &err),
			 0);
	issue(f, now + 2);
	wait_sent(1);
	assert_int_equal(count(f, "SELECT near_sent FROM phones"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(near_then_called, setup,
						teardown),
		cmocka_unit_test_setup_teardown(near_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(reload_while_sending, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
