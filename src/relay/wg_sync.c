#include "relay/wg_sync.h"

#include <stdio.h>
#include <string.h>

#include "pqtun/exchange.h"
#include "util/log.h"

/* Last handshake of a peer in ns since the epoch (0 = never or absent). */
static int64_t hs_ns(const struct pqtun_wg_peer *p)
{
	return p ? p->last_handshake_sec * 1000000000LL + p->last_handshake_nsec : 0;
}

/* Base64 of a public key for log lines. */
static void key64(char out[45], const uint8_t k[32])
{
	pqtun_wg_key_b64(out, k);
}

/* Append a peer update to set; NULL if out of memory. */
static struct pqtun_wg_peer *change(struct pqtun_wg_device *set, const uint8_t key[32], uint32_t flags)
{
	struct pqtun_wg_peer *p = pqtun_wg_device_add_peer(set);
	if (!p)
		return NULL;
	memcpy(p->public_key, key, 32);
	p->flags = PQTUN_WGPEER_HAS_PUBLIC_KEY | flags;
	return p;
}

/* Append "remove this peer" to set. 0 or -1. */
static int remove_peer(struct pqtun_wg_device *set, const uint8_t key[32])
{
	return change(set, key, PQTUN_WGPEER_REMOVE_ME) ? 0 : -1;
}

/* Give the entry's allowed IPs to `key` (WireGuard takes them away from the
 * previous holder, which is also cleared explicitly). */
static int move_ips(struct pqtun_wg_device *set, const struct wg_relay_entry *e,
		    const uint8_t *from, const uint8_t to[32])
{
	if (from && !change(set, from, PQTUN_WGPEER_REPLACE_ALLOWEDIPS | PQTUN_WGPEER_UPDATE_ONLY))
		return -1;
	struct pqtun_wg_peer *p = change(set, to, PQTUN_WGPEER_REPLACE_ALLOWEDIPS | PQTUN_WGPEER_UPDATE_ONLY);
	if (!p)
		return -1;
	for (size_t i = 0; i < e->n_ips; i++)
		if (pqtun_wg_peer_add_allowed_ip(p, &e->ips[i]) != 0)
			return -1;
	return 0;
}

/* Public key of the given holder of an entry. */
static const uint8_t *holder_key(const struct wg_relay_entry *e, enum wg_holder h)
{
	return h == WG_HOLDER_EPH ? e->eph : h == WG_HOLDER_OLD ? e->old : e->normal;
}

/* 1 if src lies in the allowed IPs the peer has loaded. */
static int peer_has_src(const struct pqtun_wg_peer *p, const struct sockaddr *src)
{
	for (size_t i = 0; p && i < p->n_allowed_ips; i++)
		if (pqtun_cidr_contains_sockaddr(&p->allowed_ips[i], src))
			return 1;
	return 0;
}

/* The entry parent belongs to (as normal, eph or old key), or NULL. */
static struct wg_relay_entry *entry_of(struct wg_relay_state *s, const uint8_t parent[32])
{
	struct wg_relay_entry *e = wg_state_find_normal(s, parent);
	return e ? e : wg_state_find_ephemeral(s, parent);
}

/* Newest handshake of key seen so far: the snapshot or the entry's record. */
static int64_t newest_hs(const struct pqtun_wg_device *snap, const uint8_t key[32], int64_t recorded)
{
	int64_t h = hs_ns(pqtun_wg_device_find_peer(snap, key));
	return h > recorded ? h : recorded;
}

/* If parent is an ephemeral key of e that the client has left behind (an
 * other key of the same peer completed a handshake after parent's last
 * one), the key that superseded it; else NULL. The normal key is never
 * superseded: it stays the client's identity. A request naming a
 * superseded key cannot come from the tunnel of that key (no handshake
 * since the newer key's), whatever addresses its source has. */
static const uint8_t *superseded_by(const struct wg_relay_entry *e, const struct pqtun_wg_device *snap,
				    const uint8_t parent[32])
{
	const uint8_t *keys[3] = { e->normal, e->has_eph ? e->eph : NULL, e->has_old ? e->old : NULL };
	const int64_t recorded[3] = { e->hs_normal, e->hs_eph, e->hs_old };
	int64_t hs[3], parent_hs = -1;
	if (!memcmp(parent, e->normal, 32))
		return NULL;
	for (int i = 0; i < 3; i++) {
		hs[i] = keys[i] ? newest_hs(snap, keys[i], recorded[i]) : 0;
		if (keys[i] && !memcmp(keys[i], parent, 32))
			parent_hs = hs[i];
	}
	if (parent_hs < 0)
		return NULL;
	const uint8_t *by = NULL;
	int64_t by_hs = parent_hs;
	for (int i = 0; i < 3; i++)
		if (keys[i] && memcmp(keys[i], parent, 32) && hs[i] > by_hs) {
			by = keys[i];
			by_hs = hs[i];
		}
	return by;
}

int wg_sync_authorize(struct wg_relay_state *s, const struct pqtun_wg_device *snap,
		      const struct sockaddr *src, const uint8_t parent[32], char *msg, size_t msglen)
{
	struct wg_relay_entry *e = entry_of(s, parent);
	const struct pqtun_wg_peer *p = pqtun_wg_device_find_peer(snap, parent);
	if (!e && !p) {
		snprintf(msg, msglen, "unknown WireGuard peer");
		return PQTUN_GRPC_PERMISSION_DENIED;
	}
	if (!e)
		return peer_has_src(p, src) ? 0 : (snprintf(msg, msglen, "request did not arrive "
			"through the tunnel of this peer"), PQTUN_GRPC_PERMISSION_DENIED);
	const uint8_t *by = superseded_by(e, snap, parent);
	if (by) {
		char k1[45], k2[45];
		key64(k1, parent);
		key64(k2, by);
		log_warn("relay: refused a request naming ephemeral key %s as parent: the client has "
			 "since handshaken with %s", k1, k2);
		snprintf(msg, msglen, "wg_parent_pubkey is a superseded ephemeral key (the client "
			 "has handshaken with a newer key since); use the key of the current tunnel");
		return PQTUN_GRPC_PERMISSION_DENIED;
	}
	if (peer_has_src(pqtun_wg_device_find_peer(snap, e->normal), src) ||
	    (e->has_eph && peer_has_src(pqtun_wg_device_find_peer(snap, e->eph), src)) ||
	    (e->has_old && peer_has_src(pqtun_wg_device_find_peer(snap, e->old), src)))
		return 0;
	snprintf(msg, msglen, "request did not arrive through the tunnel of this peer");
	return PQTUN_GRPC_PERMISSION_DENIED;
}

int wg_sync_register(struct wg_relay_state *s, const struct pqtun_wg_device *snap,
		     const struct sockaddr *src, const uint8_t parent[32], const uint8_t eph[32],
		     const uint8_t *psk, int64_t now_s, struct pqtun_wg_device *set, int *dirty,
		     char *msg, size_t msglen)
{
	char k1[45], k2[45];
	int rc = wg_sync_authorize(s, snap, src, parent, msg, msglen);
	if (rc != 0)
		return rc;
	struct wg_relay_entry *e = entry_of(s, parent);
	const uint8_t *normal = e ? e->normal : parent;
	int same_eph = e && e->has_eph && !memcmp(e->eph, eph, 32);
	struct wg_relay_entry *other = wg_state_find_ephemeral(s, eph);
	if (!memcmp(eph, normal, 32) || (pqtun_wg_device_find_peer(snap, eph) && !same_eph) ||
	    (other && other != e) || wg_state_find_normal(s, eph)) {
		snprintf(msg, msglen, "the ephemeral key is already in use by a peer");
		return PQTUN_GRPC_INVALID_ARGUMENT;
	}
	if (!e) {
		const struct pqtun_wg_peer *np = pqtun_wg_device_find_peer(snap, normal);
		e = wg_state_add(s, normal, np->allowed_ips, np->n_allowed_ips);
		if (!e) {
			snprintf(msg, msglen, "out of memory");
			return PQTUN_GRPC_RESOURCE_EXHAUSTED;
		}
		e->holder = WG_HOLDER_NORMAL;
		e->hs_normal = hs_ns(np);
	}
	if (e->tentative && e->holder == WG_HOLDER_EPH && e->has_eph) {
		/* the poller may not have seen eph's handshake yet: the fresh
		 * snapshot decides whether the client made the switch */
		int64_t h = hs_ns(pqtun_wg_device_find_peer(snap, e->eph));
		if (h > e->hs_eph) {
			e->hs_eph = h;
			e->tentative = 0;
			key64(k1, e->eph);
			key64(k2, e->normal);
			log_info("relay: ephemeral peer %s of %s handshook; switch confirmed", k1, k2);
		}
	}
	if (e->tentative && e->holder == WG_HOLDER_EPH && e->has_eph && !memcmp(parent, e->eph, 32)) {
		e->tentative = 0; /* the request came through eph's tunnel: the switch happened */
	} else if (e->tentative) {
		/* an unconfirmed switch the client did not make (it asks again
		 * from the previous key and eph never handshook): undo it first */
		if (e->holder == WG_HOLDER_EPH &&
		    move_ips(set, e, e->eph, holder_key(e, e->tentative_from)) != 0)
			goto oom;
		if (e->holder == WG_HOLDER_EPH) {
			e->holder = e->tentative_from;
			key64(k1, e->eph);
			key64(k2, holder_key(e, e->holder));
			log_info("relay: new request before ephemeral peer %s handshook; "
				 "%s takes back the allowed IPs", k1, k2);
		}
		e->tentative = 0;
	}
	if (e->has_eph && !same_eph) {
		if (e->holder == WG_HOLDER_EPH) {
			/* re-negotiation from inside the upgraded tunnel: the current
			 * ephemeral peer keeps the IPs until the new one handshakes */
			if (e->has_old && remove_peer(set, e->old) != 0)
				goto oom;
			memcpy(e->old, e->eph, 32);
			e->has_old = 1;
			e->hs_old = e->hs_eph;
			e->holder = WG_HOLDER_OLD;
		} else if (remove_peer(set, e->eph) != 0) {
			goto oom;
		}
	}
	uint32_t flags = PQTUN_WGPEER_HAS_PRESHARED_KEY;
	if (!(same_eph && e->holder == WG_HOLDER_EPH))
		flags |= PQTUN_WGPEER_REPLACE_ALLOWEDIPS; /* no IPs until it handshakes */
	struct pqtun_wg_peer *p = change(set, eph, flags);
	if (!p)
		goto oom;
	if (psk)
		memcpy(p->preshared_key, psk, 32);
	memcpy(e->eph, eph, 32);
	e->has_eph = 1;
	if (!same_eph)
		e->hs_eph = 0;
	e->eph_registered = now_s;
	*dirty = 1;
	key64(k1, eph);
	key64(k2, e->normal);
	log_info("relay: ephemeral peer %s registered for peer %s%s", k1, k2,
		 psk ? " (post-quantum PSK)" : " (no PSK)");
	return 0;
oom:
	snprintf(msg, msglen, "out of memory");
	return PQTUN_GRPC_RESOURCE_EXHAUSTED;
}

/* Which of normal/eph/old actually has allowed IPs loaded (the holder as
 * WireGuard sees it); -1 if none has. */
static int loaded_holder(const struct wg_relay_entry *e, const struct pqtun_wg_peer *n,
			 const struct pqtun_wg_peer *ep, const struct pqtun_wg_peer *op)
{
	if (!e->n_ips)
		return -1;
	if (n && n->n_allowed_ips)
		return WG_HOLDER_NORMAL;
	if (ep && ep->n_allowed_ips)
		return WG_HOLDER_EPH;
	if (op && op->n_allowed_ips)
		return WG_HOLDER_OLD;
	return -1;
}

/* 1 if the stored allowed IPs equal the peer's (same order). */
static int same_ips(const struct wg_relay_entry *e, const struct pqtun_wg_peer *p)
{
	if (e->n_ips != p->n_allowed_ips)
		return 0;
	for (size_t i = 0; i < e->n_ips; i++)
		if (!pqtun_cidr_equal(&e->ips[i], &p->allowed_ips[i]))
			return 0;
	return 1;
}

/* Reconcile one entry (see wg_sync_step). 1 if changed, 0 if not, -1 if out of memory; may remove the entry. */
static int step_entry(struct wg_relay_state *s, size_t idx, const struct pqtun_wg_device *snap,
		      int64_t now_s, unsigned expire_s, struct pqtun_wg_device *set)
{
	struct wg_relay_entry *e = &s->entries[idx];
	const struct pqtun_wg_peer *n = pqtun_wg_device_find_peer(snap, e->normal);
	const struct pqtun_wg_peer *ep = e->has_eph ? pqtun_wg_device_find_peer(snap, e->eph) : NULL;
	const struct pqtun_wg_peer *op = e->has_old ? pqtun_wg_device_find_peer(snap, e->old) : NULL;
	char k1[45], k2[45];
	int changed = 0;

	key64(k2, e->normal);
	if (!n) {
		/* the normal peer was removed: its ephemeral peers go too */
		if ((ep && remove_peer(set, e->eph) != 0) || (op && remove_peer(set, e->old) != 0))
			return -1;
		log_info("relay: peer %s is gone; removing its ephemeral peers", k2);
		wg_state_remove(s, idx);
		return 1;
	}
	if (e->has_eph && !ep) {
		key64(k1, e->eph);
		log_warn("relay: ephemeral peer %s of %s is no longer in WireGuard; forgetting it", k1, k2);
		e->has_eph = 0;
		changed = 1;
	}
	if (e->has_old && !op) {
		e->has_old = 0;
		changed = 1;
	}
	if (e->tentative && (e->holder != WG_HOLDER_EPH || !e->has_eph ||
			     (e->tentative_from == WG_HOLDER_OLD && !e->has_old))) {
		e->tentative = 0; /* resolved from outside */
		changed = 1;
	}
	/* adopt what WireGuard actually has (after a restart or an outside change) */
	int lh = loaded_holder(e, n, ep, op);
	if (lh >= 0 && lh != (int)e->holder) {
		e->holder = (enum wg_holder)lh;
		changed = 1;
	}
	if ((e->holder == WG_HOLDER_EPH && !e->has_eph) || (e->holder == WG_HOLDER_OLD && !e->has_old) ||
	    (lh < 0 && e->n_ips && e->holder != WG_HOLDER_NORMAL)) {
		if (move_ips(set, e, NULL, e->normal) != 0)
			return -1;
		log_info("relay: peer %s gets its allowed IPs back", k2);
		e->holder = WG_HOLDER_NORMAL;
		changed = 1;
	}
	/* the peer with the newest new handshake takes the IPs */
	int best = -1;
	int64_t best_hs = 0, h;
	h = hs_ns(n);
	if (h > e->hs_normal) {
		best = WG_HOLDER_NORMAL;
		best_hs = h;
	}
	e->hs_normal = h > e->hs_normal ? h : e->hs_normal;
	if (ep) {
		h = hs_ns(ep);
		if (h > e->hs_eph && h > best_hs) {
			best = WG_HOLDER_EPH;
			best_hs = h;
		}
		e->hs_eph = h > e->hs_eph ? h : e->hs_eph;
	}
	if (op) {
		h = hs_ns(op);
		if (h > e->hs_old && h > best_hs)
			best = WG_HOLDER_OLD;
		e->hs_old = h > e->hs_old ? h : e->hs_old;
	}
	/* An unconfirmed switch without a handshake for too long: the client
	 * did not switch (or crashed first). Traffic that still arrives from
	 * the previous key is no proof: in multihop the client switches only
	 * after negotiating with the entry relay too, and TCP teardown of the
	 * exchange keeps trickling in with the previous key until then. */
	int went_back = 0;
	if (e->tentative && best < 0 && now_s - e->tentative_since >= WG_SYNC_TENTATIVE_S) {
		best = (int)e->tentative_from;
		went_back = 1;
	}
	if (best >= 0 && e->tentative) {
		e->tentative = 0; /* confirmed (eph handshook) or undone */
		changed = 1;
	}
	if (best >= 0 && best != (int)e->holder) {
		if (move_ips(set, e, holder_key(e, e->holder), holder_key(e, (enum wg_holder)best)) != 0)
			return -1;
		key64(k1, holder_key(e, (enum wg_holder)best));
		if (went_back)
			log_info("relay: peer %s: no handshake of its ephemeral peer within %d s of the "
				 "switch; %s takes back the allowed IPs", k2, WG_SYNC_TENTATIVE_S, k1);
		else if (best == WG_HOLDER_NORMAL)
			log_info("relay: peer %s handshook again and takes back its allowed IPs", k2);
		else
			log_info("relay: ephemeral peer %s handshook and takes over the allowed IPs of %s", k1, k2);
		e->holder = (enum wg_holder)best;
		changed = 1;
	}
	/* an old ephemeral peer is only kept while it holds the IPs */
	if (e->has_old && e->holder != WG_HOLDER_OLD &&
	    !(e->tentative && e->tentative_from == WG_HOLDER_OLD)) {
		if (remove_peer(set, e->old) != 0)
			return -1;
		key64(k1, e->old);
		log_info("relay: previous ephemeral peer %s of %s replaced", k1, k2);
		e->has_old = 0;
		changed = 1;
	}
	/* the normal peer's IPs changed from outside while it holds them */
	if (e->holder == WG_HOLDER_NORMAL && n->n_allowed_ips && !same_ips(e, n)) {
		if (wg_state_set_ips(e, n->allowed_ips, n->n_allowed_ips) != 0)
			return -1;
		changed = 1;
	}
	/* expiry of an ephemeral peer that does not hold the IPs */
	if (e->has_eph && e->holder != WG_HOLDER_EPH) {
		int64_t last = e->eph_registered, hs = e->hs_eph / 1000000000LL;
		if (hs > last)
			last = hs;
		if (now_s - last >= (int64_t)expire_s) {
			if (remove_peer(set, e->eph) != 0)
				return -1;
			key64(k1, e->eph);
			log_info("relay: ephemeral peer %s of %s unused for %u s; removed", k1, k2, expire_s);
			e->has_eph = 0;
			changed = 1;
		}
	}
	if (!e->has_eph && !e->has_old && e->holder == WG_HOLDER_NORMAL) {
		wg_state_remove(s, idx);
		changed = 1;
	}
	return changed;
}

int wg_sync_step(struct wg_relay_state *s, const struct pqtun_wg_device *snap, int64_t now_s,
		 unsigned expire_s, struct pqtun_wg_device *set)
{
	int changed = 0;
	for (size_t i = s->n; i-- > 0;) {
		int r = step_entry(s, i, snap, now_s, expire_s, set);
		if (r < 0)
			return -1;
		changed |= r;
	}
	return changed;
}

int wg_sync_pending(const struct wg_relay_state *s, int64_t now_s)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct wg_relay_entry *e = &s->entries[i];
		if (e->has_eph && (e->holder != WG_HOLDER_EPH || e->tentative) && e->hs_eph == 0 &&
		    now_s - e->eph_registered < WG_SYNC_PENDING_S)
			return 1;
	}
	return 0;
}

int wg_sync_delivered(struct wg_relay_state *s, const uint8_t eph[32], int64_t now_s,
		      struct pqtun_wg_device *set)
{
	char k1[45], k2[45];
	struct wg_relay_entry *e = wg_state_find_ephemeral(s, eph);
	if (!e || !e->has_eph || memcmp(e->eph, eph, 32) != 0 || e->holder == WG_HOLDER_EPH || !e->n_ips)
		return 0;
	if (move_ips(set, e, holder_key(e, e->holder), e->eph) != 0)
		return -1;
	e->tentative = 1;
	e->tentative_since = now_s;
	e->tentative_from = e->holder;
	e->holder = WG_HOLDER_EPH;
	key64(k1, e->eph);
	key64(k2, e->normal);
	log_info("relay: response delivered; ephemeral peer %s takes over the allowed IPs of %s "
		 "ahead of its handshake", k1, k2);
	return 1;
}
