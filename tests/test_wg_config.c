/* wg-quick config parser: good configs give the right values, bad ones a
 * line-numbered error naming the problem (and never a secret value). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "util/encoding.h"
#include "wg/config.h"

/* Keys from wg genkey / pubkey (test-only). */
#define PRIV "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="
#define PUB_OF_PRIV "HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw="
#define PEER1 "LsYp800H6jK/8dxHLq/SAA4bA8ctvrZPz4oYXFBttmU="
#define PEER2 "a4se/jM8JJbtS8EhlNpiFgk6C8YAnnNxLUvSt0ceLRY="
#define PSK "9YRekHfDmgKLWl9+FvXQmtjuglAXxy/HKKngrikr86E="

static struct pqtun_conf *parse_ok(const char *text)
{
	struct pqtun_conf *c = NULL;
	char err[PQTUN_CONF_ERRLEN] = "";
	int rc = pqtun_conf_parse(text, strlen(text), "wg0.conf", &c, err, sizeof(err));
	if (rc != 0)
		fail_msg("unexpected error: %s", err);
	assert_non_null(c);
	return c;
}

/* Parse must fail with an error containing `want` (and never the private key). */
static void parse_bad(const char *text, const char *want)
{
	struct pqtun_conf *c = (struct pqtun_conf *)1;
	char err[PQTUN_CONF_ERRLEN] = "";
	int rc = pqtun_conf_parse(text, strlen(text), "wg0.conf", &c, err, sizeof(err));
	if (rc == 0)
		fail_msg("config accepted, expected error '%s':\n%s", want, text);
	assert_null(c);
	if (!strstr(err, want))
		fail_msg("error '%s' does not contain '%s'", err, want);
	assert_null(strstr(err, PRIV));
	assert_null(strstr(err, PSK));
}

static void key_eq(const uint8_t key[32], const char *b64)
{
	char out[45];
	pqtun_key_to_base64(out, key);
	assert_string_equal(out, b64);
}

static void test_full_config(void **state)
{
	(void)state;
	struct pqtun_conf *c = parse_ok(
		"# a comment\n"
		"[Interface]\r\n"
		"  privatekey = " PRIV "  # trailing comment\n"
		"Address = 10.64.0.2/32, fc00:bbbb::2/128\n"
		"Address = 10.99.0.1\n"
		"ListenPort = 51820\n"
		"FwMark = 0x1234\n"
		"MTU = 1380\n"
		"DNS = 10.64.0.1, example.com\n"
		"Table = off\n"
		"PostUp = echo up %i; true\n"
		"PostUp = echo second\n"
		"PreDown = echo pre\n"
		"Gateway = 10.64.0.9\n"
		"ConfigPort = 4242\n"
		"PostQuantum = false\n"
		"DAITA = yes\n"
		"Kems = HQC-256 , ML-KEM-1024\n"
		"RekeyInterval = 3600\n"
		"\n"
		"[Peer]\n"
		"PublicKey = " PEER1 "\n"
		"PresharedKey = " PSK "\n"
		"Endpoint = [2001:db8::1]:51820\n"
		"AllowedIPs = 0.0.0.0/0, ::/0\n"
		"PersistentKeepalive = 25\n"
		"Hop = entry\n"
		"[peer]\n"
		"PublicKey = " PEER2 "\n"
		"Endpoint = relay.example.net:443\n"
		"AllowedIPs =\n"
		"HOP = exit\n");
	key_eq(c->private_key, PRIV);
	key_eq(c->public_key, PUB_OF_PRIV);
	assert_int_equal(c->n_addresses, 3);
	char s[PQTUN_CIDR_STRLEN];
	pqtun_cidr_format(s, sizeof(s), &c->addresses[1]);
	assert_string_equal(s, "fc00:bbbb::2/128");
	pqtun_cidr_format(s, sizeof(s), &c->addresses[2]);
	assert_string_equal(s, "10.99.0.1/32");
	assert_true(c->has_listen_port);
	assert_int_equal(c->listen_port, 51820);
	assert_true(c->has_fwmark);
	assert_int_equal(c->fwmark, 0x1234);
	assert_int_equal(c->mtu, 1380);
	assert_int_equal(c->dns_servers.n, 1);
	assert_string_equal(c->dns_servers.items[0], "10.64.0.1");
	assert_int_equal(c->dns_search.n, 1);
	assert_string_equal(c->dns_search.items[0], "example.com");
	assert_string_equal(c->table, "off");
	assert_int_equal(c->post_up.n, 2);
	assert_string_equal(c->post_up.items[0], "echo up %i; true");
	assert_int_equal(c->pre_down.n, 1);
	assert_string_equal(c->gateway, "10.64.0.9");
	assert_int_equal(c->config_port, 4242);
	assert_int_equal(c->post_quantum, 0);
	assert_int_equal(c->daita, 1);
	assert_int_equal(c->kems.n, 2);
	assert_string_equal(c->kems.items[0], "HQC-256");
	assert_string_equal(c->kems.items[1], "ML-KEM-1024");
	assert_int_equal(c->rekey_interval, 3600);
	assert_int_equal(c->n_peers, 2);
	key_eq(c->peers[0].public_key, PEER1);
	assert_true(c->peers[0].has_preshared_key);
	key_eq(c->peers[0].preshared_key, PSK);
	assert_string_equal(c->peers[0].endpoint, "[2001:db8::1]:51820");
	assert_int_equal(c->peers[0].n_allowed_ips, 2);
	assert_int_equal(c->peers[0].persistent_keepalive, 25);
	assert_int_equal(c->peers[0].hop, PQTUN_HOP_ENTRY);
	assert_int_equal(c->peers[0].line, 21);
	assert_int_equal(c->peers[1].n_allowed_ips, 0);
	assert_false(c->peers[1].has_preshared_key);
	assert_int_equal(c->peers[1].hop, PQTUN_HOP_EXIT);
	const struct pqtun_conf_peer *entry, *exitp;
	assert_int_equal(pqtun_conf_hops(c, &entry, &exitp), 0);
	assert_ptr_equal(entry, &c->peers[0]);
	assert_ptr_equal(exitp, &c->peers[1]);
	pqtun_conf_free(c);
}

static void test_defaults(void **state)
{
	(void)state;
	struct pqtun_conf *c = parse_ok("[Interface]\nPrivateKey=" PRIV "\n[Peer]\nPublicKey=" PEER1 "\n"
					"AllowedIPs=10.64.0.1/32\nEndpoint=192.0.2.1:51820\n");
	assert_string_equal(c->gateway, "10.64.0.1");
	assert_int_equal(c->config_port, 1337);
	assert_int_equal(c->post_quantum, 1);
	assert_int_equal(c->daita, 0);
	assert_int_equal(c->kems.n, 2);
	assert_string_equal(c->kems.items[0], "ML-KEM-1024");
	assert_string_equal(c->kems.items[1], "HQC-256");
	assert_int_equal(c->rekey_interval, 0);
	assert_false(c->has_listen_port);
	assert_false(c->has_fwmark);
	assert_null(c->table);
	const struct pqtun_conf_peer *entry, *exitp;
	assert_int_equal(pqtun_conf_hops(c, &entry, &exitp), 0);
	assert_ptr_equal(entry, &c->peers[0]);
	assert_null(exitp);
	pqtun_conf_free(c);

	/* FwMark off, keepalive off, RekeyInterval off */
	c = parse_ok("[Interface]\nPrivateKey=" PRIV "\nFwMark=off\nRekeyInterval=off\n"
		     "[Peer]\nPublicKey=" PEER1 "\nPersistentKeepalive=off\n");
	assert_false(c->has_fwmark);
	assert_int_equal(c->peers[0].persistent_keepalive, 0);
	pqtun_conf_free(c);

	/* two peers without Hop parse, but are not a hop layout */
	c = parse_ok("[Interface]\nPrivateKey=" PRIV "\n[Peer]\nPublicKey=" PEER1 "\n[Peer]\nPublicKey=" PEER2 "\n");
	assert_int_equal(pqtun_conf_hops(c, &entry, &exitp), -1);
	pqtun_conf_free(c);
}

#define IFACE "[Interface]\nPrivateKey = " PRIV "\n"
#define PEER "[Peer]\nPublicKey = " PEER1 "\n"

static void test_bad_configs(void **state)
{
	(void)state;
	parse_bad(IFACE PEER "Foo = bar\n", "wg0.conf:5: unknown key 'Foo' in [Peer]");
	parse_bad(IFACE "Hop = entry\n", "wg0.conf:3: unknown key 'Hop' in [Interface]");
	parse_bad(IFACE PEER "ListenPort = 1\n", "wg0.conf:5: unknown key 'ListenPort' in [Peer]");
	parse_bad("PrivateKey = " PRIV "\n", "wg0.conf:1: key 'PrivateKey' outside of a section");
	parse_bad(IFACE "[Foo]\n", "wg0.conf:3: unknown section '[Foo]'");
	parse_bad(IFACE "[Peer\n", "wg0.conf:3: section header without closing ']'");
	parse_bad(IFACE "just words\n", "wg0.conf:3: expected 'Key = Value'");
	parse_bad(IFACE " = 5\n", "wg0.conf:3: missing key");
	parse_bad("[Interface]\nPrivateKey = abc\n", "wg0.conf:2: PrivateKey is not a valid WireGuard key");
	/* one character off: 43 chars, a bad character, bad padding bits */
	parse_bad("[Interface]\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk\n", "wg0.conf:2: PrivateKey is not");
	parse_bad("[Interface]\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBm!=\n", "wg0.conf:2: PrivateKey is not");
	parse_bad("[Interface]\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBml=\n", "wg0.conf:2: PrivateKey is not");
	parse_bad(IFACE "[Peer]\nPublicKey = " PEER1 "x\n", "wg0.conf:4: PublicKey is not a valid");
	parse_bad(IFACE PEER "PresharedKey = notbase64\n", "wg0.conf:5: PresharedKey is not a valid");
	parse_bad(IFACE "PrivateKey = " PRIV "\n", "wg0.conf:3: duplicate key PrivateKey in [Interface] (first on line 2)");
	parse_bad(IFACE PEER "PublicKey = " PEER2 "\n", "wg0.conf:5: duplicate key PublicKey in [Peer] (first on line 4)");
	parse_bad(IFACE "[Interface]\n", "wg0.conf:3: second [Interface] section (first on line 1)");
	parse_bad("[Interface]\nListenPort = 1\n", "wg0.conf:1: [Interface] has no PrivateKey");
	parse_bad("[Peer]\nPublicKey = " PEER1 "\n", "wg0.conf: no [Interface] section");
	parse_bad("", "wg0.conf: no [Interface] section");
	parse_bad(IFACE "[Peer]\nEndpoint = 1.2.3.4:5\n", "wg0.conf:3: [Peer] has no PublicKey");
	parse_bad(IFACE PEER PEER, "wg0.conf:5: duplicate peer: same PublicKey as the [Peer] on line 3");
	parse_bad(IFACE "ListenPort = 65536\n", "wg0.conf:3: invalid ListenPort '65536'");
	parse_bad(IFACE "ListenPort = -1\n", "invalid ListenPort");
	parse_bad(IFACE "ListenPort = 12ab\n", "invalid ListenPort");
	parse_bad(IFACE "ListenPort =\n", "wg0.conf:3: empty value for ListenPort");
	parse_bad(IFACE "FwMark = 0x100000000\n", "invalid FwMark");
	parse_bad(IFACE "FwMark = 99999999999999999999999\n", "invalid FwMark");
	parse_bad(IFACE "MTU = 100\n", "invalid MTU '100'");
	parse_bad(IFACE "Address = 10.0.0.1/33\n", "wg0.conf:3: invalid Address entry '10.0.0.1/33'");
	parse_bad(IFACE "Address = 10.0.0.1/24,,10.0.0.2\n", "wg0.conf:3: empty entry in the Address list");
	parse_bad(IFACE "Address = 10.0.0.1/24,\n", "empty entry in the Address list");
	parse_bad(IFACE "Address = 10.0.0.256\n", "invalid Address entry");
	parse_bad(IFACE "Address = fc00::1/129\n", "invalid Address entry");
	parse_bad(IFACE "Address = 10.0.0.1/\n", "invalid Address entry");
	parse_bad(IFACE PEER "AllowedIPs = 10.0.0.0/8, nonsense\n", "wg0.conf:5: invalid AllowedIPs entry 'nonsense'");
	parse_bad(IFACE "DNS = 10.0.0.1, bad domain!\n", "invalid DNS entry");
	parse_bad(IFACE "Table = a b\n", "invalid Table");
	parse_bad(IFACE "PostUp =\n", "empty value for PostUp");
	parse_bad(IFACE "Gateway = 10.64.0\n", "wg0.conf:3: invalid Gateway '10.64.0'");
	parse_bad(IFACE "Gateway = host.example\n", "invalid Gateway");
	parse_bad(IFACE "ConfigPort = 0\n", "invalid ConfigPort '0'");
	parse_bad(IFACE "PostQuantum = maybe\n", "wg0.conf:3: invalid PostQuantum 'maybe'");
	parse_bad(IFACE "Daita = 2\n", "invalid Daita");
	parse_bad(IFACE "Kems = ML-KEM-768\n", "wg0.conf:3: unknown KEM 'ML-KEM-768'");
	parse_bad(IFACE "Kems = ML-KEM-1024,ML-KEM-1024\n", "KEM 'ML-KEM-1024' listed twice");
	parse_bad(IFACE "Kems = ML-KEM-1024,Kyber1024\n", "both ML-KEM-1024 and Kyber1024");
	parse_bad(IFACE "Kems = ,\n", "empty entry in the Kems list");
	parse_bad(IFACE "Kems =\n", "empty value for Kems");
	parse_bad(IFACE "RekeyInterval = soon\n", "invalid RekeyInterval");
	parse_bad(IFACE PEER "Endpoint = 1.2.3.4\n", "wg0.conf:5: invalid Endpoint '1.2.3.4'");
	parse_bad(IFACE PEER "Endpoint = 1.2.3.4:0\n", "invalid Endpoint");
	parse_bad(IFACE PEER "Endpoint = 1.2.3.4:70000\n", "invalid Endpoint");
	parse_bad(IFACE PEER "Endpoint = 2001:db8::1:51820\n", "invalid Endpoint");
	parse_bad(IFACE PEER "Endpoint = [2001:db8::1:51820\n", "invalid Endpoint");
	parse_bad(IFACE PEER "Endpoint = :51820\n", "invalid Endpoint");
	parse_bad(IFACE PEER "PersistentKeepalive = 70000\n", "invalid PersistentKeepalive");
	parse_bad(IFACE PEER "Hop = middle\n", "wg0.conf:5: invalid Hop 'middle'");
	parse_bad(IFACE PEER "Hop = exit\n[Peer]\nPublicKey = " PEER2 "\nHop = exit\n",
		  "wg0.conf:6: two peers with Hop = exit (the other on line 3)");
	parse_bad(IFACE PEER "Hop = entry\n[Peer]\nPublicKey = " PEER2 "\nHop = entry\n",
		  "wg0.conf:6: two peers with Hop = entry");
	parse_bad(IFACE PEER "Hop = exit\n", "wg0.conf:3: Hop = exit needs another peer with Hop = entry");
	parse_bad(IFACE PEER "Hop = entry\n", "wg0.conf:3: Hop = entry needs another peer");
	parse_bad(IFACE PEER "Hop = entry\n[Peer]\nPublicKey = " PEER2 "\nHop = exit\n"
		  "[Peer]\nPublicKey = " PUB_OF_PRIV "\n", "exactly two peers");
	/* a NUL byte in the middle of a line */
	static const char nul[] = "[Interface]\nPrivate\0Key = x\n";
	struct pqtun_conf *c;
	char err[PQTUN_CONF_ERRLEN];
	assert_int_equal(pqtun_conf_parse(nul, sizeof(nul) - 1, "wg0.conf", &c, err, sizeof(err)), -1);
	assert_string_equal(err, "wg0.conf:2: NUL byte in line");
	assert_null(c);
}

static void test_load_file(void **state)
{
	(void)state;
	char path[] = "/tmp/pqtun-conf-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *text = IFACE PEER "AllowedIPs = 10.64.0.1/32\n";
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	struct pqtun_conf *c;
	char err[PQTUN_CONF_ERRLEN];
	assert_int_equal(pqtun_conf_load(path, &c, err, sizeof(err)), 0);
	assert_int_equal(c->n_peers, 1);
	pqtun_conf_free(c);
	unlink(path);
	assert_int_equal(pqtun_conf_load(path, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot open"));
	assert_int_equal(pqtun_conf_load("/tmp", &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a regular file"));
}

static void test_cidr(void **state)
{
	(void)state;
	struct pqtun_cidr c;
	uint8_t a[16];
	int fam;
	assert_int_equal(pqtun_cidr_parse(&c, "10.64.0.0/16"), 0);
	assert_int_equal(pqtun_ip_parse("10.64.200.3", &fam, a), 0);
	assert_true(pqtun_cidr_contains(&c, fam, a));
	assert_int_equal(pqtun_ip_parse("10.65.0.3", &fam, a), 0);
	assert_false(pqtun_cidr_contains(&c, fam, a));
	assert_int_equal(pqtun_cidr_parse(&c, "10.64.0.2/31"), 0);
	assert_int_equal(pqtun_ip_parse("10.64.0.3", &fam, a), 0);
	assert_true(pqtun_cidr_contains(&c, fam, a));
	assert_int_equal(pqtun_cidr_parse(&c, "0.0.0.0/0"), 0);
	assert_true(pqtun_cidr_contains(&c, fam, a));
	assert_int_equal(pqtun_ip_parse("::1", &fam, a), 0);
	assert_false(pqtun_cidr_contains(&c, fam, a));
	/* IPv4-mapped socket addresses count as IPv4 */
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6 };
	inet_pton(AF_INET6, "::ffff:10.64.0.3", &s6.sin6_addr);
	assert_int_equal(pqtun_cidr_parse(&c, "10.64.0.3/32"), 0);
	assert_true(pqtun_cidr_contains_sockaddr(&c, (struct sockaddr *)&s6));
	assert_int_equal(pqtun_cidr_parse(&c, "fc00::/7"), 0);
	assert_false(pqtun_cidr_contains_sockaddr(&c, (struct sockaddr *)&s6));
	inet_pton(AF_INET6, "fd12::5", &s6.sin6_addr);
	assert_true(pqtun_cidr_contains_sockaddr(&c, (struct sockaddr *)&s6));
	assert_int_equal(pqtun_cidr_parse(&c, "10.0.0.1/+8"), -1);
	assert_int_equal(pqtun_cidr_parse(&c, "/8"), -1);
	assert_int_equal(pqtun_cidr_parse(&c, "10.0.0.1/0008"), -1);
}

/* Deterministic mutations of a full config: every result is either a
 * config or a "wg0.conf..." error, never a crash (ASan/UBSan run this too). */
static void test_mutations(void **state)
{
	(void)state;
	static const char base[] =
		"[Interface]\nPrivateKey = " PRIV "\nAddress = 10.64.0.2/32, fc00::2/128\n"
		"ListenPort = 51820\nFwMark = 0x10\nMTU = 1380\nDNS = 10.64.0.1, lan\nTable = 1234\n"
		"PostUp = echo %i\nGateway = 10.64.0.1\nConfigPort = 1337\nPostQuantum = true\n"
		"Daita = false\nKems = ML-KEM-1024,HQC-256\nRekeyInterval = 60\n"
		"[Peer]\nPublicKey = " PEER1 "\nPresharedKey = " PSK "\nEndpoint = [2001:db8::1]:51820\n"
		"AllowedIPs = 0.0.0.0/0, ::/0\nPersistentKeepalive = 25\nHop = entry\n"
		"[Peer]\nPublicKey = " PEER2 "\nEndpoint = relay:1\nHop = exit\n";
	static const char alphabet[] = "[]=#,:/.\n\r\t 0aZ+-x";
	char buf[sizeof(base) + 64];
	uint64_t x = 0x9e3779b97f4a7c15ull;
	int ok = 0, bad = 0;
	/* 4000 rounds: configs live in locked memory, which costs a few
	 * system calls per parse */
	for (int iter = 0; iter < 4000; iter++) {
		size_t len = sizeof(base) - 1;
		memcpy(buf, base, len);
		int edits = 1 + (int)(iter % 4);
		for (int e = 0; e < edits; e++) {
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			size_t pos = (size_t)(x % len);
			switch ((x >> 32) % 3) {
			case 0: buf[pos] = alphabet[(x >> 40) % (sizeof(alphabet) - 1)]; break;
			case 1: memmove(buf + pos, buf + pos + 1, len - pos - 1); len--; break;
			default:
				if (len + 1 < sizeof(buf)) {
					memmove(buf + pos + 1, buf + pos, len - pos);
					buf[pos] = (char)(x >> 48);
					len++;
				}
			}
		}
		struct pqtun_conf *c = NULL;
		char err[PQTUN_CONF_ERRLEN] = "";
		if (pqtun_conf_parse(buf, len, "wg0.conf", &c, err, sizeof(err)) == 0) {
			assert_non_null(c);
			pqtun_conf_free(c);
			ok++;
		} else {
			assert_null(c);
			assert_int_equal(strncmp(err, "wg0.conf", 8), 0);
			bad++;
		}
	}
	assert_true(ok > 0);
	assert_true(bad > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_config),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_bad_configs),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_cidr),
		cmocka_unit_test(test_mutations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
