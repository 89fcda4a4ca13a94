/* Kernel WireGuard generic-netlink messages, without sockets (so that tests
 * can build requests and feed recorded or constructed replies).
 *
 * Replies to WG_CMD_GET_DEVICE come as a dump of several messages; a peer
 * whose allowed IPs do not fit is continued in the next message under the
 * same public key, and wgnl_parse_get_msg coalesces such pieces. Requests for
 * WG_CMD_SET_DEVICE are split the same way when they exceed max_msg. */
#ifndef PQTUN_WG_NETLINK_MSG_H
#define PQTUN_WG_NETLINK_MSG_H

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <stddef.h>
#include <stdint.h>

#include "wg/device.h"

struct wgnl_batch {
	uint8_t **msgs;  /* each a complete netlink message */
	size_t *lens;
	size_t n;
};

/* Build the dump request for ifname into buf (buflen >= 256). Returns its
 * length, or 0 if it does not fit. */
size_t wgnl_build_get(void *buf, size_t buflen, uint16_t family, uint32_t seq, const char *ifname);
/* Build the set request(s) for dev, each at most max_msg bytes (>= 512),
 * with sequence numbers seq, seq+1, ... Returns 0, -ENOMEM, or -E2BIG if
 * max_msg is too small for a single peer. Free with wgnl_batch_free. */
int wgnl_build_set(struct wgnl_batch *out, uint16_t family, uint32_t seq,
		   const struct pqtun_wg_device *dev, size_t max_msg);
/* Wipe (keys) and free a batch. */
void wgnl_batch_free(struct wgnl_batch *b);
/* Parse one WG_CMD_GET_DEVICE reply message (also accepts the layout of a
 * set request, which is the same) into dev, merging a peer continued from
 * the previous message. Returns 0, -EPROTO for malformed attributes, or
 * -ENOMEM. */
int wgnl_parse_get_msg(const struct nlmsghdr *nlh, struct pqtun_wg_device *dev);

/* Check the framing of n received bytes before anything reads them: every
 * message has a header, an nlmsg_len of at least the header and at most the
 * bytes left (which also rules out lengths of 2^31 and more, which libmnl's
 * mnl_nlmsg_ok lets through because it compares them as int), and no bytes
 * are left over that do not form a message. Returns 0 or -EBADMSG. */
int wgnl_check_lengths(const void *buf, size_t n);
/* mnl_cb_run on n received bytes after wgnl_check_lengths: returns what
 * mnl_cb_run returns, or MNL_CB_ERROR with errno = EBADMSG (and cb never
 * called) when the framing is bad. */
int wgnl_run_reply(const void *buf, size_t n, uint32_t seq, uint32_t portid, mnl_cb_t cb,
		   void *data);

#endif
