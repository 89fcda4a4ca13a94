#!/usr/bin/env bash
# Fault tests:
#  1. the relay is killed (SIGKILL) while a client's exchange is in flight:
#     the client fails at once (not at its timeout) with a clear error and
#     exit 1; while the relay is down clients get "cannot connect"; once it
#     is back on the same port a retry succeeds and both sides hold the
#     same PSK;
#  2. an unusable state directory (PQTUN_RUN_DIR under a regular file, on
#     a read-only file system, on a full file system, or on one that fills
#     up after the first state write): `pqtun up` refuses with a clear
#     error, exit 1, changes nothing and leaves no state file (in a private
#     network namespace; skipped without root/namespaces).
# Relay-mode faults (interface removed, relay state dir full) are in
# test_hardening_faults_wg.sh.
set -u
PQTUN=${PQTUN:?PQTUN must point to the pqtun binary}
SRC=${PQTUN_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
tmp=$(mktemp -d)
srv_pid=; cli_pid=
cleanup() {
	[ -n "$srv_pid" ] && kill -9 "$srv_pid" 2>/dev/null
	[ -n "$cli_pid" ] && kill "$cli_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
ms_now() { echo $(( $(date +%s%N) / 1000000 )); }

start_relay() { # LISTEN
	: >"$tmp/serve.err"
	"$PQTUN" serve --listen "$1" --json --workers 1 >>"$tmp/serve.out" 2>"$tmp/serve.err" &
	srv_pid=$!
	for _ in $(seq 100); do grep -q 'port [0-9]' "$tmp/serve.err" 2>/dev/null && return 0; sleep 0.05; done
	fail "relay did not start: $(cat "$tmp/serve.err")"
}

# ---------------------------------------------------------------- 1
start_relay 127.0.0.1:0
port=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$tmp/serve.err" | head -1)
parent=$("$PQTUN" genkey | "$PQTUN" pubkey)
"$PQTUN" exchange --port "$port" 127.0.0.1 "$parent" >/dev/null 2>"$tmp/ex.err" \
	|| { grep -q "not available in this build" "$tmp/ex.err" && { echo "SKIP: KEMs not built in"; exit 77; }
	     fail "exchange before the fault: $(cat "$tmp/ex.err")"; }

# Freeze the relay so the exchange is surely in flight (the kernel accepts
# the connection and the request), then kill it.
kill -STOP "$srv_pid"
t0=$(ms_now)
"$PQTUN" exchange --port "$port" --timeout 20 --json 127.0.0.1 "$parent" >"$tmp/cut.out" 2>"$tmp/cut.err" &
cli_pid=$!
sleep 0.5
kill -0 "$cli_pid" 2>/dev/null || fail "client finished although the relay is frozen: $(cat "$tmp/cut.err")"
kill -KILL "$srv_pid"
wait "$srv_pid" 2>/dev/null
srv_pid=
wait "$cli_pid"; rc=$?; cli_pid=
t1=$(ms_now)
echo "client whose relay was killed mid-exchange: exit $rc after $((t1 - t0)) ms: $(cat "$tmp/cut.err")"
[ $rc -eq 1 ] || fail "exit status $rc, expected 1"
[ -s "$tmp/cut.out" ] && fail "client printed a result: $(cat "$tmp/cut.out")"
grep -Eq '^pqtun exchange: .*(closed by the relay|reset|cannot connect)' "$tmp/cut.err" || fail "unclear error: $(cat "$tmp/cut.err")"
[ $((t1 - t0)) -lt 5000 ] || fail "client waited $((t1 - t0)) ms instead of failing at once"

"$PQTUN" exchange --port "$port" --timeout 3 127.0.0.1 "$parent" >/dev/null 2>"$tmp/down.err"; rc=$?
echo "client while the relay is down: exit $rc: $(cat "$tmp/down.err")"
[ $rc -eq 1 ] && grep -q "cannot connect to the relay" "$tmp/down.err" || fail "relay down: exit $rc, $(cat "$tmp/down.err")"

start_relay "127.0.0.1:$port"
out=$("$PQTUN" exchange --port "$port" --json 127.0.0.1 "$parent" 2>"$tmp/retry.err") || fail "retry after restart: $(cat "$tmp/retry.err")"
psk=$(echo "$out" | sed -n 's/.*"psk":"\([^"]*\)".*/\1/p')
pub=$(echo "$out" | sed -n 's/.*"public_key":"\([^"]*\)".*/\1/p')
sleep 0.2
grep "\"ephemeral\":\"$pub\"" "$tmp/serve.out" | grep -q "\"psk\":\"$psk\"" || fail "relay and client disagree after the restart"
echo "retry after the relay came back: ok, same PSK on both sides"
kill "$srv_pid"; wait "$srv_pid" 2>/dev/null; srv_pid=

# ---------------------------------------------------------------- 2
if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null || ! ip netns add "pqhf$$" 2>/dev/null; then
	echo "note: part 2 (unwritable state dir) skipped: needs root and network namespaces"
	echo "PASS (part 1)"
	exit 0
fi
ns=pqhf$$
trap 'ip netns del "$ns" 2>/dev/null; cleanup' EXIT
ip -n "$ns" link set lo up
k=$("$PQTUN" genkey); p=$("$PQTUN" genkey | "$PQTUN" pubkey)
cat >"$tmp/hf0.conf" <<EOC
[Interface]
PrivateKey = $k
Address = 10.64.0.2/32
[Peer]
PublicKey = $p
Endpoint = 127.0.0.1:51820
AllowedIPs = 0.0.0.0/0
EOC
: >"$tmp/afile"
mkdir "$tmp/rodir"
snap() { ip -n "$ns" -d link; ip -n "$ns" addr; ip -n "$ns" rule; ip netns exec "$ns" nft list ruleset 2>/dev/null; }
# try NAME RUN_DIR PATTERN [WRAPPER...]: up must fail with PATTERN and change nothing
try() {
	local name=$1 dir=$2 pattern=$3; shift 3
	local before after rc
	before=$(snap)
	out=$(PQTUN_RUN_DIR="$dir" "$@" ip netns exec "$ns" "$PQTUN" up --max-attempts 1 "$tmp/hf0.conf" 2>&1); rc=$?
	after=$(snap)
	echo "pqtun up, $name: exit $rc: $out"
	[ $rc -eq 1 ] || fail "$name: exit status $rc, expected 1"
	echo "$out" | grep -q "$pattern" || fail "$name: unclear error: $out"
	[ "$before" = "$after" ] || fail "$name: system changed: $(diff <(echo "$before") <(echo "$after") | head -5)"
	[ -e "$dir/hf0.state" ] && fail "$name: a state file appeared"
	return 0
}
try "state dir under a regular file" "$tmp/afile/run" "cannot read state in $tmp/afile/run: Not a directory"
if command -v unshare >/dev/null && unshare -m true 2>/dev/null; then
	# A read-only file system (root ignores permission bits), in a private mount namespace.
	try "read-only state dir" "$tmp/rodir" "cannot write state in $tmp/rodir: Read-only file system" \
		unshare -m sh -c 'mount -t tmpfs -o ro tmpfs "$PQTUN_RUN_DIR" && exec "$@"' sh
	# A full file system: a 16 KiB tmpfs with FREE_KIB left, in a private
	# mount namespace; afterwards it lists what is left in the state dir.
	run_full() { # FREE_KIB CMD...
		local free=$1
		shift
		unshare -m sh -c 'mount -t tmpfs -o size=16k tmpfs "$PQTUN_RUN_DIR" || exit 3
			dd if=/dev/zero of="$PQTUN_RUN_DIR/filler" bs=1024 count=$((16 - $0)) 2>/dev/null
			"$@"; rc=$?; echo "left in the state dir: $(ls -A "$PQTUN_RUN_DIR" | tr "\n" " ")"; exit $rc' \
			"$free" "$@"
	}
	mkdir "$tmp/fulldir"
	# Nothing can be written: refused before anything is done.
	try "full state dir" "$tmp/fulldir" "cannot write state in $tmp/fulldir: No space left on device" \
		run_full 0
	echo "$out" | grep -q "left in the state dir: filler $" || fail "full state dir: files left: $out"
	# Room for the first state file only: the first record is written, the
	# next one (the undo entry for the interface, recorded before the
	# interface is created) fails, so the interface is never created and the
	# state file is removed again.
	try "state dir full after the first write" "$tmp/fulldir" "cannot record state in $tmp/fulldir: No space left on device" \
		run_full 4
	echo "$out" | grep -q "left in the state dir: filler $" || fail "state dir full after one write: files left: $out"
else
	echo "note: read-only and full state dir cases skipped (no unshare -m)"
fi
ip netns del "$ns"
echo "PASS"
