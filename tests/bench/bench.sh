#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: the cost of enforcement, in one run, configurations
# alternated A B C A B C ... (ROUNDS times):
#   A  no enforcement
#   B  appban holding a 20,000-identifier policy (10,000 sha256, 9,000 name,
#      1,000 dir) that matches nothing on the machine (gen-policy.sh)
#   C  Debian's fapolicyd denying one path (fapolicyd-ns.sh)
# Each configuration: fork+exec+wait of a static and of a dynamic binary,
# TCP connect+accept+close and UDP sendto on loopback (loadgen.c, ns/op),
# each workload in a private mount namespace (as C needs). Then, with B:
# policy load and swap times, the kernel memory of its maps, the events per
# second that the ring buffer and `appban run --json` carry without loss
# (evburst.c), and the scan throughput (scan.sh). Prints a table, writes
# tests/bench/results.json. Needs root; holds the integration lock while
# it runs (the machine has one policy) and unloads in every case.
#   tests/bench/bench.sh		(ROUNDS=7 N_EXEC=1000 N_TCP=20000 N_UDP=200000)
set -euo pipefail

cd "$(dirname "$0")/../.."
OUT=${OUTPUT:-build}
APPBAN=$(realpath "$OUT/appban")
BIN=$(realpath "$OUT/tests/bench")
ROUNDS=${ROUNDS:-7}
N_EXEC=${N_EXEC:-1000}
N_TCP=${N_TCP:-20000}
N_UDP=${N_UDP:-200000}
EV_RATES=${EV_RATES:-250000 500000 750000 1000000}
EV_SECONDS=${EV_SECONDS:-2}
SCAN=${SCAN:-1}
EVENTS=${EVENTS:-1}
FAPOLICYD=${FAPOLICYD:-1}
JSON=${JSON:-tests/bench/results.json}
LOCK=/run/lock/appban-integration.lock

for f in "$APPBAN" "$BIN/loadgen" "$BIN/nop-static" "$BIN/nop-dynamic" "$BIN/evburst" "$BIN/jsonlines" "$BIN/sinkpush" "$BIN/followers"; do
	[ -x "$f" ] || { echo "bench: $f missing: run \"make bench\"" >&2; exit 1; }
done
[ "$FAPOLICYD" = 0 ] || command -v fapolicyd >/dev/null || { echo "bench: fapolicyd missing: scripts/deps.sh bench" >&2; exit 1; }

work=$(mktemp -d /tmp/appban-bench.XXXXXX)
loaded=0 rpid='' wpid=''
cleanup() {
	[ -n "$rpid" ] && kill -INT "$rpid" 2>/dev/null && wait "$rpid" 2>/dev/null
	[ -n "$wpid" ] && kill "$wpid" 2>/dev/null && wait "$wpid" 2>/dev/null
	[ "$loaded" = 1 ] && "$APPBAN" unload >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

exec 9>"$LOCK"
echo "bench: waiting for $LOCK" >&2
flock 9
if "$APPBAN" status >/dev/null 2>&1; then
	echo "bench: a policy is loaded on this machine; run \"appban unload\" first" >&2
	exit 1
fi

cut -d' ' -f1-3 /proc/loadavg >"$work/loadavg"
now() { date +%s%N; }
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR) print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
# spread of the numbers on stdin: (max - min) / median, in percent
spread() { sort -g | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; if (NR && m) printf "%.1f", (a[NR] - a[1]) / m * 100 }'; }
res() { echo "$1 $2 $3" >>"$work/results"; } # config workload value

# The binaries the workloads start, and the one fapolicyd denies: on the
# root file system, which both appban and fapolicyd watch.
mkdir -p "$work/bin" "$work/empty"
cp "$BIN/nop-static" "$BIN/nop-dynamic" "$work/bin/"
cp "$BIN/nop-static" "$work/bin/denied"
tests/bench/gen-policy.sh "$work/dirs" 1 >"$work/p1.policy"
tests/bench/gen-policy.sh "$work/dirs" 2 >"$work/p2.policy"

workloads() { # config: runs the four workloads in a private mount namespace
	local out=$work/wl.$1 ns=(unshare -m --propagation private)
	# C: in fapolicyd's namespace already (a new one would copy its mounts,
	# and the copies carry none of its fanotify marks)
	[ -n "${APPBAN_FAPOLICYD_NS:-}" ] && ns=()
	"${ns[@]}" sh -c "
		'$BIN/loadgen' exec $N_EXEC '$work/bin/nop-static' &&
		'$BIN/loadgen' exec $N_EXEC '$work/bin/nop-dynamic' &&
		'$BIN/loadgen' tcp $N_TCP && '$BIN/loadgen' udp $N_UDP &&
		'$BIN/loadgen' null $N_UDP" >"$out"
	mapfile -t v <"$out"
	[ "${#v[@]}" = 5 ] || { echo "bench: workloads of $1 failed" >&2; exit 1; }
	res "$1" exec-static "${v[0]}"
	res "$1" exec-dynamic "${v[1]}"
	res "$1" tcp "${v[2]}"
	res "$1" udp "${v[3]}"
	res "$1" null "${v[4]}"
}
export -f workloads res
export work BIN N_EXEC N_TCP N_UDP

timed_load() { # name policy: appban load, wall time in ms; scan seconds kept
	local t0 t1
	t0=$(now)
	# Its summary line is printed the moment the policy is in force; a
	# swap with sha256 rules walks the scan roots after that.
	"$APPBAN" load "$2" 2>"$work/load.err" |
		{ IFS= read -r _ && now >"$work/inforce"; cat >/dev/null; }
	[ "${PIPESTATUS[0]}" = 0 ] || { cat "$work/load.err" >&2; exit 1; }
	t1=$(now)
	loaded=1
	res B "$1" "$(((t1 - t0) / 1000))e-3"
	res B "$1-inforce" "$((($(cat "$work/inforce") - t0) / 1000))e-3"
	# A swap returns once the new policy is in force; a child deletes the
	# old one's entries, holding the lock: until it is free is "cleared".
	flock /run/appban.lock true
	res B "$1-cleared" "$((($(now) - t0) / 1000))e-3"
	# what the scan hashed (the cache did not hold it) and how long it took
	sed -n 's/.*(\([0-9]*\) hashed,.*/\1/p' "$work/load.err" | head -1 |
		while read -r n; do res B "$1-hashed" "$n"; done
	sed -n 's/.* hashed in \([0-9.]*\) s.*/\1/p' "$work/load.err" | head -1 |
		while read -r s; do res B "$1-scan" "$(awk -v s="$s" 'BEGIN { print s * 1000 }')"; done
}

# The first load hashes what the hash cache does not hold yet: timed, but
# apart (a cold cache is once per machine; every later load reads it).
echo "bench: first load (fills the hash cache)" >&2
timed_load load-first "$work/p1.policy"
"$APPBAN" unload >/dev/null
loaded=0

for ((r = 1; r <= ROUNDS; r++)); do
	echo "bench: round $r/$ROUNDS" >&2
	workloads A
	timed_load load "$work/p1.policy"
	timed_load swap "$work/p2.policy"
	"$APPBAN" status >"$work/status"
	grep -q 'identifiers: path 0, dir 1000, sha256 10000, name 9000' "$work/status" ||
		{ echo "bench: unexpected policy:" >&2; cat "$work/status" >&2; exit 1; }
	workloads B
	# The same swap without the walk of the scan roots: what is left is
	# compiling and writing the maps. A cache of its own: a scan saves only
	# what it saw, and would empty the real one.
	APPBAN_SCAN_ROOTS=$work/empty APPBAN_HASH_CACHE=$work/cache-noscan \
		timed_load swap-noscan "$work/p1.policy"
	if [ "$r" = 1 ]; then
		# (the lsm engine's tamper protection refuses other programs
		# its maps: then no numbers)
		for f in /sys/fs/bpf/appban/appban_*; do
			case $f in */appban_prog_*) continue ;; esac # programs
			bpftool -j map show pinned "$f" 2>/dev/null && echo
		done >"$work/maps.json" || true
		"$APPBAN" status --json >"$work/status.json"
		# where B's extra time goes: the programs' own run time
		tests/bench/bpfcost.sh "$BIN" "$work" >"$work/bpfcost" 2>/dev/null || true
	fi
	"$APPBAN" unload >/dev/null
	loaded=0
	if [ "$FAPOLICYD" = 1 ]; then
		tests/bench/fapolicyd-ns.sh "$work" "$work/bin/denied" bash -c 'workloads C'
	fi
done
: >"$work/ev"
sent=0 lines=1 kernel_lost=0
if [ "$EVENTS" = 1 ]; then
	# Events: `appban run --json` loads the policy and writes its lines into a
	# pipe to a counter; evburst offers RATE records/s for EV_SECONDS each.
	echo "bench: events through the ring buffer to the JSON writer" >&2
	mkfifo "$work/fifo"
	"$BIN/jsonlines" "$work/first" <"$work/fifo" >"$work/lines" &
	wpid=$!
	"$APPBAN" run --json "$work/p1.policy" >"$work/fifo" 2>"$work/run.err" &
	rpid=$!
	loaded=1
	for ((i = 0; i < 600; i++)); do
		[ -s "$work/first" ] && break
		sleep 0.1
	done
	[ -s "$work/first" ] || { echo "bench: appban run did not start" >&2; cat "$work/run.err" >&2; exit 1; }
	# CPU time of the writer (user + system, clock ticks): its cost per
	# event, whatever else the machine runs.
	cpu() { awk '{ print $14 + $15 }' "/proc/$rpid/stat"; }
	for rate in $EV_RATES; do
		c0=$(cpu)
		"$BIN/evburst" "$rate" "$EV_SECONDS" "$work/bin/nop-static" >"$work/ev.out"
		sleep 0.2 # the last records drained
		c1=$(cpu)
		read -r _ written _ lost _ secs <"$work/ev.out"
		sent=$((sent + written))
		echo "ev $rate $written $lost $secs $((c1 - c0))" >>"$work/ev"
	done
	"$APPBAN" status --json >"$work/status.json"
	kill -INT "$rpid"
	wait "$rpid" || true
	rpid=
	loaded=0
	wait "$wpid" || true
	wpid=
	# Lines: every record written, plus policy-loaded.
	read -r lines badlines <"$work/lines"
	[ "$badlines" = 0 ] || { echo "bench: $badlines lines of appban run are not JSON objects" >&2; exit 1; }
	kernel_lost=$(grep -o '"events_lost":[0-9]*' "$work/status.json" | cut -d: -f2)
	# The daemon's followers: what stuck ones cost the others (no BPF,
	# the control socket's code alone)
	echo "bench: stuck followers of the daemon (build/tests/bench/followers)" >&2
	"$BIN/followers" ${FOLLOW_RATE:-20000} ${FOLLOW_SECONDS:-2} 2 >"$work/followers.out" 2>"$work/followers.err" ||
		{ cat "$work/followers.err" >&2; exit 1; }
	cp "$work/followers.out" tests/bench/results-followers.json
fi

if [ "$SCAN" = 1 ]; then
	echo "bench: scan throughput (tests/bench/scan.sh ${SCAN_ROOT:-/usr/bin})" >&2
	RUNS=${SCAN_RUNS:-3} tests/bench/scan.sh "${SCAN_ROOT:-/usr/bin}" >"$work/scan.out" 2>&1 ||
		{ cat "$work/scan.out" >&2; exit 1; }
	echo "bench: second load of ${RELOAD_ROOT:-/usr} (tests/bench/reload.sh)" >&2
	APPBAN_BENCH_LOCKED=1 APPBAN=$APPBAN RUNS=${RELOAD_RUNS:-3} tests/bench/reload.sh "${RELOAD_ROOT:-/usr}" \
		>"$work/reload.out" 2>&1 || { cat "$work/reload.out" >&2; exit 1; }
	echo "bench: cold first load, path ban in force (tests/bench/firstload.sh)" >&2
	APPBAN_BENCH_LOCKED=1 APPBAN=$APPBAN RUNS=${FIRSTLOAD_RUNS:-3} tests/bench/firstload.sh "${RELOAD_ROOT:-/usr}" \
		>"$work/firstload.out" 2>&1 || { cat "$work/firstload.out" >&2; exit 1; }
	echo "bench: policies of 1k and 65k apps, 1M identifiers (tests/bench/limits.sh)" >&2
	APPBAN_BENCH_LOCKED=1 APPBAN=$APPBAN RUNS=${LIMITS_RUNS:-3} tests/bench/limits.sh \
		>"$work/limits.out" 2>&1 || { cat "$work/limits.out" >&2; exit 1; }
	echo "bench: delay from a copy of a banned file to its ban (tests/bench/copyban.sh)" >&2
	APPBAN_BENCH_LOCKED=1 APPBAN=$APPBAN tests/bench/copyban.sh >"$work/copyban.out" 2>&1 ||
		{ cat "$work/copyban.out" >&2; exit 1; }
fi

if [ "${DAEMON_BENCH:-1}" = 1 ]; then
	# the daemon: memory, idle CPU, drop into its directory -> ban in force
	echo "bench: the daemon's cost (tests/bench/daemon.sh)" >&2
	APPBAN_BENCH_LOCKED=1 APPBAN=$APPBAN RUNS=${DAEMON_RUNS:-5} tests/bench/daemon.sh \
		>"$work/daemon.out" 2>&1 || { cat "$work/daemon.out" >&2; exit 1; }
	cat "$work/daemon.out" >&2
	# a web source's check answered 304: its bytes on the wire
	echo "bench: a web source's bytes (tests/bench/web.sh)" >&2
	APPBAN_BENCH_LOCKED=1 APPBAN=$APPBAN CHECKS=${WEB_CHECKS:-20} tests/bench/web.sh \
		>"$work/web.out" 2>&1 || { cat "$work/web.out" >&2; exit 1; }
	cat "$work/web.out" >&2
fi

if [ "${SINKS_BENCH:-1}" = 1 ]; then
	# the daemon's sinks with their real receivers (docs/sinks.md)
	echo "bench: the daemon's sinks (tests/bench/sinks.sh)" >&2
	APPBAN_BENCH_LOCKED=1 SINKS_JSON=tests/bench/results-sinks.json tests/bench/sinks.sh \
		>"$work/sinks.out" 2>&1 ||
		{ cat "$work/sinks.out" >&2; exit 1; }
	cp "$work/sinks.out" tests/bench/results-sinks.txt
	cat "$work/sinks.out" >&2
fi

python3 tests/bench/report.py "$work" "$JSON" tests/bench/RESULTS.md "$ROUNDS" "$sent" "$lines" "$kernel_lost"
