/* GF(2)[X]/(X^N - 1) product with PCLMULQDQ (SSE): Karatsuba on words
 * (gf2x_karatsuba.h) down to blocks of at most 4 words, multiplied by a
 * two-level Karatsuba of 9 carry-less multiplications. Constant time: the
 * instructions used take the same time whatever the data, and branches and
 * indices depend only on sizes. */
#include <immintrin.h>
#include <string.h>

#include "crypto/hqc/gf2x_internal.h"
#include "util/mem.h"

/* 128 x 128 -> 256-bit product of x and y: *lo gets bits 0..127, *hi the rest. */
static inline void mul128(__m128i *lo, __m128i *hi, __m128i x, __m128i y)
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

/* r[0 .. 8) = a[0 .. 4) * b[0 .. 4). */
static inline void mul256(uint64_t *r, const uint64_t *a, const uint64_t *b)
{
	const __m128i a0 = _mm_loadu_si128((const __m128i *)a);
	const __m128i a1 = _mm_loadu_si128((const __m128i *)(a + 2));
	const __m128i b0 = _mm_loadu_si128((const __m128i *)b);
	const __m128i b1 = _mm_loadu_si128((const __m128i *)(b + 2));
	__m128i l0, h0, l1, h1, lm, hm;
	mul128(&l0, &h0, a0, b0);
	mul128(&l1, &h1, a1, b1);
	mul128(&lm, &hm, _mm_xor_si128(a0, a1), _mm_xor_si128(b0, b1));
	lm = _mm_xor_si128(lm, _mm_xor_si128(l0, l1));
	hm = _mm_xor_si128(hm, _mm_xor_si128(h0, h1));
	_mm_storeu_si128((__m128i *)r, l0);
	_mm_storeu_si128((__m128i *)(r + 2), _mm_xor_si128(h0, lm));
	_mm_storeu_si128((__m128i *)(r + 4), _mm_xor_si128(l1, hm));
	_mm_storeu_si128((__m128i *)(r + 6), h1);
}

/* r[0 .. 2n) = a * b for n <= 4 words; shorter blocks are zero-padded. */
static void pclmul_leaf(uint64_t *r, const uint64_t *a, const uint64_t *b, size_t n)
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

#define GF2X_KARATSUBA pclmul_karatsuba
#define GF2X_LEAF_MAX 4
#define GF2X_LEAF pclmul_leaf
#include "crypto/hqc/gf2x_karatsuba.h"

void hqc_gf2x_mul_mod_pclmul(uint64_t *out, const uint64_t *a, const uint64_t *b)
{
	uint64_t *work = hqc_gf2x_work_area();
	pclmul_karatsuba(work, a, b, HQC_VEC_WORDS, work + 2 * HQC_VEC_WORDS);
	hqc_gf2x_reduce(out, work);
	pqtun_memzero(work, HQC_GF2X_WORK_WORDS * sizeof(uint64_t));
}
