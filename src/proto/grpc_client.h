/* A minimal gRPC unary client over HTTP/2 cleartext (prior knowledge),
 * driven by poll(2) with one overall deadline. */
#ifndef PQTUN_PROTO_GRPC_CLIENT_H
#define PQTUN_PROTO_GRPC_CLIENT_H

#include <stddef.h>
#include <stdint.h>

enum grpc_call_error {
	GRPC_CALL_OK = 0,          /* the call completed; see status */
	GRPC_CALL_CONNECT = -1,    /* resolve or connect failed */
	GRPC_CALL_TIMEOUT = -2,    /* deadline passed */
	GRPC_CALL_PROTOCOL = -3,   /* HTTP/2 or gRPC framing violation, connection lost */
	GRPC_CALL_NO_MEMORY = -4,
};

struct grpc_call_result {
	int status;             /* grpc-status, -1 if none arrived */
	char message[256];      /* decoded grpc-message */
	uint8_t *response;      /* the response message (malloc) when status is 0 */
	size_t response_len;
	char detail[128];       /* what went wrong for CONNECT/PROTOCOL */
	size_t wire_sent;       /* TCP payload bytes sent (HTTP/2 preface, frames) */
	size_t wire_received;   /* TCP payload bytes received */
};

struct grpc_call_options {
	const char *host;
	uint16_t port;
	const char *path;        /* e.g. GRPC_METHOD_PATH */
	uint64_t deadline_ms;    /* monotonic (pqtun_now_ms) */
	size_t max_response;     /* largest response message accepted */
	int mss;                 /* >0: TCP_MAXSEG before connect */
	uint64_t grpc_timeout_ms; /* grpc-timeout sent; 0 = time left until deadline_ms */
};

/* Send one request message (frame = 5-byte prefix + message) and wait for
 * the response and trailers. Returns a grpc_call_error; with GRPC_CALL_OK
 * result->status is the relay's status, and when it is 0 exactly one
 * response message is in result->response. A status-0 answer without a
 * message, or with more than one, is GRPC_CALL_PROTOCOL. Free with
 * grpc_call_result_free. */
int grpc_unary_call(const struct grpc_call_options *opts, const uint8_t *frame, size_t frame_len,
		    struct grpc_call_result *result);
void grpc_call_result_free(struct grpc_call_result *result);

#endif
