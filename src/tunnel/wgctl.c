#include "tunnel/wgctl.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tunnel/exec.h"
#include "util/encoding.h"
#include "util/mem.h"

#define WGCTL_BUF 8192

static void endpoint_text(char *out, size_t n, const struct sockaddr_storage *ss)
{
	char host[INET6_ADDRSTRLEN] = "";
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &s->sin_addr, host, sizeof(host));
		snprintf(out, n, "%s:%u", host, ntohs(s->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &s->sin6_addr, host, sizeof(host));
		snprintf(out, n, "[%s]:%u", host, ntohs(s->sin6_port));
	} else {
		out[0] = '\0';
	}
}

int pqtun_wgctl_set(const char *iface, const uint8_t priv[32], unsigned listen_port,
		    uint32_t fwmark, const struct pqtun_wgctl_peer *peers, size_t n,
		    char *err, size_t errlen)
{
	char *buf = pqtun_secure_alloc(WGCTL_BUF);
	char key[PQTUN_KEY_B64_LEN + 1], ep[300], cidr[PQTUN_CIDR_STRLEN];
	size_t len = 0;
	int rc = -1;

	if (!buf) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
#define ADD(...) do { \
		int w_ = snprintf(buf + len, WGCTL_BUF - len, __VA_ARGS__); \
		if (w_ < 0 || (size_t)w_ >= WGCTL_BUF - len) goto too_long; \
		len += (size_t)w_; \
	} while (0)
	pqtun_key_to_base64(key, priv);
	ADD("[Interface]\nPrivateKey = %s\nListenPort = %u\nFwMark = %" PRIu32 "\n", key, listen_port, fwmark);
	for (size_t i = 0; i < n; i++) {
		const struct pqtun_wgctl_peer *p = &peers[i];
		pqtun_key_to_base64(key, p->peer->public_key);
		ADD("[Peer]\nPublicKey = %s\n", key);
		if (p->psk) {
			pqtun_key_to_base64(key, p->psk);
			ADD("PresharedKey = %s\n", key);
		}
		endpoint_text(ep, sizeof(ep), &p->peer->endpoint_addr);
		if (ep[0])
			ADD("Endpoint = %s\n", ep);
		if (p->peer->keepalive)
			ADD("PersistentKeepalive = %u\n", p->peer->keepalive);
		ADD("AllowedIPs = ");
		for (size_t j = 0; j < p->n_allowed; j++) {
			pqtun_cidr_format(cidr, sizeof(cidr), &p->allowed[j]);
			ADD("%s%s", j ? ", " : "", cidr);
		}
		ADD("\n");
	}
#undef ADD
	char out[512];
	char *argv[] = { (char *)"wg", (char *)"syncconf", (char *)iface, (char *)"/dev/stdin", NULL };
	int st = pqtun_run(argv, buf, len, out, sizeof(out));
	if (st != 0) {
		out[strcspn(out, "\n")] = '\0';
		snprintf(err, errlen, "wg syncconf %s failed: %s", iface, out[0] ? out : "no output");
	} else {
		rc = 0;
	}
	goto done;
too_long:
	snprintf(err, errlen, "WireGuard configuration too long");
done:
	pqtun_memzero(key, sizeof(key));
	pqtun_secure_free(buf);
	return rc;
}

int pqtun_wgctl_peer_info(const char *iface, const uint8_t (*keys)[32], size_t n,
			  int *has_psk, int64_t *handshake)
{
	char out[4096];
	for (size_t i = 0; i < n; i++) {
		has_psk[i] = -1;
		handshake[i] = 0;
	}
	/* preshared-keys prints the keys: read them only to see whether one is
	 * set, and wipe the text right after. */
	char *argv1[] = { (char *)"wg", (char *)"show", (char *)iface, (char *)"preshared-keys", NULL };
	int rc = pqtun_run(argv1, NULL, 0, out, sizeof(out));
	if (rc != 0) {
		pqtun_memzero(out, sizeof(out));
		return -1;
	}
	char b64[PQTUN_KEY_B64_LEN + 1];
	for (size_t i = 0; i < n; i++) {
		pqtun_key_to_base64(b64, keys[i]);
		char *line = strstr(out, b64);
		if (line) {
			char *tab = line + PQTUN_KEY_B64_LEN;
			has_psk[i] = !(tab[0] == '\t' && !strncmp(tab + 1, "(none)", 6));
		}
	}
	pqtun_memzero(out, sizeof(out));
	char *argv2[] = { (char *)"wg", (char *)"show", (char *)iface, (char *)"latest-handshakes", NULL };
	if (pqtun_run(argv2, NULL, 0, out, sizeof(out)) == 0) {
		for (size_t i = 0; i < n; i++) {
			pqtun_key_to_base64(b64, keys[i]);
			char *line = strstr(out, b64);
			if (line)
				handshake[i] = strtoll(line + PQTUN_KEY_B64_LEN, NULL, 10);
		}
	}
	return 0;
}
