/* wg-quick configuration files plus pqtun's keys.
 *
 * [Interface]: PrivateKey, Address (repeatable, comma lists), ListenPort,
 *   FwMark ("off" or number), MTU, DNS (repeatable, comma lists of servers and
 *   search domains), Table, PreUp/PostUp/PreDown/PostDown (repeatable),
 *   SaveConfig; pqtun: Gateway (default 10.64.0.1), ConfigPort (default
 *   1337), PostQuantum (bool, default true), Daita (bool, default false),
 *   Kems (comma list, default "ML-KEM-1024,HQC-256"), RekeyInterval (seconds
 *   or "off", default off).
 * [Peer]: PublicKey, PresharedKey, Endpoint (host:port, [v6]:port),
 *   AllowedIPs (repeatable, comma lists), PersistentKeepalive ("off" or
 *   seconds); pqtun: Hop = entry | exit.
 * Keys are case-insensitive, '#' starts a comment anywhere on a line (as in
 * wg-quick), whitespace around keys and values is ignored. Errors are one
 * line: "<name>:<line>: <what>", without secret values. */
#ifndef PQTUN_WG_CONFIG_H
#define PQTUN_WG_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "wg/cidr.h"

#define PQTUN_CONF_ERRLEN 256
#define PQTUN_CONF_MAX_BYTES (1u << 20)
#define PQTUN_CONF_DEFAULT_GATEWAY "10.64.0.1"
#define PQTUN_CONF_DEFAULT_KEMS "ML-KEM-1024,HQC-256"

enum pqtun_conf_hop { PQTUN_HOP_NONE = 0, PQTUN_HOP_ENTRY = 1, PQTUN_HOP_EXIT = 2 };

struct pqtun_conf_list { /* list of strings */
	char **items;
	size_t n;
};

struct pqtun_conf_peer {
	unsigned line;                 /* line of its [Peer] header */
	uint8_t public_key[32];
	uint8_t preshared_key[32];     /* secret */
	int has_preshared_key;
	char *endpoint;                /* as written, NULL if none */
	struct pqtun_cidr *allowed_ips;
	size_t n_allowed_ips;
	uint16_t persistent_keepalive; /* 0 = off */
	enum pqtun_conf_hop hop;
};

struct pqtun_conf {
	uint8_t private_key[32];       /* secret */
	uint8_t public_key[32];        /* derived from private_key */
	struct pqtun_cidr *addresses;
	size_t n_addresses;
	int has_listen_port;
	uint16_t listen_port;
	int has_fwmark;                /* FwMark given and not "off" */
	uint32_t fwmark;
	uint32_t mtu;                  /* 0 = not set */
	struct pqtun_conf_list dns_servers;  /* IP literals */
	struct pqtun_conf_list dns_search;   /* the other DNS entries */
	char *table;                   /* NULL = not set ("auto") */
	struct pqtun_conf_list pre_up, post_up, pre_down, post_down;
	int save_config;
	/* pqtun keys */
	char gateway[64];              /* IP literal */
	int gateway_family;
	uint8_t gateway_addr[16];
	uint16_t config_port;
	int post_quantum;
	int daita;
	struct pqtun_conf_list kems;   /* protocol names, in order */
	uint32_t rekey_interval;       /* seconds, 0 = off */
	struct pqtun_conf_peer *peers;
	size_t n_peers;
};

/* Parse text (len bytes, need not be NUL-terminated) of a config called
 * `name` in messages. On success *out gets a new config (free with
 * pqtun_conf_free) and 0 is returned; otherwise -1 and err holds
 * "name:line: reason". The caller's text may hold a private key: wipe it. */
int pqtun_conf_parse(const char *text, size_t len, const char *name,
		     struct pqtun_conf **out, char *err, size_t errlen);
/* Read and parse the file at path (messages name it by path). The file
 * buffer is wiped. Same returns as pqtun_conf_parse. */
int pqtun_conf_load(const char *path, struct pqtun_conf **out, char *err, size_t errlen);
/* Wipe (keys) and free. NULL is fine. The config and its peers live in
 * locked memory (pqtun_secure_alloc). */
void pqtun_conf_free(struct pqtun_conf *conf);

/* The entry and exit peers of a multihop config (Hop = entry/exit), or for
 * a single-peer config that peer as *entry and NULL as *exit. Returns 0, or
 * -1 when the config is neither (several peers without Hop). */
int pqtun_conf_hops(const struct pqtun_conf *conf, const struct pqtun_conf_peer **entry,
		    const struct pqtun_conf_peer **exit_peer);

#endif
