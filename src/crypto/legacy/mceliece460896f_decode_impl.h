/* Body of Classic McEliece 460896f decoding (the "decrypt" step of
 * decapsulation), shared by the portable build (mceliece460896f_decode.c)
 * and the AVX2 build (mceliece460896f_decode_avx2.c): the same C, whose
 * loops over the 4608 support positions the compiler vectorises for each
 * instruction set. Define DECODE_NAME before including.
 *
 * Steps, for the syndrome C0 and the key's Goppa polynomial g and Beneš
 * control bits:
 *   1. support: apply the 25 layers of control bits to the identity on
 *      0..8191, giving a permutation pi; L_i = bitreverse13(pi[i]), i < 4608;
 *   2. the 192 syndromes of r = C0 padded with zeros:
 *      S_j = sum_i r_i * L_i^j / g(L_i)^2;
 *   3. Berlekamp-Massey gives the error locator (degree <= 96);
 *   4. e_i = 1 where the locator, coefficients reversed, vanishes at L_i;
 *   5. success if e has weight 96 and its syndromes equal those of r.
 * Everything here is secret (the key and the decoded error). All loops have
 * public bounds, multiplication in GF(2^13) is shifts and masks, and every
 * choice is made with masks: nothing branches on or indexes by secrets. */
#include <string.h>

#include "crypto/legacy/mceliece460896f_decode.h"
#include "util/mem.h"

#define T MCE460896F_T
#define N MCE460896F_N
#define GF_BITS 13
#define GF_MASK 0x1fffu
#define FIELD_SIZE (1 << GF_BITS)                      /* 8192 */
#define CB_LAYER_BYTES (FIELD_SIZE / 16)               /* 4096 bits = 512 bytes */

/* Product in GF(2^13) = GF(2)[z]/(z^13 + z^4 + z^3 + z + 1) of a, b < 2^13,
 * written with shifts and masks only so loops over many elements vectorise. */
static inline uint32_t gf_mul(uint32_t a, uint32_t b)
{
	uint32_t p = 0, hi;

	/* fully unrolled, so loops over elements that call this vectorise */
#pragma GCC unroll 16
	for (int i = 0; i < GF_BITS; i++)
		p ^= (a << i) & ((uint32_t)0 - ((b >> i) & 1));
	/* z^13 = z^4 + z^3 + z + 1: a bit at k >= 13 moves to k-9, k-10, k-12,
	 * k-13. Bits 16..24 first (they land at 3..15), then 13..15. */
	hi = p & 0x1ff0000;
	p ^= (hi >> 9) ^ (hi >> 10) ^ (hi >> 12) ^ (hi >> 13);
	hi = p & 0xe000;
	p ^= (hi >> 9) ^ (hi >> 10) ^ (hi >> 12) ^ (hi >> 13);
	return p & GF_MASK;
}

/* a^(2^13 - 2): the inverse of a != 0 (0 for 0), by a fixed chain. */
static inline uint32_t gf_inv(uint32_t a)
{
	uint32_t r = a; /* a^(2^1 - 1) */
#pragma GCC unroll 16
	for (int i = 1; i < 12; i++)
		r = gf_mul(gf_mul(r, r), a); /* a^(2^(i+1) - 1) */
	return gf_mul(r, r);
}

/* All ones if a == 0, else 0 (a < 2^31). */
static inline uint32_t gf_zero_mask(uint32_t a)
{
	return (uint32_t)0 - ((a - 1) >> 31);
}

/* One layer of the Beneš network on p (FIELD_SIZE entries): for every pair
 * (a, a + 2^s), block by block, swap the two entries if the next control
 * bit is set. */
static void benes_layer(uint16_t *p, const uint8_t *cb, int s)
{
	const size_t stride = (size_t)1 << s;
	size_t index = 0;

	for (size_t block = 0; block < FIELD_SIZE; block += 2 * stride) {
		for (size_t j = 0; j < stride; j++, index++) {
			uint16_t swap = (uint16_t)(0 - (uint16_t)((cb[index >> 3] >> (index & 7)) & 1));
			uint16_t d = (uint16_t)((p[block + j] ^ p[block + j + stride]) & swap);
			p[block + j] ^= d;
			p[block + j + stride] ^= d;
		}
	}
}

/* Support L (N elements) from the 12800 control-bit bytes. */
static void support_from_control_bits(uint16_t L[N], const uint8_t *cb)
{
	uint16_t pi[FIELD_SIZE];

	for (size_t i = 0; i < FIELD_SIZE; i++)
		pi[i] = (uint16_t)i;
	for (int s = 0; s < GF_BITS; s++, cb += CB_LAYER_BYTES)
		benes_layer(pi, cb, s);
	for (int s = GF_BITS - 2; s >= 0; s--, cb += CB_LAYER_BYTES)
		benes_layer(pi, cb, s);
	for (size_t i = 0; i < N; i++) {
		uint32_t x = pi[i], r = 0;
		for (int b = 0; b < GF_BITS; b++)
			r |= ((x >> b) & 1) << (GF_BITS - 1 - b);
		L[i] = (uint16_t)r;
	}
	pqtun_memzero(pi, sizeof(pi));
}

/* out[i] = f(L[i]) for all N positions; f has degree <= T (T+1
 * coefficients). The arrays must not overlap. */
static void eval_at_support(uint16_t *restrict out, const uint16_t *restrict f,
			    const uint16_t *restrict L)
{
	for (size_t i = 0; i < N; i++)
		out[i] = f[T];
	for (int c = T - 1; c >= 0; c--) {
		uint32_t fc = f[c];
		for (size_t i = 0; i < N; i++)
			out[i] = (uint16_t)(gf_mul(out[i], L[i]) ^ fc);
	}
}

/* The 2T syndromes of the bit vector r over positions 0..count-1 (count
 * public): S_j = sum_i r_i * inv_g2[i] * L_i^j. term is scratch (N).
 * The arrays must not overlap. */
static void syndromes(uint16_t *restrict out, uint16_t *restrict term, const uint16_t *restrict L,
		      const uint16_t *restrict inv_g2, const uint8_t *restrict r, size_t count)
{
	for (size_t i = 0; i < count; i++)
		term[i] = (uint16_t)(inv_g2[i] & ((uint32_t)0 - ((r[i / 8] >> (i % 8)) & 1)));
	for (size_t j = 0; j < 2 * T; j++) {
		uint32_t acc = 0;
		for (size_t i = 0; i < count; i++) {
			acc ^= term[i];
			term[i] = (uint16_t)gf_mul(term[i], L[i]);
		}
		out[j] = (uint16_t)acc;
	}
}

/* Berlekamp-Massey: from 2T syndromes s, the error locator with reversed
 * coefficients (out[i] = C[T - i]), whose roots are the support elements
 * of the error positions. */
static void berlekamp_massey(uint16_t out[T + 1], const uint16_t s[2 * T])
{
	uint16_t C[T + 1], B[T + 1], prev[T + 1];
	uint32_t b = 1, L = 0;

	memset(C, 0, sizeof(C));
	memset(B, 0, sizeof(B));
	C[0] = 1;
	B[1] = 1; /* B is kept multiplied by x^(steps since it was saved) */

	for (uint32_t n = 0; n < 2 * T; n++) {
		uint32_t d = 0;
		for (uint32_t i = 0; i <= (n < T ? n : T); i++)
			d ^= gf_mul(C[i], s[n - i]);
		/* nonzero: d != 0; grow: also 2L <= n, so the length changes */
		uint32_t nonzero = ~gf_zero_mask(d);
		uint32_t grow = ((uint32_t)0 - (((n - 2 * L) >> 31) ^ 1)) & nonzero;
		uint32_t f = gf_mul(d, gf_inv(b));

		memcpy(prev, C, sizeof(C));
		for (int i = 0; i <= T; i++)
			C[i] = (uint16_t)(C[i] ^ (gf_mul(f, B[i]) & nonzero));
		L = (L & ~grow) | ((n + 1 - L) & grow);
		for (int i = 0; i <= T; i++)
			B[i] = (uint16_t)((B[i] & ~grow) | (prev[i] & grow));
		b = (b & ~grow) | (d & grow);
		memmove(B + 1, B, T * sizeof(B[0]));
		B[0] = 0;
	}
	for (int i = 0; i <= T; i++)
		out[i] = C[T - i];
	pqtun_memzero(C, sizeof(C));
	pqtun_memzero(B, sizeof(B));
	pqtun_memzero(prev, sizeof(prev));
}

int DECODE_NAME(uint8_t e[MCE460896F_E_BYTES], const uint8_t c0[MCE460896F_SYND_BYTES],
		const uint8_t g_bytes[2 * MCE460896F_T], const uint8_t *control_bits)
{
	struct {
		uint16_t g[T + 1];
		uint16_t L[N];
		uint16_t inv_g2[N];
		uint16_t scratch[N];
		uint16_t s[2 * T];
		uint16_t s_check[2 * T];
		uint16_t locator[T + 1];
	} w;
	uint32_t weight = 0, diff = 0;

	for (int i = 0; i < T; i++)
		w.g[i] = (uint16_t)((g_bytes[2 * i] | g_bytes[2 * i + 1] << 8) & GF_MASK);
	w.g[T] = 1;
	support_from_control_bits(w.L, control_bits);
	eval_at_support(w.scratch, w.g, w.L);
	for (size_t i = 0; i < N; i++)
		w.inv_g2[i] = (uint16_t)gf_inv(gf_mul(w.scratch[i], w.scratch[i]));

	/* r is C0 followed by zeros: only the first 1248 positions count */
	syndromes(w.s, w.scratch, w.L, w.inv_g2, c0, MCE460896F_ROWS);
	berlekamp_massey(w.locator, w.s);

	eval_at_support(w.scratch, w.locator, w.L);
	memset(e, 0, MCE460896F_E_BYTES);
	for (size_t i = 0; i < N; i++) {
		uint32_t root = gf_zero_mask(w.scratch[i]) & 1;
		e[i / 8] |= (uint8_t)(root << (i % 8));
		weight += root;
	}
	syndromes(w.s_check, w.scratch, w.L, w.inv_g2, e, N);
	for (int j = 0; j < 2 * T; j++)
		diff |= (uint32_t)(w.s[j] ^ w.s_check[j]);

	/* success iff weight == T and diff == 0 */
	uint32_t bad = (weight ^ T) | diff;
	pqtun_memzero(&w, sizeof(w));
	return (int)(((uint32_t)0 - bad) >> 31); /* 0 on success, 1 on failure */
}
