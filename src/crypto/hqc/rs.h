/* The outer code of HQC-256: Reed-Solomon [90, 32] over GF(256) (field
 * polynomial x^8 + x^4 + x^3 + x^2 + 1, alpha = 2), a shortened code with
 * generator g(x) = (x - alpha)(x - alpha^2)...(x - alpha^58); it corrects
 * up to HQC_DELTA = 29 byte errors. Systematic: codeword = 58 parity bytes
 * || the 32 message bytes, as in PQClean.
 *
 * Both directions handle secret data and run in constant time: field
 * products are computed with masks on eight bytes per 64-bit word, and
 * every loop bound is fixed. Decoding: syndromes, inversion-free
 * Berlekamp-Massey, evaluation of the locator at the 32 message positions
 * (a Chien search restricted to them), Forney's formula for the error
 * values. Beyond 29 errors the output is some 32 bytes (never a crash). */
#ifndef PQTUN_CRYPTO_HQC_RS_H
#define PQTUN_CRYPTO_HQC_RS_H

#include <stdint.h>

#include "crypto/hqc/params.h"

/* cw (HQC_N1 bytes) = encoding of msg (HQC_K bytes). */
void hqc_rs_encode(uint8_t *cw, const uint8_t *msg);

/* msg (HQC_K bytes) = message of the codeword nearest to cw (HQC_N1 bytes),
 * when at most HQC_DELTA bytes of cw are wrong. Picks the fastest
 * implementation allowed (src/util/cpu.h); both give the same output on
 * every input. */
void hqc_rs_decode(uint8_t *msg, const uint8_t *cw);
void hqc_rs_decode_portable(uint8_t *msg, const uint8_t *cw);
#ifdef PQTUN_HAVE_X86_64
void hqc_rs_decode_avx2(uint8_t *msg, const uint8_t *cw);
#endif

/* The generator polynomial's 59 coefficients, constant term first (tests
 * check them against the product of the (x - alpha^i)). */
extern const uint8_t hqc_rs_generator[HQC_RS_PARITY + 1];

/* Constant-time GF(256) product (reference for tests). */
uint8_t hqc_gf256_mul(uint8_t a, uint8_t b);

#endif
