# Shared steps of the relay-mode namespace tests (source after netns.sh and
# after setting T, R and WR: temp dir, relay namespace, relay interface).
#   step NAME        names the current step (shown by fail)
#   fail MESSAGE     reports the step and the relay's logs ($T/serve*.log), exits 1
#   relay_ips KEY    allowed IPs of a peer on the relay ("" if none or absent)
STEP=setup
step() { STEP=$1; echo "== $1"; }
fail() {
	echo "FAIL ($STEP): $*" >&2
	echo "--- relay log:" >&2
	cat "$T"/serve*.log >&2 2>/dev/null
	exit 1
}
relay_ips() { netns_wg "$R" show "$WR" allowed-ips | awk -v k="$1" '$1 == k { $1 = ""; print substr($0, 2) }'; }
