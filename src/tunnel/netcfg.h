/* Interface, addresses, MTU, routes and DNS for a tunnel, as wg-quick sets
 * them up, done with iproute2 (and resolvconf for DNS). Every change is
 * first recorded as an undo command in the state (saved to disk) and then
 * made, so `pqtun down` can revert it even if `up` dies half-way. */
#ifndef PQTUN_TUNNEL_NETCFG_H
#define PQTUN_TUNNEL_NETCFG_H

#include <stddef.h>
#include <stdint.h>

#include "tunnel/conf.h"
#include "tunnel/state.h"

/* 1 if a network interface with this name exists. */
int pqtun_net_link_exists(const char *iface);

/* Create the WireGuard interface: with `userspace` (a program run as
 * `PROG IFACE`, e.g. wireguard-go) if given, else kernel WireGuard, falling
 * back to wireguard-go when the kernel has none. Records the undo and the
 * implementation used in st. 0 or -1 with err. */
int pqtun_net_create_link(struct pqtun_state *st, const char *iface, const char *userspace,
			  char *err, size_t errlen);

/* Run a recorded command line now (logged as "[#] ..."), after storing
 * `undo` (may be NULL) in st. 0 or -1 with err. */
int pqtun_net_do(struct pqtun_state *st, const char *undo, char *err, size_t errlen,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The fwmark/table for full-tunnel routing: 0 if no peer routes a /0 (or
 * Table is set), else the first free table from 51820 on. */
uint32_t pqtun_net_pick_table(const struct pqtun_tunconf *conf);

/* Addresses, MTU, link up, DNS and routes (incl. the fwmark policy rules
 * for a default route through table `table`, and a host route for the exit
 * relay's endpoint in multihop). 0 or -1 with err. */
int pqtun_net_configure(struct pqtun_state *st, const struct pqtun_tunconf *conf, uint32_t table,
			char *err, size_t errlen);

#endif
