/* AVX2 Reed-Solomon decoding (see rs.h): the same algorithm as the portable
 * decoder in rs.c, with 32 field elements per register. Field products use
 * byte masks (compare with a bit) and doubling with conditional reduction,
 * never tables indexed by data; all loop bounds and table rows are public. */
#include "crypto/hqc/rs.h"

#include <immintrin.h>
#include <string.h>

#include "crypto/hqc/rs_internal.h"
#include "util/mem.h"

/* Every byte times alpha. */
static inline __m256i gf_xtime(__m256i a)
{
	__m256i top = _mm256_cmpgt_epi8(_mm256_setzero_si256(), a); /* bit 7 set */
	return _mm256_xor_si256(_mm256_add_epi8(a, a), _mm256_and_si256(top, _mm256_set1_epi8(0x1d)));
}

/* 0xff in bytes whose bit k is set. */
static inline __m256i bit_mask(__m256i x, int k)
{
	__m256i b = _mm256_set1_epi8((char)(1 << k));
	return _mm256_cmpeq_epi8(_mm256_and_si256(x, b), b);
}

/* Byte-wise product. */
static inline __m256i gf_mul(__m256i a, __m256i b)
{
	__m256i r = _mm256_setzero_si256();
	for (int k = 0; k < 8; k++) {
		r = _mm256_xor_si256(r, _mm256_and_si256(a, bit_mask(b, k)));
		a = gf_xtime(a);
	}
	return r;
}

/* sp[k] = s * alpha^k in every byte, for products with the scalar s. */
static inline void scalar_prepare(__m256i sp[8], uint8_t s)
{
	__m256i v = _mm256_set1_epi8((char)s);
	for (int k = 0; k < 8; k++) {
		sp[k] = v;
		v = gf_xtime(v);
	}
}

static inline __m256i gf_mul_scalar(__m256i x, const __m256i sp[8])
{
	__m256i r = _mm256_setzero_si256();
	for (int k = 0; k < 8; k++)
		r = _mm256_xor_si256(r, _mm256_and_si256(bit_mask(x, k), sp[k]));
	return r;
}

/* Byte i moves to i + 1 (byte 31 is dropped, byte 0 becomes 0). */
static inline __m256i shift_up(__m256i x)
{
	return _mm256_alignr_epi8(x, _mm256_permute2x128_si256(x, x, 0x08), 15);
}

/* XOR of the 32 bytes. */
static inline uint8_t xor_fold(__m256i x)
{
	__m128i y = _mm_xor_si128(_mm256_castsi256_si128(x), _mm256_extracti128_si256(x, 1));
	y = _mm_xor_si128(y, _mm_srli_si128(y, 8));
	y = _mm_xor_si128(y, _mm_srli_si128(y, 4));
	y = _mm_xor_si128(y, _mm_srli_si128(y, 2));
	y = _mm_xor_si128(y, _mm_srli_si128(y, 1));
	return (uint8_t)_mm_cvtsi128_si32(y);
}

static inline __m256i load_row(const uint64_t *row)
{
	return _mm256_loadu_si256((const __m256i *)row);
}

/* x^254 = x^-1 byte-wise (0 stays 0). */
static inline __m256i gf_inverse(__m256i x)
{
	__m256i sq = gf_mul(x, x), r = sq;
	for (int i = 0; i < 6; i++) {
		sq = gf_mul(sq, sq);
		r = gf_mul(r, sq);
	}
	return r;
}

void hqc_rs_decode_avx2(uint8_t *msg, const uint8_t *cw)
{
	const struct hqc_rs_tables *t = hqc_rs_tables_get();
	/* syn_pad[32 + m] = S_(m+1) (0-based s_m), zero outside m = 0..57;
	 * rev[q] = s_(63 - q), zero for q >= 64 (BM's window, reversed). */
	uint8_t syn_pad[32 + 64] __attribute__((aligned(32)));
	uint8_t rev[64 + 32], lam_bytes[32], om_bytes[32];
	__m256i sp_a[8], sp_b[8];

	/* Syndromes: sum over the bits of cw of their table rows. */
	__m256i s_lo = _mm256_setzero_si256(), s_hi = s_lo;
	for (int j = 0; j < HQC_N1; j++) {
		__m256i c = _mm256_set1_epi8((char)cw[j]);
		for (int b = 0; b < 8; b++) {
			__m256i m = bit_mask(c, b);
			s_lo = _mm256_xor_si256(s_lo, _mm256_and_si256(m, load_row(t->syn[j][b])));
			s_hi = _mm256_xor_si256(s_hi, _mm256_and_si256(m, load_row(t->syn[j][b] + 4)));
		}
	}
	memset(syn_pad, 0, 32);
	_mm256_store_si256((__m256i *)(syn_pad + 32), s_lo);
	_mm256_store_si256((__m256i *)(syn_pad + 64), s_hi);
	for (int q = 0; q < 64 + 32; q++)
		rev[q] = q < 64 ? syn_pad[32 + 63 - q] : 0;

	/* Inversion-free Berlekamp-Massey (as in rs.c). */
	__m256i lam = _mm256_setr_epi8(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				       0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	__m256i bpoly = lam;
	uint8_t gamma = 1;
	int32_t k = 0;
	for (int r = 0; r < HQC_RS_PARITY; r++) {
		__m256i win = _mm256_loadu_si256((const __m256i *)(rev + 63 - r));
		uint8_t delta = xor_fold(gf_mul(lam, win));
		__m256i xb = shift_up(bpoly);
		scalar_prepare(sp_a, gamma);
		scalar_prepare(sp_b, delta);
		__m256i old = lam;
		lam = _mm256_xor_si256(gf_mul_scalar(old, sp_a), gf_mul_scalar(xb, sp_b));
		uint32_t swap = ((0U - (uint32_t)delta) >> 31) & (1U ^ ((uint32_t)k >> 31));
		uint32_t m = 0U - swap;
		__m256i mv = _mm256_set1_epi32((int)m);
		bpoly = _mm256_or_si256(_mm256_and_si256(mv, old), _mm256_andnot_si256(mv, xb));
		gamma = (uint8_t)((m & delta) | (~m & gamma));
		k = (int32_t)((m & (uint32_t)(-k - 1)) | (~m & (uint32_t)(k + 1)));
	}

	/* Evaluator omega = S(x) * lam(x) mod x^32. */
	_mm256_storeu_si256((__m256i *)lam_bytes, lam);
	__m256i omega = _mm256_setzero_si256();
	for (int i = 0; i < 32; i++) {
		scalar_prepare(sp_a, lam_bytes[i]);
		__m256i shifted = _mm256_loadu_si256((const __m256i *)(syn_pad + 32 - i));
		omega = _mm256_xor_si256(omega, gf_mul_scalar(shifted, sp_a));
	}
	_mm256_storeu_si256((__m256i *)om_bytes, omega);

	/* Even and odd parts of lam, and omega, at the 32 message positions. */
	__m256i lam_even = _mm256_setzero_si256(), lam_odd = lam_even, om_val = lam_even;
	for (int j = 0; j < 32; j++) {
		__m256i cl = _mm256_set1_epi8((char)lam_bytes[j]);
		__m256i co = _mm256_set1_epi8((char)om_bytes[j]);
		__m256i acc = _mm256_setzero_si256();
		for (int b = 0; b < 8; b++) {
			__m256i row = load_row(t->eval[j][b]);
			acc = _mm256_xor_si256(acc, _mm256_and_si256(bit_mask(cl, b), row));
			om_val = _mm256_xor_si256(om_val, _mm256_and_si256(bit_mask(co, b), row));
		}
		if (j & 1)
			lam_odd = _mm256_xor_si256(lam_odd, acc);
		else
			lam_even = _mm256_xor_si256(lam_even, acc);
	}

	/* Forney: e = omega(x) * x / odd(x) where lam(x) = 0. */
	__m256i is_root = _mm256_cmpeq_epi8(_mm256_xor_si256(lam_even, lam_odd), _mm256_setzero_si256());
	__m256i num = gf_mul(om_val, load_row(t->eval[1][0]));
	__m256i err = gf_mul(num, gf_inverse(lam_odd));
	__m256i recv = _mm256_loadu_si256((const __m256i *)(cw + HQC_RS_PARITY));
	_mm256_storeu_si256((__m256i *)msg, _mm256_xor_si256(recv, _mm256_and_si256(err, is_root)));

	pqtun_memzero(syn_pad, sizeof(syn_pad));
	pqtun_memzero(rev, sizeof(rev));
	pqtun_memzero(lam_bytes, sizeof(lam_bytes));
	pqtun_memzero(om_bytes, sizeof(om_bytes));
	pqtun_memzero(sp_a, sizeof(sp_a));
	pqtun_memzero(sp_b, sizeof(sp_b));
}
