/* The decisions of relay interface mode, as pure functions of the relay
 * state and a snapshot of the WireGuard device: authorization, registering
 * an ephemeral peer, and the periodic step that moves allowed IPs to the
 * peer that handshook last and expires unused ephemeral peers. Each adds the
 * WireGuard changes it needs to a set request (`set`, a device whose peers
 * are updates); the caller applies it and saves the state. Log lines name
 * peers by public key; PSKs are never logged. */
#ifndef PQTUN_RELAY_WG_SYNC_H
#define PQTUN_RELAY_WG_SYNC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "relay/wg_state.h"
#include "wg/device.h"

/* May the client at src register an ephemeral peer for parent? Allowed when
 * src lies in the allowed IPs loaded in WireGuard for parent's normal peer or
 * one of its ephemeral peers (WireGuard only accepts such a source from that
 * peer's tunnel), and parent is not a superseded ephemeral key: an
 * ephemeral key is refused once another key of the same peer (the normal
 * one or a newer ephemeral one) has handshaken after it, as seen in snap,
 * since the client has left it behind and the request cannot have come
 * through its tunnel (the refusal is logged). The normal key is always
 * accepted. Returns 0, or a gRPC status with a reason in msg. */
int wg_sync_authorize(struct wg_relay_state *s, const struct pqtun_wg_device *snap,
		      const struct sockaddr *src, const uint8_t parent[32], char *msg, size_t msglen);

/* Register eph (with psk, NULL = none) as the ephemeral peer of parent's
 * normal peer: replaces the previous ephemeral peer (kept as "old" while it
 * holds the allowed IPs). A tentative switch is confirmed first if snap shows
 * a handshake of its ephemeral peer, and otherwise undone (the client asks
 * again without having switched). Appends the changes to set; *dirty is set
 * when the state changed. Returns 0 or a gRPC status with msg. */
int wg_sync_register(struct wg_relay_state *s, const struct pqtun_wg_device *snap,
		     const struct sockaddr *src, const uint8_t parent[32], const uint8_t eph[32],
		     const uint8_t *psk, int64_t now_s, struct pqtun_wg_device *set, int *dirty,
		     char *msg, size_t msglen);

/* One reconciliation step: drop entries whose normal peer is gone (and
 * their ephemeral peers), forget ephemeral peers WireGuard no longer has,
 * move the allowed IPs to whichever of normal/eph/old completed a new
 * handshake most recently, expire ephemeral peers that do not hold the IPs
 * and were not used for expire_s seconds. Returns 1 if the state changed,
 * 0 if not, -1 if out of memory. */
int wg_sync_step(struct wg_relay_state *s, const struct pqtun_wg_device *snap, int64_t now_s,
		 unsigned expire_s, struct pqtun_wg_device *set);

/* The response that registered eph reached the client, which switches to
 * eph right after: give eph its normal peer's allowed IPs now, before its
 * first handshake, so the client's first packets are not dropped. The
 * switch stays tentative until eph handshakes; wg_sync_step undoes it when
 * the previous holder handshakes, or after WG_SYNC_TENTATIVE_S without a
 * handshake of eph (the client never switched). Appends the changes to set. Returns 1 if the state
 * changed, 0 if there was nothing to do (unknown or replaced key, eph
 * already holds the IPs), -1 if out of memory (discard set). */
int wg_sync_delivered(struct wg_relay_state *s, const uint8_t eph[32], int64_t now_s,
		      struct pqtun_wg_device *set);

/* A tentative switch whose ephemeral peer has not handshaken after this
 * many seconds (wall clock, so 1-2 s) is undone: the client did not switch
 * (lost the response, crashed, or its multihop bring-up failed at the
 * other hop); one that did and stays idle only loses the head start. */
#define WG_SYNC_TENTATIVE_S 2

/* How long after its registration an ephemeral peer that has not
 * handshaken yet makes the relay poll fast. */
#define WG_SYNC_PENDING_S 30

/* 1 if some ephemeral peer registered less than WG_SYNC_PENDING_S ago still
 * waits for its first handshake (poll fast until it comes). */
int wg_sync_pending(const struct wg_relay_state *s, int64_t now_s);

#endif
