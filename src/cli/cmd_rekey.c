/* pqtun rekey: rotate the post-quantum PSK(s) of a tunnel brought up by
 * `pqtun up`, once, or every SECONDS in the foreground (the process that
 * `pqtun up` starts for RekeyInterval / --rekey). See src/tunnel/rekey.h. */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "tunnel/conf.h"
#include "tunnel/ifname.h"
#include "tunnel/rekey.h"
#include "tunnel/state.h"
#include "util/log.h"

void usage_rekey(FILE *out)
{
	fprintf(out,
		"Usage: pqtun rekey [--every SECONDS [--alert-after N]] INTERFACE\n"
		"\n"
		"Rotate the post-quantum PSK(s) of a tunnel brought up by 'pqtun up':\n"
		"negotiate a new ephemeral key and PSK from inside the tunnel (parent =\n"
		"the current ephemeral key; multihop: exit relay first, then entry), then\n"
		"switch WireGuard to them. Traffic keeps flowing; a failed rotation keeps\n"
		"the current keys.\n"
		"\n"
		"  --every SECONDS   keep running and rotate every SECONDS (at least %d,\n"
		"                    +-10%% jitter), retrying failures with backoff until\n"
		"                    the tunnel is taken down or SIGTERM ('pqtun up' with\n"
		"                    RekeyInterval or --rekey starts this in the background)\n"
		"  --alert-after N   with --every: log failures as errors and to syslog\n"
		"                    from N failures in a row (default %d)\n"
		"\n"
		"Environment (tests only): %s=F with F in (0, 1] multiplies every\n"
		"rotation time (interval, backoff, timeouts) by F.\n",
		PQTUN_REKEY_MIN_INTERVAL, PQTUN_REKEY_DEFAULT_ALERT, PQTUN_REKEY_SCALE_ENV);
}

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int parse_uint(const char *s, long lo, long hi, unsigned *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (!*s || *end || v < lo || v > hi)
		return -1;
	*out = (unsigned)v;
	return 0;
}

int cmd_rekey(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "every", required_argument, NULL, 'e' },
		{ "alert-after", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned every = 0, alert = 0;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			if (parse_uint(optarg, PQTUN_REKEY_MIN_INTERVAL, 7 * 86400, &every) < 0)
				return cli_usage_error("rekey", "--every takes seconds, %d to 604800",
						       PQTUN_REKEY_MIN_INTERVAL);
			break;
		case 'a':
			if (parse_uint(optarg, 1, 1000, &alert) < 0)
				return cli_usage_error("rekey", "--alert-after must be 1-1000");
			break;
		case 'h':
			usage_rekey(stdout);
			return PQTUN_EXIT_OK;
		default:
			return cli_usage_error("rekey", "unknown option");
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("rekey", "expected one INTERFACE");
	const char *iface = argv[optind];
	if (!pqtun_ifname_valid(iface))
		return cli_usage_error("rekey", "'%s' is not an interface name", iface);
	if (alert && !every)
		return cli_usage_error("rekey", "--alert-after needs --every");
	double scale = pqtun_rekey_scale_from_env();
	if (scale < 0)
		return cli_usage_error("rekey", "%s must be a number in (0, 1] (tests only)", PQTUN_REKEY_SCALE_ENV);
	if (geteuid() != 0)
		return cli_failure("rekey", "must be run as root (needs CAP_NET_ADMIN)");
	if (pqtun_log_get_level() == PQTUN_LOG_WARN)
		pqtun_log_set_level(PQTUN_LOG_INFO);

	char err[512];
	if (every) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_stop;
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		pqtun_log_set_timestamps(1);
		if (pqtun_rekey_loop(iface, every, scale, alert, &stop_requested, err, sizeof(err)) < 0)
			return cli_failure("rekey", "%s", err);
		return PQTUN_EXIT_OK;
	}
	struct pqtun_state st;
	int ls = pqtun_state_load(&st, iface);
	unsigned failures = ls == 0 ? st.rekey_failures : 0;
	if (ls == 0)
		pqtun_state_free(&st);
	struct pqtun_rekey_report rep;
	int rc = pqtun_rekey_once(iface, scale, failures, &rep, err, sizeof(err));
	if (rc != 0)
		return cli_failure("rekey", "%s%s", err, rc < 0 ? " (the tunnel keeps its current keys)" : "");
	log_info("%s: new key and PSK(s) in use; switched %llu ms after start, CPU %llu us, handshakes with the "
		 "new key %llu ms after start (0 = none yet)",
		 iface, (unsigned long long)rep.switch_ms, (unsigned long long)rep.cpu_us,
		 (unsigned long long)rep.handshake_ms);
	return PQTUN_EXIT_OK;
}
