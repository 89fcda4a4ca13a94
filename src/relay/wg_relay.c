#include "relay/wg_relay.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "relay/wg_state.h"
#include "relay/wg_sync.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/timeutil.h"
#include "wg/backend.h"

#define WG_RELAY_DELIVERED_MAX 64
/* Between the last byte of a response leaving the socket and the switch:
 * a userspace WireGuard reads its TUN queue asynchronously, and segments
 * still queued there would otherwise be routed to the ephemeral peer,
 * which the client has not switched to yet. The client needs longer than
 * this to decapsulate and switch. */
#define WG_RELAY_SWITCH_DELAY_MS 3

struct pqtun_wg_relay {
	char ifname[IFNAMSIZ];
	char *state_path;
	unsigned expire_s, poll_ms, fast_poll_ms;
	pthread_mutex_t lock;     /* state and WireGuard changes */
	pthread_cond_t wake;
	int stopping;
	int thread_started;
	int loaded;               /* state file read: saving it is safe */
	int read_failing;         /* last snapshot failed (log once per outage) */
	int kicked;               /* a registration happened: recompute the poll interval */
	unsigned last_sync_ms;    /* duration of the last reconciliation (dump + set) */
	pthread_t thread;
	struct wg_relay_state state;
	/* keys whose responses were delivered (event-loop thread -> switcher) */
	pthread_mutex_t delivered_lock;
	pthread_cond_t delivered_wake;
	uint8_t delivered[WG_RELAY_DELIVERED_MAX][32];
	uint64_t delivered_ms[WG_RELAY_DELIVERED_MAX]; /* monotonic arrival times */
	unsigned n_delivered;
	int switcher_stopping, switcher_started;
	pthread_t switcher;
};

/* Wall-clock seconds (WireGuard handshake times are wall clock too). */
static int64_t wall_s(void)
{
	return (int64_t)time(NULL);
}

/* Save the state file (lock held); errors are logged and returned (-1). */
static int save_locked(struct pqtun_wg_relay *r)
{
	char err[512];
	if (!r->loaded)
		return 0;
	if (wg_state_save(&r->state, r->state_path, err, sizeof(err)) != 0) {
		log_error("relay: %s", err);
		return -1;
	}
	return 0;
}

/* Apply the changes in set (if any). Returns 0 or a negative errno. */
static int apply_locked(struct pqtun_wg_relay *r, const struct pqtun_wg_device *set)
{
	char err[PQTUN_WG_ERRLEN];
	(void)r;
	if (!set->n_peers)
		return 0;
	int rc = pqtun_wg_set_device(set, err, sizeof(err));
	if (rc != 0)
		log_error("relay: %s", err);
	return rc;
}

/* One reconciliation pass: snapshot, step, apply, save. */
static void sync_locked(struct pqtun_wg_relay *r)
{
	char err[PQTUN_WG_ERRLEN];
	uint64_t t0 = pqtun_now_ms();
	struct pqtun_wg_device *snap = NULL, *set = pqtun_wg_device_new(r->ifname);
	if (!set)
		return;
	if (pqtun_wg_get_device(r->ifname, &snap, err, sizeof(err)) != 0) {
		if (!r->read_failing)
			log_warn("relay: %s (retrying)", err);
		r->read_failing = 1;
		pqtun_wg_device_free(set);
		return;
	}
	if (r->read_failing)
		log_info("relay: %s is readable again", r->ifname);
	r->read_failing = 0;
	pqtun_wg_device_sort_peers(snap);
	int changed = wg_sync_step(&r->state, snap, wall_s(), r->expire_s, set);
	if (changed < 0)
		log_error("relay: out of memory while reconciling peers");
	else if (apply_locked(r, set) == 0 && changed)
		save_locked(r);
	pqtun_wg_device_free(snap);
	pqtun_wg_device_free(set);
	r->last_sync_ms = (unsigned)(pqtun_now_ms() - t0);
}

/* Give the allowed IPs to the ephemeral peers of keys (lock held). No
 * device dump: only the moves are written. */
static void apply_delivered_locked(struct pqtun_wg_relay *r, uint8_t (*keys)[32], unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct pqtun_wg_device *set = pqtun_wg_device_new(r->ifname);
		if (!set)
			return;
		int changed = wg_sync_delivered(&r->state, keys[i], wall_s(), set);
		if (changed < 0)
			log_error("relay: out of memory while switching an ephemeral peer");
		else if (changed && apply_locked(r, set) != 0)
			sync_locked(r); /* re-read what WireGuard has */
		else if (changed)
			save_locked(r);
		pqtun_wg_device_free(set);
	}
}

/* Switcher thread: applies delivered responses as soon as they are queued. */
static void *switcher(void *arg)
{
	struct pqtun_wg_relay *r = arg;
	uint8_t keys[WG_RELAY_DELIVERED_MAX][32];
	pthread_mutex_lock(&r->delivered_lock);
	for (;;) {
		while (!r->switcher_stopping && !r->n_delivered)
			pthread_cond_wait(&r->delivered_wake, &r->delivered_lock);
		if (r->switcher_stopping)
			break;
		uint64_t due = r->delivered_ms[0] + WG_RELAY_SWITCH_DELAY_MS, now = pqtun_now_ms();
		if (now < due) {
			pthread_mutex_unlock(&r->delivered_lock);
			struct timespec ts = { 0, (long)(due - now) * 1000000L };
			nanosleep(&ts, NULL);
			pthread_mutex_lock(&r->delivered_lock);
			continue;
		}
		/* take the keys that are due (the queue is in arrival order) */
		unsigned n = 0;
		while (n < r->n_delivered && r->delivered_ms[n] + WG_RELAY_SWITCH_DELAY_MS <= now)
			n++;
		memcpy(keys, r->delivered, n * 32u);
		memmove(r->delivered, r->delivered[n], (r->n_delivered - n) * 32u);
		memmove(r->delivered_ms, &r->delivered_ms[n], (r->n_delivered - n) * sizeof(uint64_t));
		r->n_delivered -= n;
		pthread_mutex_unlock(&r->delivered_lock);
		pthread_mutex_lock(&r->lock);
		apply_delivered_locked(r, keys, n);
		pthread_mutex_unlock(&r->lock);
		pthread_mutex_lock(&r->delivered_lock);
	}
	pthread_mutex_unlock(&r->delivered_lock);
	return NULL;
}

/* Poller thread: reconcile every poll_ms, or fast_poll_ms while a new ephemeral peer awaits its handshake. */
static void *poller(void *arg)
{
	struct pqtun_wg_relay *r = arg;
	pthread_mutex_lock(&r->lock);
	while (!r->stopping) {
		/* Dumps of big devices are not free: keep the poller below ~20 %
		 * of a CPU while fast and ~5 % otherwise. */
		int fast = wg_sync_pending(&r->state, wall_s());
		unsigned ms = fast ? r->fast_poll_ms : r->poll_ms;
		unsigned floor_ms = r->last_sync_ms * (fast ? 5u : 20u);
		if (ms < floor_ms)
			ms = floor_ms;
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += ms / 1000;
		until.tv_nsec += (long)(ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		int rc = 0;
		while (!r->stopping && !r->kicked && rc != ETIMEDOUT)
			rc = pthread_cond_timedwait(&r->wake, &r->lock, &until);
		if (r->stopping)
			break;
		if (r->kicked) {
			r->kicked = 0;
			continue; /* start polling fast right away */
		}
		sync_locked(r);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

/* Policy hook: authorize against a fresh snapshot of the interface. */
static int cb_authorize(void *ctx, const struct sockaddr *peer, socklen_t peer_len,
			const uint8_t parent[32], char *msg, size_t msg_len)
{
	struct pqtun_wg_relay *r = ctx;
	char err[PQTUN_WG_ERRLEN];
	struct pqtun_wg_device *snap = NULL;
	(void)peer_len;
	pthread_mutex_lock(&r->lock);
	int rc;
	if (pqtun_wg_get_device(r->ifname, &snap, err, sizeof(err)) != 0) {
		log_error("relay: %s", err);
		snprintf(msg, msg_len, "relay cannot read its WireGuard interface");
		rc = PQTUN_GRPC_UNAVAILABLE;
	} else {
		pqtun_wg_device_sort_peers(snap);
		rc = wg_sync_authorize(&r->state, snap, peer, parent, msg, msg_len);
	}
	pthread_mutex_unlock(&r->lock);
	pqtun_wg_device_free(snap);
	return rc;
}

/* Policy hook: register the ephemeral peer, save the state, then load the
 * peer into WireGuard (refused with UNAVAILABLE if the state cannot be
 * saved, INTERNAL if WireGuard refuses it). */
static int cb_register(void *ctx, const struct sockaddr *peer, socklen_t peer_len,
		       const uint8_t parent[32], const uint8_t eph[32], const uint8_t *psk,
		       const char *const *kem_names, size_t n_kems, int daita, char *msg, size_t msg_len)
{
	struct pqtun_wg_relay *r = ctx;
	char err[PQTUN_WG_ERRLEN];
	struct pqtun_wg_device *snap = NULL, *set = pqtun_wg_device_new(r->ifname);
	struct wg_relay_state before; /* to undo a registration that cannot be saved */
	int dirty = 0, rc;
	(void)peer_len;
	(void)kem_names;
	(void)n_kems;
	(void)daita;
	if (!set) {
		snprintf(msg, msg_len, "out of memory");
		return PQTUN_GRPC_RESOURCE_EXHAUSTED;
	}
	pthread_mutex_lock(&r->lock);
	if (pqtun_wg_get_device(r->ifname, &snap, err, sizeof(err)) != 0) {
		log_error("relay: %s", err);
		snprintf(msg, msg_len, "relay cannot read its WireGuard interface");
		rc = PQTUN_GRPC_UNAVAILABLE;
	} else if (wg_state_copy(&before, &r->state) != 0) {
		snprintf(msg, msg_len, "out of memory");
		rc = PQTUN_GRPC_RESOURCE_EXHAUSTED;
	} else {
		pqtun_wg_device_sort_peers(snap);
		rc = wg_sync_register(&r->state, snap, peer, parent, eph, psk, wall_s(), set, &dirty,
				      msg, msg_len);
		/* Recorded before it is loaded: the state file is what keeps an
		 * upgraded tunnel across a relay restart, so a registration that
		 * cannot be recorded (disk full, state dir unwritable) is refused
		 * and WireGuard is left as it was; the client keeps its tunnel. */
		int unsaved = rc == 0 && dirty && save_locked(r) != 0;
		if (rc != 0 || unsaved) { /* nothing of it stays in memory either */
			wg_state_free(&r->state);
			r->state = before;
			memset(&before, 0, sizeof(before));
		}
		if (unsaved) {
			snprintf(msg, msg_len, "relay cannot record the ephemeral peer (its state file "
				 "is not writable); try again later");
			rc = PQTUN_GRPC_UNAVAILABLE;
		} else if (rc == 0 && apply_locked(r, set) != 0) {
			snprintf(msg, msg_len, "relay cannot configure its WireGuard interface");
			rc = PQTUN_GRPC_INTERNAL;
			sync_locked(r); /* forget what did not make it into WireGuard */
		}
		wg_state_free(&before);
		r->kicked = 1;
		pthread_cond_signal(&r->wake); /* poll fast from now on */
	}
	pthread_mutex_unlock(&r->lock);
	pqtun_wg_device_free(snap);
	pqtun_wg_device_free(set); /* wipes the PSK copy */
	return rc;
}

/* Policy hook (event-loop thread): a registration's response reached the
 * client. Queue the key for the poller thread, which switches the allowed
 * IPs; never blocks on a device dump. */
static void cb_delivered(void *ctx, const uint8_t eph[32])
{
	struct pqtun_wg_relay *r = ctx;
	pthread_mutex_lock(&r->delivered_lock);
	if (r->n_delivered < WG_RELAY_DELIVERED_MAX) {
		r->delivered_ms[r->n_delivered] = pqtun_now_ms();
		memcpy(r->delivered[r->n_delivered++], eph, 32);
	}
	else
		log_warn("relay: too many switches at once; some wait for the handshake");
	pthread_cond_signal(&r->delivered_wake);
	pthread_mutex_unlock(&r->delivered_lock);
}

/* Policy hook: the relay is being destroyed. */
static void cb_release(void *ctx)
{
	pqtun_wg_relay_free(ctx);
}

void pqtun_wg_relay_policy(struct pqtun_wg_relay *r, struct pqtun_relay_policy *policy)
{
	memset(policy, 0, sizeof(*policy));
	policy->ctx = r;
	policy->authorize = cb_authorize;
	policy->register_peer = cb_register;
	policy->delivered = cb_delivered;
	policy->release = cb_release;
}

void pqtun_wg_relay_free(struct pqtun_wg_relay *r)
{
	if (!r)
		return;
	if (r->switcher_started) {
		pthread_mutex_lock(&r->delivered_lock);
		r->switcher_stopping = 1;
		pthread_cond_signal(&r->delivered_wake);
		pthread_mutex_unlock(&r->delivered_lock);
		pthread_join(r->switcher, NULL);
	}
	if (r->thread_started) {
		pthread_mutex_lock(&r->lock);
		r->stopping = 1;
		pthread_cond_signal(&r->wake);
		pthread_mutex_unlock(&r->lock);
		pthread_join(r->thread, NULL);
	}
	pthread_mutex_lock(&r->lock);
	save_locked(r);
	pthread_mutex_unlock(&r->lock);
	wg_state_free(&r->state);
	pthread_cond_destroy(&r->wake);
	pthread_mutex_destroy(&r->lock);
	pthread_mutex_destroy(&r->delivered_lock);
	pthread_cond_destroy(&r->delivered_wake);
	free(r->state_path);
	free(r);
}

int pqtun_wg_relay_create(struct pqtun_wg_relay **out, const struct pqtun_wg_relay_options *o,
			  char *err, size_t errlen)
{
	*out = NULL;
	if (!pqtun_wg_ifname_ok(o->ifname)) {
		snprintf(err, errlen, "'%s' is not a valid interface name", o->ifname ? o->ifname : "");
		return -1;
	}
	struct pqtun_wg_device *snap = NULL;
	if (pqtun_wg_get_device(o->ifname, &snap, err, errlen) != 0)
		return -1;
	pqtun_wg_device_free(snap);

	struct pqtun_wg_relay *r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(r->ifname, sizeof(r->ifname), "%s", o->ifname);
	r->expire_s = o->expire_s ? o->expire_s : PQTUN_WG_RELAY_DEFAULT_EXPIRE_S;
	r->poll_ms = o->poll_ms ? o->poll_ms : PQTUN_WG_RELAY_DEFAULT_POLL_MS;
	r->fast_poll_ms = o->fast_poll_ms ? o->fast_poll_ms : PQTUN_WG_RELAY_FAST_POLL_MS;
	if (o->state_path) {
		r->state_path = strdup(o->state_path);
	} else {
		size_t n = strlen(PQTUN_WG_RELAY_STATE_DIR) + strlen(o->ifname) + 16;
		r->state_path = malloc(n);
		if (r->state_path) {
			mkdir(PQTUN_WG_RELAY_STATE_DIR, 0700);
			snprintf(r->state_path, n, "%s/%s.state", PQTUN_WG_RELAY_STATE_DIR, o->ifname);
		}
	}
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (!r->state_path || pthread_mutex_init(&r->lock, NULL) != 0 ||
	    pthread_mutex_init(&r->delivered_lock, NULL) != 0 || pthread_cond_init(&r->wake, &ca) != 0 ||
	    pthread_cond_init(&r->delivered_wake, NULL) != 0) {
		pthread_condattr_destroy(&ca);
		free(r->state_path);
		free(r);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	pthread_condattr_destroy(&ca);
	*out = r;
	return 0;
}

int pqtun_wg_relay_start(struct pqtun_wg_relay *r, char *err, size_t errlen)
{
	if (r->thread_started)
		return 0;
	if (wg_state_load(&r->state, r->state_path, err, errlen) != 0)
		return -1;
	r->loaded = 1;
	if (r->state.n)
		log_info("relay: %s: restored %zu peer(s) with ephemeral peers from %s", r->ifname,
			 r->state.n, r->state_path);
	pthread_mutex_lock(&r->lock);
	sync_locked(r); /* reconcile with WireGuard's actual peers */
	int saved = save_locked(r); /* and make sure the state file is writable now */
	if (saved != 0)
		r->loaded = 0; /* nothing to save on the way out */
	pthread_mutex_unlock(&r->lock);
	if (saved != 0) {
		snprintf(err, errlen, "cannot write the relay state file %s", r->state_path);
		return PQTUN_WG_RELAY_UNWRITABLE;
	}
	if (pthread_create(&r->thread, NULL, poller, r) != 0) {
		snprintf(err, errlen, "cannot start the peer poller thread");
		return -1;
	}
	r->thread_started = 1;
	if (pthread_create(&r->switcher, NULL, switcher, r) != 0) {
		snprintf(err, errlen, "cannot start the peer switcher thread");
		return -1;
	}
	r->switcher_started = 1;
	return 0;
}

int pqtun_wg_relay_default_listen(const char *ifname, char *out, size_t outlen, char *err, size_t errlen)
{
	struct ifaddrs *ifa = NULL;
	if (getifaddrs(&ifa) != 0) {
		snprintf(err, errlen, "cannot list interface addresses: %s", strerror(errno));
		return -1;
	}
	int rc = -1, seen = 0;
	for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
		if (strcmp(i->ifa_name, ifname))
			continue;
		seen = 1;
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
			continue;
		char a[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, a, sizeof(a));
		snprintf(out, outlen, "%s:%u", a, (unsigned)PQTUN_EXCHANGE_DEFAULT_PORT);
		rc = 0;
		break;
	}
	freeifaddrs(ifa);
	if (rc != 0 && !seen)
		snprintf(err, errlen, "%s: no such interface", ifname);
	else if (rc != 0)
		snprintf(err, errlen, "%s has no IPv4 address to listen on; give --listen ADDR:PORT", ifname);
	return rc;
}
