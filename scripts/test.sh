#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The whole test suite: unit tests, host integration tests (fallback engine on
# this kernel), then the same integration tests in QEMU on Debian's stock
# kernel, with BPF LSM (lsm engine) and without (fallback engine on 6.1).
# APPBAN_SKIP_VM=1 leaves out the VM tier for a quick local run (CI never sets it).
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh all
make -s all unit-tests integration-helpers || exit 1

failed=0
tier() {
	local name=$1
	shift
	echo "=== $name"
	if "$@"; then
		echo "=== $name: ok"
	else
		echo "=== $name: FAILED"
		failed=$((failed + 1))
	fi
}

tier "unit" make -s test-unit
tier "integration (host, $(uname -r))" tests/integration/run.sh
if [ "${APPBAN_SKIP_VM:-0}" != 1 ]; then
	tier "integration (VM, lsm engine)" scripts/vmtest.sh --lsm -- tests/integration/run.sh
	tier "integration (VM, fallback engine)" scripts/vmtest.sh --no-lsm -- tests/integration/run.sh
else
	echo "=== VM tier left out (APPBAN_SKIP_VM=1): the lsm engine was NOT tested"
fi
[ "$failed" -eq 0 ]
