/* Base64 (standard alphabet, padded) and hex, as WireGuard tools print keys.
 * Decoders are strict: no whitespace, no trailing garbage, exact length. */
#ifndef PQTUN_UTIL_ENCODING_H
#define PQTUN_UTIL_ENCODING_H

#include <stddef.h>
#include <stdint.h>

#define PQTUN_KEY_LEN 32
#define PQTUN_KEY_B64_LEN 44 /* without the terminating NUL */
#define PQTUN_KEY_HEX_LEN 64

/* Encode a 32-byte key; out gets 44 characters plus NUL. */
void pqtun_key_to_base64(char out[PQTUN_KEY_B64_LEN + 1], const uint8_t key[PQTUN_KEY_LEN]);
/* Decode exactly one 44-character base64 key. Returns 0 or -1. Runs in time
 * independent of the key's value (keys may be private). */
int pqtun_key_from_base64(uint8_t key[PQTUN_KEY_LEN], const char *in);

void pqtun_key_to_hex(char out[PQTUN_KEY_HEX_LEN + 1], const uint8_t key[PQTUN_KEY_LEN]);
int pqtun_key_from_hex(uint8_t key[PQTUN_KEY_LEN], const char *in);

/* Generic hex: encode n bytes into 2n chars + NUL. */
void pqtun_hex_encode(char *out, const uint8_t *in, size_t n);
/* Decode a hex string of exactly 2*n digits (either case). Returns 0 or -1. */
int pqtun_hex_decode(uint8_t *out, size_t n, const char *in, size_t inlen);

#endif
