/* bonomatctl's daily commands: status, tickets, reprint, counter, stats,
 * reload, check-config, each through the daemon's API (docs/API.md), and
 * their options. backup is in ctl_backup.c, import in bonomatctl.c. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "ctl.h"
#include "hours.h"

#define STATS_DAYS_MAX 366

/* --- options -------------------------------------------------------------- */

enum {
	OPT_URL = 'u',
	OPT_TOKEN_FILE = 'T',
	OPT_CONFIG = 'c',
	OPT_JSON = 'j',
	OPT_STATE = 's',
	OPT_FROM = 'F',
	OPT_TO = 't',
	OPT_CSV = 'C',
	OPT_DATABASE = 'd',
	OPT_DIR = 'D',
	OPT_KEEP = 'k',
};

struct command {
	const char *name;
	const char *options; /* the OPT_ letters it takes */
	int nargs;	     /* operands after the command */
	const char *operands;
};

static const struct command commands[] = {
	{"status", "uTcj", 0, ""},
	{"tickets", "uTcjs", 0, ""},
	{"reprint", "uTcj", 1, "NUMBER"},
	{"counter", "ucj", 2, "pause|resume ID"},
	{"stats", "uTcjFtC", 0, ""},
	{"reload", "uTcj", 0, ""},
	{"check-config", "", 1, "FILE"},
	{"backup", "cjdDk", -1, "FILE"},
};

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

bool ctl_is_command(const char *name)
{
	return find_command(name) != NULL;
}

static int parse_keep(const char *s, int *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > 365)
		return -EINVAL;
	*ret = (int)v;
	return 0;
}

static int parse_options(const struct command *cmd, int argc, char **argv,
			 struct ctl *c)
{
	static const struct option opts[] = {
		{"url", required_argument, NULL, OPT_URL},
		{"token-file", required_argument, NULL, OPT_TOKEN_FILE},
		{"config", required_argument, NULL, OPT_CONFIG},
		{"json", no_argument, NULL, OPT_JSON},
		{"state", required_argument, NULL, OPT_STATE},
		{"from", required_argument, NULL, OPT_FROM},
		{"to", required_argument, NULL, OPT_TO},
		{"csv", no_argument, NULL, OPT_CSV},
		{"database", required_argument, NULL, OPT_DATABASE},
		{"dir", required_argument, NULL, OPT_DIR},
		{"keep", required_argument, NULL, OPT_KEEP},
		{NULL, 0, NULL, 0},
	};
	int o;

	c->config_path = getenv("BONOMAT_CONFIG");
	c->config_given = c->config_path != NULL;
	if (!c->config_path)
		c->config_path = CTL_DEFAULT_CONFIG;
	optind = 1;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o == '?')
			return CTL_EXIT_USAGE;
		if (!strchr(cmd->options, o)) {
			fprintf(stderr,
				"bonomatctl %s: %s is not an option "
				"of this command\n",
				cmd->name, argv[optind - 1]);
			return CTL_EXIT_USAGE;
		}
		switch (o) {
		case OPT_URL:
			c->url = optarg;
			break;
		case OPT_TOKEN_FILE:
			c->token_file = optarg;
			break;
		case OPT_CONFIG:
			c->config_path = optarg;
			c->config_given = true;
			break;
		case OPT_JSON:
			c->json = true;
			break;
		case OPT_STATE:
			c->state = optarg;
			break;
		case OPT_FROM:
			c->from = optarg;
			break;
		case OPT_TO:
			c->to = optarg;
			break;
		case OPT_CSV:
			c->csv = true;
			break;
		case OPT_DATABASE:
			c->database = optarg;
			break;
		case OPT_DIR:
			c->dir = optarg;
			break;
		case OPT_KEEP:
			if (parse_keep(optarg, &c->keep) < 0) {
				fprintf(stderr, "bonomatctl: --keep is a "
						"whole number from 1 to 365\n");
				return CTL_EXIT_USAGE;
			}
			break;
		default:
			return CTL_EXIT_USAGE;
		}
	}
	if (c->json && c->csv) {
		fprintf(stderr, "bonomatctl: --json or --csv, not both\n");
		return CTL_EXIT_USAGE;
	}
	return 0;
}

/* --- helpers -------------------------------------------------------------- */

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* A JSON value as table text: strings as they are, null as "-". */
static const char *cell(json_t *o, const char *key, char buf[32])
{
	json_t *v = json_object_get(o, key);

	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		(void)snprintf(buf, 32, "%" JSON_INTEGER_FORMAT,
			       json_integer_value(v));
		return buf;
	}
	if (json_is_real(v)) {
		(void)snprintf(buf, 32, "%.1f", json_real_value(v));
		return buf;
	}
	if (json_is_true(v))
		return "yes";
	if (json_is_false(v))
		return "no";
	return "-";
}

/* hh:mm of an RFC 3339 time of the daemon. */
static const char *clock_of(json_t *o, const char *key, char buf[32])
{
	const char *t = str(o, key);

	if (!t || strlen(t) < 16)
		return "-";
	(void)snprintf(buf, 32, "%.5s", t + 11);
	return buf;
}

static int print_json(json_t *j)
{
	if (json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0)
		return CTL_EXIT_FAILED;
	putchar('\n');
	return CTL_EXIT_OK;
}

/* GET or POST whose answer must be `want` with a JSON body; the body is
 * handed over in *ret. */
static int call(const struct ctl *c, const char *method, const char *path,
		const char *token, long want, json_t **ret)
{
	struct ctl_answer a;

	if (ctl_request(c, method, path, token, NULL, &a) < 0)
		return -EIO;
	if (a.status != want) {
		ctl_report(method, path, &a);
		ctl_answer_clear(&a);
		return -EPROTO;
	}
	if (!a.json) {
		fprintf(stderr, "bonomatctl: %s %s: the answer is not JSON\n",
			method, path);
		ctl_answer_clear(&a);
		return -EPROTO;
	}
	*ret = json_incref(a.json);
	ctl_answer_clear(&a);
	return 0;
}

/* Every counter of the config as the daemon sees it (GET
 * /api/v1/counters/{id} with its token): an array, handed over. */
static int get_counters(const struct ctl *c, json_t **ret)
{
	json_t *arr = json_array();
	char path[128];
	int r = 0;

	if (!arr)
		return -ENOMEM;
	for (size_t i = 0; i < c->cfg->n_counters && r == 0; i++) {
		const struct cfg_counter *k = &c->cfg->counters[i];
		json_t *v = NULL;

		(void)snprintf(path, sizeof(path), "/api/v1/counters/%s",
			       k->id);
		r = call(c, "GET", path, k->token, 200, &v);
		if (r == 0 && json_array_append_new(arr, v) < 0)
			r = -ENOMEM;
	}
	if (r < 0) {
		json_decref(arr);
		return r;
	}
	*ret = arr;
	return 0;
}

/* Today's tickets from GET /api/v1/tickets (admin), page after page;
 * query is "" or "state=S" / "number=N" (already URL-safe). An array,
 * handed over. */
static int list_tickets(const struct ctl *c, const char *query, json_t **ret)
{
	json_t *all = json_array();
	json_int_t after = 0;
	char path[192];
	int r = 0;

	if (!all)
		return -ENOMEM;
	for (;;) {
		json_t *page = NULL, *list, *t;
		size_t i;

		(void)snprintf(path, sizeof(path),
			       "/api/v1/tickets?after=%" JSON_INTEGER_FORMAT
			       "%s%s",
			       after, *query ? "&" : "", query);
		r = call(c, "GET", path, c->token, 200, &page);
		if (r < 0)
			break;
		list = json_object_get(page, "tickets");
		json_array_foreach(list, i, t)
		{
			after = json_integer_value(json_object_get(t, "id"));
			if (json_array_append(all, t) < 0)
				r = -ENOMEM;
		}
		if (r < 0 || !json_is_true(json_object_get(page, "more")) ||
		    json_array_size(list) == 0) {
			json_decref(page);
			break;
		}
		json_decref(page);
	}
	if (r < 0) {
		json_decref(all);
		return r;
	}
	*ret = all;
	return 0;
}

static void print_tickets(json_t *tickets)
{
	static const char *const head[] = {
		"NUMBER", "ID",	     "SERVICE", "KIND",	   "STATE",
		"ISSUED", "COUNTER", "AHEAD",	"EST_MIN", "PRINTED"};
	struct table *t = table_new(10, head);
	json_t *k;
	size_t i;

	if (!t)
		return;
	json_array_foreach(tickets, i, k)
	{
		char b[5][32];
		const char *row[] = {
			str(k, "number"),
			cell(k, "id", b[0]),
			str(k, "service"),
			str(k, "kind"),
			str(k, "state"),
			clock_of(k, "issued_at", b[1]),
			str(k, "counter"),
			cell(k, "ahead", b[2]),
			cell(k, "est_wait_min", b[3]),
			str(k, "printed"),
		};

		(void)table_add(t, row);
	}
	table_print(t, stdout);
	table_free(t);
}

/* --- commands ------------------------------------------------------------- */

int ctl_cmd_status(struct ctl *c)
{
	json_t *services = NULL, *counters = NULL, *printers = NULL, *out;
	json_t *k;
	size_t i;
	int status = CTL_EXIT_FAILED;

	if (call(c, "GET", "/api/v1/services", NULL, 200, &services) < 0 ||
	    get_counters(c, &counters) < 0 ||
	    call(c, "GET", "/api/v1/printers", c->token, 200, &printers) < 0)
		goto out;
	if (c->json) {
		out = json_pack("{s:O, s:O, s:O}", "services", services,
				"counters", counters, "printers", printers);
		status = out ? print_json(out) : CTL_EXIT_FAILED;
		json_decref(out);
		goto out;
	}
	{
		static const char *const head[] = {"SERVICE", "NAME", "OPEN",
						   "WAITING", "EST_MIN"};
		struct table *t = table_new(5, head);

		if (!t)
			goto out;
		json_array_foreach(services, i, k)
		{
			char b[3][32];
			const char *row[] = {str(k, "id"), str(k, "name"),
					     cell(k, "open", b[0]),
					     cell(k, "waiting", b[1]),
					     cell(k, "est_wait_min", b[2])};

			if (strcmp(str(k, "kind") ? str(k, "kind") : "",
				   "info"))
				(void)table_add(t, row);
		}
		table_print(t, stdout);
		table_free(t);
	}
	putchar('\n');
	{
		static const char *const head[] = {"COUNTER", "NAME", "STATE",
						   "CURRENT", "WAITING"};
		struct table *t = table_new(5, head);

		if (!t)
			goto out;
		json_array_foreach(counters, i, k)
		{
			char b[32];
			json_t *cur = json_object_get(k, "current");
			const char *row[] = {
				str(k, "id"), str(k, "name"),
				json_is_true(json_object_get(k, "paused")) ?
					"paused" :
					"open",
				json_is_object(cur) ? str(cur, "number") : NULL,
				b};

			(void)snprintf(
				b, sizeof(b), "%zu",
				json_array_size(json_object_get(k, "waiting")));
			(void)table_add(t, row);
		}
		table_print(t, stdout);
		table_free(t);
	}
	putchar('\n');
	{
		static const char *const head[] = {"PRINTER", "DRIVER", "STATE",
						   "DETAIL"};
		struct table *t = table_new(4, head);

		if (!t)
			goto out;
		json_array_foreach(printers, i, k)
		{
			const char *row[] = {str(k, "name"), str(k, "driver"),
					     str(k, "state"), str(k, "detail")};

			(void)table_add(t, row);
		}
		table_print(t, stdout);
		table_free(t);
	}
	status = CTL_EXIT_OK;
out:
	json_decref(services);
	json_decref(counters);
	json_decref(printers);
	return status;
}

int ctl_cmd_tickets(struct ctl *c)
{
	static const char *const states[] = {"waiting", "called", "served",
					     "no_show", "expired"};
	json_t *all = NULL;
	char query[32] = "";
	int status = CTL_EXIT_FAILED;

	if (c->state) {
		size_t i;

		for (i = 0; i < sizeof(states) / sizeof(states[0]); i++)
			if (strcmp(c->state, states[i]) == 0)
				break;
		if (i == sizeof(states) / sizeof(states[0])) {
			fprintf(stderr, "bonomatctl: --state is waiting, "
					"called, served, no_show or expired\n");
			return CTL_EXIT_USAGE;
		}
		(void)snprintf(query, sizeof(query), "state=%s", states[i]);
	}
	if (list_tickets(c, query, &all) < 0)
		goto out;
	if (c->json) {
		status = print_json(all);
	} else {
		print_tickets(all);
		status = CTL_EXIT_OK;
	}
out:
	json_decref(all);
	return status;
}

static bool all_digits(const char *s)
{
	if (!*s || *s == '0' || strlen(s) > 18)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int ctl_cmd_reprint(struct ctl *c, const char *number)
{
	json_t *all = NULL, *t = NULL;
	char path[128], query[32];
	json_int_t id = 0;
	int status = CTL_EXIT_FAILED;

	if (all_digits(number)) {
		id = strtoll(number, NULL, 10);
	} else {
		/* A number is a prefix and digits: upper case, as printed. */
		size_t n = strlen(number);
		bool ok = n > 0 && n < 16;

		for (size_t i = 0; ok && i < n; i++)
			ok = (number[i] >= '0' && number[i] <= '9') ||
			     (number[i] >= 'a' && number[i] <= 'z') ||
			     (number[i] >= 'A' && number[i] <= 'Z');
		if (!ok) {
			fprintf(stderr, "bonomatctl: ");
			ctl_print_safe(stderr, number);
			fprintf(stderr, " is no ticket number (A012) or id\n");
			return CTL_EXIT_USAGE;
		}
		(void)snprintf(query, sizeof(query), "number=%s", number);
		for (char *q = query + 7; *q; q++)
			if (*q >= 'a' && *q <= 'z')
				*q = (char)(*q - 'a' + 'A');
		if (list_tickets(c, query, &all) < 0)
			goto out;
		if (json_array_size(all) == 0) {
			fprintf(stderr, "bonomatctl: no ticket of today has "
					"the number ");
			ctl_print_safe(stderr, number);
			fprintf(stderr, "\n");
			goto out;
		}
		id = json_integer_value(
			json_object_get(json_array_get(all, 0), "id"));
	}
	(void)snprintf(path, sizeof(path),
		       "/api/v1/tickets/%" JSON_INTEGER_FORMAT "/reprint", id);
	if (call(c, "POST", path, c->token, 202, &t) < 0)
		goto out;
	if (c->json) {
		status = print_json(t);
	} else {
		printf("%s (id %" JSON_INTEGER_FORMAT "): reprint %s\n",
		       str(t, "number") ? str(t, "number") : "?", id,
		       strcmp(str(t, "printed") ? str(t, "printed") : "",
			      "failed") == 0 ?
			       "could not be queued (printed: failed)" :
			       "queued");
		status = strcmp(str(t, "printed") ? str(t, "printed") : "",
				"failed") == 0 ?
				 CTL_EXIT_FAILED :
				 CTL_EXIT_OK;
	}
out:
	json_decref(all);
	json_decref(t);
	return status;
}

int ctl_cmd_counter(struct ctl *c, const char *action, const char *id)
{
	const struct cfg_counter *k = NULL;
	json_t *v = NULL;
	char path[128];
	int status = CTL_EXIT_FAILED;

	if (strcmp(action, "pause") != 0 && strcmp(action, "resume") != 0) {
		fprintf(stderr, "bonomatctl: counter pause ID or counter "
				"resume ID\n");
		return CTL_EXIT_USAGE;
	}
	for (size_t i = 0; i < c->cfg->n_counters; i++)
		if (strcmp(c->cfg->counters[i].id, id) == 0)
			k = &c->cfg->counters[i];
	if (!k) {
		fprintf(stderr, "bonomatctl: %s has no [counter.",
			c->config_path);
		ctl_print_safe(stderr, id);
		fprintf(stderr, "]\n");
		return CTL_EXIT_USAGE;
	}
	(void)snprintf(path, sizeof(path), "/api/v1/counters/%s/%s", k->id,
		       action);
	if (call(c, "POST", path, k->token, 200, &v) < 0)
		goto out;
	if (c->json) {
		status = print_json(v);
	} else {
		printf("counter %s (", k->id);
		ctl_print_safe(stdout, str(v, "name") ? str(v, "name") : "");
		printf("): %s\n", json_is_true(json_object_get(v, "paused")) ?
					  "paused" :
					  "open");
		status = CTL_EXIT_OK;
	}
out:
	json_decref(v);
	return status;
}

/* --- stats ---------------------------------------------------------------- */

static int parse_date(const char *s, struct tm *ret)
{
	struct tm tm = {0};
	char back[16];
	int y, m, d;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -EINVAL;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -EINVAL;
	if (sscanf(s, "%4d-%2d-%2d", &y, &m, &d) != 3 || y < 1970)
		return -EINVAL;
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = 12;
	if (timegm(&tm) == (time_t)-1)
		return -EINVAL;
	/* timegm takes 2026-02-30; a real calendar date round-trips. */
	if (strftime(back, sizeof(back), "%Y-%m-%d", &tm) != 10 ||
	    strcmp(back, s) != 0)
		return -EINVAL;
	*ret = tm;
	return 0;
}

/* A line of totals ("all" services and kinds) dated when. */
static void add_totals(struct table *t, const char *when, json_t *tot)
{
	char b[7][32];
	const char *total[] = {when,
			       "all",
			       "all",
			       cell(tot, "issued", b[0]),
			       cell(tot, "served", b[1]),
			       cell(tot, "no_show", b[2]),
			       cell(tot, "returned", b[6]),
			       cell(tot, "expired", b[3]),
			       cell(tot, "waiting", b[4]),
			       cell(tot, "called", b[5]),
			       NULL};

	(void)table_add(t, total);
}

/* The days' rows; with period, its totals last, dated FROM/TO. */
static void print_stats_table(json_t *days, json_t *period)
{
	static const char *const head[] = {"DATE",     "SERVICE",    "KIND",
					   "ISSUED",   "SERVED",     "NO_SHOW",
					   "RETURNED", "EXPIRED",    "WAITING",
					   "CALLED",   "WAIT_MEAN_S"};
	struct table *t = table_new(11, head);
	json_t *d, *row;
	size_t i, j;

	if (!t)
		return;
	json_array_foreach(days, i, d)
	{
		char b[8][32];

		add_totals(t, str(d, "date"), json_object_get(d, "totals"));
		json_array_foreach(json_object_get(d, "services"), j, row)
		{
			const char *r[] = {str(d, "date"),
					   str(row, "service"),
					   str(row, "kind"),
					   cell(row, "issued", b[0]),
					   cell(row, "served", b[1]),
					   cell(row, "no_show", b[2]),
					   cell(row, "returned", b[7]),
					   cell(row, "expired", b[3]),
					   cell(row, "waiting", b[4]),
					   cell(row, "called", b[5]),
					   cell(row, "wait_mean_s", b[6])};

			if (json_integer_value(
				    json_object_get(row, "issued")) ||
			    json_integer_value(
				    json_object_get(row, "served")) ||
			    json_integer_value(
				    json_object_get(row, "waiting")) ||
			    json_integer_value(
				    json_object_get(row, "called")) ||
			    json_integer_value(
				    json_object_get(row, "transferred_in")))
				(void)table_add(t, r);
		}
	}
	if (period) {
		char when[32];

		(void)snprintf(when, sizeof(when), "%s/%s", str(period, "from"),
			       str(period, "to"));
		add_totals(t, when, json_object_get(period, "totals"));
	}
	table_print(t, stdout);
	table_free(t);
}

/* One day (today, the daemon's) or a period from --from to --to in one
 * request: GET /api/v1/stats?from=&to=. The table has each day, then the
 * period's totals. */
int ctl_cmd_stats(struct ctl *c)
{
	struct tm from, to;
	struct ctl_answer a;
	json_t *days = NULL;
	char path[96] = "/api/v1/stats";
	int status = CTL_EXIT_FAILED;

	if ((c->from && parse_date(c->from, &from) < 0) ||
	    (c->to && parse_date(c->to, &to) < 0)) {
		fprintf(stderr, "bonomatctl: --from and --to are dates "
				"YYYY-MM-DD\n");
		return CTL_EXIT_USAGE;
	}
	if (c->from && !c->to)
		to = from;
	if (c->to && !c->from)
		from = to;
	if (c->from || c->to) {
		time_t first = timegm(&from), last = timegm(&to);

		if (last < first || (last - first) / 86400 >= STATS_DAYS_MAX) {
			fprintf(stderr,
				"bonomatctl: --to must not be before --from, "
				"and at most %d days in all\n",
				STATS_DAYS_MAX);
			return CTL_EXIT_USAGE;
		}
		(void)snprintf(path, sizeof(path),
			       "/api/v1/stats?from=%04d-%02d-%02d"
			       "&to=%04d-%02d-%02d",
			       from.tm_year + 1900, from.tm_mon + 1,
			       from.tm_mday, to.tm_year + 1900, to.tm_mon + 1,
			       to.tm_mday);
	}
	if (ctl_request(c, "GET", path, c->token, c->csv ? "text/csv" : NULL,
			&a) < 0)
		return CTL_EXIT_FAILED;
	if (a.status != 200 || (!c->csv && !a.json)) {
		ctl_report("GET", path, &a);
		ctl_answer_clear(&a);
		return CTL_EXIT_FAILED;
	}
	if (c->csv) {
		fputs(a.body ? a.body : "", stdout);
		status = CTL_EXIT_OK;
	} else if (c->from || c->to) {
		status = CTL_EXIT_OK;
		if (c->json)
			status = print_json(a.json);
		else
			print_stats_table(json_object_get(a.json, "days"),
					  a.json);
	} else if ((days = json_array()) &&
		   json_array_append(days, a.json) == 0) {
		/* Today: an array of the one day, as ever. */
		status = CTL_EXIT_OK;
		if (c->json)
			status = print_json(days);
		else
			print_stats_table(days, NULL);
	}
	json_decref(days);
	ctl_answer_clear(&a);
	return status;
}

/* --- config --------------------------------------------------------------- */

int ctl_cmd_check_config(const char *path)
{
	struct config *cfg;
	char err[CONFIG_ERR_MAX];

	if (config_load(path, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return CTL_EXIT_USAGE;
	}
	if (cfg->warnings)
		fputs(cfg->warnings, stderr);
	printf("%s: ok\n", path);
	config_free(cfg);
	return CTL_EXIT_OK;
}

/* The config was checked here first (ctl_load_config); the daemon reads
 * and checks its own file again and keeps running on the old one when it
 * refuses (POST /api/v1/reload). */
int ctl_cmd_reload(struct ctl *c)
{
	json_t *v = NULL, *key;
	size_t i;
	int status;

	if (call(c, "POST", "/api/v1/reload", c->token, 200, &v) < 0)
		return CTL_EXIT_FAILED;
	if (c->json) {
		status = print_json(v);
		json_decref(v);
		return status;
	}
	printf("%s: reloaded\n", c->config_path);
	json_array_foreach(json_object_get(v, "restart_required"), i, key)
	{
		printf("%s changed: it keeps its running value until a "
		       "restart (systemctl restart bonomat)\n",
		       json_string_value(key) ? json_string_value(key) : "?");
	}
	json_decref(v);
	return CTL_EXIT_OK;
}

/* --- dispatch ------------------------------------------------------------- */

int ctl_main(int argc, char **argv)
{
	const struct command *cmd = find_command(argv[0]);
	struct ctl c;
	int n, r;

	memset(&c, 0, sizeof(c));
	r = parse_options(cmd, argc, argv, &c);
	if (r)
		return r;
	n = argc - optind;
	if ((cmd->nargs >= 0 && n != cmd->nargs) || (cmd->nargs < 0 && n > 1)) {
		fprintf(stderr, "usage: bonomatctl %s [options] %s\n",
			cmd->name, cmd->operands);
		return CTL_EXIT_USAGE;
	}
	if (strcmp(cmd->name, "check-config") == 0)
		return ctl_cmd_check_config(argv[optind]);
	if (strcmp(cmd->name, "backup") == 0) {
		r = ctl_cmd_backup(&c, n ? argv[optind] : NULL);
		goto out;
	}
	/* The counters and their tokens are in the config; stats reads it
	 * only for the daemon's address, when it is given. */
	if (strchr(cmd->options, OPT_CONFIG) &&
	    (strcmp(cmd->name, "stats") != 0 || c.config_given) &&
	    (r = ctl_load_config(&c)) != 0)
		goto out;
	if ((r = ctl_set_base(&c)) != 0)
		goto out;
	if (strchr(cmd->options, OPT_TOKEN_FILE) &&
	    (r = ctl_get_token(&c)) != 0)
		goto out;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "bonomatctl: libcurl failed to start\n");
		r = CTL_EXIT_FAILED;
		goto out;
	}
	if (strcmp(cmd->name, "status") == 0)
		r = ctl_cmd_status(&c);
	else if (strcmp(cmd->name, "tickets") == 0)
		r = ctl_cmd_tickets(&c);
	else if (strcmp(cmd->name, "reprint") == 0)
		r = ctl_cmd_reprint(&c, argv[optind]);
	else if (strcmp(cmd->name, "counter") == 0)
		r = ctl_cmd_counter(&c, argv[optind], argv[optind + 1]);
	else if (strcmp(cmd->name, "reload") == 0)
		r = ctl_cmd_reload(&c);
	else
		r = ctl_cmd_stats(&c);
	curl_global_cleanup();
out:
	if (c.token)
		explicit_bzero(c.token, strlen(c.token));
	free(c.token);
	config_free(c.cfg);
	return r;
}
