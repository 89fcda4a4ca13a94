/* Arithmetic in GF(2)[X]/(X^n - 1) for HQC-256, n = 57637.
 *
 * A vector is HQC_VEC_WORDS little-endian 64-bit words: bit i of the vector
 * is bit (i % 64) of word i / 64; bits at positions >= HQC_N are zero in
 * every input and output. */
#ifndef PQTUN_CRYPTO_HQC_GF2X_H
#define PQTUN_CRYPTO_HQC_GF2X_H

#include <stddef.h>
#include <stdint.h>

#define HQC_N 57637
#define HQC_VEC_WORDS ((HQC_N + 63) / 64) /* 901 */

/* out = a * b mod (X^N - 1). out must not alias a or b. Runs in time
 * independent of the values of a and b (both may be secret). Chooses the
 * fastest implementation the CPU allows (see src/util/cpu.h). Uses a
 * thread-local scratch area (61 KiB), which it wipes before returning; its
 * stack frames (under 4 KiB in all) keep secret-dependent spills, which the
 * caller removes with pqtun_stack_scrub after the KEM operation. */
void hqc_gf2x_mul_mod(uint64_t *out, const uint64_t *a, const uint64_t *b);

/* As hqc_gf2x_mul_mod, but leaves the secret-dependent temporaries in the
 * thread's work area: for a sequence of products, the caller calls
 * hqc_gf2x_wipe_work() once after the last one (and before returning to
 * its own caller). Saves a 61 KiB wipe per product. */
void hqc_gf2x_mul_mod_keep(uint64_t *out, const uint64_t *a, const uint64_t *b);

/* Clear this thread's multiplication work area. */
void hqc_gf2x_wipe_work(void);

/* The portable implementation, always available (tests compare against it).
 * Same contract as hqc_gf2x_mul_mod. */
void hqc_gf2x_mul_mod_portable(uint64_t *out, const uint64_t *a, const uint64_t *b);

/* Reduce a 2*HQC_VEC_WORDS-word product modulo X^N - 1 into out
 * (HQC_VEC_WORDS words). Shared by all multiplication back ends. */
void hqc_gf2x_reduce(uint64_t *out, const uint64_t *prod);

/* One multiplication back end, for tests and benchmarks. `mul` has the
 * contract of hqc_gf2x_mul_mod; call it only if available() returns
 * non-zero (the CPU has the instructions it needs). */
struct hqc_gf2x_impl {
	const char *name;
	void (*mul)(uint64_t *out, const uint64_t *a, const uint64_t *b);
	int (*available)(void);
};

/* All back ends compiled into this build (portable first); *count is set
 * to their number. The table is static and read-only. */
const struct hqc_gf2x_impl *hqc_gf2x_impls(size_t *count);

#endif
