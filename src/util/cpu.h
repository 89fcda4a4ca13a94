/* CPU feature detection and implementation choice.
 *
 * Every KEM has a portable implementation and may have x86-64 fast paths.
 * The fast path is used when the CPU supports it, unless the environment
 * variable PQTUN_IMPL=portable is set or pqtun_impl_force() was called
 * (tests and `pqtun bench --impl` use this to exercise both). */
#ifndef PQTUN_UTIL_CPU_H
#define PQTUN_UTIL_CPU_H

enum pqtun_impl {
	PQTUN_IMPL_AUTO = 0,
	PQTUN_IMPL_PORTABLE = 1,
	PQTUN_IMPL_AVX2 = 2, /* x86-64 fast path (AVX2, PCLMUL, and AVX-512/VPCLMUL where present) */
};

int pqtun_cpu_has_avx2(void);     /* AVX2 + BMI2 + POPCNT */
int pqtun_cpu_has_pclmul(void);   /* PCLMULQDQ + SSE4.1 */
int pqtun_cpu_has_avx512_vpclmul(void); /* AVX-512F/BW/VL + VPCLMULQDQ */

/* Force an implementation for the whole process (AUTO restores detection).
 * Returns -1 if the requested one is not supported by this CPU. */
int pqtun_impl_force(enum pqtun_impl impl);
/* The fast path should be used: CPU has AVX2 and nothing forced portable. */
int pqtun_use_avx2(void);
const char *pqtun_impl_name(enum pqtun_impl impl);
/* Parse "portable", "avx2" or "auto"; returns -1 on unknown names. */
int pqtun_impl_parse(const char *name, enum pqtun_impl *out);

#endif
