#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark of the content scan: appban's scanner against
# `find ROOT -type f -perm /111 -print0 | xargs -0 sha256sum` over the same
# files, warm page cache, runs alternated, medians; then first loads (empty
# digest cache) against second loads (the cache the first one wrote), in
# pairs, on the same warm page cache; then the same pairs after a boot (all
# caches dropped before each load, as root).
# Prints a table, writes tests/bench/results-scan.json.
#   tests/bench/scan.sh [ROOT]		(default /usr; RUNS=5 by default)
set -euo pipefail

cd "$(dirname "$0")/../.."
ROOT=${1:-/usr}
RUNS=${RUNS:-5}
OUT=${OUTPUT:-build}/tests/bench
JSON=tests/bench/results-scan.json
BIN=$OUT/scan_bench
CC=${CC:-gcc}

mkdir -p "$OUT"
# The machine may be shared: as root, every timed command runs at nice -20
# (NICE=0 to keep the priority), first and second loads alike.
NICE=${NICE:--20}
if [ "$(id -u)" = 0 ] && [ "$NICE" != 0 ]; then
	renice -n "$NICE" $$ >/dev/null
else
	NICE=0
fi
$CC -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE \
	-Iuser -Ibpf tests/bench/scan_bench.c user/content/scan.c user/content/scantext.c user/content/hashcache.c user/util/file.c user/util/log.c user/util/hex.c \
	-o "$BIN" $(pkg-config --libs libcrypto zlib libbpf) -pthread

work=$(mktemp -d /tmp/appban-bench-scan.XXXXXX)
trap 'rm -rf "$work"' EXIT

now() { date +%s%N; }
# median of the numbers on stdin
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
minmax() { sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo, hi }'; }
stat_of() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }

# The same files for both: appban's x-bit rule is what -perm /111 lists.
find "$ROOT" -type f -perm /111 -print0 >"$work/find.list"
"$BIN" --xbit-only --list "$work/appban.out" --stats "$work/stats" "$ROOT" 2>"$work/err"
tr '\0' '\n' <"$work/find.list" | sort >"$work/find.sorted"
cut -c67- "$work/appban.out" | sort >"$work/appban.sorted"
if ! cmp -s "$work/find.sorted" "$work/appban.sorted"; then
	# Hard links are hashed once by appban (one inode, one entry).
	echo "note: file lists differ:" >&2
	diff "$work/find.sorted" "$work/appban.sorted" | head -5 >&2 || true
fi
# Same digests.
xargs -0 sha256sum <"$work/find.list" | sort -k2 >"$work/sha.out"
sort -k2 "$work/appban.out" >"$work/appban.sortd"
join -1 2 -2 2 -o 1.1,2.1 "$work/appban.sortd" "$work/sha.out" | awk '$1 != $2 { bad++ } END { exit bad > 0 }' ||
	{ echo "digest mismatch between appban and sha256sum" >&2; exit 1; }

files=$(stat_of "$work/stats" hashed)
# sha256sum reads every name of a hard-linked file: its own byte count.
fbytes=$(xargs -0 stat -c %s <"$work/find.list" | awk '{ s += $1 } END { printf "%.0f", s }')
bytes=$(stat_of "$work/stats" bytes_hashed)
echo "$ROOT: $files executables, $bytes bytes; same digests as sha256sum; warm-up done" >&2

# Alternate A B A B ... on a warm page cache (the runs above warmed it).
for i in $(seq "$RUNS"); do
	t0=$(now); "$BIN" --xbit-only "$ROOT" 2>/dev/null; t1=$(now)
	echo $((t1 - t0)) >>"$work/a"
	t0=$(now); find "$ROOT" -type f -perm /111 -print0 | xargs -0 sha256sum >/dev/null; t1=$(now)
	echo $((t1 - t0)) >>"$work/b"
	t0=$(now); find "$ROOT" -type f -perm /111 -print0 | xargs -0 -P "$(nproc)" -n 64 sha256sum >/dev/null; t1=$(now)
	echo $((t1 - t0)) >>"$work/c"
done
a=$(median <"$work/a"); b=$(median <"$work/b"); c=$(median <"$work/c")

# The floor of a second load: listing and stat'ing every entry of ROOT
# (find, one thread, what -perm /111 needs).
: >"$work/find"
for i in $(seq "$RUNS"); do
	t0=$(now); find "$ROOT" -type f -perm /111 >/dev/null; t1=$(now)
	echo $((t1 - t0)) >>"$work/find"
done
fs=$(median <"$work/find")

# Through the cache, in pairs: a first load into an empty cache (it writes
# the cache file), then a second load through it. The page cache is warm for
# both (every file was read above); nothing is dropped before either.
# Wall clock in ns per run, and the CPU time (user + system, every thread)
# in $work/cpu1 and $work/cpu2: the work done, whatever else the machine runs.
TIMEFORMAT='%3U %3S'
cache_run() { # rule-flag -> $work/first, $work/second, $work/ratio (one line a pair)
	: >"$work/first"; : >"$work/second"; : >"$work/ratio"; : >"$work/cpu1"; : >"$work/cpu2"
	for i in $(seq "$RUNS"); do
		rm -f "$work/cache"
		t0=$(now); { time "$BIN" $1 --cache "$work/cache" "$ROOT" 2>/dev/null; } 2>"$work/t1"; t1=$(now)
		t2=$(now); { time "$BIN" $1 --cache "$work/cache" --stats "$work/stats2" "$ROOT" 2>/dev/null; } 2>"$work/t2"; t3=$(now)
		echo $((t1 - t0)) >>"$work/first"
		echo $((t3 - t2)) >>"$work/second"
		echo $((t1 - t0)) $((t3 - t2)) | awk '{ printf "%.2f\n", $1 / $2 }' >>"$work/ratio"
		awk '{ print $1 + $2 }' "$work/t1" >>"$work/cpu1"
		awk '{ print $1 + $2 }' "$work/t2" >>"$work/cpu2"
		[ "$(stat_of "$work/stats2" hashed)" = 0 ] || { echo "second scan hashed files" >&2; exit 1; }
	done
}
cache_run --xbit-only
x1=$(median <"$work/first"); x2=$(median <"$work/second")
x2mm=$(minmax <"$work/second"); xrmm=$(minmax <"$work/ratio")
xc1=$(median <"$work/cpu1"); xc2=$(median <"$work/cpu2")
echo "x bit: first $(tr '\n' ' ' <"$work/first")ns; second $(tr '\n' ' ' <"$work/second")ns" >&2
cache_run ""
m1=$(median <"$work/first"); m2=$(median <"$work/second")
m2mm=$(minmax <"$work/second"); mrmm=$(minmax <"$work/ratio")
mc1=$(median <"$work/cpu1"); mc2=$(median <"$work/cpu2")
echo "default: first $(tr '\n' ' ' <"$work/first")ns; second $(tr '\n' ' ' <"$work/second")ns" >&2
mfiles=$(stat_of "$work/stats2" cached)

# After a boot: the first load of a machine reads every file from disk, and
# a later load at boot reads every inode and directory from disk. Both with
# dentries, inodes and page cache dropped (root only: it acts on the whole
# machine, which is why only the benchmark does it). COLD_RUNS=0 skips it.
COLD_RUNS=${COLD_RUNS:-3}
[ "$(id -u)" = 0 ] || COLD_RUNS=0
cold1=0; cold2=0; coldr=0; coldrmm="0 0"
if [ "$COLD_RUNS" -gt 0 ]; then
	: >"$work/cfirst"; : >"$work/csecond"; : >"$work/cratio"
	for i in $(seq "$COLD_RUNS"); do
		rm -f "$work/cache"
		sync; echo 3 >/proc/sys/vm/drop_caches
		t0=$(now); "$BIN" --cache "$work/cache" "$ROOT" 2>/dev/null; t1=$(now)
		sync; echo 3 >/proc/sys/vm/drop_caches
		t2=$(now); "$BIN" --cache "$work/cache" --stats "$work/stats3" "$ROOT" 2>/dev/null; t3=$(now)
		[ "$(stat_of "$work/stats3" hashed)" = 0 ] || { echo "second cold scan hashed files" >&2; exit 1; }
		echo $((t1 - t0)) >>"$work/cfirst"
		echo $((t3 - t2)) >>"$work/csecond"
		echo $((t1 - t0)) $((t3 - t2)) | awk '{ printf "%.2f\n", $1 / $2 }' >>"$work/cratio"
	done
	echo "cold: first $(tr '\n' ' ' <"$work/cfirst")ns; second $(tr '\n' ' ' <"$work/csecond")ns" >&2
	cold1=$(median <"$work/cfirst"); cold2=$(median <"$work/csecond")
	coldr=$(median <"$work/cratio"); coldrmm=$(minmax <"$work/cratio")
fi
mbytes=$(stat_of "$work/stats2" bytes_cached)

awk -v files="$files" -v bytes="$bytes" -v fbytes="$fbytes" -v a="$a" -v b="$b" -v c="$c" \
    -v x1="$x1" -v x2="$x2" -v m1="$m1" -v m2="$m2" -v mfiles="$mfiles" -v mbytes="$mbytes" \
    -v fs="$fs" -v x2mm="$x2mm" -v xrmm="$xrmm" -v m2mm="$m2mm" -v mrmm="$mrmm" \
    -v xc1="$xc1" -v xc2="$xc2" -v mc1="$mc1" -v mc2="$mc2" -v nice="$NICE" \
    -v cold1="$cold1" -v cold2="$cold2" -v coldr="$coldr" -v coldrmm="$coldrmm" -v coldruns="$COLD_RUNS" \
    -v load="$(cut -d' ' -f1-3 /proc/loadavg)" \
    -v root="$ROOT" -v runs="$RUNS" -v cpus="$(nproc)" -v json="$JSON" 'BEGIN {
	printf "%-46s %10s %10s\n", "scan of " root " (" files " files, " sprintf("%.0f", bytes / 1e6) " MB)", "seconds", "MB/s"
	printf "%-46s %10.3f %10.0f\n", "appban scan (x bit, " cpus " threads)", a / 1e9, bytes / 1e6 / (a / 1e9)
	printf "%-46s %10.3f %10.0f\n", "find | xargs sha256sum", b / 1e9, fbytes / 1e6 / (b / 1e9)
	printf "%-46s %10.3f %10.0f\n", "find | xargs -P" cpus " sha256sum", c / 1e9, fbytes / 1e6 / (c / 1e9)
	printf "%-46s %10.2fx\n", "appban vs sha256sum", b / a
	printf "%-46s %10.2fx\n", "appban vs sha256sum -P" cpus, c / a
	split(x2mm, xs, " "); split(xrmm, xr, " "); split(m2mm, ms, " "); split(mrmm, mr, " ")
	printf "%-46s %10.3f\n", "find ROOT -type f -perm /111 (list + stat)", fs / 1e9
	printf "%-46s %10.3f\n", "cache, x bit: first load", x1 / 1e9
	printf "%-46s %10.3f %9.1fx  (pairs %.1f-%.1fx, second %.3f-%.3f s)\n", "cache, x bit: second load", x2 / 1e9, x1 / x2, xr[1], xr[2], xs[1] / 1e9, xs[2] / 1e9
	printf "%-46s %10.3f %10.3f %9.1fx\n", "cache, x bit: CPU s, first / second load", xc1, xc2, xc1 / xc2
	printf "%-46s %10.3f\n", "cache, default rule (" mfiles " files, " sprintf("%.0f", mbytes / 1e6) " MB): first", m1 / 1e9
	printf "%-46s %10.3f %9.1fx  (pairs %.1f-%.1fx, second %.3f-%.3f s)\n", "cache, default rule: second load", m2 / 1e9, m1 / m2, mr[1], mr[2], ms[1] / 1e9, ms[2] / 1e9
	printf "%-46s %10.3f %10.3f %9.1fx\n", "cache, default rule: CPU s, first / second load", mc1, mc2, mc1 / mc2
	split(coldrmm, cr, " ")
	if (coldruns > 0) {
		printf "%-46s %10.3f\n", "after a boot, default rule: first load", cold1 / 1e9
		printf "%-46s %10.3f %9.1fx  (pairs %.1f-%.1fx)\n", "after a boot, default rule: second load", cold2 / 1e9, coldr, cr[1], cr[2]
	}
	printf "(nice %d, load average at the end %s)\n", nice, load
	printf "{\n  \"root\": \"%s\", \"runs\": %d, \"cpus\": %d,\n", root, runs, cpus > json
	printf "  \"files\": %d, \"bytes\": %.0f, \"sha256sum_bytes\": %.0f,\n", files, bytes, fbytes > json
	printf "  \"appban_s\": %.4f, \"appban_mb_s\": %.1f,\n", a / 1e9, bytes / 1e6 / (a / 1e9) > json
	printf "  \"sha256sum_s\": %.4f, \"sha256sum_mb_s\": %.1f,\n", b / 1e9, fbytes / 1e6 / (b / 1e9) > json
	printf "  \"sha256sum_parallel_s\": %.4f, \"sha256sum_parallel_mb_s\": %.1f,\n", c / 1e9, fbytes / 1e6 / (c / 1e9) > json
	printf "  \"ratio_vs_sha256sum\": %.2f, \"ratio_vs_sha256sum_parallel\": %.2f,\n", b / a, c / a > json
	printf "  \"page_cache\": \"warm for first and second loads alike, none dropped\",\n" > json
	printf "  \"nice\": %d, \"loadavg_end\": \"%s\",\n", nice, load > json
	printf "  \"xbit_first_cpu_s\": %.3f, \"xbit_second_cpu_s\": %.3f, \"default_first_cpu_s\": %.3f, \"default_second_cpu_s\": %.3f,\n", xc1, xc2, mc1, mc2 > json
	printf "  \"find_list_stat_s\": %.4f,\n", fs / 1e9 > json
	printf "  \"xbit_first_scan_s\": %.4f, \"xbit_second_scan_s\": %.4f, \"xbit_cache_speedup\": %.1f,\n", x1 / 1e9, x2 / 1e9, x1 / x2 > json
	printf "  \"xbit_second_scan_min_s\": %.4f, \"xbit_second_scan_max_s\": %.4f, \"xbit_pair_speedup_min\": %.1f, \"xbit_pair_speedup_max\": %.1f,\n", xs[1] / 1e9, xs[2] / 1e9, xr[1], xr[2] > json
	printf "  \"default_files\": %d, \"default_bytes\": %.0f,\n", mfiles, mbytes > json
	printf "  \"default_first_scan_s\": %.4f, \"default_second_scan_s\": %.4f, \"default_cache_speedup\": %.1f,\n", m1 / 1e9, m2 / 1e9, m1 / m2 > json
	printf "  \"default_second_scan_min_s\": %.4f, \"default_second_scan_max_s\": %.4f, \"default_pair_speedup_min\": %.1f, \"default_pair_speedup_max\": %.1f,\n", ms[1] / 1e9, ms[2] / 1e9, mr[1], mr[2] > json
	printf "  \"cold_runs\": %d, \"cold_first_scan_s\": %.4f, \"cold_second_scan_s\": %.4f, \"cold_speedup\": %.1f, \"cold_pair_speedup_min\": %.1f, \"cold_pair_speedup_max\": %.1f\n}\n", coldruns, cold1 / 1e9, cold2 / 1e9, coldr, cr[1], cr[2] > json
}'
echo "wrote $JSON" >&2
