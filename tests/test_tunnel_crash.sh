#!/usr/bin/env bash
# `pqtun up` interrupted while negotiating (relay silent):
#  1. killed with SIGKILL (a crash): the tunnel stays restricted (fail
#     closed: interface, nft table, rules, state remain), and `pqtun down`
#     then removes all of it;
#  2. SIGTERM: `up` undoes everything itself and exits non-zero;
#  3. `pqtun down` while `up` is still negotiating: down stops it and
#     cleans up.
set -u
PQTUN=${PQTUN:?path of the pqtun binary}
SRC=${PQTUN_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
. "$SRC/tests/support/netns.sh"
. "$SRC/tests/support/tunnel.sh"
tunnel_test_begin "pqk$$" single
tunnel_relay_silence "$R" on

fail=0
bad() { echo "FAIL: $*"; fail=1; }
start_up() {
	netns_bg "$C" "$NETNS_TMP/up$1.log" "$PQTUN" up --max-attempts 5 "$NETNS_TMP/$CIF.conf"
	up_pid=$NETNS_LAST_PID
	tunnel_wait_phase negotiating "$CIF" 10 || bad "case $1: never negotiating: $(cat "$NETNS_TMP/up$1.log")"
}

# 1. crash
start_up 1
kill -KILL "$up_pid"
wait "$up_pid" 2>/dev/null
netns_kill "$up_pid"
left=$(tunnel_leftovers "$C" "$CIF")
printf '%s' "$left" | grep -q "nft table" || bad "crash: restriction gone although up never finished: $left"
printf '%s' "$left" | grep -q "interface" || bad "crash: interface vanished by itself?"
ip netns exec "$C" ping -c 1 -W 1 10.64.0.9 >/dev/null 2>&1 && bad "crash: traffic passes the half-up tunnel"
ip netns exec "$C" "$PQTUN" down "$CIF" >"$NETNS_TMP/down1.log" 2>&1 || bad "crash: down failed: $(cat "$NETNS_TMP/down1.log")"
left=$(tunnel_leftovers "$C" "$CIF")
[ -z "$left" ] || bad "crash: left behind after down: $left"

# 2. SIGTERM
start_up 2
kill -TERM "$up_pid"
wait "$up_pid"
rc=$?
netns_kill "$up_pid"
[ $rc != 0 ] || bad "SIGTERM: up exited 0"
grep -q "interrupted, undoing" "$NETNS_TMP/up2.log" || bad "SIGTERM: no message: $(tail -3 "$NETNS_TMP/up2.log")"
left=$(tunnel_leftovers "$C" "$CIF")
[ -z "$left" ] || bad "SIGTERM: left behind: $left"

# 3. down while up negotiates
start_up 3
ip netns exec "$C" "$PQTUN" down "$CIF" >"$NETNS_TMP/down3.log" 2>&1 || bad "down during up failed: $(cat "$NETNS_TMP/down3.log")"
sleep 0.2
kill -0 "$up_pid" 2>/dev/null && bad "up still running after down"
netns_kill "$up_pid"
left=$(tunnel_leftovers "$C" "$CIF")
[ -z "$left" ] || bad "down during up: left behind: $left"

[ $fail = 0 ] && echo "PASS: interrupted bring-ups are undone"
exit $fail
