/* Relay interface mode (`pqtun serve --interface IFACE`): the exchange
 * policy that loads ephemeral peers into a WireGuard interface, plus a
 * background thread that moves allowed IPs between a normal peer and its
 * ephemeral peers as they handshake and expires unused ephemeral peers.
 * A second thread gives an ephemeral peer the allowed IPs as soon as the
 * response that registered it has left the socket (policy.delivered), so
 * the client's first packets after its switch are not dropped; that costs
 * one set request of two peers and no device dump. The poller reads the
 * whole device (neither backend can read one peer) every poll_ms, and
 * every fast_poll_ms while a new ephemeral peer awaits its handshake.
 * State is saved atomically to a file and reconciled with WireGuard's peers
 * on start. See relay/wg_sync.h for the rules. */
#ifndef PQTUN_RELAY_WG_RELAY_H
#define PQTUN_RELAY_WG_RELAY_H

#include <stddef.h>

#include "pqtun/exchange.h"

#define PQTUN_WG_RELAY_STATE_DIR "/var/lib/pqtun"
#define PQTUN_WG_RELAY_DEFAULT_EXPIRE_S 300
#define PQTUN_WG_RELAY_DEFAULT_POLL_MS 500
#define PQTUN_WG_RELAY_FAST_POLL_MS 100

struct pqtun_wg_relay_options {
	const char *ifname;
	const char *state_path;   /* NULL = /var/lib/pqtun/<ifname>.state */
	unsigned expire_s;        /* unused ephemeral peers live this long; 0 = default */
	unsigned poll_ms;         /* steady-state poll interval; 0 = default */
	unsigned fast_poll_ms;    /* while an ephemeral peer awaits its handshake; 0 = default */
};

struct pqtun_wg_relay;

/* Check the interface (no state file access and no threads yet: the
 * caller may drop privileges before pqtun_wg_relay_start). Returns 0, or
 * -1 with a one-line reason in err. */
int pqtun_wg_relay_create(struct pqtun_wg_relay **out, const struct pqtun_wg_relay_options *opts,
			  char *err, size_t errlen);
#define PQTUN_WG_RELAY_UNWRITABLE (-2)
/* With the credentials the relay keeps: load the state, reconcile it with
 * WireGuard's peers, save it (proves the file is writable) and start the
 * poller and switcher threads. 0, PQTUN_WG_RELAY_UNWRITABLE if the state
 * file cannot be written, or -1 for other failures, with a one-line
 * reason in err (pqtun_wg_relay_free, or the policy's release, still
 * cleans up). */
int pqtun_wg_relay_start(struct pqtun_wg_relay *r, char *err, size_t errlen);
/* Fill policy with the callbacks (authorize, register_peer, release). The
 * relay object is freed by policy.release (pqtun_relay_destroy calls it) or
 * by pqtun_wg_relay_free if it was never handed over. */
void pqtun_wg_relay_policy(struct pqtun_wg_relay *r, struct pqtun_relay_policy *policy);
void pqtun_wg_relay_free(struct pqtun_wg_relay *r);

/* "A.B.C.D:1337" for the first IPv4 address of ifname, into out. 0, or -1
 * with err set. */
int pqtun_wg_relay_default_listen(const char *ifname, char *out, size_t outlen, char *err, size_t errlen);

#endif
