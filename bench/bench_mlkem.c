/* Stand-alone ML-KEM-1024 timing: median and spread (10th/90th percentile)
 * (and minimum) of keygen, encaps and decaps per implementation, in microseconds.
 * Usage: bench_mlkem [iterations] (default 2000). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "crypto/mlkem/mlkem1024.h"
#include "util/cpu.h"

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int iters = argc > 1 ? atoi(argv[1]) : 2000;
	if (iters < 10)
		iters = 10;
	double *t = malloc(sizeof(double) * (size_t)iters);
	static uint8_t ek[PQTUN_MLKEM1024_EK_BYTES], dk[PQTUN_MLKEM1024_DK_BYTES];
	static uint8_t c[PQTUN_MLKEM1024_CT_BYTES], k[32], k2[32];
	const enum pqtun_impl impls[2] = { PQTUN_IMPL_PORTABLE, PQTUN_IMPL_AVX2 };
	const char *ops[3] = { "keygen", "encaps", "decaps" };

	if (!t)
		return 1;
	for (int i = 0; i < 2; i++) {
		if (pqtun_impl_force(impls[i]) != 0)
			continue;
		for (int op = 0; op < 3; op++) {
			for (int n = -iters / 10; n < iters; n++) {
				double t0 = now_us();
				int rc = op == 0 ? pqtun_mlkem1024_keypair(ek, dk)
				       : op == 1 ? pqtun_mlkem1024_encaps(c, k, ek)
						 : pqtun_mlkem1024_decaps(k2, c, dk);
				double t1 = now_us();
				if (rc != 0)
					return 1;
				if (n >= 0)
					t[n] = t1 - t0;
			}
			qsort(t, (size_t)iters, sizeof(double), cmp_double);
			printf("ML-KEM-1024 %-8s %-6s median %7.2f us  min %7.2f  p10 %7.2f  p90 %7.2f  (%d iterations)\n",
			       pqtun_impl_name(impls[i]), ops[op], t[iters / 2], t[0], t[iters / 10],
			       t[iters - 1 - iters / 10], iters);
		}
	}
	free(t);
	return 0;
}
