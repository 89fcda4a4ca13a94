#!/usr/bin/env bash
# Bad configurations: `pqtun up` must refuse them with a specific (mostly
# line-numbered) error, exit 1 (2 for a bad argument), and leave the system
# exactly as it was: same links, addresses, routes, rules, nftables ruleset
# and no state file. Runs in a private namespace.
set -u
PQTUN=${PQTUN:?path of the pqtun binary}
SRC=${PQTUN_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
. "$SRC/tests/support/netns.sh"
netns_require
command -v nft >/dev/null || netns_skip "nft (nftables) not installed"
netns_setup "pqb$$"
N=${NETNS_PREFIX}N
netns_add "$N"
ip -n "$N" link add "${NETNS_PREFIX}d" type veth peer name "${NETNS_PREFIX}e"
ip -n "$N" addr add 10.202.0.2/24 dev "${NETNS_PREFIX}d"
ip -n "$N" link set "${NETNS_PREFIX}d" up
export PQTUN_RUN_DIR=$NETNS_TMP/run

fail=0
bad() { echo "FAIL: $*"; fail=1; }
snapshot() {
	ip netns exec "$N" sh -c 'ip -d link; ip addr; ip rule; ip -4 route show table all; ip -6 route show table all; nft list ruleset'
	ls -A "$PQTUN_RUN_DIR" 2>/dev/null
	ls /var/run/wireguard 2>/dev/null | grep "^$NETNS_PREFIX" || true
}

k1=$(wg genkey); p1=$(printf '%s' "$k1" | wg pubkey)
k2=$(wg genkey); p2=$(printf '%s' "$k2" | wg pubkey)
IF=${NETNS_PREFIX}w
good_iface="[Interface]
PrivateKey = $k1
Address = 10.64.0.2/32"
good_peer="[Peer]
PublicKey = $p1
Endpoint = 10.202.0.1:51820
AllowedIPs = 0.0.0.0/0"

# expect_error NAME EXPECTED_STATUS PATTERN  (config text on stdin)
expect_error() {
	local name=$1 want=$2 pattern=$3 conf="$NETNS_TMP/$IF.conf" out rc before after
	cat >"$conf"
	before=$(snapshot)
	out=$(ip netns exec "$N" "$PQTUN" up --max-attempts 1 --timeout-scale 0.1 "$conf" 2>&1)
	rc=$?
	after=$(snapshot)
	[ $rc = "$want" ] || bad "$name: exit status $rc, expected $want ($out)"
	printf '%s' "$out" | grep -q -- "$pattern" || bad "$name: error '$out' does not match '$pattern'"
	[ "$before" = "$after" ] || bad "$name: system changed: $(diff <(echo "$before") <(echo "$after") | head -5)"
	echo "ok: $name -> $(printf '%s' "$out" | tail -1)"
}

expect_error "missing PrivateKey" 1 ":1: \[Interface\] has no PrivateKey" <<EOC
[Interface]
Address = 10.64.0.2/32
$good_peer
EOC
expect_error "missing PublicKey" 1 ":4: \[Peer\] has no PublicKey" <<EOC
$good_iface
[Peer]
Endpoint = 10.202.0.1:51820
AllowedIPs = 0.0.0.0/0
EOC
expect_error "bad base64" 1 ":2: PrivateKey is not a valid WireGuard key" <<EOC
[Interface]
PrivateKey = not-base64-at-all
$good_peer
EOC
expect_error "short key" 1 ":5: PublicKey is not a valid WireGuard key" <<EOC
$good_iface
[Peer]
PublicKey = ${p1%?}
EOC
expect_error "unknown key" 1 ":4: unknown key 'Colour'" <<EOC
$good_iface
Colour = blue
$good_peer
EOC
expect_error "two exits" 1 "two peers with Hop = exit (the other on line 4)" <<EOC
$good_iface
[Peer]
PublicKey = $p1
Endpoint = 10.202.0.1:51820
AllowedIPs = 0.0.0.0/0
Hop = exit
[Peer]
PublicKey = $p2
Endpoint = 10.202.0.3:51820
AllowedIPs = 10.202.0.9/32
Hop = exit
EOC
expect_error "bad Hop" 1 ":8: invalid Hop 'middle'" <<EOC
$good_iface
$good_peer
Hop = middle
EOC
expect_error "gateway outside the tunnel" 1 "Gateway 10.99.0.1 is not inside the AllowedIPs" <<EOC
$good_iface
Gateway = 10.99.0.1
[Peer]
PublicKey = $p1
Endpoint = 10.202.0.1:51820
AllowedIPs = 10.64.0.0/16
EOC
expect_error "bad gateway" 1 ":4: invalid Gateway 'relay.example'" <<EOC
$good_iface
Gateway = relay.example
$good_peer
EOC
expect_error "bad ConfigPort" 1 ":4: invalid ConfigPort '70000'" <<EOC
$good_iface
ConfigPort = 70000
$good_peer
EOC
expect_error "bad PostQuantum" 1 ":4: invalid PostQuantum 'maybe'" <<EOC
$good_iface
PostQuantum = maybe
$good_peer
EOC
expect_error "unresolvable endpoint" 1 "cannot resolve endpoint" <<EOC
$good_iface
[Peer]
PublicKey = $p1
Endpoint = no-such-host.invalid:51820
AllowedIPs = 0.0.0.0/0
EOC
expect_error "PreUp fails" 1 "PreUp command failed" <<EOC
$good_iface
PreUp = false
$good_peer
EOC
expect_error "SaveConfig" 1 "SaveConfig = true is not supported" <<EOC
$good_iface
SaveConfig = true
$good_peer
EOC
expect_error "line without =" 1 ":4: expected 'Key = Value'" <<EOC
$good_iface
PrivateKey
$good_peer
EOC
expect_error "no Endpoint" 1 ":4: \[Peer\] has no Endpoint" <<EOC
$good_iface
[Peer]
PublicKey = $p1
AllowedIPs = 0.0.0.0/0
EOC
expect_error "ConfigUpdate in [Peer]" 1 ":8: ConfigUpdate belongs in \[Interface\]" <<EOC
$good_iface
$good_peer
ConfigUpdate = true
EOC
expect_error "two peers without Hop" 1 "one peer, or two peers marked Hop" <<EOC
$good_iface
$good_peer
[Peer]
PublicKey = $p2
Endpoint = 10.202.0.3:51820
AllowedIPs = 10.202.0.9/32
EOC

# Names: a bare name means /etc/pqtun/NAME.conf (here $PQTUN_CONFIG_DIR).
out=$(PQTUN_CONFIG_DIR=$NETNS_TMP/none ip netns exec "$N" "$PQTUN" up "$IF" 2>&1)
printf '%s' "$out" | grep -q "$NETNS_TMP/none/$IF.conf: cannot open" || bad "bare name not mapped to CONFIG_DIR/NAME.conf: $out"
out=$(ip netns exec "$N" "$PQTUN" up "$NETNS_TMP/has space!.conf" 2>&1); rc=$?
[ $rc = 2 ] && printf '%s' "$out" | grep -q "not valid" || bad "invalid interface name from file not refused ($rc): $out"
out=$(ip netns exec "$N" "$PQTUN" up "$NETNS_TMP/thisnameistoolong.conf" 2>&1); rc=$?
[ $rc = 2 ] || bad "16-character interface name accepted ($rc): $out"
out=$(ip netns exec "$N" "$PQTUN" up --max-attempts 0 x.conf 2>&1); rc=$?
[ $rc = 2 ] || bad "--max-attempts 0 accepted ($rc)"

[ $fail = 0 ] && echo "PASS: bad configs refused, system unchanged"
exit $fail
