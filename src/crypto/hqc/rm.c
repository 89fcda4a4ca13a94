/* Duplicated Reed-Muller RM(1,7) encoding and portable decoding (rm.h). */
#include "crypto/hqc/rm.h"

#include "util/cpu.h"
#include "util/mem.h"

#define RM_WORDS_PER_BYTE (2 * HQC_RM_COPIES) /* 10 */

/* All ones if bit 0 of x is set, else zero. */
static inline uint32_t bit0_mask(uint32_t x)
{
	return 0U - (x & 1);
}

void hqc_rm_encode(uint64_t *cw, const uint8_t *msg)
{
	for (unsigned int i = 0; i < HQC_N1; i++) {
		uint32_t m = msg[i];
		/* Bits 0..4 of the codeword index select within a 32-bit
		 * quarter; bits 5 and 6 select the quarter. */
		uint32_t q = bit0_mask(m >> 7);
		q ^= bit0_mask(m) & 0xaaaaaaaaU;
		q ^= bit0_mask(m >> 1) & 0xccccccccU;
		q ^= bit0_mask(m >> 2) & 0xf0f0f0f0U;
		q ^= bit0_mask(m >> 3) & 0xff00ff00U;
		q ^= bit0_mask(m >> 4) & 0xffff0000U;
		uint32_t m5 = bit0_mask(m >> 5), m6 = bit0_mask(m >> 6);
		uint64_t lo = (uint64_t)q | (uint64_t)(q ^ m5) << 32;
		uint64_t hi = (uint64_t)(q ^ m6) | (uint64_t)(q ^ m5 ^ m6) << 32;
		for (unsigned int c = 0; c < HQC_RM_COPIES; c++) {
			cw[RM_WORDS_PER_BYTE * i + 2 * c] = lo;
			cw[RM_WORDS_PER_BYTE * i + 2 * c + 1] = hi;
		}
	}
}

/* Decode one 640-bit duplicated codeword (10 words) into a byte. */
static uint8_t decode_one(const uint64_t *cw)
{
	int16_t t[128];

	/* t[j] = number of copies in which bit j is set (0..5). */
	for (unsigned int j = 0; j < 128; j++) {
		int16_t s = 0;
		for (unsigned int c = 0; c < HQC_RM_COPIES; c++)
			s = (int16_t)(s + (int16_t)((cw[2 * c + j / 64] >> (j % 64)) & 1));
		t[j] = s;
	}
	/* Walsh-Hadamard transform, natural order:
	 * t[k] = sum_j (-1)^popcount(j & k) * count[j]. */
	for (unsigned int h = 1; h < 128; h <<= 1) {
		for (unsigned int i = 0; i < 128; i += 2 * h) {
			for (unsigned int k = i; k < i + h; k++) {
				int16_t a = t[k], b = t[k + h];
				t[k] = (int16_t)(a + b);
				t[k + h] = (int16_t)(a - b);
			}
		}
	}
	/* Counting ones instead of +-1 makes t[0] too large by 64 per copy. */
	t[0] = (int16_t)(t[0] - 64 * HQC_RM_COPIES);

	/* Peak: first index with the strictly largest absolute value. */
	uint32_t peak_abs = 0, peak = 0, pos = 0;
	for (uint32_t k = 0; k < 128; k++) {
		uint32_t v = (uint32_t)(int32_t)t[k];
		uint32_t neg = 0U - (v >> 31);
		uint32_t abs = (v ^ neg) - neg;
		uint32_t greater = 0U - ((peak_abs - abs) >> 31); /* abs > peak_abs */
		peak ^= greater & (peak ^ v);
		pos ^= greater & (pos ^ k);
		peak_abs ^= greater & (peak_abs ^ abs);
	}
	/* A non-negative peak means the all-ones word was added: bit 7. */
	pos |= 128U & ((peak >> 31) - 1U);
	pqtun_memzero(t, sizeof(t));
	return (uint8_t)pos;
}

void hqc_rm_decode_portable(uint8_t *msg, const uint64_t *cw)
{
	for (unsigned int i = 0; i < HQC_N1; i++)
		msg[i] = decode_one(cw + RM_WORDS_PER_BYTE * i);
}

void hqc_rm_decode(uint8_t *msg, const uint64_t *cw)
{
#ifdef PQTUN_HAVE_X86_64
	if (pqtun_use_avx2()) {
		hqc_rm_decode_avx2(msg, cw);
		return;
	}
#endif
	hqc_rm_decode_portable(msg, cw);
}
