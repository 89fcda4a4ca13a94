/* Kernel WireGuard netlink messages without a kernel module: set requests
 * are built (and split when large), parsed back with the get parser, and
 * constructed dump replies (peers split across messages, counters,
 * handshake times, malformed attributes) are parsed. Where the module exists
 * the real backend is exercised too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/wireguard.h>
#include <cmocka.h>

#include "wg/backend.h"
#include "wg/netlink_msg.h"

#define FAMILY 0x1d

static void fill_key(uint8_t k[32], uint32_t seed)
{
	for (int i = 0; i < 32; i++)
		k[i] = (uint8_t)(seed * 131 + (uint32_t)i * 7 + 1);
}

static struct pqtun_wg_device *make_device(size_t n_peers, size_t ips_per_peer)
{
	struct pqtun_wg_device *d = pqtun_wg_device_new("wgtest0");
	assert_non_null(d);
	d->flags = PQTUN_WGDEV_HAS_PRIVATE_KEY | PQTUN_WGDEV_HAS_LISTEN_PORT | PQTUN_WGDEV_HAS_FWMARK |
		   PQTUN_WGDEV_REPLACE_PEERS;
	fill_key(d->private_key, 999);
	d->listen_port = 51820;
	d->fwmark = 0xca6c;
	for (size_t i = 0; i < n_peers; i++) {
		struct pqtun_wg_peer *p = pqtun_wg_device_add_peer(d);
		assert_non_null(p);
		fill_key(p->public_key, (uint32_t)i + 1);
		p->flags = PQTUN_WGPEER_HAS_PUBLIC_KEY | PQTUN_WGPEER_REPLACE_ALLOWEDIPS | PQTUN_WGPEER_HAS_KEEPALIVE;
		p->persistent_keepalive = (uint16_t)(i % 60);
		if (i % 2 == 0) {
			p->flags |= PQTUN_WGPEER_HAS_PRESHARED_KEY;
			fill_key(p->preshared_key, (uint32_t)i + 5000);
		}
		if (i % 3 == 0) {
			p->flags |= PQTUN_WGPEER_HAS_ENDPOINT;
			p->endpoint.addr4.sin_family = AF_INET;
			p->endpoint.addr4.sin_port = htons((uint16_t)(1000 + i));
			p->endpoint.addr4.sin_addr.s_addr = htonl(0xc0000201u + (uint32_t)i);
		} else if (i % 3 == 1) {
			p->flags |= PQTUN_WGPEER_HAS_ENDPOINT;
			p->endpoint.addr6.sin6_family = AF_INET6;
			p->endpoint.addr6.sin6_port = htons(443);
			inet_pton(AF_INET6, "2001:db8::7", &p->endpoint.addr6.sin6_addr);
		}
		for (size_t j = 0; j < ips_per_peer; j++) {
			struct pqtun_cidr c = { 0 };
			if (j % 2 == 0) {
				c.family = AF_INET;
				uint32_t a = htonl(0x0a000000u + (uint32_t)(i << 12) + (uint32_t)j);
				memcpy(c.addr, &a, 4);
				c.prefix = 32;
			} else {
				c.family = AF_INET6;
				c.addr[0] = 0xfd;
				c.addr[14] = (uint8_t)i;
				c.addr[15] = (uint8_t)j;
				c.prefix = 128;
			}
			assert_int_equal(pqtun_wg_peer_add_allowed_ip(p, &c), 0);
		}
	}
	return d;
}

/* Parse every message of a batch into a fresh device. */
static struct pqtun_wg_device *parse_batch(const struct wgnl_batch *b)
{
	struct pqtun_wg_device *d = pqtun_wg_device_new("");
	assert_non_null(d);
	for (size_t i = 0; i < b->n; i++) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)b->msgs[i];
		assert_int_equal(nlh->nlmsg_len, b->lens[i]);
		assert_int_equal(nlh->nlmsg_type, FAMILY);
		assert_true(nlh->nlmsg_flags & NLM_F_ACK);
		const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
		assert_int_equal(g->cmd, WG_CMD_SET_DEVICE);
		assert_int_equal(wgnl_parse_get_msg(nlh, d), 0);
	}
	return d;
}

static void assert_same_device(const struct pqtun_wg_device *a, const struct pqtun_wg_device *b)
{
	assert_string_equal(a->name, b->name);
	assert_memory_equal(a->private_key, b->private_key, 32);
	assert_int_equal(a->listen_port, b->listen_port);
	assert_int_equal(a->fwmark, b->fwmark);
	assert_int_equal(a->n_peers, b->n_peers);
	for (size_t i = 0; i < a->n_peers; i++) {
		const struct pqtun_wg_peer *p = &a->peers[i], *q = &b->peers[i];
		assert_memory_equal(p->public_key, q->public_key, 32);
		assert_memory_equal(p->preshared_key, q->preshared_key, 32);
		assert_int_equal(p->flags & PQTUN_WGPEER_HAS_PRESHARED_KEY, q->flags & PQTUN_WGPEER_HAS_PRESHARED_KEY);
		assert_int_equal(p->endpoint.addr.sa_family, q->endpoint.addr.sa_family);
		if (p->endpoint.addr.sa_family == AF_INET)
			assert_memory_equal(&p->endpoint.addr4, &q->endpoint.addr4, sizeof(struct sockaddr_in));
		else if (p->endpoint.addr.sa_family == AF_INET6)
			assert_memory_equal(&p->endpoint.addr6, &q->endpoint.addr6, sizeof(struct sockaddr_in6));
		assert_int_equal(p->persistent_keepalive, q->persistent_keepalive);
		assert_int_equal(p->n_allowed_ips, q->n_allowed_ips);
		for (size_t j = 0; j < p->n_allowed_ips; j++)
			assert_true(pqtun_cidr_equal(&p->allowed_ips[j], &q->allowed_ips[j]));
	}
}

static void test_set_single_message(void **state)
{
	(void)state;
	struct pqtun_wg_device *d = make_device(3, 2);
	struct wgnl_batch b;
	assert_int_equal(wgnl_build_set(&b, FAMILY, 100, d, MNL_SOCKET_BUFFER_SIZE), 0);
	assert_int_equal(b.n, 1);
	assert_int_equal(((struct nlmsghdr *)b.msgs[0])->nlmsg_seq, 100);
	struct pqtun_wg_device *back = parse_batch(&b);
	assert_true(back->flags & PQTUN_WGDEV_REPLACE_PEERS);
	assert_true(back->peers[0].flags & PQTUN_WGPEER_REPLACE_ALLOWEDIPS);
	assert_same_device(d, back);
	pqtun_wg_device_free(back);
	wgnl_batch_free(&b);
	pqtun_wg_device_free(d);
}

/* Many peers and one peer with a huge allowed-IP list: split into several
 * messages, each within the limit, and nothing lost or duplicated; the
 * continuation of a split peer must not replace its allowed IPs again. */
static void test_set_split(void **state)
{
	(void)state;
	struct pqtun_wg_device *d = make_device(200, 5);
	struct pqtun_wg_peer *big = &d->peers[57];
	for (uint32_t j = 0; j < 1500; j++) {
		struct pqtun_cidr c = { .family = AF_INET, .prefix = 32 };
		uint32_t a = htonl(0xac100000u + j);
		memcpy(c.addr, &a, 4);
		assert_int_equal(pqtun_wg_peer_add_allowed_ip(big, &c), 0);
	}
	struct wgnl_batch b;
	size_t limits[] = { 512, 1024, MNL_SOCKET_BUFFER_SIZE };
	for (size_t l = 0; l < 3; l++) {
		assert_int_equal(wgnl_build_set(&b, FAMILY, 1, d, limits[l]), 0);
		assert_true(b.n > 1);
		int replace_seen_for_big = 0;
		for (size_t i = 0; i < b.n; i++) {
			assert_true(b.lens[i] <= limits[l]);
			assert_int_equal(((struct nlmsghdr *)b.msgs[i])->nlmsg_seq, 1 + i);
			/* device-wide settings only in the first message */
			struct pqtun_wg_device *one = pqtun_wg_device_new("");
			assert_int_equal(wgnl_parse_get_msg((struct nlmsghdr *)b.msgs[i], one), 0);
			assert_int_equal(!!(one->flags & PQTUN_WGDEV_HAS_PRIVATE_KEY), i == 0);
			assert_int_equal(!!(one->flags & PQTUN_WGDEV_REPLACE_PEERS), i == 0);
			struct pqtun_wg_peer *p = pqtun_wg_device_find_peer(one, big->public_key);
			if (p && (p->flags & PQTUN_WGPEER_REPLACE_ALLOWEDIPS))
				replace_seen_for_big++;
			pqtun_wg_device_free(one);
		}
		assert_int_equal(replace_seen_for_big, 1);
		struct pqtun_wg_device *back = parse_batch(&b);
		assert_same_device(d, back);
		pqtun_wg_device_free(back);
		wgnl_batch_free(&b);
	}
	assert_int_equal(wgnl_build_set(&b, FAMILY, 1, d, 100), -E2BIG);
	pqtun_wg_device_free(d);
}

static void test_set_remove_and_update_only(void **state)
{
	(void)state;
	struct pqtun_wg_device *d = pqtun_wg_device_new("wg1");
	struct pqtun_wg_peer *p = pqtun_wg_device_add_peer(d);
	fill_key(p->public_key, 1);
	p->flags = PQTUN_WGPEER_REMOVE_ME;
	p = pqtun_wg_device_add_peer(d);
	fill_key(p->public_key, 2);
	p->flags = PQTUN_WGPEER_UPDATE_ONLY | PQTUN_WGPEER_HAS_PRESHARED_KEY; /* zero PSK: remove it */
	struct wgnl_batch b;
	assert_int_equal(wgnl_build_set(&b, FAMILY, 7, d, MNL_SOCKET_BUFFER_SIZE), 0);
	struct pqtun_wg_device *back = parse_batch(&b);
	assert_int_equal(back->n_peers, 2);
	assert_true(back->peers[0].flags & PQTUN_WGPEER_REMOVE_ME);
	assert_true(back->peers[1].flags & PQTUN_WGPEER_UPDATE_ONLY);
	assert_true(back->peers[1].flags & PQTUN_WGPEER_HAS_PRESHARED_KEY);
	assert_false(pqtun_wg_peer_has_psk(&back->peers[1]));
	assert_false(back->flags & PQTUN_WGDEV_HAS_PRIVATE_KEY);
	pqtun_wg_device_free(back);
	wgnl_batch_free(&b);
	pqtun_wg_device_free(d);
}

/* ---- constructed dump replies, as the kernel sends them */

static struct nlmsghdr *reply_start(uint8_t *buf)
{
	memset(buf, 0, MNL_SOCKET_BUFFER_SIZE);
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = FAMILY;
	nlh->nlmsg_flags = NLM_F_MULTI;
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = WG_CMD_GET_DEVICE;
	g->version = 1;
	mnl_attr_put_u32(nlh, WGDEVICE_A_IFINDEX, 7);
	mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, "wg0");
	return nlh;
}

static void put_reply_peer(struct nlmsghdr *nlh, uint16_t idx, uint32_t seed, int full, uint32_t first_ip, int n_ips)
{
	struct nlattr *pn = mnl_attr_nest_start(nlh, idx);
	uint8_t k[32];
	fill_key(k, seed);
	mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, 32, k);
	if (full) {
		fill_key(k, seed + 77);
		mnl_attr_put(nlh, WGPEER_A_PRESHARED_KEY, 32, k);
		struct { int64_t s, ns; } ts = { 1700000000 + seed, 123456789 };
		mnl_attr_put(nlh, WGPEER_A_LAST_HANDSHAKE_TIME, sizeof(ts), &ts);
		mnl_attr_put_u64(nlh, WGPEER_A_RX_BYTES, 1000ull * seed);
		mnl_attr_put_u64(nlh, WGPEER_A_TX_BYTES, 2000ull * seed);
		mnl_attr_put_u16(nlh, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, 25);
		mnl_attr_put_u32(nlh, WGPEER_A_PROTOCOL_VERSION, 1);
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(51820) };
		sin.sin_addr.s_addr = htonl(0xc6336401u);
		mnl_attr_put(nlh, WGPEER_A_ENDPOINT, sizeof(sin), &sin);
	}
	if (n_ips) {
		struct nlattr *an = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);
		for (int j = 0; j < n_ips; j++) {
			struct nlattr *in = mnl_attr_nest_start(nlh, (uint16_t)j);
			uint32_t a = htonl(first_ip + (uint32_t)j);
			mnl_attr_put_u16(nlh, WGALLOWEDIP_A_FAMILY, AF_INET);
			mnl_attr_put(nlh, WGALLOWEDIP_A_IPADDR, 4, &a);
			mnl_attr_put_u8(nlh, WGALLOWEDIP_A_CIDR_MASK, 32);
			mnl_attr_nest_end(nlh, in);
		}
		mnl_attr_nest_end(nlh, an);
	}
	mnl_attr_nest_end(nlh, pn);
}

static void test_parse_dump_coalesces(void **state)
{
	(void)state;
	uint8_t *buf = malloc(MNL_SOCKET_BUFFER_SIZE);
	struct pqtun_wg_device *d = pqtun_wg_device_new("");
	/* message 1: device attrs, peer 1 complete, peer 2 with 3 IPs */
	struct nlmsghdr *nlh = reply_start(buf);
	uint8_t priv[32], pub[32];
	fill_key(priv, 11);
	fill_key(pub, 12);
	mnl_attr_put(nlh, WGDEVICE_A_PRIVATE_KEY, 32, priv);
	mnl_attr_put(nlh, WGDEVICE_A_PUBLIC_KEY, 32, pub);
	mnl_attr_put_u16(nlh, WGDEVICE_A_LISTEN_PORT, 51820);
	mnl_attr_put_u32(nlh, WGDEVICE_A_FWMARK, 51820);
	struct nlattr *peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	put_reply_peer(nlh, 0, 1, 1, 0x0a400002, 1);
	put_reply_peer(nlh, 1, 2, 1, 0x0a410000, 3);
	mnl_attr_nest_end(nlh, peers);
	assert_int_equal(wgnl_parse_get_msg(nlh, d), 0);
	/* message 2: peer 2 continued (only key + IPs), then peer 3 */
	nlh = reply_start(buf);
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	put_reply_peer(nlh, 0, 2, 0, 0x0a410003, 2);
	put_reply_peer(nlh, 1, 3, 1, 0x0a420000, 1);
	mnl_attr_nest_end(nlh, peers);
	assert_int_equal(wgnl_parse_get_msg(nlh, d), 0);

	assert_string_equal(d->name, "wg0");
	assert_int_equal(d->ifindex, 7);
	assert_memory_equal(d->private_key, priv, 32);
	assert_memory_equal(d->public_key, pub, 32);
	assert_int_equal(d->listen_port, 51820);
	assert_int_equal(d->n_peers, 3);
	assert_int_equal(d->peers[0].n_allowed_ips, 1);
	assert_int_equal(d->peers[1].n_allowed_ips, 5);
	uint32_t last;
	memcpy(&last, d->peers[1].allowed_ips[4].addr, 4);
	assert_int_equal(ntohl(last), 0x0a410004);
	assert_int_equal(d->peers[1].last_handshake_sec, 1700000002);
	assert_int_equal(d->peers[1].last_handshake_nsec, 123456789);
	assert_int_equal(d->peers[1].rx_bytes, 2000);
	assert_int_equal(d->peers[1].tx_bytes, 4000);
	assert_int_equal(d->peers[2].persistent_keepalive, 25);
	assert_true(pqtun_wg_peer_has_psk(&d->peers[2]));
	char ep[64];
	pqtun_wg_endpoint_format(ep, sizeof(ep), &d->peers[2].endpoint);
	assert_string_equal(ep, "198.51.100.1:51820");
	pqtun_wg_device_free(d);
	free(buf);
}

static void test_parse_malformed(void **state)
{
	(void)state;
	uint8_t *buf = malloc(MNL_SOCKET_BUFFER_SIZE);
	struct pqtun_wg_device *d;
	uint8_t k[31] = { 0 };

	/* short private key */
	d = pqtun_wg_device_new("");
	struct nlmsghdr *nlh = reply_start(buf);
	mnl_attr_put(nlh, WGDEVICE_A_PRIVATE_KEY, sizeof(k), k);
	assert_int_equal(wgnl_parse_get_msg(nlh, d), -EPROTO);
	pqtun_wg_device_free(d);

	/* peer without public key */
	d = pqtun_wg_device_new("");
	nlh = reply_start(buf);
	struct nlattr *peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	struct nlattr *pn = mnl_attr_nest_start(nlh, 0);
	mnl_attr_put_u16(nlh, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, 5);
	mnl_attr_nest_end(nlh, pn);
	mnl_attr_nest_end(nlh, peers);
	assert_int_equal(wgnl_parse_get_msg(nlh, d), -EPROTO);
	pqtun_wg_device_free(d);

	/* allowed IP with an IPv4 family and 16 address bytes, and mask 40 */
	for (int variant = 0; variant < 2; variant++) {
		d = pqtun_wg_device_new("");
		nlh = reply_start(buf);
		peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
		pn = mnl_attr_nest_start(nlh, 0);
		uint8_t pk[32];
		fill_key(pk, 1);
		mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, 32, pk);
		struct nlattr *an = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);
		struct nlattr *in = mnl_attr_nest_start(nlh, 0);
		uint8_t addr[16] = { 10 };
		mnl_attr_put_u16(nlh, WGALLOWEDIP_A_FAMILY, AF_INET);
		mnl_attr_put(nlh, WGALLOWEDIP_A_IPADDR, variant ? 4 : 16, addr);
		mnl_attr_put_u8(nlh, WGALLOWEDIP_A_CIDR_MASK, variant ? 40 : 8);
		mnl_attr_nest_end(nlh, in);
		mnl_attr_nest_end(nlh, an);
		mnl_attr_nest_end(nlh, pn);
		mnl_attr_nest_end(nlh, peers);
		assert_int_equal(wgnl_parse_get_msg(nlh, d), -EPROTO);
		pqtun_wg_device_free(d);
	}

	/* truncated: attribute length runs past the message */
	d = pqtun_wg_device_new("");
	nlh = reply_start(buf);
	nlh->nlmsg_len -= 2;
	assert_int_equal(wgnl_parse_get_msg(nlh, d), -EPROTO);
	pqtun_wg_device_free(d);
	free(buf);
}

/* Random corruption of a set request parsed as a reply: either parsed or
 * rejected, never a crash or an out-of-bounds read (ASan run). */
static void test_parse_corrupted(void **state)
{
	(void)state;
	struct pqtun_wg_device *d = make_device(5, 4);
	struct wgnl_batch b;
	assert_int_equal(wgnl_build_set(&b, FAMILY, 1, d, MNL_SOCKET_BUFFER_SIZE), 0);
	assert_int_equal(b.n, 1);
	size_t len = b.lens[0];
	uint8_t *copy = malloc(len);
	uint64_t x = 88172645463325252ull;
	int rejected = 0;
	for (int iter = 0; iter < 20000; iter++) {
		memcpy(copy, b.msgs[0], len);
		for (int e = 0; e < 1 + iter % 3; e++) {
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			size_t pos = NLMSG_HDRLEN + 4 + (size_t)(x % (len - NLMSG_HDRLEN - 4));
			copy[pos] = (uint8_t)(x >> 32);
		}
		struct pqtun_wg_device *out = pqtun_wg_device_new("");
		if (wgnl_parse_get_msg((struct nlmsghdr *)copy, out) != 0)
			rejected++;
		pqtun_wg_device_free(out);
	}
	assert_true(rejected > 0);
	free(copy);
	wgnl_batch_free(&b);
	pqtun_wg_device_free(d);
}

/* ---- framing of received bytes (nl_receive runs wgnl_run_reply) */

struct framing_ctx {
	struct pqtun_wg_device *dev;
	size_t buf_len; /* bytes the test's buffer really holds */
	int calls;
};

/* Counts the messages handed over and parses those that fit the buffer
 * (an oversized one is only counted, so that a missing check shows up as a
 * failed assertion rather than a read past the buffer). */
static int framing_cb(const struct nlmsghdr *nlh, void *data)
{
	struct framing_ctx *f = data;
	f->calls++;
	if (nlh->nlmsg_len > f->buf_len)
		return MNL_CB_ERROR;
	return wgnl_parse_get_msg(nlh, f->dev) == 0 ? MNL_CB_OK : MNL_CB_ERROR;
}

/* One dump message with a peer, followed by NLMSG_DONE; returns the total
 * length and the length of the first message. */
static size_t framing_reply(uint8_t *buf, size_t *first_len)
{
	struct nlmsghdr *nlh = reply_start(buf);
	struct nlattr *peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	put_reply_peer(nlh, 0, 5, 1, 0x0a000001, 2);
	mnl_attr_nest_end(nlh, peers);
	*first_len = nlh->nlmsg_len;
	struct nlmsghdr *done = mnl_nlmsg_put_header(buf + MNL_ALIGN(nlh->nlmsg_len));
	done->nlmsg_type = NLMSG_DONE;
	done->nlmsg_flags = NLM_F_MULTI;
	mnl_nlmsg_put_extra_header(done, sizeof(int32_t));
	return MNL_ALIGN(nlh->nlmsg_len) + done->nlmsg_len;
}

/* Runs wgnl_run_reply on n bytes of buf; returns its result, errno in *e. */
static int framing_run(const uint8_t *buf, size_t n, struct framing_ctx *f, int *e)
{
	f->dev = pqtun_wg_device_new("");
	assert_non_null(f->dev);
	f->buf_len = n;
	f->calls = 0;
	errno = 0;
	int r = wgnl_run_reply(buf, n, 0, 0, framing_cb, f);
	*e = errno;
	return r;
}

/* nlmsg_len of 2^31 or more, or more than was received, or less than a
 * header, or a truncated trailing message: rejected with EBADMSG before any
 * callback sees the message. Well-formed replies (also one whose last
 * message lacks its alignment padding) pass. */
static void test_reply_length_bounds(void **state)
{
	(void)state;
	uint8_t *buf = malloc(MNL_SOCKET_BUFFER_SIZE);
	assert_non_null(buf);
	struct framing_ctx f;
	size_t first, n;
	int e;

	/* well-formed: the peer parses and NLMSG_DONE stops */
	n = framing_reply(buf, &first);
	assert_int_equal(wgnl_check_lengths(buf, n), 0);
	assert_int_equal(framing_run(buf, n, &f, &e), MNL_CB_STOP);
	assert_int_equal(f.calls, 1);
	assert_int_equal(f.dev->n_peers, 1);
	assert_int_equal(f.dev->peers[0].n_allowed_ips, 2);
	pqtun_wg_device_free(f.dev);

	/* lengths libmnl would take as negative ints and accept */
	static const uint32_t huge[] = { 0x80000000u, 0x80000000u + 64, 0xfffffff0u, 0xffffffffu };
	for (size_t i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
		n = framing_reply(buf, &first);
		((struct nlmsghdr *)buf)->nlmsg_len = huge[i];
		assert_int_equal(wgnl_check_lengths(buf, n), -EBADMSG);
		assert_int_equal(framing_run(buf, n, &f, &e), MNL_CB_ERROR);
		assert_int_equal(e, EBADMSG);
		assert_int_equal(f.calls, 0);
		pqtun_wg_device_free(f.dev);
	}

	/* longer than received (libmnl alone stops silently and the receive
	 * loop would wait for bytes that never come) */
	n = framing_reply(buf, &first);
	((struct nlmsghdr *)buf)->nlmsg_len = (uint32_t)n + 4;
	assert_int_equal(framing_run(buf, n, &f, &e), MNL_CB_ERROR);
	assert_int_equal(e, EBADMSG);
	assert_int_equal(f.calls, 0);
	pqtun_wg_device_free(f.dev);

	/* shorter than a header */
	n = framing_reply(buf, &first);
	((struct nlmsghdr *)buf)->nlmsg_len = NLMSG_HDRLEN - 1;
	assert_int_equal(framing_run(buf, n, &f, &e), MNL_CB_ERROR);
	assert_int_equal(e, EBADMSG);
	assert_int_equal(f.calls, 0);
	pqtun_wg_device_free(f.dev);

	/* the second message cut inside its header, then inside its body */
	n = framing_reply(buf, &first);
	assert_int_equal(wgnl_check_lengths(buf, MNL_ALIGN(first) + 10), -EBADMSG);
	assert_int_equal(framing_run(buf, MNL_ALIGN(first) + 10, &f, &e), MNL_CB_ERROR);
	assert_int_equal(e, EBADMSG);
	assert_int_equal(f.calls, 0);
	pqtun_wg_device_free(f.dev);
	assert_int_equal(wgnl_check_lengths(buf, n - 2), -EBADMSG);

	/* the last message without alignment padding is fine */
	n = framing_reply(buf, &first);
	((struct nlmsghdr *)buf)->nlmsg_len = (uint32_t)first; /* unchanged */
	struct nlmsghdr *last = (struct nlmsghdr *)(buf + MNL_ALIGN(first));
	last->nlmsg_len += 3; /* 3 bytes of zero padding inside, none after */
	assert_int_equal(wgnl_check_lengths(buf, n + 3), 0);
	assert_int_equal(wgnl_check_lengths(buf, n + 2), -EBADMSG);

	/* nothing received */
	assert_int_equal(wgnl_check_lengths(buf, 0), -EBADMSG);
	free(buf);
}

/* Sorted lookups find every peer and nothing else. */
static void test_sorted_lookup(void **state)
{
	(void)state;
	struct pqtun_wg_device *d = make_device(250, 1), *ref = make_device(250, 1);
	pqtun_wg_device_sort_peers(d);
	for (size_t i = 1; i < d->n_peers; i++)
		assert_true(memcmp(d->peers[i - 1].public_key, d->peers[i].public_key, 32) < 0);
	for (size_t i = 0; i < ref->n_peers; i++) {
		struct pqtun_wg_peer *p = pqtun_wg_device_find_peer(d, ref->peers[i].public_key);
		assert_non_null(p);
		assert_int_equal(p->persistent_keepalive, ref->peers[i].persistent_keepalive);
	}
	uint8_t absent[32];
	memset(absent, 0xab, sizeof(absent));
	assert_null(pqtun_wg_device_find_peer(d, absent));
	assert_non_null(pqtun_wg_device_add_peer(d));
	assert_false(d->peers_sorted);
	pqtun_wg_device_free(d);
	pqtun_wg_device_free(ref);
}

static void test_get_request(void **state)
{
	(void)state;
	uint8_t buf[512];
	size_t n = wgnl_build_get(buf, sizeof(buf), FAMILY, 42, "wg0");
	assert_true(n > 0);
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	assert_int_equal(nlh->nlmsg_len, n);
	assert_true(nlh->nlmsg_flags & NLM_F_DUMP);
	assert_int_equal(nlh->nlmsg_seq, 42);
	struct pqtun_wg_device *d = pqtun_wg_device_new("");
	assert_int_equal(wgnl_parse_get_msg(nlh, d), 0);
	assert_string_equal(d->name, "wg0");
	pqtun_wg_device_free(d);
	assert_int_equal(wgnl_build_get(buf, 100, FAMILY, 1, "wg0"), 0);
}

/* The live backend: a clear error naming the interface here (no module),
 * a real round trip where kernel WireGuard exists. */
static void test_live_kernel(void **state)
{
	(void)state;
	char err[PQTUN_WG_ERRLEN];
	struct pqtun_wg_device *d;
	int rc = pqtun_wg_netlink_get("pqnl-none0", &d, err, sizeof(err));
	assert_true(rc < 0);
	assert_null(d);
	assert_non_null(strstr(err, "pqnl-none0"));
	if (rc == -EPROTONOSUPPORT) {
		printf("SKIP: kernel WireGuard module not available; live netlink round trip not run (%s)\n", err);
		return;
	}
	if (getuid() != 0) {
		printf("SKIP: live netlink round trip needs root\n");
		return;
	}
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "ip link add pqnl%d type wireguard 2>/dev/null", (int)getpid());
	if (system(cmd) != 0) {
		printf("SKIP: cannot create a kernel WireGuard interface\n");
		return;
	}
	struct pqtun_wg_device *set = make_device(40, 300);
	snprintf(set->name, sizeof(set->name), "pqnl%d", (int)getpid());
	rc = pqtun_wg_netlink_set(set, err, sizeof(err));
	if (rc == 0)
		rc = pqtun_wg_netlink_get(set->name, &d, err, sizeof(err));
	snprintf(cmd, sizeof(cmd), "ip link del %s", set->name);
	if (system(cmd) != 0)
		fprintf(stderr, "could not delete %s\n", set->name);
	if (rc != 0)
		fail_msg("%s", err);
	assert_int_equal(d->n_peers, 40);
	for (size_t i = 0; i < 40; i++) {
		struct pqtun_wg_peer *p = pqtun_wg_device_find_peer(d, set->peers[i].public_key);
		assert_non_null(p);
		assert_int_equal(p->n_allowed_ips, 300);
	}
	pqtun_wg_device_free(d);
	pqtun_wg_device_free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_single_message),
		cmocka_unit_test(test_set_split),
		cmocka_unit_test(test_set_remove_and_update_only),
		cmocka_unit_test(test_parse_dump_coalesces),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_parse_corrupted),
		cmocka_unit_test(test_reply_length_bounds),
		cmocka_unit_test(test_sorted_lookup),
		cmocka_unit_test(test_get_request),
		cmocka_unit_test(test_live_kernel),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
