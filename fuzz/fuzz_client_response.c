/* Fuzz target: the client's response decoder and validator, through the
 * real call pqtun_exchange. A test peer on 127.0.0.1 answers with a valid
 * HTTP/2 + gRPC response (status 0) whose message is the fuzz input after
 * its first byte; that byte says whether the client asks for post-quantum
 * keys (bit 0) and DAITA (bit 1).
 *
 * Oracle: the input is decoded here independently and the error the client
 * must return is derived from PROTOCOL.md §6 (malformed message -> protocol
 * error; no post_quantum, wrong count, wrong length, ciphertexts without
 * keys, missing DAITA, fraction outside 0..1 -> their distinct errors);
 * pqtun_exchange must return exactly that, or for a structurally valid PQ
 * answer a PSK (or the KEM's rejection). A failed call leaves no PSK. */
#include <nghttp2/nghttp2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pqtun/exchange.h"
#include "proto/ephemeralpeer.pb-c.h"
#include "proto/grpc.h"
#include "support_server.h"
#include "util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define CHECK(x) do { if (!(x)) { fprintf(stderr, "check failed: %s\n", #x); abort(); } } while (0)
#define MAX_MSG 60000 /* stays inside HTTP/2's default flow-control windows */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	pqtun_log_set_level(PQTUN_LOG_ERROR);
	support_server_start_tcp();
	return 0;
}

struct out {
	uint8_t *p;
	size_t len;
};

static void out_put(struct out *o, const void *d, size_t n)
{
	memcpy(o->p + o->len, d, n);
	o->len += n;
}

static void frame_header(struct out *o, size_t len, uint8_t type, uint8_t flags, uint32_t stream)
{
	uint8_t h[9] = { (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len, type, flags,
			 (uint8_t)(stream >> 24), (uint8_t)(stream >> 16), (uint8_t)(stream >> 8),
			 (uint8_t)stream };
	out_put(o, h, 9);
}

static void headers_frame(struct out *o, nghttp2_hd_deflater *d, const nghttp2_nv *nv, size_t n,
			  uint8_t flags)
{
	uint8_t block[512];
	ssize_t len = nghttp2_hd_deflate_hd(d, block, sizeof(block), nv, n);
	CHECK(len > 0);
	frame_header(o, (size_t)len, 0x1, flags | 0x4 /* END_HEADERS */, 1);
	out_put(o, block, (size_t)len);
}

#define NV(n, v) { (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, sizeof(v) - 1, NGHTTP2_NV_FLAG_NONE }

/* The relay's side of a successful call carrying msg. */
static struct out build_answer(const uint8_t *msg, size_t len)
{
	struct out o = { malloc(len + 1024), 0 };
	CHECK(o.p != NULL);
	nghttp2_hd_deflater *d;
	CHECK(nghttp2_hd_deflate_new(&d, 4096) == 0);
	frame_header(&o, 0, 0x4, 0, 0);   /* SETTINGS */
	frame_header(&o, 0, 0x4, 0x1, 0); /* SETTINGS ACK */
	const nghttp2_nv hdrs[] = { NV(":status", "200"), NV("content-type", "application/grpc") };
	headers_frame(&o, d, hdrs, 2, 0);
	uint8_t prefix[GRPC_PREFIX_LEN];
	grpc_frame_prefix(prefix, (uint32_t)len);
	size_t total = GRPC_PREFIX_LEN + len, sent = 0;
	while (sent < total) {
		size_t n = total - sent < 16384 ? total - sent : 16384;
		frame_header(&o, n, 0x0, 0, 1);
		for (size_t i = sent; i < sent + n; i++)
			out_put(&o, i < GRPC_PREFIX_LEN ? &prefix[i] : &msg[i - GRPC_PREFIX_LEN], 1);
		sent += n;
	}
	const nghttp2_nv trailers[] = { NV("grpc-status", "0") };
	headers_frame(&o, d, trailers, 1, 0x1 /* END_STREAM */);
	nghttp2_hd_deflate_del(d);
	return o;
}

/* What PROTOCOL.md §6 says the client must answer; 1 = "accept (or KEM rejection)". */
static int expected(const uint8_t *msg, size_t len, int pq, int daita)
{
	Ephemeralpeer__EphemeralPeerResponseV1 *r =
		ephemeralpeer__ephemeral_peer_response_v1__unpack(NULL, len, msg);
	int want = 1;
	if (!r)
		return PQTUN_EX_PROTOCOL;
	if (pq) {
		if (!r->post_quantum)
			want = PQTUN_EX_MISSING_CIPHERTEXTS;
		else if (r->post_quantum->n_ciphertexts != 2)
			want = PQTUN_EX_CIPHERTEXT_COUNT;
		else if (r->post_quantum->ciphertexts[0].len != 1568 ||
			 r->post_quantum->ciphertexts[1].len != 14421)
			want = PQTUN_EX_CIPHERTEXT_LENGTH;
	} else if (r->post_quantum && r->post_quantum->n_ciphertexts) {
		want = PQTUN_EX_UNEXPECTED_CIPHERTEXTS;
	}
	if (want == 1 && daita) {
		if (!r->daita)
			want = PQTUN_EX_MISSING_DAITA;
		else if (!(r->daita->max_padding_frac >= 0 && r->daita->max_padding_frac <= 1) ||
			 !(r->daita->max_blocking_frac >= 0 && r->daita->max_blocking_frac <= 1))
			want = PQTUN_EX_DAITA_FRACTION;
	}
	ephemeralpeer__ephemeral_peer_response_v1__free_unpacked(r, NULL);
	return want;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t zero[PQTUN_PSK_LEN];
	uint8_t parent[32], eph[32];
	if (size < 1 || size - 1 > MAX_MSG)
		return 0;
	int pq = data[0] & 1, daita = (data[0] >> 1) & 1;
	const uint8_t *msg = data + 1;
	size_t len = size - 1;
	int want = expected(msg, len, pq, daita);

	memset(parent, 0x31, sizeof(parent));
	memset(eph, 0x32, sizeof(eph));
	struct out answer = build_answer(msg, len);
	struct pqtun_exchange_options o = {
		.host = "127.0.0.1",
		.port = support_srv.port,
		.timeout_ms = 5000,
		.post_quantum = pq,
		.daita = daita,
	};
	struct pqtun_exchange_result res;
	unsigned long served = support_server_set_reply(answer.p, answer.len);
	int rc = pqtun_exchange(&o, parent, eph, &res);
	support_server_wait(served);
	free(answer.p);

	if (want == 1) {
		if (rc != 0) {
			CHECK(pq && rc == PQTUN_EX_CIPHERTEXT_REJECTED);
		} else {
			CHECK(res.has_psk == pq);
			CHECK(res.has_daita == daita);
			if (pq)
				CHECK(memcmp(res.psk, zero, sizeof(zero)) != 0);
			if (daita) {
				CHECK(res.daita.max_padding_frac >= 0 && res.daita.max_padding_frac <= 1);
				CHECK(res.daita.max_blocking_frac >= 0 && res.daita.max_blocking_frac <= 1);
				for (size_t i = 0; i < res.daita.n_machines; i++)
					CHECK(res.daita.machines[i] != NULL);
			}
		}
	} else {
		if (rc != want)
			fprintf(stderr, "pqtun_exchange returned %d (%s), expected %d (%s)\n", rc,
				pqtun_exchange_strerror(rc), want, pqtun_exchange_strerror(want));
		CHECK(rc == want);
	}
	if (rc != 0) {
		CHECK(!res.has_psk && !res.has_daita);
		CHECK(memcmp(res.psk, zero, sizeof(zero)) == 0);
	}
	pqtun_exchange_result_clear(&res);
	return 0;
}
