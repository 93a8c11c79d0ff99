#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The kernel matrix: the integration suite in QEMU on every kernel line the
# VM tier boots (bullseye 5.10, bookworm 6.1, trixie 6.12), with and
# without bpf in lsm=, one guest at a time. Prints one line per cell (its
# run.sh summary and wall time) and exits 1 if any cell failed.
#
# usage: scripts/test-matrix.sh [GLOB...]   run.sh's test globs (default: all)
# Environment:
#   MATRIX_KERNELS  kernel lines (default "5.10 6.1 6.12")
#   MATRIX_LSM      "--lsm --no-lsm" (default) or one of them
#   MATRIX_TIMEOUT  per-cell guest timeout in seconds (default 5400)
#   APPBAN_VM_*     as for scripts/vmtest.sh (APPBAN_VM_SMP: guest CPUs)
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
kernels=${MATRIX_KERNELS:-5.10 6.1 6.12}
lsms=${MATRIX_LSM:---lsm --no-lsm}
timeout=${MATRIX_TIMEOUT:-5400}
logdir=$(mktemp -d /tmp/appban-matrix.XXXXXX) || exit 1
summary=()
failed=0

for k in $kernels; do
	for l in $lsms; do
		cell="$k $l"
		log="$logdir/${k}${l}.log"
		echo "=== cell $cell (log $log)"
		t0=$(date +%s)
		# One guest at a time on the machine, whoever starts it.
		flock /run/lock/appban-vm.lock scripts/vmtest.sh --kernel "$k" "$l" --timeout "$timeout" -- \
			tests/integration/run.sh "$@" 2>&1 | tee "$log"
		rc=${PIPESTATUS[0]}
		t1=$(date +%s)
		line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
		((rc == 0)) || failed=1
		summary+=("$(printf '%-14s %-40s exit %3d  %4d s' "$cell" "${line:-no summary}" "$rc" $((t1 - t0)))")
	done
done
echo "=== matrix (logs in $logdir)"
printf '%s\n' "${summary[@]}"
exit "$failed"
