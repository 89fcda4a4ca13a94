#!/usr/bin/env bash
# The library's fast cmocka tests under valgrind memcheck: zero errors and
# zero definite/indirect leaks (`make check-valgrind`; also part of ctest).
# Slow KAT loops are left out or run with reduced counts through the
# environment variables the tests honour (PQTUN_HQC_ROUNDTRIPS).
# Usage: test_hardening_valgrind.sh [--all | TEST...]
#   default (ctest, kept well under a minute): parsers, protocol, WireGuard
#   and client units; --all (make check-valgrind) adds the hash and
#   KEM-arithmetic tests (their secret paths also run under memcheck in
#   test_ct_valgrind.sh) and the relay test, which is timing-sensitive
#   under valgrind's slowdown.
set -u
BUILD=${PQTUN_BUILD:-$(dirname "${PQTUN:-build/pqtun}")}
command -v valgrind >/dev/null || { echo "SKIP: valgrind not installed"; exit 77; }
if [ -n "${PQTUN_ASAN:-}" ] || grep -q 'PQTUN_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" 2>/dev/null; then
	echo "SKIP: sanitizer build (valgrind runs on the normal build)"; exit 77
fi
tests=(test_util test_proto_grpc test_proto_psk test_hardening_regress test_hqc_kem
       test_wg_config test_wg_netlink test_wg_uapi test_wg_relay_sync test_tunnel_units
       test_grpc_client_errors)
if [ "${1:-}" = "--all" ]; then
	tests+=(test_fips202 test_mlkem_arith test_kyber1024 test_mlkem_kat test_hqc_codes test_gf2x
		test_grpc_relay)
elif [ $# -gt 0 ]; then
	tests=("$@")
fi
export PQTUN_HQC_ROUNDTRIPS=${PQTUN_HQC_ROUNDTRIPS:-3}
export PQTUN_VECTORS_DIR=${PQTUN_VECTORS_DIR:-$(dirname "$0")/../../shared/vectors}
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
failed=0; ran=0
for t in "${tests[@]}"; do
	bin=$BUILD/$t
	if [ ! -x "$bin" ]; then echo "valgrind: $t: not built, skipped"; continue; fi
	start=$(date +%s)
	valgrind --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--show-leak-kinds=definite,indirect --error-exitcode=99 --track-fds=no \
		--log-file="$log/$t.vg" "$bin" >"$log/$t.out" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	errs=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$log/$t.vg" | head -1)
	lost=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$log/$t.vg" | head -1)
	ran=$((ran + 1))
	if [ $rc -ne 0 ]; then
		echo "valgrind: $t: FAILED (exit $rc, ${errs:-?} errors, definitely lost ${lost:-0} bytes, ${secs}s)"
		grep -E '^==[0-9]+== (Invalid|Conditional|Use of|Syscall|Mismatched|.*definitely lost|.*indirectly lost|   (at|by) )' \
			"$log/$t.vg" | head -40
		if [ $rc -ne 99 ]; then # the test itself failed, or valgrind could not run it
			tail -n 20 "$log/$t.out"
			tail -n 5 "$log/$t.vg" 2>/dev/null
		fi
		failed=1
	else
		echo "valgrind: $t: ok (0 errors, no leaks, ${secs}s)"
	fi
done
[ $ran -gt 0 ] || { echo "SKIP: no test binaries in $BUILD"; exit 77; }
exit $failed
