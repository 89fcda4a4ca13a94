/* AVX2 K-PKE: vector NTT/basemul (ntt_avx2.c) and four SHAKE instances at
 * once (fips202x4) for matrix sampling and noise. The K-PKE logic itself is
 * the shared template, compiled here with AVX2 enabled. */
#include "crypto/mlkem/kpke.h"

#include <immintrin.h>

#include <string.h>

#include "crypto/fips202.h"
#include "crypto/fips202x4.h"
#include "crypto/mlkem/ntt_avx2.h"
#include "crypto/mlkem/poly.h"
#include "crypto/mlkem/poly_avx2.h"
#include "crypto/mlkem/rej_avx2.h"
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

/* A sponge job for the 4-way scheduler: absorb in (inlen bytes, given
 * rate and domain byte), then squeeze until the consumer is satisfied:
 * JOB_HASH32 keeps the first 32 output bytes, JOB_SAMPLE runs SampleNTT's
 * rejection step into coeffs until 256 coefficients are accepted. */
enum { JOB_HASH32, JOB_SAMPLE };
typedef struct {
	const uint8_t *in;
	size_t inlen, off;
	unsigned int rate;
	uint8_t ds, kind;
	uint8_t *out;
	int16_t *coeffs;
	unsigned int ctr;
} x4_job;

/* XORs len bytes into lane l of st, starting at byte off of the rate part. */
static void x4_xor_bytes(keccakx4_state *st, unsigned int l, size_t off, const uint8_t *in,
			 size_t len)
{
	size_t b = 0;
	for (; b + 8 <= len && (off + b) % 8 == 0; b += 8) {
		uint64_t v;
		memcpy(&v, in + b, 8);
		st->s[4 * ((off + b) / 8) + l] ^= v;
	}
	for (; b < len; b++)
		st->s[4 * ((off + b) / 8) + l] ^= (uint64_t)in[b] << (8 * ((off + b) % 8));
}

/* The first 21 words (168 bytes) of each lane into out[l], with 32-byte
 * stores (4x4 word transposes). */
static void x4_extract(const keccakx4_state *st, uint8_t out[4][SHAKE128_RATE + 8])
{
	unsigned int i;
	for (i = 0; i + 4 <= SHAKE128_RATE / 8; i += 4) {
		__m256i l0 = _mm256_load_si256((const __m256i *)&st->s[4 * i]);
		__m256i l1 = _mm256_load_si256((const __m256i *)&st->s[4 * i + 4]);
		__m256i l2 = _mm256_load_si256((const __m256i *)&st->s[4 * i + 8]);
		__m256i l3 = _mm256_load_si256((const __m256i *)&st->s[4 * i + 12]);
		__m256i t0 = _mm256_unpacklo_epi64(l0, l1), t1 = _mm256_unpackhi_epi64(l0, l1);
		__m256i t2 = _mm256_unpacklo_epi64(l2, l3), t3 = _mm256_unpackhi_epi64(l2, l3);
		_mm256_storeu_si256((__m256i *)(out[0] + 8 * i), _mm256_permute2x128_si256(t0, t2, 0x20));
		_mm256_storeu_si256((__m256i *)(out[1] + 8 * i), _mm256_permute2x128_si256(t1, t3, 0x20));
		_mm256_storeu_si256((__m256i *)(out[2] + 8 * i), _mm256_permute2x128_si256(t0, t2, 0x31));
		_mm256_storeu_si256((__m256i *)(out[3] + 8 * i), _mm256_permute2x128_si256(t1, t3, 0x31));
	}
	for (; i < SHAKE128_RATE / 8; i++)
		for (unsigned int l = 0; l < 4; l++)
			memcpy(out[l] + 8 * i, &st->s[4 * i + l], 8);
}

/* Runs every job to completion, four at a time in the lanes of one 4-way
 * Keccak state; a lane that finishes takes the next job, so long hashes
 * and matrix sampling share permutations. Order jobs longest first. */
static void x4_run_jobs(x4_job *jobs, size_t njobs)
{
	keccakx4_state st;
	uint8_t out[4][SHAKE128_RATE + 8];
	int job_of[4] = { -1, -1, -1, -1 }, squeezing[4] = { 0, 0, 0, 0 };
	size_t next = 0;

	memset(&st, 0, sizeof(st));
	memset(out, 0, sizeof(out)); /* the sampler may read the padding */
	for (;;) {
		int busy = 0;
		for (unsigned int l = 0; l < 4; l++) {
			if (job_of[l] < 0 && next < njobs) {
				job_of[l] = (int)next++;
				squeezing[l] = 0;
				for (unsigned int i = 0; i < 25; i++)
					st.s[4 * i + l] = 0;
			}
			if (job_of[l] < 0)
				continue;
			busy = 1;
			x4_job *j = &jobs[job_of[l]];
			if (squeezing[l])
				continue;
			size_t rem = j->inlen - j->off;
			if (rem >= j->rate) {
				x4_xor_bytes(&st, l, 0, j->in + j->off, j->rate);
				j->off += j->rate;
			} else {
				const uint8_t last = 0x80;
				x4_xor_bytes(&st, l, 0, j->in + j->off, rem);
				x4_xor_bytes(&st, l, rem, &j->ds, 1);
				x4_xor_bytes(&st, l, j->rate - 1, &last, 1);
				j->off = j->inlen;
				squeezing[l] = 1;
			}
		}
		if (!busy)
			break;
		keccakx4_permute(&st);
		if (!(squeezing[0] | squeezing[1] | squeezing[2] | squeezing[3]))
			continue;
		x4_extract(&st, out);
		for (unsigned int l = 0; l < 4; l++) {
			if (job_of[l] < 0 || !squeezing[l])
				continue;
			x4_job *j = &jobs[job_of[l]];
			int done = 1;
			if (j->kind == JOB_HASH32) {
				memcpy(j->out, out[l], 32);
			} else {
				j->ctr = mlkem_rej_uniform_avx2_padded(j->coeffs, j->ctr, out[l],
								       SHAKE128_RATE);
				done = j->ctr >= MLKEM_N;
			}
			if (done)
				job_of[l] = -1;
		}
	}
	pqtun_memzero(&st, sizeof(st));
	pqtun_memzero(out, sizeof(out));
}

/* The 16 SampleNTT jobs of the transposed matrix (entry (i, j) from
 * rho || i || j), appended at jobs[0..15]; ext holds their inputs. */
static void matrix_jobs(x4_job *jobs, uint8_t ext[16][MLKEM_SYMBYTES + 2], mlkem_polyvec at[MLKEM_K],
			const uint8_t rho[MLKEM_SYMBYTES])
{
	for (unsigned int i = 0; i < MLKEM_K; i++)
		for (unsigned int j = 0; j < MLKEM_K; j++) {
			unsigned int n = MLKEM_K * i + j;
			memcpy(ext[n], rho, MLKEM_SYMBYTES);
			ext[n][MLKEM_SYMBYTES] = (uint8_t)i;
			ext[n][MLKEM_SYMBYTES + 1] = (uint8_t)j;
			jobs[n] = (x4_job){ .in = ext[n], .inlen = MLKEM_SYMBYTES + 2,
					    .rate = SHAKE128_RATE, .ds = 0x1f, .kind = JOB_SAMPLE,
					    .coeffs = at[i].v[j].c };
		}
}

static void encaps_prepare_avx2(uint8_t h[MLKEM_SYMBYTES], mlkem_polyvec at[MLKEM_K],
				const uint8_t ek[MLKEM_EK_BYTES])
{
	x4_job jobs[1 + 16];
	uint8_t ext[16][MLKEM_SYMBYTES + 2];
	jobs[0] = (x4_job){ .in = ek, .inlen = MLKEM_EK_BYTES, .rate = SHA3_256_RATE, .ds = 0x06,
			    .kind = JOB_HASH32, .out = h };
	matrix_jobs(jobs + 1, ext, at, ek + MLKEM_POLYVECBYTES);
	x4_run_jobs(jobs, 17);
}

static void decaps_prepare_avx2(uint8_t h[MLKEM_SYMBYTES], uint8_t k_bar[MLKEM_SS_BYTES],
				mlkem_polyvec at[MLKEM_K], const uint8_t ek[MLKEM_EK_BYTES],
				const uint8_t z[MLKEM_SYMBYTES], const uint8_t c[MLKEM_CT_BYTES])
{
	x4_job jobs[2 + 16];
	uint8_t ext[16][MLKEM_SYMBYTES + 2];
	uint8_t zc[MLKEM_SYMBYTES + MLKEM_CT_BYTES], kb[32];

	memcpy(zc, z, MLKEM_SYMBYTES);
	memcpy(zc + MLKEM_SYMBYTES, c, MLKEM_CT_BYTES);
	jobs[0] = (x4_job){ .in = ek, .inlen = MLKEM_EK_BYTES, .rate = SHA3_256_RATE, .ds = 0x06,
			    .kind = JOB_HASH32, .out = h };
	jobs[1] = (x4_job){ .in = zc, .inlen = sizeof(zc), .rate = SHAKE256_RATE, .ds = 0x1f,
			    .kind = JOB_HASH32, .out = kb };
	matrix_jobs(jobs + 2, ext, at, ek + MLKEM_POLYVECBYTES);
	x4_run_jobs(jobs, 18);
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
#define KPKE_RANGE_CHECK mlkem_poly_frombytes_avx2
#define KPKE_NTT ntt_poly_avx2
#define KPKE_INVNTT invntt_poly_avx2
#define KPKE_BASEMUL_ACC mlkem_basemul_acc_avx2
#define KPKE_MULCACHE mlkem_mulcache_avx2
#define KPKE_GEN_MATRIX gen_matrix_avx2
#define KPKE_NOISE4 noise4_avx2
#define KPKE_NOISE1 noise1_avx2
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
