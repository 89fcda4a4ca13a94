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

void mlkem_mulcache_portable(mlkem_polyvec_cache *bc, const mlkem_polyvec *b)
{
	/* Pair i is a residue mod X^2 - gamma_i with gamma_{2j} = zetas[64 + j]
	 * and gamma_{2j+1} = -zetas[64 + j]. */
	int16_t g[MLKEM_N / 2], gq[MLKEM_N / 2];
	for (unsigned int i = 0; i < MLKEM_N / 2; i++) {
		int16_t z = mlkem_zetas[64 + i / 2];
		g[i] = (int16_t)(z * (1 - 2 * (int)(i & 1))); /* i is public */
		gq[i] = zeta_qinv(g[i]);
	}
	for (unsigned int v = 0; v < MLKEM_K; v++) {
		const int16_t *bv = b->v[v].c;
		for (unsigned int i = 0; i < MLKEM_N / 2; i++) {
			bc->v[v].c[2 * i] = bv[2 * i];
			bc->v[v].c[2 * i + 1] = fqmul_hi(bv[2 * i + 1], g[i], gq[i]);
			bc->sw[v].c[2 * i] = bv[2 * i + 1];
			bc->sw[v].c[2 * i + 1] = bv[2 * i];
		}
	}
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
