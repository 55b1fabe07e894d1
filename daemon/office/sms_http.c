/* The http driver: a provider's HTTP(S) API through libcurl, one POST per
 * message to [sms] url with [sms] body (the number and the text filled
 * in), basic authentication when [sms] user is set, the whole exchange
 * bounded by [sms] timeout. Any 2xx answer is success. */
#include "sms.h"

/* A call through the table below: curl's type-checking macros would take
 * libcurl.curl_easy_setopt(...) for theirs. */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dynlib.h"

#define BODY_MAX 4096
#define ANSWER_KEEP 120

/* libcurl, loaded by the first message (see dynlib.h). */
/* clang-format off */
#define CURL_FUNCTIONS(X) \
	X(curl_easy_cleanup) \
	X(curl_easy_getinfo) \
	X(curl_easy_init) \
	X(curl_easy_perform) \
	X(curl_easy_setopt) \
	X(curl_easy_strerror) \
	X(curl_slist_append) \
	X(curl_slist_free_all)
/* clang-format on */

DYNLIB_DEFINE(libcurl, "libcurl.so.4", CURL_FUNCTIONS);

struct answer {
	char text[ANSWER_KEEP + 1];
	size_t n;
};

/* Keeps the start of the provider's answer for the reason of a failure. */
static size_t on_data(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct answer *a = userdata;
	size_t len = size * nmemb;

	for (size_t i = 0; i < len && a->n < ANSWER_KEEP; i++) {
		unsigned char c = (unsigned char)data[i];
		a->text[a->n++] = c >= 0x20 && c < 0x7f ? (char)c : ' ';
	}
	a->text[a->n] = '\0';
	return len;
}

/* Aborts the transfer once the daemon stops. */
static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow,
		       curl_off_t ultotal, curl_off_t ulnow)
{
	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return atomic_load((const atomic_bool *)userdata) ? 1 : 0;
}

static int http_send(const struct cfg_sms *set, const char *to,
		     const char *text, const atomic_bool *stop,
		     char why[SMS_WHY_MAX])
{
	char body[BODY_MAX], ct[256];
	struct curl_slist *headers = NULL;
	struct answer answer = {.n = 0};
	long status = 0;
	CURLcode rc;
	CURL *curl;
	int r;

	r = sms_fill_body(set->body, set->content_type, to, text, body,
			  sizeof(body));
	if (r < 0) {
		snprintf(why, SMS_WHY_MAX, "the body is longer than %d bytes",
			 BODY_MAX - 1);
		return r;
	}
	r = dynlib_load(&libcurl_lib, why, SMS_WHY_MAX);
	if (r < 0)
		return r;
	snprintf(ct, sizeof(ct), "Content-Type: %s", set->content_type);
	curl = libcurl.curl_easy_init();
	if (!curl)
		return -ENOMEM;
	headers = libcurl.curl_slist_append(headers, ct);
	libcurl.curl_easy_setopt(curl, CURLOPT_URL, set->url);
	libcurl.curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	libcurl.curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	libcurl.curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	libcurl.curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	libcurl.curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)set->timeout);
	libcurl.curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT,
				 (long)set->timeout);
	libcurl.curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
	libcurl.curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
	libcurl.curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	libcurl.curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	libcurl.curl_easy_setopt(curl, CURLOPT_XFERINFODATA,
				 (void *)(uintptr_t)stop);
	if (set->user) {
		libcurl.curl_easy_setopt(curl, CURLOPT_HTTPAUTH,
					 CURLAUTH_BASIC);
		libcurl.curl_easy_setopt(curl, CURLOPT_USERNAME, set->user);
		libcurl.curl_easy_setopt(curl, CURLOPT_PASSWORD, set->password);
	}
	rc = libcurl.curl_easy_perform(curl);
	if (rc == CURLE_OK)
		libcurl.curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE,
					  &status);
	libcurl.curl_easy_cleanup(curl);
	libcurl.curl_slist_free_all(headers);
	if (rc == CURLE_ABORTED_BY_CALLBACK) {
		snprintf(why, SMS_WHY_MAX, "the daemon stopped");
		return -ECANCELED;
	}
	if (rc != CURLE_OK) {
		snprintf(why, SMS_WHY_MAX, "%s",
			 libcurl.curl_easy_strerror(rc));
		return rc == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT : -EIO;
	}
	if (status < 200 || status > 299) {
		snprintf(why, SMS_WHY_MAX, "HTTP %ld: %s", status, answer.text);
		return -EIO;
	}
	return 0;
}

const struct sms_driver sms_driver_http = {
	.name = "http",
	.send = http_send,
};
