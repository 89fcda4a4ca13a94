/* Constant-time check of every HQC-256 polynomial product back end this CPU
 * can run (portable, PCLMUL, VPCLMUL-256; the HQC KEM test reaches only the
 * one the dispatcher picks). Both operands are secret: they are marked
 * undefined with memcheck client requests, so under valgrind
 * (tests/test_ct_valgrind.sh) any branch or memory index depending on them
 * is reported. The result is marked defined only to compare it. Outside
 * valgrind this is a plain functional test (the back ends must agree). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <valgrind/memcheck.h>

#include "crypto/hqc/gf2x.h"

#define W HQC_VEC_WORDS

static void test_products_constant_time(void **state)
{
	(void)state;
	static uint64_t a[W], b[W], out[W], first[W];
	uint64_t s = 0x0123456789abcdefULL;
	for (size_t i = 0; i < W; i++) {
		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		a[i] = s;
		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		b[i] = s & s >> 7; /* sparser, like HQC's secret vectors */
	}
	a[W - 1] &= (1ULL << (HQC_N % 64)) - 1;
	b[W - 1] &= (1ULL << (HQC_N % 64)) - 1;

	size_t n, ran = 0;
	const struct hqc_gf2x_impl *impls = hqc_gf2x_impls(&n);
	for (size_t i = 0; i < n; i++) {
		if (!impls[i].available())
			continue;
		VALGRIND_MAKE_MEM_UNDEFINED(a, sizeof(a));
		VALGRIND_MAKE_MEM_UNDEFINED(b, sizeof(b));
		impls[i].mul(out, a, b);
		VALGRIND_MAKE_MEM_DEFINED(out, sizeof(out));
		VALGRIND_MAKE_MEM_DEFINED(a, sizeof(a));
		VALGRIND_MAKE_MEM_DEFINED(b, sizeof(b));
		if (ran++ == 0)
			memcpy(first, out, sizeof(out));
		else
			assert_memory_equal(out, first, sizeof(out));
	}
	assert_true(ran >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_products_constant_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
