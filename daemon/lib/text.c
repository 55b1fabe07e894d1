#include "text.h"

#include <errno.h>
#include <string.h>

size_t text_utf8_next(const uint8_t *s, size_t len, uint32_t *ret_cp)
{
	uint32_t cp, min;
	size_t n;

	if (s[0] < 0x80) {
		*ret_cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
		min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
		min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
		min = 0x10000;
	} else {
		goto invalid;
	}
	if (len < n)
		goto invalid;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			goto invalid;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		goto invalid;
	*ret_cp = cp;
	return n;
invalid:
	*ret_cp = TEXT_INVALID;
	return 1;
}

size_t text_utf8_len(const char *s, size_t len)
{
	uint32_t cp;
	size_t n = text_utf8_next((const uint8_t *)s, len, &cp);

	return cp == TEXT_INVALID ? 0 : n;
}

size_t text_utf8_prefix(const char *s, size_t len)
{
	size_t i = 0, n;

	while (i < len && (n = text_utf8_len(s + i, len - i)) > 0)
		i += n;
	return i;
}

bool text_is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

void text_utf8_cut(char *s)
{
	size_t n = strlen(s), i = n;

	/* Back to the lead byte of the last sequence, at most 4 bytes. */
	while (i > 0 && n - i < 4 && ((unsigned char)s[i - 1] & 0xc0) == 0x80)
		i--;
	if (i > 0 && (unsigned char)s[i - 1] >= 0xc0 &&
	    text_utf8_len(s + i - 1, n - i + 1) == 0)
		s[i - 1] = '\0';
}

size_t text_quote(char *buf, size_t size, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *u = (const uint8_t *)s;
	/* Room for the text: less the quotes, "..." and the NUL. */
	const size_t room = size - 6;
	size_t o = 0, i = 0;

	buf[o++] = '"';
	while (i < len) {
		char piece[4];
		uint32_t cp;
		size_t k, take = text_utf8_next(u + i, len - i, &cp);

		if (cp == '"' || cp == '\\') {
			piece[0] = '\\';
			piece[1] = (char)cp;
			k = 2;
		} else if (cp != TEXT_INVALID && !text_is_control(cp)) {
			memcpy(piece, u + i, take);
			k = take;
		} else {
			/* One byte at a time, so that nothing is hidden. */
			piece[0] = '\\';
			piece[1] = 'x';
			piece[2] = hex[u[i] >> 4];
			piece[3] = hex[u[i] & 15];
			k = 4;
			take = 1;
		}
		if (o - 1 + k > room)
			break;
		memcpy(buf + o, piece, k);
		o += k;
		i += take;
	}
	if (i < len) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return o;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int text_percent_decode(const char *s, size_t len, unsigned flags, char *buf,
			size_t size, size_t *ret_len)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)s[i], hi, lo;

		if (c == '+' && (flags & TEXT_PERCENT_PLUS_SPACE)) {
			c = ' ';
		} else if (c == '%') {
			if (len - i < 3 || (hi = hexval(s[i + 1])) < 0 ||
			    (lo = hexval(s[i + 2])) < 0 || (hi == 0 && lo == 0))
				return -EINVAL;
			c = hi * 16 + lo;
			i += 2;
		}
		if ((flags & TEXT_PERCENT_NO_CONTROL) &&
		    (c < 0x20 || c == 0x7f))
			return -EINVAL;
		if (o + 1 >= size)
			return -E2BIG;
		buf[o++] = (char)c;
	}
	if (size == 0)
		return -E2BIG;
	buf[o] = '\0';
	*ret_len = o;
	return 0;
}

void text_trim(const char **s, size_t *len)
{
	while (*len > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}
