/* Portable number-theoretic transform for ML-KEM (FIPS 203 §4.3).
 * Coefficients are int16. NTT-domain polynomials are in FIPS 203 order
 * (bit-reversed), as ByteEncode12 stores them in keys. */
#ifndef PQTUN_MLKEM_NTT_H
#define PQTUN_MLKEM_NTT_H

#include <stdint.h>

#include "crypto/mlkem/poly.h"

/* zeta^BitRev7(i) * 2^16 mod q, centred, i = 0..127 (zeta = 17). */
extern const int16_t mlkem_zetas[128];

/* In-place forward NTT. Input |c| < q; output centred, |c| <= (q-1)/2. */
void mlkem_ntt_portable(int16_t c[MLKEM_N]);

/* In-place inverse NTT, also multiplying by 2^16 (undoes the 2^-16 of
 * one base multiplication). Input |c| < q; output |c| < q. */
void mlkem_invntt_portable(int16_t c[MLKEM_N]);

/* r = sum_i a[i] o b[i] * 2^-16 (NTT-domain products, FIPS 203 Alg. 11/12),
 * bc = the cache of b. Inputs |c| < q; output |c| < q. */
void mlkem_basemul_acc_portable(mlkem_poly *r, const mlkem_polyvec *a, const mlkem_polyvec *b,
				const mlkem_polyvec_cache *bc);

/* bc = the base-multiplication cache of b (inputs |c| < q; outputs too). */
void mlkem_mulcache_portable(mlkem_polyvec_cache *bc, const mlkem_polyvec *b);

#endif
