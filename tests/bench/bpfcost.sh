#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Part of `make bench` (bench.sh), with a policy loaded: how much time
# appban's BPF programs take per operation of each workload, from the
# kernel's own accounting (kernel.bpf_stats_enabled: run_time_ns and
# run_cnt of every program, machine-wide, so other processes count too).
# Prints "WORKLOAD PROGRAM NS_PER_OP RUNS_PER_OP" lines.
#   tests/bench/bpfcost.sh BIN WORK
set -euo pipefail

BIN=$1 work=$2
snap() {
	bpftool -j prog show | python3 -c '
import json, sys
for p in json.load(sys.stdin):
    if p.get("name", "").startswith("appban"):
        print(p["id"], p["name"], p.get("run_time_ns", 0), p.get("run_cnt", 0))' | sort
}
old=$(cat /proc/sys/kernel/bpf_stats_enabled)
trap 'echo "$old" >/proc/sys/kernel/bpf_stats_enabled' EXIT
echo 1 >/proc/sys/kernel/bpf_stats_enabled
run() { # name n loadgen-args...
	local name=$1 n=$2
	shift 2
	snap >"$work/bpf0"
	"$BIN/loadgen" "$@" >/dev/null
	snap >"$work/bpf1"
	join "$work/bpf0" "$work/bpf1" | awk -v w="$name" -v n="$n" \
		'{ d = $6 - $3; c = $7 - $4; if (c > 0) printf "%s %s %.1f %.3f\n", w, $2, d / n, c / n }'
}
run exec-static "$N_EXEC" exec "$N_EXEC" "$work/bin/nop-static"
run exec-dynamic "$N_EXEC" exec "$N_EXEC" "$work/bin/nop-dynamic"
run tcp "$N_TCP" tcp "$N_TCP"
run udp "$N_UDP" udp "$N_UDP"
