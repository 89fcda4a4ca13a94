/* Batched SHAKE256: dispatch and the portable (sequential) version. */
#include "crypto/hqc/shake_x4.h"

#include "crypto/fips202.h"
#include "util/cpu.h"

/* One job alone (its chain is the caller's business). */
static void run_job(const hqc_shake_job *job)
{
	keccak_state st;
	shake256_init(&st);
	for (int p = 0; p < HQC_SHAKE_JOB_PARTS; p++)
		if (job->len[p])
			shake256_absorb(&st, job->part[p], job->len[p]);
	shake256_finalize(&st);
	shake256_squeeze(job->out, job->outlen, &st);
	keccak_wipe(&st);
}

void hqc_shake256_x4_portable(const hqc_shake_job *jobs, unsigned int n)
{
	for (unsigned int j = 0; j < n; j++)
		for (const hqc_shake_job *job = &jobs[j]; job; job = job->then)
			run_job(job);
}

/* Number of Keccak permutations one job and its chain need. */
static size_t job_permutations(const hqc_shake_job *job)
{
	size_t total = 0;
	for (; job; job = job->then) {
		size_t in = 0;
		for (int p = 0; p < HQC_SHAKE_JOB_PARTS; p++)
			in += job->len[p];
		size_t out_blocks = (job->outlen + SHAKE256_RATE - 1) / SHAKE256_RATE;
		total += in / SHAKE256_RATE + 1 + (out_blocks ? out_blocks - 1 : 0);
	}
	return total;
}

/* A four-way AVX2 permutation costs about 1.5 scalar ones (measured):
 * batch only when that beats running the jobs one after the other. */
static int batching_pays(const hqc_shake_job *jobs, unsigned int n)
{
	size_t total = 0, longest = 0;
	for (unsigned int j = 0; j < n; j++) {
		size_t p = job_permutations(&jobs[j]);
		total += p;
		longest = p > longest ? p : longest;
	}
	return n > 1 && longest * 150 < total * 100;
}

void hqc_shake256_x4(const hqc_shake_job *jobs, unsigned int n)
{
#ifdef PQTUN_HAVE_X86_64
	if (batching_pays(jobs, n) && pqtun_use_avx2()) {
		hqc_shake256_x4_avx2(jobs, n);
		return;
	}
#endif
	hqc_shake256_x4_portable(jobs, n);
}
