#!/usr/bin/env bash
# Relay interface mode end to end, with real wireguard-go in namespaces:
# `pqtun serve --interface` on the relay, `pqtun upgrade` on the clients.
# Checks: equal PSKs on both sides, handshake with the ephemeral key, ping
# and a TCP transfer through the upgraded tunnel, the ephemeral peer holds
# the allowed IPs, switching back to the normal key, PERMISSION_DENIED for
# someone else's parent key, replacement by a second upgrade, re-negotiation
# from inside the upgraded tunnel, relay restart, expiry, no PSK in logs.
set -u
. "${PQTUN_SRC:-$(dirname "$0")/..}/tests/support/netns.sh"
netns_require
PQTUN=${PQTUN:?PQTUN must point to the pqtun binary}
netns_setup
umask 077
P=$NETNS_PREFIX T=$NETNS_TMP
R=${P}r C1=${P}c1 C2=${P}c2
WR=${P}wr W1=${P}w1 W2=${P}w2
. "${PQTUN_SRC:-$(dirname "$0")/..}/tests/support/relay_steps.sh"
trap 'netns_cleanup' EXIT

netns_add "$R"; netns_add "$C1"; netns_add "$C2"
netns_veth "$R" "${P}v1" 192.168.71.1/24 "$C1" "${P}v1c" 192.168.71.2/24
netns_veth "$R" "${P}v2" 192.168.72.1/24 "$C2" "${P}v2c" 192.168.72.2/24
netns_wg_add "$R" "$WR" 10.64.0.1/16
netns_wg_add "$C1" "$W1" 10.64.0.2/32 fd64::2/128
netns_wg_add "$C2" "$W2" 10.64.0.3/32
netns_genkey RPRIV RPUB; netns_genkey C1PRIV C1PUB; netns_genkey C2PRIV C2PUB
printf '%s\n' "$RPRIV" >"$T/r.key"; printf '%s\n' "$C1PRIV" >"$T/c1.key"; printf '%s\n' "$C2PRIV" >"$T/c2.key"
netns_wg "$R" set "$WR" private-key "$T/r.key" listen-port 51820 \
	peer "$C1PUB" allowed-ips 10.64.0.2/32,fd64::2/128 peer "$C2PUB" allowed-ips 10.64.0.3/32
netns_wg "$C1" set "$W1" private-key "$T/c1.key" peer "$RPUB" allowed-ips 10.64.0.0/16 \
	endpoint 192.168.71.1:51820 persistent-keepalive 25
netns_wg "$C2" set "$W2" private-key "$T/c2.key" peer "$RPUB" allowed-ips 10.64.0.0/16 \
	endpoint 192.168.72.1:51820
ip -n "$C1" route add 10.64.0.0/16 dev "$W1"
ip -n "$C2" route add 10.64.0.0/16 dev "$W2"
netns_exec "$C1" ping -c1 -W2 10.64.0.1 >/dev/null || fail "normal tunnel 1 does not work"
netns_exec "$C2" ping -c1 -W2 10.64.0.1 >/dev/null || fail "normal tunnel 2 does not work"

start_relay() { # extra serve options...
	[ -f "$T/serve.log" ] && cat "$T/serve.log" >>"$T/serve-all.log"
	netns_bg "$R" "$T/serve.log" "$PQTUN" -v serve --interface "$WR" --state "$T/relay.state" "$@"
	RELAY_PID=$NETNS_LAST_PID
	netns_wait_port "$R" 10.64.0.1 1337 10 || fail "relay did not start: $(cat "$T/serve.log")"
}
relay_psk() { netns_wg "$R" show "$WR" preshared-keys | awk -v k="$1" '$1 == k { print $2 }'; }
relay_has_peer() { netns_wg "$R" show "$WR" peers | grep -qxF -- "$1"; }
client_pub() { netns_wg "$1" show "$2" public-key; }
client_psk() { netns_wg "$1" show "$2" preshared-keys | awk '{ print $2 }'; }
# ping until it works (the relay moves allowed IPs within its poll interval)
ping_ok() { # ns
	local i
	for i in $(seq 1 30); do
		netns_exec "$1" ping -c1 -W1 10.64.0.1 >/dev/null 2>&1 && return 0
	done
	return 1
}
wait_ips() { # key expected
	local i
	for i in $(seq 1 50); do
		[ "$(relay_ips "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

C1IPS=$(relay_ips "$C1PUB") # both of client 1's addresses, as wg prints them
[ "$C1IPS" = "10.64.0.2/32 fd64::2/128" ] || fail "unexpected relay allowed IPs for client 1: '$C1IPS'"
start_relay --ephemeral-timeout 60

step "upgrade client 1"
OUT=$(netns_exec "$C1" "$PQTUN" upgrade "$W1" 2>&1) || fail "pqtun upgrade failed: $OUT"
EPH1=$(client_pub "$C1" "$W1")
[ "$EPH1" != "$C1PUB" ] || fail "client still uses its normal key"
PSK1=$(client_psk "$C1" "$W1")
[ -n "$PSK1" ] && [ "$PSK1" != "(none)" ] || fail "client peer has no PSK"
[ "$(relay_psk "$EPH1")" = "$PSK1" ] || fail "relay PSK of the ephemeral peer differs from the client's"
# everything else on the client is kept
netns_wg "$C1" show "$W1" dump | tail -n1 | grep -qF "192.168.71.1:51820	10.64.0.0/16" || fail "client endpoint/allowed IPs changed"
netns_wg "$C1" show "$W1" persistent-keepalive | grep -q '25$' || fail "client keepalive changed"

step "handshake with the ephemeral key, ping, TCP"
ping_ok "$C1" || fail "no ping through the upgraded tunnel"
netns_wait_handshake "$R" "$WR" "$EPH1" 5 || fail "no handshake with the ephemeral key"
wait_ips "$EPH1" "$C1IPS" || fail "ephemeral peer does not hold 10.64.0.2/32 (has '$(relay_ips "$EPH1")')"
[ -z "$(relay_ips "$C1PUB")" ] || [ "$(relay_ips "$C1PUB")" = "(none)" ] || fail "normal peer still holds IPs"
# TCP: a standalone config service inside the relay namespace; ~25 KB each way
netns_bg "$R" "$T/tcp.log" "$PQTUN" serve --listen 10.64.0.1:7001
TCP_PID=$NETNS_LAST_PID
netns_wait_port "$R" 10.64.0.1 7001 5 || fail "test TCP service did not start"
X=$(netns_exec "$C1" "$PQTUN" exchange -p 7001 -t 20 10.64.0.1 "$C1PUB" 2>&1) || fail "TCP exchange through the tunnel failed: $X"
XPSK=$(printf '%s\n' "$X" | awk '/^psk:/ { print $2 }')
grep -qF "psk=$XPSK" "$T/tcp.log" || fail "TCP transfer: PSKs differ"
netns_kill "$TCP_PID"

step "refuse a second upgrade without --force"
OUT=$(netns_exec "$C1" "$PQTUN" upgrade "$W1" 2>&1) && fail "upgrade of an upgraded tunnel without --force succeeded"
printf '%s\n' "$OUT" | grep -q "already has a preshared key" || fail "unclear refusal: $OUT"

step "someone else's parent key -> PERMISSION_DENIED"
OUT=$(netns_exec "$C2" "$PQTUN" exchange -t 10 10.64.0.1 "$C1PUB" 2>&1) && fail "client 2 registered for client 1"
printf '%s\n' "$OUT" | grep -q PERMISSION_DENIED || fail "expected PERMISSION_DENIED, got: $OUT"
OUT=$(netns_exec "$C2" "$PQTUN" exchange -t 10 10.64.0.1 "$EPH1" 2>&1) && fail "client 2 registered for client 1's ephemeral key"
printf '%s\n' "$OUT" | grep -q PERMISSION_DENIED || fail "expected PERMISSION_DENIED, got: $OUT"

step "switch client 1 back to its normal key"
netns_wg "$C1" set "$W1" private-key "$T/c1.key" peer "$RPUB" preshared-key /dev/null
ping_ok "$C1" || fail "no ping after switching back to the normal key"
wait_ips "$C1PUB" "$C1IPS" || fail "normal peer did not take back its IPs"
relay_has_peer "$EPH1" || fail "ephemeral peer should stay known to WireGuard"

step "second upgrade replaces the first ephemeral peer"
OUT=$(netns_exec "$C1" "$PQTUN" upgrade "$W1" 2>&1) || fail "second upgrade failed: $OUT"
EPH2=$(client_pub "$C1" "$W1")
[ "$EPH2" != "$EPH1" ] || fail "same ephemeral key twice"
relay_has_peer "$EPH1" && fail "first ephemeral peer was not replaced"
[ "$(relay_psk "$EPH2")" = "$(client_psk "$C1" "$W1")" ] || fail "PSKs differ after the second upgrade"
ping_ok "$C1" || fail "no ping after the second upgrade"
wait_ips "$EPH2" "$C1IPS" || fail "second ephemeral peer does not hold the IPs"

step "re-negotiation from inside the upgraded tunnel (--force)"
OUT=$(netns_exec "$C1" "$PQTUN" upgrade --force "$W1" 2>&1) || fail "forced upgrade failed: $OUT"
EPH3=$(client_pub "$C1" "$W1")
[ "$(relay_psk "$EPH3")" = "$(client_psk "$C1" "$W1")" ] || fail "PSKs differ after re-negotiation"
ping_ok "$C1" || fail "no ping after re-negotiation"
wait_ips "$EPH3" "$C1IPS" || fail "third ephemeral peer does not hold the IPs"
for i in $(seq 1 30); do relay_has_peer "$EPH2" || break; sleep 0.1; done
relay_has_peer "$EPH2" && fail "previous ephemeral peer kept after the new one handshook"

step "relay restart keeps the upgraded tunnel"
netns_kill "$RELAY_PID"
grep -qF "$EPH3" "$T/relay.state" || fail "state file does not name the ephemeral peer"
start_relay --ephemeral-timeout 2
sleep 1.5
[ "$(relay_ips "$EPH3")" = "$C1IPS" ] || fail "after restart the ephemeral peer lost its IPs"
ping_ok "$C1" || fail "no ping after the relay restart"
OUT=$(netns_exec "$C1" "$PQTUN" upgrade --force "$W1" 2>&1) || fail "upgrade after restart failed: $OUT"
ping_ok "$C1" || fail "no ping after upgrade following the restart"

step "unused ephemeral peer expires"
X=$(netns_exec "$C2" "$PQTUN" exchange -t 10 10.64.0.1 "$C2PUB" 2>&1) || fail "client 2 exchange failed: $X"
EPHX=$(printf '%s\n' "$X" | awk '/^public_key:/ { print $2 }')
relay_has_peer "$EPHX" || fail "client 2's ephemeral peer not loaded"
for i in $(seq 1 60); do relay_has_peer "$EPHX" || break; sleep 0.1; done
relay_has_peer "$EPHX" && fail "unused ephemeral peer not removed after the timeout"
[ "$(relay_ips "$C2PUB")" = 10.64.0.3/32 ] || fail "client 2's normal peer lost its IPs"

step "client 2 upgrades too; removing a normal peer removes its ephemeral peer"
OUT=$(netns_exec "$C2" "$PQTUN" upgrade "$W2" 2>&1) || fail "client 2 upgrade failed: $OUT"
EPHC2=$(client_pub "$C2" "$W2")
ping_ok "$C2" || fail "no ping through client 2's upgraded tunnel"
wait_ips "$EPHC2" 10.64.0.3/32 || fail "client 2's ephemeral peer does not hold its IPs"
ping_ok "$C1" || fail "client 1 lost its tunnel when client 2 upgraded"
EPHC1=$(client_pub "$C1" "$W1")
netns_wg "$R" set "$WR" peer "$C1PUB" remove
for i in $(seq 1 40); do relay_has_peer "$EPHC1" || break; sleep 0.1; done
relay_has_peer "$EPHC1" && fail "ephemeral peer kept after its normal peer was removed"
[ "$(relay_ips "$EPHC2")" = 10.64.0.3/32 ] || fail "client 2 affected by the removal of client 1"

step "no PSK in logs or state"
netns_kill "$RELAY_PID"
cat "$T/serve.log" >>"$T/serve-all.log"
grep -E "Sanitizer|runtime error" "$T/serve-all.log" >&2 && fail "sanitizer report from the relay"
grep -q "takes over the allowed IPs" "$T/serve-all.log" || fail "relay log does not show the IP takeover"
for k in "$PSK1" "$(client_psk "$C1" "$W1")"; do
	grep -qF -- "$k" "$T/serve-all.log" && fail "a PSK appears in the relay log"
	grep -qF -- "$k" "$T/relay.state" && fail "a PSK appears in the state file"
done
echo "PASS"
exit 0
