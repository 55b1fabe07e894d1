/* A citizen's mobile number for the SMS of issue #12: only a Romanian
 * mobile number (07xxxxxxxx, +407xxxxxxxx, 00407xxxxxxxx, with the
 * separators people write), stored in its national form and never shown
 * whole: pages and logs see it masked, "07xx xxx 123". */
#ifndef BONOMAT_PHONE_H
#define BONOMAT_PHONE_H

#include <stddef.h>

#define PHONE_LEN 10      /* "0722123456" */
#define PHONE_E164_LEN 12 /* "+40722123456" */
#define PHONE_MASK_LEN 12 /* "07xx xxx 456" */

/* Writes the national form of s[0..len) to ret: -EINVAL for anything but
 * a Romanian mobile number. ret is untouched on failure. */
int phone_parse(const char *s, size_t len, char ret[PHONE_LEN + 1]);
/* The national form's international one, "+40722123456". */
void phone_e164(const char *phone, char ret[PHONE_E164_LEN + 1]);
/* The national form masked, "07xx xxx 456"; anything else "xxx". */
void phone_mask(const char *phone, char ret[PHONE_MASK_LEN + 1]);

#endif
