#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The whole test suite: unit tests, host integration tests (fallback engine on
# this kernel), then the same integration tests in QEMU on Debian's stock
# kernel, with BPF LSM (lsm engine) and without (fallback engine on 6.1).
# APPBAN_SKIP_VM=1 leaves out the VM tier for a quick local run (CI never sets it).
# --check (`make check`, the edit-build-test loop, under 4 minutes): only the
# format check, the unit and fleet tests and the host integration tests; the
# integration tests (one enforcing test at a time: about one core) start as
# soon as appban is built, beside the build and run of the others (the other
# core, niced), and are shown at the end.
#
# The VM tiers are the long ones (QEMU under TCG: 20+ minutes each) and
# only read the build: they start at once in the background right after it,
# one vCPU each (APPBAN_VM_SMP, default 1 here: three guests on two cores),
# while the host tiers run in the foreground; their output is shown, and
# counted, at the end, with every tier's wall time. The host tiers stay one
# after the other: host integration enforces on the whole kernel, one run at
# a time. That took `make test` from ~50 to ~30 minutes on 2 cores.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

quick=0
case ${1:-} in
--check) quick=1 ;;
"") ;;
*) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

if [ "$quick" = 1 ]; then scripts/deps.sh test; else scripts/deps.sh all; fi || exit 1
# what the guests need first: they start as soon as it is built, the unit
# and fleet tests' builds beside them
make -s all integration-helpers || exit 1

failed=0 total_pass=0 total_fail=0 total_skip=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/appban-test.XXXXXX") || exit 1
out=$tmp/out failures=$tmp/failures times=$tmp/times
: >"$failures"
: >"$times"
vm_pids=()
# The VMs run in sessions of their own (no Ctrl-C from the terminal reaches
# them): whatever ends this script stops their whole process groups
# (vmtest.sh, timeout, QEMU).
stop_vms() {
	local p
	for p in "${vm_pids[@]}"; do
		kill -TERM -- "-$p" 2>/dev/null
	done
	for p in "${vm_pids[@]}"; do
		wait "$p" 2>/dev/null
	done
	vm_pids=()
}
trap 'stop_vms; rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# count NAME RC: add the counts in $out (cmocka's and the integration
# runner's summary lines) of a tier that exited with RC to the totals.
count() {
	local name=$1 rc=$2 p f k line
	# every failed test and sanitizer/cmocka failure, repeated at the end
	grep -E '^(FAIL |\[  FAILED  \] [a-z_])' "$out" | sed "s|^|[$name] |" >>"$failures"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out" | awk '{s += $1} END {print s + 0}')
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out" | awk '{s += $1} END {print s + 0}')
	# (a tier cut short, e.g. a VM that timed out, has no summary line)
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
	if [ -n "$line" ]; then
		p=$((${p:-0} + $(echo "$line" | sed 's/ passed.*//')))
		f=$((${f:-0} + $(echo "$line" | sed 's/.* passed, \([0-9]*\) failed.*/\1/')))
		k=$(echo "$line" | sed -n 's/.*failed, \([0-9]*\) skipped.*/\1/p')
	fi
	total_pass=$((total_pass + ${p:-0}))
	total_fail=$((total_fail + ${f:-0}))
	total_skip=$((total_skip + ${k:-0}))
	if [ "$rc" -eq 0 ]; then
		echo "=== $name: ok"
	else
		echo "=== $name: FAILED (exit $rc)"
		grep -qF "[$name] " "$failures" ||
			echo "[$name] FAILED with exit $rc and no test named (last line: $(tail -n 1 "$out"))" >>"$failures"
		failed=$((failed + 1))
		[ "${f:-0}" -gt 0 ] || total_fail=$((total_fail + 1))
	fi
}

# took NAME SECONDS: remember a tier's wall time for the end
took() {
	printf '%6s s  %s\n' "$2" "$1" >>"$times"
}

# tier NAME CMD...: run one tier in the foreground, count it.
tier() {
	local name=$1 rc start=$SECONDS
	shift
	echo "=== $name"
	"$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	took "$name" $((SECONDS - start))
	count "$name" "$rc"
}

# vm_start NAME CMD...: start one tier in the background, in a session of
# its own, its output into a file; vm_finish shows and counts it. The guests
# yield the CPUs to the host tiers (nice), whose tests wait 10 times less
# long than the guest's (T_SLOW): the host tiers keep their pace, the guests
# take what is left and all of it once the host tiers are done.
vm_names=()
# VM_AFTER=J vm_start ...: start when tier J (0-based, started before) has
# ended: two guests at a time at most, the third after the first.
vm_start() {
	local i=${#vm_names[@]} after=
	[ -n "${VM_AFTER:-}" ] && after=$tmp/vm$VM_AFTER.secs
	vm_names+=("$1")
	shift
	# shellcheck disable=SC2016 # expanded by that bash
	setsid nice -n "${BG_NICE:-10}" bash -c 'if [ -n "$2" ]; then while [ ! -e "$2" ]; do sleep 2; done; SECONDS=0; fi
		"${@:3}"; rc=$?; echo "$SECONDS" >"$1.secs"; exit "$rc"' \
		vm "$tmp/vm$i" "$after" "$@" </dev/null >"$tmp/vm$i.out" 2>&1 &
	vm_pids+=($!)
}

vm_finish() {
	local i rc
	for i in "${!vm_names[@]}"; do
		wait "${vm_pids[$i]}"
		rc=$?
		echo "=== ${vm_names[$i]} (started in the background at the start)"
		cp "$tmp/vm$i.out" "$out"
		cat "$out"
		took "${vm_names[$i]}" "$(cat "$tmp/vm$i.secs" 2>/dev/null || echo "?")"
		count "${vm_names[$i]}" "$rc"
	done
	vm_pids=()
}

# queues_done: every test of the lists the guests shared was taken by one
# of them (a test taken and not reported is the failure of the guest that
# took it, counted with it); the lsm engine's slowest tests
queues_done() {
	local q listed taken
	for q in lsm fallback; do
		listed=$(cat "$tmp/share/$q/.listed" 2>/dev/null || echo "?")
		taken=$(find "$tmp/share/$q" -mindepth 1 -maxdepth 1 -type d | wc -l)
		if [ "$listed" != "$taken" ]; then
			echo "FAIL the VM guests' shared list ($q): $taken of ${listed} tests taken" | tee -a "$failures"
			failed=$((failed + 1)) total_fail=$((total_fail + 1))
		fi
	done
	echo "=== the lsm engine's slowest tests in the VM (s):"
	cat "$tmp"/share/lsm-times.* 2>/dev/null | sort -rn | head -n 10 | sed 's/^/  /'
}

# check-format: one FAIL line per file that clang-format would change (its
# diagnostics, one per line to change, are in `make check-format`).
check_format() {
	local rc
	make -s check-format >"$tmp/format" 2>&1
	rc=$?
	grep -E '^[^ :]+:[0-9]+:[0-9]+: error: ' "$tmp/format" | cut -d: -f1 | uniq -c |
		awk '{ printf "FAIL %s: %d line(s) not clang-formatted (make format)\n", $2, $1 }'
	[ "$rc" -eq 0 ] || grep -qE '^[^ :]+:[0-9]+:[0-9]+: error: ' "$tmp/format" ||
		tail -n 20 "$tmp/format"
	return "$rc"
}

# summary: the wall times, what failed and the totals; exit status 1 if
# any tier failed
summary() {
	echo "=== all tiers ($SECONDS s in all)"
	cat "$times"
	if [ -s "$failures" ]; then
		echo "what failed:"
		cut -c1-300 "$failures"
	fi
	if [ "$total_skip" -gt 0 ]; then
		echo "$total_pass passed, $total_fail failed, $total_skip skipped"
	else
		echo "$total_pass passed, $total_fail failed"
	fi
	[ "$failed" -eq 0 ]
}

vm=1
[ "${APPBAN_SKIP_VM:-0}" != 1 ] && [ "$quick" = 0 ] || vm=0
if [ "$vm" = 1 ]; then
	# Two guests at a time on a 2-core machine, one vCPU each (unless
	# asked): the lsm engine's tests in two guests; then a quarter of the
	# fallback engine's, in two guests, each started when an lsm guest has
	# ended (three guests at once made the host tiers' timed tests fail;
	# one guest alone at the end leaves a core idle: the whole lsm tier in
	# one guest ended alone for 16 minutes).
	export APPBAN_VM_SMP=${APPBAN_VM_SMP:-1}
	# The two lsm guests share one list (run.sh -q, through a directory
	# of the host that both mount, scripts/vmtest.sh --share): each takes
	# the next test not taken yet, so both end within a test of each other
	# (two fixed halves ended 243 s apart in session 16: the slow tests
	# fell unevenly).
	mkdir -p "$tmp/share/lsm" "$tmp/share/fallback"
	for k in 0 1; do
		vm_start "integration (VM 6.1, lsm engine, guest $k of 2)" \
			scripts/vmtest.sh --lsm --share "$tmp/share" --timeout 4800 -- \
			env APPBAN_ITEST_TIMES="$tmp/share/lsm-times.$k" \
			tests/integration/run.sh -q "$tmp/share/lsm"
	done
	# The fallback engine runs every test on the host (6.18); in the VM a
	# quarter of them (the tests K modulo 4, the next quarter on the next
	# day's run, to keep within the budget; APPBAN_VM_FALLBACK_ALL=1: all
	# of them), in two guests on two kernel lines of the matrix
	# (docs/kernels.md; `make test-matrix` runs every cell whole), 6.1 and
	# 6.12, each started when an lsm guest has ended and sharing that
	# quarter as the lsm guests share theirs (which test runs on which
	# line is the luck of the queue: the lines differ in what appban
	# probes, not in the tests); not 5.10, whose compat programs' loads
	# make a test there three times as long (docs/testing.md)
	# (APPBAN_VM_FALLBACK_KERNELS="A B": these two lines).
	jday=$((10#$(date +%j)))
	day=$((jday % 4))
	lines=(6.1 6.12)
	read -r -a fb_kernels <<<"${APPBAN_VM_FALLBACK_KERNELS:-${lines[jday % 2]} ${lines[(jday + 1) % 2]}}"
	share=(-s "$day/4")
	[ "${APPBAN_VM_FALLBACK_ALL:-0}" != 1 ] || share=()
	for k in 0 1; do
		VM_AFTER=$k vm_start "integration (VM ${fb_kernels[k]}, fallback engine, ${share[1]:-all} shared, after lsm guest $k)" \
			scripts/vmtest.sh --no-lsm --kernel "${fb_kernels[k]}" --share "$tmp/share" --timeout 3600 -- \
			tests/integration/run.sh "${share[@]}" -q "$tmp/share/fallback"
	done
	echo "=== VM tiers started in the background ($APPBAN_VM_SMP vCPU each): their output comes at the end"
fi
# make check: the host integration tests at once, at full priority, the
# rest beside them niced (it would otherwise wait ~50 s for them)
fg=()
if [ "$quick" = 1 ]; then
	BG_NICE=0 vm_start "integration (host, $(uname -r))" tests/integration/run.sh
	fg=(nice -n 10)
fi
"${fg[@]}" make -s unit-tests fleet-tests || exit 1

tier "format (make check-format)" check_format
tier "unit" "${fg[@]}" make -s test-unit
tier "install (make install, the systemd unit)" "${fg[@]}" tests/install/check-install.sh
tier "fleet (HTTPS sources against nginx on 127.0.0.1)" "${fg[@]}" make -s test-fleet
if [ "$quick" = 1 ]; then
	vm_finish
	summary
	exit
fi
tier "fuzz (regressions, then 20 s per harness)" scripts/fuzz-brief.sh
tier "integration (host, $(uname -r))" tests/integration/run.sh
# The same unit and host integration tests with AddressSanitizer and UBSan
# (a build of its own), and valgrind over a load/run/unload cycle. Exit codes
# of their own, so a sanitizer report never passes for an expected failure.
export ASAN_OPTIONS=exitcode=86:detect_leaks=1 LSAN_OPTIONS=exitcode=87 \
	UBSAN_OPTIONS=halt_on_error=1:exitcode=88:print_stacktrace=1
if make -s OUTPUT=build-asan SANITIZE=1 all unit-tests fleet-tests; then
	tier "unit (ASan+UBSan)" make -s OUTPUT=build-asan SANITIZE=1 test-unit
	tier "fleet (ASan+UBSan)" make -s OUTPUT=build-asan SANITIZE=1 test-fleet
	# a third of the integration tests (the next third the next day): the
	# whole suite ran under the sanitizers for 13 of make test's minutes,
	# a half for 12 in session 11 (APPBAN_ASAN_ALL=1: all of them)
	ashare=()
	[ "${APPBAN_ASAN_ALL:-0}" = 1 ] || ashare=(-s "$((10#$(date +%j) % 3))/3")
	tier "integration (host, ASan+UBSan build${ashare[*]:+, share ${ashare[1]}})" \
		env APPBAN="$PWD/build-asan/appban" tests/integration/run.sh "${ashare[@]}"
else
	echo "=== sanitizer build FAILED"
	failed=$((failed + 1)) total_fail=$((total_fail + 1))
fi
tier "valgrind (load, status, check, run, unload)" tests/valgrind/cycle.sh
# The Debian package built, then installed, run, rebooted and purged under a
# real systemd in a guest of its own (one vCPU; ~5 minutes, beside the VM
# tiers' guests).
if [ "$vm" = 1 ]; then
	tier "package (built, then under systemd in QEMU)" \
		bash -c 'tests/install/check-deb.sh --out "$1" && tests/install/check-systemd.sh --deb "$1"' \
		package "$tmp/deb"
fi
if [ "$vm" = 1 ]; then
	echo "=== host tiers done after $SECONDS s: waiting for the VM tiers"
	vm_finish
	queues_done
else
	echo "=== VM tier left out (APPBAN_SKIP_VM=1): the lsm engine was NOT tested"
fi
summary
