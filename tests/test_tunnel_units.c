/* Unit tests of the client's pure parts: the retry schedule, interface
 * naming, the ConfigUpdate key on top of the shared parser (line numbers
 * kept), the checks `up` adds, and the state file round trip (including
 * that a value cannot inject extra entries), the PSK rotation schedule
 * (jitter, backoff, test scale), its config key, the state lock and a
 * refused rotation being recorded. No root needed. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tunnel/bringup.h"
#include "tunnel/conf.h"
#include "tunnel/rekey.h"
#include "tunnel/state.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>

#define KEY_A "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="
#define KEY_B "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
#define KEY_C "TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0="

static void test_schedule(void **state)
{
	(void)state;
	assert_int_equal(pqtun_up_attempt_timeout_ms(0, 0), 8000);
	assert_int_equal(pqtun_up_attempt_timeout_ms(1, 0), 16000);
	assert_int_equal(pqtun_up_attempt_timeout_ms(2, 0), 32000);
	assert_int_equal(pqtun_up_attempt_timeout_ms(3, 0), 48000);
	assert_int_equal(pqtun_up_attempt_timeout_ms(4, 0), 48000);
	assert_int_equal(pqtun_up_attempt_timeout_ms(40, 0), 48000);
	assert_int_equal(pqtun_up_attempt_timeout_ms(0, 0.25), 2000);
	assert_int_equal(pqtun_up_attempt_timeout_ms(3, 0.1), 4800);
	assert_int_equal(pqtun_up_attempt_timeout_ms(0, 0.001), 50); /* floor */
}

static void test_locate(void **state)
{
	(void)state;
	char path[256], iface[16], err[256];
	unsetenv("PQTUN_CONFIG_DIR");
	assert_int_equal(pqtun_tunconf_locate("wg0", path, sizeof(path), iface, err, sizeof(err)), 0);
	assert_string_equal(path, "/etc/pqtun/wg0.conf");
	assert_string_equal(iface, "wg0");
	assert_int_equal(pqtun_tunconf_locate("/x/y/mullvad-se1.conf", path, sizeof(path), iface, err, sizeof(err)), 0);
	assert_string_equal(path, "/x/y/mullvad-se1.conf");
	assert_string_equal(iface, "mullvad-se1");
	assert_int_equal(pqtun_tunconf_locate("/x/has space.conf", path, sizeof(path), iface, err, sizeof(err)), -1);
	assert_int_equal(pqtun_tunconf_locate("/x/sixteen_chars_xx.conf", path, sizeof(path), iface, err, sizeof(err)), -1);
	assert_int_equal(pqtun_tunconf_locate("/x/wg0.txt", path, sizeof(path), iface, err, sizeof(err)), -1);
	assert_int_equal(pqtun_tunconf_locate("/x/.conf", path, sizeof(path), iface, err, sizeof(err)), -1);
}

static const char *const good =
	"[Interface]\n"
	"PrivateKey = " KEY_A "\n"
	"ConfigUpdate = echo one\n"
	"Address = 10.64.0.2/32\n"
	"  configupdate=echo two  \n"
	"[Peer]\n"
	"PublicKey = " KEY_B "\n"
	"Endpoint = 192.0.2.1:51820\n"
	"AllowedIPs = 0.0.0.0/0\n";

static void test_config_update_key(void **state)
{
	(void)state;
	struct pqtun_tunconf c;
	char err[256] = "";
	memset(&c, 0, sizeof(c));
	assert_int_equal(pqtun_tunconf_parse(&c, good, "wg0", err, sizeof(err)), 0);
	assert_int_equal(c.n_config_update, 2);
	assert_string_equal(c.config_update[0], "echo one");
	assert_string_equal(c.config_update[1], "echo two");
	assert_int_equal(c.n_peers, 1);
	assert_int_equal(c.peers[0].hop, PQTUN_TUNHOP_SINGLE);
	assert_string_equal(c.gateway, "10.64.0.1");
	assert_int_equal(c.config_port, 1337);
	assert_int_equal(c.post_quantum, 1);
	assert_string_equal(c.kems, "ML-KEM-1024,HQC-256");
	pqtun_tunconf_free(&c);

	/* any list the client can send, kept in its order */
	char *kyber = NULL;
	assert_true(asprintf(&kyber, "[Interface]\nKems = HQC-256, Kyber1024\n%s", good + strlen("[Interface]\n")) > 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(pqtun_tunconf_parse(&c, kyber, "wg0", err, sizeof(err)), 0);
	assert_string_equal(c.kems, "HQC-256,Kyber1024");
	pqtun_tunconf_free(&c);
	free(kyber);

	/* an error after the removed lines still has the right line number */
	char *bad = NULL;
	assert_true(asprintf(&bad, "%sBogus = 1\n", good) > 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(pqtun_tunconf_parse(&c, bad, "wg0", err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":10: unknown key 'Bogus'"));
	free(bad);
}

static void expect_reject(const char *text, const char *msg)
{
	struct pqtun_tunconf c;
	char err[256] = "";
	memset(&c, 0, sizeof(c));
	assert_int_equal(pqtun_tunconf_parse(&c, text, "wg0", err, sizeof(err)), -1);
	if (!strstr(err, msg))
		fail_msg("error '%s' lacks '%s'", err, msg);
}

static void test_up_checks(void **state)
{
	(void)state;
	expect_reject("[Interface]\nPrivateKey = " KEY_A "\n[Peer]\nPublicKey = " KEY_B
		      "\nAllowedIPs = 0.0.0.0/0\n", ":3: [Peer] has no Endpoint");
	expect_reject("[Interface]\nPrivateKey = " KEY_A "\nGateway = 10.9.9.9\n[Peer]\nPublicKey = " KEY_B
		      "\nEndpoint = 192.0.2.1:1\nAllowedIPs = 10.64.0.0/16\n", "Gateway 10.9.9.9 is not inside");
	expect_reject("[Interface]\nPrivateKey = " KEY_A "\nSaveConfig = true\n[Peer]\nPublicKey = " KEY_B
		      "\nEndpoint = 192.0.2.1:1\nAllowedIPs = 0.0.0.0/0\n", "SaveConfig");
	expect_reject("[Interface]\nPrivateKey = " KEY_A "\nKems = HQC-256,Classic-McEliece-460896f-round3\n[Peer]\nPublicKey = " KEY_B
		      "\nEndpoint = 192.0.2.1:1\nAllowedIPs = 0.0.0.0/0\n",
		      "Kems: Classic-McEliece-460896f-round3 cannot be used by the client: key generation is not implemented");
	expect_reject("[Interface]\nPrivateKey = " KEY_A "\n[Peer]\nPublicKey = " KEY_B
		      "\nEndpoint = 192.0.2.1:1\nAllowedIPs = 0.0.0.0/0\nConfigUpdate = x\n", ":7: ConfigUpdate belongs in [Interface]");
	expect_reject("[Interface]\nPrivateKey = " KEY_A "\n[Peer]\nPublicKey = " KEY_B
		      "\nEndpoint = 192.0.2.1:1\n[Peer]\nPublicKey = " KEY_C "\nEndpoint = 192.0.2.2:1\n",
		      "two peers marked Hop");
	/* multihop: the gateway must be routed to the exit */
	expect_reject("[Interface]\nPrivateKey = " KEY_A "\n[Peer]\nHop = entry\nPublicKey = " KEY_B
		      "\nEndpoint = 192.0.2.1:1\nAllowedIPs = 0.0.0.0/0\n[Peer]\nHop = exit\nPublicKey = " KEY_C
		      "\nEndpoint = 192.0.2.2:1\nAllowedIPs = 10.1.0.0/16\n", "AllowedIPs of the exit peer");

	struct pqtun_tunconf c;
	char err[256] = "";
	memset(&c, 0, sizeof(c));
	assert_int_equal(pqtun_tunconf_parse(&c, "[Interface]\nPrivateKey = " KEY_A "\n[Peer]\nHop = entry\nPublicKey = " KEY_B
		      "\nEndpoint = 192.0.2.1:1\nAllowedIPs =\n[Peer]\nHop = exit\nPublicKey = " KEY_C
		      "\nEndpoint = 192.0.2.2:1\nAllowedIPs = 0.0.0.0/0\n", "wg0", err, sizeof(err)), 0);
	assert_non_null(pqtun_tunconf_hop(&c, PQTUN_TUNHOP_ENTRY));
	assert_non_null(pqtun_tunconf_hop(&c, PQTUN_TUNHOP_EXIT));
	assert_int_equal(pqtun_tunconf_hop(&c, PQTUN_TUNHOP_ENTRY)->n_allowed, 0);
	assert_int_equal(pqtun_tunconf_resolve(&c, err, sizeof(err)), 0);
	assert_int_equal(pqtun_tunconf_hop(&c, PQTUN_TUNHOP_EXIT)->endpoint_addr.ss_family, AF_INET);
	pqtun_tunconf_free(&c);
}

static void test_state_round_trip(void **state)
{
	(void)state;
	char dir[] = "/tmp/pqtun-state-XXXXXX";
	assert_non_null(mkdtemp(dir));
	setenv("PQTUN_RUN_DIR", dir, 1);

	struct pqtun_state st, back;
	memset(&st, 0, sizeof(st));
	strcpy(st.iface, "wg7");
	strcpy(st.config, "/etc/pqtun/wg7.conf");
	st.pid = 4242;
	strcpy(st.phase, "negotiating");
	strcpy(st.implementation, "wireguard-go");
	assert_int_equal(pqtun_state_add_undo(&st, "ip link delete dev wg7"), 0);
	assert_int_equal(pqtun_state_add_undo(&st, "ip -4 rule delete table main suppress_prefixlength 0"), 0);
	st.pre_down[0] = strdup("echo bye %i");
	st.n_pre_down = 1;
	st.n_hops = 2;
	strcpy(st.hops[0].role, "entry");
	strcpy(st.hops[1].role, "exit");
	strcpy(st.hops[1].relay, "203.0.113.9:51820");
	st.hops[1].post_quantum = 1;
	st.hops[1].attempts = 3;
	st.hops[1].negotiated = 1795572414;
	/* a hostile error text must not create an undo entry */
	strcpy(st.hops[0].last_error, "attempt 1: boom\nundo rm -rf /");
	assert_int_equal(pqtun_state_save(&st), 0);

	assert_int_equal(pqtun_state_load(&back, "wg7"), 0);
	assert_string_equal(back.phase, "negotiating");
	assert_int_equal(back.pid, 4242);
	assert_int_equal(back.n_undo, 2);
	assert_string_equal(back.undo[1], "ip -4 rule delete table main suppress_prefixlength 0");
	assert_int_equal(back.n_pre_down, 1);
	assert_string_equal(back.pre_down[0], "echo bye %i");
	assert_int_equal(back.n_hops, 2);
	assert_string_equal(back.hops[1].relay, "203.0.113.9:51820");
	assert_int_equal(back.hops[1].attempts, 3);
	assert_int_equal(back.hops[1].negotiated, 1795572414);
	assert_int_equal(back.hops[1].post_quantum, 1);
	assert_string_equal(back.hops[0].last_error, "attempt 1: boom undo rm -rf /");
	pqtun_state_free(&back);

	assert_int_equal(pqtun_state_load(&back, "wg8"), 1); /* none */
	assert_int_equal(pqtun_state_load(&back, "../x"), -1);
	pqtun_state_free(&st);
	pqtun_state_remove("wg7");
	assert_int_equal(pqtun_state_load(&back, "wg7"), 1);
	rmdir(dir);
	unsetenv("PQTUN_RUN_DIR");
}

static void test_rekey_schedule(void **state)
{
	(void)state;
	/* +-10% jitter around interval * scale */
	assert_int_equal(pqtun_rekey_delay_ms(30, 1.0, 0), 27000);
	assert_int_equal(pqtun_rekey_delay_ms(30, 1.0, UINT32_MAX), 33000);
	assert_int_equal(pqtun_rekey_delay_ms(120, 1.0, UINT32_MAX / 2), 119999); /* ~middle */
	assert_int_equal(pqtun_rekey_delay_ms(30, 0.1, 0), 2700);
	uint64_t lo = UINT64_MAX, hi = 0;
	for (uint32_t r = 0; r < 1000; r++) {
		uint64_t d = pqtun_rekey_delay_ms(60, 1.0, r * 4294967u);
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}
	assert_true(lo >= 54000 && hi <= 66000 && hi - lo > 10000); /* spread, within bounds */
	/* backoff: 8 s * 2^(n-1), capped at the interval, scaled */
	assert_int_equal(pqtun_rekey_backoff_ms(1, 120, 1.0), 8000);
	assert_int_equal(pqtun_rekey_backoff_ms(2, 120, 1.0), 16000);
	assert_int_equal(pqtun_rekey_backoff_ms(4, 120, 1.0), 64000);
	assert_int_equal(pqtun_rekey_backoff_ms(5, 120, 1.0), 120000);
	assert_int_equal(pqtun_rekey_backoff_ms(400, 120, 1.0), 120000);
	assert_int_equal(pqtun_rekey_backoff_ms(3, 30, 0.1), 3000);
	/* the test-only scale */
	unsetenv(PQTUN_REKEY_SCALE_ENV);
	assert_true(pqtun_rekey_scale_from_env() == 1.0);
	setenv(PQTUN_REKEY_SCALE_ENV, "0.25", 1);
	assert_true(pqtun_rekey_scale_from_env() == 0.25);
	const char *bad[] = { "0", "2", "-1", "x", "0.5s" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv(PQTUN_REKEY_SCALE_ENV, bad[i], 1);
		assert_true(pqtun_rekey_scale_from_env() < 0);
	}
	unsetenv(PQTUN_REKEY_SCALE_ENV);
}

static void test_rekey_config(void **state)
{
	(void)state;
	const char *head = "[Interface]\nPrivateKey = " KEY_A "\n";
	const char *peer = "[Peer]\nPublicKey = " KEY_B "\nEndpoint = 192.0.2.1:1\nAllowedIPs = 0.0.0.0/0\n";
	char text[512];
	struct pqtun_tunconf c;
	char err[256] = "";
	snprintf(text, sizeof(text), "%sRekeyInterval = 29\n%s", head, peer);
	expect_reject(text, "RekeyInterval 29 is too short (at least 30");
	snprintf(text, sizeof(text), "%sRekeyInterval = 90\n%s", head, peer);
	memset(&c, 0, sizeof(c));
	assert_int_equal(pqtun_tunconf_parse(&c, text, "wg0", err, sizeof(err)), 0);
	assert_int_equal(c.rekey_interval, 90);
	pqtun_tunconf_free(&c);
	snprintf(text, sizeof(text), "%s%s", head, peer);
	memset(&c, 0, sizeof(c));
	assert_int_equal(pqtun_tunconf_parse(&c, text, "wg0", err, sizeof(err)), 0);
	assert_int_equal(c.rekey_interval, 0); /* default off */
	pqtun_tunconf_free(&c);
}

static void test_rekey_state(void **state)
{
	(void)state;
	char dir[] = "/tmp/pqtun-rekey-XXXXXX";
	assert_non_null(mkdtemp(dir));
	setenv("PQTUN_RUN_DIR", dir, 1);
	struct pqtun_state st, back;
	memset(&st, 0, sizeof(st));
	strcpy(st.iface, "wg5");
	strcpy(st.phase, "negotiating");
	strcpy(st.gateway, "10.64.0.1");
	st.config_port = 1337;
	st.daita = 1;
	st.rekey_pid = 777;
	st.rekey_interval = 120;
	st.next_rekey = 1795572999;
	st.rekey_failures = 2;
	st.rekey_alert = 4;
	strcpy(st.rekey_error, "exit relay: the exchange timed out");
	st.n_hops = 1;
	strcpy(st.hops[0].role, "single");
	st.hops[0].post_quantum = 1;
	st.hops[0].rotations = 9;
	assert_int_equal(pqtun_state_save(&st), 0);
	assert_int_equal(pqtun_state_load(&back, "wg5"), 0);
	assert_string_equal(back.gateway, "10.64.0.1");
	assert_int_equal(back.config_port, 1337);
	assert_int_equal(back.daita, 1);
	assert_int_equal(back.rekey_pid, 777);
	assert_int_equal(back.rekey_interval, 120);
	assert_int_equal(back.next_rekey, 1795572999);
	assert_int_equal(back.rekey_failures, 2);
	assert_int_equal(back.rekey_alert, 4);
	assert_string_equal(back.rekey_error, "exit relay: the exchange timed out");
	assert_int_equal(back.hops[0].rotations, 9);
	pqtun_state_free(&back);

	/* the lock excludes a second holder */
	int fd = pqtun_state_lock("wg5");
	assert_true(fd >= 0);
	char lp[256];
	snprintf(lp, sizeof(lp), "%s/wg5.lock", dir);
	int other = open(lp, O_RDWR);
	assert_true(other >= 0);
	assert_int_equal(flock(other, LOCK_EX | LOCK_NB), -1);
	assert_int_equal(errno, EWOULDBLOCK);
	pqtun_state_unlock(fd);
	assert_int_equal(flock(other, LOCK_EX | LOCK_NB), 0);
	close(other);

	/* a rotation of a tunnel that is not up is refused, changes nothing
	 * but the failure record */
	struct pqtun_rekey_report rep;
	char err[256];
	assert_int_equal(pqtun_rekey_once("wg5", 1.0, 0, &rep, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not up"));
	assert_int_equal(pqtun_state_load(&back, "wg5"), 0);
	assert_int_equal(back.rekey_failures, 3);
	assert_non_null(strstr(back.rekey_error, "not up"));
	assert_int_equal(back.hops[0].rotations, 9);
	pqtun_state_free(&back);
	/* nothing known about an interface: 1 */
	assert_int_equal(pqtun_rekey_once("wg6", 1.0, 0, &rep, err, sizeof(err)), 1);
	snprintf(lp, sizeof(lp), "%s/wg6.lock", dir);
	assert_int_equal(access(lp, F_OK), -1); /* no lock file for an unknown tunnel */
	snprintf(lp, sizeof(lp), "%s/wg5.lock", dir);

	pqtun_state_remove("wg5");
	assert_int_equal(access(lp, F_OK), -1);
	pqtun_state_remove("wg6");
	rmdir(dir);
	unsetenv("PQTUN_RUN_DIR");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schedule),
		cmocka_unit_test(test_locate),
		cmocka_unit_test(test_config_update_key),
		cmocka_unit_test(test_up_checks),
		cmocka_unit_test(test_state_round_trip),
		cmocka_unit_test(test_rekey_schedule),
		cmocka_unit_test(test_rekey_config),
		cmocka_unit_test(test_rekey_state),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
