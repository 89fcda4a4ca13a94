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

/* 1 if job j (absorbing, not yet padded) can absorb its next block now:
 * a whole block, or its last (partial) block once all input is there. */
static inline int x4_can_absorb(const mlkem_x4_job *j)
{
	size_t avail = j->avail ? *j->avail : j->inlen;
	return avail == j->inlen || avail - j->off >= j->rate;
}

/* 1 if every job that is not detachable has finished. */
static int x4_only_detachable_left(const mlkem_x4_job *jobs, size_t njobs, const int job_of[4],
				   size_t next)
{
	for (size_t n = next; n < njobs; n++)
		if (!jobs[n].detach)
			return 0;
	for (unsigned int l = 0; l < 4; l++)
		if (job_of[l] >= 0 && !jobs[job_of[l]].detach)
			return 0;
	return 1;
}

void mlkem_x4_run_jobs(mlkem_x4_job *jobs, size_t njobs)
{
	keccakx4_state st;
	uint8_t out[4][192] __attribute__((aligned(32)));
	uint64_t stalled_lane[25];
	int job_of[4] = { -1, -1, -1, -1 }, squeezing[4] = { 0, 0, 0, 0 };
	size_t next = 0;

	memset(&st, 0, sizeof(st));
	for (;;) {
		int busy = 0, progress = 0, stalled = -1;
		if (x4_only_detachable_left(jobs, njobs, job_of, next)) {
			/* Hand the rest of each detachable job to the caller. */
			for (unsigned int l = 0; l < 4; l++)
				if (job_of[l] >= 0)
					for (unsigned int i = 0; i < 25; i++)
						jobs[job_of[l]].detach[i] = st.s[4 * i + l];
			for (; next < njobs; next++)
				memset(jobs[next].detach, 0, 25 * sizeof(uint64_t));
			break;
		}
		for (unsigned int l = 0; l < 4; l++) {
			if (job_of[l] < 0 && next < njobs) {
				job_of[l] = (int)next++;
				squeezing[l] = 0;
#pragma GCC unroll 25
				for (unsigned int i = 0; i < 25; i++)
					st.s[4 * i + l] = 0;
			}
			if (job_of[l] < 0)
				continue;
			busy = 1;
			mlkem_x4_job *j = &jobs[job_of[l]];
			if (squeezing[l]) {
				progress = 1;
				continue;
			}
			if (!x4_can_absorb(j)) {
				/* Keep this lane's state out of the permutation
				 * (at most one streaming job runs at a time). */
				stalled = (int)l;
#pragma GCC unroll 25
				for (unsigned int i = 0; i < 25; i++)
					stalled_lane[i] = st.s[4 * i + l];
				continue;
			}
			progress = 1;
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
		/* No lane can move: nothing would ever supply the waiting job's
		 * input (a caller error); stop rather than spin. */
		if (!busy || !progress)
			break;
		keccakx4_permute(&st);
		if (stalled >= 0)
#pragma GCC unroll 25
			for (unsigned int i = 0; i < 25; i++)
				st.s[4 * i + (unsigned int)stalled] = stalled_lane[i];
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
			if (done) {
				job_of[l] = -1;
				j->finished = 1;
				if (j->on_done)
					j->on_done(j->ctx, j);
			}
		}
	}
	pqtun_memzero(&st, sizeof(st));
	pqtun_memzero(out, sizeof(out));
	pqtun_memzero(stalled_lane, sizeof(stalled_lane));
}

void mlkem_x4_finish_hash32(mlkem_x4_job *j)
{
	uint64_t *s = j->detach;
	while (j->inlen - j->off >= j->rate) {
		for (unsigned int i = 0; i < j->rate / 8; i++) {
			uint64_t v;
			memcpy(&v, j->in + j->off + 8 * i, 8);
			s[i] ^= v;
		}
		keccakf1600_permute(s);
		j->off += j->rate;
	}
	size_t rem = j->inlen - j->off;
	for (size_t i = 0; i < rem / 8; i++) {
		uint64_t v;
		memcpy(&v, j->in + j->off + 8 * i, 8);
		s[i] ^= v;
	}
	for (size_t b = rem & ~(size_t)7; b < rem; b++)
		s[b / 8] ^= (uint64_t)j->in[j->off + b] << (8 * (b % 8));
	s[rem / 8] ^= (uint64_t)j->ds << (8 * (rem % 8));
	s[j->rate / 8 - 1] ^= 0x80ULL << 56;
	j->off = j->inlen;
	keccakf1600_permute(s);
	memcpy(j->out, s, 32); /* little-endian lanes */
	j->finished = 1;
	pqtun_memzero(s, 25 * sizeof(uint64_t));
}
