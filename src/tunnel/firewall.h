/* The negotiation firewall: an nftables table owned by pqtun, one per
 * tunnel interface ("inet pqtun_<iface>"), that lets only the exchange
 * traffic use the tunnel while the post-quantum PSK is negotiated
 * (PROTOCOL.md section 7). Installed and removed atomically with
 * `nft -f -`; everything not explicitly allowed on the interface is
 * dropped (fail closed), in both directions and when forwarded. */
#ifndef PQTUN_TUNNEL_FIREWALL_H
#define PQTUN_TUNNEL_FIREWALL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define PQTUN_FW_MAX_ALLOW 4
#define PQTUN_FW_TABLE_MAX 64

/* One allowed flow: TCP or UDP to addr:port through the tunnel (and the
 * answers from addr:port back). */
struct pqtun_fw_allow {
	struct sockaddr_storage addr; /* AF_INET or AF_INET6, port included */
	int proto;                    /* IPPROTO_TCP or IPPROTO_UDP */
};

/* Name of the table for iface into out (e.g. "pqtun_wg0"; characters
 * nftables does not accept in names are hex-escaped). Returns 0, or -1 if
 * iface is not a valid interface name. */
int pqtun_fw_table_name(char out[PQTUN_FW_TABLE_MAX], const char *iface);

/* Render the ruleset that restricts iface to the n allowed flows, into buf
 * (for tests and --dry-run). Returns 0 or -1 (bad input, buffer too small). */
int pqtun_fw_render(char *buf, size_t buflen, const char *iface,
		    const struct pqtun_fw_allow *allow, size_t n);

/* Install (or atomically replace) the restriction for iface. On failure
 * nothing is changed and err says why. Returns 0 or -1. */
int pqtun_fw_restrict(const char *iface, const struct pqtun_fw_allow *allow, size_t n,
		      char *err, size_t errlen);

/* Remove the restriction (the whole table) atomically. Succeeds when there
 * was none. Returns 0 or -1. */
int pqtun_fw_lift(const char *iface, char *err, size_t errlen);

/* 1 if the table for iface exists, 0 if not, -1 if nft cannot be asked. */
int pqtun_fw_present(const char *iface);

#endif
