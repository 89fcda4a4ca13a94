# netns.sh: network namespaces with userspace WireGuard for pqtun's tests
# and demo. Source it from bash:  . "$PQTUN_SRC/tests/support/netns.sh"
#
# Everything a script creates through these functions (namespaces, veth
# pairs, wireguard-go processes, background processes, UAPI sockets, temp
# dirs) is recorded and removed by netns_cleanup, which netns_setup installs
# as an EXIT/INT/TERM/HUP trap. Names are the caller's, but should start with
# $NETNS_PREFIX (unique per run: "pq<pid>") because wireguard-go keeps its
# UAPI sockets in the shared /var/run/wireguard and interface names must be
# unique across namespaces. Interface names are at most 15 characters.
#
# Stable API (the client tests and the demo use it):
#   netns_require                  SKIP (exit 77, reason printed) unless root,
#                                  netns, /dev/net/tun, wireguard-go, wg, ip
#   netns_setup [PREFIX]           set NETNS_PREFIX, NETNS_TMP, install trap
#   netns_add NS                   new namespace with lo up
#   netns_veth NS1 IF1 CIDR1 NS2 IF2 CIDR2
#                                  veth pair between two namespaces, up,
#                                  addressed (a CIDR may be "" for none)
#   netns_exec NS CMD...           run CMD inside NS
#   netns_bg NS LOG CMD...         start CMD in NS in the background, output
#                                  to LOG; sets NETNS_LAST_PID; killed on cleanup
#   netns_kill PID                 stop a process started by netns_bg (TERM,
#                                  then KILL after 3 s) and forget it
#   netns_wg_add NS IFACE [CIDR...]
#                                  start wireguard-go for IFACE inside NS,
#                                  wait for its UAPI socket, add addresses,
#                                  bring it up; sets NETNS_LAST_PID
#   netns_wg_del NS IFACE          stop that wireguard-go and remove the socket
#   netns_wg NS ARGS...            run `wg ARGS` inside NS
#   netns_genkey VAR_PRIV VAR_PUB  new key pair (base64) into two variables
#   netns_wait_handshake NS IFACE PUBKEY [TIMEOUT_S]
#                                  wait until peer PUBKEY has a handshake
#                                  (returns 1 on timeout)
#   netns_wait_port NS ADDR PORT [TIMEOUT_S]
#                                  wait until a TCP listener accepts at ADDR:PORT
#   netns_cleanup                  undo everything (idempotent)
#   netns_skip REASON / netns_fail REASON
#                                  print and exit 77 / exit 1

NETNS_PREFIX=${NETNS_PREFIX:-}
NETNS_TMP=${NETNS_TMP:-}
NETNS_LAST_PID=
_netns_list=()
_netns_pids=()
_netns_wg_socks=()
declare -A _netns_wg_pid=()
_netns_cleaned=0

netns_skip() {
	echo "SKIP: $*"
	exit 77
}

netns_fail() {
	echo "FAIL: $*" >&2
	exit 1
}

netns_require() {
	[ "$(id -u)" = 0 ] || netns_skip "needs root for network namespaces"
	command -v ip >/dev/null 2>&1 || netns_skip "iproute2 (ip) not installed"
	command -v wireguard-go >/dev/null 2>&1 || netns_skip "wireguard-go not installed (scripts/install-deps)"
	command -v wg >/dev/null 2>&1 || netns_skip "wireguard-tools (wg) not installed (scripts/install-deps)"
	[ -c /dev/net/tun ] || netns_skip "/dev/net/tun is missing"
	local probe="pqprobe$$"
	if ! ip netns add "$probe" 2>/dev/null; then
		netns_skip "cannot create network namespaces here"
	fi
	ip netns del "$probe" 2>/dev/null || true
	return 0
}

netns_setup() {
	NETNS_PREFIX=${1:-pq$$}
	NETNS_TMP=$(mktemp -d "/tmp/${NETNS_PREFIX}.XXXXXX")
	mkdir -p /var/run/wireguard
	trap 'netns_cleanup' EXIT
	trap 'netns_cleanup; exit 130' INT
	trap 'netns_cleanup; exit 143' TERM HUP
}

netns_add() {
	local ns=$1
	ip netns add "$ns" || netns_fail "cannot create namespace $ns"
	_netns_list+=("$ns")
	ip -n "$ns" link set lo up
}

netns_veth() {
	local ns1=$1 if1=$2 a1=$3 ns2=$4 if2=$5 a2=$6
	ip link add "$if1" netns "$ns1" type veth peer name "$if2" netns "$ns2" ||
		netns_fail "cannot create veth $if1/$if2"
	if [ -n "$a1" ]; then ip -n "$ns1" addr add "$a1" dev "$if1"; fi
	if [ -n "$a2" ]; then ip -n "$ns2" addr add "$a2" dev "$if2"; fi
	ip -n "$ns1" link set "$if1" up
	ip -n "$ns2" link set "$if2" up
}

netns_exec() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

netns_bg() {
	local ns=$1 log=$2
	shift 2
	ip netns exec "$ns" "$@" >"$log" 2>&1 &
	NETNS_LAST_PID=$!
	_netns_pids+=("$NETNS_LAST_PID")
}

_netns_forget_pid() {
	local p=$1 i
	for i in "${!_netns_pids[@]}"; do
		if [ "${_netns_pids[$i]}" = "$p" ]; then unset '_netns_pids[i]'; fi
	done
	return 0
}

netns_kill() {
	local p=$1 n=0
	[ -n "$p" ] || return 0
	kill -TERM "$p" 2>/dev/null || true
	while kill -0 "$p" 2>/dev/null && [ $n -lt 30 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	kill -KILL "$p" 2>/dev/null || true
	wait "$p" 2>/dev/null || true
	_netns_forget_pid "$p"
	return 0
}

netns_wg_add() {
	local ns=$1 ifc=$2 n=0
	shift 2
	[ ${#ifc} -le 15 ] || netns_fail "interface name '$ifc' longer than 15 characters"
	if [ -e "/var/run/wireguard/$ifc.sock" ]; then netns_fail "interface name '$ifc' already in use"; fi
	netns_bg "$ns" "$NETNS_TMP/wireguard-go-$ifc.log" env LOG_LEVEL=error wireguard-go -f "$ifc"
	_netns_wg_socks+=("/var/run/wireguard/$ifc.sock")
	_netns_wg_pid[$ifc]=$NETNS_LAST_PID
	while [ ! -S "/var/run/wireguard/$ifc.sock" ]; do
		kill -0 "$NETNS_LAST_PID" 2>/dev/null ||
			netns_fail "wireguard-go for $ifc exited: $(cat "$NETNS_TMP/wireguard-go-$ifc.log")"
		[ $n -lt 100 ] || netns_fail "wireguard-go for $ifc did not create its socket"
		sleep 0.05
		n=$((n + 1))
	done
	local a
	for a in "$@"; do
		ip -n "$ns" addr add "$a" dev "$ifc" || netns_fail "cannot add $a to $ifc"
	done
	ip -n "$ns" link set "$ifc" up || netns_fail "cannot bring $ifc up"
}

netns_wg_del() {
	local ns=$1 ifc=$2
	if [ -n "${_netns_wg_pid[$ifc]:-}" ]; then netns_kill "${_netns_wg_pid[$ifc]}"; fi
	unset '_netns_wg_pid[$ifc]'
	rm -f "/var/run/wireguard/$ifc.sock"
	ip -n "$ns" link del "$ifc" 2>/dev/null || true
	return 0
}

netns_wg() {
	local ns=$1
	shift
	ip netns exec "$ns" wg "$@"
}

netns_genkey() {
	local _priv _pub
	_priv=$(wg genkey) || netns_fail "wg genkey failed"
	_pub=$(printf '%s\n' "$_priv" | wg pubkey) || netns_fail "wg pubkey failed"
	printf -v "$1" '%s' "$_priv"
	printf -v "$2" '%s' "$_pub"
}

netns_wait_handshake() {
	local ns=$1 ifc=$2 pub=$3 timeout=${4:-10} t0 ts
	t0=$(date +%s)
	while :; do
		ts=$(ip netns exec "$ns" wg show "$ifc" latest-handshakes 2>/dev/null |
			awk -v k="$pub" '$1 == k { print $2 }')
		if [ -n "$ts" ] && [ "$ts" != 0 ]; then return 0; fi
		[ $(($(date +%s) - t0)) -lt "$timeout" ] || return 1
		sleep 0.1
	done
}

netns_wait_port() {
	local ns=$1 addr=$2 port=$3 timeout=${4:-10} t0
	t0=$(date +%s)
	while :; do
		ip netns exec "$ns" bash -c "exec 3<>/dev/tcp/$addr/$port" 2>/dev/null && return 0
		[ $(($(date +%s) - t0)) -lt "$timeout" ] || return 1
		sleep 0.1
	done
}

netns_cleanup() {
	set +e
	[ "$_netns_cleaned" = 1 ] && return 0
	_netns_cleaned=1
	local p ns s
	for p in "${_netns_pids[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${_netns_pids[@]}"; do
		local n=0
		while kill -0 "$p" 2>/dev/null && [ $n -lt 30 ]; do
			sleep 0.1
			n=$((n + 1))
		done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	_netns_pids=()
	for ns in "${_netns_list[@]}"; do
		# anything else still running in the namespace was started by us
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	_netns_list=()
	for s in "${_netns_wg_socks[@]}"; do
		rm -f "$s"
	done
	_netns_wg_socks=()
	[ -n "$NETNS_TMP" ] && [ -d "$NETNS_TMP" ] && rm -rf "$NETNS_TMP"
	return 0
}
