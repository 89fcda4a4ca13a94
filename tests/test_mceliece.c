/* Classic-McEliece-460896f-round3 encapsulation: known answers replayed from
 * the recorded randomness (every 384-byte sampler call, rejected attempts
 * included), the sampler's accept/reject rules on hand-built inputs, both
 * syndrome implementations, randomness failure, length checks and the
 * registry descriptor. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/legacy/mceliece460896f.h"
#include "pqtun/kem.h"
#include "util/cpu.h"
#include "vectors.h"

#define VEC_FILE "mceliece460896f_r3_pqclean_recorded.txt"

/* Replays a recorded randomness stream, one call at a time, and records the
 * lengths it was asked for. fail_at: call index (0-based) that fails, or -1. */
typedef struct {
	const uint8_t *data;
	size_t len;
	size_t used;
	size_t calls;
	size_t call_len[64];
	long fail_at;
} replay;

static int replay_random(void *ctx, uint8_t *buf, size_t len)
{
	replay *r = ctx;
	if (r->calls < 64)
		r->call_len[r->calls] = len;
	if ((long)r->calls == r->fail_at) {
		r->calls++;
		memset(buf, 0, len);
		return -1;
	}
	r->calls++;
	if (len > r->len - r->used) {
		/* asked for more than was recorded: fail loudly rather than loop */
		memset(buf, 0, len);
		return -1;
	}
	memcpy(buf, r->data + r->used, len);
	r->used += len;
	return 0;
}

/* Number of entries in a decimal list such as "384,384,384", each of which
 * must be 384. */
static size_t count_calls(const char *list)
{
	size_t n = 0;
	const char *p = list;
	while (*p) {
		char *end;
		long v = strtol(p, &end, 10);
		assert_int_equal(v, MCE460896F_SAMPLE_BYTES);
		n++;
		p = *end == ',' ? end + 1 : end;
		assert_true(end != p || *end == '\0');
	}
	return n;
}

static void run_kat(enum pqtun_impl impl)
{
	vec_file vf;
	size_t blocks = 0, encs = 0;

	if (pqtun_impl_force(impl) != 0) {
		print_message("skipping %s: not supported on this CPU\n", pqtun_impl_name(impl));
		return;
	}
	assert_int_equal(vec_open(&vf, VEC_FILE), 0);
	while (vec_next(&vf)) {
		const vec_field *pk = vec_need(&vf, "pk");
		assert_int_equal(pk->len, MCE460896F_PK_BYTES);
		for (int i = 0; i < 3; i++) {
			char name[32];
			snprintf(name, sizeof(name), "encaps_rand_%d", i);
			const vec_field *rnd = vec_need(&vf, name);
			snprintf(name, sizeof(name), "encaps_rand_calls_%d", i);
			const vec_field *calls = vec_get(&vf, name);
			assert_non_null(calls);
			snprintf(name, sizeof(name), "ct_%d", i);
			const vec_field *ct_want = vec_need(&vf, name);
			snprintf(name, sizeof(name), "ss_%d", i);
			const vec_field *ss_want = vec_need(&vf, name);
			size_t ncalls = count_calls(calls->value);
			assert_int_equal(rnd->len, ncalls * MCE460896F_SAMPLE_BYTES);
			assert_int_equal(ct_want->len, MCE460896F_CT_BYTES);
			assert_int_equal(ss_want->len, MCE460896F_SS_BYTES);

			replay r = { .data = rnd->bytes, .len = rnd->len, .fail_at = -1 };
			uint8_t ct[MCE460896F_CT_BYTES], ss[MCE460896F_SS_BYTES];
			int rc = mce460896f_enc_derand(ct, ss, pk->bytes, replay_random, &r);
			if (rc != PQTUN_OK || r.calls != ncalls || r.used != r.len ||
			    memcmp(ct, ct_want->bytes, sizeof(ct)) != 0 ||
			    memcmp(ss, ss_want->bytes, sizeof(ss)) != 0)
				fail_msg("%s count %ld encaps %d (%s): rc %d, %zu of %zu calls, "
					 "ct %s, ss %s", VEC_FILE, vf.count, i, pqtun_impl_name(impl), rc,
					 r.calls, ncalls,
					 memcmp(ct, ct_want->bytes, sizeof(ct)) ? "differs" : "ok",
					 memcmp(ss, ss_want->bytes, sizeof(ss)) ? "differs" : "ok");
			for (size_t c = 0; c < r.calls; c++)
				assert_int_equal(r.call_len[c], MCE460896F_SAMPLE_BYTES);
			encs++;
		}
		blocks++;
	}
	vec_close(&vf);
	pqtun_impl_force(PQTUN_IMPL_AUTO);
	assert_int_equal(blocks, 4);
	assert_int_equal(encs, 12);
}

static void test_kat_portable(void **state)
{
	(void)state;
	run_kat(PQTUN_IMPL_PORTABLE);
}

static void test_kat_avx2(void **state)
{
	(void)state;
	run_kat(PQTUN_IMPL_AVX2);
}

/* Each recorded call on its own: every attempt but the last is rejected,
 * the last one accepted with an error vector of weight 96; the portable and
 * AVX2 builds of the sampler agree on every attempt. */
static void test_kat_attempts(void **state)
{
	vec_file vf;
	size_t rejected = 0;
	(void)state;
	assert_int_equal(vec_open(&vf, VEC_FILE), 0);
	while (vec_next(&vf)) {
		for (int i = 0; i < 3; i++) {
			char name[32];
			snprintf(name, sizeof(name), "encaps_rand_%d", i);
			const vec_field *rnd = vec_need(&vf, name);
			size_t n = rnd->len / MCE460896F_SAMPLE_BYTES;
			for (size_t a = 0; a < n; a++) {
				uint8_t e[MCE460896F_E_BYTES];
				memset(e, 0xa5, sizeof(e));
				int ok = mce460896f_sample_attempt_portable(e, rnd->bytes + a * MCE460896F_SAMPLE_BYTES);
#if defined(PQTUN_HAVE_X86_64)
				if (pqtun_cpu_has_avx2()) {
					uint8_t e2[MCE460896F_E_BYTES];
					int ok2 = mce460896f_sample_attempt_avx2(e2, rnd->bytes + a * MCE460896F_SAMPLE_BYTES);
					assert_int_equal(ok2, ok);
					assert_memory_equal(e2, e, sizeof(e));
				}
#endif
				size_t weight = 0;
				for (size_t b = 0; b < sizeof(e); b++)
					weight += (size_t)__builtin_popcount(e[b]);
				assert_int_equal(ok, a + 1 == n);
				assert_int_equal(weight, ok ? MCE460896F_T : 0);
				rejected += !ok;
			}
		}
	}
	vec_close(&vf);
	/* README: k = 1 (x5), 2 (x2), 4, 5 (x2), 6, 11 -> 28 rejected attempts */
	assert_int_equal(rejected, 28);
}

/* Decapsulation returns every recorded ss_i, and for the tampered ciphertext
 * (syndrome flips: decoding fails; confirmation flips: only the
 * confirmation check fails) the implicit-rejection value bad_ss. */
static void run_kat_decaps(enum pqtun_impl impl)
{
	vec_file vf;
	size_t blocks = 0;
	if (pqtun_impl_force(impl) != 0) {
		print_message("skipping %s: not supported on this CPU\n", pqtun_impl_name(impl));
		return;
	}
	assert_int_equal(vec_open(&vf, VEC_FILE), 0);
	while (vec_next(&vf)) {
		const vec_field *sk = vec_need(&vf, "sk");
		assert_int_equal(sk->len, MCE460896F_SK_BYTES);
		for (int i = 0; i < 3; i++) {
			char name[32];
			snprintf(name, sizeof(name), "ct_%d", i);
			const vec_field *ct = vec_need(&vf, name);
			snprintf(name, sizeof(name), "ss_%d", i);
			const vec_field *ss_want = vec_need(&vf, name);
			uint8_t ss[MCE460896F_SS_BYTES];
			assert_int_equal(mce460896f_dec(ss, ct->bytes, sk->bytes), PQTUN_OK);
			if (memcmp(ss, ss_want->bytes, sizeof(ss)) != 0)
				fail_msg("%s count %ld (%s): decaps of ct_%d gives a wrong ss", VEC_FILE,
					 vf.count, pqtun_impl_name(impl), i);
		}
		const vec_field *bad_ct = vec_need(&vf, "bad_ct");
		const vec_field *bad_ss = vec_need(&vf, "bad_ss");
		const vec_field *ct0 = vec_need(&vf, "ct_0");
		const vec_field *ss0 = vec_need(&vf, "ss_0");
		long off = strtol(vec_need(&vf, "bad_ct_offset")->value, NULL, 10);
		assert_true(off >= 0 && off < MCE460896F_CT_BYTES);
		assert_int_not_equal(bad_ct->bytes[off], ct0->bytes[off]);
		uint8_t ss[MCE460896F_SS_BYTES];
		assert_int_equal(mce460896f_dec_checked(ss, sizeof(ss), bad_ct->bytes, bad_ct->len,
							sk->bytes, sk->len), PQTUN_OK);
		if (memcmp(ss, bad_ss->bytes, sizeof(ss)) != 0)
			fail_msg("%s count %ld (%s): tampered ct (byte %ld) gives a wrong rejection ss",
				 VEC_FILE, vf.count, pqtun_impl_name(impl), off);
		assert_memory_not_equal(ss, ss0->bytes, sizeof(ss));
		blocks++;
	}
	vec_close(&vf);
	pqtun_impl_force(PQTUN_IMPL_AUTO);
	assert_int_equal(blocks, 4);
}

static void test_kat_decaps_portable(void **state)
{
	(void)state;
	run_kat_decaps(PQTUN_IMPL_PORTABLE);
}

static void test_kat_decaps_avx2(void **state)
{
	(void)state;
	run_kat_decaps(PQTUN_IMPL_AVX2);
}

/* Decapsulation's length-checking wrapper rejects wrong sizes. */
static void test_decaps_lengths(void **state)
{
	uint8_t *sk = calloc(1, MCE460896F_SK_BYTES + 1);
	uint8_t ct[MCE460896F_CT_BYTES + 1] = { 0 }, ss[MCE460896F_SS_BYTES + 1];
	const size_t K = MCE460896F_SK_BYTES, C = MCE460896F_CT_BYTES, S = MCE460896F_SS_BYTES;
	(void)state;
	assert_non_null(sk);
	assert_int_equal(mce460896f_dec_checked(ss, S, ct, C, sk, K - 1), PQTUN_KEM_INVALID_LENGTH);
	assert_int_equal(mce460896f_dec_checked(ss, S, ct, C, sk, K + 1), PQTUN_KEM_INVALID_LENGTH);
	assert_int_equal(mce460896f_dec_checked(ss, S, ct, C, sk, 13608), PQTUN_KEM_INVALID_LENGTH);
	assert_int_equal(mce460896f_dec_checked(ss, S, ct, C - 1, sk, K), PQTUN_KEM_INVALID_LENGTH);
	assert_int_equal(mce460896f_dec_checked(ss, S, ct, C + 1, sk, K), PQTUN_KEM_INVALID_LENGTH);
	assert_int_equal(mce460896f_dec_checked(ss, S, ct, 156, sk, K), PQTUN_KEM_INVALID_LENGTH);
	assert_int_equal(mce460896f_dec_checked(ss, S - 1, ct, C, sk, K), PQTUN_KEM_INVALID_LENGTH);
	assert_int_equal(mce460896f_dec_checked(ss, S, NULL, C, sk, K), PQTUN_KEM_INVALID_LENGTH);
	/* an all-zero key is not a valid key, but decapsulation must still
	 * finish and produce the rejection value, not crash */
	assert_int_equal(mce460896f_dec_checked(ss, S, ct, C, sk, K), PQTUN_OK);
	free(sk);
}

static void put_word(uint8_t *buf, size_t i, uint16_t v)
{
	buf[2 * i] = (uint8_t)v;
	buf[2 * i + 1] = (uint8_t)(v >> 8);
}

static int bit_of(const uint8_t *e, size_t p)
{
	return (e[p / 8] >> (p % 8)) & 1;
}

/* Hand-built attempts: which values count, which are ignored, when the
 * attempt is rejected. Run for the implementation chosen by impl. */
static void run_sampler_rules(enum pqtun_impl impl)
{
	uint8_t rnd[MCE460896F_SAMPLE_BYTES], e[MCE460896F_E_BYTES];
	if (pqtun_impl_force(impl) != 0) {
		print_message("skipping %s: not supported on this CPU\n", pqtun_impl_name(impl));
		return;
	}

	/* 96 distinct candidates spread over the whole range, including 0 and
	 * 4607, with the top 3 bits of each word set (they must be ignored),
	 * followed by non-candidates and a later candidate repeating one: accepted. */
	for (size_t i = 0; i < 96; i++)
		put_word(rnd, i, (uint16_t)(0xe000 | (i == 95 ? 4607 : i * 48)));
	for (size_t i = 96; i < 192; i++)
		put_word(rnd, i, (uint16_t)(i == 150 ? 48 : 4608 + i));
	assert_int_equal(mce460896f_sample_attempt(e, rnd), 1);
	for (size_t p = 0; p < MCE460896F_N; p++) {
		int want = (p % 48 == 0 && p / 48 < 95) || p == 4607;
		assert_int_equal(bit_of(e, p), want);
	}

	/* Candidates interleaved with rejected values 4608..8191: the first
	 * 96 candidates are taken from the odd slots. */
	for (size_t i = 0; i < 192; i++)
		put_word(rnd, i, (uint16_t)(i % 2 ? (i / 2) * 47 + 3 : 8191 - i));
	assert_int_equal(mce460896f_sample_attempt(e, rnd), 1);
	for (size_t p = 0; p < MCE460896F_N; p++)
		assert_int_equal(bit_of(e, p), p >= 3 && (p - 3) % 47 == 0 && (p - 3) / 47 < 96);

	/* Only 95 candidates: rejected, e zeroed. */
	for (size_t i = 0; i < 192; i++)
		put_word(rnd, i, (uint16_t)(i < 95 ? i : 4608));
	memset(e, 0xff, sizeof(e));
	assert_int_equal(mce460896f_sample_attempt(e, rnd), 0);
	for (size_t b = 0; b < sizeof(e); b++)
		assert_int_equal(e[b], 0);

	/* 96 candidates where the last repeats the first: rejected. */
	for (size_t i = 0; i < 192; i++)
		put_word(rnd, i, (uint16_t)(i < 95 ? 10 + i : i == 191 ? 10 : 5000));
	assert_int_equal(mce460896f_sample_attempt(e, rnd), 0);
	/* ... and with the repeat replaced by a fresh value: accepted. */
	put_word(rnd, 191, 4000);
	assert_int_equal(mce460896f_sample_attempt(e, rnd), 1);
	assert_int_equal(bit_of(e, 4000), 1);

	/* 4608 itself is not a candidate (n = 4608 positions 0..4607). */
	for (size_t i = 0; i < 192; i++)
		put_word(rnd, i, (uint16_t)(i < 95 ? i : 4608));
	put_word(rnd, 191, 4608 + 8192); /* low 13 bits: 4608 again */
	assert_int_equal(mce460896f_sample_attempt(e, rnd), 0);
	pqtun_impl_force(PQTUN_IMPL_AUTO);
}

static void test_sampler_rules_portable(void **state)
{
	(void)state;
	run_sampler_rules(PQTUN_IMPL_PORTABLE);
}

static void test_sampler_rules_avx2(void **state)
{
	(void)state;
	run_sampler_rules(PQTUN_IMPL_AVX2);
}

/* Portable and AVX2 syndromes agree with a bit-by-bit definition on a
 * pseudo-random key and error vector. */
static void test_syndrome_impls(void **state)
{
	uint8_t *pk = malloc(MCE460896F_PK_BYTES);
	uint8_t e[MCE460896F_E_BYTES], want[MCE460896F_SYND_BYTES], got[MCE460896F_SYND_BYTES];
	uint64_t x = 0x9e3779b97f4a7c15ull;
	(void)state;
	assert_non_null(pk);
	for (size_t i = 0; i < MCE460896F_PK_BYTES; i++) {
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		pk[i] = (uint8_t)x;
	}
	for (int round = 0; round < 3; round++) {
		for (size_t i = 0; i < sizeof(e); i++) {
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			e[i] = round == 2 ? 0xff : (uint8_t)(x & (x >> 8));
		}
		memset(want, 0, sizeof(want));
		for (size_t r = 0; r < MCE460896F_ROWS; r++) {
			int bit = bit_of(e, r);
			for (size_t c = 0; c < MCE460896F_N - MCE460896F_ROWS; c++)
				bit ^= bit_of(pk + r * MCE460896F_ROW_BYTES, c) &
				       bit_of(e, MCE460896F_ROWS + c);
			want[r / 8] |= (uint8_t)(bit << (r % 8));
		}
		mce460896f_syndrome_portable(got, pk, e);
		assert_memory_equal(got, want, sizeof(want));
#if defined(PQTUN_HAVE_X86_64)
		if (pqtun_cpu_has_avx2()) {
			memset(got, 0, sizeof(got));
			mce460896f_syndrome_avx2(got, pk, e);
			assert_memory_equal(got, want, sizeof(want));
		}
#endif
	}
	free(pk);
}

/* A failing randomness source makes encapsulation fail cleanly with zeroed
 * outputs, also after rejected attempts. */
static void test_randomness_failure(void **state)
{
	vec_file vf;
	(void)state;
	assert_int_equal(vec_open(&vf, VEC_FILE), 0);
	assert_int_equal(vec_next(&vf), 1); /* count 0: encaps 1 needs 5 calls */
	const vec_field *pk = vec_need(&vf, "pk");
	const vec_field *rnd = vec_need(&vf, "encaps_rand_1");
	for (long fail_at = 0; fail_at < 5; fail_at++) {
		replay r = { .data = rnd->bytes, .len = rnd->len, .fail_at = fail_at };
		uint8_t ct[MCE460896F_CT_BYTES], ss[MCE460896F_SS_BYTES], zero[MCE460896F_CT_BYTES] = { 0 };
		memset(ct, 0x55, sizeof(ct));
		memset(ss, 0x55, sizeof(ss));
		assert_int_equal(mce460896f_enc_derand(ct, ss, pk->bytes, replay_random, &r),
				 PQTUN_KEM_RANDOMNESS);
		assert_int_equal(r.calls, (size_t)fail_at + 1);
		assert_memory_equal(ct, zero, sizeof(ct));
		assert_memory_equal(ss, zero, sizeof(ss));
	}
	vec_close(&vf);
}

/* The length-checking wrapper rejects every wrong size and accepts the
 * right ones; OS-random encapsulations differ from each other. */
static void test_checked_lengths(void **state)
{
	uint8_t *pk = calloc(1, MCE460896F_PK_BYTES + 1);
	uint8_t ct[MCE460896F_CT_BYTES + 1], ss[MCE460896F_SS_BYTES + 1];
	uint8_t ct2[MCE460896F_CT_BYTES], ss2[MCE460896F_SS_BYTES];
	const size_t P = MCE460896F_PK_BYTES, C = MCE460896F_CT_BYTES, S = MCE460896F_SS_BYTES;
	(void)state;
	assert_non_null(pk);
	memset(pk, 0x3c, P);
	assert_int_equal(mce460896f_enc_checked(ct, C, ss, S, pk, P - 1), PQTUN_KEM_INVALID_LENGTH);
	assert_int_equal(mce460896f_enc_checked(ct, C, ss, S, pk, P + 1), PQTUN_KEM_INVALID_LENGTH);
	assert_int_equal(mce460896f_enc_checked(ct, C, ss, S, pk, 0), PQTUN_KEM_INVALID_LENGTH);
	assert_int_equal(mce460896f_enc_checked(ct, C - 1, ss, S, pk, P), PQTUN_KEM_INVALID_LENGTH);
	assert_int_equal(mce460896f_enc_checked(ct, C + 1, ss, S, pk, P), PQTUN_KEM_INVALID_LENGTH);
	assert_int_equal(mce460896f_enc_checked(ct, C, ss, S - 1, pk, P), PQTUN_KEM_INVALID_LENGTH);
	assert_int_equal(mce460896f_enc_checked(ct, C, ss, S + 1, pk, P), PQTUN_KEM_INVALID_LENGTH);
	assert_int_equal(mce460896f_enc_checked(ct, C, ss, S, NULL, P), PQTUN_KEM_INVALID_LENGTH);
	assert_int_equal(mce460896f_enc_checked(ct, C, ss, S, pk, P), PQTUN_OK);
	assert_int_equal(mce460896f_enc_checked(ct2, C, ss2, S, pk, P), PQTUN_OK);
	assert_memory_not_equal(ss, ss2, S);
	assert_memory_not_equal(ct + 156, ct2 + 156, 32);
	free(pk);
}

/* The descriptor is registered under its protocol name with the right sizes;
 * keygen reports "unsupported" and zeroes its secret output; encaps and
 * decaps through the descriptor agree with the recorded answers. */
static void test_descriptor(void **state)
{
	const pqtun_kem *kem = pqtun_kem_find("Classic-McEliece-460896f-round3");
	vec_file vf;
	(void)state;
	assert_non_null(kem);
	assert_ptr_equal(kem, &pqtun_kem_mceliece460896f);
	assert_int_equal(kem->public_key_bytes, 524160);
	assert_int_equal(kem->secret_key_bytes, 13568);
	assert_int_equal(kem->ciphertext_bytes, 188);
	assert_int_equal(kem->shared_secret_bytes, 32);

	uint8_t *pk = malloc(kem->public_key_bytes), *sk = malloc(kem->secret_key_bytes);
	assert_non_null(pk);
	assert_non_null(sk);
	memset(sk, 0x77, kem->secret_key_bytes);
	assert_int_equal(kem->keypair(pk, sk), PQTUN_KEM_UNSUPPORTED);
	for (size_t i = 0; i < kem->secret_key_bytes; i++)
		assert_int_equal(sk[i], 0);
	free(pk);
	free(sk);

	/* OS-random encapsulation to a recorded key decapsulates to the same ss. */
	assert_int_equal(vec_open(&vf, VEC_FILE), 0);
	assert_int_equal(vec_next(&vf), 1);
	uint8_t ct[188], ss[32], ss2[32];
	assert_int_equal(kem->encaps(ct, ss, vec_need(&vf, "pk")->bytes), PQTUN_OK);
	assert_int_equal(kem->decaps(ss2, ct, vec_need(&vf, "sk")->bytes), PQTUN_OK);
	assert_memory_equal(ss, ss2, sizeof(ss));
	vec_close(&vf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kat_portable),
		cmocka_unit_test(test_kat_avx2),
		cmocka_unit_test(test_kat_attempts),
		cmocka_unit_test(test_sampler_rules_portable),
		cmocka_unit_test(test_sampler_rules_avx2),
		cmocka_unit_test(test_syndrome_impls),
		cmocka_unit_test(test_randomness_failure),
		cmocka_unit_test(test_checked_lengths),
		cmocka_unit_test(test_kat_decaps_portable),
		cmocka_unit_test(test_kat_decaps_avx2),
		cmocka_unit_test(test_decaps_lengths),
		cmocka_unit_test(test_descriptor),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
