/* Template: recursive Karatsuba product of two n-word polynomials over
 * GF(2), shared by every gf2x back end so that each gets it compiled with
 * its own instruction set. Include it after defining:
 *   GF2X_KARATSUBA            name of the static function to generate
 *   GF2X_LEAF_MAX             largest n handed to the leaf product
 *   GF2X_LEAF(r, a, b, n)     r[0 .. 2n) = a[0 .. n) * b[0 .. n), n <= GF2X_LEAF_MAX
 *
 * The generated GF2X_KARATSUBA(r, a, b, n, scratch) writes the 2n-word
 * product into r (which must not overlap a, b or scratch) and uses up to
 * 4 * n + 4 * log2(n) words of scratch. Every branch and index depends on n
 * only, never on the operand values, so the time is data independent. */
#include <stddef.h>
#include <stdint.h>

static void GF2X_KARATSUBA(uint64_t *restrict r, const uint64_t *restrict a,
			   const uint64_t *restrict b, size_t n, uint64_t *restrict scratch)
{
	if (n <= GF2X_LEAF_MAX) {
		GF2X_LEAF(r, a, b, n);
		return;
	}
	/* a = a0 + X^(64h) a1 with a0 of h words and a1 of l = n - h words
	 * (l is h or h - 1); the same for b. */
	const size_t h = (n + 1) / 2, l = n - h;
	uint64_t *restrict sum_a = scratch;
	uint64_t *restrict sum_b = scratch + h;
	uint64_t *restrict mid = scratch + 2 * h;

	GF2X_KARATSUBA(r, a, b, h, scratch);                 /* r[0, 2h) = a0 b0 */
	GF2X_KARATSUBA(r + 2 * h, a + h, b + h, l, scratch); /* r[2h, 2n) = a1 b1 */

	for (size_t i = 0; i < l; i++) {
		sum_a[i] = a[i] ^ a[h + i];
		sum_b[i] = b[i] ^ b[h + i];
	}
	for (size_t i = l; i < h; i++) {
		sum_a[i] = a[i];
		sum_b[i] = b[i];
	}
	GF2X_KARATSUBA(mid, sum_a, sum_b, h, scratch + 4 * h); /* (a0+a1)(b0+b1) */

	/* With a0 b0 = L0 + X^h H0, a1 b1 = L2 + X^h H2 and mid = ML + X^h MH
	 * (h-word halves; H2 has 2l - h words), the product's quarters are
	 * L0, L0 + H0 + L2 + ML, H0 + L2 + H2 + MH, H2: share t = H0 + L2.
	 * Iteration i reads and writes only words h + i and 2h + i of r. */
	uint64_t *restrict r1 = r + h, *restrict r2 = r + 2 * h;
	const uint64_t *restrict r3 = r + 3 * h;
	const size_t h2_len = 2 * l - h;
	for (size_t i = 0; i < h2_len; i++) {
		const uint64_t t = r1[i] ^ r2[i];
		r1[i] = t ^ r[i] ^ mid[i];
		r2[i] = t ^ r3[i] ^ mid[h + i];
	}
	for (size_t i = h2_len; i < h; i++) {
		const uint64_t t = r1[i] ^ r2[i];
		r1[i] = t ^ r[i] ^ mid[i];
		r2[i] = t ^ mid[h + i];
	}
}
