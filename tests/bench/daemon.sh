#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What the daemon costs a device (issue 16): its memory (VmRSS, VmHWM) and
# CPU while idle with a policy in force and a policy directory watched, and
# the time from a signed policy dropped into its directory (`mv`) to the ban
# in force (a start of the banned copy refused; target 100 ms). RUNS drops,
# medians. Needs root and the machine to itself (machine.sh).
#   tests/bench/daemon.sh          (RUNS=5; IDLE=30: seconds of idle measured;
#                                   SMALL=1: a one-app policy, not 20,000 identifiers)
# Writes tests/bench/results-daemon.json; prints a table.
set -euo pipefail

cd "$(dirname "$0")/../.."
RUNS=${RUNS:-5}
IDLE=${IDLE:-30}
APPBAN=${APPBAN:-build/appban}
BIN=${BENCH_BIN:-build/tests/bench}
JSON=${DAEMON_JSON:-tests/bench/results-daemon.json}

[ -x "$APPBAN" ] && [ -x "$BIN/nop-static" ] || { echo "daemon: run make bench" >&2; exit 1; }
. tests/bench/machine.sh
machine_begin daemon

mkdir -p "$work/bin" "$work/policy.d" "$work/state" "$work/stage"
mkfifo "$work/tick" && exec 8<>"$work/tick"
now() { local t=${EPOCHREALTIME/[.,]/}; echo "${t}000"; }
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

"$APPBAN" keygen -o "$work/k" >/dev/null
cat >"$work/appban.conf" <<EOF2
state-dir $work/state
policy-dir $work/policy.d
key $work/k.pub base
EOF2
# policy N: serial N bans bin/bannedN (a copy of nop-static each), beside
# the 20,000 identifiers of gen-policy.sh (the issue's size: 10,000 sha256,
# 9,000 name and 1,000 dir rules that match nothing); SMALL=1: the one app
tests/bench/gen-policy.sh "$work/dirs" | sed '/^policy /d;/^serial /d' >"$work/body"
[ "${SMALL:-0}" = 1 ] && : >"$work/body"
idents=$(($(grep -cE '^[[:space:]]+(sha256|name|dir|path) ' "$work/body" || true) + 1))
policy() {
	cp "$BIN/nop-static" "$work/bin/banned$1"
	{
		printf 'policy bench\nserial %s\napp banned {\n    path %s\n    deny exec\n}\n' \
			"$1" "$work/bin/banned$1"
		cat "$work/body"
	} >"$work/stage/bench.policy"
	"$APPBAN" sign -k "$work/k" "$work/stage/bench.policy" >/dev/null
}
policy 1
mv "$work/stage/bench.policy.minisig" "$work/policy.d/"
mv "$work/stage/bench.policy" "$work/policy.d/"
export APPBAN_SOCKET=$work/appban.sock
# the sha256 rules' walk: the bench's own copies, a digest cache of its own
export APPBAN_SCAN_ROOTS=$work/bin APPBAN_HASH_CACHE=$work/cache
"$APPBAN" daemon --config "$work/appban.conf" >"$work/out" 2>"$work/err" &
rpid=$!
# the first load ended (its summary line: the rest of the engine is
# attached after the exec ban, and a drop meanwhile would wait for it)
until grep -q 'serial 1 loaded' "$work/err"; do
	kill -0 "$rpid" 2>/dev/null || { echo "daemon: exited: $(cat "$work/err")" >&2; exit 1; }
	! grep -q ' refused (' "$work/err" || { echo "daemon: $(grep ' refused (' "$work/err")" >&2; kill "$rpid"; exit 1; }
	sleep 0.01
done
"$work/bin/banned1" 2>/dev/null && { echo "daemon: serial 1 loaded but banned1 runs" >&2; exit 1; }

# drops: the signature first, then the policy (the order an admin's
# `mv *.minisig; mv *.policy` gives), timed from the policy's mv
: >"$work/drop"
for r in $(seq 2 $((RUNS + 1))); do
	policy "$r"
	mv "$work/stage/bench.policy.minisig" "$work/policy.d/"
	t0=$(now)
	mv "$work/stage/bench.policy" "$work/policy.d/"
	end=$((${EPOCHREALTIME/[.,]/} + 30000000))
	while "$work/bin/banned$r" 2>/dev/null; do
		read -r -t 0.002 <&8 || :
		[ "${EPOCHREALTIME/[.,]/}" -lt "$end" ] || { echo "daemon: serial $r not in force after 30 s: $(tail -3 "$work/err")" >&2; exit 1; }
	done
	t1=$(now)
	echo $((t1 - t0)) >>"$work/drop"
	echo "daemon: drop $r: in force after $(((t1 - t0) / 1000000)) ms" >&2
	sleep 0.5
done

# idle: CPU (user + system ticks) and memory over IDLE seconds
hz=$(getconf CLK_TCK)
ticks() { awk '{ print $14 + $15 }' "/proc/$rpid/stat"; }
c0=$(ticks)
sleep "$IDLE"
c1=$(ticks)
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$rpid/status")
hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$rpid/status")
cpu_s=$(awk -v a="$c0" -v b="$c1" -v hz="$hz" 'BEGIN { printf "%.3f", (b - a) / hz }')
per_hour=$(awk -v c="$cpu_s" -v t="$IDLE" 'BEGIN { printf "%.1f", c * 3600 / t }')
drop=$(median <"$work/drop" | awk '{ printf "%.1f", $1 / 1e6 }')
printf '%-58s %s\n' "drop to enforced ($idents identifiers; mv -> start refused), median of $RUNS" "$drop ms (target 100)"
printf '%-58s %s\n' "memory: VmRSS / VmHWM" "$((rss / 1024)) MiB / $((hwm / 1024)) MiB"
printf '%-58s %s\n' "CPU while idle ($IDLE s measured)" "$cpu_s s, $per_hour s per hour"
cat >"$JSON" <<EOF2
{
  "runs": $RUNS, "identifiers": $idents, "drop_to_enforced_ms": $drop, "target_ms": 100,
  "rss_kib": $rss, "hwm_kib": $hwm,
  "idle_seconds": $IDLE, "idle_cpu_s": $cpu_s, "idle_cpu_s_per_hour": $per_hour,
  "loadavg_end": "$(cut -d' ' -f1-3 /proc/loadavg)"
}
EOF2
echo "wrote $JSON" >&2
