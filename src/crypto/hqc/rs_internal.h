/* Precomputed Reed-Solomon tables shared by the portable and AVX2 decoders
 * (rs.c builds them once). All indices into them are public. */
#ifndef PQTUN_CRYPTO_HQC_RS_INTERNAL_H
#define PQTUN_CRYPTO_HQC_RS_INTERNAL_H

#include <stdint.h>

#include "crypto/hqc/params.h"

#define SYN_WORDS 8   /* 58 syndromes padded to 64 bytes */
#define V32_WORDS 4   /* 32-byte vectors: locator polynomials, 32 positions */

/* Byte lanes of 64-bit words (lane i = byte i, little-endian order). */
struct hqc_rs_tables {
	/* syn[j][b]: contribution of bit b of codeword byte j to the syndromes:
	 * lane k-1 = alpha^(b + k*j), k = 1..58. */
	uint64_t syn[HQC_N1][8][SYN_WORDS];
	/* eval[j][b]: lane i = alpha^b * x_i^j with x_i = alpha^-(58 + i), the
	 * inverse locator of message position i. */
	uint64_t eval[32][8][V32_WORDS];
	/* gen[b]: lanes 0..57 = alpha^b * g_0..g_57. */
	uint64_t gen[8][SYN_WORDS];
};

/* The tables, built on first use (thread-safe). */
const struct hqc_rs_tables *hqc_rs_tables_get(void);

#endif
