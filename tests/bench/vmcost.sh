#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The cost of enforcement inside a QEMU guest, as ratios: under TCG a guest
# runs some 20-60 times slower than the host, and only "with appban / without"
# in the same guest and minutes means anything (docs/kernels.md, arm64).
# Alternates, ROUNDS times: A no policy, B the 20,000-identifier policy of
# `make bench` (gen-policy.sh, matching nothing); each runs fork+exec+wait of
# a static and a dynamic binary (N_EXEC each) and getppid() (N_NULL: what
# every system call pays while a syscall tracepoint has a program). Then the
# memory with B in force: the kernel memory of the maps `appban run` holds
# (their fdinfo) and of appban's programs (bpftool), and run's resident set
# holding B. Prints:
#   vmcost ARCH KERNEL ENGINE WORKLOAD A-ns B-ns ratio
#   vmcost-mem ARCH KERNEL ENGINE maps-KiB N progs-KiB N run-rss-KiB R
# Run it in a guest (root, the engine chosen by the guest's lsm=):
#   scripts/vmtest.sh --arch arm64 --kernel 6.12 --lsm -- tests/bench/vmcost.sh
# (the binaries of OUTPUT, default build-arm64 on aarch64, else build:
#  make ARCH=arm64 OUTPUT=build-arm64 all build-arm64/tests/bench/loadgen \
#	build-arm64/tests/bench/nop-static build-arm64/tests/bench/nop-dynamic).
set -euo pipefail

cd "$(dirname "$0")/../.."
case $(uname -m) in
aarch64) OUT=${OUTPUT:-build-arm64} ;;
*) OUT=${OUTPUT:-build} ;;
esac
APPBAN=$(realpath "$OUT/appban")
BIN=$(realpath "$OUT/tests/bench")
ROUNDS=${ROUNDS:-3}
N_EXEC=${N_EXEC:-200}
N_NULL=${N_NULL:-20000}
for f in "$APPBAN" "$BIN/loadgen" "$BIN/nop-static" "$BIN/nop-dynamic"; do
	[ -x "$f" ] || { echo "vmcost: $f missing (see the head of $0)" >&2; exit 1; }
done
if "$APPBAN" status >/dev/null 2>&1; then
	echo "vmcost: a policy is loaded; unload it first" >&2
	exit 1
fi
work=$(mktemp -d /tmp/appban-vmcost.XXXXXX)
rpid=
cleanup()
{
	[ -z "$rpid" ] || { kill -TERM "$rpid" 2>/dev/null; wait "$rpid" 2>/dev/null || true; }
	"$APPBAN" unload >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$work/bin" "$work/empty"
# the policy's sha256 rules would have each load hash the guest's whole
# file system (minutes under TCG): not what is measured here
export APPBAN_SCAN_ROOTS=$work/empty APPBAN_HASH_CACHE=$work/cache
cp "$BIN/nop-static" "$BIN/nop-dynamic" "$work/bin/"
tests/bench/gen-policy.sh "$work/dirs" 1 >"$work/p.policy"
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR) print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
workloads() { # config
	{
		echo "exec-static $("$BIN/loadgen" exec "$N_EXEC" "$work/bin/nop-static")"
		echo "exec-dynamic $("$BIN/loadgen" exec "$N_EXEC" "$work/bin/nop-dynamic")"
		echo "null $("$BIN/loadgen" null "$N_NULL")"
	} | sed "s/^/$1 /" >>"$work/results"
}

engine=none
for r in $(seq "$ROUNDS"); do
	workloads A
	"$APPBAN" load "$work/p.policy" >/dev/null 2>&1
	engine=$("$APPBAN" status --json | sed -n 's/.*"engine":"\([a-z]*\)".*/\1/p')
	workloads B
	"$APPBAN" unload >/dev/null
	echo "vmcost: round $r of $ROUNDS done" >&2
done
arch=$(uname -m) kernel=$(uname -r)
for w in exec-static exec-dynamic null; do
	a=$(awk -v w="$w" '$1 == "A" && $2 == w { print $3 }' "$work/results" | median)
	b=$(awk -v w="$w" '$1 == "B" && $2 == w { print $3 }' "$work/results" | median)
	echo "vmcost $arch $kernel $engine $w $a $b $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", b / a }')"
done

# memory, B in force under `appban run` (its resident set holding it)
set +e
"$APPBAN" run --json "$work/p.policy" >"$work/run.out" 2>"$work/run.err" &
rpid=$!
for _ in $(seq 600); do
	grep -q policy-loaded "$work/run.out" 2>/dev/null && break
	kill -0 "$rpid" 2>/dev/null || { echo "vmcost: run exited: $(tail -5 "$work/run.err")" >&2; exit 1; }
	sleep 0.5
done
grep -q policy-loaded "$work/run.out" || { echo "vmcost: run not in force after 300 s: $(tail -5 "$work/run.err")" >&2; exit 1; }
sleep 2
# the maps `appban run` holds, from its descriptors' fdinfo (bpftool
# would open them read-write, which the lsm engine's tamper guard refuses),
# each map once; the programs from bpftool (read-only ids)
maps=$(for f in /proc/"$rpid"/fdinfo/*; do
	awk '/^map_id:/ { id = $2 } /^memlock:/ { m = $2 } END { if (id != "") print id, m }' "$f" 2>/dev/null
done | sort -u | awk '{ s += $2; n++ } END { printf "%d %d", s / 1024, n }')
progs=$(bpftool prog show 2>/dev/null | awk '/ name appban_/ { want = 1 } want && /memlock/ { for (i = 1; i <= NF; i++) if ($i == "memlock") { s += $(i + 1); n++ } want = 0 } END { printf "%d %d", s / 1024, n }')
rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$rpid/status")
echo "vmcost-mem $arch $kernel $engine maps-KiB ${maps% *} ${maps#* } progs-KiB ${progs% *} ${progs#* } run-rss-KiB $rss"
