#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runner of appban's integration tests, in the spirit of the kernel selftests'
# test_progs: as root, on the real kernel (host or VM), each test enforcing for
# real in its own temp dir and process group, with a cleanup that always unloads.
#
# usage: run.sh [-v] [-l] [-t SECONDS] [-s K/N] [NAME_GLOB...]
#   -v          show every test's log (else only the logs of failed tests)
#   -l          list the tests and exit
#   -t SECONDS  per-test time limit (default 120, x3 when APPBAN_VM=1)
#   -s K/N      only the tests whose place in the list is K modulo N
#   NAME_GLOB   run only the tests whose name matches one of the globs
#               (names without the test_ prefix, e.g. 'exec_*' 'net_*fork*')
# Environment:
#   APPBAN=/path        the appban binary (default: build/appban of this tree)
#   APPBAN_HELPERS=DIR  the helper programs (default: build/tests/helpers),
#                       built by `make integration-helpers`
#   APPBAN_VM=1         running inside the QEMU VM: timeouts x10, fewer loops
#   APPBAN_VM_LSM=1     the VM booted with bpf in lsm=: the lsm engine is expected
#   APPBAN_FLOOD_N=N    starts in the flood test (default 2000, 500 in the VM)
#   APPBAN_ITEST_TIMES=FILE  every test's wall time into FILE, slowest first
# A test is a bash function test_NAME in a file t_*.sh of this directory.
# Output: "ok NAME", "FAIL NAME: reason" or "skip NAME: reason" per test, then
# one line "N passed, N failed" (", N skipped" when any was). Exit status 1 if
# any test failed.

# The whole script is functions, run from the last line: bash has parsed all
# of it before it runs, so editing it during a run does no harm.

set -u

INTEG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$INTEG_DIR/../.." && pwd)

usage()
{
	sed -n '7,23p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
	exit 2
}

# one_test FILE FUNC: the process that runs one test (started by run_one in
# a new session, so that its whole process group can be stopped)
one_test()
{
	# shellcheck source=lib.sh
	source "$INTEG_DIR/lib.sh"
	# shellcheck source=../lib/servers.sh
	source "$INTEG_DIR/../lib/servers.sh"
	# shellcheck disable=SC1090
	source "$1"
	t_begin
	if [ -n "${T_KERNEL_MISSING:-}" ] && [[ $2 != test_kernel_* ]]; then
		skip "appban status: this kernel lacks what appban needs: $T_KERNEL_MISSING"
	fi
	"$2"
	exit $?
}

die()
{
	echo "run.sh: $*" >&2
	echo "0 passed, 1 failed"
	exit 1
}

# collect_tests GLOB...: TESTS (names without test_) and TFILE (their files)
collect_tests()
{
	local f fn name want g
	TESTS=()
	TFILE=()
	for f in "$INTEG_DIR"/t_*.sh; do
		[ -f "$f" ] || continue
		# A file that says "# host-only: REASON" tests user space alone
		# (no engine difference): the host tier runs it, the VM tiers,
		# which are there for the engines, do not (and say so).
		if [ "${APPBAN_VM:-0}" = 1 ] && grep -q '^# host-only: ' "$f"; then
			echo "# run.sh: ${f##*/} is not run in the VM ($(sed -n 's/^# host-only: //p' "$f" | head -n1))"
			continue
		fi
		while read -r fn; do
			name=${fn#test_}
			want=1
			if [ $# -gt 0 ]; then
				want=0
				for g in "$@"; do
					g=${g#test_}
					# shellcheck disable=SC2053
					[[ "$name" == $g ]] && want=1
				done
			fi
			[ "$want" = 1 ] || continue
			TESTS+=("$name")
			TFILE+=("$f")
		done < <(sed -n 's/^\(test_[A-Za-z0-9_]*\)[[:space:]]*()[[:space:]]*$/\1/p' "$f")
	done
}

preflight()
{
	local h p c
	[ -x "$APPBAN" ] || die "$APPBAN not found or not executable: run \`make\` at $ROOT first (or set APPBAN=/path/to/appban)"
	for h in marker spawn flood nettest; do
		[ -x "$HELPERS/$h" ] ||
			die "helper $HELPERS/$h not found: run \`make integration-helpers\` at $ROOT first (or set APPBAN_HELPERS=DIR)"
	done
	# python3 reads the JSON; the system's starts much faster than a pyenv shim
	PYTHON=${PYTHON:-}
	for p in /usr/bin/python3 "$(command -v python3)"; do
		[ -z "$PYTHON" ] && [ -x "$p" ] && "$p" -c 'import json' 2>/dev/null && PYTHON=$p
	done
	[ -n "$PYTHON" ] || die "python3 is needed to read JSON"
	export PYTHON
	for c in mount umount ip setsid awk od flock setpriv stat; do
		command -v "$c" >/dev/null || die "$c is needed"
	done

	# One suite at a time on a kernel: the tests load and unload its policy
	LOCK=/run/lock/appban-integration.lock
	mkdir -p "$(dirname "$LOCK")"
	exec 9>"$LOCK"
	if ! flock -n 9; then
		echo "# run.sh: another integration run holds $LOCK: waiting for it"
		flock -w $((1200 * T_SLOW)) 9 || die "gave up waiting for $LOCK"
	fi

	"$APPBAN" status --json >/dev/null 2>&1
	if [ $? != 4 ]; then
		echo "# run.sh: a policy is loaded before the tests start: unloading it (every test unloads at its end)"
		"$APPBAN" unload >/dev/null 2>&1
	fi

	# A kernel that lacks what every engine needs (status says which):
	# every test but those of t_kernel.sh, which check that refusal, is
	# skipped with status's words (docs/kernels.md).
	T_KERNEL_MISSING=$("$APPBAN" status --json 2>/dev/null |
		"$PYTHON" -c 'import json, sys; print(json.load(sys.stdin).get("kernel_missing", ""))')
	export T_KERNEL_MISSING
	[ -z "$T_KERNEL_MISSING" ] ||
		echo "# run.sh: appban status: this kernel lacks what appban needs: $T_KERNEL_MISSING"
}

on_interrupt()
{
	INTERRUPTED=1
	[ -n "$CUR_PID" ] && kill -TERM -- "-$CUR_PID" 2>/dev/null
}

# run_one NAME FILE: run a test, print its verdict, count it
run_one()
{
	local name=$1 file=$2 tdir log rc wd reason limit n t0 t1
	tdir=$(mktemp -d "/tmp/appban-t.$name.XXXXXX") || {
		echo "FAIL $name: mktemp failed"
		FAILED=$((FAILED + 1))
		return
	}
	chmod 0755 "$tdir"
	log="$LOGDIR/$name.log"
	: >"$LOGDIR/$name.reason"
	: >"$log"
	rm -f "$LOGDIR/$name.skip" "$LOGDIR/$name.timeout"
	# In the VM the waits inside a test stretch x10, but a whole test never
	# needs more than x3 (the slowest takes ~40 s there): a test that hangs
	# then costs 6 minutes, not 20, and the tier still ends within its limit.
	limit=$((TIMEOUT * (T_SLOW > 3 ? 3 : T_SLOW)))
	t0=${EPOCHREALTIME/[.,]/}

	# setsid: its own session and process group, which the watchdog and
	# Ctrl-C stop as a whole (TERM: the test's trap cleans up; KILL later)
	T_NAME=$name T_DIR=$tdir T_REASON_FILE="$LOGDIR/$name.reason" \
		T_SKIP_FILE="$LOGDIR/$name.skip" T_VERBOSE=$VERBOSE \
		setsid bash "$INTEG_DIR/run.sh" --one "$file" "test_$name" \
		</dev/null >>"$log" 2>&1 &
	CUR_PID=$!
	setsid bash -c 'sleep "$1"; echo "# run.sh: time limit of $1 s reached: SIGTERM" >>"$3"
		: >"$4"; kill -TERM -- "-$2" 2>/dev/null; sleep 10; kill -KILL -- "-$2" 2>/dev/null' \
		watchdog "$limit" "$CUR_PID" "$log" "$LOGDIR/$name.timeout" </dev/null >/dev/null 2>&1 &
	wd=$!
	while :; do
		wait "$CUR_PID" 2>/dev/null
		rc=$?
		# wait returns early (>128) when a trapped signal arrives: wait again
		kill -0 "$CUR_PID" 2>/dev/null || break
	done
	t1=${EPOCHREALTIME/[.,]/}
	kill -TERM -- "-$wd" 2>/dev/null
	wait "$wd" 2>/dev/null
	t1=$(((t1 - t0) / 100000))
	echo "# run.sh: $name took $((t1 / 10)).$((t1 % 10)) s" >>"$log"
	DURATIONS+=("$t1 $name")
	# leftovers of a test that was killed before its cleanup could run
	kill -KILL -- "-$CUR_PID" 2>/dev/null
	CUR_PID=
	if [ -d "$tdir" ]; then
		awk -v d="$tdir" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo |
			sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
		rm -rf --one-file-system "$tdir"
	fi
	"$APPBAN" status --json >/dev/null 2>&1
	if [ $? != 4 ]; then
		echo "# run.sh: a policy was still loaded after the test: unloading it" >>"$log"
		"$APPBAN" unload >/dev/null 2>&1
		if [ "$rc" = 0 ]; then
			rc=1
			echo "the test left a policy loaded" >"$LOGDIR/$name.reason"
		fi
	fi

	reason=$(head -n1 "$LOGDIR/$name.reason" 2>/dev/null)
	# no reason recorded (a shell error, e.g. an unbound variable): the last line
	[ -n "$reason" ] || reason=$(grep -v -e "^#" -e "^Terminated$" "$log" | tail -n1)
	if [ "$rc" = 77 ] && [ -s "$LOGDIR/$name.skip" ]; then
		SKIPPED=$((SKIPPED + 1))
		echo "skip $name: $(head -n1 "$LOGDIR/$name.skip")"
	elif [ "$rc" = 0 ] && [ ! -s "$LOGDIR/$name.reason" ]; then
		PASSED=$((PASSED + 1))
		echo "ok $name"
	else
		FAILED=$((FAILED + 1))
		FAILED_NAMES+=("$name")
		[ -n "$reason" ] || reason="exit status $rc"
		[ -e "$LOGDIR/$name.timeout" ] && reason="time limit of $limit s reached ($reason)"
		[ "$INTERRUPTED" = 1 ] && reason="$reason (interrupted)"
		echo "FAIL $name: $reason"
	fi
	if [ "$VERBOSE" = 1 ]; then
		sed 's/^/    /' "$log"
	elif [ "$rc" != 0 ] && [ "$rc" != 77 ]; then
		n=$(wc -l <"$log")
		[ "$n" -gt 40 ] && echo "    ... (full log: $log)"
		tail -n 40 "$log" | sed 's/^/    /'
	fi
}

# shard_tests K/N: keep the tests whose place in the list is K modulo N
# (a share of a long tier, rotated between runs by the caller)
shard_tests()
{
	local k=${1%/*} n=${1#*/} i keep_t=() keep_f=()
	[[ "$k" =~ ^[0-9]+$ && "$n" =~ ^[1-9][0-9]*$ && "$k" -lt "$n" ]] || die "-s wants K/N with 0 <= K < N, not '$1'"
	for i in "${!TESTS[@]}"; do
		if [ $((i % n)) = "$k" ]; then
			keep_t+=("${TESTS[$i]}")
			keep_f+=("${TFILE[$i]}")
		fi
	done
	TESTS=("${keep_t[@]}")
	TFILE=("${keep_f[@]}")
	echo "# share $k of $n of the tests: ${#TESTS[@]} of them" >&2
}

main()
{
	local opt i start end notrun
	if [ "${1:-}" = "--one" ]; then
		one_test "$2" "$3"
	fi
	VERBOSE=0
	LIST=0
	TIMEOUT=120
	SHARD=
	while getopts "vlt:s:h" opt; do
		case "$opt" in
		v) VERBOSE=1 ;;
		l) LIST=1 ;;
		t) TIMEOUT=$OPTARG ;;
		s) SHARD=$OPTARG ;;
		*) usage ;;
		esac
	done
	shift $((OPTIND - 1))

	export APPBAN=${APPBAN:-$ROOT/build/appban}
	export HELPERS=${APPBAN_HELPERS:-$ROOT/build/tests/helpers}
	export INTEG_DIR ROOT
	if [ "${APPBAN_VM:-0}" = 1 ]; then
		export T_SLOW=10
	else
		export T_SLOW=1
	fi

	collect_tests "$@"
	[ -z "$SHARD" ] || shard_tests "$SHARD"
	if [ "$LIST" = 1 ]; then
		for i in "${!TESTS[@]}"; do
			printf '%s\t%s\n' "${TESTS[$i]}" "$(basename "${TFILE[$i]}")"
		done
		exit 0
	fi
	if [ "$(id -u)" != 0 ]; then
		echo "run.sh: the integration tests load BPF programs and must run as root (try: sudo $0)" >&2
		exit 1
	fi
	[ "${#TESTS[@]}" -gt 0 ] || die "no test matches: $*"
	preflight
	LOGDIR=$(mktemp -d /tmp/appban-itest-logs.XXXXXX) || die "mktemp failed"

	PASSED=0
	FAILED=0
	SKIPPED=0
	FAILED_NAMES=()
	DURATIONS=()
	CUR_PID=
	INTERRUPTED=0
	trap on_interrupt INT TERM

	start=$(date +%s)
	for i in "${!TESTS[@]}"; do
		[ "$INTERRUPTED" = 1 ] && break
		run_one "${TESTS[$i]}" "${TFILE[$i]}"
	done
	end=$(date +%s)

	notrun=$((${#TESTS[@]} - PASSED - FAILED - SKIPPED))
	[ "$INTERRUPTED" = 1 ] && echo "# interrupted: $notrun test(s) not run"
	[ "$FAILED" -gt 0 ] && echo "# failed: ${FAILED_NAMES[*]} (logs in $LOGDIR)"
	echo "# slowest: $(printf '%s\n' "${DURATIONS[@]}" | sort -rn | head -n 5 |
		awk '{ printf "%s%s (%.1f s)", (NR > 1 ? ", " : ""), $2, $1 / 10 }')"
	echo "# $((end - start)) s on kernel $(uname -r)"
	[ -z "${APPBAN_ITEST_TIMES:-}" ] ||
		printf '%s\n' "${DURATIONS[@]}" | sort -rn | awk '{ printf "%.1f %s\n", $1 / 10, $2 }' >"$APPBAN_ITEST_TIMES"
	[ "$FAILED" = 0 ] && rm -rf "$LOGDIR"
	if [ "$SKIPPED" -gt 0 ]; then
		echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
	else
		echo "$PASSED passed, $FAILED failed"
	fi
	[ "$FAILED" = 0 ] && [ "$INTERRUPTED" = 0 ]
}

main "$@"
exit $?
