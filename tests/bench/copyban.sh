#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The worst delay between a copy of a banned file and its ban, with `appban
# run` watching (issue 4; the fallback engine hashes in user space, the lsm
# engine with IMA has no window at all): tests/bench/copyban.c copies a
# banned file ROUNDS times (default 200) and starts each copy until a start
# is stopped. Needs root and the machine to itself (takes the integration
# lock unless APPBAN_BENCH_LOCKED=1); unloads on any exit.
#   tests/bench/copyban.sh          -> tests/bench/results-copyban.json
set -euo pipefail

cd "$(dirname "$0")/../.."
OUT=${OUTPUT:-build}
APPBAN=${APPBAN:-$OUT/appban}
BIN=$OUT/tests/bench/copyban
JSON=${COPYBAN_JSON:-tests/bench/results-copyban.json}
for f in "$APPBAN" "$BIN"; do
	[ -x "$f" ] || { echo "copyban: $f missing: run \"make all bench-helpers\"" >&2; exit 1; }
done

. tests/bench/machine.sh
machine_begin copyban

# The banned content: this benchmark's own program, made unique.
cp "$BIN" "$work/banned"
printf 'appban-copyban-%s-%s' "$$" "$RANDOM$RANDOM" >>"$work/banned"
digest=$(sha256sum "$work/banned" | cut -d' ' -f1)
cat >"$work/p.policy" <<EOF2
app copyban-bench {
    sha256 $digest
    deny exec
}
EOF2
mkdir -p "$work/empty" "$work/copies"
APPBAN_SCAN_ROOTS=$work/empty APPBAN_HASH_CACHE=$work/cache \
	"$APPBAN" run --json "$work/p.policy" >"$work/out" 2>"$work/err" &
rpid=$!
for ((i = 0; i < 300; i++)); do
	[ -s "$work/out" ] && break
	kill -0 "$rpid" 2>/dev/null || { echo "copyban: run exited: $(cat "$work/err")" >&2; exit 1; }
	sleep 0.05
done
[ -s "$work/out" ] || { echo "copyban: run printed nothing" >&2; exit 1; }
engine=$("$APPBAN" status --json | grep -o '"engine":"[a-z]*"' | cut -d'"' -f4)
"$BIN" "$work/banned" "$work/copies" "${ROUNDS:-200}" >"$work/result"
sed "s/^{/{\"engine\": \"$engine\", /" "$work/result" >"$JSON"
cat "$JSON"
echo "wrote $JSON" >&2
