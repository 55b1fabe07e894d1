#include "sms_text.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "text.h"

const char *sms_kind_name(enum sms_kind k)
{
	return k == SMS_CALLED ? "called" : "near";
}

/* The replacement of one character that is not plain GSM-safe ASCII, or
 * NULL when it has none. */
static const char *gsm7_of(uint32_t cp)
{
	static const struct {
		uint32_t cp;
		const char *to;
	} map[] = {
		{0x0103, "a"}, {0x0102, "A"}, {0x00E2, "a"}, {0x00C2, "A"},
		{0x00EE, "i"}, {0x00CE, "I"}, {0x0219, "s"}, {0x0218, "S"},
		{0x015F, "s"}, {0x015E, "S"}, {0x021B, "t"}, {0x021A, "T"},
		{0x0163, "t"}, {0x0162, "T"}, {0x00E1, "a"}, {0x00C1, "A"},
		{0x00E9, "e"}, {0x00C9, "E"}, {0x00F3, "o"}, {0x00D3, "O"},
		{0x00FA, "u"}, {0x00DA, "U"}, {0x00ED, "i"}, {0x00CD, "I"},
		{0x2013, "-"}, {0x2014, "-"}, {0x201E, "\""}, {0x201D, "\""},
		{0x201C, "\""}, {0x2019, "'"}, {0x2018, "'"}, {0x00A0, " "},
		{'[', "("},    {']', ")"},    {'{', "("},    {'}', ")"},
		{'\\', "/"},   {'^', "-"},    {'~', "-"},    {'|', "/"},
		{'`', "'"},    {'\t', " "},   {'\n', " "},   {'\r', " "},
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].cp == cp)
			return map[i].to;
	return NULL;
}

size_t sms_text_gsm7(const char *s, char *buf, size_t size)
{
	const uint8_t *u = (const uint8_t *)s;
	size_t len = s ? strlen(s) : 0, n = 0;

	if (size == 0)
		return 0;
	for (size_t i = 0; i < len && n + 1 < size;) {
		uint32_t cp;
		const char *to;

		i += text_utf8_next(u + i, len - i, &cp);
		to = gsm7_of(cp);
		if (!to && cp >= 0x20 && cp < 0x7f) {
			buf[n++] = (char)cp;
			continue;
		}
		if (!to)
			to = "?";
		for (; *to && n + 1 < size; to++)
			buf[n++] = *to;
	}
	buf[n] = '\0';
	return n;
}

/* A count and its noun as Romanian says it: "1 minut", "5 minute",
 * "20 de minute" (from 20 on, but 101 to 119 and the like again without
 * "de"). */
static void count_words(char *buf, size_t size, int n, const char *one,
			const char *many)
{
	int r = n % 100;

	if (n == 1)
		snprintf(buf, size, "1 %s", one);
	else if (n == 0 || (r >= 1 && r <= 19))
		snprintf(buf, size, "%d %s", n, many);
	else
		snprintf(buf, size, "%d de %s", n, many);
}

size_t sms_text_near(const char *number, int ahead, int minutes, char *buf,
		     size_t size)
{
	char text[SMS_TEXT_MAX + 1], people[48], wait[64] = "";

	if (minutes > 0) {
		char m[32];
		count_words(m, sizeof(m), minutes, "minut", "minute");
		snprintf(wait, sizeof(wait), ", aproximativ %s", m);
	}
	if (ahead <= 0) {
		snprintf(text, sizeof(text),
			 "Bonul %s: urmează rândul dumneavoastră. Vă rugăm "
			 "să reveniți în sala de așteptare.",
			 number);
	} else {
		count_words(people, sizeof(people), ahead, "persoană",
			    "persoane");
		snprintf(text, sizeof(text),
			 "Bonul %s: se apropie rândul dumneavoastră (%s "
			 "înainte%s). Vă rugăm să reveniți în sala de "
			 "așteptare.",
			 number, people, wait);
	}
	return sms_text_gsm7(text, buf, size);
}

size_t sms_text_called(const char *number, const char *counter, char *buf,
		       size_t size)
{
	char text[SMS_TEXT_MAX + 1];

	snprintf(text, sizeof(text), "%s, %s: este rândul dumneavoastră.",
		 number, counter);
	text_utf8_cut(text);
	return sms_text_gsm7(text, buf, size);
}
