/* HQC-256 KEM (round-4 submission of 2023-04-30), byte-compatible with
 * PQClean crypto_kem/hqc-256/clean.
 *
 * Sizes: pk 7245 = pk_seed (40) || s (7205); sk 7317 = sk_seed (40) ||
 * sigma (32) || pk; ct 14421 = u (7205) || v (7200) || salt (16); ss 64.
 *
 * Encapsulation: m, salt random; theta = SHAKE256(m || pk || salt || 3);
 * (u, v) = PKE-encrypt(m, theta); ss = SHAKE256(m || u || v || 4).
 * Decapsulation decrypts m', re-encrypts with the received salt and
 * compares all of u || v in constant time; on a mismatch ss =
 * SHAKE256(sigma || u || v || 4) (implicit rejection) and the return value
 * is PQTUN_KEM_REJECTED, so callers can tell.
 *
 * Secrets (sk, m, sigma, the sampled vectors, ss) are handled in constant
 * time and wiped from the stack before returning. Output buffers must not
 * overlap inputs. */
#ifndef PQTUN_CRYPTO_HQC_HQC256_H
#define PQTUN_CRYPTO_HQC_HQC256_H

#include <stddef.h>
#include <stdint.h>

#include "pqtun/kem.h"

#define HQC256_PUBLIC_KEY_BYTES 7245
#define HQC256_SECRET_KEY_BYTES 7317
#define HQC256_CIPHERTEXT_BYTES 14421
#define HQC256_SHARED_SECRET_BYTES 64
#define HQC256_KEYGEN_RANDOM_BYTES 112 /* sk_seed (40) || sigma (32) || pk_seed (40) */
#define HQC256_ENCAPS_RANDOM_BYTES 48  /* m (32) || salt (16) */

/* Bytes of stack each operation clears below its frame before returning
 * (pqtun_stack_scrub): more than the deepest the operation's callees go,
 * on either implementation; tests/test_hqc_stack_scrub.c checks that no
 * byte they leave lies below the cleared range. */
#define HQC256_KEYPAIR_SCRUB_BYTES (80u * 1024u)  /* deepest measured: 59 KiB (AVX2) */
#define HQC256_ENCAPS_SCRUB_BYTES (112u * 1024u) /* 82 KiB */
#define HQC256_DECAPS_SCRUB_BYTES (128u * 1024u) /* 96 KiB */

extern const pqtun_kem pqtun_kem_hqc256;

/* Key pair from OS randomness. Returns PQTUN_OK or PQTUN_KEM_RANDOMNESS
 * (outputs zeroed). */
int hqc256_keypair(uint8_t *pk, uint8_t *sk);

/* Deterministic key pair from 112 bytes laid out as PQClean's three
 * randombytes() calls: sk_seed, sigma, pk_seed. rnd is secret. */
int hqc256_keypair_derand(uint8_t *pk, uint8_t *sk, const uint8_t rnd[HQC256_KEYGEN_RANDOM_BYTES]);

/* Encapsulate to pk with OS randomness. PQTUN_OK, PQTUN_KEM_RANDOMNESS or
 * PQTUN_KEM_INVALID_KEY (outputs zeroed). A public key is refused only if
 * the 3 unused top bits of its last byte are set (key generation never
 * sets them; PQClean would compute with them). */
int hqc256_encaps(uint8_t *ct, uint8_t *ss, const uint8_t *pk);

/* Deterministic encapsulation from 48 bytes: m (32) then salt (16), as
 * PQClean's two randombytes() calls. rnd is secret. Same public key check
 * as hqc256_encaps. */
int hqc256_encaps_derand(uint8_t *ct, uint8_t *ss, const uint8_t *pk,
			 const uint8_t rnd[HQC256_ENCAPS_RANDOM_BYTES]);

/* Decapsulate. Returns PQTUN_OK, or PQTUN_KEM_REJECTED with ss set to the
 * implicit-rejection secret. */
int hqc256_decaps(uint8_t *ss, const uint8_t *ct, const uint8_t *sk);

/* Length-checking wrappers: PQTUN_KEM_INVALID_LENGTH (outputs zeroed) if a
 * length differs from the sizes above, else as the functions above. */
int hqc256_encaps_checked(uint8_t *ct, size_t ct_len, uint8_t *ss, size_t ss_len,
			  const uint8_t *pk, size_t pk_len);
int hqc256_decaps_checked(uint8_t *ss, size_t ss_len, const uint8_t *ct, size_t ct_len,
			  const uint8_t *sk, size_t sk_len);

#endif
