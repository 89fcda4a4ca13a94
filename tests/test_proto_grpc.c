/* gRPC framing helpers: the length-prefixed message reader (limits checked
 * before allocation, split feeds, trailing bytes, compression flag),
 * grpc-message percent-encoding and grpc-timeout parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pqtun/exchange.h"
#include "proto/grpc.h"

static void test_prefix(void **state)
{
	(void)state;
	uint8_t p[5];
	grpc_frame_prefix(p, 0x01020304);
	const uint8_t want[5] = { 0, 1, 2, 3, 4 };
	assert_memory_equal(p, want, 5);
}

static void test_reader_byte_by_byte(void **state)
{
	(void)state;
	uint8_t frame[5 + 300];
	grpc_frame_prefix(frame, 300);
	for (int i = 0; i < 300; i++)
		frame[5 + i] = (uint8_t)i;
	struct grpc_reader r;
	grpc_reader_init(&r, 1000);
	for (size_t i = 0; i < sizeof(frame) - 1; i++) {
		assert_int_equal(grpc_reader_feed(&r, frame + i, 1), GRPC_READ_MORE);
		assert_false(grpc_reader_complete(&r));
	}
	assert_int_equal(grpc_reader_feed(&r, frame + sizeof(frame) - 1, 1), GRPC_READ_DONE);
	assert_true(grpc_reader_complete(&r));
	assert_int_equal(r.len, 300);
	assert_memory_equal(r.buf, frame + 5, 300);
	/* Anything after the one unary message is an error. */
	assert_int_equal(grpc_reader_feed(&r, frame, 1), GRPC_READ_TRAILING);
	grpc_reader_free(&r);
}

static void test_reader_too_large_no_alloc(void **state)
{
	(void)state;
	uint8_t p[5];
	grpc_frame_prefix(p, 1001);
	struct grpc_reader r;
	grpc_reader_init(&r, 1000);
	assert_int_equal(grpc_reader_feed(&r, p, 5), GRPC_READ_TOO_LARGE);
	assert_null(r.buf);
	grpc_reader_free(&r);
	/* 4 GiB - 1 announced: still refused without allocating. */
	grpc_frame_prefix(p, 0xffffffffu);
	grpc_reader_init(&r, PQTUN_GRPC_DEFAULT_MAX_MESSAGE);
	assert_int_equal(grpc_reader_feed(&r, p, 5), GRPC_READ_TOO_LARGE);
	assert_null(r.buf);
	grpc_reader_free(&r);
	/* Once failed, a reader stays failed (no write through a NULL buffer). */
	grpc_frame_prefix(p, 5000);
	grpc_reader_init(&r, 1000);
	assert_int_equal(grpc_reader_feed(&r, p, 5), GRPC_READ_TOO_LARGE);
	uint8_t more[64] = { 0 };
	assert_int_equal(grpc_reader_feed(&r, more, sizeof(more)), GRPC_READ_TOO_LARGE);
	assert_null(r.buf);
	grpc_reader_free(&r);
	uint8_t comp[5] = { 1, 0, 0, 0, 3 };
	grpc_reader_init(&r, 1000);
	assert_int_equal(grpc_reader_feed(&r, comp, 5), GRPC_READ_COMPRESSED);
	assert_int_equal(grpc_reader_feed(&r, more, 3), GRPC_READ_COMPRESSED);
	grpc_reader_free(&r);
	/* Exactly the maximum is fine. */
	grpc_frame_prefix(p, 1000);
	grpc_reader_init(&r, 1000);
	assert_int_equal(grpc_reader_feed(&r, p, 5), GRPC_READ_MORE);
	grpc_reader_free(&r);
}

static void test_reader_compressed_and_empty(void **state)
{
	(void)state;
	uint8_t p[5] = { 1, 0, 0, 0, 1 };
	struct grpc_reader r;
	grpc_reader_init(&r, 100);
	assert_int_equal(grpc_reader_feed(&r, p, 5), GRPC_READ_COMPRESSED);
	grpc_reader_free(&r);
	/* A zero-length message (an all-default protobuf) is complete at once. */
	grpc_frame_prefix(p, 0);
	grpc_reader_init(&r, 100);
	assert_int_equal(grpc_reader_feed(&r, p, 5), GRPC_READ_DONE);
	assert_int_equal(r.len, 0);
	grpc_reader_free(&r);
	/* Two messages in one feed: trailing. */
	uint8_t two[12];
	grpc_frame_prefix(two, 1);
	two[5] = 7;
	grpc_frame_prefix(two + 6, 1);
	two[11] = 8;
	grpc_reader_init(&r, 100);
	assert_int_equal(grpc_reader_feed(&r, two, sizeof(two)), GRPC_READ_TRAILING);
	grpc_reader_free(&r);
}

static void test_message_encoding(void **state)
{
	(void)state;
	char enc[64], dec[64];
	grpc_message_encode(enc, sizeof(enc), "100% bad\nkey é");
	assert_string_equal(enc, "100%25 bad%0Akey %C3%A9");
	grpc_message_decode(dec, sizeof(dec), enc, strlen(enc));
	/* Control bytes are neutralised when decoding. */
	assert_string_equal(dec, "100% bad?key \xc3\xa9");
	/* Invalid escapes are kept literally. */
	grpc_message_decode(dec, sizeof(dec), "a%zzb%4", 7);
	assert_string_equal(dec, "a%zzb%4");
	/* Truncation never splits an escape. */
	grpc_message_encode(enc, 5, "ab\ncd");
	assert_string_equal(enc, "ab");
}

static void test_timeout_parse(void **state)
{
	(void)state;
	uint64_t ms;
	assert_int_equal(grpc_timeout_parse("8S", 2, &ms), 0);
	assert_int_equal(ms, 8000);
	assert_int_equal(grpc_timeout_parse("250m", 4, &ms), 0);
	assert_int_equal(ms, 250);
	assert_int_equal(grpc_timeout_parse("1500u", 5, &ms), 0);
	assert_int_equal(ms, 2);
	assert_int_equal(grpc_timeout_parse("1n", 2, &ms), 0);
	assert_int_equal(ms, 1);
	assert_int_equal(grpc_timeout_parse("2H", 2, &ms), 0);
	assert_int_equal(ms, 7200000);
	assert_int_equal(grpc_timeout_parse("99999999M", 9, &ms), 0);
	assert_int_equal(grpc_timeout_parse("123456789S", 10, &ms), -1); /* 9 digits */
	assert_int_equal(grpc_timeout_parse("S", 1, &ms), -1);
	assert_int_equal(grpc_timeout_parse("10x", 3, &ms), -1);
	assert_int_equal(grpc_timeout_parse("-1S", 3, &ms), -1);
	char out[16];
	grpc_timeout_format(out, 8000);
	assert_string_equal(out, "8000m");
	assert_int_equal(grpc_timeout_parse(out, strlen(out), &ms), 0);
	assert_int_equal(ms, 8000);
	grpc_timeout_format(out, 200000000ull);
	assert_int_equal(grpc_timeout_parse(out, strlen(out), &ms), 0);
	assert_int_equal(ms, 200000000ull);
}

static void test_status(void **state)
{
	(void)state;
	assert_int_equal(grpc_status_parse("0", 1), 0);
	assert_int_equal(grpc_status_parse("12", 2), 12);
	assert_int_equal(grpc_status_parse("", 0), -1);
	assert_int_equal(grpc_status_parse("1a", 2), -1);
	assert_int_equal(grpc_status_parse("123", 3), -1);
	assert_string_equal(pqtun_grpc_status_name(3), "INVALID_ARGUMENT");
	assert_string_equal(pqtun_grpc_status_name(12), "UNIMPLEMENTED");
	assert_string_equal(pqtun_grpc_status_name(99), "UNKNOWN_STATUS");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_reader_byte_by_byte),
		cmocka_unit_test(test_reader_too_large_no_alloc),
		cmocka_unit_test(test_reader_compressed_and_empty),
		cmocka_unit_test(test_message_encoding),
		cmocka_unit_test(test_timeout_parse),
		cmocka_unit_test(test_status),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
