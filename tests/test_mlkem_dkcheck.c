/* ML-KEM-1024 decapsulation-key hash check (FIPS 203 §7.3) on every
 * Decaps call, also when the thread remembers H(ek) of a key it generated
 * or checked before: a dk whose stored H(ek) or whose ek was altered is
 * refused whether or not its ek is the remembered one, in this thread and
 * in a fresh one. Runs for both implementations. */
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
#define DK_EK_OFFSET 1536
#define DK_H_OFFSET (1536 + 1568)

typedef struct {
	const uint8_t *c, *dk;
	int rc;
} decaps_job;

static void *decaps_thread(void *arg)
{
	decaps_job *j = arg;
	uint8_t k[32];
	j->rc = pqtun_mlkem1024_decaps(k, j->c, j->dk);
	return NULL;
}

/* Decaps of (c, dk) in a new thread (which remembers no key yet). */
static int decaps_in_new_thread(const uint8_t *c, const uint8_t *dk)
{
	pthread_t t;
	decaps_job j = { c, dk, 1 };
	assert_int_equal(pthread_create(&t, NULL, decaps_thread, &j), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	return j.rc;
}

static void run(enum pqtun_impl impl)
{
	static uint8_t ek_a[EK], dk_a[DK], ek_b[EK], dk_b[DK], bad[DK], c[CT];
	uint8_t k[32], k_dec[32];

	if (pqtun_impl_force(impl) != 0) {
		print_message("implementation not available here, skipped\n");
		return;
	}
	assert_int_equal(pqtun_mlkem1024_keypair(ek_a, dk_a), 0);
	assert_int_equal(pqtun_mlkem1024_encaps(c, k, ek_a), 0);

	/* Key just generated (remembered): good dk works, altered hash fails. */
	assert_int_equal(pqtun_mlkem1024_decaps(k_dec, c, dk_a), 0);
	assert_memory_equal(k, k_dec, 32);
	memcpy(bad, dk_a, DK);
	bad[DK_H_OFFSET + 5] ^= 0x01;
	assert_int_equal(pqtun_mlkem1024_decaps(k_dec, c, bad), PQTUN_KEM_INVALID_KEY);
	assert_int_equal(decaps_in_new_thread(c, bad), PQTUN_KEM_INVALID_KEY);
	/* Altered ek inside dk (its stored hash no longer matches). */
	memcpy(bad, dk_a, DK);
	bad[DK_EK_OFFSET + 700] ^= 0x40;
	assert_int_equal(pqtun_mlkem1024_decaps(k_dec, c, bad), PQTUN_KEM_INVALID_KEY);
	/* ... and the altered ek is remembered now: still refused. */
	assert_int_equal(pqtun_mlkem1024_decaps(k_dec, c, bad), PQTUN_KEM_INVALID_KEY);

	/* Another key generated in between: A is checked by hashing again. */
	assert_int_equal(pqtun_mlkem1024_keypair(ek_b, dk_b), 0);
	assert_int_equal(pqtun_mlkem1024_decaps(k_dec, c, dk_a), 0);
	assert_memory_equal(k, k_dec, 32);
	memcpy(bad, dk_a, DK);
	bad[DK_H_OFFSET + 31] ^= 0x80;
	assert_int_equal(pqtun_mlkem1024_decaps(k_dec, c, bad), PQTUN_KEM_INVALID_KEY);
	/* A dk with B's ek but A's hash is refused (B is not remembered now). */
	memcpy(bad, dk_a, DK);
	memcpy(bad + DK_EK_OFFSET, ek_b, EK);
	assert_int_equal(pqtun_mlkem1024_decaps(k_dec, c, bad), PQTUN_KEM_INVALID_KEY);
	/* Fresh thread, good key: works. */
	assert_int_equal(decaps_in_new_thread(c, dk_a), 0);
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
