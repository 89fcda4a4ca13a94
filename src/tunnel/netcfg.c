#include "tunnel/netcfg.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tunnel/exec.h"
#include "util/log.h"

int pqtun_net_link_exists(const char *iface)
{
	return if_nametoindex(iface) != 0;
}

int pqtun_net_do(struct pqtun_state *st, const char *undo, char *err, size_t errlen,
		 const char *fmt, ...)
{
	char line[1024], out[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (undo && pqtun_state_record(st, undo, err, errlen) < 0)
		return -1;
	log_info("[#] %s", line);
	int rc = pqtun_runf(out, sizeof(out), "%s", line);
	if (rc != 0) {
		out[strcspn(out, "\n")] = '\0';
		snprintf(err, errlen, "'%s' failed: %s", line, out[0] ? out : "no output");
		return -1;
	}
	return 0;
}

static int wait_for_link(const char *iface, const char *sock, int ms)
{
	struct stat sb;
	for (int waited = 0; waited < ms; waited += 20) {
		if (pqtun_net_link_exists(iface) && (!sock || stat(sock, &sb) == 0))
			return 0;
		usleep(20000);
	}
	return -1;
}

int pqtun_net_create_link(struct pqtun_state *st, const char *iface, const char *userspace,
			  char *err, size_t errlen)
{
	char undo[128], out[256];
	snprintf(undo, sizeof(undo), "ip link delete dev %s", iface);
	if (pqtun_state_add_undo(st, undo) < 0) {
		snprintf(err, errlen, "state full");
		return -1;
	}
	if (!userspace) {
		snprintf(st->implementation, sizeof(st->implementation), "kernel");
		if (pqtun_state_record(st, NULL, err, errlen) < 0)
			return -1;
		log_info("[#] ip link add %s type wireguard", iface);
		if (pqtun_runf(out, sizeof(out), "ip link add %s type wireguard", iface) == 0)
			return 0;
		log_info("kernel WireGuard not available, using wireguard-go");
		userspace = "wireguard-go";
	}
	snprintf(st->implementation, sizeof(st->implementation), "%s", userspace);
	if (pqtun_state_record(st, NULL, err, errlen) < 0)
		return -1;
	if (!pqtun_have_program(userspace)) {
		snprintf(err, errlen, "userspace WireGuard '%s' not found (install wireguard-go or set WG_QUICK_USERSPACE_IMPLEMENTATION)", userspace);
		return -1;
	}
	log_info("[#] %s %s", userspace, iface);
	char *argv[] = { (char *)userspace, (char *)iface, NULL };
	int rc = pqtun_run(argv, NULL, 0, NULL, 0);
	char sock[128];
	snprintf(sock, sizeof(sock), "/var/run/wireguard/%s.sock", iface);
	if (rc != 0 || wait_for_link(iface, strstr(userspace, "wireguard-go") ? sock : NULL, 5000) < 0) {
		snprintf(err, errlen, "%s %s failed (exit status %d)", userspace, iface, rc);
		return -1;
	}
	return 0;
}

static int is_default(const struct pqtun_cidr *c)
{
	return c->prefix == 0;
}

uint32_t pqtun_net_pick_table(const struct pqtun_tunconf *conf)
{
	int full = 0;
	for (size_t i = 0; i < conf->n_peers; i++)
		for (size_t j = 0; j < conf->peers[i].n_allowed; j++)
			full |= is_default(&conf->peers[i].allowed[j]);
	if (!full || conf->table[0])
		return 0;
	for (uint32_t t = 51820; t < 51820 + 1000; t++) {
		/* free: no routes (newer iproute2 fails for a table it has not
		 * seen, older ones print nothing) */
		char o4[256], o6[256];
		int r4 = pqtun_runf(o4, sizeof(o4), "ip -4 route show table %u", t);
		int r6 = pqtun_runf(o6, sizeof(o6), "ip -6 route show table %u", t);
		if ((r4 != 0 || !o4[0]) && (r6 != 0 || !o6[0]))
			return t;
	}
	return 0;
}

static const char *fam_flag(int family)
{
	return family == AF_INET6 ? "-6" : "-4";
}

/* Full-tunnel routing like wg-quick: everything without our mark goes to
 * table `table` (default route into the tunnel); WireGuard's own packets
 * carry the mark and use the main table; main's default route is
 * suppressed for everyone else. */
static int add_default_route(struct pqtun_state *st, const char *iface, int family, uint32_t table,
			     int *rules_done, char *err, size_t errlen)
{
	char undo[256];
	const char *f = fam_flag(family);
	int idx = family == AF_INET6;
	if (!rules_done[idx]) {
		snprintf(undo, sizeof(undo), "ip %s rule delete not fwmark %u table %u", f, table, table);
		if (pqtun_net_do(st, undo, err, errlen, "ip %s rule add not fwmark %u table %u", f, table, table) < 0)
			return -1;
		snprintf(undo, sizeof(undo), "ip %s rule delete table main suppress_prefixlength 0", f);
		if (pqtun_net_do(st, undo, err, errlen, "ip %s rule add table main suppress_prefixlength 0", f) < 0)
			return -1;
		if (family == AF_INET)
			pqtun_net_do(st, NULL, err, errlen, "sysctl -q net.ipv4.conf.all.src_valid_mark=1");
		rules_done[idx] = 1;
	}
	snprintf(undo, sizeof(undo), "ip %s route delete %s dev %s table %u", f,
		 family == AF_INET6 ? "::/0" : "0.0.0.0/0", iface, table);
	return pqtun_net_do(st, undo, err, errlen, "ip %s route add %s dev %s table %u", f,
			    family == AF_INET6 ? "::/0" : "0.0.0.0/0", iface, table);
}

static int add_route(struct pqtun_state *st, const struct pqtun_tunconf *conf, const struct pqtun_cidr *c,
		     uint32_t table, int *rules_done, char *err, size_t errlen)
{
	char cidr[PQTUN_CIDR_STRLEN], undo[256], out[512];
	const char *f = fam_flag(c->family);
	if (!strcmp(conf->table, "off"))
		return 0;
	pqtun_cidr_format(cidr, sizeof(cidr), c);
	if (conf->table[0]) {
		snprintf(undo, sizeof(undo), "ip %s route delete %s dev %s table %s", f, cidr, conf->iface, conf->table);
		return pqtun_net_do(st, undo, err, errlen, "ip %s route add %s dev %s table %s", f, cidr, conf->iface, conf->table);
	}
	if (is_default(c))
		return add_default_route(st, conf->iface, c->family, table, rules_done, err, errlen);
	pqtun_runf(out, sizeof(out), "ip %s route show dev %s match %s", f, conf->iface, cidr);
	if (out[0])
		return 0; /* already routed here (e.g. by an address) */
	snprintf(undo, sizeof(undo), "ip %s route delete %s dev %s", f, cidr, conf->iface);
	return pqtun_net_do(st, undo, err, errlen, "ip %s route add %s dev %s", f, cidr, conf->iface);
}

/* MTU like wg-quick: the MTU of the path to the first endpoint minus 80
 * (worst-case IPv6 + UDP + WireGuard overhead); 1420 if unknown. */
static unsigned auto_mtu(const struct pqtun_tunconf *conf)
{
	unsigned best = 0;
	for (size_t i = 0; i < conf->n_peers; i++) {
		const struct sockaddr_storage *ss = &conf->peers[i].endpoint_addr;
		char host[INET6_ADDRSTRLEN], out[512];
		if (ss->ss_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, host, sizeof(host));
		else if (ss->ss_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, host, sizeof(host));
		else
			continue;
		if (pqtun_runf(out, sizeof(out), "ip route get %s", host) != 0)
			continue;
		char *dev = strstr(out, " dev ");
		if (!dev)
			continue;
		char name[IFNAMSIZ] = "", path[128];
		sscanf(dev + 5, "%15s", name);
		snprintf(path, sizeof(path), "/sys/class/net/%s/mtu", name);
		FILE *f = fopen(path, "r");
		unsigned m = 0;
		if (f) {
			if (fscanf(f, "%u", &m) != 1)
				m = 0;
			fclose(f);
		}
		if (m > best)
			best = m;
	}
	return best > 80 + 576 ? best - 80 : 1420;
}

static int set_dns(struct pqtun_state *st, const struct pqtun_tunconf *conf, char *err, size_t errlen)
{
	if (conf->n_dns == 0)
		return 0;
	if (!pqtun_have_program("resolvconf")) {
		log_warn("DNS = ... skipped: resolvconf is not installed, so the system resolver was left unchanged");
		return 0;
	}
	char input[4096] = "", undo[128];
	size_t len = 0;
	for (size_t i = 0; i < conf->n_dns; i++) {
		int fam;
		uint8_t a[16];
		int is_ip = pqtun_ip_parse(conf->dns[i], &fam, a) == 0;
		len += (size_t)snprintf(input + len, sizeof(input) - len, "%s %s\n",
					is_ip ? "nameserver" : "search", conf->dns[i]);
	}
	snprintf(undo, sizeof(undo), "resolvconf -d tun.%s -f", conf->iface);
	if (pqtun_state_record(st, undo, err, errlen) < 0)
		return -1;
	char iface_arg[64], out[256];
	snprintf(iface_arg, sizeof(iface_arg), "tun.%s", conf->iface);
	char *argv[] = { (char *)"resolvconf", (char *)"-a", iface_arg, (char *)"-m", (char *)"0", (char *)"-x", NULL };
	log_info("[#] resolvconf -a %s -m 0 -x", iface_arg);
	if (pqtun_run(argv, input, len, out, sizeof(out)) != 0) {
		out[strcspn(out, "\n")] = '\0';
		snprintf(err, errlen, "resolvconf failed: %s", out);
		return -1;
	}
	return 0;
}

int pqtun_net_configure(struct pqtun_state *st, const struct pqtun_tunconf *conf, uint32_t table,
			char *err, size_t errlen)
{
	char cidr[PQTUN_CIDR_STRLEN];
	for (size_t i = 0; i < conf->n_addresses; i++) {
		pqtun_cidr_format(cidr, sizeof(cidr), &conf->addresses[i]);
		if (pqtun_net_do(st, NULL, err, errlen, "ip %s address add %s dev %s",
				 fam_flag(conf->addresses[i].family), cidr, conf->iface) < 0)
			return -1;
	}
	unsigned mtu = conf->mtu ? conf->mtu : auto_mtu(conf);
	if (pqtun_net_do(st, NULL, err, errlen, "ip link set mtu %u up dev %s", mtu, conf->iface) < 0)
		return -1;
	if (set_dns(st, conf, err, errlen) < 0)
		return -1;

	/* Routes, most specific first as wg-quick does. */
	int rules_done[2] = { 0, 0 };
	for (int prefix = 128; prefix >= 0; prefix--)
		for (size_t i = 0; i < conf->n_peers; i++)
			for (size_t j = 0; j < conf->peers[i].n_allowed; j++)
				if (conf->peers[i].allowed[j].prefix == prefix &&
				    add_route(st, conf, &conf->peers[i].allowed[j], table, rules_done, err, errlen) < 0)
					return -1;

	/* Multihop: the exit relay's endpoint is reached through the entry
	 * relay. WireGuard's own (marked) packets look up the main table, so
	 * the host route goes there. */
	struct pqtun_tunconf_peer *exit_peer = pqtun_tunconf_hop((struct pqtun_tunconf *)conf, PQTUN_TUNHOP_EXIT);
	if (exit_peer) {
		struct pqtun_cidr ep = { 0 };
		char host[INET6_ADDRSTRLEN], undo[256];
		const struct sockaddr_storage *ss = &exit_peer->endpoint_addr;
		ep.family = ss->ss_family;
		if (ss->ss_family == AF_INET) {
			memcpy(ep.addr, &((const struct sockaddr_in *)ss)->sin_addr, 4);
			ep.prefix = 32;
		} else {
			memcpy(ep.addr, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
			ep.prefix = 128;
		}
		inet_ntop(ep.family, ep.addr, host, sizeof(host));
		snprintf(undo, sizeof(undo), "ip %s route delete %s dev %s", fam_flag(ep.family), host, conf->iface);
		if (pqtun_net_do(st, undo, err, errlen, "ip %s route replace %s dev %s", fam_flag(ep.family),
				 host, conf->iface) < 0)
			return -1;
	}
	return 0;
}
