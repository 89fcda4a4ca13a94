/* Classic McEliece 460896f with round-3 encapsulation and decapsulation
 * ("Classic-McEliece-460896f-round3").
 *
 * Parameters: n = 4608 code length, t = 96 errors, m = 13, mt = 1248 parity
 * rows. Bit p of a byte string is bit (p mod 8) of byte p/8.
 *   pk: 1248 rows of 420 bytes, row i = columns 1248..4607 of row i of
 *       H = [I_1248 | T] (the identity part is implicit).
 *   ct: C0 (156 bytes, syndrome H*e) || C1 (32 bytes, SHAKE256(0x02||e)).
 *   ss: SHAKE256(0x01 || e || C0 || C1), 32 bytes.
 *   sk: s (576) || g (192: 96 little-endian 13-bit coefficients, monic
 *       leading 1 implied) || Beneš control bits (12800); 13568 bytes, the
 *       SUPERCOP-20191221 layout (round 3's 13608-byte sk holds the same
 *       parts as delta || c || g || control bits || s).
 * Encapsulation (the relay side) and decapsulation; no key generation. */
#ifndef PQTUN_CRYPTO_LEGACY_MCELIECE460896F_H
#define PQTUN_CRYPTO_LEGACY_MCELIECE460896F_H

#include <stddef.h>
#include <stdint.h>

#include "pqtun/kem.h"

#define MCE460896F_N 4608
#define MCE460896F_T 96
#define MCE460896F_M 13
#define MCE460896F_ROWS 1248                          /* m*t */
#define MCE460896F_ROW_BYTES 420                      /* (n - mt) / 8 */
#define MCE460896F_PK_BYTES 524160                    /* 1248 * 420 */
#define MCE460896F_SK_BYTES 13568
#define MCE460896F_SYND_BYTES 156                     /* mt / 8 */
#define MCE460896F_CONFIRM_BYTES 32
#define MCE460896F_CT_BYTES 188                       /* C0 || C1 */
#define MCE460896F_SS_BYTES 32
#define MCE460896F_E_BYTES 576                        /* n / 8 */
#define MCE460896F_SAMPLE_BYTES 384                   /* randomness per sampler attempt */

/* Source of randomness for the deterministic encapsulation: fill buf with
 * len bytes and return 0, or return nonzero on failure. Called only with
 * len == MCE460896F_SAMPLE_BYTES, once per sampler attempt. */
typedef int (*mce460896f_random_fn)(void *ctx, uint8_t *buf, size_t len);

/* One attempt of the fixed-weight sampler. rand: 384 bytes (secret).
 * On success returns 1 and writes e (576 bytes, weight exactly 96); on
 * rejection (fewer than 96 values < 4608 among the 192 13-bit words, or a
 * repeat among the first 96 of them) returns 0 and zeroes e. Constant time
 * in the contents of rand: only the return value depends on them. */
int mce460896f_sample_attempt(uint8_t e[MCE460896F_E_BYTES],
			      const uint8_t rand[MCE460896F_SAMPLE_BYTES]);
/* The two builds mce460896f_sample_attempt chooses from (same contract);
 * the AVX2 one only when pqtun_use_avx2(). */
int mce460896f_sample_attempt_portable(uint8_t e[MCE460896F_E_BYTES],
				       const uint8_t rand[MCE460896F_SAMPLE_BYTES]);
#if defined(PQTUN_HAVE_X86_64)
int mce460896f_sample_attempt_avx2(uint8_t e[MCE460896F_E_BYTES],
				   const uint8_t rand[MCE460896F_SAMPLE_BYTES]);
#endif

/* Syndrome C0 = H*e over the public key, streamed row by row with no copy.
 * e is secret; time depends on nothing secret. Portable version and the
 * AVX2 one (mceliece460896f_syndrome_avx2.c; call only when
 * pqtun_use_avx2()). mce460896f_syndrome picks one of them. */
void mce460896f_syndrome(uint8_t c0[MCE460896F_SYND_BYTES],
			 const uint8_t pk[MCE460896F_PK_BYTES],
			 const uint8_t e[MCE460896F_E_BYTES]);
void mce460896f_syndrome_portable(uint8_t c0[MCE460896F_SYND_BYTES],
				  const uint8_t pk[MCE460896F_PK_BYTES],
				  const uint8_t e[MCE460896F_E_BYTES]);
#if defined(PQTUN_HAVE_X86_64)
void mce460896f_syndrome_avx2(uint8_t c0[MCE460896F_SYND_BYTES],
			      const uint8_t pk[MCE460896F_PK_BYTES],
			      const uint8_t e[MCE460896F_E_BYTES]);
#endif

/* Encapsulation once the error vector is chosen: ct = H*e || SHAKE256(0x02||e),
 * ss = SHAKE256(0x01||e||ct). e (weight 96, secret) is not checked here.
 * Time depends on nothing secret. */
void mce460896f_enc_from_error(uint8_t ct[MCE460896F_CT_BYTES], uint8_t ss[MCE460896F_SS_BYTES],
			       const uint8_t pk[MCE460896F_PK_BYTES],
			       const uint8_t e[MCE460896F_E_BYTES]);

/* Deterministic encapsulation: draws 384 bytes from rnd per sampler attempt
 * until one is accepted, then outputs ct (188) and ss (32, secret).
 * Returns PQTUN_OK, or PQTUN_KEM_RANDOMNESS if rnd fails (ct, ss zeroed).
 * All intermediate secrets are wiped. */
int mce460896f_enc_derand(uint8_t ct[MCE460896F_CT_BYTES], uint8_t ss[MCE460896F_SS_BYTES],
			  const uint8_t pk[MCE460896F_PK_BYTES],
			  mce460896f_random_fn rnd, void *rnd_ctx);

/* Encapsulation with OS randomness (descriptor entry). Same returns. */
int mce460896f_enc(uint8_t *ct, uint8_t *ss, const uint8_t *pk);

/* Length-checking wrapper around mce460896f_enc: returns
 * PQTUN_KEM_INVALID_LENGTH (outputs zeroed when their lengths allow it) if
 * any length differs from the descriptor's, otherwise as mce460896f_enc. */
int mce460896f_enc_checked(uint8_t *ct, size_t ct_len, uint8_t *ss, size_t ss_len,
			   const uint8_t *pk, size_t pk_len);

/* Decapsulation: ss = SHAKE256(0x01 || e || ct) if C0 decodes to an e of
 * weight 96 whose confirmation SHAKE256(0x02 || e) equals C1, otherwise the
 * implicit-rejection value SHAKE256(0x00 || s || ct). Returns PQTUN_OK in
 * both cases (as round 3 does; the outcome is not revealed). Constant time
 * in sk and in the outcome. Heavy (about 4 ms with AVX2, 7 ms portable;
 * ~46 KB of stack): callers on an event loop should run it on a worker
 * thread. */
int mce460896f_dec(uint8_t *ss, const uint8_t *ct, const uint8_t *sk);

/* Length-checking wrapper around mce460896f_dec: PQTUN_KEM_INVALID_LENGTH
 * (ss zeroed when given) if any length differs from the descriptor's. */
int mce460896f_dec_checked(uint8_t *ss, size_t ss_len, const uint8_t *ct, size_t ct_len,
			   const uint8_t *sk, size_t sk_len);

extern const pqtun_kem pqtun_kem_mceliece460896f;

#endif
