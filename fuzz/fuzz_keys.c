/* Fuzz target: key parsing (base64 and hex). Checks that decoding never
 * crashes and that every accepted input round-trips to itself exactly
 * (the decoders accept only canonical encodings). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/encoding.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[128], out[128];
	uint8_t key[32];
	if (size >= sizeof(in))
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';

	if (pqtun_key_from_base64(key, in) == 0) {
		pqtun_key_to_base64(out, key);
		if (strcmp(in, out) != 0)
			abort();
	}
	if (pqtun_key_from_hex(key, in) == 0) {
		pqtun_key_to_hex(out, key);
		if (strcasecmp(in, out) != 0)
			abort();
	}
	return 0;
}
