/* Classic McEliece 460896f Goppa decoding (internal to decapsulation). */
#ifndef PQTUN_CRYPTO_LEGACY_MCELIECE460896F_DECODE_H
#define PQTUN_CRYPTO_LEGACY_MCELIECE460896F_DECODE_H

#include <stdint.h>

#include "crypto/legacy/mceliece460896f.h"

#define MCE460896F_CB_BYTES 12800 /* (2*13 - 1) * 2^12 / 8 control bits */

/* Decode the syndrome c0 with the Goppa polynomial g (96 little-endian
 * 16-bit coefficients, low 13 bits used; leading 1 implied) and the Beneš
 * control bits (MCE460896F_CB_BYTES). Writes the error vector e (576 bytes)
 * and returns 0 if it has weight 96 and reproduces c0's syndromes, else 1
 * (e then holds whatever decoding produced; the caller must not use it).
 * All inputs and outputs are secret; time is independent of them. */
int mce460896f_decode(uint8_t e[MCE460896F_E_BYTES], const uint8_t c0[MCE460896F_SYND_BYTES],
		      const uint8_t g_bytes[2 * MCE460896F_T], const uint8_t *control_bits);
/* The two builds mce460896f_decode chooses from (same contract); the AVX2
 * one only when pqtun_use_avx2(). */
int mce460896f_decode_portable(uint8_t e[MCE460896F_E_BYTES], const uint8_t c0[MCE460896F_SYND_BYTES],
			       const uint8_t g_bytes[2 * MCE460896F_T], const uint8_t *control_bits);
#if defined(PQTUN_HAVE_X86_64)
int mce460896f_decode_avx2(uint8_t e[MCE460896F_E_BYTES], const uint8_t c0[MCE460896F_SYND_BYTES],
			   const uint8_t g_bytes[2 * MCE460896F_T], const uint8_t *control_bits);
#endif

#endif
