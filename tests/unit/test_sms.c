/* Unit tests of the text messages: the number rule (phone), the words
 * and their GSM-safe letters (sms_text), the http driver's body, and the
 * worker (sms) with a scripted gateway: retries with backoff, a full
 * queue, every message's end reported once. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "phone.h"
#include "sms.h"
#include "sms_text.h"

static void test_phone_parse(void **state)
{
	static const struct {
		const char *in, *out; /* out NULL: refused */
	} cases[] = {
		{"0722123456", "0722123456"},
		{"0722 123 456", "0722123456"},
		{"0722-123-456", "0722123456"},
		{"(0722) 123.456", "0722123456"},
		{"+40722123456", "0722123456"},
		{"+40 722 123 456", "0722123456"},
		{"0040722123456", "0722123456"},
		{"40722123456", "0722123456"},
		{"0212345678", NULL},   /* Bucharest landline */
		{"072212345", NULL},    /* a digit short */
		{"07221234567", NULL},  /* a digit more */
		{"+49722123456", NULL}, /* not Romania */
		{"+407221234567", NULL},
		{"0722a23456", NULL},
		{"07 22 12 34 5x", NULL},
		{"", NULL},
		{"+", NULL},
		{"0722123456\n", NULL},
		{"+4+0722123456", NULL},
	};
	char got[PHONE_LEN + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(got, "untouched", 10);
		int r = phone_parse(cases[i].in, strlen(cases[i].in), got);
		if (cases[i].out) {
			assert_int_equal(r, 0);
			assert_string_equal(got, cases[i].out);
		} else {
			if (r != -EINVAL)
				print_error("accepted \"%s\"\n", cases[i].in);
			assert_int_equal(r, -EINVAL);
			assert_string_equal(got, "untouched");
		}
	}
	assert_int_equal(phone_parse(NULL, 0, got), -EINVAL);
}

static void test_phone_mask(void **state)
{
	char m[PHONE_MASK_LEN + 1], e[PHONE_E164_LEN + 1];

	(void)state;
	phone_mask("0722123456", m);
	assert_string_equal(m, "07xx xxx 456");
	phone_mask("12", m);
	assert_string_equal(m, "xxx");
	phone_mask(NULL, m);
	assert_string_equal(m, "xxx");
	phone_e164("0722123456", e);
	assert_string_equal(e, "+40722123456");
}

static void test_gsm7(void **state)
{
	char buf[128];

	(void)state;
	assert_int_equal(sms_text_gsm7("Ghișeul 3, țară, ÎNCĂ, Șoseaua Ţepeş",
				       buf, sizeof(buf)),
			 strlen("Ghiseul 3, tara, INCA, Soseaua Tepes"));
	assert_string_equal(buf, "Ghiseul 3, tara, INCA, Soseaua Tepes");
	sms_text_gsm7("Str. Mureș nr. 18–24 — „parter”", buf, sizeof(buf));
	assert_string_equal(buf, "Str. Mures nr. 18-24 - \"parter\"");
	sms_text_gsm7("a[b]{c}\\d^e~f|g`h\tx", buf, sizeof(buf));
	assert_string_equal(buf, "a(b)(c)/d-e-f/g'h x");
	/* Anything else, invalid UTF-8 included, is a question mark. */
	sms_text_gsm7("€ \xff 日", buf, sizeof(buf));
	assert_string_equal(buf, "? ? ?");
	/* Cut to the buffer, always terminated. */
	assert_int_equal(sms_text_gsm7("ăăăă", buf, 3), 2);
	assert_string_equal(buf, "aa");
	assert_int_equal(sms_text_gsm7("x", buf, 1), 0);
	assert_string_equal(buf, "");
}

static void test_texts(void **state)
{
	char buf[SMS_TEXT_MAX + 1];

	(void)state;
	sms_text_near("A012", 3, 12, buf, sizeof(buf));
	assert_string_equal(buf,
			    "Bonul A012: se apropie randul dumneavoastra (3 "
			    "persoane inainte, aproximativ 12 minute). Va "
			    "rugam sa reveniti in sala de asteptare.");
	assert_true(strlen(buf) <= 160);
	sms_text_near("A012", 1, 1, buf, sizeof(buf));
	assert_non_null(strstr(buf, "(1 persoana inainte, aproximativ 1 "
				    "minut)"));
	sms_text_near("A012", 25, 40, buf, sizeof(buf));
	assert_non_null(strstr(buf, "(25 de persoane inainte, aproximativ "
				    "40 de minute)"));
	sms_text_near("A012", 2, -1, buf, sizeof(buf));
	assert_non_null(strstr(buf, "(2 persoane inainte)"));
	sms_text_near("P007", 0, 0, buf, sizeof(buf));
	assert_string_equal(buf, "Bonul P007: urmeaza randul dumneavoastra. "
				 "Va rugam sa reveniti in sala de "
				 "asteptare.");
	sms_text_called("A012", "Ghișeul 3", buf, sizeof(buf));
	assert_string_equal(buf,
			    "A012, Ghiseul 3: este randul dumneavoastra.");
	assert_string_equal(sms_kind_name(SMS_NEAR), "near");
	assert_string_equal(sms_kind_name(SMS_CALLED), "called");
}

static void test_fill_body(void **state)
{
	char buf[256];

	(void)state;
	assert_int_equal(sms_fill_body("{\"to\": \"{to_e164}\", \"text\": "
				       "\"{text}\"}",
				       "application/json", "0722123456",
				       "Bonul \"A012\" \\ gata", buf,
				       sizeof(buf)),
			 0);
	assert_string_equal(buf, "{\"to\": \"+40722123456\", \"text\": "
				 "\"Bonul \\\"A012\\\" \\\\ gata\"}");
	assert_int_equal(
		sms_fill_body("to={to}&text={text}&x={unknown}",
			      "application/x-www-form-urlencoded; charset=utf-8",
			      "0722123456", "A012, Ghiseul 3: gata!", buf,
			      sizeof(buf)),
		0);
	assert_string_equal(buf, "to=0722123456&text=A012%2C%20Ghiseul%203%3A"
				 "%20gata%21&x={unknown}");
	assert_int_equal(sms_fill_body("{text}", "text/plain", "0722123456",
				       "as is & \"raw\"", buf, sizeof(buf)),
			 0);
	assert_string_equal(buf, "as is & \"raw\"");
	assert_int_equal(sms_fill_body("{text}{text}", "text/plain",
				       "0722123456", "12345", buf, 10),
			 -E2BIG);
	assert_int_equal(sms_fill_body("abc", "text/plain", "0722123456", "",
				       buf, 3),
			 -E2BIG);
}

/* A gateway scripted per attempt: the first `fail` attempts of every
 * message fail, each send takes `delay_ms`. */
static struct gateway {
	pthread_mutex_t lock;
	int fail, delay_ms, attempts;
	struct timespec at[16];
	char to[16][PHONE_LEN + 1];
	char text[16][64];
} gw = {.lock = PTHREAD_MUTEX_INITIALIZER};

static struct ended {
	pthread_mutex_t lock;
	int n;
	int64_t ticket[16];
	enum sms_kind kind[16];
	bool ok[16];
	char why[16][SMS_WHY_MAX];
} ended = {.lock = PTHREAD_MUTEX_INITIALIZER};

static int fake_send(const struct cfg_sms *cfg, const char *to,
		     const char *text, const atomic_bool *stop,
		     char why[SMS_WHY_MAX])
{
	int r = 0, n;

	(void)cfg;
	(void)stop;
	pthread_mutex_lock(&gw.lock);
	n = gw.attempts++;
	if (n < 16) {
		clock_gettime(CLOCK_MONOTONIC, &gw.at[n]);
		snprintf(gw.to[n], sizeof(gw.to[n]), "%s", to);
		snprintf(gw.text[n], sizeof(gw.text[n]), "%s", text);
	}
	if (gw.fail > 0) {
		gw.fail--;
		snprintf(why, SMS_WHY_MAX, "HTTP 500: try later");
		r = -EIO;
	}
	pthread_mutex_unlock(&gw.lock);
	if (gw.delay_ms)
		usleep((useconds_t)gw.delay_ms * 1000);
	return r;
}

static const struct sms_driver fake = {.name = "fake", .send = fake_send};

static void on_done(void *userdata, int64_t ticket, enum sms_kind kind,
		    bool ok, const char *why)
{
	(void)userdata;
	pthread_mutex_lock(&ended.lock);
	if (ended.n < 16) {
		ended.ticket[ended.n] = ticket;
		ended.kind[ended.n] = kind;
		ended.ok[ended.n] = ok;
		snprintf(ended.why[ended.n], SMS_WHY_MAX, "%s", why);
	}
	ended.n++;
	pthread_mutex_unlock(&ended.lock);
}

static void reset(int fail, int delay_ms)
{
	pthread_mutex_lock(&gw.lock);
	gw.fail = fail;
	gw.delay_ms = delay_ms;
	gw.attempts = 0;
	pthread_mutex_unlock(&gw.lock);
	pthread_mutex_lock(&ended.lock);
	ended.n = 0;
	pthread_mutex_unlock(&ended.lock);
}

static int ended_count(void)
{
	int n;

	pthread_mutex_lock(&ended.lock);
	n = ended.n;
	pthread_mutex_unlock(&ended.lock);
	return n;
}

static void wait_ended(int n, int timeout_ms)
{
	for (int t = 0; ended_count() < n && t < timeout_ms; t += 10)
		usleep(10000);
	assert_int_equal(ended_count(), n);
}

static struct config *sms_config(const char *keys)
{
	char text[1024], err[CONFIG_ERR_MAX];
	struct config *c = NULL;

	snprintf(text, sizeof(text),
		 "[service.A]\nname = Taxe\n[counter.1]\nservices = A\n"
		 "token = counter-secret\n[server]\n"
		 "admin_token = admin-secret\n[sms]\n%s",
		 keys);
	if (config_parse(text, strlen(text), "t.conf", &c, err,
			 sizeof(err)) < 0)
		print_error("%s\n", err);
	assert_non_null(c);
	return c;
}

static double seconds_between(const struct timespec *a,
			      const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	       (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* Two failures, then success: three attempts, 1 s and 2 s apart, one
 * report (sent), the counters say so. */
static void test_worker_retries(void **state)
{
	struct config *c = sms_config("retries = 2\nbackoff = 1\n");
	struct sms_counts n;
	struct sms *s = NULL;
	size_t unsent = 99;

	(void)state;
	reset(2, 0);
	assert_int_equal(sms_start(c, &fake,
				   &(struct sms_callbacks){.done = on_done},
				   &s),
			 0);
	assert_string_equal(sms_name(s), "fake");
	assert_int_equal(sms_submit(s, 7, SMS_NEAR, "0722123456", "Bonul A007"),
			 0);
	wait_ended(1, 6000);
	assert_int_equal(gw.attempts, 3);
	assert_true(ended.ok[0]);
	assert_int_equal(ended.ticket[0], 7);
	assert_int_equal(ended.kind[0], SMS_NEAR);
	assert_string_equal(ended.why[0], "fake");
	assert_string_equal(gw.to[2], "0722123456");
	assert_string_equal(gw.text[2], "Bonul A007");
	double d1 = seconds_between(&gw.at[0], &gw.at[1]);
	double d2 = seconds_between(&gw.at[1], &gw.at[2]);
	assert_true(d1 >= 0.95 && d1 < 1.8);
	assert_true(d2 >= 1.95 && d2 < 2.8);
	sms_counts(s, &n);
	assert_int_equal(n.sent, 1);
	assert_int_equal(n.failed, 0);
	assert_int_equal(n.retried, 2);
	assert_int_equal(n.dropped, 0);
	assert_int_equal(n.queued, 0);
	sms_stop(s, &unsent);
	assert_int_equal(unsent, 0);
	config_free(c);
}

/* A gateway that always fails: given up on after the retries, reported
 * once with the gateway's reason. */
static void test_worker_gives_up(void **state)
{
	struct config *c = sms_config("retries = 1\nbackoff = 1\n");
	struct sms_counts n;
	struct sms *s = NULL;

	(void)state;
	reset(100, 0);
	assert_int_equal(sms_start(c, &fake,
				   &(struct sms_callbacks){.done = on_done},
				   &s),
			 0);
	assert_int_equal(sms_submit(s, 9, SMS_CALLED, "0722123456", "A009"), 0);
	wait_ended(1, 4000);
	usleep(200000); /* nothing more comes */
	assert_int_equal(ended_count(), 1);
	assert_int_equal(gw.attempts, 2);
	assert_false(ended.ok[0]);
	assert_int_equal(ended.kind[0], SMS_CALLED);
	assert_string_equal(ended.why[0], "HTTP 500: try later");
	sms_counts(s, &n);
	assert_int_equal(n.sent, 0);
	assert_int_equal(n.failed, 1);
	assert_int_equal(n.retried, 1);
	sms_stop(s, NULL);
	config_free(c);
}

/* A slow gateway: submitting never waits for it, the queue is bounded
 * (the message being sent holds its place), the excess is dropped and
 * counted, and the stop reports what was left unsent. */
static void test_worker_bounded(void **state)
{
	struct config *c = sms_config("queue_size = 2\nretries = 0\n");
	struct timespec t0, t1;
	struct sms_counts n;
	struct sms *s = NULL;
	size_t unsent = 0;

	(void)state;
	reset(0, 600);
	assert_int_equal(sms_start(c, &fake,
				   &(struct sms_callbacks){.done = on_done},
				   &s),
			 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(sms_submit(s, 1, SMS_NEAR, "0722123456", "1"), 0);
	usleep(100000); /* the worker is sending 1 now */
	assert_int_equal(sms_submit(s, 2, SMS_NEAR, "0722123456", "2"), 0);
	assert_int_equal(sms_submit(s, 3, SMS_NEAR, "0722123456", "3"),
			 -EAGAIN);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(seconds_between(&t0, &t1) < 0.3);
	sms_counts(s, &n);
	assert_int_equal(n.dropped, 1);
	assert_int_equal(n.queued, 2);
	/* Out of bounds. */
	assert_int_equal(sms_submit(s, 4, SMS_NEAR, "07221234567890", "x"),
			 -EINVAL);
	wait_ended(1, 2000);
	sms_stop(s, &unsent);
	/* 2 was either sent before the stop or left unsent, never both. */
	assert_int_equal((size_t)ended_count() + unsent, 2);
	assert_int_equal(ended.ticket[0], 1);
	config_free(c);
}

static void test_start_without_driver(void **state)
{
	struct config *c = sms_config("");
	struct sms *s = NULL;

	(void)state;
	assert_int_equal(sms_start(c, NULL, NULL, &s), -EINVAL);
	assert_null(s);
	sms_stop(NULL, NULL);
	config_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phone_parse),
		cmocka_unit_test(test_phone_mask),
		cmocka_unit_test(test_gsm7),
		cmocka_unit_test(test_texts),
		cmocka_unit_test(test_fill_body),
		cmocka_unit_test(test_worker_retries),
		cmocka_unit_test(test_worker_gives_up),
		cmocka_unit_test(test_worker_bounded),
		cmocka_unit_test(test_start_without_driver),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
