#define _GNU_SOURCE
#include "tunnel/rekey.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "pqtun/exchange.h"
#include "pqtun/wgkey.h"
#include "tunnel/bringup.h"
#include "tunnel/state.h"
#include "util/encoding.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/random.h"
#include "util/timeutil.h"
#include "wg/backend.h"
#include "wg/device.h"

#define REKEY_MIN_EXCHANGE_MS 2000 /* floor of the scaled exchange timeout */

double pqtun_rekey_scale_from_env(void)
{
	const char *s = getenv(PQTUN_REKEY_SCALE_ENV);
	if (!s || !*s)
		return 1.0;
	char *end;
	double v = strtod(s, &end);
	if (*end || !(v > 0 && v <= 1))
		return -1;
	return v;
}

uint64_t pqtun_rekey_delay_ms(unsigned interval_s, double scale, uint32_t rnd)
{
	/* factor uniform in [0.9, 1.1] */
	double factor = 0.9 + 0.2 * ((double)rnd / 4294967295.0);
	double ms = interval_s * 1000.0 * (scale > 0 ? scale : 1.0) * factor;
	return ms < 1 ? 1 : (uint64_t)ms;
}

uint64_t pqtun_rekey_backoff_ms(unsigned failures, unsigned interval_s, double scale)
{
	unsigned shift = failures == 0 ? 0 : failures - 1;
	uint64_t ms = shift >= 16 ? UINT64_MAX : 8000ull << shift;
	uint64_t cap = (uint64_t)interval_s * 1000;
	if (cap && ms > cap)
		ms = cap;
	double s = ms * (scale > 0 ? scale : 1.0);
	return s < 1 ? 1 : (uint64_t)s;
}

/* Lock iface's state, but only if it has one (no lock file is created for
 * an unknown interface). Returns the lock, -1 on error, -2 if there is no
 * state; with a lock held, *st is loaded. */
static int lock_and_load(const char *iface, struct pqtun_state *st)
{
	char path[4200];
	pqtun_state_path(path, sizeof(path), iface);
	if (access(path, F_OK) < 0)
		return errno == ENOENT ? -2 : -1;
	int lock = pqtun_state_lock(iface);
	if (lock < 0)
		return -1;
	int ls = pqtun_state_load(st, iface);
	if (ls == 0)
		return lock;
	if (ls == 1) { /* taken down meanwhile: drop the lock file we recreated */
		snprintf(path, sizeof(path), "%s/%s.lock", pqtun_state_dir(), iface);
		unlink(path);
	}
	pqtun_state_unlock(lock);
	return ls == 1 ? -2 : -1;
}

static uint64_t cpu_us_now(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return 0;
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

/* Secrets of one rotation, in locked memory. */
struct rotation_secrets {
	uint8_t new_priv[32];
	uint8_t psk[PQTUN_STATE_MAX_HOPS][32];
};

/* One rotation's working set. */
struct rotation {
	const char *iface;
	struct pqtun_state *st;
	struct pqtun_wg_device *snap; /* the device before the rotation (secret: keys) */
	struct rotation_secrets *sec;
	uint8_t cur_pub[32], new_pub[32];
	int entry, exit;              /* hop indices, -1 if absent */
	unsigned timeout_ms;
	uint64_t cpu0;                /* process CPU time at the start (us) */
	char *err;
	size_t errlen;
};

/* The Gateway as a host prefix for the entry peer during §8.3. */
static int gateway_host(const struct pqtun_state *st, struct pqtun_cidr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, st->gateway, out->addr) == 1) {
		out->family = AF_INET;
		out->prefix = 32;
		return 0;
	}
	if (inet_pton(AF_INET6, st->gateway, out->addr) == 1) {
		out->family = AF_INET6;
		out->prefix = 128;
		return 0;
	}
	return -1;
}

/* The device peer of hop i (NULL if it is gone). */
static const struct pqtun_wg_peer *hop_peer(struct rotation *r, size_t i)
{
	uint8_t key[32];
	if (pqtun_key_from_base64(key, r->st->hops[i].relay_key) < 0)
		return NULL;
	return pqtun_wg_device_find_peer(r->snap, key);
}

/* Set the entry peer's allowed IPs to the snapshot's, plus extra if given. */
static int entry_allowed(struct rotation *r, const struct pqtun_cidr *extra)
{
	const struct pqtun_wg_peer *cur = hop_peer(r, (size_t)r->entry);
	struct pqtun_wg_device *dev = pqtun_wg_device_new(r->iface);
	struct pqtun_wg_peer *p;
	int rc = -1;
	if (!dev || !(p = pqtun_wg_device_add_peer(dev))) {
		snprintf(r->err, r->errlen, "out of memory");
		goto out;
	}
	p->flags = PQTUN_WGPEER_HAS_PUBLIC_KEY | PQTUN_WGPEER_UPDATE_ONLY | PQTUN_WGPEER_REPLACE_ALLOWEDIPS;
	memcpy(p->public_key, cur->public_key, 32);
	if (pqtun_wg_peer_copy_allowed_ips(p, cur) < 0 || (extra && pqtun_wg_peer_add_allowed_ip(p, extra) < 0)) {
		snprintf(r->err, r->errlen, "out of memory");
		goto out;
	}
	rc = pqtun_wg_set_device(dev, r->err, r->errlen) < 0 ? -1 : 0;
out:
	pqtun_wg_device_free(dev);
	return rc;
}

/* One exchange for hop i over the current tunnel; the PSK goes to sec->psk[i].
 * Only a post-quantum answer counts: a relay that registers the peer
 * without a PSK fails the rotation (no fallback). */
static int exchange_hop(struct rotation *r, size_t i, struct pqtun_rekey_report *rep)
{
	struct pqtun_hop_status *h = &r->st->hops[i];
	struct pqtun_exchange_result res;
	struct pqtun_exchange_options eo = {
		.host = r->st->gateway,
		.port = (uint16_t)r->st->config_port,
		.timeout_ms = r->timeout_ms,
		.post_quantum = 1,
		.daita = r->st->daita && strcmp(h->role, "exit") != 0,
	};
	memset(&res, 0, sizeof(res));
	const char *kems[PQTUN_EXCHANGE_MAX_KEMS];
	if (h->kems[0]) { /* the KEMs `up` negotiated with this relay */
		if (pqtun_exchange_parse_kems(h->kems, kems, &eo.n_kems, r->err, r->errlen) != 0) {
			snprintf(h->last_error, sizeof(h->last_error), "rotation: %s", r->err);
			return -1;
		}
		eo.kems = kems;
	}
	h->attempts++;
	log_info("rotation: %s relay %s: exchange with %s:%u (timeout %u ms)", h->role, h->relay, eo.host, eo.port,
		 eo.timeout_ms);
	uint64_t t0 = pqtun_now_ms();
	int rc = pqtun_exchange(&eo, r->cur_pub, r->new_pub, &res);
	rep->exchange_ms[i] = pqtun_now_ms() - t0;
	if (rc == 0 && !res.has_psk) {
		snprintf(r->err, r->errlen, "%s relay answered without a post-quantum PSK; keeping the current keys",
			 h->role);
		rc = -1;
	} else if (rc == PQTUN_EX_RPC_STATUS) {
		snprintf(r->err, r->errlen, "%s relay: %s: %s %.100s", h->role, pqtun_exchange_strerror(rc),
			 pqtun_grpc_status_name(res.rpc_status), res.rpc_message);
	} else if (rc != 0) {
		snprintf(r->err, r->errlen, "%s relay: %s", h->role, pqtun_exchange_strerror(rc));
	}
	if (rc != 0) {
		snprintf(h->last_error, sizeof(h->last_error), "rotation: %s", r->err);
		pqtun_exchange_result_clear(&res);
		return -1;
	}
	memcpy(r->sec->psk[i], res.psk, 32);
	pqtun_exchange_result_clear(&res);
	h->last_error[0] = '\0';
	return 0;
}

/* Put the new PSKs on the relay peers (and the entry peer's allowed IPs
 * back to what they were), then the new private key. PSKs go first: until
 * the key changes the running sessions are untouched, and the first
 * handshake with the new key already finds the new PSKs. If the key cannot
 * be set, the old PSKs are put back. */
static int switch_keys(struct rotation *r)
{
	struct pqtun_wg_device *dev = pqtun_wg_device_new(r->iface);
	struct pqtun_wg_device *key = pqtun_wg_device_new(r->iface);
	int rc = -1;
	if (!dev || !key) {
		snprintf(r->err, r->errlen, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < r->st->n_hops; i++) {
		const struct pqtun_wg_peer *cur = hop_peer(r, i);
		struct pqtun_wg_peer *p = pqtun_wg_device_add_peer(dev);
		if (!p) {
			snprintf(r->err, r->errlen, "out of memory");
			goto out;
		}
		p->flags = PQTUN_WGPEER_HAS_PUBLIC_KEY | PQTUN_WGPEER_UPDATE_ONLY | PQTUN_WGPEER_HAS_PRESHARED_KEY;
		memcpy(p->public_key, cur->public_key, 32);
		memcpy(p->preshared_key, r->sec->psk[i], 32);
		if ((int)i == r->entry) {
			p->flags |= PQTUN_WGPEER_REPLACE_ALLOWEDIPS;
			if (pqtun_wg_peer_copy_allowed_ips(p, cur) < 0) {
				snprintf(r->err, r->errlen, "out of memory");
				goto out;
			}
		}
	}
	if (pqtun_wg_set_device(dev, r->err, r->errlen) < 0)
		goto out;
	key->flags = PQTUN_WGDEV_HAS_PRIVATE_KEY;
	memcpy(key->private_key, r->sec->new_priv, 32);
	if (pqtun_wg_set_device(key, r->err, r->errlen) < 0) {
		/* back to the PSKs that belong to the current key */
		char e2[PQTUN_WG_ERRLEN];
		for (size_t i = 0; i < dev->n_peers; i++)
			memcpy(dev->peers[i].preshared_key, hop_peer(r, i)->preshared_key, 32);
		if (pqtun_wg_set_device(dev, e2, sizeof(e2)) < 0)
			log_error("rotation: cannot put the current PSKs back: %s", e2);
		goto out;
	}
	rc = 0;
out:
	pqtun_wg_device_free(dev);
	pqtun_wg_device_free(key);
	return rc;
}

#define REKEY_HANDSHAKE_WAIT_MS 2000 /* how long the switch is watched */
#define REKEY_NUDGE_AFTER_MS 1000    /* a hop still without handshake then is re-added */

static int handshook_since(const struct pqtun_wg_peer *p, const struct timespec *t)
{
	return p->last_handshake_sec > (int64_t)t->tv_sec ||
	       (p->last_handshake_sec == (int64_t)t->tv_sec && p->last_handshake_nsec >= (int64_t)t->tv_nsec);
}

/* Remove a peer and add it again as it is now (PSK, endpoint, keepalive,
 * allowed IPs): a fresh peer initiates a handshake with the next packet
 * instead of waiting for WireGuard's 5 s retry. */
static int readd_peer(const char *iface, const struct pqtun_wg_peer *now, char *err, size_t errlen)
{
	struct pqtun_wg_device *rm = pqtun_wg_device_new(iface), *add = pqtun_wg_device_new(iface);
	struct pqtun_wg_peer *a, *b;
	int rc = -1;
	if (!rm || !add || !(a = pqtun_wg_device_add_peer(rm)) || !(b = pqtun_wg_device_add_peer(add))) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	a->flags = PQTUN_WGPEER_HAS_PUBLIC_KEY | PQTUN_WGPEER_REMOVE_ME;
	memcpy(a->public_key, now->public_key, 32);
	b->flags = PQTUN_WGPEER_HAS_PUBLIC_KEY | PQTUN_WGPEER_HAS_PRESHARED_KEY | PQTUN_WGPEER_HAS_KEEPALIVE |
		   PQTUN_WGPEER_REPLACE_ALLOWEDIPS | (now->endpoint.addr.sa_family ? PQTUN_WGPEER_HAS_ENDPOINT : 0);
	memcpy(b->public_key, now->public_key, 32);
	memcpy(b->preshared_key, now->preshared_key, 32);
	b->endpoint = now->endpoint;
	b->persistent_keepalive = now->persistent_keepalive;
	if (pqtun_wg_peer_copy_allowed_ips(b, now) < 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (pqtun_wg_set_device(rm, err, errlen) == 0 && pqtun_wg_set_device(add, err, errlen) == 0)
		rc = 0;
out:
	pqtun_wg_device_free(rm);
	pqtun_wg_device_free(add); /* wipes the PSK copy */
	return rc;
}

/* Watch the switch: wait until every hop has completed a handshake with the
 * new key (this needs traffic; an idle tunnel handshakes later, which is
 * fine). A hop that has sent since the switch but still has no handshake
 * after REKEY_NUDGE_AFTER_MS lost its handshake (e.g. the relay had not
 * moved its addresses yet); it is re-added once so that it initiates again
 * at once. Fills rep->handshake_ms (0 if not all hops handshook in time)
 * and rep->nudged. Failures here are only logged: the new keys stay. */
static void watch_switch(struct rotation *r, const struct timespec *switched, uint64_t t_start,
			 struct pqtun_rekey_report *rep)
{
	uint64_t tx0[PQTUN_STATE_MAX_HOPS] = { 0 };
	int nudged[PQTUN_STATE_MAX_HOPS] = { 0 }, have_tx0 = 0;
	uint64_t t_switch = pqtun_now_ms();
	for (;;) {
		struct pqtun_wg_device *dev = NULL;
		char e[PQTUN_WG_ERRLEN];
		if (pqtun_wg_get_device(r->iface, &dev, e, sizeof(e)) < 0) {
			log_warn("rotation: cannot read %s after the switch: %s", r->iface, e);
			return;
		}
		size_t done = 0, sending = 0;
		uint64_t elapsed = pqtun_now_ms() - t_switch;
		for (size_t i = 0; i < r->st->n_hops; i++) {
			uint8_t key[32];
			const struct pqtun_wg_peer *p = NULL;
			if (pqtun_key_from_base64(key, r->st->hops[i].relay_key) == 0)
				p = pqtun_wg_device_find_peer(dev, key);
			if (!p || handshook_since(p, switched)) {
				done++;
				continue;
			}
			if (have_tx0 && p->tx_bytes > tx0[i])
				sending++;
			if (!have_tx0)
				tx0[i] = p->tx_bytes;
			else if (!nudged[i] && elapsed >= REKEY_NUDGE_AFTER_MS && p->tx_bytes > tx0[i]) {
				log_warn("rotation: no handshake with the %s relay %llu ms after the switch; re-adding the peer "
					 "so it initiates again now",
					 r->st->hops[i].role, (unsigned long long)elapsed);
				if (readd_peer(r->iface, p, e, sizeof(e)) < 0)
					log_warn("rotation: %s", e);
				rep->nudged++;
				nudged[i] = 1;
			}
		}
		have_tx0 = 1;
		pqtun_wg_device_free(dev);
		if (done == r->st->n_hops) {
			rep->handshake_ms = pqtun_now_ms() - t_start;
			return;
		}
		/* an idle tunnel handshakes when it next sends: nothing to watch */
		if (elapsed >= REKEY_HANDSHAKE_WAIT_MS || (elapsed >= REKEY_NUDGE_AFTER_MS && sending == 0))
			return;
		usleep(20000);
	}
}

/* Checks and the rotation proper; r->st is loaded, the lock is held. */
static int rotate(struct rotation *r, struct pqtun_rekey_report *rep, uint64_t t_start)
{
	struct pqtun_state *st = r->st;
	uint8_t recorded[32];
	if (strcmp(st->phase, "up") != 0) {
		snprintf(r->err, r->errlen, "the tunnel is not up (phase %s)", st->phase);
		return -1;
	}
	if (st->gateway[0] == '\0' || st->config_port == 0) {
		snprintf(r->err, r->errlen, "the state has no config service address (tunnel brought up by an older pqtun?)");
		return -1;
	}
	for (size_t i = 0; i < st->n_hops; i++)
		if (!st->hops[i].post_quantum) {
			snprintf(r->err, r->errlen, "the %s hop has no post-quantum PSK; rotation only replaces post-quantum keys",
				 st->hops[i].role);
			return -1;
		}
	if (pqtun_wg_get_device(r->iface, &r->snap, r->err, r->errlen) < 0)
		return -1;
	if (!(r->snap->flags & PQTUN_WGDEV_HAS_PRIVATE_KEY) || pqtun_wg_pubkey(r->cur_pub, r->snap->private_key) < 0 ||
	    pqtun_key_from_base64(recorded, st->ephemeral_key) < 0 || memcmp(recorded, r->cur_pub, 32) != 0) {
		snprintf(r->err, r->errlen, "%s is not on the ephemeral key pqtun recorded; not rotating", r->iface);
		return -1;
	}
	for (size_t i = 0; i < st->n_hops; i++)
		if (!hop_peer(r, i)) {
			snprintf(r->err, r->errlen, "the %s relay's peer is not on %s", st->hops[i].role, r->iface);
			return -1;
		}
	if (pqtun_wg_genkey(r->sec->new_priv) < 0 || pqtun_wg_pubkey(r->new_pub, r->sec->new_priv) < 0) {
		snprintf(r->err, r->errlen, "cannot generate a key pair");
		return -1;
	}
	if (r->exit < 0) {
		if (exchange_hop(r, 0, rep) < 0)
			return -1;
	} else {
		struct pqtun_cidr gw;
		if (gateway_host(st, &gw) < 0) {
			snprintf(r->err, r->errlen, "Gateway %s is not an IP address", st->gateway);
			return -1;
		}
		/* §8.1: exit first, over the full path as it is */
		if (exchange_hop(r, (size_t)r->exit, rep) < 0)
			return -1;
		/* §8.2/8.3 without stopping traffic: Gateway/32 to the entry
		 * peer for the moment; the exit peer keeps everything else */
		if (entry_allowed(r, &gw) < 0)
			return -1;
		int rc = exchange_hop(r, (size_t)r->entry, rep);
		if (rc < 0) {
			char e2[256];
			size_t keep = r->errlen;
			char *saved = r->err;
			r->err = e2;
			r->errlen = sizeof(e2);
			if (entry_allowed(r, NULL) < 0)
				log_error("rotation: cannot restore the entry peer's allowed IPs: %s", e2);
			r->err = saved;
			r->errlen = keep;
			return -1;
		}
	}
	/* §8.4: the switch */
	struct timespec switched;
	clock_gettime(CLOCK_REALTIME, &switched);
	if (switch_keys(r) < 0) {
		if (r->entry >= 0)
			entry_allowed(r, NULL);
		return -1;
	}
	rep->switch_ms = pqtun_now_ms() - t_start;
	rep->cpu_us = cpu_us_now() - r->cpu0; /* the rotation proper, without the watching */
	/* Record the new key before watching, so that the state never lags
	 * behind the device. */
	int64_t now = (int64_t)time(NULL);
	for (size_t i = 0; i < st->n_hops; i++) {
		st->hops[i].negotiated = now;
		st->hops[i].rotations++;
		st->hops[i].last_error[0] = '\0';
	}
	pqtun_key_to_base64(st->ephemeral_key, r->new_pub);
	st->rekey_failures = 0;
	st->rekey_error[0] = '\0';
	if (pqtun_state_save(st) < 0)
		log_warn("rotation: cannot write the state of %s", r->iface);
	watch_switch(r, &switched, t_start, rep);
	return 0;
}

int pqtun_rekey_once(const char *iface, double scale, unsigned failures, struct pqtun_rekey_report *rep,
		     char *err, size_t errlen)
{
	struct pqtun_state st;
	struct rotation r;
	uint64_t t0 = pqtun_now_ms(), cpu0 = cpu_us_now();
	memset(rep, 0, sizeof(*rep));
	memset(&r, 0, sizeof(r));
	int lock = lock_and_load(iface, &st);
	if (lock < 0) {
		snprintf(err, errlen, lock == -2 ? "%s is not a tunnel brought up by pqtun" : "cannot read or lock the state of %s",
			 iface);
		return lock == -2 ? 1 : -1;
	}
	r.iface = iface;
	r.cpu0 = cpu0;
	r.st = &st;
	r.err = err;
	r.errlen = errlen;
	r.entry = r.exit = -1;
	for (size_t i = 0; i < st.n_hops; i++) {
		if (!strcmp(st.hops[i].role, "entry"))
			r.entry = (int)i;
		else if (!strcmp(st.hops[i].role, "exit"))
			r.exit = (int)i;
	}
	unsigned t = pqtun_up_attempt_timeout_ms(failures > 3 ? 3 : failures, scale);
	r.timeout_ms = t < REKEY_MIN_EXCHANGE_MS ? REKEY_MIN_EXCHANGE_MS : t;
	int rc = -1;
	err[0] = '\0';
	r.sec = pqtun_secure_alloc(sizeof(*r.sec));
	if (!r.sec)
		snprintf(err, errlen, "out of memory");
	else if ((r.exit >= 0) != (r.entry >= 0) || st.n_hops == 0)
		snprintf(err, errlen, "the state of %s has an incomplete hop list", iface);
	else
		rc = rotate(&r, rep, t0);

	if (rc != 0) { /* success was recorded right after the switch */
		st.rekey_failures++;
		snprintf(st.rekey_error, sizeof(st.rekey_error), "%s", err);
		if (pqtun_state_save(&st) < 0)
			log_warn("rotation: cannot write the state of %s", iface);
	}
	pqtun_state_free(&st);
	pqtun_state_unlock(lock);
	pqtun_wg_device_free(r.snap);
	pqtun_secure_free(r.sec); /* wipes the new key and PSKs (kept only by WireGuard on success) */
	if (rc != 0)
		rep->cpu_us = cpu_us_now() - cpu0;
	return rc;
}

/* 1 if pid runs the same program as we do (a recycled pid of an unrelated
 * process is never signalled). */
static int is_pqtun_process(long pid)
{
	char path[64], theirs[4096], ours[4096];
	snprintf(path, sizeof(path), "/proc/%ld/exe", pid);
	ssize_t a = readlink(path, theirs, sizeof(theirs) - 1);
	ssize_t b = readlink("/proc/self/exe", ours, sizeof(ours) - 1);
	if (a <= 0 || b <= 0)
		return 0;
	theirs[a] = ours[b] = '\0';
	return strcmp(theirs, ours) == 0;
}

/* 1 if pid has exited but was not reaped yet (state Z in /proc). */
static int is_zombie(long pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return 1; /* gone */
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *close_paren = strrchr(buf, ')');
	return close_paren && close_paren[1] == ' ' && close_paren[2] == 'Z';
}

int pqtun_rekey_alive(long pid)
{
	return pid > 0 && kill((pid_t)pid, 0) == 0 && !is_zombie(pid) && is_pqtun_process(pid);
}

void pqtun_rekey_stop(long pid)
{
	if (pid <= 0 || pid == (long)getpid() || !pqtun_rekey_alive(pid))
		return;
	log_info("stopping the PSK rotation process %ld", pid);
	/* SIGTERM ends it at the next check (at the latest when a running
	 * exchange times out); do not wait for long exchanges: SIGKILL. */
	kill((pid_t)pid, SIGTERM);
	for (int i = 0; i < 100 && kill((pid_t)pid, 0) == 0 && !is_zombie(pid); i++) {
		waitpid((pid_t)pid, NULL, WNOHANG); /* if it is our child */
		usleep(20000);
	}
	if (kill((pid_t)pid, 0) == 0 && !is_zombie(pid)) {
		kill((pid_t)pid, SIGKILL);
		for (int i = 0; i < 50 && kill((pid_t)pid, 0) == 0 && !is_zombie(pid); i++)
			usleep(10000);
	}
}

/* Load-modify-save of the rotation fields. 1 if the state is gone. */
static int record(const char *iface, long pid, unsigned interval, unsigned alert, int64_t next, int set_pid)
{
	struct pqtun_state st;
	int lock = lock_and_load(iface, &st);
	if (lock < 0)
		return lock == -2 ? 1 : -1;
	if (set_pid) {
		st.rekey_pid = pid;
		st.rekey_interval = interval;
		st.rekey_alert = alert;
	}
	st.next_rekey = next;
	int rc = pqtun_state_save(&st);
	pqtun_state_free(&st);
	pqtun_state_unlock(lock);
	return rc;
}

/* Sleep until the monotonic deadline or until *stop. */
static void sleep_until(uint64_t deadline_ms, volatile sig_atomic_t *stop)
{
	while (!*stop) {
		uint64_t now = pqtun_now_ms();
		if (now >= deadline_ms)
			return;
		uint64_t left = deadline_ms - now;
		usleep((useconds_t)(left > 200 ? 200000 : left * 1000));
	}
}

static uint64_t random_delay(unsigned interval_s, double scale)
{
	uint32_t rnd = 0;
	if (pqtun_randombytes((uint8_t *)&rnd, sizeof(rnd)) < 0)
		rnd = (uint32_t)getpid() * 2654435761u; /* jitter only, not a secret */
	return pqtun_rekey_delay_ms(interval_s, scale, rnd);
}

int pqtun_rekey_loop(const char *iface, unsigned interval_s, double scale, unsigned alert_after,
		     volatile sig_atomic_t *stop, char *err, size_t errlen)
{
	struct pqtun_state st;
	if (alert_after == 0)
		alert_after = PQTUN_REKEY_DEFAULT_ALERT;
	int lock = lock_and_load(iface, &st);
	if (lock < 0) {
		snprintf(err, errlen, lock == -2 ? "%s is not a tunnel brought up by pqtun" : "cannot read or lock the state of %s",
			 iface);
		return -1;
	}
	if (st.rekey_pid != (long)getpid() && pqtun_rekey_alive(st.rekey_pid)) {
		snprintf(err, errlen, "a rotation process (pid %ld) already runs for %s", st.rekey_pid, iface);
		pqtun_state_free(&st);
		pqtun_state_unlock(lock);
		return -1;
	}
	uint64_t delay = random_delay(interval_s, scale);
	st.rekey_pid = (long)getpid();
	st.rekey_interval = interval_s;
	st.rekey_alert = alert_after;
	st.rekey_failures = 0;
	st.next_rekey = (int64_t)time(NULL) + (int64_t)((delay + 999) / 1000);
	int saved = pqtun_state_save(&st);
	pqtun_state_free(&st);
	pqtun_state_unlock(lock);
	if (saved < 0) {
		snprintf(err, errlen, "cannot write the state of %s", iface);
		return -1;
	}
	openlog("pqtun", LOG_PID, LOG_DAEMON);
	log_info("PSK rotation for %s every %u s%s (+-10%% jitter); first in %llu ms", iface, interval_s,
		 scale != 1.0 ? " (scaled for tests)" : "", (unsigned long long)delay);

	uint64_t next = pqtun_now_ms() + delay;
	unsigned failures = 0, done = 0;
	while (!*stop) {
		sleep_until(next, stop);
		if (*stop)
			break;
		struct pqtun_rekey_report rep;
		char e[512];
		int rc = pqtun_rekey_once(iface, scale, failures, &rep, e, sizeof(e));
		if (rc == 1) {
			log_info("%s was taken down; rotation ends", iface);
			break;
		}
		if (rc == 0) {
			failures = 0;
			done++;
			delay = random_delay(interval_s, scale);
			log_info("rotation %u of %s done: switched %llu ms after start (exchanges %llu/%llu ms), "
				 "CPU %llu us; handshakes with the new key %llu ms after start%s; next in %llu ms",
				 done, iface, (unsigned long long)rep.switch_ms, (unsigned long long)rep.exchange_ms[0],
				 (unsigned long long)rep.exchange_ms[1], (unsigned long long)rep.cpu_us,
				 (unsigned long long)rep.handshake_ms, rep.nudged ? " (after re-adding a peer)" : "",
				 (unsigned long long)delay);
		} else {
			failures++;
			delay = pqtun_rekey_backoff_ms(failures, interval_s, scale);
			if (failures >= alert_after) {
				log_error("PSK ROTATION OF %s FAILING: %u failures in a row, last: %s. The tunnel keeps its "
					  "current post-quantum keys; retrying in %llu ms",
					  iface, failures, e, (unsigned long long)delay);
				syslog(LOG_ERR, "PSK rotation of %s failing: %u failures in a row, last: %s", iface, failures,
				       e);
			} else {
				log_warn("rotation of %s failed (%u in a row): %s; keeping the current keys, retrying in %llu ms",
					 iface, failures, e, (unsigned long long)delay);
			}
		}
		next = pqtun_now_ms() + delay;
		if (record(iface, 0, 0, 0, (int64_t)time(NULL) + (int64_t)((delay + 999) / 1000), 0) == 1) {
			log_info("%s was taken down; rotation ends", iface);
			break;
		}
	}
	/* Deregister, unless the tunnel is gone or another process took over. */
	lock = lock_and_load(iface, &st);
	if (lock >= 0) {
		if (st.rekey_pid == (long)getpid()) {
			st.rekey_pid = 0;
			st.next_rekey = 0;
			pqtun_state_save(&st);
		}
		pqtun_state_free(&st);
		pqtun_state_unlock(lock);
	}
	closelog();
	return 0;
}

int pqtun_rekey_spawn(const char *iface, unsigned interval_s, unsigned alert_after, char *err, size_t errlen)
{
	char logpath[4200], every[32], alert[32], ifc[16];
	snprintf(logpath, sizeof(logpath), "%s/%s.rekey.log", pqtun_state_dir(), iface);
	snprintf(every, sizeof(every), "--every=%u", interval_s);
	snprintf(alert, sizeof(alert), "--alert-after=%u", alert_after ? alert_after : PQTUN_REKEY_DEFAULT_ALERT);
	snprintf(ifc, sizeof(ifc), "%s", iface);
	int logfd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (logfd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", logpath, strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		close(logfd);
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);
		setsid();
		if (nul >= 0)
			dup2(nul, STDIN_FILENO);
		dup2(logfd, STDOUT_FILENO);
		dup2(logfd, STDERR_FILENO);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		char *args[] = { (char *)"pqtun", (char *)"rekey", every, alert, ifc, NULL };
		execv("/proc/self/exe", args); /* a fresh process image: none of up's memory */
		_exit(127);
	}
	close(logfd);
	/* Wait until it has registered, so that `down` right after `up` finds it. */
	for (int i = 0; i < 500; i++) {
		struct pqtun_state st;
		int status;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			snprintf(err, errlen, "the rotation process exited at once (see %s)", logpath);
			return -1;
		}
		if (pqtun_state_load(&st, iface) == 0) {
			long p = st.rekey_pid;
			pqtun_state_free(&st);
			if (p == (long)pid)
				return 0;
		}
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	snprintf(err, errlen, "the rotation process did not start (see %s)", logpath);
	return -1;
}
