/* Sampling HQC vectors from a seed expander, consuming its stream exactly
 * as PQClean hqc-256 does (so the known-answer tests reproduce):
 *  - uniform vectors: 7205 bytes (7208 consumed), top 3 bits cleared;
 *  - fixed-weight vectors (weight w <= 149): 4*w bytes read as little-endian
 *    32-bit words r_i; position_i = i + (r_i mod (N - i)); then, from the
 *    second-to-last down to the first, a position equal to any later one is
 *    replaced by i (this yields w distinct positions).
 * Fixed-weight vectors are secret: positions never drive branches or memory
 * addresses (modular reduction by Barrett, duplicate search by masks, and the
 * dense vector is built by comparing every word index with every position). */
#ifndef PQTUN_CRYPTO_HQC_SAMPLE_H
#define PQTUN_CRYPTO_HQC_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/hqc/params.h"
#include "crypto/hqc/xof.h"

#define HQC_MAX_WEIGHT HQC_WR

/* Expander bytes one fixed-weight vector consumes (4 * weight, rounded up
 * to a multiple of 8 like every expander read). */
#define HQC_FIXED_WEIGHT_STREAM_BYTES(w) ((4 * (size_t)(w) + 7) & ~(size_t)7)

/* The weight distinct positions from the first 4 * weight bytes of rnd
 * (secret). */
void hqc_support_from_bytes(uint32_t *support, const uint8_t *rnd, unsigned int weight);

/* Draw the weight distinct positions (each < HQC_N) of a fixed-weight
 * vector. weight <= HQC_MAX_WEIGHT. */
void hqc_sample_support(hqc_xof *xof, uint32_t *support, unsigned int weight);

#ifdef PQTUN_HAVE_X86_64
/* The candidate positions i + (r_i mod (N - i)) of the first whole groups
 * of 8 (i < the returned count, a multiple of 8 not above weight), as in
 * hqc_support_from_bytes before the duplicate rule; barrett holds
 * floor(2^32 / (N - i)) for every i < weight. Constant time. */
unsigned int hqc_support_candidates_avx2(uint32_t *support, const uint8_t *rnd,
					 unsigned int weight, const uint32_t *barrett);
#endif

/* The duplicate rule above, in place on weight candidate positions
 * (position i >= i). Constant time. Picks the fastest implementation. */
void hqc_support_dedup(uint32_t *support, unsigned int weight);
void hqc_support_dedup_portable(uint32_t *support, unsigned int weight);
#ifdef PQTUN_HAVE_X86_64
void hqc_support_dedup_avx2(uint32_t *support, unsigned int weight);
#endif

/* v (HQC_VEC_WORDS words, overwritten) = the vector whose ones are the
 * weight distinct positions in support. Constant time in the positions.
 * Picks the fastest implementation allowed (src/util/cpu.h). The AVX2
 * version leaves position-dependent patterns (~20 KiB) in its stack frame,
 * cleared by the KEM's stack scrub (see pke.h), not wiped here. */
void hqc_support_to_vec(uint64_t *v, const uint32_t *support, unsigned int weight);
void hqc_support_to_vec_portable(uint64_t *v, const uint32_t *support, unsigned int weight);
#ifdef PQTUN_HAVE_X86_64
void hqc_support_to_vec_avx2(uint64_t *v, const uint32_t *support, unsigned int weight);
#endif

/* v = fixed-weight vector from the first 4 * weight bytes of rnd. */
void hqc_fixed_weight_from_bytes(uint64_t *v, const uint8_t *rnd, unsigned int weight);

/* v = uniform vector of HQC_N bits drawn from xof (public: h). */
void hqc_sample_uniform(hqc_xof *xof, uint64_t *v);

#endif
