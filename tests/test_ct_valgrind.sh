#!/usr/bin/env bash
# Runs every constant-time test binary ($PQTUN_BUILD/test_ct_*) under
# valgrind memcheck. Those tests mark secret inputs undefined, so memcheck
# reports any branch or memory index that depends on a secret; any report
# fails this test. Skips (77) without valgrind or in sanitizer builds.
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
