#define _GNU_SOURCE /* strcasecmp, strndup */
#include "tunnel/conf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "pqtun/exchange.h"
#include "tunnel/ifname.h"
#include "util/mem.h"
#include "wg/config.h"

static int fail(char *err, size_t errlen, const char *name, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int fail(char *err, size_t errlen, const char *name, unsigned line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line)
		snprintf(err, errlen, "%s:%u: %s", name, line, msg);
	else
		snprintf(err, errlen, "%s: %s", name, msg);
	return -1;
}

/* ConfigUpdate is pqtun up's own key: take those lines out of [Interface]
 * (blanking them, so line numbers stay right) before the wg-quick parser
 * sees the text. */
static int take_config_update(struct pqtun_tunconf *conf, char *text, const char *name,
			      char *err, size_t errlen)
{
	int in_interface = 0;
	unsigned line = 0;
	for (char *p = text; *p;) {
		char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		line++;
		const char *q = p;
		while (q < p + n && isspace((unsigned char)*q))
			q++;
		if (*q == '[') {
			in_interface = !strncasecmp(q, "[Interface]", 11);
		} else if (!strncasecmp(q, "ConfigUpdate", 12)) {
			const char *r = q + 12;
			while (r < p + n && (*r == ' ' || *r == '\t'))
				r++;
			if (r < p + n && *r == '=') {
				if (!in_interface)
					return fail(err, errlen, name, line, "ConfigUpdate belongs in [Interface]");
				r++;
				while (r < p + n && isspace((unsigned char)*r))
					r++;
				size_t len = (size_t)(p + n - r);
				while (len > 0 && isspace((unsigned char)r[len - 1]))
					len--;
				if (len == 0)
					return fail(err, errlen, name, line, "empty value for ConfigUpdate");
				if (conf->n_config_update == PQTUN_TUNCONF_MAX_LIST)
					return fail(err, errlen, name, line, "too many ConfigUpdate commands");
				if (!(conf->config_update[conf->n_config_update] = strndup(r, len)))
					return fail(err, errlen, name, line, "out of memory");
				conf->n_config_update++;
				memset(p, ' ', n);
			}
		}
		p += n;
		if (*p == '\n')
			p++;
	}
	return 0;
}

static int copy_list(char **dst, size_t *n, const struct pqtun_conf_list *src, const char *name,
		     const char *what, char *err, size_t errlen)
{
	for (size_t i = 0; i < src->n; i++) {
		if (*n == PQTUN_TUNCONF_MAX_LIST)
			return fail(err, errlen, name, 0, "too many %s commands (at most %d)", what, PQTUN_TUNCONF_MAX_LIST);
		if (!(dst[*n] = strdup(src->items[i])))
			return fail(err, errlen, name, 0, "out of memory");
		(*n)++;
	}
	return 0;
}

static void set_sockaddr(struct sockaddr_storage *ss, int family, const uint8_t *addr, uint16_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)ss;
		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		memcpy(&s->sin_addr, addr, 4);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;
		s->sin6_family = AF_INET6;
		s->sin6_port = htons(port);
		memcpy(&s->sin6_addr, addr, 16);
	}
}

/* From the parsed file to what bring-up uses, with up's own checks. */
static int convert(struct pqtun_tunconf *t, const struct pqtun_conf *c, const char *name,
		   char *err, size_t errlen)
{
	if (c->save_config)
		return fail(err, errlen, name, 0, "SaveConfig = true is not supported by pqtun (ephemeral keys must never be saved)");
	if (c->n_peers == 0)
		return fail(err, errlen, name, 0, "no [Peer] section");
	const struct pqtun_conf_peer *entry, *exit_peer;
	if (pqtun_conf_hops(c, &entry, &exit_peer) < 0)
		return fail(err, errlen, name, 0,
			    "pqtun up takes one peer, or two peers marked Hop = entry and Hop = exit (%zu peers without Hop)", c->n_peers);
	/* Kems: any list the client can send (§4), kept in order. */
	char kem_err[200];
	if (pqtun_exchange_check_kems((const char *const *)c->kems.items, c->kems.n, kem_err, sizeof(kem_err)) != 0)
		return fail(err, errlen, name, 0, "Kems: %s", kem_err);
	t->kems[0] = '\0';
	for (size_t i = 0, used = 0; i < c->kems.n; i++) {
		int w = snprintf(t->kems + used, sizeof(t->kems) - used, "%s%s", i ? "," : "", c->kems.items[i]);
		if (w < 0 || (size_t)w >= sizeof(t->kems) - used)
			return fail(err, errlen, name, 0, "Kems: list too long");
		used += (size_t)w;
	}

	memcpy(t->private_key, c->private_key, 32);
	t->has_private_key = 1;
	t->listen_port = c->has_listen_port ? c->listen_port : 0;
	t->fwmark = c->has_fwmark ? c->fwmark : 0;
	if (c->n_addresses > PQTUN_TUNCONF_MAX_LIST)
		return fail(err, errlen, name, 0, "too many addresses (at most %d)", PQTUN_TUNCONF_MAX_LIST);
	if (c->n_addresses)
		memcpy(t->addresses, c->addresses, c->n_addresses * sizeof(c->addresses[0]));
	t->n_addresses = c->n_addresses;
	if (c->dns_servers.n + c->dns_search.n > PQTUN_TUNCONF_MAX_LIST)
		return fail(err, errlen, name, 0, "too many DNS entries");
	for (size_t i = 0; i < c->dns_servers.n; i++)
		snprintf(t->dns[t->n_dns++], sizeof(t->dns[0]), "%s", c->dns_servers.items[i]);
	for (size_t i = 0; i < c->dns_search.n; i++)
		snprintf(t->dns[t->n_dns++], sizeof(t->dns[0]), "%s", c->dns_search.items[i]);
	t->mtu = c->mtu;
	if (c->table && strcasecmp(c->table, "auto") != 0) {
		if (strlen(c->table) >= sizeof(t->table) ||
		    strspn(c->table, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != strlen(c->table))
			return fail(err, errlen, name, 0, "Table '%s' is not usable", c->table);
		snprintf(t->table, sizeof(t->table), "%s", c->table);
	}
	if (copy_list(t->pre_up, &t->n_pre_up, &c->pre_up, name, "PreUp", err, errlen) < 0 ||
	    copy_list(t->post_up, &t->n_post_up, &c->post_up, name, "PostUp", err, errlen) < 0 ||
	    copy_list(t->pre_down, &t->n_pre_down, &c->pre_down, name, "PreDown", err, errlen) < 0 ||
	    copy_list(t->post_down, &t->n_post_down, &c->post_down, name, "PostDown", err, errlen) < 0)
		return -1;
	snprintf(t->gateway, sizeof(t->gateway), "%s", c->gateway);
	t->config_port = c->config_port;
	set_sockaddr(&t->gateway_addr, c->gateway_family, c->gateway_addr, c->config_port);
	t->post_quantum = c->post_quantum;
	if (c->rekey_interval && c->rekey_interval < PQTUN_REKEY_MIN_INTERVAL)
		return fail(err, errlen, name, 0, "RekeyInterval %u is too short (at least %u seconds, or off)",
			    (unsigned)c->rekey_interval, PQTUN_REKEY_MIN_INTERVAL);
	t->rekey_interval = c->rekey_interval;
	t->daita = c->daita;

	for (size_t i = 0; i < c->n_peers; i++) {
		const struct pqtun_conf_peer *p = &c->peers[i];
		struct pqtun_tunconf_peer *q = &t->peers[i];
		if (!p->endpoint)
			return fail(err, errlen, name, p->line, "[Peer] has no Endpoint (pqtun up must reach the relay)");
		if (p->n_allowed_ips > PQTUN_TUNCONF_MAX_LIST)
			return fail(err, errlen, name, p->line, "too many AllowedIPs (at most %d)", PQTUN_TUNCONF_MAX_LIST);
		memcpy(q->public_key, p->public_key, 32);
		memcpy(q->preshared_key, p->preshared_key, 32);
		q->has_psk = p->has_preshared_key;
		snprintf(q->endpoint, sizeof(q->endpoint), "%s", p->endpoint);
		if (p->n_allowed_ips)
			memcpy(q->allowed, p->allowed_ips, p->n_allowed_ips * sizeof(p->allowed_ips[0]));
		q->n_allowed = p->n_allowed_ips;
		q->keepalive = p->persistent_keepalive;
		q->hop = p->hop == PQTUN_HOP_ENTRY ? PQTUN_TUNHOP_ENTRY
			 : p->hop == PQTUN_HOP_EXIT ? PQTUN_TUNHOP_EXIT
						    : PQTUN_TUNHOP_SINGLE;
		q->line = (int)p->line;
	}
	t->n_peers = c->n_peers;

	/* The gateway must be routed into the tunnel (to the exit in multihop). */
	const struct pqtun_conf_peer *target = exit_peer ? exit_peer : entry;
	int routed = 0;
	for (size_t i = 0; i < target->n_allowed_ips; i++)
		routed |= pqtun_cidr_contains(&target->allowed_ips[i], c->gateway_family, c->gateway_addr);
	if (!routed)
		return fail(err, errlen, name, target->line,
			    "Gateway %s is not inside the AllowedIPs of the %s peer, so the config service cannot be reached",
			    c->gateway, exit_peer ? "exit" : "relay");
	return 0;
}

int pqtun_tunconf_parse(struct pqtun_tunconf *conf, const char *text, const char *iface,
			char *err, size_t errlen)
{
	const char *name = conf->path[0] ? conf->path : "(config)";
	char path[sizeof(conf->path)];
	snprintf(path, sizeof(path), "%s", conf->path);
	memset(conf, 0, sizeof(*conf));
	snprintf(conf->path, sizeof(conf->path), "%s", path);
	name = conf->path[0] ? conf->path : "(config)";
	if (!pqtun_ifname_valid(iface)) {
		snprintf(err, errlen, "'%s' is not a valid interface name", iface);
		return -1;
	}
	snprintf(conf->iface, sizeof(conf->iface), "%s", iface);

	size_t len = strlen(text);
	char *copy = malloc(len + 1);
	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(copy, text, len + 1);
	struct pqtun_conf *c = NULL;
	int rc = take_config_update(conf, copy, name, err, errlen);
	if (rc == 0)
		rc = pqtun_conf_parse(copy, len, name, &c, err, errlen);
	pqtun_memzero(copy, len);
	free(copy);
	if (rc == 0)
		rc = convert(conf, c, name, err, errlen);
	pqtun_conf_free(c);
	if (rc < 0)
		pqtun_tunconf_free(conf);
	return rc < 0 ? -1 : 0;
}

int pqtun_tunconf_load(struct pqtun_tunconf *conf, const char *path, const char *iface,
		       char *err, size_t errlen)
{
	memset(conf, 0, sizeof(*conf));
	FILE *f = fopen(path, "re");
	if (!f) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	struct stat sb;
	if (fstat(fileno(f), &sb) < 0 || !S_ISREG(sb.st_mode)) {
		fclose(f);
		snprintf(err, errlen, "%s: not a regular file", path);
		return -1;
	}
	char *buf = malloc(PQTUN_CONF_MAX_BYTES + 1);
	size_t n = buf ? fread(buf, 1, PQTUN_CONF_MAX_BYTES + 1, f) : 0;
	int bad = ferror(f);
	fclose(f);
	if (!buf || bad || n > PQTUN_CONF_MAX_BYTES) {
		snprintf(err, errlen, "%s: %s", path, !buf ? "out of memory" : bad ? "cannot read" : "file too large");
		if (buf)
			pqtun_memzero(buf, n);
		free(buf);
		return -1;
	}
	buf[n] = '\0';
	int rc;
	if (memchr(buf, '\0', n)) {
		snprintf(err, errlen, "%s: contains a NUL byte", path);
		rc = -1;
	} else {
		snprintf(conf->path, sizeof(conf->path), "%s", path);
		rc = pqtun_tunconf_parse(conf, buf, iface, err, errlen);
	}
	pqtun_memzero(buf, n);
	free(buf);
	return rc;
}

int pqtun_tunconf_resolve(struct pqtun_tunconf *conf, char *err, size_t errlen)
{
	for (size_t i = 0; i < conf->n_peers; i++) {
		struct pqtun_tunconf_peer *peer = &conf->peers[i];
		char host[256];
		snprintf(host, sizeof(host), "%s", peer->endpoint);
		char *colon = strrchr(host, ':');
		if (!colon) {
			snprintf(err, errlen, "endpoint %s has no port", peer->endpoint);
			return -1;
		}
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

struct pqtun_tunconf_peer *pqtun_tunconf_hop(struct pqtun_tunconf *conf, enum pqtun_tunhop hop)
{
	for (size_t i = 0; i < conf->n_peers; i++)
		if (conf->peers[i].hop == hop && hop != PQTUN_TUNHOP_SINGLE)
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
