#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The man pages render with no warning, with man-db and with groff alone
# (docs/testing.md). Prints "N passed, N failed" with one test per page and
# check; exits 1 if any failed, 2 if a tool is missing.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

PAGES=(man/appban.8 man/appban.policy.5 man/appban.conf.5)

for tool in man groff; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "check-man: $tool not found (apt-get install man-db groff-base)" >&2
		echo "0 passed, 1 failed"
		exit 2
	fi
done

pass=0 fail=0
# check NAME CMD...: the check passes when CMD succeeds and prints nothing
# (its standard output is rendered text for man, nothing for groff -z).
check()
{
	local name=$1 out rc
	shift
	out=$("$@" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
		echo "ok $name"
		pass=$((pass + 1))
	else
		echo "FAIL $name (exit $rc):"
		printf '%s\n' "$out" | head -20
		fail=$((fail + 1))
	fi
}

for page in "${PAGES[@]}"; do
	if [ ! -f "$page" ]; then
		echo "FAIL $page: missing"
		fail=$((fail + 1))
		continue
	fi
	check "man_warnings_${page##*/}" man --warnings -E UTF-8 -l -Tutf8 "$page"
	check "groff_ww_${page##*/}" groff -man -ww -z "$page"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
