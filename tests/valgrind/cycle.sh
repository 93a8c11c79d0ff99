#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# valgrind over a load / status / check / run / unload cycle (issue 6 item 4):
# any leak or memory error fails. Bans only a name that nothing has.
# Prints "N passed, N failed" with one test per command.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
APPBAN=${APPBAN:-build/appban}
# enforcement is machine-wide: one test run at a time (as tests/integration)
exec 9>/run/lock/appban-integration.lock
flock -w 1200 9 || { echo "cannot take /run/lock/appban-integration.lock"; exit 1; }
dir=$(mktemp -d /tmp/appban-vg.XXXXXX)
trap '"$APPBAN" unload >/dev/null 2>&1; rm -rf "$dir"' EXIT
printf 'policy vg\napp vg {\n    name appban-valgrind-%s\n    deny exec\n}\n' "$$" >"$dir/p.policy"
pass=0 fail=0
vg()
{
	local name=$1
	shift
	if valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible \
		--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \
		--suppressions=tests/valgrind/appban.supp "$@" >"$dir/$name.out" 2>&1; then
		echo "ok valgrind_$name"
		pass=$((pass + 1))
	elif rc=$? && [ "$rc" = 99 ]; then
		echo "FAIL valgrind_$name:"
		grep -v 'unhandled eBPF' "$dir/$name.out" | head -40
		fail=$((fail + 1))
	else
		echo "FAIL valgrind_$name (exit $rc):"
		tail -5 "$dir/$name.out"
		fail=$((fail + 1))
	fi
}
vg load "$APPBAN" load "$dir/p.policy"
vg status "$APPBAN" status --json
vg check "$APPBAN" check "$dir/p.policy"
# run streams until SIGINT; --keep so that unload is tested on its own
( sleep 8; pkill -INT -f "valgrind.*appban run" ) &
vg run "$APPBAN" run --json --keep
vg unload "$APPBAN" unload
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
