/* The static path mapper of http.c: any decoded path either is refused or
 * maps to a path inside ui_dir that names no hidden file. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char rel[4096];
	char *path = strndup((const char *)data, size);
	const char *seg;

	if (!path)
		return 0;
	if (http_map_path(path, rel, sizeof(rel)) == 0) {
		if (path[0] != '/' || rel[0] == '\0' || rel[0] == '/' ||
		    strstr(rel, "//") || strchr(rel, '\\'))
			abort();
		for (seg = rel; seg; seg = strchr(seg, '/')) {
			if (*seg == '/')
				seg++;
			if (*seg == '.')
				abort();
		}
		for (const char *c = rel; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				abort();
		if (rel[strlen(rel) - 1] == '/')
			abort();
	}
	free(path);
	return 0;
}
