#!/usr/bin/env bash
# WireGuard key tools: byte-for-byte agreement with wireguard-tools' `wg`,
# and clear failures (exit != 0, one line on stderr) on malformed input.
set -u
PQTUN=${PQTUN:?path of the pqtun binary}
fail=0; passed=0
ok() { passed=$((passed + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

if ! command -v wg >/dev/null; then
  echo "SKIP: wg (wireguard-tools) is not installed"; exit 77
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# 1. pubkey agrees with wg pubkey on 100 random keys from each generator.
for i in $(seq 1 100); do
  k=$("$PQTUN" genkey) || { bad "genkey failed"; break; }
  a=$(printf '%s\n' "$k" | "$PQTUN" pubkey) || { bad "pubkey failed on $k"; break; }
  b=$(printf '%s\n' "$k" | wg pubkey) || { bad "wg rejects our genkey output $k"; break; }
  [ "$a" = "$b" ] || { bad "pubkey mismatch for $k: $a vs $b"; break; }
  k2=$(wg genkey)
  a2=$(printf '%s' "$k2" | "$PQTUN" pubkey); b2=$(printf '%s' "$k2" | wg pubkey)
  [ "$a2" = "$b2" ] || { bad "pubkey mismatch for wg key $k2"; break; }
done
[ $fail -eq 0 ] && ok

# 2. genkey output is clamped like wg's: decode and check the bits.
k=$("$PQTUN" genkey)
python3 - "$k" <<'PY' || bad "genkey output not clamped"
import base64, sys
b = base64.b64decode(sys.argv[1])
assert len(b) == 32 and b[0] & 7 == 0 and b[31] & 128 == 0 and b[31] & 64 == 64
PY
ok

# 3. genpsk: 32 bytes base64, different each time, accepted by wg as a key.
p1=$("$PQTUN" genpsk); p2=$("$PQTUN" genpsk)
[ ${#p1} -eq 44 ] && [ "$p1" != "$p2" ] && printf '%s' "$p1" | wg pubkey >/dev/null \
  && ok || bad "genpsk output not a 44-char key accepted by wg"

# 4. private key files get a restrictive mode when created by our umask, and
#    writing to a world-readable file warns like wg.
( umask 022; "$PQTUN" genkey > "$tmp/world.key" 2> "$tmp/warn" )
grep -q "world accessible" "$tmp/warn" && ok || bad "no warning for world-readable key file"

# 5. Malformed input to pubkey: exit 1 and exactly one line on stderr.
valid=$("$PQTUN" genkey)
check_reject() {
  local what=$1 input=$2
  printf '%b' "$input" | "$PQTUN" pubkey > "$tmp/out" 2> "$tmp/err"; rc=$?
  if [ $rc -eq 0 ]; then bad "pubkey accepted $what"; return; fi
  [ -s "$tmp/out" ] && { bad "pubkey printed to stdout for $what"; return; }
  [ "$(wc -l < "$tmp/err")" -eq 1 ] || { bad "pubkey: not one stderr line for $what"; cat "$tmp/err"; return; }
  ok
}
check_reject "empty input" ""
check_reject "short key" "${valid:0:43}\n"
check_reject "long key" "${valid}A\n"
check_reject "bad base64 char" "${valid:0:10}!${valid:11}\n"
check_reject "missing padding" "${valid:0:43}A\n"
check_reject "trailing garbage" "${valid}\nextra\n"
check_reject "two newlines" "${valid}\n\n"
check_reject "non-canonical last char" "${valid:0:42}B=\n"  # B has low bits set
# The canonical forms are accepted, with or without a newline, and with CRLF.
for form in "${valid}" "${valid}\n" "${valid}\r\n"; do
  printf '%b' "$form" | "$PQTUN" pubkey >/dev/null 2>&1 && ok || bad "pubkey rejected valid form"
done

# 6. Usage errors: extra arguments give exit 2.
for c in genkey genpsk pubkey; do
  "$PQTUN" $c extra >/dev/null 2>&1 </dev/null; rc=$?
  [ $rc -eq 2 ] && ok || bad "$c with an extra argument: exit $rc, want 2"
done
"$PQTUN" nosuchcommand >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "unknown command exit code"
"$PQTUN" --version | grep -q '^pqtun ' && ok || bad "--version"
"$PQTUN" help genkey | grep -q 'Usage: pqtun genkey' && ok || bad "help genkey"

echo "$passed passed, $fail failed"
[ $fail -eq 0 ]
