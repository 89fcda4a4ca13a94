/* Test peer for the fuzz targets that drive code which talks over a socket
 * (the gRPC client, the UAPI client): a thread that accepts one connection
 * per fuzz input, writes that input's reply bytes, closes its write side and
 * reads until the other side closes. Header-only: each fuzz target is a
 * single translation unit.
 *
 * Usage: support_server_start_tcp() or support_server_start_unix(path)
 * once, then per input support_server_set_reply(bytes) before starting the
 * client, and support_server_wait() after it returned. */
#ifndef PQTUN_FUZZ_SUPPORT_SERVER_H
#define PQTUN_FUZZ_SUPPORT_SERVER_H

#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

struct support_server {
	int listen_fd;
	uint16_t port;                 /* TCP only */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint8_t *reply;                /* bytes for the next connection */
	size_t reply_len;
	unsigned long served;          /* connections completed */
	size_t received;               /* bytes read on the last connection */
};

static struct support_server support_srv = {
	.listen_fd = -1,
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
};

/* Write all of p (blocking); gives up when the peer is gone. */
static void support_write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void *support_server_main(void *arg)
{
	(void)arg;
	for (;;) {
		int fd = accept(support_srv.listen_fd, NULL, NULL);
		if (fd < 0)
			continue;
		pthread_mutex_lock(&support_srv.lock);
		size_t n = support_srv.reply_len;
		uint8_t *copy = malloc(n ? n : 1);
		if (copy && n)
			memcpy(copy, support_srv.reply, n);
		pthread_mutex_unlock(&support_srv.lock);
		if (copy)
			support_write_all(fd, copy, n);
		free(copy);
		shutdown(fd, SHUT_WR);
		/* Drain until the client closes (bounded: 10 s without data). */
		uint8_t buf[16384];
		size_t got = 0;
		for (;;) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			if (poll(&p, 1, 10000) <= 0)
				break;
			ssize_t r = recv(fd, buf, sizeof(buf), 0);
			if (r <= 0)
				break;
			got += (size_t)r;
		}
		struct linger lg = { 1, 0 }; /* no TIME_WAIT: thousands of inputs a second */
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(fd);
		pthread_mutex_lock(&support_srv.lock);
		support_srv.received = got;
		support_srv.served++;
		pthread_cond_broadcast(&support_srv.cond);
		pthread_mutex_unlock(&support_srv.lock);
	}
	return NULL;
}

static void support_server_run_thread(void)
{
	pthread_t t;
	if (listen(support_srv.listen_fd, 16) != 0 ||
	    pthread_create(&t, NULL, support_server_main, NULL) != 0) {
		perror("support_server");
		abort();
	}
	pthread_detach(t);
}

/* Listen on 127.0.0.1 on a free port (support_srv.port). */
static inline void support_server_start_tcp(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sin);
	support_srv.listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (support_srv.listen_fd < 0 || bind(support_srv.listen_fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    getsockname(support_srv.listen_fd, (struct sockaddr *)&sin, &sl) != 0) {
		perror("support_server: tcp");
		abort();
	}
	support_srv.port = ntohs(sin.sin_port);
	support_server_run_thread();
}

/* Listen on the UNIX socket path (replaced if it exists). */
static inline void support_server_start_unix(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	unlink(path);
	support_srv.listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (support_srv.listen_fd < 0 || bind(support_srv.listen_fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		perror("support_server: unix");
		abort();
	}
	support_server_run_thread();
}

/* Bytes the next accepted connection gets (copied). Returns the number of
 * connections served so far, to pass to support_server_wait. */
static unsigned long support_server_set_reply(const uint8_t *data, size_t len)
{
	pthread_mutex_lock(&support_srv.lock);
	free(support_srv.reply);
	support_srv.reply = malloc(len ? len : 1);
	if (!support_srv.reply)
		abort();
	if (len)
		memcpy(support_srv.reply, data, len);
	support_srv.reply_len = len;
	unsigned long served = support_srv.served;
	pthread_mutex_unlock(&support_srv.lock);
	return served;
}

/* Wait until the connection after `served` is finished (the client closed
 * its end), so inputs never overlap. */
static void support_server_wait(unsigned long served)
{
	pthread_mutex_lock(&support_srv.lock);
	while (support_srv.served == served)
		pthread_cond_wait(&support_srv.cond, &support_srv.lock);
	pthread_mutex_unlock(&support_srv.lock);
}

#endif
