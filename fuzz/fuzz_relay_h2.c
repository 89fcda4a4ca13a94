/* Fuzz target: the relay's HTTP/2 server (nghttp2 session, gRPC stream
 * handling, timeouts) fed bytes exactly as a client socket would deliver
 * them. The relay runs in this process on 127.0.0.1 with short timeouts;
 * each input is one TCP connection: write the input, half-close, read
 * everything the relay answers.
 *
 * Checks: the relay greets every connection with its SETTINGS frame (what
 * it sends starts with a well-formed SETTINGS frame on stream 0), and it
 * closes every connection well within its read timeout whatever the client
 * sent (a connection still open after 5 s is reported as a hang). The
 * relay's own sanitizer-checked code must not crash or leak meanwhile. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pqtun/exchange.h"
#include "util/log.h"
#include "util/timeutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define CHECK(x) do { if (!(x)) { fprintf(stderr, "check failed: %s\n", #x); abort(); } } while (0)
#define HANG_MS 5000

static struct pqtun_relay *relay;
static struct pqtun_relay_config cfg;
static uint16_t relay_port;

static void *relay_main(void *arg)
{
	(void)arg;
	pqtun_relay_run(relay);
	return NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	pqtun_log_set_level(PQTUN_LOG_ERROR);
	cfg.listen = "127.0.0.1:0";
	cfg.workers = 1;
	cfg.max_connections = 64;
	cfg.max_streams = 8;
	cfg.max_message_size = 65536;
	cfg.read_timeout_ms = 1500;
	cfg.idle_timeout_ms = 3000;
	if (pqtun_relay_create(&relay, &cfg) != 0) {
		fprintf(stderr, "fuzz_relay_h2: cannot start the relay\n");
		abort();
	}
	relay_port = pqtun_relay_port(relay);
	pthread_t t;
	if (pthread_create(&t, NULL, relay_main, NULL) != 0)
		abort();
	pthread_detach(t);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(relay_port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	uint8_t head[64], buf[16384];
	size_t head_len = 0, off = 0;
	int eof = 0, reset = 0;

	/* Thousands of connections a second, each leaving a TIME_WAIT: spread
	 * them over local addresses 127.0.0.2-251 so that local ports never run
	 * out, and retry a connect that finds none free for a moment. */
	static unsigned next_local;
	int fd = -1;
	for (int attempt = 0; attempt < 200 && fd < 0; attempt++) {
		struct sockaddr_in local = { .sin_family = AF_INET,
					     .sin_addr.s_addr = htonl(0x7f000002u + next_local++ % 250) };
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		CHECK(fd >= 0);
		if (bind(fd, (struct sockaddr *)&local, sizeof(local)) != 0 ||
		    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
			CHECK(errno == EADDRNOTAVAIL || errno == EAGAIN || errno == EINTR);
			close(fd);
			fd = -1;
			usleep(10000);
		}
	}
	CHECK(fd >= 0);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	if (size == 0)
		shutdown(fd, SHUT_WR);
	uint64_t deadline = pqtun_now_ms() + HANG_MS;
	while (!eof && !reset) {
		int ms = pqtun_ms_until(deadline);
		if (ms <= 0) {
			fprintf(stderr, "relay kept the connection open for %d ms after the client "
				"half-closed it (%zu input bytes)\n", HANG_MS, size);
			abort();
		}
		struct pollfd p = { .fd = fd, .events = POLLIN | (off < size ? POLLOUT : 0) };
		if (poll(&p, 1, ms) < 0)
			continue;
		if ((p.revents & POLLOUT) && off < size) {
			ssize_t w = send(fd, data + off, size - off, MSG_NOSIGNAL);
			if (w > 0) {
				off += (size_t)w;
				if (off == size)
					shutdown(fd, SHUT_WR);
			} else if (w < 0 && errno != EAGAIN && errno != EINTR) {
				reset = 1; /* the relay closed on us: fine */
			}
		}
		if (p.revents & (POLLIN | POLLERR | POLLHUP)) {
			ssize_t r = recv(fd, buf, sizeof(buf), 0);
			if (r > 0) {
				size_t take = (size_t)r < sizeof(head) - head_len ? (size_t)r : sizeof(head) - head_len;
				memcpy(head + head_len, buf, take);
				head_len += take;
			} else if (r == 0) {
				eof = 1;
			} else if (errno != EAGAIN && errno != EINTR) {
				reset = 1;
			}
		}
	}
	close(fd);
	if (eof) {
		/* Server connection preface: a SETTINGS frame on stream 0. */
		CHECK(head_len >= 9);
		uint32_t len = ((uint32_t)head[0] << 16) | ((uint32_t)head[1] << 8) | head[2];
		CHECK(head[3] == 0x4);          /* SETTINGS */
		CHECK(head[4] == 0);            /* not an ACK */
		CHECK(head[5] == 0 && head[6] == 0 && head[7] == 0 && head[8] == 0);
		CHECK(len % 6 == 0 && len > 0); /* the relay always announces its limits */
	}
	return 0;
}
