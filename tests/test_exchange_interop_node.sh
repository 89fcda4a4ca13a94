#!/usr/bin/env bash
# Interoperability with an independent gRPC stack and independent KEM code
# (tests/node/peer.js: @grpc/grpc-js, @noble/post-quantum ML-KEM-1024,
# PQClean HQC-256 from the npm `pqclean` package), in both directions:
#   1. node client -> pqtun serve: both print the same PSK; DAITA answered;
#      bad requests get INVALID_ARGUMENT through grpc-js.
#   2. pqtun exchange -> node server: both print the same PSK; DAITA; no-PQ.
# Skips (exit 77) with the reason if node/npm are missing or npm cannot
# install the packages (e.g. no network).
set -u
PQTUN=${PQTUN:?}
SRC=${PQTUN_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${PQTUN_BUILD:-/tmp}
dir="$BUILD/node-interop"
if ! out=$("$SRC/tests/node/install.sh" "$dir" 2>&1); then
	echo "SKIP: cannot install the Node.js interop peer: $out"
	exit 77
fi
export PQTUN_PROTO="$SRC/src/proto/ephemeralpeer.proto"
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; for f in "$tmp"/*; do echo "--- $f"; cat "$f"; done; exit 1; }
field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }

# ---- 1. node client -> pqtun relay
"$PQTUN" serve --listen 127.0.0.1:0 --json >"$tmp/relay.out" 2>"$tmp/relay.err" &
pids+=($!)
for _ in $(seq 50); do grep -q '(port [0-9]' "$tmp/relay.err" 2>/dev/null && break; sleep 0.1; done
rport=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$tmp/relay.err" | head -1)
[ -n "$rport" ] || fail "relay did not start"

line=$(timeout 30 node "$dir/peer.js" client 127.0.0.1 "$rport" --daita) || fail "node client failed: $line"
echo "node client: $line"
eph=$(echo "$line" | field ephemeral); npsk=$(echo "$line" | field psk)
[ -n "$npsk" ] || fail "node client printed no PSK: $line"
echo "$line" | grep -q '"daita":{"client_machines":\[' || fail "no DAITA answer: $line"
sleep 0.2
rline=$(grep "\"ephemeral\":\"$eph\"" "$tmp/relay.out")
echo "pqtun relay: $rline"
[ "$(echo "$rline" | field psk)" = "$npsk" ] || fail "PSK mismatch (node client vs pqtun relay)"

line=$(timeout 30 node "$dir/peer.js" client 127.0.0.1 "$rport" --bad-parent)
echo "$line" | grep -q '^{"code":3,"details":"wg_parent_pubkey must be 32 bytes, got 31"}$' || fail "bad parent: $line"
line=$(timeout 30 node "$dir/peer.js" client 127.0.0.1 "$rport" --kyber-mix)
echo "$line" | grep -q '^{"code":3,"details":"Kyber1024 and ML-KEM-1024 must not be used together"}$' || fail "kyber mix: $line"
grep -q "rejected request .*INVALID_ARGUMENT: wg_parent_pubkey must be 32 bytes" "$tmp/relay.err" || fail "rejection not logged"

# ---- 2. pqtun client -> node server
timeout 60 node "$dir/peer.js" server 0 >"$tmp/node.out" 2>"$tmp/node.err" &
pids+=($!)
for _ in $(seq 100); do grep -q '^listening' "$tmp/node.out" 2>/dev/null && break; sleep 0.1; done
nport=$(sed -n 's/^listening \([0-9]*\)$/\1/p' "$tmp/node.out")
[ -n "$nport" ] || fail "node server did not start"
parent=$("$PQTUN" genkey | "$PQTUN" pubkey)
out=$("$PQTUN" exchange --port "$nport" --daita --json 127.0.0.1 "$parent") || fail "pqtun exchange against node failed"
echo "pqtun client: $out"
pub=$(echo "$out" | field public_key); cpsk=$(echo "$out" | field psk)
echo "$out" | grep -q '"daita":{"client_machines":\["node-machine"\],"max_padding_frac":0.125,"max_blocking_frac":0.875}' \
	|| fail "DAITA from node server not reported: $out"
sleep 0.2
nline=$(grep "\"ephemeral\":\"$pub\"" "$tmp/node.out")
echo "node server: $nline"
[ "$nline" = "{\"parent\":\"$parent\",\"ephemeral\":\"$pub\",\"kems\":[\"ML-KEM-1024\",\"HQC-256\"],\"psk\":\"$cpsk\"}" ] \
	|| fail "PSK mismatch (pqtun client vs node server)"
out=$("$PQTUN" exchange --port "$nport" --no-pq --json 127.0.0.1 "$parent") || fail "no-pq against node failed"
echo "$out" | grep -q '"psk":null}$' || fail "no-pq output: $out"
echo "PASS"
