/* pqtun status: the post-quantum state of tunnels brought up by pqtun,
 * from the state file and the live WireGuard device. */
#include <getopt.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "cli/commands.h"
#include "tunnel/ifname.h"
#include "tunnel/netcfg.h"
#include "tunnel/rekey.h"
#include "tunnel/state.h"
#include "tunnel/wgctl.h"
#include "util/encoding.h"

void usage_status(FILE *out)
{
	fprintf(out,
		"Usage: pqtun status [--json] [INTERFACE]\n"
		"\n"
		"For each tunnel brought up by 'pqtun up' (or just INTERFACE): its phase,\n"
		"and per hop the relay, whether a post-quantum PSK is in use (checked on\n"
		"the live WireGuard device), the KEMs, when it was negotiated, the number\n"
		"of exchange attempts and the last error; with PSK rotation (RekeyInterval,\n"
		"--rekey, pqtun rekey) the age of each hop's PSK, its rotations, the next\n"
		"rotation and failed rotations.\n"
		"  --json   one JSON object per interface\n");
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static void time_text(char *out, size_t n, int64_t t)
{
	if (t <= 0) {
		snprintf(out, n, "never");
		return;
	}
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* "in 12 s (2026-...)" / "-" when no rotation is planned. */
static void next_text(char *out, size_t n, const struct pqtun_state *st, int running, int64_t now)
{
	char when[64];
	if (!running || st->next_rekey <= 0) {
		snprintf(out, n, "%s", st->rekey_interval ? "- (rotation process not running)" : "- (rotation off)");
		return;
	}
	time_text(when, sizeof(when), st->next_rekey);
	int64_t left = st->next_rekey - now;
	snprintf(out, n, "in %lld s (%s)", (long long)(left < 0 ? 0 : left), when);
}

struct ctx {
	int json;
	int count;
	int failed;
};

static void show(const char *iface, void *vctx)
{
	struct ctx *c = vctx;
	struct pqtun_state st;
	int ls = pqtun_state_load(&st, iface);
	if (ls != 0) {
		fprintf(stderr, "pqtun status: %s: %s\n", iface, ls == 1 ? "not brought up by pqtun" : "unreadable state");
		c->failed = 1;
		return;
	}
	int live = pqtun_net_link_exists(iface);
	uint8_t keys[PQTUN_STATE_MAX_HOPS][32];
	int has_psk[PQTUN_STATE_MAX_HOPS];
	int64_t hs[PQTUN_STATE_MAX_HOPS];
	for (size_t i = 0; i < st.n_hops; i++)
		if (pqtun_key_from_base64(keys[i], st.hops[i].relay_key) < 0)
			memset(keys[i], 0, 32);
	if (!live || pqtun_wgctl_peer_info(iface, (const uint8_t (*)[32])keys, st.n_hops, has_psk, hs) < 0)
		for (size_t i = 0; i < st.n_hops; i++)
			has_psk[i] = -1, hs[i] = 0;

	int64_t now = (int64_t)time(NULL);
	int running = pqtun_rekey_alive(st.rekey_pid);
	int alarm = st.rekey_failures && st.rekey_failures >= (st.rekey_alert ? st.rekey_alert : 3);
	if (c->json) {
		printf("{\"interface\":");
		json_str(iface);
		printf(",\"phase\":");
		json_str(st.phase);
		printf(",\"present\":%s,\"implementation\":", live ? "true" : "false");
		json_str(st.implementation);
		printf(",\"ephemeral_public_key\":");
		json_str(st.ephemeral_key);
		printf(",\"hops\":[");
		for (size_t i = 0; i < st.n_hops; i++) {
			const struct pqtun_hop_status *h = &st.hops[i];
			printf("%s{\"role\":", i ? "," : "");
			json_str(h->role);
			printf(",\"relay\":");
			json_str(h->relay);
			printf(",\"relay_public_key\":");
			json_str(h->relay_key);
			printf(",\"post_quantum\":%s,\"psk_on_device\":%s,\"kems\":",
			       h->post_quantum && has_psk[i] == 1 ? "true" : "false",
			       has_psk[i] < 0 ? "null" : has_psk[i] ? "true" : "false");
			json_str(h->kems);
			printf(",\"negotiated\":%lld,\"attempts\":%u,\"latest_handshake\":%lld,\"daita\":%s,\"last_error\":",
			       (long long)h->negotiated, h->attempts, (long long)hs[i], h->daita ? "true" : "false");
			json_str(h->last_error);
			printf(",\"psk_age\":%lld,\"rotations\":%u,\"next_rotation\":%lld}",
			       h->negotiated > 0 ? (long long)(now - h->negotiated) : -1LL, h->rotations,
			       running ? (long long)st.next_rekey : 0LL);
		}
		printf("],\"rekey\":{\"interval\":%u,\"running\":%s,\"pid\":%ld,\"next\":%lld,\"failures\":%u,"
		       "\"failing\":%s,\"last_error\":",
		       st.rekey_interval, running ? "true" : "false", running ? st.rekey_pid : 0L,
		       running ? (long long)st.next_rekey : 0LL, st.rekey_failures, alarm ? "true" : "false");
		json_str(st.rekey_error);
		printf("}}\n");
	} else {
		printf("%sinterface: %s\n  phase: %s%s\n  implementation: %s\n", c->count ? "\n" : "", iface, st.phase,
		       live ? "" : " (interface missing)", st.implementation);
		if (st.ephemeral_key[0])
			printf("  ephemeral public key: %s\n", st.ephemeral_key);
		if (st.rekey_interval || st.rekey_failures) {
			printf("  psk rotation: every %u s (+-10%%), %s\n", st.rekey_interval,
			       running ? "running" : "process NOT running");
			if (st.rekey_failures)
				printf("  %s: %u failed rotation(s) in a row; last: %s\n",
				       alarm ? "ROTATION FAILING" : "rotation retrying", st.rekey_failures, st.rekey_error);
		}
		for (size_t i = 0; i < st.n_hops; i++) {
			const struct pqtun_hop_status *h = &st.hops[i];
			char when[64], hst[64];
			time_text(when, sizeof(when), h->negotiated);
			time_text(hst, sizeof(hst), hs[i]);
			printf("\n  hop: %s\n    relay: %s (%s)\n", h->role, h->relay, h->relay_key);
			printf("    post-quantum psk: %s\n",
			       h->post_quantum && has_psk[i] == 1 ? "in use"
			       : h->post_quantum ? "negotiated, but not on the device"
						 : "no");
			printf("    kems: %s\n    negotiated: %s\n    attempts: %u\n    latest handshake: %s\n",
			       h->kems[0] ? h->kems : "-", when, h->attempts, hst);
			if (h->daita)
				printf("    daita: settings received (not applied by this backend)\n");
			if (h->negotiated > 0)
				printf("    psk age: %lld s (%u rotation%s)\n", (long long)(now - h->negotiated), h->rotations,
				       h->rotations == 1 ? "" : "s");
			char nxt[128];
			next_text(nxt, sizeof(nxt), &st, running, now);
			printf("    next rotation: %s\n", nxt);
			printf("    last error: %s\n", h->last_error[0] ? h->last_error : "-");
		}
	}
	c->count++;
	pqtun_state_free(&st);
}

int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctx c = { 0, 0, 0 };
	int ch;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (ch == 'j')
			c.json = 1;
		else if (ch == 'h') {
			usage_status(stdout);
			return PQTUN_EXIT_OK;
		} else
			return cli_usage_error("status", "unknown option");
	}
	if (argc - optind > 1)
		return cli_usage_error("status", "at most one INTERFACE");
	if (optind < argc) {
		if (!pqtun_ifname_valid(argv[optind]))
			return cli_usage_error("status", "'%s' is not an interface name", argv[optind]);
		show(argv[optind], &c);
		return c.failed ? PQTUN_EXIT_FAILURE : PQTUN_EXIT_OK;
	}
	pqtun_state_list(show, &c);
	if (c.count == 0 && !c.json)
		printf("no tunnels brought up by pqtun\n");
	return c.failed ? PQTUN_EXIT_FAILURE : PQTUN_EXIT_OK;
}
