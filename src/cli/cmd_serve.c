/* pqtun serve: run the relay's config service (gRPC RegisterPeerV1).
 * Standalone mode prints every exchange, PSK included, for testing.
 * Once the socket is bound and the WireGuard interface checked, and before
 * any thread starts or the relay state file is touched, the process drops
 * to an unprivileged user and the capabilities its backend needs. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/capability.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/commands.h"
#include "pqtun/exchange.h"
#include "pqtun/kem.h"
#include "relay/uapi_broker.h"
#include "relay/wg_relay.h"
#include "util/encoding.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/privdrop.h"
#include "wg/backend.h"

/* The user a root-started `pqtun serve` becomes when no --user is given. */
#define SERVE_DEFAULT_USER "pqtun"

void usage_serve(FILE *out)
{
	fprintf(out,
		"Usage: pqtun serve --listen HOST:PORT [--json] [options]\n"
		"       pqtun serve --interface IFACE [--listen HOST:PORT] [options]\n"
		"\n"
		"Run the ephemeral-peer config service (gRPC over HTTP/2 cleartext,\n"
		"ephemeralpeer.EphemeralPeer/RegisterPeerV1): encapsulates to the client's\n"
		"ML-KEM-1024 / HQC-256 keys and derives the same PSK as the client.\n"
		"\n"
		"Standalone mode (no WireGuard) prints one line per exchange to stdout,\n"
		"INCLUDING THE PSK: it is meant for testing the protocol only. Rejected\n"
		"requests are logged to stderr with the reason. SIGINT/SIGTERM stop it.\n"
		"\n"
		"Relay mode (--interface) loads each ephemeral peer with its PSK into the\n"
		"WireGuard interface IFACE (kernel or userspace), accepts a request only\n"
		"from inside the tunnel of the peer it is for, moves the peer's allowed IPs\n"
		"to the ephemeral peer as soon as the response has been sent (back to the\n"
		"normal peer when it handshakes again, or after 2 s without an ephemeral\n"
		"handshake), and never logs PSKs.\n"
		"Default listen address: IFACE's first IPv4 address, port 1337.\n"
		"\n"
		"Options:\n"
		"  -i, --interface IFACE       relay mode on this WireGuard interface\n"
		"      --state FILE            relay mode state (default /var/lib/pqtun/IFACE.state)\n"
		"      --ephemeral-timeout S   remove ephemeral peers unused for S seconds (default 300)\n"
		"  -l, --listen HOST:PORT      address to listen on ([V6]:PORT for IPv6, port 0 = any)\n"
		"      --json                  one JSON line per exchange:\n"
		"                              {\"parent\":..,\"ephemeral\":..,\"kems\":[..],\"psk\":..}\n"
		"      --workers N             KEM worker threads (default: one per CPU)\n"
		"      --max-connections N     concurrent connections (default 1024)\n"
		"      --max-streams N         concurrent requests per connection (default 16)\n"
		"      --max-message-size B    largest request message in bytes (default 1048576)\n"
		"      --read-timeout SECONDS  a request must arrive within this (default 10)\n"
		"      --idle-timeout SECONDS  close idle connections after this (default 60)\n"
		"      --daita-machine STRING  DAITA machine handed to clients asking for DAITA\n"
		"                              (repeatable, up to 16; default: built-in test machines)\n"
		"      --daita-max-padding F   DAITA max_padding_frac, 0..1 (default 0.5)\n"
		"      --daita-max-blocking F  DAITA max_blocking_frac, 0..1 (default 0.5)\n"
		"      --disable-kem NAME      answer UNIMPLEMENTED for this KEM even if built in\n"
		"                              (e.g. Classic-McEliece-460896f-round3; repeatable)\n"
		"  -u, --user USER             after binding and checking the interface, run as USER\n"
		"                              (default when started as root: user '" SERVE_DEFAULT_USER "' if it\n"
		"                              exists, else stay uid 0 with capabilities dropped)\n"
		"      --group GROUP           primary group instead of USER's (needs --user)\n"
		"      --no-drop               keep every privilege (debugging only)\n"
		"  -h, --help                  this help\n"
		"\n"
		"Privileges: before any thread starts, serve switches uid/gid/groups, keeps\n"
		"no capability (relay mode on kernel WireGuard: CAP_NET_ADMIN only; on\n"
		"userspace WireGuard a capability-less uid-0 helper process opens the UAPI\n"
		"socket), clears the bounding, inheritable and ambient sets, and sets\n"
		"no_new_privs and non-dumpable. The default state directory is given to\n"
		"USER; a --state file's directory must be writable by USER.\n");
}

struct standalone_printer {
	pthread_mutex_t lock;
	int json;
};

/* register_peer of standalone mode: print the exchange (one line). */
static int standalone_register(void *ctx, const struct sockaddr *peer, socklen_t peer_len,
			       const uint8_t parent[32], const uint8_t eph[32], const uint8_t *psk,
			       const char *const *kem_names, size_t n_kems, int daita, char *msg, size_t msg_len)
{
	struct standalone_printer *p = ctx;
	char parent64[PQTUN_KEY_B64_LEN + 1], eph64[PQTUN_KEY_B64_LEN + 1], psk64[PQTUN_KEY_B64_LEN + 1];
	(void)peer;
	(void)peer_len;
	(void)msg;
	(void)msg_len;
	pqtun_key_to_base64(parent64, parent);
	pqtun_key_to_base64(eph64, eph);
	if (psk)
		pqtun_key_to_base64(psk64, psk);
	pthread_mutex_lock(&p->lock);
	if (p->json) {
		printf("{\"parent\":\"%s\",\"ephemeral\":\"%s\",\"kems\":[", parent64, eph64);
		for (size_t i = 0; i < n_kems; i++)
			printf("%s\"%s\"", i ? "," : "", kem_names[i]);
		printf("],\"psk\":");
		if (psk)
			printf("\"%s\"", psk64);
		else
			printf("null");
		printf("}\n"); /* exactly the documented fields */
	} else {
		printf("parent=%s ephemeral=%s kems=", parent64, eph64);
		for (size_t i = 0; i < n_kems; i++)
			printf("%s%s", i ? "," : "", kem_names[i]);
		printf("%s psk=%s%s\n", n_kems ? "" : "none", psk ? psk64 : "none", daita ? " daita" : "");
	}
	fflush(stdout);
	pthread_mutex_unlock(&p->lock);
	pqtun_memzero(psk64, sizeof(psk64));
	return 0;
}

static struct pqtun_relay *running_relay;

/* One line at shutdown: exchanges served and the process's CPU time per
 * exchange next to the part spent in KEM encapsulation (read by
 * `pqtun bench exchange`). */
static void print_summary(const struct pqtun_relay *relay)
{
	struct pqtun_relay_stats st;
	struct rusage ru;
	pqtun_relay_get_stats(relay, &st);
	if (getrusage(RUSAGE_SELF, &ru) != 0 || pqtun_log_get_level() < PQTUN_LOG_WARN)
		return;
	double cpu_us = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
			(double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
	double sys_us = (double)ru.ru_stime.tv_sec * 1e6 + (double)ru.ru_stime.tv_usec;
	uint64_t n = st.exchanges_ok + st.exchanges_failed;
	fprintf(stderr, "pqtun serve: stopped: %llu exchanges ok, %llu failed, %llu connections",
		(unsigned long long)st.exchanges_ok, (unsigned long long)st.exchanges_failed,
		(unsigned long long)st.connections_accepted);
	if (n)
		fprintf(stderr, "; CPU %.1f us/exchange (%.1f system), KEM encaps %.1f us/exchange",
			cpu_us / (double)n, sys_us / (double)n, (double)st.kem_cpu_ns / 1000.0 / (double)n);
	fprintf(stderr, "\n");
}

static void on_stop_signal(int sig)
{
	(void)sig;
	if (running_relay)
		pqtun_relay_stop(running_relay);
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || end == s || s[0] == '-' || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_seconds_ms(const char *s, unsigned *ms)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || end == s || !(v > 0) || v > 86400)
		return -1;
	*ms = (unsigned)(v * 1000.0 + 0.5);
	if (!*ms)
		*ms = 1;
	return 0;
}

/* Relay mode with the default state file: make /var/lib/pqtun (created if
 * missing) and ifname's state file in it belong to the user we drop to, as
 * systemd's StateDirectory= does for User= (a unit without User= hands the
 * directory, recursively, back to root on every start). A --state file's
 * directory is the admin's to prepare. 0 or -1 with err. */
static int serve_prepare_state_dir(const struct pqtun_privdrop *drop, const char *ifname, char *err, size_t errlen)
{
	struct stat st;
	char file[sizeof(PQTUN_WG_RELAY_STATE_DIR) + 32];
	if (mkdir(PQTUN_WG_RELAY_STATE_DIR, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", PQTUN_WG_RELAY_STATE_DIR, strerror(errno));
		return -1;
	}
	if (lstat(PQTUN_WG_RELAY_STATE_DIR, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is not a directory", PQTUN_WG_RELAY_STATE_DIR);
		return -1;
	}
	if (st.st_uid == drop->uid && st.st_gid == drop->gid)
		return 0;
	/* the file first: once the directory is the user's, root may not enter it */
	snprintf(file, sizeof(file), "%s/%s.state", PQTUN_WG_RELAY_STATE_DIR, ifname);
	if (lchown(file, drop->uid, drop->gid) != 0 && errno != ENOENT) {
		snprintf(err, errlen, "cannot give %s to uid %u: %s", file, (unsigned)drop->uid, strerror(errno));
		return -1;
	}
	if (chown(PQTUN_WG_RELAY_STATE_DIR, drop->uid, drop->gid) != 0) {
		snprintf(err, errlen, "cannot give %s to uid %u: %s", PQTUN_WG_RELAY_STATE_DIR, (unsigned)drop->uid,
			 strerror(errno));
		return -1;
	}
	return 0;
}

/* Drop privileges for the rest of the process's life (no thread may be
 * running): relay mode on kernel WireGuard keeps CAP_NET_ADMIN (netlink);
 * on userspace WireGuard, when the uid changes away from 0, a broker
 * process opens root's UAPI socket; then check that the interface is still
 * readable. user names the new user (NULL: ids kept). 0 or -1 with err. */
static int serve_drop(struct pqtun_privdrop *drop, const char *user, const char *ifname, char *err, size_t errlen)
{
	char why[256];
	if (ifname) {
		enum pqtun_wg_backend_kind kind = pqtun_wg_backend_of(ifname);
		if (kind == PQTUN_WG_BACKEND_KERNEL)
			drop->keep_caps = PQTUN_PRIVDROP_CAP(CAP_NET_ADMIN);
		else if (kind == PQTUN_WG_BACKEND_UAPI && drop->change_ids && drop->uid != 0 && geteuid() == 0 &&
			 relay_uapi_broker_start(ifname, err, errlen) != 0)
			return -1;
	}
	if (pqtun_privdrop_apply(drop, why, sizeof(why)) != 0) {
		if (user)
			snprintf(err, errlen, "cannot drop privileges to user %s: %s", user, why);
		else
			snprintf(err, errlen, "cannot drop privileges: %s", why);
		return -1;
	}
	if (ifname) {
		struct pqtun_wg_device *dev = NULL;
		if (pqtun_wg_get_device(ifname, &dev, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "after dropping privileges: %s", why);
			return -1;
		}
		pqtun_wg_device_free(dev);
	}
	return 0;
}

/* After the drop: the directory of the relay state file (state_path, NULL
 * = the default directory) must let the user create and rename files.
 * 0, or -1 with err naming the directory and the user. */
static int serve_check_state_dir(const char *state_path, const char *user, char *err, size_t errlen)
{
	const char *dir = PQTUN_WG_RELAY_STATE_DIR;
	char *copy = NULL;
	if (state_path) {
		const char *slash = strrchr(state_path, '/');
		if (!slash)
			dir = ".";
		else if (slash == state_path)
			dir = "/";
		else if ((copy = strndup(state_path, (size_t)(slash - state_path))) != NULL)
			dir = copy;
		else
			return 0; /* out of memory: the first save will tell */
	}
	int rc = faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS);
	if (rc != 0)
		snprintf(err, errlen, "the relay state directory %s is not writable by user %s: %s", dir, user,
			 strerror(errno));
	free(copy);
	return rc != 0 ? -1 : 0;
}

/* One line on stderr: who the server runs as and what it kept. */
static void serve_report_privileges(const struct pqtun_privdrop *drop, const char *user, const char *default_user_err)
{
	char caps[256];
	pqtun_privdrop_caps_str(drop->keep_caps, caps, sizeof(caps));
	pid_t helper = relay_uapi_broker_pid();
	if (user)
		fprintf(stderr, "pqtun serve: running as user %s (uid %u, gid %u), capabilities: %s", user,
			(unsigned)drop->uid, (unsigned)drop->gid, caps);
	else
		fprintf(stderr, "pqtun serve: running as uid %u, capabilities: %s", (unsigned)getuid(), caps);
	if (helper)
		fprintf(stderr, ", UAPI socket opened by helper process %ld", (long)helper);
	if (!user && getuid() == 0)
		fprintf(stderr, " (warning: %s; create it or give --user USER)",
			default_user_err[0] ? default_user_err : "no user to switch to");
	fprintf(stderr, "\n");
}

int cmd_serve(int argc, char **argv)
{
	enum { OPT_JSON = 256, OPT_WORKERS, OPT_MAXCONN, OPT_MAXSTREAMS, OPT_MAXMSG, OPT_READTO, OPT_IDLETO,
	       OPT_STATE, OPT_EPH_TIMEOUT, OPT_DAITA_MACHINE, OPT_DAITA_PADDING, OPT_DAITA_BLOCKING,
	       OPT_DISABLE_KEM, OPT_GROUP, OPT_NO_DROP };
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "workers", required_argument, NULL, OPT_WORKERS },
		{ "max-connections", required_argument, NULL, OPT_MAXCONN },
		{ "max-streams", required_argument, NULL, OPT_MAXSTREAMS },
		{ "max-message-size", required_argument, NULL, OPT_MAXMSG },
		{ "read-timeout", required_argument, NULL, OPT_READTO },
		{ "idle-timeout", required_argument, NULL, OPT_IDLETO },
		{ "daita-machine", required_argument, NULL, OPT_DAITA_MACHINE },
		{ "daita-max-padding", required_argument, NULL, OPT_DAITA_PADDING },
		{ "daita-max-blocking", required_argument, NULL, OPT_DAITA_BLOCKING },
		{ "disable-kem", required_argument, NULL, OPT_DISABLE_KEM },
		{ "interface", required_argument, NULL, 'i' },
		{ "state", required_argument, NULL, OPT_STATE },
		{ "ephemeral-timeout", required_argument, NULL, OPT_EPH_TIMEOUT },
		{ "user", required_argument, NULL, 'u' },
		{ "group", required_argument, NULL, OPT_GROUP },
		{ "no-drop", no_argument, NULL, OPT_NO_DROP },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pqtun_relay_config cfg = { 0 };
	struct standalone_printer printer = { .json = 0 };
	struct pqtun_wg_relay_options wgo = { 0 };
	const char *machines[16];
	const char *disabled_kems[8];
	double daita_padding = 0.5, daita_blocking = 0.5;
	const char *user = NULL, *group = NULL;
	int no_drop = 0;
	unsigned long v;
	int c;

	while ((c = getopt_long(argc, argv, "l:i:u:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'l': cfg.listen = optarg; break;
		case 'u': user = optarg; break;
		case OPT_GROUP: group = optarg; break;
		case OPT_NO_DROP: no_drop = 1; break;
		case 'i': wgo.ifname = optarg; break;
		case OPT_STATE: wgo.state_path = optarg; break;
		case OPT_EPH_TIMEOUT:
			if (parse_uint(optarg, 30u * 86400u, &v) || v == 0)
				return cli_usage_error("serve", "invalid --ephemeral-timeout '%s' (seconds)", optarg);
			wgo.expire_s = (unsigned)v;
			break;
		case OPT_JSON: printer.json = 1; break;
		case OPT_WORKERS:
			if (parse_uint(optarg, 256, &v) || v == 0)
				return cli_usage_error("serve", "invalid --workers '%s' (1..256)", optarg);
			cfg.workers = (unsigned)v;
			break;
		case OPT_MAXCONN:
			if (parse_uint(optarg, 1000000, &v) || v == 0)
				return cli_usage_error("serve", "invalid --max-connections '%s'", optarg);
			cfg.max_connections = (unsigned)v;
			break;
		case OPT_MAXSTREAMS:
			if (parse_uint(optarg, 1000, &v) || v == 0)
				return cli_usage_error("serve", "invalid --max-streams '%s' (1..1000)", optarg);
			cfg.max_streams = (unsigned)v;
			break;
		case OPT_MAXMSG:
			if (parse_uint(optarg, 1ul << 30, &v) || v < 1024)
				return cli_usage_error("serve", "invalid --max-message-size '%s' (1024..2^30)", optarg);
			cfg.max_message_size = v;
			break;
		case OPT_READTO:
			if (parse_seconds_ms(optarg, &cfg.read_timeout_ms))
				return cli_usage_error("serve", "invalid --read-timeout '%s'", optarg);
			break;
		case OPT_IDLETO:
			if (parse_seconds_ms(optarg, &cfg.idle_timeout_ms))
				return cli_usage_error("serve", "invalid --idle-timeout '%s'", optarg);
			break;
		case OPT_DAITA_MACHINE:
			if (cfg.daita.n_machines >= 16)
				return cli_usage_error("serve", "at most 16 --daita-machine options");
			machines[cfg.daita.n_machines++] = optarg;
			break;
		case OPT_DISABLE_KEM:
			if (cfg.n_disabled_kems >= 8)
				return cli_usage_error("serve", "at most 8 --disable-kem options");
			if (!pqtun_kem_find(optarg))
				return cli_usage_error("serve", "--disable-kem: unknown KEM '%s'", optarg);
			disabled_kems[cfg.n_disabled_kems++] = optarg;
			break;
		case OPT_DAITA_PADDING:
		case OPT_DAITA_BLOCKING: {
			char *end;
			double f = strtod(optarg, &end);
			if (*end || end == optarg || !(f >= 0.0 && f <= 1.0))
				return cli_usage_error("serve", "invalid DAITA fraction '%s' (0..1)", optarg);
			*(c == OPT_DAITA_PADDING ? &daita_padding : &daita_blocking) = f;
			break;
		}
		case 'h': usage_serve(stdout); return PQTUN_EXIT_OK;
		default: return cli_usage_error("serve", "invalid option");
		}
	}
	if (optind != argc)
		return cli_usage_error("serve", "unexpected argument '%s'", argv[optind]);
	if (group && !user)
		return cli_usage_error("serve", "--group needs --user");
	if (no_drop && user)
		return cli_usage_error("serve", "--no-drop and --user exclude each other");
	char listen_buf[64], wgerr[512];
	struct pqtun_wg_relay *wgrelay = NULL;
	if ((wgo.state_path || wgo.expire_s) && !wgo.ifname)
		return cli_usage_error("serve", "--state and --ephemeral-timeout need --interface");
	if (wgo.ifname && !cfg.listen) {
		if (pqtun_wg_relay_default_listen(wgo.ifname, listen_buf, sizeof(listen_buf), wgerr, sizeof(wgerr)))
			return cli_failure("serve", "%s", wgerr);
		cfg.listen = listen_buf;
	}
	if (!cfg.listen)
		return cli_usage_error("serve", "--listen HOST:PORT is required");
	if (cfg.daita.n_machines == 0 && (daita_padding != 0.5 || daita_blocking != 0.5))
		return cli_usage_error("serve", "DAITA fractions need at least one --daita-machine");
	cfg.daita.machines = machines;
	cfg.disabled_kems = disabled_kems;
	cfg.daita.max_padding_frac = daita_padding;
	cfg.daita.max_blocking_frac = daita_blocking;

	/* Who we become, looked up first: a wrong name fails before anything starts. */
	struct pqtun_privdrop drop = { 0 };
	const char *drop_user = NULL; /* name we switch to; NULL = ids kept */
	char default_user_err[256] = "";
	if (user) {
		if (pqtun_privdrop_for_user(&drop, user, group, wgerr, sizeof(wgerr)) != 0)
			return cli_failure("serve", "%s", wgerr);
		drop_user = user;
	} else if (!no_drop && geteuid() == 0) {
		if (pqtun_privdrop_for_user(&drop, SERVE_DEFAULT_USER, NULL, default_user_err,
					    sizeof(default_user_err)) == 0)
			drop_user = SERVE_DEFAULT_USER;
	}
	if (wgo.ifname && pqtun_wg_relay_create(&wgrelay, &wgo, wgerr, sizeof(wgerr)) != 0) {
		pqtun_privdrop_free(&drop);
		return cli_failure("serve", "%s", wgerr);
	}
	/* (after create: the interface name is checked) */
	if (wgrelay && !wgo.state_path && drop.change_ids &&
	    serve_prepare_state_dir(&drop, wgo.ifname, wgerr, sizeof(wgerr)) != 0) {
		pqtun_wg_relay_free(wgrelay);
		pqtun_privdrop_free(&drop);
		return cli_failure("serve", "%s", wgerr);
	}

	/* Policy: relay mode (--interface, WireGuard) sets cfg.policy from the
	 * WireGuard backend here; without it we run standalone and print. */
	if (pthread_mutex_init(&printer.lock, NULL) != 0) {
		pqtun_wg_relay_free(wgrelay);
		pqtun_privdrop_free(&drop);
		return cli_failure("serve", "out of memory");
	}
	cfg.policy.ctx = &printer;
	cfg.policy.register_peer = standalone_register;
	if (wgrelay)
		pqtun_wg_relay_policy(wgrelay, &cfg.policy); /* released by pqtun_relay_destroy */

	pqtun_log_set_timestamps(1);
	struct pqtun_relay *relay;
	int rc = pqtun_relay_create(&relay, &cfg);
	if (rc != 0) {
		int saved = errno;
		pthread_mutex_destroy(&printer.lock);
		pqtun_wg_relay_free(wgrelay);
		pqtun_privdrop_free(&drop);
		if (rc == PQTUN_RELAY_SOCKET)
			return cli_failure("serve", "cannot listen on %s: %s", cfg.listen, strerror(saved));
		if (rc == PQTUN_RELAY_BAD_CONFIG)
			return cli_usage_error("serve", "invalid --listen address '%s' (HOST:PORT)", cfg.listen);
		return cli_failure("serve", "%s", pqtun_relay_strerror(rc));
	}

	/* Socket bound, interface checked, no thread running yet: drop. The
	 * state file is read and written only with the credentials kept. */
	if (!no_drop && serve_drop(&drop, drop_user, wgo.ifname, wgerr, sizeof(wgerr)) != 0) {
		pqtun_relay_destroy(relay);
		relay_uapi_broker_stop();
		pthread_mutex_destroy(&printer.lock);
		pqtun_privdrop_free(&drop);
		return cli_failure("serve", "%s", wgerr);
	}
	if (wgrelay && drop_user && !no_drop &&
	    serve_check_state_dir(wgo.state_path, drop_user, wgerr, sizeof(wgerr)) != 0) {
		pqtun_relay_destroy(relay);
		relay_uapi_broker_stop();
		pthread_mutex_destroy(&printer.lock);
		pqtun_privdrop_free(&drop);
		return cli_failure("serve", "%s", wgerr);
	}
	if (wgrelay && (rc = pqtun_wg_relay_start(wgrelay, wgerr, sizeof(wgerr))) != 0) {
		pqtun_relay_destroy(relay);
		relay_uapi_broker_stop();
		pthread_mutex_destroy(&printer.lock);
		if (rc == PQTUN_WG_RELAY_UNWRITABLE && drop_user)
			cli_failure("serve", "%s (the state file's directory must be writable by user %s)", wgerr,
				    drop_user);
		else
			cli_failure("serve", "%s", wgerr);
		pqtun_privdrop_free(&drop);
		return PQTUN_EXIT_FAILURE;
	}

	running_relay = relay;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (wgrelay)
		fprintf(stderr, "pqtun serve: listening on %s (port %u), relay mode on %s\n", cfg.listen,
			pqtun_relay_port(relay), wgo.ifname);
	else if (pqtun_log_get_level() >= PQTUN_LOG_WARN)
		fprintf(stderr, "pqtun serve: listening on %s (port %u), standalone mode: PSKs are printed (testing only)\n",
			cfg.listen, pqtun_relay_port(relay));
	if (!no_drop && pqtun_log_get_level() >= PQTUN_LOG_WARN)
		serve_report_privileges(&drop, drop_user, default_user_err);
	pqtun_privdrop_free(&drop);

	rc = pqtun_relay_run(relay);
	running_relay = NULL;
	print_summary(relay);
	pqtun_relay_destroy(relay);
	relay_uapi_broker_stop();
	pthread_mutex_destroy(&printer.lock);
	if (rc != 0)
		return cli_failure("serve", "%s", pqtun_relay_strerror(rc));
	return PQTUN_EXIT_OK;
}
