/* wg-quick config parser (see config.h for the accepted keys). One pass
 * over the lines; every key has a handler that validates its value; checks
 * that span sections (missing keys, duplicate peers, Hop rules) run at the
 * end. */
#include "wg/config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pqtun/wgkey.h"
#include "util/encoding.h"
#include "util/mem.h"
#include "wg/endpoint.h"

enum section { SEC_NONE, SEC_INTERFACE, SEC_PEER };

struct parser {
	const char *name;
	unsigned line;
	enum section sec;
	unsigned interface_line;
	struct pqtun_conf *conf;
	char *err;
	size_t errlen;
	unsigned seen[32]; /* line where each single-valued key was set, per section */
};

__attribute__((format(printf, 2, 3)))
static int fail(struct parser *p, const char *fmt, ...)
{
	char msg[PQTUN_CONF_ERRLEN];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->line)
		snprintf(p->err, p->errlen, "%s:%u: %s", p->name, p->line, msg);
	else
		snprintf(p->err, p->errlen, "%s: %s", p->name, msg);
	return -1;
}

/* ---------------------------------------------------------------- values */

/* Append a copy of s to l. 0 or -1 (out of memory). */
static int list_add(struct pqtun_conf_list *l, const char *s)
{
	char *copy = strdup(s);
	char **n = realloc(l->items, (l->n + 1) * sizeof(*n));
	if (!copy || !n) {
		free(copy);
		if (n)
			l->items = n;
		return -1;
	}
	l->items = n;
	l->items[l->n++] = copy;
	return 0;
}

/* Free every string of l and empty it. */
static void list_free(struct pqtun_conf_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

/* Strip leading and trailing whitespace in place; returns the start. */
static char *trim(char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Unsigned decimal (or 0x hex when hex_ok) within [min, max]. */
static int parse_uint(const char *s, int hex_ok, unsigned long long min, unsigned long long max,
		      unsigned long long *out)
{
	int base = 10;
	if (hex_ok && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s || strlen(s) > 20)
		return -1;
	unsigned long long v = 0;
	for (; *s; s++) {
		int d;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return -1;
		if (v > (max - (unsigned long long)d) / (unsigned long long)base)
			return -1;
		v = v * (unsigned long long)base + (unsigned long long)d;
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* true/yes/on/1 or false/no/off/0 (any case) into *out. 0 or -1. */
static int parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = 1;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

/* Call fn for each trimmed entry of a comma list; empty entries are errors,
 * an entirely empty value is an empty list. */
static int for_each_item(struct parser *p, const char *key, char *value,
			 int (*fn)(struct parser *, const char *key, const char *item))
{
	if (!*value)
		return 0;
	char *save = NULL;
	size_t commas = 0, items = 0;
	for (const char *c = value; *c; c++)
		commas += *c == ',';
	for (char *tok = strtok_r(value, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *item = trim(tok);
		if (!*item)
			return fail(p, "empty entry in the %s list", key);
		if (fn(p, key, item) != 0)
			return -1;
		items++;
	}
	if (items != commas + 1)
		return fail(p, "empty entry in the %s list", key);
	return 0;
}

/* ---------------------------------------------------------------- handlers */

/* The [Peer] section being parsed (the last one). */
static struct pqtun_conf_peer *cur_peer(struct parser *p)
{
	return &p->conf->peers[p->conf->n_peers - 1];
}

static int h_private_key(struct parser *p, const char *key, char *v)
{
	(void)key;
	if (pqtun_key_from_base64(p->conf->private_key, v) != 0)
		return fail(p, "PrivateKey is not a valid WireGuard key (44 characters of base64)");
	return 0;
}

/* Append one ADDRESS[/PREFIX] list entry to *arr. 0, or -1 with the error set. */
static int cidr_item(struct parser *p, const char *key, const char *item,
		     struct pqtun_cidr **arr, size_t *n)
{
	struct pqtun_cidr c;
	if (pqtun_cidr_parse(&c, item) != 0)
		return fail(p, "invalid %s entry '%s' (expected ADDRESS[/PREFIX])", key, item);
	struct pqtun_cidr *na = realloc(*arr, (*n + 1) * sizeof(*na));
	if (!na)
		return fail(p, "out of memory");
	*arr = na;
	na[(*n)++] = c;
	return 0;
}

static int address_item(struct parser *p, const char *key, const char *item)
{
	return cidr_item(p, key, item, &p->conf->addresses, &p->conf->n_addresses);
}

static int h_address(struct parser *p, const char *key, char *v)
{
	return for_each_item(p, key, v, address_item);
}

static int allowed_item(struct parser *p, const char *key, const char *item)
{
	struct pqtun_conf_peer *peer = cur_peer(p);
	return cidr_item(p, key, item, &peer->allowed_ips, &peer->n_allowed_ips);
}

static int h_allowed_ips(struct parser *p, const char *key, char *v)
{
	return for_each_item(p, key, v, allowed_item);
}

static int h_listen_port(struct parser *p, const char *key, char *v)
{
	unsigned long long x;
	(void)key;
	if (parse_uint(v, 0, 0, 65535, &x) != 0)
		return fail(p, "invalid ListenPort '%s' (expected 0-65535)", v);
	p->conf->has_listen_port = 1;
	p->conf->listen_port = (uint16_t)x;
	return 0;
}

static int h_fwmark(struct parser *p, const char *key, char *v)
{
	unsigned long long x;
	(void)key;
	if (!strcasecmp(v, "off")) {
		p->conf->has_fwmark = 0;
		return 0;
	}
	if (parse_uint(v, 1, 0, 0xffffffffULL, &x) != 0)
		return fail(p, "invalid FwMark '%s' (expected a 32-bit number or off)", v);
	p->conf->has_fwmark = x != 0;
	p->conf->fwmark = (uint32_t)x;
	return 0;
}

static int h_mtu(struct parser *p, const char *key, char *v)
{
	unsigned long long x;
	(void)key;
	if (parse_uint(v, 0, 576, 65535, &x) != 0)
		return fail(p, "invalid MTU '%s' (expected 576-65535)", v);
	p->conf->mtu = (uint32_t)x;
	return 0;
}

/* A DNS search domain: letters, digits, '-', '.', '_'. */
static int valid_domain(const char *s)
{
	if (!*s || strlen(s) > 253)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '.' && *s != '_')
			return 0;
	return 1;
}

/* One DNS entry: an IP literal is a server, anything else a search domain. */
static int dns_item(struct parser *p, const char *key, const char *item)
{
	int fam;
	uint8_t a[16];
	(void)key;
	if (pqtun_ip_parse(item, &fam, a) == 0) {
		if (list_add(&p->conf->dns_servers, item) != 0)
			return fail(p, "out of memory");
		return 0;
	}
	if (!valid_domain(item))
		return fail(p, "invalid DNS entry '%s' (expected an IP address or a search domain)", item);
	if (list_add(&p->conf->dns_search, item) != 0)
		return fail(p, "out of memory");
	return 0;
}

static int h_dns(struct parser *p, const char *key, char *v)
{
	return for_each_item(p, key, v, dns_item);
}

static int h_table(struct parser *p, const char *key, char *v)
{
	(void)key;
	for (const char *c = v; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-')
			return fail(p, "invalid Table '%s' (expected off, auto, a number or a name)", v);
	free(p->conf->table);
	p->conf->table = strdup(v);
	return p->conf->table ? 0 : fail(p, "out of memory");
}

/* Append a hook command (PreUp etc.) as written. */
static int hook(struct parser *p, struct pqtun_conf_list *l, const char *v)
{
	return list_add(l, v) == 0 ? 0 : fail(p, "out of memory");
}
static int h_pre_up(struct parser *p, const char *k, char *v) { (void)k; return hook(p, &p->conf->pre_up, v); }
static int h_post_up(struct parser *p, const char *k, char *v) { (void)k; return hook(p, &p->conf->post_up, v); }
static int h_pre_down(struct parser *p, const char *k, char *v) { (void)k; return hook(p, &p->conf->pre_down, v); }
static int h_post_down(struct parser *p, const char *k, char *v) { (void)k; return hook(p, &p->conf->post_down, v); }

static int h_save_config(struct parser *p, const char *key, char *v)
{
	(void)key;
	if (parse_bool(v, &p->conf->save_config) != 0)
		return fail(p, "invalid SaveConfig '%s' (expected true or false)", v);
	return 0;
}

static int h_gateway(struct parser *p, const char *key, char *v)
{
	(void)key;
	if (strlen(v) >= sizeof(p->conf->gateway) ||
	    pqtun_ip_parse(v, &p->conf->gateway_family, p->conf->gateway_addr) != 0)
		return fail(p, "invalid Gateway '%s' (expected an IP address)", v);
	snprintf(p->conf->gateway, sizeof(p->conf->gateway), "%s", v);
	return 0;
}

static int h_config_port(struct parser *p, const char *key, char *v)
{
	unsigned long long x;
	(void)key;
	if (parse_uint(v, 0, 1, 65535, &x) != 0)
		return fail(p, "invalid ConfigPort '%s' (expected 1-65535)", v);
	p->conf->config_port = (uint16_t)x;
	return 0;
}

static int h_post_quantum(struct parser *p, const char *key, char *v)
{
	(void)key;
	if (parse_bool(v, &p->conf->post_quantum) != 0)
		return fail(p, "invalid PostQuantum '%s' (expected true or false)", v);
	return 0;
}

static int h_daita(struct parser *p, const char *key, char *v)
{
	(void)key;
	if (parse_bool(v, &p->conf->daita) != 0)
		return fail(p, "invalid Daita '%s' (expected true or false)", v);
	return 0;
}

static const char *const known_kems[] = {
	"ML-KEM-1024", "HQC-256", "Kyber1024", "Classic-McEliece-460896f-round3",
};

/* One Kems entry: a known protocol name, not listed before. */
static int kem_item(struct parser *p, const char *key, const char *item)
{
	(void)key;
	size_t i;
	for (i = 0; i < sizeof(known_kems) / sizeof(known_kems[0]); i++)
		if (!strcmp(item, known_kems[i]))
			break;
	if (i == sizeof(known_kems) / sizeof(known_kems[0]))
		return fail(p, "unknown KEM '%s' in Kems (known: ML-KEM-1024, HQC-256, "
			       "Kyber1024, Classic-McEliece-460896f-round3)", item);
	for (size_t j = 0; j < p->conf->kems.n; j++)
		if (!strcmp(p->conf->kems.items[j], item))
			return fail(p, "KEM '%s' listed twice in Kems", item);
	if (list_add(&p->conf->kems, item) != 0)
		return fail(p, "out of memory");
	return 0;
}

static int h_kems(struct parser *p, const char *key, char *v)
{
	if (for_each_item(p, key, v, kem_item) != 0)
		return -1;
	if (p->conf->kems.n == 0)
		return fail(p, "Kems lists no KEM");
	int mlkem = 0, kyber = 0;
	for (size_t j = 0; j < p->conf->kems.n; j++) {
		mlkem |= !strcmp(p->conf->kems.items[j], "ML-KEM-1024");
		kyber |= !strcmp(p->conf->kems.items[j], "Kyber1024");
	}
	if (mlkem && kyber)
		return fail(p, "Kems may not contain both ML-KEM-1024 and Kyber1024");
	return 0;
}

static int h_rekey_interval(struct parser *p, const char *key, char *v)
{
	unsigned long long x;
	(void)key;
	if (!strcasecmp(v, "off")) {
		p->conf->rekey_interval = 0;
		return 0;
	}
	if (parse_uint(v, 0, 0, 0xffffffffULL, &x) != 0)
		return fail(p, "invalid RekeyInterval '%s' (expected seconds or off)", v);
	p->conf->rekey_interval = (uint32_t)x;
	return 0;
}

static int h_public_key(struct parser *p, const char *key, char *v)
{
	(void)key;
	if (pqtun_key_from_base64(cur_peer(p)->public_key, v) != 0)
		return fail(p, "PublicKey is not a valid WireGuard key (44 characters of base64)");
	return 0;
}

static int h_preshared_key(struct parser *p, const char *key, char *v)
{
	(void)key;
	struct pqtun_conf_peer *peer = cur_peer(p);
	if (pqtun_key_from_base64(peer->preshared_key, v) != 0)
		return fail(p, "PresharedKey is not a valid key (44 characters of base64)");
	peer->has_preshared_key = 1;
	return 0;
}

static int h_endpoint(struct parser *p, const char *key, char *v)
{
	char host[256];
	uint16_t port;
	(void)key;
	if (pqtun_wg_endpoint_split(v, host, sizeof(host), &port) != 0)
		return fail(p, "invalid Endpoint '%s' (expected host:port or [ipv6]:port)", v);
	struct pqtun_conf_peer *peer = cur_peer(p);
	free(peer->endpoint);
	peer->endpoint = strdup(v);
	return peer->endpoint ? 0 : fail(p, "out of memory");
}

static int h_keepalive(struct parser *p, const char *key, char *v)
{
	unsigned long long x;
	(void)key;
	if (!strcasecmp(v, "off")) {
		cur_peer(p)->persistent_keepalive = 0;
		return 0;
	}
	if (parse_uint(v, 0, 0, 65535, &x) != 0)
		return fail(p, "invalid PersistentKeepalive '%s' (expected 0-65535 or off)", v);
	cur_peer(p)->persistent_keepalive = (uint16_t)x;
	return 0;
}

static int h_hop(struct parser *p, const char *key, char *v)
{
	(void)key;
	if (!strcasecmp(v, "entry"))
		cur_peer(p)->hop = PQTUN_HOP_ENTRY;
	else if (!strcasecmp(v, "exit"))
		cur_peer(p)->hop = PQTUN_HOP_EXIT;
	else
		return fail(p, "invalid Hop '%s' (expected entry or exit)", v);
	return 0;
}

struct key_def {
	const char *name;
	enum section sec;
	int repeatable;   /* values accumulate (lists, hooks) */
	int empty_ok;     /* an empty value is accepted */
	int (*handle)(struct parser *, const char *key, char *value);
};

static const struct key_def keys[] = {
	{ "PrivateKey", SEC_INTERFACE, 0, 0, h_private_key },
	{ "Address", SEC_INTERFACE, 1, 1, h_address },
	{ "ListenPort", SEC_INTERFACE, 0, 0, h_listen_port },
	{ "FwMark", SEC_INTERFACE, 0, 0, h_fwmark },
	{ "MTU", SEC_INTERFACE, 0, 0, h_mtu },
	{ "DNS", SEC_INTERFACE, 1, 1, h_dns },
	{ "Table", SEC_INTERFACE, 0, 0, h_table },
	{ "PreUp", SEC_INTERFACE, 1, 0, h_pre_up },
	{ "PostUp", SEC_INTERFACE, 1, 0, h_post_up },
	{ "PreDown", SEC_INTERFACE, 1, 0, h_pre_down },
	{ "PostDown", SEC_INTERFACE, 1, 0, h_post_down },
	{ "SaveConfig", SEC_INTERFACE, 0, 0, h_save_config },
	{ "Gateway", SEC_INTERFACE, 0, 0, h_gateway },
	{ "ConfigPort", SEC_INTERFACE, 0, 0, h_config_port },
	{ "PostQuantum", SEC_INTERFACE, 0, 0, h_post_quantum },
	{ "Daita", SEC_INTERFACE, 0, 0, h_daita },
	{ "Kems", SEC_INTERFACE, 0, 0, h_kems },
	{ "RekeyInterval", SEC_INTERFACE, 0, 0, h_rekey_interval },
	{ "PublicKey", SEC_PEER, 0, 0, h_public_key },
	{ "PresharedKey", SEC_PEER, 0, 0, h_preshared_key },
	{ "Endpoint", SEC_PEER, 0, 0, h_endpoint },
	{ "AllowedIPs", SEC_PEER, 1, 1, h_allowed_ips },
	{ "PersistentKeepalive", SEC_PEER, 0, 0, h_keepalive },
	{ "Hop", SEC_PEER, 0, 0, h_hop },
};

/* Printable name of a section for messages. */
static const char *section_name(enum section s)
{
	return s == SEC_INTERFACE ? "[Interface]" : s == SEC_PEER ? "[Peer]" : "(no section)";
}

/* ---------------------------------------------------------------- lines */

/* Handle a "[...]" header line: [Interface] once, [Peer] starts a new peer. */
static int start_section(struct parser *p, const char *header)
{
	memset(p->seen, 0, sizeof(p->seen));
	if (!strcasecmp(header, "[Interface]")) {
		if (p->interface_line)
			return fail(p, "second [Interface] section (first on line %u)", p->interface_line);
		p->interface_line = p->line;
		p->sec = SEC_INTERFACE;
		return 0;
	}
	if (!strcasecmp(header, "[Peer]")) {
		struct pqtun_conf *c = p->conf;
		/* peers hold PSKs: locked memory, wiped when released */
		struct pqtun_conf_peer *np = pqtun_secure_alloc((c->n_peers + 1) * sizeof(*np));
		if (!np)
			return fail(p, "out of memory");
		if (c->n_peers)
			memcpy(np, c->peers, c->n_peers * sizeof(*np));
		pqtun_secure_free(c->peers);
		c->peers = np;
		c->n_peers++;
		cur_peer(p)->line = p->line;
		p->sec = SEC_PEER;
		return 0;
	}
	return fail(p, "unknown section '%s' (expected [Interface] or [Peer])", header);
}

/* Parse one line (comments and whitespace removed here). 0, or -1 with the error set. */
static int parse_line(struct parser *p, char *raw)
{
	char *hash = strchr(raw, '#');
	if (hash)
		*hash = '\0';
	char *line = trim(raw);
	if (!*line)
		return 0;
	if (line[0] == '[') {
		if (line[strlen(line) - 1] != ']')
			return fail(p, "section header without closing ']'");
		return start_section(p, line);
	}
	char *eq = strchr(line, '=');
	if (!eq)
		return fail(p, "expected 'Key = Value'");
	*eq = '\0';
	char *key = trim(line), *value = trim(eq + 1);
	if (!*key)
		return fail(p, "missing key before '='");
	size_t k;
	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		if (!strcasecmp(key, keys[k].name))
			break;
	if (p->sec == SEC_NONE)
		return fail(p, "key '%s' outside of a section (expected [Interface] or [Peer] first)", key);
	if (k == sizeof(keys) / sizeof(keys[0]) || keys[k].sec != p->sec)
		return fail(p, "unknown key '%s' in %s", key, section_name(p->sec));
	const struct key_def *d = &keys[k];
	if (!d->repeatable) {
		if (p->seen[k])
			return fail(p, "duplicate key %s in %s (first on line %u)", d->name,
				    section_name(p->sec), p->seen[k]);
		p->seen[k] = p->line;
	}
	if (!*value && !d->empty_ok)
		return fail(p, "empty value for %s", d->name);
	return d->handle(p, d->name, value);
}

/* ---------------------------------------------------------------- checks */

/* Checks across sections after the last line: required keys, duplicate peers, Hop rules, default Kems. */
static int check_conf(struct parser *p)
{
	struct pqtun_conf *c = p->conf;
	static const uint8_t zero[32];
	unsigned entry_line = 0, exit_line = 0;

	p->line = 0;
	if (!p->interface_line)
		return fail(p, "no [Interface] section");
	if (pqtun_ct_equal(c->private_key, zero, 32)) {
		p->line = p->interface_line;
		return fail(p, "[Interface] has no PrivateKey");
	}
	if (pqtun_wg_pubkey(c->public_key, c->private_key) != 0) {
		p->line = p->interface_line;
		return fail(p, "PrivateKey is not usable");
	}
	for (size_t i = 0; i < c->n_peers; i++) {
		const struct pqtun_conf_peer *peer = &c->peers[i];
		p->line = peer->line;
		if (!memcmp(peer->public_key, zero, 32))
			return fail(p, "[Peer] has no PublicKey");
		for (size_t j = 0; j < i; j++)
			if (!memcmp(c->peers[j].public_key, peer->public_key, 32))
				return fail(p, "duplicate peer: same PublicKey as the [Peer] on line %u",
					    c->peers[j].line);
		if (peer->hop == PQTUN_HOP_EXIT) {
			if (exit_line)
				return fail(p, "two peers with Hop = exit (the other on line %u)", exit_line);
			exit_line = peer->line;
		} else if (peer->hop == PQTUN_HOP_ENTRY) {
			if (entry_line)
				return fail(p, "two peers with Hop = entry (the other on line %u)", entry_line);
			entry_line = peer->line;
		}
	}
	if (exit_line && !entry_line) {
		p->line = exit_line;
		return fail(p, "Hop = exit needs another peer with Hop = entry");
	}
	if (entry_line && !exit_line) {
		p->line = entry_line;
		return fail(p, "Hop = entry needs another peer with Hop = exit");
	}
	if (entry_line && c->n_peers != 2) {
		p->line = 0;
		return fail(p, "a multihop config (Hop = entry/exit) has exactly two peers, not %zu",
			    c->n_peers);
	}
	if (c->kems.n == 0) {
		char defaults[] = PQTUN_CONF_DEFAULT_KEMS;
		if (for_each_item(p, "Kems", defaults, kem_item) != 0)
			return -1;
	}
	return 0;
}

int pqtun_conf_parse(const char *text, size_t len, const char *name,
		     struct pqtun_conf **out, char *err, size_t errlen)
{
	struct parser p;
	char *buf = NULL;
	size_t cap = 0;
	int rc = 0;

	*out = NULL;
	memset(&p, 0, sizeof(p));
	p.name = name ? name : "(config)";
	p.err = err;
	p.errlen = errlen;
	if (len > PQTUN_CONF_MAX_BYTES)
		return fail(&p, "file too large (more than %u bytes)", PQTUN_CONF_MAX_BYTES);
	p.conf = pqtun_secure_alloc(sizeof(*p.conf)); /* holds the private key */
	if (!p.conf)
		return fail(&p, "out of memory");
	snprintf(p.conf->gateway, sizeof(p.conf->gateway), "%s", PQTUN_CONF_DEFAULT_GATEWAY);
	pqtun_ip_parse(p.conf->gateway, &p.conf->gateway_family, p.conf->gateway_addr);
	p.conf->config_port = 1337;
	p.conf->post_quantum = 1;

	size_t pos = 0;
	while (pos < len && rc == 0) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		p.line++;
		if (memchr(text + pos, '\0', n)) {
			rc = fail(&p, "NUL byte in line");
			break;
		}
		if (n + 1 > cap) {
			char *nb = malloc(n + 1);
			if (!nb) {
				rc = fail(&p, "out of memory");
				break;
			}
			if (buf)
				pqtun_memzero(buf, cap);
			free(buf);
			buf = nb;
			cap = n + 1;
		}
		memcpy(buf, text + pos, n);
		buf[n] = '\0';
		if (n && buf[n - 1] == '\r')
			buf[n - 1] = '\0';
		rc = parse_line(&p, buf);
		pos += n + (nl ? 1 : 0);
	}
	if (buf) {
		pqtun_memzero(buf, cap);
		free(buf);
	}
	if (rc == 0)
		rc = check_conf(&p);
	if (rc != 0) {
		pqtun_conf_free(p.conf);
		return -1;
	}
	*out = p.conf;
	return 0;
}

int pqtun_conf_load(const char *path, struct pqtun_conf **out, char *err, size_t errlen)
{
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if ((size_t)st.st_size > PQTUN_CONF_MAX_BYTES) {
		snprintf(err, errlen, "%s: file too large (more than %u bytes)", path, PQTUN_CONF_MAX_BYTES);
		close(fd);
		return -1;
	}
	size_t cap = (size_t)st.st_size + 1, len = 0;
	char *buf = malloc(cap);
	if (!buf) {
		close(fd);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	for (;;) {
		ssize_t r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
			break;
		}
		len += (size_t)r;
		if (r == 0 || len == cap)
			break;
	}
	close(fd);
	int rc = -1;
	if (len == cap)
		snprintf(err, errlen, "%s: file changed while reading", path);
	else
		rc = pqtun_conf_parse(buf, len, path, out, err, errlen);
	pqtun_memzero(buf, cap);
	free(buf);
	return rc;
}

void pqtun_conf_free(struct pqtun_conf *conf)
{
	if (!conf)
		return;
	free(conf->addresses);
	list_free(&conf->dns_servers);
	list_free(&conf->dns_search);
	free(conf->table);
	list_free(&conf->pre_up);
	list_free(&conf->post_up);
	list_free(&conf->pre_down);
	list_free(&conf->post_down);
	list_free(&conf->kems);
	for (size_t i = 0; i < conf->n_peers; i++) {
		free(conf->peers[i].endpoint);
		free(conf->peers[i].allowed_ips);
	}
	pqtun_secure_free(conf->peers);
	pqtun_secure_free(conf); /* wipes the keys */
}

int pqtun_conf_hops(const struct pqtun_conf *conf, const struct pqtun_conf_peer **entry,
		    const struct pqtun_conf_peer **exit_peer)
{
	*entry = NULL;
	*exit_peer = NULL;
	for (size_t i = 0; i < conf->n_peers; i++) {
		if (conf->peers[i].hop == PQTUN_HOP_ENTRY)
			*entry = &conf->peers[i];
		else if (conf->peers[i].hop == PQTUN_HOP_EXIT)
			*exit_peer = &conf->peers[i];
	}
	if (*entry && *exit_peer)
		return 0;
	if (conf->n_peers == 1 && conf->peers[0].hop == PQTUN_HOP_NONE) {
		*entry = &conf->peers[0];
		return 0;
	}
	*entry = NULL;
	*exit_peer = NULL;
	return -1;
}
