/* GF(2)[X]/(X^N - 1) product with PCLMULQDQ (SSE), for CPUs without
 * VPCLMULQDQ. The operands are padded to 452 units of 128 bits and
 * multiplied by a recursive Karatsuba on units down to products of up to
 * 8 units done without loops over memory, by Karatsuba steps down to
 * 64-bit words.
 *
 * Constant time: carry-less multiplication, XOR and shuffles take the same
 * time whatever the data, and every branch and index depends only on sizes. */
#include <immintrin.h>
#include <stddef.h>
#include <string.h>

#include "crypto/hqc/gf2x_internal.h"

#define PAD_UNITS (HQC_GF2X_PAD_WORDS / 2)

typedef __m128i unit;

_Static_assert(4 * HQC_GF2X_PAD_WORDS + HQC_GF2X_SCRATCH_WORDS <= HQC_GF2X_WORK_WORDS,
	       "gf2x work area too small");

/* The 128 x 128-bit product x * y: *lo gets bits 0..127, *hi the rest. */
static inline void mul_1unit(unit *lo, unit *hi, unit x, unit y)
{
	const unit l = _mm_clmulepi64_si128(x, y, 0x00);
	const unit h = _mm_clmulepi64_si128(x, y, 0x11);
	const unit xs = _mm_xor_si128(x, _mm_shuffle_epi32(x, 0x4e));
	const unit ys = _mm_xor_si128(y, _mm_shuffle_epi32(y, 0x4e));
	unit m = _mm_clmulepi64_si128(xs, ys, 0x00);
	m = _mm_xor_si128(m, _mm_xor_si128(l, h));
	*lo = _mm_xor_si128(l, _mm_slli_si128(m, 8));
	*hi = _mm_xor_si128(h, _mm_srli_si128(m, 8));
}

/* r[0 .. 4) = (a0 + X^128 a1)(b0 + X^128 b1). Always inlined: as a call,
 * passing the result through memory is slower. */
static inline __attribute__((always_inline)) void mul_2units(unit *r, unit a0, unit a1, unit b0, unit b1)
{
	unit l0, h0, l1, h1, lm, hm;
	mul_1unit(&l0, &h0, a0, b0);
	mul_1unit(&l1, &h1, a1, b1);
	mul_1unit(&lm, &hm, _mm_xor_si128(a0, a1), _mm_xor_si128(b0, b1));
	lm = _mm_xor_si128(lm, _mm_xor_si128(l0, l1));
	hm = _mm_xor_si128(hm, _mm_xor_si128(h0, h1));
	r[0] = l0;
	r[1] = _mm_xor_si128(h0, lm);
	r[2] = _mm_xor_si128(l1, hm);
	r[3] = h1;
}

/* r[0 .. 6) = a[0 .. 3) * b[0 .. 3): Karatsuba with halves of 2 and 1
 * units, recombined in registers. */
static inline void mul_3units(unit *r, const unit *a, const unit *b)
{
	unit lo[4], hi[2], mid[4];
	mul_2units(lo, a[0], a[1], b[0], b[1]);
	mul_1unit(&hi[0], &hi[1], a[2], b[2]);
	mul_2units(mid, _mm_xor_si128(a[0], a[2]), a[1], _mm_xor_si128(b[0], b[2]), b[1]);
	/* Quarters as in karatsuba_units, with a1 b1 only 2 units long. */
	for (int i = 0; i < 2; i++) {
		const unit t = _mm_xor_si128(lo[2 + i], hi[i]);
		r[i] = lo[i];
		r[2 + i] = _mm_xor_si128(t, _mm_xor_si128(lo[i], mid[i]));
		r[4 + i] = _mm_xor_si128(t, mid[2 + i]);
	}
}

/* r[0 .. 8) = a[0 .. 4) * b[0 .. 4): one Karatsuba step on 2-unit halves,
 * recombined in registers. */
static inline void mul_4units(unit *r, const unit *a, const unit *b)
{
	unit lo[4], hi[4], mid[4];
	mul_2units(lo, a[0], a[1], b[0], b[1]);
	mul_2units(hi, a[2], a[3], b[2], b[3]);
	mul_2units(mid, _mm_xor_si128(a[0], a[2]), _mm_xor_si128(a[1], a[3]),
		   _mm_xor_si128(b[0], b[2]), _mm_xor_si128(b[1], b[3]));
	for (int i = 0; i < 2; i++) {
		const unit t = _mm_xor_si128(lo[2 + i], hi[i]);
		r[i] = lo[i];
		r[2 + i] = _mm_xor_si128(t, _mm_xor_si128(lo[i], mid[i]));
		r[4 + i] = _mm_xor_si128(t, _mm_xor_si128(hi[2 + i], mid[2 + i]));
		r[6 + i] = hi[2 + i];
	}
}

/* r[0 .. 2n) = a[0 .. n) * b[0 .. n) for n = 7 or 8 units: Karatsuba with
 * halves of 4 and n - 4 units over the in-register products above. */
static inline void mul_7or8units(unit *r, const unit *a, const unit *b, size_t n)
{
	unit sa[4], sb[4], mid[8];
	mul_4units(r, a, b);
	for (size_t i = 0; i < 4; i++) {
		sa[i] = i + 4 < n ? _mm_xor_si128(a[i], a[4 + i]) : a[i];
		sb[i] = i + 4 < n ? _mm_xor_si128(b[i], b[4 + i]) : b[i];
	}
	if (n == 8)
		mul_4units(r + 8, a + 4, b + 4);
	else
		mul_3units(r + 8, a + 4, b + 4);
	mul_4units(mid, sa, sb);
	/* Quarters of 4 units as in karatsuba_units; H2 has 2n - 12 units. */
	for (size_t i = 0; i < 4; i++) {
		const unit t = _mm_xor_si128(r[4 + i], r[8 + i]);
		const unit h2 = i < 2 * n - 12 ? r[12 + i] : _mm_setzero_si128();
		r[4 + i] = _mm_xor_si128(t, _mm_xor_si128(r[i], mid[i]));
		r[8 + i] = _mm_xor_si128(t, _mm_xor_si128(h2, mid[4 + i]));
	}
}

/* r[0 .. 2n) = a[0 .. n) * b[0 .. n) in units; r must not overlap a, b or
 * scratch, which needs about 4n + 4 log2(n) units. */
static void karatsuba_units(unit *restrict r, const unit *restrict a, const unit *restrict b,
			    size_t n, unit *restrict scratch)
{
	if (n == 1) {
		mul_1unit(&r[0], &r[1], a[0], b[0]);
		return;
	}
	if (n == 2) {
		mul_2units(r, a[0], a[1], b[0], b[1]);
		return;
	}
	if (n == 3) {
		mul_3units(r, a, b);
		return;
	}
	if (n == 4) {
		mul_4units(r, a, b);
		return;
	}
	if (n == 7 || n == 8) {
		mul_7or8units(r, a, b, n);
		return;
	}
	const size_t h = (n + 1) / 2, l = n - h;
	unit *restrict sum_a = scratch;
	unit *restrict sum_b = scratch + h;
	unit *restrict mid = scratch + 2 * h;

	karatsuba_units(r, a, b, h, scratch);
	karatsuba_units(r + 2 * h, a + h, b + h, l, scratch);
	for (size_t i = 0; i < l; i++) {
		sum_a[i] = _mm_xor_si128(a[i], a[h + i]);
		sum_b[i] = _mm_xor_si128(b[i], b[h + i]);
	}
	if (l < h) {
		sum_a[h - 1] = a[h - 1];
		sum_b[h - 1] = b[h - 1];
	}
	karatsuba_units(mid, sum_a, sum_b, h, scratch + 4 * h);

	/* Recombination as in gf2x_karatsuba.h, on units: quarters L0,
	 * L0 + H0 + L2 + ML, H0 + L2 + H2 + MH, H2 with t = H0 + L2 shared. */
	unit *restrict r1 = r + h, *restrict r2 = r + 2 * h;
	const unit *restrict r3 = r + 3 * h;
	const size_t h2_len = 2 * l - h;
	for (size_t i = 0; i < h2_len; i++) {
		const unit t = _mm_xor_si128(r1[i], r2[i]);
		r1[i] = _mm_xor_si128(t, _mm_xor_si128(r[i], mid[i]));
		r2[i] = _mm_xor_si128(t, _mm_xor_si128(r3[i], mid[h + i]));
	}
	for (size_t i = h2_len; i < h; i++) {
		const unit t = _mm_xor_si128(r1[i], r2[i]);
		r1[i] = _mm_xor_si128(t, _mm_xor_si128(r[i], mid[i]));
		r2[i] = _mm_xor_si128(t, mid[h + i]);
	}
}

void hqc_gf2x_mul_mod_pclmul_keep(uint64_t *out, const uint64_t *a, const uint64_t *b)
{
	/* Work area: product (2 * PAD_UNITS), padded a and b, scratch. */
	uint64_t *work = hqc_gf2x_work_area();
	unit *prod = (unit *)work;
	unit *pa = prod + 2 * PAD_UNITS;
	unit *pb = pa + PAD_UNITS;
	unit *scratch = pb + PAD_UNITS;
	memcpy(pa, a, HQC_VEC_WORDS * sizeof(uint64_t));
	memcpy(pb, b, HQC_VEC_WORDS * sizeof(uint64_t));
	memset((uint64_t *)pa + HQC_VEC_WORDS, 0, (HQC_GF2X_PAD_WORDS - HQC_VEC_WORDS) * sizeof(uint64_t));
	memset((uint64_t *)pb + HQC_VEC_WORDS, 0, (HQC_GF2X_PAD_WORDS - HQC_VEC_WORDS) * sizeof(uint64_t));
	karatsuba_units(prod, pa, pb, PAD_UNITS, scratch);
	hqc_gf2x_reduce(out, work); /* words >= 2 * HQC_VEC_WORDS of prod are 0 */
}
