#!/usr/bin/env bash
# Runs every constant-time test binary ($PQTUN_BUILD/test_ct_*) under
# valgrind memcheck. Those tests mark secret inputs undefined, so memcheck
# reports any branch or memory index that depends on a secret; any report
# fails this test. Skips (77) without valgrind or in sanitizer builds.
# Coverage: test_ct_mlkem (ML-KEM-1024 and Kyber1024, both implementations),
# test_ct_hqc and test_ct_gf2x (HQC-256), test_ct_mceliece, test_ct_psk (the
# PSK derivation, the comparisons and encodings of secrets); each of these
# must exist. First, a canary proves memcheck flags a deliberate
# secret-dependent branch (otherwise every test would pass vacuously).
set -u

if [ -n "${PQTUN_ASAN:-}" ]; then
	echo "SKIP: sanitizer build (ASan binaries cannot run under valgrind)"
	exit 77
fi
if ! command -v valgrind >/dev/null 2>&1; then
	echo "SKIP: valgrind not installed"
	exit 77
fi
build="${PQTUN_BUILD:-}"
if [ -z "$build" ] || [ ! -d "$build" ]; then
	echo "FAIL: PQTUN_BUILD does not name the build directory"
	exit 1
fi

for t in test_ct_mlkem test_ct_hqc test_ct_gf2x test_ct_mceliece test_ct_psk; do
	if [ ! -x "$build/$t" ]; then
		echo "FAIL: $build/$t is missing (build first)"
		exit 1
	fi
done

canary_log=$(mktemp)
if PQTUN_CT_CANARY=1 valgrind --error-exitcode=1 --quiet "$build/test_ct_psk" >"$canary_log" 2>&1; then
	echo "FAIL: memcheck did not flag the deliberate secret-dependent branch of the canary:"
	head -n 20 "$canary_log"
	rm -f "$canary_log"
	exit 1
fi
if ! grep -q "depends on uninitialised value" "$canary_log"; then
	echo "FAIL: the canary failed for another reason than the expected memcheck report:"
	head -n 20 "$canary_log"
	rm -f "$canary_log"
	exit 1
fi
rm -f "$canary_log"
echo "ok: memcheck flags a secret-dependent branch (canary)"

found=0
failed=0
for bin in "$build"/test_ct_*; do
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	case "$bin" in *.sh) continue ;; esac
	found=$((found + 1))
	log=$(mktemp)
	if valgrind --error-exitcode=1 --track-origins=yes --quiet "$bin" >"$log" 2>&1; then
		echo "ok: $(basename "$bin")"
	else
		echo "FAIL: $(basename "$bin") (valgrind reports or test failure):"
		grep -v '^\[ *\(RUN\|OK\) ' "$log" | head -n 60
		failed=$((failed + 1))
	fi
	rm -f "$log"
done

if [ "$found" -eq 0 ]; then
	echo "FAIL: no test_ct_* binaries in $build (build first)"
	exit 1
fi
[ "$failed" -eq 0 ] || exit 1
echo "all $found constant-time tests clean under memcheck"
exit 0
