/* Fuzz target: the wg-quick config parser with pqtun's keys
 * (pqtun_conf_parse).
 *
 * Checks: a rejected config gives one line "name:LINE: reason" and nothing
 * else; an accepted config satisfies the documented rules (a private key
 * whose public key was derived, distinct peer keys, Hop = entry/exit in
 * pairs of exactly two peers, a non-empty KEM list without Kyber1024 and
 * ML-KEM-1024 together, ports and prefixes in range) and re-serialises
 * consistently: written back as wg-quick text it parses to the same config,
 * and writing that again gives the same text. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pqtun/wgkey.h"
#include "util/encoding.h"
#include "wg/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x) do { if (!(x)) abort(); } while (0)

struct text {
	char *p;
	size_t len, cap;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		CHECK(n >= 0);
		if ((size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		t->cap = 2 * t->cap + (size_t)n + 256;
		t->p = realloc(t->p, t->cap);
		CHECK(t->p != NULL);
	}
}

static void put_list(struct text *t, const char *key, const struct pqtun_conf_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		put(t, "%s = %s\n", key, l->items[i]);
}

/* Write conf as wg-quick text (every field the parser fills). */
static void serialise(struct text *t, const struct pqtun_conf *c)
{
	char b64[PQTUN_KEY_B64_LEN + 1], cidr[PQTUN_CIDR_STRLEN];
	t->len = 0;
	if (!t->p) {
		t->cap = 1024;
		t->p = malloc(t->cap);
		CHECK(t->p != NULL);
	}
	put(t, "[Interface]\n");
	pqtun_key_to_base64(b64, c->private_key);
	put(t, "PrivateKey = %s\n", b64);
	for (size_t i = 0; i < c->n_addresses; i++) {
		pqtun_cidr_format(cidr, sizeof(cidr), &c->addresses[i]);
		put(t, "Address = %s\n", cidr);
	}
	if (c->has_listen_port)
		put(t, "ListenPort = %u\n", c->listen_port);
	if (c->has_fwmark)
		put(t, "FwMark = %u\n", c->fwmark);
	if (c->mtu)
		put(t, "MTU = %u\n", c->mtu);
	put_list(t, "DNS", &c->dns_servers);
	put_list(t, "DNS", &c->dns_search);
	if (c->table)
		put(t, "Table = %s\n", c->table);
	put_list(t, "PreUp", &c->pre_up);
	put_list(t, "PostUp", &c->post_up);
	put_list(t, "PreDown", &c->pre_down);
	put_list(t, "PostDown", &c->post_down);
	put(t, "SaveConfig = %s\n", c->save_config ? "true" : "false");
	put(t, "Gateway = %s\n", c->gateway);
	put(t, "ConfigPort = %u\n", c->config_port);
	put(t, "PostQuantum = %s\n", c->post_quantum ? "true" : "false");
	put(t, "Daita = %s\n", c->daita ? "true" : "false");
	put(t, "Kems = ");
	for (size_t i = 0; i < c->kems.n; i++)
		put(t, "%s%s", i ? ", " : "", c->kems.items[i]);
	put(t, "\n");
	if (c->rekey_interval)
		put(t, "RekeyInterval = %u\n", c->rekey_interval);
	else
		put(t, "RekeyInterval = off\n");
	for (size_t i = 0; i < c->n_peers; i++) {
		const struct pqtun_conf_peer *p = &c->peers[i];
		put(t, "\n[Peer]\n");
		pqtun_key_to_base64(b64, p->public_key);
		put(t, "PublicKey = %s\n", b64);
		if (p->has_preshared_key) {
			pqtun_key_to_base64(b64, p->preshared_key);
			put(t, "PresharedKey = %s\n", b64);
		}
		if (p->endpoint)
			put(t, "Endpoint = %s\n", p->endpoint);
		for (size_t j = 0; j < p->n_allowed_ips; j++) {
			pqtun_cidr_format(cidr, sizeof(cidr), &p->allowed_ips[j]);
			put(t, "AllowedIPs = %s\n", cidr);
		}
		if (p->persistent_keepalive)
			put(t, "PersistentKeepalive = %u\n", p->persistent_keepalive);
		if (p->hop != PQTUN_HOP_NONE)
			put(t, "Hop = %s\n", p->hop == PQTUN_HOP_ENTRY ? "entry" : "exit");
	}
}

static void check_rules(const struct pqtun_conf *c)
{
	uint8_t pub[32];
	static const uint8_t zero[32];
	CHECK(memcmp(c->private_key, zero, 32) != 0);
	CHECK(pqtun_wg_pubkey(pub, c->private_key) == 0 && memcmp(pub, c->public_key, 32) == 0);
	CHECK(c->config_port >= 1);
	CHECK(c->kems.n >= 1);
	int mlkem = 0, kyber = 0, entry = 0, exit_hops = 0;
	for (size_t i = 0; i < c->kems.n; i++) {
		mlkem |= !strcmp(c->kems.items[i], "ML-KEM-1024");
		kyber |= !strcmp(c->kems.items[i], "Kyber1024");
	}
	CHECK(!(mlkem && kyber));
	for (size_t i = 0; i < c->n_addresses; i++)
		CHECK(c->addresses[i].prefix <= (c->addresses[i].family == AF_INET ? 32 : 128));
	for (size_t i = 0; i < c->n_peers; i++) {
		const struct pqtun_conf_peer *p = &c->peers[i];
		CHECK(memcmp(p->public_key, zero, 32) != 0);
		for (size_t j = 0; j < i; j++)
			CHECK(memcmp(c->peers[j].public_key, p->public_key, 32) != 0);
		entry += p->hop == PQTUN_HOP_ENTRY;
		exit_hops += p->hop == PQTUN_HOP_EXIT;
		for (size_t j = 0; j < p->n_allowed_ips; j++)
			CHECK(p->allowed_ips[j].prefix <= (p->allowed_ips[j].family == AF_INET ? 32 : 128));
	}
	CHECK(entry == exit_hops && entry <= 1);
	if (entry)
		CHECK(c->n_peers == 2);
	const struct pqtun_conf_peer *e, *x;
	if (pqtun_conf_hops(c, &e, &x) == 0)
		CHECK(e != NULL && (x == NULL) == (entry == 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pqtun_conf *conf = NULL, *again = NULL;
	char err[PQTUN_CONF_ERRLEN];
	if (size > 65536)
		return 0;
	err[0] = '\0';
	if (pqtun_conf_parse((const char *)data, size, "fuzz.conf", &conf, err, sizeof(err)) != 0) {
		CHECK(conf == NULL);
		CHECK(strncmp(err, "fuzz.conf:", 10) == 0 && strchr(err, '\n') == NULL);
		return 0;
	}
	CHECK(conf != NULL);
	check_rules(conf);

	struct text t1 = { 0 }, t2 = { 0 };
	serialise(&t1, conf);
	if (pqtun_conf_parse(t1.p, t1.len, "again.conf", &again, err, sizeof(err)) != 0) {
		fprintf(stderr, "re-serialised config rejected: %s\n---\n%s---\n", err, t1.p);
		abort();
	}
	serialise(&t2, again);
	if (t1.len != t2.len || memcmp(t1.p, t2.p, t1.len) != 0) {
		fprintf(stderr, "serialisation not stable:\n---\n%s---\n%s---\n", t1.p, t2.p);
		abort();
	}
	CHECK(memcmp(conf->private_key, again->private_key, 32) == 0);
	CHECK(memcmp(conf->public_key, again->public_key, 32) == 0);
	CHECK(conf->gateway_family == again->gateway_family &&
	      memcmp(conf->gateway_addr, again->gateway_addr, 16) == 0);
	for (size_t i = 0; i < conf->n_addresses; i++)
		CHECK(pqtun_cidr_equal(&conf->addresses[i], &again->addresses[i]));
	for (size_t i = 0; i < conf->n_peers; i++) {
		CHECK(conf->peers[i].has_preshared_key == again->peers[i].has_preshared_key);
		CHECK(memcmp(conf->peers[i].preshared_key, again->peers[i].preshared_key, 32) == 0);
	}
	free(t1.p);
	free(t2.p);
	pqtun_conf_free(again);
	pqtun_conf_free(conf);
	return 0;
}
