/* Interface names as wg-quick accepts them. */
#ifndef PQTUN_TUNNEL_IFNAME_H
#define PQTUN_TUNNEL_IFNAME_H

/* 1 if name is 1-15 characters of [A-Za-z0-9_=+.-], else 0. Such names
 * are safe in file names, nft strings and command lines. */
int pqtun_ifname_valid(const char *name);

#endif
