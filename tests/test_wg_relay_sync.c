/* Relay interface-mode decisions on constructed WireGuard snapshots:
 * authorization by tunnel source, registration and replacement, IP
 * handover on handshakes (both ways), re-negotiation from an upgraded
 * tunnel, expiry, removal with the normal peer, reconciliation after a
 * restart; and the state file (round trip, atomic write, bad files); the
 * tentative switch when a response was delivered (confirmed by the
 * handshake, undone by traffic or a handshake of the previous key); a
 * superseded ephemeral key as parent right after a rotation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "pqtun/exchange.h"
#include "relay/wg_state.h"
#include "relay/wg_sync.h"
#include "util/log.h"

static uint8_t K_N1[32], K_N2[32], K_E1[32], K_E2[32], K_E3[32];
static const uint8_t PSK[32] = { 1, 2, 3 };

static void keys(void)
{
	memset(K_N1, 0x11, 32);
	memset(K_N2, 0x22, 32);
	memset(K_E1, 0xe1, 32);
	memset(K_E2, 0xe2, 32);
	memset(K_E3, 0xe3, 32);
}

static struct sockaddr_in src(const char *ip)
{
	struct sockaddr_in s = { .sin_family = AF_INET, .sin_port = htons(40000) };
	inet_pton(AF_INET, ip, &s.sin_addr);
	return s;
}
#define SA(x) ((const struct sockaddr *)&(x))

/* ---- a tiny simulated WireGuard: a device to which set requests apply */

static struct pqtun_wg_peer *wg_add(struct pqtun_wg_device *d, const uint8_t key[32], const char *ip)
{
	struct pqtun_wg_peer *p = pqtun_wg_device_add_peer(d);
	memcpy(p->public_key, key, 32);
	if (ip) {
		struct pqtun_cidr c;
		assert_int_equal(pqtun_cidr_parse(&c, ip), 0);
		pqtun_wg_peer_add_allowed_ip(p, &c);
	}
	return p;
}

static void wg_del(struct pqtun_wg_device *d, const uint8_t key[32])
{
	for (size_t i = 0; i < d->n_peers; i++) {
		if (!memcmp(d->peers[i].public_key, key, 32)) {
			free(d->peers[i].allowed_ips);
			memmove(&d->peers[i], &d->peers[i + 1], (d->n_peers - i - 1) * sizeof(d->peers[0]));
			d->n_peers--;
			return;
		}
	}
}

/* Apply a set request like WireGuard: allowed IPs are exclusive. */
static void wg_apply(struct pqtun_wg_device *d, const struct pqtun_wg_device *set)
{
	for (size_t i = 0; i < set->n_peers; i++) {
		const struct pqtun_wg_peer *u = &set->peers[i];
		struct pqtun_wg_peer *p = pqtun_wg_device_find_peer(d, u->public_key);
		if (u->flags & PQTUN_WGPEER_REMOVE_ME) {
			if (p)
				wg_del(d, u->public_key);
			continue;
		}
		if (!p) {
			if (u->flags & PQTUN_WGPEER_UPDATE_ONLY)
				continue;
			p = wg_add(d, u->public_key, NULL);
		}
		if (u->flags & PQTUN_WGPEER_HAS_PRESHARED_KEY)
			memcpy(p->preshared_key, u->preshared_key, 32);
		if (u->flags & PQTUN_WGPEER_REPLACE_ALLOWEDIPS)
			p->n_allowed_ips = 0;
		for (size_t j = 0; j < u->n_allowed_ips; j++) {
			for (size_t k = 0; k < d->n_peers; k++) { /* take it from others */
				struct pqtun_wg_peer *o = &d->peers[k];
				for (size_t m = 0; m < o->n_allowed_ips; m++)
					if (pqtun_cidr_equal(&o->allowed_ips[m], &u->allowed_ips[j])) {
						o->allowed_ips[m] = o->allowed_ips[--o->n_allowed_ips];
						m--;
					}
			}
			pqtun_wg_peer_add_allowed_ip(p, &u->allowed_ips[j]);
		}
	}
}

static struct pqtun_wg_device *wg;
static struct wg_relay_state st;
static int64_t now = 1800000000;

static int setup(void **state)
{
	(void)state;
	keys();
	pqtun_log_set_level(PQTUN_LOG_ERROR);
	wg = pqtun_wg_device_new("wg0");
	wg_add(wg, K_N1, "10.64.0.2/32");
	wg_add(wg, K_N2, "10.64.0.3/32");
	memset(&st, 0, sizeof(st));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	pqtun_wg_device_free(wg);
	wg_state_free(&st);
	return 0;
}

static const char *ips_of(const uint8_t key[32])
{
	static char buf[128];
	struct pqtun_wg_peer *p = pqtun_wg_device_find_peer(wg, key);
	if (!p)
		return "(absent)";
	buf[0] = '\0';
	for (size_t i = 0; i < p->n_allowed_ips; i++) {
		char c[PQTUN_CIDR_STRLEN];
		pqtun_cidr_format(c, sizeof(c), &p->allowed_ips[i]);
		strcat(buf, i ? "," : "");
		strcat(buf, c);
	}
	return buf;
}

static int do_register(const char *from, const uint8_t parent[32], const uint8_t eph[32])
{
	struct pqtun_wg_device *set = pqtun_wg_device_new("wg0");
	char msg[256] = "";
	int dirty = 0;
	struct sockaddr_in s = src(from);
	int rc = wg_sync_register(&st, wg, SA(s), parent, eph, PSK, now, set, &dirty, msg, sizeof(msg));
	if (rc == 0) {
		assert_true(dirty);
		wg_apply(wg, set);
	} else {
		assert_int_equal(set->n_peers, 0);
		assert_true(msg[0] != '\0');
	}
	pqtun_wg_device_free(set);
	return rc;
}

static int step(unsigned expire_s)
{
	struct pqtun_wg_device *set = pqtun_wg_device_new("wg0");
	int r = wg_sync_step(&st, wg, now, expire_s, set);
	assert_true(r >= 0);
	wg_apply(wg, set);
	pqtun_wg_device_free(set);
	return r;
}

static void handshake(const uint8_t key[32])
{
	struct pqtun_wg_peer *p = pqtun_wg_device_find_peer(wg, key);
	assert_non_null(p);
	p->last_handshake_sec = ++now;
}

static void test_authorize(void **state)
{
	(void)state;
	char msg[256];
	struct sockaddr_in a = src("10.64.0.2"), b = src("10.64.0.3"), lan = src("192.168.1.5");
	assert_int_equal(wg_sync_authorize(&st, wg, SA(a), K_N1, msg, sizeof(msg)), 0);
	assert_int_equal(wg_sync_authorize(&st, wg, SA(b), K_N1, msg, sizeof(msg)), PQTUN_GRPC_PERMISSION_DENIED);
	assert_int_equal(wg_sync_authorize(&st, wg, SA(lan), K_N1, msg, sizeof(msg)), PQTUN_GRPC_PERMISSION_DENIED);
	assert_int_equal(wg_sync_authorize(&st, wg, SA(a), K_E1, msg, sizeof(msg)), PQTUN_GRPC_PERMISSION_DENIED);
	assert_non_null(strstr(msg, "unknown"));
	/* IPv4-mapped source */
	struct sockaddr_in6 m = { .sin6_family = AF_INET6 };
	inet_pton(AF_INET6, "::ffff:10.64.0.2", &m.sin6_addr);
	assert_int_equal(wg_sync_authorize(&st, wg, SA(m), K_N1, msg, sizeof(msg)), 0);
}

static void test_upgrade_cycle(void **state)
{
	(void)state;
	/* someone else cannot register for N1 */
	assert_int_equal(do_register("10.64.0.3", K_N1, K_E1), PQTUN_GRPC_PERMISSION_DENIED);
	assert_int_equal(st.n, 0);
	/* N1 registers E1: loaded with PSK, no IPs yet */
	assert_int_equal(do_register("10.64.0.2", K_N1, K_E1), 0);
	struct pqtun_wg_peer *e1 = pqtun_wg_device_find_peer(wg, K_E1);
	assert_non_null(e1);
	assert_memory_equal(e1->preshared_key, PSK, 32);
	assert_string_equal(ips_of(K_E1), "");
	assert_string_equal(ips_of(K_N1), "10.64.0.2/32");
	assert_true(wg_sync_pending(&st, now));
	assert_int_equal(step(300), 0); /* nothing happened yet */
	/* E1 handshakes: takes the IPs */
	handshake(K_E1);
	assert_int_equal(step(300), 1);
	assert_string_equal(ips_of(K_E1), "10.64.0.2/32");
	assert_string_equal(ips_of(K_N1), "");
	assert_false(wg_sync_pending(&st, now));
	/* an E2 key that is already a peer cannot be registered */
	assert_int_equal(do_register("10.64.0.2", K_N1, K_N2), PQTUN_GRPC_INVALID_ARGUMENT);
	/* N2 cannot use N1's ephemeral key as parent */
	assert_int_equal(do_register("10.64.0.3", K_E1, K_E2), PQTUN_GRPC_PERMISSION_DENIED);
	/* back to the normal key */
	handshake(K_N1);
	assert_int_equal(step(300), 1);
	assert_string_equal(ips_of(K_N1), "10.64.0.2/32");
	assert_string_equal(ips_of(K_E1), "");
	assert_non_null(pqtun_wg_device_find_peer(wg, K_E1)); /* both stay known */
	/* and to the ephemeral one again */
	handshake(K_E1);
	step(300);
	assert_string_equal(ips_of(K_E1), "10.64.0.2/32");

	/* re-negotiation from inside the upgraded tunnel: parent = E1 */
	assert_int_equal(do_register("10.64.0.2", K_E1, K_E2), 0);
	assert_string_equal(ips_of(K_E1), "10.64.0.2/32"); /* keeps working */
	assert_string_equal(ips_of(K_E2), "");
	assert_int_equal(st.n, 1);
	assert_memory_equal(st.entries[0].normal, K_N1, 32);
	step(300);
	assert_non_null(pqtun_wg_device_find_peer(wg, K_E1));
	handshake(K_E2);
	step(300);
	assert_string_equal(ips_of(K_E2), "10.64.0.2/32");
	assert_null(pqtun_wg_device_find_peer(wg, K_E1)); /* old one gone */

	/* a new exchange whose response got lost: E3 never handshakes; E2 keeps
	 * the tunnel, E3 expires */
	assert_int_equal(do_register("10.64.0.2", K_E2, K_E3), 0);
	now += 100;
	step(300);
	assert_non_null(pqtun_wg_device_find_peer(wg, K_E3));
	now += 300;
	step(300);
	assert_null(pqtun_wg_device_find_peer(wg, K_E3));
	assert_string_equal(ips_of(K_E2), "10.64.0.2/32"); /* the holder never expires */
}

static void test_replace_and_expire(void **state)
{
	(void)state;
	assert_int_equal(do_register("10.64.0.2", K_N1, K_E1), 0);
	/* the response was lost; the client asks again from its normal key */
	assert_int_equal(do_register("10.64.0.2", K_N1, K_E2), 0);
	assert_null(pqtun_wg_device_find_peer(wg, K_E1)); /* replaced at once: it never held the IPs */
	assert_non_null(pqtun_wg_device_find_peer(wg, K_E2));
	/* expiry of the unused one, and the entry disappears */
	now += 299;
	step(300);
	assert_non_null(pqtun_wg_device_find_peer(wg, K_E2));
	now += 2;
	assert_int_equal(step(300), 1);
	assert_null(pqtun_wg_device_find_peer(wg, K_E2));
	assert_int_equal(st.n, 0);
	assert_string_equal(ips_of(K_N1), "10.64.0.2/32");
}

static void test_normal_peer_removed(void **state)
{
	(void)state;
	assert_int_equal(do_register("10.64.0.2", K_N1, K_E1), 0);
	handshake(K_E1);
	step(300);
	wg_del(wg, K_N1); /* the administrator removes the client */
	assert_int_equal(step(300), 1);
	assert_null(pqtun_wg_device_find_peer(wg, K_E1));
	assert_int_equal(st.n, 0);
}

static void test_restart_reconcile(void **state)
{
	(void)state;
	char path[] = "/tmp/pqtun-relay-state-XXXXXX", err[512];
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(do_register("10.64.0.2", K_N1, K_E1), 0);
	handshake(K_E1);
	step(300);
	assert_int_equal(do_register("10.64.0.3", K_N2, K_E2), 0);
	assert_int_equal(wg_state_save(&st, path, err, sizeof(err)), 0);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);

	/* restart: same state back */
	struct wg_relay_state loaded;
	assert_int_equal(wg_state_load(&loaded, path, err, sizeof(err)), 0);
	assert_int_equal(loaded.n, 2);
	struct wg_relay_entry *e = wg_state_find_normal(&loaded, K_N1);
	assert_non_null(e);
	assert_int_equal(e->holder, WG_HOLDER_EPH);
	assert_memory_equal(e->eph, K_E1, 32);
	assert_int_equal(e->n_ips, 1);
	wg_state_free(&st);
	st = loaded;
	assert_int_equal(step(300), 0); /* consistent with WireGuard: nothing to do */
	assert_string_equal(ips_of(K_E1), "10.64.0.2/32");

	/* WireGuard lost E1 while we were down (e.g. interface recreated):
	 * the normal peer gets its IPs back */
	wg_del(wg, K_E1);
	struct pqtun_wg_peer *n1 = pqtun_wg_device_find_peer(wg, K_N1);
	assert_int_equal(n1->n_allowed_ips, 0);
	assert_int_equal(step(300), 1);
	assert_string_equal(ips_of(K_N1), "10.64.0.2/32");
	assert_null(wg_state_find_normal(&st, K_N1));

	/* bad files */
	assert_int_equal(wg_state_load(&loaded, "/nonexistent/pqtun.state", err, sizeof(err)), 0);
	assert_int_equal(loaded.n, 0);
	FILE *f = fopen(path, "w");
	fputs("pqtun-relay-state 1\npeer garbage eph=-\n", f);
	fclose(f);
	assert_int_equal(wg_state_load(&loaded, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: malformed entry"));
	f = fopen(path, "w");
	fputs("something else\n", f);
	fclose(f);
	assert_int_equal(wg_state_load(&loaded, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a pqtun relay state file"));
	unlink(path);
	assert_int_equal(wg_state_save(&st, "/nonexistent-dir/x.state", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent-dir/x.state"));
}


static int deliver(const uint8_t eph[32])
{
	struct pqtun_wg_device *set = pqtun_wg_device_new("wg0");
	int r = wg_sync_delivered(&st, eph, now, set);
	assert_true(r >= 0);
	wg_apply(wg, set);
	pqtun_wg_device_free(set);
	return r;
}

static void rx(const uint8_t key[32], uint64_t bytes)
{
	struct pqtun_wg_peer *p = pqtun_wg_device_find_peer(wg, key);
	assert_non_null(p);
	p->rx_bytes += bytes;
}

/* The response was delivered: E1 holds the IPs before its handshake; the
 * handshake confirms it; later handshakes move them as before. */
static void test_delivered_switch(void **state)
{
	(void)state;
	assert_int_equal(deliver(K_E1), 0); /* unknown key: nothing */
	assert_int_equal(do_register("10.64.0.2", K_N1, K_E1), 0);
	assert_int_equal(deliver(K_E1), 1);
	assert_string_equal(ips_of(K_E1), "10.64.0.2/32");
	assert_string_equal(ips_of(K_N1), "");
	assert_int_equal(deliver(K_E1), 0); /* twice: nothing more */
	assert_true(wg_sync_pending(&st, now)); /* poll fast until confirmed */
	step(300);                               /* baseline of N1's traffic */
	assert_string_equal(ips_of(K_E1), "10.64.0.2/32");
	handshake(K_E1);
	step(300);
	assert_false(wg_sync_pending(&st, now));
	assert_false(st.entries[0].tentative);
	/* confirmed: traffic on N1 no longer matters, its handshake does */
	now += 10;
	step(300);
	assert_string_equal(ips_of(K_E1), "10.64.0.2/32");
	handshake(K_N1);
	step(300);
	assert_string_equal(ips_of(K_N1), "10.64.0.2/32");
	assert_string_equal(ips_of(K_E1), "");
}

/* The client got the response but never switched: without a handshake of
 * the ephemeral peer the normal peer takes the IPs back after
 * WG_SYNC_TENTATIVE_S; a handshake of the normal peer does so at once. */
static void test_delivered_not_switched(void **state)
{
	(void)state;
	assert_int_equal(do_register("10.64.0.2", K_N1, K_E1), 0);
	assert_int_equal(deliver(K_E1), 1);
	assert_int_equal(step(300), 0);
	assert_string_equal(ips_of(K_E1), "10.64.0.2/32");
	rx(K_N1, 148); /* traffic with the old key (e.g. TCP teardown) is no proof */
	now += 1;
	assert_int_equal(step(300), 0);
	assert_string_equal(ips_of(K_E1), "10.64.0.2/32");
	now += 1; /* WG_SYNC_TENTATIVE_S without a handshake of E1 */
	assert_int_equal(step(300), 1);
	assert_string_equal(ips_of(K_N1), "10.64.0.2/32");
	assert_string_equal(ips_of(K_E1), "");
	assert_false(st.entries[0].tentative);
	/* E1 may still handshake later and take over as usual */
	handshake(K_E1);
	step(300);
	assert_string_equal(ips_of(K_E1), "10.64.0.2/32");

	/* N2: switched tentatively, then its normal key handshakes */
	assert_int_equal(do_register("10.64.0.3", K_N2, K_E2), 0);
	assert_int_equal(deliver(K_E2), 1);
	step(300);
	handshake(K_N2);
	step(300);
	assert_string_equal(ips_of(K_N2), "10.64.0.3/32");
	assert_string_equal(ips_of(K_E2), "");
}

/* Re-negotiation from inside an upgraded tunnel: the previous ephemeral
 * peer stays in WireGuard while the switch is tentative and takes the IPs
 * back if the new one does not handshake; a new registration during a
 * tentative switch first undoes it. The state survives a restart. */
static void test_delivered_renegotiation(void **state)
{
	(void)state;
	char path[] = "/tmp/pqtun-relay-state-XXXXXX", err[512];
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(do_register("10.64.0.2", K_N1, K_E1), 0);
	handshake(K_E1);
	step(300);
	assert_int_equal(do_register("10.64.0.2", K_E1, K_E2), 0);
	assert_int_equal(deliver(K_E2), 1);
	assert_string_equal(ips_of(K_E2), "10.64.0.2/32");
	step(300);
	assert_non_null(pqtun_wg_device_find_peer(wg, K_E1)); /* kept while tentative */
	assert_int_equal(wg_state_save(&st, path, err, sizeof(err)), 0);
	struct wg_relay_state loaded;
	assert_int_equal(wg_state_load(&loaded, path, err, sizeof(err)), 0);
	unlink(path);
	assert_true(loaded.entries[0].tentative);
	assert_int_equal(loaded.entries[0].tentative_from, WG_HOLDER_OLD);
	wg_state_free(&st);
	st = loaded;
	assert_int_equal(step(300), 0); /* still tentative after the restart */
	now += WG_SYNC_TENTATIVE_S;
	assert_int_equal(step(300), 1); /* E2 never handshook: E1 takes the IPs back */
	assert_string_equal(ips_of(K_E1), "10.64.0.2/32");
	assert_string_equal(ips_of(K_E2), "");

	/* registration E3 while E3's predecessor is tentative */
	handshake(K_E2);
	step(300); /* E2 holds and is confirmed; E1 removed */
	assert_null(pqtun_wg_device_find_peer(wg, K_E1));
	assert_int_equal(do_register("10.64.0.2", K_E2, K_E3), 0);
	assert_int_equal(deliver(K_E3), 1);
	assert_int_equal(do_register("10.64.0.2", K_E2, K_E1), 0); /* asks again from E2 */
	assert_string_equal(ips_of(K_E2), "10.64.0.2/32");         /* tentative switch undone */
	assert_null(pqtun_wg_device_find_peer(wg, K_E3));
	assert_int_equal(deliver(K_E1), 1);
	handshake(K_E1);
	step(300);
	assert_string_equal(ips_of(K_E1), "10.64.0.2/32");
	assert_null(pqtun_wg_device_find_peer(wg, K_E2));
}

/* Bug: right after a rotation E1 -> E2 (the client already handshook with
 * E2, before the poller noticed), a request naming the superseded E1 as
 * parent was authorized through E2's addresses, undid the switch, removed
 * E2 and left the addresses on E1, which never handshakes again: the
 * tunnel was dead. A superseded ephemeral key must be refused, and a
 * registration from the normal key must not take the addresses from an
 * ephemeral peer that has handshaken. */
static void test_stale_parent_after_rotation(void **state)
{
	(void)state;
	char msg[256] = "";
	struct sockaddr_in a = src("10.64.0.2");
	assert_int_equal(do_register("10.64.0.2", K_N1, K_E1), 0);
	assert_int_equal(deliver(K_E1), 1);
	handshake(K_E1);
	step(300); /* E1 confirmed */
	assert_int_equal(do_register("10.64.0.2", K_E1, K_E2), 0); /* rotation */
	assert_int_equal(deliver(K_E2), 1);
	handshake(K_E2); /* the client switched; the poller has not run yet */
	now += 1;
	/* the previous key cannot authorize anything any more */
	assert_int_equal(wg_sync_authorize(&st, wg, SA(a), K_E1, msg, sizeof(msg)),
			 PQTUN_GRPC_PERMISSION_DENIED);
	assert_non_null(strstr(msg, "superseded"));
	assert_int_equal(do_register("10.64.0.2", K_E1, K_E3), PQTUN_GRPC_PERMISSION_DENIED);
	assert_string_equal(ips_of(K_E2), "10.64.0.2/32");
	assert_null(pqtun_wg_device_find_peer(wg, K_E3));
	now += WG_SYNC_TENTATIVE_S;
	step(300);
	assert_string_equal(ips_of(K_E2), "10.64.0.2/32"); /* the tunnel stays alive */
	assert_null(pqtun_wg_device_find_peer(wg, K_E1));
	assert_int_equal(do_register("10.64.0.2", K_E1, K_E3), PQTUN_GRPC_PERMISSION_DENIED);
	/* the current key still works as parent */
	assert_int_equal(wg_sync_authorize(&st, wg, SA(a), K_E2, msg, sizeof(msg)), 0);

	/* N2 on E2's successor: a new exchange from the normal key while the
	 * switch to the handshaken (not yet polled) ephemeral peer looks
	 * tentative must not undo it */
	assert_int_equal(do_register("10.64.0.3", K_N2, K_E1), 0);
	assert_int_equal(deliver(K_E1), 1);
	handshake(K_E1);
	assert_int_equal(do_register("10.64.0.3", K_N2, K_E3), 0);
	assert_string_equal(ips_of(K_E1), "10.64.0.3/32");
	assert_string_equal(ips_of(K_N2), "");
	now += WG_SYNC_TENTATIVE_S + 1; /* E3 never handshakes: E1 keeps the tunnel */
	step(300);
	assert_string_equal(ips_of(K_E1), "10.64.0.3/32");
	assert_string_equal(ips_of(K_E3), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_authorize, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upgrade_cycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_and_expire, setup, teardown),
		cmocka_unit_test_setup_teardown(test_normal_peer_removed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_reconcile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delivered_switch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delivered_not_switched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delivered_renegotiation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_parent_after_rotation, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
