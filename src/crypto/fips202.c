/* FIPS 202 sponge construction over Keccak-f[1600].
 * Written from the FIPS 202 text: state as 25 64-bit lanes A[x + 5y],
 * little-endian byte order, steps theta, rho, pi, chi, iota. */
#include "crypto/fips202.h"

#include <string.h>

#include "util/cpu.h"
#include "util/mem.h"

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

static inline uint64_t rol64(uint64_t v, unsigned int n)
{
	return (v << n) | (v >> ((64 - n) & 63));
}

/* One round from the lanes a0..a24 into e0..e24 (and back), one output
 * row at a time: B[x] of row y is rol(A[x', y'] ^ D[x'], r[x', y']) with
 * (x, y) = (y', 2x' + 3y'). The lanes are separate local variables (not
 * arrays) so the compiler keeps as many as it can in registers. */
#define KECCAK_ROUND_AE(rc) do {           \
	uint64_t C0 = a0 ^ a5 ^ a10 ^ a15 ^ a20;   \
	uint64_t C1 = a1 ^ a6 ^ a11 ^ a16 ^ a21;   \
	uint64_t C2 = a2 ^ a7 ^ a12 ^ a17 ^ a22;   \
	uint64_t C3 = a3 ^ a8 ^ a13 ^ a18 ^ a23;   \
	uint64_t C4 = a4 ^ a9 ^ a14 ^ a19 ^ a24;   \
	uint64_t D0 = C4 ^ rol64(C1, 1);           \
	uint64_t D1 = C0 ^ rol64(C2, 1);           \
	uint64_t D2 = C1 ^ rol64(C3, 1);           \
	uint64_t D3 = C2 ^ rol64(C4, 1);           \
	uint64_t D4 = C3 ^ rol64(C0, 1);           \
	{                                          \
		uint64_t B0 = a0 ^ D0;             \
		uint64_t B1 = rol64(a6 ^ D1, 44);  \
		uint64_t B2 = rol64(a12 ^ D2, 43); \
		uint64_t B3 = rol64(a18 ^ D3, 21); \
		uint64_t B4 = rol64(a24 ^ D4, 14); \
		e0 = B0 ^ (~B1 & B2) ^ (rc);       \
		e1 = B1 ^ (~B2 & B3);              \
		e2 = B2 ^ (~B3 & B4);              \
		e3 = B3 ^ (~B4 & B0);              \
		e4 = B4 ^ (~B0 & B1);              \
	}                                          \
	{                                          \
		uint64_t B0 = rol64(a3 ^ D3, 28);  \
		uint64_t B1 = rol64(a9 ^ D4, 20);  \
		uint64_t B2 = rol64(a10 ^ D0, 3);  \
		uint64_t B3 = rol64(a16 ^ D1, 45); \
		uint64_t B4 = rol64(a22 ^ D2, 61); \
		e5 = B0 ^ (~B1 & B2);              \
		e6 = B1 ^ (~B2 & B3);              \
		e7 = B2 ^ (~B3 & B4);              \
		e8 = B3 ^ (~B4 & B0);              \
		e9 = B4 ^ (~B0 & B1);              \
	}                                          \
	{                                          \
		uint64_t B0 = rol64(a1 ^ D1, 1);   \
		uint64_t B1 = rol64(a7 ^ D2, 6);   \
		uint64_t B2 = rol64(a13 ^ D3, 25); \
		uint64_t B3 = rol64(a19 ^ D4, 8);  \
		uint64_t B4 = rol64(a20 ^ D0, 18); \
		e10 = B0 ^ (~B1 & B2);             \
		e11 = B1 ^ (~B2 & B3);             \
		e12 = B2 ^ (~B3 & B4);             \
		e13 = B3 ^ (~B4 & B0);             \
		e14 = B4 ^ (~B0 & B1);             \
	}                                          \
	{                                          \
		uint64_t B0 = rol64(a4 ^ D4, 27);  \
		uint64_t B1 = rol64(a5 ^ D0, 36);  \
		uint64_t B2 = rol64(a11 ^ D1, 10); \
		uint64_t B3 = rol64(a17 ^ D2, 15); \
		uint64_t B4 = rol64(a23 ^ D3, 56); \
		e15 = B0 ^ (~B1 & B2);             \
		e16 = B1 ^ (~B2 & B3);             \
		e17 = B2 ^ (~B3 & B4);             \
		e18 = B3 ^ (~B4 & B0);             \
		e19 = B4 ^ (~B0 & B1);             \
	}                                          \
	{                                          \
		uint64_t B0 = rol64(a2 ^ D2, 62);  \
		uint64_t B1 = rol64(a8 ^ D3, 55);  \
		uint64_t B2 = rol64(a14 ^ D4, 39); \
		uint64_t B3 = rol64(a15 ^ D0, 41); \
		uint64_t B4 = rol64(a21 ^ D1, 2);  \
		e20 = B0 ^ (~B1 & B2);             \
		e21 = B1 ^ (~B2 & B3);             \
		e22 = B2 ^ (~B3 & B4);             \
		e23 = B3 ^ (~B4 & B0);             \
		e24 = B4 ^ (~B0 & B1);             \
	}                                          \
} while (0)

#define KECCAK_ROUND_EA(rc) do {           \
	uint64_t C0 = e0 ^ e5 ^ e10 ^ e15 ^ e20;   \
	uint64_t C1 = e1 ^ e6 ^ e11 ^ e16 ^ e21;   \
	uint64_t C2 = e2 ^ e7 ^ e12 ^ e17 ^ e22;   \
	uint64_t C3 = e3 ^ e8 ^ e13 ^ e18 ^ e23;   \
	uint64_t C4 = e4 ^ e9 ^ e14 ^ e19 ^ e24;   \
	uint64_t D0 = C4 ^ rol64(C1, 1);           \
	uint64_t D1 = C0 ^ rol64(C2, 1);           \
	uint64_t D2 = C1 ^ rol64(C3, 1);           \
	uint64_t D3 = C2 ^ rol64(C4, 1);           \
	uint64_t D4 = C3 ^ rol64(C0, 1);           \
	{                                          \
		uint64_t B0 = e0 ^ D0;             \
		uint64_t B1 = rol64(e6 ^ D1, 44);  \
		uint64_t B2 = rol64(e12 ^ D2, 43); \
		uint64_t B3 = rol64(e18 ^ D3, 21); \
		uint64_t B4 = rol64(e24 ^ D4, 14); \
		a0 = B0 ^ (~B1 & B2) ^ (rc);       \
		a1 = B1 ^ (~B2 & B3);              \
		a2 = B2 ^ (~B3 & B4);              \
		a3 = B3 ^ (~B4 & B0);              \
		a4 = B4 ^ (~B0 & B1);              \
	}                                          \
	{                                          \
		uint64_t B0 = rol64(e3 ^ D3, 28);  \
		uint64_t B1 = rol64(e9 ^ D4, 20);  \
		uint64_t B2 = rol64(e10 ^ D0, 3);  \
		uint64_t B3 = rol64(e16 ^ D1, 45); \
		uint64_t B4 = rol64(e22 ^ D2, 61); \
		a5 = B0 ^ (~B1 & B2);              \
		a6 = B1 ^ (~B2 & B3);              \
		a7 = B2 ^ (~B3 & B4);              \
		a8 = B3 ^ (~B4 & B0);              \
		a9 = B4 ^ (~B0 & B1);              \
	}                                          \
	{                                          \
		uint64_t B0 = rol64(e1 ^ D1, 1);   \
		uint64_t B1 = rol64(e7 ^ D2, 6);   \
		uint64_t B2 = rol64(e13 ^ D3, 25); \
		uint64_t B3 = rol64(e19 ^ D4, 8);  \
		uint64_t B4 = rol64(e20 ^ D0, 18); \
		a10 = B0 ^ (~B1 & B2);             \
		a11 = B1 ^ (~B2 & B3);             \
		a12 = B2 ^ (~B3 & B4);             \
		a13 = B3 ^ (~B4 & B0);             \
		a14 = B4 ^ (~B0 & B1);             \
	}                                          \
	{                                          \
		uint64_t B0 = rol64(e4 ^ D4, 27);  \
		uint64_t B1 = rol64(e5 ^ D0, 36);  \
		uint64_t B2 = rol64(e11 ^ D1, 10); \
		uint64_t B3 = rol64(e17 ^ D2, 15); \
		uint64_t B4 = rol64(e23 ^ D3, 56); \
		a15 = B0 ^ (~B1 & B2);             \
		a16 = B1 ^ (~B2 & B3);             \
		a17 = B2 ^ (~B3 & B4);             \
		a18 = B3 ^ (~B4 & B0);             \
		a19 = B4 ^ (~B0 & B1);             \
	}                                          \
	{                                          \
		uint64_t B0 = rol64(e2 ^ D2, 62);  \
		uint64_t B1 = rol64(e8 ^ D3, 55);  \
		uint64_t B2 = rol64(e14 ^ D4, 39); \
		uint64_t B3 = rol64(e15 ^ D0, 41); \
		uint64_t B4 = rol64(e21 ^ D1, 2);  \
		a20 = B0 ^ (~B1 & B2);             \
		a21 = B1 ^ (~B2 & B3);             \
		a22 = B2 ^ (~B3 & B4);             \
		a23 = B3 ^ (~B4 & B0);             \
		a24 = B4 ^ (~B0 & B1);             \
	}                                          \
} while (0)

#define KECCAK_PERMUTE_BODY(s) do {                                           \
	uint64_t a0 = s[0], a1 = s[1], a2 = s[2], a3 = s[3], a4 = s[4];       \
	uint64_t a5 = s[5], a6 = s[6], a7 = s[7], a8 = s[8], a9 = s[9];       \
	uint64_t a10 = s[10], a11 = s[11], a12 = s[12], a13 = s[13];          \
	uint64_t a14 = s[14], a15 = s[15], a16 = s[16], a17 = s[17];          \
	uint64_t a18 = s[18], a19 = s[19], a20 = s[20], a21 = s[21];          \
	uint64_t a22 = s[22], a23 = s[23], a24 = s[24];                       \
	uint64_t e0, e1, e2, e3, e4, e5, e6, e7, e8, e9, e10, e11, e12;      \
	uint64_t e13, e14, e15, e16, e17, e18, e19, e20, e21, e22, e23, e24; \
	for (int r = 0; r < 24; r += 2) {                                     \
		KECCAK_ROUND_AE(round_constants[r]);                          \
		KECCAK_ROUND_EA(round_constants[r + 1]);                      \
	}                                                                     \
	s[0] = a0; s[1] = a1; s[2] = a2; s[3] = a3; s[4] = a4;                \
	s[5] = a5; s[6] = a6; s[7] = a7; s[8] = a8; s[9] = a9;                \
	s[10] = a10; s[11] = a11; s[12] = a12; s[13] = a13; s[14] = a14;      \
	s[15] = a15; s[16] = a16; s[17] = a17; s[18] = a18; s[19] = a19;      \
	s[20] = a20; s[21] = a21; s[22] = a22; s[23] = a23; s[24] = a24;      \
} while (0)

static void permute_generic(uint64_t s[25])
{
	KECCAK_PERMUTE_BODY(s);
}

#if defined(PQTUN_HAVE_X86_64) && defined(__GNUC__)
/* The same code compiled with BMI1/BMI2 (and-not and rotate-without-flags
 * instructions), used on the fast path only; the portable path keeps the
 * plain C build. */
__attribute__((target("bmi,bmi2"))) static void permute_bmi(uint64_t s[25])
{
	KECCAK_PERMUTE_BODY(s);
}

static int cpu_has_bmi(void)
{
	static int cached = -1;
	if (cached < 0) {
		__builtin_cpu_init();
		cached = __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2");
	}
	return cached;
}
#endif

void keccakf1600_permute(uint64_t s[25])
{
#if defined(PQTUN_HAVE_X86_64) && defined(__GNUC__)
	if (pqtun_use_avx2() && cpu_has_bmi()) {
		permute_bmi(s);
		return;
	}
#endif
	permute_generic(s);
}

static inline void xor_byte(uint64_t s[25], unsigned int i, uint8_t b)
{
	s[i >> 3] ^= (uint64_t)b << (8 * (i & 7));
}

static inline uint8_t get_byte(const uint64_t s[25], unsigned int i)
{
	return (uint8_t)(s[i >> 3] >> (8 * (i & 7)));
}

static inline uint64_t load64_le(const uint8_t *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
#else
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
#endif
}

static inline void store64_le(uint8_t *p, uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(p, &v, 8);
#else
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
#endif
}

void keccak_init(keccak_state *st, unsigned int rate, uint8_t dsbyte)
{
	memset(st, 0, sizeof(*st));
	st->rate = rate;
	st->dsbyte = dsbyte;
}

void keccak_absorb(keccak_state *st, const uint8_t *in, size_t inlen)
{
	unsigned int pos = st->pos, rate = st->rate;

	/* Finish a partial block byte by byte. */
	while (inlen > 0 && (pos & 7) != 0) {
		xor_byte(st->s, pos++, *in++);
		inlen--;
		if (pos == rate) {
			keccakf1600_permute(st->s);
			pos = 0;
		}
	}
	/* Aligned to a lane: whole lanes at a time. */
	while (inlen >= 8) {
		st->s[pos >> 3] ^= load64_le(in);
		pos += 8;
		in += 8;
		inlen -= 8;
		if (pos == rate) {
			keccakf1600_permute(st->s);
			pos = 0;
		}
	}
	while (inlen > 0) {
		xor_byte(st->s, pos++, *in++);
		inlen--;
	}
	st->pos = pos;
}

void keccak_finalize(keccak_state *st)
{
	xor_byte(st->s, st->pos, st->dsbyte);
	xor_byte(st->s, st->rate - 1, 0x80);
	/* The permutation runs lazily, right before output is needed:
	 * pos == rate means "current block used up". */
	st->pos = st->rate;
	st->squeezing = 1;
}

void keccak_squeezeblocks(uint8_t *out, size_t nblocks, keccak_state *st)
{
	unsigned int lanes = st->rate / 8;
	while (nblocks-- > 0) {
		keccakf1600_permute(st->s);
		for (unsigned int i = 0; i < lanes; i++)
			store64_le(out + 8 * i, st->s[i]);
		out += st->rate;
	}
	st->pos = st->rate;
}

void keccak_squeeze(uint8_t *out, size_t outlen, keccak_state *st)
{
	/* Invariant while squeezing: st->pos bytes of the current state's
	 * rate part have been output already. */
	unsigned int pos = st->pos, rate = st->rate;
	while (outlen > 0) {
		if (pos == rate) {
			keccakf1600_permute(st->s);
			pos = 0;
		}
		if (pos == 0 && outlen >= rate) {
			for (unsigned int i = 0; i < rate / 8; i++)
				store64_le(out + 8 * i, st->s[i]);
			out += rate;
			outlen -= rate;
			pos = rate;
			continue;
		}
		if ((pos & 7) == 0 && outlen >= 8 && pos + 8 <= rate) {
			store64_le(out, st->s[pos >> 3]);
			out += 8;
			outlen -= 8;
			pos += 8;
			continue;
		}
		*out++ = get_byte(st->s, pos++);
		outlen--;
	}
	st->pos = pos;
}

void keccak_wipe(keccak_state *st)
{
	pqtun_memzero(st, sizeof(*st));
}

static void keccak_oneshot(uint8_t *out, size_t outlen, const uint8_t *in,
			   size_t inlen, unsigned int rate, uint8_t ds)
{
	keccak_state st;
	keccak_init(&st, rate, ds);
	keccak_absorb(&st, in, inlen);
	keccak_finalize(&st);
	keccak_squeeze(out, outlen, &st);
	keccak_wipe(&st);
}

void shake128(uint8_t *out, size_t outlen, const uint8_t *in, size_t inlen)
{
	keccak_oneshot(out, outlen, in, inlen, SHAKE128_RATE, 0x1f);
}

void shake256(uint8_t *out, size_t outlen, const uint8_t *in, size_t inlen)
{
	keccak_oneshot(out, outlen, in, inlen, SHAKE256_RATE, 0x1f);
}

void sha3_256(uint8_t out[32], const uint8_t *in, size_t inlen)
{
	keccak_oneshot(out, 32, in, inlen, SHA3_256_RATE, 0x06);
}

void sha3_512(uint8_t out[64], const uint8_t *in, size_t inlen)
{
	keccak_oneshot(out, 64, in, inlen, SHA3_512_RATE, 0x06);
}
