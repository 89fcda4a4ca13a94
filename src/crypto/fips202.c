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

/* One round from state S into state T (theta, rho+pi, chi, iota), one
 * output row at a time so only a few lanes are live at once; rounds
 * alternate between two state copies. B[x] of row y is
 * rol(S[x', y'] ^ D[x'], r[x', y']) with (x, y) = (y', 2x' + 3y'). */
#define KECCAK_ROUND_RW(S, T, rc) do {\
	uint64_t C0 = S[0] ^ S[5] ^ S[10] ^ S[15] ^ S[20];\
	uint64_t C1 = S[1] ^ S[6] ^ S[11] ^ S[16] ^ S[21];\
	uint64_t C2 = S[2] ^ S[7] ^ S[12] ^ S[17] ^ S[22];\
	uint64_t C3 = S[3] ^ S[8] ^ S[13] ^ S[18] ^ S[23];\
	uint64_t C4 = S[4] ^ S[9] ^ S[14] ^ S[19] ^ S[24];\
	uint64_t D0 = C4 ^ rol64(C1, 1);\
	uint64_t D1 = C0 ^ rol64(C2, 1);\
	uint64_t D2 = C1 ^ rol64(C3, 1);\
	uint64_t D3 = C2 ^ rol64(C4, 1);\
	uint64_t D4 = C3 ^ rol64(C0, 1);\
	{\
		uint64_t B0 = S[0] ^ D0;\
		uint64_t B1 = rol64(S[6] ^ D1, 44);\
		uint64_t B2 = rol64(S[12] ^ D2, 43);\
		uint64_t B3 = rol64(S[18] ^ D3, 21);\
		uint64_t B4 = rol64(S[24] ^ D4, 14);\
		T[0] = B0 ^ (~B1 & B2) ^ (rc);\
		T[1] = B1 ^ (~B2 & B3);\
		T[2] = B2 ^ (~B3 & B4);\
		T[3] = B3 ^ (~B4 & B0);\
		T[4] = B4 ^ (~B0 & B1);\
	}\
	{\
		uint64_t B0 = rol64(S[3] ^ D3, 28);\
		uint64_t B1 = rol64(S[9] ^ D4, 20);\
		uint64_t B2 = rol64(S[10] ^ D0, 3);\
		uint64_t B3 = rol64(S[16] ^ D1, 45);\
		uint64_t B4 = rol64(S[22] ^ D2, 61);\
		T[5] = B0 ^ (~B1 & B2);\
		T[6] = B1 ^ (~B2 & B3);\
		T[7] = B2 ^ (~B3 & B4);\
		T[8] = B3 ^ (~B4 & B0);\
		T[9] = B4 ^ (~B0 & B1);\
	}\
	{\
		uint64_t B0 = rol64(S[1] ^ D1, 1);\
		uint64_t B1 = rol64(S[7] ^ D2, 6);\
		uint64_t B2 = rol64(S[13] ^ D3, 25);\
		uint64_t B3 = rol64(S[19] ^ D4, 8);\
		uint64_t B4 = rol64(S[20] ^ D0, 18);\
		T[10] = B0 ^ (~B1 & B2);\
		T[11] = B1 ^ (~B2 & B3);\
		T[12] = B2 ^ (~B3 & B4);\
		T[13] = B3 ^ (~B4 & B0);\
		T[14] = B4 ^ (~B0 & B1);\
	}\
	{\
		uint64_t B0 = rol64(S[4] ^ D4, 27);\
		uint64_t B1 = rol64(S[5] ^ D0, 36);\
		uint64_t B2 = rol64(S[11] ^ D1, 10);\
		uint64_t B3 = rol64(S[17] ^ D2, 15);\
		uint64_t B4 = rol64(S[23] ^ D3, 56);\
		T[15] = B0 ^ (~B1 & B2);\
		T[16] = B1 ^ (~B2 & B3);\
		T[17] = B2 ^ (~B3 & B4);\
		T[18] = B3 ^ (~B4 & B0);\
		T[19] = B4 ^ (~B0 & B1);\
	}\
	{\
		uint64_t B0 = rol64(S[2] ^ D2, 62);\
		uint64_t B1 = rol64(S[8] ^ D3, 55);\
		uint64_t B2 = rol64(S[14] ^ D4, 39);\
		uint64_t B3 = rol64(S[15] ^ D0, 41);\
		uint64_t B4 = rol64(S[21] ^ D1, 2);\
		T[20] = B0 ^ (~B1 & B2);\
		T[21] = B1 ^ (~B2 & B3);\
		T[22] = B2 ^ (~B3 & B4);\
		T[23] = B3 ^ (~B4 & B0);\
		T[24] = B4 ^ (~B0 & B1);\
	}\
} while (0)

#define KECCAK_PERMUTE_BODY(s) do {                                           \
	uint64_t A[25], E[25];                                                \
	memcpy(A, s, sizeof(A));                                              \
	for (int r = 0; r < 24; r += 2) {                                     \
		KECCAK_ROUND_RW(A, E, round_constants[r]);                    \
		KECCAK_ROUND_RW(E, A, round_constants[r + 1]);                \
	}                                                                     \
	memcpy(s, A, sizeof(A));                                              \
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
