/* IP prefixes ("10.64.0.2/32", "fd00::/64") as WireGuard's allowed IPs and
 * wg-quick's Address use them. */
#ifndef PQTUN_WG_CIDR_H
#define PQTUN_WG_CIDR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define PQTUN_CIDR_STRLEN 50 /* "ffff:...:ffff/128" plus NUL, with room */

struct pqtun_cidr {
	int family;       /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network byte order; 4 bytes used for AF_INET */
	uint8_t prefix;   /* 0..32 or 0..128 */
};

/* Parse "ADDR[/PREFIX]" (no whitespace). Without a prefix the full length is
 * used. Returns 0, or -1 for anything else. */
int pqtun_cidr_parse(struct pqtun_cidr *out, const char *text);
/* Format as "ADDR/PREFIX" into out (at least PQTUN_CIDR_STRLEN bytes). */
void pqtun_cidr_format(char *out, size_t outlen, const struct pqtun_cidr *c);
/* 1 if the address addr (family, 4 or 16 bytes) lies inside c, else 0. */
int pqtun_cidr_contains(const struct pqtun_cidr *c, int family, const uint8_t *addr);
/* 1 if the socket address's IP lies inside c (IPv4-mapped IPv6 addresses
 * are treated as IPv4), else 0. */
int pqtun_cidr_contains_sockaddr(const struct pqtun_cidr *c, const struct sockaddr *sa);
/* 1 if both prefixes are the same network (host bits ignored), else 0. */
int pqtun_cidr_equal(const struct pqtun_cidr *a, const struct pqtun_cidr *b);
/* Parse an IP address literal (no prefix) into family/addr. 0 or -1. */
int pqtun_ip_parse(const char *text, int *family, uint8_t addr[16]);

#endif
