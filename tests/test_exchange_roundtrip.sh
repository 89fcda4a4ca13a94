#!/usr/bin/env bash
# pqtun exchange <-> pqtun serve over loopback: the PSK the client prints
# equals the one the standalone relay prints; no-PQ and DAITA exchanges;
# JSON and text formats; usage errors exit 2;
# SIGTERM stops the relay cleanly (exit 0); a client against the stopped
# relay fails with exit 1 and nothing on stdout.
set -u
PQTUN=${PQTUN:?PQTUN must point to the pqtun binary}
tmp=$(mktemp -d)
srv_pid=
cleanup() { [ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "--- relay stderr:"; cat "$tmp/serve.err"; exit 1; }

"$PQTUN" serve --listen 127.0.0.1:0 --json --workers 2 >"$tmp/serve.out" 2>"$tmp/serve.err" &
srv_pid=$!
for _ in $(seq 50); do grep -q 'port [0-9]' "$tmp/serve.err" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$tmp/serve.err" | head -1)
[ -n "$port" ] || fail "relay did not start"

parent=$("$PQTUN" genkey | "$PQTUN" pubkey)

# 1. Post-quantum exchange (needs ML-KEM-1024 and HQC-256).
out=$("$PQTUN" exchange --port "$port" --json 127.0.0.1 "$parent" 2>"$tmp/ex.err")
rc=$?
if [ $rc -ne 0 ] && grep -q "not available in this build" "$tmp/ex.err"; then
	echo "SKIP (part): KEMs not registered yet: $(cat "$tmp/ex.err")"
	pq=0
else
	[ $rc -eq 0 ] || fail "exchange failed: $(cat "$tmp/ex.err")"
	pq=1
	echo "client: $out"
	echo "$out" | grep -Eq '^\{"private_key":"[A-Za-z0-9+/]{43}=","public_key":"[A-Za-z0-9+/]{43}=","psk":"[A-Za-z0-9+/]{43}="\}$' \
		|| fail "client JSON format: $out"
	cpub=$(echo "$out" | sed 's/.*"public_key":"\([^"]*\)".*/\1/')
	cpsk=$(echo "$out" | sed 's/.*"psk":"\([^"]*\)".*/\1/')
	cpriv=$(echo "$out" | sed 's/.*"private_key":"\([^"]*\)".*/\1/')
	[ "$(echo "$cpriv" | "$PQTUN" pubkey)" = "$cpub" ] || fail "public key does not match private key"
	sleep 0.2
	line=$(grep "\"ephemeral\":\"$cpub\"" "$tmp/serve.out")
	echo "relay:  $line"
	[ "$line" = "{\"parent\":\"$parent\",\"ephemeral\":\"$cpub\",\"kems\":[\"ML-KEM-1024\",\"HQC-256\"],\"psk\":\"$cpsk\"}" ] \
		|| fail "relay line differs (PSK mismatch?): $line"
	# Two exchanges give different PSKs.
	out2=$("$PQTUN" exchange --port "$port" --json 127.0.0.1 "$parent") || fail "second exchange"
	[ "$(echo "$out2" | sed 's/.*"psk":"\([^"]*\)".*/\1/')" != "$cpsk" ] || fail "PSK repeated"
	# Text output.
	txt=$("$PQTUN" exchange --port "$port" 127.0.0.1 "$parent") || fail "text exchange"
	echo "$txt" | grep -q '^psk: [A-Za-z0-9+/]\{43\}=$' || fail "text output: $txt"
	echo "$txt" | grep -q '^private_key: ' || fail "text output lacks the private key"
fi

# 2. No post-quantum: relay answers without ciphertexts, psk null on both sides.
out=$("$PQTUN" exchange --port "$port" --no-pq --json 127.0.0.1 "$parent") || fail "no-pq exchange"
echo "$out" | grep -q '"psk":null}$' || fail "no-pq client output: $out"
npub=$(echo "$out" | sed 's/.*"public_key":"\([^"]*\)".*/\1/')
sleep 0.2
grep -q "{\"parent\":\"$parent\",\"ephemeral\":\"$npub\",\"kems\":\[\],\"psk\":null}" "$tmp/serve.out" \
	|| fail "relay no-pq line missing"

# 3. DAITA.
out=$("$PQTUN" exchange --port "$port" --no-pq --daita --json 127.0.0.1 "$parent") || fail "daita exchange"
echo "$out" | grep -q '"daita":{"client_machines":\["[^"]' || fail "daita output: $out"
if [ $pq -eq 1 ]; then
	out=$("$PQTUN" exchange --port "$port" --daita --json 127.0.0.1 "$parent") || fail "pq+daita exchange"
	echo "$out" | grep -q '"psk":"[^"]*","daita":' || fail "pq+daita output: $out"
fi

# 4. Usage errors exit 2.
"$PQTUN" exchange --port 0 127.0.0.1 "$parent" 2>/dev/null; [ $? -eq 2 ] || fail "bad port not a usage error"
"$PQTUN" exchange 127.0.0.1 notakey 2>/dev/null; [ $? -eq 2 ] || fail "bad key not a usage error"

# 5. SIGTERM: clean stop.
kill -TERM "$srv_pid"
for _ in $(seq 50); do kill -0 "$srv_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$srv_pid" 2>/dev/null && fail "relay did not stop on SIGTERM"
wait "$srv_pid"; rc=$?
srv_pid=
[ $rc -eq 0 ] || fail "relay exit status $rc after SIGTERM"

# 6. Relay gone: exit 1, one line on stderr, nothing on stdout.
out=$("$PQTUN" exchange --port "$port" --timeout 2 127.0.0.1 "$parent" 2>"$tmp/ex.err"); rc=$?
[ $rc -eq 1 ] || fail "exchange against a stopped relay: exit $rc"
[ -z "$out" ] || fail "stdout not empty on failure"
[ "$(wc -l <"$tmp/ex.err")" -eq 1 ] || fail "stderr not one line: $(cat "$tmp/ex.err")"
grep -q "cannot connect" "$tmp/ex.err" || fail "wrong error: $(cat "$tmp/ex.err")"
echo "PASS"
exit 0
