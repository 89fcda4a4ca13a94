/* AVX2 construction of a fixed-weight vector from its secret positions
 * (see sample.h): every 64-bit word index is compared with every position,
 * four words per instruction and sixteen words per pass over the positions. */
#include "crypto/hqc/sample.h"

#include <immintrin.h>
#include <string.h>

#include "util/mem.h"

#define GROUP_WORDS 16
#define GROUPS ((HQC_VEC_WORDS + GROUP_WORDS - 1) / GROUP_WORDS) /* 57 */

void hqc_support_to_vec_avx2(uint64_t *v, const uint32_t *support, unsigned int weight)
{
	uint64_t word[HQC_MAX_WEIGHT], bit[HQC_MAX_WEIGHT];
	__m256i out[GROUPS * GROUP_WORDS / 4];

	for (unsigned int j = 0; j < weight; j++) {
		word[j] = support[j] >> 6;
		bit[j] = 1ULL << (support[j] & 63);
	}
	for (unsigned int g = 0; g < GROUPS; g++) {
		long long base = (long long)g * GROUP_WORDS;
		__m256i idx0 = _mm256_setr_epi64x(base, base + 1, base + 2, base + 3);
		__m256i four = _mm256_set1_epi64x(4);
		__m256i idx1 = _mm256_add_epi64(idx0, four);
		__m256i idx2 = _mm256_add_epi64(idx1, four);
		__m256i idx3 = _mm256_add_epi64(idx2, four);
		__m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
		for (unsigned int j = 0; j < weight; j++) {
			__m256i w = _mm256_set1_epi64x((long long)word[j]);
			__m256i b = _mm256_set1_epi64x((long long)bit[j]);
			a0 = _mm256_or_si256(a0, _mm256_and_si256(b, _mm256_cmpeq_epi64(idx0, w)));
			a1 = _mm256_or_si256(a1, _mm256_and_si256(b, _mm256_cmpeq_epi64(idx1, w)));
			a2 = _mm256_or_si256(a2, _mm256_and_si256(b, _mm256_cmpeq_epi64(idx2, w)));
			a3 = _mm256_or_si256(a3, _mm256_and_si256(b, _mm256_cmpeq_epi64(idx3, w)));
		}
		out[4 * g] = a0;
		out[4 * g + 1] = a1;
		out[4 * g + 2] = a2;
		out[4 * g + 3] = a3;
	}
	memcpy(v, out, HQC_VEC_WORDS * sizeof(uint64_t));
	pqtun_memzero(out, sizeof(out));
	pqtun_memzero(word, sizeof(word));
	pqtun_memzero(bit, sizeof(bit));
}

void hqc_support_dedup_avx2(uint32_t *support, unsigned int weight)
{
	/* Padded copy: lanes past weight hold a value no position can have. */
	uint32_t pad[HQC_MAX_WEIGHT + 8];
	for (unsigned int i = 0; i < HQC_MAX_WEIGHT + 8; i++)
		pad[i] = 0xffffffffU;
	memcpy(pad, support, weight * sizeof(uint32_t));

	for (unsigned int i = weight - 1; i-- > 0;) {
		__m256i si = _mm256_set1_epi32((int)pad[i]);
		__m256i hit = _mm256_setzero_si256();
		for (unsigned int j = i + 1; j < weight; j += 8) {
			__m256i x = _mm256_loadu_si256((const __m256i *)(pad + j));
			hit = _mm256_or_si256(hit, _mm256_cmpeq_epi32(x, si));
		}
		/* testz is 1 when no lane matched: mask = all ones on a match */
		uint32_t mask = (uint32_t)_mm256_testz_si256(hit, hit) - 1U;
		pad[i] = (mask & i) | (~mask & pad[i]);
	}
	memcpy(support, pad, weight * sizeof(uint32_t));
	pqtun_memzero(pad, sizeof(pad));
}
