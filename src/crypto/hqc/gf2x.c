/* GF(2)[X]/(X^N - 1) multiplication: reduction, the portable product and
 * the dispatcher that picks the fastest back end for this CPU.
 *
 * Portable product: the operands are cut into 60-bit limbs (each stored in
 * a 64-bit word), multiplied by a recursive Karatsuba on limbs
 * (gf2x_karatsuba.h) down to one or two limbs, whose 60 x 60-bit carry-less
 * products use ordinary integer multiplication with "holes" (see clmul60),
 * and the product is put back into 64-bit words and reduced. 60-bit limbs
 * make the holes trick exact without a correction step for the top bits:
 * 4% more limb products, but measured ~12% faster than 64-bit words. The
 * time goes into the 16 integer multiplications per limb product. */
#include "crypto/hqc/gf2x.h"

#include <string.h>

#include "crypto/hqc/gf2x_internal.h"
#include "util/cpu.h"
#include "util/mem.h"

#if !defined(__SIZEOF_INT128__)
#error "the portable gf2x product needs a 64 x 64 -> 128-bit integer multiply"
#endif

typedef unsigned __int128 u128;

/* Bits at positions congruent to 0, 1, 2, 3 modulo 4. */
#define M4_0 0x1111111111111111ULL
#define M4_1 0x2222222222222222ULL
#define M4_2 0x4444444444444444ULL
#define M4_3 0x8888888888888888ULL

#define LIMB_BITS 60
#define LIMB_MASK ((1ULL << LIMB_BITS) - 1)
/* Limbs of a vector and of a product of two vectors. */
#define VEC_LIMBS ((HQC_N + LIMB_BITS - 1) / LIMB_BITS) /* 961 */
#define PROD_LIMBS (2 * VEC_LIMBS)

/* Carry-less product of two 60-bit limbs, split into limbs: *lo gets bits
 * 0..59, *hi bits 60..118. Constant time.
 *
 * Integer multiplication with holes: split a and b into four interleaved
 * parts a_i = a & M4_i, b_j = b & M4_j of at most 15 bits. In the integer
 * product a_i * b_j only positions of residue (i + j) mod 4 receive terms,
 * at most 15 of them, so each such sum fits in 4 bits and its carries stop
 * before the next position of the same residue: those positions hold
 * exactly the carry-less product's bits, and the final masks drop the
 * carries elsewhere. Integer multiplication runs in constant time on the
 * CPUs we target (x86-64, AArch64); there are no branches or table lookups. */
static inline __attribute__((always_inline)) void clmul60(uint64_t *lo, uint64_t *hi,
							  uint64_t a, uint64_t b)
{
	const uint64_t a0 = a & M4_0, a1 = a & M4_1, a2 = a & M4_2, a3 = a & M4_3;
	const uint64_t b0 = b & M4_0, b1 = b & M4_1, b2 = b & M4_2, b3 = b & M4_3;
	/* c_k collects the products whose useful bits have residue k. */
	const u128 c0 = (u128)a0 * b0 ^ (u128)a1 * b3 ^ (u128)a2 * b2 ^ (u128)a3 * b1;
	const u128 c1 = (u128)a0 * b1 ^ (u128)a1 * b0 ^ (u128)a2 * b3 ^ (u128)a3 * b2;
	const u128 c2 = (u128)a0 * b2 ^ (u128)a1 * b1 ^ (u128)a2 * b0 ^ (u128)a3 * b3;
	const u128 c3 = (u128)a0 * b3 ^ (u128)a1 * b2 ^ (u128)a2 * b1 ^ (u128)a3 * b0;
	/* 2^64 is 0 mod 4, so the high word uses the same masks. */
	const uint64_t l = ((uint64_t)c0 & M4_0) | ((uint64_t)c1 & M4_1) |
			   ((uint64_t)c2 & M4_2) | ((uint64_t)c3 & M4_3);
	const uint64_t h = ((uint64_t)(c0 >> 64) & M4_0) | ((uint64_t)(c1 >> 64) & M4_1) |
			   ((uint64_t)(c2 >> 64) & M4_2) | ((uint64_t)(c3 >> 64) & M4_3);
	*lo = l & LIMB_MASK;
	*hi = (l >> LIMB_BITS) | (h << (64 - LIMB_BITS));
}

/* r[0 .. 2n) = a * b for n <= 2 limbs (the Karatsuba leaf). */
static void portable_leaf(uint64_t *r, const uint64_t *a, const uint64_t *b, size_t n)
{
	if (n == 1) {
		clmul60(&r[0], &r[1], a[0], b[0]);
		return;
	}
	uint64_t l0, h0, l1, h1, lm, hm;
	clmul60(&l0, &h0, a[0], b[0]);
	clmul60(&l1, &h1, a[1], b[1]);
	clmul60(&lm, &hm, a[0] ^ a[1], b[0] ^ b[1]);
	lm ^= l0 ^ l1;
	hm ^= h0 ^ h1;
	r[0] = l0;
	r[1] = h0 ^ lm;
	r[2] = l1 ^ hm;
	r[3] = h1;
}

_Static_assert(PROD_LIMBS + 2 * VEC_LIMBS + 4 * VEC_LIMBS + 64 <= HQC_GF2X_WORK_WORDS,
	       "gf2x work area too small for the portable product");
_Static_assert(PROD_LIMBS * LIMB_BITS <= 2 * 64 * HQC_VEC_WORDS, "product limbs fit the words");

/* limbs[0 .. VEC_LIMBS) = the vector v cut into 60-bit pieces. */
static void words_to_limbs(uint64_t *limbs, const uint64_t *v)
{
	for (size_t k = 0; k < VEC_LIMBS; k++) {
		const size_t bit = k * LIMB_BITS, w = bit / 64, s = bit % 64;
		uint64_t x = v[w] >> s;
		if (s > 64 - LIMB_BITS && w + 1 < HQC_VEC_WORDS)
			x |= v[w + 1] << (64 - s);
		limbs[k] = x & LIMB_MASK;
	}
}

/* words[0 .. 2 * HQC_VEC_WORDS) = the product held in limbs[0 .. PROD_LIMBS)
 * (whose bits at positions >= 2 * 64 * HQC_VEC_WORDS are zero). */
static void limbs_to_words(uint64_t *words, const uint64_t *limbs)
{
	memset(words, 0, 2 * HQC_VEC_WORDS * sizeof(uint64_t));
	for (size_t k = 0; k < PROD_LIMBS; k++) {
		const size_t bit = k * LIMB_BITS, w = bit / 64, s = bit % 64;
		if (w >= 2 * HQC_VEC_WORDS)
			break;
		words[w] ^= limbs[k] << s;
		if (s > 64 - LIMB_BITS && w + 1 < 2 * HQC_VEC_WORDS)
			words[w + 1] ^= limbs[k] >> (64 - s);
	}
}

#define GF2X_KARATSUBA portable_karatsuba
#define GF2X_LEAF_MAX 2
#define GF2X_LEAF portable_leaf
#include "crypto/hqc/gf2x_karatsuba.h"

uint64_t *hqc_gf2x_work_area(void)
{
	static __thread uint64_t work[HQC_GF2X_WORK_WORDS] __attribute__((aligned(64)));
	return work;
}

void hqc_gf2x_reduce(uint64_t *out, const uint64_t *prod)
{
	/* X^N = 1: bit N + k folds onto bit k. N = 64 * 900 + 37. */
	const unsigned int shift = HQC_N % 64, base = HQC_N / 64;
	for (unsigned int i = 0; i < HQC_VEC_WORDS; i++) {
		uint64_t hi = prod[base + i] >> shift;
		if (base + i + 1 < 2 * HQC_VEC_WORDS)
			hi |= prod[base + i + 1] << (64 - shift);
		out[i] = prod[i] ^ hi;
	}
	out[HQC_VEC_WORDS - 1] &= (1ULL << shift) - 1;
}

void hqc_gf2x_mul_mod_portable_keep(uint64_t *out, const uint64_t *a, const uint64_t *b)
{
	/* Work area: product limbs, a and b limbs, Karatsuba scratch; then the
	 * product in words (over the operand limbs, no longer needed). */
	uint64_t *work = hqc_gf2x_work_area();
	uint64_t *prod = work, *la = work + PROD_LIMBS, *lb = la + VEC_LIMBS;
	uint64_t *scratch = lb + VEC_LIMBS, *prod_words = la;
	words_to_limbs(la, a);
	words_to_limbs(lb, b);
	portable_karatsuba(prod, la, lb, VEC_LIMBS, scratch);
	limbs_to_words(prod_words, prod);
	hqc_gf2x_reduce(out, prod_words);
}

void hqc_gf2x_wipe_work(void)
{
	pqtun_memzero(hqc_gf2x_work_area(), HQC_GF2X_WORK_WORDS * sizeof(uint64_t));
}

void hqc_gf2x_mul_mod_portable(uint64_t *out, const uint64_t *a, const uint64_t *b)
{
	hqc_gf2x_mul_mod_portable_keep(out, a, b);
	hqc_gf2x_wipe_work();
}

#if defined(PQTUN_HAVE_X86_64)
void hqc_gf2x_mul_mod_pclmul(uint64_t *out, const uint64_t *a, const uint64_t *b)
{
	hqc_gf2x_mul_mod_pclmul_keep(out, a, b);
	hqc_gf2x_wipe_work();
}

void hqc_gf2x_mul_mod_vpclmul256(uint64_t *out, const uint64_t *a, const uint64_t *b)
{
	hqc_gf2x_mul_mod_vpclmul256_keep(out, a, b);
	hqc_gf2x_wipe_work();
}
#endif

#if defined(PQTUN_HAVE_X86_64)
int hqc_gf2x_cpu_has_vpclmul256(void)
{
	static int cached = -1;
	if (cached < 0) {
		__builtin_cpu_init();
		cached = __builtin_cpu_supports("vpclmulqdq") && __builtin_cpu_supports("avx2") &&
			 __builtin_cpu_supports("pclmul");
	}
	return cached;
}
#endif

void hqc_gf2x_mul_mod_keep(uint64_t *out, const uint64_t *a, const uint64_t *b)
{
#if defined(PQTUN_HAVE_X86_64)
	if (pqtun_use_avx2()) {
		if (hqc_gf2x_cpu_has_vpclmul256()) {
			hqc_gf2x_mul_mod_vpclmul256_keep(out, a, b);
			return;
		}
		if (pqtun_cpu_has_pclmul()) {
			hqc_gf2x_mul_mod_pclmul_keep(out, a, b);
			return;
		}
	}
#endif
	hqc_gf2x_mul_mod_portable_keep(out, a, b);
}

void hqc_gf2x_mul_mod(uint64_t *out, const uint64_t *a, const uint64_t *b)
{
	hqc_gf2x_mul_mod_keep(out, a, b);
	hqc_gf2x_wipe_work();
}

static int always_available(void)
{
	return 1;
}

#if defined(PQTUN_HAVE_X86_64)
static int vpclmul256_available(void)
{
	return pqtun_cpu_has_avx2() && hqc_gf2x_cpu_has_vpclmul256();
}
#endif

static const struct hqc_gf2x_impl gf2x_impls[] = {
	{ "portable", hqc_gf2x_mul_mod_portable, always_available },
#if defined(PQTUN_HAVE_X86_64)
	{ "pclmul", hqc_gf2x_mul_mod_pclmul, pqtun_cpu_has_pclmul },
	{ "vpclmul256", hqc_gf2x_mul_mod_vpclmul256, vpclmul256_available },
#endif
};

const struct hqc_gf2x_impl *hqc_gf2x_impls(size_t *count)
{
	*count = sizeof(gf2x_impls) / sizeof(gf2x_impls[0]);
	return gf2x_impls;
}
