/* Constant-time check of HQC-256 key generation, encapsulation and
 * decapsulation (valid and tampered ciphertexts), both implementations.
 * The secret inputs (the keygen randomness, m and the salt, the secret part
 * of sk: sk_seed and sigma) are marked undefined with memcheck client
 * requests, so under valgrind (tests/test_ct_valgrind.sh) any branch or
 * memory index depending on them is reported. Public outputs (pk, ct) are
 * marked defined before use; the shared secrets and decaps' status only
 * right before they are compared. Outside valgrind this is a plain
 * functional test. Kept to one operation of each kind per implementation:
 * valgrind is slow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <valgrind/memcheck.h>

#include "crypto/hqc/hqc256.h"
#include "util/cpu.h"

#define PK HQC256_PUBLIC_KEY_BYTES
#define SK HQC256_SECRET_KEY_BYTES
#define CT HQC256_CIPHERTEXT_BYTES
#define SS HQC256_SHARED_SECRET_BYTES

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + 29 * i + (i >> 3));
}

static void run(enum pqtun_impl impl)
{
	static uint8_t pk[PK], sk[SK], ct[CT], bad_ct[CT];
	uint8_t krand[HQC256_KEYGEN_RANDOM_BYTES], erand[HQC256_ENCAPS_RANDOM_BYTES];
	uint8_t ss[SS], ss_dec[SS], ss_rej[SS];
	int rc_ok, rc_rej;

	if (pqtun_impl_force(impl) != 0) {
		print_message("# %s not supported by this CPU, skipped\n", pqtun_impl_name(impl));
		return;
	}
	fill(krand, sizeof(krand), 7);
	fill(erand, sizeof(erand), 91);
	VALGRIND_MAKE_MEM_UNDEFINED(krand, sizeof(krand));
	VALGRIND_MAKE_MEM_UNDEFINED(erand, sizeof(erand));

	assert_int_equal(hqc256_keypair_derand(pk, sk, krand), PQTUN_OK);
	VALGRIND_MAKE_MEM_DEFINED(pk, sizeof(pk));
	VALGRIND_MAKE_MEM_DEFINED(sk + 72, PK); /* the copy of pk in sk */

	assert_int_equal(hqc256_encaps_derand(ct, ss, pk, erand), PQTUN_OK);
	VALGRIND_MAKE_MEM_DEFINED(ct, sizeof(ct));

	VALGRIND_MAKE_MEM_UNDEFINED(sk, 72); /* sk_seed || sigma */
	rc_ok = hqc256_decaps(ss_dec, ct, sk);

	memcpy(bad_ct, ct, sizeof(ct));
	bad_ct[CT / 2] ^= 0x10;
	rc_rej = hqc256_decaps(ss_rej, bad_ct, sk);

	/* Declassify only to compare. */
	VALGRIND_MAKE_MEM_DEFINED(&rc_ok, sizeof(rc_ok));
	VALGRIND_MAKE_MEM_DEFINED(&rc_rej, sizeof(rc_rej));
	VALGRIND_MAKE_MEM_DEFINED(ss, sizeof(ss));
	VALGRIND_MAKE_MEM_DEFINED(ss_dec, sizeof(ss_dec));
	VALGRIND_MAKE_MEM_DEFINED(ss_rej, sizeof(ss_rej));
	assert_int_equal(rc_ok, PQTUN_OK);
	assert_int_equal(rc_rej, PQTUN_KEM_REJECTED);
	assert_memory_equal(ss, ss_dec, SS);
	assert_memory_not_equal(ss, ss_rej, SS);
	VALGRIND_MAKE_MEM_DEFINED(sk, sizeof(sk));
	pqtun_impl_force(PQTUN_IMPL_AUTO);
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
