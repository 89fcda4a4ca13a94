/* AVX2 K-PKE: vector NTT/basemul (ntt_avx2.c) and four SHAKE instances at
 * once (fips202x4) for matrix sampling and noise. The K-PKE logic itself is
 * the shared template, compiled here with AVX2 enabled. */
#include "crypto/mlkem/kpke.h"

#include <string.h>

#include "crypto/fips202.h"
#include "crypto/fips202x4.h"
#include "crypto/mlkem/ntt_avx2.h"
#include "crypto/mlkem/poly.h"
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

/* XORs len bytes into instance inst of st, starting at byte off of the
 * rate part. */
static void x4_xor_bytes(keccakx4_state *st, unsigned int inst, size_t off, const uint8_t *in,
			 size_t len)
{
	for (size_t b = 0; b < len; b++)
		st->s[4 * ((off + b) / 8) + inst] ^= (uint64_t)in[b] << (8 * ((off + b) % 8));
}

/* H(ek) and J(z || c) side by side in two instances of the 4-way Keccak:
 * both inputs take 11 full SHAKE-256-rate blocks plus a final one. */
static void hash_ek_and_reject_avx2(uint8_t h[MLKEM_SYMBYTES], uint8_t k_bar[MLKEM_SS_BYTES],
				    const uint8_t ek[MLKEM_EK_BYTES], const uint8_t z[MLKEM_SYMBYTES],
				    const uint8_t c[MLKEM_CT_BYTES])
{
	uint8_t zc[MLKEM_SYMBYTES + MLKEM_CT_BYTES];
	keccakx4_state st;
	const size_t rate = SHA3_256_RATE, full = MLKEM_EK_BYTES / SHA3_256_RATE;
	_Static_assert(MLKEM_EK_BYTES / SHA3_256_RATE == sizeof(zc) / SHAKE256_RATE,
		       "both hashes must take the same number of blocks");

	memcpy(zc, z, MLKEM_SYMBYTES);
	memcpy(zc + MLKEM_SYMBYTES, c, MLKEM_CT_BYTES);
	memset(&st, 0, sizeof(st));
	for (size_t blk = 0; blk < full; blk++) {
		for (size_t i = 0; i < rate / 8; i++) {
			uint64_t a, b;
			memcpy(&a, ek + blk * rate + 8 * i, 8);
			memcpy(&b, zc + blk * rate + 8 * i, 8);
			st.s[4 * i] ^= a;
			st.s[4 * i + 1] ^= b;
		}
		keccakx4_permute(&st);
	}
	const uint8_t pad_h = 0x06, pad_j = 0x1f, last = 0x80;
	x4_xor_bytes(&st, 0, 0, ek + full * rate, MLKEM_EK_BYTES - full * rate);
	x4_xor_bytes(&st, 0, MLKEM_EK_BYTES - full * rate, &pad_h, 1);
	x4_xor_bytes(&st, 1, 0, zc + full * rate, sizeof(zc) - full * rate);
	x4_xor_bytes(&st, 1, sizeof(zc) - full * rate, &pad_j, 1);
	x4_xor_bytes(&st, 0, rate - 1, &last, 1);
	x4_xor_bytes(&st, 1, rate - 1, &last, 1);
	keccakx4_permute(&st);
	for (size_t i = 0; i < MLKEM_SYMBYTES / 8; i++) {
		memcpy(h + 8 * i, &st.s[4 * i], 8);
		memcpy(k_bar + 8 * i, &st.s[4 * i + 1], 8);
	}
	pqtun_memzero(zc, sizeof(zc));
	pqtun_memzero(&st, sizeof(st));
}

static inline void ntt_poly_avx2(mlkem_poly *p) { mlkem_ntt_avx2(p->c); }
static inline void invntt_poly_avx2(mlkem_poly *p) { mlkem_invntt_avx2(p->c); }

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
	.decrypt = kpke_avx2_decrypt,
	.hash_ek_and_reject = hash_ek_and_reject_avx2,
};
