/* bonomatctl: the office's command line tool. "import FILE" reads the
 * booking platform's export (CSV or iCalendar), reports the lines it
 * refuses, and sends the rest to a running bonomatd with POST
 * /api/v1/appointments (docs/API.md). The daily commands (status,
 * tickets, reprint, counter, stats, reload, check-config, backup) are in
 * ctl_cmds.c and ctl_backup.c; bonomatctl(1) describes them all. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "api_limits.h"
#include "booking_csv.h"
#include "booking_ics.h"
#include "config.h"
#include "ctl.h"
#include "hours.h"

#define EXIT_REFUSED 1
#define EXIT_USAGE 2

#define BATCH_MAX 1000	       /* bookings in one request */
#define ANSWER_MAX (64 * 1024) /* the daemon's answers are small */
#define URL_MAX 1024
#define PROPERTY_MAX 63

#define DEFAULT_URL "http://127.0.0.1:8080"
#define ENDPOINT "/api/v1/appointments"

enum format {
	FORMAT_AUTO,
	FORMAT_CSV,
	FORMAT_ICS,
};

struct import {
	const char *file;
	const char *url;
	const char *token;
	const char *zone;
	const char *service_property;
	const char *config; /* --config: the dry run checks the office's hours */
	enum format format;
	bool dry_run;
	char endpoint[URL_MAX + sizeof(ENDPOINT)];
	struct booking_list *list;
	json_t **items; /* the bookings as JSON, one per list item */
};

/* A part of the bookings sent as one request: stored whole or not at
 * all. */
struct batch {
	size_t first;
	size_t n;
};

struct answer {
	char *data;
	size_t len;
	bool too_big;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bonomatctl import FILE [--url URL] [--token TOKEN]\n"
		"                  [--format csv|ics] [--timezone ZONE]\n"
		"                  [--service-property NAME] [--dry-run]\n"
		"                  [--config FILE]\n"
		"\n"
		"Sends the bookings of FILE (CSV with the header\n"
		"code,service,start,end,phone,status, or iCalendar with one\n"
		"VEVENT per booking) to bonomatd: POST " ENDPOINT ".\n"
		"Refused lines are reported as FILE:LINE: why.\n"
		"\n"
		"  --url URL         the daemon (default " DEFAULT_URL ")\n"
		"  --token TOKEN     the admin token; better in the environment\n"
		"                    as BONOMAT_ADMIN_TOKEN (ps shows options)\n"
		"  --format FORMAT   csv or ics (default: by the file's name)\n"
		"  --timezone ZONE   the office's (default " CONFIG_DEFAULT_TIMEZONE
		"):\n"
		"                    iCalendar local times are read in it\n"
		"  --service-property NAME\n"
		"                    the iCalendar property with the service\n"
		"                    id (default X-SERVICE; CATEGORIES: the\n"
		"                    event's one category)\n"
		"  --dry-run         only check FILE and show what would be "
		"sent\n"
		"  --config FILE     with --dry-run: also refuse, as the daemon\n"
		"                    does, bookings on a closed day, outside\n"
		"                    that day's hours or already over, by the\n"
		"                    hours and time zone of FILE\n"
		"\n"
		"A request holds at most %d bookings and %d KiB, and is\n"
		"stored whole or not at all; the first refused request ends\n"
		"the import. Exit status: 0 all imported, 1 something was\n"
		"refused or failed, 2 usage error.\n",
		BATCH_MAX, API_BODY_MAX / 1024);
}

/* s for the terminal: control characters, C1 ones too, become '?'. */
static void print_safe(FILE *f, const char *s, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; i < max && u[i]; i++) {
		if (u[i] < 0x20 || u[i] == 0x7f) {
			fputc('?', f);
		} else if (u[i] == 0xc2 && i + 1 < max && u[i + 1] >= 0x80 &&
			   u[i + 1] < 0xa0) {
			fputc('?', f);
			i++;
		} else {
			fputc(u[i], f);
		}
	}
}

static enum format format_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(slash ? slash : path, '.');

	if (!dot)
		return FORMAT_AUTO;
	if (strcasecmp(dot, ".csv") == 0)
		return FORMAT_CSV;
	if (strcasecmp(dot, ".ics") == 0 || strcasecmp(dot, ".ical") == 0 ||
	    strcasecmp(dot, ".icalendar") == 0)
		return FORMAT_ICS;
	return FORMAT_AUTO;
}

static bool printable_token(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > CONFIG_TOKEN_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

static int set_endpoint(struct import *im)
{
	size_t n = strlen(im->url);
	int w;

	if (strncasecmp(im->url, "http://", 7) != 0 &&
	    strncasecmp(im->url, "https://", 8) != 0) {
		fprintf(stderr, "bonomatctl: --url must begin with http:// "
				"or https://\n");
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)im->url[i] <= 0x20 ||
		    (unsigned char)im->url[i] == 0x7f) {
			fprintf(stderr, "bonomatctl: --url has a blank or a "
					"control character\n");
			return -EINVAL;
		}
	while (n > 0 && im->url[n - 1] == '/')
		n--;
	if (n >= URL_MAX) {
		fprintf(stderr, "bonomatctl: --url is longer than %d bytes\n",
			URL_MAX - 1);
		return -EINVAL;
	}
	w = snprintf(im->endpoint, sizeof(im->endpoint), "%.*s%s", (int)n,
		     im->url, ENDPOINT);
	if (w < 0 || (size_t)w >= sizeof(im->endpoint))
		return -EINVAL;
	return 0;
}

static bool property_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > PROPERTY_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-'))
			return false;
	}
	return true;
}

/* Parses the options of "import"; returns 0, or EXIT_USAGE after saying
 * why, or -1 after --help. */
static int parse_args(int argc, char **argv, struct import *im)
{
	static const struct option opts[] = {
		{"url", required_argument, NULL, 'u'},
		{"token", required_argument, NULL, 't'},
		{"format", required_argument, NULL, 'f'},
		{"timezone", required_argument, NULL, 'z'},
		{"service-property", required_argument, NULL, 's'},
		{"dry-run", no_argument, NULL, 'n'},
		{"config", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	im->url = DEFAULT_URL;
	im->zone = CONFIG_DEFAULT_TIMEZONE;
	im->token = getenv("BONOMAT_ADMIN_TOKEN");
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'u':
			im->url = optarg;
			break;
		case 't':
			im->token = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "csv") == 0) {
				im->format = FORMAT_CSV;
			} else if (strcmp(optarg, "ics") == 0) {
				im->format = FORMAT_ICS;
			} else {
				fprintf(stderr, "bonomatctl: --format is csv "
						"or ics\n");
				return EXIT_USAGE;
			}
			break;
		case 'z':
			im->zone = optarg;
			break;
		case 's':
			im->service_property = optarg;
			break;
		case 'n':
			im->dry_run = true;
			break;
		case 'c':
			im->config = optarg;
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "bonomatctl: import takes one FILE\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	im->file = argv[optind];
	if (im->format == FORMAT_AUTO)
		im->format = format_of(im->file);
	if (im->format == FORMAT_AUTO) {
		fprintf(stderr,
			"bonomatctl: %s: not named .csv or .ics; give "
			"--format\n",
			im->file);
		return EXIT_USAGE;
	}
	if (im->service_property && !property_name(im->service_property)) {
		fprintf(stderr, "bonomatctl: --service-property is a property "
				"name such as X-SERVICE\n");
		return EXIT_USAGE;
	}
	if (set_endpoint(im) < 0)
		return EXIT_USAGE;
	if (!im->dry_run && !im->token) {
		fprintf(stderr, "bonomatctl: no admin token: set "
				"BONOMAT_ADMIN_TOKEN or give --token\n");
		return EXIT_USAGE;
	}
	if (im->token && !printable_token(im->token)) {
		fprintf(stderr,
			"bonomatctl: the admin token must be 1 to %d "
			"printable characters without blanks\n",
			CONFIG_TOKEN_MAX);
		return EXIT_USAGE;
	}
	if (hours_set_zone(im->zone) < 0) {
		fprintf(stderr, "bonomatctl: unknown time zone \"");
		print_safe(stderr, im->zone, 64);
		fprintf(stderr, "\"\n");
		return EXIT_USAGE;
	}
	return 0;
}

/* Reads at most BOOKING_FILE_MAX bytes; -EFBIG for a larger file. */
static int read_file(const char *path, char **ret, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;
	int r = 0;

	if (!f)
		return -errno;
	buf = malloc(BOOKING_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	n = fread(buf, 1, BOOKING_FILE_MAX + 1, f);
	if (ferror(f))
		r = errno ? -errno : -EIO;
	else if (n > BOOKING_FILE_MAX)
		r = -EFBIG;
	fclose(f);
	if (r < 0) {
		free(buf);
		return r;
	}
	*ret = buf;
	*ret_len = n;
	return 0;
}

static int parse_file(struct import *im, const char *data, size_t len)
{
	struct booking_ics_options o = {
		.tzid = im->zone,
		.service_property = im->service_property,
	};

	if (im->format == FORMAT_CSV)
		return booking_csv_parse(data, len, &im->list);
	return booking_ics_parse(data, len, &o, &im->list);
}

static void report_refusals(const struct import *im)
{
	const struct booking_list *l = im->list;

	for (size_t i = 0; i < l->n_errors; i++)
		fprintf(stderr, "%s:%u: %s\n", im->file, l->errors[i].line,
			l->errors[i].msg);
	if (l->n_refused > l->n_errors)
		fprintf(stderr, "%s: %zu more refused, not shown\n", im->file,
			l->n_refused - l->n_errors);
	if (l->fatal)
		fprintf(stderr, "%s: nothing is imported\n", im->file);
	else if (l->n_refused)
		fprintf(stderr, "%s: %zu refused, %zu to import\n", im->file,
			l->n_refused, l->n);
}

static int make_items(struct import *im)
{
	const struct booking_list *l = im->list;

	im->items = calloc(l->n, sizeof(*im->items));
	if (!im->items)
		return -ENOMEM;
	for (size_t i = 0; i < l->n; i++) {
		const struct booking *b = &l->items[i];
		char start[32], end[32];

		hours_rfc3339(b->start, start);
		hours_rfc3339(b->end, end);
		im->items[i] = json_pack(
			"{s:s, s:s, s:s, s:s, s:s?, s:s}", "code", b->code,
			"service", b->service, "start", start, "end", end,
			"phone", b->phone, "status",
			b->status == BOOKING_CANCELLED ? "cancelled" :
							 "booked");
		if (!im->items[i])
			return -ENOMEM;
	}
	return 0;
}

/* Cuts the bookings into batches of at most BATCH_MAX that fit in a
 * request body; *ret is the caller's to free. */
static int make_batches(const struct import *im, struct batch **ret,
			size_t *ret_n)
{
	static const size_t wrapper = sizeof("{\"appointments\":[]}") - 1;
	size_t n_items = im->list->n, n = 0, size = wrapper;
	struct batch *b = calloc(n_items, sizeof(*b));

	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < n_items; i++) {
		size_t item = json_dumpb(im->items[i], NULL, 0, JSON_COMPACT);

		if (item == 0 || item + wrapper > API_BODY_MAX) {
			free(b);
			return -E2BIG;
		}
		if (n == 0 || b[n - 1].n == BATCH_MAX ||
		    size + 1 + item > API_BODY_MAX) {
			b[n].first = i;
			n++;
			size = wrapper;
		} else {
			size++; /* the comma */
		}
		b[n - 1].n++;
		size += item;
	}
	*ret = b;
	*ret_n = n;
	return 0;
}

/* The office's refusals of a booking that cannot be honoured (hours.h,
 * the same rule as the daemon's import), by the config of --config; the
 * number refused, or -1 when the config cannot be read. */
static long hours_refusals(const struct import *im, bool *refused)
{
	struct config *cfg = NULL;
	char err[256];
	long n = 0;
	int64_t now = (int64_t)time(NULL);

	if (config_load(im->config, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "bonomatctl: %s\n", err);
		return -1;
	}
	if (hours_set_zone(cfg->office.timezone) < 0) {
		fprintf(stderr, "bonomatctl: unknown time zone in %s\n",
			im->config);
		config_free(cfg);
		return -1;
	}
	for (size_t i = 0; i < im->list->n; i++) {
		const struct booking *b = &im->list->items[i];
		enum hours_booking why;

		if (b->status == BOOKING_CANCELLED)
			continue;
		why = hours_booking_check(cfg, b->start, b->end, now);
		if (why == HOURS_BOOKING_OK)
			continue;
		fprintf(stderr, "%s:%u: %s\n", im->file, b->line,
			hours_booking_why(why));
		refused[i] = true;
		n++;
	}
	config_free(cfg);
	return n;
}

/* 0, or 1 when bookings were refused by the office's hours (--config). */
static int print_dry_run(const struct import *im, size_t n_batches)
{
	const struct booking_list *l = im->list;
	bool *refused = calloc(l->n ? l->n : 1, sizeof(*refused));
	long n_refused = 0;

	if (!refused)
		return -ENOMEM;
	if (im->config)
		n_refused = hours_refusals(im, refused);
	else
		fprintf(stderr, "bonomatctl: without --config the office's "
				"hours are not checked\n");
	if (n_refused < 0) {
		free(refused);
		return 1;
	}
	for (size_t i = 0; i < l->n; i++) {
		const struct booking *b = &l->items[i];
		char start[32], end[32];

		if (refused[i])
			continue;
		hours_rfc3339(b->start, start);
		hours_rfc3339(b->end, end);
		printf("%s:%u: %s %s %s %s %s %s\n", im->file, b->line, b->code,
		       b->service, start, end,
		       b->status == BOOKING_CANCELLED ? "cancelled" : "booked",
		       b->phone ? b->phone : "-");
	}
	printf("dry run: %zu booking%s in %zu request%s; nothing sent\n",
	       l->n - (size_t)n_refused, l->n - (size_t)n_refused == 1 ? "" : "s",
	       n_batches, n_batches == 1 ? "" : "s");
	free(refused);
	return n_refused > 0;
}

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct answer *a = userdata;
	size_t n = size * nmemb;

	if (n > ANSWER_MAX - a->len) {
		a->too_big = true;
		return 0;
	}
	memcpy(a->data + a->len, ptr, n);
	a->len += n;
	return n;
}

static int setup_curl(CURL *c, const struct import *im,
		      struct curl_slist *headers, struct answer *a, char *err)
{
	if (curl_easy_setopt(c, CURLOPT_URL, im->endpoint) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") !=
		    CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEDATA, a) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_USERAGENT, "bonomatctl") != CURLE_OK)
		return -EINVAL;
	return 0;
}

/* The index in "appointments[3]" (or "item 3", "index 3") of a message,
 * or -1. */
static long message_index(const char *msg)
{
	static const char *const words[] = {"appointments[", "item ", "index ",
					    "appointment ", "["};

	for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
		size_t wl = strlen(words[w]);

		for (const char *p = msg; *p; p++) {
			long v = 0;
			size_t d = 0;

			if (strncasecmp(p, words[w], wl) != 0)
				continue;
			for (p += wl; *p >= '0' && *p <= '9' && d < 7; p++, d++)
				v = v * 10 + (*p - '0');
			if (d > 0 && (*p < '0' || *p > '9'))
				return v;
			if (!*p)
				break;
		}
	}
	return -1;
}

static void report_answer(const struct import *im, const struct batch *b,
			  long status, const struct answer *a)
{
	const struct booking_list *l = im->list;
	json_t *root = json_loadb(a->data, a->len, 0, NULL);
	const char *code = NULL, *msg = NULL;
	long idx;

	if (root)
		(void)json_unpack(root, "{s:{s:s, s:s}}", "error", "code",
				  &code, "message", &msg);
	if (!msg) {
		fprintf(stderr, "%s: %s answered HTTP %ld: ", im->file,
			im->endpoint, status);
		print_safe(stderr, a->data, a->len < 200 ? a->len : 200);
		fputc('\n', stderr);
	} else if ((idx = message_index(msg)) >= 0 && (size_t)idx < b->n) {
		fprintf(stderr, "%s:%u: refused by the daemon: ", im->file,
			l->items[b->first + (size_t)idx].line);
		print_safe(stderr, msg, 1024);
		fputc('\n', stderr);
	} else {
		fprintf(stderr, "%s: refused by the daemon (HTTP %ld ",
			im->file, status);
		print_safe(stderr, code ? code : "", 64);
		fprintf(stderr, "): ");
		print_safe(stderr, msg, 1024);
		fputc('\n', stderr);
	}
	if (status == 401)
		fprintf(stderr,
			"%s: check the admin token (--token or "
			"BONOMAT_ADMIN_TOKEN)\n",
			im->file);
	else if (status == 404)
		fprintf(stderr, "%s: is %s a bonomatd that takes imports?\n",
			im->file, im->url);
	json_decref(root);
}

/* Sends one batch and gives the daemon's counts. 0; -EPROTO when the daemon
 * refused it; -ECONNREFUSED when it was not sent; -EIO when it is unknown
 * whether the daemon stored it. */
static int send_batch(CURL *c, const struct import *im, const struct batch *b,
		      struct answer *a, const char *err,
		      json_int_t *ret_created, json_int_t *ret_updated)
{
	json_t *arr = json_array(), *body = NULL, *root = NULL;
	json_int_t cr = 0, up = 0;
	char *text = NULL;
	long status = 0;
	CURLcode rc;
	int r = -ENOMEM;

	if (!arr)
		goto out;
	for (size_t i = 0; i < b->n; i++)
		if (json_array_append(arr, im->items[b->first + i]) < 0)
			goto out;
	body = json_pack("{s:O}", "appointments", arr);
	if (!body || !(text = json_dumps(body, JSON_COMPACT)))
		goto out;
	a->len = 0;
	a->too_big = false;
	if (curl_easy_setopt(c, CURLOPT_POSTFIELDS, text) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
			     (curl_off_t)strlen(text)) != CURLE_OK) {
		r = -EIO;
		goto out;
	}
	rc = curl_easy_perform(c);
	a->data[a->len] = '\0';
	if (rc != CURLE_OK) {
		fprintf(stderr, "%s: sending to %s: %s\n", im->file,
			im->endpoint,
			a->too_big ? "the answer is too large" :
			err[0]	   ? err :
				     curl_easy_strerror(rc));
		r = -EIO;
		if (rc == CURLE_COULDNT_CONNECT ||
		    rc == CURLE_COULDNT_RESOLVE_HOST ||
		    rc == CURLE_COULDNT_RESOLVE_PROXY)
			r = -ECONNREFUSED;
		goto out;
	}
	if (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK)
		status = 0;
	if (status < 200 || status > 299) {
		report_answer(im, b, status, a);
		r = -EPROTO;
		goto out;
	}
	root = json_loadb(a->data, a->len, 0, NULL);
	if (!root || json_unpack(root, "{s:I, s:I}", "created", &cr, "updated",
				 &up) < 0) {
		fprintf(stderr,
			"%s: %s answered HTTP %ld without the counts "
			"created and updated\n",
			im->file, im->endpoint, status);
		r = -EIO;
		goto out;
	}
	*ret_created = cr;
	*ret_updated = up;
	r = 0;
out:
	free(text);
	json_decref(root);
	json_decref(body);
	json_decref(arr);
	return r;
}

static int send_all(const struct import *im, const struct batch *batches,
		    size_t n)
{
	/* No "Expect: 100-continue": the body is small, sent at once. */
	static const char *const fixed[] = {
		"Content-Type: application/json",
		"Accept: application/json",
		"Expect:",
	};
	const struct booking_list *l = im->list;
	char err[CURL_ERROR_SIZE] = "", auth[CONFIG_TOKEN_MAX + 32];
	struct curl_slist *headers = NULL, *h;
	struct answer a = {.data = malloc(ANSWER_MAX + 1)};
	json_int_t created = 0, updated = 0;
	CURL *c = NULL;
	size_t i = 0;
	int r = -ENOMEM;

	if (!a.data)
		goto out;
	(void)snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
		       im->token);
	for (size_t k = 0; k < sizeof(fixed) / sizeof(fixed[0]); k++) {
		if (!(h = curl_slist_append(headers, fixed[k])))
			goto out;
		headers = h;
	}
	if (!(h = curl_slist_append(headers, auth)))
		goto out;
	headers = h;
	c = curl_easy_init();
	if (!c || setup_curl(c, im, headers, &a, err) < 0)
		goto out;
	if (n > 1)
		fprintf(stderr,
			"%s: %zu bookings in %zu requests (at most %d "
			"bookings and %d KiB each); each request is stored "
			"whole or not at all\n",
			im->file, l->n, n, BATCH_MAX, API_BODY_MAX / 1024);
	for (i = 0; i < n; i++) {
		const struct batch *b = &batches[i];
		json_int_t cr = 0, up = 0;

		r = send_batch(c, im, b, &a, err, &cr, &up);
		if (r < 0)
			break;
		created += cr;
		updated += up;
		if (n > 1)
			fprintf(stderr,
				"%s: request %zu of %zu (lines %u-%u): "
				"created %" JSON_INTEGER_FORMAT
				", updated %" JSON_INTEGER_FORMAT "\n",
				im->file, i + 1, n, l->items[b->first].line,
				l->items[b->first + b->n - 1].line, cr, up);
	}
	if (r < 0 && i < n) {
		const struct batch *b = &batches[i];
		unsigned first = l->items[b->first].line;
		unsigned last = l->items[b->first + b->n - 1].line;

		if (r == -EPROTO)
			fprintf(stderr, "%s: nothing of lines %u-%u was stored",
				im->file, first, last);
		else if (r == -ECONNREFUSED)
			fprintf(stderr, "%s: lines %u-%u were not sent",
				im->file, first, last);
		else
			fprintf(stderr,
				"%s: lines %u-%u may or may not be stored "
				"(importing again is safe: bookings are "
				"matched by code)",
				im->file, first, last);
		if (i + 1 < n)
			fprintf(stderr, "; lines %u-%u were not sent",
				l->items[batches[i + 1].first].line,
				l->items[l->n - 1].line);
		fprintf(stderr, "\n");
		if (i > 0)
			fprintf(stderr, "%s: lines %u-%u were stored\n",
				im->file, l->items[0].line,
				l->items[b->first - 1].line);
	}
	if (r == 0 || i > 0)
		printf("created %" JSON_INTEGER_FORMAT
		       ", updated %" JSON_INTEGER_FORMAT "\n",
		       created, updated);
out:
	if (r == -ENOMEM)
		fprintf(stderr, "bonomatctl: out of memory\n");
	curl_easy_cleanup(c);
	curl_slist_free_all(headers);
	free(a.data);
	return r;
}

static int cmd_import(int argc, char **argv)
{
	struct import im;
	struct batch *batches = NULL;
	size_t len = 0, n_batches = 0;
	char *data = NULL;
	int r, status = EXIT_REFUSED;

	memset(&im, 0, sizeof(im));
	r = parse_args(argc, argv, &im);
	if (r != 0)
		return r < 0 ? EXIT_SUCCESS : r;
	r = read_file(im.file, &data, &len);
	if (r == -EFBIG) {
		fprintf(stderr, "%s: larger than %d MiB; split it\n", im.file,
			BOOKING_FILE_MAX >> 20);
		return EXIT_REFUSED;
	} else if (r < 0) {
		fprintf(stderr, "%s: %s\n", im.file, strerror(-r));
		return EXIT_REFUSED;
	}
	r = parse_file(&im, data, len);
	free(data);
	if (r == -EINVAL) {
		fprintf(stderr,
			"bonomatctl: --service-property cannot be a "
			"property the import reads itself (UID, DTSTART, "
			"STATUS...)\n");
		return EXIT_USAGE;
	}
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", im.file, strerror(-r));
		return EXIT_REFUSED;
	}
	report_refusals(&im);
	if (im.list->n == 0) {
		if (!im.list->n_refused)
			printf("%s: no bookings\n", im.file);
		status = im.list->n_refused ? EXIT_REFUSED : EXIT_SUCCESS;
		goto out;
	}
	r = make_items(&im);
	if (r == 0)
		r = make_batches(&im, &batches, &n_batches);
	if (r < 0) {
		fprintf(stderr, "bonomatctl: %s\n", strerror(-r));
		goto out;
	}
	if (im.dry_run) {
		r = print_dry_run(&im, n_batches);
		status = im.list->n_refused || r != 0 ? EXIT_REFUSED
						      : EXIT_SUCCESS;
		goto out;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "bonomatctl: libcurl failed to start\n");
		goto out;
	}
	r = send_all(&im, batches, n_batches);
	curl_global_cleanup();
	if (r == 0 && !im.list->n_refused)
		status = EXIT_SUCCESS;
out:
	if (im.items)
		for (size_t i = 0; i < im.list->n; i++)
			json_decref(im.items[i]);
	free(im.items);
	free(batches);
	booking_csv_free(im.list);
	return status;
}

static void usage_all(FILE *f)
{
	fprintf(f,
		"usage: bonomatctl COMMAND [options] [operands]\n"
		"\n"
		"  status                   services, counters, printers\n"
		"  tickets [--state STATE]  today's tickets (waiting, called,\n"
		"                           served, no_show, expired)\n"
		"  reprint NUMBER|ID        print a ticket of today again\n"
		"  counter pause|resume ID  pause or resume a counter\n"
		"  stats [--from DATE] [--to DATE] [--csv]\n"
		"                           the day's statistics (default today)\n"
		"  reload                   check the config, then have bonomatd\n"
		"                           reload it (SIGHUP does the same)\n"
		"  import FILE              send bookings (import --help)\n"
		"  backup FILE | --dir DIR [--keep N]\n"
		"                           an online copy of the database\n"
		"  check-config FILE        check a configuration file\n"
		"\n"
		"Options: --url URL (default: BONOMAT_URL, else the config's\n"
		"listen address, else " DEFAULT_URL
		"), --config FILE (default\n" CTL_DEFAULT_CONFIG
		"; it gives the counters and their tokens),\n"
		"--token-file FILE (mode 0600; else BONOMAT_ADMIN_TOKEN), --json,\n"
		"--database FILE (backup).\n"
		"Exit status: 0 done, 1 failed or refused, 2 usage error or an\n"
		"invalid config. See bonomatctl(1).\n");
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "import") == 0)
		return cmd_import(argc - 1, argv + 1);
	if (argc >= 2 && ctl_is_command(argv[1]))
		return ctl_main(argc - 1, argv + 1);
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("bonomatctl %s\n", BONOMAT_VERSION);
		return EXIT_SUCCESS;
	}
	if (argc >= 2 &&
	    (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	     strcmp(argv[1], "help") == 0)) {
		usage_all(stdout);
		return EXIT_SUCCESS;
	}
	usage_all(stderr);
	return EXIT_USAGE;
}
