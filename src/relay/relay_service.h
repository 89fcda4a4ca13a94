/* The RegisterPeerV1 request handler of the relay, independent of the
 * transport: one request message in, one response message (or a gRPC error
 * status) out. Runs on worker threads. */
#ifndef PQTUN_RELAY_SERVICE_H
#define PQTUN_RELAY_SERVICE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "pqtun/exchange.h"

struct relay_service {
	const struct pqtun_relay_policy *policy;
	const struct pqtun_relay_daita *daita;
	uint64_t *kem_cpu_ns;   /* if set: CPU time of encapsulations is added here (atomic) */
	const char *const *disabled_kems; /* answered UNIMPLEMENTED */
	size_t n_disabled_kems;
};

struct relay_reply {
	int status;                         /* gRPC status */
	char message[PQTUN_RELAY_MSG_LEN];  /* plain text; empty for OK */
	uint8_t *frame;                     /* OK only: 5-byte prefix + response (malloc) */
	size_t frame_len;
	int registered;                     /* OK and policy.register_peer accepted ephemeral_pubkey */
	uint8_t ephemeral_pubkey[32];
};

/* Handle one request message (protobuf bytes without the gRPC prefix) from
 * the client at peer. Fills reply; on a non-OK status reply->frame is NULL
 * and the rejection is logged at warning level. All secrets are wiped before
 * returning. */
void relay_service_handle(const struct relay_service *svc, const struct sockaddr *peer,
			  socklen_t peer_len, const uint8_t *msg, size_t len,
			  struct relay_reply *reply);
void relay_reply_free(struct relay_reply *reply);

/* Size of a public key of a protocol KEM name (also the legacy ones, even
 * when not built in); 0 for an unknown name. */
size_t relay_known_kem_pubkey_bytes(const char *name);

/* Format a socket address as "1.2.3.4:5" / "[::1]:5" into out. */
void relay_format_addr(char *out, size_t outlen, const struct sockaddr *sa, socklen_t len);

#endif
