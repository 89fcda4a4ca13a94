/* Fuzz target: the relay's request decoder and validator
 * (relay_service_handle: protobuf EphemeralPeerRequestV1 -> validation ->
 * encapsulation -> response), with a register_peer policy that checks what
 * the service hands on.
 *
 * Invariants checked for every input:
 *  - an error reply has no frame, a non-OK gRPC status and a message;
 *  - an OK reply is only given to a request that satisfies the protocol
 *    (32-byte WireGuard keys; 1..4 KEM keys, each a known, distinct
 *    algorithm with a key of exactly its size; never Kyber1024 together with
 *    ML-KEM-1024);
 *  - an OK reply is a well-formed gRPC frame whose response has one
 *    ciphertext of the right size per KEM key, in request order, and DAITA
 *    settings exactly when asked for;
 *  - register_peer saw the same keys and got a PSK exactly when KEM keys
 *    were sent. */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pqtun/kem.h"
#include "proto/ephemeralpeer.pb-c.h"
#include "proto/grpc.h"
#include "relay/relay_service.h"
#include "util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define CHECK(x) do { if (!(x)) abort(); } while (0)

struct seen {
	int calls;
	uint8_t parent[32], eph[32];
	int had_psk;
	size_t n_kems;
	int daita;
};

static int check_register(void *ctx, const struct sockaddr *peer, socklen_t peer_len,
			  const uint8_t parent_pubkey[32], const uint8_t ephemeral_pubkey[32],
			  const uint8_t *psk, const char *const *kem_names, size_t n_kems,
			  int daita, char *msg, size_t msg_len)
{
	struct seen *s = ctx;
	(void)peer;
	(void)peer_len;
	(void)msg;
	(void)msg_len;
	s->calls++;
	memcpy(s->parent, parent_pubkey, 32);
	memcpy(s->eph, ephemeral_pubkey, 32);
	s->had_psk = psk != NULL;
	s->n_kems = n_kems;
	s->daita = daita;
	for (size_t i = 0; i < n_kems; i++)
		CHECK(kem_names[i] && pqtun_kem_find(kem_names[i]));
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	pqtun_log_set_level(PQTUN_LOG_ERROR); /* rejections are logged at warning level */
	return 0;
}

/* The request satisfies every rule of PROTOCOL.md §3-§4 that the relay
 * enforces before any cryptography. */
static int request_valid(const Ephemeralpeer__EphemeralPeerRequestV1 *req)
{
	if (req->wg_parent_pubkey.len != 32 || req->wg_ephemeral_peer_pubkey.len != 32)
		return 0;
	if (!req->post_quantum)
		return 1;
	const Ephemeralpeer__PostQuantumRequestV1 *pq = req->post_quantum;
	if (pq->n_kem_pubkeys < 1 || pq->n_kem_pubkeys > PQTUN_EXCHANGE_MAX_KEMS)
		return 0;
	int kyber = 0, mlkem = 0;
	for (size_t i = 0; i < pq->n_kem_pubkeys; i++) {
		const char *name = pq->kem_pubkeys[i]->algorithm_name;
		if (!name)
			return 0;
		const pqtun_kem *k = pqtun_kem_find(name);
		if (!k || pq->kem_pubkeys[i]->key_data.len != k->public_key_bytes)
			return 0;
		for (size_t j = 0; j < i; j++)
			if (strcmp(pq->kem_pubkeys[j]->algorithm_name, name) == 0)
				return 0;
		kyber |= strcmp(name, "Kyber1024") == 0;
		mlkem |= strcmp(name, "ML-KEM-1024") == 0;
	}
	return !(kyber && mlkem);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen seen = { 0 };
	struct pqtun_relay_policy policy = { .ctx = &seen, .register_peer = check_register };
	struct pqtun_relay_daita daita = { 0 };
	struct relay_service svc = { .policy = &policy, .daita = &daita };
	struct sockaddr_in peer = { .sin_family = AF_INET };
	struct relay_reply reply;

	relay_service_handle(&svc, (const struct sockaddr *)&peer, sizeof(peer), data, size, &reply);

	Ephemeralpeer__EphemeralPeerRequestV1 *req =
		ephemeralpeer__ephemeral_peer_request_v1__unpack(NULL, size, data);
	if (reply.status != PQTUN_GRPC_OK) {
		CHECK(reply.frame == NULL);
		CHECK(reply.message[0] != '\0');
		/* register_peer always agrees here, so after it only packing can fail. */
		CHECK(seen.calls == 0 || reply.status == PQTUN_GRPC_RESOURCE_EXHAUSTED);
		if (req && reply.status == PQTUN_GRPC_INVALID_ARGUMENT && request_valid(req))
			/* Only the KEM's own encapsulation-key check may reject a valid-looking request. */
			CHECK(strstr(reply.message, "encapsulation key check failed") != NULL);
	} else {
		CHECK(req != NULL);
		CHECK(request_valid(req));
		CHECK(seen.calls == 1);
		CHECK(memcmp(seen.parent, req->wg_parent_pubkey.data, 32) == 0);
		CHECK(memcmp(seen.eph, req->wg_ephemeral_peer_pubkey.data, 32) == 0);
		size_t n_kems = req->post_quantum ? req->post_quantum->n_kem_pubkeys : 0;
		CHECK(seen.n_kems == n_kems);
		CHECK(seen.had_psk == (n_kems > 0));
		int want_daita = req->daita_v2 != NULL || (req->daita && req->daita->activate_daita);
		CHECK(seen.daita == want_daita);

		CHECK(reply.frame && reply.frame_len >= GRPC_PREFIX_LEN);
		struct grpc_reader r;
		grpc_reader_init(&r, reply.frame_len);
		CHECK(grpc_reader_feed(&r, reply.frame, reply.frame_len) == GRPC_READ_DONE);
		Ephemeralpeer__EphemeralPeerResponseV1 *resp =
			ephemeralpeer__ephemeral_peer_response_v1__unpack(NULL, r.len, r.buf);
		CHECK(resp != NULL);
		if (n_kems) {
			CHECK(resp->post_quantum && resp->post_quantum->n_ciphertexts == n_kems);
			for (size_t i = 0; i < n_kems; i++) {
				const pqtun_kem *k = pqtun_kem_find(req->post_quantum->kem_pubkeys[i]->algorithm_name);
				CHECK(resp->post_quantum->ciphertexts[i].len == k->ciphertext_bytes);
			}
		} else {
			CHECK(resp->post_quantum == NULL);
		}
		CHECK((resp->daita != NULL) == want_daita);
		if (resp->daita) {
			CHECK(resp->daita->max_padding_frac >= 0 && resp->daita->max_padding_frac <= 1);
			CHECK(resp->daita->max_blocking_frac >= 0 && resp->daita->max_blocking_frac <= 1);
		}
		ephemeralpeer__ephemeral_peer_response_v1__free_unpacked(resp, NULL);
		grpc_reader_free(&r);
	}
	if (req)
		ephemeralpeer__ephemeral_peer_request_v1__free_unpacked(req, NULL);
	relay_reply_free(&reply);
	return 0;
}
