/* Fuzz target: the kernel WireGuard netlink reply parser
 * (wgnl_parse_get_msg), fed like the real receive path feeds it: a buffer
 * of netlink messages checked by wgnl_check_lengths and walked by libmnl's
 * mnl_cb_run (wgnl_run_reply).
 *
 * Input: byte 0 picks the message size for re-serialisation, the rest is
 * what the kernel would have sent. Whatever parses is rebuilt as set
 * requests (split across messages when large) and parsed again: the result
 * must be the same device (see wg_compare.h). */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wg_compare.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct get_ctx {
	struct pqtun_wg_device *dev;
	int rc;
};

static int get_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct get_ctx *g = data;
	int rc = wgnl_parse_get_msg(nlh, g->dev);
	if (rc != 0) {
		WGC_CHECK(rc == -EPROTO || rc == -ENOMEM);
		g->rc = rc;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t sizes[] = { 512, 600, 1024, 4096, 32768 };
	if (size < 1 || size > 65536)
		return 0;
	size_t max_msg = sizes[data[0] % (sizeof(sizes) / sizeof(sizes[0]))];
	size_t n = size - 1;
	/* Aligned copy, as a receive buffer would be. */
	uint32_t *buf = malloc(n + 4);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, n);

	struct get_ctx g = { .dev = pqtun_wg_device_new("fuzz0") };
	WGC_CHECK(g.dev != NULL);
	/* Through the same framing check as the receive path, so inputs with
	 * lengths libmnl would mis-walk are exercised, not skipped. */
	int r = wgnl_run_reply(buf, n, 0, 0, get_msg_cb, &g);
	if (r >= 0 && g.rc == 0) {
		for (size_t i = 0; i < g.dev->n_peers; i++) {
			const struct pqtun_wg_peer *p = &g.dev->peers[i];
			WGC_CHECK(p->flags & PQTUN_WGPEER_HAS_PUBLIC_KEY);
			for (size_t j = 0; j < p->n_allowed_ips; j++) {
				const struct pqtun_cidr *c = &p->allowed_ips[j];
				WGC_CHECK((c->family == AF_INET && c->prefix <= 32) ||
					  (c->family == AF_INET6 && c->prefix <= 128));
			}
		}
		wgc_roundtrip(g.dev, max_msg);
	}
	pqtun_wg_device_free(g.dev);
	free(buf);
	return 0;
}
