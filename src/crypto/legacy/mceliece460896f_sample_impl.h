/* Body of the Classic McEliece 460896f fixed-weight sampler attempt, shared
 * by the portable build (mceliece460896f_sample.c) and the AVX2 build
 * (mceliece460896f_sample_avx2.c): the same C, vectorised by the compiler
 * for each instruction set. Define SAMPLE_ATTEMPT_NAME before including.
 *
 * The 384 random bytes are 192 little-endian 16-bit words; the low 13 bits
 * of each are a value in 0..8191, and values below n = 4608 are candidate
 * positions. The first 96 candidates are the error positions (their order
 * does not matter for e); the attempt is rejected if there are fewer than
 * 96 candidates or two of the first 96 are equal. A repeat is detected as
 * e having weight below 96, since each distinct position sets its own bit.
 *
 * Constant time: every word runs the same instructions; a word is taken
 * when it is a candidate and fewer than 96 candidates came before it, and
 * its bit is ORed into every one of e's 144 32-bit words under a mask that
 * is all ones only for the right word. No branch or address depends on the
 * random bytes; only the accept/reject result does. */
#include <string.h>

#include "crypto/legacy/mceliece460896f.h"
#include "util/mem.h"

#define SAMPLE_WORDS (MCE460896F_SAMPLE_BYTES / 2)   /* 192 */
#define E_WORDS32 (MCE460896F_E_BYTES / 4)           /* 144 */

/* All ones if a == b, else 0. a, b < 2^31. */
static inline uint32_t mask_eq(uint32_t a, uint32_t b)
{
	uint32_t x = a ^ b;
	return (uint32_t)0 - ((x - 1) >> 31);
}

/* All ones if a < b, else 0. a, b < 2^31. */
static inline uint32_t mask_lt(uint32_t a, uint32_t b)
{
	return (uint32_t)0 - ((a - b) >> 31);
}

/* Stops the compiler from turning mask arithmetic back into branches. */
static inline uint32_t opaque32(uint32_t x)
{
	__asm__("" : "+r"(x));
	return x;
}

/* Number of set bits of x without a popcount instruction or table. */
static inline uint32_t weight32(uint32_t x)
{
	x = x - ((x >> 1) & 0x55555555u);
	x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
	x = (x + (x >> 4)) & 0x0f0f0f0fu;
	return (x * 0x01010101u) >> 24;
}

int SAMPLE_ATTEMPT_NAME(uint8_t e[MCE460896F_E_BYTES],
			const uint8_t rand[MCE460896F_SAMPLE_BYTES])
{
	uint32_t w[E_WORDS32];
	uint32_t seen = 0, weight = 0;

	memset(w, 0, sizeof(w));
	for (size_t i = 0; i < SAMPLE_WORDS; i++) {
		uint32_t v = ((uint32_t)rand[2 * i] | (uint32_t)rand[2 * i + 1] << 8) & 0x1fff;
		uint32_t is_cand = opaque32(mask_lt(v, MCE460896F_N));
		uint32_t take = is_cand & mask_lt(seen, MCE460896F_T);
		uint32_t bit = ((uint32_t)1 << (v & 31)) & take;
		uint32_t word = v >> 5;
		for (uint32_t k = 0; k < E_WORDS32; k++)
			w[k] |= bit & mask_eq(word, k);
		seen += is_cand & 1;
	}
	for (size_t k = 0; k < E_WORDS32; k++)
		weight += weight32(w[k]);

	/* Accept: at least 96 candidates, and no repeat among the first 96. */
	uint32_t ok = opaque32(~mask_lt(seen, MCE460896F_T) & mask_eq(weight, MCE460896F_T));
	for (size_t k = 0; k < E_WORDS32; k++) {
		uint32_t x = w[k] & ok;
		for (size_t b = 0; b < 4; b++)
			e[4 * k + b] = (uint8_t)(x >> (8 * b));
	}
	pqtun_memzero(w, sizeof(w));
	seen = weight = 0;
	__asm__ __volatile__("" : : "r"(seen), "r"(weight) : "memory");
	/* The accept/reject decision is the one value allowed to leak. */
	return (int)(ok & 1);
}
