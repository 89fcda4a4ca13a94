/* Fixed-weight and uniform vector sampling (see sample.h). */
#include "crypto/hqc/sample.h"

#include <string.h>

#include "crypto/hqc/vec.h"
#include "util/cpu.h"
#include "util/mem.h"

/* floor(2^32 / (HQC_N - i)) for i < HQC_MAX_WEIGHT: Barrett constants for
 * reducing modulo HQC_N - i without a division instruction. */
static const uint32_t barrett_mul[HQC_MAX_WEIGHT] = {
	74517, 74518, 74520, 74521, 74522, 74524, 74525, 74526, 74527, 74529, 74530,
	74531, 74533, 74534, 74535, 74536, 74538, 74539, 74540, 74542, 74543, 74544,
	74545, 74547, 74548, 74549, 74551, 74552, 74553, 74555, 74556, 74557, 74558,
	74560, 74561, 74562, 74564, 74565, 74566, 74567, 74569, 74570, 74571, 74573,
	74574, 74575, 74577, 74578, 74579, 74580, 74582, 74583, 74584, 74586, 74587,
	74588, 74590, 74591, 74592, 74593, 74595, 74596, 74597, 74599, 74600, 74601,
	74602, 74604, 74605, 74606, 74608, 74609, 74610, 74612, 74613, 74614, 74615,
	74617, 74618, 74619, 74621, 74622, 74623, 74625, 74626, 74627, 74628, 74630,
	74631, 74632, 74634, 74635, 74636, 74637, 74639, 74640, 74641, 74643, 74644,
	74645, 74647, 74648, 74649, 74650, 74652, 74653, 74654, 74656, 74657, 74658,
	74660, 74661, 74662, 74663, 74665, 74666, 74667, 74669, 74670, 74671, 74673,
	74674, 74675, 74676, 74678, 74679, 74680, 74682, 74683, 74684, 74685, 74687,
	74688, 74689, 74691, 74692, 74693, 74695, 74696, 74697, 74698, 74700, 74701,
	74702, 74704, 74705, 74706, 74708, 74709
};

/* a mod (HQC_N - i), constant time in a: the Barrett quotient is at most one
 * too small, fixed by a masked subtraction. */
static inline uint32_t reduce_mod_n_minus(uint32_t a, unsigned int i)
{
	uint32_t d = HQC_N - i;
	uint32_t q = (uint32_t)(((uint64_t)a * barrett_mul[i]) >> 32);
	uint32_t r = a - q * d;         /* < 2d */
	uint32_t t = r - d;
	uint32_t borrow = 0U - (t >> 31); /* all ones if r < d */
	return t + (d & borrow);
}

/* 1 if a == b, else 0 (a, b < 2^31), without branching. */
static inline uint32_t ct_eq_u32(uint32_t a, uint32_t b)
{
	return 1U ^ (((a - b) | (b - a)) >> 31);
}

void hqc_sample_support(hqc_xof *xof, uint32_t *support, unsigned int weight)
{
	uint8_t rnd[4 * HQC_MAX_WEIGHT];

	hqc_xof_read(xof, rnd, 4 * (size_t)weight);
	hqc_support_from_bytes(support, rnd, weight);
	pqtun_memzero(rnd, sizeof(rnd));
}

void hqc_support_from_bytes(uint32_t *support, const uint8_t *rnd, unsigned int weight)
{
	unsigned int i = 0;
#ifdef PQTUN_HAVE_X86_64
	if (pqtun_use_avx2())
		i = hqc_support_candidates_avx2(support, rnd, weight, barrett_mul);
#endif
	for (; i < weight; i++) {
		uint32_t r = (uint32_t)rnd[4 * i] | (uint32_t)rnd[4 * i + 1] << 8 |
			     (uint32_t)rnd[4 * i + 2] << 16 | (uint32_t)rnd[4 * i + 3] << 24;
		support[i] = i + reduce_mod_n_minus(r, i);
	}
	hqc_support_dedup(support, weight);
}

void hqc_support_dedup_portable(uint32_t *support, unsigned int weight)
{
	/* Position i is >= i, so replacing a repeated one by i cannot collide
	 * with any later (already final) position j > i. */
	for (unsigned int i = weight - 1; i-- > 0;) {
		uint32_t found = 0, si = support[i];
		for (unsigned int j = i + 1; j < weight; j++)
			found |= ct_eq_u32(support[j], si);
		uint32_t mask = 0U - found;
		support[i] = (mask & i) | (~mask & si);
	}
}

void hqc_support_dedup(uint32_t *support, unsigned int weight)
{
#ifdef PQTUN_HAVE_X86_64
	if (pqtun_use_avx2()) {
		hqc_support_dedup_avx2(support, weight);
		return;
	}
#endif
	hqc_support_dedup_portable(support, weight);
}

void hqc_support_to_vec_portable(uint64_t *v, const uint32_t *support, unsigned int weight)
{
	memset(v, 0, HQC_VEC_WORDS * sizeof(uint64_t));
	for (unsigned int j = 0; j < weight; j++) {
		uint64_t word = support[j] >> 6;
		uint64_t bit = 1ULL << (support[j] & 63);
		for (uint64_t i = 0; i < HQC_VEC_WORDS; i++) {
			/* all ones iff i == word: (i ^ word) - 1 borrows only from 0 */
			uint64_t hit = 0 - (((i ^ word) - 1) >> 63);
			v[i] |= bit & hit;
		}
	}
}

void hqc_support_to_vec(uint64_t *v, const uint32_t *support, unsigned int weight)
{
#ifdef PQTUN_HAVE_X86_64
	if (pqtun_use_avx2()) {
		hqc_support_to_vec_avx2(v, support, weight);
		return;
	}
#endif
	hqc_support_to_vec_portable(v, support, weight);
}

void hqc_fixed_weight_from_bytes(uint64_t *v, const uint8_t *rnd, unsigned int weight)
{
	uint32_t support[HQC_MAX_WEIGHT];
	hqc_support_from_bytes(support, rnd, weight);
	hqc_support_to_vec(v, support, weight);
	pqtun_memzero(support, sizeof(support));
}

void hqc_sample_uniform(hqc_xof *xof, uint64_t *v)
{
	uint8_t bytes[HQC_VEC_BYTES];
	hqc_xof_read(xof, bytes, sizeof(bytes));
	hqc_vec_from_bytes(v, bytes);
}
