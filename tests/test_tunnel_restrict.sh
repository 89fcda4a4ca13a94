#!/usr/bin/env bash
# The negotiation firewall in a real bring-up: while the relay's config
# service is slow, only TCP to Gateway:1337 may use the tunnel, so a ping
# to another in-tunnel address (10.64.0.9 on the relay) fails; once the
# ephemeral configuration is applied it succeeds. A capture on the client's
# physical link meanwhile shows nothing but WireGuard UDP to the relay.
set -u
PQTUN=${PQTUN:?path of the pqtun binary}
SRC=${PQTUN_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
. "$SRC/tests/support/netns.sh"
. "$SRC/tests/support/tunnel.sh"
tunnel_test_begin "pqr$$" single tcpdump

fail=0
bad() { echo "FAIL: $*"; fail=1; }

tunnel_relay_silence "$R" on
netns_bg "$C" "$NETNS_TMP/tcpdump.log" tcpdump -n -U -i "${P}vc" -w "$NETNS_TMP/outside.pcap"
dump_pid=$NETNS_LAST_PID
sleep 0.5
netns_bg "$C" "$NETNS_TMP/up.log" "$PQTUN" up --timeout-scale 2 --max-attempts 2 "$NETNS_TMP/$CIF.conf"
up_pid=$NETNS_LAST_PID

tunnel_wait_phase negotiating "$CIF" 10 || bad "client never reached the negotiating phase: $(cat "$NETNS_TMP/up.log")"
ip netns exec "$C" nft list tables | grep -q "pqtun_" || bad "no pqtun nft table while negotiating"
# The tunnel itself works (the handshake happens) but other traffic is dropped.
ip netns exec "$C" ping -c 2 -W 1 10.64.0.9 >/dev/null 2>&1 && bad "ping to 10.64.0.9 passed during negotiation"
ip netns exec "$C" timeout 1 bash -c 'exec 3<>/dev/tcp/10.64.0.9/1337' 2>/dev/null && bad "TCP to 10.64.0.9 passed during negotiation"
ip netns exec "$C" timeout 1 bash -c 'exec 3<>/dev/udp/10.64.0.1/53; echo x >&3' 2>/dev/null && bad "UDP to the gateway was accepted during negotiation"
kill -0 "$up_pid" 2>/dev/null || bad "pqtun up ended before the relay answered: $(cat "$NETNS_TMP/up.log")"

# The relay answers now (still within the first attempt: 8 s * 2).
tunnel_relay_silence "$R" off
wait "$up_pid"
rc=$?
netns_kill "$up_pid"
[ $rc = 0 ] || bad "pqtun up failed (status $rc): $(cat "$NETNS_TMP/up.log")"
grep -q "attempt 1/2" "$NETNS_TMP/up.log" || bad "no attempt logged"
grep -q "attempt 2/2" "$NETNS_TMP/up.log" && bad "a slow answer within the timeout caused a retry"
ip netns exec "$C" ping -c 2 -w 12 10.64.0.9 >/dev/null || bad "ping to 10.64.0.9 fails after negotiation"
ip netns exec "$C" nft list tables | grep -q "pqtun_" && bad "nft table still present after negotiation"

sleep 0.3
netns_kill "$dump_pid"
outside=$(tcpdump -n -r "$NETNS_TMP/outside.pcap" 'ip and not (udp and host 10.201.0.1 and port 51820)' 2>/dev/null | wc -l)
total=$(tcpdump -n -r "$NETNS_TMP/outside.pcap" 'udp port 51820' 2>/dev/null | wc -l)
[ "$total" -gt 0 ] || bad "capture saw no WireGuard traffic at all (capture broken?)"
[ "$outside" = 0 ] || bad "$outside packets left the client outside the tunnel: $(tcpdump -n -r "$NETNS_TMP/outside.pcap" 'ip and not (udp port 51820)' 2>/dev/null | head -3)"

ip netns exec "$C" "$PQTUN" -q down "$CIF" || bad "down failed"
left=$(tunnel_leftovers "$C" "$CIF")
[ -z "$left" ] || bad "left behind after down: $left"
[ $fail = 0 ] && echo "PASS: restriction while negotiating ($total WireGuard packets, nothing else outside)"
exit $fail
