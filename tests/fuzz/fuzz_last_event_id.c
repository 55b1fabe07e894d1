/* Last-Event-ID of the event stream: accepted only as "BOOT.SEQ" of this
 * run with SEQ not negative, and what it prints it reads back. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BOOT 1764950400LL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *h = strndup((const char *)data, size);
	char again[64];
	int64_t seq = -1, seq2 = -1;

	if (!h)
		return 0;
	if (streams_parse_last_id(BOOT, h, &seq)) {
		if (seq < 0)
			abort();
		snprintf(again, sizeof(again), "%lld.%" PRId64, BOOT, seq);
		if (!streams_parse_last_id(BOOT, again, &seq2) || seq2 != seq)
			abort();
		if (streams_parse_last_id(BOOT + 1, h, &seq2))
			abort();
	}
	free(h);
	return 0;
}
