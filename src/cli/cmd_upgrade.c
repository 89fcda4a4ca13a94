/* pqtun upgrade: give an interface that is already up a post-quantum PSK.
 * Reads the interface's key and its single peer, negotiates an ephemeral
 * peer with the relay's config service over the tunnel, then sets the
 * ephemeral private key and the PSK; everything else (endpoint, allowed IPs,
 * keepalive, listen port, fwmark) is left as it is. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "pqtun/exchange.h"
#include "pqtun/wgkey.h"
#include "util/encoding.h"
#include "util/log.h"
#include "util/mem.h"
#include "wg/backend.h"
#include "wg/cidr.h"

#define DEFAULT_GATEWAY "10.64.0.1"

void usage_upgrade(FILE *out)
{
	fprintf(out,
		"Usage: pqtun upgrade IFACE [--gateway IP] [--port P] [--timeout S] [--kem LIST]\n"
		"                     [--force]\n"
		"\n"
		"Negotiate a post-quantum preshared key for the WireGuard interface IFACE,\n"
		"which must be up with exactly one peer (a relay running 'pqtun serve\n"
		"--interface'), and switch it to a fresh ephemeral key with that PSK.\n"
		"Endpoint, allowed IPs, keepalive, listen port and fwmark are kept.\n"
		"Works with kernel and userspace WireGuard. Usable as a wg-quick hook:\n"
		"  PostUp = pqtun upgrade %%i\n"
		"\n"
		"Options:\n"
		"  -g, --gateway IP      config service address inside the tunnel (default 10.64.0.1)\n"
		"  -p, --port P          config service port (default 1337)\n"
		"  -t, --timeout S       deadline for the exchange in seconds (default 8)\n"
		"  -k, --kem LIST        KEMs to use, comma-separated, in request order\n"
		"                        (default ML-KEM-1024,HQC-256; also HQC-256, Kyber1024;\n"
		"                        up to 4, Kyber1024 never with ML-KEM-1024)\n"
		"  -f, --force           negotiate even if the peer already has a PSK\n"
		"                        (e.g. a new PSK for a tunnel upgraded before)\n"
		"  -h, --help            this help\n");
}

struct upgrade_opts {
	const char *ifname;
	const char *gateway;
	uint16_t port;
	unsigned timeout_ms;
	int force;
	const char *kems[PQTUN_EXCHANGE_MAX_KEMS]; /* n_kems 0 = the default pair */
	size_t n_kems;
};

/* Parse the command line into o. Returns 0 to go on, or an exit code (*exit_now for --help). */
static int parse_args(int argc, char **argv, struct upgrade_opts *o, int *exit_now)
{
	static const struct option longopts[] = {
		{ "gateway", required_argument, NULL, 'g' },
		{ "port", required_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 't' },
		{ "kem", required_argument, NULL, 'k' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	char *end;
	*exit_now = 0;
	o->gateway = DEFAULT_GATEWAY;
	o->port = PQTUN_EXCHANGE_DEFAULT_PORT;
	o->timeout_ms = 8000;
	while ((c = getopt_long(argc, argv, "g:p:t:k:fh", longopts, NULL)) != -1) {
		switch (c) {
		case 'g': {
			int fam;
			uint8_t a[16];
			if (pqtun_ip_parse(optarg, &fam, a) != 0)
				return cli_usage_error("upgrade", "invalid --gateway '%s' (an IP address)", optarg);
			o->gateway = optarg;
			break;
		}
		case 'p': {
			errno = 0;
			unsigned long p = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || optarg[0] == '-' || p == 0 || p > 65535)
				return cli_usage_error("upgrade", "invalid --port '%s' (1-65535)", optarg);
			o->port = (uint16_t)p;
			break;
		}
		case 't': {
			errno = 0;
			double s = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(s > 0) || s > 3600)
				return cli_usage_error("upgrade", "invalid --timeout '%s' (seconds, > 0)", optarg);
			o->timeout_ms = (unsigned)(s * 1000.0 + 0.5);
			if (!o->timeout_ms)
				o->timeout_ms = 1;
			break;
		}
		case 'k': {
			char err[256];
			int r = pqtun_exchange_parse_kems(optarg, o->kems, &o->n_kems, err, sizeof(err));
			if (r == PQTUN_EX_KEM_UNAVAILABLE)
				return cli_failure("upgrade", "--kem: %s", err);
			if (r != 0)
				return cli_usage_error("upgrade", "invalid --kem: %s", err);
			break;
		}
		case 'f': o->force = 1; break;
		case 'h':
			usage_upgrade(stdout);
			*exit_now = 1;
			return PQTUN_EXIT_OK;
		default: return cli_usage_error("upgrade", "invalid option");
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("upgrade", "expected one interface name");
	o->ifname = argv[optind];
	if (!pqtun_wg_ifname_ok(o->ifname))
		return cli_usage_error("upgrade", "'%s' is not a valid interface name", o->ifname);
	return 0;
}

/* Check the device can be upgraded: a private key and exactly one peer,
 * without a PSK unless forced. Returns 0 or prints and returns the exit code. */
static int check_device(const struct pqtun_wg_device *dev, const struct upgrade_opts *o)
{
	char key[45];
	if (!(dev->flags & PQTUN_WGDEV_HAS_PRIVATE_KEY))
		return cli_failure("upgrade", "%s has no private key", o->ifname);
	if (dev->n_peers != 1)
		return cli_failure("upgrade", "%s has %zu peers; upgrade needs exactly one (the relay)",
				   o->ifname, dev->n_peers);
	if (pqtun_wg_peer_has_psk(&dev->peers[0]) && !o->force) {
		pqtun_wg_key_b64(key, dev->peers[0].public_key);
		return cli_failure("upgrade", "peer %s of %s already has a preshared key; "
			"use --force to negotiate a new one", key, o->ifname);
	}
	return 0;
}

/* Print why the exchange failed; returns the exit code. */
static int report_exchange_error(int rc, const struct pqtun_exchange_result *res, const struct upgrade_opts *o)
{
	if (rc == PQTUN_EX_RPC_STATUS)
		return cli_failure("upgrade", "%s: exchange with %s:%u failed: %s: %s (%d): %s", o->ifname,
				   o->gateway, (unsigned)o->port, pqtun_exchange_strerror(rc),
				   pqtun_grpc_status_name(res->rpc_status), res->rpc_status,
				   res->rpc_message[0] ? res->rpc_message : "(no message)");
	return cli_failure("upgrade", "%s: exchange with %s:%u failed: %s%s%s", o->ifname, o->gateway,
			   (unsigned)o->port, pqtun_exchange_strerror(rc), res->rpc_message[0] ? ": " : "",
			   res->rpc_message);
}

/* Set the ephemeral private key and the PSK; only those two change. */
static int apply(const struct upgrade_opts *o, const uint8_t peer_pub[32], const uint8_t eph_priv[32],
		 const uint8_t psk[32], char *err, size_t errlen)
{
	struct pqtun_wg_device *set = pqtun_wg_device_new(o->ifname);
	if (!set) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	set->flags = PQTUN_WGDEV_HAS_PRIVATE_KEY;
	memcpy(set->private_key, eph_priv, 32);
	struct pqtun_wg_peer *p = pqtun_wg_device_add_peer(set);
	int rc = -ENOMEM;
	if (p) {
		memcpy(p->public_key, peer_pub, 32);
		memcpy(p->preshared_key, psk, 32);
		p->flags = PQTUN_WGPEER_HAS_PUBLIC_KEY | PQTUN_WGPEER_HAS_PRESHARED_KEY | PQTUN_WGPEER_UPDATE_ONLY;
		rc = pqtun_wg_set_device(set, err, errlen);
	} else {
		snprintf(err, errlen, "out of memory");
	}
	pqtun_wg_device_free(set); /* wipes key and PSK */
	return rc;
}

int cmd_upgrade(int argc, char **argv)
{
	struct upgrade_opts o = { 0 };
	int exit_now, rc = parse_args(argc, argv, &o, &exit_now);
	if (rc != 0 || exit_now)
		return rc;

	char err[PQTUN_WG_ERRLEN];
	struct pqtun_wg_device *dev = NULL;
	if (pqtun_wg_get_device(o.ifname, &dev, err, sizeof(err)) != 0)
		return cli_failure("upgrade", "%s", err);
	rc = check_device(dev, &o);
	if (rc != 0) {
		pqtun_wg_device_free(dev);
		return rc;
	}
	uint8_t parent_pub[32], peer_pub[32], eph_priv[32], eph_pub[32];
	memcpy(parent_pub, dev->public_key, 32);
	memcpy(peer_pub, dev->peers[0].public_key, 32);
	pqtun_wg_device_free(dev); /* the old private key is not needed any more */

	if (pqtun_wg_genkey(eph_priv) != 0 || pqtun_wg_pubkey(eph_pub, eph_priv) != 0) {
		pqtun_memzero(eph_priv, sizeof(eph_priv));
		return cli_failure("upgrade", "cannot generate the ephemeral key: %s", strerror(errno));
	}
	struct pqtun_exchange_options xo = {
		.host = o.gateway, .port = o.port, .timeout_ms = o.timeout_ms, .post_quantum = 1,
		.kems = o.n_kems ? o.kems : NULL, .n_kems = o.n_kems,
	};
	struct pqtun_exchange_result res;
	rc = pqtun_exchange(&xo, parent_pub, eph_pub, &res);
	if (rc != 0 || !res.has_psk) {
		int code = rc != 0 ? report_exchange_error(rc, &res, &o)
				   : cli_failure("upgrade", "%s: the relay answered without a PSK", o.ifname);
		pqtun_memzero(eph_priv, sizeof(eph_priv));
		pqtun_exchange_result_clear(&res);
		return code;
	}
	unsigned long long keygen_us = (unsigned long long)res.keygen_us;
	rc = apply(&o, peer_pub, eph_priv, res.psk, err, sizeof(err));
	pqtun_memzero(eph_priv, sizeof(eph_priv));
	pqtun_exchange_result_clear(&res);
	if (rc != 0)
		return cli_failure("upgrade", "negotiated, but cannot apply the new key: %s", err);
	char k[45];
	pqtun_wg_key_b64(k, eph_pub);
	log_info("%s: post-quantum PSK negotiated with %s:%u in use; ephemeral public key %s "
		 "(key generation %llu us)", o.ifname, o.gateway, (unsigned)o.port, k, keygen_us);
	fprintf(stderr, "pqtun upgrade: %s now uses ephemeral key %s with a post-quantum PSK\n", o.ifname, k);
	return PQTUN_EXIT_OK;
}
