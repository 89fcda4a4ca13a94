/* AVX2 NTT, inverse NTT and base multiplication for ML-KEM. A polynomial
 * is 16 vectors of 16 coefficients (vector r holds coefficients 16r..16r+15).
 * Layers whose butterflies span at least 16 coefficients work between
 * vectors; for the last three layers (and the first three of the inverse)
 * the 16x16 matrix is transposed so those butterflies also work between
 * vectors, with one twiddle per lane, and transposed back. Results equal
 * the portable code's (same Montgomery and Barrett formulas, lane-wise). */
#include "crypto/mlkem/ntt_avx2.h"

#include <immintrin.h>

#include "crypto/mlkem/ntt.h"
#include "crypto/mlkem/reduce.h"

/* Per-lane twiddle factors for the NTT layers that run on the transposed
 * 16x16 coefficient matrix (generated from mlkem_zetas): each row is one
 * vector of 16 zetas, followed by the same values times q^-1 mod 2^16. */
enum {
	TW_FWD8 = 0,
	TW_FWD4LO = 1,
	TW_FWD4HI = 2,
	TW_FWD2_0 = 3,
	TW_FWD2_1 = 4,
	TW_FWD2_2 = 5,
	TW_FWD2_3 = 6,
	TW_INV2_0 = 7,
	TW_INV2_1 = 8,
	TW_INV2_2 = 9,
	TW_INV2_3 = 10,
	TW_INV4LO = 11,
	TW_INV4HI = 12,
	TW_INV8 = 13,
	TW_COUNT = 14,
};
static const int16_t twiddles[2 * TW_COUNT][16] __attribute__((aligned(32))) = {
	{ 573, -1325, 264, 383, -829, 1458, -1602, -130, -681, 1017, 732, 608, -1542, 411, -205, -1571 },
	{ 1223, -552, -1293, -282, 516, -320, -1618, 126, -853, -271, 107, -247, -398, -1508, 448, 677 },
	{ 652, 1015, 1491, -1544, -8, -666, -1162, 1469, -90, 830, -1421, -951, 961, -725, -1065, -1275 },
	{ -1103, -1251, 422, -291, -246, -777, -1590, 418, 817, 1322, -1215, -874, -1185, -1510, -108, 958 },
	{ 430, 871, 587, -460, 778, 1483, 644, 329, 1097, -1285, -136, 220, -1530, -854, -308, -1460 },
	{ 555, 1550, 177, 1574, 1159, -602, -872, -156, 603, -1465, 1218, -1187, -1278, -870, 996, 1522 },
	{ 843, 105, -235, 1653, -147, 1119, 349, -75, 610, 384, -1335, -1659, 794, 478, 991, 1628 },
	{ 1628, 991, 478, 794, -1659, -1335, 384, 610, -75, 349, 1119, -147, 1653, -235, 105, 843 },
	{ 1522, 996, -870, -1278, -1187, 1218, -1465, 603, -156, -872, -602, 1159, 1574, 177, 1550, 555 },
	{ -1460, -308, -854, -1530, 220, -136, -1285, 1097, 329, 644, 1483, 778, -460, 587, 871, 430 },
	{ 958, -108, -1510, -1185, -874, -1215, 1322, 817, 418, -1590, -777, -246, -291, 422, -1251, -1103 },
	{ -1275, -1065, -725, 961, -951, -1421, 830, -90, 1469, -1162, -666, -8, -1544, 1491, 1015, 652 },
	{ 677, 448, -1508, -398, -247, 107, -271, -853, 126, -1618, -320, 516, -282, -1293, -552, 1223 },
	{ -1571, -205, 411, -1542, 608, 732, 1017, -681, -130, -1602, 1458, -829, 383, 264, -1325, 573 },
	{ -5827, 17363, -26360, -29057, 5571, -1102, 21438, -26242, -28073, 24313, -10532, 8800, 18426, 8859, 26675, -16163 },
	{ -5689, 1496, -23565, 20710, -12796, 16064, 9134, -25986, 19883, -15887, -28309, -30199, 13426, -29156, 16832, -24155 },
	{ -6516, 30967, 20179, 25080, 26616, -12442, -650, 27837, -28250, -8898, 9075, 18249, 14017, -12757, 4311, -17915 },
	{ -335, -32227, -27738, -14883, 32010, 29175, -18486, -14430, -31183, -7382, -20927, 24214, 10335, -22502, 31636, 23998 },
	{ 11182, -14233, 13131, 23092, -32502, -18741, 20100, 19529, 20297, 15355, -6280, -11044, -21498, 23210, -23860, 7756 },
	{ -11477, 20494, 945, 6182, 10631, -28762, 17560, -5276, 25435, 24391, 10946, 16989, -7934, 10906, 28644, -17422 },
	{ 13387, -21655, -4587, 5493, 30317, 12639, 18525, -12619, 2146, -32384, -14903, 14469, -20198, -17442, -20257, 23132 },
	{ 23132, -20257, -17442, -20198, 14469, -14903, -32384, 2146, -12619, 18525, 12639, 30317, 5493, -4587, -21655, 13387 },
	{ -17422, 28644, 10906, -7934, 16989, 10946, 24391, 25435, -5276, 17560, -28762, 10631, 6182, 945, 20494, -11477 },
	{ 7756, -23860, 23210, -21498, -11044, -6280, 15355, 20297, 19529, 20100, -18741, -32502, 23092, 13131, -14233, 11182 },
	{ 23998, 31636, -22502, 10335, 24214, -20927, -7382, -31183, -14430, -18486, 29175, 32010, -14883, -27738, -32227, -335 },
	{ -17915, 4311, -12757, 14017, 18249, 9075, -8898, -28250, 27837, -650, -12442, 26616, 25080, 20179, 30967, -6516 },
	{ -24155, 16832, -29156, 13426, -30199, -28309, -15887, 19883, -25986, 9134, 16064, -12796, 20710, -23565, 1496, -5689 },
	{ -16163, 26675, 8859, 18426, 8800, -10532, 24313, -28073, -26242, 21438, -1102, 5571, -29057, -26360, 17363, -5827 },
};

/* mlkem_zetas[0..15] (the twiddles of the layers that work between whole
 * vectors) and the same values times q^-1 mod 2^16, visible to the
 * compiler so that their broadcasts become constants. */
static const int16_t vec_zetas[2][16] = {
	{ -1044, -758, -359, -1517, 1493, 1422, 287, 202, -171, 622, 1577, 182, 962, -1202, -1474, 1468 },
	{ -20, 31498, 14745, 787, 13525, -12402, 28191, -16694, -20907, 27758, -3799, -15690, 10690, 1358, -11202, 31164 },
};

/* gamma_i for the base multiplication in the odd lanes (even lanes 0):
 * lane 2i+1 holds +-zetas[64 + i/2]; second row: times q^-1 mod 2^16. */
static const int16_t basemul_gammas[2][256] __attribute__((aligned(32))) = {
	{
		0, -1103, 0, 1103, 0, 430, 0, -430, 0, 555, 0, -555, 0, 843, 0, -843,
		0, -1251, 0, 1251, 0, 871, 0, -871, 0, 1550, 0, -1550, 0, 105, 0, -105,
		0, 422, 0, -422, 0, 587, 0, -587, 0, 177, 0, -177, 0, -235, 0, 235,
		0, -291, 0, 291, 0, -460, 0, 460, 0, 1574, 0, -1574, 0, 1653, 0, -1653,
		0, -246, 0, 246, 0, 778, 0, -778, 0, 1159, 0, -1159, 0, -147, 0, 147,
		0, -777, 0, 777, 0, 1483, 0, -1483, 0, -602, 0, 602, 0, 1119, 0, -1119,
		0, -1590, 0, 1590, 0, 644, 0, -644, 0, -872, 0, 872, 0, 349, 0, -349,
		0, 418, 0, -418, 0, 329, 0, -329, 0, -156, 0, 156, 0, -75, 0, 75,
		0, 817, 0, -817, 0, 1097, 0, -1097, 0, 603, 0, -603, 0, 610, 0, -610,
		0, 1322, 0, -1322, 0, -1285, 0, 1285, 0, -1465, 0, 1465, 0, 384, 0, -384,
		0, -1215, 0, 1215, 0, -136, 0, 136, 0, 1218, 0, -1218, 0, -1335, 0, 1335,
		0, -874, 0, 874, 0, 220, 0, -220, 0, -1187, 0, 1187, 0, -1659, 0, 1659,
		0, -1185, 0, 1185, 0, -1530, 0, 1530, 0, -1278, 0, 1278, 0, 794, 0, -794,
		0, -1510, 0, 1510, 0, -854, 0, 854, 0, -870, 0, 870, 0, 478, 0, -478,
		0, -108, 0, 108, 0, -308, 0, 308, 0, 996, 0, -996, 0, 991, 0, -991,
		0, 958, 0, -958, 0, -1460, 0, 1460, 0, 1522, 0, -1522, 0, 1628, 0, -1628,
	},
	{
		0, -335, 0, 335, 0, 11182, 0, -11182, 0, -11477, 0, 11477, 0, 13387, 0, -13387,
		0, -32227, 0, 32227, 0, -14233, 0, 14233, 0, 20494, 0, -20494, 0, -21655, 0, 21655,
		0, -27738, 0, 27738, 0, 13131, 0, -13131, 0, 945, 0, -945, 0, -4587, 0, 4587,
		0, -14883, 0, 14883, 0, 23092, 0, -23092, 0, 6182, 0, -6182, 0, 5493, 0, -5493,
		0, 32010, 0, -32010, 0, -32502, 0, 32502, 0, 10631, 0, -10631, 0, 30317, 0, -30317,
		0, 29175, 0, -29175, 0, -18741, 0, 18741, 0, -28762, 0, 28762, 0, 12639, 0, -12639,
		0, -18486, 0, 18486, 0, 20100, 0, -20100, 0, 17560, 0, -17560, 0, 18525, 0, -18525,
		0, -14430, 0, 14430, 0, 19529, 0, -19529, 0, -5276, 0, 5276, 0, -12619, 0, 12619,
		0, -31183, 0, 31183, 0, 20297, 0, -20297, 0, 25435, 0, -25435, 0, 2146, 0, -2146,
		0, -7382, 0, 7382, 0, 15355, 0, -15355, 0, 24391, 0, -24391, 0, -32384, 0, 32384,
		0, -20927, 0, 20927, 0, -6280, 0, 6280, 0, 10946, 0, -10946, 0, -14903, 0, 14903,
		0, 24214, 0, -24214, 0, -11044, 0, 11044, 0, 16989, 0, -16989, 0, 14469, 0, -14469,
		0, 10335, 0, -10335, 0, -21498, 0, 21498, 0, -7934, 0, 7934, 0, -20198, 0, 20198,
		0, -22502, 0, 22502, 0, 23210, 0, -23210, 0, 10906, 0, -10906, 0, -17442, 0, 17442,
		0, 31636, 0, -31636, 0, -23860, 0, 23860, 0, 28644, 0, -28644, 0, -20257, 0, 20257,
		0, 23998, 0, -23998, 0, 7756, 0, -7756, 0, -17422, 0, 17422, 0, 23132, 0, -23132,
	},
};

#define VQ _mm256_set1_epi16(MLKEM_Q)

/* a * b * 2^-16 mod q lane-wise, given bq = b * q^-1 mod 2^16. */
static inline __m256i fqmul_v(__m256i a, __m256i b, __m256i bq)
{
	__m256i lo = _mm256_mullo_epi16(a, bq);
	__m256i hi = _mm256_mulhi_epi16(a, b);
	lo = _mm256_mulhi_epi16(lo, VQ);
	return _mm256_sub_epi16(hi, lo);
}

/* Centred representative lane-wise (the portable Barrett formula). */
static inline __m256i barrett_v(__m256i a)
{
	__m256i t = _mm256_mulhi_epi16(a, _mm256_set1_epi16(MLKEM_BARRETT_V));
	t = _mm256_mulhrs_epi16(t, _mm256_set1_epi16(1 << 5));
	t = _mm256_mullo_epi16(t, VQ);
	return _mm256_sub_epi16(a, t);
}

/* Cooley-Tukey butterfly: (a, b) <- (a + z b, a - z b). */
static inline void ct_bfly(__m256i *a, __m256i *b, __m256i z, __m256i zq)
{
	__m256i t = fqmul_v(*b, z, zq);
	*b = _mm256_sub_epi16(*a, t);
	*a = _mm256_add_epi16(*a, t);
}

/* Gentleman-Sande butterfly: (a, b) <- (a + b, z (b - a)), the sum reduced
 * when reduce is set (the same layers as the portable code). */
static inline void gs_bfly(__m256i *a, __m256i *b, __m256i z, __m256i zq, int reduce)
{
	__m256i t = *a;
	__m256i sum = _mm256_add_epi16(t, *b);
	*a = reduce ? barrett_v(sum) : sum;
	*b = fqmul_v(_mm256_sub_epi16(*b, t), z, zq);
}

static inline __m256i bcast(int16_t v)
{
	return _mm256_set1_epi16(v);
}

static inline __m256i bcast_q(int16_t v)
{
	return _mm256_set1_epi16((int16_t)((uint32_t)(uint16_t)v * (uint16_t)MLKEM_QINV));
}

static inline __m256i tw(int idx)
{
	return _mm256_load_si256((const __m256i *)twiddles[idx]);
}

static inline __m256i tw_q(int idx)
{
	return _mm256_load_si256((const __m256i *)twiddles[TW_COUNT + idx]);
}

/* Transposes 8 rows of 8 16-bit values within each 128-bit half. */
static inline __attribute__((always_inline)) void transpose8_halves(__m256i x[8])
{
	__m256i a0 = _mm256_unpacklo_epi16(x[0], x[1]), a1 = _mm256_unpackhi_epi16(x[0], x[1]);
	__m256i a2 = _mm256_unpacklo_epi16(x[2], x[3]), a3 = _mm256_unpackhi_epi16(x[2], x[3]);
	__m256i a4 = _mm256_unpacklo_epi16(x[4], x[5]), a5 = _mm256_unpackhi_epi16(x[4], x[5]);
	__m256i a6 = _mm256_unpacklo_epi16(x[6], x[7]), a7 = _mm256_unpackhi_epi16(x[6], x[7]);
	__m256i b0 = _mm256_unpacklo_epi32(a0, a2), b1 = _mm256_unpackhi_epi32(a0, a2);
	__m256i b2 = _mm256_unpacklo_epi32(a1, a3), b3 = _mm256_unpackhi_epi32(a1, a3);
	__m256i b4 = _mm256_unpacklo_epi32(a4, a6), b5 = _mm256_unpackhi_epi32(a4, a6);
	__m256i b6 = _mm256_unpacklo_epi32(a5, a7), b7 = _mm256_unpackhi_epi32(a5, a7);
	x[0] = _mm256_unpacklo_epi64(b0, b4);
	x[1] = _mm256_unpackhi_epi64(b0, b4);
	x[2] = _mm256_unpacklo_epi64(b1, b5);
	x[3] = _mm256_unpackhi_epi64(b1, b5);
	x[4] = _mm256_unpacklo_epi64(b2, b6);
	x[5] = _mm256_unpackhi_epi64(b2, b6);
	x[6] = _mm256_unpacklo_epi64(b3, b7);
	x[7] = _mm256_unpackhi_epi64(b3, b7);
}

/* Transposes the 16x16 matrix of 16-bit values held in r[0..15]. */
static inline __attribute__((always_inline)) void transpose16(__m256i r[16])
{
	__m256i t[16];
	transpose8_halves(r);
	transpose8_halves(r + 8);
	/* r[j] (j < 8): low half = column j of rows 0-7, high half = column
	 * j + 8 of rows 0-7; r[8 + j] likewise for rows 8-15. */
#pragma GCC unroll 8
	for (int j = 0; j < 8; j++) {
		t[j] = _mm256_permute2x128_si256(r[j], r[8 + j], 0x20);
		t[8 + j] = _mm256_permute2x128_si256(r[j], r[8 + j], 0x31);
	}
#pragma GCC unroll 16
	for (int j = 0; j < 16; j++)
		r[j] = t[j];
}

/* Butterflies of the layers that work between whole vectors: for the
 * forward NTT, vector distance dist = 8, 4, 2, 1 use mlkem_zetas[1..15];
 * the inverse uses them backwards. Fully unrolled so that r[] stays in
 * registers (with loops over r[], the compiler keeps r[] in memory). */
static inline __attribute__((always_inline)) void ntt_vector_layers(__m256i r[16])
{
#pragma GCC unroll 16
	for (unsigned int j = 0; j < 8; j++)
		ct_bfly(&r[j], &r[j + 8], bcast(vec_zetas[0][1]), bcast(vec_zetas[1][1]));
	/* The two halves are independent from here on: finish one, then the
	 * other, so that fewer vectors are live at once. */
#pragma GCC unroll 2
	for (unsigned int h = 0; h < 2; h++) {
		__m256i *x = r + 8 * h;
#pragma GCC unroll 4
		for (unsigned int j = 0; j < 4; j++)
			ct_bfly(&x[j], &x[j + 4], bcast(vec_zetas[0][2 + h]), bcast(vec_zetas[1][2 + h]));
#pragma GCC unroll 2
		for (unsigned int g = 0; g < 2; g++)
#pragma GCC unroll 2
			for (unsigned int j = 4 * g; j < 4 * g + 2; j++)
				ct_bfly(&x[j], &x[j + 2], bcast(vec_zetas[0][4 + 2 * h + g]),
					bcast(vec_zetas[1][4 + 2 * h + g]));
#pragma GCC unroll 4
		for (unsigned int g = 0; g < 4; g++)
			ct_bfly(&x[2 * g], &x[2 * g + 1], bcast(vec_zetas[0][8 + 4 * h + g]),
				bcast(vec_zetas[1][8 + 4 * h + g]));
	}
}

void mlkem_ntt_avx2(int16_t c[MLKEM_N])
{
	__m256i r[16];
#pragma GCC unroll 16
	for (int i = 0; i < 16; i++)
		r[i] = _mm256_load_si256((const __m256i *)&c[16 * i]);

	/* Layers with len 128, 64, 32, 16: vector distance len / 16. */
	ntt_vector_layers(r);

	/* len 8, 4, 2 on the transposed matrix: r[c] is column c. */
	transpose16(r);
#pragma GCC unroll 8
	for (int j = 0; j < 8; j++)
		ct_bfly(&r[j], &r[j + 8], tw(TW_FWD8), tw_q(TW_FWD8));
#pragma GCC unroll 4
	for (int j = 0; j < 4; j++) {
		ct_bfly(&r[j], &r[j + 4], tw(TW_FWD4LO), tw_q(TW_FWD4LO));
		ct_bfly(&r[j + 8], &r[j + 12], tw(TW_FWD4HI), tw_q(TW_FWD4HI));
	}
#pragma GCC unroll 4
	for (int g = 0; g < 4; g++)
#pragma GCC unroll 2
		for (int j = 4 * g; j < 4 * g + 2; j++)
			ct_bfly(&r[j], &r[j + 2], tw(TW_FWD2_0 + g), tw_q(TW_FWD2_0 + g));
#pragma GCC unroll 16
	for (int i = 0; i < 16; i++)
		r[i] = barrett_v(r[i]);
	transpose16(r);

#pragma GCC unroll 16
	for (int i = 0; i < 16; i++)
		_mm256_store_si256((__m256i *)&c[16 * i], r[i]);
}

/* The inverse of ntt_vector_layers' structure (Gentleman-Sande, distance
 * 1, 2, 4 per half, then 8), with the sums reduced after the distance-4
 * layer like the portable code. */
static inline __attribute__((always_inline)) void invntt_vector_layers(__m256i r[16])
{
#pragma GCC unroll 2
	for (unsigned int h = 0; h < 2; h++) {
		__m256i *x = r + 8 * h;
#pragma GCC unroll 4
		for (unsigned int g = 0; g < 4; g++)
			gs_bfly(&x[2 * g], &x[2 * g + 1], bcast(vec_zetas[0][15 - 4 * h - g]),
				bcast(vec_zetas[1][15 - 4 * h - g]), 0);
#pragma GCC unroll 2
		for (unsigned int g = 0; g < 2; g++)
#pragma GCC unroll 2
			for (unsigned int j = 4 * g; j < 4 * g + 2; j++)
				gs_bfly(&x[j], &x[j + 2], bcast(vec_zetas[0][7 - 2 * h - g]),
					bcast(vec_zetas[1][7 - 2 * h - g]), 0);
#pragma GCC unroll 4
		for (unsigned int j = 0; j < 4; j++)
			gs_bfly(&x[j], &x[j + 4], bcast(vec_zetas[0][3 - h]), bcast(vec_zetas[1][3 - h]), 1);
	}
#pragma GCC unroll 8
	for (unsigned int j = 0; j < 8; j++)
		gs_bfly(&r[j], &r[j + 8], bcast(vec_zetas[0][1]), bcast(vec_zetas[1][1]), 0);
}

void mlkem_invntt_avx2(int16_t c[MLKEM_N])
{
	__m256i r[16];
#pragma GCC unroll 16
	for (int i = 0; i < 16; i++)
		r[i] = _mm256_load_si256((const __m256i *)&c[16 * i]);

	transpose16(r);
#pragma GCC unroll 4
	for (int g = 0; g < 4; g++)
#pragma GCC unroll 2
		for (int j = 4 * g; j < 4 * g + 2; j++)
			gs_bfly(&r[j], &r[j + 2], tw(TW_INV2_0 + g), tw_q(TW_INV2_0 + g), 0);
#pragma GCC unroll 4
	for (int j = 0; j < 4; j++) {
		gs_bfly(&r[j], &r[j + 4], tw(TW_INV4LO), tw_q(TW_INV4LO), 0);
		gs_bfly(&r[j + 8], &r[j + 12], tw(TW_INV4HI), tw_q(TW_INV4HI), 0);
	}
#pragma GCC unroll 8
	for (int j = 0; j < 8; j++)
		gs_bfly(&r[j], &r[j + 8], tw(TW_INV8), tw_q(TW_INV8), 1);
	transpose16(r);

	invntt_vector_layers(r);
	/* 1441 = 2^32 / 128 mod q, as in the portable code. */
	const __m256i f = bcast(1441), fq = bcast_q(1441);
#pragma GCC unroll 16
	for (int i = 0; i < 16; i++)
		_mm256_store_si256((__m256i *)&c[16 * i], fqmul_v(r[i], f, fq));
}

/* Montgomery reduction of eight int32 sums: result in the low 16 bits of
 * each 32-bit lane (upper halves are garbage). */
static inline __m256i mont32_v(__m256i x)
{
	__m256i t = _mm256_mullo_epi16(x, _mm256_set1_epi16(MLKEM_QINV));
	t = _mm256_mulhi_epi16(t, VQ);
	return _mm256_sub_epi16(_mm256_srli_epi32(x, 16), t);
}

void mlkem_mulcache_avx2(mlkem_polyvec_cache *bc, const mlkem_polyvec *b)
{
	for (int i = 0; i < MLKEM_K; i++)
		for (int v = 0; v < 16; v++) {
			const __m256i g = _mm256_load_si256((const __m256i *)&basemul_gammas[0][16 * v]);
			const __m256i gq = _mm256_load_si256((const __m256i *)&basemul_gammas[1][16 * v]);
			__m256i bv = _mm256_load_si256((const __m256i *)&b->v[i].c[16 * v]);
			/* even lanes b0, odd lanes b1 * gamma */
			__m256i bg = _mm256_blend_epi16(bv, fqmul_v(bv, g, gq), 0xaa);
			_mm256_store_si256((__m256i *)&bc->v[i].c[16 * v], bg);
			/* pairs swapped: (b1, b0) */
			__m256i bs = _mm256_or_si256(_mm256_slli_epi32(bv, 16), _mm256_srli_epi32(bv, 16));
			_mm256_store_si256((__m256i *)&bc->sw[i].c[16 * v], bs);
		}
}

void mlkem_basemul_acc_polys_avx2(mlkem_poly *r, const mlkem_poly *const a[MLKEM_K],
				  const mlkem_polyvec_cache *bc)
{
	for (int v = 0; v < 16; v++) {
		__m256i acc0 = _mm256_setzero_si256(), acc1 = _mm256_setzero_si256();
		for (int i = 0; i < MLKEM_K; i++) {
			__m256i av = _mm256_load_si256((const __m256i *)&a[i]->c[16 * v]);
			__m256i bg = _mm256_load_si256((const __m256i *)&bc->v[i].c[16 * v]);
			__m256i bs = _mm256_load_si256((const __m256i *)&bc->sw[i].c[16 * v]);
			acc0 = _mm256_add_epi32(acc0, _mm256_madd_epi16(av, bg));
			acc1 = _mm256_add_epi32(acc1, _mm256_madd_epi16(av, bs));
		}
		__m256i r0 = mont32_v(acc0), r1 = mont32_v(acc1);
		__m256i res = _mm256_blend_epi16(r0, _mm256_slli_epi32(r1, 16), 0xaa);
		_mm256_store_si256((__m256i *)&r->c[16 * v], res);
	}
}

void mlkem_basemul_acc_avx2(mlkem_poly *r, const mlkem_polyvec *a, const mlkem_polyvec *b,
			    const mlkem_polyvec_cache *bc)
{
	const mlkem_poly *const rows[MLKEM_K] = { &a->v[0], &a->v[1], &a->v[2], &a->v[3] };
	(void)b; /* everything needed is in the cache */
	mlkem_basemul_acc_polys_avx2(r, rows, bc);
}
