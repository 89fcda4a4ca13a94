/* AVX2 K-PKE: vector NTT/basemul (ntt_avx2.c), four SHAKE instances at
 * once (fips202x4) for matrix sampling and noise, and the 4-lane sponge
 * scheduler (sponge_x4_avx2.c) that runs H(ek) and J(z || c) alongside
 * matrix sampling. The K-PKE logic itself is the shared template, compiled
 * here with AVX2 enabled. */
#include "crypto/mlkem/kpke.h"

#include <string.h>

#include "crypto/fips202.h"
#include "crypto/fips202x4.h"
#include "crypto/mlkem/ct.h"
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

/* KeyGen's state while the scheduler runs: the sampled matrix and noise,
 * and how much of ek (t_hat row by row, then rho) is ready for H. */
struct keygen_run {
	mlkem_polyvec *at, *s, *e;
	mlkem_polyvec_cache *s_cache;
	uint8_t *ek, *dk_pke;
	unsigned int noise_done, row_entries_done[MLKEM_K], rows_encoded;
	size_t ek_ready;
};

struct keygen_row {
	struct keygen_run *run;
	unsigned int row;
};

/* Encodes every row of t_hat = A s_hat + e_hat whose inputs are complete,
 * in order (H reads ek front to back), with s_hat into dk_pke. */
static void keygen_encode_ready_rows(struct keygen_run *run)
{
	mlkem_poly t;
	if (run->noise_done < 2 * MLKEM_K)
		return;
	while (run->rows_encoded < MLKEM_K &&
	       run->row_entries_done[run->rows_encoded] == MLKEM_K) {
		unsigned int i = run->rows_encoded;
		/* Row i of A is column i of A^T. */
		const mlkem_poly *const row[MLKEM_K] = { &run->at[0].v[i], &run->at[1].v[i],
							 &run->at[2].v[i], &run->at[3].v[i] };
		mlkem_basemul_acc_polys_avx2(&t, row, run->s_cache);
		mlkem_poly_tomont(&t);
		mlkem_poly_add(&t, &t, &run->e->v[i]);
		mlkem_poly_reduce(&t);
		mlkem_poly_tobytes_avx2(run->ek + i * MLKEM_POLYBYTES, &t);
		mlkem_poly_tobytes_avx2(run->dk_pke + i * MLKEM_POLYBYTES, &run->s->v[i]);
		run->rows_encoded++;
		/* rho is in place already: after the last row ek is complete. */
		run->ek_ready = run->rows_encoded == MLKEM_K ? MLKEM_EK_BYTES
							    : run->rows_encoded * MLKEM_POLYBYTES;
	}
	pqtun_memzero(&t, sizeof(t));
}

/* on_done of a noise job: once all of s and e are there, NTT them. */
static void keygen_noise_done(void *ctx, const mlkem_x4_job *job)
{
	struct keygen_run *run = ctx;
	(void)job;
	if (++run->noise_done < 2 * MLKEM_K)
		return;
	for (unsigned int i = 0; i < MLKEM_K; i++) {
		mlkem_ntt_avx2(run->s->v[i].c);
		mlkem_ntt_avx2(run->e->v[i].c);
	}
	mlkem_mulcache_avx2(run->s_cache, run->s);
	keygen_encode_ready_rows(run);
}

/* on_done of a matrix entry. */
static void keygen_entry_done(void *ctx, const mlkem_x4_job *job)
{
	struct keygen_row *row = ctx;
	(void)job;
	row->run->row_entries_done[row->row]++;
	keygen_encode_ready_rows(row->run);
}

/* K-PKE.KeyGen plus h = H(ek) (FIPS 203 Alg. 13 and the hash of Alg. 16),
 * leaving the matrix (public) in at as A^T, in one scheduler run: the noise, then the matrix row by row, with H
 * absorbing each row of ek as soon as it is encoded; H's last blocks,
 * which only wait for the last row, finish on the scalar Keccak. */
static void kpke_avx2_keygen_hash(uint8_t ek[MLKEM_EK_BYTES], uint8_t dk_pke[MLKEM_DKPKE_BYTES],
				  const uint8_t rho_sigma[2 * MLKEM_SYMBYTES],
				  uint8_t h[MLKEM_SYMBYTES], mlkem_polyvec at[MLKEM_K])
{
	mlkem_polyvec s, e;
	mlkem_polyvec_cache s_cache;
	mlkem_x4_job matrix[16], jobs[16 + 2 * MLKEM_K + 1];
	uint8_t ext[16][MLKEM_SYMBYTES + 2];
	uint8_t prf_in[2 * MLKEM_K][MLKEM_SYMBYTES + 1];
	uint64_t h_lane[25];
	const uint8_t *rho = rho_sigma, *sigma = rho_sigma + MLKEM_SYMBYTES;
	struct keygen_run run = { .at = at, .s = &s, .e = &e, .s_cache = &s_cache, .ek = ek,
				  .dk_pke = dk_pke };
	struct keygen_row rows[MLKEM_K];
	size_t n = 0;

	/* rho becomes part of ek: public from here on. */
	mlkem_declassify(rho, MLKEM_SYMBYTES);
	memcpy(ek + MLKEM_POLYVECBYTES, rho, MLKEM_SYMBYTES);
	/* matrix[K * i + j] samples A^T[i][j] = A[j][i]. */
	matrix_jobs(matrix, ext, at, rho, 1);
	/* Order: s and e (one block each), row 0 of A, H(ek), rows 1..3. */
	for (unsigned int i = 0; i < 2 * MLKEM_K; i++) {
		memcpy(prf_in[i], sigma, MLKEM_SYMBYTES);
		prf_in[i][MLKEM_SYMBYTES] = (uint8_t)i;
		jobs[n++] = (mlkem_x4_job){ .in = prf_in[i], .inlen = MLKEM_SYMBYTES + 1,
					    .rate = SHAKE256_RATE, .ds = 0x1f,
					    .kind = MLKEM_X4_NOISE,
					    .poly = i < MLKEM_K ? &s.v[i] : &e.v[i - MLKEM_K],
					    .on_done = keygen_noise_done, .ctx = &run };
	}
	size_t h_job = 0;
	for (unsigned int i = 0; i < MLKEM_K; i++) {
		rows[i] = (struct keygen_row){ .run = &run, .row = i };
		for (unsigned int j = 0; j < MLKEM_K; j++) {
			jobs[n] = matrix[MLKEM_K * j + i]; /* A[i][j] */
			jobs[n].on_done = keygen_entry_done;
			jobs[n++].ctx = &rows[i];
		}
		if (i == 0) {
			h_job = n;
			jobs[n++] = (mlkem_x4_job){ .in = ek, .inlen = MLKEM_EK_BYTES,
						    .rate = SHA3_256_RATE, .ds = 0x06,
						    .kind = MLKEM_X4_HASH32, .out = h,
						    .avail = &run.ek_ready, .detach = h_lane };
		}
	}
	mlkem_x4_run_jobs(jobs, n);
	if (!jobs[h_job].finished)
		mlkem_x4_finish_hash32(&jobs[h_job]);

	pqtun_memzero(prf_in, sizeof(prf_in));
	pqtun_memzero(&s, sizeof(s));
	pqtun_memzero(&s_cache, sizeof(s_cache));
	pqtun_memzero(&e, sizeof(e));
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
	.keygen_hash = kpke_avx2_keygen_hash,
	.encrypt = kpke_avx2_encrypt,
	.encrypt_with_matrix = kpke_avx2_encrypt_with_matrix,
	.decrypt = kpke_avx2_decrypt,
	.encaps_prepare = encaps_prepare_avx2,
	.decaps_prepare = decaps_prepare_avx2,
	.ek_in_range = kpke_avx2_ek_in_range,
};
