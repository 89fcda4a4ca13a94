/* Fuzz target: protobuf decoding of both protocol messages with the
 * generated protobuf-c code, and re-encoding of whatever decodes (the
 * re-encoded size must match what protobuf-c computes). */
#include <stdint.h>
#include <stdlib.h>

#include "proto/ephemeralpeer.pb-c.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Ephemeralpeer__EphemeralPeerRequestV1 *req =
		ephemeralpeer__ephemeral_peer_request_v1__unpack(NULL, size, data);
	if (req) {
		size_t n = ephemeralpeer__ephemeral_peer_request_v1__get_packed_size(req);
		uint8_t *buf = malloc(n ? n : 1);
		if (ephemeralpeer__ephemeral_peer_request_v1__pack(req, buf) != n)
			abort();
		free(buf);
		ephemeralpeer__ephemeral_peer_request_v1__free_unpacked(req, NULL);
	}
	Ephemeralpeer__EphemeralPeerResponseV1 *resp =
		ephemeralpeer__ephemeral_peer_response_v1__unpack(NULL, size, data);
	if (resp) {
		size_t n = ephemeralpeer__ephemeral_peer_response_v1__get_packed_size(resp);
		uint8_t *buf = malloc(n ? n : 1);
		if (ephemeralpeer__ephemeral_peer_response_v1__pack(resp, buf) != n)
			abort();
		free(buf);
		ephemeralpeer__ephemeral_peer_response_v1__free_unpacked(resp, NULL);
	}
	return 0;
}
