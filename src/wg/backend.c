/* Backend choice: the UAPI socket wins when it exists (as in wg(8)); a
 * stale socket (nobody listening) falls back to kernel netlink. */
#include "wg/backend.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int pqtun_wg_ifname_ok(const char *ifname)
{
	size_t n = ifname ? strlen(ifname) : 0;
	if (n == 0 || n >= IFNAMSIZ || strchr(ifname, '/') || !strcmp(ifname, ".") || !strcmp(ifname, ".."))
		return 0;
	for (const char *c = ifname; *c; c++)
		if (*c <= ' ' || *c == ':' || (unsigned char)*c >= 0x7f)
			return 0;
	return 1;
}

/* 1 if /var/run/wireguard/<ifname>.sock exists and is a socket. */
static int uapi_socket_exists(const char *ifname)
{
	char path[sizeof(PQTUN_WG_UAPI_DIR) + IFNAMSIZ + 8];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s.sock", PQTUN_WG_UAPI_DIR, ifname);
	return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

enum pqtun_wg_backend_kind pqtun_wg_backend_of(const char *ifname)
{
	char err[PQTUN_WG_ERRLEN];
	struct pqtun_wg_device *dev = NULL;
	if (!pqtun_wg_ifname_ok(ifname))
		return PQTUN_WG_BACKEND_NONE;
	if (uapi_socket_exists(ifname) && pqtun_wg_uapi_get(ifname, &dev, err, sizeof(err)) == 0) {
		pqtun_wg_device_free(dev);
		return PQTUN_WG_BACKEND_UAPI;
	}
	if (pqtun_wg_netlink_get(ifname, &dev, err, sizeof(err)) == 0) {
		pqtun_wg_device_free(dev);
		return PQTUN_WG_BACKEND_KERNEL;
	}
	return PQTUN_WG_BACKEND_NONE;
}

const char *pqtun_wg_backend_name(enum pqtun_wg_backend_kind kind)
{
	switch (kind) {
	case PQTUN_WG_BACKEND_KERNEL:
		return "kernel";
	case PQTUN_WG_BACKEND_UAPI:
		return "userspace";
	default:
		return "none";
	}
}

int pqtun_wg_get_device(const char *ifname, struct pqtun_wg_device **out, char *err, size_t errlen)
{
	*out = NULL;
	if (!pqtun_wg_ifname_ok(ifname)) {
		snprintf(err, errlen, "'%s' is not a valid interface name", ifname ? ifname : "");
		return -EINVAL;
	}
	if (uapi_socket_exists(ifname)) {
		int rc = pqtun_wg_uapi_get(ifname, out, err, errlen);
		if (rc != -ECONNREFUSED)
			return rc;
		/* stale socket: a kernel interface of that name may still exist */
		char nlerr[PQTUN_WG_ERRLEN];
		if (pqtun_wg_netlink_get(ifname, out, nlerr, sizeof(nlerr)) == 0)
			return 0;
		return rc;
	}
	return pqtun_wg_netlink_get(ifname, out, err, errlen);
}

int pqtun_wg_set_device(const struct pqtun_wg_device *dev, char *err, size_t errlen)
{
	if (!pqtun_wg_ifname_ok(dev->name)) {
		snprintf(err, errlen, "'%s' is not a valid interface name", dev->name);
		return -EINVAL;
	}
	if (uapi_socket_exists(dev->name)) {
		int rc = pqtun_wg_uapi_set(dev, err, errlen);
		if (rc != -ECONNREFUSED)
			return rc;
		/* stale socket: a kernel interface of that name may still exist */
		char nlerr[PQTUN_WG_ERRLEN];
		struct pqtun_wg_device *probe = NULL;
		if (pqtun_wg_netlink_get(dev->name, &probe, nlerr, sizeof(nlerr)) != 0)
			return rc;
		pqtun_wg_device_free(probe);
		return pqtun_wg_netlink_set(dev, err, errlen);
	}
	return pqtun_wg_netlink_set(dev, err, errlen);
}
