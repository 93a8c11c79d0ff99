#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Limits a real blocklist needs, measured: policies of 1,000 and 65,536 apps
# (one `name` identifier each, as a list imported from another tool has),
# and one of 1,000,000 identifiers (500,000 `name`, 500,000 `sha256`, in
# 1,000 apps), matching nothing on the machine. For each: the time of a
# fresh `appban load`, of a swap (`appban load` of the same policy again),
# and the kernel memory of appban's maps (the bytes_memlock bpftool reports,
# every map named appban_*, the per-generation maps included), against an
# idle one-app policy. The scan is left out (an empty scan root): it is
# measured by scan.sh and firstload.sh. Needs root and the machine to itself.
#   tests/bench/limits.sh			(RUNS=3)
# Writes tests/bench/results-limits.json; prints a table.
set -euo pipefail

cd "$(dirname "$0")/../.."
RUNS=${RUNS:-3}
APPBAN=${APPBAN:-build/appban}
JSON=${LIMITS_JSON:-tests/bench/results-limits.json}

[ -x "$APPBAN" ] || { echo "limits: $APPBAN missing: run make" >&2; exit 1; }
. tests/bench/machine.sh
machine_begin limits

mkdir -p "$work/empty"
export APPBAN_SCAN_ROOTS=$work/empty APPBAN_HASH_CACHE=$work/cache
now() { local t=${EPOCHREALTIME/[.,]/}; echo "${t}000"; }
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
memlock() {
	bpftool map show -j | python3 -c '
import json, sys
print(sum(m.get("bytes_memlock", 0) for m in json.load(sys.stdin) if m.get("name", "").startswith("appban_")))'
}

python3 - "$work" <<'PY'
import hashlib, sys
work = sys.argv[1]
def apps(path, n):
    with open(path, "w") as f:
        f.write("policy apps-%d\n" % n)
        for i in range(n):
            f.write("app a%d {\n    name appban-bench-absent-%d\n    deny exec\n}\n" % (i, i))
apps(work + "/one.policy", 1)
apps(work + "/1k.policy", 1000)
apps(work + "/65k.policy", 65536)
with open(work + "/1m.policy", "w") as f:
    f.write("policy identifiers-1m\n")
    for a in range(1000):
        f.write("app a%d {\n    deny exec\n" % a)
        for i in range(500):
            k = a * 500 + i
            f.write("    name appban-bench-absent-%d\n" % k)
            f.write("    sha256 %s\n" % hashlib.sha256(b"appban-bench-%d" % k).hexdigest())
        f.write("}\n")
PY

: >"$work/rows"
for p in one 1k 65k 1m; do
	: >"$work/load" ; : >"$work/swap"
	for r in $(seq "$RUNS"); do
		t0=$(now)
		"$APPBAN" load "$work/$p.policy" >/dev/null 2>"$work/err" ||
			{ echo "limits: load of $p failed: $(cat "$work/err")" >&2; exit 1; }
		t1=$(now)
		"$APPBAN" load "$work/$p.policy" >/dev/null 2>"$work/err" ||
			{ echo "limits: swap of $p failed: $(cat "$work/err")" >&2; exit 1; }
		t2=$(now)
		# the old generation is dropped by a child of the swap: wait for it
		flock /run/appban.lock true 2>/dev/null || sleep 1
		mem=$(memlock)
		"$APPBAN" unload >/dev/null
		echo $((t1 - t0)) >>"$work/load"
		echo $((t2 - t1)) >>"$work/swap"
	done
	size=$(stat -c %s "$work/$p.policy")
	echo "$p $(median <"$work/load") $(median <"$work/swap") $mem $size" >>"$work/rows"
	echo "limits: $p: load $(median <"$work/load" | awk '{ printf "%d", $1 / 1e6 }') ms, swap $(median <"$work/swap" | awk '{ printf "%d", $1 / 1e6 }') ms, maps $((mem / 1024)) KiB" >&2
done

python3 - "$work/rows" "$JSON" "$RUNS" <<'PY'
import json, sys
rows, out, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
names = {"one": "1 app", "1k": "1,000 apps", "65k": "65,536 apps",
         "1m": "1,000,000 identifiers (1,000 apps)"}
res = []
print("%-36s %12s %10s %10s %12s" % ("policy (medians of %d)" % runs, "file, MiB", "load, ms", "swap, ms", "maps, MiB"))
for line in open(rows):
    p, load, swap, mem, size = line.split()
    r = {"policy": names[p], "file_bytes": int(size), "load_ms": round(float(load) / 1e6, 1),
         "swap_ms": round(float(swap) / 1e6, 1), "map_memory_bytes": int(mem)}
    res.append(r)
    print("%-36s %12.1f %10.1f %10.1f %12.2f" % (r["policy"], r["file_bytes"] / 2**20, r["load_ms"],
                                                r["swap_ms"], r["map_memory_bytes"] / 2**20))
json.dump({"runs": runs, "policies": res}, open(out, "w"), indent=2)
PY
echo "wrote $JSON" >&2
