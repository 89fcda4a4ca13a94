/* Core utilities: key encodings against libsodium's base64, strictness of
 * the decoders, constant-time comparison, secret memory, randomness. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>

#include "util/encoding.h"
#include "util/mem.h"
#include "util/random.h"

static void test_base64_matches_libsodium(void **state)
{
	(void)state;
	assert_int_equal(pqtun_sodium_init(), 0);
	for (int i = 0; i < 2000; i++) {
		uint8_t key[32], back[32];
		char ours[45], theirs[45];
		randombytes_buf(key, sizeof(key));
		if (i == 0) memset(key, 0, 32);
		if (i == 1) memset(key, 0xff, 32);
		pqtun_key_to_base64(ours, key);
		sodium_bin2base64(theirs, sizeof(theirs), key, 32, sodium_base64_VARIANT_ORIGINAL);
		assert_string_equal(ours, theirs);
		assert_int_equal(pqtun_key_from_base64(back, ours), 0);
		assert_memory_equal(back, key, 32);
	}
}

static void test_base64_rejects(void **state)
{
	(void)state;
	uint8_t key[32];
	const char *good = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=";
	assert_int_equal(pqtun_key_from_base64(key, good), 0);
	assert_int_equal(pqtun_key_from_base64(key, ""), -1);
	assert_int_equal(pqtun_key_from_base64(key, "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk"), -1);
	assert_int_equal(pqtun_key_from_base64(key, "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=="), -1);
	assert_int_equal(pqtun_key_from_base64(key, "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmkA"), -1);
	assert_int_equal(pqtun_key_from_base64(key, "yAnz5TF+lXXJte14tji3zlMN!+hd2rYUIgJBgB3fBmk="), -1);
	assert_int_equal(pqtun_key_from_base64(key, "yAnz5TF+lXXJte14tji3zlMN-+hd2rYUIgJBgB3fBmk="), -1);
	/* 'l' instead of 'k' leaves a stray low bit: non-canonical. */
	assert_int_equal(pqtun_key_from_base64(key, "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBml="), -1);
	assert_int_equal(pqtun_key_from_base64(key, "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk= "), -1);
}

static void test_hex(void **state)
{
	(void)state;
	uint8_t in[32], out[32];
	char hex[65];
	for (int i = 0; i < 32; i++) in[i] = (uint8_t)(i * 37 + 5);
	pqtun_key_to_hex(hex, in);
	char ref[65];
	sodium_bin2hex(ref, sizeof(ref), in, 32);
	assert_string_equal(hex, ref);
	assert_int_equal(pqtun_key_from_hex(out, hex), 0);
	assert_memory_equal(in, out, 32);
	hex[5] = 'G';
	assert_int_equal(pqtun_key_from_hex(out, hex), -1);
	assert_int_equal(pqtun_key_from_hex(out, "00"), -1);
	assert_int_equal(pqtun_hex_decode(out, 2, "ABcd", 4), 0);
	assert_int_equal(out[0], 0xab);
	assert_int_equal(out[1], 0xcd);
}

static void test_ct_equal(void **state)
{
	(void)state;
	uint8_t a[64], b[64];
	memset(a, 7, 64);
	memcpy(b, a, 64);
	assert_int_equal(pqtun_ct_equal(a, b, 64), 1);
	for (int i = 0; i < 64; i++)
		for (int bit = 0; bit < 8; bit++) {
			b[i] ^= (uint8_t)(1 << bit);
			assert_int_equal(pqtun_ct_equal(a, b, 64), 0);
			b[i] ^= (uint8_t)(1 << bit);
		}
	assert_int_equal(pqtun_ct_equal(a, b, 0), 1);
}

static void test_secure_alloc_and_random(void **state)
{
	(void)state;
	uint8_t *p = pqtun_secure_alloc(100);
	assert_non_null(p);
	for (int i = 0; i < 100; i++) assert_int_equal(p[i], 0);
	assert_int_equal(pqtun_randombytes(p, 100), 0);
	uint8_t zero[100] = { 0 };
	assert_memory_not_equal(p, zero, 100);
	pqtun_secure_free(p);
	pqtun_secure_free(NULL);
	pqtun_stack_scrub(64 * 1024);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64_matches_libsodium),
		cmocka_unit_test(test_base64_rejects),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_ct_equal),
		cmocka_unit_test(test_secure_alloc_and_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
