/* Constant-time helpers for ML-KEM: branch-free selection and the hook that
 * tells valgrind's memcheck a derived value is public (used by the
 * constant-time test, which marks secret inputs undefined). */
#ifndef PQTUN_MLKEM_CT_H
#define PQTUN_MLKEM_CT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define MLKEM_HAVE_MEMCHECK 1
#endif
#endif

/* Declare p[0..len) public from here on: it is part of a public output
 * (e.g. rho in ek), so branching on it leaks nothing. No-op outside
 * valgrind. */
static inline void mlkem_declassify(const void *p, size_t len)
{
#ifdef MLKEM_HAVE_MEMCHECK
	VALGRIND_MAKE_MEM_DEFINED(p, len);
#else
	(void)p;
	(void)len;
#endif
}

/* Hide v from the optimiser so masks built from it stay branch-free. */
static inline uint8_t mlkem_value_barrier_u8(uint8_t v)
{
	__asm__("" : "+r"(v));
	return v;
}

static inline uint64_t mlkem_value_barrier_u64(uint64_t v)
{
	__asm__("" : "+r"(v));
	return v;
}

/* 1 if a and b (len bytes) differ anywhere, else 0; time depends on len
 * only (word-wise OR of XORs, no early exit). */
static inline uint8_t mlkem_ct_differ(const uint8_t *a, const uint8_t *b, size_t len)
{
	uint64_t acc = 0;
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t x, y;
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		acc |= x ^ y;
	}
	for (; i < len; i++)
		acc |= (uint64_t)(a[i] ^ b[i]);
	acc = mlkem_value_barrier_u64(acc);
	return (uint8_t)((acc | (0 - acc)) >> 63);
}

/* If cond (0 or 1) is 1, copy src over dst; time independent of cond. */
static inline void mlkem_cmov(uint8_t *dst, const uint8_t *src, size_t len, uint8_t cond)
{
	uint8_t mask = (uint8_t)-mlkem_value_barrier_u8(cond);
	for (size_t i = 0; i < len; i++)
		dst[i] ^= (uint8_t)(mask & (dst[i] ^ src[i]));
}

#endif
