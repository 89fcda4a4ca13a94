/* Shared by the WireGuard fuzz targets: re-serialise a parsed device as
 * WG_CMD_SET_DEVICE netlink messages (wgnl_build_set), parse them back
 * (wgnl_parse_get_msg) and compare with the original, field by field, for
 * everything a set request carries. Header-only (one translation unit per
 * fuzz target). */
#ifndef PQTUN_FUZZ_WG_COMPARE_H
#define PQTUN_FUZZ_WG_COMPARE_H

#include <stdlib.h>
#include <string.h>

#include "wg/device.h"
#include "wg/netlink_msg.h"

#define WGC_CHECK(x) do { if (!(x)) abort(); } while (0)

static int wgc_cidr_same(const struct pqtun_cidr *a, const struct pqtun_cidr *b)
{
	size_t n = a->family == AF_INET ? 4 : 16;
	return a->family == b->family && a->prefix == b->prefix && memcmp(a->addr, b->addr, n) == 0;
}

/* 1 if two neighbouring peers share a public key: netlink merges those (a
 * peer continued in the next message), so such a device cannot round-trip. */
static int wgc_has_adjacent_duplicates(const struct pqtun_wg_device *d)
{
	for (size_t i = 1; i < d->n_peers; i++)
		if (!memcmp(d->peers[i - 1].public_key, d->peers[i].public_key, PQTUN_WG_KEY))
			return 1;
	return 0;
}

/* Fields of a set request that must survive build + parse. */
static void wgc_compare(const struct pqtun_wg_device *a, const struct pqtun_wg_device *b)
{
	const uint32_t dev_mask = PQTUN_WGDEV_REPLACE_PEERS | PQTUN_WGDEV_HAS_PRIVATE_KEY |
				  PQTUN_WGDEV_HAS_LISTEN_PORT | PQTUN_WGDEV_HAS_FWMARK;
	WGC_CHECK(strcmp(a->name, b->name) == 0);
	WGC_CHECK((a->flags & dev_mask) == (b->flags & dev_mask));
	if (a->flags & PQTUN_WGDEV_HAS_PRIVATE_KEY)
		WGC_CHECK(!memcmp(a->private_key, b->private_key, PQTUN_WG_KEY));
	if (a->flags & PQTUN_WGDEV_HAS_LISTEN_PORT)
		WGC_CHECK(a->listen_port == b->listen_port);
	if (a->flags & PQTUN_WGDEV_HAS_FWMARK)
		WGC_CHECK(a->fwmark == b->fwmark);
	WGC_CHECK(a->n_peers == b->n_peers);
	for (size_t i = 0; i < a->n_peers; i++) {
		const struct pqtun_wg_peer *p = &a->peers[i], *q = &b->peers[i];
		WGC_CHECK(!memcmp(p->public_key, q->public_key, PQTUN_WG_KEY));
		uint32_t mask = PQTUN_WGPEER_REMOVE_ME | PQTUN_WGPEER_REPLACE_ALLOWEDIPS |
				PQTUN_WGPEER_UPDATE_ONLY | PQTUN_WGPEER_HAS_PUBLIC_KEY;
		WGC_CHECK((p->flags & mask) == (q->flags & mask));
		if (p->flags & PQTUN_WGPEER_REMOVE_ME)
			continue; /* a removal carries nothing else */
		mask = PQTUN_WGPEER_HAS_PRESHARED_KEY | PQTUN_WGPEER_HAS_KEEPALIVE;
		WGC_CHECK((p->flags & mask) == (q->flags & mask));
		if (p->flags & PQTUN_WGPEER_HAS_PRESHARED_KEY)
			WGC_CHECK(!memcmp(p->preshared_key, q->preshared_key, PQTUN_WG_KEY));
		if (p->flags & PQTUN_WGPEER_HAS_KEEPALIVE)
			WGC_CHECK(p->persistent_keepalive == q->persistent_keepalive);
		if ((p->flags & PQTUN_WGPEER_HAS_ENDPOINT) && p->endpoint.addr.sa_family) {
			WGC_CHECK(q->flags & PQTUN_WGPEER_HAS_ENDPOINT);
			size_t n = p->endpoint.addr.sa_family == AF_INET ? sizeof(struct sockaddr_in)
									: sizeof(struct sockaddr_in6);
			WGC_CHECK(!memcmp(&p->endpoint, &q->endpoint, n));
		}
		WGC_CHECK(p->n_allowed_ips == q->n_allowed_ips);
		for (size_t j = 0; j < p->n_allowed_ips; j++)
			WGC_CHECK(wgc_cidr_same(&p->allowed_ips[j], &q->allowed_ips[j]));
	}
}

/* Build dev as set messages of at most max_msg bytes, parse them into a new
 * device and compare. */
static void wgc_roundtrip(const struct pqtun_wg_device *dev, size_t max_msg)
{
	struct wgnl_batch batch;
	if (wgc_has_adjacent_duplicates(dev))
		return;
	WGC_CHECK(wgnl_build_set(&batch, 0x20, 1, dev, max_msg) == 0);
	struct pqtun_wg_device *back = pqtun_wg_device_new("");
	WGC_CHECK(back != NULL);
	for (size_t i = 0; i < batch.n; i++) {
		WGC_CHECK(batch.lens[i] <= max_msg);
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)batch.msgs[i];
		WGC_CHECK(nlh->nlmsg_len == batch.lens[i]);
		WGC_CHECK(wgnl_parse_get_msg(nlh, back) == 0);
	}
	wgc_compare(dev, back);
	pqtun_wg_device_free(back);
	wgnl_batch_free(&batch);
}

#endif
