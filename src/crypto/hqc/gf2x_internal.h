/* Internal interface between the gf2x dispatcher (gf2x.c) and its
 * instruction-set specific back ends (gf2x_*.c). Not for other callers. */
#ifndef PQTUN_CRYPTO_HQC_GF2X_INTERNAL_H
#define PQTUN_CRYPTO_HQC_GF2X_INTERNAL_H

#include <stdint.h>

#include "crypto/hqc/gf2x.h"

/* Operands padded to whole 256-bit blocks (4 words): 226 blocks. */
#define HQC_GF2X_PAD_WORDS (((HQC_VEC_WORDS + 3) / 4) * 4) /* 904 */
/* Words of Karatsuba scratch a product of n-word operands needs, for
 * n <= HQC_GF2X_PAD_WORDS: each level takes 4 * ceil(n / 2) words and
 * recurses on ceil(n / 2), so the total stays below 4 * n + 4 * (number of
 * levels), and the 256-bit block version rounds each level up to blocks. */
#define HQC_GF2X_SCRATCH_WORDS (4 * HQC_GF2X_PAD_WORDS + 64)
/* The whole work area, enough for every back end (each checks its own
 * layout against it with a static assertion): the vpclmul256 and pclmul
 * ones hold the product, two padded operands and the scratch; the portable
 * one holds 2 * 961 product limbs, 2 * 961 operand limbs and its scratch. */
#define HQC_GF2X_WORK_WORDS 7808

/* This thread's work area (HQC_GF2X_WORK_WORDS words, 64-byte aligned).
 * Back ends use it for the unreduced product and Karatsuba temporaries,
 * which hold secret-dependent data: hqc_gf2x_wipe_work() clears all of it. */
uint64_t *hqc_gf2x_work_area(void);

/* Each back end's product, as hqc_gf2x_mul_mod_keep (leaves the work area
 * dirty); the public versions in gf2x.c wrap them with the wipe. */
void hqc_gf2x_mul_mod_portable_keep(uint64_t *out, const uint64_t *a, const uint64_t *b);

#if defined(PQTUN_HAVE_X86_64)
/* PCLMULQDQ back end (gf2x_pclmul.c): needs pqtun_cpu_has_pclmul(). */
void hqc_gf2x_mul_mod_pclmul(uint64_t *out, const uint64_t *a, const uint64_t *b);
void hqc_gf2x_mul_mod_pclmul_keep(uint64_t *out, const uint64_t *a, const uint64_t *b);
/* AVX2 + VPCLMULQDQ (256-bit) back end (gf2x_avx2.c): needs
 * pqtun_cpu_has_avx2() and hqc_gf2x_cpu_has_vpclmul256(). */
void hqc_gf2x_mul_mod_vpclmul256(uint64_t *out, const uint64_t *a, const uint64_t *b);
void hqc_gf2x_mul_mod_vpclmul256_keep(uint64_t *out, const uint64_t *a, const uint64_t *b);
/* The CPU has VPCLMULQDQ usable on 256-bit registers (AVX-512 not needed). */
int hqc_gf2x_cpu_has_vpclmul256(void);
#endif

#endif
