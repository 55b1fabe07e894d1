/* A shared library loaded the first time it is needed rather than at
 * start: libcups and libcurl, with what they load in turn (OpenSSL,
 * Kerberos, LDAP, Avahi...), cost every daemon 4.5 MiB of resident memory
 * when linked, though only a cups printer or the http SMS driver uses
 * them. The functions are looked up by name into a table of pointers
 * whose types come from the library's own header:
 *
 *   #define CUPS_FUNCTIONS(X) X(cupsCreateJob) X(httpClose)
 *   DYNLIB_DEFINE(libcups, "libcups.so.2", CUPS_FUNCTIONS);
 *
 *   if (dynlib_load(&libcups_lib, NULL, 0) == 0)
 *           libcups.httpClose(http);
 *
 * Every use of the table follows a successful dynlib_load(). */
#ifndef BONOMAT_DYNLIB_H
#define BONOMAT_DYNLIB_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

struct dynlib {
	const char *soname;
	const char *const *names;
	size_t n_names;
	void *table; /* a pointer for each name, in order */
	size_t table_size;
	pthread_mutex_t lock;
	bool loaded;
};

#define DYNLIB_POINTER(f) __typeof__(f) *f;
#define DYNLIB_NAME(f) #f,
/* A table `var` of the functions that FUNCS lists, and var_lib. */
#define DYNLIB_DEFINE(var, soname, FUNCS)                              \
	static struct {                                                \
		FUNCS(DYNLIB_POINTER)                                  \
	} var;                                                         \
	static const char *const var##_names[] = {FUNCS(DYNLIB_NAME)}; \
	static struct dynlib var##_lib = {                             \
		(soname),                                              \
		var##_names,                                           \
		sizeof(var##_names) / sizeof(var##_names[0]),          \
		&(var),                                                \
		sizeof(var),                                           \
		PTHREAD_MUTEX_INITIALIZER,                             \
		false}

/* Loads the library once (any thread; a failure is tried again next
 * time) and fills its table. 0, or -ELIBACC with the loader's reason in
 * why (why_size may be 0). Never unloaded. */
int dynlib_load(struct dynlib *lib, char *why, size_t why_size);

#endif
