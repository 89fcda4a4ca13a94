#!/usr/bin/env bash
# PSK rotation on a live single-hop tunnel (issue 10), with wireguard-go in
# two namespaces and RekeyInterval = 30 scaled by PQTUN_REKEY_SCALE=0.1
# (a rotation every ~3 s):
#  1. over several rotations the client's key and PSK change every time and
#     always equal the relay's; a continuous ping loses at most a few
#     packets per rotation; the relay's peer count stays bounded;
#  2. relay's config service unreachable: rotations fail, the tunnel keeps
#     working on its current keys, status reports the failures; rotation
#     resumes when the relay answers again;
#  3. one-shot `pqtun rekey`; `down` stops the rotation process and leaves
#     nothing behind; intervals under 30 s are refused.
# Prints the measured figures (loss and CPU per rotation, time to switch).
set -u
PQTUN=${PQTUN:?path of the pqtun binary}
SRC=${PQTUN_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
. "$SRC/tests/support/netns.sh"
. "$SRC/tests/support/tunnel.sh"
tunnel_test_begin "pqk$$" single
export PQTUN_REKEY_SCALE=0.1
RUN=${PQTUN_RUN_DIR:-/run/pqtun}

fail=0
bad() { echo "FAIL: $*"; fail=1; }
pubkey() { ip netns exec "$C" wg show "$CIF" public-key 2>/dev/null; }
relay_peers() { netns_wg "$R" show "$RIF" peers | wc -l; }
# CPU time of all threads of a process in microseconds (schedstat: ns)
cpu_us() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%d", s / 1000 }'; }
state_val() { sed -n "s/^$1 //p" "$RUN/$CIF.state" 2>/dev/null; }
# "KEY CLIENT_PSK RELAY_PSK" read under the rotation lock, so that no
# rotation changes the key between the three reads
snap() {
	flock "$RUN/$CIF.lock" bash -c '
		k=$(ip netns exec "$1" wg show "$2" public-key)
		c=$(ip netns exec "$1" wg show "$2" preshared-keys | awk -v p="$3" "\$1 == p { print \$2 }")
		r=$(ip netns exec "$4" wg show "$5" preshared-keys | awk -v p="$k" "\$1 == p { print \$2 }")
		echo "$k $c $r"' _ "$C" "$CIF" "$rpub" "$R" "$RIF"
}
# the client's and the relay's PSK for the current key are the same
same_psk() { set -- $(snap); [ -n "${2:-}" ] && [ "$2" != "(none)" ] && [ "$2" = "${3:-}" ]; }

# Intervals below the minimum are refused before anything is set up.
sed 's/^\[Interface\]$/[Interface]\nRekeyInterval = 10/' "$NETNS_TMP/$CIF.conf" >"$NETNS_TMP/short.conf"
out=$(ip netns exec "$C" "$PQTUN" up "$NETNS_TMP/short.conf" 2>&1) && bad "RekeyInterval = 10 accepted"
printf '%s' "$out" | grep -q "at least 30" || bad "no clear error for RekeyInterval = 10: $out"
out=$(ip netns exec "$C" "$PQTUN" up --rekey 5 "$NETNS_TMP/$CIF.conf" 2>&1) && bad "--rekey 5 accepted"
printf '%s' "$out" | grep -q -- "--rekey" || bad "no clear error for --rekey 5: $out"
[ -z "$(tunnel_leftovers "$C" "$CIF")" ] || bad "refused configs left something behind"

sed -i 's/^\[Interface\]$/[Interface]\nRekeyInterval = 30/' "$NETNS_TMP/$CIF.conf"
if ! ip netns exec "$C" "$PQTUN" -q up --timeout-scale 0.5 --max-attempts 2 --rekey-alert 2 "$NETNS_TMP/$CIF.conf"; then
	bad "pqtun up failed: $(cat "$NETNS_TMP/relay.log")"
	exit 1
fi
rpid=$(state_val rekey_pid)
[ -n "$rpid" ] && [ "$rpid" != 0 ] && kill -0 "$rpid" 2>/dev/null || bad "no rotation process recorded after up"
ip netns exec "$C" "$PQTUN" status "$CIF" | grep -q "psk rotation: every 30 s" || bad "status does not show the rotation"

# 1. several rotations under a continuous ping (20 per second)
key=$(pubkey) keys="$key" psks="" rot=0 maxpeers=0
relay_cpu0=$(cpu_us "$TUNNEL_RELAY_PID") rt0=$(date +%s%3N)
ip netns exec "$C" ping -n -i 0.05 -W 1 -c 340 10.64.0.1 >"$NETNS_TMP/ping.log" 2>&1 &
ping_pid=$!
t_end=$(($(date +%s) + 17))
while [ "$(date +%s)" -lt $t_end ]; do
	sleep 0.1
	n=$(relay_peers)
	[ "$n" -gt "$maxpeers" ] && maxpeers=$n
	k=$(pubkey)
	[ -n "$k" ] && [ "$k" != "$key" ] || continue
	rot=$((rot + 1))
	set -- $(snap)
	key=$1 cpsk=${2:-} rpsk=${3:-}
	[ -n "$cpsk" ] && [ "$cpsk" != "(none)" ] || bad "rotation $rot: client has no PSK"
	[ "$cpsk" = "$rpsk" ] || bad "rotation $rot: PSK differs: client $cpsk relay $rpsk"
	case " $keys " in *" $key "*) bad "rotation $rot: key $key used before" ;; esac
	case " $psks " in *" $cpsk "*) bad "rotation $rot: PSK used before" ;; esac
	keys="$keys $key" psks="$psks $cpsk"
done
wait "$ping_pid"
relay_cpu1=$(cpu_us "$TUNNEL_RELAY_PID") rt1=$(date +%s%3N)
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$NETNS_TMP/ping.log")
recv=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$NETNS_TMP/ping.log")
[ "$rot" -ge 4 ] || bad "only $rot rotations in 17 s (expected about 5)"
[ "$maxpeers" -le 3 ] || bad "relay had $maxpeers peers (normal + current + pending at most)"
if [ -n "$sent" ] && [ -n "$recv" ] && [ "$rot" -gt 0 ]; then
	lost=$((sent - recv))
	echo "figures: $rot rotations, ping $sent sent / $recv received: $lost lost ($(awk -v l=$lost -v r=$rot 'BEGIN { printf "%.1f", l / r }') per rotation, 50 ms spacing)"
	# Typically 0-2 per rotation here; the bound (1 s of pings per rotation
	# on average) leaves room for a loaded machine or ASan, and still fails
	# when a rotation costs a failed handshake (5 s of silence).
	[ "$lost" -le $((rot * 20)) ] || bad "$lost packets lost over $rot rotations"
else
	bad "no ping summary: $(tail -3 "$NETNS_TMP/ping.log")"
fi
echo "figures: relay CPU over the rotation run: $((relay_cpu1 - relay_cpu0)) us in $((rt1 - rt0)) ms for $rot rotations (incl. its poller)"
grep -o "rotation [0-9]* of $CIF done: switched [0-9]* ms after start (exchanges [0-9/]* ms), CPU [0-9]* us; handshakes with the new key [0-9]* ms after start[^;]*" \
	"$RUN/$CIF.rekey.log" | sed 's/^/figures: client /'
st=$(ip netns exec "$C" "$PQTUN" status --json "$CIF")
printf '%s' "$st" | grep -q '"running":true' || bad "status: rotation not running: $st"
printf '%s' "$st" | grep -q '"post_quantum":true' || bad "status: PSK not in use: $st"
age=$(printf '%s' "$st" | sed -n 's/.*"psk_age":\([0-9-]*\).*/\1/p')
[ -n "$age" ] && [ "$age" -ge 0 ] && [ "$age" -le 5 ] || bad "status: PSK age '$age' (expected 0-5 s): $st"
ip netns exec "$C" "$PQTUN" status "$CIF" | grep -E "psk age|next rotation" | head -2

# 2. relay unreachable: rotations fail, the tunnel keeps its keys (the
# relay exchanges nothing meanwhile: its CPU here is the idle baseline)
tunnel_relay_silence "$R" on
base0=$(cpu_us "$TUNNEL_RELAY_PID") bt0=$(date +%s%3N)
key=$(pubkey)
n=0
while [ "$(state_val rekey_failures)" -lt 2 ] 2>/dev/null || [ -z "$(state_val rekey_failures)" ]; do
	[ $n -lt 200 ] || break
	sleep 0.1
	n=$((n + 1))
done
fails=$(state_val rekey_failures)
base1=$(cpu_us "$TUNNEL_RELAY_PID") bt1=$(date +%s%3N)
echo "figures: relay idle CPU $((base1 - base0)) us in $((bt1 - bt0)) ms; relay CPU per rotation minus the idle rate: $(awk -v a="$relay_cpu0" -v b="$relay_cpu1" \
	-v c="$base0" -v d="$base1" -v s=$((bt1 - bt0)) -v w=$((rt1 - rt0)) -v r="$rot" 'BEGIN { idle = (d - c) / s * w; printf "%.2f ms", ((b - a) - idle) / 1000 / (r ? r : 1) }')"
[ "${fails:-0}" -ge 2 ] || bad "no failed rotations recorded with the relay silent (failures '$fails')"
k2=$(pubkey)
[ "$k2" = "$key" ] || bad "key changed while the relay was silent"
same_psk || bad "PSK mismatch while the relay was silent"
ip netns exec "$C" ping -n -c 3 -i 0.2 -W 2 10.64.0.1 >/dev/null || bad "tunnel broken while the relay was silent"
ip netns exec "$C" "$PQTUN" status "$CIF" | grep -q "ROTATION FAILING" || bad "status does not report the failing rotation"
grep -q "PSK ROTATION OF $CIF FAILING" "$RUN/$CIF.rekey.log" || bad "failures not logged loudly"
tunnel_relay_silence "$R" off
n=0
while [ "$(pubkey)" = "$key" ] && [ $n -lt 150 ]; do
	sleep 0.1
	n=$((n + 1))
done
key=$(pubkey)
[ "$key" != "$k2" ] || bad "rotation did not resume after the relay came back"
same_psk || bad "PSK mismatch after resuming"
n=0
while [ "$(state_val rekey_failures)" != 0 ] && [ $n -lt 30 ]; do sleep 0.1; n=$((n + 1)); done
[ "$(state_val rekey_failures)" = 0 ] || bad "failure count not reset after a success"
ip netns exec "$C" ping -n -c 2 -i 0.2 -W 2 10.64.0.1 >/dev/null || bad "no traffic after resuming"

# A client that asks again and again without switching: the relay keeps
# at most the normal, the current and one pending ephemeral peer, and the
# tunnel works again afterwards. (A relay may hand the addresses to the
# new peer when it delivers the answer and take them back when no
# handshake follows, so traffic may pause for a moment here; that is the
# relay's choice and not asserted.)
# The rotation lock is held meanwhile, so that no scheduled rotation
# changes the key under the exchanges.
export -f relay_peers netns_wg
export PQTUN C CIF R RIF
flock "$RUN/$CIF.lock" bash -c '
	key=$(ip netns exec "$C" wg show "$CIF" public-key)
	for i in 1 2 3; do
		ip netns exec "$C" "$PQTUN" exchange --timeout 8 --json 10.64.0.1 "$key" >/dev/null ||
			echo "FAIL: exchange $i from inside the tunnel (parent = current key) failed"
		n=$(relay_peers)
		[ "$n" -le 3 ] || echo "FAIL: relay has $n peers after $i exchanges without switching"
	done' >"$NETNS_TMP/hostile.log" 2>&1
cat "$NETNS_TMP/hostile.log"
grep -q FAIL "$NETNS_TMP/hostile.log" && fail=1
ip netns exec "$C" ping -n -c 1 -w 8 10.64.0.1 >/dev/null || bad "no traffic after the unused exchanges"

# 3. one-shot rotation, then down
key=$(pubkey)
t0=$(date +%s%3N)
ip netns exec "$C" "$PQTUN" rekey "$CIF" 2>"$NETNS_TMP/rekey1.log" || bad "pqtun rekey failed: $(cat "$NETNS_TMP/rekey1.log")"
echo "figures: one-shot 'pqtun rekey' took $(($(date +%s%3N) - t0)) ms ($(grep -o 'switched.*' "$NETNS_TMP/rekey1.log"))"
k=$(pubkey)
[ "$k" != "$key" ] || bad "pqtun rekey did not change the key"
same_psk || bad "PSK mismatch after pqtun rekey"
ip netns exec "$C" ping -n -c 2 -i 0.2 -W 2 10.64.0.1 >/dev/null || bad "no traffic after pqtun rekey"
ip netns exec "$C" "$PQTUN" rekey nosuch0 2>/dev/null && bad "rekey of an unknown tunnel succeeded"
[ "$(relay_peers)" -le 3 ] || bad "relay has $(relay_peers) peers at the end"
cp "$RUN/$CIF.rekey.log" "$NETNS_TMP/rekey-daemon.log" 2>/dev/null

ip netns exec "$C" "$PQTUN" -q down "$CIF" || bad "down failed"
sleep 0.2
[ -e "/proc/$rpid" ] && ! grep -q ') Z' "/proc/$rpid/stat" 2>/dev/null && bad "rotation process $rpid still runs after down"
left=$(tunnel_leftovers "$C" "$CIF")
[ -z "$left" ] || bad "left behind after down: $left"
[ -e "$RUN/$CIF.lock" ] && bad "lock file left behind"

[ $fail = 0 ] && echo "PASS: PSK rotation ($rot rotations under ping, relay silent and back, one-shot)"
[ $fail = 0 ] || { echo "--- rotation log"; tail -20 "$NETNS_TMP/rekey-daemon.log"; }
exit $fail
