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

/* Rotation offsets r[x + 5y] and the pi step as a source table: the lane
 * that lands at position x + 5y of row y after pi comes from A[src]. */
#define ROW(E, y, s0, r0, s1, r1, s2, r2, s3, r3, s4, r4) do {                    \
		__m256i b0 = ROLX(XOR(A[s0], D[s0 % 5]), r0);                     \
		__m256i b1 = ROLX(XOR(A[s1], D[s1 % 5]), r1);                     \
		__m256i b2 = ROLX(XOR(A[s2], D[s2 % 5]), r2);                     \
		__m256i b3 = ROLX(XOR(A[s3], D[s3 % 5]), r3);                     \
		__m256i b4 = ROLX(XOR(A[s4], D[s4 % 5]), r4);                     \
		E[5 * (y) + 0] = XOR(b0, ANDN(b1, b2));                           \
		E[5 * (y) + 1] = XOR(b1, ANDN(b2, b3));                           \
		E[5 * (y) + 2] = XOR(b2, ANDN(b3, b4));                           \
		E[5 * (y) + 3] = XOR(b3, ANDN(b4, b0));                           \
		E[5 * (y) + 4] = XOR(b4, ANDN(b0, b1));                           \
	} while (0)

/* rol by 0 is the identity */
#define ROLX(x, n) ((n) ? ROL(x, (n) ? (n) : 1) : (x))

/* One round from A into E: theta, then row by row rho+pi, chi (iota is
 * applied by the caller). Only one row's lanes are live at a time. */
static inline __attribute__((always_inline)) void keccak_x4_round(__m256i *E, const __m256i *A)
{
	__m256i C[5], D[5];
#define COLUMN(x) XOR(XOR(XOR(A[x], A[x + 5]), XOR(A[x + 10], A[x + 15])), A[x + 20])
	C[0] = COLUMN(0);
	C[1] = COLUMN(1);
	C[2] = COLUMN(2);
	C[3] = COLUMN(3);
	C[4] = COLUMN(4);
#undef COLUMN
	D[0] = XOR(C[4], ROL(C[1], 1));
	D[1] = XOR(C[0], ROL(C[2], 1));
	D[2] = XOR(C[1], ROL(C[3], 1));
	D[3] = XOR(C[2], ROL(C[4], 1));
	D[4] = XOR(C[3], ROL(C[0], 1));
	ROW(E, 0, 0, 0, 6, 44, 12, 43, 18, 21, 24, 14);
	ROW(E, 1, 3, 28, 9, 20, 10, 3, 16, 45, 22, 61);
	ROW(E, 2, 1, 1, 7, 6, 13, 25, 19, 8, 20, 18);
	ROW(E, 3, 4, 27, 5, 36, 11, 10, 17, 15, 23, 56);
	ROW(E, 4, 2, 62, 8, 55, 14, 39, 15, 41, 21, 2);
}

/* The 24 rounds on four interleaved states (same lane schedule as the
 * scalar permutation in fips202.c), alternating between two buffers. */
static void keccak_x4_permute(uint64_t st[25][4])
{
	__m256i A[25], E[25];
	for (int i = 0; i < 25; i++)
		A[i] = _mm256_load_si256((const __m256i *)st[i]);
	for (int r = 0; r < 24; r += 2) {
		keccak_x4_round(E, A);
		E[0] = XOR(E[0], _mm256_set1_epi64x((long long)round_constants[r]));
		keccak_x4_round(A, E);
		A[0] = XOR(A[0], _mm256_set1_epi64x((long long)round_constants[r + 1]));
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

/* If bytes [off, off + RATE) of job lie inside one part, point *src at
 * them and return 1. */
static int direct_block(const hqc_shake_job *job, size_t off, const uint8_t **src)
{
	for (int p = 0; p < HQC_SHAKE_JOB_PARTS; p++) {
		size_t len = job->len[p];
		if (off < len) {
			if (len - off < RATE)
				return 0;
			*src = job->part[p] + off;
			return 1;
		}
		off -= len;
	}
	return 0;
}

static inline uint64_t load64_le(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8); /* x86-64: little-endian */
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
			const uint8_t *src = block;
			if (take == RATE && direct_block(&jobs[l], off, &src)) {
				/* whole block inside one part: read it in place */
			} else {
				gather(block, &jobs[l], off, take);
				src = block;
			}
			for (int i = 0; i < RATE_LANES; i++)
				st[i][l] ^= load64_le(src + 8 * i);
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
