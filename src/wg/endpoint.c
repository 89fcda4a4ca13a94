#include "wg/endpoint.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Decimal port 1..65535. 0 or -1. */
static int parse_port(const char *p, uint16_t *port)
{
	unsigned long v = 0;
	if (!*p || strlen(p) > 5)
		return -1;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

int pqtun_wg_endpoint_split(const char *text, char *host, size_t hostlen, uint16_t *port)
{
	const char *hs, *he, *colon;
	if (text[0] == '[') {
		hs = text + 1;
		he = strchr(hs, ']');
		if (!he || he[1] != ':')
			return -1;
		colon = he + 1;
	} else {
		hs = text;
		colon = strrchr(text, ':');
		if (!colon)
			return -1;
		he = colon;
		if (memchr(hs, ':', (size_t)(he - hs))) /* bare IPv6 needs brackets */
			return -1;
	}
	size_t n = (size_t)(he - hs);
	if (n == 0 || n >= hostlen)
		return -1;
	for (const char *c = hs; c < he; c++)
		if (*c <= ' ' || *c == '[' || *c == ']' || *c == '/' || (unsigned char)*c >= 0x7f)
			return -1;
	if (parse_port(colon + 1, port) != 0)
		return -1;
	memcpy(host, hs, n);
	host[n] = '\0';
	return 0;
}

/* Split and resolve an endpoint (numeric only when asked) into the first IPv4/IPv6 address. */
static int lookup(union pqtun_wg_endpoint *ep, const char *text, int numeric, char *err, size_t errlen)
{
	char host[256], portstr[8];
	uint16_t port;
	struct addrinfo hints, *res = NULL;

	if (pqtun_wg_endpoint_split(text, host, sizeof(host), &port) != 0) {
		snprintf(err, errlen, "invalid endpoint '%s' (expected host:port or [ipv6]:port)", text);
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_protocol = IPPROTO_UDP;
	hints.ai_flags = AI_NUMERICSERV | (numeric ? AI_NUMERICHOST : 0);
	snprintf(portstr, sizeof(portstr), "%u", (unsigned)port);
	int rc = getaddrinfo(host, portstr, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "cannot resolve endpoint '%s': %s", text, gai_strerror(rc));
		return -1;
	}
	int ok = -1;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		if ((ai->ai_family == AF_INET && ai->ai_addrlen == sizeof(struct sockaddr_in)) ||
		    (ai->ai_family == AF_INET6 && ai->ai_addrlen == sizeof(struct sockaddr_in6))) {
			memset(ep, 0, sizeof(*ep));
			memcpy(ep, ai->ai_addr, ai->ai_addrlen);
			ok = 0;
			break;
		}
	}
	freeaddrinfo(res);
	if (ok != 0)
		snprintf(err, errlen, "endpoint '%s' has no IPv4 or IPv6 address", text);
	return ok;
}

int pqtun_wg_endpoint_parse_numeric(union pqtun_wg_endpoint *ep, const char *text)
{
	char err[8];
	return lookup(ep, text, 1, err, sizeof(err));
}

int pqtun_wg_endpoint_resolve(union pqtun_wg_endpoint *ep, const char *text, char *err, size_t errlen)
{
	return lookup(ep, text, 0, err, errlen);
}
