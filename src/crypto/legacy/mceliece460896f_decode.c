/* Classic McEliece 460896f decoding (the "decrypt" step of decapsulation).
 *
 * Input: C0 (1248-bit syndrome) and the secret key's Goppa polynomial g and
 * Beneš-network control bits. Steps:
 *   1. support: apply the 25 layers of control bits to the identity on
 *      0..8191, giving a permutation pi; the support is
 *      L_i = bitreverse13(pi[i]) for i < 4608;
 *   2. the 192 syndromes of the received word r = C0 padded with zeros:
 *      S_j = sum_i r_i * L_i^j / g(L_i)^2;
 *   3. Berlekamp-Massey gives the error locator sigma (degree <= 96);
 *   4. e_i = 1 where the reversed locator vanishes at L_i;
 *   5. success if e has weight 96 and the syndromes of e equal those of r.
 * Everything here is secret (the key and the decoded error); all loops have
 * public bounds and all choices are made with masks. */
#include "crypto/legacy/mceliece460896f_decode.h"

#include <string.h>

#include "crypto/legacy/mceliece460896f_gf.h"
#include "util/mem.h"

#define T MCE460896F_T
#define N MCE460896F_N
#define FIELD_SIZE (1 << MCE_GF_BITS)                  /* 8192 */
#define CB_LAYER_BYTES (FIELD_SIZE / 16)               /* 4096 bits = 512 bytes */

/* One layer of the Beneš network on p (FIELD_SIZE entries): for every pair
 * (a, a + 2^s) in the order of the blocks, swap the two entries if the next
 * control bit is set. */
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

static mce_gf bitreverse13(uint16_t x)
{
	uint16_t r = 0;
	for (int b = 0; b < MCE_GF_BITS; b++)
		r |= (uint16_t)(((x >> b) & 1) << (MCE_GF_BITS - 1 - b));
	return r;
}

/* Support L (N elements) from the 12800 control-bit bytes. */
static void support_from_control_bits(mce_gf L[N], const uint8_t *cb)
{
	uint16_t pi[FIELD_SIZE];

	for (size_t i = 0; i < FIELD_SIZE; i++)
		pi[i] = (uint16_t)i;
	for (int s = 0; s < MCE_GF_BITS; s++, cb += CB_LAYER_BYTES)
		benes_layer(pi, cb, s);
	for (int s = MCE_GF_BITS - 2; s >= 0; s--, cb += CB_LAYER_BYTES)
		benes_layer(pi, cb, s);
	for (size_t i = 0; i < N; i++)
		L[i] = bitreverse13(pi[i]);
	pqtun_memzero(pi, sizeof(pi));
}

/* f(a) for a polynomial of degree <= T given by its T+1 coefficients. */
static mce_gf poly_eval(const mce_gf f[T + 1], mce_gf a)
{
	mce_gf r = f[T];
	for (int i = T - 1; i >= 0; i--)
		r = (mce_gf)(mce_gf_mul(r, a) ^ f[i]);
	return r;
}

/* The 2T syndromes of the bit vector r over positions 0..count-1, where
 * inv_g2[i] = 1 / g(L_i)^2. count is public. */
static void syndromes(mce_gf out[2 * T], const mce_gf L[N], const mce_gf inv_g2[N],
		      const uint8_t *r, size_t count)
{
	memset(out, 0, 2 * T * sizeof(out[0]));
	for (size_t i = 0; i < count; i++) {
		mce_gf bit = (mce_gf)(0 - (mce_gf)((r[i / 8] >> (i % 8)) & 1));
		mce_gf term = inv_g2[i] & bit;
		for (size_t j = 0; j < 2 * T; j++) {
			out[j] ^= term;
			term = mce_gf_mul(term, L[i]);
		}
	}
}

/* Berlekamp-Massey: from 2T syndromes s, the error locator written with
 * reversed coefficients (out[i] = C[T - i]), so that its roots are the
 * support elements of the error positions. */
static void berlekamp_massey(mce_gf out[T + 1], const mce_gf s[2 * T])
{
	mce_gf C[T + 1], B[T + 1], prev[T + 1];
	mce_gf b = 1;
	uint16_t L = 0;

	memset(C, 0, sizeof(C));
	memset(B, 0, sizeof(B));
	C[0] = 1;
	B[1] = 1; /* B is kept multiplied by x^(steps since it was saved) */

	for (uint16_t n = 0; n < 2 * T; n++) {
		mce_gf d = 0;
		for (int i = 0; i <= (n < T ? n : T); i++)
			d ^= mce_gf_mul(C[i], s[n - i]);
		/* d != 0, and d != 0 with 2L <= n: the length changes */
		uint16_t nonzero = (uint16_t)~mce_gf_is_zero_mask(d);
		uint16_t grow = (uint16_t)((uint16_t)(0 - (uint16_t)(((uint32_t)n - 2u * L) >> 31 ^ 1)) & nonzero);
		mce_gf f = mce_gf_mul(d, mce_gf_inv(b));

		memcpy(prev, C, sizeof(C));
		for (int i = 0; i <= T; i++)
			C[i] ^= mce_gf_mul(f, B[i]) & nonzero;
		L = (uint16_t)((L & ~grow) | ((n + 1 - L) & grow));
		for (int i = 0; i <= T; i++)
			B[i] = (mce_gf)((B[i] & ~grow) | (prev[i] & grow));
		b = (mce_gf)((b & ~grow) | (d & grow));
		for (int i = T; i >= 1; i--)
			B[i] = B[i - 1];
		B[0] = 0;
	}
	for (int i = 0; i <= T; i++)
		out[i] = C[T - i];
	pqtun_memzero(C, sizeof(C));
	pqtun_memzero(B, sizeof(B));
	pqtun_memzero(prev, sizeof(prev));
}

int mce460896f_decode(uint8_t e[MCE460896F_E_BYTES], const uint8_t c0[MCE460896F_SYND_BYTES],
		      const uint8_t g_bytes[2 * MCE460896F_T], const uint8_t *control_bits)
{
	struct {
		mce_gf g[T + 1];
		mce_gf L[N];
		mce_gf inv_g2[N];
		mce_gf s[2 * T];
		mce_gf s_check[2 * T];
		mce_gf locator[T + 1];
	} w;
	uint32_t weight = 0;
	uint16_t diff = 0;

	for (int i = 0; i < T; i++)
		w.g[i] = (mce_gf)((g_bytes[2 * i] | g_bytes[2 * i + 1] << 8) & MCE_GF_MASK);
	w.g[T] = 1;
	support_from_control_bits(w.L, control_bits);
	for (size_t i = 0; i < N; i++)
		w.inv_g2[i] = mce_gf_inv(mce_gf_sq(poly_eval(w.g, w.L[i])));

	/* r is C0 followed by zeros: only the first 1248 positions count */
	syndromes(w.s, w.L, w.inv_g2, c0, MCE460896F_ROWS);
	berlekamp_massey(w.locator, w.s);

	memset(e, 0, MCE460896F_E_BYTES);
	for (size_t i = 0; i < N; i++) {
		uint16_t root = mce_gf_is_zero_mask(poly_eval(w.locator, w.L[i])) & 1;
		e[i / 8] |= (uint8_t)(root << (i % 8));
		weight += root;
	}
	syndromes(w.s_check, w.L, w.inv_g2, e, N);
	for (int j = 0; j < 2 * T; j++)
		diff |= w.s[j] ^ w.s_check[j];

	/* 0 iff weight == T and diff == 0 */
	uint32_t bad = (weight ^ T) | diff;
	pqtun_memzero(&w, sizeof(w));
	return (int)((0 - bad) >> 31); /* 0 on success, 1 on failure */
}
