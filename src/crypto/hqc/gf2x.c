/* GF(2)[X]/(X^N - 1) multiplication: reduction and the portable product.
 * First version: schoolbook on 64-bit words with a branch-free software
 * carry-less multiply. Correct and constant-time; faster back ends replace
 * it in the dispatcher. */
#include "crypto/hqc/gf2x.h"

#include <string.h>

#include "util/mem.h"

/* 64x64 -> 128-bit carry-less product, constant time: every bit of b is
 * applied through a mask, never a branch. */
static void clmul64(uint64_t *lo, uint64_t *hi, uint64_t a, uint64_t b)
{
	uint64_t l = 0, h = 0;
	for (int i = 0; i < 64; i++) {
		uint64_t m = -((b >> i) & 1);
		l ^= (a << i) & m;
		h ^= (i ? a >> (64 - i) : 0) & m;
	}
	*lo = l;
	*hi = h;
}

void hqc_gf2x_reduce(uint64_t *out, const uint64_t *prod)
{
	/* X^N = 1: bit N + k folds onto bit k. N = 64 * 900 + 37. */
	const unsigned int shift = HQC_N % 64, base = HQC_N / 64;
	for (unsigned int i = 0; i < HQC_VEC_WORDS; i++) {
		uint64_t hi = prod[base + i] >> shift;
		if (base + i + 1 < 2 * HQC_VEC_WORDS)
			hi |= prod[base + i + 1] << (64 - shift);
		out[i] = prod[i] ^ hi;
	}
	out[HQC_VEC_WORDS - 1] &= (1ULL << shift) - 1;
}

void hqc_gf2x_mul_mod_portable(uint64_t *out, const uint64_t *a, const uint64_t *b)
{
	static __thread uint64_t prod[2 * HQC_VEC_WORDS];
	memset(prod, 0, sizeof(prod));
	for (unsigned int i = 0; i < HQC_VEC_WORDS; i++) {
		for (unsigned int j = 0; j < HQC_VEC_WORDS; j++) {
			uint64_t lo, hi;
			clmul64(&lo, &hi, a[i], b[j]);
			prod[i + j] ^= lo;
			prod[i + j + 1] ^= hi;
		}
	}
	hqc_gf2x_reduce(out, prod);
	pqtun_memzero(prod, sizeof(prod));
}

void hqc_gf2x_mul_mod(uint64_t *out, const uint64_t *a, const uint64_t *b)
{
	hqc_gf2x_mul_mod_portable(out, a, b);
}
