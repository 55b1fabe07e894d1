/* The limits of the HTTP API (docs/API.md) that its clients must know as
 * well as the daemon: the web layer enforces them, bonomatctl splits its
 * imports to fit them. Here, in the core, because both sides use them. */
#ifndef BONOMAT_API_LIMITS_H
#define BONOMAT_API_LIMITS_H

/* The largest request body; larger ones are answered 413. */
#define API_BODY_MAX_KIB 64
#define API_BODY_MAX (API_BODY_MAX_KIB * 1024)

#endif
