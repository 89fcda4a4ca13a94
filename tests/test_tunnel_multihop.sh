#!/usr/bin/env bash
# Multihop (PROTOCOL.md §8) with three namespaces: client, entry relay,
# exit relay (the entry forwards to the exit). One ephemeral key, two
# independent PSKs: each equal to its relay's, different from each other;
# traffic reaches the exit's network (10.64.0.99, only on the exit); a
# capture between client and entry shows only WireGuard UDP to the entry;
# `down` leaves nothing behind; a timeout at the entry relay is retried
# from the start (both hops again).
set -u
PQTUN=${PQTUN:?path of the pqtun binary}
SRC=${PQTUN_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
. "$SRC/tests/support/netns.sh"
. "$SRC/tests/support/tunnel.sh"
tunnel_test_begin "pqh$$" multihop tcpdump
echo "relays: $TUNNEL_RELAY_MODE"

fail=0
bad() { echo "FAIL: $*"; fail=1; }

netns_bg "$C" "$NETNS_TMP/tcpdump.log" tcpdump -n -U -i "${P}vc" -w "$NETNS_TMP/c-e.pcap"
dump_pid=$NETNS_LAST_PID
sleep 0.5
if ! ip netns exec "$C" "$PQTUN" up --timeout-scale 0.5 --max-attempts 2 "$NETNS_TMP/$CIF.conf" 2>"$NETNS_TMP/up.log"; then
	bad "pqtun up failed: $(tail -5 "$NETNS_TMP/up.log"); entry: $(tail -3 "$NETNS_TMP/entry.log"); exit: $(tail -3 "$NETNS_TMP/exit.log")"
else
	grep -E "exchange attempt|negotiated" "$NETNS_TMP/up.log"
	# exit first, then entry (§8.1, §8.3)
	order=$(grep -o -E "^pqtun: info: (entry|exit) relay [^:]*:[0-9]*: exchange attempt" "$NETNS_TMP/up.log" | awk '{print $3}' | xargs)
	[ "$order" = "exit entry" ] || bad "negotiation order was '$order', expected 'exit entry'"
	eph=$(ip netns exec "$C" wg show "$CIF" public-key)
	[ "$eph" != "$cpub" ] || bad "client still uses its long-lived key"
	c_e=$(tunnel_psk_of "$C" "$CIF" "$epub"); e_c=$(tunnel_psk_of "$E" "$EIF" "$eph")
	c_x=$(tunnel_psk_of "$C" "$CIF" "$xpub"); x_c=$(tunnel_psk_of "$X" "$XIF" "$eph")
	[ -n "$c_e" ] && [ "$c_e" != "(none)" ] && [ "$c_e" = "$e_c" ] || bad "entry PSK: client '$c_e' relay '$e_c'"
	[ -n "$c_x" ] && [ "$c_x" != "(none)" ] && [ "$c_x" = "$x_c" ] || bad "exit PSK: client '$c_x' relay '$x_c'"
	[ "$c_e" != "$c_x" ] || bad "entry and exit PSK are the same"
	ip netns exec "$C" ping -c 2 -w 12 10.64.0.99 >/dev/null || bad "ping to the exit's network failed"
	netns_wait_handshake "$X" "$XIF" "$eph" 5 || bad "exit relay saw no handshake from the ephemeral key"
	netns_wait_handshake "$E" "$EIF" "$eph" 5 || bad "entry relay saw no handshake from the ephemeral key"
	allowed=$(ip netns exec "$C" wg show "$CIF" allowed-ips | awk -v k="$epub" '$1 == k')
	printf '%s' "$allowed" | grep -q "10.204.0.2/32" || bad "entry peer does not cover the exit endpoint: $allowed"
	printf '%s' "$allowed" | grep -q "10.64.0.1/32" && bad "entry peer still carries Gateway/32 after §8.4: $allowed"
	st=$(ip netns exec "$C" "$PQTUN" status --json "$CIF")
	[ "$(printf '%s' "$st" | grep -o '"post_quantum":true' | wc -l)" = 2 ] || bad "status does not show two PQ hops: $st"
fi
sleep 0.3
netns_kill "$dump_pid"
other=$(tcpdump -n -r "$NETNS_TMP/c-e.pcap" 'ip and not (udp and host 10.203.0.1 and port 51820)' 2>/dev/null | wc -l)
wgpk=$(tcpdump -n -r "$NETNS_TMP/c-e.pcap" 'udp and host 10.203.0.1 and port 51820' 2>/dev/null | wc -l)
[ "$wgpk" -gt 0 ] || bad "no WireGuard packets captured (capture broken?)"
[ "$other" = 0 ] || bad "$other packets between client and entry were not WireGuard to the entry: $(tcpdump -n -r "$NETNS_TMP/c-e.pcap" "ip and not (udp and host 10.203.0.1 and port 51820)" 2>/dev/null | head -3)"

ip netns exec "$C" "$PQTUN" -q down "$CIF" || bad "down failed"
left=$(tunnel_leftovers "$C" "$CIF")
[ -z "$left" ] || bad "left behind after down: $left"
# Retry in multihop: the entry relay is silent during the first attempt, so
# attempt 1 gets the exit PSK and then times out at the entry; the client
# re-establishes the full two-hop configuration and negotiates both again.
# (Unscaled timeouts: the relays still hold the first run's ephemeral peers
# and hand the allowed IPs back to the normal peer only when their poller
# sees its handshake, which can cost the first exit handshake ~5 s.)
tunnel_relay_silence "$E" on
netns_bg "$C" "$NETNS_TMP/up2.log" "$PQTUN" up --timeout-scale 1 --max-attempts 3 "$NETNS_TMP/$CIF.conf"
up_pid=$NETNS_LAST_PID
n=0
while ! grep -q "exit relay .*exchange attempt 2/3" "$NETNS_TMP/up2.log"; do
	[ $n -lt 600 ] || break
	sleep 0.05
	n=$((n + 1))
done
tunnel_relay_silence "$E" off
wait "$up_pid"
rc=$?
netns_kill "$up_pid"
if [ $rc != 0 ]; then
	bad "multihop retry: up failed: $(tail -3 "$NETNS_TMP/up2.log")"
else
	grep -q "entry relay .*attempt 1: the exchange timed out" "$NETNS_TMP/up2.log" || bad "multihop retry: entry timeout not logged"
	order=$(grep -o -E "^pqtun: info: (entry|exit) relay [^:]*:[0-9]*: exchange attempt" "$NETNS_TMP/up2.log" | awk '{print $3}' | xargs)
	[ "$order" = "exit entry exit entry" ] || bad "multihop retry: order '$order'"
	eph=$(ip netns exec "$C" wg show "$CIF" public-key)
	[ "$(tunnel_psk_of "$C" "$CIF" "$epub")" = "$(tunnel_psk_of "$E" "$EIF" "$eph")" ] || bad "multihop retry: entry PSK differs"
	[ "$(tunnel_psk_of "$C" "$CIF" "$xpub")" = "$(tunnel_psk_of "$X" "$XIF" "$eph")" ] || bad "multihop retry: exit PSK differs"
	ip netns exec "$C" ping -c 1 -w 12 10.64.0.99 >/dev/null || bad "multihop retry: no traffic to the exit"
	ip netns exec "$C" "$PQTUN" -q down "$CIF" || bad "multihop retry: down failed"
fi
left=$(tunnel_leftovers "$C" "$CIF")
[ -z "$left" ] || bad "multihop retry: left behind: $left"

[ $fail = 0 ] && echo "PASS: multihop ($wgpk packets client<->entry, all WireGuard to the entry)"
exit $fail
