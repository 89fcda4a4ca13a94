/* Classic McEliece 460896f: one attempt of the fixed-weight error sampler.
 *
 * The 384 random bytes are 192 little-endian 16-bit words; the low 13 bits
 * of each are a value in 0..8191, and values below n = 4608 are candidate
 * positions. The first 96 candidates are the error positions; the attempt
 * is rejected if there are fewer than 96 candidates or two positions are
 * equal; a repeat is detected as the error vector having weight below 96
 * (all positions are < 4608, so each distinct one sets its own bit). Every
 * step below runs the same instructions and touches the same
 * addresses whatever the values are: candidates are picked with masks, not
 * by writing to a data-dependent index, and the error vector is built by
 * scanning all of its words for every position. Only the final accept or
 * reject decision is revealed. */
#include "crypto/legacy/mceliece460896f.h"

#include <string.h>

#include "util/mem.h"

#define SAMPLE_WORDS (MCE460896F_SAMPLE_BYTES / 2)   /* 192 */
#define E_WORDS (MCE460896F_E_BYTES / 8)             /* 72 */

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

/* Pick the first 96 candidate values out of the 192 13-bit words into pos.
 * Returns the number of candidates found (0..192); secret, the caller only
 * compares it with masks. */
static uint32_t select_candidates(uint32_t pos[MCE460896F_T],
				  const uint8_t rand[MCE460896F_SAMPLE_BYTES])
{
	uint32_t seen = 0; /* candidates before word i */

	memset(pos, 0, MCE460896F_T * sizeof(pos[0]));
	for (size_t i = 0; i < SAMPLE_WORDS; i++) {
		uint32_t v = ((uint32_t)rand[2 * i] | (uint32_t)rand[2 * i + 1] << 8) & 0x1fff;
		uint32_t is_cand = opaque32(mask_lt(v, MCE460896F_N));
		uint32_t vc = v & is_cand;
		for (uint32_t k = 0; k < MCE460896F_T; k++)
			pos[k] |= vc & mask_eq(seen, k);
		seen += is_cand & 1;
	}
	return seen;
}

/* Number of set bits of x without a popcount instruction or table. */
static inline uint64_t weight64(uint64_t x)
{
	x = x - ((x >> 1) & 0x5555555555555555ull);
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (x * 0x0101010101010101ull) >> 56;
}

/* Set bit pos[j] of e for every j, scanning all 72 words per position.
 * into the 72 words of w (secret). Returns the weight of w, which is 96
 * exactly when the 96 positions are distinct (a repeat sets the same bit
 * twice); the weight is secret too and only used through masks. */
static uint32_t positions_to_words(uint64_t w[E_WORDS], const uint32_t pos[MCE460896F_T])
{
	uint64_t weight = 0;

	memset(w, 0, E_WORDS * sizeof(w[0]));
	for (size_t j = 0; j < MCE460896F_T; j++) {
		uint64_t bit = (uint64_t)1 << (pos[j] & 63);
		uint32_t word = pos[j] >> 6;
		for (uint32_t k = 0; k < E_WORDS; k++)
			w[k] |= bit & (uint64_t)(int64_t)(int32_t)mask_eq(word, k);
	}
	for (size_t k = 0; k < E_WORDS; k++)
		weight += weight64(w[k]);
	return (uint32_t)weight;
}

int mce460896f_sample_attempt(uint8_t e[MCE460896F_E_BYTES],
			      const uint8_t rand[MCE460896F_SAMPLE_BYTES])
{
	uint32_t pos[MCE460896F_T];
	uint64_t w[E_WORDS];
	uint32_t found = select_candidates(pos, rand);
	uint32_t weight = positions_to_words(w, pos);
	/* Accept: at least 96 candidates, and no repeat among the first 96. */
	uint32_t ok = opaque32(~mask_lt(found, MCE460896F_T) & mask_eq(weight, MCE460896F_T));
	uint64_t keep = (uint64_t)(int64_t)(int32_t)ok;

	for (size_t k = 0; k < E_WORDS; k++) {
		uint64_t x = w[k] & keep;
		for (size_t b = 0; b < 8; b++)
			e[8 * k + b] = (uint8_t)(x >> (8 * b));
	}
	pqtun_memzero(pos, sizeof(pos));
	pqtun_memzero(w, sizeof(w));
	/* The accept/reject decision is the one value allowed to leak. */
	return (int)(ok & 1);
}
