/* Fuzz target: the gRPC client's HTTP/2 side (grpc_unary_call) fed raw
 * bytes as if from the relay's socket: a test peer on 127.0.0.1 sends the
 * input, then half-closes.
 *
 * Checks: the call ends (never hangs: the peer's end of stream must finish
 * it) with one of the documented results; an OK call has a gRPC status in
 * 0..99, and a response message (within the size limit) exactly when the
 * status is 0; error texts are single printable lines. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/grpc.h"
#include "proto/grpc_client.h"
#include "support_server.h"
#include "util/log.h"
#include "util/timeutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define CHECK(x) do { if (!(x)) { fprintf(stderr, "check failed: %s\n", #x); abort(); } } while (0)
#define MAX_RESPONSE 65536

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	pqtun_log_set_level(PQTUN_LOG_ERROR);
	support_server_start_tcp();
	return 0;
}

static void check_text(const char *s, size_t cap)
{
	CHECK(memchr(s, '\0', cap) != NULL);
	for (; *s; s++)
		CHECK(*s != '\n');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A small, well-formed request message (two 32-byte keys). */
	uint8_t frame[GRPC_PREFIX_LEN + 68];
	grpc_frame_prefix(frame, 68);
	frame[5] = 0x0a, frame[6] = 32;
	memset(frame + 7, 0x11, 32);
	frame[39] = 0x12, frame[40] = 32;
	memset(frame + 41, 0x22, 32);

	struct grpc_call_options o = {
		.host = "127.0.0.1",
		.port = support_srv.port,
		.path = GRPC_METHOD_PATH,
		.deadline_ms = pqtun_now_ms() + 5000,
		.max_response = MAX_RESPONSE,
	};
	struct grpc_call_result res;
	unsigned long served = support_server_set_reply(data, size);
	int rc = grpc_unary_call(&o, frame, sizeof(frame), &res);
	support_server_wait(served);

	CHECK(rc == GRPC_CALL_OK || rc == GRPC_CALL_PROTOCOL || rc == GRPC_CALL_NO_MEMORY);
	if (rc == GRPC_CALL_TIMEOUT)
		abort(); /* the peer half-closed: waiting for the deadline is a hang */
	check_text(res.message, sizeof(res.message));
	check_text(res.detail, sizeof(res.detail));
	for (const char *m = res.message; *m; m++)
		CHECK((unsigned char)*m >= 0x20 && *m != 0x7f);
	if (rc == GRPC_CALL_OK) {
		CHECK(res.status >= 0 && res.status <= 99);
		if (res.status == 0) {
			CHECK(res.response != NULL && res.response_len <= MAX_RESPONSE);
		} else {
			CHECK(res.response == NULL);
		}
	}
	grpc_call_result_free(&res);
	return 0;
}
