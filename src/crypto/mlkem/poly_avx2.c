/* AVX2 12-bit packing: 24 bytes <-> 16 coefficients per step. */
#include "crypto/mlkem/poly_avx2.h"

#include <immintrin.h>
#include <string.h>

/* 16 values of 12 bits from the 24 bytes at p (p[0..31] readable). */
static inline __m256i decode12_step(const uint8_t *p)
{
	/* Low half: bytes 0..11; high half (holding bytes 8..23) uses its
	 * bytes 4..15. Each 3 bytes give the 16-bit lanes (b0, b1), (b1, b2). */
	const __m256i spread = _mm256_setr_epi8(0, 1, 1, 2, 3, 4, 4, 5, 6, 7, 7, 8, 9, 10, 10, 11,
						4, 5, 5, 6, 7, 8, 8, 9, 10, 11, 11, 12, 13, 14, 14, 15);
	__m256i v = _mm256_loadu_si256((const __m256i *)p);
	v = _mm256_permute4x64_epi64(v, 0x94);
	v = _mm256_shuffle_epi8(v, spread);
	v = _mm256_blend_epi16(v, _mm256_srli_epi16(v, 4), 0xaa);
	return _mm256_and_si256(v, _mm256_set1_epi16(0x0fff));
}

int mlkem_poly_frombytes_avx2(mlkem_poly *r, const uint8_t a[MLKEM_POLYBYTES])
{
	const __m256i qm1 = _mm256_set1_epi16(MLKEM_Q - 1), q = _mm256_set1_epi16(MLKEM_Q);
	__m256i bad = _mm256_setzero_si256();
	uint8_t last[32];

	for (unsigned int i = 0; i < 16; i++) {
		const uint8_t *p = a + 24 * i;
		if (i == 15) { /* the final step must not read past the input */
			memcpy(last, p, 24);
			memset(last + 24, 0, 8);
			p = last;
		}
		__m256i v = decode12_step(p);
		__m256i over = _mm256_cmpgt_epi16(v, qm1);
		bad = _mm256_or_si256(bad, over);
		v = _mm256_sub_epi16(v, _mm256_and_si256(over, q));
		_mm256_store_si256((__m256i *)&r->c[16 * i], v);
	}
	return _mm256_testz_si256(bad, bad);
}

void mlkem_poly_tobytes_avx2(uint8_t r[MLKEM_POLYBYTES], const mlkem_poly *a)
{
	const __m256i q = _mm256_set1_epi16(MLKEM_Q);
	const __m256i mul = _mm256_set1_epi32(1 | (1 << 28)); /* (1, 4096) per pair */
	/* Bytes 0,1,2 of each 32-bit lane, packed to the front of each half. */
	const __m256i pack = _mm256_setr_epi8(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1,
					      0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1);
	uint8_t last[32];

	for (unsigned int i = 0; i < 16; i++) {
		__m256i v = _mm256_load_si256((const __m256i *)&a->c[16 * i]);
		/* caddq: map (-q, q) to [0, q) */
		v = _mm256_add_epi16(v, _mm256_and_si256(_mm256_srai_epi16(v, 15), q));
		/* pairs (c0, c1) -> c0 + 4096 c1 in 32 bits */
		v = _mm256_madd_epi16(v, mul);
		v = _mm256_shuffle_epi8(v, pack);
		__m128i lo = _mm256_castsi256_si128(v), hi = _mm256_extracti128_si256(v, 1);
		uint8_t *o = r + 24 * i;
		if (i < 15) {
			_mm_storeu_si128((__m128i *)o, lo);
			_mm_storeu_si128((__m128i *)(o + 12), hi);
		} else { /* the final step must not write past the output */
			_mm_storeu_si128((__m128i *)last, lo);
			_mm_storeu_si128((__m128i *)(last + 12), hi);
			memcpy(o, last, 24);
		}
	}
}

/* ByteEncode11(Compress11(x)) of 8 coefficients in [0, q), one per 32-bit
 * lane of x: the 11 bytes in the low bytes of the result (the rest zero).
 * Same arithmetic as mlkem_compress11 (64-bit products, no division). */
static inline __m128i compress11_8(__m256i x)
{
	const __m256i mul = _mm256_set1_epi64x(161271), m11 = _mm256_set1_epi64x(0x7ff);
	__m256i t = _mm256_add_epi32(_mm256_slli_epi32(x, 11), _mm256_set1_epi32(MLKEM_Q / 2));
	/* Values 0, 2, 4, 6 and 1, 3, 5, 7, each in a 64-bit lane. */
	__m256i even = _mm256_and_si256(_mm256_srli_epi64(_mm256_mul_epu32(t, mul), 29), m11);
	__m256i odd = _mm256_and_si256(
		_mm256_srli_epi64(_mm256_mul_epu32(_mm256_srli_epi64(t, 32), mul), 29), m11);
	/* 22-bit pairs, then 44-bit quads in 64-bit lanes 0 (values 0..3)
	 * and 2 (values 4..7). */
	__m256i w = _mm256_or_si256(even, _mm256_slli_epi64(odd, 11));
	w = _mm256_or_si256(w, _mm256_slli_epi64(_mm256_bsrli_epi128(w, 8), 22));
	__m128i p = _mm256_castsi256_si128(_mm256_permute4x64_epi64(w, 0x08)); /* [A, B] */
	/* 88 bits A | B << 44: low word A | B << 44, high word B >> 20. */
	__m128i lo = _mm_sllv_epi64(p, _mm_set_epi64x(44, 0));
	__m128i hi = _mm_srlv_epi64(p, _mm_set_epi64x(20, 64));
	return _mm_blend_epi32(_mm_or_si128(lo, _mm_srli_si128(lo, 8)), hi, 0x0c);
}

void mlkem_poly_compress_du_avx2(uint8_t r[MLKEM_POLYCOMP_DU_BYTES], const mlkem_poly *a)
{
	const __m256i q = _mm256_set1_epi16(MLKEM_Q);
	for (unsigned int i = 0; i < MLKEM_N / 16; i++) {
		__m256i v = _mm256_loadu_si256((const __m256i *)&a->c[16 * i]);
		v = _mm256_add_epi16(v, _mm256_and_si256(_mm256_srai_epi16(v, 15), q));
		__m128i b0 = compress11_8(_mm256_cvtepu16_epi32(_mm256_castsi256_si128(v)));
		__m128i b1 = compress11_8(_mm256_cvtepu16_epi32(_mm256_extracti128_si256(v, 1)));
		uint8_t *o = r + 22 * i;
		/* 16-byte stores; the next store overwrites the 5 zero bytes. */
		_mm_storeu_si128((__m128i *)o, b0);
		if (i + 1 < MLKEM_N / 16) {
			_mm_storeu_si128((__m128i *)(o + 11), b1);
		} else { /* the last group must not write past r */
			uint8_t last[16];
			_mm_storeu_si128((__m128i *)last, b1);
			memcpy(o + 11, last, 11);
		}
	}
}

/* The 8 11-bit values of the 11-byte group at g (g[0..15] readable), one
 * per 32-bit lane: each lane gathers the 4 bytes holding its value and
 * shifts it down. */
static inline __m256i decode11_8(const uint8_t *g)
{
	const __m256i gather = _mm256_setr_epi8(0, 1, 2, 3, 1, 2, 3, 4, 2, 3, 4, 5, 4, 5, 6, 7,
						5, 6, 7, 8, 6, 7, 8, 9, 8, 9, 10, 11, 9, 10, 11, 12);
	const __m256i shifts = _mm256_setr_epi32(0, 3, 6, 1, 4, 7, 2, 5);
	__m256i v = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)g));
	v = _mm256_srlv_epi32(_mm256_shuffle_epi8(v, gather), shifts);
	return _mm256_and_si256(v, _mm256_set1_epi32(0x7ff));
}

void mlkem_poly_decompress_du_avx2(mlkem_poly *r, const uint8_t a[MLKEM_POLYCOMP_DU_BYTES])
{
	const __m256i q = _mm256_set1_epi16(MLKEM_Q);
	uint8_t last[16];
	for (unsigned int i = 0; i < MLKEM_N / 16; i++) {
		const uint8_t *g0 = a + 22 * i, *g1 = g0 + 11;
		if (i + 1 == MLKEM_N / 16) { /* do not read past a */
			memcpy(last, g1, 11);
			memset(last + 11, 0, 5);
			g1 = last;
		}
		/* 16-bit lanes g0[0..3], g1[0..3], g0[4..7], g1[4..7], reordered. */
		__m256i y = _mm256_packus_epi32(decode11_8(g0), decode11_8(g1));
		y = _mm256_permute4x64_epi64(y, 0xd8);
		/* round(q y / 2^11) = (16 y * q + 2^14) >> 15. */
		y = _mm256_mulhrs_epi16(_mm256_slli_epi16(y, 4), q);
		_mm256_storeu_si256((__m256i *)&r->c[16 * i], y);
	}
}
