/* HQC-PKE (IND-CPA), the layer under the KEM. Keys are held as seeds: the
 * secret vectors x, y come from SHAKE256(sk_seed || 2), the public h from
 * SHAKE256(pk_seed || 2). All outputs are byte encodings; everything
 * derived from sk_seed, m or theta is secret and handled in constant time.
 *
 * Wiping: the secret 7 KiB vectors (x, y, r1, r2, e and the products) stay
 * in these functions' stack frames, like the multiplication's spills
 * (gf2x.h): every KEM operation (hqc256.c) ends with pqtun_stack_scrub over
 * more than the deepest measured frame, which clears them; wiping each
 * one here as well cost ~3% of an operation. Callers outside the KEM must
 * scrub the stack the same way. */
#ifndef PQTUN_CRYPTO_HQC_PKE_H
#define PQTUN_CRYPTO_HQC_PKE_H

#include <stdint.h>

#include "crypto/hqc/params.h"
#include "crypto/hqc/shake_x4.h"

/* pk = pk_seed || s with s = x + h*y. */
void hqc_pke_keygen(uint8_t pk[HQC_PK_BYTES], const uint8_t sk_seed[HQC_SEED_BYTES],
		    const uint8_t pk_seed[HQC_SEED_BYTES]);

/* Describe the expansion of h from pk_seed as a SHAKE256 job writing the
 * HQC_VEC_BYTES bytes that hqc_vec_from_bytes turns into h (public). */
void hqc_pke_h_job(hqc_shake_job *job, const uint8_t pk_seed[HQC_SEED_BYTES], uint8_t *h_bytes);

/* Encrypt the HQC_K-byte m with randomness seeded by theta (first
 * HQC_SEED_BYTES bytes used) under pk, whose h (HQC_VEC_WORDS words, from
 * hqc_pke_h_job) the caller has expanded: u = r1 + h*r2, v = first
 * HQC_N1N2 bits of encode(m) + s*r2 + e. uv receives u (HQC_VEC_BYTES) ||
 * v (HQC_N1N2_BYTES). */
void hqc_pke_encrypt(uint8_t *uv, const uint8_t m[HQC_K], const uint8_t theta[HQC_SEED_BYTES],
		     const uint8_t pk[HQC_PK_BYTES], const uint64_t *h);

/* The expander stream of theta that encryption draws r1, r2 and e from:
 * 3 x 600 bytes (secret). */
#define HQC_PKE_ENC_STREAM_BYTES 1800

/* Describe the expansion of the stream from theta (first HQC_SEED_BYTES
 * bytes) as a SHAKE256 job, so that it can be batched (decapsulation
 * chains it after theta's own hash). */
void hqc_pke_enc_stream_job(hqc_shake_job *job, const uint8_t theta[HQC_SEED_BYTES],
			    uint8_t stream[HQC_PKE_ENC_STREAM_BYTES]);

/* hqc_pke_encrypt with the stream already expanded (same result). */
void hqc_pke_encrypt_stream(uint8_t *uv, const uint8_t m[HQC_K],
			    const uint8_t stream[HQC_PKE_ENC_STREAM_BYTES],
			    const uint8_t pk[HQC_PK_BYTES], const uint64_t *h);

/* m = decode(v - u*y), uv as produced by hqc_pke_encrypt (bits of u beyond
 * HQC_N are ignored). */
void hqc_pke_decrypt(uint8_t m[HQC_K], const uint8_t *uv, const uint8_t sk_seed[HQC_SEED_BYTES]);

/* Inner pieces, exposed for tests. */
/* word-level encode: cw (HQC_N1N2_WORDS) = RM(RS(m)). */
void hqc_code_encode(uint64_t *cw, const uint8_t m[HQC_K]);
/* m = RS-decode(RM-decode(cw)), cw HQC_N1N2_WORDS words. */
void hqc_code_decode(uint8_t m[HQC_K], const uint64_t *cw);

#endif
