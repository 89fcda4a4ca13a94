/* Four-way Keccak-f[1600] with AVX2: each 256-bit register holds the same
 * lane of four states. Same round structure as fips202.c (theta, rho+pi,
 * chi, iota per lane), built from the FIPS 202 step definitions. */
#include "crypto/fips202x4.h"

#include <immintrin.h>
#include <string.h>

static const uint64_t rc[24] = {
	0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL,
	0x8000000080008000ULL, 0x000000000000808bULL, 0x0000000080000001ULL,
	0x8000000080008081ULL, 0x8000000000008009ULL, 0x000000000000008aULL,
	0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
	0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL,
	0x8000000000008003ULL, 0x8000000000008002ULL, 0x8000000000000080ULL,
	0x000000000000800aULL, 0x800000008000000aULL, 0x8000000080008081ULL,
	0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

#define ROL(v, n) _mm256_or_si256(_mm256_slli_epi64((v), (n)), _mm256_srli_epi64((v), 64 - (n)))
#define XOR _mm256_xor_si256
/* ~b & c */
#define ANDN(b, c) _mm256_andnot_si256((b), (c))

/* One round from S into T, one output row at a time (see fips202.c). */
#define KECCAKX4_ROUND(S, T, rcv) do {\
	__m256i C0 = XOR(XOR(XOR(S[0], S[5]), XOR(S[10], S[15])), S[20]);\
	__m256i C1 = XOR(XOR(XOR(S[1], S[6]), XOR(S[11], S[16])), S[21]);\
	__m256i C2 = XOR(XOR(XOR(S[2], S[7]), XOR(S[12], S[17])), S[22]);\
	__m256i C3 = XOR(XOR(XOR(S[3], S[8]), XOR(S[13], S[18])), S[23]);\
	__m256i C4 = XOR(XOR(XOR(S[4], S[9]), XOR(S[14], S[19])), S[24]);\
	__m256i D0 = XOR(C4, ROL(C1, 1));\
	__m256i D1 = XOR(C0, ROL(C2, 1));\
	__m256i D2 = XOR(C1, ROL(C3, 1));\
	__m256i D3 = XOR(C2, ROL(C4, 1));\
	__m256i D4 = XOR(C3, ROL(C0, 1));\
	{\
		__m256i B0 = XOR(S[0], D0);\
		__m256i B1 = ROL(XOR(S[6], D1), 44);\
		__m256i B2 = ROL(XOR(S[12], D2), 43);\
		__m256i B3 = ROL(XOR(S[18], D3), 21);\
		__m256i B4 = ROL(XOR(S[24], D4), 14);\
		T[0] = XOR(XOR(B0, ANDN(B1, B2)), rcv);\
		T[1] = XOR(B1, ANDN(B2, B3));\
		T[2] = XOR(B2, ANDN(B3, B4));\
		T[3] = XOR(B3, ANDN(B4, B0));\
		T[4] = XOR(B4, ANDN(B0, B1));\
	}\
	{\
		__m256i B0 = ROL(XOR(S[3], D3), 28);\
		__m256i B1 = ROL(XOR(S[9], D4), 20);\
		__m256i B2 = ROL(XOR(S[10], D0), 3);\
		__m256i B3 = ROL(XOR(S[16], D1), 45);\
		__m256i B4 = ROL(XOR(S[22], D2), 61);\
		T[5] = XOR(B0, ANDN(B1, B2));\
		T[6] = XOR(B1, ANDN(B2, B3));\
		T[7] = XOR(B2, ANDN(B3, B4));\
		T[8] = XOR(B3, ANDN(B4, B0));\
		T[9] = XOR(B4, ANDN(B0, B1));\
	}\
	{\
		__m256i B0 = ROL(XOR(S[1], D1), 1);\
		__m256i B1 = ROL(XOR(S[7], D2), 6);\
		__m256i B2 = ROL(XOR(S[13], D3), 25);\
		__m256i B3 = _mm256_shuffle_epi8(XOR(S[19], D4), rot8);\
		__m256i B4 = ROL(XOR(S[20], D0), 18);\
		T[10] = XOR(B0, ANDN(B1, B2));\
		T[11] = XOR(B1, ANDN(B2, B3));\
		T[12] = XOR(B2, ANDN(B3, B4));\
		T[13] = XOR(B3, ANDN(B4, B0));\
		T[14] = XOR(B4, ANDN(B0, B1));\
	}\
	{\
		__m256i B0 = ROL(XOR(S[4], D4), 27);\
		__m256i B1 = ROL(XOR(S[5], D0), 36);\
		__m256i B2 = ROL(XOR(S[11], D1), 10);\
		__m256i B3 = ROL(XOR(S[17], D2), 15);\
		__m256i B4 = _mm256_shuffle_epi8(XOR(S[23], D3), rot56);\
		T[15] = XOR(B0, ANDN(B1, B2));\
		T[16] = XOR(B1, ANDN(B2, B3));\
		T[17] = XOR(B2, ANDN(B3, B4));\
		T[18] = XOR(B3, ANDN(B4, B0));\
		T[19] = XOR(B4, ANDN(B0, B1));\
	}\
	{\
		__m256i B0 = ROL(XOR(S[2], D2), 62);\
		__m256i B1 = ROL(XOR(S[8], D3), 55);\
		__m256i B2 = ROL(XOR(S[14], D4), 39);\
		__m256i B3 = ROL(XOR(S[15], D0), 41);\
		__m256i B4 = ROL(XOR(S[21], D1), 2);\
		T[20] = XOR(B0, ANDN(B1, B2));\
		T[21] = XOR(B1, ANDN(B2, B3));\
		T[22] = XOR(B2, ANDN(B3, B4));\
		T[23] = XOR(B3, ANDN(B4, B0));\
		T[24] = XOR(B4, ANDN(B0, B1));\
	}\
} while (0)

void keccakx4_permute(keccakx4_state *st)
{
	__m256i A[25], E[25];
	/* Byte rotations by 8 and 56 are a single shuffle. */
	const __m256i rot8 = _mm256_set_epi8(14, 13, 12, 11, 10, 9, 8, 15, 6, 5, 4, 3, 2, 1, 0, 7,
					     14, 13, 12, 11, 10, 9, 8, 15, 6, 5, 4, 3, 2, 1, 0, 7);
	const __m256i rot56 = _mm256_set_epi8(8, 15, 14, 13, 12, 11, 10, 9, 0, 7, 6, 5, 4, 3, 2, 1,
					      8, 15, 14, 13, 12, 11, 10, 9, 0, 7, 6, 5, 4, 3, 2, 1);
	for (int i = 0; i < 25; i++)
		A[i] = _mm256_load_si256((const __m256i *)&st->s[4 * i]);
	for (int r = 0; r < 24; r += 2) {
		KECCAKX4_ROUND(A, E, _mm256_set1_epi64x((long long)rc[r]));
		KECCAKX4_ROUND(E, A, _mm256_set1_epi64x((long long)rc[r + 1]));
	}
	for (int i = 0; i < 25; i++)
		_mm256_store_si256((__m256i *)&st->s[4 * i], A[i]);
}

void keccakx4_absorb_once(keccakx4_state *st, unsigned int rate, uint8_t dsbyte,
			  const uint8_t *in0, const uint8_t *in1, const uint8_t *in2,
			  const uint8_t *in3, size_t inlen)
{
	const uint8_t *in[4] = { in0, in1, in2, in3 };
	size_t off = 0;

	memset(st, 0, sizeof(*st));
	while (inlen - off >= rate) {
		for (unsigned int i = 0; i < rate / 8; i++)
			for (int j = 0; j < 4; j++) {
				uint64_t v;
				memcpy(&v, in[j] + off + 8 * i, 8);
				st->s[4 * i + j] ^= v; /* x86-64 is little-endian */
			}
		keccakx4_permute(st);
		off += rate;
	}
	/* Whole words of the last block, then its remaining bytes. */
	size_t words = (inlen - off) / 8;
	for (size_t i = 0; i < words; i++)
		for (int j = 0; j < 4; j++) {
			uint64_t v;
			memcpy(&v, in[j] + off + 8 * i, 8);
			st->s[4 * i + j] ^= v;
		}
	for (size_t b = 8 * words; b < inlen - off; b++)
		for (int j = 0; j < 4; j++)
			st->s[4 * (b / 8) + j] ^= (uint64_t)in[j][off + b] << (8 * (b % 8));
	size_t b = inlen - off;
	for (int j = 0; j < 4; j++) {
		st->s[4 * (b / 8) + j] ^= (uint64_t)dsbyte << (8 * (b % 8));
		st->s[4 * ((rate - 1) / 8) + j] ^= (uint64_t)0x80 << (8 * ((rate - 1) % 8));
	}
	/* The final permutation happens in squeezeblocks. */
}

void keccakx4_squeezeblocks(uint8_t *out0, uint8_t *out1, uint8_t *out2, uint8_t *out3,
			    size_t nblocks, unsigned int rate, keccakx4_state *st)
{
	uint8_t *out[4] = { out0, out1, out2, out3 };
	unsigned int lanes = rate / 8, i;
	while (nblocks-- > 0) {
		keccakx4_permute(st);
		/* Four lanes at a time: a 4x4 transpose of 64-bit words turns
		 * "lane i of each instance" into "lanes i..i+3 of instance j",
		 * written with one 32-byte store per instance. */
		for (i = 0; i + 4 <= lanes; i += 4) {
			__m256i l0 = _mm256_load_si256((const __m256i *)&st->s[4 * i]);
			__m256i l1 = _mm256_load_si256((const __m256i *)&st->s[4 * i + 4]);
			__m256i l2 = _mm256_load_si256((const __m256i *)&st->s[4 * i + 8]);
			__m256i l3 = _mm256_load_si256((const __m256i *)&st->s[4 * i + 12]);
			__m256i t0 = _mm256_unpacklo_epi64(l0, l1); /* l0[0] l1[0] l0[2] l1[2] */
			__m256i t1 = _mm256_unpackhi_epi64(l0, l1); /* l0[1] l1[1] l0[3] l1[3] */
			__m256i t2 = _mm256_unpacklo_epi64(l2, l3);
			__m256i t3 = _mm256_unpackhi_epi64(l2, l3);
			_mm256_storeu_si256((__m256i *)(out[0] + 8 * i), _mm256_permute2x128_si256(t0, t2, 0x20));
			_mm256_storeu_si256((__m256i *)(out[1] + 8 * i), _mm256_permute2x128_si256(t1, t3, 0x20));
			_mm256_storeu_si256((__m256i *)(out[2] + 8 * i), _mm256_permute2x128_si256(t0, t2, 0x31));
			_mm256_storeu_si256((__m256i *)(out[3] + 8 * i), _mm256_permute2x128_si256(t1, t3, 0x31));
		}
		for (; i < lanes; i++)
			for (int j = 0; j < 4; j++)
				memcpy(out[j] + 8 * i, &st->s[4 * i + j], 8);
		for (int j = 0; j < 4; j++)
			out[j] += rate;
	}
}
