/* Portable K-PKE: scalar NTT (ntt.c) and one SHAKE instance at a time. */
#include "crypto/mlkem/kpke.h"

#include <string.h>

#include "crypto/fips202.h"
#include "crypto/mlkem/ntt.h"
#include "crypto/mlkem/poly.h"
#include "util/cpu.h"
#include "util/mem.h"

/* SampleNTT (FIPS 203 Alg. 7) for every entry of the matrix: entry (i, j)
 * is sampled from rho || j || i, or from rho || i || j when transposed.
 * rho is public. */
static void gen_matrix_portable(mlkem_polyvec a[MLKEM_K], const uint8_t rho[MLKEM_SYMBYTES],
				int transposed)
{
	uint8_t buf[MLKEM_XOF_BLOCKS * SHAKE128_RATE];
	uint8_t ext[MLKEM_SYMBYTES + 2];
	keccak_state st;

	memcpy(ext, rho, MLKEM_SYMBYTES);
	for (unsigned int i = 0; i < MLKEM_K; i++) {
		for (unsigned int j = 0; j < MLKEM_K; j++) {
			ext[MLKEM_SYMBYTES] = (uint8_t)(transposed ? i : j);
			ext[MLKEM_SYMBYTES + 1] = (uint8_t)(transposed ? j : i);
			shake128_init(&st);
			shake128_absorb(&st, ext, sizeof(ext));
			shake128_finalize(&st);
			keccak_squeezeblocks(buf, MLKEM_XOF_BLOCKS, &st);
			unsigned int ctr = mlkem_rej_uniform(a[i].v[j].c, 0, MLKEM_N, buf, sizeof(buf));
			while (ctr < MLKEM_N) {
				keccak_squeezeblocks(buf, 1, &st);
				ctr = mlkem_rej_uniform(a[i].v[j].c, ctr, MLKEM_N, buf, SHAKE128_RATE);
			}
		}
	}
}

/* SamplePolyCBD_2(PRF_2(seed, nonce)): PRF = SHAKE256(seed || nonce)[128]. */
static void noise1_portable(mlkem_poly *r, const uint8_t seed[MLKEM_SYMBYTES], uint8_t nonce)
{
	uint8_t ext[MLKEM_SYMBYTES + 1], buf[64 * MLKEM_ETA1];
	memcpy(ext, seed, MLKEM_SYMBYTES);
	ext[MLKEM_SYMBYTES] = nonce;
	shake256(buf, sizeof(buf), ext, sizeof(ext));
	mlkem_poly_cbd2(r, buf);
	pqtun_memzero(ext, sizeof(ext));
	pqtun_memzero(buf, sizeof(buf));
}

/* Four noise polynomials with nonces first .. first+3. */
static void noise4_portable(mlkem_poly r[4], const uint8_t seed[MLKEM_SYMBYTES], uint8_t first)
{
	for (unsigned int i = 0; i < 4; i++)
		noise1_portable(&r[i], seed, (uint8_t)(first + i));
}

static inline void ntt_poly_portable(mlkem_poly *p) { mlkem_ntt_portable(p->c); }
static inline void invntt_poly_portable(mlkem_poly *p) { mlkem_invntt_portable(p->c); }

/* Range check without decoding (the scratch polynomial is unused). */
static inline int range_check_portable(mlkem_poly *scratch, const uint8_t a[MLKEM_POLYBYTES])
{
	(void)scratch;
	return mlkem_poly_bytes_in_range(a);
}

#define KPKE_FROMBYTES mlkem_poly_frombytes
#define KPKE_TOBYTES mlkem_poly_tobytes
#define KPKE_COMPRESS_DU mlkem_poly_compress_du
#define KPKE_DECOMPRESS_DU mlkem_poly_decompress_du
#define KPKE_RANGE_CHECK range_check_portable
#define KPKE_NTT ntt_poly_portable
#define KPKE_INVNTT invntt_poly_portable
#define KPKE_BASEMUL_ACC mlkem_basemul_acc_portable
#define KPKE_MULCACHE mlkem_mulcache_portable
#define KPKE_GEN_MATRIX gen_matrix_portable
#define KPKE_NOISE4 noise4_portable
#define KPKE_NOISE1 noise1_portable
#define KPKE_NAME(x) kpke_portable_##x
#include "crypto/mlkem/kpke_template.h"

static void encaps_prepare_portable(uint8_t h[MLKEM_SYMBYTES], mlkem_polyvec at[MLKEM_K],
				    const uint8_t ek[MLKEM_EK_BYTES])
{
	sha3_256(h, ek, MLKEM_EK_BYTES);
	gen_matrix_portable(at, ek + MLKEM_POLYVECBYTES, 1);
}

static void decaps_prepare_portable(uint8_t h[MLKEM_SYMBYTES], uint8_t k_bar[MLKEM_SS_BYTES],
				    mlkem_polyvec at[MLKEM_K], const uint8_t ek[MLKEM_EK_BYTES],
				    const uint8_t z[MLKEM_SYMBYTES], const uint8_t c[MLKEM_CT_BYTES])
{
	keccak_state st;
	if (h)
		sha3_256(h, ek, MLKEM_EK_BYTES);
	shake256_init(&st);
	shake256_absorb(&st, z, MLKEM_SYMBYTES);
	shake256_absorb(&st, c, MLKEM_CT_BYTES);
	shake256_finalize(&st);
	shake256_squeeze(k_bar, MLKEM_SS_BYTES, &st);
	keccak_wipe(&st);
	gen_matrix_portable(at, ek + MLKEM_POLYVECBYTES, 1);
}

const mlkem_kpke_impl mlkem_kpke_portable = {
	.keygen = kpke_portable_keygen,
	.encrypt = kpke_portable_encrypt,
	.encrypt_with_matrix = kpke_portable_encrypt_with_matrix,
	.decrypt = kpke_portable_decrypt,
	.encaps_prepare = encaps_prepare_portable,
	.decaps_prepare = decaps_prepare_portable,
	.ek_in_range = kpke_portable_ek_in_range,
};

const mlkem_kpke_impl *mlkem_kpke_select(void)
{
#ifdef MLKEM_HAVE_AVX2_IMPL
	if (pqtun_use_avx2())
		return &mlkem_kpke_avx2;
#endif
	return &mlkem_kpke_portable;
}
