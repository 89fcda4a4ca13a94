/* GF(2)[X]/(X^N - 1) product with VPCLMULQDQ on 256-bit registers (AVX2
 * CPUs with VPCLMULQDQ, e.g. AMD Zen 3 and later; AVX-512 is not needed).
 *
 * The operands are padded to 226 blocks of 256 bits and multiplied by a
 * recursive Karatsuba on blocks down to products of one, two or four
 * blocks, done in registers as Karatsuba steps on blocks and on 128-bit
 * halves; the products of 128-bit halves are schoolbook on 64-bit words
 * and run two at a time, one per 128-bit lane of VPCLMULQDQ.
 *
 * Constant time: carry-less multiplication, XOR and shuffles take the same
 * time whatever the data, and every branch and index depends only on sizes. */
#include <immintrin.h>
#include <stddef.h>
#include <string.h>

#include "crypto/hqc/gf2x_internal.h"

#define VPCLMUL_TARGET __attribute__((target("avx2,pclmul,vpclmulqdq")))
#define PAD_BLOCKS (HQC_GF2X_PAD_WORDS / 4)

typedef __m256i block;

_Static_assert(4 * HQC_GF2X_PAD_WORDS + HQC_GF2X_SCRATCH_WORDS <= HQC_GF2X_WORK_WORDS,
	       "gf2x work area too small");

/* Two 128 x 128-bit products at once, one per lane, in "lane-split" form:
 * for x = [x0 | x1] and y = [y0 | y1], *lo = [low half of x0 y0 | low half
 * of x1 y1] and *hi = [high half of x0 y0 | high half of x1 y1]. Schoolbook
 * on 64-bit words (4 multiplications): cheaper here than a Karatsuba step,
 * whose extra shuffles cost more than the multiplication they save. */
static inline VPCLMUL_TARGET void mul128x2(block *lo, block *hi, block x, block y)
{
	const block l = _mm256_clmulepi64_epi128(x, y, 0x00);
	const block h = _mm256_clmulepi64_epi128(x, y, 0x11);
	const block m = _mm256_xor_si256(_mm256_clmulepi64_epi128(x, y, 0x01),
					 _mm256_clmulepi64_epi128(x, y, 0x10));
	*lo = _mm256_xor_si256(l, _mm256_slli_si256(m, 8));
	*hi = _mm256_xor_si256(h, _mm256_srli_si256(m, 8));
}

/* The 128 x 128-bit product x * y as one 256-bit block. */
static inline VPCLMUL_TARGET block mul128(__m128i x, __m128i y)
{
	const __m128i l = _mm_clmulepi64_si128(x, y, 0x00);
	const __m128i h = _mm_clmulepi64_si128(x, y, 0x11);
	const __m128i m = _mm_xor_si128(_mm_clmulepi64_si128(x, y, 0x01),
					_mm_clmulepi64_si128(x, y, 0x10));
	return _mm256_set_m128i(_mm_xor_si128(h, _mm_srli_si128(m, 8)),
				_mm_xor_si128(l, _mm_slli_si128(m, 8)));
}

/* [x0 ^ x1 | y0 ^ y1] for x = [x0 | x1], y = [y0 | y1]: one lane-crossing
 * permutation and one in-lane blend. */
static inline VPCLMUL_TARGET block fold_pair(block x, block y)
{
	const block cross = _mm256_permute2x128_si256(x, y, 0x21); /* [x1 | y0] */
	const block kept = _mm256_blend_epi32(x, y, 0xf0);           /* [x0 | y1] */
	return _mm256_xor_si256(cross, kept);
}

/* Karatsuba recombination of a 256 x 256-bit product x y, x = [x0 | x1]:
 * lo, hi are x0 y0 and x1 y1 in lane-split form (see mul128x2) and
 * q = (x0 + x1)(y0 + y1). Writes x y = r[0] + X^256 r[1]. */
static inline VPCLMUL_TARGET void combine(block *r, block lo, block hi, block q)
{
	/* mid = q + x0 y0 + x1 y1 = [mid.lo | mid.hi]; x y = x0 y0 +
	 * X^128 mid + X^256 x1 y1. */
	const block mid = _mm256_xor_si256(q, fold_pair(lo, hi));
	r[0] = _mm256_permute2x128_si256(lo, _mm256_xor_si256(hi, mid), 0x20);
	r[1] = _mm256_permute2x128_si256(_mm256_xor_si256(lo, mid), hi, 0x31);
}

/* r[0 .. 2) = a * b for one block each. */
static inline VPCLMUL_TARGET void mul_1block(block *r, block a, block b)
{
	block lo, hi;
	mul128x2(&lo, &hi, a, b);
	const block fa = fold_pair(a, a), fb = fold_pair(b, b);
	combine(r, lo, hi, mul128(_mm256_castsi256_si128(fa), _mm256_castsi256_si128(fb)));
}

/* r[0 .. 4) = (a0 + X^256 a1)(b0 + X^256 b1), by Karatsuba on blocks and
 * on 128-bit halves; 8 of the 9 products of 128-bit halves are paired in
 * VPCLMULQDQ lanes. Always inlined: as a call it measured 8% slower. */
static inline __attribute__((always_inline)) VPCLMUL_TARGET void
mul_2blocks(block *r, block a0, block a1, block b0, block b1)
{
	const block as = _mm256_xor_si256(a0, a1), bs = _mm256_xor_si256(b0, b1);
	const block fa = fold_pair(a0, a1), fb = fold_pair(b0, b1); /* halves summed */
	block lo0, hi0, lo1, hi1, los, his, qlo, qhi;
	mul128x2(&lo0, &hi0, a0, b0);
	mul128x2(&lo1, &hi1, a1, b1);
	mul128x2(&los, &his, as, bs);
	mul128x2(&qlo, &qhi, fa, fb); /* middle products of a0 b0 (lane 0), a1 b1 (lane 1) */
	const __m128i fas = _mm_xor_si128(_mm256_castsi256_si128(fa), _mm256_extracti128_si256(fa, 1));
	const __m128i fbs = _mm_xor_si128(_mm256_castsi256_si128(fb), _mm256_extracti128_si256(fb, 1));
	const block q0 = _mm256_permute2x128_si256(qlo, qhi, 0x20);
	const block q1 = _mm256_permute2x128_si256(qlo, qhi, 0x31);
	block l[2], h[2], m[2];
	combine(l, lo0, hi0, q0);                 /* a0 b0 */
	combine(h, lo1, hi1, q1);                 /* a1 b1 */
	combine(m, los, his, mul128(fas, fbs));   /* (a0 + a1)(b0 + b1) */
	m[0] = _mm256_xor_si256(m[0], _mm256_xor_si256(l[0], h[0]));
	m[1] = _mm256_xor_si256(m[1], _mm256_xor_si256(l[1], h[1]));
	r[0] = l[0];
	r[1] = _mm256_xor_si256(l[1], m[0]);
	r[2] = _mm256_xor_si256(h[0], m[1]);
	r[3] = h[1];
}

/* r[0 .. 8) = a[0 .. 4) * b[0 .. 4): one Karatsuba step on 2-block halves,
 * recombined in registers (saves a level of memory passes). */
static inline VPCLMUL_TARGET void mul_4blocks(block *r, const block *a, const block *b)
{
	block lo[4], hi[4], mid[4];
	mul_2blocks(lo, a[0], a[1], b[0], b[1]);
	mul_2blocks(hi, a[2], a[3], b[2], b[3]);
	mul_2blocks(mid, _mm256_xor_si256(a[0], a[2]), _mm256_xor_si256(a[1], a[3]),
		    _mm256_xor_si256(b[0], b[2]), _mm256_xor_si256(b[1], b[3]));
	for (int i = 0; i < 2; i++) {
		const block t = _mm256_xor_si256(lo[2 + i], hi[i]);
		r[i] = lo[i];
		r[2 + i] = _mm256_xor_si256(t, _mm256_xor_si256(lo[i], mid[i]));
		r[4 + i] = _mm256_xor_si256(t, _mm256_xor_si256(hi[2 + i], mid[2 + i]));
		r[6 + i] = hi[2 + i];
	}
}

/* r[0 .. 6) = a[0 .. 3) * b[0 .. 3): Karatsuba with halves of 2 and 1
 * blocks, recombined in registers. */
static inline VPCLMUL_TARGET void mul_3blocks(block *r, const block *a, const block *b)
{
	block lo[4], hi[2], mid[4];
	mul_2blocks(lo, a[0], a[1], b[0], b[1]);
	mul_1block(hi, a[2], b[2]);
	mul_2blocks(mid, _mm256_xor_si256(a[0], a[2]), a[1], _mm256_xor_si256(b[0], b[2]), b[1]);
	/* Quarters of 2 blocks: L0, L0 + H0 + L2 + ML, H0 + L2 + H2 + MH, H2
	 * with a1 b1 = L2 + X^512 H2 only 2 blocks long (H2 = 0). */
	for (int i = 0; i < 2; i++) {
		const block t = _mm256_xor_si256(lo[2 + i], hi[i]);
		r[i] = lo[i];
		r[2 + i] = _mm256_xor_si256(t, _mm256_xor_si256(lo[i], mid[i]));
		r[4 + i] = _mm256_xor_si256(t, mid[2 + i]);
	}
}

/* r[0 .. 2n) = a[0 .. n) * b[0 .. n) for n = 7 or 8 blocks: Karatsuba with
 * halves of 4 and n - 4 blocks over the in-register products above, without
 * loops over memory. */
static inline VPCLMUL_TARGET void mul_7or8blocks(block *r, const block *a, const block *b,
						 size_t n)
{
	block sa[4], sb[4], mid[8];
	mul_4blocks(r, a, b);
	for (size_t i = 0; i < 4; i++) {
		sa[i] = i + 4 < n ? _mm256_xor_si256(a[i], a[4 + i]) : a[i];
		sb[i] = i + 4 < n ? _mm256_xor_si256(b[i], b[4 + i]) : b[i];
	}
	if (n == 8)
		mul_4blocks(r + 8, a + 4, b + 4);
	else
		mul_3blocks(r + 8, a + 4, b + 4);
	mul_4blocks(mid, sa, sb);
	/* Quarters of 4 blocks as in karatsuba_blocks; H2 has 2n - 12 blocks. */
	for (size_t i = 0; i < 4; i++) {
		const block t = _mm256_xor_si256(r[4 + i], r[8 + i]);
		const block h2 = i < 2 * n - 12 ? r[12 + i] : _mm256_setzero_si256();
		r[4 + i] = _mm256_xor_si256(t, _mm256_xor_si256(r[i], mid[i]));
		r[8 + i] = _mm256_xor_si256(t, _mm256_xor_si256(h2, mid[4 + i]));
	}
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
	if (n == 3) {
		mul_3blocks(r, a, b);
		return;
	}
	if (n == 4) {
		mul_4blocks(r, a, b);
		return;
	}
	if (n == 7 || n == 8) {
		mul_7or8blocks(r, a, b, n);
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

/* out = prod mod X^N - 1, as hqc_gf2x_reduce (bit N + k folds onto bit k),
 * four words at a time; prod has 2 * HQC_VEC_WORDS words. */
static VPCLMUL_TARGET void reduce_blocks(uint64_t *out, const uint64_t *prod)
{
	const int shift = HQC_N % 64;
	const uint64_t *high = prod + HQC_N / 64; /* word k of the part folded onto bit 0 */
	const __m128i right = _mm_cvtsi32_si128(shift), left = _mm_cvtsi32_si128(64 - shift);
	size_t i = 0;
	for (; i + 4 <= HQC_VEC_WORDS; i += 4) {
		const block lo = _mm256_loadu_si256((const block *)(prod + i));
		const block h0 = _mm256_loadu_si256((const block *)(high + i));
		const block h1 = _mm256_loadu_si256((const block *)(high + i + 1));
		const block folded = _mm256_or_si256(_mm256_srl_epi64(h0, right), _mm256_sll_epi64(h1, left));
		_mm256_storeu_si256((block *)(out + i), _mm256_xor_si256(lo, folded));
	}
	for (; i < HQC_VEC_WORDS; i++)
		out[i] = prod[i] ^ (high[i] >> shift) ^ (high[i + 1] << (64 - shift));
	out[HQC_VEC_WORDS - 1] &= (1ULL << shift) - 1;
}

VPCLMUL_TARGET void hqc_gf2x_mul_mod_vpclmul256_keep(uint64_t *out, const uint64_t *a, const uint64_t *b)
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
	reduce_blocks(out, work); /* words >= 2 * HQC_VEC_WORDS of prod are 0 */
}
