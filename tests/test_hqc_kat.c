/* HQC-256 known answers (semantics: ../shared/vectors/README.md §4):
 * hqc256_pqclean_recorded.txt (100 key pairs and encapsulations replayed
 * from the recorded randomness, 20 tampered ciphertexts with their
 * implicit-rejection secrets) and hqc256_nistkat_count0.txt, each with the
 * portable and the AVX2 implementation (the latter where the CPU has it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/sha.h>

#include "crypto/hqc/hqc256.h"
#include "util/cpu.h"
#include "vectors.h"

#define PK HQC256_PUBLIC_KEY_BYTES
#define SK HQC256_SECRET_KEY_BYTES
#define CT HQC256_CIPHERTEXT_BYTES
#define SS HQC256_SHARED_SECRET_BYTES

static void expect_equal(const vec_file *vf, const char *what, const uint8_t *got,
			 size_t len, const vec_field *want)
{
	if (want->len != len)
		fail_msg("%s count %ld: %s has %zu bytes, expected %zu", vf->path, vf->count,
			 what, want->len, len);
	if (memcmp(got, want->bytes, len) != 0)
		fail_msg("%s count %ld: %s differs", vf->path, vf->count, what);
}

static void expect_calls(const vec_file *vf, const char *field, const char *want)
{
	const vec_field *f = vec_get(vf, field);
	if (f && strcmp(f->value, want) != 0)
		fail_msg("%s count %ld: %s = %s, this code draws %s", vf->path, vf->count, field,
			 f->value, want);
}

/* Checks one block; returns 1 if it also had a tampered ciphertext. */
static int check_block(const vec_file *vf)
{
	static uint8_t pk[PK], sk[SK], ct[CT], ss[SS], ss2[SS], digest[32];
	const vec_field *kr = vec_need(vf, "keygen_rand"), *er = vec_need(vf, "encaps_rand");

	assert_int_equal(kr->len, HQC256_KEYGEN_RANDOM_BYTES);
	assert_int_equal(er->len, HQC256_ENCAPS_RANDOM_BYTES);
	expect_calls(vf, "keygen_rand_calls", "40,32,40");
	expect_calls(vf, "encaps_rand_calls", "32,16");

	assert_int_equal(hqc256_keypair_derand(pk, sk, kr->bytes), PQTUN_OK);
	expect_equal(vf, "pk", pk, PK, vec_need(vf, "pk"));
	expect_equal(vf, "sk", sk, SK, vec_need(vf, "sk"));

	assert_int_equal(hqc256_encaps_derand(ct, ss, pk, er->bytes), PQTUN_OK);
	expect_equal(vf, "ct", ct, CT, vec_need(vf, "ct"));
	expect_equal(vf, "ss", ss, SS, vec_need(vf, "ss"));
	SHA256(ss, SS, digest);
	expect_equal(vf, "ss_sha256", digest, 32, vec_need(vf, "ss_sha256"));

	memset(ss2, 0xa5, SS);
	assert_int_equal(hqc256_decaps(ss2, vec_need(vf, "ct")->bytes, sk), PQTUN_OK);
	expect_equal(vf, "decapsulated ss", ss2, SS, vec_need(vf, "ss"));

	const vec_field *bad = vec_get(vf, "bad_ct");
	if (!bad)
		return 0;
	assert_int_equal(bad->len, CT);
	memset(ss2, 0xa5, SS);
	if (hqc256_decaps(ss2, bad->bytes, sk) != PQTUN_KEM_REJECTED)
		fail_msg("%s count %ld: tampered ciphertext not rejected", vf->path, vf->count);
	expect_equal(vf, "bad_ss", ss2, SS, vec_need(vf, "bad_ss"));
	return 1;
}

/* Runs every block of file with both implementations; `every` > 1 runs
 * only every every-th block plus all tampered ones with the portable
 * implementation (see PQTUN_HQC_KAT_FULL). */
static void run_file(const char *file, long want_blocks, long want_bad)
{
	const enum pqtun_impl impls[2] = { PQTUN_IMPL_AVX2, PQTUN_IMPL_PORTABLE };
	for (int i = 0; i < 2; i++) {
		if (pqtun_impl_force(impls[i]) != 0) {
			printf("# %s: %s not supported by this CPU, skipped\n", file,
			       pqtun_impl_name(impls[i]));
			continue;
		}
		vec_file vf;
		long blocks = 0, bad = 0;
		assert_int_equal(vec_open(&vf, file), 0);
		while (vec_next(&vf)) {
			bad += check_block(&vf);
			blocks++;
		}
		vec_close(&vf);
		printf("# %s [%s]: %ld cases (%ld with a tampered ciphertext) passed\n", file,
		       pqtun_impl_name(impls[i]), blocks, bad);
		assert_int_equal(blocks, want_blocks);
		assert_int_equal(bad, want_bad);
	}
	pqtun_impl_force(PQTUN_IMPL_AUTO);
}

static void test_pqclean_recorded(void **state)
{
	(void)state;
	run_file("hqc256_pqclean_recorded.txt", 100, 20);
}

static void test_nistkat_count0(void **state)
{
	(void)state;
	run_file("hqc256_nistkat_count0.txt", 1, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nistkat_count0),
		cmocka_unit_test(test_pqclean_recorded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
