/* Kernel WireGuard over generic netlink (libmnl): resolve the "wireguard"
 * family, dump the device (WG_CMD_GET_DEVICE) or send the set request(s)
 * built by netlink_msg.c, each acknowledged. */
#include "wg/backend.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/wireguard.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "util/mem.h"
#include "wg/netlink_msg.h"

#define NL_TIMEOUT_S 5
#define NL_RECV_SIZE 32768

struct nl_conn {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	uint16_t family;
};

/* Pick CTRL_ATTR_FAMILY_ID out of a CTRL_CMD_GETFAMILY reply. */
static int family_id_cb(const struct nlattr *a, void *data)
{
	uint16_t *id = data;
	if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID && mnl_attr_validate(a, MNL_TYPE_U16) >= 0)
		*id = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

/* Message callback of the family lookup. */
static int family_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_id_cb, data) < 0 ? MNL_CB_ERROR
										     : MNL_CB_OK;
}

/* Receive replies for seq until done; cb may be NULL (acks only). Returns 0
 * or a negative errno (-EBADMSG: a reply whose message lengths do not match
 * the bytes received). */
static int nl_receive(struct nl_conn *c, uint32_t seq, mnl_cb_t cb, void *data)
{
	char *buf = malloc(NL_RECV_SIZE);
	int rc = -ENOMEM;
	if (!buf)
		return rc;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(c->nl, buf, NL_RECV_SIZE);
		if (n < 0) {
			rc = errno == EAGAIN ? -ETIMEDOUT : -errno;
			break;
		}
		/* Framing is checked first: libmnl alone would accept an
		 * nlmsg_len >= 2^31 and read past the buffer. */
		errno = 0;
		int r = wgnl_run_reply(buf, (size_t)n, seq, c->portid, cb, data);
		if (r == MNL_CB_STOP) {
			rc = 0;
			break;
		}
		if (r < 0) {
			rc = errno ? -errno : -EPROTO;
			break;
		}
	}
	pqtun_memzero(buf, NL_RECV_SIZE);
	free(buf);
	return rc;
}

/* Open and bind a generic netlink socket and resolve the "wireguard" family. 0 or a negative errno (-EPROTONOSUPPORT: no kernel WireGuard), with err set. */
static int nl_open(struct nl_conn *c, const char *ifname, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->nl = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	if (!c->nl || mnl_socket_bind(c->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		snprintf(err, errlen, "%s: cannot open a generic netlink socket: %s", ifname, strerror(e));
		if (c->nl)
			mnl_socket_close(c->nl);
		c->nl = NULL;
		return -e;
	}
	struct timeval tv = { .tv_sec = NL_TIMEOUT_S };
	setsockopt(mnl_socket_get_fd(c->nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	int one = 1;
	setsockopt(mnl_socket_get_fd(c->nl), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	c->portid = mnl_socket_get_portid(c->nl);
	c->seq = (uint32_t)time(NULL);

	char buf[256];
	memset(buf, 0, sizeof(buf));
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++c->seq;
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, WG_GENL_NAME);
	uint16_t id = 0;
	int rc = mnl_socket_sendto(c->nl, nlh, nlh->nlmsg_len) < 0 ? -errno : 0;
	if (rc == 0)
		rc = nl_receive(c, c->seq, family_msg_cb, &id);
	if (rc == 0 && id == 0)
		rc = -ENOENT;
	if (rc != 0) {
		if (rc == -ENOENT && if_nametoindex(ifname) == 0)
			snprintf(err, errlen, "%s: no such interface (and no userspace socket "
				 "%s/%s.sock)", ifname, PQTUN_WG_UAPI_DIR, ifname);
		else if (rc == -ENOENT)
			snprintf(err, errlen, "%s: kernel WireGuard is not available (no 'wireguard' "
				 "netlink family) and there is no userspace socket %s/%s.sock",
				 ifname, PQTUN_WG_UAPI_DIR, ifname);
		else if (rc == -EBADMSG)
			snprintf(err, errlen, "%s: cannot resolve the WireGuard netlink family: "
				 "malformed netlink reply (message length does not match the "
				 "bytes received)", ifname);
		else
			snprintf(err, errlen, "%s: cannot resolve the WireGuard netlink family: %s",
				 ifname, strerror(-rc));
		mnl_socket_close(c->nl);
		c->nl = NULL;
		return rc == -ENOENT ? -EPROTONOSUPPORT : rc;
	}
	c->family = id;
	return 0;
}

/* Close the socket (idempotent). */
static void nl_close(struct nl_conn *c)
{
	if (c->nl)
		mnl_socket_close(c->nl);
	c->nl = NULL;
}

/* Turn a netlink errno into a message naming the interface. */
static void device_error(char *err, size_t errlen, const char *ifname, const char *what, int rc)
{
	if (rc == -ENODEV)
		snprintf(err, errlen, "%s: no such device", ifname);
	else if (rc == -EBADMSG)
		snprintf(err, errlen, "%s: %s: malformed netlink reply (message length does not "
			 "match the bytes received)", ifname, what);
	else if (rc == -EOPNOTSUPP)
		snprintf(err, errlen, "%s: not a WireGuard interface", ifname);
	else if (rc == -EPERM)
		snprintf(err, errlen, "%s: %s needs CAP_NET_ADMIN: %s", ifname, what, strerror(-rc));
	else
		snprintf(err, errlen, "%s: %s failed: %s", ifname, what, strerror(-rc));
}

struct get_ctx {
	struct pqtun_wg_device *dev;
	int rc;
};

/* Parse one dump message into the device being read. */
static int get_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct get_ctx *g = data;
	int rc = wgnl_parse_get_msg(nlh, g->dev);
	if (rc != 0) {
		g->rc = rc;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

int pqtun_wg_netlink_get(const char *ifname, struct pqtun_wg_device **out, char *err, size_t errlen)
{
	struct nl_conn c;
	char req[512];
	*out = NULL;
	if (!pqtun_wg_ifname_ok(ifname)) {
		snprintf(err, errlen, "'%s' is not a valid interface name", ifname ? ifname : "");
		return -EINVAL;
	}
	int rc = nl_open(&c, ifname, err, errlen);
	if (rc != 0)
		return rc;
	struct pqtun_wg_device *dev = pqtun_wg_device_new(ifname);
	if (!dev) {
		nl_close(&c);
		snprintf(err, errlen, "%s: out of memory", ifname);
		return -ENOMEM;
	}
	size_t len = wgnl_build_get(req, sizeof(req), c.family, ++c.seq, ifname);
	struct get_ctx g = { .dev = dev };
	rc = mnl_socket_sendto(c.nl, req, len) < 0 ? -errno : 0;
	if (rc == 0)
		rc = nl_receive(&c, c.seq, get_msg_cb, &g);
	nl_close(&c);
	if (g.rc)
		rc = g.rc;
	if (rc != 0) {
		if (rc == -EPROTO)
			snprintf(err, errlen, "%s: malformed netlink reply", ifname);
		else
			device_error(err, errlen, ifname, "reading the device", rc);
		pqtun_wg_device_free(dev);
		return rc;
	}
	*out = dev;
	return 0;
}

int pqtun_wg_netlink_set(const struct pqtun_wg_device *dev, char *err, size_t errlen)
{
	struct nl_conn c;
	struct wgnl_batch b;
	if (!pqtun_wg_ifname_ok(dev->name)) {
		snprintf(err, errlen, "'%s' is not a valid interface name", dev->name);
		return -EINVAL;
	}
	int rc = nl_open(&c, dev->name, err, errlen);
	if (rc != 0)
		return rc;
	rc = wgnl_build_set(&b, c.family, c.seq + 1, dev, MNL_SOCKET_BUFFER_SIZE);
	if (rc != 0) {
		nl_close(&c);
		snprintf(err, errlen, "%s: cannot build the netlink request: %s", dev->name, strerror(-rc));
		return rc;
	}
	for (size_t i = 0; i < b.n && rc == 0; i++) {
		uint32_t seq = ++c.seq;
		rc = mnl_socket_sendto(c.nl, b.msgs[i], b.lens[i]) < 0 ? -errno : 0;
		if (rc == 0)
			rc = nl_receive(&c, seq, NULL, NULL);
	}
	wgnl_batch_free(&b);
	nl_close(&c);
	if (rc != 0)
		device_error(err, errlen, dev->name, "configuring the device", rc);
	return rc;
}
