#!/usr/bin/env bash
# pqtun up with a chosen KEM list, for real (relay and client namespaces,
# wireguard-go): config key Kems = Kyber1024,HQC-256 and `up --kem HQC-256`
# (overriding the config) each end with the same PSK on both sides, the
# list recorded in status, traffic through the tunnel, and a one-shot
# `pqtun rekey` negotiating with the same KEMs; a bad --kem and a Kems
# naming Classic McEliece are refused with nothing left behind.
set -u
PQTUN=${PQTUN:?path of the pqtun binary}
SRC=${PQTUN_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
. "$SRC/tests/support/netns.sh"
. "$SRC/tests/support/tunnel.sh"
netns_require
command -v nft >/dev/null || netns_skip "nft (nftables) not installed"
for k in HQC-256 Kyber1024; do
	"$PQTUN" bench --kem "$k" --iterations 1 --seconds 0.01 >/dev/null 2>&1 || netns_skip "KEM $k not in this build"
done
netns_setup "pqe$$"
P=$NETNS_PREFIX
trap 'ip netns exec "$C" "$PQTUN" -q down "$CIF" >/dev/null 2>&1; netns_cleanup' EXIT
tunnel_single_setup
conf=$NETNS_TMP/$CIF.conf
sed -i 's/^\[Interface\]$/[Interface]\nKems = Kyber1024, HQC-256/' "$conf"
grep -q '^Kems = Kyber1024, HQC-256$' "$conf" || netns_fail "could not write the Kems line"

fail=0
bad() { echo "FAIL: $*"; fail=1; }

# up_and_check WANT_KEMS ARGS...: up, same PSK on both sides, status shows
# WANT_KEMS, ping works.
up_and_check() {
	local want=$1
	shift
	if ! ip netns exec "$C" "$PQTUN" -q up --timeout-scale 0.5 --max-attempts 2 "$@" "$conf" 2>"$NETNS_TMP/up.err"; then
		bad "pqtun up $* failed: $(cat "$NETNS_TMP/up.err")"
		return
	fi
	local eph cpsk rpsk st
	eph=$(ip netns exec "$C" wg show "$CIF" public-key)
	cpsk=$(tunnel_psk_of "$C" "$CIF" "$rpub")
	rpsk=$(tunnel_psk_of "$R" "$RIF" "$eph")
	[ -n "$cpsk" ] && [ "$cpsk" != "(none)" ] || bad "up $*: client has no PSK"
	[ "$cpsk" = "$rpsk" ] || bad "up $*: PSK differs: client $cpsk relay $rpsk"
	st=$(ip netns exec "$C" "$PQTUN" status --json "$CIF")
	echo "$st" | grep -q "\"kems\":\"$want\"" || bad "up $*: status does not say kems $want: $st"
	ip netns exec "$C" ping -c 2 -w 12 10.64.0.1 >/dev/null || bad "up $*: no ping through the tunnel"
	echo "ok: up $* -> kems $want, same PSK on both sides"
}

# 1. Kems from the config file; then a one-shot rotation uses them too.
up_and_check Kyber1024,HQC-256
key=$(ip netns exec "$C" wg show "$CIF" public-key)
if ip netns exec "$C" "$PQTUN" -v rekey "$CIF" 2>"$NETNS_TMP/rekey.err"; then
	k=$(ip netns exec "$C" wg show "$CIF" public-key)
	[ "$k" != "$key" ] || bad "rekey did not change the key"
	[ "$(tunnel_psk_of "$C" "$CIF" "$rpub")" = "$(tunnel_psk_of "$R" "$RIF" "$k")" ] || bad "PSK mismatch after rekey"
	grep -q "key generation took.*(Kyber1024 .*, HQC-256 .*)" "$NETNS_TMP/rekey.err" \
		|| bad "rekey did not use Kyber1024,HQC-256: $(grep 'key generation' "$NETNS_TMP/rekey.err")"
	grep -q "ML-KEM-1024" "$NETNS_TMP/rekey.err" && bad "rekey used ML-KEM-1024"
	echo "ok: rekey negotiated with Kyber1024,HQC-256 again"
else
	bad "pqtun rekey failed: $(cat "$NETNS_TMP/rekey.err")"
fi
ip netns exec "$C" "$PQTUN" -q down "$CIF" || bad "down failed"

# 2. --kem overrides the config.
up_and_check HQC-256 --kem HQC-256
ip netns exec "$C" "$PQTUN" -q down "$CIF" || bad "down failed"

# 3. Refusals leave nothing behind.
out=$(ip netns exec "$C" "$PQTUN" up --kem Kyber1024,ML-KEM-1024 "$conf" 2>&1); rc=$?
[ $rc -eq 2 ] || bad "up with --kem Kyber1024,ML-KEM-1024: exit $rc ($out)"
echo "$out" | grep -q "must not be used together" || bad "up --kem message: $out"
sed -i 's/^Kems = .*/Kems = HQC-256,Classic-McEliece-460896f-round3/' "$conf"
out=$(ip netns exec "$C" "$PQTUN" up "$conf" 2>&1); rc=$?
[ $rc -eq 1 ] || bad "up with McEliece in Kems: exit $rc ($out)"
echo "$out" | grep -q "Classic-McEliece-460896f-round3 cannot be used by the client" || bad "Kems message: $out"
[ "$(echo "$out" | wc -l)" -eq 1 ] || bad "more than one line: $out"
left=$(tunnel_leftovers "$C" "$CIF")
[ -z "$left" ] || bad "left behind: $left"
echo "ok: refused lists: exit 2 / exit 1, nothing left behind"

[ $fail -eq 0 ] && echo PASS
exit $fail
