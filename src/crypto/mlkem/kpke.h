/* K-PKE (FIPS 203 §5) behind a per-implementation table: the portable and
 * the AVX2 code implement the same three functions bit for bit. */
#ifndef PQTUN_MLKEM_KPKE_H
#define PQTUN_MLKEM_KPKE_H

#include <stdint.h>

#include "crypto/mlkem/params.h"
#include "crypto/mlkem/poly.h"

#ifdef PQTUN_HAVE_X86_64
#define MLKEM_HAVE_AVX2_IMPL 1
#endif

typedef struct {
	/* K-PKE.KeyGen after G: rho_sigma = rho || sigma (sigma secret).
	 * Writes ek (public) and dk_pke (secret). */
	void (*keygen)(uint8_t ek[MLKEM_EK_BYTES], uint8_t dk_pke[MLKEM_DKPKE_BYTES],
		       const uint8_t rho_sigma[2 * MLKEM_SYMBYTES]);
	/* Optional (NULL if absent): keygen that also writes h = H(ek) and
	 * the transposed matrix at = A^T of ek (public), which Decaps with
	 * this key needs again. */
	void (*keygen_hash)(uint8_t ek[MLKEM_EK_BYTES], uint8_t dk_pke[MLKEM_DKPKE_BYTES],
			    const uint8_t rho_sigma[2 * MLKEM_SYMBYTES], uint8_t h[MLKEM_SYMBYTES],
			    mlkem_polyvec at[MLKEM_K]);
	/* K-PKE.Encrypt(ek, m, r); m and r secret, ek must satisfy §7.2. */
	void (*encrypt)(uint8_t c[MLKEM_CT_BYTES], const uint8_t ek[MLKEM_EK_BYTES],
			const uint8_t m[MLKEM_SYMBYTES], const uint8_t r[MLKEM_SYMBYTES]);
	/* The same with the transposed matrix at (from ek's rho) given. */
	void (*encrypt_with_matrix)(uint8_t c[MLKEM_CT_BYTES], const mlkem_polyvec at[MLKEM_K],
				    const uint8_t ek[MLKEM_EK_BYTES], const uint8_t m[MLKEM_SYMBYTES],
				    const uint8_t r[MLKEM_SYMBYTES]);
	/* K-PKE.Decrypt(dk_pke, c); dk_pke and the output m are secret. */
	void (*decrypt)(uint8_t m[MLKEM_SYMBYTES], const uint8_t dk_pke[MLKEM_DKPKE_BYTES],
			const uint8_t c[MLKEM_CT_BYTES]);
	/* Everything Encaps derives from ek alone: h = H(ek) and the
	 * transposed matrix at. All public. */
	void (*encaps_prepare)(uint8_t h[MLKEM_SYMBYTES], mlkem_polyvec at[MLKEM_K],
			       const uint8_t ek[MLKEM_EK_BYTES]);
	/* Everything Decaps needs before decryption: h = H(ek) (for the §7.3
	 * check; skipped when h is NULL, i.e. the caller already knows H(ek)),
	 * k_bar = J(z || c) (the implicit-rejection key; secret, like z) and
	 * the transposed matrix at from ek. */
	void (*decaps_prepare)(uint8_t h[MLKEM_SYMBYTES], uint8_t k_bar[MLKEM_SS_BYTES],
			       mlkem_polyvec at[MLKEM_K], const uint8_t ek[MLKEM_EK_BYTES],
			       const uint8_t z[MLKEM_SYMBYTES], const uint8_t c[MLKEM_CT_BYTES]);
	/* FIPS 203 §7.2 range part: 1 if every 12-bit coefficient of
	 * ek[0:1536] is below q, else 0 (ek is public). */
	int (*ek_in_range)(const uint8_t ek[MLKEM_EK_BYTES]);
} mlkem_kpke_impl;

extern const mlkem_kpke_impl mlkem_kpke_portable;
#ifdef MLKEM_HAVE_AVX2_IMPL
extern const mlkem_kpke_impl mlkem_kpke_avx2;
#endif

/* The implementation to use now (AVX2 when pqtun_use_avx2()). */
const mlkem_kpke_impl *mlkem_kpke_select(void);

#endif
