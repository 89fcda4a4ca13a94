/* AVX2 versions of the ntt.h functions, same contracts and identical
 * results. x86-64 only; call only when pqtun_use_avx2(). Polynomials must
 * be 32-byte aligned (mlkem_poly is). */
#ifndef PQTUN_MLKEM_NTT_AVX2_H
#define PQTUN_MLKEM_NTT_AVX2_H

#include <stdint.h>

#include "crypto/mlkem/poly.h"

void mlkem_ntt_avx2(int16_t c[MLKEM_N]);
void mlkem_invntt_avx2(int16_t c[MLKEM_N]);
void mlkem_basemul_acc_avx2(mlkem_poly *r, const mlkem_polyvec *a, const mlkem_polyvec *b,
			    const mlkem_polyvec_cache *bc);
/* The same with the first operand given as K separate polynomials. */
void mlkem_basemul_acc_polys_avx2(mlkem_poly *r, const mlkem_poly *const a[MLKEM_K],
				  const mlkem_polyvec_cache *bc);
void mlkem_mulcache_avx2(mlkem_polyvec_cache *bc, const mlkem_polyvec *b);

#endif
