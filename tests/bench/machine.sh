# SPDX-License-Identifier: GPL-2.0
# Sourced by the benchmarks that load policies of their own (reload.sh,
# copyban.sh): machine_begin NAME makes $work, unloads and removes it on any
# exit (and stops $rpid, the `appban run` or `load` they start), takes the
# integration lock unless the caller holds it (APPBAN_BENCH_LOCKED=1, bench.sh), and
# refuses to run while a policy is loaded. Needs APPBAN.

machine_begin()
{
	work=$(mktemp -d "/tmp/appban-bench-$1.XXXXXX")
	rpid=''
	trap _machine_end EXIT
	trap 'exit 130' INT TERM
	if [ "${APPBAN_BENCH_LOCKED:-0}" != 1 ]; then
		exec 9>/run/lock/appban-integration.lock
		echo "$1: waiting for the integration lock" >&2
		flock 9
	fi
	if "$APPBAN" status >/dev/null 2>&1; then
		echo "$1: a policy is loaded on this machine; run \"appban unload\" first" >&2
		exit 1
	fi
}

_machine_end()
{
	if [ -n "$rpid" ]; then
		kill -TERM "$rpid" 2>/dev/null
		wait "$rpid" 2>/dev/null || true
	fi
	"$APPBAN" unload >/dev/null 2>&1 || true
	rm -rf "$work"
}
