/* Benchmark of HQC-256's parts, to see where the KEM's time goes: median
 * microseconds of thread CPU time (robust to other load on the machine;
 * wall time is higher when the core is shared) per call of each building
 * block and of the whole
 * operations, for each implementation this CPU supports. The minimum is
 * the most stable figure on a shared machine.
 * Usage: bench_hqc [iterations]   (default 300) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/fips202.h"
#include "crypto/hqc/gf2x.h"
#include "crypto/hqc/hqc256.h"
#include "crypto/hqc/pke.h"
#include "crypto/hqc/rm.h"
#include "crypto/hqc/rs.h"
#include "crypto/hqc/sample.h"
#include "crypto/hqc/shake_x4.h"
#include "crypto/hqc/vec.h"
#include "crypto/hqc/xof.h"
#include "util/cpu.h"

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

static int iters = 300;
static uint64_t va[HQC_VEC_WORDS], vb[HQC_VEC_WORDS], vc[HQC_VEC_WORDS];
static uint8_t pk[HQC256_PUBLIC_KEY_BYTES], sk[HQC256_SECRET_KEY_BYTES];
static uint8_t ct[HQC256_CIPHERTEXT_BYTES + HQC_PK_BYTES], ss[64], seed[HQC_SEED_BYTES];
static uint8_t msg[HQC_K], rs_cw[HQC_N1];
static uint32_t support[HQC_MAX_WEIGHT];
static hqc_xof xof;

#define TIME(label, stmt)                                                           \
	do {                                                                        \
		double *t = calloc((size_t)iters, sizeof(double));                  \
		if (!t)                                                             \
			exit(1);                                                    \
		for (int i_ = 0; i_ < iters; i_++) {                                \
			double t0 = now_us();                                       \
			stmt;                                                       \
			t[i_] = now_us() - t0;                                      \
		}                                                                   \
		qsort(t, (size_t)iters, sizeof(double), cmp_double);                \
		printf("  %-34s %10.2f us median %10.2f us min\n", label, t[iters / 2], t[0]);                 \
		free(t);                                                            \
	} while (0)

static void run(enum pqtun_impl impl)
{
	if (pqtun_impl_force(impl) != 0)
		return;
	printf("%s:\n", pqtun_impl_name(impl));
	hqc_xof_init(&xof, seed);
	hqc_sample_uniform(&xof, va);
	hqc_sample_uniform(&xof, vb);
	hqc256_keypair(pk, sk);
	hqc256_encaps(ct, ss, pk);

	TIME("gf2x mul (dense x dense)", hqc_gf2x_mul_mod(vc, va, vb));
	TIME("expand h (SHAKE256, 7208 B)", { hqc_xof_init(&xof, seed); hqc_sample_uniform(&xof, va); });
	TIME("support, weight 149", { hqc_xof_init(&xof, seed); hqc_sample_support(&xof, support, HQC_WR); });
	TIME("positions -> dense, weight 149", hqc_support_to_vec(vc, support, HQC_WR));
	TIME("SHAKE256 of m||pk||salt (theta)", shake256(ss, 64, ct, HQC_K + HQC_PK_BYTES + 16));
	TIME("SHAKE256 of m||u||v (ss)", shake256(ss, 64, ct, HQC_K + HQC_VEC_BYTES + HQC_N1N2_BYTES));
	{
		hqc_shake_job jobs[4];
		memset(jobs, 0, sizeof(jobs));
		for (int l = 0; l < 4; l++) {
			jobs[l].part[0] = ct;
			jobs[l].len[0] = HQC_K + HQC_VEC_BYTES + HQC_N1N2_BYTES;
			jobs[l].out = ss;
			jobs[l].outlen = 64;
		}
		TIME("4 x SHAKE256 of m||u||v, batched", hqc_shake256_x4(jobs, 4));
	}
	TIME("RS encode", hqc_rs_encode(rs_cw, msg));
	TIME("RM encode", hqc_rm_encode(vc, rs_cw));
	TIME("RM decode", hqc_rm_decode(rs_cw, vc));
	TIME("RS decode", hqc_rs_decode(msg, rs_cw));
	TIME("KEM keygen", hqc256_keypair(pk, sk));
	TIME("KEM encaps", hqc256_encaps(ct, ss, pk));
	TIME("KEM decaps", hqc256_decaps(ss, ct, sk));
	pqtun_impl_force(PQTUN_IMPL_AUTO);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		iters = atoi(argv[1]);
	if (iters < 1)
		iters = 1;
	memset(seed, 7, sizeof(seed));
	run(PQTUN_IMPL_AVX2);
	run(PQTUN_IMPL_PORTABLE);
	return 0;
}
