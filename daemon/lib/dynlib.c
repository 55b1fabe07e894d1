#include "dynlib.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

int dynlib_load(struct dynlib *lib, char *why, size_t why_size)
{
	void *handle, *sym;
	int r = 0;

	pthread_mutex_lock(&lib->lock);
	if (lib->loaded)
		goto out;
	/* The table is a struct of function pointers, laid out as an array
	 * of them (POSIX: a function pointer is the size of a void *). */
	if (lib->table_size != lib->n_names * sizeof(void *)) {
		r = -EINVAL;
		goto out;
	}
	handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		if (why_size)
			(void)snprintf(why, why_size, "%s", dlerror());
		r = -ELIBACC;
		goto out;
	}
	for (size_t i = 0; i < lib->n_names; i++) {
		sym = dlsym(handle, lib->names[i]);
		if (!sym) {
			if (why_size)
				(void)snprintf(why, why_size, "%s: no %s",
					       lib->soname, lib->names[i]);
			(void)dlclose(handle);
			r = -ELIBACC;
			goto out;
		}
		/* POSIX's way from dlsym to a function pointer. */
		memcpy((char *)lib->table + i * sizeof(sym), &sym, sizeof(sym));
	}
	lib->loaded = true;
out:
	pthread_mutex_unlock(&lib->lock);
	return r;
}
