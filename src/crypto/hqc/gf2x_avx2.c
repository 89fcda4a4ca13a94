/* GF(2)[X]/(X^N - 1) product with VPCLMULQDQ on 256-bit registers (AVX2
 * CPUs with VPCLMULQDQ, e.g. AMD Zen 3 and later; AVX-512 is not needed).
 * Karatsuba on words (gf2x_karatsuba.h) down to 4-word blocks; a 4-word
 * block product is a Karatsuba step whose two outer 128 x 128-bit products
 * share one set of 256-bit carry-less multiplications. Constant time: the
 * instructions used take the same time whatever the data, and branches and
 * indices depend only on sizes. */
#include <immintrin.h>
#include <string.h>

#include "crypto/hqc/gf2x_internal.h"
#include "util/mem.h"

#define VPCLMUL_TARGET __attribute__((target("avx2,pclmul,vpclmulqdq")))

/* 128 x 128 -> 256-bit product of x and y: *lo gets bits 0..127, *hi the rest. */
static inline VPCLMUL_TARGET void mul128(__m128i *lo, __m128i *hi, __m128i x, __m128i y)
{
	const __m128i l = _mm_clmulepi64_si128(x, y, 0x00);
	const __m128i h = _mm_clmulepi64_si128(x, y, 0x11);
	const __m128i xs = _mm_xor_si128(x, _mm_shuffle_epi32(x, 0x4e));
	const __m128i ys = _mm_xor_si128(y, _mm_shuffle_epi32(y, 0x4e));
	__m128i m = _mm_clmulepi64_si128(xs, ys, 0x00);
	m = _mm_xor_si128(m, _mm_xor_si128(l, h));
	*lo = _mm_xor_si128(l, _mm_slli_si128(m, 8));
	*hi = _mm_xor_si128(h, _mm_srli_si128(m, 8));
}

/* Two independent 128 x 128-bit products, one per 128-bit lane: lane k of
 * *lo and *hi gets the low and high halves of x_k * y_k. */
static inline VPCLMUL_TARGET void mul128x2(__m256i *lo, __m256i *hi, __m256i x, __m256i y)
{
	const __m256i l = _mm256_clmulepi64_epi128(x, y, 0x00);
	const __m256i h = _mm256_clmulepi64_epi128(x, y, 0x11);
	const __m256i xs = _mm256_xor_si256(x, _mm256_shuffle_epi32(x, 0x4e));
	const __m256i ys = _mm256_xor_si256(y, _mm256_shuffle_epi32(y, 0x4e));
	__m256i m = _mm256_clmulepi64_epi128(xs, ys, 0x00);
	m = _mm256_xor_si256(m, _mm256_xor_si256(l, h));
	*lo = _mm256_xor_si256(l, _mm256_slli_si256(m, 8));
	*hi = _mm256_xor_si256(h, _mm256_srli_si256(m, 8));
}

/* r[0 .. 8) = a[0 .. 4) * b[0 .. 4). */
static inline VPCLMUL_TARGET void mul256(uint64_t *r, const uint64_t *a, const uint64_t *b)
{
	const __m256i av = _mm256_loadu_si256((const __m256i *)a);
	const __m256i bv = _mm256_loadu_si256((const __m256i *)b);
	__m256i lo, hi; /* lane 0: a0 b0, lane 1: a1 b1 (a = a0 + X^128 a1) */
	mul128x2(&lo, &hi, av, bv);
	const __m128i as = _mm_xor_si128(_mm256_castsi256_si128(av), _mm256_extracti128_si256(av, 1));
	const __m128i bs = _mm_xor_si128(_mm256_castsi256_si128(bv), _mm256_extracti128_si256(bv, 1));
	__m128i ml, mh;
	mul128(&ml, &mh, as, bs);
	const __m128i l0 = _mm256_castsi256_si128(lo), l1 = _mm256_extracti128_si256(lo, 1);
	const __m128i h0 = _mm256_castsi256_si128(hi), h1 = _mm256_extracti128_si256(hi, 1);
	ml = _mm_xor_si128(ml, _mm_xor_si128(l0, l1));
	mh = _mm_xor_si128(mh, _mm_xor_si128(h0, h1));
	_mm_storeu_si128((__m128i *)r, l0);
	_mm_storeu_si128((__m128i *)(r + 2), _mm_xor_si128(h0, ml));
	_mm_storeu_si128((__m128i *)(r + 4), _mm_xor_si128(l1, mh));
	_mm_storeu_si128((__m128i *)(r + 6), h1);
}

/* r[0 .. 2n) = a * b for n <= 4 words; shorter blocks are zero-padded. */
static VPCLMUL_TARGET void vpclmul_leaf(uint64_t *r, const uint64_t *a, const uint64_t *b, size_t n)
{
	if (n == 4) {
		mul256(r, a, b);
		return;
	}
	uint64_t pa[4] = { 0 }, pb[4] = { 0 }, pr[8];
	memcpy(pa, a, n * sizeof(uint64_t));
	memcpy(pb, b, n * sizeof(uint64_t));
	mul256(pr, pa, pb);
	memcpy(r, pr, 2 * n * sizeof(uint64_t));
	pqtun_memzero(pa, sizeof(pa));
	pqtun_memzero(pb, sizeof(pb));
	pqtun_memzero(pr, sizeof(pr));
}

#define GF2X_KARATSUBA vpclmul_karatsuba
#define GF2X_LEAF_MAX 4
#define GF2X_LEAF vpclmul_leaf
#include "crypto/hqc/gf2x_karatsuba.h"

VPCLMUL_TARGET void hqc_gf2x_mul_mod_vpclmul256(uint64_t *out, const uint64_t *a, const uint64_t *b)
{
	uint64_t *work = hqc_gf2x_work_area();
	vpclmul_karatsuba(work, a, b, HQC_VEC_WORDS, work + 2 * HQC_VEC_WORDS);
	hqc_gf2x_reduce(out, work);
	pqtun_memzero(work, HQC_GF2X_WORK_WORDS * sizeof(uint64_t));
}
