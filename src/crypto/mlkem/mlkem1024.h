/* ML-KEM-1024 (final FIPS 203).
 *
 * Sizes: ek 1568, dk 3168 (dk_pke || ek || H(ek) || z), ciphertext 1568,
 * shared key 32 bytes. All functions return PQTUN_OK or a negative
 * pqtun_kem_status (include/pqtun/kem.h). Secret inputs: d, z, m, dk.
 * Secret outputs: dk and the shared key; they are zeroed on every error.
 * The implementation (portable or AVX2) is chosen per call by
 * pqtun_use_avx2(); both give identical results. */
#ifndef PQTUN_MLKEM1024_H
#define PQTUN_MLKEM1024_H

#include <stddef.h>
#include <stdint.h>

#include "pqtun/kem.h"

#define PQTUN_MLKEM1024_EK_BYTES 1568
#define PQTUN_MLKEM1024_DK_BYTES 3168
#define PQTUN_MLKEM1024_CT_BYTES 1568
#define PQTUN_MLKEM1024_SS_BYTES 32

extern const pqtun_kem pqtun_kem_mlkem1024;

/* ML-KEM.KeyGen_internal(d, z) (Alg. 16): deterministic key pair. */
int pqtun_mlkem1024_keypair_derand(uint8_t ek[PQTUN_MLKEM1024_EK_BYTES],
				   uint8_t dk[PQTUN_MLKEM1024_DK_BYTES],
				   const uint8_t d[32], const uint8_t z[32]);

/* ML-KEM.KeyGen (Alg. 19): d and z from pqtun_randombytes.
 * PQTUN_KEM_RANDOMNESS if the OS has none (outputs zeroed). */
int pqtun_mlkem1024_keypair(uint8_t ek[PQTUN_MLKEM1024_EK_BYTES],
			    uint8_t dk[PQTUN_MLKEM1024_DK_BYTES]);

/* ML-KEM.Encaps_internal(ek, m) (Alg. 17) after the §7.2 modulus check:
 * PQTUN_KEM_INVALID_KEY (c and k zeroed) if ek fails it. */
int pqtun_mlkem1024_encaps_derand(uint8_t c[PQTUN_MLKEM1024_CT_BYTES],
				  uint8_t k[PQTUN_MLKEM1024_SS_BYTES],
				  const uint8_t ek[PQTUN_MLKEM1024_EK_BYTES],
				  const uint8_t m[32]);

/* ML-KEM.Encaps (Alg. 20): m from pqtun_randombytes. */
int pqtun_mlkem1024_encaps(uint8_t c[PQTUN_MLKEM1024_CT_BYTES],
			   uint8_t k[PQTUN_MLKEM1024_SS_BYTES],
			   const uint8_t ek[PQTUN_MLKEM1024_EK_BYTES]);

/* ML-KEM.Decaps (Alg. 18/21) after the §7.3 hash check (PQTUN_KEM_INVALID_KEY,
 * k zeroed, if dk fails it). A ciphertext that fails re-encryption gives
 * the implicit-rejection key SHAKE256(z || c)[32] and PQTUN_OK (silent, as
 * FIPS 203 requires); the caller cannot tell, and neither can a timer. */
int pqtun_mlkem1024_decaps(uint8_t k[PQTUN_MLKEM1024_SS_BYTES],
			   const uint8_t c[PQTUN_MLKEM1024_CT_BYTES],
			   const uint8_t dk[PQTUN_MLKEM1024_DK_BYTES]);

/* Length-checking wrappers for untrusted buffers: PQTUN_KEM_INVALID_LENGTH
 * (outputs zeroed) when a length is not the ML-KEM-1024 size. */
int pqtun_mlkem1024_encaps_derand_checked(uint8_t c[PQTUN_MLKEM1024_CT_BYTES],
					  uint8_t k[PQTUN_MLKEM1024_SS_BYTES],
					  const uint8_t *ek, size_t ek_len, const uint8_t m[32]);
int pqtun_mlkem1024_decaps_checked(uint8_t k[PQTUN_MLKEM1024_SS_BYTES],
				   const uint8_t *c, size_t c_len,
				   const uint8_t *dk, size_t dk_len);

/* KeyGen_internal from the 64-byte seed format d || z (as Wycheproof and
 * ACVP "seed" keys store it): PQTUN_KEM_INVALID_LENGTH (outputs zeroed)
 * unless seed_len is 64. */
int pqtun_mlkem1024_keypair_from_seed_checked(uint8_t ek[PQTUN_MLKEM1024_EK_BYTES],
					      uint8_t dk[PQTUN_MLKEM1024_DK_BYTES],
					      const uint8_t *seed, size_t seed_len);

/* FIPS 203 §7.2: 1 if ek has 1568 bytes and every coefficient is < q. */
int pqtun_mlkem1024_ek_valid(const uint8_t *ek, size_t ek_len);
/* FIPS 203 §7.3: 1 if dk has 3168 bytes and SHA3-256(ek part) equals the
 * stored hash. Constant time in dk's contents. */
int pqtun_mlkem1024_dk_valid(const uint8_t *dk, size_t dk_len);

#endif
