/* Kyber1024 round 3 on top of the ML-KEM K-PKE (see kyber1024_r3.h for
 * how the two differ). */
#include "crypto/legacy/kyber1024_r3.h"

#include <string.h>

#include "crypto/fips202.h"
#include "crypto/mlkem/ct.h"
#include "crypto/mlkem/kpke.h"
#include "crypto/mlkem/params.h"
#include "util/mem.h"
#include "util/random.h"

#define KYBER_STACK_SCRUB_BYTES (32u * 1024u)

/* ss = SHAKE256(k_bar || SHA3-256(ct))[32]: round 3's key derivation. */
static void kdf(uint8_t ss[MLKEM_SS_BYTES], const uint8_t k_bar[MLKEM_SYMBYTES],
		const uint8_t ct[MLKEM_CT_BYTES])
{
	uint8_t in[2 * MLKEM_SYMBYTES];
	memcpy(in, k_bar, MLKEM_SYMBYTES);
	sha3_256(in + MLKEM_SYMBYTES, ct, MLKEM_CT_BYTES);
	shake256(ss, MLKEM_SS_BYTES, in, sizeof(in));
	pqtun_memzero(in, sizeof(in));
}

int pqtun_kyber1024_keypair_derand(uint8_t pk[PQTUN_KYBER1024_PK_BYTES],
				   uint8_t sk[PQTUN_KYBER1024_SK_BYTES],
				   const uint8_t d[32], const uint8_t z[32])
{
	uint8_t rho_sigma[2 * MLKEM_SYMBYTES];
	sha3_512(rho_sigma, d, MLKEM_SYMBYTES); /* no domain-separation byte */
	mlkem_kpke_select()->keygen(pk, sk, rho_sigma);
	memcpy(sk + MLKEM_DK_EK_OFFSET, pk, MLKEM_EK_BYTES);
	sha3_256(sk + MLKEM_DK_H_OFFSET, pk, MLKEM_EK_BYTES);
	memcpy(sk + MLKEM_DK_Z_OFFSET, z, MLKEM_SYMBYTES);
	pqtun_memzero(rho_sigma, sizeof(rho_sigma));
	pqtun_stack_scrub(KYBER_STACK_SCRUB_BYTES);
	return PQTUN_OK;
}

int pqtun_kyber1024_keypair(uint8_t pk[PQTUN_KYBER1024_PK_BYTES],
			    uint8_t sk[PQTUN_KYBER1024_SK_BYTES])
{
	uint8_t dz[2 * MLKEM_SYMBYTES];
	if (pqtun_randombytes(dz, sizeof(dz)) != 0) {
		pqtun_memzero(pk, PQTUN_KYBER1024_PK_BYTES);
		pqtun_memzero(sk, PQTUN_KYBER1024_SK_BYTES);
		return PQTUN_KEM_RANDOMNESS;
	}
	int ret = pqtun_kyber1024_keypair_derand(pk, sk, dz, dz + MLKEM_SYMBYTES);
	pqtun_memzero(dz, sizeof(dz));
	return ret;
}

int pqtun_kyber1024_encaps_derand(uint8_t ct[PQTUN_KYBER1024_CT_BYTES],
				  uint8_t ss[PQTUN_KYBER1024_SS_BYTES],
				  const uint8_t pk[PQTUN_KYBER1024_PK_BYTES],
				  const uint8_t coins[32])
{
	const mlkem_kpke_impl *impl = mlkem_kpke_select();
	mlkem_polyvec at[MLKEM_K]; /* public */
	uint8_t g_in[2 * MLKEM_SYMBYTES], kr[2 * MLKEM_SYMBYTES];

	/* m = H(coins); (K_bar, r) = G(m || H(pk)); H(pk) and the matrix are
	 * computed together from pk. */
	sha3_256(g_in, coins, MLKEM_SYMBYTES);
	impl->encaps_prepare(g_in + MLKEM_SYMBYTES, at, pk);
	sha3_512(kr, g_in, sizeof(g_in));
	impl->encrypt_with_matrix(ct, at, pk, g_in, kr + MLKEM_SYMBYTES);
	kdf(ss, kr, ct);
	pqtun_memzero(g_in, sizeof(g_in));
	pqtun_memzero(kr, sizeof(kr));
	pqtun_stack_scrub(KYBER_STACK_SCRUB_BYTES);
	return PQTUN_OK;
}

int pqtun_kyber1024_encaps(uint8_t ct[PQTUN_KYBER1024_CT_BYTES],
			   uint8_t ss[PQTUN_KYBER1024_SS_BYTES],
			   const uint8_t pk[PQTUN_KYBER1024_PK_BYTES])
{
	uint8_t coins[MLKEM_SYMBYTES];
	if (pqtun_randombytes(coins, sizeof(coins)) != 0) {
		pqtun_memzero(ct, PQTUN_KYBER1024_CT_BYTES);
		pqtun_memzero(ss, PQTUN_KYBER1024_SS_BYTES);
		return PQTUN_KEM_RANDOMNESS;
	}
	int ret = pqtun_kyber1024_encaps_derand(ct, ss, pk, coins);
	pqtun_memzero(coins, sizeof(coins));
	return ret;
}

int pqtun_kyber1024_decaps(uint8_t ss[PQTUN_KYBER1024_SS_BYTES],
			   const uint8_t ct[PQTUN_KYBER1024_CT_BYTES],
			   const uint8_t sk[PQTUN_KYBER1024_SK_BYTES])
{
	const mlkem_kpke_impl *impl = mlkem_kpke_select();
	uint8_t g_in[2 * MLKEM_SYMBYTES], kr[2 * MLKEM_SYMBYTES], ct2[MLKEM_CT_BYTES];

	/* m' = Decrypt(sk, ct); (K_bar', r') = G(m' || h). */
	impl->decrypt(g_in, sk, ct);
	memcpy(g_in + MLKEM_SYMBYTES, sk + MLKEM_DK_H_OFFSET, MLKEM_SYMBYTES);
	sha3_512(kr, g_in, sizeof(g_in));
	impl->encrypt(ct2, sk + MLKEM_DK_EK_OFFSET, g_in, kr + MLKEM_SYMBYTES);
	/* On mismatch z replaces K_bar', without branching. */
	uint8_t differ = mlkem_ct_differ(ct, ct2, MLKEM_CT_BYTES);
	mlkem_cmov(kr, sk + MLKEM_DK_Z_OFFSET, MLKEM_SYMBYTES, differ);
	kdf(ss, kr, ct);

	pqtun_memzero(g_in, sizeof(g_in));
	pqtun_memzero(kr, sizeof(kr));
	pqtun_memzero(ct2, sizeof(ct2));
	pqtun_stack_scrub(KYBER_STACK_SCRUB_BYTES);
	return PQTUN_OK;
}

const pqtun_kem pqtun_kem_kyber1024 = {
	.name = "Kyber1024",
	.public_key_bytes = PQTUN_KYBER1024_PK_BYTES,
	.secret_key_bytes = PQTUN_KYBER1024_SK_BYTES,
	.ciphertext_bytes = PQTUN_KYBER1024_CT_BYTES,
	.shared_secret_bytes = PQTUN_KYBER1024_SS_BYTES,
	.keypair = pqtun_kyber1024_keypair,
	.encaps = pqtun_kyber1024_encaps,
	.decaps = pqtun_kyber1024_decaps,
};
