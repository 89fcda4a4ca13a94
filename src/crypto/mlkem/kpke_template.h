/* K-PKE (FIPS 203 Alg. 13-15) written once over a small set of primitives,
 * instantiated by kpke_portable.c and kpke_avx2.c. The including file
 * defines, before including this header:
 *   KPKE_NTT(mlkem_poly *), KPKE_INVNTT(mlkem_poly *),
 *   KPKE_MULCACHE(mlkem_polyvec_cache *bc, const mlkem_polyvec *b),
 *   KPKE_BASEMUL_ACC(mlkem_poly *r, const mlkem_polyvec *a, const mlkem_polyvec *b,
 *                    const mlkem_polyvec_cache *bc),
 *   KPKE_GEN_MATRIX(mlkem_polyvec A[K], const uint8_t rho[32], int transposed),
 *   KPKE_NOISE4(mlkem_poly *4x, const uint8_t seed[32], uint8_t first_nonce),
 *   KPKE_NOISE1(mlkem_poly *, const uint8_t seed[32], uint8_t nonce),
 *   KPKE_FROMBYTES(mlkem_poly *, const uint8_t[384]), KPKE_TOBYTES(uint8_t[384], const mlkem_poly *),
 *   KPKE_RANGE_CHECK(mlkem_poly *scratch, const uint8_t[384]) (1 if all 12-bit values < q),
 *   KPKE_COMPRESS_DU(uint8_t[352], const mlkem_poly *) (ByteEncode11(Compress11)),
 *   KPKE_DECOMPRESS_DU(mlkem_poly *, const uint8_t[352]) (Decompress11(ByteDecode11)),
 * all with the contracts of the portable versions, and KPKE_NAME(x) to name
 * the entry points (keygen, encrypt, encrypt_with_matrix, decrypt,
 * ek_in_range). Optionally KPKE_KEYGEN_SAMPLE(mlkem_polyvec A[K],
 * mlkem_polyvec *s, mlkem_polyvec *e, const uint8_t rho[32],
 * const uint8_t sigma[32]) does KeyGen's matrix and noise sampling at once
 * (same results as KPKE_GEN_MATRIX(A, rho, 0) and two KPKE_NOISE4).
 * Every secret intermediate is wiped before return. */
#include <string.h>

#include "crypto/mlkem/ct.h"
#include "crypto/mlkem/kpke.h"
#include "crypto/mlkem/poly.h"
#include "util/mem.h"

/* ek_in_range: FIPS 203 §7.2 on the t_hat part of ek (public). */
static int KPKE_NAME(ek_in_range)(const uint8_t ek[MLKEM_EK_BYTES])
{
	mlkem_poly t;
	int ok = 1;
	for (unsigned int i = 0; i < MLKEM_K; i++)
		ok &= KPKE_RANGE_CHECK(&t, ek + i * MLKEM_POLYBYTES);
	return ok;
}

static void KPKE_NAME(keygen)(uint8_t ek[MLKEM_EK_BYTES], uint8_t dk_pke[MLKEM_DKPKE_BYTES],
			      const uint8_t rho_sigma[2 * MLKEM_SYMBYTES])
{
	mlkem_polyvec a[MLKEM_K], s, e;
	mlkem_polyvec_cache s_cache;
	mlkem_poly t;
	const uint8_t *rho = rho_sigma, *sigma = rho_sigma + MLKEM_SYMBYTES;

	/* rho becomes part of ek: public from here on. */
	mlkem_declassify(rho, MLKEM_SYMBYTES);
#ifdef KPKE_KEYGEN_SAMPLE
	KPKE_KEYGEN_SAMPLE(a, &s, &e, rho, sigma);
#else
	KPKE_GEN_MATRIX(a, rho, 0);
	KPKE_NOISE4(s.v, sigma, 0);
	KPKE_NOISE4(e.v, sigma, MLKEM_K);
#endif
	for (unsigned int i = 0; i < MLKEM_K; i++) {
		KPKE_NTT(&s.v[i]);
		KPKE_NTT(&e.v[i]);
	}
	KPKE_MULCACHE(&s_cache, &s);
	for (unsigned int i = 0; i < MLKEM_K; i++) {
		KPKE_BASEMUL_ACC(&t, &a[i], &s, &s_cache);
		mlkem_poly_tomont(&t);
		mlkem_poly_add(&t, &t, &e.v[i]);
		mlkem_poly_reduce(&t);
		KPKE_TOBYTES(ek + i * MLKEM_POLYBYTES, &t);
		KPKE_TOBYTES(dk_pke + i * MLKEM_POLYBYTES, &s.v[i]);
	}
	memcpy(ek + MLKEM_POLYVECBYTES, rho, MLKEM_SYMBYTES);
	pqtun_memzero(&s, sizeof(s));
	pqtun_memzero(&s_cache, sizeof(s_cache));
	pqtun_memzero(&e, sizeof(e));
	pqtun_memzero(&t, sizeof(t));
}

static void KPKE_NAME(encrypt_with_matrix)(uint8_t c[MLKEM_CT_BYTES],
					   const mlkem_polyvec at[MLKEM_K],
					   const uint8_t ek[MLKEM_EK_BYTES],
					   const uint8_t m[MLKEM_SYMBYTES],
					   const uint8_t r[MLKEM_SYMBYTES])
{
	mlkem_polyvec t_hat, y, e1;
	mlkem_polyvec_cache y_cache;
	mlkem_poly u, v, e2, mu;

	for (unsigned int i = 0; i < MLKEM_K; i++)
		KPKE_FROMBYTES(&t_hat.v[i], ek + i * MLKEM_POLYBYTES);
	KPKE_NOISE4(y.v, r, 0);
	KPKE_NOISE4(e1.v, r, MLKEM_K);
	KPKE_NOISE1(&e2, r, 2 * MLKEM_K);
	for (unsigned int i = 0; i < MLKEM_K; i++)
		KPKE_NTT(&y.v[i]);
	KPKE_MULCACHE(&y_cache, &y);

	for (unsigned int i = 0; i < MLKEM_K; i++) {
		KPKE_BASEMUL_ACC(&u, &at[i], &y, &y_cache);
		KPKE_INVNTT(&u);
		mlkem_poly_add(&u, &u, &e1.v[i]);
		mlkem_poly_reduce(&u);
		KPKE_COMPRESS_DU(c + i * MLKEM_POLYCOMP_DU_BYTES, &u);
	}
	KPKE_BASEMUL_ACC(&v, &t_hat, &y, &y_cache);
	KPKE_INVNTT(&v);
	mlkem_poly_frommsg(&mu, m);
	mlkem_poly_add(&v, &v, &e2);
	mlkem_poly_add(&v, &v, &mu);
	mlkem_poly_reduce(&v);
	mlkem_poly_compress_dv(c + MLKEM_K * MLKEM_POLYCOMP_DU_BYTES, &v);

	pqtun_memzero(&y, sizeof(y));
	pqtun_memzero(&y_cache, sizeof(y_cache));
	pqtun_memzero(&e1, sizeof(e1));
	pqtun_memzero(&e2, sizeof(e2));
	pqtun_memzero(&mu, sizeof(mu));
	pqtun_memzero(&u, sizeof(u));
	pqtun_memzero(&v, sizeof(v));
}

static void KPKE_NAME(encrypt)(uint8_t c[MLKEM_CT_BYTES], const uint8_t ek[MLKEM_EK_BYTES],
			       const uint8_t m[MLKEM_SYMBYTES], const uint8_t r[MLKEM_SYMBYTES])
{
	mlkem_polyvec at[MLKEM_K]; /* public */
	KPKE_GEN_MATRIX(at, ek + MLKEM_POLYVECBYTES, 1);
	KPKE_NAME(encrypt_with_matrix)(c, at, ek, m, r);
}

static void KPKE_NAME(decrypt)(uint8_t m[MLKEM_SYMBYTES], const uint8_t dk_pke[MLKEM_DKPKE_BYTES],
			       const uint8_t c[MLKEM_CT_BYTES])
{
	mlkem_polyvec u, s_hat;
	mlkem_polyvec_cache u_cache;
	mlkem_poly v, w;

	for (unsigned int i = 0; i < MLKEM_K; i++) {
		KPKE_DECOMPRESS_DU(&u.v[i], c + i * MLKEM_POLYCOMP_DU_BYTES);
		KPKE_NTT(&u.v[i]);
		KPKE_FROMBYTES(&s_hat.v[i], dk_pke + i * MLKEM_POLYBYTES);
	}
	mlkem_poly_decompress_dv(&v, c + MLKEM_K * MLKEM_POLYCOMP_DU_BYTES);
	KPKE_MULCACHE(&u_cache, &u);
	KPKE_BASEMUL_ACC(&w, &s_hat, &u, &u_cache);
	KPKE_INVNTT(&w);
	mlkem_poly_sub(&w, &v, &w);
	mlkem_poly_reduce(&w);
	mlkem_poly_tomsg(m, &w);

	pqtun_memzero(&u, sizeof(u));
	pqtun_memzero(&s_hat, sizeof(s_hat));
	pqtun_memzero(&v, sizeof(v));
	pqtun_memzero(&w, sizeof(w));
}
