/* A ticket's token in a path (/api/v1/t/{token}): accepted only in the one
 * spelling ticket_token_new() writes, and what it decodes encodes back to
 * the same text; anything else decodes to nothing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ticket.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char bytes[TICKET_TOKEN_BYTES];
	char again[TICKET_TOKEN_LEN + 1];
	const char *s = (const char *)data;
	bool valid = ticket_token_valid(s, size);
	int r = ticket_token_decode(s, size, bytes);

	if (valid != (r == 0))
		abort();
	if (!valid)
		return 0;
	if (size != TICKET_TOKEN_LEN)
		abort();
	ticket_token_encode(bytes, again);
	if (memcmp(again, s, size) != 0)
		abort();
	return 0;
}
