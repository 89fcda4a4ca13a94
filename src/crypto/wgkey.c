#include "pqtun/wgkey.h"

#include <sodium.h>

#include "util/mem.h"
#include "util/random.h"

int pqtun_wg_genkey(uint8_t priv[PQTUN_WG_KEY_LEN])
{
	if (pqtun_randombytes(priv, PQTUN_WG_KEY_LEN) != 0)
		return -1;
	priv[0] &= 248;
	priv[31] = (uint8_t)((priv[31] & 127) | 64);
	return 0;
}

int pqtun_wg_pubkey(uint8_t pub[PQTUN_WG_KEY_LEN], const uint8_t priv[PQTUN_WG_KEY_LEN])
{
	if (pqtun_sodium_init() != 0)
		return -1;
	/* libsodium clamps the scalar itself, exactly as WireGuard does. */
	if (crypto_scalarmult_curve25519_base(pub, priv) != 0) {
		pqtun_memzero(pub, PQTUN_WG_KEY_LEN);
		return -1;
	}
	return 0;
}

int pqtun_wg_genpsk(uint8_t psk[PQTUN_WG_KEY_LEN])
{
	return pqtun_randombytes(psk, PQTUN_WG_KEY_LEN);
}
