/* PSK rotation on a live tunnel (issue 10): from inside a tunnel that is
 * already on a post-quantum ephemeral key, negotiate a new ephemeral key
 * pair and new PSK(s) with parent = the current ephemeral public key, then
 * switch WireGuard to them. Multihop: exit first over the full path, then
 * the entry relay (reached by adding Gateway/32 to the entry peer for the
 * moment), the same new key for both hops (PROTOCOL.md §8).
 *
 * Traffic is never restricted (the tunnel is post-quantum already). A
 * failed rotation changes nothing on the device, wipes the new key and
 * PSKs and is recorded in the state file; nothing here ever puts a
 * non-post-quantum configuration in place.
 *
 * A rotation needs no long-lived secret: the parent is the device's
 * current key, and the config service address comes from the state file
 * that `pqtun up` wrote. Rotations of one interface are serialised by the
 * state lock (pqtun_state_lock). */
#ifndef PQTUN_TUNNEL_REKEY_H
#define PQTUN_TUNNEL_REKEY_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#define PQTUN_REKEY_DEFAULT_ALERT 3 /* failures in a row before loud reports */
#define PQTUN_REKEY_SCALE_ENV "PQTUN_REKEY_SCALE"

/* Figures of one rotation (for logs and the report). */
struct pqtun_rekey_report {
	uint64_t exchange_ms[2]; /* per hop index as in the state (entry/single 0, exit 1) */
	uint64_t switch_ms;      /* rotation start until the new key is set */
	uint64_t cpu_us;         /* user + system CPU of this process for the rotation */
	uint64_t handshake_ms;   /* rotation start until every hop handshook with the new
	                          * key (watched for 2 s; 0 = not seen, e.g. no traffic) */
	unsigned nudged;         /* peers re-added because their handshake was lost */
};

/* The test-only time scale from $PQTUN_REKEY_SCALE: 1 when unset, the value
 * when it is a number in (0, 1], -1 when it is anything else. It multiplies
 * the rotation interval, the retry backoff and the exchange timeouts so
 * that tests can rotate every few seconds; the 30 s minimum applies to the
 * unscaled interval. */
double pqtun_rekey_scale_from_env(void);

/* Wait before the next rotation in ms: interval_s * scale, with uniform
 * jitter of +-10% taken from rnd (any 32-bit value). */
uint64_t pqtun_rekey_delay_ms(unsigned interval_s, double scale, uint32_t rnd);

/* Wait before retrying after `failures` (>= 1) failed rotations in a row:
 * 8 s * 2^(failures-1), at most the interval, times scale; in ms. */
uint64_t pqtun_rekey_backoff_ms(unsigned failures, unsigned interval_s, double scale);

/* Rotate iface's PSK(s) once (blocking, holds the state lock). failures
 * (consecutive failures so far) selects the exchange timeout. Success:
 * 0, new key and PSKs in WireGuard, state updated, rep filled. Failure:
 * -1 with err; the device keeps its current key and PSKs, the failure is
 * recorded in the state (rekey_failures, rekey_error, the hop's
 * last_error). 1 when iface has no pqtun state (it was taken down). */
int pqtun_rekey_once(const char *iface, double scale, unsigned failures, struct pqtun_rekey_report *rep,
		     char *err, size_t errlen);

/* The rotation process: register in iface's state (rekey_pid), then rotate
 * every interval_s * scale seconds (+-10% jitter), retrying failures with
 * pqtun_rekey_backoff_ms and reporting loudly (error log + syslog) from
 * alert_after failures in a row, until *stop becomes nonzero or the tunnel
 * is taken down. Returns 0, or -1 with err if it could not start (e.g.
 * another rotation process runs for iface). */
int pqtun_rekey_loop(const char *iface, unsigned interval_s, double scale, unsigned alert_after,
		     volatile sig_atomic_t *stop, char *err, size_t errlen);

/* Start `pqtun rekey --every INTERVAL IFACE` as a detached process logging
 * to <state dir>/IFACE.rekey.log, and wait until it has registered in the
 * state. 0 or -1 with err (then no such process is left running). */
int pqtun_rekey_spawn(const char *iface, unsigned interval_s, unsigned alert_after, char *err, size_t errlen);

/* 1 if pid is a running (not exited) process of this pqtun program. */
int pqtun_rekey_alive(long pid);

/* Stop iface's rotation process recorded in st_pid if it is a pqtun
 * process still running (SIGTERM, SIGKILL after 2 s). */
void pqtun_rekey_stop(long st_pid);

#endif
