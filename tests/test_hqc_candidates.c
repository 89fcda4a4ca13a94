/* HQC-256 fixed-weight sampling, first stage: the candidate positions
 * i + (r_i mod (N - i)) from the expander's 32-bit words. The AVX2 version
 * (Barrett reduction, eight lanes at a time) must equal plain division for
 * every kind of r (0, 2^32 - 1, multiples of N - i and their neighbours,
 * random), and hqc_support_from_bytes must give the same support under the
 * portable and the AVX2 implementation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/hqc/params.h"
#include "crypto/hqc/sample.h"
#include "util/cpu.h"

/* Deterministic test randomness (xorshift64*). */
static uint64_t rng_state = 0x243f6a8885a308d3ULL;
static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int k = 0; k < 4; k++)
		p[k] = (uint8_t)(v >> (8 * k));
}

/* The word the sampler reads for position i, chosen by kind. */
static uint32_t pick_word(unsigned int i, int kind)
{
	const uint32_t d = HQC_N - i;
	switch (kind) {
	case 0:
		return 0;
	case 1:
		return 0xffffffffU;
	case 2: { /* a multiple of d, or one off it */
		uint32_t k = (uint32_t)(rng() % (0xffffffffULL / d));
		return k * d + (uint32_t)(rng() % 3) - 1U + (k == 0);
	}
	default:
		return (uint32_t)rng();
	}
}

static void fill(uint8_t *rnd, unsigned int weight, int kind)
{
	for (unsigned int i = 0; i < weight; i++)
		put32(rnd + 4 * i, pick_word(i, kind % 4 == 3 ? (int)(rng() % 4) : kind % 4));
}

static void test_candidates_avx2_equal_division(void **state)
{
	(void)state;
#ifdef PQTUN_HAVE_X86_64
	if (!pqtun_cpu_has_avx2()) {
		skip();
		return;
	}
	/* floor(2^32 / (N - i)), computed here by division */
	uint32_t barrett[HQC_MAX_WEIGHT];
	for (unsigned int i = 0; i < HQC_MAX_WEIGHT; i++)
		barrett[i] = (uint32_t)((1ULL << 32) / (HQC_N - i));
	uint8_t rnd[4 * HQC_MAX_WEIGHT];
	uint32_t cand[HQC_MAX_WEIGHT];
	for (int trial = 0; trial < 2000; trial++) {
		unsigned int weight = trial < 8 ? HQC_MAX_WEIGHT : 1 + (unsigned int)(rng() % HQC_MAX_WEIGHT);
		fill(rnd, weight, trial);
		memset(cand, 0, sizeof(cand));
		unsigned int done = hqc_support_candidates_avx2(cand, rnd, weight, barrett);
		assert_int_equal(done, weight - weight % 8);
		for (unsigned int i = 0; i < done; i++) {
			uint32_t r = (uint32_t)rnd[4 * i] | (uint32_t)rnd[4 * i + 1] << 8 |
				     (uint32_t)rnd[4 * i + 2] << 16 | (uint32_t)rnd[4 * i + 3] << 24;
			assert_int_equal(cand[i], i + r % (HQC_N - i));
		}
	}
#else
	skip();
#endif
}

static void test_support_same_in_both_impls(void **state)
{
	(void)state;
	if (pqtun_impl_force(PQTUN_IMPL_AVX2) != 0) {
		skip();
		return;
	}
	pqtun_impl_force(PQTUN_IMPL_AUTO);
	uint8_t rnd[4 * HQC_MAX_WEIGHT];
	uint32_t fast[HQC_MAX_WEIGHT], portable[HQC_MAX_WEIGHT];
	const unsigned int weights[] = { HQC_W, HQC_WR, HQC_WE, 1, 7, 8, 9, 64 };
	for (int trial = 0; trial < 400; trial++) {
		unsigned int weight = weights[trial % 8];
		fill(rnd, weight, trial);
		assert_int_equal(pqtun_impl_force(PQTUN_IMPL_AVX2), 0);
		hqc_support_from_bytes(fast, rnd, weight);
		assert_int_equal(pqtun_impl_force(PQTUN_IMPL_PORTABLE), 0);
		hqc_support_from_bytes(portable, rnd, weight);
		pqtun_impl_force(PQTUN_IMPL_AUTO);
		assert_memory_equal(fast, portable, weight * sizeof(uint32_t));
		for (unsigned int i = 0; i < weight; i++)
			assert_true(fast[i] < HQC_N);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_candidates_avx2_equal_division),
		cmocka_unit_test(test_support_same_in_both_impls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
