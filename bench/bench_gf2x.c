/* Benchmark of the HQC-256 polynomial product (GF(2)[X]/(X^57637 - 1)):
 * median wall-clock microseconds and TSC cycles per multiplication for each
 * back end this CPU can run, and for the dispatcher.
 * Usage: bench_gf2x [iterations]   (default 2000; portable gets 1/10) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/hqc/gf2x.h"

#if defined(__x86_64__)
#include <x86intrin.h>
static uint64_t cycles(void) { return __rdtsc(); }
#else
static uint64_t cycles(void) { return 0; }
#endif

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return (a > b) - (a < b);
}

static uint64_t a[HQC_VEC_WORDS], b[HQC_VEC_WORDS], out[HQC_VEC_WORDS];

/* Times `iters` products with mul and prints the medians. */
static void run(const char *name, void (*mul)(uint64_t *, const uint64_t *, const uint64_t *),
		int iters)
{
	double *us = calloc((size_t)iters, sizeof(double));
	uint64_t *cyc = calloc((size_t)iters, sizeof(uint64_t));
	if (!us || !cyc) {
		fprintf(stderr, "bench_gf2x: out of memory\n");
		exit(1);
	}
	for (int i = 0; i < 3; i++)
		mul(out, a, b);
	for (int i = 0; i < iters; i++) {
		a[i % HQC_VEC_WORDS] ^= out[0]; /* vary inputs, keep a dependency */
		double t0 = now_us();
		uint64_t c0 = cycles();
		mul(out, a, b);
		uint64_t c1 = cycles();
		double t1 = now_us();
		us[i] = t1 - t0;
		cyc[i] = c1 - c0;
	}
	qsort(us, (size_t)iters, sizeof(double), cmp_double);
	qsort(cyc, (size_t)iters, sizeof(uint64_t), cmp_u64);
	printf("%-12s %8d %12.2f %12llu %12.2f\n", name, iters, us[iters / 2],
	       (unsigned long long)cyc[iters / 2], us[iters / 10]);
	free(us);
	free(cyc);
}

int main(int argc, char **argv)
{
	int iters = argc > 1 ? atoi(argv[1]) : 2000;
	if (iters < 10) {
		fprintf(stderr, "usage: bench_gf2x [iterations >= 10]\n");
		return 2;
	}
	uint64_t s = 0x243f6a8885a308d3ULL;
	for (size_t i = 0; i < HQC_VEC_WORDS; i++) {
		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		a[i] = s;
		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		b[i] = s;
	}
	a[HQC_VEC_WORDS - 1] &= (1ULL << (HQC_N % 64)) - 1;
	b[HQC_VEC_WORDS - 1] &= (1ULL << (HQC_N % 64)) - 1;

	printf("%-12s %8s %12s %12s %12s\n", "impl", "iters", "median_us", "median_cyc", "p10_us");
	size_t n;
	const struct hqc_gf2x_impl *impls = hqc_gf2x_impls(&n);
	for (size_t i = 0; i < n; i++) {
		if (!impls[i].available()) {
			printf("%-12s (not supported by this CPU)\n", impls[i].name);
			continue;
		}
		int it = strcmp(impls[i].name, "portable") == 0 ? iters / 10 : iters;
		run(impls[i].name, impls[i].mul, it < 10 ? 10 : it);
	}
	run("dispatch", hqc_gf2x_mul_mod, iters);
	return 0;
}
