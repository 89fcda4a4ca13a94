/* The exchange client against a relay that misbehaves on purpose: an HTTP/2
 * gRPC server written here with nghttp2 answers each call in a chosen wrong
 * way. Every failure must give its own pqtun_exchange error (with the RPC
 * status and message where there is one), and `pqtun exchange` must exit 1
 * with one line on stderr and nothing on stdout, within its deadline.
 * Cases that need KEM keys skip visibly while a KEM is not registered. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nghttp2/nghttp2.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pqtun/exchange.h"
#include "pqtun/kem.h"
#include "proto/ephemeralpeer.pb-c.h"
#include "proto/grpc.h"
#include "util/encoding.h"
#include "util/timeutil.h"

enum mode {
	M_STATUS,        /* trailers-only INVALID_ARGUMENT with a message */
	M_NO_PQ,         /* OK without post_quantum */
	M_COUNT,         /* one ciphertext */
	M_LENGTH,        /* HQC ciphertext one byte short */
	M_REJECT,        /* right sizes, random bytes: HQC rejects */
	M_HANG,          /* never answers */
	M_NO_DAITA,      /* OK, empty response to a DAITA request */
	M_BAD_FRACTION,  /* DAITA with max_padding_frac 1.5 */
	M_GARBAGE,       /* HTTP/1.1 text instead of HTTP/2 */
	M_TRUNCATED,     /* response prefix longer than the data, status 0 */
	M_HTTP500,       /* :status 500 */
	M_CORRUPT_PB,    /* status 0 with a message that is not protobuf */
	M_CUSTOM,        /* OK, random ciphertexts of custom_ct_lens[0..custom_n) */
};

static size_t custom_ct_lens[4];
static volatile size_t custom_n;

static volatile int mode;
static int listen_fd;
static uint16_t port;
static pthread_t server_thread;
static volatile int server_stop;

struct srv_stream {
	uint8_t *body;
	size_t len, off;
	int trailers_status;
};

static ssize_t srv_read(nghttp2_session *s, int32_t id, uint8_t *buf, size_t length,
			uint32_t *flags, nghttp2_data_source *src, void *ud)
{
	(void)ud;
	struct srv_stream *st = src->ptr;
	size_t n = st->len - st->off < length ? st->len - st->off : length;
	memcpy(buf, st->body + st->off, n);
	st->off += n;
	if (st->off == st->len) {
		*flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
		nghttp2_nv t[] = { { (uint8_t *)"grpc-status", (uint8_t *)"0", 11, 1, 0 } };
		nghttp2_submit_trailer(s, id, t, 1);
	}
	return (ssize_t)n;
}

static struct srv_stream stream_slot;

static uint8_t *random_bytes(size_t n)
{
	uint8_t *p = malloc(n);
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(rand() & 0xff);
	return p;
}

/* Pack a response with the given ciphertext sizes (0 entries = no
 * post_quantum when pq is 0) and optional DAITA. */
static void make_response(int pq, const size_t *ct_lens, size_t n, int daita, double frac)
{
	Ephemeralpeer__EphemeralPeerResponseV1 r = EPHEMERALPEER__EPHEMERAL_PEER_RESPONSE_V1__INIT;
	Ephemeralpeer__PostQuantumResponseV1 pqr = EPHEMERALPEER__POST_QUANTUM_RESPONSE_V1__INIT;
	Ephemeralpeer__DaitaResponseV2 d = EPHEMERALPEER__DAITA_RESPONSE_V2__INIT;
	ProtobufCBinaryData cts[4];
	char *machines[1] = { (char *)"m" };
	for (size_t i = 0; i < n; i++) {
		cts[i].len = ct_lens[i];
		cts[i].data = random_bytes(ct_lens[i]);
	}
	if (pq) {
		pqr.n_ciphertexts = n;
		pqr.ciphertexts = cts;
		r.post_quantum = &pqr;
	}
	if (daita) {
		d.n_client_machines = 1;
		d.client_machines = machines;
		d.max_padding_frac = frac;
		d.max_blocking_frac = 0.5;
		r.daita = &d;
	}
	size_t len = ephemeralpeer__ephemeral_peer_response_v1__get_packed_size(&r);
	free(stream_slot.body);
	stream_slot.body = malloc(5 + len);
	grpc_frame_prefix(stream_slot.body, (uint32_t)len);
	ephemeralpeer__ephemeral_peer_response_v1__pack(&r, stream_slot.body + 5);
	stream_slot.len = 5 + len;
	stream_slot.off = 0;
	for (size_t i = 0; i < n; i++)
		free(cts[i].data);
}

#define NVS(n, v) { (uint8_t *)(n), (uint8_t *)(v), strlen(n), strlen(v), 0 }

static void respond(nghttp2_session *s, int32_t id)
{
	static const size_t good[2] = { 1568, 14421 }, one[1] = { 1568 }, short_hqc[2] = { 1568, 14420 };
	nghttp2_nv ok_hdrs[] = { NVS(":status", "200"), NVS("content-type", "application/grpc") };
	nghttp2_data_provider prd = { .source.ptr = &stream_slot, .read_callback = srv_read };
	switch (mode) {
	case M_STATUS: {
		nghttp2_nv h[] = { NVS(":status", "200"), NVS("content-type", "application/grpc"),
				   NVS("grpc-status", "3"), NVS("grpc-message", "bad%20key%3A%20rejected%0A") };
		nghttp2_submit_response(s, id, h, 4, NULL);
		return;
	}
	case M_HTTP500: {
		nghttp2_nv h[] = { NVS(":status", "500") };
		nghttp2_submit_response(s, id, h, 1, NULL);
		return;
	}
	case M_HANG: return;
	case M_NO_PQ: make_response(0, NULL, 0, 0, 0); break;
	case M_COUNT: make_response(1, one, 1, 0, 0); break;
	case M_LENGTH: make_response(1, short_hqc, 2, 0, 0); break;
	case M_REJECT: make_response(1, good, 2, 0, 0); break;
	case M_NO_DAITA: make_response(0, NULL, 0, 0, 0); break;
	case M_CUSTOM: make_response(1, custom_ct_lens, custom_n, 0, 0); break;
	case M_BAD_FRACTION: make_response(0, NULL, 0, 1, 1.5); break;
	case M_TRUNCATED:
		make_response(0, NULL, 0, 1, 0.5);
		grpc_frame_prefix(stream_slot.body, (uint32_t)(stream_slot.len - 5 + 20));
		break;
	case M_CORRUPT_PB:
		free(stream_slot.body);
		stream_slot.body = malloc(9);
		grpc_frame_prefix(stream_slot.body, 4);
		memcpy(stream_slot.body + 5, "\x0a\xff\xff\xff", 4);
		stream_slot.len = 9;
		stream_slot.off = 0;
		break;
	default: return;
	}
	nghttp2_submit_response(s, id, ok_hdrs, 2, &prd);
}

static int srv_on_frame(nghttp2_session *s, const nghttp2_frame *f, void *ud)
{
	(void)ud;
	if ((f->hd.type == NGHTTP2_HEADERS || f->hd.type == NGHTTP2_DATA) &&
	    (f->hd.flags & NGHTTP2_FLAG_END_STREAM))
		respond(s, f->hd.stream_id);
	return 0;
}

static volatile int last_peer_mss; /* TCP_MAXSEG of the last accepted connection */

static void serve_connection(int fd)
{
	int mss = 0;
	socklen_t ml = sizeof(mss);
	if (getsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &mss, &ml) == 0)
		last_peer_mss = mss;
	if (mode == M_GARBAGE) {
		const char *t = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
		send(fd, t, strlen(t), MSG_NOSIGNAL);
		usleep(50 * 1000);
		return;
	}
	nghttp2_session_callbacks *cbs;
	nghttp2_session *s;
	nghttp2_session_callbacks_new(&cbs);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, srv_on_frame);
	nghttp2_session_server_new(&s, cbs, NULL);
	nghttp2_session_callbacks_del(cbs);
	nghttp2_settings_entry st[] = { { NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20 } };
	nghttp2_submit_settings(s, NGHTTP2_FLAG_NONE, st, 1);
	nghttp2_session_set_local_window_size(s, NGHTTP2_FLAG_NONE, 0, 1 << 20);
	uint8_t buf[16384];
	while (!server_stop) {
		const uint8_t *out;
		ssize_t n;
		while ((n = nghttp2_session_mem_send(s, &out)) > 0)
			if (send(fd, out, (size_t)n, MSG_NOSIGNAL) < 0)
				goto done;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 100) <= 0)
			continue;
		ssize_t r = recv(fd, buf, sizeof(buf), 0);
		if (r <= 0 || nghttp2_session_mem_recv(s, buf, (size_t)r) < 0)
			break;
	}
done:
	nghttp2_session_del(s);
}

static void *server_main(void *arg)
{
	(void)arg;
	while (!server_stop) {
		struct pollfd p = { .fd = listen_fd, .events = POLLIN };
		if (poll(&p, 1, 100) <= 0)
			continue;
		int fd = accept(listen_fd, NULL, NULL);
		if (fd < 0)
			continue;
		serve_connection(fd);
		close(fd);
	}
	return NULL;
}

static int setup(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_IGN);
	struct sockaddr_in a = { .sin_family = AF_INET };
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	if (bind(listen_fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(listen_fd, 16) != 0)
		return -1;
	socklen_t l = sizeof(a);
	getsockname(listen_fd, (struct sockaddr *)&a, &l);
	port = ntohs(a.sin_port);
	return pthread_create(&server_thread, NULL, server_main, NULL);
}

static int teardown(void **state)
{
	(void)state;
	server_stop = 1;
	pthread_join(server_thread, NULL);
	close(listen_fd);
	free(stream_slot.body);
	return 0;
}

static int have_client_kems(void)
{
	return pqtun_kem_find("ML-KEM-1024") && pqtun_kem_find("HQC-256");
}

static const uint8_t parent[32] = { 1, 2, 3 };
static const uint8_t eph[32] = { 4, 5, 6 };

/* Run pqtun_exchange against the bad server; return its error. */
static int run_lib(int m, int pq, int daita, unsigned timeout_ms, struct pqtun_exchange_result *res)
{
	mode = m;
	struct pqtun_exchange_options o = { .host = "127.0.0.1", .port = port, .timeout_ms = timeout_ms,
					    .post_quantum = pq, .daita = daita };
	return pqtun_exchange(&o, parent, eph, res);
}

/* Run the CLI; expect exit 1, empty stdout, stderr containing needle, and
 * completion within max_ms. Skips when $PQTUN is not set. */
static void run_cli(int m, const char *const *extra, int n_extra, uint16_t p, const char *needle, int max_ms)
{
	const char *bin = getenv("PQTUN");
	if (!bin) {
		printf("SKIP: $PQTUN not set, CLI check skipped\n");
		return;
	}
	mode = m;
	char portstr[8], key[PQTUN_KEY_B64_LEN + 1];
	snprintf(portstr, sizeof(portstr), "%u", p);
	pqtun_key_to_base64(key, parent);
	const char *argv[16];
	int a = 0;
	argv[a++] = bin;
	argv[a++] = "exchange";
	argv[a++] = "--port";
	argv[a++] = portstr;
	for (int i = 0; i < n_extra; i++)
		argv[a++] = extra[i];
	argv[a++] = "127.0.0.1";
	argv[a++] = key;
	argv[a] = NULL;
	int out[2], err[2];
	assert_int_equal(pipe(out), 0);
	assert_int_equal(pipe(err), 0);
	uint64_t t0 = pqtun_now_ms();
	pid_t pid = fork();
	if (pid == 0) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(out[0]);
		close(err[0]);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	char obuf[4096] = "", ebuf[4096] = "";
	size_t on = 0, en = 0;
	ssize_t r;
	while ((r = read(out[0], obuf + on, sizeof(obuf) - 1 - on)) > 0)
		on += (size_t)r;
	while ((r = read(err[0], ebuf + en, sizeof(ebuf) - 1 - en)) > 0)
		en += (size_t)r;
	obuf[on] = ebuf[en] = '\0';
	int status;
	waitpid(pid, &status, 0);
	uint64_t took = pqtun_now_ms() - t0;
	close(out[0]);
	close(err[0]);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 1)
		fail_msg("pqtun exchange (mode %d): status %d, stderr: %s", m, status, ebuf);
	assert_int_equal(on, 0);
	/* exactly one line on stderr */
	char *nl = strchr(ebuf, '\n');
	assert_non_null(nl);
	assert_int_equal(nl[1], '\0');
	if (!strstr(ebuf, needle))
		fail_msg("stderr '%s' lacks '%s'", ebuf, needle);
	if ((int)took > max_ms)
		fail_msg("took %llu ms (max %d)", (unsigned long long)took, max_ms);
}

static void test_rpc_status(void **state)
{
	(void)state;
	struct pqtun_exchange_result res;
	assert_int_equal(run_lib(M_STATUS, 0, 0, 3000, &res), PQTUN_EX_RPC_STATUS);
	assert_int_equal(res.rpc_status, 3);
	assert_string_equal(res.rpc_message, "bad key: rejected?"); /* decoded, newline neutralised */
	pqtun_exchange_result_clear(&res);
	/* The client lowered its MSS to 496 before connecting (§6): the
	 * server side of the connection sees at most that. */
	assert_true(last_peer_mss > 0 && last_peer_mss <= PQTUN_EXCHANGE_MSS);
	const char *x[] = { "--no-pq" };
	run_cli(M_STATUS, x, 1, port, "INVALID_ARGUMENT (3): bad key: rejected", 3000);
}

static void test_connect_failure(void **state)
{
	(void)state;
	/* A port nobody listens on. */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET };
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	bind(fd, (struct sockaddr *)&a, sizeof(a));
	socklen_t l = sizeof(a);
	getsockname(fd, (struct sockaddr *)&a, &l);
	uint16_t dead = ntohs(a.sin_port);
	close(fd);
	struct pqtun_exchange_options o = { .host = "127.0.0.1", .port = dead, .timeout_ms = 2000 };
	struct pqtun_exchange_result res;
	assert_int_equal(pqtun_exchange(&o, parent, eph, &res), PQTUN_EX_CONNECT);
	assert_non_null(strstr(res.rpc_message, "refused"));
	pqtun_exchange_result_clear(&res);
	const char *x[] = { "--no-pq" };
	run_cli(M_STATUS, x, 1, dead, "cannot connect", 2000);
}

static void test_timeout(void **state)
{
	(void)state;
	struct pqtun_exchange_result res;
	uint64_t t0 = pqtun_now_ms();
	assert_int_equal(run_lib(M_HANG, 0, 0, 400, &res), PQTUN_EX_TIMEOUT);
	uint64_t took = pqtun_now_ms() - t0;
	assert_true(took >= 390 && took < 1400);
	pqtun_exchange_result_clear(&res);
	const char *x[] = { "--no-pq", "--timeout", "0.5" };
	run_cli(M_HANG, x, 3, port, "timed out", 1500);
}

static void test_protocol_errors(void **state)
{
	(void)state;
	struct pqtun_exchange_result res;
	static const int modes[] = { M_GARBAGE, M_TRUNCATED, M_HTTP500, M_CORRUPT_PB };
	static const char *const why[] = { "HTTP/2", "truncated", "HTTP status 500", "malformed" };
	for (size_t i = 0; i < 4; i++) {
		int rc = run_lib(modes[i], 0, 1, 2000, &res);
		if (rc != PQTUN_EX_PROTOCOL)
			fail_msg("mode %d: %d (%s) instead of a protocol error", modes[i], rc, pqtun_exchange_strerror(rc));
		if (!strstr(res.rpc_message, why[i]))
			fail_msg("mode %d: detail '%s' lacks '%s'", modes[i], res.rpc_message, why[i]);
		pqtun_exchange_result_clear(&res);
		const char *x[] = { "--no-pq", "--daita" };
		run_cli(modes[i], x, 2, port, "protocol error", 2500);
	}
}

static void test_daita_errors(void **state)
{
	(void)state;
	struct pqtun_exchange_result res;
	assert_int_equal(run_lib(M_NO_DAITA, 0, 1, 2000, &res), PQTUN_EX_MISSING_DAITA);
	pqtun_exchange_result_clear(&res);
	assert_int_equal(run_lib(M_BAD_FRACTION, 0, 1, 2000, &res), PQTUN_EX_DAITA_FRACTION);
	pqtun_exchange_result_clear(&res);
	/* Without --daita the same answers are fine. */
	assert_int_equal(run_lib(M_NO_DAITA, 0, 0, 2000, &res), 0);
	assert_false(res.has_psk);
	pqtun_exchange_result_clear(&res);
	const char *x[] = { "--no-pq", "--daita" };
	run_cli(M_NO_DAITA, x, 2, port, "no DAITA settings", 2500);
	run_cli(M_BAD_FRACTION, x, 2, port, "outside 0..1", 2500);
}

static void test_ciphertext_errors(void **state)
{
	(void)state;
	if (!have_client_kems()) {
		printf("SKIP: ML-KEM-1024 and HQC-256 not both registered: ciphertext error cases not run\n");
		struct pqtun_exchange_result res;
		assert_int_equal(run_lib(M_NO_PQ, 1, 0, 2000, &res), PQTUN_EX_KEM_UNAVAILABLE);
		pqtun_exchange_result_clear(&res);
		return;
	}
	static const struct { int mode, err; const char *cli; } cases[] = {
		{ M_NO_PQ, PQTUN_EX_MISSING_CIPHERTEXTS, "no post-quantum ciphertexts" },
		{ M_COUNT, PQTUN_EX_CIPHERTEXT_COUNT, "wrong number of ciphertexts" },
		{ M_LENGTH, PQTUN_EX_CIPHERTEXT_LENGTH, "wrong length" },
		{ M_REJECT, PQTUN_EX_CIPHERTEXT_REJECTED, "rejected by its KEM" },
	};
	for (size_t i = 0; i < 4; i++) {
		struct pqtun_exchange_result res;
		int rc = run_lib(cases[i].mode, 1, 0, 3000, &res);
		if (rc != cases[i].err)
			fail_msg("mode %d: got %d (%s), want %d", cases[i].mode, rc, pqtun_exchange_strerror(rc), cases[i].err);
		static const uint8_t zero[32];
		assert_memory_equal(res.psk, zero, 32);
		pqtun_exchange_result_clear(&res);
		run_cli(cases[i].mode, NULL, 0, port, cases[i].cli, 3000);
	}
}

/* Run pqtun_exchange with the given KEM list against M_CUSTOM answering
 * ciphertexts of the given lengths; return its error. */
static int run_kems(const char *const *kems, size_t n_kems, const size_t *ct_lens, size_t n_cts)
{
	struct pqtun_exchange_result res;
	memcpy(custom_ct_lens, ct_lens, n_cts * sizeof(ct_lens[0]));
	custom_n = n_cts;
	mode = M_CUSTOM;
	struct pqtun_exchange_options o = { .host = "127.0.0.1", .port = port, .timeout_ms = 3000,
					    .post_quantum = 1, .kems = kems, .n_kems = n_kems };
	int rc = pqtun_exchange(&o, parent, eph, &res);
	static const uint8_t zero[32];
	if (rc != 0)
		assert_memory_equal(res.psk, zero, 32);
	pqtun_exchange_result_clear(&res);
	return rc;
}

/* The answer is checked against the KEMs that were asked for, in order:
 * count, and each ciphertext's length for its own KEM. */
static void test_ciphertext_sizes_follow_kem_list(void **state)
{
	(void)state;
	if (!pqtun_kem_find("Kyber1024") || !have_client_kems()) {
		printf("SKIP: Kyber1024, ML-KEM-1024 or HQC-256 not registered\n");
		return;
	}
	const char *kh[] = { "Kyber1024", "HQC-256" }, *hk[] = { "HQC-256", "Kyber1024" }, *h[] = { "HQC-256" };
	const char *k[] = { "Kyber1024" };
	const size_t kh_ok[] = { 1568, 14421 }, hk_ok[] = { 14421, 1568 }, kh_short[] = { 1568, 14420 };
	const size_t ky_long[] = { 1569 }, h_ok[] = { 14421 }, ky_ok[] = { 1568 };
	/* right sizes in the right order reach decapsulation: random HQC
	 * ciphertexts fail its re-encryption check */
	assert_int_equal(run_kems(kh, 2, kh_ok, 2), PQTUN_EX_CIPHERTEXT_REJECTED);
	assert_int_equal(run_kems(hk, 2, hk_ok, 2), PQTUN_EX_CIPHERTEXT_REJECTED);
	/* the same sizes in the other order are wrong */
	assert_int_equal(run_kems(kh, 2, hk_ok, 2), PQTUN_EX_CIPHERTEXT_LENGTH);
	assert_int_equal(run_kems(kh, 2, kh_short, 2), PQTUN_EX_CIPHERTEXT_LENGTH);
	assert_int_equal(run_kems(k, 1, ky_long, 1), PQTUN_EX_CIPHERTEXT_LENGTH);
	assert_int_equal(run_kems(h, 1, kh_ok, 2), PQTUN_EX_CIPHERTEXT_COUNT);
	assert_int_equal(run_kems(kh, 2, h_ok, 1), PQTUN_EX_CIPHERTEXT_COUNT);
	assert_int_equal(run_kems(h, 1, h_ok, 1), PQTUN_EX_CIPHERTEXT_REJECTED);
	/* Kyber rejects implicitly: a random ciphertext of the right size
	 * gives a (useless) PSK, as the protocol has it */
	assert_int_equal(run_kems(k, 1, ky_ok, 1), 0);
	const char *x[] = { "--kem", "HQC-256,Kyber1024" };
	memcpy(custom_ct_lens, kh_ok, sizeof(kh_ok));
	custom_n = 2;
	run_cli(M_CUSTOM, x, 2, port, "wrong length", 3000);
}

/* Bad KEM lists: refused by pqtun_exchange before any connection (the
 * server here would hang), with the reason from the checker. */
static void test_kem_list_rules(void **state)
{
	(void)state;
	char err[256];
	const char *names[PQTUN_EXCHANGE_MAX_KEMS];
	size_t n = 99;
	static const struct { const char *list; int rc; const char *why; } cases[] = {
		{ "", PQTUN_EX_INVALID_ARGUMENT, "empty KEM list" },
		{ " , ", PQTUN_EX_INVALID_ARGUMENT, "empty name" },
		{ "HQC-256,", PQTUN_EX_INVALID_ARGUMENT, "empty name" },
		{ "Kyber768", PQTUN_EX_INVALID_ARGUMENT, "unknown KEM 'Kyber768'" },
		{ "ML-KEM-1024,HQC-256,ML-KEM-1024", PQTUN_EX_INVALID_ARGUMENT, "'ML-KEM-1024' listed twice" },
		{ "ML-KEM-1024,Kyber1024", PQTUN_EX_INVALID_ARGUMENT, "must not be used together" },
		{ "a,b,c,d,e", PQTUN_EX_INVALID_ARGUMENT, "at most 4" },
		{ "Classic-McEliece-460896f-round3", PQTUN_EX_KEM_UNAVAILABLE,
		  "Classic-McEliece-460896f-round3 cannot be used by the client: key generation is not implemented" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = pqtun_exchange_parse_kems(cases[i].list, names, &n, err, sizeof(err));
		if (rc != cases[i].rc || !strstr(err, cases[i].why))
			fail_msg("'%s': %d '%s', want %d '%s'", cases[i].list, rc, err, cases[i].rc, cases[i].why);
		assert_int_equal(n, 0);
	}
	assert_int_equal(pqtun_exchange_parse_kems(" Kyber1024 ,HQC-256", names, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "Kyber1024");
	assert_string_equal(names[1], "HQC-256");
	/* a list given directly to pqtun_exchange gets the same checks */
	const char *dup[] = { "HQC-256", "HQC-256" }, *unk[] = { "X" }, *mce[] = { "Classic-McEliece-460896f-round3" };
	const char *five[] = { "HQC-256", "Kyber1024", "a", "b", "c" };
	struct { const char *const *k; size_t n; int rc; } direct[] = {
		{ dup, 2, PQTUN_EX_INVALID_ARGUMENT }, { unk, 1, PQTUN_EX_INVALID_ARGUMENT },
		{ mce, 1, PQTUN_EX_KEM_UNAVAILABLE }, { five, 5, PQTUN_EX_INVALID_ARGUMENT },
		{ dup, 0, PQTUN_EX_INVALID_ARGUMENT },
	};
	for (size_t i = 0; i < sizeof(direct) / sizeof(direct[0]); i++) {
		struct pqtun_exchange_options o = { .host = "127.0.0.1", .port = port, .timeout_ms = 3000,
						    .post_quantum = 1, .kems = direct[i].k, .n_kems = direct[i].n };
		struct pqtun_exchange_result res;
		mode = M_HANG;
		uint64_t t0 = pqtun_now_ms();
		assert_int_equal(pqtun_exchange(&o, parent, eph, &res), direct[i].rc);
		assert_true(pqtun_now_ms() - t0 < 1000);
		pqtun_exchange_result_clear(&res);
	}
}

static void test_all_errors_distinct(void **state)
{
	(void)state;
	/* Retry deadlines of §6: 8, 16, 32, 48, 48 s. */
	assert_int_equal(pqtun_exchange_timeout_ms(0), 8000);
	assert_int_equal(pqtun_exchange_timeout_ms(1), 16000);
	assert_int_equal(pqtun_exchange_timeout_ms(2), 32000);
	assert_int_equal(pqtun_exchange_timeout_ms(3), 48000);
	assert_int_equal(pqtun_exchange_timeout_ms(40), 48000);
	/* Every error has its own message. */
	for (int a = -15; a <= 0; a++)
		for (int b = a + 1; b <= 0; b++)
			assert_string_not_equal(pqtun_exchange_strerror(a), pqtun_exchange_strerror(b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rpc_status),
		cmocka_unit_test(test_connect_failure),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_protocol_errors),
		cmocka_unit_test(test_daita_errors),
		cmocka_unit_test(test_ciphertext_errors),
		cmocka_unit_test(test_ciphertext_sizes_follow_kem_list),
		cmocka_unit_test(test_kem_list_rules),
		cmocka_unit_test(test_all_errors_distinct),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
