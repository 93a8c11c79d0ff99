# SPDX-License-Identifier: GPL-2.0
# Tampering with appban itself (issue 3, item 6): writing its maps, replacing
# its programs, removing its pins, unmounting their file system, signalling
# its event reader. The lsm engine refuses every one (EPERM) with a
# tamper-blocked event; the fallback engine cannot refuse them and reports a
# tamper-detected event. appban's own writes are never reported.

PINS=/sys/fs/bpf/appban
ATTACK="$INTEG_DIR/helpers/bpf_attack.py"

# _tamper_policy: a policy banning a copy of the marker; BANNED is its path
_tamper_policy()
{
	BANNED=$(make_marker "$T_DIR/bin")
	write_policy "$T_DIR/p.policy" <<EOF2
app banned {
    path $BANNED
    deny exec
}
EOF2
}

# _attempt_result WHAT RESULT: an attempt is refused with EPERM by the lsm
# engine and goes through with the fallback engine (which reports it)
_attempt_result()
{
	case "$ENGINE" in
	lsm) assert_contains "$2" "Operation not permitted" "$1 (lsm: refused)" ;;
	fallback) assert_not_contains "$2" "Operation not permitted" "$1 (fallback: not refused)" ;;
	*) fail "unknown engine $ENGINE" ;;
	esac
}

# _wait_tamper HOOK [FIELD=VALUE...]: the tamper event of this engine
_wait_tamper()
{
	local act=tamper-detected hook=$1
	shift
	[ "$ENGINE" = lsm ] && act=tamper-blocked
	wait_event "$RUN_OUT" "event.action=$act" "appban.hook=$hook" "$@" || return 1
	assert_events_valid "$RUN_OUT" || return 1
}

test_tamper_map_write()
{
	local out
	_tamper_policy
	run_start "$T_DIR/p.policy" || return 1
	# key 0 of the network marks: no process has pid 0, so a delete let
	# through (fallback) changes nothing (key 0 of a policy map would be
	# a whole generation's map)
	out=$("$PYTHON" "$ATTACK" map-delete "$PINS/appban_net_marks" 2>&1)
	echo "# map-delete: $out"
	case "$ENGINE" in
	lsm) assert_eq "$out" "errno EPERM" "opening a map pin for writing (lsm)" || return 1 ;;
	fallback) assert_eq "$out" "errno ENOENT" "deleting an absent key (fallback: let through)" || return 1 ;;
	esac
	_wait_tamper bpf-map process.name=python3 || return 1
	assert_match "$(json_get "$EVENT" appban.target.name)" '^appban_net_mark' "target map" || return 1
	assert_ge "$(status_get counters.tamper)" 1 "status counters.tamper" || return 1
	# the ban is intact
	assert_blocked "$BANNED" || return 1
}

test_tamper_own_writes_not_reported()
{
	_tamper_policy
	run_start "$T_DIR/p.policy" || return 1
	# a swap writes every map: it is appban's own doing
	load_ok "$T_DIR/p.policy" || return 1
	ab status
	assert_eq "$AB_RC" 0 "status" || return 1
	assert_blocked "$BANNED" || return 1
	# files that only share a pin's name, outside the bpf file system
	mkdir -p "$T_DIR/appban"
	touch "$T_DIR/appban_notes" "$T_DIR/appban/link_appban_x" "$T_DIR/appban/appban_state"
	(cd "$T_DIR/appban" && rm link_appban_x && mv appban_state other)
	rm "$T_DIR/appban_notes"
	sleep 0.5
	assert_eq "$(ev_count "$RUN_OUT" event.action=tamper-blocked)" 0 "tamper-blocked events" || return 1
	assert_eq "$(ev_count "$RUN_OUT" event.action=tamper-detected)" 0 "tamper-detected events" || return 1
	assert_eq "$(status_get counters.tamper)" 0 "status counters.tamper" || return 1
}

test_tamper_link_replace()
{
	local out
	_tamper_policy
	run_start "$T_DIR/p.policy" || return 1
	out=$("$PYTHON" "$ATTACK" link-update "$PINS/link_appban_exec" 2>&1)
	echo "# link-update: $out"
	case "$ENGINE" in
	lsm) assert_eq "$out" "errno EPERM" "replacing the exec program (lsm)" || return 1 ;;
	fallback) assert_ne "$out" "ok" "replacing by an invalid program (fallback)" || return 1 ;;
	esac
	_wait_tamper bpf-link appban.target.name=appban_exec || return 1
	assert_blocked "$BANNED" || return 1
}

test_tamper_pin_rename()
{
	local out
	_tamper_policy
	run_start "$T_DIR/p.policy" || return 1
	out=$(mv "$PINS/link_appban_exec" "$PINS/link_appban_exec_moved" 2>&1)
	echo "# mv: $out"
	_attempt_result "renaming a pin" "$out" || return 1
	# put it back where the fallback engine let it go (the link stays alive)
	[ -e "$PINS/link_appban_exec_moved" ] && mv "$PINS/link_appban_exec_moved" "$PINS/link_appban_exec"
	_wait_tamper pin process.name=mv || return 1
	assert_match "$(json_get "$EVENT" appban.target.name)" 'link_appban_exec$' "target pin" || return 1
	assert_blocked "$BANNED" || return 1
}

test_tamper_pin_unlink()
{
	local out
	_tamper_policy
	run_start "$T_DIR/p.policy" || return 1
	out=$(rm -f "$PINS/link_appban_exec" 2>&1)
	echo "# rm: $out"
	_attempt_result "removing a pin" "$out" || return 1
	_wait_tamper pin process.name=rm || return 1
	assert_match "$(json_get "$EVENT" appban.target.name)" 'link_appban_exec$' "target pin" || return 1
	if [ "$ENGINE" = lsm ]; then
		assert_file "$PINS/link_appban_exec" "the pin after a refused rm" || return 1
		assert_blocked "$BANNED" || return 1
		out=$(rm -rf "$PINS" 2>&1)
		_attempt_result "rm -rf of the pin directory" "$out" || return 1
		assert_file "$PINS/appban_state" "a map pin after rm -rf" || return 1
		assert_blocked "$BANNED" || return 1
	else
		# the fallback engine reported it; the exec program is gone with
		# its last reference: this is why tamper protection is "off" there
		assert_no_file "$PINS/link_appban_exec" "the pin after rm (fallback)" || return 1
	fi
}

test_tamper_umount_bpffs()
{
	local out
	_tamper_policy
	run_start "$T_DIR/p.policy" || return 1
	# in a mount namespace of its own: the fallback engine cannot refuse
	# it, and the host's own mount must not go
	out=$(unshare -m sh -c 'umount /sys/fs/bpf && echo unmounted' 2>&1)
	echo "# umount in a new namespace: $out"
	case "$ENGINE" in
	lsm) assert_not_contains "$out" unmounted "umount of the bpf fs (lsm: refused)" || return 1 ;;
	fallback) assert_contains "$out" unmounted "umount in a private namespace (fallback)" || return 1 ;;
	esac
	_wait_tamper umount process.name=umount || return 1
	assert_file "$PINS/appban_state" "pins after the umount attempt" || return 1
	assert_blocked "$BANNED" || return 1
}

test_tamper_signal_to_reader()
{
	local out
	_tamper_policy
	run_start "$T_DIR/p.policy" || return 1
	# a process that did not start the reader: refused (lsm) or reported
	out=$(sh -c 'kill -STOP "$1" && echo sent' sh "$RUN_PID" 2>&1)
	echo "# kill -STOP from an unrelated process: $out"
	case "$ENGINE" in
	lsm) assert_not_contains "$out" sent "SIGSTOP to the reader (lsm: refused)" || return 1 ;;
	fallback) assert_contains "$out" sent "SIGSTOP to the reader (fallback)" || return 1 ;;
	esac
	# the test shell started it: it may (SIGCONT undoes the fallback's stop)
	kill -CONT "$RUN_PID" || { fail "SIGCONT from the reader's parent refused"; return 1; }
	_wait_tamper signal "appban.target.pid=$RUN_PID" appban.target.signal=19 || return 1
	# a probe (signal 0) is no attack
	out=$(sh -c 'kill -0 "$1" && echo alive' sh "$RUN_PID" 2>&1)
	assert_contains "$out" alive "kill -0 of the reader" || return 1
	_running "$RUN_PID" || { fail "the reader is gone"; return 1; }
}

test_tamper_unload_is_the_way_out()
{
	local upid
	_tamper_policy
	run_start "$T_DIR/p.policy" || return 1
	"$APPBAN" unload >"$T_DIR/unload.out" 2>&1 &
	upid=$!
	wait "$upid" || { fail "appban unload exited $?: $(_short "$(<"$T_DIR/unload.out")")"; return 1; }
	wait_event "$RUN_OUT" event.action=policy-unloaded "process.pid=$upid" user.id=0 || return 1
	assert_events_valid "$RUN_OUT" || return 1
	# the reader ends with the policy
	wait_until 10 eval '! _running "$RUN_PID"' || { fail "run still running after unload"; return 1; }
	assert_no_file "$PINS" "pins after unload" || return 1
	assert_runs "$BANNED" || return 1
}

test_tamper_status_lists_protections()
{
	_tamper_policy
	load_ok "$T_DIR/p.policy" || return 1
	status_read
	case "$ENGINE" in
	lsm)
		assert_eq "$(json_get "$STATUS" protections.tamper.state)" refused "tamper" || return 1
		assert_eq "$(json_get "$STATUS" protections.exec.state)" refused "exec" || return 1
		assert_eq "$(json_get "$STATUS" protections.dynamic-loader.state)" refused "loader" || return 1
		;;
	fallback)
		# Before 5.15 a tracepoint has no BPF link to pin (read from the
		# kernel's BTF, not from appban): the syscall checks run in one
		# raw sys_enter and one raw sys_exit program instead, and every
		# protection holds all the same (docs/kernels.md).
		local want=tracepoints
		if [ "${APPBAN_TEST_RAWTP:-}" = 1 ] || { command -v bpftool >/dev/null &&
			! bpftool btf dump file /sys/kernel/btf/vmlinux format raw 2>/dev/null |
			grep -q "'BPF_LINK_TYPE_PERF_EVENT' val="; }; then
			want=raw
		fi
		assert_eq "$(json_get "$STATUS" syscall_programs)" "$want" "syscall programs" || return 1
		assert_eq "$(json_get "$STATUS" protections.tamper.state)" reported "tamper" || return 1
		assert_contains "$(json_get "$STATUS" protections.tamper.how)" "cannot refuse" "why" || return 1
		assert_eq "$(json_get "$STATUS" protections.exec.state)" killed "exec" || return 1
		assert_eq "$(json_get "$STATUS" protections.dynamic-loader.state)" killed "loader" || return 1
		assert_eq "$(json_get "$STATUS" protections.script.state)" killed "script" || return 1
		assert_eq "$(json_get "$STATUS" protections.passed-socket.state)" killed "passed socket" || return 1
		;;
	esac
	assert_eq "$(json_get "$STATUS" protections.fileless-exec.state)" reported "fileless" || return 1
	assert_eq "$(json_get "$STATUS" protections.interpreter-argument.state)" open "interpreter" || return 1
	ab status
	assert_contains "$AB_OUT" "protections:" "text status" || return 1
}
