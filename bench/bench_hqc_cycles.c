/* TSC-cycle microbenchmark of HQC-256's building blocks and whole
 * operations on the current implementation choice (PQTUN_IMPL): minimum,
 * 10th percentile and median cycles per call. On a shared machine the
 * minimum and p10 are the stable figures (other load only adds time).
 * Usage: bench_hqc_cycles [iterations]   (default 300) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/fips202.h"
#include "crypto/hqc/gf2x.h"
#include "crypto/hqc/hqc256.h"
#include "crypto/hqc/pke.h"
#include "crypto/hqc/rm.h"
#include "crypto/hqc/rs.h"
#include "crypto/hqc/sample.h"
#include "crypto/hqc/shake_x4.h"
#include "util/cpu.h"

#if defined(__x86_64__)
#include <x86intrin.h>
static uint64_t cycles(void) { return __rdtsc(); }
#else
#include <time.h>
static uint64_t cycles(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
#endif

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return (a > b) - (a < b);
}

static int iters = 300;
static uint64_t va[HQC_VEC_WORDS], vb[HQC_VEC_WORDS], vc[HQC_VEC_WORDS];
static uint8_t pk[HQC256_PUBLIC_KEY_BYTES], sk[HQC256_SECRET_KEY_BYTES];
static uint8_t ct[HQC256_CIPHERTEXT_BYTES], ss[64], rnd[4 * HQC_MAX_WEIGHT];
static uint32_t support[HQC_MAX_WEIGHT];
static uint64_t keccak[25];
static uint64_t cw[HQC_N1N2_WORDS];
static uint8_t msg[HQC_K], rs_cw[HQC_N1];
static uint64_t *samples;

/* Prints min / p10 / median cycles of `stmt` over iters runs. */
#define TIME(label, stmt)                                                          \
	do {                                                                       \
		for (int i_ = 0; i_ < 3; i_++) {                                   \
			stmt;                                                      \
		}                                                                  \
		for (int i_ = 0; i_ < iters; i_++) {                               \
			uint64_t c0_ = cycles();                                   \
			stmt;                                                      \
			samples[i_] = cycles() - c0_;                              \
		}                                                                  \
		qsort(samples, (size_t)iters, sizeof(uint64_t), cmp_u64);          \
		printf("  %-34s %10llu min %10llu p10 %10llu median\n", label,     \
		       (unsigned long long)samples[0],                             \
		       (unsigned long long)samples[iters / 10],                    \
		       (unsigned long long)samples[iters / 2]);                    \
	} while (0)

int main(int argc, char **argv)
{
	if (argc > 1)
		iters = atoi(argv[1]);
	if (iters < 10)
		iters = 10;
	samples = calloc((size_t)iters, sizeof(uint64_t));
	if (!samples)
		return 1;
	for (size_t i = 0; i < sizeof(rnd); i++)
		rnd[i] = (uint8_t)(i * 151 + 7);
	uint64_t s = 0x243f6a8885a308d3ULL;
	for (size_t i = 0; i < HQC_VEC_WORDS; i++) {
		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		va[i] = s;
		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		vb[i] = s;
	}
	va[HQC_VEC_WORDS - 1] &= HQC_LAST_WORD_MASK;
	vb[HQC_VEC_WORDS - 1] &= HQC_LAST_WORD_MASK;
	hqc_support_from_bytes(support, rnd, HQC_WR);
	if (hqc256_keypair(pk, sk) != 0 || hqc256_encaps(ct, ss, pk) != 0)
		return 1;

	printf("%s (TSC cycles):\n", pqtun_use_avx2() ? "avx2" : "portable");
	TIME("keccak-f[1600] scalar", keccakf1600_permute(keccak));
	TIME("gf2x mul", hqc_gf2x_mul_mod(vc, va, vb));
	TIME("support from bytes, weight 149", hqc_support_from_bytes(support, rnd, HQC_WR));
	TIME("positions -> dense, weight 149", hqc_support_to_vec(vc, support, HQC_WR));
	TIME("fixed weight 149 from bytes", hqc_fixed_weight_from_bytes(vc, rnd, HQC_WR));
	TIME("SHAKE256 14469 B (ss)", shake256(ss, 64, ct, 14469));
	TIME("code encode (RS + RM)", hqc_code_encode(cw, msg));
	hqc_rs_encode(rs_cw, msg);
	TIME("RM decode", hqc_rm_decode(rs_cw, cw));
	TIME("RS decode", hqc_rs_decode(msg, rs_cw));
	TIME("KEM keygen", hqc256_keypair(pk, sk));
	TIME("KEM encaps", hqc256_encaps(ct, ss, pk));
	TIME("KEM decaps", hqc256_decaps(ss, ct, sk));
	free(samples);
	return 0;
}
