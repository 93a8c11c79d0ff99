#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The fuzz tier of `make test`: every harness over its seeds and saved
# regression inputs, then FUZZ_TIME seconds of fuzzing each (default 20: make test's budget;
# `make fuzz` fuzzes for long).
# Prints "N passed, N failed" with one test per harness.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
make -s fuzzers || exit 1
pass=0 fail=0
for f in $(make -s -p -n fuzzers 2>/dev/null | sed -n 's/^FUZZERS :\{0,1\}= //p' | head -1); do
	if make -s fuzz-regress FUZZERS="$f" && make -s fuzz FUZZERS="$f" FUZZ_TIME="${FUZZ_TIME:-20}"; then
		echo "ok $f"
		pass=$((pass + 1))
	else
		echo "FAIL $f (crash input in build/tests/fuzz/$f-crashes/)"
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
