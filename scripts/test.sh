#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The whole test suite: unit tests, host integration tests (fallback engine on
# this kernel), then the same integration tests in QEMU on Debian's stock
# kernel, with BPF LSM (lsm engine) and without (fallback engine on 6.1).
# APPBAN_SKIP_VM=1 leaves out the VM tier for a quick local run (CI never sets it).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

scripts/deps.sh all
make -s all unit-tests integration-helpers || exit 1

failed=0 total_pass=0 total_fail=0 total_skip=0
out=$(mktemp)
failures=$(mktemp)
trap 'rm -f "$out" "$failures"' EXIT
# tier NAME CMD...: run one tier, add its counts (cmocka's and the
# integration runner's summary lines) to the totals.
tier() {
	local name=$1 rc p f k line
	shift
	echo "=== $name"
	"$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	# every failed test and sanitizer/cmocka failure, repeated at the end
	grep -E '^(FAIL |\[  FAILED  \] [a-z_])' "$out" | sed "s|^|[$name] |" >>"$failures"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out" | awk '{s += $1} END {print s + 0}')
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out" | awk '{s += $1} END {print s + 0}')
	# (a tier cut short, e.g. a VM that timed out, has no summary line)
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
	if [ -n "$line" ]; then
		p=$((${p:-0} + $(echo "$line" | sed 's/ passed.*//')))
		f=$((${f:-0} + $(echo "$line" | sed 's/.* passed, \([0-9]*\) failed.*/\1/')))
		k=$(echo "$line" | sed -n 's/.*failed, \([0-9]*\) skipped.*/\1/p')
	fi
	total_pass=$((total_pass + ${p:-0}))
	total_fail=$((total_fail + ${f:-0}))
	total_skip=$((total_skip + ${k:-0}))
	if [ "$rc" -eq 0 ]; then
		echo "=== $name: ok"
	else
		echo "=== $name: FAILED (exit $rc)"
		grep -qF "[$name] " "$failures" ||
			echo "[$name] FAILED with exit $rc and no test named (last line: $(tail -n 1 "$out"))" >>"$failures"
		failed=$((failed + 1))
		[ "${f:-0}" -gt 0 ] || total_fail=$((total_fail + 1))
	fi
}

tier "unit" make -s test-unit
tier "fuzz (regressions, then 30 s per harness)" scripts/fuzz-brief.sh
tier "integration (host, $(uname -r))" tests/integration/run.sh
# The same unit and host integration tests with AddressSanitizer and UBSan
# (a build of its own), and valgrind over a load/run/unload cycle. Exit codes
# of their own, so a sanitizer report never passes for an expected failure.
export ASAN_OPTIONS=exitcode=86:detect_leaks=1 LSAN_OPTIONS=exitcode=87 \
	UBSAN_OPTIONS=halt_on_error=1:exitcode=88:print_stacktrace=1
if make -s OUTPUT=build-asan SANITIZE=1 all unit-tests; then
	tier "unit (ASan+UBSan)" make -s OUTPUT=build-asan SANITIZE=1 test-unit
	tier "integration (host, ASan+UBSan build)" env APPBAN="$PWD/build-asan/appban" tests/integration/run.sh
else
	echo "=== sanitizer build FAILED"
	failed=$((failed + 1)) total_fail=$((total_fail + 1))
fi
tier "valgrind (load, status, check, run, unload)" tests/valgrind/cycle.sh
if [ "${APPBAN_SKIP_VM:-0}" != 1 ]; then
	tier "integration (VM, lsm engine)" scripts/vmtest.sh --lsm --timeout 2700 -- tests/integration/run.sh
	tier "integration (VM, fallback engine)" scripts/vmtest.sh --no-lsm --timeout 2700 -- tests/integration/run.sh
else
	echo "=== VM tier left out (APPBAN_SKIP_VM=1): the lsm engine was NOT tested"
fi
echo "=== all tiers"
if [ -s "$failures" ]; then
	echo "what failed:"
	cut -c1-300 "$failures"
fi
if [ "$total_skip" -gt 0 ]; then
	echo "$total_pass passed, $total_fail failed, $total_skip skipped"
else
	echo "$total_pass passed, $total_fail failed"
fi
[ "$failed" -eq 0 ]
