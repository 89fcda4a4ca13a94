/* pqtun exchange: negotiate a post-quantum PSK with a relay's config service
 * for a fresh ephemeral WireGuard key pair, and print both. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "pqtun/exchange.h"
#include "pqtun/wgkey.h"
#include "util/encoding.h"
#include "util/mem.h"

void usage_exchange(FILE *out)
{
	fprintf(out,
		"Usage: pqtun exchange [--port P] [--timeout SECONDS] [--kem LIST] [--no-pq]\n"
		"                      [--daita] [--json] HOST PARENT_PUBKEY\n"
		"\n"
		"Ask the config service of the relay at HOST (normally its in-tunnel gateway,\n"
		"e.g. 10.64.0.1) for an ephemeral peer of the WireGuard peer whose public key\n"
		"is PARENT_PUBKEY (base64). Generates an ephemeral WireGuard key pair and\n"
		"one key pair per KEM (default ML-KEM-1024 + HQC-256), and prints the\n"
		"ephemeral private key, its public key and the negotiated PSK (all base64).\n"
		"\n"
		"Options:\n"
		"  -p, --port P          config service port (default 1337)\n"
		"  -t, --timeout SECONDS deadline for the whole exchange (default 8)\n"
		"  -k, --kem LIST        KEMs to use, comma-separated, in request order\n"
		"                        (default ML-KEM-1024,HQC-256; also HQC-256, Kyber1024;\n"
		"                        up to 4, Kyber1024 never with ML-KEM-1024;\n"
		"                        Classic-McEliece-460896f-round3 is relay-only)\n"
		"      --no-pq           send no KEM keys (no PSK; the relay just registers the peer)\n"
		"      --daita           also request DAITA settings\n"
		"      --json            one line: {\"private_key\":..,\"public_key\":..,\"psk\":..}\n"
		"  -h, --help            this help\n"
		"\n"
		"Exit status: 0 success, 1 failure (one line on stderr, nothing on stdout;\n"
		"also a KEM this client cannot use), 2 usage error (incl. a bad KEM list).\n");
}

/* Print a JSON string of a machine description (escape what JSON needs). */
static void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

/* Print a double in its shortest of %.15g / %.17g that reads back exactly. */
static void print_double(double v)
{
	char buf[40];
	snprintf(buf, sizeof(buf), "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, sizeof(buf), "%.17g", v);
	fputs(buf, stdout);
}

static void print_result(int json, const uint8_t priv[32], const uint8_t pub[32],
			 const struct pqtun_exchange_result *res)
{
	char priv64[PQTUN_KEY_B64_LEN + 1], pub64[PQTUN_KEY_B64_LEN + 1], psk64[PQTUN_KEY_B64_LEN + 1];
	pqtun_key_to_base64(priv64, priv);
	pqtun_key_to_base64(pub64, pub);
	if (res->has_psk)
		pqtun_key_to_base64(psk64, res->psk);
	else
		strcpy(psk64, "");
	if (json) {
		printf("{\"private_key\":\"%s\",\"public_key\":\"%s\",\"psk\":", priv64, pub64);
		if (res->has_psk)
			printf("\"%s\"", psk64);
		else
			printf("null");
		if (res->has_daita) {
			printf(",\"daita\":{\"client_machines\":[");
			for (size_t i = 0; i < res->daita.n_machines; i++) {
				if (i)
					putchar(',');
				json_string(stdout, res->daita.machines[i]);
			}
			printf("],\"max_padding_frac\":");
			print_double(res->daita.max_padding_frac);
			printf(",\"max_blocking_frac\":");
			print_double(res->daita.max_blocking_frac);
			putchar('}');
		}
		printf("}\n");
	} else {
		printf("private_key: %s\npublic_key: %s\n", priv64, pub64);
		if (res->has_psk)
			printf("psk: %s\n", psk64);
		if (res->has_daita) {
			printf("daita_max_padding_frac: %g\ndaita_max_blocking_frac: %g\n",
			       res->daita.max_padding_frac, res->daita.max_blocking_frac);
			for (size_t i = 0; i < res->daita.n_machines; i++)
				printf("daita_machine: %s\n", res->daita.machines[i]);
		}
	}
	fflush(stdout);
	pqtun_memzero(priv64, sizeof(priv64));
	pqtun_memzero(psk64, sizeof(psk64));
}

int cmd_exchange(int argc, char **argv)
{
	enum { OPT_NO_PQ = 256, OPT_DAITA, OPT_JSON };
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 't' },
		{ "kem", required_argument, NULL, 'k' },
		{ "no-pq", no_argument, NULL, OPT_NO_PQ },
		{ "daita", no_argument, NULL, OPT_DAITA },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pqtun_exchange_options opts = { .post_quantum = 1 };
	int json = 0, c;
	char *end;
	const char *kems[PQTUN_EXCHANGE_MAX_KEMS];
	char kem_err[256];

	while ((c = getopt_long(argc, argv, "p:t:k:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': {
			errno = 0;
			unsigned long p = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || p == 0 || p > 65535)
				return cli_usage_error("exchange", "invalid port '%s'", optarg);
			opts.port = (uint16_t)p;
			break;
		}
		case 't': {
			errno = 0;
			double s = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(s > 0) || s > 3600)
				return cli_usage_error("exchange", "invalid timeout '%s' (seconds, > 0)", optarg);
			opts.timeout_ms = (unsigned)(s * 1000.0 + 0.5);
			if (!opts.timeout_ms)
				opts.timeout_ms = 1;
			break;
		}
		case 'k': {
			int r = pqtun_exchange_parse_kems(optarg, kems, &opts.n_kems, kem_err, sizeof(kem_err));
			if (r == PQTUN_EX_KEM_UNAVAILABLE)
				return cli_failure("exchange", "--kem: %s", kem_err);
			if (r != 0)
				return cli_usage_error("exchange", "invalid --kem: %s", kem_err);
			opts.kems = kems;
			break;
		}
		case OPT_NO_PQ: opts.post_quantum = 0; break;
		case OPT_DAITA: opts.daita = 1; break;
		case OPT_JSON: json = 1; break;
		case 'h': usage_exchange(stdout); return PQTUN_EXIT_OK;
		default: return cli_usage_error("exchange", "invalid option");
		}
	}
	if (argc - optind != 2)
		return cli_usage_error("exchange", "expected HOST and PARENT_PUBKEY");
	opts.host = argv[optind];
	uint8_t parent[32], priv[32], pub[32];
	if (pqtun_key_from_base64(parent, argv[optind + 1]) != 0)
		return cli_usage_error("exchange", "PARENT_PUBKEY is not a base64 WireGuard key");
	if (pqtun_wg_genkey(priv) != 0 || pqtun_wg_pubkey(pub, priv) != 0) {
		pqtun_memzero(priv, sizeof(priv));
		return cli_failure("exchange", "cannot generate the ephemeral key: %s", strerror(errno));
	}

	struct pqtun_exchange_result res;
	int rc = pqtun_exchange(&opts, parent, pub, &res);
	if (rc == 0) {
		print_result(json, priv, pub, &res);
	} else if (rc == PQTUN_EX_RPC_STATUS) {
		cli_failure("exchange", "%s: %s (%d): %s", pqtun_exchange_strerror(rc),
			    pqtun_grpc_status_name(res.rpc_status), res.rpc_status,
			    res.rpc_message[0] ? res.rpc_message : "(no message)");
	} else if (res.rpc_message[0]) {
		cli_failure("exchange", "%s: %s", pqtun_exchange_strerror(rc), res.rpc_message);
	} else {
		cli_failure("exchange", "%s", pqtun_exchange_strerror(rc));
	}
	pqtun_memzero(priv, sizeof(priv));
	pqtun_exchange_result_clear(&res);
	return rc == 0 ? PQTUN_EXIT_OK : PQTUN_EXIT_FAILURE;
}
