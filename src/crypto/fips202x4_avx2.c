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

/* One round from the lanes a0..a24 into e0..e24 (and back), one output
 * row at a time (see fips202.c); separate variables, not arrays, so the
 * compiler allocates registers per lane. */
#define KECCAKX4_ROUND_AE(rcv) do {                                    \
	__m256i C0 = XOR(XOR(XOR(a0, a5), XOR(a10, a15)), a20);        \
	__m256i C1 = XOR(XOR(XOR(a1, a6), XOR(a11, a16)), a21);        \
	__m256i C2 = XOR(XOR(XOR(a2, a7), XOR(a12, a17)), a22);        \
	__m256i C3 = XOR(XOR(XOR(a3, a8), XOR(a13, a18)), a23);        \
	__m256i C4 = XOR(XOR(XOR(a4, a9), XOR(a14, a19)), a24);        \
	__m256i D0 = XOR(C4, ROL(C1, 1));                              \
	__m256i D1 = XOR(C0, ROL(C2, 1));                              \
	__m256i D2 = XOR(C1, ROL(C3, 1));                              \
	__m256i D3 = XOR(C2, ROL(C4, 1));                              \
	__m256i D4 = XOR(C3, ROL(C0, 1));                              \
	{                                                              \
		__m256i B0 = XOR(a0, D0);                              \
		__m256i B1 = ROL(XOR(a6, D1), 44);                     \
		__m256i B2 = ROL(XOR(a12, D2), 43);                    \
		__m256i B3 = ROL(XOR(a18, D3), 21);                    \
		__m256i B4 = ROL(XOR(a24, D4), 14);                    \
		e0 = XOR(XOR(B0, ANDN(B1, B2)), (rcv));                \
		e1 = XOR(B1, ANDN(B2, B3));                            \
		e2 = XOR(B2, ANDN(B3, B4));                            \
		e3 = XOR(B3, ANDN(B4, B0));                            \
		e4 = XOR(B4, ANDN(B0, B1));                            \
	}                                                              \
	{                                                              \
		__m256i B0 = ROL(XOR(a3, D3), 28);                     \
		__m256i B1 = ROL(XOR(a9, D4), 20);                     \
		__m256i B2 = ROL(XOR(a10, D0), 3);                     \
		__m256i B3 = ROL(XOR(a16, D1), 45);                    \
		__m256i B4 = ROL(XOR(a22, D2), 61);                    \
		e5 = XOR(B0, ANDN(B1, B2));                            \
		e6 = XOR(B1, ANDN(B2, B3));                            \
		e7 = XOR(B2, ANDN(B3, B4));                            \
		e8 = XOR(B3, ANDN(B4, B0));                            \
		e9 = XOR(B4, ANDN(B0, B1));                            \
	}                                                              \
	{                                                              \
		__m256i B0 = ROL(XOR(a1, D1), 1);                      \
		__m256i B1 = ROL(XOR(a7, D2), 6);                      \
		__m256i B2 = ROL(XOR(a13, D3), 25);                    \
		__m256i B3 = _mm256_shuffle_epi8(XOR(a19, D4), rot8);  \
		__m256i B4 = ROL(XOR(a20, D0), 18);                    \
		e10 = XOR(B0, ANDN(B1, B2));                           \
		e11 = XOR(B1, ANDN(B2, B3));                           \
		e12 = XOR(B2, ANDN(B3, B4));                           \
		e13 = XOR(B3, ANDN(B4, B0));                           \
		e14 = XOR(B4, ANDN(B0, B1));                           \
	}                                                              \
	{                                                              \
		__m256i B0 = ROL(XOR(a4, D4), 27);                     \
		__m256i B1 = ROL(XOR(a5, D0), 36);                     \
		__m256i B2 = ROL(XOR(a11, D1), 10);                    \
		__m256i B3 = ROL(XOR(a17, D2), 15);                    \
		__m256i B4 = _mm256_shuffle_epi8(XOR(a23, D3), rot56); \
		e15 = XOR(B0, ANDN(B1, B2));                           \
		e16 = XOR(B1, ANDN(B2, B3));                           \
		e17 = XOR(B2, ANDN(B3, B4));                           \
		e18 = XOR(B3, ANDN(B4, B0));                           \
		e19 = XOR(B4, ANDN(B0, B1));                           \
	}                                                              \
	{                                                              \
		__m256i B0 = ROL(XOR(a2, D2), 62);                     \
		__m256i B1 = ROL(XOR(a8, D3), 55);                     \
		__m256i B2 = ROL(XOR(a14, D4), 39);                    \
		__m256i B3 = ROL(XOR(a15, D0), 41);                    \
		__m256i B4 = ROL(XOR(a21, D1), 2);                     \
		e20 = XOR(B0, ANDN(B1, B2));                           \
		e21 = XOR(B1, ANDN(B2, B3));                           \
		e22 = XOR(B2, ANDN(B3, B4));                           \
		e23 = XOR(B3, ANDN(B4, B0));                           \
		e24 = XOR(B4, ANDN(B0, B1));                           \
	}                                                              \
} while (0)

#define KECCAKX4_ROUND_EA(rcv) do {                                    \
	__m256i C0 = XOR(XOR(XOR(e0, e5), XOR(e10, e15)), e20);        \
	__m256i C1 = XOR(XOR(XOR(e1, e6), XOR(e11, e16)), e21);        \
	__m256i C2 = XOR(XOR(XOR(e2, e7), XOR(e12, e17)), e22);        \
	__m256i C3 = XOR(XOR(XOR(e3, e8), XOR(e13, e18)), e23);        \
	__m256i C4 = XOR(XOR(XOR(e4, e9), XOR(e14, e19)), e24);        \
	__m256i D0 = XOR(C4, ROL(C1, 1));                              \
	__m256i D1 = XOR(C0, ROL(C2, 1));                              \
	__m256i D2 = XOR(C1, ROL(C3, 1));                              \
	__m256i D3 = XOR(C2, ROL(C4, 1));                              \
	__m256i D4 = XOR(C3, ROL(C0, 1));                              \
	{                                                              \
		__m256i B0 = XOR(e0, D0);                              \
		__m256i B1 = ROL(XOR(e6, D1), 44);                     \
		__m256i B2 = ROL(XOR(e12, D2), 43);                    \
		__m256i B3 = ROL(XOR(e18, D3), 21);                    \
		__m256i B4 = ROL(XOR(e24, D4), 14);                    \
		a0 = XOR(XOR(B0, ANDN(B1, B2)), (rcv));                \
		a1 = XOR(B1, ANDN(B2, B3));                            \
		a2 = XOR(B2, ANDN(B3, B4));                            \
		a3 = XOR(B3, ANDN(B4, B0));                            \
		a4 = XOR(B4, ANDN(B0, B1));                            \
	}                                                              \
	{                                                              \
		__m256i B0 = ROL(XOR(e3, D3), 28);                     \
		__m256i B1 = ROL(XOR(e9, D4), 20);                     \
		__m256i B2 = ROL(XOR(e10, D0), 3);                     \
		__m256i B3 = ROL(XOR(e16, D1), 45);                    \
		__m256i B4 = ROL(XOR(e22, D2), 61);                    \
		a5 = XOR(B0, ANDN(B1, B2));                            \
		a6 = XOR(B1, ANDN(B2, B3));                            \
		a7 = XOR(B2, ANDN(B3, B4));                            \
		a8 = XOR(B3, ANDN(B4, B0));                            \
		a9 = XOR(B4, ANDN(B0, B1));                            \
	}                                                              \
	{                                                              \
		__m256i B0 = ROL(XOR(e1, D1), 1);                      \
		__m256i B1 = ROL(XOR(e7, D2), 6);                      \
		__m256i B2 = ROL(XOR(e13, D3), 25);                    \
		__m256i B3 = _mm256_shuffle_epi8(XOR(e19, D4), rot8);  \
		__m256i B4 = ROL(XOR(e20, D0), 18);                    \
		a10 = XOR(B0, ANDN(B1, B2));                           \
		a11 = XOR(B1, ANDN(B2, B3));                           \
		a12 = XOR(B2, ANDN(B3, B4));                           \
		a13 = XOR(B3, ANDN(B4, B0));                           \
		a14 = XOR(B4, ANDN(B0, B1));                           \
	}                                                              \
	{                                                              \
		__m256i B0 = ROL(XOR(e4, D4), 27);                     \
		__m256i B1 = ROL(XOR(e5, D0), 36);                     \
		__m256i B2 = ROL(XOR(e11, D1), 10);                    \
		__m256i B3 = ROL(XOR(e17, D2), 15);                    \
		__m256i B4 = _mm256_shuffle_epi8(XOR(e23, D3), rot56); \
		a15 = XOR(B0, ANDN(B1, B2));                           \
		a16 = XOR(B1, ANDN(B2, B3));                           \
		a17 = XOR(B2, ANDN(B3, B4));                           \
		a18 = XOR(B3, ANDN(B4, B0));                           \
		a19 = XOR(B4, ANDN(B0, B1));                           \
	}                                                              \
	{                                                              \
		__m256i B0 = ROL(XOR(e2, D2), 62);                     \
		__m256i B1 = ROL(XOR(e8, D3), 55);                     \
		__m256i B2 = ROL(XOR(e14, D4), 39);                    \
		__m256i B3 = ROL(XOR(e15, D0), 41);                    \
		__m256i B4 = ROL(XOR(e21, D1), 2);                     \
		a20 = XOR(B0, ANDN(B1, B2));                           \
		a21 = XOR(B1, ANDN(B2, B3));                           \
		a22 = XOR(B2, ANDN(B3, B4));                           \
		a23 = XOR(B3, ANDN(B4, B0));                           \
		a24 = XOR(B4, ANDN(B0, B1));                           \
	}                                                              \
} while (0)

void keccakx4_permute(keccakx4_state *st)
{
	__m256i a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17;
	__m256i a18, a19, a20, a21, a22, a23, a24;
	__m256i e0, e1, e2, e3, e4, e5, e6, e7, e8, e9, e10, e11, e12, e13, e14, e15, e16, e17;
	__m256i e18, e19, e20, e21, e22, e23, e24;
	/* Byte rotations by 8 and 56 are a single shuffle. */
	const __m256i rot8 = _mm256_set_epi8(14, 13, 12, 11, 10, 9, 8, 15, 6, 5, 4, 3, 2, 1, 0, 7,
					     14, 13, 12, 11, 10, 9, 8, 15, 6, 5, 4, 3, 2, 1, 0, 7);
	const __m256i rot56 = _mm256_set_epi8(8, 15, 14, 13, 12, 11, 10, 9, 0, 7, 6, 5, 4, 3, 2, 1,
					      8, 15, 14, 13, 12, 11, 10, 9, 0, 7, 6, 5, 4, 3, 2, 1);
	a0 = _mm256_load_si256((const __m256i *)&st->s[0]);
	a1 = _mm256_load_si256((const __m256i *)&st->s[4]);
	a2 = _mm256_load_si256((const __m256i *)&st->s[8]);
	a3 = _mm256_load_si256((const __m256i *)&st->s[12]);
	a4 = _mm256_load_si256((const __m256i *)&st->s[16]);
	a5 = _mm256_load_si256((const __m256i *)&st->s[20]);
	a6 = _mm256_load_si256((const __m256i *)&st->s[24]);
	a7 = _mm256_load_si256((const __m256i *)&st->s[28]);
	a8 = _mm256_load_si256((const __m256i *)&st->s[32]);
	a9 = _mm256_load_si256((const __m256i *)&st->s[36]);
	a10 = _mm256_load_si256((const __m256i *)&st->s[40]);
	a11 = _mm256_load_si256((const __m256i *)&st->s[44]);
	a12 = _mm256_load_si256((const __m256i *)&st->s[48]);
	a13 = _mm256_load_si256((const __m256i *)&st->s[52]);
	a14 = _mm256_load_si256((const __m256i *)&st->s[56]);
	a15 = _mm256_load_si256((const __m256i *)&st->s[60]);
	a16 = _mm256_load_si256((const __m256i *)&st->s[64]);
	a17 = _mm256_load_si256((const __m256i *)&st->s[68]);
	a18 = _mm256_load_si256((const __m256i *)&st->s[72]);
	a19 = _mm256_load_si256((const __m256i *)&st->s[76]);
	a20 = _mm256_load_si256((const __m256i *)&st->s[80]);
	a21 = _mm256_load_si256((const __m256i *)&st->s[84]);
	a22 = _mm256_load_si256((const __m256i *)&st->s[88]);
	a23 = _mm256_load_si256((const __m256i *)&st->s[92]);
	a24 = _mm256_load_si256((const __m256i *)&st->s[96]);
	for (int r = 0; r < 24; r += 2) {
		KECCAKX4_ROUND_AE(_mm256_set1_epi64x((long long)rc[r]));
		KECCAKX4_ROUND_EA(_mm256_set1_epi64x((long long)rc[r + 1]));
	}
	_mm256_store_si256((__m256i *)&st->s[0], a0);
	_mm256_store_si256((__m256i *)&st->s[4], a1);
	_mm256_store_si256((__m256i *)&st->s[8], a2);
	_mm256_store_si256((__m256i *)&st->s[12], a3);
	_mm256_store_si256((__m256i *)&st->s[16], a4);
	_mm256_store_si256((__m256i *)&st->s[20], a5);
	_mm256_store_si256((__m256i *)&st->s[24], a6);
	_mm256_store_si256((__m256i *)&st->s[28], a7);
	_mm256_store_si256((__m256i *)&st->s[32], a8);
	_mm256_store_si256((__m256i *)&st->s[36], a9);
	_mm256_store_si256((__m256i *)&st->s[40], a10);
	_mm256_store_si256((__m256i *)&st->s[44], a11);
	_mm256_store_si256((__m256i *)&st->s[48], a12);
	_mm256_store_si256((__m256i *)&st->s[52], a13);
	_mm256_store_si256((__m256i *)&st->s[56], a14);
	_mm256_store_si256((__m256i *)&st->s[60], a15);
	_mm256_store_si256((__m256i *)&st->s[64], a16);
	_mm256_store_si256((__m256i *)&st->s[68], a17);
	_mm256_store_si256((__m256i *)&st->s[72], a18);
	_mm256_store_si256((__m256i *)&st->s[76], a19);
	_mm256_store_si256((__m256i *)&st->s[80], a20);
	_mm256_store_si256((__m256i *)&st->s[84], a21);
	_mm256_store_si256((__m256i *)&st->s[88], a22);
	_mm256_store_si256((__m256i *)&st->s[92], a23);
	_mm256_store_si256((__m256i *)&st->s[96], a24);
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
