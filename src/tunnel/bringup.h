/* `pqtun up` / `pqtun down`: the client's bring-up state machine
 * (PROTOCOL.md sections 2, 6, 7, 8):
 *
 *   restrict  - create the interface and install the negotiation firewall
 *               before anything can pass (fail closed);
 *   connect   - long-lived key and the relay peer(s), addresses, routes;
 *   negotiate - per attempt a fresh ephemeral key; exchange with the config
 *               service at Gateway:ConfigPort (multihop: the exit relay
 *               first over the full path, then the entry relay alone);
 *               per-attempt timeout 8 s * 2^attempt, capped at 48 s;
 *   apply     - ephemeral private key + PSK(s) into WireGuard;
 *   lift      - remove the firewall.
 * A failed attempt wipes its keys, re-establishes the tunnel with the
 * long-lived key and tries again; after the last attempt everything is
 * undone. At every reconfiguration the ConfigUpdate hooks run with the new
 * parameters in the environment (see docs/pqtun.8). */
#ifndef PQTUN_TUNNEL_BRINGUP_H
#define PQTUN_TUNNEL_BRINGUP_H

#include <stddef.h>

#include "tunnel/conf.h"

#define PQTUN_UP_DEFAULT_ATTEMPTS 5

struct pqtun_up_options {
	const char *userspace;   /* userspace WireGuard program, NULL = kernel or wireguard-go */
	unsigned max_attempts;   /* 0 = PQTUN_UP_DEFAULT_ATTEMPTS */
	double timeout_scale;    /* multiplies every per-attempt timeout; 0 = 1 */
	const char *update_hook; /* extra ConfigUpdate command, may be NULL */
};

/* Per-attempt exchange timeout in ms: 8000 * 2^attempt capped at 48000,
 * times scale (attempt counts from 0). */
unsigned pqtun_up_attempt_timeout_ms(unsigned attempt, double scale);

/* Bring the tunnel described by conf up. On failure nothing is left behind
 * and err says why. Returns 0 or -1. */
int pqtun_tunnel_up(struct pqtun_tunconf *conf, const struct pqtun_up_options *opt,
		    char *err, size_t errlen);

/* Undo everything `up` recorded for iface (also after a crash). Returns 0,
 * 1 if pqtun knows nothing about iface, -1 on error (err). */
int pqtun_tunnel_down(const char *iface, char *err, size_t errlen);

#endif
