/* Conversions between HQC vectors (64-bit words, see gf2x.h) and their
 * byte encodings (least-significant bit first), and small vector helpers. */
#ifndef PQTUN_CRYPTO_HQC_VEC_H
#define PQTUN_CRYPTO_HQC_VEC_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/hqc/params.h"

/* v (HQC_VEC_WORDS words) = the HQC_N-bit vector encoded in bytes
 * (HQC_VEC_BYTES); the unused top bits of the last byte are ignored. */
void hqc_vec_from_bytes(uint64_t *v, const uint8_t *bytes);
/* bytes (HQC_VEC_BYTES) = encoding of v. */
void hqc_vec_to_bytes(uint8_t *bytes, const uint64_t *v);
/* Same for the HQC_N1N2-bit vectors (HQC_N1N2_WORDS words, HQC_N1N2_BYTES). */
void hqc_vec_n1n2_from_bytes(uint64_t *v, const uint8_t *bytes);
void hqc_vec_n1n2_to_bytes(uint8_t *bytes, const uint64_t *v);

/* out[i] ^= in[i] for i < words. */
static inline void hqc_vec_xor(uint64_t *out, const uint64_t *in, size_t words)
{
	for (size_t i = 0; i < words; i++)
		out[i] ^= in[i];
}

#endif
