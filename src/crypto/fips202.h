/* FIPS 202: Keccak-f[1600], SHA3-256, SHA3-512, SHAKE128, SHAKE256.
 *
 * Incremental API: init, absorb any number of times, finalize once, then
 * squeeze any number of times (any lengths; output continues the stream).
 * None of these functions branch on or index by the data they hash, so they
 * are safe on secret inputs. States hold secrets when inputs do: callers wipe
 * them with keccak_wipe() (or pqtun_memzero) when done. */
#ifndef PQTUN_CRYPTO_FIPS202_H
#define PQTUN_CRYPTO_FIPS202_H

#include <stddef.h>
#include <stdint.h>

#define SHAKE128_RATE 168
#define SHAKE256_RATE 136
#define SHA3_256_RATE 136
#define SHA3_512_RATE 72

typedef struct {
	uint64_t s[25];
	unsigned int pos;   /* absorb: bytes absorbed into current block; squeeze: bytes used */
	unsigned int rate;  /* bytes */
	uint8_t dsbyte;     /* domain separation + first padding bit */
	uint8_t squeezing;
} keccak_state;

/* The permutation itself (24 rounds) on 25 little-endian lanes. */
void keccakf1600_permute(uint64_t s[25]);

void keccak_init(keccak_state *st, unsigned int rate, uint8_t dsbyte);
void keccak_absorb(keccak_state *st, const uint8_t *in, size_t inlen);
void keccak_finalize(keccak_state *st);
void keccak_squeeze(uint8_t *out, size_t outlen, keccak_state *st);
/* Squeeze whole blocks (rate bytes each); only valid right after finalize or
 * after previous whole-block squeezes. Fast path for samplers. */
void keccak_squeezeblocks(uint8_t *out, size_t nblocks, keccak_state *st);
void keccak_wipe(keccak_state *st);

static inline void shake128_init(keccak_state *st) { keccak_init(st, SHAKE128_RATE, 0x1f); }
static inline void shake256_init(keccak_state *st) { keccak_init(st, SHAKE256_RATE, 0x1f); }
#define shake128_absorb keccak_absorb
#define shake256_absorb keccak_absorb
#define shake128_finalize keccak_finalize
#define shake256_finalize keccak_finalize
#define shake128_squeeze keccak_squeeze
#define shake256_squeeze keccak_squeeze

void shake128(uint8_t *out, size_t outlen, const uint8_t *in, size_t inlen);
void shake256(uint8_t *out, size_t outlen, const uint8_t *in, size_t inlen);
void sha3_256(uint8_t out[32], const uint8_t *in, size_t inlen);
void sha3_512(uint8_t out[64], const uint8_t *in, size_t inlen);

#endif
