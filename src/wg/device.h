/* A WireGuard device and its peers as the backends read and write them
 * (the model of wireguard-tools' `wg`). Flags say which fields are set:
 * for a get every field the backend reported is set; for a set only the
 * flagged fields are changed.
 *
 * Secrets: private_key and every preshared_key. pqtun_wg_device_free wipes
 * the whole device, all peers and their allowed IPs before freeing. */
#ifndef PQTUN_WG_DEVICE_H
#define PQTUN_WG_DEVICE_H

#include <net/if.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "wg/cidr.h"

#define PQTUN_WG_KEY 32

enum pqtun_wg_device_flags {
	PQTUN_WGDEV_REPLACE_PEERS = 1u << 0,   /* set: remove peers not listed */
	PQTUN_WGDEV_HAS_PRIVATE_KEY = 1u << 1,
	PQTUN_WGDEV_HAS_PUBLIC_KEY = 1u << 2,
	PQTUN_WGDEV_HAS_LISTEN_PORT = 1u << 3,
	PQTUN_WGDEV_HAS_FWMARK = 1u << 4,
};

enum pqtun_wg_peer_flags {
	PQTUN_WGPEER_REMOVE_ME = 1u << 0,          /* set: remove this peer */
	PQTUN_WGPEER_REPLACE_ALLOWEDIPS = 1u << 1, /* set: allowed IPs become exactly the list */
	PQTUN_WGPEER_HAS_PUBLIC_KEY = 1u << 2,
	PQTUN_WGPEER_HAS_PRESHARED_KEY = 1u << 3,  /* set with an all-zero key removes the PSK */
	PQTUN_WGPEER_HAS_KEEPALIVE = 1u << 4,
	PQTUN_WGPEER_UPDATE_ONLY = 1u << 5,        /* set: do not create the peer if absent */
	PQTUN_WGPEER_HAS_ENDPOINT = 1u << 6,
};

union pqtun_wg_endpoint {
	struct sockaddr addr;
	struct sockaddr_in addr4;
	struct sockaddr_in6 addr6;
};

struct pqtun_wg_peer {
	uint32_t flags;
	uint8_t public_key[PQTUN_WG_KEY];
	uint8_t preshared_key[PQTUN_WG_KEY]; /* secret; all zero = none */
	union pqtun_wg_endpoint endpoint;    /* sa_family 0 = none */
	uint16_t persistent_keepalive;       /* seconds, 0 = off */
	int64_t last_handshake_sec;          /* get: wall clock, 0 = never */
	int64_t last_handshake_nsec;
	uint64_t rx_bytes, tx_bytes;         /* get only */
	struct pqtun_cidr *allowed_ips;
	size_t n_allowed_ips;
};

struct pqtun_wg_device {
	char name[IFNAMSIZ];
	uint32_t ifindex;                    /* get (netlink) only */
	uint32_t flags;
	uint8_t private_key[PQTUN_WG_KEY];   /* secret */
	uint8_t public_key[PQTUN_WG_KEY];
	uint16_t listen_port;
	uint32_t fwmark;
	struct pqtun_wg_peer *peers;
	size_t n_peers;
	size_t peers_cap;                    /* allocated peer slots */
	int peers_sorted;                    /* set by pqtun_wg_device_sort_peers */
};

/* New empty device named name (truncated to IFNAMSIZ-1); NULL if out of memory. */
struct pqtun_wg_device *pqtun_wg_device_new(const char *name);
/* Wipe and free a device, its peers and allowed IPs. NULL is fine. */
void pqtun_wg_device_free(struct pqtun_wg_device *dev);
/* Append a zeroed peer; returns it, or NULL if out of memory. Pointers to
 * earlier peers may move. */
struct pqtun_wg_peer *pqtun_wg_device_add_peer(struct pqtun_wg_device *dev);
/* Append an allowed IP to a peer. 0 or -1 (out of memory). */
int pqtun_wg_peer_add_allowed_ip(struct pqtun_wg_peer *peer, const struct pqtun_cidr *c);
/* Copy src's allowed IPs into dst (replacing dst's). 0 or -1. */
int pqtun_wg_peer_copy_allowed_ips(struct pqtun_wg_peer *dst, const struct pqtun_wg_peer *src);
/* Sort the peers by public key so that lookups are binary searches (for
 * devices with many peers); adding a peer clears the flag. */
void pqtun_wg_device_sort_peers(struct pqtun_wg_device *dev);
/* The peer with this public key, or NULL. */
struct pqtun_wg_peer *pqtun_wg_device_find_peer(const struct pqtun_wg_device *dev,
						 const uint8_t public_key[PQTUN_WG_KEY]);
/* 1 if the peer has a non-zero preshared key (constant time in the key). */
int pqtun_wg_peer_has_psk(const struct pqtun_wg_peer *peer);
/* Format an endpoint as "1.2.3.4:5" or "[::1]:5" ("(none)" if unset). */
void pqtun_wg_endpoint_format(char *out, size_t outlen, const union pqtun_wg_endpoint *ep);
/* Short printable form of a public key for logs: its base64 (44 chars + NUL). */
void pqtun_wg_key_b64(char out[45], const uint8_t key[PQTUN_WG_KEY]);

#endif
