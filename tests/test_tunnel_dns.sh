#!/usr/bin/env bash
# DNS = ... in a pqtun up config: handed to resolvconf(8) exactly as
# wg-quick does (`resolvconf -a tun.IFACE -m 0 -x` with nameserver/search
# lines on stdin) and removed by down (`resolvconf -d tun.IFACE -f`); when
# resolvconf is not installed, up says that DNS was skipped and still
# succeeds. resolvconf is not installed on the test machines (installing
# it would rewrite the host's /etc/resolv.conf), so the second case puts a
# recording resolvconf first in PATH.
set -u
PQTUN=${PQTUN:?path of the pqtun binary}
SRC=${PQTUN_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
. "$SRC/tests/support/netns.sh"
. "$SRC/tests/support/tunnel.sh"
tunnel_test_begin "pqn$$" single
sed -i 's/^\[Interface\]$/[Interface]\nDNS = 10.64.0.1, fd64::1, example.internal/' "$NETNS_TMP/$CIF.conf"

fail=0
bad() { echo "FAIL: $*"; fail=1; }

# 1. no resolvconf
if command -v resolvconf >/dev/null; then
	echo "resolvconf is installed here: skipping the 'not installed' case"
else
	ip netns exec "$C" "$PQTUN" up --timeout-scale 0.5 "$NETNS_TMP/$CIF.conf" 2>"$NETNS_TMP/up1.log" ||
		bad "up without resolvconf failed: $(tail -2 "$NETNS_TMP/up1.log")"
	grep -q "DNS = ... skipped: resolvconf is not installed" "$NETNS_TMP/up1.log" || bad "no message that DNS was skipped"
	ip netns exec "$C" "$PQTUN" -q down "$CIF" || bad "down failed"
fi

# 2. a recording resolvconf
mkdir -p "$NETNS_TMP/bin"
cat >"$NETNS_TMP/bin/resolvconf" <<EOS
#!/bin/sh
echo "args: \$*" >>"$NETNS_TMP/resolvconf.log"
if [ "\$1" = -a ]; then sed 's/^/stdin: /' >>"$NETNS_TMP/resolvconf.log"; fi
EOS
chmod +x "$NETNS_TMP/bin/resolvconf"
ip netns exec "$C" env PATH="$NETNS_TMP/bin:$PATH" "$PQTUN" -q up --timeout-scale 0.5 "$NETNS_TMP/$CIF.conf" ||
	bad "up with resolvconf failed"
want_up="args: -a tun.$CIF -m 0 -x
stdin: nameserver 10.64.0.1
stdin: nameserver fd64::1
stdin: search example.internal"
[ "$(cat "$NETNS_TMP/resolvconf.log")" = "$want_up" ] || bad "resolvconf called as: $(cat "$NETNS_TMP/resolvconf.log")"
ip netns exec "$C" env PATH="$NETNS_TMP/bin:$PATH" "$PQTUN" -q down "$CIF" || bad "down failed"
tail -n1 "$NETNS_TMP/resolvconf.log" | grep -qx "args: -d tun.$CIF -f" || bad "down did not remove the DNS entry: $(tail -n1 "$NETNS_TMP/resolvconf.log")"
left=$(tunnel_leftovers "$C" "$CIF")
[ -z "$left" ] || bad "left behind: $left"

[ $fail = 0 ] && echo "PASS: DNS via resolvconf, or skipped with a message"
exit $fail
