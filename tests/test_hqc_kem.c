/* HQC-256 through the KEM API: the registered descriptor, random round
 * trips with OS randomness (both implementations; count per implementation
 * from PQTUN_HQC_ROUNDTRIPS, default 200), implicit rejection (status,
 * formula SHAKE256(sigma || u || v || 4), padding bits of u, random
 * ciphertexts), refusal of malformed public keys, and the length-checking
 * wrappers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/fips202.h"
#include "crypto/hqc/hqc256.h"
#include "pqtun/kem.h"
#include "util/cpu.h"
#include "util/random.h"

#define PK HQC256_PUBLIC_KEY_BYTES
#define SK HQC256_SECRET_KEY_BYTES
#define CT HQC256_CIPHERTEXT_BYTES
#define SS HQC256_SHARED_SECRET_BYTES
#define UV (CT - 16)

static uint8_t pk[PK], sk[SK], ct[CT], ct2[CT];

static void test_descriptor(void **state)
{
	(void)state;
	const pqtun_kem *kem = pqtun_kem_find("HQC-256");
	assert_non_null(kem);
	assert_string_equal(kem->name, "HQC-256");
	assert_int_equal(kem->public_key_bytes, 7245);
	assert_int_equal(kem->secret_key_bytes, 7317);
	assert_int_equal(kem->ciphertext_bytes, 14421);
	assert_int_equal(kem->shared_secret_bytes, 64);

	uint8_t ss[SS], ss2[SS];
	assert_int_equal(kem->keypair(pk, sk), PQTUN_OK);
	assert_memory_equal(sk + 72, pk, PK);
	assert_int_equal(kem->encaps(ct, ss, pk), PQTUN_OK);
	assert_int_equal(kem->decaps(ss2, ct, sk), PQTUN_OK);
	assert_memory_equal(ss, ss2, SS);
}

static long roundtrips(void)
{
	const char *e = getenv("PQTUN_HQC_ROUNDTRIPS");
	long n = e ? strtol(e, NULL, 10) : 200;
	return n > 0 ? n : 200;
}

static void run_roundtrips(enum pqtun_impl impl)
{
	if (pqtun_impl_force(impl) != 0) {
		print_message("# %s not supported by this CPU, skipped\n", pqtun_impl_name(impl));
		return;
	}
	long n = roundtrips();
	uint8_t ss[SS], ss2[SS], prev_ss[SS] = {0};
	for (long i = 0; i < n; i++) {
		if (i % 20 == 0)
			assert_int_equal(hqc256_keypair(pk, sk), PQTUN_OK);
		assert_int_equal(hqc256_encaps(ct, ss, pk), PQTUN_OK);
		memset(ss2, 0, SS);
		int rc = hqc256_decaps(ss2, ct, sk);
		if (rc != PQTUN_OK || memcmp(ss, ss2, SS) != 0)
			fail_msg("round trip %ld [%s]: decaps rc %d, secrets %s", i,
				 pqtun_impl_name(impl), rc, memcmp(ss, ss2, SS) ? "differ" : "agree");
		assert_memory_not_equal(ss, prev_ss, SS);
		memcpy(prev_ss, ss, SS);
	}
	print_message("# %ld round trips [%s] agree\n", n, pqtun_impl_name(impl));
	pqtun_impl_force(PQTUN_IMPL_AUTO);
}

static void test_roundtrip_portable(void **state)
{
	(void)state;
	run_roundtrips(PQTUN_IMPL_PORTABLE);
}

static void test_roundtrip_avx2(void **state)
{
	(void)state;
	run_roundtrips(PQTUN_IMPL_AVX2);
}

/* SHAKE256(sigma || ct[0:UV] || 4)[0:64], computed here independently. */
static void rejection_secret(uint8_t out[SS], const uint8_t *c, const uint8_t *s)
{
	keccak_state st;
	const uint8_t four = 4;
	shake256_init(&st);
	shake256_absorb(&st, s + 40, 32);
	shake256_absorb(&st, c, UV);
	shake256_absorb(&st, &four, 1);
	shake256_finalize(&st);
	shake256_squeeze(out, SS, &st);
}

static void expect_rejected(const uint8_t *c, const char *what)
{
	uint8_t ss[SS], want[SS];
	int rc = hqc256_decaps(ss, c, sk);
	if (rc != PQTUN_KEM_REJECTED)
		fail_msg("%s: decaps returned %d, expected rejection", what, rc);
	rejection_secret(want, c, sk);
	if (memcmp(ss, want, SS) != 0)
		fail_msg("%s: rejection secret is not SHAKE256(sigma || u || v || 4)", what);
}

static void test_rejection(void **state)
{
	(void)state;
	uint8_t ss[SS];
	assert_int_equal(hqc256_keypair(pk, sk), PQTUN_OK);
	assert_int_equal(hqc256_encaps(ct, ss, pk), PQTUN_OK);

	const size_t offsets[] = {0, 3000, 7204, 7205, 10000, UV - 1, UV, CT - 1};
	for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		memcpy(ct2, ct, CT);
		ct2[offsets[i]] ^= 0x01;
		expect_rejected(ct2, "one flipped bit");
	}
	/* padding bits of u (bits 5..7 of byte 7204) count too */
	memcpy(ct2, ct, CT);
	ct2[7204] ^= 0x80;
	expect_rejected(ct2, "padding bit of u");
	/* random and all-zero ciphertexts */
	assert_int_equal(pqtun_randombytes(ct2, CT), 0);
	expect_rejected(ct2, "random ciphertext");
	memset(ct2, 0, CT);
	expect_rejected(ct2, "zero ciphertext");
	/* the genuine one still works */
	uint8_t ss2[SS];
	assert_int_equal(hqc256_decaps(ss2, ct, sk), PQTUN_OK);
	assert_memory_equal(ss, ss2, SS);
}

/* A public key with any of the 3 unused top bits of s set is refused. */
static void test_malformed_pk(void **state)
{
	(void)state;
	uint8_t ss[SS], rnd[HQC256_ENCAPS_RANDOM_BYTES] = {1, 2, 3};
	assert_int_equal(hqc256_keypair(pk, sk), PQTUN_OK);
	assert_int_equal(pk[PK - 1] & 0xe0, 0);
	for (int bit = 5; bit < 8; bit++) {
		pk[PK - 1] ^= (uint8_t)(1u << bit);
		memset(ct, 0x77, CT);
		memset(ss, 0x77, SS);
		assert_int_equal(hqc256_encaps(ct, ss, pk), PQTUN_KEM_INVALID_KEY);
		for (size_t i = 0; i < CT; i++)
			assert_int_equal(ct[i], 0);
		for (size_t i = 0; i < SS; i++)
			assert_int_equal(ss[i], 0);
		assert_int_equal(hqc256_encaps_derand(ct, ss, pk, rnd), PQTUN_KEM_INVALID_KEY);
		assert_int_equal(pqtun_kem_find("HQC-256")->encaps(ct, ss, pk), PQTUN_KEM_INVALID_KEY);
		pk[PK - 1] ^= (uint8_t)(1u << bit);
	}
	assert_int_equal(hqc256_encaps_derand(ct, ss, pk, rnd), PQTUN_OK);
}

static void test_checked_lengths(void **state)
{
	(void)state;
	uint8_t ss[SS + 1];
	assert_int_equal(hqc256_keypair(pk, sk), PQTUN_OK);
	assert_int_equal(hqc256_encaps_checked(ct, CT, ss, SS, pk, PK - 1), PQTUN_KEM_INVALID_LENGTH);
	assert_int_equal(hqc256_encaps_checked(ct, CT - 1, ss, SS, pk, PK), PQTUN_KEM_INVALID_LENGTH);
	assert_int_equal(hqc256_encaps_checked(ct, CT, ss, SS + 1, pk, PK), PQTUN_KEM_INVALID_LENGTH);
	assert_int_equal(hqc256_encaps_checked(ct, CT, ss, SS, pk, PK), PQTUN_OK);
	memset(ss, 0x55, sizeof(ss));
	assert_int_equal(hqc256_decaps_checked(ss, SS, ct, CT + 1, sk, SK), PQTUN_KEM_INVALID_LENGTH);
	for (int i = 0; i < SS; i++)
		assert_int_equal(ss[i], 0); /* zeroed on error */
	assert_int_equal(hqc256_decaps_checked(ss, SS, ct, CT, sk, SK - 1), PQTUN_KEM_INVALID_LENGTH);
	assert_int_equal(hqc256_decaps_checked(ss, SS - 1, ct, CT, sk, SK), PQTUN_KEM_INVALID_LENGTH);
	assert_int_equal(hqc256_decaps_checked(ss, SS, ct, CT, sk, SK), PQTUN_OK);
	assert_int_equal(hqc256_decaps_checked(NULL, 0, ct, CT, sk, SK), PQTUN_KEM_INVALID_LENGTH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_descriptor),
		cmocka_unit_test(test_roundtrip_avx2),
		cmocka_unit_test(test_roundtrip_portable),
		cmocka_unit_test(test_rejection),
		cmocka_unit_test(test_malformed_pk),
		cmocka_unit_test(test_checked_lengths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
