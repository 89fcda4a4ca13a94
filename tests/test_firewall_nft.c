/* The negotiation firewall against the real kernel and real nftables: in a
 * private network namespace a tun device stands in for the tunnel
 * interface, so the test sees exactly which packets leave through it and
 * can inject packets that arrive on it. Checks that the restriction lets
 * only the allowed flows pass (both directions), that lifting restores
 * everything, and that bad requests are refused without changing rules.
 * Needs root (skipped otherwise, with the reason). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tunnel/exec.h"
#include "tunnel/firewall.h"

#define IFACE "pqfwt0"
static int tun_fd = -1;
static const char *skip_reason;

static void sa4(struct sockaddr_storage *ss, const char *ip, uint16_t port)
{
	struct sockaddr_in *s = (struct sockaddr_in *)ss;
	memset(ss, 0, sizeof(*ss));
	s->sin_family = AF_INET;
	s->sin_port = htons(port);
	inet_pton(AF_INET, ip, &s->sin_addr);
}

/* Drain the tun device, then wait up to ms for a packet matching proto and
 * destination ip:port. Returns 1 if seen. */
static int tun_sees(int proto, const char *dst, uint16_t dport, int ms)
{
	uint8_t pkt[2048];
	struct in_addr want;
	inet_pton(AF_INET, dst, &want);
	for (;;) {
		struct pollfd p = { .fd = tun_fd, .events = POLLIN };
		if (poll(&p, 1, ms) <= 0)
			return 0;
		ssize_t n = read(tun_fd, pkt, sizeof(pkt));
		if (n < 28 || (pkt[0] >> 4) != 4)
			continue;
		size_t ihl = (size_t)(pkt[0] & 15) * 4;
		uint16_t port = (uint16_t)(pkt[ihl + 2] << 8 | pkt[ihl + 3]);
		if (pkt[9] == proto && !memcmp(pkt + 16, &want, 4) && port == dport)
			return 1;
	}
}

static void drain_tun(void)
{
	uint8_t pkt[2048];
	while (read(tun_fd, pkt, sizeof(pkt)) > 0)
		;
}

static uint16_t ip_checksum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Inject a UDP datagram from src:sport to 10.99.0.2:dport as if it had
 * arrived through the tunnel; report whether a socket bound to dport gets
 * it within 300 ms. */
static int udp_arrives(const char *src, uint16_t sport, uint16_t dport)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	struct sockaddr_storage local;
	sa4(&local, "10.99.0.2", dport);
	assert_int_equal(bind(s, (struct sockaddr *)&local, sizeof(struct sockaddr_in)), 0);

	uint8_t pkt[32] = { 0x45, 0, 0, 32, 0, 1, 0x40, 0, 64, IPPROTO_UDP };
	inet_pton(AF_INET, src, pkt + 12);
	inet_pton(AF_INET, "10.99.0.2", pkt + 16);
	uint16_t c = ip_checksum(pkt, 20);
	pkt[10] = (uint8_t)(c >> 8);
	pkt[11] = (uint8_t)c;
	pkt[20] = (uint8_t)(sport >> 8), pkt[21] = (uint8_t)sport;
	pkt[22] = (uint8_t)(dport >> 8), pkt[23] = (uint8_t)dport;
	pkt[24] = 0, pkt[25] = 12; /* UDP length, checksum 0 (none) */
	memcpy(pkt + 28, "ping", 4);
	assert_int_equal(write(tun_fd, pkt, sizeof(pkt)), (ssize_t)sizeof(pkt));

	struct pollfd p = { .fd = s, .events = POLLIN };
	int got = poll(&p, 1, 300) == 1;
	close(s);
	return got;
}

/* Send one UDP datagram to ip:port; returns 1 if it left through the tun. */
static int udp_leaves(const char *ip, uint16_t port)
{
	struct sockaddr_storage to;
	sa4(&to, ip, port);
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	drain_tun();
	(void)sendto(s, "x", 1, 0, (struct sockaddr *)&to, sizeof(struct sockaddr_in));
	close(s);
	return tun_sees(IPPROTO_UDP, ip, port, 300);
}

/* Start a TCP connection to ip:port; returns 1 if its SYN left through the tun. */
static int tcp_syn_leaves(const char *ip, uint16_t port)
{
	struct sockaddr_storage to;
	sa4(&to, ip, port);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	drain_tun();
	(void)connect(s, (struct sockaddr *)&to, sizeof(struct sockaddr_in));
	int seen = tun_sees(IPPROTO_TCP, ip, port, 300);
	close(s);
	return seen;
}

static int setup_netns(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		skip_reason = "needs root (network namespace, tun device, nftables)";
		return 0;
	}
	if (!pqtun_have_program("nft") || !pqtun_have_program("ip")) {
		skip_reason = "nft or ip not installed";
		return 0;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		skip_reason = "cannot create a network namespace";
		return 0;
	}
	tun_fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (tun_fd < 0) {
		skip_reason = "no /dev/net/tun";
		return 0;
	}
	struct ifreq ifr = { 0 };
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	strcpy(ifr.ifr_name, IFACE);
	if (ioctl(tun_fd, TUNSETIFF, &ifr) < 0)
		return -1;
	char out[256];
	if (pqtun_runf(out, sizeof(out), "ip link set lo up") != 0 ||
	    pqtun_runf(out, sizeof(out), "ip addr add 10.99.0.2/24 dev " IFACE) != 0 ||
	    pqtun_runf(out, sizeof(out), "ip link set " IFACE " up") != 0) {
		fprintf(stderr, "setup: %s\n", out);
		return -1;
	}
	/* Packets injected with foreign sources must not be filtered by rp_filter. */
	pqtun_runf(out, sizeof(out), "sysctl -qw net.ipv4.conf.all.rp_filter=0");
	pqtun_runf(out, sizeof(out), "sysctl -qw net.ipv4.conf." IFACE ".rp_filter=0");
	return 0;
}

#define NEED_NETNS() \
	do { \
		if (skip_reason) { \
			print_message("SKIP: %s\n", skip_reason); \
			skip(); \
		} \
	} while (0)

static void test_table_name(void **state)
{
	(void)state;
	char t[PQTUN_FW_TABLE_MAX];
	assert_int_equal(pqtun_fw_table_name(t, "wg0"), 0);
	assert_string_equal(t, "pqtun_wg0");
	assert_int_equal(pqtun_fw_table_name(t, "wg-a.b"), 0);
	assert_string_equal(t, "pqtun_wg_2da_2eb");
	assert_int_equal(pqtun_fw_table_name(t, ""), -1);
	assert_int_equal(pqtun_fw_table_name(t, "a b"), -1);
	assert_int_equal(pqtun_fw_table_name(t, "x\";drop"), -1);
	assert_int_equal(pqtun_fw_table_name(t, "sixteen_chars_xx"), -1);
}

static void test_render_rejects_bad_flows(void **state)
{
	(void)state;
	char buf[4096];
	struct pqtun_fw_allow a[PQTUN_FW_MAX_ALLOW + 1];
	sa4(&a[0].addr, "10.64.0.1", 1337);
	a[0].proto = IPPROTO_ICMP;
	assert_int_equal(pqtun_fw_render(buf, sizeof(buf), "wg0", a, 1), -1);
	a[0].proto = IPPROTO_TCP;
	sa4(&a[0].addr, "10.64.0.1", 0);
	assert_int_equal(pqtun_fw_render(buf, sizeof(buf), "wg0", a, 1), -1);
	sa4(&a[0].addr, "10.64.0.1", 1337);
	assert_int_equal(pqtun_fw_render(buf, 40, "wg0", a, 1), -1);
	for (int i = 0; i <= PQTUN_FW_MAX_ALLOW; i++)
		a[i] = a[0];
	assert_int_equal(pqtun_fw_render(buf, sizeof(buf), "wg0", a, PQTUN_FW_MAX_ALLOW + 1), -1);
	assert_int_equal(pqtun_fw_render(buf, sizeof(buf), "wg0", a, 1), 0);
	assert_non_null(strstr(buf, "oifname \"wg0\" ip daddr 10.64.0.1 tcp dport 1337 accept"));
	assert_non_null(strstr(buf, "iifname \"wg0\" ip saddr 10.64.0.1 tcp sport 1337 accept"));

	/* IPv6 flows use ip6 matches; the rendered text is accepted by nft */
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a[1].addr;
	memset(&a[1], 0, sizeof(a[1]));
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(51820);
	inet_pton(AF_INET6, "fc00:bbbb:bbbb:bb01::1", &s6->sin6_addr);
	a[1].proto = IPPROTO_UDP;
	assert_int_equal(pqtun_fw_render(buf, sizeof(buf), "wg0", a, 2), 0);
	assert_non_null(strstr(buf, "oifname \"wg0\" ip6 daddr fc00:bbbb:bbbb:bb01::1 udp dport 51820 accept"));
	assert_non_null(strstr(buf, "iifname \"wg0\" ip6 saddr fc00:bbbb:bbbb:bb01::1 udp sport 51820 accept"));
	if (!skip_reason) {
		char out[512];
		char *argv[] = { (char *)"nft", (char *)"--check", (char *)"-f", (char *)"-", NULL };
		assert_int_equal(pqtun_run(argv, buf, strlen(buf), out, sizeof(out)), 0);
	}
}

static void test_open_before_restriction(void **state)
{
	(void)state;
	NEED_NETNS();
	assert_int_equal(pqtun_fw_present(IFACE), 0);
	assert_true(udp_leaves("10.99.0.9", 5000));
	assert_true(tcp_syn_leaves("10.99.0.1", 80));
	assert_true(udp_arrives("10.99.0.9", 5000, 6000));
}

static void test_restriction_blocks_all_but_allowed(void **state)
{
	(void)state;
	NEED_NETNS();
	struct pqtun_fw_allow a[2];
	char err[256] = "";
	sa4(&a[0].addr, "10.99.0.1", 1337);
	a[0].proto = IPPROTO_TCP;
	sa4(&a[1].addr, "10.99.0.7", 51820);
	a[1].proto = IPPROTO_UDP;
	assert_int_equal(pqtun_fw_restrict(IFACE, a, 2, err, sizeof(err)), 0);
	assert_int_equal(pqtun_fw_present(IFACE), 1);

	/* allowed: the config service and the exit relay's endpoint */
	assert_true(tcp_syn_leaves("10.99.0.1", 1337));
	assert_true(udp_leaves("10.99.0.7", 51820));
	assert_true(udp_arrives("10.99.0.7", 51820, 6000));
	/* everything else, either way */
	assert_false(tcp_syn_leaves("10.99.0.1", 80));
	assert_false(tcp_syn_leaves("10.99.0.5", 1337));
	assert_false(udp_leaves("10.99.0.1", 1337));
	assert_false(udp_leaves("10.99.0.9", 5000));
	assert_false(udp_arrives("10.99.0.9", 5000, 6000));
	assert_false(udp_arrives("10.99.0.7", 51821, 6000));

	/* replacing the rules is atomic and takes effect */
	assert_int_equal(pqtun_fw_restrict(IFACE, a, 1, err, sizeof(err)), 0);
	assert_true(tcp_syn_leaves("10.99.0.1", 1337));
	assert_false(udp_leaves("10.99.0.7", 51820));

	assert_int_equal(pqtun_fw_lift(IFACE, err, sizeof(err)), 0);
	assert_int_equal(pqtun_fw_present(IFACE), 0);
	assert_true(udp_leaves("10.99.0.9", 5000));
	assert_true(udp_arrives("10.99.0.9", 5000, 6000));
	assert_true(tcp_syn_leaves("10.99.0.1", 80));
}

static void test_failed_request_changes_nothing(void **state)
{
	(void)state;
	NEED_NETNS();
	struct pqtun_fw_allow a[1];
	char err[256] = "";
	sa4(&a[0].addr, "10.99.0.1", 1337);
	a[0].proto = IPPROTO_TCP;
	assert_int_equal(pqtun_fw_restrict(IFACE, a, 1, err, sizeof(err)), 0);
	a[0].proto = IPPROTO_ICMP;
	assert_int_equal(pqtun_fw_restrict(IFACE, a, 1, err, sizeof(err)), -1);
	assert_true(strlen(err) > 0);
	/* the earlier restriction is still in force */
	assert_int_equal(pqtun_fw_present(IFACE), 1);
	assert_false(udp_leaves("10.99.0.9", 5000));
	assert_int_equal(pqtun_fw_restrict("bad name", a, 1, err, sizeof(err)), -1);
	assert_int_equal(pqtun_fw_lift(IFACE, err, sizeof(err)), 0);
	/* lifting twice is fine */
	assert_int_equal(pqtun_fw_lift(IFACE, err, sizeof(err)), 0);
	assert_int_equal(pqtun_fw_present(IFACE), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_name),
		cmocka_unit_test(test_render_rejects_bad_flows),
		cmocka_unit_test(test_open_before_restriction),
		cmocka_unit_test(test_restriction_blocks_all_but_allowed),
		cmocka_unit_test(test_failed_request_changes_nothing),
	};
	return cmocka_run_group_tests(tests, setup_netns, NULL);
}
