/* Scalar modular arithmetic mod q = 3329 on int16 coefficients.
 * Montgomery form uses R = 2^16. Nothing here branches on or divides its
 * inputs, so all of it is safe on secret coefficients. */
#ifndef PQTUN_MLKEM_REDUCE_H
#define PQTUN_MLKEM_REDUCE_H

#include <stdint.h>

#include "crypto/mlkem/params.h"

#define MLKEM_QINV (-3327)      /* q^-1 mod 2^16, as a signed 16-bit value */
#define MLKEM_MONT (-1044)      /* 2^16 mod q, centred */
#define MLKEM_MONT2 1353        /* 2^32 mod q */
#define MLKEM_BARRETT_V 20159   /* round(2^26 / q) */

/* a * 2^-16 mod q, for |a| < q * 2^15; result in (-q, q). */
static inline int16_t mlkem_montgomery_reduce(int32_t a)
{
	int16_t t = (int16_t)((uint32_t)a * (uint32_t)MLKEM_QINV);
	return (int16_t)((a - (int32_t)t * MLKEM_Q) >> 16);
}

/* a * b * 2^-16 mod q, for |a * b| < q * 2^15; result in (-q, q). */
static inline int16_t mlkem_fqmul(int16_t a, int16_t b)
{
	return mlkem_montgomery_reduce((int32_t)a * b);
}

/* Centred representative of a mod q, in [-(q-1)/2, (q-1)/2]:
 * a - q * round(a * v / 2^26), with the product's high half taken first
 * ((x >> 16 + 2^9) >> 10 equals (x + 2^25) >> 26 for integers), so that
 * compilers can use 16-bit multiply-high vector instructions. */
static inline int16_t mlkem_barrett_reduce(int16_t a)
{
	int16_t hi = (int16_t)(((int32_t)a * MLKEM_BARRETT_V) >> 16);
	int16_t t = (int16_t)((hi + (1 << 9)) >> 10);
	return (int16_t)(a - (int16_t)(t * MLKEM_Q));
}

/* Maps a in (-q, q) to [0, q) without branching. */
static inline int16_t mlkem_caddq(int16_t a)
{
	return (int16_t)(a + ((a >> 15) & MLKEM_Q));
}

/* Maps a in [0, 2q) to [0, q) without branching. */
static inline int16_t mlkem_csubq(int16_t a)
{
	a = (int16_t)(a - MLKEM_Q);
	return mlkem_caddq(a);
}

#endif
