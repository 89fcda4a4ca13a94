#!/usr/bin/env bash
# `pqtun serve` drops its privileges once the socket is bound and the
# interface loaded, and still works afterwards. Reads /proc/PID/status of
# every thread of the running server (Uid/Gid/Groups, CapInh/CapPrm/CapEff/
# CapBnd/CapAmb, NoNewPrivs; non-dumpable shows as /proc/PID/status owned by root):
#   - unknown user / group / no-drop with --user: exit 1 or 2, one clear line;
#   - standalone as nobody on port 443 (bound before the drop): no
#     capability at all, and a full `pqtun exchange` works;
#   - as root without --user: the pqtun user if it exists, else uid 0 with no
#     capability and a warning;
#   - --no-drop keeps root (the escape hatch);
#   - relay mode on wireguard-go as nobody: no capability, the UAPI helper is
#     uid 0 without any capability, under a seccomp filter, and holds no
#     inherited descriptor;
#     `pqtun upgrade` loads the ephemeral peer, ping through the tunnel, the
#     state file is written by nobody, a restart (with the systemd unit's
#     bounding set and no_new_privs) reconciles it and a forced upgrade
#     rewrites it;
#   - the default state directory (/var/lib bind-mounted from the temp dir)
#     is given to nobody, and given back after systemd-style chown -R root;
#   - a --state directory nobody cannot write: exit 1 with a clear message.
set -u
. "${PQTUN_SRC:-$(dirname "$0")/..}/tests/support/netns.sh"
netns_require
PQTUN=${PQTUN:?PQTUN must point to the pqtun binary}
getent passwd nobody >/dev/null || netns_skip "no user 'nobody' to drop to"
netns_setup
umask 077
P=$NETNS_PREFIX T=$NETNS_TMP
R=${P}r C=${P}c WR=${P}wr WC=${P}wc
. "${PQTUN_SRC:-$(dirname "$0")/..}/tests/support/relay_steps.sh"
trap 'netns_cleanup' EXIT
NUID=$(id -u nobody) NGID=$(id -g nobody)
NGROUPS=$(id -G nobody | tr ' ' '\n' | sort -n | tr '\n' ' ')
ZERO=0000000000000000

# field NAME of /proc/<pid or pid/task/tid>/status (tabs/spaces squeezed)
field() { awk -v f="$2:" '$1 == f { $1 = ""; print substr($0, 2) }' "/proc/$1/status"; }
# check_privs PID UID GID "GROUPS" CAPMASK: every thread of PID has exactly these
check_privs() {
	local pid=$1 uid=$2 gid=$3 groups=$4 caps=$5 task t got
	[ -d "/proc/$pid" ] || fail "process $pid is gone"
	for task in /proc/"$pid"/task/*; do
		t=${task#/proc/}
		[ "$(field "$t" Uid)" = "$uid $uid $uid $uid" ] || fail "$t: Uid '$(field "$t" Uid)', want $uid"
		[ "$(field "$t" Gid)" = "$gid $gid $gid $gid" ] || fail "$t: Gid '$(field "$t" Gid)', want $gid"
		got=$(field "$t" Groups | tr ' ' '\n' | grep . | sort -n | tr '\n' ' ')
		[ "$got" = "$groups" ] || fail "$t: Groups '$got', want '$groups'"
		[ "$(field "$t" CapInh)" = $ZERO ] || fail "$t: CapInh $(field "$t" CapInh)"
		[ "$(field "$t" CapPrm)" = "$caps" ] || fail "$t: CapPrm $(field "$t" CapPrm), want $caps"
		[ "$(field "$t" CapEff)" = "$caps" ] || fail "$t: CapEff $(field "$t" CapEff), want $caps"
		[ "$(field "$t" CapBnd)" = "$caps" ] || fail "$t: CapBnd $(field "$t" CapBnd), want $caps"
		[ "$(field "$t" CapAmb)" = $ZERO ] || fail "$t: CapAmb $(field "$t" CapAmb)"
		[ "$(field "$t" NoNewPrivs)" = 1 ] || fail "$t: NoNewPrivs $(field "$t" NoNewPrivs)"
	done
	# a non-dumpable process's /proc files belong to root whatever its uid
	[ "$(stat -c %u "/proc/$pid/status")" = 0 ] ||
		fail "$pid is dumpable (/proc/$pid/status owned by $(stat -c %u "/proc/$pid/status"))"
}
threads_of() { field "$1" Threads; }
ping_ok() { # ns: ping until it works (allowed IPs move within a poll interval)
	local i
	for i in $(seq 1 30); do
		netns_exec "$1" ping -c1 -W1 10.64.0.1 >/dev/null 2>&1 && return 0
	done
	return 1
}
relay_psk() { netns_wg "$R" show "$WR" preshared-keys | awk -v k="$1" '$1 == k { print $2 }'; }

step "unknown user, unknown group, --no-drop with --user"
OUT=$("$PQTUN" serve --user pqtun-no-such-user --listen 127.0.0.1:0 2>&1)
RC=$?
[ $RC = 1 ] || fail "unknown user: exit $RC, want 1 ($OUT)"
[ "$OUT" = "pqtun serve: no such user 'pqtun-no-such-user'" ] || fail "unknown user: unclear message: $OUT"
OUT=$("$PQTUN" serve --user nobody --group pqtun-no-such-group --listen 127.0.0.1:0 2>&1)
RC=$?
[ $RC = 1 ] && [ "$OUT" = "pqtun serve: no such group 'pqtun-no-such-group'" ] ||
	fail "unknown group: exit $RC: $OUT"
OUT=$("$PQTUN" serve --user nobody --no-drop --listen 127.0.0.1:0 2>&1)
[ $? = 2 ] || fail "--no-drop with --user accepted: $OUT"

relay_pair_setup 192.168.77

step "standalone as nobody on a privileged port"
netns_bg "$R" "$T/serve-standalone.log" "$PQTUN" serve --user nobody --listen 10.64.0.1:443
SPID=$NETNS_LAST_PID
netns_wait_port "$R" 10.64.0.1 443 10 || fail "standalone server did not start: $(cat "$T/serve-standalone.log")"
check_privs "$SPID" "$NUID" "$NGID" "$NGROUPS" $ZERO
[ "$(threads_of "$SPID")" -ge 2 ] || fail "no worker threads to check"
grep -q "running as user nobody (uid $NUID, gid $NGID), capabilities: none" "$T/serve-standalone.log" ||
	fail "no privilege line in the log"
X=$(netns_exec "$C" "$PQTUN" exchange -p 443 -t 20 10.64.0.1 "$CPUB" 2>&1) || fail "exchange with the dropped server failed: $X"
XPSK=$(printf '%s\n' "$X" | awk '/^psk:/ { print $2 }')
[ -n "$XPSK" ] && grep -qF "psk=$XPSK" "$T/serve-standalone.log" || fail "standalone PSKs differ"
check_privs "$SPID" "$NUID" "$NGID" "$NGROUPS" $ZERO # workers that ran KEM work too
netns_kill "$SPID"

step "default as root: user pqtun if it exists, else uid 0 without capabilities"
netns_bg "$R" "$T/serve-default.log" "$PQTUN" serve --listen 127.0.0.1:7004
DPID=$NETNS_LAST_PID
netns_wait_port "$R" 127.0.0.1 7004 10 || fail "default server did not start: $(cat "$T/serve-default.log")"
if getent passwd pqtun >/dev/null; then
	check_privs "$DPID" "$(id -u pqtun)" "$(id -g pqtun)" "$(id -G pqtun | tr ' ' '\n' | sort -n | tr '\n' ' ')" $ZERO
else
	check_privs "$DPID" 0 0 "$(field self Groups | tr ' ' '\n' | grep . | sort -n | tr '\n' ' ')" $ZERO
	grep -q "running as uid 0, capabilities: none (warning: no such user 'pqtun'" "$T/serve-default.log" ||
		fail "no warning about staying uid 0: $(cat "$T/serve-default.log")"
fi
netns_kill "$DPID"

step "--no-drop keeps root"
netns_bg "$R" "$T/serve-nodrop.log" "$PQTUN" serve --no-drop --listen 127.0.0.1:7003
NPID=$NETNS_LAST_PID
netns_wait_port "$R" 127.0.0.1 7003 10 || fail "--no-drop server did not start"
[ "$(field "$NPID" Uid)" = "0 0 0 0" ] || fail "--no-drop changed the uid"
[ "$(field "$NPID" CapEff)" != $ZERO ] || fail "--no-drop dropped the capabilities"
netns_kill "$NPID"

step "relay mode on wireguard-go as nobody"
mkdir "$T/state" && chown nobody:"$NGID" "$T/state" || fail "cannot prepare the state directory"
chmod 711 "$T" # nobody reaches its state directory through the test's temp dir
start_relay() {
	[ -f "$T/serve.log" ] && cat "$T/serve.log" >>"$T/serve-all.log"
	netns_bg "$R" "$T/serve.log" $PQTUN -v serve --interface "$WR" --state "$T/state/relay.state" --user nobody "$@"
	RELAY_PID=$NETNS_LAST_PID
	netns_wait_port "$R" 10.64.0.1 1337 10 || fail "relay did not start: $(cat "$T/serve.log")"
}
start_relay --ephemeral-timeout 60
check_privs "$RELAY_PID" "$NUID" "$NGID" "$NGROUPS" $ZERO
HPID=$(sed -n 's/.*UAPI socket opened by helper process \([0-9]*\).*/\1/p' "$T/serve.log" | tail -n1)
[ -n "$HPID" ] || fail "no UAPI helper reported"
[ "$(field "$HPID" PPid)" = "$RELAY_PID" ] || fail "helper $HPID is not the relay's child"
check_privs "$HPID" 0 0 "" $ZERO
[ "$(field "$HPID" Seccomp)" = 2 ] || fail "UAPI helper has no seccomp filter (Seccomp: $(field "$HPID" Seccomp))"
NFD=$(ls "/proc/$HPID/fd" | wc -l)
[ "$NFD" -le 4 ] || fail "UAPI helper holds $NFD descriptors: $(ls -l "/proc/$HPID/fd")"
[ "$(stat -c %U "$T/state/relay.state")" = nobody ] || fail "state file not written by nobody"

step "upgrade through the dropped relay, ping"
OUT=$(netns_exec "$C" "$PQTUN" upgrade "$WC" 2>&1) || fail "pqtun upgrade failed: $OUT"
EPH=$(netns_wg "$C" show "$WC" public-key)
[ "$EPH" != "$CPUB" ] || fail "client still uses its normal key"
CPSK=$(netns_wg "$C" show "$WC" preshared-keys | awk '{ print $2 }')
[ -n "$CPSK" ] && [ "$(relay_psk "$EPH")" = "$CPSK" ] || fail "relay and client PSKs differ"
ping_ok "$C" || fail "no ping through the upgraded tunnel"
netns_wait_handshake "$R" "$WR" "$EPH" 5 || fail "no handshake with the ephemeral key"
for i in $(seq 1 50); do grep -qF "$EPH" "$T/state/relay.state" && break; sleep 0.1; done
grep -qF "$EPH" "$T/state/relay.state" || fail "state file does not name the ephemeral peer"
check_privs "$RELAY_PID" "$NUID" "$NGID" "$NGROUPS" $ZERO

step "restart with the systemd unit's bounding set: state reconciled, forced upgrade rewrites it"
netns_kill "$RELAY_PID"
# as contrib/pqtun-serve@.service starts it: root, NoNewPrivileges, CapabilityBoundingSet
UNIT_CAPS=$(sed -n 's/^CapabilityBoundingSet=//p' "${PQTUN_SRC:-$(dirname "$0")/..}/contrib/pqtun-serve@.service" |
	tr 'A-Z ' 'a-z\n' | sed -n 's/^cap_/+/p' | paste -sd, -)
[ -n "$UNIT_CAPS" ] || fail "no CapabilityBoundingSet in the unit"
PQTUN_REAL=$PQTUN
PQTUN="setpriv --bounding-set=-all,$UNIT_CAPS --inh-caps=-all --no-new-privs $PQTUN_REAL"
start_relay --ephemeral-timeout 60
PQTUN=$PQTUN_REAL
grep -q "restored 1 peer(s)" "$T/serve.log" || fail "restart did not restore the state"
ping_ok "$C" || fail "no ping after the relay restart"
OUT=$(netns_exec "$C" "$PQTUN" upgrade --force "$WC" 2>&1) || fail "forced upgrade after restart failed: $OUT"
EPH2=$(netns_wg "$C" show "$WC" public-key)
[ "$EPH2" != "$EPH" ] || fail "no new ephemeral key"
ping_ok "$C" || fail "no ping after the forced upgrade"
for i in $(seq 1 50); do grep -qF "$EPH2" "$T/state/relay.state" && break; sleep 0.1; done
grep -qF "$EPH2" "$T/state/relay.state" || fail "state file not rewritten after the drop"
grep -qiE "error|cannot" "$T/serve.log" && fail "relay logged errors: $(grep -iE 'error|cannot' "$T/serve.log")"
check_privs "$RELAY_PID" "$NUID" "$NGID" "$NGROUPS" $ZERO
netns_kill "$RELAY_PID"

step "default state directory, handed back to root between runs (systemd without User=)"
# $T/varlib is /var/lib for the relay (private mount namespace)
mkdir -m 755 "$T/varlib"
VARLIB_SERVE=(unshare -m --propagation private sh -c 'mount --bind "$0" /var/lib && exec "$@"' "$T/varlib"
	"$PQTUN" -v serve --interface "$WR" --user nobody)
SD=$T/varlib/pqtun
netns_bg "$R" "$T/serve-varlib.log" "${VARLIB_SERVE[@]}"
RELAY_PID=$NETNS_LAST_PID
netns_wait_port "$R" 10.64.0.1 1337 10 || fail "relay with the default state did not start: $(cat "$T/serve-varlib.log")"
check_privs "$RELAY_PID" "$NUID" "$NGID" "$NGROUPS" $ZERO
[ "$(stat -c %U:%a "$SD")" = nobody:700 ] || fail "default state directory is $(stat -c %U:%a "$SD")"
OUT=$(netns_exec "$C" "$PQTUN" upgrade --force "$WC" 2>&1) || fail "upgrade with the default state failed: $OUT"
EPH3=$(netns_wg "$C" show "$WC" public-key)
for i in $(seq 1 50); do grep -qF "$EPH3" "$SD/$WR.state" 2>/dev/null && break; sleep 0.1; done
grep -qF "$EPH3" "$SD/$WR.state" || fail "default state file does not name the ephemeral peer"
[ "$(stat -c %U "$SD/$WR.state")" = nobody ] || fail "default state file not written by nobody"
netns_kill "$RELAY_PID"
chown -R root:root "$SD" # what systemd does to a StateDirectory= on start without User=
netns_bg "$R" "$T/serve-varlib2.log" "${VARLIB_SERVE[@]}"
RELAY_PID=$NETNS_LAST_PID
netns_wait_port "$R" 10.64.0.1 1337 10 || fail "relay did not restart on a root-owned state: $(cat "$T/serve-varlib2.log")"
grep -q "restored 1 peer(s)" "$T/serve-varlib2.log" || fail "restart did not restore the default state"
[ "$(stat -c %U "$SD")" = nobody ] && [ "$(stat -c %U "$SD/$WR.state")" = nobody ] ||
	fail "state not given back to nobody: $(ls -la "$SD")"
ping_ok "$C" || fail "no ping after restarting on the default state"
OUT=$(netns_exec "$C" "$PQTUN" upgrade --force "$WC" 2>&1) || fail "upgrade after the restart failed: $OUT"
EPH4=$(netns_wg "$C" show "$WC" public-key)
for i in $(seq 1 50); do grep -qF "$EPH4" "$SD/$WR.state" && break; sleep 0.1; done
grep -qF "$EPH4" "$SD/$WR.state" || fail "default state file not rewritten after the restart"
netns_kill "$RELAY_PID"

step "state directory nobody cannot write"
mkdir "$T/rootonly"
OUT=$(netns_exec "$R" timeout 20 "$PQTUN" serve --interface "$WR" --state "$T/rootonly/relay.state" --user nobody 2>&1)
RC=$?
[ $RC = 1 ] || fail "unwritable state directory: exit $RC, want 1 ($OUT)"
[ "$OUT" = "pqtun serve: the relay state directory $T/rootonly is not writable by user nobody: Permission denied" ] ||
	fail "unclear message: $OUT"
[ -e "$T/rootonly/relay.state" ] && fail "the root phase wrote the state file"
if grep -lE "Sanitizer|runtime error:" "$T"/serve*.log; then fail "sanitizer reports in the server logs"; fi
echo "PASS"
