/* pqtun down: undo everything `pqtun up` did for a tunnel, from its state
 * file under /run/pqtun (works after a crash of `up` too). */
#include <getopt.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/commands.h"
#include "tunnel/bringup.h"
#include "tunnel/conf.h"
#include "util/log.h"

void usage_down(FILE *out)
{
	fprintf(out,
		"Usage: pqtun down CONFIG_FILE | INTERFACE\n"
		"\n"
		"Tear down a tunnel brought up by 'pqtun up': PreDown hooks, firewall\n"
		"table, routes and policy rules, DNS, the interface, PostDown hooks.\n"
		"Uses the record in /run/pqtun/IFACE.state, so it also cleans up after\n"
		"an interrupted or crashed 'pqtun up' (which it stops first).\n"
		"\n"
		"  --after-signal=N   used by an interrupted 'pqtun up': exit with\n"
		"                     128+N after cleaning up, like a killed process\n");
}

int cmd_down(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "after-signal", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	int c, after_signal = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			usage_down(stdout);
			return PQTUN_EXIT_OK;
		}
		if (c == 's') {
			after_signal = atoi(optarg);
			if (after_signal < 1 || after_signal > 64)
				return cli_usage_error("down", "--after-signal takes a signal number");
			continue;
		}
		return cli_usage_error("down", "unknown option");
	}
	if (optind + 1 != argc)
		return cli_usage_error("down", "expected one CONFIG_FILE or INTERFACE");
	char path[4096], iface[16], err[512];
	const char *arg = argv[optind];
	/* The same naming as up: NAME or .../NAME.conf means interface NAME
	 * (the file itself is not needed: the state file has everything). */
	if (pqtun_tunconf_locate(arg, path, sizeof(path), iface, err, sizeof(err)) < 0)
		return cli_usage_error("down", "%s", err);
	if (geteuid() != 0)
		return cli_failure("down", "must be run as root (needs CAP_NET_ADMIN)");
	if (pqtun_log_get_level() == PQTUN_LOG_WARN)
		pqtun_log_set_level(PQTUN_LOG_INFO);
	int rc = pqtun_tunnel_down(iface, err, sizeof(err));
	if (rc != 0)
		return cli_failure("down", "%s", err);
	return after_signal ? 128 + after_signal : PQTUN_EXIT_OK;
}
