#include "wg/device.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/encoding.h"
#include "util/mem.h"

struct pqtun_wg_device *pqtun_wg_device_new(const char *name)
{
	struct pqtun_wg_device *dev = calloc(1, sizeof(*dev));
	if (dev && name)
		snprintf(dev->name, sizeof(dev->name), "%s", name);
	return dev;
}

/* Wipe a peer (PSK) and free its allowed IPs. */
static void peer_clear(struct pqtun_wg_peer *peer)
{
	if (peer->allowed_ips) {
		pqtun_memzero(peer->allowed_ips, peer->n_allowed_ips * sizeof(*peer->allowed_ips));
		free(peer->allowed_ips);
	}
	pqtun_memzero(peer, sizeof(*peer));
}

void pqtun_wg_device_free(struct pqtun_wg_device *dev)
{
	if (!dev)
		return;
	for (size_t i = 0; i < dev->n_peers; i++)
		peer_clear(&dev->peers[i]);
	if (dev->peers) /* spare slots may hold stale copies */
		pqtun_memzero(dev->peers, (dev->peers_cap > dev->n_peers ? dev->peers_cap : dev->n_peers) *
					      sizeof(*dev->peers));
	free(dev->peers);
	pqtun_memzero(dev, sizeof(*dev));
	free(dev);
}

struct pqtun_wg_peer *pqtun_wg_device_add_peer(struct pqtun_wg_device *dev)
{
	if (dev->n_peers == dev->peers_cap) {
		/* Grow geometrically by copying, so that the old array (PSKs)
		 * can be wiped before it is freed. */
		size_t ncap = dev->peers_cap ? 2 * dev->peers_cap : 4;
		struct pqtun_wg_peer *np = calloc(ncap, sizeof(*np));
		if (!np)
			return NULL;
		if (dev->n_peers) {
			memcpy(np, dev->peers, dev->n_peers * sizeof(*np));
			pqtun_memzero(dev->peers, dev->n_peers * sizeof(*np));
		}
		free(dev->peers);
		dev->peers = np;
		dev->peers_cap = ncap;
	}
	dev->peers_sorted = 0;
	struct pqtun_wg_peer *p = &dev->peers[dev->n_peers++];
	memset(p, 0, sizeof(*p));
	return p;
}

int pqtun_wg_peer_add_allowed_ip(struct pqtun_wg_peer *peer, const struct pqtun_cidr *c)
{
	struct pqtun_cidr *n = realloc(peer->allowed_ips, (peer->n_allowed_ips + 1) * sizeof(*n));
	if (!n)
		return -1;
	peer->allowed_ips = n;
	peer->allowed_ips[peer->n_allowed_ips++] = *c;
	return 0;
}

int pqtun_wg_peer_copy_allowed_ips(struct pqtun_wg_peer *dst, const struct pqtun_wg_peer *src)
{
	struct pqtun_cidr *n = NULL;
	if (src->n_allowed_ips) {
		n = malloc(src->n_allowed_ips * sizeof(*n));
		if (!n)
			return -1;
		memcpy(n, src->allowed_ips, src->n_allowed_ips * sizeof(*n));
	}
	free(dst->allowed_ips);
	dst->allowed_ips = n;
	dst->n_allowed_ips = src->n_allowed_ips;
	return 0;
}

/* qsort/bsearch order of peers: by public key bytes. */
static int cmp_peer(const void *a, const void *b)
{
	return memcmp(((const struct pqtun_wg_peer *)a)->public_key,
		      ((const struct pqtun_wg_peer *)b)->public_key, PQTUN_WG_KEY);
}

void pqtun_wg_device_sort_peers(struct pqtun_wg_device *dev)
{
	if (dev->n_peers > 1)
		qsort(dev->peers, dev->n_peers, sizeof(*dev->peers), cmp_peer);
	dev->peers_sorted = 1;
}

struct pqtun_wg_peer *pqtun_wg_device_find_peer(const struct pqtun_wg_device *dev,
						 const uint8_t public_key[PQTUN_WG_KEY])
{
	if (dev->peers_sorted && dev->n_peers) {
		struct pqtun_wg_peer key;
		memcpy(key.public_key, public_key, PQTUN_WG_KEY);
		return bsearch(&key, dev->peers, dev->n_peers, sizeof(*dev->peers), cmp_peer);
	}
	for (size_t i = 0; i < dev->n_peers; i++)
		if (memcmp(dev->peers[i].public_key, public_key, PQTUN_WG_KEY) == 0)
			return &dev->peers[i];
	return NULL;
}

int pqtun_wg_peer_has_psk(const struct pqtun_wg_peer *peer)
{
	static const uint8_t zero[PQTUN_WG_KEY];
	return !pqtun_ct_equal(peer->preshared_key, zero, PQTUN_WG_KEY);
}

void pqtun_wg_endpoint_format(char *out, size_t outlen, const union pqtun_wg_endpoint *ep)
{
	char a[INET6_ADDRSTRLEN];
	if (ep->addr.sa_family == AF_INET) {
		inet_ntop(AF_INET, &ep->addr4.sin_addr, a, sizeof(a));
		snprintf(out, outlen, "%s:%u", a, (unsigned)ntohs(ep->addr4.sin_port));
	} else if (ep->addr.sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &ep->addr6.sin6_addr, a, sizeof(a));
		snprintf(out, outlen, "[%s]:%u", a, (unsigned)ntohs(ep->addr6.sin6_port));
	} else {
		snprintf(out, outlen, "(none)");
	}
}

void pqtun_wg_key_b64(char out[45], const uint8_t key[PQTUN_WG_KEY])
{
	pqtun_key_to_base64(out, key);
}
