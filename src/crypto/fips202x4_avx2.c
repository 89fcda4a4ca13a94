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

void keccakx4_permute(keccakx4_state *st)
{
	__m256i A[25];
	/* Byte rotations by 8 and 56 are a single shuffle. */
	const __m256i rot8 = _mm256_set_epi8(14, 13, 12, 11, 10, 9, 8, 15, 6, 5, 4, 3, 2, 1, 0, 7,
					     14, 13, 12, 11, 10, 9, 8, 15, 6, 5, 4, 3, 2, 1, 0, 7);
	const __m256i rot56 = _mm256_set_epi8(8, 15, 14, 13, 12, 11, 10, 9, 0, 7, 6, 5, 4, 3, 2, 1,
					      8, 15, 14, 13, 12, 11, 10, 9, 0, 7, 6, 5, 4, 3, 2, 1);
	for (int i = 0; i < 25; i++)
		A[i] = _mm256_load_si256((const __m256i *)&st->s[4 * i]);

	for (int r = 0; r < 24; r++) {
		__m256i C0 = XOR(XOR(XOR(A[0], A[5]), XOR(A[10], A[15])), A[20]);
		__m256i C1 = XOR(XOR(XOR(A[1], A[6]), XOR(A[11], A[16])), A[21]);
		__m256i C2 = XOR(XOR(XOR(A[2], A[7]), XOR(A[12], A[17])), A[22]);
		__m256i C3 = XOR(XOR(XOR(A[3], A[8]), XOR(A[13], A[18])), A[23]);
		__m256i C4 = XOR(XOR(XOR(A[4], A[9]), XOR(A[14], A[19])), A[24]);
		__m256i D0 = XOR(C4, ROL(C1, 1));
		__m256i D1 = XOR(C0, ROL(C2, 1));
		__m256i D2 = XOR(C1, ROL(C3, 1));
		__m256i D3 = XOR(C2, ROL(C4, 1));
		__m256i D4 = XOR(C3, ROL(C0, 1));
		/* rho and pi: B[y][x] = rol(A[x', y'] ^ D[x'], r[x', y']). */
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
		__m256i B23 = _mm256_shuffle_epi8(XOR(A[19], D4), rot8);
		__m256i B24 = ROL(XOR(A[20], D0), 18);
		__m256i B30 = ROL(XOR(A[4], D4), 27);
		__m256i B31 = ROL(XOR(A[5], D0), 36);
		__m256i B32 = ROL(XOR(A[11], D1), 10);
		__m256i B33 = ROL(XOR(A[17], D2), 15);
		__m256i B34 = _mm256_shuffle_epi8(XOR(A[23], D3), rot56);
		__m256i B40 = ROL(XOR(A[2], D2), 62);
		__m256i B41 = ROL(XOR(A[8], D3), 55);
		__m256i B42 = ROL(XOR(A[14], D4), 39);
		__m256i B43 = ROL(XOR(A[15], D0), 41);
		__m256i B44 = ROL(XOR(A[21], D1), 2);
		/* chi and iota. */
		A[0] = XOR(XOR(B00, ANDN(B01, B02)), _mm256_set1_epi64x((long long)rc[r]));
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
	for (size_t b = 0; b < inlen - off; b++)
		for (int j = 0; j < 4; j++)
			st->s[4 * (b / 8) + j] ^= (uint64_t)in[j][off + b] << (8 * (b % 8));
	size_t b = inlen - off;
	for (int j = 0; j < 4; j++) {
		st->s[4 * (b / 8) + j] ^= (uint64_t)dsbyte << (8 * (b % 8));
		st->s[4 * ((rate - 1) / 8) + j] ^= (uint64_t)0x80 << (8 * ((rate - 1) % 8));
	}
	keccakx4_permute(st);
}

void keccakx4_squeezeblocks(uint8_t *out0, uint8_t *out1, uint8_t *out2, uint8_t *out3,
			    size_t nblocks, unsigned int rate, keccakx4_state *st)
{
	uint8_t *out[4] = { out0, out1, out2, out3 };
	while (nblocks-- > 0) {
		for (unsigned int i = 0; i < rate / 8; i++) {
			__m256i v = _mm256_load_si256((const __m256i *)&st->s[4 * i]);
			uint64_t lanes[4];
			_mm256_storeu_si256((__m256i *)lanes, v);
			for (int j = 0; j < 4; j++)
				memcpy(out[j] + 8 * i, &lanes[j], 8);
		}
		for (int j = 0; j < 4; j++)
			out[j] += rate;
		keccakx4_permute(st);
	}
}
