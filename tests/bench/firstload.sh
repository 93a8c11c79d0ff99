#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A ban in force at once, also on a first load: a cold first load (empty
# digest cache, page cache dropped) of a policy with one `path` rule and
# the 10,000 `sha256` rules of gen-policy.sh, with ROOT as the scan root.
# From the start of the command to:
#   - the path ban in force: a copy of nop-static started over and over
#     until the kernel refuses it (fallback: killed, 137; lsm: EPERM);
#   - the summary line of `appban load` / the first line of `appban run`;
#   - the end of the scan (load's last line, run's "content scan done").
# RUNS rounds of each command, medians. Target: the path ban within 100 ms.
# Needs root and the machine to itself (machine.sh).
#   tests/bench/firstload.sh [ROOT]		(default /usr; RUNS=3; COLD=0 keeps
#					 the page cache; SMALL=1: one path and
#					 one sha256 rule instead of 20,000
#					 identifiers)
# Writes tests/bench/results-firstload.json; prints a table.
set -euo pipefail

cd "$(dirname "$0")/../.."
ROOT=${1:-/usr}
RUNS=${RUNS:-3}
APPBAN=${APPBAN:-build/appban}
BIN=${BENCH_BIN:-build/tests/bench}
JSON=${FIRSTLOAD_JSON:-tests/bench/results-firstload.json}

[ -x "$APPBAN" ] && [ -x "$BIN/nop-static" ] || { echo "firstload: run make bench" >&2; exit 1; }
. tests/bench/machine.sh
machine_begin firstload

mkdir -p "$work/bin"
mkfifo "$work/tick" && exec 8<>"$work/tick" # read -t on it: a sleep without a fork
cp "$BIN/nop-static" "$work/bin/banned"
{
	printf 'policy firstload\napp banned-path {\n    path %s\n    deny exec\n}\n' "$work/bin/banned"
	if [ "${SMALL:-0}" = 1 ]; then
		# the issue's own case: one path rule, one sha256 rule
		printf 'app banned-content {\n    sha256 %s\n    deny exec\n}\n' \
			"$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
	else
		tests/bench/gen-policy.sh "$work/dirs" 1 | sed '/^policy /d'
	fi
} >"$work/p.policy"
export APPBAN_SCAN_ROOTS=$ROOT APPBAN_HASH_CACHE=$work/cache
now() { local t=${EPOCHREALTIME/[.,]/}; echo "${t}000"; } # ns, no fork
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
# COLD=0: the page cache kept (the digest cache is always empty)
cold() {
	rm -f "$work/cache"
	# the last round's programs are freed after grace periods that a load
	# right after an unload would wait for: a first load follows none
	sleep 2
	[ "${COLD:-1}" = 0 ] && return
	sync
	echo 3 >/proc/sys/vm/drop_caches
}
# until_refused: start the banned copy until it does not exit 0 (about every
# 2 ms); prints the time (ns) it was first refused
until_refused() {
	local t end=$((${EPOCHREALTIME/[.,]/} + 60000000))
	while "$work/bin/banned" 2>/dev/null; do
		# a start every 2 ms or so: a tighter loop takes CPU from the load
		read -r -t 0.002 <&8 || :
		t=${EPOCHREALTIME/[.,]/}
		[ "$t" -lt "$end" ] || { echo "firstload: the path ban was not in force after 60 s" >&2; exit 1; }
	done
	now
}
# wait_for FILE PATTERN: until a line of FILE matches; prints the time (ns)
wait_for() {
	until grep -q "$2" "$1" 2>/dev/null; do
		[ -z "$cpid" ] || kill -0 "$cpid" 2>/dev/null ||
			grep -q "$2" "$1" 2>/dev/null || { echo "firstload: exited: $(cat "$work/err")" >&2; exit 1; }
		sleep 0.001
	done
	now
}

for f in load.ban load.line load.end run.ban run.line run.end; do : >"$work/$f"; done
for r in $(seq "$RUNS"); do
	# appban load: its summary line, then its last line at the end of the scan
	cold
	: >"$work/out"
	t0=$(now)
	"$APPBAN" load "$work/p.policy" >"$work/out" 2>"$work/err" &
	# rpid: machine.sh stops it when the bench is interrupted, before it
	# unloads (a load left running would put its policy in force after)
	rpid=$!
	cpid=$rpid
	tban=$(until_refused)
	tline=$(wait_for "$work/out" 'loaded: ')
	tend=$(wait_for "$work/out" 'content scan done')
	wait "$cpid" || { echo "firstload: load failed: $(cat "$work/err")" >&2; exit 1; }
	rpid='' cpid=''
	echo $((tban - t0)) >>"$work/load.ban"
	echo $((tline - t0)) >>"$work/load.line"
	echo $((tend - t0)) >>"$work/load.end"
	"$APPBAN" unload >/dev/null
	# appban run: its first line (policy-loaded), and the end of its walk
	cold
	: >"$work/out"
	t0=$(now)
	"$APPBAN" run --json "$work/p.policy" >"$work/out" 2>"$work/err" &
	rpid=$!
	cpid=$rpid
	tban=$(until_refused)
	tline=$(wait_for "$work/out" 'policy-loaded')
	tend=$(wait_for "$work/err" 'content scan done')
	kill -TERM "$rpid"
	wait "$rpid" || true
	rpid='' cpid=''
	echo $((tban - t0)) >>"$work/run.ban"
	echo $((tline - t0)) >>"$work/run.line"
	echo $((tend - t0)) >>"$work/run.end"
	"$APPBAN" unload >/dev/null 2>&1 || true
	echo "firstload: round $r: load: ban $(tail -1 "$work/load.ban" | awk '{print int($1 / 1e6)}') ms; run: ban $(tail -1 "$work/run.ban" | awk '{print int($1 / 1e6)}') ms, walk $(tail -1 "$work/run.end" | awk '{print int($1 / 1e6)}') ms" >&2
done
files=$(grep -o 'scan: [0-9]* executables' "$work/err" | head -1 | grep -o '[0-9]*' || echo 0)

ms() { median <"$work/$1" | awk '{ printf "%.1f", $1 / 1e6 }'; }
lb=$(ms load.ban) ll=$(ms load.line) le=$(ms load.end) rb=$(ms run.ban) rl=$(ms run.line) re=$(ms run.end)
printf '%-62s %9s %9s\n' "cold first load, scan of $ROOT ($files executables), medians of $RUNS" "load, ms" "run, ms"
printf '%-62s %9s %9s\n' "path ban in force (a start refused)" "$lb" "$rb"
printf '%-62s %9s %9s\n' "summary line / first line (policy-loaded)" "$ll" "$rl"
printf '%-62s %9s %9s\n' "end of the scan (sha256 rules of the files found in force)" "$le" "$re"
cat >"$JSON" <<EOF
{
  "root": "$ROOT", "runs": $RUNS, "executables": $files, "small_policy": ${SMALL:-0},
  "load_ban_ms": $lb, "load_line_ms": $ll, "load_scan_end_ms": $le,
  "run_ban_ms": $rb, "run_line_ms": $rl, "run_scan_end_ms": $re,
  "target_ms": 100,
  "loadavg_end": "$(cut -d' ' -f1-3 /proc/loadavg)"
}
EOF
echo "wrote $JSON" >&2
