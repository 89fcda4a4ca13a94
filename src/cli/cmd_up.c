/* pqtun up: bring up a WireGuard tunnel from a wg-quick style config and
 * switch it to an ephemeral peer with a post-quantum PSK (the state machine
 * is in src/tunnel/bringup.c). */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "pqtun/exchange.h"
#include "tunnel/bringup.h"
#include "tunnel/conf.h"
#include "tunnel/rekey.h"
#include "util/log.h"

void usage_up(FILE *out)
{
	fprintf(out,
		"Usage: pqtun up [options] CONFIG_FILE | INTERFACE\n"
		"\n"
		"Bring up a WireGuard tunnel like wg-quick, then negotiate a post-quantum\n"
		"PSK with the relay (ML-KEM-1024 + HQC-256, or the KEMs of Kems / --kem)\n"
		"and switch to an ephemeral peer; multihop configs (Hop = entry / Hop =\n"
		"exit) negotiate both hops.\n"
		"Until the new configuration is applied, only TCP to Gateway:ConfigPort\n"
		"may use the tunnel (nftables table inet pqtun_IFACE).\n"
		"\n"
		"  /path/wg0.conf     interface wg0 from that file\n"
		"  wg0                interface wg0 from /etc/pqtun/wg0.conf\n"
		"\n"
		"Options:\n"
		"  --userspace PROG      userspace WireGuard to run as 'PROG IFACE'\n"
		"                        (default: $WG_QUICK_USERSPACE_IMPLEMENTATION, else\n"
		"                        kernel WireGuard, else wireguard-go)\n"
		"  --max-attempts N      exchange attempts before giving up (default %d;\n"
		"                        env PQTUN_MAX_ATTEMPTS)\n"
		"  --timeout-scale F     multiply the per-attempt timeouts (8 s * 2^attempt,\n"
		"                        at most 48 s) by F (env PQTUN_TIMEOUT_SCALE; tests)\n"
		"  --on-update CMD       run CMD (sh -c) at every configuration update, with\n"
		"                        the new parameters in PQTUN_* variables\n"
		"  --kem LIST            KEMs to negotiate, comma-separated, in request order\n"
		"                        (overrides the config key Kems; default\n"
		"                        ML-KEM-1024,HQC-256; Kyber1024 never with ML-KEM-1024)\n"
		"  --rekey SECONDS|off   rotate the PSK(s) every SECONDS (at least %d,\n"
		"                        +-10%% jitter) in a background 'pqtun rekey --every'\n"
		"                        process that 'down' stops (default: RekeyInterval)\n"
		"  --rekey-alert N       report rotation failures loudly from N in a row (%d)\n"
		"  -h, --help            this help\n"
		"\n"
		"See pqtun(8) for the configuration keys and the hooks.\n",
		PQTUN_UP_DEFAULT_ATTEMPTS, PQTUN_REKEY_MIN_INTERVAL, PQTUN_REKEY_DEFAULT_ALERT);
}

/* Interface being brought up, for the signal handler. */
static char up_iface[16];

/* SIGINT/SIGTERM/SIGHUP during `up`: become `pqtun down IFACE` (execv is
 * async-signal-safe and keeps the pid, which the state file records, so
 * down knows it is not stopping another process). Replacing the process
 * image also discards every secret of the interrupted attempt. */
static void undo_on_signal(int sig)
{
	static const char msg[] = "pqtun up: interrupted, undoing everything\n";
	static char signo[] = "--after-signal=00";
	signo[sizeof(signo) - 3] = (char)('0' + sig / 10 % 10);
	signo[sizeof(signo) - 2] = (char)('0' + sig % 10);
	char *args[] = { (char *)"pqtun", (char *)"down", signo, up_iface, NULL };
	ssize_t w = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)w;
	execv("/proc/self/exe", args);
	_exit(128 + sig);
}

static void catch_interrupts(const char *iface)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	snprintf(up_iface, sizeof(up_iface), "%s", iface);
	sa.sa_handler = undo_on_signal;
	sigfillset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static int parse_scale(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (*end || !(v > 0 && v <= 100))
		return -1;
	*out = v;
	return 0;
}

static int parse_attempts(const char *s, unsigned *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*end || v < 1 || v > 1000)
		return -1;
	*out = (unsigned)v;
	return 0;
}

int cmd_up(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "userspace", required_argument, NULL, 'u' },
		{ "max-attempts", required_argument, NULL, 'm' },
		{ "timeout-scale", required_argument, NULL, 's' },
		{ "on-update", required_argument, NULL, 'o' },
		{ "rekey", required_argument, NULL, 'r' },
		{ "kem", required_argument, NULL, 'k' },
		{ "rekey-alert", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pqtun_up_options o = { 0 };
	const char *env;
	int c;
	long rekey = -1; /* -1 = as the config says */
	unsigned rekey_alert = 0;
	char kem_list[128] = ""; /* --kem, checked, names joined by commas */

	o.userspace = getenv("WG_QUICK_USERSPACE_IMPLEMENTATION");
	if (o.userspace && !*o.userspace)
		o.userspace = NULL;
	if ((env = getenv("PQTUN_MAX_ATTEMPTS")) && parse_attempts(env, &o.max_attempts) < 0)
		return cli_usage_error("up", "PQTUN_MAX_ATTEMPTS must be 1-1000");
	if ((env = getenv("PQTUN_TIMEOUT_SCALE")) && parse_scale(env, &o.timeout_scale) < 0)
		return cli_usage_error("up", "PQTUN_TIMEOUT_SCALE must be a number in (0, 100]");
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'u':
			o.userspace = optarg;
			break;
		case 'm':
			if (parse_attempts(optarg, &o.max_attempts) < 0)
				return cli_usage_error("up", "--max-attempts must be 1-1000");
			break;
		case 's':
			if (parse_scale(optarg, &o.timeout_scale) < 0)
				return cli_usage_error("up", "--timeout-scale must be a number in (0, 100]");
			break;
		case 'o':
			o.update_hook = optarg;
			break;
		case 'r':
			if (!strcmp(optarg, "off") || !strcmp(optarg, "0")) {
				rekey = 0;
			} else {
				char *end;
				rekey = strtol(optarg, &end, 10);
				if (*end || rekey < PQTUN_REKEY_MIN_INTERVAL || rekey > 7 * 86400)
					return cli_usage_error("up", "--rekey takes seconds (%d to 604800) or off",
							       PQTUN_REKEY_MIN_INTERVAL);
			}
			break;
		case 'k': {
			const char *names[PQTUN_EXCHANGE_MAX_KEMS];
			size_t n;
			char kerr[256];
			int kr = pqtun_exchange_parse_kems(optarg, names, &n, kerr, sizeof(kerr));
			if (kr == PQTUN_EX_KEM_UNAVAILABLE)
				return cli_failure("up", "--kem: %s", kerr);
			if (kr != 0)
				return cli_usage_error("up", "invalid --kem: %s", kerr);
			kem_list[0] = '\0';
			for (size_t i = 0; i < n; i++)
				snprintf(kem_list + strlen(kem_list), sizeof(kem_list) - strlen(kem_list), "%s%s",
					 i ? "," : "", names[i]);
			break;
		}
		case 'a':
			if (parse_attempts(optarg, &rekey_alert) < 0)
				return cli_usage_error("up", "--rekey-alert must be 1-1000");
			break;
		case 'h':
			usage_up(stdout);
			return PQTUN_EXIT_OK;
		default:
			return cli_usage_error("up", "unknown option");
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("up", "expected one CONFIG_FILE or INTERFACE");

	char path[4096], iface[16], err[512];
	struct pqtun_tunconf conf;
	if (pqtun_tunconf_locate(argv[optind], path, sizeof(path), iface, err, sizeof(err)) < 0)
		return cli_usage_error("up", "%s", err);
	if (pqtun_tunconf_load(&conf, path, iface, err, sizeof(err)) < 0)
		return cli_failure("up", "%s", err);
	if (geteuid() != 0) {
		pqtun_tunconf_free(&conf);
		return cli_failure("up", "must be run as root (needs CAP_NET_ADMIN)");
	}
	/* Like wg-quick, show what is done unless -q was given. */
	if (pqtun_log_get_level() == PQTUN_LOG_WARN)
		pqtun_log_set_level(PQTUN_LOG_INFO);
	if (rekey >= 0)
		conf.rekey_interval = (unsigned)rekey;
	if (kem_list[0])
		snprintf(conf.kems, sizeof(conf.kems), "%s", kem_list);
	if (conf.rekey_interval && !conf.post_quantum) {
		pqtun_tunconf_free(&conf);
		return cli_usage_error("up", "PSK rotation needs PostQuantum = true");
	}
	if (conf.rekey_interval && pqtun_rekey_scale_from_env() < 0) {
		pqtun_tunconf_free(&conf);
		return cli_usage_error("up", "%s must be a number in (0, 1] (tests only)", PQTUN_REKEY_SCALE_ENV);
	}
	catch_interrupts(iface);
	int rc = pqtun_tunnel_up(&conf, &o, err, sizeof(err));
	unsigned interval = conf.rekey_interval;
	pqtun_tunconf_free(&conf);
	if (rc < 0)
		return cli_failure("up", "%s", err);
	if (interval && pqtun_rekey_spawn(iface, interval, rekey_alert, err, sizeof(err)) < 0) {
		/* Asked for rotation but cannot have it: do not leave a tunnel
		 * that silently keeps one PSK forever. */
		char derr[256];
		pqtun_tunnel_down(iface, derr, sizeof(derr));
		return cli_failure("up", "cannot start PSK rotation: %s; the tunnel was taken down", err);
	}
	return PQTUN_EXIT_OK;
}
