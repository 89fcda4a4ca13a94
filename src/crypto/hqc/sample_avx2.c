/* AVX2 construction of a fixed-weight vector from its secret positions
 * (see sample.h). The vector is cut into groups of 16 words (1024 bits).
 * For each position, its one-hot pattern within a group (four registers)
 * is built once with comparisons; then every group ORs in the patterns of
 * all positions, each masked by "the position's group is this one" - so
 * every group is combined with every position, in fixed order. */
#include "crypto/hqc/sample.h"

#include <immintrin.h>
#include <string.h>

#include "util/mem.h"

#define GROUP_WORDS 16
#define GROUP_SHIFT 10 /* log2(64 * GROUP_WORDS) */
#define GROUPS ((HQC_VEC_WORDS + GROUP_WORDS - 1) / GROUP_WORDS) /* 57 */

void hqc_support_to_vec_avx2(uint64_t *v, const uint32_t *support, unsigned int weight)
{
	__m256i onehot[HQC_MAX_WEIGHT][4];
	uint64_t group[HQC_MAX_WEIGHT];
	__m256i out[GROUPS * GROUP_WORDS / 4];
	const __m256i four = _mm256_set1_epi64x(4);

	for (unsigned int j = 0; j < weight; j++) {
		__m256i word = _mm256_set1_epi64x((support[j] >> 6) & (GROUP_WORDS - 1));
		__m256i bit = _mm256_set1_epi64x((long long)(1ULL << (support[j] & 63)));
		__m256i idx = _mm256_setr_epi64x(0, 1, 2, 3);
		for (int k = 0; k < 4; k++) {
			onehot[j][k] = _mm256_and_si256(bit, _mm256_cmpeq_epi64(idx, word));
			idx = _mm256_add_epi64(idx, four);
		}
		group[j] = support[j] >> GROUP_SHIFT;
	}
	for (unsigned int g = 0; g < GROUPS; g++) {
		__m256i gv = _mm256_set1_epi64x(g);
		__m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
		for (unsigned int j = 0; j < weight; j++) {
			__m256i m = _mm256_cmpeq_epi64(_mm256_set1_epi64x((long long)group[j]), gv);
			a0 = _mm256_or_si256(a0, _mm256_and_si256(m, onehot[j][0]));
			a1 = _mm256_or_si256(a1, _mm256_and_si256(m, onehot[j][1]));
			a2 = _mm256_or_si256(a2, _mm256_and_si256(m, onehot[j][2]));
			a3 = _mm256_or_si256(a3, _mm256_and_si256(m, onehot[j][3]));
		}
		out[4 * g] = a0;
		out[4 * g + 1] = a1;
		out[4 * g + 2] = a2;
		out[4 * g + 3] = a3;
	}
	memcpy(v, out, HQC_VEC_WORDS * sizeof(uint64_t));
	pqtun_memzero(out, sizeof(out));
	pqtun_memzero(onehot, weight * sizeof(onehot[0]));
	pqtun_memzero(group, sizeof(group));
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
