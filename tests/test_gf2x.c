/* HQC-256 polynomial product in GF(2)[X]/(X^57637 - 1): every back end this
 * CPU can run is compared with a shift-and-add reference on random and
 * edge-case operands, then checked against algebraic identities
 * (commutativity, distributivity, multiplication by X^k = rotation by k),
 * the zero padding of outputs, the dispatcher and the wiping of scratch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crypto/hqc/gf2x.h"
#include "crypto/hqc/gf2x_internal.h"
#include "util/cpu.h"

#define W HQC_VEC_WORDS
#define TOP_MASK ((1ULL << (HQC_N % 64)) - 1)

/* Deterministic generator (splitmix64) so that failures reproduce. */
static uint64_t rng_state = 0x5eed0f6f2c0ffeeULL;
static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void vec_random(uint64_t *v)
{
	for (size_t i = 0; i < W; i++)
		v[i] = rng_next();
	v[W - 1] &= TOP_MASK;
}

static int bit_get(const uint64_t *v, size_t i)
{
	return (int)((v[i / 64] >> (i % 64)) & 1);
}

static void bit_flip(uint64_t *v, size_t i)
{
	v[i / 64] ^= 1ULL << (i % 64);
}

static void vec_single_bit(uint64_t *v, size_t i)
{
	memset(v, 0, W * sizeof(uint64_t));
	bit_flip(v, i);
}

/* Reference product: for every set bit i of a, add b * X^i to a 2N-bit
 * product; then fold bit k >= N onto bit k - N, one bit at a time. */
static void ref_mul(uint64_t *out, const uint64_t *a, const uint64_t *b)
{
	static uint64_t prod[2 * W + 1];
	memset(prod, 0, sizeof(prod));
	for (size_t i = 0; i < HQC_N; i++) {
		if (!bit_get(a, i))
			continue;
		const size_t q = i / 64, s = i % 64;
		for (size_t j = 0; j < W; j++) {
			prod[q + j] ^= b[j] << s;
			if (s)
				prod[q + j + 1] ^= b[j] >> (64 - s);
		}
	}
	for (size_t k = 2 * HQC_N - 2; k >= HQC_N; k--) {
		if (bit_get(prod, k)) {
			bit_flip(prod, k);
			bit_flip(prod, k - HQC_N);
		}
	}
	memcpy(out, prod, W * sizeof(uint64_t));
}

/* out = v * X^k mod (X^N - 1), bit by bit. */
static void ref_rotate(uint64_t *out, const uint64_t *v, size_t k)
{
	memset(out, 0, W * sizeof(uint64_t));
	for (size_t i = 0; i < HQC_N; i++)
		if (bit_get(v, i))
			bit_flip(out, (i + k) % HQC_N);
}

/* The back ends this CPU can run. */
static const struct hqc_gf2x_impl *runnable[8];
static size_t n_runnable;

static int setup(void **state)
{
	(void)state;
	size_t n;
	const struct hqc_gf2x_impl *all = hqc_gf2x_impls(&n);
	n_runnable = 0;
	for (size_t i = 0; i < n && n_runnable < 8; i++) {
		if (all[i].available()) {
			runnable[n_runnable++] = &all[i];
			printf("# gf2x back end: %s\n", all[i].name);
		} else {
			printf("# gf2x back end: %s (not supported by this CPU, skipped)\n", all[i].name);
		}
	}
	return n_runnable > 0 ? 0 : -1;
}

/* Every runnable back end (and the dispatcher) gives exactly `expect` for
 * a * b, overwriting garbage in the output and keeping bits >= N zero. */
static void check_all(const uint64_t *a, const uint64_t *b, const uint64_t *expect, const char *what)
{
	static uint64_t out[W];
	for (size_t i = 0; i <= n_runnable; i++) {
		memset(out, 0xa5, sizeof(out));
		const char *name;
		if (i < n_runnable) {
			runnable[i]->mul(out, a, b);
			name = runnable[i]->name;
		} else {
			hqc_gf2x_mul_mod(out, a, b);
			name = "dispatcher";
		}
		if (memcmp(out, expect, sizeof(out)) != 0) {
			size_t w = 0;
			while (out[w] == expect[w])
				w++;
			fail_msg("%s: %s differs from the reference at word %zu", name, what, w);
		}
		assert_int_equal(out[W - 1] & ~TOP_MASK, 0);
	}
}

static void test_against_reference(void **state)
{
	(void)state;
	static uint64_t a[W], b[W], expect[W];

	for (int i = 0; i < 3; i++) {
		vec_random(a);
		vec_random(b);
		ref_mul(expect, a, b);
		check_all(a, b, expect, "random x random");
	}

	/* All ones: maximal carries in every partial product. */
	memset(a, 0xff, sizeof(a));
	a[W - 1] &= TOP_MASK;
	memcpy(b, a, sizeof(b));
	ref_mul(expect, a, b);
	check_all(a, b, expect, "ones x ones");
	vec_random(b);
	ref_mul(expect, a, b);
	check_all(a, b, expect, "ones x random");

	/* Only the last, partial word set, times a random vector. */
	memset(a, 0, sizeof(a));
	a[W - 1] = rng_next() & TOP_MASK;
	ref_mul(expect, a, b);
	check_all(a, b, expect, "last word x random");

	/* HQC-like: a sparse vector of weight 149 (positions may repeat). */
	memset(a, 0, sizeof(a));
	for (int i = 0; i < 149; i++)
		a[(rng_next() % HQC_N) / 64] |= 1ULL << (rng_next() % 64);
	a[W - 1] &= TOP_MASK;
	ref_mul(expect, a, b);
	check_all(a, b, expect, "sparse x random");
	check_all(b, a, expect, "random x sparse");
}

static void test_single_bits(void **state)
{
	(void)state;
	static uint64_t a[W], b[W], expect[W];

	vec_random(b);
	vec_single_bit(a, 0); /* 1 * b = b */
	check_all(a, b, b, "1 x random");
	check_all(b, a, b, "random x 1");

	vec_single_bit(a, HQC_N - 1); /* X^(N-1) * X^(N-1) = X^(N-2) */
	vec_single_bit(expect, HQC_N - 2);
	check_all(a, a, expect, "X^(N-1) squared");

	ref_rotate(expect, b, HQC_N - 1);
	vec_single_bit(a, HQC_N - 1);
	check_all(a, b, expect, "X^(N-1) x random");

	memset(a, 0, sizeof(a));
	memset(expect, 0, sizeof(expect));
	check_all(a, b, expect, "0 x random");
}

/* Multiplying by X^k rotates by k, for word-boundary and random k. */
static void test_rotation(void **state)
{
	(void)state;
	static uint64_t v[W], xk[W], expect[W];
	const size_t ks[] = { 1, 63, 64, 65, 128, 36, 37, 57599, 57600, HQC_N - 37, HQC_N - 2,
			      (size_t)(rng_next() % HQC_N), (size_t)(rng_next() % HQC_N) };
	vec_random(v);
	for (size_t i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
		vec_single_bit(xk, ks[i]);
		ref_rotate(expect, v, ks[i]);
		char what[64];
		snprintf(what, sizeof(what), "X^%zu x random", ks[i]);
		check_all(xk, v, expect, what);
	}
}

/* a b = b a and a (b + c) = a b + a c, for every back end. */
static void test_algebra(void **state)
{
	(void)state;
	static uint64_t a[W], b[W], c[W], bc[W], ab[W], ba[W], ac[W], abc[W];
	for (size_t t = 0; t < n_runnable; t++) {
		void (*mul)(uint64_t *, const uint64_t *, const uint64_t *) = runnable[t]->mul;
		for (int round = 0; round < 4; round++) {
			vec_random(a);
			vec_random(b);
			vec_random(c);
			mul(ab, a, b);
			mul(ba, b, a);
			assert_memory_equal(ab, ba, sizeof(ab));
			for (size_t i = 0; i < W; i++)
				bc[i] = b[i] ^ c[i];
			mul(abc, a, bc);
			mul(ac, a, c);
			for (size_t i = 0; i < W; i++)
				assert_int_equal(abc[i], ab[i] ^ ac[i]);
		}
	}
}

/* Many random products agree between all back ends (cheap, so more cases
 * than the reference comparison can afford). */
static void test_backends_agree(void **state)
{
	(void)state;
	static uint64_t a[W], b[W], expect[W];
	for (int round = 0; round < 20; round++) {
		vec_random(a);
		vec_random(b);
		if (round % 4 == 1)
			for (size_t i = 0; i < W; i++)
				a[i] &= rng_next() & rng_next() & rng_next();
		hqc_gf2x_mul_mod_portable(expect, a, b);
		check_all(a, b, expect, "random (vs portable)");
	}
}

/* Operands and output at addresses that are only 8-byte aligned give the
 * same result (the vector back ends must not assume 16- or 32-byte
 * alignment of the caller's buffers). */
static void test_unaligned_buffers(void **state)
{
	(void)state;
	static uint64_t a[W + 1], b[W + 1], out[W + 1], expect[W];
	vec_random(a + 1);
	vec_random(b + 1);
	hqc_gf2x_mul_mod_portable(expect, a + 1, b + 1);
	for (size_t t = 0; t < n_runnable; t++) {
		memset(out, 0x5a, sizeof(out));
		runnable[t]->mul(out + 1, a + 1, b + 1);
		if (memcmp(out + 1, expect, sizeof(expect)) != 0)
			fail_msg("%s: wrong product on unaligned buffers", runnable[t]->name);
		assert_int_equal(out[0], 0x5a5a5a5a5a5a5a5aULL); /* nothing written before */
	}
}

/* Forcing the portable implementation reaches it through the dispatcher,
 * and every back end leaves the thread's scratch area wiped. */
static void test_dispatch_and_wipe(void **state)
{
	(void)state;
	static uint64_t a[W], b[W], x[W], y[W];
	vec_random(a);
	vec_random(b);
	hqc_gf2x_mul_mod_portable(x, a, b);
	assert_int_equal(pqtun_impl_force(PQTUN_IMPL_PORTABLE), 0);
	assert_int_equal(pqtun_use_avx2(), 0);
	hqc_gf2x_mul_mod(y, a, b);
	assert_int_equal(pqtun_impl_force(PQTUN_IMPL_AUTO), 0);
	assert_memory_equal(x, y, sizeof(x));

	const uint64_t *work = hqc_gf2x_work_area();
	for (size_t t = 0; t < n_runnable; t++) {
		runnable[t]->mul(x, a, b);
		for (size_t i = 0; i < HQC_GF2X_WORK_WORDS; i++)
			if (work[i] != 0)
				fail_msg("%s left scratch word %zu non-zero", runnable[t]->name, i);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_bits),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_against_reference),
		cmocka_unit_test(test_algebra),
		cmocka_unit_test(test_backends_agree),
		cmocka_unit_test(test_unaligned_buffers),
		cmocka_unit_test(test_dispatch_and_wipe),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
