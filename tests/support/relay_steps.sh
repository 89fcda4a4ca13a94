# Shared steps of the relay-mode namespace tests (source after netns.sh and
# after setting T, R and WR: temp dir, relay namespace, relay interface).
#   step NAME        names the current step (shown by fail)
#   fail MESSAGE     reports the step and the relay's logs ($T/serve*.log), exits 1
#   relay_ips KEY    allowed IPs of a peer on the relay ("" if none or absent)
STEP=setup
step() { STEP=$1; echo "== $1"; }
fail() {
	echo "FAIL ($STEP): $*" >&2
	echo "--- relay log:" >&2
	cat "$T"/serve*.log >&2 2>/dev/null
	exit 1
}
relay_ips() { netns_wg "$R" show "$WR" allowed-ips | awk -v k="$1" '$1 == k { $1 = ""; print substr($0, 2) }'; }

# relay_pair_setup NET: namespaces R and C joined by a veth on NET.0/24
# (relay NET.1, client NET.2), a plain WireGuard tunnel between them
# (interfaces WR 10.64.0.1/16 and WC 10.64.0.2/32, keys in RPRIV/RPUB and
# CPRIV/CPUB) and a ping proving it works. No pqtun involved yet.
relay_pair_setup() {
	local net=$1
	netns_add "$R"; netns_add "$C"
	netns_veth "$R" "${P}v" "$net.1/24" "$C" "${P}vc" "$net.2/24"
	netns_wg_add "$R" "$WR" 10.64.0.1/16
	netns_wg_add "$C" "$WC" 10.64.0.2/32
	netns_genkey RPRIV RPUB; netns_genkey CPRIV CPUB
	printf '%s\n' "$RPRIV" >"$T/r.key"; printf '%s\n' "$CPRIV" >"$T/c.key"
	netns_wg "$R" set "$WR" private-key "$T/r.key" listen-port 51820 peer "$CPUB" allowed-ips 10.64.0.2/32
	netns_wg "$C" set "$WC" private-key "$T/c.key" peer "$RPUB" allowed-ips 10.64.0.0/16 \
		endpoint "$net.1:51820"
	ip -n "$C" route add 10.64.0.0/16 dev "$WC"
	netns_exec "$C" ping -c1 -W2 10.64.0.1 >/dev/null || fail "normal tunnel does not work"
}
