#!/usr/bin/env bash
# pqtun exchange --kem LIST against pqtun serve over loopback: every KEM
# combination a client can use gives the same PSK on both sides and the
# relay sees the KEMs in the order given; bad lists are refused by the
# client before it connects (exit 2, or 1 for a KEM this client cannot use)
# with one message line naming the problem.
set -u
PQTUN=${PQTUN:?PQTUN must point to the pqtun binary}
tmp=$(mktemp -d)
srv_pid=
cleanup() { [ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "--- relay stderr:"; cat "$tmp/serve.err"; exit 1; }

for k in ML-KEM-1024 HQC-256 Kyber1024; do
	"$PQTUN" bench --kem "$k" --iterations 1 --seconds 0.01 --json >/dev/null 2>&1 \
		|| { echo "SKIP: KEM $k not registered in this build"; exit 77; }
done

"$PQTUN" serve --listen 127.0.0.1:0 --json --workers 2 >"$tmp/serve.out" 2>"$tmp/serve.err" &
srv_pid=$!
for _ in $(seq 50); do grep -q 'port [0-9]' "$tmp/serve.err" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$tmp/serve.err" | head -1)
[ -n "$port" ] || fail "relay did not start"
parent=$("$PQTUN" genkey | "$PQTUN" pubkey)

# 1. Each combination: client PSK = relay PSK, relay saw the list in order.
for list in ML-KEM-1024 HQC-256 Kyber1024 Kyber1024,HQC-256 ML-KEM-1024,HQC-256 HQC-256,ML-KEM-1024 \
	    " HQC-256 , Kyber1024 "; do
	out=$("$PQTUN" exchange --port "$port" --kem "$list" --json 127.0.0.1 "$parent" 2>"$tmp/ex.err") \
		|| fail "--kem '$list': $(cat "$tmp/ex.err")"
	cpub=$(echo "$out" | sed -n 's/.*"public_key":"\([^"]*\)".*/\1/p')
	cpsk=$(echo "$out" | sed -n 's/.*"psk":"\([^"]*\)".*/\1/p')
	[ ${#cpsk} -eq 44 ] || fail "--kem '$list': no PSK in $out"
	json_kems=$(echo "$list" | tr -d ' ' | sed 's/[^,][^,]*/"&"/g')
	want="{\"parent\":\"$parent\",\"ephemeral\":\"$cpub\",\"kems\":[$json_kems],\"psk\":\"$cpsk\"}"
	line=
	for _ in $(seq 20); do
		line=$(grep "\"ephemeral\":\"$cpub\"" "$tmp/serve.out") && break
		sleep 0.1
	done
	[ "$line" = "$want" ] || fail "--kem '$list': relay line '$line', want '$want'"
	echo "ok: --kem '$list' -> kems [$json_kems], same PSK on both sides"
done

# The default is ML-KEM-1024,HQC-256.
out=$("$PQTUN" exchange --port "$port" --json 127.0.0.1 "$parent") || fail "default exchange"
cpub=$(echo "$out" | sed -n 's/.*"public_key":"\([^"]*\)".*/\1/p')
sleep 0.2
grep -q "\"ephemeral\":\"$cpub\",\"kems\":\[\"ML-KEM-1024\",\"HQC-256\"\]" "$tmp/serve.out" \
	|| fail "default KEMs are not ML-KEM-1024,HQC-256"

# 2. Client-side rejections: exit code, one pqtun line naming the problem,
#    nothing on stdout, and no request reached the relay.
before=$(wc -l <"$tmp/serve.out")
reject() { # expected-exit expected-text list
	local want_rc=$1 text=$2 list=$3 out rc
	out=$("$PQTUN" exchange --port "$port" --kem "$list" 127.0.0.1 "$parent" 2>"$tmp/ex.err"); rc=$?
	[ $rc -eq "$want_rc" ] || fail "--kem '$list': exit $rc, want $want_rc ($(cat "$tmp/ex.err"))"
	[ -z "$out" ] || fail "--kem '$list': stdout not empty"
	[ "$(grep -c '^pqtun exchange: ' "$tmp/ex.err")" -eq 1 ] || fail "--kem '$list': stderr: $(cat "$tmp/ex.err")"
	grep -qF -- "$text" "$tmp/ex.err" || fail "--kem '$list': message lacks '$text': $(cat "$tmp/ex.err")"
	echo "ok: --kem '$list' refused (exit $rc): $(head -1 "$tmp/ex.err")"
}
reject 2 "unknown KEM 'ML-KEM-768'" ML-KEM-768
reject 2 "unknown KEM 'ml-kem-1024'" ml-kem-1024
reject 2 "KEM 'HQC-256' listed twice" HQC-256,ML-KEM-1024,HQC-256
reject 2 "Kyber1024 and ML-KEM-1024 must not be used together" Kyber1024,ML-KEM-1024
reject 2 "empty KEM list" ""
reject 2 "empty name in KEM list" "HQC-256,"
reject 2 "5 KEMs" ML-KEM-1024,HQC-256,Kyber1024,Classic-McEliece-460896f-round3,HQC-256
reject 1 "Classic-McEliece-460896f-round3 cannot be used by the client: key generation is not implemented" \
	Classic-McEliece-460896f-round3
reject 1 "Classic-McEliece-460896f-round3 cannot be used by the client" HQC-256,Classic-McEliece-460896f-round3
sleep 0.2
[ "$(wc -l <"$tmp/serve.out")" -eq "$before" ] || fail "a refused list still reached the relay"

# 3. The relay still serves.
"$PQTUN" exchange --port "$port" --kem Kyber1024 --json 127.0.0.1 "$parent" >/dev/null || fail "relay stopped serving"
echo "PASS"
exit 0
