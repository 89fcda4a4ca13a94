/* Fuzz target: gRPC message framing (length-prefix reassembly, grpc_reader)
 * and the gRPC header values (grpc-message, grpc-timeout, grpc-status).
 *
 * Input: byte 0 picks the reader's maximum, byte 1 seeds the chunking, the
 * rest is the byte stream as it would arrive in HTTP/2 DATA frames. The
 * stream is fed in pieces of varying size and the outcome is compared with
 * a direct reading of the prefix: the same result whatever the chunking,
 * the message bytes exactly those after the prefix, never an allocation
 * above the maximum, and a reader in error stays in error. The same bytes
 * are used as header values: encode/decode of grpc-message round-trips
 * printable text, and the parsers never accept malformed values. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/grpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x) do { if (!(x)) abort(); } while (0)

/* What a reader must report for the whole stream s[0..n). */
static int expected_result(const uint8_t *s, size_t n, size_t max, uint32_t *msg_len)
{
	if (n < GRPC_PREFIX_LEN)
		return GRPC_READ_MORE;
	if (s[0] != 0)
		return GRPC_READ_COMPRESSED;
	uint32_t len = ((uint32_t)s[1] << 24) | ((uint32_t)s[2] << 16) | ((uint32_t)s[3] << 8) | s[4];
	*msg_len = len;
	if (len > max)
		return GRPC_READ_TOO_LARGE;
	if (n - GRPC_PREFIX_LEN < len)
		return GRPC_READ_MORE;
	if (n - GRPC_PREFIX_LEN > len)
		return GRPC_READ_TRAILING;
	return GRPC_READ_DONE;
}

static void check_framing(const uint8_t *data, size_t size)
{
	static const size_t maxes[] = { 0, 1, 5, 64, 1024, 16384, 1u << 20 };
	size_t max = maxes[data[0] % (sizeof(maxes) / sizeof(maxes[0]))];
	uint32_t rng = data[1] * 2654435761u + 1;
	const uint8_t *s = data + 2;
	size_t n = size - 2;
	uint32_t msg_len = 0;
	int want = expected_result(s, n, max, &msg_len);

	struct grpc_reader r;
	grpc_reader_init(&r, max);
	int got = GRPC_READ_MORE;
	size_t off = 0;
	while (off < n) {
		rng = rng * 1103515245u + 12345u;
		size_t piece = 1 + (rng >> 16) % 9;
		if ((rng >> 8) & 1)
			piece = 1 + (rng >> 12) % 4096;
		if (piece > n - off)
			piece = n - off;
		got = grpc_reader_feed(&r, s + off, piece);
		off += piece;
		if (got < 0)
			break;
		if (got == GRPC_READ_DONE)
			CHECK(grpc_reader_complete(&r));
	}
	if (n == 0)
		got = grpc_reader_feed(&r, s, 0);
	CHECK(got == want);
	if (want == GRPC_READ_DONE) {
		CHECK(r.len == msg_len);
		CHECK(msg_len == 0 || memcmp(r.buf, s + GRPC_PREFIX_LEN, msg_len) == 0);
		CHECK(grpc_reader_seen(&r) == n);
		CHECK(grpc_reader_feed(&r, s, 0) == GRPC_READ_DONE);
		uint8_t extra = 0;
		CHECK(grpc_reader_feed(&r, &extra, 1) == GRPC_READ_TRAILING);
	} else if (want == GRPC_READ_MORE) {
		CHECK(!grpc_reader_complete(&r));
		CHECK(grpc_reader_seen(&r) == n);
	} else {
		/* An error is final: more bytes never turn it into success. */
		uint8_t more[8] = { 0 };
		CHECK(grpc_reader_feed(&r, more, sizeof(more)) < 0);
		CHECK(!(want == GRPC_READ_TOO_LARGE && r.buf != NULL));
	}
	if (r.buf)
		CHECK(r.len <= max);
	grpc_reader_free(&r);
}

static void check_header_values(const uint8_t *data, size_t size)
{
	char in[512], enc[3 * 512 + 1], dec[512];
	size_t n = size < sizeof(in) - 1 ? size : sizeof(in) - 1;
	memcpy(in, data, n);
	in[n] = '\0';

	/* grpc-message: encoding is printable ASCII without '%' except in
	 * escapes; decoding undoes it for any string of non-control bytes. */
	size_t elen = grpc_message_encode(enc, sizeof(enc), in);
	CHECK(elen == strlen(enc));
	for (size_t i = 0; i < elen; i++)
		CHECK(enc[i] >= 0x20 && enc[i] <= 0x7e);
	grpc_message_decode(dec, sizeof(dec), enc, elen);
	int plain = 1;
	for (size_t i = 0; i < strlen(in); i++)
		if ((unsigned char)in[i] < 0x20 || in[i] == 0x7f)
			plain = 0;
	if (plain)
		CHECK(strcmp(dec, in) == 0);
	/* Decoding arbitrary bytes gives no control characters. */
	grpc_message_decode(dec, sizeof(dec), (const char *)data, n);
	for (size_t i = 0; dec[i]; i++)
		CHECK((unsigned char)dec[i] >= 0x20);

	/* grpc-timeout: 1-8 digits and a unit; formatting round-trips. */
	uint64_t ms;
	if (grpc_timeout_parse((const char *)data, n, &ms) == 0) {
		CHECK(n >= 2 && n <= 9);
		for (size_t i = 0; i + 1 < n; i++)
			CHECK(data[i] >= '0' && data[i] <= '9');
		char out[16];
		uint64_t back;
		grpc_timeout_format(out, ms);
		CHECK(grpc_timeout_parse(out, strlen(out), &back) == 0);
		CHECK(back >= ms || ms > 99999999u);
	}
	int st = grpc_status_parse((const char *)data, n);
	CHECK(st >= -1 && st <= 99);
	if (st >= 0)
		for (size_t i = 0; i < n; i++)
			CHECK(data[i] >= '0' && data[i] <= '9');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	check_framing(data, size);
	check_header_values(data + 2, size - 2);
	return 0;
}
