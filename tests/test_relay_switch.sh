#!/usr/bin/env bash
# No stall when a client switches to its ephemeral peer (issue 11), with real
# wireguard-go in namespaces and `pqtun serve --interface` on the relay:
#  - 10 rounds: after `pqtun upgrade` returns, the very first ping through
#    the tunnel answers (no loss) within 1 s; then, once the relay has
#    settled (ephemeral handshake seen, slow poll again), the client
#    switches back to its normal key and traffic resumes within 1 s;
#  - a client that gets its response but never switches (`pqtun exchange`
#    over the tunnel) gets its tunnel back within 3 s: the relay undoes the
#    tentative switch when the ephemeral peer does not handshake in 1-2 s.
# Prints the medians (ms) of both delays.
set -u
. "${PQTUN_SRC:-$(dirname "$0")/..}/tests/support/netns.sh"
netns_require
PQTUN=${PQTUN:?PQTUN must point to the pqtun binary}
netns_setup
umask 077
P=$NETNS_PREFIX T=$NETNS_TMP
R=${P}r C=${P}c WR=${P}wr WC=${P}wc
ROUNDS=${ROUNDS:-10}
. "${PQTUN_SRC:-$(dirname "$0")/..}/tests/support/relay_steps.sh"
now_ms() { date +%s%3N; }
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }

relay_pair_setup 192.168.73
# DUMMY_PEERS=N: N more (silent) peers on the relay, to see the cost at scale
DUMMY_PEERS=${DUMMY_PEERS:-0}
if [ "$DUMMY_PEERS" -gt 0 ]; then
	{
		echo "[Interface]"
		for n in $(seq 1 "$DUMMY_PEERS"); do
			printf '[Peer]\nPublicKey = %s\nAllowedIPs = 10.%d.%d.%d/32\n' "$(head -c32 /dev/urandom | base64)" \
				$((65 + n / 65536)) $(((n / 256) % 256)) $((n % 256))
		done
	} >"$T/dummies.conf"
	netns_wg "$R" addconf "$WR" "$T/dummies.conf" || fail "cannot add the dummy peers"
	echo "relay has $(netns_wg "$R" show "$WR" peers | wc -l) peers"
fi
netns_bg "$R" "$T/serve.log" "$PQTUN" -v serve --interface "$WR" --state "$T/relay.state"
RELAY_PID=$NETNS_LAST_PID
netns_wait_port "$R" 10.64.0.1 1337 10 || fail "relay did not start: $(cat "$T/serve.log")"
SERVE_PID=$(pgrep -P "$NETNS_LAST_PID" -x pqtun || echo "$NETNS_LAST_PID")
WG_PID=${_netns_wg_pid[$WR]}
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{ print int(($14 + $15) * 1000 / hz) }' "/proc/$1/stat"; }
sleep 1
CPU0=$(cpu_ms "$SERVE_PID") WCPU0=$(cpu_ms "$WG_PID") T0=$(now_ms)

: >"$T/up.ms"; : >"$T/back.ms"
for i in $(seq 1 "$ROUNDS"); do
	step "round $i: upgrade, first ping"
	OUT=$(netns_exec "$C" "$PQTUN" upgrade "$WC" 2>&1) || fail "pqtun upgrade failed: $OUT"
	t0=$(now_ms)
	# exactly one echo request: it must be answered, within 1 s
	netns_exec "$C" ping -c1 -W1 10.64.0.1 >/dev/null ||
		fail "first ping after the upgrade was lost (ephemeral peer has '$(relay_ips "$(netns_wg "$C" show "$WC" public-key)")')"
	t1=$(now_ms)
	echo $((t1 - t0)) >>"$T/up.ms"
	[ $((t1 - t0)) -le 1000 ] || fail "first ping took $((t1 - t0)) ms"

	# let the relay see the ephemeral handshake and fall back to its slow
	# poll: the switch back below is measured in the steady state
	EPH=$(netns_wg "$C" show "$WC" public-key)
	netns_wait_handshake "$R" "$WR" "$EPH" 5 || fail "no handshake with the ephemeral key"
	sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.2f", 0.7 + (r % 100) / 100 }')" # any poll phase

	step "round $i: back to the normal key"
	netns_wg "$C" set "$WC" private-key "$T/c.key" peer "$RPUB" preshared-key /dev/null
	t0=$(now_ms)
	# an echo request every 20 ms until the first answer
	netns_exec "$C" ping -c1 -i0.02 -W1 -w3 10.64.0.1 >/dev/null || fail "no traffic after switching back"
	t1=$(now_ms)
	echo $((t1 - t0)) >>"$T/back.ms"
	[ $((t1 - t0)) -le 1000 ] || fail "traffic resumed only after $((t1 - t0)) ms"
done

step "response delivered, client never switches"
OUT=$(netns_exec "$C" "$PQTUN" exchange -t 10 10.64.0.1 "$CPUB" 2>&1) || fail "exchange failed: $OUT"
t0=$(now_ms)
netns_exec "$C" ping -c1 -i0.05 -W1 -w5 10.64.0.1 >/dev/null || fail "tunnel broken after a response the client did not act on"
t1=$(now_ms)
echo "never-switched client: traffic after $((t1 - t0)) ms"
[ $((t1 - t0)) -le 3000 ] || fail "traffic resumed only after $((t1 - t0)) ms"
for n in $(seq 1 30); do
	[ "$(relay_ips "$CPUB")" = 10.64.0.2/32 ] && break
	sleep 0.1
done
[ "$(relay_ips "$CPUB")" = 10.64.0.2/32 ] || fail "normal peer did not take back its IPs"
grep -q "no handshake of its ephemeral peer" "$T/serve.log" || fail "relay did not log the undone switch"
netns_exec "$C" ping -c3 -i0.2 -W1 10.64.0.1 >/dev/null || fail "normal tunnel lost packets afterwards"

T1=$(now_ms)
echo "relay CPU during the rounds ($(((T1 - T0) / 1000)) s, $((DUMMY_PEERS + 1)) peers): pqtun serve $(($(cpu_ms "$SERVE_PID") - CPU0)) ms, wireguard-go $(($(cpu_ms "$WG_PID") - WCPU0)) ms"
echo "switch -> first answered ping (ms): $(tr '\n' ' ' <"$T/up.ms")median $(median <"$T/up.ms")"
echo "back to normal key -> first answered ping (ms): $(tr '\n' ' ' <"$T/back.ms")median $(median <"$T/back.ms")"
netns_kill "$RELAY_PID"
grep -E "Sanitizer|runtime error" "$T/serve.log" >&2 && fail "sanitizer report from the relay"
[ -n "${VERBOSE:-}" ] && cat "$T/serve.log"
echo PASS
exit 0
