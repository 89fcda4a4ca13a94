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

/* The same for one SHAKE-128 block held in a 32-byte aligned buffer of
 * 192 bytes (168 bytes of output, then padding) written with aligned
 * 32-byte stores: the block is read back with the same aligned loads, so
 * store-to-load forwarding works, and recombined in registers. */
unsigned int mlkem_rej_uniform_avx2_block(int16_t r[MLKEM_N], unsigned int ctr,
					  const uint8_t block[192]);

#endif
