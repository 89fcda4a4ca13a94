/* PSK derivation (PROTOCOL.md §5): XOR of the per-KEM 32-byte secrets, where
 * a secret of any other length is first hashed with SHA-256. */
#include "pqtun/exchange.h"

#include <sodium.h>
#include <string.h>

#include "util/mem.h"

int pqtun_psk_derive(uint8_t psk[PQTUN_PSK_LEN], const uint8_t *const *secrets,
		     const size_t *lens, size_t n)
{
	uint8_t hashed[crypto_hash_sha256_BYTES];
	int ret = -1;

	if (!psk)
		return -1;
	memset(psk, 0, PQTUN_PSK_LEN);
	if (!secrets || !lens || n == 0 || pqtun_sodium_init() != 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!secrets[i] || lens[i] == 0)
			return -1;

	for (size_t i = 0; i < n; i++) {
		const uint8_t *s = secrets[i];
		/* The branch depends on the length only, which is public. */
		if (lens[i] != PQTUN_PSK_LEN) {
			crypto_hash_sha256(hashed, secrets[i], lens[i]);
			s = hashed;
		}
		for (size_t j = 0; j < PQTUN_PSK_LEN; j++)
			psk[j] ^= s[j];
	}
	ret = 0;
	pqtun_memzero(hashed, sizeof(hashed));
	return ret;
}
