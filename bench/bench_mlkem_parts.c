/* Cycle counts (rdtsc, median of many runs) of the building blocks of the
 * AVX2 ML-KEM-1024 path: 4-way and scalar Keccak-f[1600], NTT, inverse
 * NTT, base multiplication, the stack scrub, and the whole operations.
 * Usage: bench_mlkem_parts [runs] (default 2000). x86-64 with AVX2 only. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <x86intrin.h>

#include "crypto/fips202.h"
#include "crypto/fips202x4.h"
#include "crypto/mlkem/mlkem1024.h"
#include "crypto/mlkem/ntt_avx2.h"
#include "util/cpu.h"
#include "util/mem.h"
#include "util/random.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* Median of t[0..n). */
static uint64_t median(uint64_t *t, int n)
{
	qsort(t, (size_t)n, sizeof(*t), cmp_u64);
	return t[n / 2];
}

static keccakx4_state st4;
static uint64_t st1[25];
static mlkem_polyvec va, vb;
static mlkem_polyvec_cache vc;
static mlkem_poly p;
static uint8_t ek[PQTUN_MLKEM1024_EK_BYTES], dk[PQTUN_MLKEM1024_DK_BYTES];
static uint8_t ct[PQTUN_MLKEM1024_CT_BYTES], ss[32], ss2[32];

enum { P_X4, P_X1, P_NTT, P_INTT, P_MULCACHE, P_BASEMUL, P_SCRUB, P_RANDOM, P_KEYGEN_DERAND,
       P_ENCAPS_DERAND, P_KEYGEN, P_ENCAPS, P_DECAPS, P_COUNT };
static const char *names[P_COUNT] = { "keccakx4_permute", "keccakf1600_permute", "ntt",
				      "invntt", "mulcache (K polys)", "basemul_acc (K)",
				      "stack_scrub 32 KiB", "randombytes(64)", "keygen_derand",
				      "encaps_derand", "keygen", "encaps", "decaps" };
static uint8_t seed[64];

static void run_part(int part)
{
	switch (part) {
	case P_X4: keccakx4_permute(&st4); break;
	case P_X1: keccakf1600_permute(st1); break;
	case P_NTT: mlkem_ntt_avx2(p.c); break;
	case P_INTT: mlkem_invntt_avx2(p.c); break;
	case P_MULCACHE: mlkem_mulcache_avx2(&vc, &vb); break;
	case P_BASEMUL: mlkem_basemul_acc_avx2(&p, &va, &vb, &vc); break;
	case P_SCRUB: pqtun_stack_scrub(32 * 1024); break;
	case P_RANDOM: (void)pqtun_randombytes(seed, sizeof(seed)); break;
	case P_KEYGEN_DERAND: (void)pqtun_mlkem1024_keypair_derand(ek, dk, seed, seed + 32); break;
	case P_ENCAPS_DERAND: (void)pqtun_mlkem1024_encaps_derand(ct, ss, ek, seed); break;
	case P_KEYGEN: (void)pqtun_mlkem1024_keypair(ek, dk); break;
	case P_ENCAPS: (void)pqtun_mlkem1024_encaps(ct, ss, ek); break;
	case P_DECAPS: (void)pqtun_mlkem1024_decaps(ss2, ct, dk); break;
	}
}

/* Stack depth of op: paint STACK_PROBE bytes below this frame, run op,
 * and find the deepest byte that changed. */
#define STACK_PROBE (64 * 1024)
static __attribute__((noinline)) void stack_paint(void)
{
	volatile uint8_t *region = __builtin_alloca(STACK_PROBE);
	for (size_t i = 0; i < STACK_PROBE; i++)
		region[i] = 0xa5;
	__asm__ __volatile__("" : : "r"(region) : "memory");
}

static __attribute__((noinline)) size_t stack_measure(void)
{
	volatile uint8_t *region = __builtin_alloca(STACK_PROBE);
	size_t i = 0;
	while (i < STACK_PROBE && region[i] == 0xa5)
		i++;
	return STACK_PROBE - i;
}

static __attribute__((noinline)) size_t stack_depth(int part)
{
	stack_paint();
	run_part(part);
	return stack_measure();
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 2000;
	if (runs < 10)
		runs = 10;
	if (!pqtun_cpu_has_avx2() || pqtun_impl_force(PQTUN_IMPL_AVX2) != 0) {
		fprintf(stderr, "bench_mlkem_parts: needs AVX2\n");
		return 1;
	}
	uint64_t *t = malloc(sizeof(*t) * (size_t)runs);
	if (!t)
		return 1;
	(void)pqtun_mlkem1024_keypair(ek, dk);
	for (int part = 0; part < P_COUNT; part++) {
		/* Small coefficients keep the NTT inputs in range run after run. */
		for (int i = 0; i < MLKEM_N; i++)
			p.c[i] = (int16_t)(i % 7 - 3);
		for (int n = -runs / 10; n < runs; n++) {
			if (part == P_NTT || part == P_INTT)
				for (int i = 0; i < MLKEM_N; i++)
					p.c[i] = (int16_t)(i % 7 - 3);
			uint64_t t0 = __rdtsc();
			run_part(part);
			uint64_t t1 = __rdtsc();
			if (n >= 0)
				t[n] = t1 - t0;
		}
		printf("%-22s %8llu cycles (median of %d)\n", names[part],
		       (unsigned long long)median(t, runs), runs);
	}
	for (int i = 0; i < 2; i++) {
		enum pqtun_impl impl = i ? PQTUN_IMPL_AVX2 : PQTUN_IMPL_PORTABLE;
		(void)pqtun_impl_force(impl);
		for (int part = P_KEYGEN; part <= P_DECAPS; part++)
			printf("%-8s %-13s %8zu bytes of stack (incl. scrub)\n",
			       pqtun_impl_name(impl), names[part], stack_depth(part));
	}
	free(t);
	return 0;
}
