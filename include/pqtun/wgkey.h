/* WireGuard (Curve25519) keys, byte-compatible with wireguard-tools. */
#ifndef PQTUN_WGKEY_H
#define PQTUN_WGKEY_H

#include <stdint.h>

#define PQTUN_WG_KEY_LEN 32

/* New private key: 32 random bytes, clamped as Curve25519 requires.
 * Returns 0, or -1 if no randomness was available (key zeroed). */
int pqtun_wg_genkey(uint8_t priv[PQTUN_WG_KEY_LEN]);
/* Public key of a private key. Returns 0, or -1 for a key whose public key
 * would be the all-zero point (never the case for a clamped key). */
int pqtun_wg_pubkey(uint8_t pub[PQTUN_WG_KEY_LEN], const uint8_t priv[PQTUN_WG_KEY_LEN]);
/* 32 random bytes (a classic, non post-quantum preshared key). */
int pqtun_wg_genpsk(uint8_t psk[PQTUN_WG_KEY_LEN]);

#endif
