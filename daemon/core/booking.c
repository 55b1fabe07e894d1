#include "booking.h"

#include <errno.h>
#include <string.h>

bool booking_code_separator(char c)
{
	return c == ' ' || c == '\t' || c == '-';
}

int booking_code_normalize(const char *s, size_t len,
			   char ret[BOOKING_CODE_MAX + 1])
{
	char out[BOOKING_CODE_MAX + 1];
	size_t n = 0;
	bool too_long = len > BOOKING_CODE_INPUT_MAX;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (booking_code_separator(c))
			continue;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			return -EINVAL;
		if (n == BOOKING_CODE_MAX)
			too_long = true;
		else
			out[n++] = c;
	}
	if (too_long || n < BOOKING_CODE_MIN)
		return -ERANGE;
	out[n] = '\0';
	memcpy(ret, out, n + 1);
	return 0;
}

int booking_phone_normalize(const char *s, size_t len,
			    char ret[BOOKING_PHONE_MAX + 1])
{
	char out[BOOKING_PHONE_MAX + 1];
	size_t n = 0;

	if (len > BOOKING_PHONE_INPUT_MAX)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (strchr(" -./()", c) && c != '\0')
			continue;
		if (!((c == '+' && n == 0) || (c >= '0' && c <= '9')) ||
		    n == BOOKING_PHONE_MAX)
			return -EINVAL;
		out[n++] = c;
	}
	if (n < BOOKING_PHONE_MIN)
		return -EINVAL;
	out[n] = '\0';
	memcpy(ret, out, n + 1);
	return 0;
}

int booking_span_check(int64_t start, int64_t end)
{
	if (end <= start)
		return -EINVAL;
	if (end - start > BOOKING_SPAN_MAX)
		return -ERANGE;
	return 0;
}
