/* Classic McEliece 460896f: syndrome C0 = H*e with AVX2 (same contract and
 * same arithmetic as mce460896f_syndrome_portable: each 420-byte pk row is
 * read once as 13 unaligned 32-byte loads plus a 4-byte tail, ANDed with the
 * matching part of e, XOR-accumulated, and its parity folded without any
 * data-dependent branch or index). Call only when pqtun_use_avx2(). */
#include "crypto/legacy/mceliece460896f.h"

#include <immintrin.h>
#include <string.h>

#include "util/mem.h"

#define ROW_VECS (MCE460896F_ROW_BYTES / 32)        /* 13 */
#define ROW_TAIL_OFF (ROW_VECS * 32)                /* 416; 4 bytes left */

static inline uint32_t load32(const uint8_t *p)
{
	uint32_t x;
	memcpy(&x, p, 4);
	return x;
}

static inline uint64_t fold256(__m256i v)
{
	__m128i x = _mm_xor_si128(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
	return (uint64_t)_mm_cvtsi128_si64(x) ^ (uint64_t)_mm_extract_epi64(x, 1);
}

void mce460896f_syndrome_avx2(uint8_t c0[MCE460896F_SYND_BYTES],
			      const uint8_t pk[MCE460896F_PK_BYTES],
			      const uint8_t e[MCE460896F_E_BYTES])
{
	const uint8_t *et = e + MCE460896F_SYND_BYTES;
	__m256i ev[ROW_VECS];
	uint32_t etail = load32(et + ROW_TAIL_OFF);

	for (size_t k = 0; k < ROW_VECS; k++)
		ev[k] = _mm256_loadu_si256((const __m256i *)(et + 32 * k));

	for (size_t byte = 0; byte < MCE460896F_SYND_BYTES; byte++) {
		uint64_t words[8];
		for (size_t bit = 0; bit < 8; bit++) {
			const uint8_t *row = pk + (8 * byte + bit) * MCE460896F_ROW_BYTES;
			__m256i acc = _mm256_and_si256(_mm256_loadu_si256((const __m256i *)row), ev[0]);
			for (size_t k = 1; k < ROW_VECS; k++)
				acc = _mm256_xor_si256(acc, _mm256_and_si256(
					_mm256_loadu_si256((const __m256i *)(row + 32 * k)), ev[k]));
			words[bit] = fold256(acc) ^ (load32(row + ROW_TAIL_OFF) & etail);
		}
		/* popcnt is a constant-time instruction; its low bit is the parity. */
		uint8_t out = 0;
		for (size_t bit = 0; bit < 8; bit++)
			out |= (uint8_t)((_mm_popcnt_u64(words[bit]) & 1) << bit);
		c0[byte] = out ^ e[byte];
		pqtun_memzero(words, sizeof(words));
	}
	pqtun_memzero(ev, sizeof(ev));
	etail = 0;
	__asm__ __volatile__("" : : "r"(etail) : "memory");
}
