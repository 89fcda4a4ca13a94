#!/usr/bin/env bash
# PSK rotation of a multihop tunnel (issue 10, PROTOCOL.md §8): client,
# entry relay and exit relay in three namespaces, RekeyInterval = 30 scaled
# by PQTUN_REKEY_SCALE=0.1. Over several rotations: one new key per
# rotation, used with both relays; two different PSKs, both changing every
# time, each equal to its relay's; exit renegotiated before entry; a
# continuous ping to the exit's network loses at most a few packets per
# rotation; both relays' peer counts stay bounded; down stops everything.
set -u
PQTUN=${PQTUN:?path of the pqtun binary}
SRC=${PQTUN_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
. "$SRC/tests/support/netns.sh"
. "$SRC/tests/support/tunnel.sh"
tunnel_test_begin "pqm$$" multihop
export PQTUN_REKEY_SCALE=0.1
RUN=${PQTUN_RUN_DIR:-/run/pqtun}

fail=0
bad() { echo "FAIL: $*"; fail=1; }
pubkey() { ip netns exec "$C" wg show "$CIF" public-key 2>/dev/null; }
peers_of() { netns_wg "$1" show "$2" peers | wc -l; }
# "KEY C-E E-C C-X X-C" (PSKs client/entry and client/exit, each as seen by
# both sides) read under the rotation lock, so no rotation interleaves
snap() {
	flock "$RUN/$CIF.lock" bash -c '
		psk() { ip netns exec "$1" wg show "$2" preshared-keys | awk -v p="$3" "\$1 == p { print \$2 }"; }
		k=$(ip netns exec "$1" wg show "$2" public-key)
		echo "$k $(psk "$1" "$2" "$3") $(psk "$4" "$5" "$k") $(psk "$1" "$2" "$6") $(psk "$7" "$8" "$k")"
	' _ "$C" "$CIF" "$epub" "$E" "$EIF" "$xpub" "$X" "$XIF"
}

sed -i 's/^\[Interface\]$/[Interface]\nRekeyInterval = 30/' "$NETNS_TMP/$CIF.conf"
if ! ip netns exec "$C" "$PQTUN" -q up --timeout-scale 0.5 --max-attempts 2 "$NETNS_TMP/$CIF.conf"; then
	bad "pqtun up failed; entry: $(tail -3 "$NETNS_TMP/entry.log"); exit: $(tail -3 "$NETNS_TMP/exit.log")"
	exit 1
fi
rpid=$(sed -n 's/^rekey_pid //p' "$RUN/$CIF.state")
key=$(pubkey) keys=$(pubkey) psks="" rot=0 maxe=0 maxx=0
ip netns exec "$C" ping -D -O -n -i 0.05 -W 1 -c 280 10.64.0.99 >"$NETNS_TMP/ping.log" 2>&1 &
ping_pid=$!
t_end=$(($(date +%s) + 14))
while [ "$(date +%s)" -lt $t_end ]; do
	sleep 0.1
	n=$(peers_of "$E" "$EIF"); [ "$n" -gt "$maxe" ] && maxe=$n
	n=$(peers_of "$X" "$XIF"); [ "$n" -gt "$maxx" ] && maxx=$n
	k=$(pubkey)
	[ -n "$k" ] && [ "$k" != "$key" ] || continue
	rot=$((rot + 1))
	set -- $(snap)
	key=$1 c_e=${2:-} e_c=${3:-} c_x=${4:-} x_c=${5:-}
	[ -n "$c_e" ] && [ "$c_e" != "(none)" ] && [ "$c_e" = "$e_c" ] || bad "rotation $rot: entry PSK client '$c_e' relay '$e_c'"
	[ -n "$c_x" ] && [ "$c_x" != "(none)" ] && [ "$c_x" = "$x_c" ] || bad "rotation $rot: exit PSK client '$c_x' relay '$x_c'"
	[ "$c_e" != "$c_x" ] || bad "rotation $rot: entry and exit PSK are the same"
	case " $keys " in *" $key "*) bad "rotation $rot: key used before" ;; esac
	case " $psks " in *" $c_e "* | *" $c_x "*) bad "rotation $rot: a PSK was used before" ;; esac
	keys="$keys $key" psks="$psks $c_e $c_x"
	allowed=$(ip netns exec "$C" wg show "$CIF" allowed-ips | awk -v k="$epub" '$1 == k')
	printf '%s' "$allowed" | grep -q "10.64.0.1/32" && bad "rotation $rot: entry peer kept Gateway/32: $allowed"
done
wait "$ping_pid"
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$NETNS_TMP/ping.log")
recv=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$NETNS_TMP/ping.log")
[ "$rot" -ge 3 ] || bad "only $rot rotations in 14 s (expected about 4)"
[ "$maxe" -le 3 ] || bad "entry relay had $maxe peers"
[ "$maxx" -le 3 ] || bad "exit relay had $maxx peers"
if [ -n "$sent" ] && [ -n "$recv" ] && [ "$rot" -gt 0 ]; then
	lost=$((sent - recv))
	echo "figures: multihop: $rot rotations, ping $sent sent / $recv received: $lost lost"
	# Typically 0-2 per rotation here; the bound (1 s of pings per rotation
	# on average) leaves room for a loaded machine or ASan, and still fails
	# when a rotation costs a failed handshake (5 s of silence).
	[ "$lost" -le $((rot * 20)) ] || bad "$lost packets lost over $rot rotations"
else
	bad "no ping summary: $(tail -3 "$NETNS_TMP/ping.log")"
fi
# exit before entry in every rotation
order=$(grep -o -E "rotation: (entry|exit) relay" "$RUN/$CIF.rekey.log" | awk '{print $2}' | xargs)
case "$order" in "exit entry"*) ;; *) bad "rotation order '$order'" ;; esac
printf '%s\n' "$order" | grep -q "entry entry\|exit exit" && bad "rotation order '$order' (not exit, entry pairs)"
grep -o "rotation [0-9]* of $CIF done: switched [0-9]* ms after start (exchanges [0-9/]* ms), CPU [0-9]* us; handshakes with the new key [0-9]* ms after start[^;]*" \
	"$RUN/$CIF.rekey.log" | sed 's/^/figures: multihop client /'
st=$(ip netns exec "$C" "$PQTUN" status --json "$CIF")
[ "$(printf '%s' "$st" | grep -o '"post_quantum":true' | wc -l)" = 2 ] || bad "status does not show two PQ hops: $st"
cp "$RUN/$CIF.rekey.log" "$NETNS_TMP/rekey-daemon.log" 2>/dev/null
ip netns exec "$C" "$PQTUN" -q down "$CIF" || bad "down failed"
sleep 0.2
[ -n "$rpid" ] && [ -e "/proc/$rpid" ] && ! grep -q ') Z' "/proc/$rpid/stat" 2>/dev/null && bad "rotation process still runs after down"
left=$(tunnel_leftovers "$C" "$CIF")
[ -z "$left" ] || bad "left behind after down: $left"

[ $fail = 0 ] && echo "PASS: multihop PSK rotation ($rot rotations, two PSKs each time)"
if [ $fail != 0 ]; then
	echo "--- rotation log"; grep -v "KEM key generation" "$NETNS_TMP/rekey-daemon.log" | tail -20
	echo "--- exit relay"; tail -12 "$NETNS_TMP/exit.log"
	echo "--- entry relay"; tail -12 "$NETNS_TMP/entry.log"
	echo "--- pings without answer"; grep "no answer" "$NETNS_TMP/ping.log" | awk '{ print $1, $NF }' | xargs
fi
exit $fail
