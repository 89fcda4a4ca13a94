/* FIPS 202 (src/crypto/fips202.c) against OpenSSL's SHA-3/SHAKE as an
 * independent oracle: every input length up to four SHAKE-128 blocks and
 * beyond (so every rate boundary is crossed), random absorb/squeeze splits,
 * whole-block squeezing, plus fixed published vectors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "crypto/fips202.h"
#include "util/cpu.h"
#ifdef PQTUN_HAVE_X86_64
#include "crypto/fips202x4.h"
#endif

#define MAX_IN (4 * SHAKE128_RATE + 64)
#define MAX_OUT (5 * SHAKE128_RATE + 17)

/* Deterministic test data (xorshift64*); the seed is fixed so failures
 * reproduce. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}
static void rng_fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(rng_next() >> 56);
}

enum alg { ALG_SHA3_256, ALG_SHA3_512, ALG_SHAKE128, ALG_SHAKE256 };

/* OpenSSL's answer: outlen bytes of alg(in). */
static void oracle(enum alg a, uint8_t *out, size_t outlen, const uint8_t *in, size_t inlen)
{
	const EVP_MD *md = a == ALG_SHA3_256 ? EVP_sha3_256() : a == ALG_SHA3_512 ? EVP_sha3_512()
			 : a == ALG_SHAKE128 ? EVP_shake128() : EVP_shake256();
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	assert_non_null(ctx);
	assert_int_equal(EVP_DigestInit_ex(ctx, md, NULL), 1);
	assert_int_equal(EVP_DigestUpdate(ctx, in, inlen), 1);
	if (a == ALG_SHAKE128 || a == ALG_SHAKE256) {
		assert_int_equal(EVP_DigestFinalXOF(ctx, out, outlen), 1);
	} else {
		unsigned int n = 0;
		assert_int_equal(EVP_DigestFinal_ex(ctx, out, &n), 1);
		assert_int_equal(n, outlen);
	}
	EVP_MD_CTX_free(ctx);
}

static void check_oneshot(enum alg a, size_t inlen, size_t outlen)
{
	uint8_t in[MAX_IN] = { 0 }, want[MAX_OUT], got[MAX_OUT];
	rng_fill(in, inlen);
	oracle(a, want, outlen, in, inlen);
	memset(got, 0xaa, sizeof(got));
	switch (a) {
	case ALG_SHA3_256: sha3_256(got, in, inlen); break;
	case ALG_SHA3_512: sha3_512(got, in, inlen); break;
	case ALG_SHAKE128: shake128(got, outlen, in, inlen); break;
	case ALG_SHAKE256: shake256(got, outlen, in, inlen); break;
	}
	if (memcmp(got, want, outlen) != 0)
		fail_msg("alg %d inlen %zu outlen %zu: mismatch with OpenSSL", (int)a, inlen, outlen);
	/* Nothing written past the output. */
	assert_int_equal(got[outlen], 0xaa);
}

static void test_every_length(void **state)
{
	(void)state;
	/* The permutation has a generic build and, on x86-64 with BMI, a fast
	 * path build: check both. */
	const enum pqtun_impl impls[2] = { PQTUN_IMPL_PORTABLE, PQTUN_IMPL_AVX2 };
	for (int i = 0; i < 2; i++) {
		if (pqtun_impl_force(impls[i]) != 0)
			continue;
		for (size_t len = 0; len <= MAX_IN; len++) {
			check_oneshot(ALG_SHA3_256, len, 32);
			check_oneshot(ALG_SHA3_512, len, 64);
			check_oneshot(ALG_SHAKE128, len, 1 + len % 200);
			check_oneshot(ALG_SHAKE256, len, 1 + (len * 7) % 300);
		}
	}
	pqtun_impl_force(PQTUN_IMPL_AUTO);
}

static void test_output_lengths(void **state)
{
	(void)state;
	/* Every output length across several blocks of both SHAKEs. */
	for (size_t out = 0; out < MAX_OUT; out++) {
		check_oneshot(ALG_SHAKE128, 33, out);
		check_oneshot(ALG_SHAKE256, 34, out);
	}
}

/* Absorb in random pieces, squeeze in random pieces, compare with the
 * one-shot oracle. */
static void incremental_case(unsigned int rate, size_t inlen, size_t outlen)
{
	uint8_t in[MAX_IN], want[MAX_OUT], got[MAX_OUT];
	keccak_state st;
	enum alg a = rate == SHAKE128_RATE ? ALG_SHAKE128 : ALG_SHAKE256;

	memset(in, 0, sizeof(in));
	rng_fill(in, inlen);
	oracle(a, want, outlen, in, inlen);
	keccak_init(&st, rate, 0x1f);
	size_t off = 0;
	while (off < inlen) {
		size_t n = rng_next() % 4 == 0 ? rng_next() % (2 * rate) : rng_next() % 9;
		if (n > inlen - off)
			n = inlen - off;
		keccak_absorb(&st, in + off, n);
		off += n;
	}
	keccak_finalize(&st);
	off = 0;
	while (off < outlen) {
		size_t n = rng_next() % 3 == 0 ? rng_next() % (2 * rate + 1) : rng_next() % 10;
		if (n > outlen - off)
			n = outlen - off;
		keccak_squeeze(got + off, n, &st);
		off += n;
	}
	keccak_wipe(&st);
	if (memcmp(got, want, outlen) != 0)
		fail_msg("rate %u inlen %zu outlen %zu: incremental mismatch", rate, inlen, outlen);
}

static void test_incremental(void **state)
{
	(void)state;
	for (int i = 0; i < 3000; i++) {
		size_t inlen = rng_next() % (MAX_IN + 1);
		size_t outlen = rng_next() % (MAX_OUT + 1);
		incremental_case(i & 1 ? SHAKE128_RATE : SHAKE256_RATE, inlen, outlen);
	}
}

static void test_squeezeblocks(void **state)
{
	(void)state;
	const unsigned int rates[2] = { SHAKE128_RATE, SHAKE256_RATE };
	for (int r = 0; r < 2; r++) {
		unsigned int rate = rates[r];
		enum alg a = rate == SHAKE128_RATE ? ALG_SHAKE128 : ALG_SHAKE256;
		for (size_t inlen = 0; inlen < 2 * rate + 3; inlen += 5) {
			uint8_t in[MAX_IN] = { 0 }, want[5 * SHAKE128_RATE], got[5 * SHAKE128_RATE];
			keccak_state st;
			rng_fill(in, inlen);
			oracle(a, want, 5 * rate, in, inlen);
			keccak_init(&st, rate, 0x1f);
			keccak_absorb(&st, in, inlen);
			keccak_finalize(&st);
			keccak_squeezeblocks(got, 2, &st);
			keccak_squeezeblocks(got + 2 * rate, 1, &st);
			keccak_squeezeblocks(got + 3 * rate, 2, &st);
			assert_memory_equal(got, want, 5 * rate);
			/* A byte-wise squeeze after whole blocks continues the stream. */
			keccak_state st2;
			uint8_t more[40], want_more[5 * SHAKE128_RATE + 40];
			keccak_init(&st2, rate, 0x1f);
			keccak_absorb(&st2, in, inlen);
			keccak_finalize(&st2);
			keccak_squeezeblocks(got, 1, &st2);
			keccak_squeeze(more, sizeof(more), &st2);
			oracle(a, want_more, rate + sizeof(more), in, inlen);
			assert_memory_equal(more, want_more + rate, sizeof(more));
		}
	}
}

static void hex(uint8_t *out, const char *s)
{
	for (size_t i = 0; s[2 * i]; i++) {
		unsigned int v;
		sscanf(s + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
}

static void test_fixed_vectors(void **state)
{
	(void)state;
	uint8_t got[64], want[64];
	sha3_256(got, (const uint8_t *)"", 0);
	hex(want, "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
	assert_memory_equal(got, want, 32);
	sha3_512(got, (const uint8_t *)"abc", 3);
	hex(want, "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e"
		  "10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0");
	assert_memory_equal(got, want, 64);
	shake128(got, 16, (const uint8_t *)"", 0);
	hex(want, "7f9c2ba4e88f827d616045507605853e");
	assert_memory_equal(got, want, 16);
	shake256(got, 32, (const uint8_t *)"", 0);
	hex(want, "46b9dd2b0ba88d13233b3feb743eeb243fcd52ea62b81b82b50c27646ed5762f");
	assert_memory_equal(got, want, 32);
	/* Keccak-f[1600] of the zero state: first lane. */
	uint64_t s[25] = { 0 };
	keccakf1600_permute(s);
	assert_true(s[0] == 0xf1258f7940e1dde7ULL);
}

static void test_wipe(void **state)
{
	(void)state;
	keccak_state st;
	shake256_init(&st);
	shake256_absorb(&st, (const uint8_t *)"secret", 6);
	keccak_wipe(&st);
	const uint8_t *p = (const uint8_t *)&st;
	for (size_t i = 0; i < sizeof(st); i++)
		assert_int_equal(p[i], 0);
}

/* Four-way Keccak (AVX2) against the scalar SHAKE: every instance must
 * produce its own stream, for inputs up to three blocks long. */
static void test_keccakx4(void **state)
{
	(void)state;
#ifdef PQTUN_HAVE_X86_64
	if (!pqtun_cpu_has_avx2()) {
		print_message("# no AVX2: 4-way Keccak not tested\n");
		return;
	}
	const unsigned int rates[2] = { SHAKE128_RATE, SHAKE256_RATE };
	for (int r = 0; r < 2; r++) {
		unsigned int rate = rates[r];
		for (size_t inlen = 0; inlen <= 3 * rate + 1; inlen += (inlen < 40 ? 1 : 13)) {
			uint8_t in[4][3 * SHAKE128_RATE + 2], out[4][3 * SHAKE128_RATE];
			uint8_t want[3 * SHAKE128_RATE];
			keccakx4_state st;
			for (int j = 0; j < 4; j++)
				rng_fill(in[j], sizeof(in[j]));
			keccakx4_absorb_once(&st, rate, 0x1f, in[0], in[1], in[2], in[3], inlen);
			keccakx4_squeezeblocks(out[0], out[1], out[2], out[3], 2, rate, &st);
			keccakx4_squeezeblocks(out[0] + 2 * rate, out[1] + 2 * rate, out[2] + 2 * rate,
					       out[3] + 2 * rate, 1, rate, &st);
			for (int j = 0; j < 4; j++) {
				if (rate == SHAKE128_RATE)
					shake128(want, 3 * rate, in[j], inlen);
				else
					shake256(want, 3 * rate, in[j], inlen);
				if (memcmp(out[j], want, 3 * rate) != 0)
					fail_msg("x4 rate %u inlen %zu instance %d differs", rate, inlen, j);
			}
		}
	}
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_vectors),
		cmocka_unit_test(test_every_length),
		cmocka_unit_test(test_output_lengths),
		cmocka_unit_test(test_incremental),
		cmocka_unit_test(test_squeezeblocks),
		cmocka_unit_test(test_wipe),
		cmocka_unit_test(test_keccakx4),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
