#!/usr/bin/env bash
# Retries of `pqtun up` on the scaled schedule (8 s * 2^attempt, capped at
# 48 s, times --timeout-scale):
#  1. relay silent during the first attempt -> the client times out,
#     re-establishes the tunnel, retries and succeeds on attempt 2;
#  2. relay gone -> clear failure after --max-attempts, exit status 1, and
#     nothing left behind (interface, rules, nft table, state).
set -u
PQTUN=${PQTUN:?path of the pqtun binary}
SRC=${PQTUN_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
. "$SRC/tests/support/netns.sh"
. "$SRC/tests/support/tunnel.sh"
tunnel_test_begin "pqy$$" single

fail=0
bad() { echo "FAIL: $*"; fail=1; }
now_ms() { date +%s%3N; }

# 1. silent first attempt: scale 0.25 gives attempt timeouts of 2 s, 4 s, 8 s.
tunnel_relay_silence "$R" on
t0=$(now_ms)
netns_bg "$C" "$NETNS_TMP/up1.log" "$PQTUN" up --timeout-scale 0.25 --max-attempts 3 "$NETNS_TMP/$CIF.conf"
up_pid=$NETNS_LAST_PID
n=0
while ! grep -q "attempt 2/3" "$NETNS_TMP/up1.log"; do
	[ $n -lt 100 ] || break
	sleep 0.05
	n=$((n + 1))
done
t1=$(now_ms)
tunnel_relay_silence "$R" off
wait "$up_pid"
rc=$?
netns_kill "$up_pid"
elapsed=$((t1 - t0))
[ $rc = 0 ] || bad "up did not succeed after the relay answered: $(tail -5 "$NETNS_TMP/up1.log")"
grep -q "attempt 1: the exchange timed out\|attempt 1: .*time" "$NETNS_TMP/up1.log" || bad "attempt 1's timeout not logged: $(grep -i attempt "$NETNS_TMP/up1.log")"
grep -q "re-establishing the tunnel" "$NETNS_TMP/up1.log" || bad "tunnel not re-established between attempts"
# attempt 1 must have lasted about 2 s (8 s * 0.25), not 8 s and not 0
[ $elapsed -ge 1500 ] && [ $elapsed -le 4500 ] || bad "first attempt took $elapsed ms, expected about 2000"
st=$(ip netns exec "$C" "$PQTUN" status --json "$CIF")
printf '%s' "$st" | grep -q '"attempts":2' || bad "status does not count 2 attempts: $st"
printf '%s' "$st" | grep -q '"post_quantum":true' || bad "no PQ PSK after the retry: $st"
ip netns exec "$C" ping -c 1 -w 12 10.64.0.9 >/dev/null || bad "no traffic after the retried negotiation"
ip netns exec "$C" "$PQTUN" -q down "$CIF" || bad "down failed"
echo "retry: first attempt timed out after $elapsed ms, second succeeded"

# 2. relay gone: its WireGuard interface disappears.
netns_wg_del "$R" "$RIF"
t0=$(now_ms)
ip netns exec "$C" "$PQTUN" up --timeout-scale 0.1 --max-attempts 3 "$NETNS_TMP/$CIF.conf" >"$NETNS_TMP/up2.log" 2>&1
rc=$?
t1=$(now_ms)
[ $rc = 1 ] || bad "up against a missing relay exited with $rc, expected 1"
grep -q "after 3 attempts" "$NETNS_TMP/up2.log" || bad "no clear final error: $(tail -2 "$NETNS_TMP/up2.log")"
for a in 1 2 3; do
	grep -q "attempt $a/3" "$NETNS_TMP/up2.log" || bad "attempt $a not logged"
done
# 0.8 + 1.6 + 3.2 s of timeouts
[ $((t1 - t0)) -ge 5000 ] && [ $((t1 - t0)) -le 12000 ] || bad "3 attempts took $((t1 - t0)) ms, expected about 5600"
left=$(tunnel_leftovers "$C" "$CIF")
[ -z "$left" ] || bad "left behind after the failure: $left"
echo "relay gone: failed after 3 attempts in $((t1 - t0)) ms: $(tail -1 "$NETNS_TMP/up2.log")"

[ $fail = 0 ] && echo "PASS: retries"
exit $fail
