/* The 4-lane sponge scheduler: each lane absorbs its job's input block by
 * block (FIPS 202 padding), then squeezes into the job's consumer. */
#include "crypto/mlkem/sponge_x4_avx2.h"

#include <immintrin.h>
#include <string.h>

#include "crypto/fips202.h"
#include "crypto/fips202x4.h"
#include "crypto/mlkem/params.h"
#include "crypto/mlkem/poly.h"
#include "crypto/mlkem/rej_avx2.h"
#include "util/mem.h"

/* XORs in[0..len) into lane l of st from byte 0 of the rate part
 * (len <= rate): whole words, then the last partial word in one go. */
static inline void x4_xor_lane(keccakx4_state *st, unsigned int l, const uint8_t *in, size_t len)
{
	uint64_t *s = st->s + l;
	size_t w = len / 8;
	for (size_t i = 0; i < w; i++) {
		uint64_t v;
		memcpy(&v, in + 8 * i, 8);
		s[4 * i] ^= v; /* x86-64 is little-endian */
	}
	uint64_t last = 0;
	for (size_t b = 8 * w; b < len; b++)
		last |= (uint64_t)in[b] << (8 * (b - 8 * w));
	s[4 * w] ^= last;
}

/* The first 21 words (168 bytes) of each lane into out[l] (32-byte
 * aligned, padded to 192 bytes), with aligned 32-byte stores only (4x4
 * word transposes). */
static void x4_extract(const keccakx4_state *st, uint8_t out[4][192])
{
	for (unsigned int i = 0; i + 4 <= SHAKE128_RATE / 8; i += 4) {
		__m256i l0 = _mm256_load_si256((const __m256i *)&st->s[4 * i]);
		__m256i l1 = _mm256_load_si256((const __m256i *)&st->s[4 * i + 4]);
		__m256i l2 = _mm256_load_si256((const __m256i *)&st->s[4 * i + 8]);
		__m256i l3 = _mm256_load_si256((const __m256i *)&st->s[4 * i + 12]);
		__m256i t0 = _mm256_unpacklo_epi64(l0, l1), t1 = _mm256_unpackhi_epi64(l0, l1);
		__m256i t2 = _mm256_unpacklo_epi64(l2, l3), t3 = _mm256_unpackhi_epi64(l2, l3);
		_mm256_store_si256((__m256i *)(out[0] + 8 * i), _mm256_permute2x128_si256(t0, t2, 0x20));
		_mm256_store_si256((__m256i *)(out[1] + 8 * i), _mm256_permute2x128_si256(t1, t3, 0x20));
		_mm256_store_si256((__m256i *)(out[2] + 8 * i), _mm256_permute2x128_si256(t0, t2, 0x31));
		_mm256_store_si256((__m256i *)(out[3] + 8 * i), _mm256_permute2x128_si256(t1, t3, 0x31));
	}
	/* Word 20 (bytes 160..167), zero padding after it. */
	for (unsigned int l = 0; l < 4; l++)
		_mm256_store_si256((__m256i *)(out[l] + 160),
				   _mm256_set_epi64x(0, 0, 0, (long long)st->s[4 * 20 + l]));
}

/* SamplePolyCBD_2 into p from buf[0..128) (secret, constant time); kept
 * out of line so that its loop is vectorised on its own. */
static __attribute__((noinline)) void x4_noise_poly(mlkem_poly *restrict p,
						   const uint8_t *restrict buf)
{
	mlkem_poly_cbd2(p, buf);
}

void mlkem_x4_run_jobs(mlkem_x4_job *jobs, size_t njobs)
{
	keccakx4_state st;
	uint8_t out[4][192] __attribute__((aligned(32)));
	int job_of[4] = { -1, -1, -1, -1 }, squeezing[4] = { 0, 0, 0, 0 };
	size_t next = 0;

	memset(&st, 0, sizeof(st));
	for (;;) {
		int busy = 0;
		for (unsigned int l = 0; l < 4; l++) {
			if (job_of[l] < 0 && next < njobs) {
				job_of[l] = (int)next++;
				squeezing[l] = 0;
				for (unsigned int i = 0; i < 25; i++)
					st.s[4 * i + l] = 0;
			}
			if (job_of[l] < 0)
				continue;
			busy = 1;
			mlkem_x4_job *j = &jobs[job_of[l]];
			if (squeezing[l])
				continue;
			size_t rem = j->inlen - j->off;
			if (rem >= j->rate) {
				x4_xor_lane(&st, l, j->in + j->off, j->rate);
				j->off += j->rate;
			} else {
				/* Last block: FIPS 202 pad10*1 after the domain
				 * bits (rates are multiples of 8 bytes). */
				x4_xor_lane(&st, l, j->in + j->off, rem);
				st.s[4 * (rem / 8) + l] ^= (uint64_t)j->ds << (8 * (rem % 8));
				st.s[4 * (j->rate / 8 - 1) + l] ^= 0x80ULL << 56;
				j->off = j->inlen;
				squeezing[l] = 1;
			}
		}
		if (!busy)
			break;
		keccakx4_permute(&st);
		if (!(squeezing[0] | squeezing[1] | squeezing[2] | squeezing[3]))
			continue;
		x4_extract(&st, out);
		for (unsigned int l = 0; l < 4; l++) {
			if (job_of[l] < 0 || !squeezing[l])
				continue;
			mlkem_x4_job *j = &jobs[job_of[l]];
			int done = 1;
			if (j->kind == MLKEM_X4_HASH32) {
				memcpy(j->out, out[l], 32);
			} else if (j->kind == MLKEM_X4_NOISE) {
				x4_noise_poly(j->poly, out[l]);
			} else {
				j->ctr = mlkem_rej_uniform_avx2_block(j->coeffs, j->ctr, out[l]);
				done = j->ctr >= MLKEM_N;
			}
			if (done)
				job_of[l] = -1;
		}
	}
	pqtun_memzero(&st, sizeof(st));
	pqtun_memzero(out, sizeof(out));
}
