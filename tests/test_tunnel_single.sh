#!/usr/bin/env bash
# pqtun up/down, single hop, for real: a relay namespace (wireguard-go +
# config service) and a client namespace joined by a veth pair. The client
# brings the tunnel up with full-tunnel routing, negotiates a post-quantum
# PSK, and switches to the ephemeral peer. Checks: both sides hold the same
# PSK for the ephemeral key, ping and TCP pass through the tunnel, status
# reports it, and `down` leaves no interface, route, rule, nft table or
# state behind.
set -u
PQTUN=${PQTUN:?path of the pqtun binary}
SRC=${PQTUN_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
. "$SRC/tests/support/netns.sh"
. "$SRC/tests/support/tunnel.sh"
netns_require
command -v nft >/dev/null || netns_skip "nft (nftables) not installed"
netns_setup "pqs$$"
P=$NETNS_PREFIX R=${P}R C=${P}C CIF=${P}c
trap 'ip netns exec "$C" "$PQTUN" -q down "$CIF" >/dev/null 2>&1; netns_cleanup' EXIT

netns_add "$R"
netns_add "$C"
netns_veth "$R" "${P}vr" 10.201.0.1/24 "$C" "${P}vc" 10.201.0.2/24
netns_genkey rpriv rpub
netns_genkey cpriv cpub
tunnel_relay "$R" "${P}r" "$rpriv" 51820 10.64.0.1/24 "$NETNS_TMP/relay.log"
tunnel_relay_add_peer "$R" "${P}r" "$cpub" 10.64.0.2/32
echo "relay: $TUNNEL_RELAY_MODE"

cat >"$NETNS_TMP/$CIF.conf" <<EOC
[Interface]
PrivateKey = $cpriv
Address = 10.64.0.2/32, fd64::2/128
PostUp = echo postup-ran-for-%i > $NETNS_TMP/postup
PreDown = echo predown-%i >> $NETNS_TMP/downhooks
PostDown = echo postdown-%i >> $NETNS_TMP/downhooks
ConfigUpdate = echo "\$PQTUN_STAGE \$PQTUN_INTERFACE \$PQTUN_PUBLIC_KEY \$PQTUN_ENDPOINT \$PQTUN_POST_QUANTUM" >> $NETNS_TMP/updates
[Peer]
PublicKey = $rpub
Endpoint = 10.201.0.1:51820
AllowedIPs = 0.0.0.0/0, ::/0
EOC

fail=0
bad() { echo "FAIL: $*"; fail=1; }

if ! ip netns exec "$C" "$PQTUN" up --timeout-scale 0.5 --max-attempts 2 "$NETNS_TMP/$CIF.conf"; then
	bad "pqtun up failed; relay log: $(cat "$NETNS_TMP/relay.log")"
else
	eph=$(ip netns exec "$C" wg show "$CIF" public-key)
	[ "$eph" != "$cpub" ] || bad "interface still uses the long-lived key"
	cpsk=$(tunnel_psk_of "$C" "$CIF" "$rpub")
	rpsk=$(tunnel_psk_of "$R" "${P}r" "$eph")
	[ -n "$cpsk" ] && [ "$cpsk" != "(none)" ] || bad "client has no PSK"
	[ "$cpsk" = "$rpsk" ] || bad "PSK differs: client $cpsk relay $rpsk"
	ip netns exec "$C" ping -c 2 -w 12 10.64.0.1 >/dev/null || bad "ping through the tunnel failed"
	netns_wait_handshake "$R" "${P}r" "$eph" 5 || bad "relay saw no handshake from the ephemeral key"
	# TCP through the ephemeral tunnel: the relay's config service again.
	netns_wait_port "$C" 10.64.0.1 1337 3 || bad "TCP through the tunnel failed"
	ip netns exec "$C" nft list tables | grep -q pqtun_ && bad "restriction still in place after negotiation"
	# full-tunnel policy routing for both families, as wg-quick sets it up
	for f in -4 -6; do
		ip -n "$C" $f rule | grep -q "not from all fwmark 0xca6c lookup 51820" || bad "ip $f: no 'not fwmark' rule"
		ip -n "$C" $f rule | grep -q "lookup main suppress_prefixlength 0" || bad "ip $f: no suppress_prefixlength rule"
		ip -n "$C" $f route show table 51820 | grep -q "default dev $CIF" || bad "ip $f: no default route in table 51820"
	done
	ip netns exec "$C" wg show "$CIF" fwmark | grep -q 0xca6c || bad "WireGuard fwmark is not 51820"
	st=$(ip netns exec "$C" "$PQTUN" status --json "$CIF")
	echo "status: $st"
	printf '%s' "$st" | grep -q '"post_quantum":true' || bad "status does not report the PQ PSK"
	printf '%s' "$st" | grep -q '"kems":"ML-KEM-1024,HQC-256"' || bad "status lacks the KEMs"
	grep -q "postup-ran-for-$CIF" "$NETNS_TMP/postup" 2>/dev/null || bad "PostUp hook did not run with %i"
	# ConfigUpdate hooks: the long-lived key first, then the ephemeral one.
	want="initial $CIF $cpub 10.201.0.1:51820 0
final $CIF $eph 10.201.0.1:51820 1"
	[ "$(cat "$NETNS_TMP/updates" 2>/dev/null)" = "$want" ] || bad "ConfigUpdate hooks ran as '$(cat "$NETNS_TMP/updates" 2>/dev/null)', expected '$want'"
	# A second `up` of the same interface is refused and changes nothing.
	ip netns exec "$C" "$PQTUN" up "$NETNS_TMP/$CIF.conf" 2>/dev/null && bad "second up succeeded"
	ip -n "$C" link show "$CIF" >/dev/null 2>&1 || bad "second up removed the running interface"
fi

ip netns exec "$C" "$PQTUN" down "$CIF" || bad "pqtun down failed"
[ "$(cat "$NETNS_TMP/downhooks" 2>/dev/null | xargs)" = "predown-$CIF postdown-$CIF" ] ||
	bad "PreDown/PostDown hooks ran as '$(cat "$NETNS_TMP/downhooks" 2>/dev/null | xargs)'"
left=$(tunnel_leftovers "$C" "$CIF")
[ -z "$left" ] || bad "left behind after down: $left"
ip netns exec "$C" "$PQTUN" down "$CIF" 2>/dev/null && bad "down of an unknown tunnel succeeded"

# PostQuantum = false, Daita = true: an ephemeral peer without a PSK (the
# file's classic PSK belongs to the long-lived peer and must not be used).
mkdir -p "$NETNS_TMP/nopq"
classic=$(wg genpsk)
printf '%s\n' "$classic" >"$NETNS_TMP/classic.psk"
netns_wg "$R" set "${P}r" peer "$cpub" preshared-key "$NETNS_TMP/classic.psk"
sed -e 's/^\[Interface\]$/[Interface]\nPostQuantum = false\nDaita = true/' \
    -e "s|^\\[Peer\\]\$|[Peer]\\nPresharedKey = $classic|" -e '/^ConfigUpdate/d' -e '/^PostUp/d' -e '/^PreDown/d' -e '/^PostDown/d' \
	"$NETNS_TMP/$CIF.conf" >"$NETNS_TMP/nopq/$CIF.conf"
grep -q "PresharedKey = $classic" "$NETNS_TMP/nopq/$CIF.conf" || bad "test setup: no classic PSK in the config"
if ip netns exec "$C" "$PQTUN" -q up --timeout-scale 0.5 --max-attempts 2 "$NETNS_TMP/nopq/$CIF.conf"; then
	eph=$(ip netns exec "$C" wg show "$CIF" public-key)
	[ "$eph" != "$cpub" ] || bad "no-PQ: still the long-lived key"
	[ "$(tunnel_psk_of "$C" "$CIF" "$rpub")" = "(none)" ] || bad "no-PQ: client peer has a PSK"
	ip netns exec "$C" ping -c 1 -w 12 10.64.0.1 >/dev/null || bad "no-PQ: no traffic with the ephemeral key"
	st=$(ip netns exec "$C" "$PQTUN" status --json "$CIF")
	printf '%s' "$st" | grep -q '"post_quantum":false' || bad "no-PQ: status claims a PQ PSK: $st"
	printf '%s' "$st" | grep -q '"daita":true' || bad "no-PQ: DAITA settings not reported: $st"
	ip netns exec "$C" "$PQTUN" -q down "$CIF" || bad "no-PQ: down failed"
else
	bad "up with PostQuantum = false, Daita = true failed"
fi
left=$(tunnel_leftovers "$C" "$CIF")
[ -z "$left" ] || bad "left behind after the no-PQ tunnel: $left"

[ $fail = 0 ] && echo "PASS: single hop up/down"
exit $fail
