/* The tunnel state machine's view of WireGuard: "make the device exactly
 * this" and "which peers have a PSK", on top of the backends in
 * src/wg/backend.h (kernel netlink or userspace UAPI). */
#ifndef PQTUN_TUNNEL_WGCTL_H
#define PQTUN_TUNNEL_WGCTL_H

#include <stddef.h>
#include <stdint.h>

#include "tunnel/conf.h"

struct pqtun_wgctl_peer {
	const struct pqtun_tunconf_peer *peer; /* key, endpoint, keepalive */
	const uint8_t *psk;                    /* 32 bytes (secret) or NULL */
	const struct pqtun_cidr *allowed;      /* the allowed IPs to set */
	size_t n_allowed;
};

/* Make iface's configuration exactly: private key priv, listen port, fwmark
 * and these peers (others are removed). Returns 0 or -1 with err. */
int pqtun_wgctl_set(const char *iface, const uint8_t priv[32], unsigned listen_port,
		    uint32_t fwmark, const struct pqtun_wgctl_peer *peers, size_t n,
		    char *err, size_t errlen);

/* For each peer of iface, whether it has a preshared key: fills has_psk[i]
 * for the peer with public key keys[i] (-1 if the peer is not there).
 * Also latest handshake (wall clock seconds, 0 never). 0 or -1. */
int pqtun_wgctl_peer_info(const char *iface, const uint8_t (*keys)[32], size_t n,
			  int *has_psk, int64_t *handshake);

#endif
