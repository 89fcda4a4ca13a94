/* HQC-256 parameters (round-4 submission of 2023-04-30, as packaged in
 * PQClean crypto_kem/hqc-256/clean) and the byte layouts of its keys and
 * ciphertexts. Vectors are packed least-significant bit first. */
#ifndef PQTUN_CRYPTO_HQC_PARAMS_H
#define PQTUN_CRYPTO_HQC_PARAMS_H

#include "crypto/hqc/gf2x.h" /* HQC_N, HQC_VEC_WORDS */

#define HQC_N1 90                 /* Reed-Solomon length (bytes) */
#define HQC_K 32                  /* Reed-Solomon dimension = message bytes */
#define HQC_DELTA 29              /* Reed-Solomon correction capacity */
#define HQC_RS_PARITY (2 * HQC_DELTA) /* 58 parity bytes, codeword = parity || message */
#define HQC_N2 640                /* duplicated Reed-Muller length (bits) */
#define HQC_RM_COPIES 5           /* RM(1,7) codeword (128 bits) repeated 5 times */
#define HQC_N1N2 (HQC_N1 * HQC_N2) /* 57600 */
#define HQC_N1N2_WORDS (HQC_N1N2 / 64) /* 900 */

#define HQC_W 131                 /* weight of x, y */
#define HQC_WR 149                /* weight of r1, r2 */
#define HQC_WE 149                /* weight of e */

#define HQC_SEED_BYTES 40
#define HQC_SIGMA_BYTES 32
#define HQC_SALT_BYTES 16
#define HQC_VEC_BYTES ((HQC_N + 7) / 8)   /* 7205 */
#define HQC_N1N2_BYTES (HQC_N1N2 / 8)     /* 7200 */

#define HQC_PK_BYTES (HQC_SEED_BYTES + HQC_VEC_BYTES)                  /* 7245 */
#define HQC_SK_BYTES (HQC_SEED_BYTES + HQC_SIGMA_BYTES + HQC_PK_BYTES) /* 7317 */
#define HQC_CT_BYTES (HQC_VEC_BYTES + HQC_N1N2_BYTES + HQC_SALT_BYTES) /* 14421 */
#define HQC_SS_BYTES 64

/* Mask of the used bits of the last word of an n-bit vector (37 bits). */
#define HQC_LAST_WORD_MASK ((1ULL << (HQC_N % 64)) - 1)

#endif
