#!/usr/bin/env bash
# Fault tests of relay mode (`pqtun serve --interface`), with real
# wireguard-go in network namespaces:
#  A. the WireGuard interface is removed under the running relay
#     (`ip link del`, wireguard-go exits): an exchange that arrives then gets
#     a gRPC UNAVAILABLE naming the cause, the relay logs one line naming the
#     interface per refused request plus one for the poller per outage, does
#     not exit and does not spin (CPU time measured over 2 s); once the
#     interface is re-created and configured as before, the relay notices
#     by itself and the client upgrades again (ping through the new
#     ephemeral peer); the same when wireguard-go is killed with SIGKILL
#     and leaves a stale UAPI socket behind, and for a relay listening on
#     the interface's own address (its socket serves again once the
#     interface is back);
#  B. the relay's state directory is full (16 KiB tmpfs, private mount
#     namespace, filled up): a new exchange is refused with UNAVAILABLE and
#     changes nothing (no new WireGuard peer, the client keeps its tunnel),
#     the state file keeps its previous content and no temporary file is
#     left; the relay keeps running, and once space is freed the same
#     exchange succeeds and is recorded.
# Design (relay side): the state file is what lets an upgraded tunnel
# survive a relay restart, so a registration the relay cannot record is
# refused rather than loaded into WireGuard unrecorded; the client stays on
# its working tunnel and retries later.
set -u
. "${PQTUN_SRC:-$(dirname "$0")/..}/tests/support/netns.sh"
netns_require
command -v nsenter >/dev/null 2>&1 || netns_skip "nsenter (util-linux) not installed"
command -v unshare >/dev/null 2>&1 || netns_skip "unshare (util-linux) not installed"
unshare -m sh -c 'mount -t tmpfs -o size=16k pqtunprobe /mnt' 2>/dev/null ||
	netns_skip "cannot mount a tmpfs in a private mount namespace here"
PQTUN=${PQTUN:?PQTUN must point to the pqtun binary}
netns_setup
umask 077
P=$NETNS_PREFIX T=$NETNS_TMP
R=${P}r C=${P}c
WR=${P}wr WC=${P}wc
. "${PQTUN_SRC:-$(dirname "$0")/..}/tests/support/relay_steps.sh"
trap 'netns_cleanup' EXIT
NET=192.168.91

relay_pair_setup "$NET"

# CPU time (user + system, in clock ticks) of a process.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
relay_has_peer() { netns_wg "$R" show "$WR" peers | grep -qxF -- "$1"; }
client_pub() { netns_wg "$C" show "$WC" public-key; }
ping_ok() {
	local i
	for i in $(seq 1 30); do
		netns_exec "$C" ping -c1 -W1 10.64.0.1 >/dev/null 2>&1 && return 0
	done
	return 1
}
# configure the relay interface as the admin's config would
relay_wg_config() {
	netns_wg "$R" set "$WR" private-key "$T/r.key" listen-port 51820 peer "$CPUB" allowed-ips 10.64.0.2/32
}

# ------------------------------------------------------------------ A
step "A: relay on $WR, first upgrade"
# Listen on every address, so that requests still arrive over the veth
# while the WireGuard interface is gone.
netns_bg "$R" "$T/serve.log" "$PQTUN" -v serve --interface "$WR" --state "$T/relay.state" \
	--listen 0.0.0.0:1337
RELAY_PID=$NETNS_LAST_PID
netns_wait_port "$R" 10.64.0.1 1337 10 || fail "relay did not start"
OUT=$(netns_exec "$C" "$PQTUN" upgrade "$WC" 2>&1) || fail "first upgrade failed: $OUT"
EPH1=$(client_pub)
ping_ok || fail "no ping after the first upgrade"

step "A: interface removed under the relay"
WG_PID=${_netns_wg_pid[$WR]}
netns_exec "$R" ip link del "$WR" || fail "cannot delete $WR"
for _ in $(seq 1 50); do kill -0 "$WG_PID" 2>/dev/null || break; sleep 0.1; done
netns_wg_del "$R" "$WR" # stops wireguard-go if it is still there, removes its socket
lines0=$(wc -l <"$T/serve.log")
t0=$(cpu_ticks "$RELAY_PID")
sleep 2
t1=$(cpu_ticks "$RELAY_PID")
kill -0 "$RELAY_PID" 2>/dev/null || fail "relay exited when its interface went away"
idle_ticks=$((t1 - t0))
idle_lines=$(( $(wc -l <"$T/serve.log") - lines0 ))
echo "relay with its interface gone: $idle_ticks CPU ticks in 2 s, $idle_lines new log line(s)"
sed -n "$((lines0 + 1)),\$p" "$T/serve.log"
OUT=$(netns_exec "$C" timeout 20 "$PQTUN" exchange -t 10 "$NET.1" "$CPUB" 2>&1); rc=$?
echo "exchange while the interface is gone: exit $rc: $OUT"
tail -n 3 "$T/serve.log"

[ "$idle_ticks" -le 20 ] || fail "relay used $idle_ticks CPU ticks in 2 s without its interface (spinning?)"
[ "$idle_lines" -le 1 ] || fail "relay logged $idle_lines lines in 2 s without its interface"
[ $rc -eq 1 ] || fail "exchange while the interface is gone: exit $rc, expected 1"
printf '%s\n' "$OUT" | grep -q "UNAVAILABLE.*relay cannot read its WireGuard interface" ||
	fail "unclear client error: $OUT"
grep -q "error: relay: $WR: no such interface" "$T/serve.log" || fail "relay did not log a line naming $WR"
kill -0 "$RELAY_PID" 2>/dev/null || fail "relay exited after the refused exchange"

step "A: interface re-created and configured as before"
netns_wg_add "$R" "$WR" 10.64.0.1/16
relay_wg_config
# The relay's ephemeral peer and its PSK went with the interface: the
# client goes back to its normal key (always possible, PROTOCOL.md §9) and
# upgrades again, without the relay being restarted.
netns_wg "$C" set "$WC" private-key "$T/c.key" peer "$RPUB" preshared-key /dev/null
ping_ok || fail "no ping with the normal key after the interface came back"
OUT=$(netns_exec "$C" "$PQTUN" upgrade "$WC" 2>&1) || fail "upgrade after the interface came back failed: $OUT"
EPH2=$(client_pub)
[ "$EPH2" != "$CPUB" ] && [ "$EPH2" != "$EPH1" ] || fail "client did not get a new ephemeral key"
ping_ok || fail "no ping after the upgrade following the re-creation"
netns_wait_handshake "$R" "$WR" "$EPH2" 5 || fail "no handshake with the new ephemeral key"
for _ in $(seq 1 30); do grep -q "info: relay: $WR is readable again" "$T/serve.log" && break; sleep 0.1; done
grep -q "info: relay: $WR is readable again" "$T/serve.log" || fail "relay did not log that $WR is back"
relay_has_peer "$EPH1" && fail "the lost ephemeral peer came back"

step "A: wireguard-go killed (SIGKILL): interface gone, stale UAPI socket left"
WG_PID=${_netns_wg_pid[$WR]}
kill -KILL "$WG_PID"
wait "$WG_PID" 2>/dev/null
for _ in $(seq 1 50); do netns_exec "$R" ip link show "$WR" >/dev/null 2>&1 || break; sleep 0.1; done
[ -S "/var/run/wireguard/$WR.sock" ] || fail "expected a stale UAPI socket after SIGKILL"
lines0=$(wc -l <"$T/serve.log")
t0=$(cpu_ticks "$RELAY_PID")
sleep 2
t1=$(cpu_ticks "$RELAY_PID")
echo "relay with a stale socket: $((t1 - t0)) CPU ticks in 2 s"
[ $((t1 - t0)) -le 20 ] || fail "relay used $((t1 - t0)) CPU ticks in 2 s with a stale socket (spinning?)"
OUT=$(netns_exec "$C" timeout 20 "$PQTUN" exchange -t 10 "$NET.1" "$CPUB" 2>&1); rc=$?
echo "exchange with a stale socket: exit $rc: $OUT"
sed -n "$((lines0 + 1)),\$p" "$T/serve.log"
[ $rc -eq 1 ] || fail "exchange with a stale socket: exit $rc, expected 1"
printf '%s\n' "$OUT" | grep -q "UNAVAILABLE.*relay cannot read its WireGuard interface" ||
	fail "unclear client error: $OUT"
kill -0 "$RELAY_PID" 2>/dev/null || fail "relay exited"
netns_wg_del "$R" "$WR"
netns_wg_add "$R" "$WR" 10.64.0.1/16
relay_wg_config
netns_wg "$C" set "$WC" private-key "$T/c.key" peer "$RPUB" preshared-key /dev/null
ping_ok || fail "no ping with the normal key after wireguard-go was restarted"
echo "interface removal: client refused with UNAVAILABLE, relay kept running and idle, upgrade works after re-creation"
netns_kill "$RELAY_PID"

# ------------------------------------------------------------------ B
step "B: relay with its state on a 16 KiB tmpfs"
SD=$T/statefs
mkdir -p "$SD"
cp "$T/relay.state" "$T/relay.state.A"
# The mount lives in the relay's private mount namespace only (unshare -m)
# and disappears with it; nsenter reaches it to fill and inspect it.
netns_bg "$R" "$T/serve-B.log" unshare -m --propagation private sh -c \
	'mount -t tmpfs -o size=16k,mode=0700 pqtunfull "$1" && cp "$2" "$1/relay.state" && shift 2 && exec "$@"' \
	sh "$SD" "$T/relay.state.A" "$PQTUN" -v serve --interface "$WR" --state "$SD/relay.state"
RELAY_PID=$NETNS_LAST_PID
netns_wait_port "$R" 10.64.0.1 1337 10 || fail "relay did not start on the tmpfs state dir"
in_relay_fs() { nsenter -t "$RELAY_PID" -m -- "$@"; }
in_relay_fs grep -q pqtunfull /proc/self/mounts || fail "state dir is not the private tmpfs"
OUT=$(netns_exec "$C" "$PQTUN" upgrade --force "$WC" 2>&1) || fail "upgrade with room on the disk failed: $OUT"
EPH3=$(client_pub)
ping_ok || fail "no ping after the upgrade"
# wait until the switch is confirmed and recorded, so the file is stable
for _ in $(seq 1 50); do
	in_relay_fs cat "$SD/relay.state" | grep -q "eph=$EPH3 .*holder=eph" &&
		! in_relay_fs grep -q tentative "$SD/relay.state" && break
	sleep 0.1
done
BEFORE=$(in_relay_fs cat "$SD/relay.state")
printf '%s\n' "$BEFORE" | grep -q "eph=$EPH3 " || fail "state file does not record $EPH3: $BEFORE"

step "B: state dir full -> the exchange is refused, nothing changes"
in_relay_fs dd if=/dev/zero of="$SD/filler" bs=4096 2>/dev/null
in_relay_fs sh -c "echo x >'$SD/probe'; r=\$?; rm -f '$SD/probe'; exit \$r" 2>/dev/null &&
	fail "could not fill the state dir"
echo "state dir: $(in_relay_fs df -k "$SD" | tail -n 1)"
PEERS0=$(netns_wg "$R" show "$WR" peers | sort)
CPSK0=$(netns_wg "$C" show "$WC" preshared-keys)
OUT=$(netns_exec "$C" "$PQTUN" upgrade --force "$WC" 2>&1); rc=$?
echo "upgrade with the relay's state dir full: exit $rc: $OUT"
[ $rc -eq 1 ] || fail "upgrade with a full relay state dir: exit $rc, expected 1"
printf '%s\n' "$OUT" | grep -q "UNAVAILABLE.*cannot record the ephemeral peer" || fail "unclear client error: $OUT"
grep -q "error: relay: cannot write $SD/relay.state: No space left on device" "$T/serve-B.log" ||
	fail "relay did not log the failed state write"
kill -0 "$RELAY_PID" 2>/dev/null || fail "relay exited on a full disk"
[ "$(client_pub)" = "$EPH3" ] || fail "client key changed although the exchange was refused"
[ "$(netns_wg "$C" show "$WC" preshared-keys)" = "$CPSK0" ] || fail "client PSK changed although refused"
[ "$(netns_wg "$R" show "$WR" peers | sort)" = "$PEERS0" ] || fail "relay WireGuard peers changed although refused"
[ "$(in_relay_fs cat "$SD/relay.state")" = "$BEFORE" ] || fail "state file changed: $(in_relay_fs cat "$SD/relay.state")"
LEFT=$(in_relay_fs ls -A "$SD" | sort | tr '\n' ' ')
[ "$LEFT" = "filler relay.state " ] || fail "files left in the state dir: $LEFT"
ping_ok || fail "client tunnel broken after the refused exchange"

step "B: space freed -> the exchange succeeds and is recorded"
in_relay_fs rm -f "$SD/filler"
OUT=$(netns_exec "$C" "$PQTUN" upgrade --force "$WC" 2>&1) || fail "upgrade after freeing space failed: $OUT"
EPH4=$(client_pub)
[ "$EPH4" != "$EPH3" ] || fail "no new ephemeral key"
in_relay_fs grep -q "eph=$EPH4 " "$SD/relay.state" || fail "new ephemeral peer not recorded"
ping_ok || fail "no ping after the upgrade with space freed"

step "A': relay on its default address (the interface's): interface re-created"
# Its listening socket stays bound to 10.64.0.1 while the address is gone
# and serves again once the interface is back; no restart needed.
netns_exec "$R" ip link del "$WR" || fail "cannot delete $WR"
netns_wg_del "$R" "$WR"
sleep 0.5
netns_wg_add "$R" "$WR" 10.64.0.1/16
relay_wg_config
netns_wg "$C" set "$WC" private-key "$T/c.key" peer "$RPUB" preshared-key /dev/null
ping_ok || fail "no ping with the normal key after the interface came back"
OUT=$(netns_exec "$C" "$PQTUN" upgrade "$WC" 2>&1) || fail "upgrade through the re-created interface failed: $OUT"
ping_ok || fail "no ping after the upgrade through the re-created interface"
kill -0 "$RELAY_PID" 2>/dev/null || fail "relay exited"
netns_kill "$RELAY_PID"
# sanitizer builds: the relay must have survived the faults without reports
if grep -E "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:" "$T"/serve*.log; then
	fail "sanitizer reports from the relay"
fi
echo "PASS"
