/* bonomatd: arguments, config, wiring, signals and sd_notify. Everything
 * else lives in modules that the tests link. */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "api.h"
#include "api_reload.h"
#include "config.h"
#include "events.h"
#include "hours.h"
#include "http.h"
#include "log.h"
#include "office.h"
#include "printers.h"
#include "sms.h"
#include "stats.h"
#include "store.h"

#define EXIT_CONFIG 2

static void usage(FILE *f)
{
	fprintf(f, "usage: bonomatd -c FILE [--check] [-v]\n"
		   "  -c, --config FILE  the configuration (INI, see "
		   "docs/CONFIG.md)\n"
		   "      --check        validate the configuration and exit\n"
		   "      --test-clock T start the clock at T (RFC 3339) and let\n"
		   "                     POST /api/v1/test/clock move it (tests)\n"
		   "  -v, --verbose      log debugging detail\n"
		   "      --version      print the version and exit\n");
}

/* The daemon's clock: the real one, or with --test-clock one that starts
 * at a given moment, runs at the real pace and can be moved forward
 * through the API, so that tests can live through a day. */
struct clock {
	bool test;
	int64_t base;
	struct timespec mono0;
	int64_t offset;
	pthread_mutex_t lock;
};

static struct clock the_clock = {.lock = PTHREAD_MUTEX_INITIALIZER};

static int64_t real_clock(void *userdata)
{
	struct clock *c = userdata ? userdata : &the_clock;
	struct timespec ts;
	int64_t now;

	if (!c->test)
		return (int64_t)time(NULL);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	pthread_mutex_lock(&c->lock);
	now = c->base + (int64_t)(ts.tv_sec - c->mono0.tv_sec) + c->offset;
	pthread_mutex_unlock(&c->lock);
	return now;
}

static uint64_t monotonic_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int64_t advance_clock(void *userdata, int64_t seconds)
{
	struct clock *c = userdata;

	pthread_mutex_lock(&c->lock);
	c->offset += seconds;
	pthread_mutex_unlock(&c->lock);
	log_info("test clock moved forward by %lld s", (long long)seconds);
	return real_clock(c);
}

struct pool;

/* What the daemon holds: the config in force and the parts a reload
 * changes. Reloads (SIGHUP, POST /api/v1/reload) take reload_lock. */
struct app {
	const char *path;
	struct config *cfg;
	struct office *office;
	struct api *api;
	struct printers *printers;
	struct pool *pool;
	pthread_mutex_t reload_lock;
};

/* What a printer pool reports to: the pool of one config generation. */
struct pool {
	struct app *app;
	unsigned int generation;
	/* A state reported before its reload was in force, and dropped. */
	atomic_bool missed;
};

static void on_printed(void *userdata, int64_t ticket, bool ok,
		       const char *why)
{
	struct pool *pool = userdata;

	if (!ok)
		log_warn("ticket id %lld was not printed: %s", (long long)ticket,
			 why ? why : "unknown reason");
	office_printed(pool->app->office, ticket, ok, why,
		       real_clock(&the_clock));
}

/* A text message's end, from the SMS worker. */
static void on_sms_done(void *userdata, int64_t ticket, enum sms_kind kind,
			bool ok, const char *why)
{
	struct app *app = userdata;

	if (!ok)
		log_warn("sms: the %s message of ticket id %lld failed: %s",
			 sms_kind_name(kind), (long long)ticket, why);
	office_sms_done(app->office, ticket, kind, ok, why,
			real_clock(&the_clock));
}

/* Each change is logged once, by the api, and published to the pages. */
static void on_printer_state(void *userdata, int printer,
			     const struct printer_status *st)
{
	struct pool *pool = userdata;

	if (!api_printer_changed(pool->app->api, pool->generation, printer,
				 st))
		atomic_store(&pool->missed, true);
}

/* A new pool's first states may have come before its reload was in
 * force: they are told again once it is. */
static void announce_missed(struct app *app)
{
	struct printer_status st;

	if (!atomic_exchange(&app->pool->missed, false))
		return;
	for (size_t i = 0; i < app->cfg->n_printers; i++)
		if (printers_status(app->printers, (int)i, &st) == 0 &&
		    st.state != PRINTER_UNKNOWN)
			(void)api_printer_changed(app->api,
						  app->pool->generation,
						  (int)i, &st);
}

/* A printer pool for cfg, reporting as the given config generation. */
static int start_printers(struct app *app, const struct config *cfg,
			  unsigned int generation, struct printers **ret,
			  struct pool **ret_pool)
{
	struct pool *pool = calloc(1, sizeof(*pool));
	int r;

	if (!pool)
		return -ENOMEM;
	pool->app = app;
	pool->generation = generation;
	atomic_init(&pool->missed, false);
	r = printers_start(cfg, NULL,
			   &(struct printers_callbacks){
				   .printed = on_printed,
				   .state = on_printer_state,
				   .userdata = pool,
			   },
			   ret);
	if (r < 0) {
		free(pool);
		return r;
	}
	*ret_pool = pool;
	return 0;
}

static void note_restart(void *userdata, const char *key)
{
	struct api_reload_result *res = userdata;

	log_warn("reload: %s changed; it needs a restart and keeps its "
		 "running value until then",
		 key);
	if (res->n_restart < API_RELOAD_RESTART_MAX)
		snprintf(res->restart[res->n_restart++],
			 sizeof(res->restart[0]), "%s", key);
}

/* Re-reads the config file and puts it in force, or keeps the running one
 * (docs/DESIGN.md "Reloading the configuration"). An api_reload_fn. */
/* The lines of the config's warnings, each in the journal. */
static void log_warnings(const struct config *c)
{
	for (const char *w = c->warnings; w && *w;) {
		const char *nl = strchr(w, '\n');
		int n = nl ? (int)(nl - w) : (int)strlen(w);

		log_warn("%.*s", n, w);
		w += n + (nl != NULL);
	}
}

static int reload(void *userdata, struct api_reload_result *res)
{
	struct app *app = userdata;
	struct config *nc = NULL, *old;
	struct printers *np;
	struct pool *pool;
	int r;

	pthread_mutex_lock(&app->reload_lock);
	(void)sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
			 (unsigned long long)monotonic_usec());
	log_info("reloading %s", app->path);
	r = config_load(app->path, &nc, res->message, sizeof(res->message));
	if (r < 0) {
		log_err("reload refused: %s; the running configuration stays",
			res->message);
		r = -EINVAL;
		goto out;
	}
	log_warnings(nc);
	r = config_keep_running(nc, app->cfg, note_restart, res);
	np = app->printers;
	pool = app->pool;
	if (r == 0 && !config_printers_equal(app->cfg, nc))
		r = start_printers(app, nc,
				   api_config_generation(app->api) + 1, &np,
				   &pool);
	if (r < 0) {
		snprintf(res->message, sizeof(res->message), "%s",
			 strerror(-r));
	} else {
		r = api_reconfigure(app->api, nc, np, real_clock(&the_clock),
				    res->message, sizeof(res->message));
	}
	if (r < 0) {
		log_err("reload refused: %s; the running configuration stays",
			res->message);
		if (np != app->printers) {
			printers_stop(np);
			free(pool);
		}
		config_free(nc);
		goto out;
	}
	old = app->cfg;
	app->cfg = nc;
	if (np != app->printers) {
		/* Its jobs still queued are reported as not printed. */
		printers_stop(app->printers);
		free(app->pool);
		app->printers = np;
		app->pool = pool;
		announce_missed(app);
	}
	config_free(old);
	log_info("reloaded %s: %zu services, %zu counters, %zu printers",
		 app->path, nc->n_services, nc->n_counters, nc->n_printers);
out:
	(void)sd_notify(0, "READY=1");
	pthread_mutex_unlock(&app->reload_lock);
	return r;
}

/* The database's directory is created when missing (one level), so that a
 * relative path such as var/bonomat.db works on a fresh checkout. */
static int make_parent_dir(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	size_t len;

	if (!slash || slash == path)
		return 0;
	len = (size_t)(slash - path);
	if (len >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, path, len);
	dir[len] = '\0';
	if (mkdir(dir, 0750) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

#define TICK_S 5 /* how often time is looked at (closing the day, alerts) */

/* Waits for SIGTERM or SIGINT, reloading on SIGHUP, pinging the systemd
 * watchdog and letting the office see the time pass meanwhile, and the
 * floor's alerts. */
static void wait_for_signal(const sigset_t *set, struct app *app)
{
	uint64_t watchdog_usec = 0, tick_usec = TICK_S * 1000000ULL;
	struct timespec tick;

	if (sd_watchdog_enabled(0, &watchdog_usec) > 0 && watchdog_usec) {
		if (watchdog_usec / 2 < tick_usec)
			tick_usec = watchdog_usec / 2;
		log_info("watchdog every %llu ms",
			 (unsigned long long)(tick_usec / 1000));
	}
	tick.tv_sec = (time_t)(tick_usec / 1000000);
	tick.tv_nsec = (long)(tick_usec % 1000000) * 1000;
	for (;;) {
		int sig = sigtimedwait(set, NULL, &tick);
		if (sig == SIGTERM || sig == SIGINT) {
			log_info("%s received, shutting down",
				 sig == SIGTERM ? "SIGTERM" : "SIGINT");
			return;
		}
		if (sig == SIGHUP) {
			struct api_reload_result res = {0};

			log_info("SIGHUP received");
			(void)reload(app, &res);
			continue;
		}
		api_tick(app->api, real_clock(&the_clock));
		if (watchdog_usec)
			sd_notify(0, "WATCHDOG=1");
	}
}

static int run(struct app *app)
{
	const struct config *cfg = app->cfg;
	/* The config may be reloaded: what is read after the start is read
	 * here (restart-only keys keep their value). */
	const int shutdown_timeout = cfg->server.shutdown_timeout;
	struct store *st = NULL;
	struct stats *stats = NULL;
	struct office *office = NULL;
	struct api *api = NULL;
	struct events *events = NULL;
	struct sms *sms = NULL;
	struct http *http = NULL;
	sigset_t set;
	uint16_t port;
	int r;

	log_warnings(cfg);
	r = hours_set_zone(cfg->office.timezone);
	if (r < 0) {
		log_err("time zone %s: %s", cfg->office.timezone,
			strerror(-r));
		return EXIT_FAILURE;
	}
	/* Signals are taken by sigtimedwait() in this thread only; block them
	 * before any other thread starts. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* glibc gives each thread that allocates an arena of its own, up to
	 * 8 a core, and memory freed in one is not reused by the others: a
	 * worker that had answered the calls kept 1 MiB more at the peak.
	 * Two arenas, not one, so that the 8 workers and 16 issuers do not
	 * all take turns on one lock. Before any other thread starts. */
	(void)mallopt(M_ARENA_MAX, 2);

	r = make_parent_dir(cfg->storage.database);
	if (r == 0)
		r = store_open(cfg->storage.database, cfg, &st);
	if (r < 0) {
		log_err("database %s: %s", cfg->storage.database,
			strerror(-r));
		goto out;
	}
	r = stats_open(cfg->storage.database, cfg, &stats);
	if (r < 0) {
		log_err("statistics: reading %s: %s", cfg->storage.database,
			strerror(-r));
		goto out;
	}
	if (the_clock.test)
		log_warn("test clock: the daemon's time is not the real time");
	r = office_new(cfg, st, real_clock(&the_clock), &office);
	if (r < 0) {
		log_err("rebuilding the queue from %s failed: %s",
			cfg->storage.database, strerror(-r));
		goto out;
	}
	r = api_new(cfg, office, real_clock, &the_clock, &api);
	if (r == 0)
		r = events_new(1024, &events);
	if (r < 0) {
		log_err("api: %s", strerror(-r));
		goto out;
	}
	api_set_events(api, events);
	api_set_stats(api, stats);
	if (the_clock.test)
		api_set_test_clock(api, advance_clock, &the_clock);
	office_set_notify(office, api_office_event, api);
	app->office = office;
	app->api = api;
	r = start_printers(app, cfg, 0, &app->printers, &app->pool);
	if (r < 0) {
		log_err("printers: %s", strerror(-r));
		goto out;
	}
	office_set_printers(office, app->printers);
	api_set_printers(api, app->printers);
	if (cfg->sms.driver != CFG_SMS_NONE) {
		r = sms_start(cfg, NULL,
			      &(struct sms_callbacks){.done = on_sms_done,
						      .userdata = app},
			      &sms);
		if (r < 0) {
			log_err("sms: %s", strerror(-r));
			goto out;
		}
		log_info("sms: text messages through %s", sms_name(sms));
		office_set_sms(office, sms);
		api_set_sms(api, sms);
	}
	r = http_start(cfg, api, events, &http, &port);
	if (r < 0) {
		log_err("cannot listen on %s:%u: %s", cfg->server.listen_host,
			cfg->server.listen_port, strerror(-r));
		goto out;
	}
	log_info(strchr(cfg->server.listen_host, ':')
			 ? "listening on http://[%s]:%u"
			 : "listening on http://%s:%u",
		 cfg->server.listen_host, port);
	/* From here on cfg may be replaced (and freed) by a reload. */
	api_set_reload(api, reload, app);
	sd_notify(0, "READY=1");
	wait_for_signal(&set, app);
	sd_notify(0, "STOPPING=1");
	/* Tickets already in the office are stored: they are answered
	 * before the server goes. */
	http_quiesce(http, shutdown_timeout);
out:
	http_stop(http);
	/* Workers may still report to the office until they have stopped. */
	printers_stop(app->printers);
	free(app->pool);
	/* The queue events still due are told before the api goes. */
	if (office)
		office_set_notify(office, NULL, NULL);
	if (sms) {
		size_t unsent = 0;

		office_set_sms(office, NULL);
		sms_stop(sms, &unsent);
		if (unsent)
			log_warn("sms: %zu text messages were not sent before "
				 "the stop",
				 unsent);
	}
	api_free(api);
	events_free(events);
	office_free(office);
	stats_close(stats);
	store_close(st);
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"check", no_argument, NULL, 'C'},
		{"verbose", no_argument, NULL, 'v'},
		{"version", no_argument, NULL, 'V'},
		{"test-clock", required_argument, NULL, 'T'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *path = NULL;
	bool check = false;
	struct app app = {.reload_lock = PTHREAD_MUTEX_INITIALIZER};
	struct config *cfg;
	char err[CONFIG_ERR_MAX];
	int c, r;

	while ((c = getopt_long(argc, argv, "c:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'C':
			check = true;
			break;
		case 'v':
			log_set_verbose(1);
			break;
		case 'V':
			printf("bonomatd %s\n", BONOMAT_VERSION);
			return EXIT_SUCCESS;
		case 'T':
			if (hours_parse_rfc3339(optarg, &the_clock.base) < 0) {
				fprintf(stderr,
					"bonomatd: --test-clock wants an RFC "
					"3339 time such as "
					"2026-12-03T08:00:00+02:00, not "
					"\"%s\"\n",
					optarg);
				return EXIT_CONFIG;
			}
			the_clock.test = true;
			clock_gettime(CLOCK_MONOTONIC, &the_clock.mono0);
			break;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return EXIT_CONFIG;
		}
	}
	if (!path || optind != argc) {
		usage(stderr);
		return EXIT_CONFIG;
	}
	if (config_load(path, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return EXIT_CONFIG;
	}
	if (check) {
		if (cfg->warnings)
			fputs(cfg->warnings, stderr);
		printf("%s: ok\n", path);
		config_free(cfg);
		return EXIT_SUCCESS;
	}
	app.path = path;
	app.cfg = cfg;
	r = run(&app);
	config_free(app.cfg);
	return r;
}
