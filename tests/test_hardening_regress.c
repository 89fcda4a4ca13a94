/* Regression tests for bugs the fuzz targets found (each names its target). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "proto/grpc.h"

/* fuzz_grpc_framing: after an error the reader must stay in error without
 * touching its (absent) buffer; it used to memcpy to NULL + 0 and report
 * a "complete" message on the next feed. */
static void test_reader_stays_failed(void **state)
{
	(void)state;
	static const uint8_t too_large[] = { 0, 0x7f, 0xff, 0xff, 0xff };
	static const uint8_t compressed[] = { 1, 0, 0, 0, 2 };
	static const uint8_t more[] = { 'a', 'b', 'c' };
	struct grpc_reader r;

	grpc_reader_init(&r, 1024);
	assert_int_equal(grpc_reader_feed(&r, too_large, sizeof(too_large)), GRPC_READ_TOO_LARGE);
	assert_int_equal(grpc_reader_feed(&r, more, sizeof(more)), GRPC_READ_TOO_LARGE);
	assert_false(grpc_reader_complete(&r));
	grpc_reader_free(&r);

	grpc_reader_init(&r, 1024);
	assert_int_equal(grpc_reader_feed(&r, compressed, sizeof(compressed)), GRPC_READ_COMPRESSED);
	assert_int_equal(grpc_reader_feed(&r, more, sizeof(more)), GRPC_READ_COMPRESSED);
	assert_false(grpc_reader_complete(&r));
	grpc_reader_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reader_stays_failed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
