/* AVX2 rejection step of SampleNTT; x86-64 only, call when pqtun_use_avx2(). */
#ifndef PQTUN_MLKEM_REJ_AVX2_H
#define PQTUN_MLKEM_REJ_AVX2_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/mlkem/poly.h"

/* Same contract as mlkem_rej_uniform with len = 256: appends the accepted
 * coefficients of buf to r[ctr..255] and returns the new count. r must have
 * room for all 256 coefficients. Runs on public data only. */
unsigned int mlkem_rej_uniform_avx2(int16_t r[MLKEM_N], unsigned int ctr, const uint8_t *buf,
				    size_t buflen);

/* The same, for a buffer that stays readable (and initialised) for 8 bytes
 * past buflen: every 24-byte step then runs vectorised. */
unsigned int mlkem_rej_uniform_avx2_padded(int16_t r[MLKEM_N], unsigned int ctr, const uint8_t *buf,
					   size_t buflen);

#endif
