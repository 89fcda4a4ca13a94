/* Constant-time check of ML-KEM-1024 KeyGen, Encaps and Decaps, both
 * implementations. The secret inputs (d, z, m and the secret parts of dk:
 * dk_pke and z) are marked undefined with memcheck client requests, so under
 * valgrind (tests/test_ct_valgrind.sh) any branch or memory index that
 * depends on them is an error. Only public outputs (ek, c) are marked
 * defined again before they are used or compared; the shared keys only
 * right before the final comparison. Outside valgrind this is a plain
 * functional test (the client requests do nothing). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <valgrind/memcheck.h>

#include "crypto/legacy/kyber1024_r3.h"
#include "crypto/mlkem/mlkem1024.h"
#include "util/cpu.h"

#define EK PQTUN_MLKEM1024_EK_BYTES
#define DK PQTUN_MLKEM1024_DK_BYTES
#define CT PQTUN_MLKEM1024_CT_BYTES

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + 37 * i + (i >> 5));
}

/* Marks the secret parts of dk undefined: dk_pke (0..1536) and z. */
static void poison_dk(uint8_t *dk)
{
	VALGRIND_MAKE_MEM_UNDEFINED(dk, 1536);
	VALGRIND_MAKE_MEM_UNDEFINED(dk + 3136, 32);
}

static void run(enum pqtun_impl impl)
{
	uint8_t d[32], z[32], m[32], ek[EK], dk[DK], c[CT], bad_c[CT];
	uint8_t k[32], k_dec[32], k_rej[32], k_rej2[32];

	if (pqtun_impl_force(impl) != 0) {
		print_message("# %s not supported by this CPU, skipped\n", pqtun_impl_name(impl));
		return;
	}
	for (int round = 0; round < 3; round++) {
		fill(d, sizeof(d), (uint8_t)(1 + round));
		fill(z, sizeof(z), (uint8_t)(101 + round));
		fill(m, sizeof(m), (uint8_t)(201 + round));
		VALGRIND_MAKE_MEM_UNDEFINED(d, sizeof(d));
		VALGRIND_MAKE_MEM_UNDEFINED(z, sizeof(z));
		VALGRIND_MAKE_MEM_UNDEFINED(m, sizeof(m));

		assert_int_equal(pqtun_mlkem1024_keypair_derand(ek, dk, d, z), PQTUN_OK);
		/* ek is public; dk's public parts (ek, H(ek)) too. */
		VALGRIND_MAKE_MEM_DEFINED(ek, sizeof(ek));
		VALGRIND_MAKE_MEM_DEFINED(dk + 1536, 1568 + 32);

		assert_int_equal(pqtun_mlkem1024_encaps_derand(c, k, ek, m), PQTUN_OK);
		VALGRIND_MAKE_MEM_DEFINED(c, sizeof(c));

		poison_dk(dk);
		assert_int_equal(pqtun_mlkem1024_decaps(k_dec, c, dk), PQTUN_OK);

		/* Implicit rejection path: a tampered ciphertext. */
		memcpy(bad_c, c, sizeof(c));
		bad_c[(round * 611) % CT] ^= (uint8_t)(1u << round);
		assert_int_equal(pqtun_mlkem1024_decaps(k_rej, bad_c, dk), PQTUN_OK);

		/* Randomised encapsulation (OS randomness is defined for
		 * memcheck; m is still handled as a secret inside). */
		uint8_t c2[CT], k2[32], k2_dec[32];
		assert_int_equal(pqtun_mlkem1024_encaps(c2, k2, ek), PQTUN_OK);
		VALGRIND_MAKE_MEM_DEFINED(c2, sizeof(c2));
		assert_int_equal(pqtun_mlkem1024_decaps(k2_dec, c2, dk), PQTUN_OK);

		/* Declassify the results only to compare them. */
		VALGRIND_MAKE_MEM_DEFINED(k, sizeof(k));
		VALGRIND_MAKE_MEM_DEFINED(k_dec, sizeof(k_dec));
		VALGRIND_MAKE_MEM_DEFINED(k_rej, sizeof(k_rej));
		VALGRIND_MAKE_MEM_DEFINED(k2, sizeof(k2));
		VALGRIND_MAKE_MEM_DEFINED(k2_dec, sizeof(k2_dec));
		VALGRIND_MAKE_MEM_DEFINED(dk, sizeof(dk));
		assert_memory_equal(k, k_dec, 32);
		assert_memory_equal(k2, k2_dec, 32);
		assert_memory_not_equal(k, k_rej, 32);
		/* The rejection key is deterministic: SHAKE256(z || c). */
		assert_int_equal(pqtun_mlkem1024_decaps(k_rej2, bad_c, dk), PQTUN_OK);
		assert_memory_equal(k_rej, k_rej2, 32);
	}
	pqtun_impl_force(PQTUN_IMPL_AUTO);
}

/* Kyber1024 (round 3) shares the K-PKE; its own hashing and rejection
 * path are checked the same way. */
static void run_kyber(enum pqtun_impl impl)
{
	uint8_t d[32], z[32], coins[32], pk[EK], sk[DK], c[CT], k[32], k_dec[32], k_rej[32];
	if (pqtun_impl_force(impl) != 0)
		return;
	fill(d, sizeof(d), 11);
	fill(z, sizeof(z), 12);
	fill(coins, sizeof(coins), 13);
	VALGRIND_MAKE_MEM_UNDEFINED(d, sizeof(d));
	VALGRIND_MAKE_MEM_UNDEFINED(z, sizeof(z));
	VALGRIND_MAKE_MEM_UNDEFINED(coins, sizeof(coins));
	assert_int_equal(pqtun_kyber1024_keypair_derand(pk, sk, d, z), PQTUN_OK);
	VALGRIND_MAKE_MEM_DEFINED(pk, sizeof(pk));
	VALGRIND_MAKE_MEM_DEFINED(sk + 1536, 1568 + 32);
	assert_int_equal(pqtun_kyber1024_encaps_derand(c, k, pk, coins), PQTUN_OK);
	VALGRIND_MAKE_MEM_DEFINED(c, sizeof(c));
	poison_dk(sk);
	assert_int_equal(pqtun_kyber1024_decaps(k_dec, c, sk), PQTUN_OK);
	c[7] ^= 0x10;
	assert_int_equal(pqtun_kyber1024_decaps(k_rej, c, sk), PQTUN_OK);
	VALGRIND_MAKE_MEM_DEFINED(k, sizeof(k));
	VALGRIND_MAKE_MEM_DEFINED(k_dec, sizeof(k_dec));
	VALGRIND_MAKE_MEM_DEFINED(k_rej, sizeof(k_rej));
	assert_memory_equal(k, k_dec, 32);
	assert_memory_not_equal(k, k_rej, 32);
	pqtun_impl_force(PQTUN_IMPL_AUTO);
}

static void test_kyber1024(void **state)
{
	(void)state;
	run_kyber(PQTUN_IMPL_PORTABLE);
	run_kyber(PQTUN_IMPL_AVX2);
}

static void test_portable(void **state)
{
	(void)state;
	run(PQTUN_IMPL_PORTABLE);
}

static void test_avx2(void **state)
{
	(void)state;
	run(PQTUN_IMPL_AVX2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_portable),
		cmocka_unit_test(test_avx2),
		cmocka_unit_test(test_kyber1024),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
