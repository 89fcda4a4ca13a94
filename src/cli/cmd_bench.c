/* pqtun bench: time each KEM operation per implementation.
 *
 * Method: a warm-up, then repeated single operations, each timed with the
 * monotonic clock and the TSC; the median and the 10th/90th percentiles are
 * reported, which shrug off the noise of shared machines better than means.
 * `pqtun bench exchange ...` is the protocol load generator (bench_exchange.c). */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "pqtun/kem.h"
#include "util/cpu.h"
#include "util/mem.h"
#include "util/random.h"
#include "util/timeutil.h"

#if defined(__x86_64__)
#include <x86intrin.h>
static inline uint64_t cycles_now(void) { return __rdtsc(); }
#else
static inline uint64_t cycles_now(void) { return 0; }
#endif

void usage_bench(FILE *out)
{
	fprintf(out,
		"Usage: pqtun bench [--kem NAME] [--impl portable|avx2|all] [--iterations N]\n"
		"                   [--seconds S] [--json]\n"
		"       pqtun bench exchange --help   (load generator for a relay)\n"
		"\n"
		"Time keygen, encaps and decaps of every KEM (or --kem NAME) for each\n"
		"implementation this CPU supports (or --impl). Prints a table, or with\n"
		"--json one object per line:\n"
		"  {\"kem\":...,\"op\":...,\"impl\":...,\"median_us\":...,\"median_cycles\":...,\"iterations\":...}\n"
		"Each operation runs until --iterations (default 2000) or --seconds\n"
		"(default 1.0) is reached, whichever comes first, after a warm-up.\n");
}

struct sample {
	uint64_t ns;
	uint64_t cycles;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

enum op { OP_KEYGEN, OP_ENCAPS, OP_DECAPS };
static const char *const op_names[] = { "keygen", "encaps", "decaps" };

struct bench_ctx {
	const pqtun_kem *kem;
	uint8_t *pk, *sk, *ct, *ss;
};

static int run_op(struct bench_ctx *c, enum op op)
{
	switch (op) {
	case OP_KEYGEN: return c->kem->keypair(c->pk, c->sk);
	case OP_ENCAPS: return c->kem->encaps(c->ct, c->ss, c->pk);
	default: {
		int r = c->kem->decaps(c->ss, c->ct, c->sk);
		return r == PQTUN_KEM_REJECTED ? 0 : r;
	}
	}
}

struct result {
	double median_us, p10_us, p90_us;
	uint64_t median_cycles;
	size_t iterations;
};

static int measure(struct bench_ctx *c, enum op op, size_t max_iter, double seconds,
		   struct result *res)
{
	uint64_t *ns = calloc(max_iter, sizeof(*ns)), *cy = calloc(max_iter, sizeof(*cy));
	if (!ns || !cy) {
		free(ns);
		free(cy);
		return -1;
	}
	/* Warm-up: caches, branch predictors, frequency. */
	uint64_t warm_until = pqtun_now_ns() + (uint64_t)(seconds * 1e8);
	for (int i = 0; i < 3 || pqtun_now_ns() < warm_until; i++)
		if (run_op(c, op) != 0)
			goto fail;
	uint64_t stop = pqtun_now_ns() + (uint64_t)(seconds * 1e9);
	size_t n = 0;
	while (n < max_iter && (n < 11 || pqtun_now_ns() < stop)) {
		uint64_t t0 = pqtun_now_ns(), c0 = cycles_now();
		int r = run_op(c, op);
		uint64_t c1 = cycles_now(), t1 = pqtun_now_ns();
		if (r != 0)
			goto fail;
		ns[n] = t1 - t0;
		cy[n] = c1 - c0;
		n++;
	}
	qsort(ns, n, sizeof(*ns), cmp_u64);
	qsort(cy, n, sizeof(*cy), cmp_u64);
	res->iterations = n;
	res->median_us = (double)ns[n / 2] / 1000.0;
	res->p10_us = (double)ns[n / 10] / 1000.0;
	res->p90_us = (double)ns[(n * 9) / 10] / 1000.0;
	res->median_cycles = cy[n / 2];
	free(ns);
	free(cy);
	return 0;
fail:
	free(ns);
	free(cy);
	return -1;
}

static int bench_kem(const pqtun_kem *kem, enum pqtun_impl impl, size_t iters, double secs, int json)
{
	struct bench_ctx c = { .kem = kem };
	int rc = 0, have_sk = 1;
	c.pk = malloc(kem->public_key_bytes);
	c.sk = pqtun_secure_alloc(kem->secret_key_bytes);
	c.ct = malloc(kem->ciphertext_bytes);
	c.ss = pqtun_secure_alloc(kem->shared_secret_bytes);
	if (!c.pk || !c.sk || !c.ct || !c.ss) {
		rc = -1;
		goto out;
	}
	int r = kem->keypair(c.pk, c.sk);
	if (r == PQTUN_KEM_UNSUPPORTED) {
		/* Encapsulation-only KEM (relay side): any key of the right
		 * size is a valid input for timing encapsulation. */
		have_sk = 0;
		if (pqtun_randombytes(c.pk, kem->public_key_bytes) != 0) {
			rc = -1;
			goto out;
		}
	} else if (r != 0) {
		fprintf(stderr, "pqtun bench: %s keygen failed: %s\n", kem->name, pqtun_kem_strerror(r));
		rc = -1;
		goto out;
	}
	if (kem->encaps(c.ct, c.ss, c.pk) != 0) {
		fprintf(stderr, "pqtun bench: %s encaps failed\n", kem->name);
		rc = -1;
		goto out;
	}
	for (int op = OP_KEYGEN; op <= OP_DECAPS; op++) {
		struct result res;
		if (!have_sk && op != OP_ENCAPS)
			continue;
		if (measure(&c, (enum op)op, iters, secs, &res) != 0) {
			fprintf(stderr, "pqtun bench: %s %s failed\n", kem->name, op_names[op]);
			rc = -1;
			continue;
		}
		if (json)
			printf("{\"kem\":\"%s\",\"op\":\"%s\",\"impl\":\"%s\",\"median_us\":%.2f,"
			       "\"p10_us\":%.2f,\"p90_us\":%.2f,\"median_cycles\":%llu,\"iterations\":%zu}\n",
			       kem->name, op_names[op], pqtun_impl_name(impl), res.median_us, res.p10_us,
			       res.p90_us, (unsigned long long)res.median_cycles, res.iterations);
		else
			printf("%-32s %-7s %-9s %12.2f %12.2f %12.2f %14llu %8zu\n", kem->name,
			       op_names[op], pqtun_impl_name(impl), res.median_us, res.p10_us,
			       res.p90_us, (unsigned long long)res.median_cycles, res.iterations);
		fflush(stdout);
	}
out:
	free(c.pk);
	free(c.ct);
	pqtun_secure_free(c.sk);
	pqtun_secure_free(c.ss);
	return rc;
}

int cmd_bench(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kem", required_argument, NULL, 'k' },
		{ "impl", required_argument, NULL, 'i' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *kem_name = NULL, *impl_name = "all";
	long iters = 2000;
	double secs = 1.0;
	int json = 0, c;

	if (argc >= 2 && strcmp(argv[1], "exchange") == 0)
		return bench_exchange_main(argc - 1, argv + 1);

	while ((c = getopt_long(argc, argv, "k:i:n:s:jh", opts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'k': kem_name = optarg; break;
		case 'i': impl_name = optarg; break;
		case 'n':
			iters = strtol(optarg, &end, 10);
			if (*end || iters < 1 || iters > 10000000)
				return cli_usage_error("bench", "--iterations must be 1..10000000");
			break;
		case 's':
			secs = strtod(optarg, &end);
			if (*end || !(secs > 0 && secs <= 600))
				return cli_usage_error("bench", "--seconds must be in (0, 600]");
			break;
		case 'j': json = 1; break;
		case 'h': usage_bench(stdout); return PQTUN_EXIT_OK;
		default: return cli_usage_error("bench", "invalid option");
		}
	}
	if (optind < argc)
		return cli_usage_error("bench", "unexpected argument '%s'", argv[optind]);

	enum pqtun_impl impls[2];
	size_t nimpl = 0;
	if (strcmp(impl_name, "all") == 0) {
		impls[nimpl++] = PQTUN_IMPL_PORTABLE;
		if (pqtun_cpu_has_avx2() && pqtun_cpu_has_pclmul())
			impls[nimpl++] = PQTUN_IMPL_AVX2;
	} else {
		enum pqtun_impl one;
		if (pqtun_impl_parse(impl_name, &one) != 0 || one == PQTUN_IMPL_AUTO)
			return cli_usage_error("bench", "unknown implementation '%s' (portable, avx2, all)", impl_name);
		if (pqtun_impl_force(one) != 0)
			return cli_failure("bench", "this CPU cannot run the '%s' implementation", impl_name);
		impls[nimpl++] = one;
	}

	const pqtun_kem *only = NULL;
	if (kem_name) {
		only = pqtun_kem_find(kem_name);
		if (!only)
			return cli_usage_error("bench", "unknown KEM '%s'", kem_name);
	}
	if (!only && !pqtun_kem_at(0))
		return cli_failure("bench", "no KEM is built into this pqtun");

	if (!json)
		printf("%-32s %-7s %-9s %12s %12s %12s %14s %8s\n", "kem", "op", "impl",
		       "median_us", "p10_us", "p90_us", "median_cycles", "iters");
	int failed = 0;
	for (size_t k = 0;; k++) {
		const pqtun_kem *kem = only ? only : pqtun_kem_at(k);
		if (!kem || (only && k > 0))
			break;
		for (size_t i = 0; i < nimpl; i++) {
			pqtun_impl_force(impls[i]);
			if (bench_kem(kem, impls[i], (size_t)iters, secs, json) != 0)
				failed = 1;
		}
	}
	pqtun_impl_force(PQTUN_IMPL_AUTO);
	return failed ? PQTUN_EXIT_FAILURE : PQTUN_EXIT_OK;
}
