#!/usr/bin/env bash
# Secrets in the relay process (standalone `pqtun serve`): after exchanges,
# dump the running relay's memory (gcore) and search it for each PSK the
# clients derived. The raw 32-byte PSK must not be anywhere; the base64
# text may be, because standalone mode prints it on purpose (stdout's
# buffer keeps the last line) - the test reports how often it was seen and
# fails if the base64 of an older exchange survives (only the latest line
# can be in the buffer).
set -u
PQTUN=${PQTUN:?PQTUN must point to the pqtun binary}
command -v gcore >/dev/null || { echo "SKIP: gcore (gdb) not installed"; exit 77; }
[ -n "${PQTUN_ASAN:-}" ] && { echo "SKIP: core of a sanitizer build is too large to scan"; exit 77; }
tmp=$(mktemp -d)
srv_pid=
cleanup() { [ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$PQTUN" serve --listen 127.0.0.1:0 --json --workers 2 >"$tmp/serve.out" 2>"$tmp/serve.err" &
srv_pid=$!
for _ in $(seq 50); do grep -q 'port [0-9]' "$tmp/serve.err" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$tmp/serve.err" | head -1)
[ -n "$port" ] || fail "relay did not start"
parent=$("$PQTUN" genkey | "$PQTUN" pubkey)

psks=()
for i in 1 2 3; do
	out=$("$PQTUN" exchange --port "$port" --json 127.0.0.1 "$parent" 2>"$tmp/ex.err")
	if [ $? -ne 0 ] && grep -q "not available in this build" "$tmp/ex.err"; then
		echo "SKIP: KEMs not built in"; exit 77
	fi
	psk=$(echo "$out" | sed -n 's/.*"psk":"\([^"]*\)".*/\1/p')
	[ -n "$psk" ] || fail "exchange $i: $out $(cat "$tmp/ex.err")"
	psks+=("$psk")
done
sleep 0.3
gcore -o "$tmp/core" "$srv_pid" >/dev/null 2>&1 || { echo "SKIP: gcore cannot attach (ptrace not permitted?)"; exit 77; }
core=$(ls "$tmp"/core.* 2>/dev/null | head -1)
[ -s "$core" ] || fail "no core written"
echo "relay core: $(( $(stat -c %s "$core") / 1024 )) KiB"

# Occurrences of the bytes in file $2 within file $1 (binary-safe).
count_in() {
	perl -e 'local $/; open(my $n, "<", $ARGV[1]) or die; my $needle = <$n>;
		open(my $h, "<", $ARGV[0]) or die; my $hay = <$h>; my ($c, $p) = (0, 0);
		while (($p = index($hay, $needle, $p)) >= 0) { $c++; $p++ } print $c' "$1" "$2"
}
found=0
for i in 0 1 2; do
	psk=${psks[$i]}
	printf '%s' "$psk" | base64 -d >"$tmp/raw"
	printf '%s' "$psk" >"$tmp/b64"
	raw=$(count_in "$core" "$tmp/raw")
	txt=$(count_in "$core" "$tmp/b64")
	echo "exchange $((i + 1)): raw PSK found $raw time(s), base64 PSK $txt time(s)"
	[ "$raw" -eq 0 ] || found=1
	# Only the latest line can still sit in stdout's buffer.
	[ $i -lt 2 ] && [ "$txt" -ne 0 ] && found=1
done
[ $found -eq 0 ] || fail "PSK material left in the relay's memory"
echo "PASS: no raw PSK in the relay; base64 only as the last printed line"
