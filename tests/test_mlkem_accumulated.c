/* ML-KEM-1024 accumulated test (C2SP CCTV procedure, vectors README §5):
 * 10,000 iterations of KeyGen/Encaps/Decaps on SHAKE-128-generated inputs,
 * including a random ciphertext (implicit rejection) each time, hashed into
 * one SHAKE-128 sink and compared with the final-FIPS-203 value. Runs for
 * both implementations. Under sanitizers 1,000 iterations (its own known
 * value) keep the runtime reasonable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/fips202.h"
#include "crypto/mlkem/mlkem1024.h"
#include "util/cpu.h"

#ifdef PQTUN_SANITIZE
#define ITERATIONS 1000
#define EXPECTED "df23d235ef494a38b2de2deda2704bb1312dd88ef6987ec4fc6f08fe5963ed7f"
#else
#define ITERATIONS 10000
#define EXPECTED "e3bf82b013307b2e9d47dde791ff6dfc82e694e6382404abdb948b908b75bad5"
#endif

/* Runs n iterations and writes the 32-byte sink digest. */
static void accumulate(unsigned int n, uint8_t out[32])
{
	keccak_state source, sink;
	uint8_t d[32], z[32], m[32], ct_rand[PQTUN_MLKEM1024_CT_BYTES];
	uint8_t ek[PQTUN_MLKEM1024_EK_BYTES], dk[PQTUN_MLKEM1024_DK_BYTES];
	uint8_t c[PQTUN_MLKEM1024_CT_BYTES], k[32], k2[32], k_rand[32];

	shake128_init(&source);
	shake128_finalize(&source);
	shake128_init(&sink);
	for (unsigned int i = 0; i < n; i++) {
		shake128_squeeze(d, sizeof(d), &source);
		shake128_squeeze(z, sizeof(z), &source);
		shake128_squeeze(m, sizeof(m), &source);
		shake128_squeeze(ct_rand, sizeof(ct_rand), &source);
		assert_int_equal(pqtun_mlkem1024_keypair_derand(ek, dk, d, z), PQTUN_OK);
		assert_int_equal(pqtun_mlkem1024_encaps_derand(c, k, ek, m), PQTUN_OK);
		assert_int_equal(pqtun_mlkem1024_decaps(k2, c, dk), PQTUN_OK);
		if (memcmp(k, k2, 32) != 0)
			fail_msg("iteration %u: decaps differs from encaps", i);
		assert_int_equal(pqtun_mlkem1024_decaps(k_rand, ct_rand, dk), PQTUN_OK);
		shake128_absorb(&sink, ek, sizeof(ek));
		shake128_absorb(&sink, dk, sizeof(dk));
		shake128_absorb(&sink, c, sizeof(c));
		shake128_absorb(&sink, k, sizeof(k));
		shake128_absorb(&sink, k_rand, sizeof(k_rand));
	}
	shake128_finalize(&sink);
	shake128_squeeze(out, 32, &sink);
}

static void check_hex(const uint8_t got[32], const char *want_hex)
{
	char hex[65];
	for (int i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", got[i]);
	assert_string_equal(hex, want_hex);
}

static void test_source_stream(void **state)
{
	(void)state;
	uint8_t first[16];
	shake128(first, sizeof(first), NULL, 0);
	const uint8_t want[16] = { 0x7f, 0x9c, 0x2b, 0xa4, 0xe8, 0x8f, 0x82, 0x7d,
				   0x61, 0x60, 0x45, 0x50, 0x76, 0x05, 0x85, 0x3e };
	assert_memory_equal(first, want, 16);
}

static void run_impl(enum pqtun_impl impl)
{
	uint8_t out[32];
	if (pqtun_impl_force(impl) != 0) {
		printf("# %s not supported by this CPU, skipped\n", pqtun_impl_name(impl));
		return;
	}
	accumulate(1, out);
	check_hex(out, "bbadeda836ff632114d5fd2a87cb3c718882ec7c15b63452fb3eef15b64d1ca9");
	accumulate(100, out);
	check_hex(out, "c3ffe9ebecfa479c142656cbfbc6417efa05b77e994fe538eef4daed166363df");
	accumulate(ITERATIONS, out);
	check_hex(out, EXPECTED);
	printf("# %s: %d iterations match\n", pqtun_impl_name(impl), ITERATIONS);
	pqtun_impl_force(PQTUN_IMPL_AUTO);
}

static void test_portable(void **state)
{
	(void)state;
	run_impl(PQTUN_IMPL_PORTABLE);
}

static void test_avx2(void **state)
{
	(void)state;
	run_impl(PQTUN_IMPL_AVX2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_source_stream),
		cmocka_unit_test(test_portable),
		cmocka_unit_test(test_avx2),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
