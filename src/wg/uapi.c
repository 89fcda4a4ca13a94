/* Userspace WireGuard over the cross-platform UAPI: a stream UNIX socket
 * /var/run/wireguard/<iface>.sock speaking "key=value" lines. A get is
 * "get=1\n\n", answered by the device and peer lines and "errno=N\n\n"; a set
 * is "set=1\n" plus lines and an empty line, answered by "errno=N\n\n". Keys
 * are hex. Buffers that carry keys are wiped. */
#include "wg/backend.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "pqtun/wgkey.h"
#include "util/encoding.h"
#include "util/mem.h"
#include "wg/endpoint.h"

#define UAPI_TIMEOUT_S 5
#define UAPI_MAX_REPLY (64u << 20)

/* A growable byte buffer that is wiped whenever it is released. */
struct sbuf {
	char *p;
	size_t len, cap;
	int oom;
};

/* Make room for more bytes plus a NUL; sets oom on failure. Old storage is wiped. */
static void sbuf_reserve(struct sbuf *b, size_t more)
{
	if (b->oom || b->len + more + 1 <= b->cap)
		return;
	size_t ncap = b->cap ? b->cap : 1024;
	while (ncap < b->len + more + 1)
		ncap *= 2;
	char *n = malloc(ncap);
	if (!n) {
		b->oom = 1;
		return;
	}
	if (b->p) {
		memcpy(n, b->p, b->len);
		pqtun_memzero(b->p, b->cap);
		free(b->p);
	}
	b->p = n;
	b->cap = ncap;
}

__attribute__((format(printf, 2, 3)))
static void sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	char tmp[256];
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		b->oom = 1;
	} else {
		sbuf_reserve(b, (size_t)n);
		if (!b->oom) {
			memcpy(b->p + b->len, tmp, (size_t)n);
			b->len += (size_t)n;
			b->p[b->len] = '\0';
		}
	}
	pqtun_memzero(tmp, sizeof(tmp));
}

/* Wipe and free the buffer. */
static void sbuf_free(struct sbuf *b)
{
	if (b->p) {
		pqtun_memzero(b->p, b->cap);
		free(b->p);
	}
	memset(b, 0, sizeof(*b));
}

static pqtun_wg_uapi_connector uapi_connector;
static void *uapi_connector_ctx;

void pqtun_wg_uapi_set_connector(pqtun_wg_uapi_connector fn, void *ctx)
{
	uapi_connector_ctx = ctx;
	uapi_connector = fn;
}

/* Send and receive timeouts on a UAPI connection. */
static void uapi_set_timeouts(int fd)
{
	struct timeval tv = { .tv_sec = UAPI_TIMEOUT_S };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Connect to the UNIX socket at path ourselves. fd, or a negative errno. */
static int uapi_open(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	uapi_set_timeouts(fd);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

/* Connect to the interface's UAPI socket (through the connector if one is
 * set) with send/receive timeouts. fd, or a negative errno with err set. */
static int uapi_connect(const char *ifname, char *err, size_t errlen)
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	snprintf(path, sizeof(path), "%s/%s.sock", PQTUN_WG_UAPI_DIR, ifname);
	int fd = uapi_connector ? uapi_connector(uapi_connector_ctx, path) : uapi_open(path);
	if (fd >= 0) {
		uapi_set_timeouts(fd);
		return fd;
	}
	if (fd == -ENOENT)
		snprintf(err, errlen, "%s: no such userspace WireGuard interface (%s missing)", ifname, path);
	else if (fd == -ECONNREFUSED)
		snprintf(err, errlen, "%s: userspace WireGuard is not running (stale socket %s)", ifname, path);
	else
		snprintf(err, errlen, "%s: cannot connect to %s: %s", ifname, path, strerror(-fd));
	return fd;
}

/* Send all n bytes. 0 or a negative errno. */
static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EPIPE;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read until the reply ends with an empty line ("\n\n"). */
static int read_reply(int fd, struct sbuf *b)
{
	char tmp[4096];
	for (;;) {
		ssize_t r = recv(fd, tmp, sizeof(tmp), 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno == EAGAIN ? ETIMEDOUT : errno;
			pqtun_memzero(tmp, sizeof(tmp));
			return -e;
		}
		if (r == 0)
			break;
		sbuf_reserve(b, (size_t)r);
		if (b->oom || b->len + (size_t)r > UAPI_MAX_REPLY) {
			pqtun_memzero(tmp, sizeof(tmp));
			return -ENOMEM;
		}
		memcpy(b->p + b->len, tmp, (size_t)r);
		b->len += (size_t)r;
		b->p[b->len] = '\0';
		if (b->len >= 2 && b->p[b->len - 1] == '\n' && b->p[b->len - 2] == '\n')
			break;
		if (b->len == 1 && b->p[0] == '\n')
			break;
	}
	pqtun_memzero(tmp, sizeof(tmp));
	return 0;
}

/* Unsigned decimal <= max. 0 or -1. */
static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		unsigned d = (unsigned)(*s - '0');
		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* Parse one get reply into dev. Returns 0, the device's errno (negative),
 * or -EPROTO for a malformed reply (line number in *bad_line). */
static int parse_get_reply(struct pqtun_wg_device *dev, char *text, unsigned *bad_line, int *got_errno)
{
	struct pqtun_wg_peer *peer = NULL;
	unsigned line = 0;
	char *save = NULL;
	*got_errno = 0;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		line++;
		*bad_line = line;
		char *eq = strchr(l, '=');
		if (!eq)
			return -EPROTO;
		*eq = '\0';
		const char *k = l, *v = eq + 1;
		uint64_t n;
		if (!strcmp(k, "errno")) {
			if (*v == '-') /* wireguard-go sends negative values */
				v++;
			if (parse_u64(v, 0x7fffffff, &n) != 0)
				return -EPROTO;
			*got_errno = 1;
			return n ? -(int)n : 0;
		} else if (!strcmp(k, "private_key")) {
			if (pqtun_key_from_hex(dev->private_key, v) != 0)
				return -EPROTO;
			dev->flags |= PQTUN_WGDEV_HAS_PRIVATE_KEY;
			if (pqtun_wg_pubkey(dev->public_key, dev->private_key) == 0)
				dev->flags |= PQTUN_WGDEV_HAS_PUBLIC_KEY;
		} else if (!strcmp(k, "listen_port")) {
			if (parse_u64(v, 65535, &n) != 0)
				return -EPROTO;
			dev->listen_port = (uint16_t)n;
			dev->flags |= PQTUN_WGDEV_HAS_LISTEN_PORT;
		} else if (!strcmp(k, "fwmark")) {
			if (parse_u64(v, 0xffffffffu, &n) != 0)
				return -EPROTO;
			dev->fwmark = (uint32_t)n;
			dev->flags |= PQTUN_WGDEV_HAS_FWMARK;
		} else if (!strcmp(k, "public_key")) {
			peer = pqtun_wg_device_add_peer(dev);
			if (!peer)
				return -ENOMEM;
			if (pqtun_key_from_hex(peer->public_key, v) != 0)
				return -EPROTO;
			peer->flags |= PQTUN_WGPEER_HAS_PUBLIC_KEY;
		} else if (!peer) {
			continue; /* unknown device-level key: ignore for compatibility */
		} else if (!strcmp(k, "preshared_key")) {
			if (pqtun_key_from_hex(peer->preshared_key, v) != 0)
				return -EPROTO;
			peer->flags |= PQTUN_WGPEER_HAS_PRESHARED_KEY;
		} else if (!strcmp(k, "endpoint")) {
			if (pqtun_wg_endpoint_parse_numeric(&peer->endpoint, v) != 0)
				return -EPROTO;
			peer->flags |= PQTUN_WGPEER_HAS_ENDPOINT;
		} else if (!strcmp(k, "last_handshake_time_sec")) {
			if (parse_u64(v, INT64_MAX, &n) != 0)
				return -EPROTO;
			peer->last_handshake_sec = (int64_t)n;
		} else if (!strcmp(k, "last_handshake_time_nsec")) {
			if (parse_u64(v, 999999999, &n) != 0)
				return -EPROTO;
			peer->last_handshake_nsec = (int64_t)n;
		} else if (!strcmp(k, "rx_bytes")) {
			if (parse_u64(v, UINT64_MAX, &peer->rx_bytes) != 0)
				return -EPROTO;
		} else if (!strcmp(k, "tx_bytes")) {
			if (parse_u64(v, UINT64_MAX, &peer->tx_bytes) != 0)
				return -EPROTO;
		} else if (!strcmp(k, "persistent_keepalive_interval")) {
			if (parse_u64(v, 65535, &n) != 0)
				return -EPROTO;
			peer->persistent_keepalive = (uint16_t)n;
			peer->flags |= PQTUN_WGPEER_HAS_KEEPALIVE;
		} else if (!strcmp(k, "allowed_ip")) {
			struct pqtun_cidr c;
			if (pqtun_cidr_parse(&c, v) != 0)
				return -EPROTO;
			if (pqtun_wg_peer_add_allowed_ip(peer, &c) != 0)
				return -ENOMEM;
		}
		/* other keys (protocol_version, future ones) are ignored */
	}
	return -EPROTO; /* no errno line */
}

int pqtun_wg_uapi_get(const char *ifname, struct pqtun_wg_device **out, char *err, size_t errlen)
{
	struct sbuf reply = { 0 };
	*out = NULL;
	if (!pqtun_wg_ifname_ok(ifname)) {
		snprintf(err, errlen, "'%s' is not a valid interface name", ifname ? ifname : "");
		return -EINVAL;
	}
	int fd = uapi_connect(ifname, err, errlen);
	if (fd < 0)
		return fd;
	static const char req[] = "get=1\n\n";
	int rc = write_all(fd, req, sizeof(req) - 1);
	if (rc == 0)
		rc = read_reply(fd, &reply);
	close(fd);
	if (rc != 0) {
		snprintf(err, errlen, "%s: UAPI get failed: %s", ifname, strerror(-rc));
		sbuf_free(&reply);
		return rc;
	}
	struct pqtun_wg_device *dev = pqtun_wg_device_new(ifname);
	if (!dev) {
		sbuf_free(&reply);
		snprintf(err, errlen, "%s: out of memory", ifname);
		return -ENOMEM;
	}
	unsigned bad_line = 0;
	int got_errno = 0;
	rc = reply.len ? parse_get_reply(dev, reply.p, &bad_line, &got_errno) : -EPROTO;
	sbuf_free(&reply);
	if (rc != 0) {
		if (got_errno)
			snprintf(err, errlen, "%s: userspace WireGuard refused get: %s", ifname, strerror(-rc));
		else if (rc == -ENOMEM)
			snprintf(err, errlen, "%s: out of memory", ifname);
		else
			snprintf(err, errlen, "%s: malformed UAPI reply (line %u)", ifname, bad_line);
		pqtun_wg_device_free(dev);
		return rc;
	}
	*out = dev;
	return 0;
}

/* Append "name=<hex key>\n", wiping the temporary hex. */
static void put_key(struct sbuf *b, const char *name, const uint8_t key[PQTUN_WG_KEY])
{
	char hex[PQTUN_KEY_HEX_LEN + 1];
	pqtun_key_to_hex(hex, key);
	sbuf_printf(b, "%s=%s\n", name, hex);
	pqtun_memzero(hex, sizeof(hex));
}

/* Build the set request text for dev. */
static void build_set(struct sbuf *b, const struct pqtun_wg_device *dev)
{
	sbuf_printf(b, "set=1\n");
	if (dev->flags & PQTUN_WGDEV_HAS_PRIVATE_KEY)
		put_key(b, "private_key", dev->private_key);
	if (dev->flags & PQTUN_WGDEV_HAS_LISTEN_PORT)
		sbuf_printf(b, "listen_port=%u\n", (unsigned)dev->listen_port);
	if (dev->flags & PQTUN_WGDEV_HAS_FWMARK)
		sbuf_printf(b, "fwmark=%u\n", (unsigned)dev->fwmark);
	if (dev->flags & PQTUN_WGDEV_REPLACE_PEERS)
		sbuf_printf(b, "replace_peers=true\n");
	for (size_t i = 0; i < dev->n_peers; i++) {
		const struct pqtun_wg_peer *p = &dev->peers[i];
		put_key(b, "public_key", p->public_key);
		if (p->flags & PQTUN_WGPEER_REMOVE_ME) {
			sbuf_printf(b, "remove=true\n");
			continue;
		}
		if (p->flags & PQTUN_WGPEER_UPDATE_ONLY)
			sbuf_printf(b, "update_only=true\n");
		if (p->flags & PQTUN_WGPEER_HAS_PRESHARED_KEY)
			put_key(b, "preshared_key", p->preshared_key);
		if ((p->flags & PQTUN_WGPEER_HAS_ENDPOINT) && p->endpoint.addr.sa_family) {
			char ep[INET6_ADDRSTRLEN + 16];
			pqtun_wg_endpoint_format(ep, sizeof(ep), &p->endpoint);
			sbuf_printf(b, "endpoint=%s\n", ep);
		}
		if (p->flags & PQTUN_WGPEER_HAS_KEEPALIVE)
			sbuf_printf(b, "persistent_keepalive_interval=%u\n", (unsigned)p->persistent_keepalive);
		if (p->flags & PQTUN_WGPEER_REPLACE_ALLOWEDIPS)
			sbuf_printf(b, "replace_allowed_ips=true\n");
		for (size_t j = 0; j < p->n_allowed_ips; j++) {
			char c[PQTUN_CIDR_STRLEN];
			pqtun_cidr_format(c, sizeof(c), &p->allowed_ips[j]);
			sbuf_printf(b, "allowed_ip=%s\n", c);
		}
	}
	sbuf_printf(b, "\n");
}

int pqtun_wg_uapi_set(const struct pqtun_wg_device *dev, char *err, size_t errlen)
{
	struct sbuf req = { 0 }, reply = { 0 };
	if (!pqtun_wg_ifname_ok(dev->name)) {
		snprintf(err, errlen, "'%s' is not a valid interface name", dev->name);
		return -EINVAL;
	}
	build_set(&req, dev);
	if (req.oom) {
		sbuf_free(&req);
		snprintf(err, errlen, "%s: out of memory", dev->name);
		return -ENOMEM;
	}
	int fd = uapi_connect(dev->name, err, errlen);
	if (fd < 0) {
		sbuf_free(&req);
		return fd;
	}
	int rc = write_all(fd, req.p, req.len);
	sbuf_free(&req);
	if (rc == 0)
		rc = read_reply(fd, &reply);
	close(fd);
	if (rc != 0) {
		snprintf(err, errlen, "%s: UAPI set failed: %s", dev->name, strerror(-rc));
		sbuf_free(&reply);
		return rc;
	}
	uint64_t e = 0;
	int ok = reply.len > 7 && !strncmp(reply.p, "errno=", 6);
	if (ok) {
		char *nl = strchr(reply.p, '\n');
		if (nl)
			*nl = '\0';
		const char *num = reply.p + 6;
		if (*num == '-') /* wireguard-go sends negative values */
			num++;
		ok = parse_u64(num, 0x7fffffff, &e) == 0;
	}
	sbuf_free(&reply);
	if (!ok) {
		snprintf(err, errlen, "%s: malformed UAPI reply to set", dev->name);
		return -EPROTO;
	}
	if (e) {
		snprintf(err, errlen, "%s: userspace WireGuard rejected the configuration: %s (errno %llu)",
			 dev->name, strerror((int)e), (unsigned long long)e);
		return -(int)e;
	}
	return 0;
}
