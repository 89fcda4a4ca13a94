#!/usr/bin/env bash
# pqtun serve --interface refuses clearly: unknown interface, options that
# need --interface, no IPv4 address to listen on, a corrupt state file (left
# untouched) and an unwritable state file.
set -u
. "${PQTUN_SRC:-$(dirname "$0")/..}/tests/support/netns.sh"
netns_require
PQTUN=${PQTUN:?PQTUN must point to the pqtun binary}
netns_setup
umask 077
P=$NETNS_PREFIX T=$NETNS_TMP
N=${P}n W=${P}w
netns_add "$N"

# expect EXIT_CODE PATTERN -- ARGS...: run pqtun serve in the namespace (briefly)
expect() {
	local code=$1 pat=$2 out rc
	shift 3
	out=$(netns_exec "$N" timeout 10 "$PQTUN" serve "$@" 2>&1)
	rc=$?
	echo "  serve $*: $out"
	[ "$rc" = "$code" ] || netns_fail "pqtun serve $*: exit $rc, expected $code: $out"
	printf '%s\n' "$out" | grep -qE -- "$pat" || netns_fail "pqtun serve $*: message lacks '$pat'"
}

expect 1 "${P}nosuch: no such interface" -- --interface "${P}nosuch"
expect 1 "${P}nosuch2: .*no userspace socket" -- --interface "${P}nosuch2" --listen 127.0.0.1:0
expect 2 "need --interface" -- --listen 127.0.0.1:0 --state "$T/x.state"
expect 2 "invalid --ephemeral-timeout" -- --interface "$W" --ephemeral-timeout 0
netns_wg_add "$N" "$W"
expect 1 "has no IPv4 address" -- --interface "$W" --state "$T/s.state"
ip -n "$N" addr add 10.64.0.1/16 dev "$W"
printf 'garbage\n' >"$T/bad.state"
expect 1 "not a pqtun relay state file" -- --interface "$W" --state "$T/bad.state"
[ "$(cat "$T/bad.state")" = garbage ] || netns_fail "corrupt state file was overwritten"
expect 1 "cannot write the relay state file" -- --interface "$W" --state "$T/missing-dir/s.state"
echo PASS
