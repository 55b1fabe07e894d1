#include "phone.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "booking.h"

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

int phone_parse(const char *s, size_t len, char ret[PHONE_LEN + 1])
{
	char n[BOOKING_PHONE_MAX + 1];
	const char *national;

	/* The booking rule's normal form drops the same separators, so a
	 * booking's number and a typed one compare alike. */
	if (!s || booking_phone_normalize(s, len, n) < 0)
		return -EINVAL;
	if (!strncmp(n, "+40", 3))
		national = n + 2;
	else if (!strncmp(n, "0040", 4))
		national = n + 3;
	else if (!strncmp(n, "40", 2) && strlen(n) == PHONE_LEN + 1)
		national = n + 1;
	else
		national = n;
	if (national[0] != '0' || strlen(national) != PHONE_LEN ||
	    national[1] != '7' || !all_digits(national, PHONE_LEN))
		return -EINVAL;
	memcpy(ret, national, PHONE_LEN + 1);
	return 0;
}

void phone_e164(const char *phone, char ret[PHONE_E164_LEN + 1])
{
	snprintf(ret, PHONE_E164_LEN + 1, "+40%s", phone + 1);
}

void phone_mask(const char *phone, char ret[PHONE_MASK_LEN + 1])
{
	if (!phone || strlen(phone) != PHONE_LEN) {
		memcpy(ret, "xxx", 4);
		return;
	}
	snprintf(ret, PHONE_MASK_LEN + 1, "%.2sxx xxx %s", phone,
		 phone + PHONE_LEN - 3);
}
