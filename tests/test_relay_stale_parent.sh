#!/usr/bin/env bash
# A request naming a superseded ephemeral key as wg_parent_pubkey, right
# after the client rotated to a newer key (`pqtun upgrade --force`), with
# real wireguard-go in namespaces and `pqtun serve --interface`:
#  - the relay refuses it (PERMISSION_DENIED), whether or not its poller has
#    seen the new key's handshake yet;
#  - the client's tunnel on its current key keeps working, also after the
#    relay's 2-s rule for unconfirmed switches has passed, and the current
#    ephemeral peer keeps the allowed IPs;
#  - the relay logs the refusal.
# Before the fix the request was accepted while the switch to the new key
# still looked tentative: the relay removed the new key's peer, gave the
# addresses back to the old key (which never handshakes again) and the
# tunnel stayed dead. Several rounds, since the bug needs the request to
# beat the relay's 100-ms poll.
set -u
. "${PQTUN_SRC:-$(dirname "$0")/..}/tests/support/netns.sh"
netns_require
PQTUN=${PQTUN:?PQTUN must point to the pqtun binary}
netns_setup
umask 077
P=$NETNS_PREFIX T=$NETNS_TMP
R=${P}r C=${P}c WR=${P}wr WC=${P}wc
ROUNDS=${ROUNDS:-5}
. "${PQTUN_SRC:-$(dirname "$0")/..}/tests/support/relay_steps.sh"
client_key() { netns_wg "$C" show "$WC" public-key; }

relay_pair_setup 192.168.74
netns_bg "$R" "$T/serve.log" "$PQTUN" -v serve --interface "$WR" --state "$T/relay.state"
RELAY_PID=$NETNS_LAST_PID
netns_wait_port "$R" 10.64.0.1 1337 10 || fail "relay did not start: $(cat "$T/serve.log")"

step "first upgrade"
OUT=$(netns_exec "$C" "$PQTUN" upgrade "$WC" 2>&1) || fail "pqtun upgrade failed: $OUT"
netns_exec "$C" ping -c1 -W1 10.64.0.1 >/dev/null || fail "upgraded tunnel does not work"
netns_wait_handshake "$R" "$WR" "$(client_key)" 5 || fail "no handshake with the ephemeral key"

superseded=0
for i in $(seq 1 "$ROUNDS"); do
	step "round $i: rotate, then ask with the previous key"
	OLD=$(client_key)
	OUT=$(netns_exec "$C" "$PQTUN" upgrade --force "$WC" 2>&1) || fail "pqtun upgrade --force failed: $OUT"
	NEW=$(client_key)
	[ "$NEW" != "$OLD" ] || fail "upgrade --force did not change the key"
	# right away, through the tunnel on NEW (this is what makes NEW handshake)
	if OUT=$(netns_exec "$C" "$PQTUN" exchange -t 5 10.64.0.1 "$OLD" 2>&1); then
		fail "exchange with the superseded key $OLD was accepted"
	fi
	case $OUT in
	*superseded*) superseded=$((superseded + 1)) ;;          # refused by the new rule
	*"unknown WireGuard peer"*) ;;                            # the poller already dropped OLD
	*"timed out"*) fail "no answer to the exchange with the superseded key (the relay cut the tunnel?): $OUT" ;;
	*) fail "exchange with the superseded key failed for another reason: $OUT" ;;
	esac
	netns_exec "$C" ping -c1 -W1 10.64.0.1 >/dev/null ||
		fail "tunnel on the current key is dead (relay: NEW has '$(relay_ips "$NEW")', OLD has '$(relay_ips "$OLD")')"
	sleep 2.3 # past the relay's rule for switches without a handshake
	netns_exec "$C" ping -c2 -i0.2 -W1 10.64.0.1 >/dev/null ||
		fail "tunnel on the current key died after 2 s (relay: NEW has '$(relay_ips "$NEW")')"
	[ "$(relay_ips "$NEW")" = 10.64.0.2/32 ] || fail "current ephemeral peer lost its allowed IPs: '$(relay_ips "$NEW")'"
	# once the relay has settled the old key is refused too
	OUT=$(netns_exec "$C" "$PQTUN" exchange -t 5 10.64.0.1 "$OLD" 2>&1) && fail "settled relay accepted the superseded key"
done
echo "refused as superseded before the relay's poll: $superseded of $ROUNDS rounds"
if [ "$superseded" -gt 0 ]; then
	grep -q "refused a request naming ephemeral key" "$T/serve.log" || fail "relay did not log the refusal"
fi
# the current key still negotiates
OUT=$(netns_exec "$C" "$PQTUN" upgrade --force "$WC" 2>&1) || fail "upgrade from the current key failed: $OUT"
netns_exec "$C" ping -c1 -W1 10.64.0.1 >/dev/null || fail "tunnel dead after a normal rotation"
netns_kill "$RELAY_PID"
grep -E "Sanitizer|runtime error" "$T/serve.log" >&2 && fail "sanitizer report from the relay"
[ -n "${VERBOSE:-}" ] && cat "$T/serve.log"
echo PASS
exit 0
