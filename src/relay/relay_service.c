/* RegisterPeerV1 on the relay: validate, authorize, encapsulate in request
 * order, derive the PSK, register, answer. */
#include "relay/relay_service.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pqtun/kem.h"
#include "proto/ephemeralpeer.pb-c.h"
#include "proto/grpc.h"
#include "util/log.h"
#include "util/mem.h"

#define MAX_SHARED_SECRET 64

/* The algorithm names of §4 with their public-key sizes; known even when the
 * KEM itself is not (yet) built in, so that such requests get UNIMPLEMENTED
 * rather than "unknown". */
static const struct {
	const char *name;
	size_t pubkey_bytes;
} known_kems[] = {
	{ "ML-KEM-1024", 1568 },
	{ "HQC-256", 7245 },
	{ "Kyber1024", 1568 },
	{ "Classic-McEliece-460896f-round3", 524160 },
};

/* Built-in DAITA settings for the standalone test relay. */
static const char *const default_machines[] = {
	"02eNpjYGBkYGBgYGBg+M8ABIwMDAwMAAAfAAM=",
	"02eNpjYGBkYGBg+M/AwMDAwMDAAAAK3gB+",
};
static const struct pqtun_relay_daita default_daita = {
	default_machines, 2, 0.5, 0.5,
};

size_t relay_known_kem_pubkey_bytes(const char *name)
{
	for (size_t i = 0; i < sizeof(known_kems) / sizeof(known_kems[0]); i++)
		if (strcmp(known_kems[i].name, name) == 0)
			return known_kems[i].pubkey_bytes;
	return 0;
}

void relay_format_addr(char *out, size_t outlen, const struct sockaddr *sa, socklen_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	if (sa && sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		snprintf(out, outlen, "%s:%u", host, ntohs(in->sin_port));
	} else if (sa && sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		snprintf(out, outlen, "[%s]:%u", host, ntohs(in6->sin6_port));
	} else {
		snprintf(out, outlen, "unknown");
	}
}

/* Copy an untrusted name for a message: at most 48 printable characters. */
static void printable_name(char out[52], const char *in)
{
	size_t o = 0;
	for (; in[o] && o < 48; o++)
		out[o] = (in[o] >= 0x20 && in[o] < 0x7f) ? in[o] : '?';
	if (in[o])
		out[o++] = '.', out[o++] = '.', out[o++] = '.';
	out[o] = '\0';
}

static void set_status(struct relay_reply *reply, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_status(struct relay_reply *reply, int status, const char *fmt, ...)
{
	va_list ap;
	reply->status = status;
	va_start(ap, fmt);
	vsnprintf(reply->message, sizeof(reply->message), fmt, ap);
	va_end(ap);
}

/* Check everything about the request that needs no crypto. On failure sets
 * the reply status and returns -1; else fills kems[] (NULL for known but not
 * built-in algorithms is reported as UNIMPLEMENTED here). */
static int kem_disabled(const struct relay_service *svc, const char *name)
{
	for (size_t i = 0; i < svc->n_disabled_kems; i++)
		if (svc->disabled_kems[i] && strcmp(svc->disabled_kems[i], name) == 0)
			return 1;
	return 0;
}

static int validate_request(const struct relay_service *svc,
			    const Ephemeralpeer__EphemeralPeerRequestV1 *req,
			    const pqtun_kem *kems[PQTUN_EXCHANGE_MAX_KEMS], struct relay_reply *reply)
{
	char name[52], other[52];

	if (req->wg_parent_pubkey.len != 32) {
		set_status(reply, PQTUN_GRPC_INVALID_ARGUMENT,
			   "wg_parent_pubkey must be 32 bytes, got %zu", req->wg_parent_pubkey.len);
		return -1;
	}
	if (req->wg_ephemeral_peer_pubkey.len != 32) {
		set_status(reply, PQTUN_GRPC_INVALID_ARGUMENT,
			   "wg_ephemeral_peer_pubkey must be 32 bytes, got %zu",
			   req->wg_ephemeral_peer_pubkey.len);
		return -1;
	}
	if (!req->post_quantum)
		return 0;

	const Ephemeralpeer__PostQuantumRequestV1 *pq = req->post_quantum;
	if (pq->n_kem_pubkeys == 0) {
		set_status(reply, PQTUN_GRPC_INVALID_ARGUMENT, "post_quantum has no KEM keys");
		return -1;
	}
	if (pq->n_kem_pubkeys > PQTUN_EXCHANGE_MAX_KEMS) {
		set_status(reply, PQTUN_GRPC_INVALID_ARGUMENT, "too many KEM keys: %zu (at most %d)",
			   pq->n_kem_pubkeys, PQTUN_EXCHANGE_MAX_KEMS);
		return -1;
	}
	int has_kyber = 0, has_mlkem = 0;
	for (size_t i = 0; i < pq->n_kem_pubkeys; i++) {
		const Ephemeralpeer__KemPubkeyV1 *k = pq->kem_pubkeys[i];
		const char *algo = k->algorithm_name ? k->algorithm_name : "";
		printable_name(name, algo);
		size_t want = relay_known_kem_pubkey_bytes(algo);
		if (want == 0) {
			set_status(reply, PQTUN_GRPC_INVALID_ARGUMENT, "unknown KEM algorithm '%s'", name);
			return -1;
		}
		for (size_t j = 0; j < i; j++) {
			const char *prev = pq->kem_pubkeys[j]->algorithm_name;
			if (prev && strcmp(prev, algo) == 0) {
				set_status(reply, PQTUN_GRPC_INVALID_ARGUMENT,
					   "KEM algorithm '%s' appears more than once", name);
				return -1;
			}
		}
		has_kyber |= strcmp(algo, "Kyber1024") == 0;
		has_mlkem |= strcmp(algo, "ML-KEM-1024") == 0;
		if (k->key_data.len != want) {
			set_status(reply, PQTUN_GRPC_INVALID_ARGUMENT,
				   "%s public key must be %zu bytes, got %zu", name, want, k->key_data.len);
			return -1;
		}
	}
	if (has_kyber && has_mlkem) {
		set_status(reply, PQTUN_GRPC_INVALID_ARGUMENT,
			   "Kyber1024 and ML-KEM-1024 must not be used together");
		return -1;
	}
	for (size_t i = 0; i < pq->n_kem_pubkeys; i++) {
		kems[i] = pqtun_kem_find(pq->kem_pubkeys[i]->algorithm_name);
		if (!kems[i] || !kems[i]->encaps || kems[i]->public_key_bytes !=
		    pq->kem_pubkeys[i]->key_data.len) {
			printable_name(other, pq->kem_pubkeys[i]->algorithm_name);
			set_status(reply, PQTUN_GRPC_UNIMPLEMENTED,
				   "KEM algorithm '%s' is not implemented by this relay", other);
			return -1;
		}
		if (kem_disabled(svc, kems[i]->name)) {
			printable_name(other, kems[i]->name);
			set_status(reply, PQTUN_GRPC_UNIMPLEMENTED,
				   "KEM algorithm '%s' is not enabled on this relay", other);
			return -1;
		}
		if (kems[i]->shared_secret_bytes > MAX_SHARED_SECRET ||
		    kems[i]->shared_secret_bytes == 0) {
			set_status(reply, PQTUN_GRPC_INTERNAL, "bad KEM descriptor");
			return -1;
		}
	}
	return 0;
}

/* Encapsulate to every key in order: ciphertexts into cts[i] (malloc'ed),
 * shared secrets into ss[i]. Returns 0 or sets the status. */
static int encapsulate_all(const Ephemeralpeer__PostQuantumRequestV1 *pq,
			   const pqtun_kem *const *kems, ProtobufCBinaryData *cts,
			   uint8_t ss[][MAX_SHARED_SECRET], struct relay_reply *reply)
{
	char name[52];
	for (size_t i = 0; i < pq->n_kem_pubkeys; i++) {
		cts[i].len = kems[i]->ciphertext_bytes;
		cts[i].data = malloc(cts[i].len);
		if (!cts[i].data) {
			set_status(reply, PQTUN_GRPC_RESOURCE_EXHAUSTED, "out of memory");
			return -1;
		}
		int rc = kems[i]->encaps(cts[i].data, ss[i], pq->kem_pubkeys[i]->key_data.data);
		if (rc != PQTUN_OK) {
			printable_name(name, kems[i]->name);
			if (rc == PQTUN_KEM_INVALID_KEY)
				set_status(reply, PQTUN_GRPC_INVALID_ARGUMENT,
					   "%s public key is invalid (encapsulation key check failed)", name);
			else
				set_status(reply, PQTUN_GRPC_INTERNAL, "%s encapsulation failed: %s",
					   name, pqtun_kem_strerror(rc));
			return -1;
		}
	}
	return 0;
}

static int wants_daita(const Ephemeralpeer__EphemeralPeerRequestV1 *req)
{
	return req->daita_v2 != NULL || (req->daita && req->daita->activate_daita);
}

/* Serialise the response with its gRPC prefix into reply->frame. */
static int pack_response(const Ephemeralpeer__EphemeralPeerResponseV1 *resp, struct relay_reply *reply)
{
	size_t n = ephemeralpeer__ephemeral_peer_response_v1__get_packed_size(resp);
	reply->frame = malloc(GRPC_PREFIX_LEN + n);
	if (!reply->frame) {
		set_status(reply, PQTUN_GRPC_RESOURCE_EXHAUSTED, "out of memory");
		return -1;
	}
	grpc_frame_prefix(reply->frame, (uint32_t)n);
	ephemeralpeer__ephemeral_peer_response_v1__pack(resp, reply->frame + GRPC_PREFIX_LEN);
	reply->frame_len = GRPC_PREFIX_LEN + n;
	return 0;
}

void relay_service_handle(const struct relay_service *svc, const struct sockaddr *peer,
			  socklen_t peer_len, const uint8_t *msg, size_t len,
			  struct relay_reply *reply)
{
	const pqtun_kem *kems[PQTUN_EXCHANGE_MAX_KEMS] = { 0 };
	ProtobufCBinaryData cts[PQTUN_EXCHANGE_MAX_KEMS];
	uint8_t ss[PQTUN_EXCHANGE_MAX_KEMS][MAX_SHARED_SECRET];
	uint8_t psk[PQTUN_PSK_LEN];
	const char *names[PQTUN_EXCHANGE_MAX_KEMS];
	const uint8_t *secrets[PQTUN_EXCHANGE_MAX_KEMS];
	size_t lens[PQTUN_EXCHANGE_MAX_KEMS];
	size_t n_kems = 0;
	const struct pqtun_relay_policy *pol = svc->policy;
	Ephemeralpeer__EphemeralPeerRequestV1 *req;

	memset(reply, 0, sizeof(*reply));
	memset(cts, 0, sizeof(cts));

	req = ephemeralpeer__ephemeral_peer_request_v1__unpack(NULL, len, msg);
	if (!req) {
		set_status(reply, PQTUN_GRPC_INVALID_ARGUMENT, "malformed EphemeralPeerRequestV1");
		goto out;
	}
	if (validate_request(svc, req, kems, reply) != 0)
		goto out;
	if (pol && pol->authorize) {
		char m[PQTUN_RELAY_MSG_LEN] = "";
		int st = pol->authorize(pol->ctx, peer, peer_len, req->wg_parent_pubkey.data, m, sizeof(m));
		if (st != 0) {
			set_status(reply, st > 0 ? st : PQTUN_GRPC_PERMISSION_DENIED, "%s",
				   m[0] ? m : "not authorized");
			goto out;
		}
	}
	if (req->post_quantum) {
		n_kems = req->post_quantum->n_kem_pubkeys;
		struct timespec c0, c1;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
		int enc = encapsulate_all(req->post_quantum, kems, cts, ss, reply);
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
		if (svc->kem_cpu_ns)
			__atomic_add_fetch(svc->kem_cpu_ns, (uint64_t)((c1.tv_sec - c0.tv_sec) * 1000000000LL +
								      (c1.tv_nsec - c0.tv_nsec)), __ATOMIC_RELAXED);
		if (enc != 0)
			goto out;
		for (size_t i = 0; i < n_kems; i++) {
			secrets[i] = ss[i];
			lens[i] = kems[i]->shared_secret_bytes;
			names[i] = kems[i]->name;
		}
		if (pqtun_psk_derive(psk, secrets, lens, n_kems) != 0) {
			set_status(reply, PQTUN_GRPC_INTERNAL, "PSK derivation failed");
			goto out;
		}
	}
	if (pol && pol->register_peer) {
		char m[PQTUN_RELAY_MSG_LEN] = "";
		int st = pol->register_peer(pol->ctx, peer, peer_len, req->wg_parent_pubkey.data,
					    req->wg_ephemeral_peer_pubkey.data, n_kems ? psk : NULL,
					    names, n_kems, wants_daita(req), m, sizeof(m));
		if (st != 0) {
			set_status(reply, st > 0 ? st : PQTUN_GRPC_INTERNAL, "%s",
				   m[0] ? m : "could not register the ephemeral peer");
			goto out;
		}
	}

	Ephemeralpeer__EphemeralPeerResponseV1 resp = EPHEMERALPEER__EPHEMERAL_PEER_RESPONSE_V1__INIT;
	Ephemeralpeer__PostQuantumResponseV1 pq = EPHEMERALPEER__POST_QUANTUM_RESPONSE_V1__INIT;
	Ephemeralpeer__DaitaResponseV2 daita = EPHEMERALPEER__DAITA_RESPONSE_V2__INIT;
	if (n_kems) {
		pq.n_ciphertexts = n_kems;
		pq.ciphertexts = cts;
		resp.post_quantum = &pq;
	}
	if (wants_daita(req)) {
		const struct pqtun_relay_daita *d =
			svc->daita && svc->daita->n_machines ? svc->daita : &default_daita;
		daita.n_client_machines = d->n_machines;
		daita.client_machines = (char **)(uintptr_t)d->machines;
		daita.max_padding_frac = d->max_padding_frac;
		daita.max_blocking_frac = d->max_blocking_frac;
		resp.daita = &daita;
	}
	if (pack_response(&resp, reply) == 0) {
		reply->status = PQTUN_GRPC_OK;
		if (pol && pol->register_peer) {
			reply->registered = 1;
			memcpy(reply->ephemeral_pubkey, req->wg_ephemeral_peer_pubkey.data, 32);
		}
	}

out:
	if (reply->status != PQTUN_GRPC_OK) {
		char addr[64];
		relay_format_addr(addr, sizeof(addr), peer, peer_len);
		log_warn("relay: rejected request from %s: %s: %s", addr,
			 pqtun_grpc_status_name(reply->status), reply->message);
	}
	for (size_t i = 0; i < PQTUN_EXCHANGE_MAX_KEMS; i++)
		free(cts[i].data);
	pqtun_memzero(ss, sizeof(ss));
	pqtun_memzero(psk, sizeof(psk));
	if (req)
		ephemeralpeer__ephemeral_peer_request_v1__free_unpacked(req, NULL);
	pqtun_stack_scrub(32 * 1024);
}

void relay_reply_free(struct relay_reply *reply)
{
	free(reply->frame);
	reply->frame = NULL;
	reply->frame_len = 0;
}
