/* The pqtun subcommands. Each lives in src/cli/cmd_<name>.c and is listed in
 * the table in main.c. Conventions for every subcommand:
 *   - argv[0] is the subcommand name; parse the rest with getopt_long;
 *   - "-h/--help" prints its usage to stdout and returns 0;
 *   - exit codes: 0 success, 1 runtime failure, 2 usage error
 *     (PQTUN_EXIT_*), with one short line on stderr saying what is wrong. */
#ifndef PQTUN_CLI_COMMANDS_H
#define PQTUN_CLI_COMMANDS_H

#include <stdio.h>

#define PQTUN_EXIT_OK 0
#define PQTUN_EXIT_FAILURE 1
#define PQTUN_EXIT_USAGE 2

struct pqtun_command {
	const char *name;
	int (*run)(int argc, char **argv);
	void (*usage)(FILE *out);
	const char *summary;
};

const struct pqtun_command *pqtun_command_find(const char *name);

/* Print "pqtun <cmd>: <message>" to stderr, and return PQTUN_EXIT_USAGE
 * adding a hint to run --help. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print "pqtun <cmd>: <message>" to stderr and return PQTUN_EXIT_FAILURE. */
int cli_failure(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define DECLARE_COMMAND(n) \
	int cmd_##n(int argc, char **argv); \
	void usage_##n(FILE *out)

DECLARE_COMMAND(genkey);
DECLARE_COMMAND(pubkey);
DECLARE_COMMAND(genpsk);
DECLARE_COMMAND(bench);
DECLARE_COMMAND(exchange);
DECLARE_COMMAND(serve);
DECLARE_COMMAND(upgrade);
DECLARE_COMMAND(up);
DECLARE_COMMAND(down);
DECLARE_COMMAND(status);
DECLARE_COMMAND(rekey);

/* `pqtun bench exchange ...`: the relay load generator (bench_exchange.c). */
int bench_exchange_main(int argc, char **argv);

#endif
