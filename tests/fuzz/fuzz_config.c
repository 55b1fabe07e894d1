/* Fuzzes the config parser: any bytes must give either a config that keeps
 * the module's promises or an error "fuzz.conf:..." and no leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct config *c)
{
	if (c->n_services == 0 || c->n_services > CONFIG_MAX_SERVICES ||
	    c->n_counters == 0 || c->n_printers == 0)
		abort();
	for (size_t i = 0; i < c->n_services; i++)
		if (!c->services[i].name ||
		    (c->services[i].info != NULL) ==
			    (c->services[i].prefix != NULL))
			abort();
	for (size_t i = 0; i < c->n_counters; i++) {
		uint64_t m = c->counters[i].services;
		if (m == 0 || !c->counters[i].name || !c->counters[i].token)
			abort();
		for (size_t j = 0; j < c->n_services; j++)
			if ((m >> j & 1) && c->services[j].info)
				abort();
		if (c->n_services < 64 && m >> c->n_services)
			abort();
	}
	for (size_t i = 0; i < c->n_kiosks; i++)
		if (c->kiosks[i].printer < 0 ||
		    (size_t)c->kiosks[i].printer >= c->n_printers)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *c = NULL;
	char err[CONFIG_ERR_MAX];

	if (config_parse((const char *)data, size, "fuzz.conf", &c, err,
			 sizeof(err)) == 0) {
		check(c);
		config_free(c);
	} else if (c || strncmp(err, "fuzz.conf:", 10)) {
		abort();
	}
	return 0;
}
