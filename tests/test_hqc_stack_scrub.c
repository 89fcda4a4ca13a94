/* HQC-256 operations leave no secret residue on the stack: each operation
 * clears HQC256_*_SCRUB_BYTES below its frame before returning, and this
 * test checks, for both implementations, that nothing the operation wrote
 * lies below the cleared range. Method: fill a large stack area below the
 * test's frame with a marker byte, run the operation from the same frame
 * (its frames then lie in that area), and find the deepest byte that no
 * longer holds the marker. The scrub's own zeros reach deeper than any
 * frame of the operation exactly when every byte from that deepest one up
 * through the scrubbed length is zero; an operation deeper than its scrub
 * leaves its own (non-zero) data there. Stack layout under AddressSanitizer
 * differs (instrumented frames), so the test skips there. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/hqc/hqc256.h"
#include "util/cpu.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

#define PAINT_BYTES (512u * 1024u) /* more than any operation's depth */
#define MARKER 0xa5
/* Not checked: at the top of the scrubbed range, the bytes right below the
 * operation's own frame (the scrub function's frame, then this test's
 * helpers after the return); at the bottom, the frames of the zeroing
 * calls the scrub makes below the range it clears (return addresses).
 * An operation deeper than its scrub by more than BOTTOM_GUARD fails. */
#define TOP_GUARD 1024u
#define BOTTOM_GUARD 512u

static uint8_t pk[HQC256_PUBLIC_KEY_BYTES], sk[HQC256_SECRET_KEY_BYTES];
static uint8_t ct[HQC256_CIPHERTEXT_BYTES], bad_ct[HQC256_CIPHERTEXT_BYTES], ss[64];
static uint8_t keygen_rnd[HQC256_KEYGEN_RANDOM_BYTES], encaps_rnd[HQC256_ENCAPS_RANDOM_BYTES];

enum op { OP_KEYPAIR, OP_ENCAPS, OP_DECAPS, OP_DECAPS_REJECT };

/* Fill PAINT_BYTES of stack right below the caller's frame with MARKER;
 * returns the lowest address filled. */
static __attribute__((noinline)) uintptr_t paint_stack(void)
{
	volatile uint8_t area[PAINT_BYTES];
	for (size_t i = 0; i < PAINT_BYTES; i++)
		area[i] = MARKER;
	return (uintptr_t)area;
}

/* *depth = bytes between the deepest changed byte and the top of the
 * painted area; returns the number of non-zero bytes among the scrub bytes
 * from the deepest changed one up (minus TOP_GUARD). */
static __attribute__((noinline)) size_t residue(uintptr_t base, size_t scrub, size_t *depth)
{
	const volatile uint8_t *p = (const volatile uint8_t *)base;
	size_t i = 0;
	while (i < PAINT_BYTES && p[i] == MARKER)
		i++;
	*depth = PAINT_BYTES - i;
	size_t nonzero = 0, end = i + scrub - TOP_GUARD;
	for (size_t k = i + BOTTOM_GUARD; k < end && k < PAINT_BYTES; k++)
		nonzero += p[k] != 0;
	return nonzero;
}

/* Runs one operation on a painted stack and checks the residue. */
static __attribute__((noinline)) void check_op(enum op op)
{
	size_t scrub = 0, depth = 0;
	uintptr_t base = paint_stack();
	switch (op) {
	case OP_KEYPAIR:
		scrub = HQC256_KEYPAIR_SCRUB_BYTES;
		assert_int_equal(hqc256_keypair_derand(pk, sk, keygen_rnd), 0);
		break;
	case OP_ENCAPS:
		scrub = HQC256_ENCAPS_SCRUB_BYTES;
		assert_int_equal(hqc256_encaps_derand(ct, ss, pk, encaps_rnd), 0);
		break;
	case OP_DECAPS:
		scrub = HQC256_DECAPS_SCRUB_BYTES;
		assert_int_equal(hqc256_decaps(ss, ct, sk), 0);
		break;
	case OP_DECAPS_REJECT:
		scrub = HQC256_DECAPS_SCRUB_BYTES;
		assert_int_equal(hqc256_decaps(ss, bad_ct, sk), PQTUN_KEM_REJECTED);
		break;
	}
	size_t nonzero = residue(base, scrub, &depth);
	print_message("# op %d: %zu bytes of stack touched, scrub %zu, %zu non-zero bytes below it\n",
		      (int)op, depth, scrub, nonzero);
	/* The scrub itself writes scrub bytes below the operation's frame. */
	assert_true(depth >= scrub);
	assert_int_equal(nonzero, 0);
}

static void run_all(enum pqtun_impl impl)
{
	if (UNDER_ASAN) {
		print_message("# stack layout differs under AddressSanitizer, skipped\n");
		skip();
		return;
	}
	if (pqtun_impl_force(impl) != 0) {
		print_message("# %s not supported by this CPU, skipped\n", pqtun_impl_name(impl));
		skip();
		return;
	}
	for (size_t i = 0; i < sizeof(keygen_rnd); i++)
		keygen_rnd[i] = (uint8_t)(i * 29 + 3);
	for (size_t i = 0; i < sizeof(encaps_rnd); i++)
		encaps_rnd[i] = (uint8_t)(i * 53 + 11);
	/* Warm-up: the first calls resolve lazily bound library functions
	 * (the dynamic linker's frames lie below the scrub's) and fill
	 * one-time tables. */
	assert_int_equal(hqc256_keypair_derand(pk, sk, keygen_rnd), 0);
	assert_int_equal(hqc256_encaps_derand(ct, ss, pk, encaps_rnd), 0);
	assert_int_equal(hqc256_decaps(ss, ct, sk), 0);
	check_op(OP_KEYPAIR);
	check_op(OP_ENCAPS);
	check_op(OP_DECAPS);
	memcpy(bad_ct, ct, sizeof(ct));
	bad_ct[100] ^= 0x10;
	check_op(OP_DECAPS_REJECT);
	pqtun_impl_force(PQTUN_IMPL_AUTO);
}

static void test_portable(void **state)
{
	(void)state;
	run_all(PQTUN_IMPL_PORTABLE);
}

static void test_avx2(void **state)
{
	(void)state;
	run_all(PQTUN_IMPL_AVX2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_portable),
		cmocka_unit_test(test_avx2),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
