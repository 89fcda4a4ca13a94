/* UAPI backend against real wireguard-go: the test process moves into its
 * own network namespace (unshare), starts two wireguard-go interfaces with
 * unique names, configures them through the backend and checks the result
 * both through the backend and through wireguard-tools' `wg show ... dump`.
 * Skipped with a printed reason when not root or without wireguard-go. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <cmocka.h>

#include "pqtun/wgkey.h"
#include "util/encoding.h"
#include "wg/backend.h"

extern char **environ;

static char if_a[IFNAMSIZ], if_b[IFNAMSIZ];
static pid_t pid_a, pid_b;
static const char *skip_reason;

static pid_t start_wireguard_go(const char *ifname)
{
	char *argv[] = { "wireguard-go", "-f", (char *)ifname, NULL };
	char *envp[] = { "LOG_LEVEL=silent", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	pid_t pid;
	if (posix_spawnp(&pid, "wireguard-go", NULL, NULL, argv, envp) != 0)
		return -1;
	char path[128];
	snprintf(path, sizeof(path), "%s/%s.sock", PQTUN_WG_UAPI_DIR, ifname);
	for (int i = 0; i < 200; i++) {
		struct stat st;
		if (stat(path, &st) == 0)
			return pid;
		usleep(20000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

static void stop(pid_t *pid, const char *ifname)
{
	if (*pid > 0) {
		kill(*pid, SIGTERM);
		waitpid(*pid, NULL, 0);
		*pid = 0;
	}
	char path[128];
	snprintf(path, sizeof(path), "%s/%s.sock", PQTUN_WG_UAPI_DIR, ifname);
	unlink(path);
}

static int group_setup(void **state)
{
	(void)state;
	if (getuid() != 0) {
		skip_reason = "needs root (network namespace + TUN device)";
		return 0;
	}
	if (system("command -v wireguard-go >/dev/null && command -v wg >/dev/null") != 0) {
		skip_reason = "wireguard-go or wg not installed (scripts/install-deps)";
		return 0;
	}
	if (unshare(CLONE_NEWNET) != 0) {
		skip_reason = "cannot create a network namespace";
		return 0;
	}
	if (system("ip link set lo up") != 0) {
		skip_reason = "cannot bring up lo in the namespace";
		return 0;
	}
	mkdir(PQTUN_WG_UAPI_DIR, 0755);
	snprintf(if_a, sizeof(if_a), "pqua%d", (int)getpid());
	snprintf(if_b, sizeof(if_b), "pqub%d", (int)getpid());
	pid_a = start_wireguard_go(if_a);
	pid_b = start_wireguard_go(if_b);
	if (pid_a < 0 || pid_b < 0) {
		skip_reason = "wireguard-go did not start";
		return 0;
	}
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "ip link set up dev %s && ip link set up dev %s", if_a, if_b);
	if (system(cmd) != 0)
		skip_reason = "cannot bring the wireguard-go interfaces up";
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	stop(&pid_a, if_a);
	stop(&pid_b, if_b);
	return 0;
}

#define SKIP_IF_NEEDED() do { if (skip_reason) { printf("SKIP: %s\n", skip_reason); skip(); } } while (0)

static void b64(char out[45], const uint8_t k[32]) { pqtun_key_to_base64(out, k); }

/* Run a command, capture stdout. */
static char *capture(const char *cmd)
{
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	size_t cap = 65536, len = 0;
	char *buf = calloc(1, cap);
	size_t r;
	while ((r = fread(buf + len, 1, cap - 1 - len, f)) > 0)
		len += r;
	assert_int_equal(pclose(f), 0);
	return buf;
}

static uint8_t priv_a[32], pub_a[32], priv_b[32], pub_b[32], psk[32], extra_pub[32];

static void test_set_and_get(void **state)
{
	(void)state;
	SKIP_IF_NEEDED();
	char err[PQTUN_WG_ERRLEN];
	assert_int_equal(pqtun_wg_backend_of(if_a), PQTUN_WG_BACKEND_UAPI);
	assert_int_equal(pqtun_wg_genkey(priv_a), 0);
	assert_int_equal(pqtun_wg_pubkey(pub_a, priv_a), 0);
	assert_int_equal(pqtun_wg_genkey(priv_b), 0);
	assert_int_equal(pqtun_wg_pubkey(pub_b, priv_b), 0);
	assert_int_equal(pqtun_wg_genpsk(psk), 0);
	uint8_t tmp[32];
	assert_int_equal(pqtun_wg_genkey(tmp), 0);
	assert_int_equal(pqtun_wg_pubkey(extra_pub, tmp), 0);

	/* B: peer A, no keepalive */
	struct pqtun_wg_device *d = pqtun_wg_device_new(if_b);
	d->flags = PQTUN_WGDEV_HAS_PRIVATE_KEY | PQTUN_WGDEV_HAS_LISTEN_PORT;
	memcpy(d->private_key, priv_b, 32);
	d->listen_port = 51002;
	struct pqtun_wg_peer *p = pqtun_wg_device_add_peer(d);
	memcpy(p->public_key, pub_a, 32);
	memcpy(p->preshared_key, psk, 32);
	p->flags = PQTUN_WGPEER_HAS_PRESHARED_KEY;
	struct pqtun_cidr c;
	pqtun_cidr_parse(&c, "10.77.0.1/32");
	pqtun_wg_peer_add_allowed_ip(p, &c);
	if (pqtun_wg_set_device(d, err, sizeof(err)) != 0)
		fail_msg("set: %s", err);
	pqtun_wg_device_free(d);

	d = pqtun_wg_device_new(if_a);
	d->flags = PQTUN_WGDEV_HAS_PRIVATE_KEY | PQTUN_WGDEV_HAS_LISTEN_PORT | PQTUN_WGDEV_HAS_FWMARK;
	memcpy(d->private_key, priv_a, 32);
	d->listen_port = 51001;
	d->fwmark = 0x42;
	p = pqtun_wg_device_add_peer(d);
	memcpy(p->public_key, pub_b, 32);
	memcpy(p->preshared_key, psk, 32);
	p->flags = PQTUN_WGPEER_HAS_PRESHARED_KEY | PQTUN_WGPEER_HAS_ENDPOINT | PQTUN_WGPEER_HAS_KEEPALIVE |
		   PQTUN_WGPEER_REPLACE_ALLOWEDIPS;
	p->endpoint.addr4.sin_family = AF_INET;
	p->endpoint.addr4.sin_port = htons(51002);
	inet_pton(AF_INET, "127.0.0.1", &p->endpoint.addr4.sin_addr);
	p->persistent_keepalive = 1; /* starts a handshake right away */
	pqtun_cidr_parse(&c, "10.77.0.2/32");
	pqtun_wg_peer_add_allowed_ip(p, &c);
	pqtun_cidr_parse(&c, "fd77::/64");
	pqtun_wg_peer_add_allowed_ip(p, &c);
	p = pqtun_wg_device_add_peer(d);
	memcpy(p->public_key, extra_pub, 32);
	p->flags = PQTUN_WGPEER_HAS_ENDPOINT;
	p->endpoint.addr6.sin6_family = AF_INET6;
	p->endpoint.addr6.sin6_port = htons(443);
	inet_pton(AF_INET6, "2001:db8::9", &p->endpoint.addr6.sin6_addr);
	pqtun_cidr_parse(&c, "10.77.1.0/24");
	pqtun_wg_peer_add_allowed_ip(p, &c);
	if (pqtun_wg_set_device(d, err, sizeof(err)) != 0)
		fail_msg("set: %s", err);
	pqtun_wg_device_free(d);

	char cmd[128];
	/* read back through the backend */
	if (pqtun_wg_get_device(if_a, &d, err, sizeof(err)) != 0)
		fail_msg("get: %s", err);
	assert_true(d->flags & PQTUN_WGDEV_HAS_PRIVATE_KEY);
	assert_memory_equal(d->private_key, priv_a, 32);
	assert_memory_equal(d->public_key, pub_a, 32);
	assert_int_equal(d->listen_port, 51001);
	assert_int_equal(d->fwmark, 0x42);
	assert_int_equal(d->n_peers, 2);
	p = pqtun_wg_device_find_peer(d, pub_b);
	assert_non_null(p);
	assert_memory_equal(p->preshared_key, psk, 32);
	assert_int_equal(p->persistent_keepalive, 1);
	assert_int_equal(p->n_allowed_ips, 2);
	char ep[64];
	pqtun_wg_endpoint_format(ep, sizeof(ep), &p->endpoint);
	assert_string_equal(ep, "127.0.0.1:51002");
	p = pqtun_wg_device_find_peer(d, extra_pub);
	assert_non_null(p);
	assert_false(pqtun_wg_peer_has_psk(p));
	pqtun_wg_endpoint_format(ep, sizeof(ep), &p->endpoint);
	assert_string_equal(ep, "[2001:db8::9]:443");
	pqtun_wg_device_free(d);

	/* and through wg(8): "wg show IFACE dump" */
	char line[1024], k1[45], k2[45], k3[45];
	snprintf(cmd, sizeof(cmd), "wg show %s dump", if_a);
	char *dump = capture(cmd);
	b64(k1, priv_a);
	b64(k2, pub_a);
	snprintf(line, sizeof(line), "%s\t%s\t51001\t0x42\n", k1, k2);
	assert_non_null(strstr(dump, line));
	b64(k1, pub_b);
	b64(k2, psk);
	snprintf(line, sizeof(line), "%s\t%s\t127.0.0.1:51002\t10.77.0.2/32,fd77::/64\t", k1, k2);
	assert_non_null(strstr(dump, line));
	b64(k3, extra_pub);
	snprintf(line, sizeof(line), "%s\t(none)\t[2001:db8::9]:443\t10.77.1.0/24\t0\t0\t0\toff\n", k3);
	assert_non_null(strstr(dump, line));
	free(dump);
}

static void test_handshake_and_counters(void **state)
{
	(void)state;
	SKIP_IF_NEEDED();
	char err[PQTUN_WG_ERRLEN];
	struct pqtun_wg_device *d = NULL;
	struct pqtun_wg_peer *p = NULL;
	for (int i = 0; i < 100; i++) {
		pqtun_wg_device_free(d);
		if (pqtun_wg_get_device(if_a, &d, err, sizeof(err)) != 0)
			fail_msg("get: %s", err);
		p = pqtun_wg_device_find_peer(d, pub_b);
		assert_non_null(p);
		if (p->last_handshake_sec)
			break;
		usleep(50000);
	}
	assert_true(p->last_handshake_sec > 1600000000);
	assert_true(p->last_handshake_sec <= (int64_t)time(NULL) + 1);
	assert_true(p->tx_bytes > 0);
	assert_true(p->rx_bytes > 0);
	/* wg agrees on the handshake time */
	char cmd[128], key[45];
	b64(key, pub_b);
	snprintf(cmd, sizeof(cmd), "wg show %s latest-handshakes | grep -F '%s' | cut -f2", if_a, key);
	char *out = capture(cmd);
	assert_int_equal(strtoll(out, NULL, 10), p->last_handshake_sec);
	free(out);
	pqtun_wg_device_free(d);
}

static void test_update_replace_remove(void **state)
{
	(void)state;
	SKIP_IF_NEEDED();
	char err[PQTUN_WG_ERRLEN];
	struct pqtun_wg_device *d = pqtun_wg_device_new(if_a);
	struct pqtun_cidr c;
	/* replace B's allowed IPs, remove the PSK; remove the extra peer;
	 * update_only for an unknown key creates nothing */
	struct pqtun_wg_peer *p = pqtun_wg_device_add_peer(d);
	memcpy(p->public_key, pub_b, 32);
	p->flags = PQTUN_WGPEER_REPLACE_ALLOWEDIPS | PQTUN_WGPEER_HAS_PRESHARED_KEY | PQTUN_WGPEER_UPDATE_ONLY;
	pqtun_cidr_parse(&c, "10.78.0.0/16");
	pqtun_wg_peer_add_allowed_ip(p, &c);
	p = pqtun_wg_device_add_peer(d);
	memcpy(p->public_key, extra_pub, 32);
	p->flags = PQTUN_WGPEER_REMOVE_ME;
	p = pqtun_wg_device_add_peer(d);
	p->public_key[0] = 9;
	p->public_key[31] = 0x40;
	p->flags = PQTUN_WGPEER_UPDATE_ONLY | PQTUN_WGPEER_HAS_KEEPALIVE;
	p->persistent_keepalive = 10;
	if (pqtun_wg_set_device(d, err, sizeof(err)) != 0)
		fail_msg("set: %s", err);
	pqtun_wg_device_free(d);

	if (pqtun_wg_get_device(if_a, &d, err, sizeof(err)) != 0)
		fail_msg("get: %s", err);
	assert_int_equal(d->n_peers, 1);
	p = &d->peers[0];
	assert_memory_equal(p->public_key, pub_b, 32);
	assert_false(pqtun_wg_peer_has_psk(p));
	assert_int_equal(p->n_allowed_ips, 1);
	char s[PQTUN_CIDR_STRLEN];
	pqtun_cidr_format(s, sizeof(s), &p->allowed_ips[0]);
	assert_string_equal(s, "10.78.0.0/16");
	assert_int_equal(p->persistent_keepalive, 1); /* untouched */
	pqtun_wg_device_free(d);

	/* replace_peers: only the listed peer remains */
	d = pqtun_wg_device_new(if_a);
	d->flags = PQTUN_WGDEV_REPLACE_PEERS;
	p = pqtun_wg_device_add_peer(d);
	memcpy(p->public_key, extra_pub, 32);
	if (pqtun_wg_set_device(d, err, sizeof(err)) != 0)
		fail_msg("set: %s", err);
	pqtun_wg_device_free(d);
	if (pqtun_wg_get_device(if_a, &d, err, sizeof(err)) != 0)
		fail_msg("get: %s", err);
	assert_int_equal(d->n_peers, 1);
	assert_memory_equal(d->peers[0].public_key, extra_pub, 32);
	pqtun_wg_device_free(d);
}

static void test_errors_name_interface(void **state)
{
	(void)state;
	SKIP_IF_NEEDED();
	char err[PQTUN_WG_ERRLEN];
	struct pqtun_wg_device *d;
	assert_true(pqtun_wg_get_device("pqnosuch0", &d, err, sizeof(err)) < 0);
	assert_null(d);
	assert_non_null(strstr(err, "pqnosuch0"));
	assert_true(pqtun_wg_get_device("../etc", &d, err, sizeof(err)) == -EINVAL);
	assert_true(pqtun_wg_get_device("", &d, err, sizeof(err)) == -EINVAL);
	assert_true(pqtun_wg_get_device("waytoolonginterfacename", &d, err, sizeof(err)) == -EINVAL);

	/* a listen port already taken: wireguard-go answers errno != 0 */
	d = pqtun_wg_device_new(if_a);
	d->flags = PQTUN_WGDEV_HAS_LISTEN_PORT;
	d->listen_port = 51002; /* B's */
	int rc = pqtun_wg_set_device(d, err, sizeof(err));
	pqtun_wg_device_free(d);
	assert_true(rc < 0);
	if (!strstr(err, if_a) || !strstr(err, "rejected"))
		fail_msg("unexpected error text: %s", err);

	/* stale socket: the daemon is gone */
	stop(&pid_b, if_b);
	char path[128];
	snprintf(path, sizeof(path), "%s/%s.sock", PQTUN_WG_UAPI_DIR, if_b);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "python3 -c 'import socket; s=socket.socket(socket.AF_UNIX); s.bind(\"%s\")' 2>/dev/null", path);
	if (system(cmd) == 0) {
		assert_true(pqtun_wg_get_device(if_b, &d, err, sizeof(err)) < 0);
		assert_non_null(strstr(err, if_b));
		assert_non_null(strstr(err, "not running"));
		unlink(path);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_and_get),
		cmocka_unit_test(test_handshake_and_counters),
		cmocka_unit_test(test_update_replace_remove),
		cmocka_unit_test(test_errors_name_interface),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
