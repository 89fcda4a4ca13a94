/* ML-KEM polynomial types and the representation-independent helpers
 * (FIPS 203 §4.2.1 Compress/Decompress, ByteEncode/ByteDecode, §4.2.2
 * SamplePolyCBD and the rejection step of SampleNTT).
 *
 * This header is included by both the portable and the AVX2 translation
 * unit, so everything in it is static inline. Unless noted, functions run
 * in constant time with respect to coefficient values. */
#ifndef PQTUN_MLKEM_POLY_H
#define PQTUN_MLKEM_POLY_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crypto/mlkem/params.h"
#include "crypto/mlkem/reduce.h"

typedef struct {
	int16_t c[MLKEM_N];
} __attribute__((aligned(32))) mlkem_poly;

typedef struct {
	mlkem_poly v[MLKEM_K];
} mlkem_polyvec;

/* Precomputed second operand of a base multiplication: for each pair
 * (b0, b1) of an NTT-domain polynomial, v holds (b0, b1 * gamma * 2^-16)
 * and sw holds (b1, b0). Built once per vector and reused for every
 * product with it (both halves of a product are then pairwise dot
 * products, which vectorise). */
typedef struct {
	mlkem_poly v[MLKEM_K];
	mlkem_poly sw[MLKEM_K];
} mlkem_polyvec_cache;

/* Little-endian 64-bit load. */
static inline uint64_t mlkem_load_le64(const uint8_t *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
#else
	uint64_t v = 0;
	for (unsigned int b = 0; b < 8; b++)
		v |= (uint64_t)p[b] << (8 * b);
	return v;
#endif
}

/* ByteDecode12 followed by reduction mod q: out coefficients in [0, q).
 * For a checked ek nothing changes; for dk_pke this is FIPS 203's "mod q". */
static inline void mlkem_poly_frombytes(mlkem_poly *r, const uint8_t a[MLKEM_POLYBYTES])
{
	for (unsigned int i = 0; i < MLKEM_N / 2; i++) {
		uint16_t t0 = (uint16_t)(a[3 * i] | ((uint16_t)(a[3 * i + 1] & 0x0f) << 8));
		uint16_t t1 = (uint16_t)((a[3 * i + 1] >> 4) | ((uint16_t)a[3 * i + 2] << 4));
		r->c[2 * i] = mlkem_csubq((int16_t)t0);
		r->c[2 * i + 1] = mlkem_csubq((int16_t)t1);
	}
}

/* ByteEncode12 of coefficients in (-q, q) (mapped to [0, q) first). */
static inline void mlkem_poly_tobytes(uint8_t r[MLKEM_POLYBYTES], const mlkem_poly *a)
{
	for (unsigned int i = 0; i < MLKEM_N / 2; i++) {
		uint16_t t0 = (uint16_t)mlkem_caddq(a->c[2 * i]);
		uint16_t t1 = (uint16_t)mlkem_caddq(a->c[2 * i + 1]);
		r[3 * i] = (uint8_t)t0;
		r[3 * i + 1] = (uint8_t)((t0 >> 8) | (t1 << 4));
		r[3 * i + 2] = (uint8_t)(t1 >> 4);
	}
}

/* 1 if every 12-bit coefficient in a is below q (FIPS 203 §7.2), else 0.
 * Only used on public keys, but branch-free anyway. */
static inline int mlkem_poly_bytes_in_range(const uint8_t a[MLKEM_POLYBYTES])
{
	uint32_t bad = 0;
	for (unsigned int i = 0; i < MLKEM_N / 2; i++) {
		uint32_t t0 = a[3 * i] | ((uint32_t)(a[3 * i + 1] & 0x0f) << 8);
		uint32_t t1 = (a[3 * i + 1] >> 4) | ((uint32_t)a[3 * i + 2] << 4);
		bad |= ((uint32_t)(MLKEM_Q - 1) - t0) | ((uint32_t)(MLKEM_Q - 1) - t1);
	}
	return (int)((bad >> 31) ^ 1);
}

/* Compress_d of x in [0, q): round(2^d x / q) mod 2^d, by multiplication
 * with a precomputed reciprocal (no division; checked exhaustively in tests). */
static inline uint32_t mlkem_compress11(int16_t x)
{
	uint64_t t = ((uint64_t)(uint16_t)x << 11) + MLKEM_Q / 2;
	return (uint32_t)((t * 161271) >> 29) & 0x7ff;
}

static inline uint32_t mlkem_compress5(int16_t x)
{
	uint32_t t = ((uint32_t)(uint16_t)x << 5) + MLKEM_Q / 2;
	return ((t * 315) >> 20) & 0x1f;
}

static inline uint32_t mlkem_compress1(int16_t x)
{
	uint32_t t = ((uint32_t)(uint16_t)x << 1) + MLKEM_Q / 2;
	return ((t * 315) >> 20) & 1;
}

/* Decompress_d(y) = round(q y / 2^d). */
static inline int16_t mlkem_decompress(uint32_t y, unsigned int d)
{
	return (int16_t)((y * MLKEM_Q + (1u << (d - 1))) >> d);
}

/* Writes the low n bytes of w, least significant first. */
static inline void mlkem_store_le(uint8_t *o, uint64_t w, unsigned int n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (n == 8) {
		memcpy(o, &w, 8);
		return;
	}
#endif
	for (unsigned int k = 0; k < n; k++)
		o[k] = (uint8_t)(w >> (8 * k));
}

/* ByteEncode11(Compress11(a)) for a in (-q, q): 352 bytes; each group of 8
 * values is assembled in a 64-bit and a 32-bit word. */
static inline void mlkem_poly_compress_du(uint8_t r[MLKEM_POLYCOMP_DU_BYTES], const mlkem_poly *a)
{
	for (unsigned int i = 0; i < MLKEM_N / 8; i++) {
		uint64_t t[8];
		for (unsigned int j = 0; j < 8; j++)
			t[j] = mlkem_compress11(mlkem_caddq(a->c[8 * i + j]));
		uint64_t lo = t[0] | (t[1] << 11) | (t[2] << 22) | (t[3] << 33) | (t[4] << 44) |
			      (t[5] << 55);
		uint64_t hi = (t[5] >> 9) | (t[6] << 2) | (t[7] << 13);
		mlkem_store_le(r + 11 * i, lo, 8);
		mlkem_store_le(r + 11 * i + 8, hi, 3);
	}
}

/* Decompress11(ByteDecode11(a)): coefficients in [0, q). Each 11-byte
 * group holds 8 values; they are read from one 64-bit and one 32-bit
 * little-endian word (no temporary array: vector code reloading scalar
 * stores would stall on store forwarding). */
static inline void mlkem_poly_decompress_du(mlkem_poly *r, const uint8_t a[MLKEM_POLYCOMP_DU_BYTES])
{
	for (unsigned int i = 0; i < MLKEM_N / 8; i++) {
		const uint8_t *b = a + 11 * i;
		uint64_t lo = mlkem_load_le64(b);
		uint32_t hi = 0;
		for (unsigned int k = 0; k < 3; k++)
			hi |= (uint32_t)b[8 + k] << (8 * k);
		/* values 0..4 lie in lo (bits 0..54); 5 straddles (bits 55..65) */
		r->c[8 * i + 0] = mlkem_decompress((uint32_t)lo & 0x7ff, MLKEM_DU);
		r->c[8 * i + 1] = mlkem_decompress((uint32_t)(lo >> 11) & 0x7ff, MLKEM_DU);
		r->c[8 * i + 2] = mlkem_decompress((uint32_t)(lo >> 22) & 0x7ff, MLKEM_DU);
		r->c[8 * i + 3] = mlkem_decompress((uint32_t)(lo >> 33) & 0x7ff, MLKEM_DU);
		r->c[8 * i + 4] = mlkem_decompress((uint32_t)(lo >> 44) & 0x7ff, MLKEM_DU);
		r->c[8 * i + 5] = mlkem_decompress(((uint32_t)(lo >> 55) | (hi << 9)) & 0x7ff, MLKEM_DU);
		r->c[8 * i + 6] = mlkem_decompress((hi >> 2) & 0x7ff, MLKEM_DU);
		r->c[8 * i + 7] = mlkem_decompress((hi >> 13) & 0x7ff, MLKEM_DU);
	}
}

/* ByteEncode5(Compress5(a)) for a in (-q, q): 160 bytes, 8 values per
 * 40-bit word. */
static inline void mlkem_poly_compress_dv(uint8_t r[MLKEM_POLYCOMP_DV_BYTES], const mlkem_poly *a)
{
	for (unsigned int i = 0; i < MLKEM_N / 8; i++) {
		uint64_t w = 0;
		for (unsigned int j = 0; j < 8; j++)
			w |= (uint64_t)mlkem_compress5(mlkem_caddq(a->c[8 * i + j])) << (5 * j);
		mlkem_store_le(r + 5 * i, w, 5);
	}
}

/* Decompress5(ByteDecode5(a)): coefficients in [0, q); each 5-byte group
 * holds 8 values, read as one 40-bit word. */
static inline void mlkem_poly_decompress_dv(mlkem_poly *r, const uint8_t a[MLKEM_POLYCOMP_DV_BYTES])
{
	for (unsigned int i = 0; i < MLKEM_N / 8; i++) {
		const uint8_t *b = a + 5 * i;
		uint64_t w = 0;
		for (unsigned int k = 0; k < 5; k++)
			w |= (uint64_t)b[k] << (8 * k);
		for (unsigned int j = 0; j < 8; j++)
			r->c[8 * i + j] = mlkem_decompress((uint32_t)(w >> (5 * j)) & 0x1f, MLKEM_DV);
	}
}

/* Decompress1(ByteDecode1(m)): bit b of the message becomes b * (q+1)/2. */
static inline void mlkem_poly_frommsg(mlkem_poly *r, const uint8_t m[MLKEM_SYMBYTES])
{
	for (unsigned int i = 0; i < MLKEM_SYMBYTES; i++)
		for (unsigned int j = 0; j < 8; j++) {
			int16_t bit = (int16_t)((m[i] >> j) & 1);
			r->c[8 * i + j] = (int16_t)(-bit & ((MLKEM_Q + 1) / 2));
		}
}

/* ByteEncode1(Compress1(a)) for a in (-q, q). */
static inline void mlkem_poly_tomsg(uint8_t m[MLKEM_SYMBYTES], const mlkem_poly *a)
{
	for (unsigned int i = 0; i < MLKEM_SYMBYTES; i++) {
		uint32_t byte = 0;
		for (unsigned int j = 0; j < 8; j++)
			byte |= mlkem_compress1(mlkem_caddq(a->c[8 * i + j])) << j;
		m[i] = (uint8_t)byte;
	}
}

/* SamplePolyCBD_2 from 128 bytes of PRF output (FIPS 203 Alg. 8):
 * coefficient i = (b[4i] + b[4i+1]) - (b[4i+2] + b[4i+3]) over the bits. */
static inline void mlkem_poly_cbd2(mlkem_poly *r, const uint8_t buf[128])
{
	/* Byte i gives coefficients 2i (low nibble) and 2i+1 (high nibble);
	 * s counts the set bits of each 2-bit group. */
	for (unsigned int i = 0; i < 128; i++) {
		uint8_t b = buf[i];
		uint8_t s = (uint8_t)((b & 0x55) + ((b >> 1) & 0x55));
		r->c[2 * i] = (int16_t)((s & 3) - ((s >> 2) & 3));
		r->c[2 * i + 1] = (int16_t)(((s >> 4) & 3) - ((s >> 6) & 3));
	}
}

/* Rejection step of SampleNTT (FIPS 203 Alg. 7) on public XOF output:
 * appends coefficients < q read from buf (3 bytes -> two 12-bit values) to
 * r[ctr..], stopping at len. Returns the new count. Branches on the
 * (public) data. */
static inline unsigned int mlkem_rej_uniform(int16_t *r, unsigned int ctr, unsigned int len,
					     const uint8_t *buf, size_t buflen)
{
	size_t pos = 0;
	/* Branch-free, 16 candidates per 24 bytes while 16 more fit: the bytes
	 * are read as three little-endian 64-bit words at multiples of 8 (where
	 * the XOF stored them, so loads and stores line up); each candidate is
	 * written and kept only if accepted (a rejected one is overwritten). */
#define MLKEM_REJ_PUT(v) do {                                                  \
	uint16_t d_ = (uint16_t)((v) & 0xfff);                                 \
	r[ctr] = (int16_t)d_;                                                  \
	ctr += (d_ < MLKEM_Q);                                                 \
} while (0)
	while (ctr + 16 <= len && pos + 24 <= buflen) {
		uint64_t w0 = mlkem_load_le64(buf + pos), w1 = mlkem_load_le64(buf + pos + 8);
		uint64_t w2 = mlkem_load_le64(buf + pos + 16);
		pos += 24;
		MLKEM_REJ_PUT(w0);
		MLKEM_REJ_PUT(w0 >> 12);
		MLKEM_REJ_PUT(w0 >> 24);
		MLKEM_REJ_PUT(w0 >> 36);
		MLKEM_REJ_PUT(w0 >> 48);
		MLKEM_REJ_PUT((w0 >> 60) | (w1 << 4));
		MLKEM_REJ_PUT(w1 >> 8);
		MLKEM_REJ_PUT(w1 >> 20);
		MLKEM_REJ_PUT(w1 >> 32);
		MLKEM_REJ_PUT(w1 >> 44);
		MLKEM_REJ_PUT((w1 >> 56) | (w2 << 8));
		MLKEM_REJ_PUT(w2 >> 4);
		MLKEM_REJ_PUT(w2 >> 16);
		MLKEM_REJ_PUT(w2 >> 28);
		MLKEM_REJ_PUT(w2 >> 40);
		MLKEM_REJ_PUT(w2 >> 52);
	}
#undef MLKEM_REJ_PUT
	/* Then two at a time while they fit, and exactly at the end. */
	while (ctr + 2 <= len && pos + 3 <= buflen) {
		uint16_t d1 = (uint16_t)(buf[pos] | ((uint16_t)(buf[pos + 1] & 0x0f) << 8));
		uint16_t d2 = (uint16_t)((buf[pos + 1] >> 4) | ((uint16_t)buf[pos + 2] << 4));
		pos += 3;
		r[ctr] = (int16_t)d1;
		ctr += (d1 < MLKEM_Q);
		r[ctr] = (int16_t)d2;
		ctr += (d2 < MLKEM_Q);
	}
	while (ctr < len && pos + 3 <= buflen) {
		uint16_t d1 = (uint16_t)(buf[pos] | ((uint16_t)(buf[pos + 1] & 0x0f) << 8));
		uint16_t d2 = (uint16_t)((buf[pos + 1] >> 4) | ((uint16_t)buf[pos + 2] << 4));
		pos += 3;
		if (d1 < MLKEM_Q)
			r[ctr++] = (int16_t)d1;
		if (d2 < MLKEM_Q && ctr < len)
			r[ctr++] = (int16_t)d2;
	}
	return ctr;
}

/* Element-wise r = a + b / a - b (r may be a or b: each coefficient is
 * read before it is written, so MLKEM_NO_OVERLAP_LOOP lets the loops
 * vectorise without run-time overlap checks). */
#if defined(__clang__)
#define MLKEM_NO_OVERLAP_LOOP _Pragma("clang loop vectorize(assume_safety)")
#elif defined(__GNUC__)
#define MLKEM_NO_OVERLAP_LOOP _Pragma("GCC ivdep")
#else
#define MLKEM_NO_OVERLAP_LOOP
#endif
static inline void mlkem_poly_add(mlkem_poly *r, const mlkem_poly *a, const mlkem_poly *b)
{
	MLKEM_NO_OVERLAP_LOOP
	for (unsigned int i = 0; i < MLKEM_N; i++)
		r->c[i] = (int16_t)(a->c[i] + b->c[i]);
}

static inline void mlkem_poly_sub(mlkem_poly *r, const mlkem_poly *a, const mlkem_poly *b)
{
	MLKEM_NO_OVERLAP_LOOP
	for (unsigned int i = 0; i < MLKEM_N; i++)
		r->c[i] = (int16_t)(a->c[i] - b->c[i]);
}

/* Centred reduction of every coefficient (|input| < 2^15). */
static inline void mlkem_poly_reduce(mlkem_poly *r)
{
	MLKEM_NO_OVERLAP_LOOP
	for (unsigned int i = 0; i < MLKEM_N; i++)
		r->c[i] = mlkem_barrett_reduce(r->c[i]);
}

/* Multiply by 2^16 (into Montgomery form): r = a * 2^32 * 2^-16. */
static inline void mlkem_poly_tomont(mlkem_poly *r)
{
	MLKEM_NO_OVERLAP_LOOP
	for (unsigned int i = 0; i < MLKEM_N; i++)
		r->c[i] = mlkem_fqmul(r->c[i], MLKEM_MONT2);
}

#endif
