/* pqtun bench exchange: load generator for a relay's config service.
 *
 * Sends N RegisterPeerV1 calls from C threads, each on its own connection
 * as real clients do, reusing one set of client KEM keys so that the client
 * side stays cheap. Reports exchanges/s, p50/p99 latency, the request and
 * response sizes (gRPC message and TCP payload), and — when it started the
 * relay itself (no --target) or is told its pid — the relay's CPU time per
 * exchange next to the pure KEM encapsulation cost measured here, and the
 * relay's memory before and after. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/commands.h"
#include "pqtun/exchange.h"
#include "pqtun/kem.h"
#include "proto/ephemeralpeer.pb-c.h"
#include "proto/grpc.h"
#include "proto/grpc_client.h"
#include "util/timeutil.h"

static void usage_bench_exchange(FILE *out)
{
	fprintf(out,
		"Usage: pqtun bench exchange [--count N] [--concurrency C] [--target HOST:PORT]\n"
		"                            [--relay-pid PID] [--workers W] [--no-pq]\n"
		"\n"
		"Load generator for the config service. Without --target it starts\n"
		"'pqtun serve' on a loopback port itself and measures that process's CPU\n"
		"time and memory; with --target give --relay-pid to get the relay's CPU\n"
		"time from /proc. One set of client KEM keys is reused for all calls.\n"
		"\n"
		"  -n, --count N        exchanges (default 1000)\n"
		"  -c, --concurrency C  parallel client threads (default 4)\n"
		"  -t, --target H:P     existing relay to load\n"
		"      --relay-pid PID  its process id (for CPU/memory figures)\n"
		"      --workers W      workers of the relay started here (default: one per CPU)\n"
		"      --no-pq          requests without KEM keys (protocol overhead only)\n"
		"      --mss N          client TCP MSS (default 496 as deployed clients; 0 = system default)\n");
}

struct bench {
	const char *host;
	uint16_t port;
	const uint8_t *frame;
	size_t frame_len;
	size_t count;
	int mss;                /* TCP_MAXSEG of the client sockets; 0 = system default */
	size_t next;            /* next exchange index (atomic) */
	uint64_t *latency_us;
	size_t failures;        /* atomic */
	size_t wire_sent, wire_received, response_len;
	char first_error[260];
	pthread_mutex_t lock;
};

static void *bench_thread(void *arg)
{
	struct bench *b = arg;
	for (;;) {
		size_t i = __atomic_fetch_add(&b->next, 1, __ATOMIC_RELAXED);
		if (i >= b->count)
			break;
		struct grpc_call_options o = {
			.host = b->host, .port = b->port, .path = GRPC_METHOD_PATH,
			.deadline_ms = pqtun_now_ms() + 30000, .max_response = 1 << 20,
			.mss = b->mss,
		};
		struct grpc_call_result res;
		uint64_t t0 = pqtun_now_ns();
		int rc = grpc_unary_call(&o, b->frame, b->frame_len, &res);
		b->latency_us[i] = (pqtun_now_ns() - t0) / 1000;
		if (rc != GRPC_CALL_OK || res.status != 0) {
			__atomic_fetch_add(&b->failures, 1, __ATOMIC_RELAXED);
			pthread_mutex_lock(&b->lock);
			if (!b->first_error[0])
				snprintf(b->first_error, sizeof(b->first_error), "%s",
					 rc != GRPC_CALL_OK ? res.detail : res.message);
			pthread_mutex_unlock(&b->lock);
		} else if (i == 0 || !b->wire_sent) {
			pthread_mutex_lock(&b->lock);
			b->wire_sent = res.wire_sent;
			b->wire_received = res.wire_received;
			b->response_len = res.response_len + GRPC_PREFIX_LEN;
			pthread_mutex_unlock(&b->lock);
		}
		grpc_call_result_free(&res);
	}
	return NULL;
}

/* Request frame with fresh client keys for the current KEMs (or none). */
static int build_frame(int pq, uint8_t **frame, size_t *len)
{
	static const char *const names[2] = { "ML-KEM-1024", "HQC-256" };
	uint8_t parent[32], eph[32];
	uint8_t *pk[2] = { 0 }, *sk[2] = { 0 };
	Ephemeralpeer__EphemeralPeerRequestV1 req = EPHEMERALPEER__EPHEMERAL_PEER_REQUEST_V1__INIT;
	Ephemeralpeer__PostQuantumRequestV1 pqr = EPHEMERALPEER__POST_QUANTUM_REQUEST_V1__INIT;
	Ephemeralpeer__KemPubkeyV1 kp[2], *kpp[2];
	int rc = -1;

	memset(parent, 0x42, sizeof(parent));
	memset(eph, 0x43, sizeof(eph));
	req.wg_parent_pubkey = (ProtobufCBinaryData){ 32, parent };
	req.wg_ephemeral_peer_pubkey = (ProtobufCBinaryData){ 32, eph };
	if (pq) {
		for (int i = 0; i < 2; i++) {
			const pqtun_kem *k = pqtun_kem_find(names[i]);
			if (!k) {
				fprintf(stderr, "pqtun bench exchange: %s is not available in this build\n", names[i]);
				goto out;
			}
			pk[i] = malloc(k->public_key_bytes);
			sk[i] = malloc(k->secret_key_bytes);
			if (!pk[i] || !sk[i] || k->keypair(pk[i], sk[i]) != 0)
				goto out;
			ephemeralpeer__kem_pubkey_v1__init(&kp[i]);
			kp[i].algorithm_name = (char *)names[i];
			kp[i].key_data = (ProtobufCBinaryData){ k->public_key_bytes, pk[i] };
			kpp[i] = &kp[i];
		}
		pqr.n_kem_pubkeys = 2;
		pqr.kem_pubkeys = kpp;
		req.post_quantum = &pqr;
	}
	size_t n = ephemeralpeer__ephemeral_peer_request_v1__get_packed_size(&req);
	*frame = malloc(GRPC_PREFIX_LEN + n);
	if (!*frame)
		goto out;
	grpc_frame_prefix(*frame, (uint32_t)n);
	ephemeralpeer__ephemeral_peer_request_v1__pack(&req, *frame + GRPC_PREFIX_LEN);
	*len = GRPC_PREFIX_LEN + n;
	rc = 0;
out:
	for (int i = 0; i < 2; i++) {
		free(pk[i]);
		free(sk[i]); /* a throwaway benchmark key: never used to decapsulate */
	}
	return rc;
}

/* Median time in µs of one encapsulation with a fresh key of kem. */
static double encaps_median_us(const pqtun_kem *k, int reps)
{
	uint8_t *pk = malloc(k->public_key_bytes), *sk = malloc(k->secret_key_bytes);
	uint8_t *ct = malloc(k->ciphertext_bytes), ss[128];
	double *t = calloc((size_t)reps, sizeof(double)), med = -1;
	if (pk && sk && ct && t && k->keypair(pk, sk) == 0) {
		for (int i = 0; i < reps; i++) {
			uint64_t t0 = pqtun_now_ns();
			k->encaps(ct, ss, pk);
			t[i] = (double)(pqtun_now_ns() - t0) / 1000.0;
		}
		for (int i = 1; i < reps; i++) /* insertion sort: reps is small */
			for (int j = i; j > 0 && t[j] < t[j - 1]; j--) {
				double x = t[j];
				t[j] = t[j - 1];
				t[j - 1] = x;
			}
		med = t[reps / 2];
	}
	free(pk);
	free(sk);
	free(ct);
	free(t);
	return med;
}

/* CPU seconds (user + system) of a process from /proc/PID/stat, and the
 * system part in *sys; -1 if unknown. */
static double proc_cpu_seconds(pid_t pid, double *sys)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	unsigned long ut, st;
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	*sys = (double)st / (double)sysconf(_SC_CLK_TCK);
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Resident set size of a process in KiB; -1 if unknown. */
static long proc_rss_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* Start `pqtun serve` on a loopback port with its stderr going to the
 * (unlinked) temporary file *log; returns its pid and port, or -1. */
static pid_t start_relay(unsigned workers, uint16_t *port, FILE **log)
{
	char path[] = "/tmp/pqtun-bench-relay-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	unlink(path);
	pid_t pid = fork();
	if (pid == 0) {
		char w[16];
		snprintf(w, sizeof(w), "%u", workers);
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 1);
		dup2(fd, 2);
		const char *argv[8] = { "pqtun", "serve", "--listen", "127.0.0.1:0", NULL, NULL, NULL, NULL };
		if (workers) {
			argv[4] = "--workers";
			argv[5] = w;
		}
		execv("/proc/self/exe", (char *const *)argv);
		_exit(127);
	}
	*log = fdopen(fd, "r");
	if (pid < 0 || !*log) {
		close(fd);
		return -1;
	}
	unsigned p = 0;
	char line[512];
	for (int tries = 0; tries < 100 && !p; tries++) {
		rewind(*log);
		while (fgets(line, sizeof(line), *log)) {
			char *s = strstr(line, "(port ");
			if (s && sscanf(s, "(port %u)", &p) == 1)
				break;
		}
		if (!p)
			usleep(20 * 1000);
	}
	*port = (uint16_t)p;
	if (!p) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		fclose(*log);
		*log = NULL;
		return -1;
	}
	return pid;
}

/* After the relay stopped: print its own CPU accounting line. */
static void report_relay_summary(FILE *log)
{
	char line[512];
	double cpu, sys, kem;
	rewind(log);
	while (fgets(line, sizeof(line), log)) {
		char *s = strstr(line, "; CPU ");
		if (s && sscanf(s, "; CPU %lf us/exchange (%lf system), KEM encaps %lf us/exchange", &cpu, &sys, &kem) == 3) {
			printf("relay (self):   CPU %.1f us/exchange over its lifetime (%.1f system), of which KEM encaps %.1f us\n",
			       cpu, sys, kem);
			if (kem > 0)
				printf("ratio (self):   relay CPU / its KEM encaps CPU = %.2f (target <= 1.3); user-space only: %.2f\n",
				       cpu / kem, (cpu - sys) / kem);
		}
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int bench_exchange_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "concurrency", required_argument, NULL, 'c' },
		{ "target", required_argument, NULL, 't' },
		{ "relay-pid", required_argument, NULL, 'p' },
		{ "workers", required_argument, NULL, 'w' },
		{ "no-pq", no_argument, NULL, 'Q' },
		{ "mss", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench b;
	memset(&b, 0, sizeof(b));
	b.mss = PQTUN_EXCHANGE_MSS;
	long count = 1000, conc = 4, workers = 0;
	pid_t relay_pid = 0;
	int pq = 1, own_relay = 0, opt;
	FILE *relay_log = NULL;
	char *target = NULL, *end;

	while ((opt = getopt_long(argc, argv, "n:c:t:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'n': count = strtol(optarg, &end, 10); if (*end || count < 1 || count > 100000000) return cli_usage_error("bench exchange", "invalid --count"); break;
		case 'c': conc = strtol(optarg, &end, 10); if (*end || conc < 1 || conc > 1024) return cli_usage_error("bench exchange", "invalid --concurrency (1..1024)"); break;
		case 't': target = optarg; break;
		case 'p': relay_pid = (pid_t)strtol(optarg, &end, 10); if (*end || relay_pid <= 0) return cli_usage_error("bench exchange", "invalid --relay-pid"); break;
		case 'w': workers = strtol(optarg, &end, 10); if (*end || workers < 1 || workers > 256) return cli_usage_error("bench exchange", "invalid --workers"); break;
		case 'Q': pq = 0; break;
		case 'M': b.mss = (int)strtol(optarg, &end, 10); if (*end || b.mss < 0 || b.mss > 65535) return cli_usage_error("bench exchange", "invalid --mss"); break;
		case 'h': usage_bench_exchange(stdout); return PQTUN_EXIT_OK;
		default: return cli_usage_error("bench exchange", "invalid option");
		}
	}
	if (optind != argc)
		return cli_usage_error("bench exchange", "unexpected argument '%s'", argv[optind]);

	char host[256];
	if (target) {
		char *colon = strrchr(target, ':');
		if (!colon || colon == target || (size_t)(colon - target) >= sizeof(host))
			return cli_usage_error("bench exchange", "--target must be HOST:PORT");
		long p = strtol(colon + 1, &end, 10);
		if (*end || p < 1 || p > 65535)
			return cli_usage_error("bench exchange", "--target must be HOST:PORT");
		memcpy(host, target[0] == '[' ? target + 1 : target, (size_t)(colon - target));
		host[colon - target - (target[0] == '[' ? 2 : 0)] = '\0';
		b.host = host;
		b.port = (uint16_t)p;
	} else {
		signal(SIGPIPE, SIG_IGN);
		relay_pid = start_relay((unsigned)workers, &b.port, &relay_log);
		if (relay_pid < 0)
			return cli_failure("bench exchange", "could not start 'pqtun serve'");
		own_relay = 1;
		b.host = "127.0.0.1";
	}

	uint8_t *frame = NULL;
	int ret = PQTUN_EXIT_FAILURE;
	pthread_t *threads = NULL;
	if (build_frame(pq, &frame, &b.frame_len) != 0) {
		cli_failure("bench exchange", "cannot build the request (KEM missing or key generation failed)");
		goto out;
	}
	b.frame = frame;
	b.count = (size_t)count;
	b.latency_us = calloc(b.count, sizeof(uint64_t));
	threads = calloc((size_t)conc, sizeof(pthread_t));
	pthread_mutex_init(&b.lock, NULL);
	if (!b.latency_us || !threads) {
		cli_failure("bench exchange", "out of memory");
		goto out;
	}

	/* Warm up (one exchange), then measure. */
	size_t saved_count = b.count;
	b.count = 1;
	bench_thread(&b);
	if (b.failures) {
		cli_failure("bench exchange", "exchange failed: %s", b.first_error);
		goto out;
	}
	b.count = saved_count;
	b.next = 0;
	long rss0 = relay_pid ? proc_rss_kib(relay_pid) : -1;
	double sys0 = 0, sys1 = 0;
	double cpu0 = relay_pid ? proc_cpu_seconds(relay_pid, &sys0) : -1;
	uint64_t t0 = pqtun_now_ns();
	long started = 0;
	for (long i = 0; i < conc; i++)
		if (pthread_create(&threads[i], NULL, bench_thread, &b) == 0)
			started++;
	for (long i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	double wall = (double)(pqtun_now_ns() - t0) / 1e9;
	double cpu1 = relay_pid ? proc_cpu_seconds(relay_pid, &sys1) : -1;
	long rss1 = relay_pid ? proc_rss_kib(relay_pid) : -1;

	qsort(b.latency_us, b.count, sizeof(uint64_t), cmp_u64);
	size_t ok = b.count - b.failures;
	printf("exchanges:      %zu ok, %zu failed (%s), concurrency %ld%s\n", ok, b.failures,
	       pq ? "ML-KEM-1024 + HQC-256" : "no PQ", conc, own_relay ? ", relay started here" : "");
	if (b.failures)
		printf("first error:    %s\n", b.first_error);
	printf("throughput:     %.1f exchanges/s (%.2f s)\n", (double)ok / wall, wall);
	printf("latency:        p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
	       (double)b.latency_us[b.count / 2] / 1000.0,
	       (double)b.latency_us[(b.count * 99) / 100 < b.count ? (b.count * 99) / 100 : b.count - 1] / 1000.0,
	       (double)b.latency_us[b.count - 1] / 1000.0);
	printf("request:        %zu B gRPC message (incl. 5-byte prefix), %zu B TCP payload per call\n",
	       b.frame_len, b.wire_sent);
	printf("response:       %zu B gRPC message (incl. 5-byte prefix), %zu B TCP payload per call\n",
	       b.response_len, b.wire_received);
	if (cpu0 >= 0 && cpu1 >= 0 && ok) {
		double per = (cpu1 - cpu0) / (double)b.count * 1e6;
		printf("relay CPU:      %.1f us per exchange (%.1f user + %.1f system; /proc, %.2f s total)\n", per,
		       (cpu1 - cpu0 - (sys1 - sys0)) / (double)b.count * 1e6, (sys1 - sys0) / (double)b.count * 1e6,
		       cpu1 - cpu0);
		if (pq) {
			const pqtun_kem *ml = pqtun_kem_find("ML-KEM-1024"), *hq = pqtun_kem_find("HQC-256");
			double e1 = encaps_median_us(ml, 101), e2 = encaps_median_us(hq, 101);
			printf("KEM encaps:     ML-KEM-1024 %.1f us + HQC-256 %.1f us = %.1f us (median of 101, this process)\n",
			       e1, e2, e1 + e2);
			printf("ratio:          relay CPU / encaps = %.2f (target <= 1.3)\n", per / (e1 + e2));
		}
	}
	if (rss0 > 0 && rss1 > 0)
		printf("relay memory:   RSS %ld KiB before, %ld KiB after\n", rss0, rss1);
	ret = b.failures ? PQTUN_EXIT_FAILURE : PQTUN_EXIT_OK;
out:
	if (own_relay) {
		kill(relay_pid, SIGTERM);
		waitpid(relay_pid, NULL, 0);
		if (ret == PQTUN_EXIT_OK && pq)
			report_relay_summary(relay_log);
		fclose(relay_log);
	}
	free(threads);
	free(b.latency_us);
	free(frame);
	return ret;
}
