/* Arithmetic in GF(2^13) = GF(2)[z]/(z^13 + z^4 + z^3 + z + 1) for Classic
 * McEliece 460896f decoding. Elements are the low 13 bits of a uint16_t.
 * Every function runs the same instructions for every input (integer
 * multiplications by 0 or a power of two, fixed shifts, no tables), so the
 * operands may be secret. */
#ifndef PQTUN_CRYPTO_LEGACY_MCELIECE460896F_GF_H
#define PQTUN_CRYPTO_LEGACY_MCELIECE460896F_GF_H

#include <stdint.h>

typedef uint16_t mce_gf;

#define MCE_GF_BITS 13
#define MCE_GF_MASK ((1u << MCE_GF_BITS) - 1)

/* Product of a and b (both < 2^13). */
static inline mce_gf mce_gf_mul(mce_gf a, mce_gf b)
{
	uint32_t x = a, y = b, p = 0, hi;

	/* carry-less product: bit i of y selects x << i, via multiplication
	 * by (y & 2^i), which is 0 or 2^i */
	for (int i = 0; i < MCE_GF_BITS; i++)
		p ^= x * (y & ((uint32_t)1 << i));
	/* reduce degrees 24..13 with z^13 = z^4 + z^3 + z + 1: a bit at k moves
	 * to k-9, k-10, k-12, k-13. Bits 16..24 first (they land at 3..15),
	 * then whatever reached 13..15. */
	hi = p & 0x1ff0000;
	p ^= (hi >> 9) ^ (hi >> 10) ^ (hi >> 12) ^ (hi >> 13);
	hi = p & 0xe000;
	p ^= (hi >> 9) ^ (hi >> 10) ^ (hi >> 12) ^ (hi >> 13);
	return (mce_gf)(p & MCE_GF_MASK);
}

static inline mce_gf mce_gf_sq(mce_gf a)
{
	return mce_gf_mul(a, a);
}

/* a^(2^13 - 2), the inverse of a for a != 0 (and 0 for a = 0). The
 * exponent is public, so the square-and-multiply chain is fixed:
 * 2^13 - 2 = 0b1111111111110. */
static inline mce_gf mce_gf_inv(mce_gf a)
{
	mce_gf r = a; /* a^(2^1 - 1) */
	for (int i = 1; i < 12; i++)
		r = mce_gf_mul(mce_gf_sq(r), a); /* a^(2^(i+1) - 1) */
	return mce_gf_sq(r);                     /* a^(2^13 - 2) */
}

/* All ones (0xffff) if a == 0, else 0. */
static inline uint16_t mce_gf_is_zero_mask(mce_gf a)
{
	uint32_t x = a;
	return (uint16_t)((uint32_t)0 - ((x - 1) >> 31));
}

#endif
