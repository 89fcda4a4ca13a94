/* Reed-Solomon encoding and constant-time decoding for HQC-256 (rs.h).
 *
 * Field elements are handled eight at a time as the bytes of a 64-bit word
 * ("lanes"); a 32-byte vector is four words. Secret values only ever
 * select table rows through masks; table rows are chosen by public
 * indices. */
#include "crypto/hqc/rs.h"
#include "crypto/hqc/rs_internal.h"

#include <pthread.h>
#include <string.h>

#include "util/cpu.h"
#include "util/mem.h"

#define LSB8 0x0101010101010101ULL
#define LOW7 0x7f7f7f7f7f7f7f7fULL
#define MSB8 0x8080808080808080ULL


const uint8_t hqc_rs_generator[HQC_RS_PARITY + 1] = {
	49, 167, 49, 39, 200, 121, 124, 91, 240, 63, 148, 71, 150, 123, 87, 101,
	32, 215, 159, 71, 201, 115, 97, 210, 186, 183, 141, 217, 123, 12, 31, 243,
	180, 219, 152, 239, 99, 141, 4, 246, 191, 144, 8, 232, 47, 27, 141, 178,
	130, 64, 124, 47, 39, 188, 216, 48, 199, 187, 1,
};

/* ------------------------------------------------------------ arithmetic */

/* Multiply by alpha = x (mod x^8 + x^4 + x^3 + x^2 + 1), one byte. */
static inline uint8_t gf_xtime(uint8_t a)
{
	return (uint8_t)((a << 1) ^ ((0U - (a >> 7)) & 0x1d));
}

uint8_t hqc_gf256_mul(uint8_t a, uint8_t b)
{
	uint8_t r = 0;
	for (int k = 0; k < 8; k++) {
		r ^= (uint8_t)((0U - ((b >> k) & 1)) & a);
		a = gf_xtime(a);
	}
	return r;
}

/* Multiply every lane by alpha. */
static inline uint64_t lanes_xtime(uint64_t x)
{
	return ((x & LOW7) << 1) ^ (((x >> 7) & LSB8) * 0x1d);
}

/* 0xff in lanes whose bit k is set, else 0. */
static inline uint64_t lanes_bitmask(uint64_t x, int k)
{
	return ((x >> k) & LSB8) * 0xff;
}

/* Lane-wise product a * b. */
static inline uint64_t lanes_mul(uint64_t a, uint64_t b)
{
	uint64_t r = 0;
	for (int k = 0; k < 8; k++) {
		r ^= a & lanes_bitmask(b, k);
		a = lanes_xtime(a);
	}
	return r;
}

/* The eight multiples s * alpha^k of a (secret) scalar, broadcast to all
 * lanes: with them, x * s = XOR_k (bit k of x ? s * alpha^k : 0). */
static inline void scalar_prepare(uint64_t sp[8], uint8_t s)
{
	for (int k = 0; k < 8; k++) {
		sp[k] = s * LSB8;
		s = gf_xtime(s);
	}
}

static inline uint64_t lanes_mul_scalar(uint64_t x, const uint64_t sp[8])
{
	uint64_t r = 0;
	for (int k = 0; k < 8; k++)
		r ^= lanes_bitmask(x, k) & sp[k];
	return r;
}

/* 0xff in lanes equal to zero, else 0. */
static inline uint64_t lanes_zero_mask(uint64_t x)
{
	uint64_t nonzero = ((x & LOW7) + LOW7) | x; /* top bit set iff lane != 0 */
	return (((nonzero & MSB8) >> 7) * 0xff) ^ ~0ULL;
}

/* Shift a vector of n words up by one lane (lane i moves to i + 1, the top
 * lane is dropped), inserting `in` at lane 0. */
static inline void lanes_shift_up(uint64_t *v, int n, uint8_t in)
{
	for (int i = n - 1; i > 0; i--)
		v[i] = (v[i] << 8) | (v[i - 1] >> 56);
	v[0] = (v[0] << 8) | in;
}

static inline uint8_t lane_get(const uint64_t *v, int i)
{
	return (uint8_t)(v[i / 8] >> (8 * (i % 8)));
}

/* XOR of all 32 lanes of a 4-word vector. */
static inline uint8_t lanes_xor_fold(const uint64_t *v)
{
	uint64_t x = v[0] ^ v[1] ^ v[2] ^ v[3];
	x ^= x >> 32;
	x ^= x >> 16;
	x ^= x >> 8;
	return (uint8_t)x;
}

/* ----------------------------------------------------------------- tables */

static struct hqc_rs_tables tab;
static pthread_once_t tab_once = PTHREAD_ONCE_INIT;

static void lanes_set(uint64_t *v, int i, uint8_t x)
{
	v[i / 8] &= ~(0xffULL << (8 * (i % 8)));
	v[i / 8] |= (uint64_t)x << (8 * (i % 8));
}

static void tables_init(void)
{
	uint8_t exp[255];
	uint8_t a = 1;
	for (int i = 0; i < 255; i++) {
		exp[i] = a;
		a = gf_xtime(a);
	}
	memset(&tab, 0, sizeof(tab));
	for (int j = 0; j < HQC_N1; j++)
		for (int b = 0; b < 8; b++)
			for (int k = 1; k <= HQC_RS_PARITY; k++)
				lanes_set(tab.syn[j][b], k - 1, exp[(b + k * j) % 255]);
	for (int j = 0; j < 32; j++)
		for (int b = 0; b < 8; b++)
			for (int i = 0; i < 32; i++) {
				int e = (b - j * (HQC_RS_PARITY + i)) % 255;
				lanes_set(tab.eval[j][b], i, exp[(e + 255) % 255]);
			}
	for (int b = 0; b < 8; b++)
		for (int j = 0; j < HQC_RS_PARITY; j++)
			lanes_set(tab.gen[b], j, hqc_gf256_mul(hqc_rs_generator[j], exp[b]));
}

static void tables_ready(void)
{
	pthread_once(&tab_once, tables_init);
}

const struct hqc_rs_tables *hqc_rs_tables_get(void)
{
	tables_ready();
	return &tab;
}

/* --------------------------------------------------------------- encoding */

void hqc_rs_encode(uint8_t *cw, const uint8_t *msg)
{
	uint64_t reg[SYN_WORDS] = {0}; /* parity register, lanes 0..57 */

	tables_ready();
	for (int i = HQC_K - 1; i >= 0; i--) {
		uint8_t gate = msg[i] ^ lane_get(reg, HQC_RS_PARITY - 1);
		lanes_shift_up(reg, SYN_WORDS, 0);
		for (int b = 0; b < 8; b++) {
			uint64_t m = 0 - (uint64_t)((gate >> b) & 1);
			for (int w = 0; w < SYN_WORDS; w++)
				reg[w] ^= m & tab.gen[b][w];
		}
		/* lanes 58.. hold garbage shifted up: clear them */
		reg[SYN_WORDS - 1] &= (1ULL << (8 * (HQC_RS_PARITY % 8))) - 1;
		gate = 0;
	}
	for (int j = 0; j < HQC_RS_PARITY; j++)
		cw[j] = lane_get(reg, j);
	memcpy(cw + HQC_RS_PARITY, msg, HQC_K);
	pqtun_memzero(reg, sizeof(reg));
}

/* --------------------------------------------------------------- decoding */

/* s (64 lanes) = syndromes S_1..S_58 of cw, then zeros. */
static void compute_syndromes(uint64_t s[SYN_WORDS], const uint8_t *cw)
{
	memset(s, 0, SYN_WORDS * sizeof(uint64_t));
	for (int j = 0; j < HQC_N1; j++) {
		for (int b = 0; b < 8; b++) {
			uint64_t m = 0 - (uint64_t)((cw[j] >> b) & 1);
			for (int w = 0; w < SYN_WORDS; w++)
				s[w] ^= m & tab.syn[j][b][w];
		}
	}
}

/* Inversion-free Berlekamp-Massey (Sarwate-Shanbhag): lam = c * Lambda for
 * some non-zero c, where Lambda is the error locator (constant term 1). */
static void compute_locator(uint64_t lam[V32_WORDS], const uint64_t s[SYN_WORDS])
{
	uint64_t b[V32_WORDS] = {1, 0, 0, 0};
	uint64_t win[V32_WORDS] = {0}; /* lane i = S_(r-i), 0-based syndromes */
	uint64_t prod[V32_WORDS], sp_gamma[8], sp_delta[8];
	uint8_t gamma = 1;
	int32_t k = 0;

	memset(lam, 0, V32_WORDS * sizeof(uint64_t));
	lam[0] = 1;
	for (int r = 0; r < HQC_RS_PARITY; r++) {
		lanes_shift_up(win, V32_WORDS, lane_get(s, r));
		for (int w = 0; w < V32_WORDS; w++)
			prod[w] = lanes_mul(lam[w], win[w]);
		uint8_t delta = lanes_xor_fold(prod);

		/* lam' = gamma * lam - delta * x * b */
		uint64_t xb[V32_WORDS];
		memcpy(xb, b, sizeof(xb));
		lanes_shift_up(xb, V32_WORDS, 0);
		scalar_prepare(sp_gamma, gamma);
		scalar_prepare(sp_delta, delta);
		uint64_t old[V32_WORDS];
		memcpy(old, lam, sizeof(old));
		for (int w = 0; w < V32_WORDS; w++)
			lam[w] = lanes_mul_scalar(old[w], sp_gamma) ^ lanes_mul_scalar(xb[w], sp_delta);

		/* if delta != 0 and k >= 0: b = old lam, gamma = delta, k = -k - 1
		 * else: b = x * b, k = k + 1 */
		uint32_t swap = ((0U - (uint32_t)delta) >> 31) & (1U ^ ((uint32_t)k >> 31));
		uint64_t m = 0 - (uint64_t)swap;
		for (int w = 0; w < V32_WORDS; w++)
			b[w] = (m & old[w]) | (~m & xb[w]);
		gamma = (uint8_t)((m & delta) | (~m & gamma));
		k = (int32_t)(((uint32_t)m & (uint32_t)(-k - 1)) | (~(uint32_t)m & (uint32_t)(k + 1)));
		delta = 0;
		pqtun_memzero(xb, sizeof(xb));
		pqtun_memzero(old, sizeof(old));
	}
	pqtun_memzero(b, sizeof(b));
	pqtun_memzero(win, sizeof(win));
	pqtun_memzero(prod, sizeof(prod));
	pqtun_memzero(sp_gamma, sizeof(sp_gamma));
	pqtun_memzero(sp_delta, sizeof(sp_delta));
}

/* omega = (S(x) * lam(x)) mod x^32, S(x) = sum_j S_(j+1) x^j: the error
 * evaluator (its degree is below that of lam when decoding succeeds). */
static void compute_evaluator(uint64_t omega[V32_WORDS], const uint64_t lam[V32_WORDS],
			      const uint64_t s[SYN_WORDS])
{
	uint64_t shifted[V32_WORDS], sp[8];
	memcpy(shifted, s, sizeof(shifted)); /* S_1..S_32 */
	memset(omega, 0, V32_WORDS * sizeof(uint64_t));
	for (int i = 0; i < 32; i++) {
		scalar_prepare(sp, lane_get(lam, i));
		for (int w = 0; w < V32_WORDS; w++)
			omega[w] ^= lanes_mul_scalar(shifted[w], sp);
		lanes_shift_up(shifted, V32_WORDS, 0);
	}
	pqtun_memzero(shifted, sizeof(shifted));
	pqtun_memzero(sp, sizeof(sp));
}

/* even/odd (lane i) = even/odd part of poly evaluated at x_i (the inverse
 * locators of the 32 message positions). */
static void evaluate(uint64_t even[V32_WORDS], uint64_t odd[V32_WORDS], const uint64_t poly[V32_WORDS])
{
	memset(even, 0, V32_WORDS * sizeof(uint64_t));
	memset(odd, 0, V32_WORDS * sizeof(uint64_t));
	for (int j = 0; j < 32; j++) {
		uint8_t c = lane_get(poly, j);
		uint64_t *acc = (j & 1) ? odd : even;
		for (int b = 0; b < 8; b++) {
			uint64_t m = 0 - (uint64_t)((c >> b) & 1);
			for (int w = 0; w < V32_WORDS; w++)
				acc[w] ^= m & tab.eval[j][b][w];
		}
	}
}

/* Lane-wise inverse (0 stays 0): x^254 = x^2 * x^4 * ... * x^128. */
static uint64_t lanes_inverse(uint64_t x)
{
	uint64_t sq = lanes_mul(x, x), r = sq;
	for (int i = 0; i < 6; i++) {
		sq = lanes_mul(sq, sq);
		r = lanes_mul(r, sq);
	}
	return r;
}

void hqc_rs_decode(uint8_t *msg, const uint8_t *cw)
{
#ifdef PQTUN_HAVE_X86_64
	if (pqtun_use_avx2()) {
		hqc_rs_decode_avx2(msg, cw);
		return;
	}
#endif
	hqc_rs_decode_portable(msg, cw);
}

void hqc_rs_decode_portable(uint8_t *msg, const uint8_t *cw)
{
	uint64_t s[SYN_WORDS], lam[V32_WORDS], omega[V32_WORDS];
	uint64_t lam_even[V32_WORDS], lam_odd[V32_WORDS], om_even[V32_WORDS], om_odd[V32_WORDS];
	uint64_t out[V32_WORDS];

	tables_ready();
	compute_syndromes(s, cw);
	compute_locator(lam, s);
	compute_evaluator(omega, lam, s);
	evaluate(lam_even, lam_odd, lam);
	evaluate(om_even, om_odd, omega);
	for (int w = 0; w < V32_WORDS; w++) {
		uint64_t is_root = lanes_zero_mask(lam_even[w] ^ lam_odd[w]);
		/* Forney: e = omega(x) / lambda'(x), and x * lambda'(x) is the odd
		 * part of lambda (characteristic 2). */
		uint64_t num = lanes_mul(om_even[w] ^ om_odd[w], tab.eval[1][0][w]);
		uint64_t err = lanes_mul(num, lanes_inverse(lam_odd[w]));
		uint64_t recv;
		memcpy(&recv, cw + HQC_RS_PARITY + 8 * w, 8);
		out[w] = recv ^ (err & is_root);
	}
	for (int i = 0; i < HQC_K; i++)
		msg[i] = lane_get(out, i);

	pqtun_memzero(s, sizeof(s));
	pqtun_memzero(lam, sizeof(lam));
	pqtun_memzero(omega, sizeof(omega));
	pqtun_memzero(lam_even, sizeof(lam_even));
	pqtun_memzero(lam_odd, sizeof(lam_odd));
	pqtun_memzero(om_even, sizeof(om_even));
	pqtun_memzero(om_odd, sizeof(om_odd));
	pqtun_memzero(out, sizeof(out));
}
