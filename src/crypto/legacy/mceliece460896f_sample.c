/* Classic McEliece 460896f: one attempt of the fixed-weight error sampler.
 *
 * The 384 random bytes are 192 little-endian 16-bit words; the low 13 bits
 * of each are a value in 0..8191, and values below n = 4608 are candidate
 * positions. The first 96 candidates are the error positions; the attempt
 * is rejected if there are fewer than 96 candidates or two positions are
 * equal. Every step below runs the same instructions and touches the same
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

/* All ones if two of the 96 positions are equal, else 0. */
static uint32_t any_repeat(const uint32_t pos[MCE460896F_T])
{
	uint32_t rep = 0;
	for (size_t i = 1; i < MCE460896F_T; i++)
		for (size_t j = 0; j < i; j++)
			rep |= mask_eq(pos[i], pos[j]);
	return opaque32(rep);
}

/* Set bit pos[j] of e for every j, scanning all 72 words per position, and
 * keep the result only where keep is all ones. */
static void positions_to_vector(uint8_t e[MCE460896F_E_BYTES],
				const uint32_t pos[MCE460896F_T], uint64_t keep)
{
	uint64_t w[E_WORDS] = { 0 };

	for (size_t j = 0; j < MCE460896F_T; j++) {
		uint64_t bit = (uint64_t)1 << (pos[j] & 63);
		uint32_t word = pos[j] >> 6;
		for (uint32_t k = 0; k < E_WORDS; k++)
			w[k] |= bit & (uint64_t)(int64_t)(int32_t)mask_eq(word, k);
	}
	for (size_t k = 0; k < E_WORDS; k++) {
		uint64_t x = w[k] & keep;
		for (size_t b = 0; b < 8; b++)
			e[8 * k + b] = (uint8_t)(x >> (8 * b));
	}
	pqtun_memzero(w, sizeof(w));
}

int mce460896f_sample_attempt(uint8_t e[MCE460896F_E_BYTES],
			      const uint8_t rand[MCE460896F_SAMPLE_BYTES])
{
	uint32_t pos[MCE460896F_T];
	uint32_t found = select_candidates(pos, rand);
	uint32_t ok = ~mask_lt(found, MCE460896F_T) & ~any_repeat(pos);

	positions_to_vector(e, pos, (uint64_t)(int64_t)(int32_t)ok);
	pqtun_memzero(pos, sizeof(pos));
	/* The accept/reject decision is the one value allowed to leak. */
	return (int)(opaque32(ok) & 1);
}
