/* Up to four independent SHAKE256 computations at once. HQC's operations
 * need several unrelated hashes of the same length class (decapsulation:
 * h's expansion, theta, and both candidate shared secrets), so the x86-64
 * fast path runs four Keccak-f[1600] instances side by side in AVX2
 * registers; the portable path runs the jobs one after the other. Control
 * flow depends on lengths only, never on the data (inputs may be secret). */
#ifndef PQTUN_CRYPTO_HQC_SHAKE_X4_H
#define PQTUN_CRYPTO_HQC_SHAKE_X4_H

#include <stddef.h>
#include <stdint.h>

#define HQC_SHAKE_JOB_PARTS 4

/* out = SHAKE256(part[0] || part[1] || ...)[0:outlen]; unused parts have
 * length 0. out must not overlap any part of any job. If then is not NULL,
 * that job runs next in the same lane once this one is done, and its parts
 * may read this job's output (decapsulation expands theta as soon as it is
 * known, in a lane the longer hashes leave idle). Chains are followed to
 * their end; a chained job's own then is honoured too. */
typedef struct hqc_shake_job {
	const uint8_t *part[HQC_SHAKE_JOB_PARTS];
	size_t len[HQC_SHAKE_JOB_PARTS];
	uint8_t *out;
	size_t outlen;
	const struct hqc_shake_job *then;
} hqc_shake_job;

/* Run n <= 4 jobs (each with its chain). Picks the fastest implementation
 * allowed. */
void hqc_shake256_x4(const hqc_shake_job *jobs, unsigned int n);
void hqc_shake256_x4_portable(const hqc_shake_job *jobs, unsigned int n);
#ifdef PQTUN_HAVE_X86_64
void hqc_shake256_x4_avx2(const hqc_shake_job *jobs, unsigned int n);
#endif

#endif
