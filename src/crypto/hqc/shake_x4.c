/* Batched SHAKE256: dispatch and the portable (sequential) version. */
#include "crypto/hqc/shake_x4.h"

#include "crypto/fips202.h"
#include "util/cpu.h"

void hqc_shake256_x4_portable(const hqc_shake_job *jobs, unsigned int n)
{
	for (unsigned int j = 0; j < n; j++) {
		keccak_state st;
		shake256_init(&st);
		for (int p = 0; p < HQC_SHAKE_JOB_PARTS; p++)
			if (jobs[j].len[p])
				shake256_absorb(&st, jobs[j].part[p], jobs[j].len[p]);
		shake256_finalize(&st);
		shake256_squeeze(jobs[j].out, jobs[j].outlen, &st);
		keccak_wipe(&st);
	}
}

void hqc_shake256_x4(const hqc_shake_job *jobs, unsigned int n)
{
#ifdef PQTUN_HAVE_X86_64
	if (n > 1 && pqtun_use_avx2()) {
		hqc_shake256_x4_avx2(jobs, n);
		return;
	}
#endif
	hqc_shake256_x4_portable(jobs, n);
}
