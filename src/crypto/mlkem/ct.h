/* Constant-time helpers for ML-KEM: branch-free selection and the hook that
 * tells valgrind's memcheck a derived value is public (used by the
 * constant-time test, which marks secret inputs undefined). */
#ifndef PQTUN_MLKEM_CT_H
#define PQTUN_MLKEM_CT_H

#include <stddef.h>
#include <stdint.h>

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

/* If cond (0 or 1) is 1, copy src over dst; time independent of cond. */
static inline void mlkem_cmov(uint8_t *dst, const uint8_t *src, size_t len, uint8_t cond)
{
	uint8_t mask = (uint8_t)-mlkem_value_barrier_u8(cond);
	for (size_t i = 0; i < len; i++)
		dst[i] ^= (uint8_t)(mask & (dst[i] ^ src[i]));
}

#endif
