/* Four SHAKE256 sponges in parallel over the shared four-way AVX2
 * Keccak-f[1600] (crypto/fips202x4.h: lane i of state l is s[4 * i + l]).
 * Each state absorbs its own padded input and squeezes its own output; all
 * four are permuted together until the longest job is done. (HQC had its
 * own copy of the permutation; the shared one measured the same, 0.49 us
 * per four-way permutation, so the copy was dropped.) */
#include "crypto/hqc/shake_x4.h"

#include <immintrin.h>
#include <string.h>

#include "crypto/fips202x4.h"
#include "util/mem.h"

#define RATE 136
#define RATE_LANES (RATE / 8)

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

/* Where one lane stands: its current job, the step at which that job
 * started, and the job's sizes in blocks. */
struct lane {
	const hqc_shake_job *job;
	size_t start, inlen, absorb_blocks, squeeze_blocks, steps;
};

static void lane_begin(struct lane *ln, const hqc_shake_job *job, size_t start)
{
	ln->job = job;
	ln->start = start;
	ln->inlen = job_length(job);
	ln->absorb_blocks = ln->inlen / RATE + 1; /* the last one is padded */
	ln->squeeze_blocks = (job->outlen + RATE - 1) / RATE;
	ln->steps = ln->absorb_blocks + (ln->squeeze_blocks ? ln->squeeze_blocks - 1 : 0);
}

/* Steps a job and its chain take in one lane. */
static size_t chain_steps(const hqc_shake_job *job)
{
	size_t total = 0;
	for (; job; job = job->then) {
		struct lane ln;
		lane_begin(&ln, job, 0);
		total += ln.steps;
	}
	return total;
}

/* XOR one RATE-byte block per instance (src[l] for instance l) into the
 * state: four lanes of the four blocks at a time, transposed in registers
 * (4 loads and 8 shuffles instead of 16 scalar loads and inserts), then
 * the odd last lane. One vector store per state lane. */
static void absorb_blocks(keccakx4_state *st, const uint8_t *const src[4])
{
	int i = 0;
	for (; i + 4 <= RATE_LANES; i += 4) {
		const __m256i r0 = _mm256_loadu_si256((const __m256i *)(src[0] + 8 * i));
		const __m256i r1 = _mm256_loadu_si256((const __m256i *)(src[1] + 8 * i));
		const __m256i r2 = _mm256_loadu_si256((const __m256i *)(src[2] + 8 * i));
		const __m256i r3 = _mm256_loadu_si256((const __m256i *)(src[3] + 8 * i));
		const __m256i t0 = _mm256_unpacklo_epi64(r0, r1); /* lanes i, i + 2 of 0 and 1 */
		const __m256i t1 = _mm256_unpackhi_epi64(r0, r1); /* lanes i + 1, i + 3 */
		const __m256i t2 = _mm256_unpacklo_epi64(r2, r3);
		const __m256i t3 = _mm256_unpackhi_epi64(r2, r3);
		const __m256i in[4] = {
			_mm256_permute2x128_si256(t0, t2, 0x20), _mm256_permute2x128_si256(t1, t3, 0x20),
			_mm256_permute2x128_si256(t0, t2, 0x31), _mm256_permute2x128_si256(t1, t3, 0x31),
		};
		for (int k = 0; k < 4; k++) {
			__m256i *lane = (__m256i *)&st->s[4 * (i + k)];
			_mm256_store_si256(lane, _mm256_xor_si256(_mm256_load_si256(lane), in[k]));
		}
	}
	for (; i < RATE_LANES; i++) {
		__m256i *lane = (__m256i *)&st->s[4 * i];
		const __m256i in = _mm256_setr_epi64x(
			(long long)load64_le(src[0] + 8 * i), (long long)load64_le(src[1] + 8 * i),
			(long long)load64_le(src[2] + 8 * i), (long long)load64_le(src[3] + 8 * i));
		_mm256_store_si256(lane, _mm256_xor_si256(_mm256_load_si256(lane), in));
	}
}

void hqc_shake256_x4_avx2(const hqc_shake_job *jobs, unsigned int n)
{
	static const uint8_t zero_block[RATE];
	keccakx4_state st;
	uint8_t block[4][RATE];
	struct lane lanes[4];
	size_t steps = 0;

	memset(&st, 0, sizeof(st));
	for (unsigned int l = 0; l < n; l++) {
		lane_begin(&lanes[l], &jobs[l], 0);
		size_t s = chain_steps(&jobs[l]);
		if (s > steps)
			steps = s;
	}
	for (size_t t = 0; t < steps; t++) {
		/* The block each state absorbs this step (zeros when it has
		 * nothing left to absorb, which leaves it unchanged). */
		const uint8_t *src[4] = { zero_block, zero_block, zero_block, zero_block };
		for (unsigned int l = 0; l < n; l++) {
			const struct lane *ln = &lanes[l];
			if (!ln->job || t - ln->start >= ln->absorb_blocks)
				continue;
			size_t u = t - ln->start, off = u * RATE, take = RATE;
			if (u + 1 == ln->absorb_blocks) {
				take = ln->inlen - off;
				memset(block[l], 0, RATE);
				block[l][take] = 0x1f;
				block[l][RATE - 1] |= 0x80;
			}
			if (take == RATE && direct_block(ln->job, off, &src[l])) {
				/* whole block inside one part: read it in place */
			} else {
				gather(block[l], ln->job, off, take);
				src[l] = block[l];
			}
		}
		absorb_blocks(&st, src);
		keccakx4_permute(&st);
		for (unsigned int l = 0; l < n; l++) {
			struct lane *ln = &lanes[l];
			if (!ln->job)
				continue;
			size_t u = t - ln->start;
			if (u + 1 >= ln->absorb_blocks && u + 1 - ln->absorb_blocks < ln->squeeze_blocks) {
				const hqc_shake_job *job = ln->job;
				size_t off = (u + 1 - ln->absorb_blocks) * RATE;
				size_t take = job->outlen - off < RATE ? job->outlen - off : RATE;
				uint8_t *out = job->out + off;
				size_t b = 0;
				for (; b + 8 <= take; b += 8)
					memcpy(out + b, &st.s[4 * (b / 8) + l], 8); /* x86-64: little-endian */
				for (; b < take; b++)
					out[b] = (uint8_t)(st.s[4 * (b / 8) + l] >> (8 * (b % 8)));
			}
			if (u + 1 == ln->steps) {
				/* Job done: the lane's state restarts for the next one. */
				for (int i = 0; i < 25; i++)
					st.s[4 * i + l] = 0;
				if (ln->job->then)
					lane_begin(ln, ln->job->then, t + 1);
				else
					ln->job = NULL;
			}
		}
	}
	pqtun_memzero(&st, sizeof(st));
	pqtun_memzero(block, sizeof(block));
}
