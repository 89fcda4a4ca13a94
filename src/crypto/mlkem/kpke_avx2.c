/* AVX2 K-PKE: vector NTT/basemul (ntt_avx2.c), four SHAKE instances at
 * once (fips202x4) for matrix sampling and noise, and the 4-lane sponge
 * scheduler (sponge_x4_avx2.c) that runs H(ek) and J(z || c) alongside
 * matrix sampling. The K-PKE logic itself is the shared template, compiled
 * here with AVX2 enabled. */
#include "crypto/mlkem/kpke.h"

#include <string.h>

#include "crypto/fips202.h"
#include "crypto/fips202x4.h"
#include "crypto/mlkem/ntt_avx2.h"
#include "crypto/mlkem/poly.h"
#include "crypto/mlkem/poly_avx2.h"
#include "crypto/mlkem/rej_avx2.h"
#include "crypto/mlkem/sponge_x4_avx2.h"
#include "util/mem.h"

/* SampleNTT for the whole matrix, four entries (one row) at a time; same
 * entry order and seeds as the portable gen_matrix. rho is public. */
static void gen_matrix_avx2(mlkem_polyvec a[MLKEM_K], const uint8_t rho[MLKEM_SYMBYTES],
			    int transposed)
{
	uint8_t buf[4][MLKEM_XOF_BLOCKS * SHAKE128_RATE];
	uint8_t ext[4][MLKEM_SYMBYTES + 2];
	keccakx4_state st;

	for (unsigned int i = 0; i < MLKEM_K; i++) {
		unsigned int ctr[4];
		for (unsigned int j = 0; j < 4; j++) {
			memcpy(ext[j], rho, MLKEM_SYMBYTES);
			ext[j][MLKEM_SYMBYTES] = (uint8_t)(transposed ? i : j);
			ext[j][MLKEM_SYMBYTES + 1] = (uint8_t)(transposed ? j : i);
		}
		keccakx4_absorb_once(&st, SHAKE128_RATE, 0x1f, ext[0], ext[1], ext[2], ext[3],
				     sizeof(ext[0]));
		keccakx4_squeezeblocks(buf[0], buf[1], buf[2], buf[3], MLKEM_XOF_BLOCKS,
				       SHAKE128_RATE, &st);
		for (unsigned int j = 0; j < 4; j++)
			ctr[j] = mlkem_rej_uniform_avx2(a[i].v[j].c, 0, buf[j], sizeof(buf[j]));
		while (ctr[0] < MLKEM_N || ctr[1] < MLKEM_N || ctr[2] < MLKEM_N || ctr[3] < MLKEM_N) {
			keccakx4_squeezeblocks(buf[0], buf[1], buf[2], buf[3], 1, SHAKE128_RATE, &st);
			for (unsigned int j = 0; j < 4; j++)
				ctr[j] = mlkem_rej_uniform_avx2(a[i].v[j].c, ctr[j], buf[j],
								SHAKE128_RATE);
		}
	}
}

/* Four SamplePolyCBD_2(PRF(seed, first + i)) at once. */
static void noise4_avx2(mlkem_poly r[4], const uint8_t seed[MLKEM_SYMBYTES], uint8_t first)
{
	uint8_t ext[4][MLKEM_SYMBYTES + 1];
	uint8_t buf[4][SHAKE256_RATE];
	keccakx4_state st;

	for (unsigned int j = 0; j < 4; j++) {
		memcpy(ext[j], seed, MLKEM_SYMBYTES);
		ext[j][MLKEM_SYMBYTES] = (uint8_t)(first + j);
	}
	keccakx4_absorb_once(&st, SHAKE256_RATE, 0x1f, ext[0], ext[1], ext[2], ext[3],
			     sizeof(ext[0]));
	/* One SHAKE-256 block (136 bytes) covers the 128 bytes CBD_2 needs. */
	keccakx4_squeezeblocks(buf[0], buf[1], buf[2], buf[3], 1, SHAKE256_RATE, &st);
	for (unsigned int j = 0; j < 4; j++)
		mlkem_poly_cbd2(&r[j], buf[j]);
	pqtun_memzero(ext, sizeof(ext));
	pqtun_memzero(buf, sizeof(buf));
	pqtun_memzero(&st, sizeof(st));
}

static void noise1_avx2(mlkem_poly *r, const uint8_t seed[MLKEM_SYMBYTES], uint8_t nonce)
{
	uint8_t ext[MLKEM_SYMBYTES + 1], buf[64 * MLKEM_ETA2];
	memcpy(ext, seed, MLKEM_SYMBYTES);
	ext[MLKEM_SYMBYTES] = nonce;
	shake256(buf, sizeof(buf), ext, sizeof(ext));
	mlkem_poly_cbd2(r, buf);
	pqtun_memzero(ext, sizeof(ext));
	pqtun_memzero(buf, sizeof(buf));
}

/* The 16 SampleNTT jobs of the matrix, appended at jobs[0..15]; ext holds
 * their inputs. Entry (i, j) of at comes from rho || i || j: that is the
 * transposed matrix A^T, or A itself when transposed is 0 (rho || j || i). */
static void matrix_jobs(mlkem_x4_job *jobs, uint8_t ext[16][MLKEM_SYMBYTES + 2],
			mlkem_polyvec at[MLKEM_K], const uint8_t rho[MLKEM_SYMBYTES],
			int transposed)
{
	for (unsigned int i = 0; i < MLKEM_K; i++)
		for (unsigned int j = 0; j < MLKEM_K; j++) {
			unsigned int n = MLKEM_K * i + j;
			memcpy(ext[n], rho, MLKEM_SYMBYTES);
			ext[n][MLKEM_SYMBYTES] = (uint8_t)(transposed ? i : j);
			ext[n][MLKEM_SYMBYTES + 1] = (uint8_t)(transposed ? j : i);
			jobs[n] = (mlkem_x4_job){ .in = ext[n], .inlen = MLKEM_SYMBYTES + 2,
						  .rate = SHAKE128_RATE, .ds = 0x1f,
						  .kind = MLKEM_X4_SAMPLE, .coeffs = at[i].v[j].c };
		}
}

/* KeyGen's sampling in one scheduler run: the matrix A from rho (public)
 * and s, e = SamplePolyCBD_2(PRF(sigma, 0..7)) (secret); 14 four-way
 * permutations when every matrix entry needs three blocks. */
static void keygen_sample_avx2(mlkem_polyvec a[MLKEM_K], mlkem_polyvec *s, mlkem_polyvec *e,
			       const uint8_t rho[MLKEM_SYMBYTES], const uint8_t sigma[MLKEM_SYMBYTES])
{
	mlkem_x4_job jobs[16 + 2 * MLKEM_K];
	uint8_t ext[16][MLKEM_SYMBYTES + 2];
	uint8_t prf_in[2 * MLKEM_K][MLKEM_SYMBYTES + 1];

	/* The three-block matrix jobs first, then the one-block noise jobs. */
	matrix_jobs(jobs, ext, a, rho, 0);
	for (unsigned int n = 0; n < 2 * MLKEM_K; n++) {
		memcpy(prf_in[n], sigma, MLKEM_SYMBYTES);
		prf_in[n][MLKEM_SYMBYTES] = (uint8_t)n;
		jobs[16 + n] = (mlkem_x4_job){ .in = prf_in[n], .inlen = MLKEM_SYMBYTES + 1,
					       .rate = SHAKE256_RATE, .ds = 0x1f,
					       .kind = MLKEM_X4_NOISE,
					       .poly = n < MLKEM_K ? &s->v[n] : &e->v[n - MLKEM_K] };
	}
	mlkem_x4_run_jobs(jobs, 16 + 2 * MLKEM_K);
	pqtun_memzero(prf_in, sizeof(prf_in));
}

static void encaps_prepare_avx2(uint8_t h[MLKEM_SYMBYTES], mlkem_polyvec at[MLKEM_K],
				const uint8_t ek[MLKEM_EK_BYTES])
{
	mlkem_x4_job jobs[1 + 16];
	uint8_t ext[16][MLKEM_SYMBYTES + 2];
	jobs[0] = (mlkem_x4_job){ .in = ek, .inlen = MLKEM_EK_BYTES, .rate = SHA3_256_RATE,
				  .ds = 0x06, .kind = MLKEM_X4_HASH32, .out = h };
	matrix_jobs(jobs + 1, ext, at, ek + MLKEM_POLYVECBYTES, 1);
	mlkem_x4_run_jobs(jobs, 17);
}

static void decaps_prepare_avx2(uint8_t h[MLKEM_SYMBYTES], uint8_t k_bar[MLKEM_SS_BYTES],
				mlkem_polyvec at[MLKEM_K], const uint8_t ek[MLKEM_EK_BYTES],
				const uint8_t z[MLKEM_SYMBYTES], const uint8_t c[MLKEM_CT_BYTES])
{
	mlkem_x4_job jobs[2 + 16];
	uint8_t ext[16][MLKEM_SYMBYTES + 2];
	uint8_t zc[MLKEM_SYMBYTES + MLKEM_CT_BYTES], kb[32];

	memcpy(zc, z, MLKEM_SYMBYTES);
	memcpy(zc + MLKEM_SYMBYTES, c, MLKEM_CT_BYTES);
	size_t n = 0;
	/* The long jobs (J, then H) first, so they overlap the matrix. */
	jobs[n++] = (mlkem_x4_job){ .in = zc, .inlen = sizeof(zc), .rate = SHAKE256_RATE,
				    .ds = 0x1f, .kind = MLKEM_X4_HASH32, .out = kb };
	if (h)
		jobs[n++] = (mlkem_x4_job){ .in = ek, .inlen = MLKEM_EK_BYTES,
					    .rate = SHA3_256_RATE, .ds = 0x06,
					    .kind = MLKEM_X4_HASH32, .out = h };
	matrix_jobs(jobs + n, ext, at, ek + MLKEM_POLYVECBYTES, 1);
	mlkem_x4_run_jobs(jobs, n + 16);
	memcpy(k_bar, kb, MLKEM_SS_BYTES);
	pqtun_memzero(zc, sizeof(zc));
	pqtun_memzero(kb, sizeof(kb));
}

static inline void ntt_poly_avx2(mlkem_poly *p) { mlkem_ntt_avx2(p->c); }
static inline void invntt_poly_avx2(mlkem_poly *p) { mlkem_invntt_avx2(p->c); }

static inline void frombytes_avx2(mlkem_poly *r, const uint8_t a[MLKEM_POLYBYTES])
{
	(void)mlkem_poly_frombytes_avx2(r, a);
}

#define KPKE_FROMBYTES frombytes_avx2
#define KPKE_TOBYTES mlkem_poly_tobytes_avx2
#define KPKE_COMPRESS_DU mlkem_poly_compress_du_avx2
#define KPKE_DECOMPRESS_DU mlkem_poly_decompress_du_avx2
#define KPKE_RANGE_CHECK mlkem_poly_frombytes_avx2
#define KPKE_NTT ntt_poly_avx2
#define KPKE_INVNTT invntt_poly_avx2
#define KPKE_BASEMUL_ACC mlkem_basemul_acc_avx2
#define KPKE_MULCACHE mlkem_mulcache_avx2
#define KPKE_GEN_MATRIX gen_matrix_avx2
#define KPKE_NOISE4 noise4_avx2
#define KPKE_NOISE1 noise1_avx2
#define KPKE_KEYGEN_SAMPLE keygen_sample_avx2
#define KPKE_NAME(x) kpke_avx2_##x
#include "crypto/mlkem/kpke_template.h"

const mlkem_kpke_impl mlkem_kpke_avx2 = {
	.keygen = kpke_avx2_keygen,
	.encrypt = kpke_avx2_encrypt,
	.encrypt_with_matrix = kpke_avx2_encrypt_with_matrix,
	.decrypt = kpke_avx2_decrypt,
	.encaps_prepare = encaps_prepare_avx2,
	.decaps_prepare = decaps_prepare_avx2,
	.ek_in_range = kpke_avx2_ek_in_range,
};
