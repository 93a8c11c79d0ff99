#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The kernel matrix: the integration suite in QEMU on every kernel line the
# VM tier boots (bullseye 5.10, bookworm 6.1, trixie 6.12), with and
# without bpf in lsm=, then the arm64 build on bookworm's arm64 6.1 and
# trixie's arm64 6.12, with and without bpf in lsm= (on arm64 6.1 both are the
# fallback engine: the kernel cannot attach LSM programs before 6.4), one
# guest at a time. Prints one line per cell (its run.sh summary and wall
# time) and exits 1 if any cell failed.
#
# usage: scripts/test-matrix.sh [GLOB...]   run.sh's test globs (default: all)
# Environment:
#   MATRIX_KERNELS  x86_64 kernel lines (default "5.10 6.1 6.12")
#   MATRIX_ARM64_KERNELS
#                   arm64 kernel lines (default "6.1 6.12"; no 5.10 there)
#   MATRIX_LSM      "--lsm --no-lsm" (default) or one of them, on every arch
#   MATRIX_ARCHS    "x86_64 arm64" (default) or one of them; arm64 runs
#                   build-arm64/appban and its helpers (make ARCH=arm64
#                   OUTPUT=build-arm64 all integration-helpers)
#   MATRIX_TIMEOUT  per-cell guest timeout in seconds (default 5400; arm64
#                   cells three times that)
#   APPBAN_VM_*     as for scripts/vmtest.sh (APPBAN_VM_SMP: guest CPUs)
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
kernels=${MATRIX_KERNELS:-5.10 6.1 6.12}
arm64_kernels=${MATRIX_ARM64_KERNELS:-6.1 6.12}
archs=${MATRIX_ARCHS:-x86_64 arm64}
lsms=${MATRIX_LSM:---lsm --no-lsm}
timeout=${MATRIX_TIMEOUT:-5400}
logdir=$(mktemp -d /tmp/appban-matrix.XXXXXX) || exit 1
summary=()
failed=0

# run_cell ARCH KERNEL LSM [GLOB...]
run_cell() {
	local a=$1 k=$2 l=$3 cell log t0 t1 rc line tmo=$timeout
	shift 3
	local env=()
	cell="$a $k $l"
	log="$logdir/$a-${k}${l}.log"
	if [[ $a == arm64 ]]; then
		tmo=$((timeout * 3))
		env=(env "APPBAN=$PWD/build-arm64/appban" "APPBAN_HELPERS=$PWD/build-arm64/tests/helpers")
	fi
	echo "=== cell $cell (log $log)"
	t0=$(date +%s)
	# One guest at a time on the machine, whoever starts it.
	flock /run/lock/appban-vm.lock scripts/vmtest.sh --arch "$a" --kernel "$k" "$l" \
		--timeout "$tmo" -- "${env[@]}" tests/integration/run.sh "$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	t1=$(date +%s)
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	((rc == 0)) || failed=1
	summary+=("$(printf '%-20s %-40s exit %3d  %5d s' "$cell" "${line:-no summary}" "$rc" $((t1 - t0)))")
}

for a in $archs; do
	if [[ $a == arm64 ]]; then
		if [[ ! -x build-arm64/appban || ! -x build-arm64/tests/helpers/marker ]]; then
			echo "=== arm64: no build-arm64/appban or its helpers (make ARCH=arm64 OUTPUT=build-arm64 all integration-helpers)"
			summary+=("arm64                not built: FAILED")
			failed=1
			continue
		fi
		for k in $arm64_kernels; do
			for l in $lsms; do
				run_cell arm64 "$k" "$l" "$@"
			done
		done
		continue
	fi
	for k in $kernels; do
		for l in $lsms; do
			run_cell "$a" "$k" "$l" "$@"
		done
	done
done
echo "=== matrix (logs in $logdir)"
printf '%s\n' "${summary[@]}"
exit "$failed"
