/* Fuzz target: the userspace WireGuard (UAPI) get-reply parser, reached
 * through the real client pqtun_wg_uapi_get: a test peer listens on
 * /var/run/wireguard/fzPID.sock and answers "get=1" with the fuzz input.
 *
 * Checks: the call returns 0 or a negative errno with a one-line error
 * naming the interface; a parsed device has sane fields (every peer has a
 * public key, ports and prefixes in range, handshake nanoseconds below a
 * second), and it survives re-serialisation as netlink set messages and
 * parsing back (wg_compare.h), so both backends agree on what it means. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support_server.h"
#include "wg/backend.h"
#include "wg_compare.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char ifname[16];
static char sock_path[108];

static void remove_socket(void)
{
	unlink(sock_path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(ifname, sizeof(ifname), "fz%d", (int)getpid() % 10000000);
	mkdir(PQTUN_WG_UAPI_DIR, 0755);
	snprintf(sock_path, sizeof(sock_path), "%s/%s.sock", PQTUN_WG_UAPI_DIR, ifname);
	support_server_start_unix(sock_path);
	atexit(remove_socket);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pqtun_wg_device *dev = NULL;
	char err[PQTUN_WG_ERRLEN] = "";
	if (size > 1 << 20)
		return 0;
	unsigned long served = support_server_set_reply(data, size);
	int rc = pqtun_wg_uapi_get(ifname, &dev, err, sizeof(err));
	support_server_wait(served);
	if (rc != 0) {
		WGC_CHECK(rc < 0 && dev == NULL);
		WGC_CHECK(strstr(err, ifname) == err && strchr(err, '\n') == NULL);
		return 0;
	}
	WGC_CHECK(dev != NULL && strcmp(dev->name, ifname) == 0);
	for (size_t i = 0; i < dev->n_peers; i++) {
		const struct pqtun_wg_peer *p = &dev->peers[i];
		WGC_CHECK(p->flags & PQTUN_WGPEER_HAS_PUBLIC_KEY);
		WGC_CHECK(p->last_handshake_nsec >= 0 && p->last_handshake_nsec <= 999999999);
		WGC_CHECK(p->last_handshake_sec >= 0);
		for (size_t j = 0; j < p->n_allowed_ips; j++) {
			const struct pqtun_cidr *c = &p->allowed_ips[j];
			WGC_CHECK((c->family == AF_INET && c->prefix <= 32) ||
				  (c->family == AF_INET6 && c->prefix <= 128));
		}
	}
	wgc_roundtrip(dev, 1024);
	pqtun_wg_device_free(dev);
	return 0;
}
