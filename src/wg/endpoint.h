/* WireGuard endpoints in text form: "host:port", "1.2.3.4:port",
 * "[v6addr]:port" (also "[v6addr%scope]:port"), as wg and the UAPI write them. */
#ifndef PQTUN_WG_ENDPOINT_H
#define PQTUN_WG_ENDPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "wg/device.h"

/* Split text into host (brackets removed) and port. host gets at most
 * hostlen-1 characters. Returns 0, or -1 if the form, host or port (1..65535)
 * is invalid. */
int pqtun_wg_endpoint_split(const char *text, char *host, size_t hostlen, uint16_t *port);
/* Parse a numeric endpoint (no name resolution). 0 or -1. */
int pqtun_wg_endpoint_parse_numeric(union pqtun_wg_endpoint *ep, const char *text);
/* Resolve text (names allowed, via getaddrinfo, UDP) into ep, preferring
 * the first address returned. 0, or -1 with a reason in err. */
int pqtun_wg_endpoint_resolve(union pqtun_wg_endpoint *ep, const char *text, char *err, size_t errlen);

#endif
