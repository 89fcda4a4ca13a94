/* The tunnel configuration as `pqtun up` uses it. The file is read by the
 * wg-quick parser of src/wg/config.h (wg-quick keys plus Gateway,
 * ConfigPort, PostQuantum, Daita, Kems, Hop); on top of it this adds what
 * only bring-up cares about: the [Interface] key ConfigUpdate (hook
 * commands, see docs/pqtun.8), resolved endpoints, and the checks that make
 * a config usable for `up` (every peer has an Endpoint, the Gateway is
 * routed into the tunnel, no SaveConfig, KEMs this client can negotiate).
 *
 * Secrets: private_key and every peer's preshared_key. Free with
 * pqtun_tunconf_free, which wipes them. */
#ifndef PQTUN_TUNNEL_CONF_H
#define PQTUN_TUNNEL_CONF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "wg/cidr.h"

#define PQTUN_TUNCONF_MAX_PEERS 2
#define PQTUN_TUNCONF_MAX_LIST 16   /* addresses, allowed IPs, DNS entries, hooks */
#define PQTUN_REKEY_MIN_INTERVAL 30 /* seconds: shortest RekeyInterval accepted */

enum pqtun_tunhop { PQTUN_TUNHOP_SINGLE = 0, PQTUN_TUNHOP_ENTRY = 1, PQTUN_TUNHOP_EXIT = 2 };

struct pqtun_tunconf_peer {
	uint8_t public_key[32];
	uint8_t preshared_key[32]; /* classic PSK from the file (secret) */
	int has_psk;
	char endpoint[256];        /* "host:port" as written, "" if none */
	struct sockaddr_storage endpoint_addr; /* filled by pqtun_tunconf_resolve */
	struct pqtun_cidr allowed[PQTUN_TUNCONF_MAX_LIST];
	size_t n_allowed;
	unsigned keepalive;        /* seconds, 0 = off */
	enum pqtun_tunhop hop;
	int line;                  /* line of its [Peer] header */
};

struct pqtun_tunconf {
	char iface[16];
	char path[4096];
	uint8_t private_key[32];   /* secret */
	int has_private_key;
	unsigned listen_port;      /* 0 = random */
	uint32_t fwmark;           /* 0 = none */
	struct pqtun_cidr addresses[PQTUN_TUNCONF_MAX_LIST];
	size_t n_addresses;
	char dns[PQTUN_TUNCONF_MAX_LIST][256];  /* servers and search domains */
	size_t n_dns;
	unsigned mtu;              /* 0 = automatic */
	char table[32];            /* "" = auto, "off", or a table name/number */
	char *pre_up[PQTUN_TUNCONF_MAX_LIST], *post_up[PQTUN_TUNCONF_MAX_LIST];
	char *pre_down[PQTUN_TUNCONF_MAX_LIST], *post_down[PQTUN_TUNCONF_MAX_LIST];
	char *config_update[PQTUN_TUNCONF_MAX_LIST];
	size_t n_pre_up, n_post_up, n_pre_down, n_post_down, n_config_update;
	/* pqtun keys */
	char gateway[64];          /* IP literal, default 10.64.0.1 */
	struct sockaddr_storage gateway_addr; /* gateway with config_port */
	unsigned config_port;      /* default 1337 */
	int post_quantum;          /* default 1 */
	int daita;                 /* default 0 */
	char kems[128];            /* "" = the client's default pair */
	unsigned rekey_interval;   /* PSK rotation every this many seconds, 0 = off
	                            * (at least PQTUN_REKEY_MIN_INTERVAL) */
	struct pqtun_tunconf_peer peers[PQTUN_TUNCONF_MAX_PEERS];
	size_t n_peers;
};

/* Read and validate the file at path; iface is the interface name to use.
 * Returns 0, or -1 with a message ("/etc/pqtun/wg0.conf:7: ...") in err.
 * On failure conf holds nothing that needs freeing. */
int pqtun_tunconf_load(struct pqtun_tunconf *conf, const char *path, const char *iface,
		       char *err, size_t errlen);
/* Same, from a buffer (tests). */
int pqtun_tunconf_parse(struct pqtun_tunconf *conf, const char *text, const char *iface,
			char *err, size_t errlen);
/* Resolve every peer endpoint (numeric or by name). 0 or -1 with err. */
int pqtun_tunconf_resolve(struct pqtun_tunconf *conf, char *err, size_t errlen);
/* The entry or exit peer of a multihop config; NULL for a single-hop one. */
struct pqtun_tunconf_peer *pqtun_tunconf_hop(struct pqtun_tunconf *conf, enum pqtun_tunhop hop);
/* Wipe the secrets and free the hook strings. */
void pqtun_tunconf_free(struct pqtun_tunconf *conf);

/* Map "pqtun up" arguments to a config path and interface name the way
 * wg-quick does: a path ending in NAME.conf gives interface NAME; a bare
 * NAME means /etc/pqtun/NAME.conf (or $PQTUN_CONFIG_DIR/NAME.conf).
 * Returns 0 or -1 with err. */
int pqtun_tunconf_locate(const char *arg, char *path, size_t pathlen, char iface[16],
			 char *err, size_t errlen);

#endif
