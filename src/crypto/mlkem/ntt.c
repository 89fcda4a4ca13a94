/* Portable NTT, inverse NTT and base multiplication (FIPS 203 Alg. 9-12),
 * with Montgomery multiplication by precomputed twiddle factors. */
#include "crypto/mlkem/ntt.h"

#include "crypto/mlkem/reduce.h"

const int16_t mlkem_zetas[128] = {
	-1044, -758, -359, -1517, 1493, 1422, 287, 202, -171, 622, 1577, 182, 962,
	-1202, -1474, 1468, 573, -1325, 264, 383, -829, 1458, -1602, -130, -681,
	1017, 732, 608, -1542, 411, -205, -1571, 1223, 652, -552, 1015, -1293, 1491,
	-282, -1544, 516, -8, -320, -666, -1618, -1162, 126, 1469, -853, -90, -271,
	830, 107, -1421, -247, -951, -398, 961, -1508, -725, 448, -1065, 677, -1275,
	-1103, 430, 555, 843, -1251, 871, 1550, 105, 422, 587, 177, -235, -291,
	-460, 1574, 1653, -246, 778, 1159, -147, -777, 1483, -602, 1119, -1590, 644,
	-872, 349, 418, 329, -156, -75, 817, 1097, 603, 610, 1322, -1285, -1465,
	384, -1215, -136, 1218, -1335, -874, 220, -1187, -1659, -1185, -1530,
	-1278, 794, -1510, -854, -870, 478, -108, -308, 996, 991, 958, -1460, 1522,
	1628,
};

/* zeta * q^-1 mod 2^16 for each entry of mlkem_zetas (the Montgomery
 * multiplication below needs both). */
static inline int16_t zeta_qinv(int16_t zeta)
{
	return (int16_t)((uint32_t)(uint16_t)zeta * (uint16_t)MLKEM_QINV);
}

/* Montgomery product a * zeta * 2^-16 written as high halves of 16x16-bit
 * products (equal to mlkem_fqmul): compilers turn this into vector
 * multiply-high instructions when they vectorise the loops below. */
static inline int16_t fqmul_hi(int16_t a, int16_t zeta, int16_t zq)
{
	int16_t t = (int16_t)((uint32_t)(uint16_t)a * (uint16_t)zq);
	int16_t hi = (int16_t)(((int32_t)a * zeta) >> 16);
	int16_t u = (int16_t)(((int32_t)t * MLKEM_Q) >> 16);
	return (int16_t)(hi - u);
}

/* Butterflies a[j], b[j] for j < 8 with one twiddle (vectorisable: fixed
 * trip count, distinct arrays). */
static inline void ct_bfly8(int16_t *restrict a, int16_t *restrict b, int16_t zeta, int16_t zq)
{
	for (unsigned int j = 0; j < 8; j++) {
		int16_t t = fqmul_hi(b[j], zeta, zq);
		b[j] = (int16_t)(a[j] - t);
		a[j] = (int16_t)(a[j] + t);
	}
}

/* Gentleman-Sande butterflies a[j], b[j] for j < 8: the sum is reduced in
 * gs_bfly8_reduce and left as is in gs_bfly8_lazy (see
 * mlkem_invntt_portable for the bounds). Two functions, so that each inner
 * loop stays branch-free and vectorises. */
static inline void gs_bfly8_reduce(int16_t *restrict a, int16_t *restrict b, int16_t zeta,
				   int16_t zq)
{
	for (unsigned int j = 0; j < 8; j++) {
		int16_t t = a[j];
		a[j] = mlkem_barrett_reduce((int16_t)(t + b[j]));
		b[j] = fqmul_hi((int16_t)(b[j] - t), zeta, zq);
	}
}

static inline void gs_bfly8_lazy(int16_t *restrict a, int16_t *restrict b, int16_t zeta, int16_t zq)
{
	for (unsigned int j = 0; j < 8; j++) {
		int16_t t = a[j];
		a[j] = (int16_t)(t + b[j]);
		b[j] = fqmul_hi((int16_t)(b[j] - t), zeta, zq);
	}
}

void mlkem_ntt_portable(int16_t c[MLKEM_N])
{
	unsigned int k = 1;
	/* Each layer adds at most q to the bound: 7 layers from q stay below
	 * 8q < 2^15, so no reduction is needed until the end. */
	for (unsigned int len = 128; len >= 8; len >>= 1) {
		for (unsigned int start = 0; start < MLKEM_N; start += 2 * len) {
			int16_t zeta = mlkem_zetas[k++], zq = zeta_qinv(zeta);
			for (unsigned int j = start; j < start + len; j += 8)
				ct_bfly8(&c[j], &c[j + len], zeta, zq);
		}
	}
	/* len 4 and len 2 together, one group of 8 coefficients at a time,
	 * kept in registers: group g uses zetas[32 + g] for len 4 and
	 * zetas[64 + 2g], zetas[65 + 2g] for len 2. */
	for (unsigned int g = 0; g < MLKEM_N / 8; g++) {
		int16_t *p = &c[8 * g];
		int16_t x0 = p[0], x1 = p[1], x2 = p[2], x3 = p[3];
		int16_t x4 = p[4], x5 = p[5], x6 = p[6], x7 = p[7], t;
		int16_t z = mlkem_zetas[32 + g], zq = zeta_qinv(z);
		t = fqmul_hi(x4, z, zq); x4 = (int16_t)(x0 - t); x0 = (int16_t)(x0 + t);
		t = fqmul_hi(x5, z, zq); x5 = (int16_t)(x1 - t); x1 = (int16_t)(x1 + t);
		t = fqmul_hi(x6, z, zq); x6 = (int16_t)(x2 - t); x2 = (int16_t)(x2 + t);
		t = fqmul_hi(x7, z, zq); x7 = (int16_t)(x3 - t); x3 = (int16_t)(x3 + t);
		z = mlkem_zetas[64 + 2 * g];
		zq = zeta_qinv(z);
		t = fqmul_hi(x2, z, zq); x2 = (int16_t)(x0 - t); x0 = (int16_t)(x0 + t);
		t = fqmul_hi(x3, z, zq); x3 = (int16_t)(x1 - t); x1 = (int16_t)(x1 + t);
		z = mlkem_zetas[65 + 2 * g];
		zq = zeta_qinv(z);
		t = fqmul_hi(x6, z, zq); x6 = (int16_t)(x4 - t); x4 = (int16_t)(x4 + t);
		t = fqmul_hi(x7, z, zq); x7 = (int16_t)(x5 - t); x5 = (int16_t)(x5 + t);
		p[0] = x0; p[1] = x1; p[2] = x2; p[3] = x3;
		p[4] = x4; p[5] = x5; p[6] = x6; p[7] = x7;
	}
	for (unsigned int j = 0; j < MLKEM_N; j++)
		c[j] = mlkem_barrett_reduce(c[j]);
}

void mlkem_invntt_portable(int16_t c[MLKEM_N])
{
	/* 1441 = 2^32 / 128 mod q: scales by 1/128 and by 2^16 after the
	 * final Montgomery multiplication. Bounds: a sum of two values below
	 * bq is below 2bq, a product is below q; starting below q, sums are
	 * reduced (to |x| <= q/2) in the len 8 and len 64 layers only, so no
	 * value exceeds 8q < 2^15. */
	const int16_t f = 1441;
	unsigned int k = 31;
	/* len 2 and len 4 together per group of 8 coefficients (the inverse
	 * of the forward pass: zetas[127 - 2g], zetas[126 - 2g], then
	 * zetas[63 - g]); sums not reduced. */
	for (unsigned int g = 0; g < MLKEM_N / 8; g++) {
		int16_t *p = &c[8 * g];
		int16_t x0 = p[0], x1 = p[1], x2 = p[2], x3 = p[3];
		int16_t x4 = p[4], x5 = p[5], x6 = p[6], x7 = p[7], t;
		int16_t z = mlkem_zetas[127 - 2 * g], zq = zeta_qinv(z);
		t = x0; x0 = (int16_t)(t + x2); x2 = fqmul_hi((int16_t)(x2 - t), z, zq);
		t = x1; x1 = (int16_t)(t + x3); x3 = fqmul_hi((int16_t)(x3 - t), z, zq);
		z = mlkem_zetas[126 - 2 * g];
		zq = zeta_qinv(z);
		t = x4; x4 = (int16_t)(t + x6); x6 = fqmul_hi((int16_t)(x6 - t), z, zq);
		t = x5; x5 = (int16_t)(t + x7); x7 = fqmul_hi((int16_t)(x7 - t), z, zq);
		z = mlkem_zetas[63 - g];
		zq = zeta_qinv(z);
		t = x0; x0 = (int16_t)(t + x4); x4 = fqmul_hi((int16_t)(x4 - t), z, zq);
		t = x1; x1 = (int16_t)(t + x5); x5 = fqmul_hi((int16_t)(x5 - t), z, zq);
		t = x2; x2 = (int16_t)(t + x6); x6 = fqmul_hi((int16_t)(x6 - t), z, zq);
		t = x3; x3 = (int16_t)(t + x7); x7 = fqmul_hi((int16_t)(x7 - t), z, zq);
		p[0] = x0; p[1] = x1; p[2] = x2; p[3] = x3;
		p[4] = x4; p[5] = x5; p[6] = x6; p[7] = x7;
	}
	for (unsigned int len = 8; len <= 128; len <<= 1) {
		int reduce = (len == 8 || len == 64); /* public */
		for (unsigned int start = 0; start < MLKEM_N; start += 2 * len) {
			int16_t zeta = mlkem_zetas[k--], zq = zeta_qinv(zeta);
			for (unsigned int j = start; j < start + len; j += 8) {
				if (reduce)
					gs_bfly8_reduce(&c[j], &c[j + len], zeta, zq);
				else
					gs_bfly8_lazy(&c[j], &c[j + len], zeta, zq);
			}
		}
	}
	const int16_t fq = zeta_qinv(f);
	for (unsigned int j = 0; j < MLKEM_N; j++)
		c[j] = fqmul_hi(c[j], f, fq);
}

/* Multipliers for the base-multiplication cache (generated from
 * mlkem_zetas): even lanes 2^16 mod q (a Montgomery multiplication by it
 * keeps b0 mod q), odd lanes gamma_i = +-zetas[64 + i/2]; the second table
 * holds the same values times q^-1 mod 2^16. */
static const int16_t mulcache_factors[MLKEM_N] = {
	-1044, -1103, -1044, 1103, -1044, 430, -1044, -430, -1044, 555, -1044, -555, -1044, 843, -1044, -843,
	-1044, -1251, -1044, 1251, -1044, 871, -1044, -871, -1044, 1550, -1044, -1550, -1044, 105, -1044, -105,
	-1044, 422, -1044, -422, -1044, 587, -1044, -587, -1044, 177, -1044, -177, -1044, -235, -1044, 235,
	-1044, -291, -1044, 291, -1044, -460, -1044, 460, -1044, 1574, -1044, -1574, -1044, 1653, -1044, -1653,
	-1044, -246, -1044, 246, -1044, 778, -1044, -778, -1044, 1159, -1044, -1159, -1044, -147, -1044, 147,
	-1044, -777, -1044, 777, -1044, 1483, -1044, -1483, -1044, -602, -1044, 602, -1044, 1119, -1044, -1119,
	-1044, -1590, -1044, 1590, -1044, 644, -1044, -644, -1044, -872, -1044, 872, -1044, 349, -1044, -349,
	-1044, 418, -1044, -418, -1044, 329, -1044, -329, -1044, -156, -1044, 156, -1044, -75, -1044, 75,
	-1044, 817, -1044, -817, -1044, 1097, -1044, -1097, -1044, 603, -1044, -603, -1044, 610, -1044, -610,
	-1044, 1322, -1044, -1322, -1044, -1285, -1044, 1285, -1044, -1465, -1044, 1465, -1044, 384, -1044, -384,
	-1044, -1215, -1044, 1215, -1044, -136, -1044, 136, -1044, 1218, -1044, -1218, -1044, -1335, -1044, 1335,
	-1044, -874, -1044, 874, -1044, 220, -1044, -220, -1044, -1187, -1044, 1187, -1044, -1659, -1044, 1659,
	-1044, -1185, -1044, 1185, -1044, -1530, -1044, 1530, -1044, -1278, -1044, 1278, -1044, 794, -1044, -794,
	-1044, -1510, -1044, 1510, -1044, -854, -1044, 854, -1044, -870, -1044, 870, -1044, 478, -1044, -478,
	-1044, -108, -1044, 108, -1044, -308, -1044, 308, -1044, 996, -1044, -996, -1044, 991, -1044, -991,
	-1044, 958, -1044, -958, -1044, -1460, -1044, 1460, -1044, 1522, -1044, -1522, -1044, 1628, -1044, -1628,
};
static const int16_t mulcache_factors_qinv[MLKEM_N] = {
	-20, -335, -20, 335, -20, 11182, -20, -11182, -20, -11477, -20, 11477, -20, 13387, -20, -13387,
	-20, -32227, -20, 32227, -20, -14233, -20, 14233, -20, 20494, -20, -20494, -20, -21655, -20, 21655,
	-20, -27738, -20, 27738, -20, 13131, -20, -13131, -20, 945, -20, -945, -20, -4587, -20, 4587,
	-20, -14883, -20, 14883, -20, 23092, -20, -23092, -20, 6182, -20, -6182, -20, 5493, -20, -5493,
	-20, 32010, -20, -32010, -20, -32502, -20, 32502, -20, 10631, -20, -10631, -20, 30317, -20, -30317,
	-20, 29175, -20, -29175, -20, -18741, -20, 18741, -20, -28762, -20, 28762, -20, 12639, -20, -12639,
	-20, -18486, -20, 18486, -20, 20100, -20, -20100, -20, 17560, -20, -17560, -20, 18525, -20, -18525,
	-20, -14430, -20, 14430, -20, 19529, -20, -19529, -20, -5276, -20, 5276, -20, -12619, -20, 12619,
	-20, -31183, -20, 31183, -20, 20297, -20, -20297, -20, 25435, -20, -25435, -20, 2146, -20, -2146,
	-20, -7382, -20, 7382, -20, 15355, -20, -15355, -20, 24391, -20, -24391, -20, -32384, -20, 32384,
	-20, -20927, -20, 20927, -20, -6280, -20, 6280, -20, 10946, -20, -10946, -20, -14903, -20, 14903,
	-20, 24214, -20, -24214, -20, -11044, -20, 11044, -20, 16989, -20, -16989, -20, 14469, -20, -14469,
	-20, 10335, -20, -10335, -20, -21498, -20, 21498, -20, -7934, -20, 7934, -20, -20198, -20, 20198,
	-20, -22502, -20, 22502, -20, 23210, -20, -23210, -20, 10906, -20, -10906, -20, -17442, -20, 17442,
	-20, 31636, -20, -31636, -20, -23860, -20, 23860, -20, 28644, -20, -28644, -20, -20257, -20, 20257,
	-20, 23998, -20, -23998, -20, 7756, -20, -7756, -20, -17422, -20, 17422, -20, 23132, -20, -23132,
};

/* One polynomial of the cache: cv = (b0, b1 gamma) up to multiples of q
 * (lane-wise Montgomery products), sv = pairs swapped. Distinct arrays
 * (restrict) so both loops vectorise. */
static void mulcache_poly(int16_t *restrict cv, int16_t *restrict sv, const int16_t *restrict bv)
{
	for (unsigned int j = 0; j < MLKEM_N; j++)
		cv[j] = fqmul_hi(bv[j], mulcache_factors[j], mulcache_factors_qinv[j]);
	for (unsigned int i = 0; i < MLKEM_N / 2; i++) {
		sv[2 * i] = bv[2 * i + 1];
		sv[2 * i + 1] = bv[2 * i];
	}
}

void mlkem_mulcache_portable(mlkem_polyvec_cache *bc, const mlkem_polyvec *b)
{
	for (unsigned int v = 0; v < MLKEM_K; v++)
		mulcache_poly(bc->v[v].c, bc->sw[v].c, b->v[v].c);
}

void mlkem_basemul_acc_portable(mlkem_poly *r, const mlkem_polyvec *a, const mlkem_polyvec *b,
				const mlkem_polyvec_cache *bc)
{
	(void)b; /* everything needed is in the cache */
	/* (a0 + a1 X)(b0 + b1 X) mod X^2 - gamma = (a0 b0 + a1 b1 gamma) +
	 * (a0 b1 + a1 b0) X, with b1 gamma 2^-16 from the cache. Sums stay
	 * in 32 bits (|sum| < 8 q^2 < q 2^15) and are reduced once. */
	int32_t r0[MLKEM_N / 2] = { 0 }, r1[MLKEM_N / 2] = { 0 };
	for (unsigned int v = 0; v < MLKEM_K; v++) {
		const int16_t *av = a->v[v].c, *cv = bc->v[v].c, *sv = bc->sw[v].c;
		for (unsigned int i = 0; i < MLKEM_N / 2; i++)
			r0[i] += (int32_t)av[2 * i] * cv[2 * i] + (int32_t)av[2 * i + 1] * cv[2 * i + 1];
		for (unsigned int i = 0; i < MLKEM_N / 2; i++)
			r1[i] += (int32_t)av[2 * i] * sv[2 * i] + (int32_t)av[2 * i + 1] * sv[2 * i + 1];
	}
	for (unsigned int i = 0; i < MLKEM_N / 2; i++) {
		r->c[2 * i] = mlkem_montgomery_reduce(r0[i]);
		r->c[2 * i + 1] = mlkem_montgomery_reduce(r1[i]);
	}
}
