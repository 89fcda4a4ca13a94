#!/usr/bin/env bash
# pqtun upgrade refuses clearly and changes nothing when it cannot upgrade:
# usage errors (incl. bad --kem lists), missing interface, no private key, several peers, a peer
# that already has a PSK, an unreachable or absent config service.
set -u
. "${PQTUN_SRC:-$(dirname "$0")/..}/tests/support/netns.sh"
netns_require
PQTUN=${PQTUN:?PQTUN must point to the pqtun binary}
netns_setup
umask 077
P=$NETNS_PREFIX T=$NETNS_TMP
N=${P}n W=${P}w
netns_add "$N"
netns_wg_add "$N" "$W" 10.64.0.2/32
ip -n "$N" route add 10.64.0.0/16 dev "$W"

# expect EXIT_CODE PATTERN -- ARGS...: run pqtun upgrade in the namespace
expect() {
	local code=$1 pat=$2 out rc
	shift 3
	out=$(netns_exec "$N" "$PQTUN" upgrade "$@" 2>&1)
	rc=$?
	echo "  upgrade $*: $out"
	[ "$rc" = "$code" ] || netns_fail "pqtun upgrade $*: exit $rc, expected $code: $out"
	printf '%s\n' "$out" | grep -qE -- "$pat" || netns_fail "pqtun upgrade $*: message '$out' lacks '$pat'"
}

expect 2 "expected one interface name" --
expect 2 "invalid --port" -- --port 70000 "$W"
expect 2 "invalid --gateway" -- --gateway nohost "$W"
expect 2 "invalid --timeout" -- --timeout 0 "$W"
expect 2 "not a valid interface name" -- ../../etc
expect 2 "invalid --kem: Kyber1024 and ML-KEM-1024 must not be used together" -- --kem Kyber1024,ML-KEM-1024 "$W"
expect 2 "invalid --kem: unknown KEM 'X25519'" -- --kem HQC-256,X25519 "$W"
expect 1 "Classic-McEliece-460896f-round3 cannot be used by the client: key generation is not implemented" -- \
	--kem Classic-McEliece-460896f-round3 "$W"
expect 1 "${P}nosuch" -- "${P}nosuch"
expect 1 "has no private key" -- "$W"

netns_genkey PRIV PUB; netns_genkey R1PRIV R1PUB; netns_genkey R2PRIV R2PUB
printf '%s\n' "$PRIV" >"$T/c.key"
netns_wg "$N" set "$W" private-key "$T/c.key" peer "$R1PUB" allowed-ips 10.64.0.0/16 endpoint 192.0.2.1:51820 \
	peer "$R2PUB" allowed-ips 10.99.0.0/16
expect 1 "has 2 peers; upgrade needs exactly one" -- "$W"
netns_wg "$N" set "$W" peer "$R2PUB" remove

wg genpsk >"$T/psk"
netns_wg "$N" set "$W" peer "$R1PUB" preshared-key "$T/psk"
expect 1 "already has a preshared key; use --force" -- "$W"
netns_wg "$N" set "$W" peer "$R1PUB" preshared-key /dev/null

# nothing listens (the relay's endpoint does not exist): a timeout, and
# nothing changed on the interface
t0=$(date +%s)
expect 1 "exchange with 10.64.0.1:1337 failed" -- --timeout 1 "$W"
[ $(($(date +%s) - t0)) -le 5 ] || netns_fail "upgrade did not honour --timeout"
# connection refused on loopback
ip -n "$N" link set lo up
expect 1 "exchange with 127.0.0.1:9 failed" -- --gateway 127.0.0.1 --port 9 --timeout 2 "$W"
expect 1 "exchange with 127.0.0.1:9 failed" -- --gateway 127.0.0.1 --port 9 --kem Kyber1024 --timeout 2 "$W"
[ "$(netns_wg "$N" show "$W" public-key)" = "$PUB" ] || netns_fail "the interface key changed after a failed upgrade"
[ "$(netns_wg "$N" show "$W" preshared-keys | cut -f2)" = "(none)" ] || netns_fail "a PSK appeared after a failed upgrade"
echo PASS
