/* pqtun: post-quantum pre-shared keys for WireGuard. Entry point and the
 * subcommand table. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "util/log.h"

static const struct pqtun_command commands[] = {
	{ "genkey", cmd_genkey, usage_genkey, "Generate a new WireGuard private key" },
	{ "pubkey", cmd_pubkey, usage_pubkey, "Read a private key on stdin, print its public key" },
	{ "genpsk", cmd_genpsk, usage_genpsk, "Generate a random (non post-quantum) preshared key" },
	{ "exchange", cmd_exchange, usage_exchange, "Negotiate a post-quantum PSK with a relay" },
	{ "serve", cmd_serve, usage_serve, "Run the relay's config service" },
	{ "upgrade", cmd_upgrade, usage_upgrade, "Give a running tunnel a post-quantum PSK" },
	{ "up", cmd_up, usage_up, "Bring up a post-quantum tunnel from a config file" },
	{ "down", cmd_down, usage_down, "Tear down a tunnel brought up by pqtun up" },
	{ "status", cmd_status, usage_status, "Show the post-quantum state of tunnels" },
	{ "rekey", cmd_rekey, usage_rekey, "Rotate the post-quantum PSK of a running tunnel" },
	{ "bench", cmd_bench, usage_bench, "Measure KEM and exchange performance" },
};

const struct pqtun_command *pqtun_command_find(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

__attribute__((format(printf, 2, 0)))
static void vcli_msg(const char *cmd, const char *fmt, va_list ap)
{
	char msg[1024];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (cmd)
		fprintf(stderr, "pqtun %s: %s\n", cmd, msg);
	else
		fprintf(stderr, "pqtun: %s\n", msg);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vcli_msg(cmd, fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try 'pqtun %s%s--help' for more information.\n", cmd ? cmd : "", cmd ? " " : "");
	return PQTUN_EXIT_USAGE;
}

int cli_failure(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vcli_msg(cmd, fmt, ap);
	va_end(ap);
	return PQTUN_EXIT_FAILURE;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: pqtun [-v|-q] <command> [<args>]\n"
		"\n"
		"Post-quantum pre-shared keys for WireGuard: negotiates a PSK from\n"
		"ML-KEM-1024 and HQC-256 over a running tunnel and switches to an\n"
		"ephemeral peer that uses it.\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
		"\n"
		"Options:\n"
		"  -v, --verbose   more log output (repeat for debug)\n"
		"  -q, --quiet     errors only\n"
		"  -h, --help      this help; 'pqtun help <command>' for a command\n"
		"  -V, --version   print the version\n"
		"\n"
		"Exit status: 0 success, 1 failure, 2 usage error.\n");
}

int main(int argc, char **argv)
{
	int verbosity = PQTUN_LOG_WARN;
	int i = 1;

	/* Global options come before the command; parsed by hand so that
	 * getopt does not permute the command's own arguments. */
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-v") || !strcmp(a, "--verbose"))
			verbosity++;
		else if (!strcmp(a, "-vv"))
			verbosity += 2;
		else if (!strcmp(a, "-q") || !strcmp(a, "--quiet"))
			verbosity = PQTUN_LOG_ERROR;
		else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return PQTUN_EXIT_OK;
		} else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			printf("pqtun %s\n", PQTUN_VERSION);
			return PQTUN_EXIT_OK;
		} else
			return cli_usage_error(NULL, "unknown option '%s'", a);
	}
	pqtun_log_set_level(verbosity);

	if (i >= argc) {
		usage(stderr);
		return PQTUN_EXIT_USAGE;
	}
	const char *name = argv[i];
	if (!strcmp(name, "help")) {
		if (i + 1 >= argc) {
			usage(stdout);
			return PQTUN_EXIT_OK;
		}
		const struct pqtun_command *c = pqtun_command_find(argv[i + 1]);
		if (!c)
			return cli_usage_error(NULL, "unknown command '%s'", argv[i + 1]);
		c->usage(stdout);
		return PQTUN_EXIT_OK;
	}
	const struct pqtun_command *c = pqtun_command_find(name);
	if (!c)
		return cli_usage_error(NULL, "unknown command '%s'", name);
	optind = 0; /* reset getopt for the subcommand (glibc: full reinit) */
	return c->run(argc - i, argv + i);
}
