#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The second load of the same tree (issue 4): `appban run POLICY` with ROOT
# as the only scan root and an empty digest cache (its first load walks ROOT
# and hashes every executable in it), then SIGHUP with another policy in the
# file (a reload: the files' digests come from the table that the watch,
# started before the walk, kept current; no walk). For comparison, the
# second load without a watch: `appban load` of a third policy, whose swap is
# followed by the walk of ROOT through the digest cache (every file stat'ed).
# Wall-clock times from the start to the end of run's walk ("content scan
# done"; the policy is in force from its first line, tests/bench/firstload.sh
# measures that), and from the signal to the policy-loaded line of the
# reload, RUNS rounds, medians.
# Needs root and the machine to itself: it loads policies that match nothing
# (tests/bench/gen-policy.sh) and unloads them on any exit.
#   tests/bench/reload.sh [ROOT]		(default /usr; RUNS=3)
# Writes tests/bench/results-reload.json; prints a table.
set -euo pipefail

cd "$(dirname "$0")/../.."
ROOT=${1:-/usr}
RUNS=${RUNS:-3}
APPBAN=${APPBAN:-build/appban}
JSON=${RELOAD_JSON:-tests/bench/results-reload.json}

[ -x "$APPBAN" ] || { echo "reload: $APPBAN missing: run make" >&2; exit 1; }
. tests/bench/machine.sh
machine_begin reload

for i in 1 2 3; do
	tests/bench/gen-policy.sh "$work/dirs" "$i" >"$work/p$i.policy"
done
export APPBAN_SCAN_ROOTS=$ROOT APPBAN_HASH_CACHE=$work/cache
now() { date +%s%N; }
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
# lines_at_least FILE N: wait (busy, no fork) until FILE has N lines
lines_at_least() {
	local -a l
	while :; do
		mapfile -t l <"$1"
		[ "${#l[@]}" -ge "$2" ] && return 0
		kill -0 "$rpid" 2>/dev/null || { echo "reload: run exited: $(cat "$work/err")" >&2; exit 1; }
	done
}

: >"$work/first"; : >"$work/reload"; : >"$work/inner"; : >"$work/plain"
for r in $(seq "$RUNS"); do
	rm -f "$work/cache"
	cp "$work/p1.policy" "$work/run.policy"
	: >"$work/out"
	t0=$(now)
	"$APPBAN" run --json "$work/run.policy" >"$work/out" 2>"$work/err" &
	rpid=$!
	lines_at_least "$work/out" 1
	# in force at the first line; the first load's walk ends later
	until grep -q 'content scan done' "$work/err"; do
		kill -0 "$rpid" 2>/dev/null || { echo "reload: run exited: $(cat "$work/err")" >&2; exit 1; }
		sleep 0.005
	done
	t1=$(now)
	cp "$work/p2.policy" "$work/run.policy"
	t2=$(now)
	kill -HUP "$rpid"
	lines_at_least "$work/out" 2
	t3=$(now)
	sed -n 2p "$work/out" | grep -q 'policy-loaded' ||
		{ echo "reload: second line of run is not policy-loaded: $(sed -n 2p "$work/out")" >&2; exit 1; }
	grep -q "no walk" "$work/err" || { echo "reload: run walked on reload: $(cat "$work/err")" >&2; exit 1; }
	sed -n 's/^appban: reloaded .* in \([0-9.]*\) ms.*/\1/p' "$work/err" | tail -1 >>"$work/inner"
	# The same tree, a second load without the watch's help: a swap, then
	# the walk of ROOT through the digest cache the first load wrote.
	t4=$(now)
	"$APPBAN" load "$work/p3.policy" >/dev/null 2>"$work/load.err" ||
		{ echo "reload: appban load failed: $(cat "$work/load.err")" >&2; exit 1; }
	t5=$(now)
	kill -TERM "$rpid"
	wait "$rpid" || true
	rpid=''
	"$APPBAN" unload >/dev/null 2>&1 || true
	echo $((t1 - t0)) >>"$work/first"
	echo $((t3 - t2)) >>"$work/reload"
	echo $((t5 - t4)) >>"$work/plain"
	echo "reload: round $r: first load $(((t1 - t0) / 1000000)) ms, reload $(((t3 - t2) / 1000000)) ms, second load with walk $(((t5 - t4) / 1000000)) ms" >&2
done
files=$(grep -o 'scan: [0-9]* executables' "$work/err" | head -1 | grep -o '[0-9]*')
f=$(median <"$work/first"); rl=$(median <"$work/reload"); p=$(median <"$work/plain"); in=$(median <"$work/inner")

awk -v f="$f" -v rl="$rl" -v p="$p" -v in_ms="$in" -v root="$ROOT" -v runs="$RUNS" -v files="$files" \
    -v load="$(cut -d' ' -f1-3 /proc/loadavg)" -v json="$JSON" 'BEGIN {
	printf "%-58s %10s %8s\n", "load of " root " (" files " executables), medians of " runs, "seconds", "ratio"
	printf "%-58s %10.3f\n", "first load: appban run, empty digest cache", f / 1e9
	printf "%-58s %10.3f %7.1fx\n", "second load: reload of run (SIGHUP), no walk", rl / 1e9, f / rl
	printf "%-58s %10.3f\n", "  (run'"'"'s own count, signal to in force)", in_ms / 1e3
	printf "%-58s %10.3f %7.1fx\n", "second load without a watch: appban load, walk via cache", p / 1e9, f / p
	printf "(load average at the end %s)\n", load
	printf "{\n  \"root\": \"%s\", \"runs\": %d, \"executables\": %d,\n", root, runs, files > json
	printf "  \"first_load_s\": %.4f, \"reload_s\": %.4f, \"reload_inner_ms\": %.1f, \"reload_speedup\": %.1f,\n", f / 1e9, rl / 1e9, in_ms, f / rl > json
	printf "  \"second_load_with_walk_s\": %.4f, \"second_load_with_walk_speedup\": %.1f,\n", p / 1e9, f / p > json
	printf "  \"loadavg_end\": \"%s\"\n}\n", load > json
}'
echo "wrote $JSON" >&2
