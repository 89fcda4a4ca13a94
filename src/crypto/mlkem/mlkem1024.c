/* ML-KEM-1024 (FIPS 203 Alg. 16-21) on top of K-PKE, with the §7.2/§7.3
 * input checks, implicit rejection and secret wiping. */
#include "crypto/mlkem/mlkem1024.h"

#include <string.h>

#include "crypto/fips202.h"
#include "crypto/mlkem/ct.h"
#include "crypto/mlkem/kpke.h"
#include "crypto/mlkem/poly.h"
#include "util/mem.h"
#include "util/random.h"

/* Bytes of stack below a top-level call that may hold secrets once it has
 * returned. Measured (bench_mlkem_parts, gcc -O2): at most ~19 KiB below
 * the scrubbing frame (portable keygen; AVX2 ops 13-17 KiB, the public
 * matrices live in the top-level frames or thread-local memo); this
 * leaves about a third more as margin. */
#define MLKEM_STACK_SCRUB_BYTES (24u * 1024u)

int pqtun_mlkem1024_ek_valid(const uint8_t *ek, size_t ek_len)
{
	if (!ek || ek_len != MLKEM_EK_BYTES)
		return 0;
	return mlkem_kpke_select()->ek_in_range(ek);
}

int pqtun_mlkem1024_dk_valid(const uint8_t *dk, size_t dk_len)
{
	uint8_t h[MLKEM_SYMBYTES];
	if (!dk || dk_len != MLKEM_DK_BYTES)
		return 0;
	sha3_256(h, dk + MLKEM_DK_EK_OFFSET, MLKEM_EK_BYTES);
	return pqtun_ct_equal(h, dk + MLKEM_DK_H_OFFSET, MLKEM_SYMBYTES);
}

/* The last (ek, H(ek)) pair this thread produced in keygen or hashed in
 * decaps, and, when keygen made it, the transposed matrix A^T of that ek.
 * All public. Decaps compares the ek inside dk byte for byte with
 * ek_memo.ek: on a match H(ek) is known and the §7.3 hash check compares
 * it with dk's stored hash without hashing 1568 bytes again, so the
 * check's outcome is exactly that of FIPS 203 §7.3 on every call (the
 * memo is keyed by the key's bytes, not by its address); and A^T, a
 * function of ek's rho alone, need not be sampled again. This is the
 * client's flow: keygen, then decaps with the same key in the same
 * thread. */
static _Thread_local struct {
	uint8_t ek[MLKEM_EK_BYTES];
	uint8_t h[MLKEM_SYMBYTES];
	int set, at_set;
	mlkem_polyvec at[MLKEM_K];
} ek_memo;

/* Remembers h = H(ek) for this thread (public data); at_set says whether
 * ek_memo.at now holds ek's A^T. */
static void ek_memo_store(const uint8_t ek[MLKEM_EK_BYTES], const uint8_t h[MLKEM_SYMBYTES],
			  int at_set)
{
	memcpy(ek_memo.ek, ek, MLKEM_EK_BYTES);
	memcpy(ek_memo.h, h, MLKEM_SYMBYTES);
	ek_memo.set = 1;
	ek_memo.at_set = at_set;
	/* ek, H(ek) and A^T are public outputs, whatever secrets they came
	 * from. */
	mlkem_declassify(&ek_memo, sizeof(ek_memo));
}

/* 1 and h = H(ek) if ek is the remembered key, else 0. ek is public. */
static int ek_memo_lookup(uint8_t h[MLKEM_SYMBYTES], const uint8_t ek[MLKEM_EK_BYTES])
{
	if (!ek_memo.set || memcmp(ek_memo.ek, ek, MLKEM_EK_BYTES) != 0)
		return 0;
	memcpy(h, ek_memo.h, MLKEM_SYMBYTES);
	return 1;
}

/* Keygen body without stack scrubbing. */
static void keygen_internal(uint8_t ek[MLKEM_EK_BYTES], uint8_t dk[MLKEM_DK_BYTES],
			    const uint8_t d[32], const uint8_t z[32])
{
	uint8_t g_in[MLKEM_SYMBYTES + 1], rho_sigma[2 * MLKEM_SYMBYTES];

	/* (rho, sigma) = G(d || k) with the domain-separation byte k = 4. */
	memcpy(g_in, d, MLKEM_SYMBYTES);
	g_in[MLKEM_SYMBYTES] = MLKEM_K;
	sha3_512(rho_sigma, g_in, sizeof(g_in));
	const mlkem_kpke_impl *impl = mlkem_kpke_select();
	/* The memo is about to change: invalid until stored again. */
	ek_memo.set = 0;
	ek_memo.at_set = 0;
	if (impl->keygen_hash) {
		impl->keygen_hash(ek, dk, rho_sigma, dk + MLKEM_DK_H_OFFSET, ek_memo.at);
	} else {
		impl->keygen(ek, dk, rho_sigma);
		sha3_256(dk + MLKEM_DK_H_OFFSET, ek, MLKEM_EK_BYTES);
	}
	memcpy(dk + MLKEM_DK_EK_OFFSET, ek, MLKEM_EK_BYTES);
	ek_memo_store(ek, dk + MLKEM_DK_H_OFFSET, impl->keygen_hash != NULL);
	memcpy(dk + MLKEM_DK_Z_OFFSET, z, MLKEM_SYMBYTES);
	pqtun_memzero(g_in, sizeof(g_in));
	pqtun_memzero(rho_sigma, sizeof(rho_sigma));
}

int pqtun_mlkem1024_keypair_derand(uint8_t ek[PQTUN_MLKEM1024_EK_BYTES],
				   uint8_t dk[PQTUN_MLKEM1024_DK_BYTES],
				   const uint8_t d[32], const uint8_t z[32])
{
	keygen_internal(ek, dk, d, z);
	pqtun_stack_scrub(MLKEM_STACK_SCRUB_BYTES);
	return PQTUN_OK;
}

int pqtun_mlkem1024_keypair(uint8_t ek[PQTUN_MLKEM1024_EK_BYTES],
			    uint8_t dk[PQTUN_MLKEM1024_DK_BYTES])
{
	uint8_t dz[2 * MLKEM_SYMBYTES];
	if (pqtun_randombytes(dz, sizeof(dz)) != 0) {
		pqtun_memzero(ek, MLKEM_EK_BYTES);
		pqtun_memzero(dk, MLKEM_DK_BYTES);
		return PQTUN_KEM_RANDOMNESS;
	}
	keygen_internal(ek, dk, dz, dz + MLKEM_SYMBYTES);
	pqtun_memzero(dz, sizeof(dz));
	pqtun_stack_scrub(MLKEM_STACK_SCRUB_BYTES);
	return PQTUN_OK;
}

/* Encaps_internal body on a checked ek, without stack scrubbing; at is
 * scratch for the (public) transposed matrix. */
static void encaps_internal(uint8_t c[MLKEM_CT_BYTES], uint8_t k[MLKEM_SS_BYTES],
			    const uint8_t ek[MLKEM_EK_BYTES], const uint8_t m[32],
			    mlkem_polyvec at[MLKEM_K])
{
	const mlkem_kpke_impl *impl = mlkem_kpke_select();
	uint8_t g_in[2 * MLKEM_SYMBYTES], kr[2 * MLKEM_SYMBYTES];

	/* (K, r) = G(m || H(ek)); H(ek) and the matrix come from ek alone. */
	memcpy(g_in, m, MLKEM_SYMBYTES);
	impl->encaps_prepare(g_in + MLKEM_SYMBYTES, at, ek);
	sha3_512(kr, g_in, sizeof(g_in));
	impl->encrypt_with_matrix(c, at, ek, m, kr + MLKEM_SYMBYTES);
	memcpy(k, kr, MLKEM_SS_BYTES);
	pqtun_memzero(g_in, sizeof(g_in));
	pqtun_memzero(kr, sizeof(kr));
}

int pqtun_mlkem1024_encaps_derand(uint8_t c[PQTUN_MLKEM1024_CT_BYTES],
				  uint8_t k[PQTUN_MLKEM1024_SS_BYTES],
				  const uint8_t ek[PQTUN_MLKEM1024_EK_BYTES],
				  const uint8_t m[32])
{
	if (!pqtun_mlkem1024_ek_valid(ek, MLKEM_EK_BYTES)) {
		pqtun_memzero(c, MLKEM_CT_BYTES);
		pqtun_memzero(k, MLKEM_SS_BYTES);
		return PQTUN_KEM_INVALID_KEY;
	}
	/* Public, so it lives in this frame, above the scrubbed region. */
	mlkem_polyvec at[MLKEM_K];
	encaps_internal(c, k, ek, m, at);
	pqtun_stack_scrub(MLKEM_STACK_SCRUB_BYTES);
	return PQTUN_OK;
}

int pqtun_mlkem1024_encaps(uint8_t c[PQTUN_MLKEM1024_CT_BYTES],
			   uint8_t k[PQTUN_MLKEM1024_SS_BYTES],
			   const uint8_t ek[PQTUN_MLKEM1024_EK_BYTES])
{
	uint8_t m[MLKEM_SYMBYTES];
	if (pqtun_randombytes(m, sizeof(m)) != 0) {
		pqtun_memzero(c, MLKEM_CT_BYTES);
		pqtun_memzero(k, MLKEM_SS_BYTES);
		return PQTUN_KEM_RANDOMNESS;
	}
	int ret = pqtun_mlkem1024_encaps_derand(c, k, ek, m);
	pqtun_memzero(m, sizeof(m));
	return ret;
}

/* Decaps_internal (Alg. 18) after the §7.3 check, given the rejection key
 * k_bar = J(z || c); without stack scrubbing. */
static void decaps_internal(const mlkem_kpke_impl *impl, uint8_t k[MLKEM_SS_BYTES],
			    const uint8_t c[MLKEM_CT_BYTES], const uint8_t dk[MLKEM_DK_BYTES],
			    const uint8_t k_bar[MLKEM_SS_BYTES], const mlkem_polyvec at[MLKEM_K])
{
	uint8_t g_in[2 * MLKEM_SYMBYTES], kr[2 * MLKEM_SYMBYTES];
	uint8_t c2[MLKEM_CT_BYTES];

	/* m' = Decrypt(dk_pke, c); (K', r') = G(m' || h). */
	impl->decrypt(g_in, dk, c);
	memcpy(g_in + MLKEM_SYMBYTES, dk + MLKEM_DK_H_OFFSET, MLKEM_SYMBYTES);
	sha3_512(kr, g_in, sizeof(g_in));

	/* Re-encrypt and replace K' by K_bar if c' != c, without branching. */
	impl->encrypt_with_matrix(c2, at, dk + MLKEM_DK_EK_OFFSET, g_in, kr + MLKEM_SYMBYTES);
	uint8_t differ = mlkem_ct_differ(c, c2, MLKEM_CT_BYTES);
	memcpy(k, kr, MLKEM_SS_BYTES);
	mlkem_cmov(k, k_bar, MLKEM_SS_BYTES, differ);

	pqtun_memzero(g_in, sizeof(g_in));
	pqtun_memzero(kr, sizeof(kr));
	pqtun_memzero(c2, sizeof(c2));
}

int pqtun_mlkem1024_decaps(uint8_t k[PQTUN_MLKEM1024_SS_BYTES],
			   const uint8_t c[PQTUN_MLKEM1024_CT_BYTES],
			   const uint8_t dk[PQTUN_MLKEM1024_DK_BYTES])
{
	const mlkem_kpke_impl *impl = mlkem_kpke_select();
	uint8_t h[MLKEM_SYMBYTES], k_bar[MLKEM_SS_BYTES];
	mlkem_polyvec at[MLKEM_K]; /* public */

	/* H(ek) for the §7.3 check (unless this thread already hashed this
	 * very ek), J(z || c) and the matrix are computed together. The
	 * check's outcome is public (a malformed key is refused openly; the
	 * matrix is then simply not used). */
	const uint8_t *ek = dk + MLKEM_DK_EK_OFFSET;
	const mlkem_polyvec *at_used = at;
	int known = ek_memo_lookup(h, ek);
	if (known && ek_memo.at_set) {
		/* Only J(z || c) is left to compute. */
		keccak_state js;
		shake256_init(&js);
		shake256_absorb(&js, dk + MLKEM_DK_Z_OFFSET, MLKEM_SYMBYTES);
		shake256_absorb(&js, c, MLKEM_CT_BYTES);
		shake256_finalize(&js);
		keccak_squeeze(k_bar, MLKEM_SS_BYTES, &js);
		keccak_wipe(&js);
		at_used = ek_memo.at;
	} else {
		impl->decaps_prepare(known ? NULL : h, k_bar, at, ek, dk + MLKEM_DK_Z_OFFSET, c);
		if (!known)
			ek_memo_store(ek, h, 0);
	}
	int valid = pqtun_ct_equal(h, dk + MLKEM_DK_H_OFFSET, MLKEM_SYMBYTES);
	mlkem_declassify(&valid, sizeof(valid));
	if (!valid) {
		pqtun_memzero(k, MLKEM_SS_BYTES);
		pqtun_memzero(k_bar, sizeof(k_bar));
		return PQTUN_KEM_INVALID_KEY;
	}
	decaps_internal(impl, k, c, dk, k_bar, at_used);
	pqtun_memzero(k_bar, sizeof(k_bar));
	pqtun_stack_scrub(MLKEM_STACK_SCRUB_BYTES);
	return PQTUN_OK;
}

int pqtun_mlkem1024_encaps_derand_checked(uint8_t c[PQTUN_MLKEM1024_CT_BYTES],
					  uint8_t k[PQTUN_MLKEM1024_SS_BYTES],
					  const uint8_t *ek, size_t ek_len, const uint8_t m[32])
{
	if (!ek || ek_len != MLKEM_EK_BYTES) {
		pqtun_memzero(c, MLKEM_CT_BYTES);
		pqtun_memzero(k, MLKEM_SS_BYTES);
		return PQTUN_KEM_INVALID_LENGTH;
	}
	return pqtun_mlkem1024_encaps_derand(c, k, ek, m);
}

int pqtun_mlkem1024_decaps_checked(uint8_t k[PQTUN_MLKEM1024_SS_BYTES],
				   const uint8_t *c, size_t c_len,
				   const uint8_t *dk, size_t dk_len)
{
	if (!c || !dk || c_len != MLKEM_CT_BYTES || dk_len != MLKEM_DK_BYTES) {
		pqtun_memzero(k, MLKEM_SS_BYTES);
		return PQTUN_KEM_INVALID_LENGTH;
	}
	return pqtun_mlkem1024_decaps(k, c, dk);
}

int pqtun_mlkem1024_keypair_from_seed_checked(uint8_t ek[PQTUN_MLKEM1024_EK_BYTES],
					      uint8_t dk[PQTUN_MLKEM1024_DK_BYTES],
					      const uint8_t *seed, size_t seed_len)
{
	if (!seed || seed_len != 2 * MLKEM_SYMBYTES) {
		pqtun_memzero(ek, MLKEM_EK_BYTES);
		pqtun_memzero(dk, MLKEM_DK_BYTES);
		return PQTUN_KEM_INVALID_LENGTH;
	}
	return pqtun_mlkem1024_keypair_derand(ek, dk, seed, seed + MLKEM_SYMBYTES);
}

const pqtun_kem pqtun_kem_mlkem1024 = {
	.name = "ML-KEM-1024",
	.public_key_bytes = PQTUN_MLKEM1024_EK_BYTES,
	.secret_key_bytes = PQTUN_MLKEM1024_DK_BYTES,
	.ciphertext_bytes = PQTUN_MLKEM1024_CT_BYTES,
	.shared_secret_bytes = PQTUN_MLKEM1024_SS_BYTES,
	.keypair = pqtun_mlkem1024_keypair,
	.encaps = pqtun_mlkem1024_encaps,
	.decaps = pqtun_mlkem1024_decaps,
};
