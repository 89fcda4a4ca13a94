/* Four SHAKE256 sponges in parallel: Keccak-f[1600] on four states held as
 * 25 AVX2 registers, lane l of register i being lane i of state l (see
 * shake_x4.h). Each state absorbs its own padded input and squeezes its own
 * output; all four are permuted together until the longest job is done. */
#include "crypto/hqc/shake_x4.h"

#include <immintrin.h>
#include <string.h>

#include "util/mem.h"

#define RATE 136
#define RATE_LANES (RATE / 8)

static const uint64_t round_constants[24] = {
	0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL,
	0x8000000080008000ULL, 0x000000000000808bULL, 0x0000000080000001ULL,
	0x8000000080008081ULL, 0x8000000000008009ULL, 0x000000000000008aULL,
	0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
	0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL,
	0x8000000000008003ULL, 0x8000000000008002ULL, 0x8000000000000080ULL,
	0x000000000000800aULL, 0x800000008000000aULL, 0x8000000080008081ULL,
	0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

#define XOR(a, b) _mm256_xor_si256(a, b)
#define ANDN(a, b) _mm256_andnot_si256(a, b) /* ~a & b */
#define ROL(x, n) _mm256_or_si256(_mm256_slli_epi64(x, n), _mm256_srli_epi64(x, 64 - (n)))

/* The 24 rounds on four interleaved states: theta, rho and pi fused, chi,
 * iota (same lane schedule as the scalar permutation in fips202.c). */
static void keccak_x4_permute(uint64_t st[25][4])
{
	__m256i A[25];
	for (int i = 0; i < 25; i++)
		A[i] = _mm256_load_si256((const __m256i *)st[i]);
	for (int r = 0; r < 24; r++) {
		__m256i C0 = XOR(XOR(XOR(A[0], A[5]), XOR(A[10], A[15])), A[20]);
		__m256i C1 = XOR(XOR(XOR(A[1], A[6]), XOR(A[11], A[16])), A[21]);
		__m256i C2 = XOR(XOR(XOR(A[2], A[7]), XOR(A[12], A[17])), A[22]);
		__m256i C3 = XOR(XOR(XOR(A[3], A[8]), XOR(A[13], A[18])), A[23]);
		__m256i C4 = XOR(XOR(XOR(A[4], A[9]), XOR(A[14], A[19])), A[24]);
		__m256i D0 = XOR(C4, ROL(C1, 1)), D1 = XOR(C0, ROL(C2, 1));
		__m256i D2 = XOR(C1, ROL(C3, 1)), D3 = XOR(C2, ROL(C4, 1));
		__m256i D4 = XOR(C3, ROL(C0, 1));
		__m256i B00 = XOR(A[0], D0);
		__m256i B01 = ROL(XOR(A[6], D1), 44);
		__m256i B02 = ROL(XOR(A[12], D2), 43);
		__m256i B03 = ROL(XOR(A[18], D3), 21);
		__m256i B04 = ROL(XOR(A[24], D4), 14);
		__m256i B10 = ROL(XOR(A[3], D3), 28);
		__m256i B11 = ROL(XOR(A[9], D4), 20);
		__m256i B12 = ROL(XOR(A[10], D0), 3);
		__m256i B13 = ROL(XOR(A[16], D1), 45);
		__m256i B14 = ROL(XOR(A[22], D2), 61);
		__m256i B20 = ROL(XOR(A[1], D1), 1);
		__m256i B21 = ROL(XOR(A[7], D2), 6);
		__m256i B22 = ROL(XOR(A[13], D3), 25);
		__m256i B23 = ROL(XOR(A[19], D4), 8);
		__m256i B24 = ROL(XOR(A[20], D0), 18);
		__m256i B30 = ROL(XOR(A[4], D4), 27);
		__m256i B31 = ROL(XOR(A[5], D0), 36);
		__m256i B32 = ROL(XOR(A[11], D1), 10);
		__m256i B33 = ROL(XOR(A[17], D2), 15);
		__m256i B34 = ROL(XOR(A[23], D3), 56);
		__m256i B40 = ROL(XOR(A[2], D2), 62);
		__m256i B41 = ROL(XOR(A[8], D3), 55);
		__m256i B42 = ROL(XOR(A[14], D4), 39);
		__m256i B43 = ROL(XOR(A[15], D0), 41);
		__m256i B44 = ROL(XOR(A[21], D1), 2);
		A[0] = XOR(XOR(B00, ANDN(B01, B02)), _mm256_set1_epi64x((long long)round_constants[r]));
		A[1] = XOR(B01, ANDN(B02, B03));
		A[2] = XOR(B02, ANDN(B03, B04));
		A[3] = XOR(B03, ANDN(B04, B00));
		A[4] = XOR(B04, ANDN(B00, B01));
		A[5] = XOR(B10, ANDN(B11, B12));
		A[6] = XOR(B11, ANDN(B12, B13));
		A[7] = XOR(B12, ANDN(B13, B14));
		A[8] = XOR(B13, ANDN(B14, B10));
		A[9] = XOR(B14, ANDN(B10, B11));
		A[10] = XOR(B20, ANDN(B21, B22));
		A[11] = XOR(B21, ANDN(B22, B23));
		A[12] = XOR(B22, ANDN(B23, B24));
		A[13] = XOR(B23, ANDN(B24, B20));
		A[14] = XOR(B24, ANDN(B20, B21));
		A[15] = XOR(B30, ANDN(B31, B32));
		A[16] = XOR(B31, ANDN(B32, B33));
		A[17] = XOR(B32, ANDN(B33, B34));
		A[18] = XOR(B33, ANDN(B34, B30));
		A[19] = XOR(B34, ANDN(B30, B31));
		A[20] = XOR(B40, ANDN(B41, B42));
		A[21] = XOR(B41, ANDN(B42, B43));
		A[22] = XOR(B42, ANDN(B43, B44));
		A[23] = XOR(B43, ANDN(B44, B40));
		A[24] = XOR(B44, ANDN(B40, B41));
	}
	for (int i = 0; i < 25; i++)
		_mm256_store_si256((__m256i *)st[i], A[i]);
}

static size_t job_length(const hqc_shake_job *job)
{
	size_t n = 0;
	for (int p = 0; p < HQC_SHAKE_JOB_PARTS; p++)
		n += job->len[p];
	return n;
}

/* buf = bytes [off, off + n) of the concatenated parts of job. */
static void gather(uint8_t *buf, const hqc_shake_job *job, size_t off, size_t n)
{
	for (int p = 0; p < HQC_SHAKE_JOB_PARTS && n > 0; p++) {
		size_t len = job->len[p];
		if (off >= len) {
			off -= len;
			continue;
		}
		size_t take = len - off < n ? len - off : n;
		memcpy(buf, job->part[p] + off, take);
		buf += take;
		n -= take;
		off = 0;
	}
}

static inline uint64_t load64_le(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

void hqc_shake256_x4_avx2(const hqc_shake_job *jobs, unsigned int n)
{
	uint64_t st[25][4] __attribute__((aligned(32)));
	uint8_t block[RATE];
	size_t inlen[4], absorb_blocks[4], squeeze_blocks[4], steps = 0;

	memset(st, 0, sizeof(st));
	for (unsigned int l = 0; l < n; l++) {
		inlen[l] = job_length(&jobs[l]);
		absorb_blocks[l] = inlen[l] / RATE + 1; /* the last one is padded */
		squeeze_blocks[l] = (jobs[l].outlen + RATE - 1) / RATE;
		size_t s = absorb_blocks[l] + (squeeze_blocks[l] ? squeeze_blocks[l] - 1 : 0);
		if (s > steps)
			steps = s;
	}
	for (size_t t = 0; t < steps; t++) {
		for (unsigned int l = 0; l < n; l++) {
			if (t >= absorb_blocks[l])
				continue;
			size_t off = t * RATE, take = RATE;
			if (t + 1 == absorb_blocks[l]) {
				take = inlen[l] - off;
				memset(block, 0, sizeof(block));
				block[take] = 0x1f;
				block[RATE - 1] |= 0x80;
			}
			gather(block, &jobs[l], off, take);
			for (int i = 0; i < RATE_LANES; i++)
				st[i][l] ^= load64_le(block + 8 * i);
		}
		keccak_x4_permute(st);
		for (unsigned int l = 0; l < n; l++) {
			if (t + 1 < absorb_blocks[l] || t + 1 - absorb_blocks[l] >= squeeze_blocks[l])
				continue;
			size_t off = (t + 1 - absorb_blocks[l]) * RATE;
			size_t take = jobs[l].outlen - off < RATE ? jobs[l].outlen - off : RATE;
			uint8_t *out = jobs[l].out + off;
			size_t b = 0;
			for (; b + 8 <= take; b += 8)
				memcpy(out + b, &st[b / 8][l], 8); /* x86-64: little-endian */
			for (; b < take; b++)
				out[b] = (uint8_t)(st[b / 8][l] >> (8 * (b % 8)));
		}
	}
	pqtun_memzero(st, sizeof(st));
	pqtun_memzero(block, sizeof(block));
}
