# tunnel.sh: relays and client configs for the `pqtun up` tests and the
# demo, on top of netns.sh (source that first).
#
#   tunnel_relay NS IFACE PRIV LISTEN_PORT GATEWAY_CIDR LOG
#       start a relay in NS: wireguard-go interface IFACE with private key
#       PRIV, the gateway address (e.g. 10.64.0.1/24) and the config service
#       on GATEWAY:1337. Uses `pqtun serve --interface IFACE` when this build
#       has it; otherwise `pqtun serve --json` plus a small loop that loads
#       each registered ephemeral peer (key + PSK, taking over the parent's
#       allowed IPs) into IFACE with `wg set`, which is what the relay mode
#       does (PROTOCOL.md §9). Sets TUNNEL_RELAY_PID and TUNNEL_RELAY_MODE.
#   tunnel_relay_add_peer NS IFACE PUB ALLOWED   add a normal (parent) peer
#   tunnel_psk_of NS IFACE PUB    the PSK WireGuard in NS uses for peer PUB
#   tunnel_leftovers NS IFACE     print whatever `pqtun up` could have left
#                                 behind in NS (interface, rules, tables,
#                                 state); empty output = clean

tunnel_has_relay_mode() {
	"$PQTUN" serve --help 2>&1 | grep -q -- '--interface'
}

tunnel_relay() {
	local ns=$1 ifc=$2 priv=$3 port=$4 gw=$5 log=$6
	netns_wg_add "$ns" "$ifc" "$gw"
	printf '%s\n' "$priv" >"$NETNS_TMP/$ifc.key"
	netns_wg "$ns" set "$ifc" private-key "$NETNS_TMP/$ifc.key" listen-port "$port" ||
		netns_fail "cannot configure relay $ifc"
	rm -f "$NETNS_TMP/$ifc.key"
	local addr=${gw%/*}
	if tunnel_has_relay_mode; then
		TUNNEL_RELAY_MODE="pqtun serve --interface"
		netns_bg "$ns" "$log" "$PQTUN" -v serve --interface "$ifc" --listen "$addr:1337"
	else
		TUNNEL_RELAY_MODE="pqtun serve --json + wg set (relay mode not in this build)"
		netns_bg "$ns" "$log" bash -c '
			ifc=$1; shift
			"$@" | while IFS= read -r line; do
				echo "$line"
				get() { printf "%s" "$line" | sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }
				parent=$(get parent); eph=$(get ephemeral); psk=$(get psk)
				[ -n "$parent" ] && [ -n "$eph" ] || continue
				allowed=$(wg show "$ifc" allowed-ips | awk -v k="$parent" "\$1 == k { \$1 = \"\"; print }" | xargs | tr " " ",")
				f=$(mktemp); printf "%s\n" "${psk:-}" >"$f"
				if [ -n "$psk" ]; then
					wg set "$ifc" peer "$eph" preshared-key "$f" allowed-ips "$allowed"
				else
					wg set "$ifc" peer "$eph" allowed-ips "$allowed"
				fi
				rm -f "$f"
				echo "relay: ephemeral peer $eph loaded (allowed $allowed)"
			done' relay "$ifc" "$PQTUN" serve --listen "$addr:1337" --json
	fi
	TUNNEL_RELAY_PID=$NETNS_LAST_PID
	netns_wait_port "$ns" "$addr" 1337 10 || netns_fail "relay config service did not start: $(cat "$log")"
}

tunnel_relay_add_peer() {
	netns_wg "$1" set "$2" peer "$3" allowed-ips "$4" || netns_fail "cannot add peer to $2"
}

tunnel_psk_of() {
	netns_wg "$1" show "$2" preshared-keys | awk -v k="$3" '$1 == k { print $2 }'
}

tunnel_leftovers() {
	local ns=$1 ifc=$2
	ip -n "$ns" link show "$ifc" >/dev/null 2>&1 && echo "interface $ifc"
	ip netns exec "$ns" nft list tables 2>/dev/null | grep -q "pqtun_" && echo "nft table: $(ip netns exec "$ns" nft list tables | grep pqtun_)"
	ip -n "$ns" -4 rule | grep -E "fwmark|suppress_prefixlength" | sed 's/^/rule /'
	ip -n "$ns" -6 rule 2>/dev/null | grep -E "fwmark|suppress_prefixlength" | sed 's/^/rule6 /'
	ip -n "$ns" -4 route show table all 2>/dev/null | grep -w "$ifc" | sed 's/^/route /'
	ip -n "$ns" -6 route show table all 2>/dev/null | grep -w "$ifc" | sed 's/^/route6 /'
	[ -e "${PQTUN_RUN_DIR:-/run/pqtun}/$ifc.state" ] && echo "state file"
	[ -e "/var/run/wireguard/$ifc.sock" ] && echo "wireguard socket"
	return 0
}

# tunnel_relay_silence NS on|off: make the relay's config service (TCP 1337)
# silent (incoming packets dropped, so clients see a timeout) or answer again.
tunnel_relay_silence() {
	if [ "$2" = on ]; then
		ip netns exec "$1" nft -f - <<NFT || netns_fail "cannot silence the relay"
table inet pqtest_silence {
	chain in { type filter hook input priority -20; policy accept; tcp dport 1337 drop; }
}
NFT
	else
		ip netns exec "$1" nft delete table inet pqtest_silence 2>/dev/null || true
	fi
}

# tunnel_wait_phase PHASE IFACE TIMEOUT_S: wait until pqtun's state says PHASE.
tunnel_wait_phase() {
	local f="${PQTUN_RUN_DIR:-/run/pqtun}/$2.state" n=0
	while ! grep -qx "phase $1" "$f" 2>/dev/null; do
		[ $n -lt $(($3 * 20)) ] || return 1
		sleep 0.05
		n=$((n + 1))
	done
}

# tunnel_single_setup: relay namespace R and client namespace C, relay up
# with the client's long-lived key as its peer and a second in-tunnel
# address 10.64.0.9; writes the client config $NETNS_TMP/$CIF.conf.
# Needs P set; sets R C CIF RIF rpub cpub.
tunnel_single_setup() {
	R=${P}R C=${P}C CIF=${P}c RIF=${P}r
	netns_add "$R"
	netns_add "$C"
	netns_veth "$R" "${P}vr" 10.201.0.1/24 "$C" "${P}vc" 10.201.0.2/24
	local rpriv cpriv
	netns_genkey rpriv rpub
	netns_genkey cpriv cpub
	tunnel_relay "$R" "$RIF" "$rpriv" 51820 10.64.0.1/24 "$NETNS_TMP/relay.log"
	tunnel_relay_add_peer "$R" "$RIF" "$cpub" 10.64.0.2/32
	ip -n "$R" addr add 10.64.0.9/32 dev "$RIF"
	cat >"$NETNS_TMP/$CIF.conf" <<EOC
[Interface]
PrivateKey = $cpriv
Address = 10.64.0.2/32
[Peer]
PublicKey = $rpub
Endpoint = 10.201.0.1:51820
AllowedIPs = 0.0.0.0/0
EOC
}

# tunnel_multihop_setup: client C -- entry relay E -- exit relay X.
# E forwards (and masquerades) what the client sends to X's endpoint; both
# relays run a config service on 10.64.0.1:1337 inside their tunnel; only
# the exit has 10.64.0.99 (its "network"). Writes $NETNS_TMP/$CIF.conf with
# Hop = entry / Hop = exit. Needs P; sets C E X CIF EIF XIF epub xpub cpub.
tunnel_multihop_setup() {
	C=${P}C E=${P}E X=${P}X CIF=${P}c EIF=${P}e XIF=${P}x
	netns_add "$C"
	netns_add "$E"
	netns_add "$X"
	netns_veth "$C" "${P}vc" 10.203.0.2/24 "$E" "${P}ve" 10.203.0.1/24
	netns_veth "$E" "${P}vx" 10.204.0.1/24 "$X" "${P}vy" 10.204.0.2/24
	ip netns exec "$E" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$E" nft -f - <<NFT || netns_fail "cannot set up NAT on the entry relay"
table ip pqtest_nat {
	chain post { type nat hook postrouting priority 100; oifname "${P}vx" masquerade; }
}
NFT
	local epriv xpriv cpriv
	netns_genkey epriv epub
	netns_genkey xpriv xpub
	netns_genkey cpriv cpub
	tunnel_relay "$E" "$EIF" "$epriv" 51820 10.64.0.1/24 "$NETNS_TMP/entry.log"
	tunnel_relay_add_peer "$E" "$EIF" "$cpub" 10.64.0.2/32
	tunnel_relay "$X" "$XIF" "$xpriv" 51821 10.64.0.1/24 "$NETNS_TMP/exit.log"
	tunnel_relay_add_peer "$X" "$XIF" "$cpub" 10.64.0.2/32
	ip -n "$X" addr add 10.64.0.99/32 dev "$XIF"
	cat >"$NETNS_TMP/$CIF.conf" <<EOC
[Interface]
PrivateKey = $cpriv
Address = 10.64.0.2/32

[Peer]
# entry relay: carries the exit relay's packets (encrypted twice)
Hop = entry
PublicKey = $epub
Endpoint = 10.203.0.1:51820
AllowedIPs =

[Peer]
# exit relay: everything else
Hop = exit
PublicKey = $xpub
Endpoint = 10.204.0.2:51821
AllowedIPs = 0.0.0.0/0
EOC
}

# tunnel_test_begin PREFIX single|multihop|none [PROGRAM...]: the common
# start of a client-tunnel test: skip (77) without root, namespaces, nft or
# one of PROGRAMs; namespaces named PREFIX*, removed on exit after a
# `pqtun down` of the client; then the given topology's setup. Sets P.
tunnel_test_begin() {
	local prefix=$1 topology=$2 prog
	shift 2
	netns_require
	command -v nft >/dev/null || netns_skip "nft (nftables) not installed"
	for prog in "$@"; do
		command -v "$prog" >/dev/null || netns_skip "$prog not installed"
	done
	netns_setup "$prefix"
	P=$NETNS_PREFIX
	trap 'ip netns exec "$C" "$PQTUN" -q down "$CIF" >/dev/null 2>&1; netns_cleanup' EXIT
	case $topology in
	single) tunnel_single_setup ;;
	multihop) tunnel_multihop_setup ;;
	esac
}
