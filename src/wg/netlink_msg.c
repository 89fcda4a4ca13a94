#include "wg/netlink_msg.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/wireguard.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/mem.h"

size_t wgnl_build_get(void *buf, size_t buflen, uint16_t family, uint32_t seq, const char *ifname)
{
	if (buflen < 256)
		return 0;
	memset(buf, 0, buflen);
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = WG_CMD_GET_DEVICE;
	g->version = WG_GENL_VERSION;
	if (!mnl_attr_put_strz_check(nlh, buflen, WGDEVICE_A_IFNAME, ifname))
		return 0;
	return nlh->nlmsg_len;
}

/* ---------------------------------------------------------------- set */

/* Append a finished message to the batch. 0 or -ENOMEM. */
static int batch_push(struct wgnl_batch *b, uint8_t *msg, size_t len)
{
	uint8_t **m = realloc(b->msgs, (b->n + 1) * sizeof(*m));
	if (!m)
		return -ENOMEM;
	b->msgs = m;
	size_t *l = realloc(b->lens, (b->n + 1) * sizeof(*l));
	if (!l)
		return -ENOMEM;
	b->lens = l;
	b->msgs[b->n] = msg;
	b->lens[b->n] = len;
	b->n++;
	return 0;
}

void wgnl_batch_free(struct wgnl_batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		pqtun_memzero(b->msgs[i], b->lens[i]);
		free(b->msgs[i]);
	}
	free(b->msgs);
	free(b->lens);
	memset(b, 0, sizeof(*b));
}

/* Put one allowed-IP nest if it fits in max bytes; 1 if put, 0 if not. */
static int put_allowed_ip(struct nlmsghdr *nlh, size_t max, uint16_t idx, const struct pqtun_cidr *c)
{
	struct nlattr *n = mnl_attr_nest_start_check(nlh, max, idx);
	if (!n)
		return 0;
	if (!mnl_attr_put_u16_check(nlh, max, WGALLOWEDIP_A_FAMILY, (uint16_t)c->family) ||
	    !mnl_attr_put_check(nlh, max, WGALLOWEDIP_A_IPADDR, c->family == AF_INET ? 4 : 16, c->addr) ||
	    !mnl_attr_put_u8_check(nlh, max, WGALLOWEDIP_A_CIDR_MASK, c->prefix)) {
		mnl_attr_nest_cancel(nlh, n);
		return 0;
	}
	mnl_attr_nest_end(nlh, n);
	return 1;
}

/* Put the first part of a peer (everything but allowed IPs). */
static int put_peer_head(struct nlmsghdr *nlh, size_t max, const struct pqtun_wg_peer *p, int first)
{
	if (!mnl_attr_put_check(nlh, max, WGPEER_A_PUBLIC_KEY, PQTUN_WG_KEY, p->public_key))
		return 0;
	if (!first)
		return 1;
	uint32_t flags = 0;
	if (p->flags & PQTUN_WGPEER_REMOVE_ME)
		flags |= WGPEER_F_REMOVE_ME;
	if (p->flags & PQTUN_WGPEER_REPLACE_ALLOWEDIPS)
		flags |= WGPEER_F_REPLACE_ALLOWEDIPS;
	if (p->flags & PQTUN_WGPEER_UPDATE_ONLY)
		flags |= WGPEER_F_UPDATE_ONLY;
	if (flags && !mnl_attr_put_u32_check(nlh, max, WGPEER_A_FLAGS, flags))
		return 0;
	if (p->flags & PQTUN_WGPEER_REMOVE_ME)
		return 1;
	if ((p->flags & PQTUN_WGPEER_HAS_PRESHARED_KEY) &&
	    !mnl_attr_put_check(nlh, max, WGPEER_A_PRESHARED_KEY, PQTUN_WG_KEY, p->preshared_key))
		return 0;
	if ((p->flags & PQTUN_WGPEER_HAS_ENDPOINT) && p->endpoint.addr.sa_family) {
		size_t len = p->endpoint.addr.sa_family == AF_INET ? sizeof(struct sockaddr_in)
								   : sizeof(struct sockaddr_in6);
		if (!mnl_attr_put_check(nlh, max, WGPEER_A_ENDPOINT, len, &p->endpoint))
			return 0;
	}
	if ((p->flags & PQTUN_WGPEER_HAS_KEEPALIVE) &&
	    !mnl_attr_put_u16_check(nlh, max, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, p->persistent_keepalive))
		return 0;
	return 1;
}

int wgnl_build_set(struct wgnl_batch *out, uint16_t family, uint32_t seq,
		   const struct pqtun_wg_device *dev, size_t max_msg)
{
	size_t peer = 0, aip = 0; /* resume point */
	int head_done = 0;        /* head of peer `peer` already sent */
	int first_msg = 1;

	memset(out, 0, sizeof(*out));
	if (max_msg < 512)
		return -E2BIG;
	do {
		uint8_t *buf = calloc(1, max_msg);
		if (!buf) {
			wgnl_batch_free(out);
			return -ENOMEM;
		}
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = family;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
		nlh->nlmsg_seq = seq++;
		struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
		g->cmd = WG_CMD_SET_DEVICE;
		g->version = WG_GENL_VERSION;
		mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, dev->name);
		if (first_msg) {
			uint32_t flags = (dev->flags & PQTUN_WGDEV_REPLACE_PEERS) ? WGDEVICE_F_REPLACE_PEERS : 0;
			if (dev->flags & PQTUN_WGDEV_HAS_PRIVATE_KEY)
				mnl_attr_put(nlh, WGDEVICE_A_PRIVATE_KEY, PQTUN_WG_KEY, dev->private_key);
			if (dev->flags & PQTUN_WGDEV_HAS_LISTEN_PORT)
				mnl_attr_put_u16(nlh, WGDEVICE_A_LISTEN_PORT, dev->listen_port);
			if (dev->flags & PQTUN_WGDEV_HAS_FWMARK)
				mnl_attr_put_u32(nlh, WGDEVICE_A_FWMARK, dev->fwmark);
			if (flags)
				mnl_attr_put_u32(nlh, WGDEVICE_A_FLAGS, flags);
		}
		size_t peers_in_msg = 0;
		if (peer < dev->n_peers) {
			struct nlattr *peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
			uint16_t idx = 0;
			int full = 0;
			while (peer < dev->n_peers && !full) {
				const struct pqtun_wg_peer *p = &dev->peers[peer];
				struct nlattr *pn = mnl_attr_nest_start_check(nlh, max_msg, idx++);
				if (!pn || !put_peer_head(nlh, max_msg, p, !head_done)) {
					if (pn)
						mnl_attr_nest_cancel(nlh, pn);
					break;
				}
				head_done = 1;
				if (aip < p->n_allowed_ips && !(p->flags & PQTUN_WGPEER_REMOVE_ME)) {
					struct nlattr *an = mnl_attr_nest_start_check(nlh, max_msg, WGPEER_A_ALLOWEDIPS);
					uint16_t aidx = 0;
					if (!an) {
						full = 1;
					} else {
						while (aip < p->n_allowed_ips) {
							if (!put_allowed_ip(nlh, max_msg, aidx++, &p->allowed_ips[aip])) {
								full = 1;
								break;
							}
							aip++;
						}
						mnl_attr_nest_end(nlh, an);
					}
				}
				mnl_attr_nest_end(nlh, pn);
				peers_in_msg++;
				if (!full) {
					peer++;
					aip = 0;
					head_done = 0;
				}
			}
			mnl_attr_nest_end(nlh, peers);
			if (peers_in_msg == 0) {
				free(buf);
				wgnl_batch_free(out);
				return -E2BIG;
			}
		}
		if (batch_push(out, buf, nlh->nlmsg_len) != 0) {
			pqtun_memzero(buf, max_msg);
			free(buf);
			wgnl_batch_free(out);
			return -ENOMEM;
		}
		first_msg = 0;
	} while (peer < dev->n_peers);
	return 0;
}

/* ---------------------------------------------------------------- get */

/* 1 if the attributes in [p, p+len) exactly fill it (libmnl's iterators
 * silently stop at a truncated attribute; we reject such messages). */
static int attrs_fill(const void *p, size_t len)
{
	const uint8_t *cur = p, *end = cur + len;
	while (cur < end) {
		if ((size_t)(end - cur) < sizeof(struct nlattr))
			return 0;
		const struct nlattr *a = (const struct nlattr *)cur;
		if (a->nla_len < sizeof(struct nlattr) || a->nla_len > (size_t)(end - cur))
			return 0;
		size_t step = MNL_ALIGN(a->nla_len);
		if (step > (size_t)(end - cur))
			step = (size_t)(end - cur); /* last attribute without padding */
		cur += step;
	}
	return 1;
}

static int nest_ok(const struct nlattr *a)
{
	return attrs_fill(mnl_attr_get_payload(a), mnl_attr_get_payload_len(a));
}

struct parse_ctx {
	struct pqtun_wg_device *dev;
	struct pqtun_wg_peer *peer;
	struct pqtun_cidr cidr;
	int has_family, has_addr, has_mask;
	int rc;
};

/* Attributes of one allowed IP. */
static int aip_attr_cb(const struct nlattr *a, void *data)
{
	struct parse_ctx *c = data;
	switch (mnl_attr_get_type(a)) {
	case WGALLOWEDIP_A_FAMILY:
		if (mnl_attr_validate(a, MNL_TYPE_U16) < 0)
			return MNL_CB_ERROR;
		c->cidr.family = mnl_attr_get_u16(a);
		c->has_family = 1;
		break;
	case WGALLOWEDIP_A_IPADDR: {
		uint16_t len = mnl_attr_get_payload_len(a);
		if (len != 4 && len != 16)
			return MNL_CB_ERROR;
		memcpy(c->cidr.addr, mnl_attr_get_payload(a), len);
		c->has_addr = len;
		break;
	}
	case WGALLOWEDIP_A_CIDR_MASK:
		if (mnl_attr_validate(a, MNL_TYPE_U8) < 0)
			return MNL_CB_ERROR;
		c->cidr.prefix = mnl_attr_get_u8(a);
		c->has_mask = 1;
		break;
	default:
		break;
	}
	return MNL_CB_OK;
}

/* One allowed-IP nest: all three attributes, consistent family/length/mask. */
static int aips_cb(const struct nlattr *a, void *data)
{
	struct parse_ctx *c = data;
	memset(&c->cidr, 0, sizeof(c->cidr));
	c->has_family = c->has_addr = c->has_mask = 0;
	if (!nest_ok(a) || mnl_attr_parse_nested(a, aip_attr_cb, c) < 0)
		return MNL_CB_ERROR;
	if (!c->has_family || !c->has_addr || !c->has_mask)
		return MNL_CB_ERROR;
	if (!((c->cidr.family == AF_INET && c->has_addr == 4 && c->cidr.prefix <= 32) ||
	      (c->cidr.family == AF_INET6 && c->has_addr == 16 && c->cidr.prefix <= 128)))
		return MNL_CB_ERROR;
	if (pqtun_wg_peer_add_allowed_ip(c->peer, &c->cidr) != 0) {
		c->rc = -ENOMEM;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

/* Attributes of one peer (the public key was handled by peers_cb). */
static int peer_attr_cb(const struct nlattr *a, void *data)
{
	struct parse_ctx *c = data;
	struct pqtun_wg_peer *p = c->peer;
	switch (mnl_attr_get_type(a)) {
	case WGPEER_A_PUBLIC_KEY:
		break; /* handled before */
	case WGPEER_A_PRESHARED_KEY:
		if (mnl_attr_get_payload_len(a) != PQTUN_WG_KEY)
			return MNL_CB_ERROR;
		memcpy(p->preshared_key, mnl_attr_get_payload(a), PQTUN_WG_KEY);
		p->flags |= PQTUN_WGPEER_HAS_PRESHARED_KEY;
		break;
	case WGPEER_A_ENDPOINT: {
		uint16_t len = mnl_attr_get_payload_len(a);
		const struct sockaddr *sa = mnl_attr_get_payload(a);
		if (len == sizeof(struct sockaddr_in) && sa->sa_family == AF_INET)
			memcpy(&p->endpoint.addr4, sa, len);
		else if (len == sizeof(struct sockaddr_in6) && sa->sa_family == AF_INET6)
			memcpy(&p->endpoint.addr6, sa, len);
		else
			return MNL_CB_ERROR;
		p->flags |= PQTUN_WGPEER_HAS_ENDPOINT;
		break;
	}
	case WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL:
		if (mnl_attr_validate(a, MNL_TYPE_U16) < 0)
			return MNL_CB_ERROR;
		p->persistent_keepalive = mnl_attr_get_u16(a);
		p->flags |= PQTUN_WGPEER_HAS_KEEPALIVE;
		break;
	case WGPEER_A_LAST_HANDSHAKE_TIME: {
		struct { int64_t sec, nsec; } ts;
		if (mnl_attr_get_payload_len(a) != sizeof(ts))
			return MNL_CB_ERROR;
		memcpy(&ts, mnl_attr_get_payload(a), sizeof(ts));
		p->last_handshake_sec = ts.sec;
		p->last_handshake_nsec = ts.nsec;
		break;
	}
	case WGPEER_A_RX_BYTES:
		if (mnl_attr_validate(a, MNL_TYPE_U64) < 0)
			return MNL_CB_ERROR;
		p->rx_bytes = mnl_attr_get_u64(a);
		break;
	case WGPEER_A_TX_BYTES:
		if (mnl_attr_validate(a, MNL_TYPE_U64) < 0)
			return MNL_CB_ERROR;
		p->tx_bytes = mnl_attr_get_u64(a);
		break;
	case WGPEER_A_FLAGS:
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		{
			uint32_t f = mnl_attr_get_u32(a);
			if (f & WGPEER_F_REMOVE_ME)
				p->flags |= PQTUN_WGPEER_REMOVE_ME;
			if (f & WGPEER_F_REPLACE_ALLOWEDIPS)
				p->flags |= PQTUN_WGPEER_REPLACE_ALLOWEDIPS;
			if (f & WGPEER_F_UPDATE_ONLY)
				p->flags |= PQTUN_WGPEER_UPDATE_ONLY;
		}
		break;
	case WGPEER_A_ALLOWEDIPS:
		if (!nest_ok(a) || mnl_attr_parse_nested(a, aips_cb, c) < 0)
			return MNL_CB_ERROR;
		break;
	default:
		break;
	}
	return MNL_CB_OK;
}

/* Find the public key inside a peer nest first, to know whether this piece
 * continues the previous peer. */
static int find_pubkey_cb(const struct nlattr *a, void *data)
{
	const uint8_t **key = data;
	if (mnl_attr_get_type(a) == WGPEER_A_PUBLIC_KEY) {
		if (mnl_attr_get_payload_len(a) != PQTUN_WG_KEY)
			return MNL_CB_ERROR;
		*key = mnl_attr_get_payload(a);
	}
	return MNL_CB_OK;
}

/* One peer nest: a new peer, or more of the previous one when the key repeats. */
static int peers_cb(const struct nlattr *a, void *data)
{
	struct parse_ctx *c = data;
	const uint8_t *key = NULL;
	if (!nest_ok(a) || mnl_attr_parse_nested(a, find_pubkey_cb, &key) < 0 || !key)
		return MNL_CB_ERROR;
	struct pqtun_wg_device *dev = c->dev;
	if (dev->n_peers && !memcmp(dev->peers[dev->n_peers - 1].public_key, key, PQTUN_WG_KEY)) {
		c->peer = &dev->peers[dev->n_peers - 1];
	} else {
		c->peer = pqtun_wg_device_add_peer(dev);
		if (!c->peer) {
			c->rc = -ENOMEM;
			return MNL_CB_ERROR;
		}
		memcpy(c->peer->public_key, key, PQTUN_WG_KEY);
		c->peer->flags |= PQTUN_WGPEER_HAS_PUBLIC_KEY;
	}
	if (mnl_attr_parse_nested(a, peer_attr_cb, c) < 0)
		return MNL_CB_ERROR;
	return MNL_CB_OK;
}

/* Top-level device attributes. */
static int device_attr_cb(const struct nlattr *a, void *data)
{
	struct parse_ctx *c = data;
	struct pqtun_wg_device *dev = c->dev;
	switch (mnl_attr_get_type(a)) {
	case WGDEVICE_A_IFINDEX:
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		dev->ifindex = mnl_attr_get_u32(a);
		break;
	case WGDEVICE_A_IFNAME:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0 ||
		    mnl_attr_get_payload_len(a) > IFNAMSIZ)
			return MNL_CB_ERROR;
		memcpy(dev->name, mnl_attr_get_str(a), mnl_attr_get_payload_len(a));
		dev->name[IFNAMSIZ - 1] = '\0';
		break;
	case WGDEVICE_A_PRIVATE_KEY:
		if (mnl_attr_get_payload_len(a) != PQTUN_WG_KEY)
			return MNL_CB_ERROR;
		memcpy(dev->private_key, mnl_attr_get_payload(a), PQTUN_WG_KEY);
		dev->flags |= PQTUN_WGDEV_HAS_PRIVATE_KEY;
		break;
	case WGDEVICE_A_PUBLIC_KEY:
		if (mnl_attr_get_payload_len(a) != PQTUN_WG_KEY)
			return MNL_CB_ERROR;
		memcpy(dev->public_key, mnl_attr_get_payload(a), PQTUN_WG_KEY);
		dev->flags |= PQTUN_WGDEV_HAS_PUBLIC_KEY;
		break;
	case WGDEVICE_A_LISTEN_PORT:
		if (mnl_attr_validate(a, MNL_TYPE_U16) < 0)
			return MNL_CB_ERROR;
		dev->listen_port = mnl_attr_get_u16(a);
		dev->flags |= PQTUN_WGDEV_HAS_LISTEN_PORT;
		break;
	case WGDEVICE_A_FWMARK:
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		dev->fwmark = mnl_attr_get_u32(a);
		dev->flags |= PQTUN_WGDEV_HAS_FWMARK;
		break;
	case WGDEVICE_A_FLAGS:
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		if (mnl_attr_get_u32(a) & WGDEVICE_F_REPLACE_PEERS)
			dev->flags |= PQTUN_WGDEV_REPLACE_PEERS;
		break;
	case WGDEVICE_A_PEERS:
		if (!nest_ok(a) || mnl_attr_parse_nested(a, peers_cb, c) < 0)
			return MNL_CB_ERROR;
		break;
	default:
		break;
	}
	return MNL_CB_OK;
}

int wgnl_parse_get_msg(const struct nlmsghdr *nlh, struct pqtun_wg_device *dev)
{
	struct parse_ctx c = { .dev = dev };
	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(struct genlmsghdr))
		return -EPROTO;
	size_t off = MNL_ALIGN(sizeof(struct genlmsghdr));
	if (!attrs_fill((const uint8_t *)mnl_nlmsg_get_payload(nlh) + off,
			nlh->nlmsg_len - NLMSG_HDRLEN - off))
		return -EPROTO;
	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), device_attr_cb, &c) < 0)
		return c.rc ? c.rc : -EPROTO;
	return 0;
}

/* ---------------------------------------------------------------- framing */

int wgnl_check_lengths(const void *buf, size_t n)
{
	const uint8_t *p = buf;
	size_t off = 0;
	if (!buf || n == 0 || n > INT32_MAX)
		return -EBADMSG;
	while (off < n) {
		struct nlmsghdr h;
		size_t left = n - off;
		if (left < NLMSG_HDRLEN)
			return -EBADMSG; /* a piece too short to be a message */
		memcpy(&h, p + off, sizeof(h));
		if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > left)
			return -EBADMSG; /* also catches nlmsg_len >= 2^31 */
		/* The last message may lack its alignment padding. */
		size_t step = NLMSG_ALIGN((size_t)h.nlmsg_len);
		off += step < left ? step : left;
	}
	return 0;
}

int wgnl_run_reply(const void *buf, size_t n, uint32_t seq, uint32_t portid, mnl_cb_t cb,
		   void *data)
{
	if (wgnl_check_lengths(buf, n) != 0) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	return mnl_cb_run(buf, n, seq, portid, cb, data);
}
