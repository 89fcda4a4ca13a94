/* A scheduler for independent sponge computations on the four lanes of
 * one AVX2 Keccak state (x86-64 only; call when pqtun_use_avx2()). */
#ifndef PQTUN_MLKEM_SPONGE_X4_AVX2_H
#define PQTUN_MLKEM_SPONGE_X4_AVX2_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/mlkem/poly.h"

/* A sponge job: absorb in (inlen bytes, given rate and domain byte), then
 * squeeze until the consumer is satisfied: MLKEM_X4_HASH32 keeps the first
 * 32 output bytes in out, MLKEM_X4_SAMPLE runs SampleNTT's rejection step
 * into coeffs (counting in ctr, start at 0) until 256 are accepted,
 * MLKEM_X4_NOISE turns the first 128 output bytes (rate >= 128) into poly
 * with SamplePolyCBD_2. off must start at 0. */
enum { MLKEM_X4_HASH32, MLKEM_X4_SAMPLE, MLKEM_X4_NOISE };
typedef struct mlkem_x4_job mlkem_x4_job;
struct mlkem_x4_job {
	const uint8_t *in;
	size_t inlen, off;
	unsigned int rate;
	uint8_t ds, kind;
	uint8_t *out;
	int16_t *coeffs;
	mlkem_poly *poly;
	unsigned int ctr;
	/* Optional (zero-initialise when unused):
	 * avail: the input arrives over time; only in[0 .. *avail) may be
	 *   read now (a job waiting for input keeps its lane state meanwhile;
	 *   at most one such job may be running at a time);
	 * on_done(ctx, job): called once the job is complete (it may advance
	 *   other jobs' avail);
	 * detach (HASH32 jobs, 25 words): once only detachable jobs are left,
	 *   the scheduler stops and leaves each one's lane state in detach,
	 *   to be completed with mlkem_x4_finish_hash32 (one scalar Keccak
	 *   beats a 4-way one with three idle lanes). */
	const size_t *avail;
	void (*on_done)(void *ctx, const mlkem_x4_job *job);
	void *ctx;
	uint64_t *detach;
	/* Set by the scheduler when the job has produced its output. */
	uint8_t finished;
};

/* Runs every job to completion, four at a time in the lanes of one 4-way
 * Keccak state; a lane that finishes takes the next job, so long hashes
 * and matrix sampling share permutations. Order jobs longest first. The
 * sampler reads only public XOF output; hash and noise inputs and outputs
 * may be secret (constant-time consumers; internal buffers are wiped). */
void mlkem_x4_run_jobs(mlkem_x4_job *jobs, size_t njobs);

/* Completes a detached HASH32 job (all of its input must be available):
 * absorbs the rest, pads, permutes and writes the 32-byte output to out;
 * wipes detach. */
void mlkem_x4_finish_hash32(mlkem_x4_job *job);

#endif
