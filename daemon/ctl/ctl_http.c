/* bonomatctl: the daemon's address, the admin token, the config and one
 * HTTP request with libcurl (docs/API.md). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "ctl.h"

#define ANSWER_MAX (16 * 1024 * 1024) /* stats CSV of a busy day is small */

void ctl_answer_clear(struct ctl_answer *a)
{
	free(a->body);
	json_decref(a->json);
	memset(a, 0, sizeof(*a));
}

static bool blank_or_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s == 0x7f)
			return true;
	return false;
}

int ctl_set_base(struct ctl *c)
{
	const char *url = c->url ? c->url : getenv("BONOMAT_URL");
	size_t n;
	int w;

	if (!url && c->cfg) {
		const char *h = c->cfg->server.listen_host;

		if (c->cfg->server.listen_port == 0) {
			fprintf(stderr, "bonomatctl: the config listens on "
					"port 0 (any): give --url\n");
			return CTL_EXIT_USAGE;
		}
		/* Every interface: the daemon is reached on loopback. */
		if (strcmp(h, "0.0.0.0") == 0)
			h = "127.0.0.1";
		else if (strcmp(h, "::") == 0)
			h = "::1";
		w = snprintf(c->base, sizeof(c->base),
			     strchr(h, ':') ? "http://[%s]:%u" : "http://%s:%u",
			     h, c->cfg->server.listen_port);
		return w > 0 && (size_t)w < sizeof(c->base) ? 0 :
							      CTL_EXIT_USAGE;
	}
	if (!url)
		url = CTL_DEFAULT_URL;
	if (strncasecmp(url, "http://", 7) != 0 &&
	    strncasecmp(url, "https://", 8) != 0) {
		fprintf(stderr, "bonomatctl: the URL must begin with http:// "
				"or https://\n");
		return CTL_EXIT_USAGE;
	}
	if (blank_or_control(url)) {
		fprintf(stderr, "bonomatctl: the URL has a blank or a control "
				"character\n");
		return CTL_EXIT_USAGE;
	}
	n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		n--;
	if (n >= sizeof(c->base) - 256) {
		fprintf(stderr, "bonomatctl: the URL is too long\n");
		return CTL_EXIT_USAGE;
	}
	memcpy(c->base, url, n);
	c->base[n] = '\0';
	return 0;
}

static bool valid_token(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= CONFIG_TOKEN_MAX && !blank_or_control(s);
}

/* The first line of a file that only its owner may read or write. */
static int read_token_file(const char *path, char **ret)
{
	char buf[CONFIG_TOKEN_MAX + 3];
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		fprintf(stderr, "bonomatctl: %s: %s\n", path, strerror(errno));
		return CTL_EXIT_USAGE;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "bonomatctl: %s: not a regular file\n", path);
		close(fd);
		return CTL_EXIT_USAGE;
	}
	if (st.st_mode & 077) {
		fprintf(stderr,
			"bonomatctl: %s: group or others may read it (mode "
			"%03o); the token file must be for its owner only: "
			"chmod 600 %s\n",
			path, (unsigned)(st.st_mode & 0777), path);
		close(fd);
		return CTL_EXIT_USAGE;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0) {
		fprintf(stderr, "bonomatctl: %s: %s\n", path, strerror(errno));
		return CTL_EXIT_USAGE;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (!valid_token(buf)) {
		fprintf(stderr,
			"bonomatctl: %s: the first line must be the admin "
			"token, 1 to %d printable characters without blanks\n",
			path, CONFIG_TOKEN_MAX);
		return CTL_EXIT_USAGE;
	}
	*ret = strdup(buf);
	explicit_bzero(buf, sizeof(buf));
	return *ret ? 0 : CTL_EXIT_FAILED;
}

int ctl_get_token(struct ctl *c)
{
	const char *env = getenv("BONOMAT_ADMIN_TOKEN");

	if (c->token_file)
		return read_token_file(c->token_file, &c->token);
	if (!env || !*env) {
		fprintf(stderr, "bonomatctl: no admin token: set "
				"BONOMAT_ADMIN_TOKEN or give --token-file\n");
		return CTL_EXIT_USAGE;
	}
	if (!valid_token(env)) {
		fprintf(stderr,
			"bonomatctl: BONOMAT_ADMIN_TOKEN must be 1 to %d "
			"printable characters without blanks\n",
			CONFIG_TOKEN_MAX);
		return CTL_EXIT_USAGE;
	}
	c->token = strdup(env);
	return c->token ? 0 : CTL_EXIT_FAILED;
}

int ctl_load_config(struct ctl *c)
{
	char err[CONFIG_ERR_MAX];

	if (c->cfg)
		return 0;
	if (config_load(c->config_path, &c->cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return CTL_EXIT_USAGE;
	}
	return 0;
}

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct ctl_answer *a = userdata;
	size_t n = size * nmemb;
	char *p;

	if (n > ANSWER_MAX - a->len)
		return 0;
	p = realloc(a->body, a->len + n + 1);
	if (!p)
		return 0;
	memcpy(p + a->len, ptr, n);
	a->body = p;
	a->len += n;
	p[a->len] = '\0';
	return n;
}

int ctl_request(const struct ctl *c, const char *method, const char *path,
		const char *token, const char *accept, struct ctl_answer *a)
{
	char url[CTL_URL_MAX + 512], err[CURL_ERROR_SIZE] = "";
	char auth[CONFIG_TOKEN_MAX + 32], acc[128];
	struct curl_slist *headers = NULL, *h;
	CURL *curl = curl_easy_init();
	CURLcode rc = CURLE_OUT_OF_MEMORY;
	int r = -1;

	memset(a, 0, sizeof(*a));
	if (!curl)
		goto out;
	(void)snprintf(url, sizeof(url), "%s%s", c->base, path);
	(void)snprintf(acc, sizeof(acc), "Accept: %s",
		       accept ? accept : "application/json");
	if (!(h = curl_slist_append(headers, acc)))
		goto out;
	headers = h;
	if (!(h = curl_slist_append(headers, "Expect:")))
		goto out;
	headers = h;
	if (token) {
		(void)snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
			       token);
		h = curl_slist_append(headers, auth);
		explicit_bzero(auth, sizeof(auth));
		if (!h)
			goto out;
		headers = h;
	}
	if ((rc = curl_easy_setopt(curl, CURLOPT_URL, url)) != CURLE_OK ||
	    (rc = curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR,
				   "http,https")) != CURLE_OK ||
	    (rc = curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers)) !=
		    CURLE_OK ||
	    (rc = curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data)) !=
		    CURLE_OK ||
	    (rc = curl_easy_setopt(curl, CURLOPT_WRITEDATA, a)) != CURLE_OK ||
	    (rc = curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, err)) !=
		    CURLE_OK ||
	    (rc = curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L)) != CURLE_OK ||
	    (rc = curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L)) !=
		    CURLE_OK ||
	    (rc = curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L)) != CURLE_OK ||
	    (rc = curl_easy_setopt(curl, CURLOPT_USERAGENT, "bonomatctl")) !=
		    CURLE_OK)
		goto out;
	if (strcmp(method, "POST") == 0 &&
	    ((rc = curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "")) !=
		     CURLE_OK ||
	     (rc = curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, 0L)) !=
		     CURLE_OK))
		goto out;
	rc = curl_easy_perform(curl);
	if (rc != CURLE_OK)
		goto out;
	if (curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &a->status) !=
	    CURLE_OK)
		a->status = 0;
	if (a->body)
		a->json = json_loadb(a->body, a->len, JSON_REJECT_DUPLICATES,
				     NULL);
	r = 0;
out:
	if (r < 0) {
		fprintf(stderr, "bonomatctl: %s %s%s: %s\n", method, c->base,
			path, err[0] ? err : curl_easy_strerror(rc));
		ctl_answer_clear(a);
	}
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	return r;
}

void ctl_report(const char *method, const char *path,
		const struct ctl_answer *a)
{
	const char *code = NULL, *msg = NULL;

	if (a->json)
		(void)json_unpack(a->json, "{s:{s:s, s:s}}", "error", "code",
				  &code, "message", &msg);
	fprintf(stderr, "bonomatctl: %s %s: HTTP %ld", method, path, a->status);
	if (code) {
		fputc(' ', stderr);
		ctl_print_safe(stderr, code);
	}
	if (msg) {
		fputs(": ", stderr);
		ctl_print_safe(stderr, msg);
	}
	fputc('\n', stderr);
	if (a->status == 401)
		fprintf(stderr, "bonomatctl: check the admin token "
				"(BONOMAT_ADMIN_TOKEN or --token-file)\n");
}
