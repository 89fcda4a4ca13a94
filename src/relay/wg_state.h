/* Relay interface mode: which ephemeral peers belong to which normal peer,
 * who currently holds the normal peer's allowed IPs, and the file that keeps
 * this across restarts of `pqtun serve --interface`.
 *
 * Per normal peer there is at most one current ephemeral peer ("eph", the
 * latest registered) and, during a re-negotiation from inside an upgraded
 * tunnel, the previous ephemeral peer ("old") that keeps the tunnel working
 * until the new one handshakes. Exactly one of normal/eph/old holds the
 * allowed IPs in WireGuard. No PSK is stored here or in the file: WireGuard
 * keeps the PSKs of loaded peers. */
#ifndef PQTUN_RELAY_WG_STATE_H
#define PQTUN_RELAY_WG_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "wg/cidr.h"

enum wg_holder { WG_HOLDER_NORMAL = 0, WG_HOLDER_EPH = 1, WG_HOLDER_OLD = 2 };

struct wg_relay_entry {
	uint8_t normal[32];
	uint8_t eph[32];
	uint8_t old[32];
	int has_eph, has_old;
	enum wg_holder holder;
	struct pqtun_cidr *ips;     /* the normal peer's allowed IPs */
	size_t n_ips;
	int64_t eph_registered;     /* wall clock seconds */
	int64_t hs_normal, hs_eph, hs_old; /* last handshake seen, ns since epoch (0 = never) */
	/* The eph peer got the IPs when the exchange's response was delivered,
	 * before its first handshake: until that handshake confirms the switch,
	 * `from` (normal or old) is kept and takes the IPs back if it
	 * handshakes or eph does not handshake in time. */
	int tentative;
	enum wg_holder tentative_from;
	int64_t tentative_since;    /* wall clock seconds of the switch */
};

struct wg_relay_state {
	struct wg_relay_entry *entries;
	size_t n;
};

/* Entry of a normal peer, or NULL. */
struct wg_relay_entry *wg_state_find_normal(struct wg_relay_state *s, const uint8_t key[32]);
/* Entry whose eph or old key is key, or NULL. */
struct wg_relay_entry *wg_state_find_ephemeral(struct wg_relay_state *s, const uint8_t key[32]);
/* New entry for normal (ips copied). NULL if out of memory. Pointers to
 * other entries may move. */
struct wg_relay_entry *wg_state_add(struct wg_relay_state *s, const uint8_t normal[32],
				    const struct pqtun_cidr *ips, size_t n_ips);
/* Replace an entry's stored allowed IPs. 0 or -1. */
int wg_state_set_ips(struct wg_relay_entry *e, const struct pqtun_cidr *ips, size_t n_ips);
/* Remove entry at index i. */
void wg_state_remove(struct wg_relay_state *s, size_t i);
void wg_state_free(struct wg_relay_state *s);
/* Deep copy of src into dst (whose old content is not freed). 0, or -1 if
 * out of memory (dst then empty). */
int wg_state_copy(struct wg_relay_state *dst, const struct wg_relay_state *src);

/* Write the state to path atomically (temporary file in the same directory,
 * fsync, rename; mode 0600). 0, or -1 with err set. */
int wg_state_save(const struct wg_relay_state *s, const char *path, char *err, size_t errlen);
/* Read path into s (empty state if the file does not exist). 0, or -1 with
 * err set ("path:line: reason"); s is then empty. */
int wg_state_load(struct wg_relay_state *s, const char *path, char *err, size_t errlen);

#endif
