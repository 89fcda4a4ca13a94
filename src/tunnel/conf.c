#define _GNU_SOURCE /* strcasecmp, strndup */
#include "tunnel/conf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tunnel/ifname.h"
#include "util/encoding.h"
#include "util/mem.h"

#define CONF_MAX_BYTES (1u << 20)

struct parser {
	struct pqtun_tunconf *conf;
	int line;
	int section; /* 0 none, 1 interface, 2 peer */
	char *err;
	size_t errlen;
};

static int fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct parser *p, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->line > 0)
		snprintf(p->err, p->errlen, "line %d: %s", p->line, msg);
	else
		snprintf(p->err, p->errlen, "%s", msg);
	return -1;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

static int parse_uint(const char *v, unsigned long max, unsigned long *out)
{
	char *end;
	if (!isdigit((unsigned char)v[0]))
		return -1;
	errno = 0;
	unsigned long x = strtoul(v, &end, 0);
	if (errno || *end || x > max)
		return -1;
	*out = x;
	return 0;
}

static int parse_bool(const char *v, int *out)
{
	if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on") || !strcmp(v, "1"))
		*out = 1;
	else if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcasecmp(v, "off") || !strcmp(v, "0"))
		*out = 0;
	else
		return -1;
	return 0;
}

static int parse_key(struct parser *p, const char *name, const char *v, uint8_t key[32])
{
	if (strlen(v) != PQTUN_KEY_B64_LEN || pqtun_key_from_base64(key, v) != 0)
		return fail(p, "%s is not a valid key (expected 44 characters of base64)", name);
	return 0;
}

/* Split a comma list and call fn on each trimmed, non-empty item. */
static int for_each_item(struct parser *p, char *v, int (*fn)(struct parser *, const char *))
{
	for (char *save = NULL, *tok = strtok_r(v, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		tok = trim(tok);
		if (*tok && fn(p, tok) < 0)
			return -1;
	}
	return 0;
}

static int add_address(struct parser *p, const char *item)
{
	struct pqtun_tunconf *c = p->conf;
	if (c->n_addresses == PQTUN_TUNCONF_MAX_LIST)
		return fail(p, "too many addresses");
	if (pqtun_cidr_parse(&c->addresses[c->n_addresses], item) < 0)
		return fail(p, "bad address '%s'", item);
	c->n_addresses++;
	return 0;
}

static int add_dns(struct parser *p, const char *item)
{
	struct pqtun_tunconf *c = p->conf;
	if (c->n_dns == PQTUN_TUNCONF_MAX_LIST || strlen(item) >= sizeof(c->dns[0]))
		return fail(p, "too many or too long DNS entries");
	for (const char *q = item; *q; q++)
		if (!isalnum((unsigned char)*q) && !strchr(".-:_", *q))
			return fail(p, "bad DNS entry '%s'", item);
	strcpy(c->dns[c->n_dns++], item);
	return 0;
}

static int add_allowed(struct parser *p, const char *item)
{
	struct pqtun_tunconf_peer *peer = &p->conf->peers[p->conf->n_peers - 1];
	if (peer->n_allowed == PQTUN_TUNCONF_MAX_LIST)
		return fail(p, "too many allowed IPs");
	if (pqtun_cidr_parse(&peer->allowed[peer->n_allowed], item) < 0)
		return fail(p, "bad allowed IP '%s'", item);
	peer->n_allowed++;
	return 0;
}

static int add_hook(struct parser *p, char **list, size_t *n, const char *v)
{
	if (*n == PQTUN_TUNCONF_MAX_LIST)
		return fail(p, "too many hook commands");
	if (!(list[*n] = strdup(v)))
		return fail(p, "out of memory");
	(*n)++;
	return 0;
}

static int interface_key(struct parser *p, const char *k, char *v)
{
	struct pqtun_tunconf *c = p->conf;
	unsigned long x;

	if (!strcasecmp(k, "PrivateKey")) {
		if (parse_key(p, "PrivateKey", v, c->private_key) < 0)
			return -1;
		c->has_private_key = 1;
	} else if (!strcasecmp(k, "ListenPort")) {
		if (parse_uint(v, 65535, &x) < 0)
			return fail(p, "bad ListenPort '%s'", v);
		c->listen_port = (unsigned)x;
	} else if (!strcasecmp(k, "FwMark")) {
		if (!strcasecmp(v, "off"))
			x = 0;
		else if (parse_uint(v, 0xffffffffUL, &x) < 0)
			return fail(p, "bad FwMark '%s'", v);
		c->fwmark = (uint32_t)x;
	} else if (!strcasecmp(k, "Address")) {
		return for_each_item(p, v, add_address);
	} else if (!strcasecmp(k, "DNS")) {
		return for_each_item(p, v, add_dns);
	} else if (!strcasecmp(k, "MTU")) {
		if (parse_uint(v, 65535, &x) < 0 || x < 576)
			return fail(p, "bad MTU '%s' (576-65535)", v);
		c->mtu = (unsigned)x;
	} else if (!strcasecmp(k, "Table")) {
		if (strlen(v) >= sizeof(c->table) || strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != strlen(v))
			return fail(p, "bad Table '%s'", v);
		strcpy(c->table, v);
	} else if (!strcasecmp(k, "PreUp")) {
		return add_hook(p, c->pre_up, &c->n_pre_up, v);
	} else if (!strcasecmp(k, "PostUp")) {
		return add_hook(p, c->post_up, &c->n_post_up, v);
	} else if (!strcasecmp(k, "PreDown")) {
		return add_hook(p, c->pre_down, &c->n_pre_down, v);
	} else if (!strcasecmp(k, "PostDown")) {
		return add_hook(p, c->post_down, &c->n_post_down, v);
	} else if (!strcasecmp(k, "ConfigUpdate")) {
		return add_hook(p, c->config_update, &c->n_config_update, v);
	} else if (!strcasecmp(k, "SaveConfig")) {
		int b;
		if (parse_bool(v, &b) < 0)
			return fail(p, "bad SaveConfig '%s'", v);
		if (b)
			return fail(p, "SaveConfig = true is not supported by pqtun (ephemeral keys must never be saved)");
	} else if (!strcasecmp(k, "Gateway")) {
		int fam;
		uint8_t a[16];
		if (strlen(v) >= sizeof(c->gateway) || pqtun_ip_parse(v, &fam, a) < 0)
			return fail(p, "Gateway must be an IP address, got '%s'", v);
		strcpy(c->gateway, v);
	} else if (!strcasecmp(k, "ConfigPort")) {
		if (parse_uint(v, 65535, &x) < 0 || x == 0)
			return fail(p, "bad ConfigPort '%s'", v);
		c->config_port = (unsigned)x;
	} else if (!strcasecmp(k, "PostQuantum")) {
		if (parse_bool(v, &c->post_quantum) < 0)
			return fail(p, "PostQuantum must be true or false, got '%s'", v);
	} else if (!strcasecmp(k, "Daita")) {
		if (parse_bool(v, &c->daita) < 0)
			return fail(p, "Daita must be true or false, got '%s'", v);
	} else if (!strcasecmp(k, "Kems")) {
		/* The client sends the protocol's pair (§4); accept exactly that
		 * list, in either spelling order, so a config states it. */
		char tmp[128];
		snprintf(tmp, sizeof(tmp), "%s", v);
		int ml = 0, hqc = 0, other = 0;
		for (char *save = NULL, *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			t = trim(t);
			if (!strcmp(t, "ML-KEM-1024"))
				ml++;
			else if (!strcmp(t, "HQC-256"))
				hqc++;
			else
				other++;
		}
		if (ml != 1 || hqc != 1 || other)
			return fail(p, "Kems: this client negotiates exactly ML-KEM-1024,HQC-256 (got '%s')", v);
		snprintf(c->kems, sizeof(c->kems), "ML-KEM-1024,HQC-256");
	} else {
		return fail(p, "unknown key '%s' in [Interface]", k);
	}
	return 0;
}

static int peer_key(struct parser *p, const char *k, char *v)
{
	struct pqtun_tunconf_peer *peer = &p->conf->peers[p->conf->n_peers - 1];
	unsigned long x;

	if (!strcasecmp(k, "PublicKey")) {
		return parse_key(p, "PublicKey", v, peer->public_key);
	} else if (!strcasecmp(k, "PresharedKey")) {
		if (parse_key(p, "PresharedKey", v, peer->preshared_key) < 0)
			return -1;
		peer->has_psk = 1;
	} else if (!strcasecmp(k, "Endpoint")) {
		if (strlen(v) >= sizeof(peer->endpoint) || !strrchr(v, ':'))
			return fail(p, "Endpoint must be HOST:PORT, got '%s'", v);
		strcpy(peer->endpoint, v);
	} else if (!strcasecmp(k, "AllowedIPs")) {
		return for_each_item(p, v, add_allowed);
	} else if (!strcasecmp(k, "PersistentKeepalive")) {
		if (!strcasecmp(v, "off"))
			x = 0;
		else if (parse_uint(v, 65535, &x) < 0)
			return fail(p, "bad PersistentKeepalive '%s'", v);
		peer->keepalive = (unsigned)x;
	} else if (!strcasecmp(k, "Hop")) {
		if (!strcasecmp(v, "entry"))
			peer->hop = PQTUN_HOP_ENTRY;
		else if (!strcasecmp(v, "exit"))
			peer->hop = PQTUN_HOP_EXIT;
		else
			return fail(p, "Hop must be 'entry' or 'exit', got '%s'", v);
	} else {
		return fail(p, "unknown key '%s' in [Peer]", k);
	}
	return 0;
}

static int parse_line(struct parser *p, char *line)
{
	char *hash = strchr(line, '#');
	if (hash)
		*hash = '\0';
	line = trim(line);
	if (!*line)
		return 0;
	if (line[0] == '[') {
		if (!strcasecmp(line, "[Interface]")) {
			p->section = 1;
		} else if (!strcasecmp(line, "[Peer]")) {
			if (p->conf->n_peers == PQTUN_TUNCONF_MAX_PEERS)
				return fail(p, "more than two [Peer] sections (pqtun supports one peer, or an entry and an exit)");
			p->section = 2;
			p->conf->peers[p->conf->n_peers++].line = p->line;
		} else {
			return fail(p, "unknown section %s", line);
		}
		return 0;
	}
	char *eq = strchr(line, '=');
	if (!eq)
		return fail(p, "expected 'Key = Value', got '%s'", line);
	*eq = '\0';
	char *k = trim(line), *v = trim(eq + 1);
	if (!*v && strcasecmp(k, "DNS") && strcasecmp(k, "Address") && strcasecmp(k, "AllowedIPs"))
		return fail(p, "empty value for %s", k);
	if (p->section == 1)
		return interface_key(p, k, v);
	if (p->section == 2)
		return peer_key(p, k, v);
	return fail(p, "'%s' outside of a section", k);
}

static int validate(struct parser *p)
{
	struct pqtun_tunconf *c = p->conf;
	static const uint8_t zero[32];
	p->line = 0;
	if (!c->has_private_key)
		return fail(p, "[Interface] has no PrivateKey");
	if (c->n_peers == 0)
		return fail(p, "no [Peer] section");
	int entries = 0, exits = 0;
	for (size_t i = 0; i < c->n_peers; i++) {
		struct pqtun_tunconf_peer *peer = &c->peers[i];
		p->line = peer->line;
		if (!memcmp(peer->public_key, zero, 32))
			return fail(p, "[Peer] has no PublicKey");
		if (!peer->endpoint[0])
			return fail(p, "[Peer] has no Endpoint (pqtun needs to reach the relay)");
		entries += peer->hop == PQTUN_HOP_ENTRY;
		exits += peer->hop == PQTUN_HOP_EXIT;
	}
	p->line = 0;
	if (exits > 1)
		return fail(p, "two peers marked Hop = exit");
	if (entries > 1)
		return fail(p, "two peers marked Hop = entry");
	if (c->n_peers == 2 && (entries != 1 || exits != 1))
		return fail(p, "two peers need Hop = entry and Hop = exit (multihop)");
	if (c->n_peers == 1 && c->peers[0].hop != PQTUN_HOP_SINGLE)
		return fail(p, "Hop = entry/exit needs both an entry and an exit peer");
	if (c->n_peers == 2 && !memcmp(c->peers[0].public_key, c->peers[1].public_key, 32))
		return fail(p, "entry and exit peer have the same PublicKey");

	int fam;
	uint8_t a[16];
	if (pqtun_ip_parse(c->gateway, &fam, a) < 0)
		return fail(p, "bad Gateway");
	memset(&c->gateway_addr, 0, sizeof(c->gateway_addr));
	if (fam == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&c->gateway_addr;
		s->sin_family = AF_INET;
		s->sin_port = htons((uint16_t)c->config_port);
		memcpy(&s->sin_addr, a, 4);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&c->gateway_addr;
		s->sin6_family = AF_INET6;
		s->sin6_port = htons((uint16_t)c->config_port);
		memcpy(&s->sin6_addr, a, 16);
	}
	/* The gateway must be routed into the tunnel (to the exit in multihop). */
	struct pqtun_tunconf_peer *target = pqtun_tunconf_hop(c, PQTUN_HOP_EXIT);
	if (!target)
		target = &c->peers[0];
	int routed = 0;
	for (size_t i = 0; i < target->n_allowed; i++)
		routed |= pqtun_cidr_contains(&target->allowed[i], fam, a);
	if (!routed)
		return fail(p, "Gateway %s is not inside the AllowedIPs of the relay peer, so the config service cannot be reached", c->gateway);
	return 0;
}

int pqtun_tunconf_parse(struct pqtun_tunconf *conf, const char *text, const char *iface,
			char *err, size_t errlen)
{
	struct parser p = { conf, 0, 0, err, errlen };
	memset(conf, 0, sizeof(*conf));
	if (!pqtun_ifname_valid(iface)) {
		snprintf(err, errlen, "'%s' is not a valid interface name", iface);
		return -1;
	}
	snprintf(conf->iface, sizeof(conf->iface), "%s", iface);
	snprintf(conf->gateway, sizeof(conf->gateway), "10.64.0.1");
	conf->config_port = 1337;
	conf->post_quantum = 1;

	char *copy = strdup(text);
	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int rc = 0;
	char *save = NULL;
	/* strtok_r would skip empty lines and so miscount: walk by hand. */
	for (char *line = copy; line && rc == 0; line = save) {
		save = strchr(line, '\n');
		if (save)
			*save++ = '\0';
		p.line++;
		rc = parse_line(&p, line);
	}
	pqtun_memzero(copy, strlen(text));
	free(copy);
	if (rc == 0)
		rc = validate(&p);
	if (rc < 0)
		pqtun_tunconf_free(conf);
	return rc;
}

int pqtun_tunconf_load(struct pqtun_tunconf *conf, const char *path, const char *iface,
		       char *err, size_t errlen)
{
	memset(conf, 0, sizeof(*conf));
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	char *buf = malloc(CONF_MAX_BYTES + 1);
	size_t n = buf ? fread(buf, 1, CONF_MAX_BYTES + 1, f) : 0;
	int bad = ferror(f);
	fclose(f);
	if (!buf || bad || n > CONF_MAX_BYTES) {
		snprintf(err, errlen, "%s: %s", path, !buf ? "out of memory" : bad ? "read error" : "file too large");
		free(buf);
		return -1;
	}
	buf[n] = '\0';
	char e[384];
	int rc = memchr(buf, '\0', n) ? (snprintf(e, sizeof(e), "contains a NUL byte"), -1)
				       : pqtun_tunconf_parse(conf, buf, iface, e, sizeof(e));
	pqtun_memzero(buf, n);
	free(buf);
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", path, e);
		return -1;
	}
	snprintf(conf->path, sizeof(conf->path), "%s", path);
	return 0;
}

int pqtun_tunconf_resolve(struct pqtun_tunconf *conf, char *err, size_t errlen)
{
	for (size_t i = 0; i < conf->n_peers; i++) {
		struct pqtun_tunconf_peer *peer = &conf->peers[i];
		char host[256];
		snprintf(host, sizeof(host), "%s", peer->endpoint);
		char *colon = strrchr(host, ':');
		*colon = '\0';
		const char *port = colon + 1, *h = host;
		if (h[0] == '[' && colon > host && colon[-1] == ']') {
			colon[-1] = '\0';
			h++;
		}
		struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM }, *res;
		int rc = getaddrinfo(h, port, &hints, &res);
		if (rc != 0) {
			snprintf(err, errlen, "cannot resolve endpoint %s: %s", peer->endpoint, gai_strerror(rc));
			return -1;
		}
		memcpy(&peer->endpoint_addr, res->ai_addr, res->ai_addrlen);
		freeaddrinfo(res);
	}
	return 0;
}

struct pqtun_tunconf_peer *pqtun_tunconf_hop(struct pqtun_tunconf *conf, enum pqtun_hop hop)
{
	for (size_t i = 0; i < conf->n_peers; i++)
		if (conf->peers[i].hop == hop && hop != PQTUN_HOP_SINGLE)
			return &conf->peers[i];
	return NULL;
}

static void free_list(char **list, size_t *n)
{
	for (size_t i = 0; i < *n; i++) {
		free(list[i]);
		list[i] = NULL;
	}
	*n = 0;
}

void pqtun_tunconf_free(struct pqtun_tunconf *conf)
{
	free_list(conf->pre_up, &conf->n_pre_up);
	free_list(conf->post_up, &conf->n_post_up);
	free_list(conf->pre_down, &conf->n_pre_down);
	free_list(conf->post_down, &conf->n_post_down);
	free_list(conf->config_update, &conf->n_config_update);
	pqtun_memzero(conf->private_key, sizeof(conf->private_key));
	for (size_t i = 0; i < PQTUN_TUNCONF_MAX_PEERS; i++)
		pqtun_memzero(conf->peers[i].preshared_key, 32);
}

int pqtun_tunconf_locate(const char *arg, char *path, size_t pathlen, char iface[16],
			 char *err, size_t errlen)
{
	const char *slash = strrchr(arg, '/');
	size_t n = strlen(arg);
	if (!slash && n < 16 && pqtun_ifname_valid(arg) && !strchr(arg, '.')) {
		const char *dir = getenv("PQTUN_CONFIG_DIR");
		snprintf(path, pathlen, "%s/%s.conf", dir && *dir ? dir : "/etc/pqtun", arg);
		strcpy(iface, arg);
		return 0;
	}
	const char *base = slash ? slash + 1 : arg;
	size_t bn = strlen(base);
	if (bn <= 5 || strcmp(base + bn - 5, ".conf") != 0) {
		snprintf(err, errlen, "'%s' is neither an interface name nor a path to NAME.conf", arg);
		return -1;
	}
	char name[64];
	snprintf(name, sizeof(name), "%.*s", (int)(bn - 5), base);
	if (!pqtun_ifname_valid(name)) {
		snprintf(err, errlen, "the interface name '%s' (from %s) is not valid: use 1-15 characters of A-Z a-z 0-9 _ = + . -", name, arg);
		return -1;
	}
	if ((size_t)snprintf(path, pathlen, "%s", arg) >= pathlen) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	strcpy(iface, name);
	return 0;
}
