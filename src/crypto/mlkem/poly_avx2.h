/* AVX2 ByteDecode12/ByteEncode12 (x86-64 only; call when pqtun_use_avx2()).
 * Same results as the poly.h versions; constant time. */
#ifndef PQTUN_MLKEM_POLY_AVX2_H
#define PQTUN_MLKEM_POLY_AVX2_H

#include <stdint.h>

#include "crypto/mlkem/poly.h"

/* ByteDecode12 then reduction mod q (as mlkem_poly_frombytes). Returns 1
 * if every decoded value was already below q (the §7.2 condition), else 0. */
int mlkem_poly_frombytes_avx2(mlkem_poly *r, const uint8_t a[MLKEM_POLYBYTES]);

/* ByteEncode12 of coefficients in (-q, q) (as mlkem_poly_tobytes). */
void mlkem_poly_tobytes_avx2(uint8_t r[MLKEM_POLYBYTES], const mlkem_poly *a);

/* ByteEncode11(Compress11(a)) of coefficients in (-q, q) (as
 * mlkem_poly_compress_du): 352 bytes. */
void mlkem_poly_compress_du_avx2(uint8_t r[MLKEM_POLYCOMP_DU_BYTES], const mlkem_poly *a);

/* Decompress11(ByteDecode11(a)) (as mlkem_poly_decompress_du):
 * coefficients in [0, q). */
void mlkem_poly_decompress_du_avx2(mlkem_poly *r, const uint8_t a[MLKEM_POLYCOMP_DU_BYTES]);

#endif
