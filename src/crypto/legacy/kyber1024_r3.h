/* Kyber1024, CRYSTALS-Kyber round 3 (the protocol's legacy "Kyber1024";
 * not ML-KEM). Same sizes as ML-KEM-1024 and the same K-PKE arithmetic
 * (crypto/mlkem), but: (rho, sigma) = SHA3-512(d) without ML-KEM's k byte,
 * the message is m = SHA3-256(random bytes), and the shared secret is
 * SHAKE256(K_bar || SHA3-256(c))[32], with z in place of K_bar when the
 * ciphertext fails re-encryption (returned silently, as round 3 does).
 * Round 3 defines no key checks; none are applied.
 *
 * Returns PQTUN_OK or a negative pqtun_kem_status. Secret: d, z, the
 * encapsulation randomness, sk and the shared secret (wiped on errors). */
#ifndef PQTUN_KYBER1024_R3_H
#define PQTUN_KYBER1024_R3_H

#include <stdint.h>

#include "pqtun/kem.h"

#define PQTUN_KYBER1024_PK_BYTES 1568
#define PQTUN_KYBER1024_SK_BYTES 3168
#define PQTUN_KYBER1024_CT_BYTES 1568
#define PQTUN_KYBER1024_SS_BYTES 32

extern const pqtun_kem pqtun_kem_kyber1024;

/* crypto_kem_keypair with its two 32-byte random calls given: d, then z. */
int pqtun_kyber1024_keypair_derand(uint8_t pk[PQTUN_KYBER1024_PK_BYTES],
				   uint8_t sk[PQTUN_KYBER1024_SK_BYTES],
				   const uint8_t d[32], const uint8_t z[32]);
int pqtun_kyber1024_keypair(uint8_t pk[PQTUN_KYBER1024_PK_BYTES],
			    uint8_t sk[PQTUN_KYBER1024_SK_BYTES]);

/* crypto_kem_enc with its one 32-byte random call given (hashed into m). */
int pqtun_kyber1024_encaps_derand(uint8_t ct[PQTUN_KYBER1024_CT_BYTES],
				  uint8_t ss[PQTUN_KYBER1024_SS_BYTES],
				  const uint8_t pk[PQTUN_KYBER1024_PK_BYTES],
				  const uint8_t coins[32]);
int pqtun_kyber1024_encaps(uint8_t ct[PQTUN_KYBER1024_CT_BYTES],
			   uint8_t ss[PQTUN_KYBER1024_SS_BYTES],
			   const uint8_t pk[PQTUN_KYBER1024_PK_BYTES]);

/* crypto_kem_dec: always PQTUN_OK; a tampered ciphertext yields the
 * implicit-rejection secret SHAKE256(z || SHA3-256(ct))[32]. */
int pqtun_kyber1024_decaps(uint8_t ss[PQTUN_KYBER1024_SS_BYTES],
			   const uint8_t ct[PQTUN_KYBER1024_CT_BYTES],
			   const uint8_t sk[PQTUN_KYBER1024_SK_BYTES]);

#endif
