#include "tunnel/wgctl.h"

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "util/mem.h"
#include "wg/backend.h"
#include "wg/device.h"

static int listed(const struct pqtun_wgctl_peer *peers, size_t n, const uint8_t key[32])
{
	for (size_t i = 0; i < n; i++)
		if (!memcmp(peers[i].peer->public_key, key, 32))
			return 1;
	return 0;
}

int pqtun_wgctl_set(const char *iface, const uint8_t priv[32], unsigned listen_port,
		    uint32_t fwmark, const struct pqtun_wgctl_peer *peers, size_t n,
		    char *err, size_t errlen)
{
	struct pqtun_wg_device *cur = NULL, *dev = pqtun_wg_device_new(iface);
	int rc = -1;

	if (!dev) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* Peers that are there now but not wanted are removed; the wanted
	 * ones are updated in place, so an unchanged peer keeps its session
	 * unless the private key changes (then every session restarts). */
	if (pqtun_wg_get_device(iface, &cur, err, errlen) < 0)
		goto out;
	/* A listen port of 0 would make the implementation pick a new random
	 * port on every call; leave the port alone unless one is configured. */
	dev->flags = PQTUN_WGDEV_HAS_PRIVATE_KEY | PQTUN_WGDEV_HAS_FWMARK |
		     (listen_port ? PQTUN_WGDEV_HAS_LISTEN_PORT : 0);
	memcpy(dev->private_key, priv, 32);
	dev->listen_port = (uint16_t)listen_port;
	dev->fwmark = fwmark;
	for (size_t i = 0; i < cur->n_peers; i++) {
		if (listed(peers, n, cur->peers[i].public_key))
			continue;
		struct pqtun_wg_peer *gone = pqtun_wg_device_add_peer(dev);
		if (!gone)
			goto nomem;
		gone->flags = PQTUN_WGPEER_HAS_PUBLIC_KEY | PQTUN_WGPEER_REMOVE_ME;
		memcpy(gone->public_key, cur->peers[i].public_key, 32);
	}
	for (size_t i = 0; i < n; i++) {
		const struct pqtun_tunconf_peer *c = peers[i].peer;
		struct pqtun_wg_peer *p = pqtun_wg_device_add_peer(dev);
		if (!p)
			goto nomem;
		p->flags = PQTUN_WGPEER_HAS_PUBLIC_KEY | PQTUN_WGPEER_REPLACE_ALLOWEDIPS |
			   PQTUN_WGPEER_HAS_PRESHARED_KEY | PQTUN_WGPEER_HAS_KEEPALIVE;
		memcpy(p->public_key, c->public_key, 32);
		if (peers[i].psk)
			memcpy(p->preshared_key, peers[i].psk, 32); /* else all zero: no PSK */
		p->persistent_keepalive = (uint16_t)c->keepalive;
		if (c->endpoint_addr.ss_family == AF_INET) {
			p->endpoint.addr4 = *(const struct sockaddr_in *)&c->endpoint_addr;
			p->flags |= PQTUN_WGPEER_HAS_ENDPOINT;
		} else if (c->endpoint_addr.ss_family == AF_INET6) {
			p->endpoint.addr6 = *(const struct sockaddr_in6 *)&c->endpoint_addr;
			p->flags |= PQTUN_WGPEER_HAS_ENDPOINT;
		}
		for (size_t j = 0; j < peers[i].n_allowed; j++)
			if (pqtun_wg_peer_add_allowed_ip(p, &peers[i].allowed[j]) < 0)
				goto nomem;
	}
	rc = pqtun_wg_set_device(dev, err, errlen) < 0 ? -1 : 0;
	goto out;
nomem:
	snprintf(err, errlen, "out of memory");
out:
	pqtun_wg_device_free(cur);
	pqtun_wg_device_free(dev); /* wipes the keys */
	return rc;
}

int pqtun_wgctl_peer_info(const char *iface, const uint8_t (*keys)[32], size_t n,
			  int *has_psk, int64_t *handshake)
{
	struct pqtun_wg_device *dev = NULL;
	char err[PQTUN_WG_ERRLEN];
	for (size_t i = 0; i < n; i++) {
		has_psk[i] = -1;
		handshake[i] = 0;
	}
	if (pqtun_wg_get_device(iface, &dev, err, sizeof(err)) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct pqtun_wg_peer *p = pqtun_wg_device_find_peer(dev, keys[i]);
		if (!p)
			continue;
		has_psk[i] = pqtun_wg_peer_has_psk(p);
		handshake[i] = p->last_handshake_sec;
	}
	pqtun_wg_device_free(dev);
	return 0;
}
