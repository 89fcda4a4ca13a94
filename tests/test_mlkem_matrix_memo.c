/* ML-KEM-1024 Decaps that reuses the matrix A^T remembered by this
 * thread's AVX2 KeyGen (the client's keygen-then-decaps flow) gives the
 * same shared keys as Decaps that samples A^T itself: for a valid
 * ciphertext, for altered ciphertexts (implicit rejection, K = J(z || c)),
 * and for a dk that shares the remembered ek but has another z or another
 * dk_pke. The reference values come from a thread that never generated
 * the key, so it cannot use the remembered matrix. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include "crypto/mlkem/mlkem1024.h"
#include "util/cpu.h"

#define EK PQTUN_MLKEM1024_EK_BYTES
#define DK PQTUN_MLKEM1024_DK_BYTES
#define CT PQTUN_MLKEM1024_CT_BYTES
#define DK_Z_OFFSET (1536 + 1568 + 32)
#define CASES 4

typedef struct {
	const uint8_t (*c)[CT];
	const uint8_t (*dk)[DK];
	uint8_t k[CASES][32];
	int rc[CASES];
} decaps_batch;

/* Decaps of every (c[i], dk[i]) in this thread. */
static void decaps_all(decaps_batch *b)
{
	for (int i = 0; i < CASES; i++)
		b->rc[i] = pqtun_mlkem1024_decaps(b->k[i], b->c[i], b->dk[i]);
}

static void *decaps_thread(void *arg)
{
	/* A new thread remembers no key: every Decaps samples A^T. */
	(void)pqtun_impl_force(PQTUN_IMPL_PORTABLE);
	decaps_all(arg);
	return NULL;
}

static void test_memo_matches_fresh_decaps(void **state)
{
	static uint8_t ek[EK], dk[DK], c[CASES][CT], dks[CASES][DK];
	uint8_t seed[64], m[32], k_enc[32];
	(void)state;

	if (!pqtun_cpu_has_avx2() || pqtun_impl_force(PQTUN_IMPL_AVX2) != 0) {
		print_message("SKIP: no AVX2 here (the matrix memo is filled by the AVX2 keygen)\n");
		return;
	}
	for (int i = 0; i < 64; i++)
		seed[i] = (uint8_t)(7 * i + 1);
	for (int i = 0; i < 32; i++)
		m[i] = (uint8_t)(3 * i + 5);
	assert_int_equal(pqtun_mlkem1024_keypair_derand(ek, dk, seed, seed + 32), 0);
	assert_int_equal(pqtun_mlkem1024_encaps_derand(c[0], k_enc, ek, m), 0);
	/* Keygen again: the encaps above did not disturb the memo, but make
	 * the order explicit: the decaps below follow this keygen. */
	assert_int_equal(pqtun_mlkem1024_keypair_derand(ek, dk, seed, seed + 32), 0);

	/* 0: valid; 1: altered ciphertext; 2: altered c, other z (same ek);
	 * 3: valid c, other dk_pke (same ek): decrypts to garbage, rejects. */
	memcpy(c[1], c[0], CT);
	c[1][100] ^= 0x10;
	memcpy(c[2], c[1], CT);
	memcpy(c[3], c[0], CT);
	for (int i = 0; i < CASES; i++)
		memcpy(dks[i], dk, DK);
	dks[2][DK_Z_OFFSET + 3] ^= 0xff;
	dks[3][17] ^= 0x01;

	decaps_batch memo = { .c = c, .dk = dks }, fresh = { .c = c, .dk = dks };
	decaps_all(&memo);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, decaps_thread, &fresh), 0);
	assert_int_equal(pthread_join(t, NULL), 0);

	for (int i = 0; i < CASES; i++) {
		assert_int_equal(memo.rc[i], 0);
		assert_int_equal(fresh.rc[i], 0);
		assert_memory_equal(memo.k[i], fresh.k[i], 32);
	}
	assert_memory_equal(memo.k[0], k_enc, 32);
	/* The rejection keys differ from the real one and depend on z. */
	assert_memory_not_equal(memo.k[1], k_enc, 32);
	assert_memory_not_equal(memo.k[1], memo.k[2], 32);
	assert_memory_not_equal(memo.k[3], k_enc, 32);
	pqtun_impl_force(PQTUN_IMPL_AUTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memo_matches_fresh_decaps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
