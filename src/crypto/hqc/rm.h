/* The inner code of HQC-256: Reed-Muller RM(1,7) (8-bit messages, 128-bit
 * codewords), each codeword repeated HQC_RM_COPIES = 5 times (640 bits).
 * Codeword bit j (0..127) of message byte m is m7 XOR parity(j AND m[6:0]);
 * byte i of the outer codeword occupies bits 640*i .. 640*i+639.
 * Decoding sums the five copies, applies the fast Hadamard transform and
 * picks the peak (largest absolute value, first index on ties; its sign
 * gives bit 7), bit-for-bit like PQClean. Decoding handles secret data and
 * is constant time. */
#ifndef PQTUN_CRYPTO_HQC_RM_H
#define PQTUN_CRYPTO_HQC_RM_H

#include <stdint.h>

#include "crypto/hqc/params.h"

/* cw (HQC_N1N2_WORDS words) = encoding of the HQC_N1 bytes of msg. */
void hqc_rm_encode(uint64_t *cw, const uint8_t *msg);

/* msg (HQC_N1 bytes) = decoding of cw (HQC_N1N2_WORDS words). Chooses the
 * fastest implementation allowed (src/util/cpu.h). */
void hqc_rm_decode(uint8_t *msg, const uint64_t *cw);
void hqc_rm_decode_portable(uint8_t *msg, const uint64_t *cw);
#ifdef PQTUN_HAVE_X86_64
void hqc_rm_decode_avx2(uint8_t *msg, const uint64_t *cw);
#endif

#endif
