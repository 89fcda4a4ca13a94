/* Kyber1024 (round 3) known answers: every block of
 * kyber1024_r3_pqclean_recorded.txt replayed from its recorded randomness
 * (keygen: d then z; encaps: 32 bytes hashed into m), decapsulation of ct
 * and of the tampered bad_ct (implicit rejection), for both
 * implementations; plus the registry descriptor and a random round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/legacy/kyber1024_r3.h"
#include "pqtun/kem.h"
#include "util/cpu.h"
#include "vectors.h"

static void expect_equal(const vec_file *vf, const char *what, const uint8_t *got, const vec_field *want)
{
	if (memcmp(got, want->bytes, want->len) != 0)
		fail_msg("%s count %ld: %s differs", vf->path, vf->count, what);
}

static void replay_file(enum pqtun_impl impl)
{
	vec_file vf;
	long n = 0, nbad = 0;
	if (pqtun_impl_force(impl) != 0) {
		print_message("# %s not supported by this CPU, skipped\n", pqtun_impl_name(impl));
		return;
	}
	assert_int_equal(vec_open(&vf, "kyber1024_r3_pqclean_recorded.txt"), 0);
	while (vec_next(&vf)) {
		const vec_field *kr = vec_need(&vf, "keygen_rand"), *er = vec_need(&vf, "encaps_rand");
		uint8_t pk[PQTUN_KYBER1024_PK_BYTES], sk[PQTUN_KYBER1024_SK_BYTES];
		uint8_t ct[PQTUN_KYBER1024_CT_BYTES], ss[32], ss2[32];
		assert_string_equal(vec_need(&vf, "keygen_rand_calls")->value, "32,32");
		assert_string_equal(vec_need(&vf, "encaps_rand_calls")->value, "32");
		assert_int_equal(kr->len, 64);
		assert_int_equal(er->len, 32);
		assert_int_equal(pqtun_kyber1024_keypair_derand(pk, sk, kr->bytes, kr->bytes + 32), PQTUN_OK);
		expect_equal(&vf, "pk", pk, vec_need(&vf, "pk"));
		expect_equal(&vf, "sk", sk, vec_need(&vf, "sk"));
		assert_int_equal(pqtun_kyber1024_encaps_derand(ct, ss, pk, er->bytes), PQTUN_OK);
		expect_equal(&vf, "ct", ct, vec_need(&vf, "ct"));
		expect_equal(&vf, "ss", ss, vec_need(&vf, "ss"));
		assert_int_equal(pqtun_kyber1024_decaps(ss2, ct, sk), PQTUN_OK);
		assert_memory_equal(ss2, ss, 32);
		const vec_field *bad = vec_get(&vf, "bad_ct");
		if (bad) {
			long off = strtol(vec_need(&vf, "bad_ct_offset")->value, NULL, 10);
			uint8_t x = vec_need(&vf, "bad_ct_xor")->bytes[0];
			assert_true(off >= 0 && off < PQTUN_KYBER1024_CT_BYTES && x != 0);
			ct[off] ^= x;
			assert_memory_equal(ct, bad->bytes, sizeof(ct));
			assert_int_equal(pqtun_kyber1024_decaps(ss2, bad->bytes, sk), PQTUN_OK);
			expect_equal(&vf, "bad_ss", ss2, vec_need(&vf, "bad_ss"));
			nbad++;
		}
		n++;
	}
	vec_close(&vf);
	print_message("# %s: %ld cases (%ld with bad_ct) passed\n", pqtun_impl_name(impl), n, nbad);
	assert_int_equal(n, 20);
	assert_int_equal(nbad, 5);
	pqtun_impl_force(PQTUN_IMPL_AUTO);
}

static void test_recorded_portable(void **state)
{
	(void)state;
	replay_file(PQTUN_IMPL_PORTABLE);
}

static void test_recorded_avx2(void **state)
{
	(void)state;
	replay_file(PQTUN_IMPL_AVX2);
}

static void test_descriptor_roundtrip(void **state)
{
	(void)state;
	const pqtun_kem *kem = pqtun_kem_find("Kyber1024");
	assert_non_null(kem);
	assert_ptr_equal(kem, &pqtun_kem_kyber1024);
	assert_int_equal(kem->public_key_bytes, 1568);
	assert_int_equal(kem->secret_key_bytes, 3168);
	assert_int_equal(kem->ciphertext_bytes, 1568);
	assert_int_equal(kem->shared_secret_bytes, 32);
	uint8_t pk[1568], sk[3168], ct[1568], ss[32], ss2[32];
	assert_int_equal(kem->keypair(pk, sk), PQTUN_OK);
	assert_int_equal(kem->encaps(ct, ss, pk), PQTUN_OK);
	assert_int_equal(kem->decaps(ss2, ct, sk), PQTUN_OK);
	assert_memory_equal(ss, ss2, 32);
	ct[100] ^= 4;
	assert_int_equal(kem->decaps(ss2, ct, sk), PQTUN_OK);
	assert_memory_not_equal(ss, ss2, 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recorded_portable),
		cmocka_unit_test(test_recorded_avx2),
		cmocka_unit_test(test_descriptor_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
