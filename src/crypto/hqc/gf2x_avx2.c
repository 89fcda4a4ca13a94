/* GF(2)[X]/(X^N - 1) product with VPCLMULQDQ on 256-bit registers (AVX2
 * CPUs with VPCLMULQDQ, e.g. AMD Zen 3 and later; AVX-512 is not needed).
 *
 * The operands are padded to 226 blocks of 256 bits and multiplied by a
 * recursive Karatsuba on blocks down to products of one or two blocks,
 * which are Karatsuba steps on 128-bit halves whose 128 x 128-bit products
 * run two at a time, one per 128-bit lane of VPCLMULQDQ.
 *
 * Constant time: carry-less multiplication, XOR and shuffles take the same
 * time whatever the data, and every branch and index depends only on sizes. */
#include <immintrin.h>
#include <stddef.h>
#include <string.h>

#include "crypto/hqc/gf2x_internal.h"
#include "util/mem.h"

#define VPCLMUL_TARGET __attribute__((target("avx2,pclmul,vpclmulqdq")))
#define PAD_BLOCKS (HQC_GF2X_PAD_WORDS / 4)

typedef __m256i block;

/* x0 ^ x1 for x = [x0 | x1] (the two 128-bit lanes). */
static inline VPCLMUL_TARGET __m128i fold_lanes(block x)
{
	return _mm_xor_si128(_mm256_castsi256_si128(x), _mm256_extracti128_si256(x, 1));
}

/* Two 128 x 128-bit products at once: for x = [x0 | x1] and y = [y0 | y1],
 * *p0 = x0 * y0 and *p1 = x1 * y1 (each 256 bits, low half in lane 0). */
static inline VPCLMUL_TARGET void mul128x2(block *p0, block *p1, block x, block y)
{
	const block l = _mm256_clmulepi64_epi128(x, y, 0x00);
	const block h = _mm256_clmulepi64_epi128(x, y, 0x11);
	const block xs = _mm256_xor_si256(x, _mm256_shuffle_epi32(x, 0x4e));
	const block ys = _mm256_xor_si256(y, _mm256_shuffle_epi32(y, 0x4e));
	block m = _mm256_clmulepi64_epi128(xs, ys, 0x00);
	m = _mm256_xor_si256(m, _mm256_xor_si256(l, h));
	const block lo = _mm256_xor_si256(l, _mm256_slli_si256(m, 8));
	const block hi = _mm256_xor_si256(h, _mm256_srli_si256(m, 8));
	*p0 = _mm256_permute2x128_si256(lo, hi, 0x20);
	*p1 = _mm256_permute2x128_si256(lo, hi, 0x31);
}

/* The 128 x 128-bit product x * y as one 256-bit block. */
static inline VPCLMUL_TARGET block mul128(__m128i x, __m128i y)
{
	const __m128i l = _mm_clmulepi64_si128(x, y, 0x00);
	const __m128i h = _mm_clmulepi64_si128(x, y, 0x11);
	const __m128i xs = _mm_xor_si128(x, _mm_shuffle_epi32(x, 0x4e));
	const __m128i ys = _mm_xor_si128(y, _mm_shuffle_epi32(y, 0x4e));
	__m128i m = _mm_clmulepi64_si128(xs, ys, 0x00);
	m = _mm_xor_si128(m, _mm_xor_si128(l, h));
	return _mm256_set_m128i(_mm_xor_si128(h, _mm_srli_si128(m, 8)),
				_mm_xor_si128(l, _mm_slli_si128(m, 8)));
}

/* Karatsuba recombination for x = [x0 | x1], y = [y0 | y1]: given
 * p0 = x0 y0, p1 = x1 y1 and q = (x0 + x1)(y0 + y1), the 512-bit product
 * x y is *lo + X^256 *hi. */
static inline VPCLMUL_TARGET void combine(block *lo, block *hi, block p0, block p1, block q)
{
	q = _mm256_xor_si256(q, _mm256_xor_si256(p0, p1));
	*lo = _mm256_xor_si256(p0, _mm256_permute2x128_si256(q, q, 0x08)); /* [0 | q.lo] */
	*hi = _mm256_xor_si256(p1, _mm256_permute2x128_si256(q, q, 0x81)); /* [q.hi | 0] */
}

/* r[0 .. 2) = a * b for one block each: 3 multiplications of 128 bits. */
static inline VPCLMUL_TARGET void mul_1block(block *r, block a, block b)
{
	block p0, p1;
	mul128x2(&p0, &p1, a, b);
	combine(&r[0], &r[1], p0, p1, mul128(fold_lanes(a), fold_lanes(b)));
}

/* r[0 .. 4) = (a0 + X^256 a1)(b0 + X^256 b1): 9 multiplications of 128
 * bits, 8 of them paired in VPCLMULQDQ lanes. */
static inline VPCLMUL_TARGET void mul_2blocks(block *r, block a0, block a1, block b0, block b1)
{
	const block as = _mm256_xor_si256(a0, a1), bs = _mm256_xor_si256(b0, b1);
	block p00, p01, p10, p11, ps0, ps1, q0, q1;
	mul128x2(&p00, &p01, a0, b0);
	mul128x2(&p10, &p11, a1, b1);
	mul128x2(&ps0, &ps1, as, bs);
	mul128x2(&q0, &q1, _mm256_set_m128i(fold_lanes(a1), fold_lanes(a0)),
		 _mm256_set_m128i(fold_lanes(b1), fold_lanes(b0)));
	const block qs = mul128(fold_lanes(as), fold_lanes(bs));
	block l0, l1, h0, h1, m0, m1;
	combine(&l0, &l1, p00, p01, q0); /* a0 b0 */
	combine(&h0, &h1, p10, p11, q1); /* a1 b1 */
	combine(&m0, &m1, ps0, ps1, qs); /* (a0 + a1)(b0 + b1) */
	m0 = _mm256_xor_si256(m0, _mm256_xor_si256(l0, h0));
	m1 = _mm256_xor_si256(m1, _mm256_xor_si256(l1, h1));
	r[0] = l0;
	r[1] = _mm256_xor_si256(l1, m0);
	r[2] = _mm256_xor_si256(h0, m1);
	r[3] = h1;
}

/* r[0 .. 2n) = a[0 .. n) * b[0 .. n) in blocks; r must not overlap a, b or
 * scratch, which needs about 4n + 4 log2(n) blocks. */
static VPCLMUL_TARGET void karatsuba_blocks(block *restrict r, const block *restrict a,
					    const block *restrict b, size_t n,
					    block *restrict scratch)
{
	if (n == 1) {
		mul_1block(r, a[0], b[0]);
		return;
	}
	if (n == 2) {
		mul_2blocks(r, a[0], a[1], b[0], b[1]);
		return;
	}
	const size_t h = (n + 1) / 2, l = n - h;
	block *restrict sum_a = scratch;
	block *restrict sum_b = scratch + h;
	block *restrict mid = scratch + 2 * h;

	karatsuba_blocks(r, a, b, h, scratch);
	karatsuba_blocks(r + 2 * h, a + h, b + h, l, scratch);
	for (size_t i = 0; i < l; i++) {
		sum_a[i] = _mm256_xor_si256(a[i], a[h + i]);
		sum_b[i] = _mm256_xor_si256(b[i], b[h + i]);
	}
	if (l < h) {
		sum_a[h - 1] = a[h - 1];
		sum_b[h - 1] = b[h - 1];
	}
	karatsuba_blocks(mid, sum_a, sum_b, h, scratch + 4 * h);

	/* With a0 b0 = L0 + X^h H0, a1 b1 = L2 + X^h H2 and mid = ML + X^h MH
	 * (h-block halves; H2 has 2l - h blocks), the product's quarters are
	 * L0, L0 + H0 + L2 + ML, H0 + L2 + H2 + MH, H2: share t = H0 + L2.
	 * Iteration i reads and writes only blocks h + i and 2h + i of r. */
	block *restrict r1 = r + h, *restrict r2 = r + 2 * h;
	const block *restrict r3 = r + 3 * h;
	const size_t h2_len = 2 * l - h;
	for (size_t i = 0; i < h2_len; i++) {
		const block t = _mm256_xor_si256(r1[i], r2[i]);
		r1[i] = _mm256_xor_si256(t, _mm256_xor_si256(r[i], mid[i]));
		r2[i] = _mm256_xor_si256(t, _mm256_xor_si256(r3[i], mid[h + i]));
	}
	for (size_t i = h2_len; i < h; i++) {
		const block t = _mm256_xor_si256(r1[i], r2[i]);
		r1[i] = _mm256_xor_si256(t, _mm256_xor_si256(r[i], mid[i]));
		r2[i] = _mm256_xor_si256(t, mid[h + i]);
	}
}

VPCLMUL_TARGET void hqc_gf2x_mul_mod_vpclmul256(uint64_t *out, const uint64_t *a, const uint64_t *b)
{
	/* Work area: product (2 * PAD_BLOCKS), padded a and b, scratch. */
	uint64_t *work = hqc_gf2x_work_area();
	block *prod = (block *)work;
	block *pa = prod + 2 * PAD_BLOCKS;
	block *pb = pa + PAD_BLOCKS;
	block *scratch = pb + PAD_BLOCKS;
	memcpy(pa, a, HQC_VEC_WORDS * sizeof(uint64_t));
	memcpy(pb, b, HQC_VEC_WORDS * sizeof(uint64_t));
	memset((uint64_t *)pa + HQC_VEC_WORDS, 0, (HQC_GF2X_PAD_WORDS - HQC_VEC_WORDS) * sizeof(uint64_t));
	memset((uint64_t *)pb + HQC_VEC_WORDS, 0, (HQC_GF2X_PAD_WORDS - HQC_VEC_WORDS) * sizeof(uint64_t));
	karatsuba_blocks(prod, pa, pb, PAD_BLOCKS, scratch);
	hqc_gf2x_reduce(out, work); /* words >= 2 * HQC_VEC_WORDS of prod are 0 */
	pqtun_memzero(work, HQC_GF2X_WORK_WORDS * sizeof(uint64_t));
}
