/* The client side of RegisterPeerV1 (PROTOCOL.md §2, §6): generate KEM key
 * pairs, ask the relay, validate the answer, decapsulate, derive the PSK. */
#include "pqtun/exchange.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pqtun/kem.h"
#include "proto/ephemeralpeer.pb-c.h"
#include "proto/grpc.h"
#include "proto/grpc_client.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/timeutil.h"

#define MAX_KEMS PQTUN_EXCHANGE_MAX_KEMS
#define MAX_SHARED_SECRET 64
#define DEFAULT_TIMEOUT_MS 8000

/* The KEMs the current client sends by default, in this order (§4). */
static const char *const default_kem_names[] = { "ML-KEM-1024", "HQC-256" };

const char *pqtun_exchange_strerror(int err)
{
	switch (err) {
	case PQTUN_EX_OK: return "success";
	case PQTUN_EX_CONNECT: return "cannot connect to the relay";
	case PQTUN_EX_RPC_STATUS: return "the relay answered with an error status";
	case PQTUN_EX_MISSING_CIPHERTEXTS: return "response has no post-quantum ciphertexts";
	case PQTUN_EX_CIPHERTEXT_COUNT: return "response has the wrong number of ciphertexts";
	case PQTUN_EX_CIPHERTEXT_LENGTH: return "a ciphertext in the response has the wrong length";
	case PQTUN_EX_CIPHERTEXT_REJECTED: return "a ciphertext in the response was rejected by its KEM";
	case PQTUN_EX_TIMEOUT: return "the exchange timed out";
	case PQTUN_EX_MISSING_DAITA: return "DAITA was requested but the response has no DAITA settings";
	case PQTUN_EX_DAITA_FRACTION: return "a DAITA fraction in the response is outside 0..1";
	case PQTUN_EX_PROTOCOL: return "protocol error in the relay's answer";
	case PQTUN_EX_KEM_UNAVAILABLE: return "a required KEM is not available in this build";
	case PQTUN_EX_KEM_FAILURE: return "KEM key generation failed";
	case PQTUN_EX_INVALID_ARGUMENT: return "invalid exchange options";
	case PQTUN_EX_NO_MEMORY: return "out of memory";
	case PQTUN_EX_UNEXPECTED_CIPHERTEXTS: return "response has ciphertexts although no KEM keys were sent";
	default: return "unknown error";
	}
}

unsigned pqtun_exchange_timeout_ms(unsigned attempt)
{
	/* 8, 16, 32, then 48 s for every later attempt. */
	return attempt >= 3 ? 48000u : 8000u << attempt;
}

void pqtun_exchange_result_clear(struct pqtun_exchange_result *result)
{
	if (!result)
		return;
	pqtun_memzero(result->psk, sizeof(result->psk));
	for (size_t i = 0; i < result->daita.n_machines; i++)
		free(result->daita.machines[i]);
	free(result->daita.machines);
	memset(result, 0, sizeof(*result));
	result->rpc_status = -1;
}

struct client_keys {
	size_t n;                   /* KEMs in the request, in request order */
	const pqtun_kem *kem[MAX_KEMS];
	uint8_t *pk[MAX_KEMS];
	uint8_t *sk[MAX_KEMS];      /* secret: secure memory */
};

static void client_keys_free(struct client_keys *k)
{
	for (size_t i = 0; i < MAX_KEMS; i++) {
		free(k->pk[i]);
		pqtun_secure_free(k->sk[i]);
		k->pk[i] = k->sk[i] = NULL;
	}
}

/* Look up the KEMs of opts (default pair if none given) into k after the
 * same checks as pqtun_exchange_check_kems. Returns 0 or its code. */
static int client_keys_select(struct client_keys *k, const struct pqtun_exchange_options *opts)
{
	const char *const *names = opts->kems ? opts->kems : default_kem_names;
	size_t n = opts->kems ? opts->n_kems : sizeof(default_kem_names) / sizeof(default_kem_names[0]);
	int rc = pqtun_exchange_check_kems(names, n, NULL, 0);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		k->kem[i] = pqtun_kem_find(names[i]);
		if (k->kem[i]->shared_secret_bytes > MAX_SHARED_SECRET)
			return PQTUN_EX_KEM_UNAVAILABLE;
	}
	k->n = n;
	return 0;
}

/* Generate one key pair per selected KEM; logs how long each took. */
static int client_keys_generate(struct client_keys *k, uint64_t *elapsed_us)
{
	char timing[256];
	size_t used = 0;
	uint64_t t0 = pqtun_now_ns();
	timing[0] = '\0';
	for (size_t i = 0; i < k->n; i++) {
		uint64_t t = pqtun_now_ns();
		k->pk[i] = malloc(k->kem[i]->public_key_bytes);
		k->sk[i] = pqtun_secure_alloc(k->kem[i]->secret_key_bytes);
		if (!k->pk[i] || !k->sk[i])
			return PQTUN_EX_NO_MEMORY;
		int r = k->kem[i]->keypair(k->pk[i], k->sk[i]);
		if (r == PQTUN_KEM_UNSUPPORTED)
			return PQTUN_EX_KEM_UNAVAILABLE;
		if (r != PQTUN_OK)
			return PQTUN_EX_KEM_FAILURE;
		int w = snprintf(timing + used, sizeof(timing) - used, "%s%s %.2f ms", i ? ", " : "",
				 k->kem[i]->name, (double)(pqtun_now_ns() - t) / 1e6);
		if (w > 0 && (size_t)w < sizeof(timing) - used)
			used += (size_t)w;
	}
	pqtun_stack_scrub(32 * 1024);
	*elapsed_us = (pqtun_now_ns() - t0) / 1000;
	log_info("exchange: KEM key generation took %.2f ms (%s)", (double)*elapsed_us / 1000.0, timing);
	return 0;
}

/* Build the request frame (prefix + protobuf) into *frame. */
static int build_request(const uint8_t parent_pub[32], const uint8_t eph_pub[32],
			 const struct client_keys *keys, int pq, int daita,
			 uint8_t **frame, size_t *frame_len)
{
	Ephemeralpeer__EphemeralPeerRequestV1 req = EPHEMERALPEER__EPHEMERAL_PEER_REQUEST_V1__INIT;
	Ephemeralpeer__PostQuantumRequestV1 pqreq = EPHEMERALPEER__POST_QUANTUM_REQUEST_V1__INIT;
	Ephemeralpeer__KemPubkeyV1 kp[MAX_KEMS];
	Ephemeralpeer__KemPubkeyV1 *kpp[MAX_KEMS];
	Ephemeralpeer__DaitaRequestV2 d2 = EPHEMERALPEER__DAITA_REQUEST_V2__INIT;

	req.wg_parent_pubkey.data = (uint8_t *)(uintptr_t)parent_pub;
	req.wg_parent_pubkey.len = 32;
	req.wg_ephemeral_peer_pubkey.data = (uint8_t *)(uintptr_t)eph_pub;
	req.wg_ephemeral_peer_pubkey.len = 32;
	if (pq) {
		for (size_t i = 0; i < keys->n; i++) {
			ephemeralpeer__kem_pubkey_v1__init(&kp[i]);
			kp[i].algorithm_name = (char *)(uintptr_t)keys->kem[i]->name;
			kp[i].key_data.data = keys->pk[i];
			kp[i].key_data.len = keys->kem[i]->public_key_bytes;
			kpp[i] = &kp[i];
		}
		pqreq.n_kem_pubkeys = keys->n;
		pqreq.kem_pubkeys = kpp;
		req.post_quantum = &pqreq;
	}
	if (daita) {
		d2.version = 2;
		d2.platform = EPHEMERALPEER__DAITA_PLATFORM__linux_wg_go;
		req.daita_v2 = &d2;
	}
	size_t n = ephemeralpeer__ephemeral_peer_request_v1__get_packed_size(&req);
	*frame = malloc(GRPC_PREFIX_LEN + n);
	if (!*frame)
		return PQTUN_EX_NO_MEMORY;
	grpc_frame_prefix(*frame, (uint32_t)n);
	ephemeralpeer__ephemeral_peer_request_v1__pack(&req, *frame + GRPC_PREFIX_LEN);
	*frame_len = GRPC_PREFIX_LEN + n;
	return 0;
}

/* Structural checks of the response (no crypto). */
static int check_response(const Ephemeralpeer__EphemeralPeerResponseV1 *resp,
			  const struct client_keys *keys, int pq, int daita)
{
	if (pq) {
		if (!resp->post_quantum)
			return PQTUN_EX_MISSING_CIPHERTEXTS;
		if (resp->post_quantum->n_ciphertexts != keys->n)
			return PQTUN_EX_CIPHERTEXT_COUNT;
		for (size_t i = 0; i < keys->n; i++)
			if (resp->post_quantum->ciphertexts[i].len != keys->kem[i]->ciphertext_bytes)
				return PQTUN_EX_CIPHERTEXT_LENGTH;
	} else if (resp->post_quantum && resp->post_quantum->n_ciphertexts) {
		return PQTUN_EX_UNEXPECTED_CIPHERTEXTS;
	}
	if (daita) {
		if (!resp->daita)
			return PQTUN_EX_MISSING_DAITA;
		double p = resp->daita->max_padding_frac, b = resp->daita->max_blocking_frac;
		if (!(p >= 0.0 && p <= 1.0) || !(b >= 0.0 && b <= 1.0))
			return PQTUN_EX_DAITA_FRACTION;
	}
	return 0;
}

/* Decapsulate every ciphertext and derive the PSK into result->psk. */
static int derive_psk(const Ephemeralpeer__PostQuantumResponseV1 *pq, const struct client_keys *keys,
		      uint8_t psk[PQTUN_PSK_LEN])
{
	uint8_t ss[MAX_KEMS][MAX_SHARED_SECRET];
	const uint8_t *secrets[MAX_KEMS];
	size_t lens[MAX_KEMS];
	int rc = 0;

	for (size_t i = 0; i < keys->n && rc == 0; i++) {
		int k = keys->kem[i]->decaps(ss[i], pq->ciphertexts[i].data, keys->sk[i]);
		if (k == PQTUN_KEM_REJECTED)
			rc = PQTUN_EX_CIPHERTEXT_REJECTED;
		else if (k != PQTUN_OK)
			rc = PQTUN_EX_KEM_FAILURE;
		secrets[i] = ss[i];
		lens[i] = keys->kem[i]->shared_secret_bytes;
	}
	if (rc == 0 && pqtun_psk_derive(psk, secrets, lens, keys->n) != 0)
		rc = PQTUN_EX_KEM_FAILURE;
	pqtun_memzero(ss, sizeof(ss));
	pqtun_stack_scrub(32 * 1024);
	return rc;
}

static int copy_daita(const Ephemeralpeer__DaitaResponseV2 *d, struct pqtun_daita_settings *out)
{
	out->machines = calloc(d->n_client_machines ? d->n_client_machines : 1, sizeof(char *));
	if (!out->machines)
		return PQTUN_EX_NO_MEMORY;
	for (size_t i = 0; i < d->n_client_machines; i++) {
		out->machines[i] = strdup(d->client_machines[i] ? d->client_machines[i] : "");
		if (!out->machines[i])
			return PQTUN_EX_NO_MEMORY;
		out->n_machines++;
	}
	out->max_padding_frac = d->max_padding_frac;
	out->max_blocking_frac = d->max_blocking_frac;
	return 0;
}

int pqtun_exchange(const struct pqtun_exchange_options *opts,
		   const uint8_t parent_pub[32], const uint8_t ephemeral_pub[32],
		   struct pqtun_exchange_result *result)
{
	struct client_keys keys;
	uint8_t *frame = NULL;
	size_t frame_len = 0;
	struct grpc_call_result call;
	Ephemeralpeer__EphemeralPeerResponseV1 *resp = NULL;
	int rc;

	memset(&keys, 0, sizeof(keys));
	memset(&call, 0, sizeof(call));
	if (!result)
		return PQTUN_EX_INVALID_ARGUMENT;
	memset(result, 0, sizeof(*result));
	result->rpc_status = -1;
	if (!opts || !opts->host || !*opts->host || !parent_pub || !ephemeral_pub)
		return PQTUN_EX_INVALID_ARGUMENT;

	uint64_t deadline = pqtun_now_ms() + (opts->timeout_ms ? opts->timeout_ms : DEFAULT_TIMEOUT_MS);
	if (opts->post_quantum) {
		rc = client_keys_select(&keys, opts);
		if (rc == 0)
			rc = client_keys_generate(&keys, &result->keygen_us);
		if (rc != 0)
			goto out;
	}
	rc = build_request(parent_pub, ephemeral_pub, &keys, opts->post_quantum, opts->daita, &frame, &frame_len);
	if (rc != 0)
		goto out;
	result->request_bytes = frame_len;

	struct grpc_call_options co = {
		.host = opts->host,
		.port = opts->port ? opts->port : PQTUN_EXCHANGE_DEFAULT_PORT,
		.path = GRPC_METHOD_PATH,
		.deadline_ms = deadline,
		.max_response = opts->max_message_size ? opts->max_message_size : PQTUN_GRPC_DEFAULT_MAX_MESSAGE,
		.mss = PQTUN_EXCHANGE_MSS,
	};
	rc = grpc_unary_call(&co, frame, frame_len, &call);
	result->rpc_status = call.status;
	snprintf(result->rpc_message, sizeof(result->rpc_message), "%s",
		 call.status > 0 ? call.message : call.detail);
	switch (rc) {
	case GRPC_CALL_OK: break;
	case GRPC_CALL_CONNECT: rc = PQTUN_EX_CONNECT; goto out;
	case GRPC_CALL_TIMEOUT: rc = PQTUN_EX_TIMEOUT; goto out;
	case GRPC_CALL_NO_MEMORY: rc = PQTUN_EX_NO_MEMORY; goto out;
	default: rc = PQTUN_EX_PROTOCOL; goto out;
	}
	if (call.status != 0) {
		rc = PQTUN_EX_RPC_STATUS;
		goto out;
	}
	result->response_bytes = call.response_len + GRPC_PREFIX_LEN;
	resp = ephemeralpeer__ephemeral_peer_response_v1__unpack(NULL, call.response_len, call.response);
	if (!resp) {
		snprintf(result->rpc_message, sizeof(result->rpc_message), "malformed EphemeralPeerResponseV1");
		rc = PQTUN_EX_PROTOCOL;
		goto out;
	}
	rc = check_response(resp, &keys, opts->post_quantum, opts->daita);
	if (rc != 0)
		goto out;
	if (opts->post_quantum) {
		rc = derive_psk(resp->post_quantum, &keys, result->psk);
		if (rc != 0)
			goto out;
		result->has_psk = 1;
	}
	if (opts->daita) {
		rc = copy_daita(resp->daita, &result->daita);
		if (rc != 0)
			goto out;
		result->has_daita = 1;
	}
	rc = 0;
out:
	if (rc != 0) {
		int st = result->rpc_status;
		char msg[sizeof(result->rpc_message)];
		memcpy(msg, result->rpc_message, sizeof(msg));
		size_t rq = result->request_bytes, rs = result->response_bytes;
		uint64_t kg = result->keygen_us;
		pqtun_exchange_result_clear(result);
		result->rpc_status = st;
		memcpy(result->rpc_message, msg, sizeof(msg));
		result->request_bytes = rq;
		result->response_bytes = rs;
		result->keygen_us = kg;
	}
	if (resp)
		ephemeralpeer__ephemeral_peer_response_v1__free_unpacked(resp, NULL);
	grpc_call_result_free(&call);
	free(frame);
	client_keys_free(&keys);
	return rc;
}
