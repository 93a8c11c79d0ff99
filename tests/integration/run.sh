#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runner of appban's integration tests, in the spirit of the kernel selftests'
# test_progs: as root, on the real kernel (host or VM), each test enforcing for
# real in its own temp dir and process group, with a cleanup that always unloads.
#
# usage: run.sh [-v] [-l] [-t SECONDS] [-s K/N] [-q DIR] [NAME_GLOB...]
#   -v          show every test's log (else only the logs of failed tests)
#   -l          list the tests and exit
#   -t SECONDS  per-test time limit (default 120, x3 when APPBAN_VM=1)
#   -s K/N      only the tests whose place in the list is K modulo N
#   -q DIR      share the tests with other runs given the same DIR (two VM
#               guests at once): each test is claimed by one run, the first
#               to make DIR/NAME; the others pass it by (DIR/.listed: how
#               many tests there were to claim)
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
#   APPBAN_ITEST_SERIAL=1    run the kernel-free tests after the others, not
#                       beside them
# A test is a bash function test_NAME in a file t_*.sh of this directory.
# A test whose function has the line "# kernel-free: REASON" right above it
# never touches the kernel (only appban sign, verify and keygen): it runs in
# a second lane beside the others, outside the machine-wide lock, in a mount
# namespace where /sys/fs/bpf and /run are empty and unreadable, without
# CAP_SYS_ADMIN, CAP_BPF, CAP_PERFMON and CAP_SYS_MODULE, with $APPBAN a
# wrapper that fails the test on any other appban command.
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
	sed -n '7,35p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
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

# free_test FILE FUNC: one_test in the kernel-free lane's sandbox (run_one
# starts it under unshare -m): nothing of the kernel's appban state is
# visible (empty tmpfs of mode 000 over /sys/fs/bpf, /run and an existing
# /var/lib/appban; without CAP_DAC_OVERRIDE root cannot read them), and no
# BPF program can be loaded or module inserted (capabilities dropped from
# the bounding set: gone at the exec of setpriv's command). APPBAN is a
# wrapper that lets sign, verify, keygen and --version/--help through and
# fails the test on any other command (one that reads or changes the
# kernel's state, which the other lane changes meanwhile).
free_test()
{
	local d
	for d in /sys/fs/bpf /run /var/lib/appban; do
		[ -d "$d" ] || continue
		mount -t tmpfs -o mode=000,size=64k appban-kernel-free "$d" ||
			{ echo "run.sh: kernel-free lane: cannot mount a tmpfs over $d" >"$T_REASON_FILE"; exit 1; }
	done
	export APPBAN_REAL=$APPBAN APPBAN="$INTEG_DIR/appban-kernel-free"
	exec setpriv --inh-caps=-all --bounding-set=-sys_admin,-bpf,-perfmon,-sys_module,-dac_override,-dac_read_search \
		-- bash "$INTEG_DIR/run.sh" --one "$1" "$2"
}

die()
{
	[ -n "${LANE_PID:-}" ] && kill -TERM "$LANE_PID" 2>/dev/null
	echo "run.sh: $*" >&2
	echo "0 passed, 1 failed"
	exit 1
}

# collect_tests GLOB...: TESTS (names without test_) and TFILE (their files)
collect_tests()
{
	local f fn name want g lane
	TESTS=()
	TFILE=()
	TLANE=()
	for f in "$INTEG_DIR"/t_*.sh; do
		[ -f "$f" ] || continue
		# A file that says "# host-only: REASON" tests user space alone
		# (no engine difference): the host tier runs it, the VM tiers,
		# which are there for the engines, do not (and say so).
		if [ "${APPBAN_VM:-0}" = 1 ] && grep -q '^# host-only: ' "$f"; then
			echo "# run.sh: ${f##*/} is not run in the VM ($(sed -n 's/^# host-only: //p' "$f" | head -n1))"
			continue
		fi
		while read -r fn lane; do
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
			TLANE+=("$lane")
		done < <(awk '/^test_[A-Za-z0-9_]*[[:space:]]*\(\)[[:space:]]*$/ {
				sub(/[[:space:]]*\(\).*/, "")
				print $0, (prev ~ /^# kernel-free: ./ ? "free" : "kernel")
			} { prev = $0 }' "$f")
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
	for c in mount umount ip setsid awk od flock setpriv stat unshare; do
		command -v "$c" >/dev/null || die "$c is needed"
	done

	# A kernel that lacks what every engine needs (status says which):
	# every test but those of t_kernel.sh, which check that refusal, is
	# skipped with status's words (docs/kernels.md).
	T_KERNEL_MISSING=$("$APPBAN" status --json 2>/dev/null |
		"$PYTHON" -c 'import json, sys; print(json.load(sys.stdin).get("kernel_missing", ""))')
	export T_KERNEL_MISSING
	[ -z "$T_KERNEL_MISSING" ] ||
		echo "# run.sh: appban status: this kernel lacks what appban needs: $T_KERNEL_MISSING"
}

# preflight_kernel: before the first test that may touch the kernel (not
# needed when only kernel-free tests run)
preflight_kernel()
{
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
}

on_interrupt()
{
	INTERRUPTED=1
	[ -n "$CUR_PID" ] && kill -TERM -- "-$CUR_PID" 2>/dev/null
	[ -n "${LANE_PID:-}" ] && kill -TERM "$LANE_PID" 2>/dev/null
}

# has_mounts_below DIR: something is mounted at or below DIR (without a
# process: mostly nothing is, the test unmounted its own)
has_mounts_below()
{
	local m
	while read -r _ _ _ _ m _; do
		[[ "$m" == "$1" || "$m" == "$1"/* ]] && return 0
	done </proc/self/mountinfo
	return 1
}

# run_one NAME FILE LANE: run a test, print its verdict, count it (LANE:
# kernel, or free for a kernel-free test: in free_test's sandbox, and no
# look at the kernel's state afterwards, which the other lane owns)
run_one()
{
	local name=$1 file=$2 lane=$3 tdir log rc wd reason limit n t0 t1 mode=--one
	# (one process where mktemp and chmod were two: a test costs ~10
	# process starts of the runner's own, each 50-100 ms on a loaded host)
	for n in 1 2 3 4 5 6 7 8; do
		tdir=/tmp/appban-t.$name.${SRANDOM:-$RANDOM$RANDOM}
		mkdir -m 0755 "$tdir" 2>/dev/null && break
		tdir=
	done
	if [ -z "$tdir" ]; then
		echo "FAIL $name: cannot make its directory under /tmp"
		FAILED=$((FAILED + 1))
		FAILED_NAMES+=("$name")
		return
	fi
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
	local sandbox=()
	[ "$lane" = free ] && mode=--free sandbox=(unshare -m --propagation private)
	T_NAME=$name T_DIR=$tdir T_REASON_FILE="$LOGDIR/$name.reason" \
		T_SKIP_FILE="$LOGDIR/$name.skip" T_VERBOSE=$VERBOSE T_LANE=$lane \
		setsid "${sandbox[@]}" bash "$INTEG_DIR/run.sh" "$mode" "$file" "test_$name" \
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
		if has_mounts_below "$tdir"; then
			awk -v d="$tdir" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo |
				sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
		fi
		rm -rf --one-file-system "$tdir"
	fi
	# a policy left loaded: only where its pins are (status says nothing
	# is loaded when APPBAN_PIN_DIR is absent), not the other lane's
	n=4
	if [ "$lane" != free ] && [ -e /sys/fs/bpf/appban ]; then
		"$APPBAN" status --json >/dev/null 2>&1
		n=$?
	fi
	if [ "$n" != 4 ]; then
		echo "# run.sh: a policy was still loaded after the test: unloading it" >>"$log"
		"$APPBAN" unload >/dev/null 2>&1
		if [ "$rc" = 0 ]; then
			rc=1
			echo "the test left a policy loaded" >"$LOGDIR/$name.reason"
		fi
	fi

	reason=
	read -r reason <"$LOGDIR/$name.reason" 2>/dev/null
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

# run_lane LANE: run the tests of that lane one after the other. In the
# background (the free lane beside the other), it ends with its counts and
# durations, which wait_lane adds to the main shell's.
run_lane()
{
	local i
	# in the background: its own trap (a subshell's are reset); the main
	# shell's on_interrupt sends it TERM
	[ "$BASH_SUBSHELL" -gt 0 ] && trap on_interrupt INT TERM
	for i in "${!TESTS[@]}"; do
		[ "$INTERRUPTED" = 1 ] && break
		[ "${TLANE[$i]}" = "$1" ] || continue
		[ -z "$QUEUE" ] || claim "${TESTS[$i]}" || continue
		run_one "${TESTS[$i]}" "${TFILE[$i]}" "$1"
	done
	if [ "$BASH_SUBSHELL" -gt 0 ]; then
		echo "$PASSED $FAILED $SKIPPED $INTERRUPTED" >"$LOGDIR/.lane-free.counts"
		printf '%s\n' "${FAILED_NAMES[@]}" >"$LOGDIR/.lane-free.failed"
		printf '%s\n' "${DURATIONS[@]}" >"$LOGDIR/.lane-free.durations"
	fi
}

# wait_lane: wait for the background lane, show its lines, add its counts
wait_lane()
{
	local p f k x line
	while :; do
		wait "$LANE_PID" 2>/dev/null
		kill -0 "$LANE_PID" 2>/dev/null || break
	done
	LANE_PID=
	cat "$LOGDIR/.lane-free.out"
	if ! read -r p f k x <"$LOGDIR/.lane-free.counts" 2>/dev/null; then
		echo "FAIL kernel-free lane: it ended without its counts"
		FAILED=$((FAILED + 1))
		FAILED_NAMES+=("kernel-free-lane")
		return
	fi
	PASSED=$((PASSED + p))
	FAILED=$((FAILED + f))
	SKIPPED=$((SKIPPED + k))
	[ "$x" = 1 ] && INTERRUPTED=1
	while read -r line; do
		[ -n "$line" ] && FAILED_NAMES+=("$line")
	done <"$LOGDIR/.lane-free.failed"
	while read -r line; do
		[ -n "$line" ] && DURATIONS+=("$line")
	done <"$LOGDIR/.lane-free.durations"
}

# claim NAME: true if this run is the one to run test NAME (-q): the
# first to make its directory in the queue (mkdir is atomic, also through
# the guests' 9p share of the host's directory)
claim()
{
	mkdir "$QUEUE/$1" 2>/dev/null && return 0
	[ -d "$QUEUE/$1" ] || die "cannot claim $1 in $QUEUE"
	return 1
}

# shard_tests K/N: keep the tests whose place in the list is K modulo N
# (a share of a long tier, rotated between runs by the caller)
shard_tests()
{
	local k=${1%/*} n=${1#*/} i keep_t=() keep_f=() keep_l=()
	[[ "$k" =~ ^[0-9]+$ && "$n" =~ ^[1-9][0-9]*$ && "$k" -lt "$n" ]] || die "-s wants K/N with 0 <= K < N, not '$1'"
	for i in "${!TESTS[@]}"; do
		if [ $((i % n)) = "$k" ]; then
			keep_t+=("${TESTS[$i]}")
			keep_f+=("${TFILE[$i]}")
			keep_l+=("${TLANE[$i]}")
		fi
	done
	TESTS=("${keep_t[@]}")
	TFILE=("${keep_f[@]}")
	TLANE=("${keep_l[@]}")
	echo "# share $k of $n of the tests: ${#TESTS[@]} of them" >&2
}

main()
{
	local opt i start end notrun nfree
	if [ "${1:-}" = "--one" ]; then
		one_test "$2" "$3"
	fi
	if [ "${1:-}" = "--free" ]; then
		free_test "$2" "$3"
	fi
	VERBOSE=0
	LIST=0
	TIMEOUT=120
	SHARD=
	QUEUE=
	while getopts "vlt:s:q:h" opt; do
		case "$opt" in
		v) VERBOSE=1 ;;
		l) LIST=1 ;;
		t) TIMEOUT=$OPTARG ;;
		s) SHARD=$OPTARG ;;
		q) QUEUE=$OPTARG ;;
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
	if [ -n "$QUEUE" ] && [ "$LIST" = 0 ]; then
		[ -d "$QUEUE" ] && [ -w "$QUEUE" ] || die "-q $QUEUE: not a writable directory"
		echo "${#TESTS[@]}" >"$QUEUE/.listed"
		echo "# tests shared through $QUEUE: ${#TESTS[@]} of them, each run by the first run to claim it" >&2
	fi
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
	LANE_PID=
	INTERRUPTED=0
	trap on_interrupt INT TERM

	start=$(date +%s)
	# the kernel-free lane first, in the background (beside the others
	# unless APPBAN_ITEST_SERIAL=1); its lines are shown when it has ended
	nfree=0
	for i in "${!TESTS[@]}"; do
		[ "${TLANE[$i]}" = free ] && nfree=$((nfree + 1))
	done
	if [ "$nfree" -gt 0 ] && [ "${APPBAN_ITEST_SERIAL:-0}" != 1 ]; then
		run_lane free >"$LOGDIR/.lane-free.out" 2>&1 &
		LANE_PID=$!
	fi
	if [ "$nfree" -lt "${#TESTS[@]}" ]; then
		preflight_kernel
		run_lane kernel
	fi
	if [ -n "$LANE_PID" ]; then
		wait_lane
	elif [ "$nfree" -gt 0 ]; then
		run_lane free
	fi
	end=$(date +%s)

	notrun=$((${#TESTS[@]} - PASSED - FAILED - SKIPPED))
	if [ -n "$QUEUE" ]; then
		echo "# $((PASSED + FAILED + SKIPPED)) of the ${#TESTS[@]} tests ran here, the others in the runs sharing $QUEUE"
		[ "$INTERRUPTED" = 1 ] && echo "# interrupted: the tests not claimed yet were left to the others"
	elif [ "$INTERRUPTED" = 1 ]; then
		echo "# interrupted: $notrun test(s) not run"
	fi
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
