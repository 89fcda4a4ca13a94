/* Load and attack generator for a running relay (`pqtun serve`), driven by
 * tests/test_load_relay.sh. Loopback only; every phase is bounded in count
 * and time.
 *
 *   load_relay attack --port P --relay-pid PID [--conns N] [--honest K]
 *                     [--read-timeout S] [--idle-timeout S] [--vanish N]
 *     1. K honest exchanges (pqtun_exchange, post-quantum) unloaded;
 *     2. N hostile connections, evenly of six kinds: silent, one byte a
 *        second, truncated gRPC message, oversized length prefix, random
 *        bytes, complete request for a bogus path; while they are open,
 *        K honest exchanges again (each must succeed);
 *     3. every hostile connection must be closed by the relay within its
 *        timeout (read timeout; idle timeout for the bogus-path one, which
 *        completed a request) plus slack;
 *     4. clients that vanish (RST) mid-request and mid-response;
 *     5. the relay's open descriptors return to the starting count.
 *   load_relay soak --port P --relay-pid PID --count N
 *     N honest exchanges (a fixed valid request: the relay does all its
 *     work, the client skips key generation), sampling the relay's RSS and
 *     descriptors; fails if they keep growing.
 *
 * Prints figures as "key: value" lines; exit 0 pass, 1 fail, 2 usage. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nghttp2/nghttp2.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <dirent.h>
#include <unistd.h>

#include "pqtun/exchange.h"
#include "pqtun/kem.h"
#include "proto/ephemeralpeer.pb-c.h"
#include "proto/grpc.h"
#include "proto/grpc_client.h"
#include "util/log.h"
#include "util/timeutil.h"

static uint16_t port;
static int relay_pid;

/* ------------------------------------------------------------ relay figures */

/* A "Vm...: N kB" field of the relay's /proc status in KiB, or -1. */
static long relay_status_kib(const char *field)
{
	char path[64], line[256], fmt[32];
	long kib = -1;
	snprintf(fmt, sizeof(fmt), "%s: %%ld kB", field);
	snprintf(path, sizeof(path), "/proc/%d/status", relay_pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, fmt, &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* Current resident set of the relay in KiB, or -1. */
static long relay_rss_kib(void)
{
	return relay_status_kib("VmRSS");
}

/* Number of open descriptors of the relay, or -1. */
static long relay_fds(void)
{
	char path[64];
	long n = 0;
	snprintf(path, sizeof(path), "/proc/%d/fd", relay_pid);
	DIR *d = opendir(path);
	if (!d)
		return -1;
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* ------------------------------------------------------------ requests */

/* A valid RegisterPeerV1 request frame (prefix + message) with fresh
 * ML-KEM-1024 and HQC-256 keys (the secret keys are dropped: nobody
 * decapsulates these). */
static uint8_t *valid_request(size_t *len)
{
	static const char *const names[2] = { "ML-KEM-1024", "HQC-256" };
	uint8_t *pk[2] = { NULL, NULL }, parent[32], eph[32];
	Ephemeralpeer__KemPubkeyV1 kp[2], *kpp[2];
	Ephemeralpeer__PostQuantumRequestV1 pq = EPHEMERALPEER__POST_QUANTUM_REQUEST_V1__INIT;
	Ephemeralpeer__EphemeralPeerRequestV1 req = EPHEMERALPEER__EPHEMERAL_PEER_REQUEST_V1__INIT;

	memset(parent, 0x51, sizeof(parent));
	memset(eph, 0x52, sizeof(eph));
	for (int i = 0; i < 2; i++) {
		const pqtun_kem *k = pqtun_kem_find(names[i]);
		if (!k)
			return NULL;
		uint8_t *sk = malloc(k->secret_key_bytes);
		pk[i] = malloc(k->public_key_bytes);
		if (!sk || !pk[i] || k->keypair(pk[i], sk) != 0)
			return NULL;
		free(sk);
		ephemeralpeer__kem_pubkey_v1__init(&kp[i]);
		kp[i].algorithm_name = (char *)(uintptr_t)names[i];
		kp[i].key_data.data = pk[i];
		kp[i].key_data.len = k->public_key_bytes;
		kpp[i] = &kp[i];
	}
	pq.n_kem_pubkeys = 2;
	pq.kem_pubkeys = kpp;
	req.wg_parent_pubkey.data = parent;
	req.wg_parent_pubkey.len = 32;
	req.wg_ephemeral_peer_pubkey.data = eph;
	req.wg_ephemeral_peer_pubkey.len = 32;
	req.post_quantum = &pq;
	size_t n = ephemeralpeer__ephemeral_peer_request_v1__get_packed_size(&req);
	uint8_t *frame = malloc(GRPC_PREFIX_LEN + n);
	if (!frame)
		return NULL;
	grpc_frame_prefix(frame, (uint32_t)n);
	ephemeralpeer__ephemeral_peer_request_v1__pack(&req, frame + GRPC_PREFIX_LEN);
	*len = GRPC_PREFIX_LEN + n;
	free(pk[0]);
	free(pk[1]);
	return frame;
}

struct bytes {
	uint8_t *p;
	size_t len;
};

static void bytes_put(struct bytes *b, const void *d, size_t n)
{
	uint8_t *np = realloc(b->p, b->len + n);
	if (!np)
		abort();
	b->p = np;
	memcpy(b->p + b->len, d, n);
	b->len += n;
}

static void frame_hdr(struct bytes *b, size_t len, uint8_t type, uint8_t flags, uint32_t stream)
{
	uint8_t h[9] = { (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len, type, flags,
			 (uint8_t)(stream >> 24), (uint8_t)(stream >> 16), (uint8_t)(stream >> 8),
			 (uint8_t)stream };
	bytes_put(b, h, 9);
}

#define NV(n, v) { (uint8_t *)(n), (uint8_t *)(v), strlen(n), strlen(v), NGHTTP2_NV_FLAG_NONE }

/* What an h2c gRPC client sends: preface, SETTINGS, HEADERS for path on
 * stream 1, then body in DATA frames; END_STREAM on the last one if
 * end_stream. */
static struct bytes h2_request(const char *path, const uint8_t *body, size_t body_len, int end_stream)
{
	static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
	struct bytes b = { NULL, 0 };
	uint8_t block[1024];
	nghttp2_hd_deflater *d;
	bytes_put(&b, preface, sizeof(preface) - 1);
	frame_hdr(&b, 0, 0x4, 0, 0);
	if (nghttp2_hd_deflate_new(&d, 4096) != 0)
		abort();
	const nghttp2_nv hdrs[] = {
		NV(":method", "POST"), NV(":scheme", "http"), NV(":path", path),
		NV(":authority", "127.0.0.1"), NV("content-type", "application/grpc"), NV("te", "trailers"),
	};
	ssize_t n = nghttp2_hd_deflate_hd(d, block, sizeof(block), hdrs, sizeof(hdrs) / sizeof(hdrs[0]));
	nghttp2_hd_deflate_del(d);
	if (n <= 0)
		abort();
	frame_hdr(&b, (size_t)n, 0x1, 0x4 | (body_len == 0 && end_stream ? 0x1 : 0), 1);
	bytes_put(&b, block, (size_t)n);
	for (size_t off = 0; off < body_len;) {
		size_t c = body_len - off < 16384 ? body_len - off : 16384;
		frame_hdr(&b, c, 0x0, (off + c == body_len && end_stream) ? 0x1 : 0, 1);
		bytes_put(&b, body + off, c);
		off += c;
	}
	return b;
}

/* ------------------------------------------------------------ honest */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Run k post-quantum exchanges; latencies (ms) into lat[]. Returns the
 * number that failed. */
static int honest_round(int k, uint64_t *lat)
{
	uint8_t parent[32], eph[32];
	int failed = 0;
	memset(parent, 0x61, sizeof(parent));
	memset(eph, 0x62, sizeof(eph));
	for (int i = 0; i < k; i++) {
		struct pqtun_exchange_options o = { .host = "127.0.0.1", .port = port, .timeout_ms = 20000,
						    .post_quantum = 1 };
		struct pqtun_exchange_result r;
		uint64_t t0 = pqtun_now_ns();
		int rc = pqtun_exchange(&o, parent, eph, &r);
		lat[i] = (pqtun_now_ns() - t0) / 1000; /* microseconds */
		if (rc != 0 || !r.has_psk) {
			fprintf(stderr, "load_relay: honest exchange failed: %s (%s)\n",
				pqtun_exchange_strerror(rc), r.rpc_message);
			failed++;
		}
		pqtun_exchange_result_clear(&r);
	}
	return failed;
}

static uint64_t median_us(uint64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_u64);
	return v[n / 2];
}

/* ------------------------------------------------------------ hostile */

enum kind { K_SILENT, K_SLOW, K_TRUNCATED, K_OVERSIZED, K_RANDOM, K_BOGUS_PATH, K_COUNT };
static const char *const kind_names[K_COUNT] = {
	"silent", "one_byte_per_second", "truncated_message", "oversized_prefix", "random_bytes", "bogus_path",
};

struct hostile {
	int fd;
	enum kind kind;
	uint64_t opened_ms, closed_ms;
	size_t slow_off;
	uint64_t slow_next_ms;
};

static int connect_loopback(int rcvbuf)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (rcvbuf)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void send_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* Close with RST (the client vanishes without a FIN). */
static void vanish(int fd)
{
	struct linger l = { 1, 0 };
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

/* Read whatever is there; returns 1 if the relay closed the connection. */
static int drain_closed(int fd)
{
	uint8_t buf[4096];
	for (;;) {
		ssize_t r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (r > 0)
			continue;
		if (r == 0)
			return 1;
		return !(errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
	}
}

static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int cmd_attack(int conns, int honest, double read_to, double idle_to, int vanishers)
{
	int fail = 0;
	size_t req_len;
	uint8_t *req = valid_request(&req_len);
	if (!req) {
		fprintf(stderr, "load_relay: cannot build a request (KEMs missing?)\n");
		return 1;
	}
	struct bytes valid = h2_request(GRPC_METHOD_PATH, req, req_len, 1);
	struct bytes bogus = h2_request("/not.a.Service/Nothing", req, 64, 1);
	struct bytes truncated = h2_request(GRPC_METHOD_PATH, req, 200, 0); /* prefix says ~8.9 KB */
	uint8_t huge[5 + 64] = { 0, 0xff, 0xff, 0xff, 0xff };
	memset(huge + 5, 0x41, 64);
	struct bytes oversized = h2_request(GRPC_METHOD_PATH, huge, sizeof(huge), 0);
	uint8_t noise[512];
	uint32_t x = 0x12345678;
	for (size_t i = 0; i < sizeof(noise); i++) {
		x = x * 1103515245u + 12345u;
		noise[i] = (uint8_t)(x >> 16);
	}

	/* 1. unloaded */
	long fds0 = relay_fds(), rss0 = relay_rss_kib();
	uint64_t *lat = calloc((size_t)honest, sizeof(*lat));
	honest_round(1, lat); /* warm up */
	fail |= honest_round(honest, lat) != 0;
	uint64_t unloaded = median_us(lat, honest);
	printf("relay_fds_start: %ld\nrelay_rss_kib_start: %ld\n", fds0, rss0);
	printf("honest_unloaded_median_ms: %.1f\n", unloaded / 1000.0);

	/* 2. hostile connections */
	struct hostile *h = calloc((size_t)conns, sizeof(*h));
	int opened = 0, refused = 0;
	uint64_t t_open = pqtun_now_ms();
	for (int i = 0; i < conns; i++) {
		h[i].kind = (enum kind)(i % K_COUNT);
		h[i].fd = connect_loopback(0);
		if (h[i].fd < 0) {
			refused++;
			continue;
		}
		opened++;
		h[i].opened_ms = pqtun_now_ms();
		switch (h[i].kind) {
		case K_SILENT: break;
		case K_SLOW: h[i].slow_next_ms = h[i].opened_ms; break;
		case K_TRUNCATED: send_all(h[i].fd, truncated.p, truncated.len); break;
		case K_OVERSIZED: send_all(h[i].fd, oversized.p, oversized.len); break;
		case K_RANDOM: send_all(h[i].fd, noise, sizeof(noise)); break;
		case K_BOGUS_PATH: send_all(h[i].fd, bogus.p, bogus.len); break;
		default: break;
		}
		fcntl(h[i].fd, F_SETFL, O_NONBLOCK);
	}
	uint64_t t_opened = pqtun_now_ms();
	long rss_attack = relay_rss_kib(), fds_attack = relay_fds();
	printf("hostile_connections_opened: %d (refused %d) in %llu ms\n", opened, refused,
	       (unsigned long long)(t_opened - t_open));
	printf("relay_fds_under_attack: %ld\nrelay_rss_kib_under_attack: %ld\n", fds_attack, rss_attack);
	if (refused)
		fail = 1;

	/* Service the hostile side between honest exchanges until all closed
	 * or the bound passed. */
	double bound_s = (read_to > idle_to ? read_to : idle_to) + 3.0;
	uint64_t end = t_opened + (uint64_t)(bound_s * 1000);
	int honest_done = 0, honest_failed = 0, open_left = opened;
	uint64_t *lat2 = calloc((size_t)honest, sizeof(*lat2));
	while (open_left > 0 && pqtun_now_ms() < end) {
		uint64_t now = pqtun_now_ms();
		for (int i = 0; i < conns; i++) {
			struct hostile *c = &h[i];
			if (c->fd < 0 || c->closed_ms)
				continue;
			if (c->kind == K_SLOW && now >= c->slow_next_ms && c->slow_off < valid.len) {
				if (send(c->fd, valid.p + c->slow_off, 1, MSG_NOSIGNAL) == 1)
					c->slow_off++;
				c->slow_next_ms = now + 1000;
			}
			if (drain_closed(c->fd)) {
				c->closed_ms = pqtun_now_ms();
				close(c->fd);
				c->fd = -1;
				open_left--;
			}
		}
		if (honest_done < honest) {
			honest_failed += honest_round(1, &lat2[honest_done]);
			honest_done++;
		} else {
			poll(NULL, 0, 20);
		}
	}
	if (honest_done < honest) { /* all closed early: finish the honest round */
		honest_failed += honest_round(honest - honest_done, &lat2[honest_done]);
		honest_done = honest;
	}
	uint64_t loaded = median_us(lat2, honest);
	printf("honest_under_attack: %d/%d ok, median_ms: %.1f, max_ms: %.1f (unloaded median %.1f)\n",
	       honest - honest_failed, honest, loaded / 1000.0, lat2[honest - 1] / 1000.0, unloaded / 1000.0);
	if (honest_failed)
		fail = 1;
	/* 2x the unloaded median, plus 10 ms for the noise of a shared machine. */
	if (loaded > 2 * unloaded + 10000) {
		fprintf(stderr, "load_relay: honest latency under attack %.1f ms > 2 x %.1f ms\n",
			loaded / 1000.0, unloaded / 1000.0);
		fail = 1;
	}
	for (int k = 0; k < K_COUNT; k++) {
		uint64_t worst = 0;
		int n = 0, still_open = 0;
		for (int i = 0; i < conns; i++) {
			if (h[i].kind != (enum kind)k || !h[i].opened_ms)
				continue;
			n++;
			if (!h[i].closed_ms) {
				still_open++;
				continue;
			}
			if (h[i].closed_ms - h[i].opened_ms > worst)
				worst = h[i].closed_ms - h[i].opened_ms;
		}
		double limit = (k == K_BOGUS_PATH ? idle_to : read_to) + 2.0;
		printf("closed_by_relay %-20s %d/%d, slowest after %.1f s (timeout %.1f s)\n", kind_names[k],
		       n - still_open, n, worst / 1000.0, k == K_BOGUS_PATH ? idle_to : read_to);
		if (still_open || worst > (uint64_t)(limit * 1000))
			fail = 1;
	}
	for (int i = 0; i < conns; i++)
		if (h[i].fd >= 0)
			close(h[i].fd);

	/* 4. clients that vanish mid-request and mid-response */
	int vanished_req = 0, vanished_resp = 0;
	for (int i = 0; i < vanishers; i++) {
		int fd = connect_loopback(0);
		if (fd < 0)
			continue;
		send_all(fd, valid.p, valid.len / 2);
		vanish(fd);
		vanished_req++;
	}
	for (int i = 0; i < vanishers; i++) {
		int fd = connect_loopback(4096); /* small buffer: the response cannot all land */
		if (fd < 0)
			continue;
		send_all(fd, valid.p, valid.len);
		/* Wait for the first bytes of the answer beyond the SETTINGS. */
		size_t got = 0;
		uint8_t buf[512];
		uint64_t until = pqtun_now_ms() + 5000;
		while (got < 200 && pqtun_now_ms() < until) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			if (poll(&p, 1, 100) <= 0)
				continue;
			ssize_t r = recv(fd, buf, sizeof(buf), 0);
			if (r <= 0)
				break;
			got += (size_t)r;
		}
		vanish(fd);
		vanished_resp++;
	}
	/* The relay must still serve. */
	uint64_t one;
	int after_fail = honest_round(1, &one);
	printf("vanished_mid_request: %d\nvanished_mid_response: %d\nhonest_after_vanishers: %s (%.1f ms)\n",
	       vanished_req, vanished_resp, after_fail ? "FAILED" : "ok", one / 1000.0);
	fail |= after_fail != 0;

	/* 5. descriptors back to the start (allow the relay a moment). */
	long fds_end = -1;
	for (int i = 0; i < 50; i++) {
		fds_end = relay_fds();
		if (fds_end <= fds0)
			break;
		poll(NULL, 0, 100);
	}
	long rss_end = relay_rss_kib();
	long rss_peak = relay_status_kib("VmHWM");
	printf("relay_fds_end: %ld (start %ld)\nrelay_rss_kib_end: %ld (start %ld, under attack %ld, peak %ld)\n",
	       fds_end, fds0, rss_end, rss0, rss_attack, rss_peak);
	if (fds_end > fds0) {
		fprintf(stderr, "load_relay: relay holds %ld descriptors, %ld at the start\n", fds_end, fds0);
		fail = 1;
	}
	/* Bounded memory: 1000 connections may cost a few MB, not hundreds. */
	if (rss_end > rss0 + 64 * 1024 || rss_peak > rss0 + 128 * 1024) {
		fprintf(stderr, "load_relay: relay RSS grew from %ld to %ld KiB\n", rss0, rss_end);
		fail = 1;
	}
	free(h);
	free(lat);
	free(lat2);
	free(valid.p);
	free(bogus.p);
	free(truncated.p);
	free(oversized.p);
	free(req);
	return fail;
}

static int cmd_soak(long count)
{
	size_t req_len;
	uint8_t *req = valid_request(&req_len);
	long failed = 0;
	if (!req)
		return 1;
	long fds0 = relay_fds(), rss0 = relay_rss_kib();
	long rss_tenth = -1, fds_tenth = -1;
	uint64_t t0 = pqtun_now_ms();
	printf("soak_start: fds %ld rss_kib %ld\n", fds0, rss0);
	for (long i = 1; i <= count; i++) {
		struct grpc_call_options o = {
			.host = "127.0.0.1", .port = port, .path = GRPC_METHOD_PATH,
			.deadline_ms = pqtun_now_ms() + 20000, .max_response = 1 << 20,
		};
		struct grpc_call_result r;
		int rc = grpc_unary_call(&o, req, req_len, &r);
		if (rc != GRPC_CALL_OK || r.status != 0 || r.response_len < 1568 + 14421) {
			if (failed++ < 5)
				fprintf(stderr, "load_relay: soak exchange %ld failed: rc %d status %d %s%s\n", i, rc,
					r.status, r.message, r.detail);
		}
		grpc_call_result_free(&r);
		if (i % (count / 10 ? count / 10 : 1) == 0) {
			long rss = relay_rss_kib(), fds = relay_fds();
			printf("soak_progress: %ld exchanges, %.0f s, fds %ld, rss_kib %ld\n", i,
			       (pqtun_now_ms() - t0) / 1000.0, fds, rss);
			fflush(stdout);
			if (rss_tenth < 0) {
				rss_tenth = rss;
				fds_tenth = fds;
			}
		}
	}
	long rss_end = relay_rss_kib(), fds_end = relay_fds();
	double secs = (pqtun_now_ms() - t0) / 1000.0;
	printf("soak_done: %ld exchanges (%ld failed) in %.0f s (%.0f/s); fds %ld -> %ld; rss_kib %ld -> %ld "
	       "(after the first tenth %ld)\n", count, failed, secs, count / secs, fds0, fds_end, rss0, rss_end,
	       rss_tenth);
	free(req);
	/* No growth: descriptors back to the start; RSS after the warm-up
	 * (first tenth) may not grow by more than 8 MiB over the rest. */
	if (failed || fds_end > fds0 || (rss_tenth >= 0 && rss_end > rss_tenth + 8 * 1024))
		return 1;
	(void)fds_tenth;
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: load_relay attack --port P --relay-pid PID [--conns N] [--honest K]\n"
			"                         [--read-timeout S] [--idle-timeout S] [--vanish N]\n"
			"       load_relay soak --port P --relay-pid PID --count N\n");
}

int main(int argc, char **argv)
{
	int conns = 1000, honest = 7, vanishers = 20;
	long count = 1000;
	double read_to = 2, idle_to = 3;
	if (argc < 2) {
		usage();
		return 2;
	}
	for (int i = 2; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];
		if (!strcmp(k, "--port"))
			port = (uint16_t)atoi(v);
		else if (!strcmp(k, "--relay-pid"))
			relay_pid = atoi(v);
		else if (!strcmp(k, "--conns"))
			conns = atoi(v);
		else if (!strcmp(k, "--honest"))
			honest = atoi(v);
		else if (!strcmp(k, "--vanish"))
			vanishers = atoi(v);
		else if (!strcmp(k, "--count"))
			count = atol(v);
		else if (!strcmp(k, "--read-timeout"))
			read_to = atof(v);
		else if (!strcmp(k, "--idle-timeout"))
			idle_to = atof(v);
		else {
			usage();
			return 2;
		}
	}
	if (!port || relay_pid <= 0 || conns < K_COUNT || honest < 1 || count < 1) {
		usage();
		return 2;
	}
	pqtun_log_set_level(PQTUN_LOG_ERROR);
	raise_fd_limit();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "attack"))
		return cmd_attack(conns, honest, read_to, idle_to, vanishers);
	if (!strcmp(argv[1], "soak"))
		return cmd_soak(count);
	usage();
	return 2;
}
