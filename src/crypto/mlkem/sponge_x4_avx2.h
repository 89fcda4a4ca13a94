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
typedef struct {
	const uint8_t *in;
	size_t inlen, off;
	unsigned int rate;
	uint8_t ds, kind;
	uint8_t *out;
	int16_t *coeffs;
	mlkem_poly *poly;
	unsigned int ctr;
} mlkem_x4_job;

/* Runs every job to completion, four at a time in the lanes of one 4-way
 * Keccak state; a lane that finishes takes the next job, so long hashes
 * and matrix sampling share permutations. Order jobs longest first. The
 * sampler reads only public XOF output; hash and noise inputs and outputs
 * may be secret (constant-time consumers; internal buffers are wiped). */
void mlkem_x4_run_jobs(mlkem_x4_job *jobs, size_t njobs);

#endif
