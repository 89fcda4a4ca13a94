#include "wg/cidr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pqtun_ip_parse(const char *text, int *family, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, text, addr) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, addr) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return -1;
}

int pqtun_cidr_parse(struct pqtun_cidr *out, const char *text)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);

	if (alen == 0 || alen >= sizeof(buf))
		return -1;
	memcpy(buf, text, alen);
	buf[alen] = '\0';
	memset(out, 0, sizeof(*out));
	if (pqtun_ip_parse(buf, &out->family, out->addr) != 0)
		return -1;
	unsigned max = out->family == AF_INET ? 32 : 128;
	if (!slash) {
		out->prefix = (uint8_t)max;
		return 0;
	}
	const char *p = slash + 1;
	if (*p < '0' || *p > '9' || strlen(p) > 3)
		return -1;
	unsigned v = 0;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (unsigned)(*p - '0');
	}
	if (v > max)
		return -1;
	out->prefix = (uint8_t)v;
	return 0;
}

void pqtun_cidr_format(char *out, size_t outlen, const struct pqtun_cidr *c)
{
	char a[INET6_ADDRSTRLEN];
	if (!inet_ntop(c->family, c->addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	snprintf(out, outlen, "%s/%u", a, (unsigned)c->prefix);
}

/* 1 if the first `bits` bits of a and b agree. */
static int prefix_match(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;
	if (memcmp(a, b, full) != 0)
		return 0;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));
		if ((a[full] & mask) != (b[full] & mask))
			return 0;
	}
	return 1;
}

int pqtun_cidr_contains(const struct pqtun_cidr *c, int family, const uint8_t *addr)
{
	if (c->family != family)
		return 0;
	return prefix_match(c->addr, addr, c->prefix);
}

int pqtun_cidr_contains_sockaddr(const struct pqtun_cidr *c, const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		return pqtun_cidr_contains(c, AF_INET, (const uint8_t *)&in->sin_addr);
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		const uint8_t *a = (const uint8_t *)&in6->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr))
			return pqtun_cidr_contains(c, AF_INET, a + 12);
		return pqtun_cidr_contains(c, AF_INET6, a);
	}
	return 0;
}

int pqtun_cidr_equal(const struct pqtun_cidr *a, const struct pqtun_cidr *b)
{
	return a->family == b->family && a->prefix == b->prefix &&
	       prefix_match(a->addr, b->addr, a->prefix);
}
