#!/usr/bin/env bash
# Relay under load and attack (loopback only, bounded): `pqtun serve`
# standalone with short timeouts, then bench/load_relay opens 1,000 hostile
# connections (silent, one byte a second, truncated gRPC message, oversized
# length prefix, random bytes, bogus path) while honest post-quantum
# exchanges keep succeeding within 2x their unloaded latency; every hostile
# connection must be closed by the relay within its timeout; clients vanish
# mid-request and mid-response; the relay's descriptors return to their
# starting count and its RSS stays bounded. Also a real `pqtun exchange`
# under attack. Figures are printed.
#   --soak [N]   instead: N honest exchanges (default 100000), no growth in
#                memory or descriptors (long; not part of make check).
set -u
PQTUN=${PQTUN:?PQTUN must point to the pqtun binary}
BUILD=${PQTUN_BUILD:-$(dirname "$PQTUN")}
LOAD=$BUILD/load_relay
mode=attack; count=100000
if [ "${1:-}" = "--soak" ]; then mode=soak; count=${2:-100000}; fi
[ -x "$LOAD" ] || { echo "SKIP: $LOAD not built"; exit 77; }

conns=${PQTUN_LOAD_CONNS:-1000}
# Both sides need a descriptor per connection (plus the honest ones).
hard=$(ulimit -Hn)
want=$((conns + 200))
if [ "$hard" != unlimited ] && [ "$hard" -lt "$want" ]; then
	conns=$((hard - 200)); echo "note: fd hard limit $hard: $conns hostile connections"
fi
ulimit -n "$want" 2>/dev/null || ulimit -n "$hard"

tmp=$(mktemp -d)
srv_pid=
cleanup() { [ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "--- relay stderr (tail):"; tail -n 20 "$tmp/serve.err"; exit 1; }

"$PQTUN" serve --listen 127.0.0.1:0 --workers 2 --max-connections $((conns + 100)) \
	--read-timeout 2 --idle-timeout 3 >/dev/null 2>"$tmp/serve.err" &
srv_pid=$!
for _ in $(seq 100); do grep -q 'port [0-9]' "$tmp/serve.err" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$tmp/serve.err" | head -1)
[ -n "$port" ] || fail "relay did not start"

if [ "$mode" = soak ]; then
	"$LOAD" soak --port "$port" --relay-pid "$srv_pid" --count "$count" || fail "soak"
	kill -0 "$srv_pid" || fail "relay died"
	echo "PASS: soak of $count exchanges"
	exit 0
fi

# A real client under attack, started while the attack runs.
( sleep 1.5; parent=$("$PQTUN" genkey | "$PQTUN" pubkey)
  s=$(date +%s%N); "$PQTUN" exchange --port "$port" --json 127.0.0.1 "$parent" >"$tmp/cli.out" 2>"$tmp/cli.err"
  echo "rc=$? ms=$(( ($(date +%s%N) - s) / 1000000 ))" >"$tmp/cli.rc" ) &
cli=$!
"$LOAD" attack --port "$port" --relay-pid "$srv_pid" --conns "$conns" --honest 15 \
	--read-timeout 2 --idle-timeout 3 --vanish 20
rc=$?
wait "$cli"
echo "pqtun exchange during the attack: $(cat "$tmp/cli.rc")"
grep -q '^rc=0 ' "$tmp/cli.rc" || fail "pqtun exchange under attack: $(cat "$tmp/cli.err")"
grep -q '"psk":"' "$tmp/cli.out" || fail "pqtun exchange under attack printed no PSK"
kill -0 "$srv_pid" 2>/dev/null || fail "relay died under attack"
[ $rc -eq 0 ] || fail "load_relay reported failures (see above)"
echo "PASS: relay held $conns hostile connections"
