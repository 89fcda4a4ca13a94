/* PSK derivation (PROTOCOL.md §5): 32-byte secrets as is, others SHA-256,
 * XOR of all. Checked against the recorded KAT values (ss_sha256) and
 * SHA-256 computed separately. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>

#include "pqtun/exchange.h"
#include "vectors.h"

static void SHA256(const uint8_t *in, size_t n, uint8_t *out) { crypto_hash_sha256(out, in, n); }

static void test_single_32_is_identity(void **state)
{
	(void)state;
	uint8_t s[32], psk[32];
	for (int i = 0; i < 32; i++)
		s[i] = (uint8_t)(i * 7 + 1);
	const uint8_t *secrets[] = { s };
	size_t lens[] = { 32 };
	assert_int_equal(pqtun_psk_derive(psk, secrets, lens, 1), 0);
	assert_memory_equal(psk, s, 32);
}

static void test_xor_of_hashed_and_plain(void **state)
{
	(void)state;
	uint8_t a[32], b[64], psk[32], expect[32], hb[32];
	for (int i = 0; i < 32; i++)
		a[i] = (uint8_t)(0xa5 ^ i);
	for (int i = 0; i < 64; i++)
		b[i] = (uint8_t)(3 * i);
	SHA256(b, sizeof(b), hb);
	for (int i = 0; i < 32; i++)
		expect[i] = a[i] ^ hb[i];
	const uint8_t *secrets[] = { a, b };
	size_t lens[] = { 32, 64 };
	assert_int_equal(pqtun_psk_derive(psk, secrets, lens, 2), 0);
	assert_memory_equal(psk, expect, 32);
	/* Order does not matter. */
	const uint8_t *rev[] = { b, a };
	size_t rlens[] = { 64, 32 };
	uint8_t psk2[32];
	assert_int_equal(pqtun_psk_derive(psk2, rev, rlens, 2), 0);
	assert_memory_equal(psk2, expect, 32);
}

static void test_odd_lengths_hashed(void **state)
{
	(void)state;
	/* 31 and 33 bytes are "not 32": hashed. 1-byte too. */
	uint8_t x[33], psk[32], h1[32], h2[32], h3[32];
	memset(x, 0x5c, sizeof(x));
	SHA256(x, 31, h1);
	SHA256(x, 33, h2);
	SHA256(x, 1, h3);
	const uint8_t *secrets[] = { x, x, x };
	size_t lens[] = { 31, 33, 1 };
	assert_int_equal(pqtun_psk_derive(psk, secrets, lens, 3), 0);
	for (int i = 0; i < 32; i++)
		assert_int_equal(psk[i], h1[i] ^ h2[i] ^ h3[i]);
}

static void test_same_secret_twice_cancels(void **state)
{
	(void)state;
	uint8_t s[32], psk[32], zero[32] = { 0 };
	memset(s, 0x77, sizeof(s));
	const uint8_t *secrets[] = { s, s };
	size_t lens[] = { 32, 32 };
	assert_int_equal(pqtun_psk_derive(psk, secrets, lens, 2), 0);
	assert_memory_equal(psk, zero, 32);
}

static void test_bad_arguments(void **state)
{
	(void)state;
	uint8_t s[32] = { 1 }, psk[32], zero[32] = { 0 };
	const uint8_t *secrets[] = { s, NULL };
	size_t lens[] = { 32, 32 };
	memset(psk, 0xff, sizeof(psk));
	assert_int_equal(pqtun_psk_derive(psk, secrets, lens, 0), -1);
	assert_memory_equal(psk, zero, 32);
	memset(psk, 0xff, sizeof(psk));
	assert_int_equal(pqtun_psk_derive(psk, secrets, lens, 2), -1);
	assert_memory_equal(psk, zero, 32);
	size_t zlen[] = { 0 };
	assert_int_equal(pqtun_psk_derive(psk, secrets, zlen, 1), -1);
	assert_int_equal(pqtun_psk_derive(NULL, secrets, lens, 1), -1);
	assert_int_equal(pqtun_psk_derive(psk, NULL, lens, 1), -1);
}

/* The recorded KATs give ss (64 B) and ss_sha256 for HQC-256, and a 32-byte
 * ss for ML-KEM-1024: the PSK of one ML-KEM and one HQC exchange must be
 * ss_mlkem XOR ss_sha256_hqc. */
static void test_against_recorded_vectors(void **state)
{
	(void)state;
	vec_file hv, mv;
	assert_int_equal(vec_open(&hv, "hqc256_pqclean_recorded.txt"), 0);
	assert_int_equal(vec_open(&mv, "mlkem1024_pqclean_recorded.txt"), 0);
	int checked = 0;
	while (vec_next(&hv) == 1 && vec_next(&mv) == 1) {
		const vec_field *hss = vec_need(&hv, "ss");
		const vec_field *hsh = vec_need(&hv, "ss_sha256");
		const vec_field *mss = vec_need(&mv, "ss");
		assert_int_equal(hss->len, 64);
		assert_int_equal(mss->len, 32);
		const uint8_t *secrets[] = { mss->bytes, hss->bytes };
		size_t lens[] = { mss->len, hss->len };
		uint8_t psk[32];
		assert_int_equal(pqtun_psk_derive(psk, secrets, lens, 2), 0);
		for (int i = 0; i < 32; i++)
			assert_int_equal(psk[i], mss->bytes[i] ^ hsh->bytes[i]);
		checked++;
	}
	vec_close(&hv);
	vec_close(&mv);
	assert_true(checked >= 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_32_is_identity),
		cmocka_unit_test(test_xor_of_hashed_and_plain),
		cmocka_unit_test(test_odd_lengths_hashed),
		cmocka_unit_test(test_same_secret_twice_cancels),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_against_recorded_vectors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
