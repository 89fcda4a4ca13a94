#define _GNU_SOURCE
#include "tunnel/bringup.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pqtun/exchange.h"
#include "pqtun/wgkey.h"
#include "tunnel/exec.h"
#include "tunnel/firewall.h"
#include "tunnel/netcfg.h"
#include "tunnel/rekey.h"
#include "tunnel/state.h"
#include "tunnel/wgctl.h"
#include "util/encoding.h"
#include "util/log.h"
#include "util/mem.h"

#define KEMS_DEFAULT "ML-KEM-1024,HQC-256"

unsigned pqtun_up_attempt_timeout_ms(unsigned attempt, double scale)
{
	unsigned ms = attempt >= 3 ? 48000 : 8000u << attempt;
	if (ms > 48000)
		ms = 48000;
	if (scale > 0) {
		double s = ms * scale;
		ms = s < 50 ? 50 : s > 600000 ? 600000 : (unsigned)s;
	}
	return ms;
}

/* Everything one bring-up needs; secrets live in `keys` (locked memory). */
struct secrets {
	uint8_t parent_priv[32];
	uint8_t eph_priv[32];
	uint8_t psk[2][32]; /* by hop index: single/entry = 0, exit = 1 */
};

struct run {
	struct pqtun_tunconf *conf;
	const struct pqtun_up_options *opt;
	struct pqtun_state st;
	struct secrets *keys;
	uint8_t parent_pub[32], eph_pub[32];
	uint32_t fwmark;
	struct pqtun_tunconf_peer *entry, *exit, *single;
	char *err;
	size_t errlen;
};

/* Replace %i by the interface name, as wg-quick does. */
static char *expand_hook(const char *cmd, const char *iface)
{
	size_t n = strlen(cmd), cap = n + 1, count = 0;
	for (const char *p = cmd; (p = strstr(p, "%i")); p += 2)
		count++;
	cap += count * strlen(iface);
	char *out = malloc(cap), *o = out;
	if (!out)
		return NULL;
	for (const char *p = cmd; *p;) {
		if (p[0] == '%' && p[1] == 'i') {
			o = stpcpy(o, iface);
			p += 2;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	return out;
}

static int run_hooks(char *const *hooks, size_t n, const char *iface, char *const env[], const char *what)
{
	for (size_t i = 0; i < n; i++) {
		char *cmd = expand_hook(hooks[i], iface);
		if (!cmd)
			return -1;
		log_info("[#] %s: %s", what, cmd);
		int rc = pqtun_run_shell(cmd, env);
		free(cmd);
		if (rc != 0) {
			log_warn("%s hook exited with status %d", what, rc);
			return -1;
		}
	}
	return 0;
}

static void sockaddr_text(char *out, size_t n, const struct sockaddr_storage *ss)
{
	char host[INET6_ADDRSTRLEN] = "";
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &s->sin_addr, host, sizeof(host));
		snprintf(out, n, "%s:%u", host, ntohs(s->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &s->sin6_addr, host, sizeof(host));
		snprintf(out, n, "[%s]:%u", host, ntohs(s->sin6_port));
	} else {
		snprintf(out, n, "(none)");
	}
}

/* The configuration-update hook point: the transport below the tunnel is
 * being reconfigured (the deployed client restarts its obfuscation layer
 * here). Hooks get the new parameters as PQTUN_* environment variables. */
static void config_update(struct run *r, const char *stage, int ephemeral)
{
	struct pqtun_tunconf *c = r->conf;
	if (c->n_config_update == 0 && !r->opt->update_hook)
		return;
	char e_iface[64], e_stage[64], e_pub[80], e_ep[320], e_entry[340], e_exit[340], e_port[64],
		e_pq[32], e_gw[128], tmp[300];
	char b64[45];
	snprintf(e_iface, sizeof(e_iface), "PQTUN_INTERFACE=%s", c->iface);
	snprintf(e_stage, sizeof(e_stage), "PQTUN_STAGE=%s", stage);
	pqtun_key_to_base64(b64, ephemeral ? r->eph_pub : r->parent_pub);
	snprintf(e_pub, sizeof(e_pub), "PQTUN_PUBLIC_KEY=%s", b64);
	const struct pqtun_tunconf_peer *outer = r->entry ? r->entry : r->single;
	sockaddr_text(tmp, sizeof(tmp), &outer->endpoint_addr);
	snprintf(e_ep, sizeof(e_ep), "PQTUN_ENDPOINT=%s", tmp);
	if (r->entry) {
		sockaddr_text(tmp, sizeof(tmp), &r->entry->endpoint_addr);
		snprintf(e_entry, sizeof(e_entry), "PQTUN_ENTRY_ENDPOINT=%s", tmp);
		sockaddr_text(tmp, sizeof(tmp), &r->exit->endpoint_addr);
		snprintf(e_exit, sizeof(e_exit), "PQTUN_EXIT_ENDPOINT=%s", tmp);
	} else {
		snprintf(e_entry, sizeof(e_entry), "PQTUN_ENTRY_ENDPOINT=");
		snprintf(e_exit, sizeof(e_exit), "PQTUN_EXIT_ENDPOINT=");
	}
	snprintf(e_port, sizeof(e_port), "PQTUN_LISTEN_PORT=%u", c->listen_port);
	int pq = ephemeral;
	for (size_t i = 0; i < r->st.n_hops; i++)
		pq &= r->st.hops[i].post_quantum;
	snprintf(e_pq, sizeof(e_pq), "PQTUN_POST_QUANTUM=%d", pq);
	snprintf(e_gw, sizeof(e_gw), "PQTUN_GATEWAY=%s:%u", c->gateway, c->config_port);
	char *env[] = { e_iface, e_stage, e_pub, e_ep, e_entry, e_exit, e_port, e_pq, e_gw, NULL };
	run_hooks(c->config_update, c->n_config_update, c->iface, env, "ConfigUpdate");
	if (r->opt->update_hook) {
		char *one[] = { (char *)r->opt->update_hook };
		run_hooks(one, 1, c->iface, env, "on-update");
	}
}

/* Allowed IPs of a peer plus up to two extra host prefixes. */
struct allowed_set {
	struct pqtun_cidr c[PQTUN_TUNCONF_MAX_LIST + 2];
	size_t n;
};

static void allowed_from(struct allowed_set *s, const struct pqtun_tunconf_peer *p)
{
	if (p->n_allowed)
		memcpy(s->c, p->allowed, p->n_allowed * sizeof(p->allowed[0]));
	s->n = p->n_allowed;
}

static void allowed_add_host(struct allowed_set *s, const struct sockaddr_storage *ss)
{
	struct pqtun_cidr h = { 0 };
	h.family = ss->ss_family;
	if (h.family == AF_INET) {
		memcpy(h.addr, &((const struct sockaddr_in *)ss)->sin_addr, 4);
		h.prefix = 32;
	} else {
		memcpy(h.addr, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
		h.prefix = 128;
	}
	for (size_t i = 0; i < s->n; i++)
		if (pqtun_cidr_equal(&s->c[i], &h))
			return;
	s->c[s->n++] = h;
}

enum wg_stage { WG_PARENT, WG_ENTRY_ONLY, WG_FINAL };

/* The PSK a peer gets in a stage: with the long-lived key the one from the
 * file (if any); with the ephemeral key the negotiated one, or none when
 * the relay registered the ephemeral peer without a PSK (PostQuantum =
 * false with Daita) - the file's PSK belongs to the long-lived peer. */
static const uint8_t *psk_for(struct run *r, enum wg_stage stage, int have_pq,
			      const struct pqtun_tunconf_peer *peer, int slot)
{
	if (stage == WG_FINAL)
		return have_pq ? r->keys->psk[slot] : NULL;
	return peer->has_psk ? peer->preshared_key : NULL;
}

/* Program WireGuard for a stage of the flow:
 *   WG_PARENT     long-lived key, all peers as configured (multihop: the
 *                 entry peer also carries the exit endpoint), config PSKs;
 *   WG_ENTRY_ONLY long-lived key, only the entry peer, plus Gateway/32 (§8.2);
 *   WG_FINAL      ephemeral key and the negotiated PSK(s) (§8.4 / §2.6). */
static int wg_apply(struct run *r, enum wg_stage stage, int have_pq)
{
	struct pqtun_wgctl_peer peers[2];
	struct allowed_set sets[2];
	size_t n = 0;
	const uint8_t *priv = stage == WG_FINAL ? r->keys->eph_priv : r->keys->parent_priv;

	if (r->single) {
		allowed_from(&sets[0], r->single);
		peers[n++] = (struct pqtun_wgctl_peer){ r->single, psk_for(r, stage, have_pq, r->single, 0),
			sets[0].c, sets[0].n };
	} else {
		allowed_from(&sets[0], r->entry);
		allowed_add_host(&sets[0], &r->exit->endpoint_addr);
		if (stage == WG_ENTRY_ONLY)
			allowed_add_host(&sets[0], &r->conf->gateway_addr);
		peers[n++] = (struct pqtun_wgctl_peer){ r->entry, psk_for(r, stage, have_pq, r->entry, 0),
			sets[0].c, sets[0].n };
		if (stage != WG_ENTRY_ONLY) {
			allowed_from(&sets[1], r->exit);
			peers[n++] = (struct pqtun_wgctl_peer){ r->exit, psk_for(r, stage, have_pq, r->exit, 1),
				sets[1].c, sets[1].n };
		}
	}
	return pqtun_wgctl_set(r->conf->iface, priv, r->conf->listen_port, r->fwmark, peers, n, r->err, r->errlen);
}

static struct pqtun_hop_status *hop_status(struct run *r, const struct pqtun_tunconf_peer *p)
{
	return &r->st.hops[p == r->exit ? 1 : 0];
}

/* One exchange with the config service at Gateway:ConfigPort over whatever
 * path the tunnel currently has. On success the PSK is in keys->psk[slot]. */
static int exchange_hop(struct run *r, const struct pqtun_tunconf_peer *peer, unsigned attempt, int *have_pq)
{
	struct pqtun_hop_status *h = hop_status(r, peer);
	struct pqtun_exchange_result res;
	struct pqtun_exchange_options eo = {
		.host = r->conf->gateway,
		.port = (uint16_t)r->conf->config_port,
		.timeout_ms = pqtun_up_attempt_timeout_ms(attempt, r->opt->timeout_scale),
		.post_quantum = r->conf->post_quantum,
		/* in multihop only the entry hop gets DAITA (§10) */
		.daita = r->conf->daita && peer != r->exit,
	};
	memset(&res, 0, sizeof(res));
	const char *kems[PQTUN_EXCHANGE_MAX_KEMS];
	if (r->conf->kems[0]) { /* checked when the config was loaded */
		if (pqtun_exchange_parse_kems(r->conf->kems, kems, &eo.n_kems, h->last_error,
					      sizeof(h->last_error)) != 0)
			return -1;
		eo.kems = kems;
	}
	h->attempts++;
	log_info("%s relay %s: exchange attempt %u/%u with %s:%u (timeout %u ms)", h->role, h->relay,
		 attempt + 1, r->opt->max_attempts, eo.host, eo.port, eo.timeout_ms);
	int rc = pqtun_exchange(&eo, r->parent_pub, r->eph_pub, &res);
	if (rc != 0) {
		if (rc == PQTUN_EX_RPC_STATUS)
			snprintf(h->last_error, sizeof(h->last_error), "attempt %u: %s: %s %.100s", attempt + 1,
				 pqtun_exchange_strerror(rc), pqtun_grpc_status_name(res.rpc_status), res.rpc_message + 0);
		else
			snprintf(h->last_error, sizeof(h->last_error), "attempt %u: %s", attempt + 1,
				 pqtun_exchange_strerror(rc));
		log_warn("%s relay %s: %s", h->role, h->relay, h->last_error);
		pqtun_exchange_result_clear(&res);
		pqtun_state_save(&r->st);
		return -1;
	}
	log_info("%s relay %s: %s in attempt %u (KEM key generation %llu us, request %zu B, response %zu B)",
		 h->role, h->relay, res.has_psk ? "post-quantum PSK negotiated" : "ephemeral peer registered",
		 attempt + 1, (unsigned long long)res.keygen_us, res.request_bytes, res.response_bytes);
	if (res.has_daita)
		log_warn("%s relay sent DAITA settings (%zu machines); this WireGuard backend cannot apply them",
			 h->role, res.daita.n_machines);
	memcpy(r->keys->psk[peer == r->exit ? 1 : 0], res.psk, 32);
	*have_pq = res.has_psk;
	h->daita = res.has_daita;
	snprintf(h->kems, sizeof(h->kems), "%s", res.has_psk ? (r->conf->kems[0] ? r->conf->kems : KEMS_DEFAULT) : "");
	h->last_error[0] = '\0';
	pqtun_exchange_result_clear(&res);
	return 0;
}

static void wipe_attempt(struct run *r)
{
	pqtun_memzero(r->keys->eph_priv, 32);
	pqtun_memzero(r->keys->psk, sizeof(r->keys->psk));
	memset(r->eph_pub, 0, 32);
}

static void mark_negotiated(struct run *r, const struct pqtun_tunconf_peer *p, int have_pq)
{
	struct pqtun_hop_status *h = hop_status(r, p);
	h->post_quantum = have_pq;
	h->negotiated = (int64_t)time(NULL);
}

/* One attempt of the whole flow. 0 on success (ephemeral config applied). */
static int attempt_once(struct run *r, unsigned attempt)
{
	int pq_a = 0, pq_b = 0;
	if (pqtun_wg_genkey(r->keys->eph_priv) < 0 || pqtun_wg_pubkey(r->eph_pub, r->keys->eph_priv) < 0) {
		snprintf(r->err, r->errlen, "cannot generate an ephemeral key");
		return -1;
	}
	if (r->single) {
		if (exchange_hop(r, r->single, attempt, &pq_a) < 0)
			return -1;
		if (wg_apply(r, WG_FINAL, pq_a) < 0)
			return -1;
		mark_negotiated(r, r->single, pq_a);
	} else {
		/* §8.1: exit first, over the full multihop path */
		if (exchange_hop(r, r->exit, attempt, &pq_b) < 0)
			return -1;
		/* §8.2: entry only, with Gateway/32 */
		if (wg_apply(r, WG_ENTRY_ONLY, 0) < 0)
			return -1;
		config_update(r, "entry-only", 0);
		/* §8.3: same ephemeral key with the entry relay */
		if (exchange_hop(r, r->entry, attempt, &pq_a) < 0)
			return -1;
		/* §8.4: final configuration */
		if (pq_a != pq_b) {
			snprintf(r->err, r->errlen, "only one of the two relays gave a post-quantum PSK");
			return -1;
		}
		if (wg_apply(r, WG_FINAL, pq_a) < 0)
			return -1;
		mark_negotiated(r, r->exit, pq_b);
		mark_negotiated(r, r->entry, pq_a);
	}
	pqtun_key_to_base64(r->st.ephemeral_key, r->eph_pub);
	return 0;
}

static int negotiate(struct run *r)
{
	struct pqtun_tunconf *c = r->conf;
	if (!c->post_quantum && !c->daita) {
		log_info("PostQuantum = false and Daita = false: no exchange, keeping the long-lived key");
		return 0;
	}
	for (unsigned attempt = 0; attempt < r->opt->max_attempts; attempt++) {
		if (attempt > 0) {
			/* Re-establish: drop the peers (ending their sessions) and
			 * put the long-lived configuration back; the relay then
			 * returns to the normal peer on the next handshake (§9). */
			log_info("re-establishing the tunnel with the long-lived key before attempt %u", attempt + 1);
			if (pqtun_wgctl_set(c->iface, r->keys->parent_priv, c->listen_port, r->fwmark, NULL, 0,
					    r->err, r->errlen) < 0 ||
			    wg_apply(r, WG_PARENT, 0) < 0) {
				wipe_attempt(r);
				return -1;
			}
			config_update(r, "retry", 0);
		}
		r->err[0] = '\0';
		int rc = attempt_once(r, attempt);
		if (rc == 0)
			return 0;
		if (r->err[0]) /* a local failure (exchange errors are logged already) */
			log_warn("attempt %u/%u: %s", attempt + 1, r->opt->max_attempts, r->err);
		wipe_attempt(r);
	}
	const struct pqtun_hop_status *h = &r->st.hops[r->exit && r->st.hops[1].last_error[0] ? 1 : 0];
	char last[256];
	snprintf(last, sizeof(last), "%s", h->last_error[0] ? h->last_error : r->err);
	snprintf(r->err, r->errlen, "no post-quantum configuration after %u attempts (last error: %s)",
		 r->opt->max_attempts, last);
	return -1;
}

static void fill_hop(struct pqtun_hop_status *h, const char *role, const struct pqtun_tunconf_peer *p)
{
	memset(h, 0, sizeof(*h));
	snprintf(h->role, sizeof(h->role), "%s", role);
	snprintf(h->relay, sizeof(h->relay), "%s", p->endpoint);
	pqtun_key_to_base64(h->relay_key, p->public_key);
}

static int collect_allow(struct run *r, struct pqtun_fw_allow *allow)
{
	size_t n = 0;
	allow[n].addr = r->conf->gateway_addr;
	allow[n++].proto = IPPROTO_TCP;
	if (r->exit) {
		allow[n].addr = r->exit->endpoint_addr;
		allow[n++].proto = IPPROTO_UDP;
	}
	return (int)n;
}

static int copy_hooks(char **dst, size_t *n, char *const *src, size_t m)
{
	for (size_t i = 0; i < m; i++) {
		if (*n >= PQTUN_STATE_MAX_HOOKS || !(dst[*n] = strdup(src[i])))
			return -1;
		(*n)++;
	}
	return 0;
}

int pqtun_tunnel_up(struct pqtun_tunconf *conf, const struct pqtun_up_options *opt_in,
		    char *err, size_t errlen)
{
	struct pqtun_up_options opt = *opt_in;
	struct run r;
	struct pqtun_state existing;
	int rc = -1;

	if (opt.max_attempts == 0)
		opt.max_attempts = PQTUN_UP_DEFAULT_ATTEMPTS;
	memset(&r, 0, sizeof(r));
	r.conf = conf;
	r.opt = &opt;
	r.err = err;
	r.errlen = errlen;
	r.entry = pqtun_tunconf_hop(conf, PQTUN_TUNHOP_ENTRY);
	r.exit = pqtun_tunconf_hop(conf, PQTUN_TUNHOP_EXIT);
	r.single = r.entry ? NULL : &conf->peers[0];

	/* Checks that change nothing. */
	if (pqtun_net_link_exists(conf->iface)) {
		snprintf(err, errlen, "interface %s already exists", conf->iface);
		return -1;
	}
	int ls = pqtun_state_load(&existing, conf->iface);
	if (ls == 0)
		pqtun_state_free(&existing);
	if (ls < 0) { /* e.g. the state directory is not a directory */
		snprintf(err, errlen, "cannot read state in %s: %s", pqtun_state_dir(), strerror(errno));
		return -1;
	}
	if (ls != 1) {
		char path[4200];
		pqtun_state_path(path, sizeof(path), conf->iface);
		snprintf(err, errlen, "%s exists: a previous 'pqtun up' did not finish; run 'pqtun down %s' first",
			 path, conf->iface);
		return -1;
	}
	if (pqtun_tunconf_resolve(conf, err, errlen) < 0)
		return -1;
	if (!pqtun_have_program("nft")) {
		snprintf(err, errlen, "nft (nftables) is needed for the negotiation firewall");
		return -1;
	}
	r.keys = pqtun_secure_alloc(sizeof(*r.keys));
	if (!r.keys) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(r.keys->parent_priv, conf->private_key, 32);
	pqtun_wg_pubkey(r.parent_pub, r.keys->parent_priv);

	/* State first, so that whatever happens next can be undone. */
	snprintf(r.st.iface, sizeof(r.st.iface), "%s", conf->iface);
	snprintf(r.st.config, sizeof(r.st.config), "%s", conf->path);
	r.st.pid = (long)getpid();
	snprintf(r.st.phase, sizeof(r.st.phase), "starting");
	snprintf(r.st.gateway, sizeof(r.st.gateway), "%s", conf->gateway);
	r.st.config_port = conf->config_port;
	r.st.daita = conf->daita;
	if (r.single) {
		fill_hop(&r.st.hops[0], "single", r.single);
		r.st.n_hops = 1;
	} else {
		fill_hop(&r.st.hops[0], "entry", r.entry);
		fill_hop(&r.st.hops[1], "exit", r.exit);
		r.st.n_hops = 2;
	}
	if (copy_hooks(r.st.pre_down, &r.st.n_pre_down, conf->pre_down, conf->n_pre_down) < 0 ||
	    copy_hooks(r.st.post_down, &r.st.n_post_down, conf->post_down, conf->n_post_down) < 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (run_hooks(conf->pre_up, conf->n_pre_up, conf->iface, NULL, "PreUp") < 0) {
		snprintf(err, errlen, "a PreUp command failed; nothing was set up");
		goto out;
	}
	if (pqtun_state_save(&r.st) < 0) {
		snprintf(err, errlen, "cannot write state in %s: %s", pqtun_state_dir(), strerror(errno));
		goto out;
	}

	/* restrict */
	if (pqtun_net_create_link(&r.st, conf->iface, opt.userspace, err, errlen) < 0)
		goto fail;
	struct pqtun_fw_allow allow[2];
	char table[PQTUN_FW_TABLE_MAX], undo[128];
	pqtun_fw_table_name(table, conf->iface);
	snprintf(undo, sizeof(undo), "nft delete table inet %s", table);
	if (pqtun_state_record(&r.st, undo, err, errlen) < 0)
		goto fail;
	log_info("[#] nft: restricting %s to TCP %s:%u%s while negotiating", conf->iface, conf->gateway,
		 conf->config_port, r.exit ? " and UDP to the exit relay" : "");
	if (pqtun_fw_restrict(conf->iface, allow, (size_t)collect_allow(&r, allow), err, errlen) < 0)
		goto fail;

	/* connect with the long-lived key */
	r.fwmark = conf->fwmark;
	uint32_t rt = pqtun_net_pick_table(conf);
	if (rt)
		r.fwmark = rt;
	if (wg_apply(&r, WG_PARENT, 0) < 0)
		goto fail;
	if (pqtun_net_configure(&r.st, conf, rt, err, errlen) < 0)
		goto fail;
	config_update(&r, "initial", 0);

	/* negotiate, apply */
	snprintf(r.st.phase, sizeof(r.st.phase), "negotiating");
	pqtun_state_save(&r.st);
	if (negotiate(&r) < 0)
		goto fail;

	/* lift */
	if (pqtun_fw_lift(conf->iface, err, errlen) < 0)
		goto fail;
	log_info("[#] nft: restriction on %s lifted", conf->iface);
	snprintf(r.st.phase, sizeof(r.st.phase), "up");
	pqtun_state_save(&r.st);
	config_update(&r, "final", 1);
	if (run_hooks(conf->post_up, conf->n_post_up, conf->iface, NULL, "PostUp") < 0) {
		snprintf(err, errlen, "a PostUp command failed");
		goto fail;
	}
	rc = 0;
	goto out;
fail:
	snprintf(r.st.phase, sizeof(r.st.phase), "failed");
	pqtun_state_save(&r.st);
	{
		char derr[256];
		log_info("undoing everything after the failure");
		pqtun_tunnel_down(conf->iface, derr, sizeof(derr));
	}
out:
	pqtun_state_free(&r.st);
	pqtun_secure_free(r.keys);
	return rc;
}

/* 1 if pid runs the same program as we do (so a recycled pid of some
 * unrelated process is never killed). */
static int is_pqtun_process(pid_t pid)
{
	char path[64], theirs[4096], ours[4096];
	snprintf(path, sizeof(path), "/proc/%ld/exe", (long)pid);
	ssize_t a = readlink(path, theirs, sizeof(theirs) - 1);
	ssize_t b = readlink("/proc/self/exe", ours, sizeof(ours) - 1);
	if (a <= 0 || b <= 0)
		return 0;
	theirs[a] = ours[b] = '\0';
	return strcmp(theirs, ours) == 0;
}

int pqtun_tunnel_down(const char *iface, char *err, size_t errlen)
{
	struct pqtun_state st;
	int ls = pqtun_state_load(&st, iface);
	if (ls < 0) {
		snprintf(err, errlen, "cannot read the state of %s", iface);
		return -1;
	}
	if (ls == 1) {
		/* No state: at most a forgotten firewall table can be ours. */
		int fw = pqtun_fw_present(iface);
		if (fw == 1)
			pqtun_fw_lift(iface, err, errlen);
		snprintf(err, errlen, "%s is not a tunnel brought up by pqtun (no state in %s)", iface, pqtun_state_dir());
		return 1;
	}
	/* An `up` still running (negotiating or retrying) must not continue.
	 * SIGKILL, because `up` answers SIGTERM by undoing the tunnel itself,
	 * which is what we are about to do. */
	if (st.pid > 0 && st.pid != (long)getpid() && strcmp(st.phase, "up") != 0 &&
	    kill((pid_t)st.pid, 0) == 0 && is_pqtun_process((pid_t)st.pid)) {
		log_info("stopping the 'pqtun up' process %ld", st.pid);
		kill((pid_t)st.pid, SIGKILL);
		for (int i = 0; i < 50 && kill((pid_t)st.pid, 0) == 0; i++)
			usleep(20000);
	}
	/* The rotation process must not reconfigure what we take down. */
	pqtun_rekey_stop(st.rekey_pid);
	run_hooks(st.pre_down, st.n_pre_down, iface, NULL, "PreDown");
	char ferr[256];
	if (pqtun_fw_lift(iface, ferr, sizeof(ferr)) < 0)
		log_warn("%s", ferr);
	for (size_t i = st.n_undo; i-- > 0;) {
		char out[256];
		if (!strncmp(st.undo[i], "nft ", 4))
			continue; /* done above */
		log_info("[#] %s", st.undo[i]);
		if (!strncmp(st.undo[i], "ip ", 3) && strstr(st.undo[i], " rule delete ")) {
			/* rules can exist several times; remove all of ours */
			for (int k = 0; k < 16 && pqtun_runf(out, sizeof(out), "%s", st.undo[i]) == 0; k++)
				;
			continue;
		}
		pqtun_runf(out, sizeof(out), "%s", st.undo[i]);
	}
	char sock[128];
	struct stat sb;
	snprintf(sock, sizeof(sock), "/var/run/wireguard/%s.sock", iface);
	if (!pqtun_net_link_exists(iface) && stat(sock, &sb) == 0)
		unlink(sock);
	run_hooks(st.post_down, st.n_post_down, iface, NULL, "PostDown");
	pqtun_state_free(&st);
	pqtun_state_remove(iface);
	if (pqtun_net_link_exists(iface)) {
		snprintf(err, errlen, "interface %s is still there", iface);
		return -1;
	}
	return 0;
}
