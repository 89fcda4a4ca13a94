/* AVX2 decoding of the duplicated RM(1,7) code (see rm.h).
 *
 * Layout: the 128 counters of one codeword live in eight registers of
 * sixteen 16-bit lanes; position j is lane j / 8 of register j % 8. With it
 * the copies are summed as 4-bit counters (positions j = k mod 4 in the
 * nibbles of a 128-bit word), and the Hadamard transform is three levels
 * between registers plus four levels inside them. The peak search uses
 * maxima, comparisons and minima only, so nothing depends on the data. */
#include "crypto/hqc/rm.h"

#include <immintrin.h>

#include "util/mem.h"

#define RM_WORDS_PER_BYTE (2 * HQC_RM_COPIES)

/* new = x + partner for lanes whose bit is 0, partner - x otherwise. */
static inline __m256i butterfly(__m256i x, __m256i partner, __m256i sign)
{
	return _mm256_add_epi16(partner, _mm256_sign_epi16(x, sign));
}

static uint8_t decode_one(const uint64_t *cw, const __m256i sign[4], const __m256i *swap16,
			  const __m256i jkey[8])
{
	const __m128i nib = _mm_set1_epi8(0x11);
	__m256i t[8];

	/* Counters: s[k] nibble i = number of copies with bit 4i + k set. */
	for (int k = 0; k < 4; k++) {
		__m128i s = _mm_setzero_si128();
		for (int c = 0; c < HQC_RM_COPIES; c++) {
			__m128i x = _mm_loadu_si128((const __m128i *)(cw + 2 * c));
			s = _mm_add_epi8(s, _mm_and_si128(_mm_srli_epi64(x, k), nib));
		}
		__m256i w = _mm256_cvtepu8_epi16(s); /* lane l = byte l */
		t[k] = _mm256_and_si256(w, _mm256_set1_epi16(0x0f)); /* j = 8l + k */
		t[k + 4] = _mm256_srli_epi16(w, 4);                   /* j = 8l + 4 + k */
	}

	/* Transform over bits 0..2 of j (between registers). */
	for (int b = 1; b < 8; b <<= 1) {
		for (int r = 0; r < 8; r++) {
			if (r & b)
				continue;
			__m256i a = t[r], c = t[r + b];
			t[r] = _mm256_add_epi16(a, c);
			t[r + b] = _mm256_sub_epi16(a, c);
		}
	}
	/* Transform over bits 3..6 of j (lane bits 0..3). */
	for (int r = 0; r < 8; r++) {
		__m256i x = t[r];
		x = butterfly(x, _mm256_shuffle_epi8(x, *swap16), sign[0]);
		x = butterfly(x, _mm256_shuffle_epi32(x, 0xb1), sign[1]);
		x = butterfly(x, _mm256_shuffle_epi32(x, 0x4e), sign[2]);
		x = butterfly(x, _mm256_permute2x128_si256(x, x, 0x01), sign[3]);
		t[r] = x;
	}
	/* Counting ones instead of +-1 makes t[0] too large by 64 per copy. */
	t[0] = _mm256_sub_epi16(t[0], _mm256_setr_epi16(64 * HQC_RM_COPIES, 0, 0, 0, 0, 0, 0, 0,
							0, 0, 0, 0, 0, 0, 0, 0));

	/* Largest absolute value. */
	__m256i abs[8], mx;
	for (int r = 0; r < 8; r++)
		abs[r] = _mm256_abs_epi16(t[r]);
	mx = abs[0];
	for (int r = 1; r < 8; r++)
		mx = _mm256_max_epi16(mx, abs[r]);
	__m128i m = _mm_max_epi16(_mm256_castsi256_si128(mx), _mm256_extracti128_si256(mx, 1));
	m = _mm_minpos_epu16(_mm_xor_si128(m, _mm_set1_epi16(-1)));
	__m256i peak = _mm256_set1_epi16((short)(0xffff ^ _mm_extract_epi16(m, 0)));

	/* Among the peaks, the smallest key 2j + (t[j] < 0). */
	const __m256i ones = _mm256_set1_epi16(-1), zero = _mm256_setzero_si256();
	__m256i best = ones;
	for (int r = 0; r < 8; r++) {
		__m256i key = _mm256_sub_epi16(jkey[r], _mm256_cmpgt_epi16(zero, t[r]));
		__m256i cand = _mm256_blendv_epi8(ones, key, _mm256_cmpeq_epi16(abs[r], peak));
		best = _mm256_min_epu16(best, cand);
	}
	__m128i b = _mm_min_epu16(_mm256_castsi256_si128(best), _mm256_extracti128_si256(best, 1));
	uint32_t key = (uint32_t)_mm_extract_epi16(_mm_minpos_epu16(b), 0);
	for (int r = 0; r < 8; r++) {
		t[r] = zero;
		abs[r] = zero;
	}
	/* A non-negative peak means the all-ones word was added: bit 7. */
	return (uint8_t)((key >> 1) | ((~key & 1) << 7));
}

void hqc_rm_decode_avx2(uint8_t *msg, const uint64_t *cw)
{
	__m256i sign[4], jkey[8];
	for (int b = 0; b < 4; b++) {
		short s[16];
		for (int l = 0; l < 16; l++)
			s[l] = (short)(((l >> b) & 1) ? -1 : 1);
		sign[b] = _mm256_loadu_si256((const __m256i *)s);
	}
	for (int r = 0; r < 8; r++) {
		short k[16];
		for (int l = 0; l < 16; l++)
			k[l] = (short)(2 * (8 * l + r));
		jkey[r] = _mm256_loadu_si256((const __m256i *)k);
	}
	/* Swap adjacent 16-bit lanes. */
	const __m256i swap16 = _mm256_setr_epi8(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13,
						2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
	for (unsigned int i = 0; i < HQC_N1; i++)
		msg[i] = decode_one(cw + RM_WORDS_PER_BYTE * i, sign, &swap16, jkey);
}
