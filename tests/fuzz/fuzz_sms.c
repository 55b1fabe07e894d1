/* The text-message parsers and writers on arbitrary bytes: the number
 * rule (phone_parse: accepted numbers are always 07 and 8 digits, and
 * parse again to themselves), the GSM-safe transliteration (printable
 * ASCII out, never longer than the buffer, never a GSM extension-table
 * character), the message texts, and the http driver's body template
 * (terminated, within its buffer, a JSON value escaped so that it cannot
 * end its string). The first byte splits the input into template and
 * text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "phone.h"
#include "sms.h"
#include "sms_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(int ok)
{
	if (!ok)
		abort();
}

static void check_gsm7(const char *s, size_t cap)
{
	char buf[SMS_TEXT_MAX + 1];
	size_t n = sms_text_gsm7(s, buf, cap);

	require(n < cap && buf[n] == '\0' && strlen(buf) == n);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)buf[i];
		require(c >= 0x20 && c < 0x7f);
		require(!strchr("[]{}\\^~|`", c));
	}
}

static int unescaped_quotes(const char *s)
{
	int n = 0;

	for (; *s; s++) {
		if (*s == '\\' && s[1])
			s++;
		else if (*s == '"')
			n++;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char phone[PHONE_LEN + 1], again[PHONE_LEN + 1];
	char masked[PHONE_MASK_LEN + 1], e164[PHONE_E164_LEN + 1];
	char text[SMS_TEXT_MAX + 1], tmpl[256], body[512];
	size_t split, n;

	if (phone_parse((const char *)data, size, phone) == 0) {
		require(strlen(phone) == PHONE_LEN);
		require(phone[0] == '0' && phone[1] == '7');
		for (size_t i = 0; i < PHONE_LEN; i++)
			require(phone[i] >= '0' && phone[i] <= '9');
		require(phone_parse(phone, PHONE_LEN, again) == 0);
		require(strcmp(phone, again) == 0);
		phone_mask(phone, masked);
		require(strlen(masked) == PHONE_MASK_LEN);
		require(strncmp(masked + 9, phone + 7, 3) == 0);
		phone_e164(phone, e164);
		require(strncmp(e164, "+407", 4) == 0);
	}

	n = size < SMS_TEXT_MAX ? size : SMS_TEXT_MAX;
	memcpy(text, data, n);
	text[n] = '\0';
	check_gsm7(text, sizeof(text));
	check_gsm7(text, 1 + n % 17);
	require(sms_text_called(text, text, body, sizeof(body)) < sizeof(body));
	require(sms_text_near(text, (int)(n % 40) - 1, (int)(n % 90) - 1, body,
			      sizeof(body)) < sizeof(body));

	split = size ? data[0] % (size < sizeof(tmpl) ? size : sizeof(tmpl)) :
		       0;
	memcpy(tmpl, data, split);
	tmpl[split] = '\0';
	sms_text_gsm7(text + (split < n ? split : n), text, sizeof(text));
	if (sms_fill_body(tmpl, "application/json", "0722123456", text, body,
			  sizeof(body)) == 0) {
		require(strlen(body) < sizeof(body));
		/* The text cannot end a JSON string it is put in: the
		 * template's two quotes are the only unescaped ones. */
		if (strcmp(tmpl, "\"{text}\"") == 0)
			require(unescaped_quotes(body) == 2);
	}
	if (sms_fill_body(tmpl, "application/x-www-form-urlencoded",
			  "0722123456", text, body, sizeof(body)) == 0)
		require(strlen(body) < sizeof(body));
	return 0;
}
