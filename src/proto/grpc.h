/* gRPC-over-HTTP/2 pieces shared by the client and the relay: message
 * framing (1-byte compressed flag + 4-byte big-endian length), the
 * grpc-message percent-encoding and the grpc-timeout header. */
#ifndef PQTUN_PROTO_GRPC_H
#define PQTUN_PROTO_GRPC_H

#include <stddef.h>
#include <stdint.h>

#define GRPC_PREFIX_LEN 5
#define GRPC_METHOD_PATH "/ephemeralpeer.EphemeralPeer/RegisterPeerV1"
#define GRPC_CONTENT_TYPE "application/grpc"

/* Write the 5-byte prefix of an uncompressed message of len bytes. */
void grpc_frame_prefix(uint8_t out[GRPC_PREFIX_LEN], uint32_t len);

enum grpc_reader_result {
	GRPC_READ_MORE = 0,         /* need more bytes */
	GRPC_READ_DONE = 1,         /* one complete message in reader->buf */
	GRPC_READ_TOO_LARGE = -1,   /* prefix announces more than the maximum */
	GRPC_READ_COMPRESSED = -2,  /* compressed flag set: we never negotiate compression */
	GRPC_READ_TRAILING = -3,    /* bytes after the (single, unary) message */
	GRPC_READ_NO_MEMORY = -4,
};

/* Incremental reader of exactly one length-prefixed message (unary RPC).
 * The buffer is allocated only once the prefix is complete and the length
 * has been checked against max, so a peer cannot make us allocate more
 * than max bytes. */
struct grpc_reader {
	uint8_t prefix[GRPC_PREFIX_LEN];
	size_t prefix_have;
	uint8_t *buf;      /* message bytes (malloc), len of them when done */
	size_t len;
	size_t have;
	size_t max;
	int done;
};

void grpc_reader_init(struct grpc_reader *r, size_t max);
/* Feed bytes. Returns a grpc_reader_result; after DONE only an empty feed is
 * accepted. After an error the reader stays in error (call free). */
int grpc_reader_feed(struct grpc_reader *r, const uint8_t *data, size_t len);
/* 1 when a whole message was read. */
int grpc_reader_complete(const struct grpc_reader *r);
/* Number of prefix + payload bytes seen so far. */
size_t grpc_reader_seen(const struct grpc_reader *r);
void grpc_reader_free(struct grpc_reader *r);

/* Percent-encode msg for grpc-message: bytes outside 0x20..0x7e and '%'
 * become %XX. Output NUL-terminated, truncated at a whole escape to fit
 * outlen (>= 1). Returns the encoded length. */
size_t grpc_message_encode(char *out, size_t outlen, const char *msg);
/* Decode a grpc-message value of len bytes; invalid escapes are kept as is
 * (the gRPC spec says so); NUL and control bytes become '?'. Output
 * NUL-terminated and truncated to outlen (>= 1). */
void grpc_message_decode(char *out, size_t outlen, const char *in, size_t len);

/* Parse a grpc-timeout value ("1-8 digits" + one of H M S m u n) into
 * milliseconds (rounded up, saturating). Returns 0 or -1 if malformed. */
int grpc_timeout_parse(const char *in, size_t len, uint64_t *ms);
/* Format ms as a grpc-timeout value ("<n>m"); out needs 16 bytes. */
void grpc_timeout_format(char out[16], uint64_t ms);

/* Parse a decimal grpc-status of len bytes (0..99). Returns it or -1. */
int grpc_status_parse(const char *in, size_t len);

#endif
