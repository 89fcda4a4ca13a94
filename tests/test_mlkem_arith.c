/* ML-KEM arithmetic building blocks: Compress_d by multiplication equals
 * the exact rounding formula for every input (no division on secrets);
 * Barrett/Montgomery ranges; NTT-domain multiplication equals schoolbook
 * multiplication mod X^256 + 1; the AVX2 NTT, inverse NTT, base
 * multiplication and rejection sampler agree with the portable ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/mlkem/ntt.h"
#include "crypto/mlkem/poly.h"
#include "util/cpu.h"
#ifdef PQTUN_HAVE_X86_64
#include "crypto/mlkem/ntt_avx2.h"
#include "crypto/mlkem/poly_avx2.h"
#include "crypto/mlkem/rej_avx2.h"
#endif

static uint64_t rng = 0x243f6a8885a308d3ULL;
static uint32_t rnd32(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

/* Uniform in (-q, q). */
static int16_t rnd_coeff(void)
{
	return (int16_t)((int32_t)(rnd32() % (2 * MLKEM_Q - 1)) - (MLKEM_Q - 1));
}

static int16_t modq(int32_t x)
{
	x %= MLKEM_Q;
	return (int16_t)(x < 0 ? x + MLKEM_Q : x);
}

static void test_compress_exhaustive(void **state)
{
	(void)state;
	for (int32_t x = 0; x < MLKEM_Q; x++) {
		/* round(2^d x / q) mod 2^d, computed exactly. */
		uint32_t w11 = (uint32_t)(((x << 11) + MLKEM_Q / 2) / MLKEM_Q) & 0x7ff;
		uint32_t w5 = (uint32_t)(((x << 5) + MLKEM_Q / 2) / MLKEM_Q) & 0x1f;
		uint32_t w1 = (uint32_t)(((x << 1) + MLKEM_Q / 2) / MLKEM_Q) & 1;
		assert_int_equal(mlkem_compress11((int16_t)x), w11);
		assert_int_equal(mlkem_compress5((int16_t)x), w5);
		assert_int_equal(mlkem_compress1((int16_t)x), w1);
	}
	for (uint32_t y = 0; y < 2048; y++)
		assert_int_equal(mlkem_decompress(y, 11), (int16_t)((y * MLKEM_Q + 1024) / 2048));
}

static void test_reductions(void **state)
{
	(void)state;
	for (int32_t a = -32768; a < 32768; a++) {
		int16_t b = mlkem_barrett_reduce((int16_t)a);
		assert_true(b >= -(MLKEM_Q - 1) / 2 && b <= (MLKEM_Q - 1) / 2);
		assert_int_equal(modq(b), modq(a));
	}
	for (int i = 0; i < 200000; i++) {
		int32_t a = (int32_t)(rnd32() % (2u * MLKEM_Q * 32768u)) - MLKEM_Q * 32768;
		int16_t m = mlkem_montgomery_reduce(a);
		assert_true(m > -MLKEM_Q && m < MLKEM_Q);
		/* m * 2^16 == a (mod q) */
		assert_int_equal(modq((int32_t)m * 65536 % MLKEM_Q), modq(a));
	}
}

/* a * b mod (X^256 + 1, q) the slow way. */
static void schoolbook(int16_t r[MLKEM_N], const int16_t a[MLKEM_N], const int16_t b[MLKEM_N])
{
	int64_t acc[MLKEM_N] = { 0 };
	for (int i = 0; i < MLKEM_N; i++)
		for (int j = 0; j < MLKEM_N; j++) {
			int64_t p = (int64_t)a[i] * b[j];
			if (i + j < MLKEM_N)
				acc[i + j] += p;
			else
				acc[i + j - MLKEM_N] -= p;
		}
	for (int i = 0; i < MLKEM_N; i++)
		r[i] = modq((int32_t)(acc[i] % MLKEM_Q));
}

typedef struct {
	void (*ntt)(int16_t *);
	void (*invntt)(int16_t *);
	void (*basemul)(mlkem_poly *, const mlkem_polyvec *, const mlkem_polyvec *,
			const mlkem_polyvec_cache *);
	void (*mulcache)(mlkem_polyvec_cache *, const mlkem_polyvec *);
	const char *name;
} ntt_impl;

/* sum_i a_i * b_i via NTT, basemul and inverse NTT equals schoolbook. */
static void check_ntt_product(const ntt_impl *impl)
{
	for (int round = 0; round < 5; round++) {
		mlkem_polyvec a, b;
		mlkem_poly r;
		int16_t want[MLKEM_N] = { 0 }, part[MLKEM_N];
		for (int v = 0; v < MLKEM_K; v++)
			for (int i = 0; i < MLKEM_N; i++) {
				a.v[v].c[i] = rnd_coeff();
				b.v[v].c[i] = rnd_coeff();
			}
		for (int v = 0; v < MLKEM_K; v++) {
			schoolbook(part, a.v[v].c, b.v[v].c);
			for (int i = 0; i < MLKEM_N; i++)
				want[i] = modq(want[i] + part[i]);
			impl->ntt(a.v[v].c);
			impl->ntt(b.v[v].c);
			for (int i = 0; i < MLKEM_N; i++) {
				assert_true(a.v[v].c[i] >= -(MLKEM_Q - 1) / 2 && a.v[v].c[i] <= (MLKEM_Q - 1) / 2);
			}
		}
		mlkem_polyvec_cache bc;
		impl->mulcache(&bc, &b);
		impl->basemul(&r, &a, &b, &bc);
		impl->invntt(r.c);
		for (int i = 0; i < MLKEM_N; i++) {
			assert_true(r.c[i] > -MLKEM_Q && r.c[i] < MLKEM_Q);
			if (modq(r.c[i]) != want[i])
				fail_msg("%s: coefficient %d: %d, want %d", impl->name, i, modq(r.c[i]), want[i]);
		}
	}
}

static void test_ntt_portable(void **state)
{
	(void)state;
	const ntt_impl p = { mlkem_ntt_portable, mlkem_invntt_portable, mlkem_basemul_acc_portable,
			     mlkem_mulcache_portable, "portable" };
	check_ntt_product(&p);
}

static void test_ntt_avx2(void **state)
{
	(void)state;
#ifdef PQTUN_HAVE_X86_64
	if (!pqtun_cpu_has_avx2()) {
		print_message("# no AVX2, skipped\n");
		return;
	}
	const ntt_impl v = { mlkem_ntt_avx2, mlkem_invntt_avx2, mlkem_basemul_acc_avx2,
			     mlkem_mulcache_avx2, "avx2" };
	check_ntt_product(&v);
	/* Bit-identical to the portable transforms on random inputs. */
	for (int round = 0; round < 200; round++) {
		mlkem_poly x, y;
		for (int i = 0; i < MLKEM_N; i++)
			x.c[i] = rnd_coeff();
		y = x;
		mlkem_ntt_portable(x.c);
		mlkem_ntt_avx2(y.c);
		assert_memory_equal(x.c, y.c, sizeof(x.c));
		mlkem_invntt_portable(x.c);
		mlkem_invntt_avx2(y.c);
		assert_memory_equal(x.c, y.c, sizeof(x.c));
	}
#endif
}

static void test_rej_avx2(void **state)
{
	(void)state;
#ifdef PQTUN_HAVE_X86_64
	if (!pqtun_cpu_has_avx2()) {
		print_message("# no AVX2, skipped\n");
		return;
	}
	for (int round = 0; round < 2000; round++) {
		uint8_t buf[504];
		mlkem_poly a, b;
		size_t len = (size_t)(round % 5 == 0 ? 168 : 504) - 3 * (size_t)(round % 7);
		for (size_t i = 0; i < sizeof(buf); i++) {
			buf[i] = (uint8_t)rnd32();
			if (round & 1) /* many rejections */
				buf[i] |= 0xd0;
		}
		unsigned int start = (unsigned int)(round % 3) * 50;
		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		unsigned int na = mlkem_rej_uniform(a.c, start, MLKEM_N, buf, len);
		unsigned int nb = mlkem_rej_uniform_avx2(b.c, start, buf, len);
		assert_int_equal(na, nb);
		assert_memory_equal(a.c, b.c, sizeof(int16_t) * na);
		/* The one-block variant (168 bytes in an aligned, padded buffer). */
		uint8_t block[192] __attribute__((aligned(32))) = { 0 };
		memcpy(block, buf, 168);
		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		unsigned int first = (unsigned int)(round % 251);
		na = mlkem_rej_uniform(a.c, first, MLKEM_N, block, 168);
		nb = mlkem_rej_uniform_avx2_block(b.c, first, block);
		assert_int_equal(na, nb);
		assert_memory_equal(a.c, b.c, sizeof(int16_t) * na);
	}
#endif
}

/* AVX2 12-bit decode/encode equal the portable ones, including values
 * >= q (reduced, and reported by the range flag). */
static void test_bytes12_avx2(void **state)
{
	(void)state;
#ifdef PQTUN_HAVE_X86_64
	if (!pqtun_cpu_has_avx2()) {
		print_message("# no AVX2, skipped\n");
		return;
	}
	for (int round = 0; round < 3000; round++) {
		uint8_t buf[MLKEM_POLYBYTES], out1[MLKEM_POLYBYTES], out2[MLKEM_POLYBYTES];
		mlkem_poly a, b;
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)rnd32();
		if (round % 3 == 0) /* mostly valid keys: clear the top bit of each value */
			for (size_t i = 0; i < sizeof(buf); i += 3) {
				buf[i + 1] &= 0x7f;
				buf[i + 2] &= 0x7f;
			}
		if (round % 3 == 1) { /* all zero but (at least) one value >= q */
			size_t at = (size_t)round % (sizeof(buf) - 1);
			memset(buf, 0, sizeof(buf));
			buf[at] = 0xff;
			buf[at + 1] = 0xff;
		}
		mlkem_poly_frombytes(&a, buf);
		int ok = mlkem_poly_frombytes_avx2(&b, buf);
		assert_memory_equal(a.c, b.c, sizeof(a.c));
		assert_int_equal(ok, mlkem_poly_bytes_in_range(buf));
		for (int i = 0; i < MLKEM_N; i++)
			a.c[i] = rnd_coeff();
		mlkem_poly_tobytes(out1, &a);
		mlkem_poly_tobytes_avx2(out2, &a);
		assert_memory_equal(out1, out2, sizeof(out1));
	}
#endif
}

/* AVX2 ByteEncode11(Compress11) equals the portable one: every value of
 * (-q, q) in every position of a 16-value step, then random polynomials;
 * the bytes after the 352 written ones stay untouched. */
static void test_compress_du_avx2(void **state)
{
	(void)state;
#ifdef PQTUN_HAVE_X86_64
	if (!pqtun_cpu_has_avx2()) {
		print_message("# no AVX2, skipped\n");
		return;
	}
	uint8_t out1[MLKEM_POLYCOMP_DU_BYTES], out2[MLKEM_POLYCOMP_DU_BYTES + 16];
	mlkem_poly a;
	int32_t x = -(MLKEM_Q - 1);
	for (int round = 0; round < 400 + 1000; round++) {
		for (int i = 0; i < MLKEM_N; i++) {
			if (round < 400) { /* exhaustive sweep, shifted by one each poly */
				a.c[i] = (int16_t)x;
				x = x == MLKEM_Q - 1 ? -(MLKEM_Q - 1) : x + 1;
			} else {
				a.c[i] = rnd_coeff();
			}
		}
		memset(out2, 0xa5, sizeof(out2));
		mlkem_poly_compress_du(out1, &a);
		mlkem_poly_compress_du_avx2(out2, &a);
		assert_memory_equal(out1, out2, sizeof(out1));
		for (size_t i = sizeof(out1); i < sizeof(out2); i++)
			assert_int_equal(out2[i], 0xa5);
	}
#endif
}

/* AVX2 Decompress11(ByteDecode11) equals the portable one on random
 * bytes, all-ones and all-zero inputs. */
static void test_decompress_du_avx2(void **state)
{
	(void)state;
#ifdef PQTUN_HAVE_X86_64
	if (!pqtun_cpu_has_avx2()) {
		print_message("# no AVX2, skipped\n");
		return;
	}
	uint8_t in[MLKEM_POLYCOMP_DU_BYTES];
	mlkem_poly a, b;
	for (int round = 0; round < 3000; round++) {
		for (size_t i = 0; i < sizeof(in); i++)
			in[i] = round == 0 ? 0xff : round == 1 ? 0 : (uint8_t)rnd32();
		mlkem_poly_decompress_du(&a, in);
		mlkem_poly_decompress_du_avx2(&b, in);
		assert_memory_equal(a.c, b.c, sizeof(a.c));
	}
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compress_exhaustive),
		cmocka_unit_test(test_reductions),
		cmocka_unit_test(test_ntt_portable),
		cmocka_unit_test(test_ntt_avx2),
		cmocka_unit_test(test_rej_avx2),
		cmocka_unit_test(test_bytes12_avx2),
		cmocka_unit_test(test_compress_du_avx2),
		cmocka_unit_test(test_decompress_du_avx2),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
