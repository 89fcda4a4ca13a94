#include "tunnel/firewall.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tunnel/exec.h"
#include "tunnel/ifname.h"

int pqtun_fw_table_name(char out[PQTUN_FW_TABLE_MAX], const char *iface)
{
	if (!pqtun_ifname_valid(iface))
		return -1;
	size_t n = (size_t)snprintf(out, PQTUN_FW_TABLE_MAX, "pqtun_");
	for (const char *p = iface; *p; p++) {
		char c = *p;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			out[n++] = c;
		else
			n += (size_t)snprintf(out + n, PQTUN_FW_TABLE_MAX - n, "_%02x", (unsigned char)c);
	}
	out[n] = '\0';
	return 0;
}

/* Appends to a fixed buffer; remembers overflow. */
struct sbuf {
	char *p;
	size_t len, cap;
	int overflow;
};

static void sb_printf(struct sbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	if (sb->overflow)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(sb->p + sb->len, sb->cap - sb->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sb->cap - sb->len) {
		sb->overflow = 1;
		return;
	}
	sb->len += (size_t)n;
}

/* "ip daddr 10.64.0.1 tcp dport 1337" for the given direction. */
static int match_flow(char *out, size_t outlen, const struct pqtun_fw_allow *a, int outbound)
{
	char host[INET6_ADDRSTRLEN];
	const char *fam, *proto;
	unsigned port;

	if (a->proto == IPPROTO_TCP)
		proto = "tcp";
	else if (a->proto == IPPROTO_UDP)
		proto = "udp";
	else
		return -1;
	if (a->addr.ss_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)&a->addr;
		inet_ntop(AF_INET, &s->sin_addr, host, sizeof(host));
		port = ntohs(s->sin_port);
		fam = "ip";
	} else if (a->addr.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)&a->addr;
		inet_ntop(AF_INET6, &s->sin6_addr, host, sizeof(host));
		port = ntohs(s->sin6_port);
		fam = "ip6";
	} else {
		return -1;
	}
	if (port == 0)
		return -1;
	int n = snprintf(out, outlen, "%s %s %s %s %s %u", fam, outbound ? "daddr" : "saddr", host,
			 proto, outbound ? "dport" : "sport", port);
	return n > 0 && (size_t)n < outlen ? 0 : -1;
}

int pqtun_fw_render(char *buf, size_t buflen, const char *iface,
		    const struct pqtun_fw_allow *allow, size_t n)
{
	char table[PQTUN_FW_TABLE_MAX], m[160];
	struct sbuf sb = { buf, 0, buflen, 0 };

	if (!buf || buflen == 0 || n > PQTUN_FW_MAX_ALLOW || pqtun_fw_table_name(table, iface) < 0)
		return -1;
	/* "add" then "delete" then the new table, in one transaction: the
	 * old rules (if any) are replaced without a moment of no rules. */
	sb_printf(&sb, "add table inet %s\ndelete table inet %s\n", table, table);
	sb_printf(&sb, "table inet %s {\n", table);
	static const struct {
		const char *chain, *hook, *dir;
		int outbound;
	} chains[] = {
		{ "negotiation_out", "output", "oifname", 1 },
		{ "negotiation_in", "input", "iifname", 0 },
	};
	for (size_t c = 0; c < 2; c++) {
		sb_printf(&sb, "\tchain %s {\n\t\ttype filter hook %s priority filter - 10; policy accept;\n",
			  chains[c].chain, chains[c].hook);
		for (size_t i = 0; i < n; i++) {
			if (match_flow(m, sizeof(m), &allow[i], chains[c].outbound) < 0)
				return -1;
			sb_printf(&sb, "\t\t%s \"%s\" %s accept\n", chains[c].dir, iface, m);
		}
		sb_printf(&sb, "\t\t%s \"%s\" counter drop\n\t}\n", chains[c].dir, iface);
	}
	/* Nothing is routed into or out of the tunnel for other hosts either. */
	sb_printf(&sb, "\tchain negotiation_fwd {\n\t\ttype filter hook forward priority filter - 10; policy accept;\n"
		       "\t\tiifname \"%s\" counter drop\n\t\toifname \"%s\" counter drop\n\t}\n}\n",
		  iface, iface);
	return sb.overflow ? -1 : 0;
}

static int nft_apply(const char *script, char *err, size_t errlen)
{
	char out[1024];
	char *argv[] = { (char *)"nft", (char *)"-f", (char *)"-", NULL };
	int rc = pqtun_run(argv, script, strlen(script), out, sizeof(out));
	if (rc != 0) {
		out[strcspn(out, "\n")] = '\0';
		if (err)
			snprintf(err, errlen, "nft failed (%d): %s", rc, out[0] ? out : "no output");
		return -1;
	}
	return 0;
}

int pqtun_fw_restrict(const char *iface, const struct pqtun_fw_allow *allow, size_t n,
		      char *err, size_t errlen)
{
	char script[4096];
	if (pqtun_fw_render(script, sizeof(script), iface, allow, n) < 0) {
		if (err)
			snprintf(err, errlen, "invalid firewall request for interface '%s'", iface);
		return -1;
	}
	return nft_apply(script, err, errlen);
}

int pqtun_fw_lift(const char *iface, char *err, size_t errlen)
{
	char table[PQTUN_FW_TABLE_MAX], script[256];
	if (pqtun_fw_table_name(table, iface) < 0) {
		if (err)
			snprintf(err, errlen, "invalid interface name '%s'", iface);
		return -1;
	}
	/* "add" first makes the delete succeed when there is no table. */
	snprintf(script, sizeof(script), "add table inet %s\ndelete table inet %s\n", table, table);
	return nft_apply(script, err, errlen);
}

int pqtun_fw_present(const char *iface)
{
	char table[PQTUN_FW_TABLE_MAX], out[256];
	if (pqtun_fw_table_name(table, iface) < 0)
		return -1;
	char *argv[] = { (char *)"nft", (char *)"list", (char *)"table", (char *)"inet", table, NULL };
	int rc = pqtun_run(argv, NULL, 0, out, sizeof(out));
	if (rc == 0)
		return 1;
	if (strstr(out, "No such file") || strstr(out, "does not exist"))
		return 0;
	return rc == -1 || rc == 127 ? -1 : 0;
}
