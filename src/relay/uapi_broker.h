/* A helper process that opens one userspace WireGuard interface's UAPI
 * socket for the relay after the relay dropped to an unprivileged user.
 *
 * wireguard-go creates /var/run/wireguard/<iface>.sock as root, mode 0700:
 * an unprivileged process cannot connect to it without CAP_DAC_OVERRIDE,
 * which would let it read and write every file. Instead, before dropping,
 * the relay forks this broker: it stays uid 0 (the socket's owner) but
 * keeps no capabilities, sets no_new_privs, closes every inherited file
 * descriptor, confines itself with a seccomp filter (AF_UNIX sockets,
 * connect, send/receive, close, exit) and does one thing: on request, connect to that one socket
 * path and pass the connected descriptor back (SCM_RIGHTS). The relay's
 * UAPI connections then go through it (pqtun_wg_uapi_set_connector). */
#ifndef PQTUN_RELAY_UAPI_BROKER_H
#define PQTUN_RELAY_UAPI_BROKER_H

#include <stddef.h>
#include <sys/types.h>

/* Fork the broker for ifname's UAPI socket, wait until it has dropped its
 * capabilities, and route the backend's UAPI connections through it. Call
 * while the process has a single thread and while it may still connect to
 * the socket itself. 0, or -1 with a one-line reason in err. */
int relay_uapi_broker_start(const char *ifname, char *err, size_t errlen);
/* Pid of the running broker, or 0. */
pid_t relay_uapi_broker_pid(void);
/* Stop routing through the broker and let it exit (it also dies with its
 * parent). Call after all threads using the backend have stopped. */
void relay_uapi_broker_stop(void);

#endif
