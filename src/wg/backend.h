/* Reading and configuring a WireGuard interface, whatever implements it:
 * Linux kernel WireGuard over generic netlink, or any userspace
 * implementation (wireguard-go, boringtun, ...) over the cross-platform UAPI
 * socket /var/run/wireguard/<iface>.sock. The backend is chosen per call:
 * the UAPI socket when it exists, otherwise netlink.
 *
 * All functions return 0 or a negative errno value and write a one-line
 * reason that names the interface into err (errlen bytes). They never print. */
#ifndef PQTUN_WG_BACKEND_H
#define PQTUN_WG_BACKEND_H

#include <stddef.h>

#include "wg/device.h"

#define PQTUN_WG_ERRLEN 256
#define PQTUN_WG_UAPI_DIR "/var/run/wireguard"

enum pqtun_wg_backend_kind {
	PQTUN_WG_BACKEND_NONE = 0,  /* no such WireGuard interface */
	PQTUN_WG_BACKEND_KERNEL = 1,
	PQTUN_WG_BACKEND_UAPI = 2,
};

/* Which backend serves ifname (UAPI if its socket accepts connections,
 * KERNEL if netlink knows the device, else NONE). */
enum pqtun_wg_backend_kind pqtun_wg_backend_of(const char *ifname);
const char *pqtun_wg_backend_name(enum pqtun_wg_backend_kind kind);

/* Read the device: keys, port, fwmark, every peer with its PSK, endpoint,
 * allowed IPs, keepalive, last handshake and counters. *out is freed with
 * pqtun_wg_device_free (which wipes the keys). */
int pqtun_wg_get_device(const char *ifname, struct pqtun_wg_device **out, char *err, size_t errlen);
/* Apply dev to the interface dev->name: only fields flagged in dev and its
 * peers are changed (see device.h). */
int pqtun_wg_set_device(const struct pqtun_wg_device *dev, char *err, size_t errlen);

/* The two implementations, for callers and tests that need a specific one. */
int pqtun_wg_uapi_get(const char *ifname, struct pqtun_wg_device **out, char *err, size_t errlen);
int pqtun_wg_uapi_set(const struct pqtun_wg_device *dev, char *err, size_t errlen);
int pqtun_wg_netlink_get(const char *ifname, struct pqtun_wg_device **out, char *err, size_t errlen);
int pqtun_wg_netlink_set(const struct pqtun_wg_device *dev, char *err, size_t errlen);

/* How UAPI connections are made: fn(ctx, socket_path) returns a connected
 * stream socket or a negative errno. Set once, before any other thread
 * uses the backend (e.g. by a process that hands connecting to a helper
 * that kept the right to open root's socket); NULL = connect directly. */
typedef int (*pqtun_wg_uapi_connector)(void *ctx, const char *socket_path);
void pqtun_wg_uapi_set_connector(pqtun_wg_uapi_connector fn, void *ctx);

/* 1 if ifname is a plausible interface name (1-15 chars, no '/', not "."/".."). */
int pqtun_wg_ifname_ok(const char *ifname);

#endif
