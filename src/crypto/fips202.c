/* FIPS 202 sponge construction over Keccak-f[1600].
 * Written from the FIPS 202 text: state as 25 64-bit lanes A[x + 5y],
 * little-endian byte order, steps theta, rho, pi, chi, iota. */
#include "crypto/fips202.h"

#include <string.h>

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

/* One round with theta, rho+pi fused, chi and iota, written out per lane so
 * the compiler keeps all 25 lanes in registers. */
#define KECCAK_ROUND(A, rc) do {                                              \
	uint64_t C0 = A[0] ^ A[5] ^ A[10] ^ A[15] ^ A[20];                    \
	uint64_t C1 = A[1] ^ A[6] ^ A[11] ^ A[16] ^ A[21];                    \
	uint64_t C2 = A[2] ^ A[7] ^ A[12] ^ A[17] ^ A[22];                    \
	uint64_t C3 = A[3] ^ A[8] ^ A[13] ^ A[18] ^ A[23];                    \
	uint64_t C4 = A[4] ^ A[9] ^ A[14] ^ A[19] ^ A[24];                    \
	uint64_t D0 = C4 ^ rol64(C1, 1), D1 = C0 ^ rol64(C2, 1);              \
	uint64_t D2 = C1 ^ rol64(C3, 1), D3 = C2 ^ rol64(C4, 1);              \
	uint64_t D4 = C3 ^ rol64(C0, 1);                                      \
	/* B[y, 2x+3y] = rol(A[x,y] ^ D[x], r[x,y]) */                        \
	uint64_t B00 = A[0] ^ D0;                                             \
	uint64_t B01 = rol64(A[6] ^ D1, 44);                                  \
	uint64_t B02 = rol64(A[12] ^ D2, 43);                                 \
	uint64_t B03 = rol64(A[18] ^ D3, 21);                                 \
	uint64_t B04 = rol64(A[24] ^ D4, 14);                                 \
	uint64_t B10 = rol64(A[3] ^ D3, 28);                                  \
	uint64_t B11 = rol64(A[9] ^ D4, 20);                                  \
	uint64_t B12 = rol64(A[10] ^ D0, 3);                                  \
	uint64_t B13 = rol64(A[16] ^ D1, 45);                                 \
	uint64_t B14 = rol64(A[22] ^ D2, 61);                                 \
	uint64_t B20 = rol64(A[1] ^ D1, 1);                                   \
	uint64_t B21 = rol64(A[7] ^ D2, 6);                                   \
	uint64_t B22 = rol64(A[13] ^ D3, 25);                                 \
	uint64_t B23 = rol64(A[19] ^ D4, 8);                                  \
	uint64_t B24 = rol64(A[20] ^ D0, 18);                                 \
	uint64_t B30 = rol64(A[4] ^ D4, 27);                                  \
	uint64_t B31 = rol64(A[5] ^ D0, 36);                                  \
	uint64_t B32 = rol64(A[11] ^ D1, 10);                                 \
	uint64_t B33 = rol64(A[17] ^ D2, 15);                                 \
	uint64_t B34 = rol64(A[23] ^ D3, 56);                                 \
	uint64_t B40 = rol64(A[2] ^ D2, 62);                                  \
	uint64_t B41 = rol64(A[8] ^ D3, 55);                                  \
	uint64_t B42 = rol64(A[14] ^ D4, 39);                                 \
	uint64_t B43 = rol64(A[15] ^ D0, 41);                                 \
	uint64_t B44 = rol64(A[21] ^ D1, 2);                                  \
	A[0] = B00 ^ (~B01 & B02) ^ (rc);                                     \
	A[1] = B01 ^ (~B02 & B03);                                            \
	A[2] = B02 ^ (~B03 & B04);                                            \
	A[3] = B03 ^ (~B04 & B00);                                            \
	A[4] = B04 ^ (~B00 & B01);                                            \
	A[5] = B10 ^ (~B11 & B12);                                            \
	A[6] = B11 ^ (~B12 & B13);                                            \
	A[7] = B12 ^ (~B13 & B14);                                            \
	A[8] = B13 ^ (~B14 & B10);                                            \
	A[9] = B14 ^ (~B10 & B11);                                            \
	A[10] = B20 ^ (~B21 & B22);                                           \
	A[11] = B21 ^ (~B22 & B23);                                           \
	A[12] = B22 ^ (~B23 & B24);                                           \
	A[13] = B23 ^ (~B24 & B20);                                           \
	A[14] = B24 ^ (~B20 & B21);                                           \
	A[15] = B30 ^ (~B31 & B32);                                           \
	A[16] = B31 ^ (~B32 & B33);                                           \
	A[17] = B32 ^ (~B33 & B34);                                           \
	A[18] = B33 ^ (~B34 & B30);                                           \
	A[19] = B34 ^ (~B30 & B31);                                           \
	A[20] = B40 ^ (~B41 & B42);                                           \
	A[21] = B41 ^ (~B42 & B43);                                           \
	A[22] = B42 ^ (~B43 & B44);                                           \
	A[23] = B43 ^ (~B44 & B40);                                           \
	A[24] = B44 ^ (~B40 & B41);                                           \
} while (0)

void keccakf1600_permute(uint64_t s[25])
{
	uint64_t A[25];
	memcpy(A, s, sizeof(A));
	for (int r = 0; r < 24; r++)
		KECCAK_ROUND(A, round_constants[r]);
	memcpy(s, A, sizeof(A));
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
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static inline void store64_le(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
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
	keccakf1600_permute(st->s);
	st->pos = 0;
	st->squeezing = 1;
}

void keccak_squeezeblocks(uint8_t *out, size_t nblocks, keccak_state *st)
{
	unsigned int lanes = st->rate / 8;
	/* After finalize the current state is already the first block. */
	while (nblocks-- > 0) {
		for (unsigned int i = 0; i < lanes; i++)
			store64_le(out + 8 * i, st->s[i]);
		out += st->rate;
		keccakf1600_permute(st->s);
	}
	st->pos = 0;
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
