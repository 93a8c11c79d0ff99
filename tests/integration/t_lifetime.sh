# SPDX-License-Identifier: GPL-2.0
# Lifetime of the enforcement: pinned, it outlives the program that loaded
# it (load, a killed run), a new run adopts the pins, `run` unloads on
# SIGINT/SIGTERM unless --keep, and only unload removes the pins.

PINS=/sys/fs/bpf/appban

_lt_policy()
{
	PROG=$(make_marker "$T_DIR/bin")
	write_policy "$T_DIR/p.policy" <<EOF
policy lifetime-$T_ID
serial 5
app banned {
    path $PROG
    deny exec
}
EOF
}

test_lifetime_load_persists_until_unload()
{
	_lt_policy
	load_ok "$T_DIR/p.policy" || return 1
	assert_eq "$(printf '%s\n' "$AB_OUT" | grep -c .)" 1 "lines of the load summary" || return 1
	# the loader has exited; the kernel enforces from the pins
	assert_file "$PINS" "pin directory" || return 1
	assert_blocked "$PROG" || return 1
	sleep 0.5
	assert_blocked "$PROG" || return 1
	ab unload
	assert_eq "$AB_RC" 0 "unload" || return 1
	assert_no_file "$PINS" "pin directory after unload" || return 1
	assert_runs "$PROG" || return 1
	status_read
	assert_eq "$STATUS_RC" 4 "status exit when nothing is loaded" || return 1
}

# Unload makes the engine inert first (every program decides nothing),
# removes the pins and leaves the links, and the perf events that hold the
# fallback engine's tracepoints, to a child that closes them after it has
# returned (design.md, Lifetime): when it has returned nothing is enforced,
# and within seconds no program of appban's is left in the kernel and the
# child has gone by itself.
test_lifetime_unload_leaves_no_program()
{
	local progs i
	command -v bpftool >/dev/null || skip "bpftool is not installed: cannot list the kernel's programs independently"
	_lt_policy
	load_ok "$T_DIR/p.policy" || return 1
	progs=$(bpftool prog show 2>/dev/null | grep -c ' name appban_')
	[ "$progs" -gt 0 ] || { fail "bpftool lists no appban program while a policy is loaded"; return 1; }
	# the fresh load's first exec program retired once appban_exec was
	# attached (its link destroyed, the program freed after a grace period)
	for i in $(seq $((20 * T_SLOW))); do
		bpftool prog show 2>/dev/null | grep -q ' name appban_exec_fi' || break
		sleep 0.1
	done
	progs=$(bpftool prog show 2>/dev/null | grep ' name appban_exec_fi')
	[ -z "$progs" ] || { fail "the first exec program is still loaded after the load: $progs"; return 1; }
	ab unload
	assert_eq "$AB_RC" 0 "unload" || return 1
	assert_runs "$PROG" || return 1
	for i in $(seq $((100 * T_SLOW))); do
		progs=$(bpftool prog show 2>/dev/null | grep ' name appban_')
		[ -n "$progs" ] || pgrep -f "$APPBAN unload" >/dev/null || return 0
		sleep 0.1
	done
	[ -z "$progs" ] || { fail "programs left $((10 * T_SLOW)) s after unload returned: $progs"; return 1; }
	fail "a process of appban unload was still there $((10 * T_SLOW)) s after it returned: $(pgrep -af "$APPBAN unload")"
}

test_lifetime_run_sigint_unloads()
{
	_lt_policy
	run_start "$T_DIR/p.policy" || return 1
	assert_blocked "$PROG" || return 1
	run_stop INT
	assert_eq "$RUN_RC" 0 "run exit status on SIGINT" || return 1
	status_read
	assert_eq "$STATUS_RC" 4 "status after run stopped (unloaded)" || return 1
	assert_no_file "$PINS" "pin directory after run stopped" || return 1
	assert_runs "$PROG" || return 1
}

test_lifetime_run_sigterm_unloads()
{
	_lt_policy
	run_start "$T_DIR/p.policy" || return 1
	assert_blocked "$PROG" || return 1
	run_stop TERM
	assert_eq "$RUN_RC" 0 "run exit status on SIGTERM" || return 1
	status_read
	assert_eq "$STATUS_RC" 4 "status after run stopped (unloaded)" || return 1
	assert_runs "$PROG" || return 1
}

test_lifetime_run_keep()
{
	_lt_policy
	run_start --keep "$T_DIR/p.policy" || return 1
	run_stop TERM
	assert_eq "$RUN_RC" 0 "run --keep exit status on SIGTERM" || return 1
	assert_fields "$(status_json)" \
		"loaded=true" \
		"policy.name=lifetime-$T_ID" || return 1
	assert_blocked "$PROG" || return 1
}

test_lifetime_kill9_run_keep_then_adopt()
{
	local first before
	_lt_policy
	run_start --keep "$T_DIR/p.policy" || return 1
	assert_blocked "$PROG" || return 1
	before=$(status_get policy)
	# the daemon dies without a chance to clean up: the kernel keeps enforcing
	stop_pid "$RUN_PID" KILL
	assert_eq "$STOP_RC" 137 "run killed by SIGKILL" || return 1
	assert_blocked "$PROG" || return 1
	assert_field "$(status_json)" loaded true || return 1
	assert_eq "$(status_get policy)" "$before" "policy in force after the kill" || return 1
	sleep 0.3
	assert_blocked "$PROG" || return 1
	# a new run without a policy adopts the pinned one and streams its events
	run_start || return 1
	first=$RUN_FIRST
	assert_fields "$first" \
		"appban.policy.name=lifetime-$T_ID" \
		"appban.policy.serial=5" || return 1
	assert_blocked "$PROG" || return 1
	wait_event "$RUN_OUT" event.action=exec-blocked "process.pid=$SP_PID" || return 1
	assert_field "$EVENT" appban.policy.name "lifetime-$T_ID" || return 1
	# it did not load the policy itself: stopping it leaves the policy in force
	run_stop INT
	assert_eq "$RUN_RC" 0 "adopting run exit status on SIGINT" || return 1
	assert_field "$(status_json)" loaded true || return 1
	assert_blocked "$PROG" || return 1
	assert_events_valid "$RUN_OUT" || return 1
}

test_lifetime_kill9_run_fails_closed()
{
	# even without --keep, a run that dies leaves the kernel enforcing
	_lt_policy
	run_start "$T_DIR/p.policy" || return 1
	stop_pid "$RUN_PID" KILL
	assert_blocked "$PROG" || return 1
	assert_field "$(status_json)" loaded true || return 1
	ab unload
	assert_eq "$AB_RC" 0 "unload after the killed run" || return 1
	assert_runs "$PROG" || return 1
}

test_lifetime_run_replaces_loaded_policy()
{
	local other
	_lt_policy
	other=$(make_marker "$T_DIR/other")
	write_policy "$T_DIR/q.policy" <<EOF
policy replacement-$T_ID
app other {
    path $other
    deny exec
}
EOF
	load_ok "$T_DIR/p.policy" || return 1
	run_start "$T_DIR/q.policy" || return 1
	assert_field "$RUN_FIRST" appban.policy.name "replacement-$T_ID" || return 1
	assert_blocked "$other" || return 1
	assert_runs "$PROG" || return 1
	run_stop INT
	assert_eq "$RUN_RC" 0 "run exit status" || return 1
	# it loaded its policy itself: it unloads it
	status_read
	assert_eq "$STATUS_RC" 4 "status after run stopped" || return 1
}

test_lifetime_load_while_run()
{
	# a load while run streams: run goes on with the new policy's events
	local other
	_lt_policy
	other=$(make_marker "$T_DIR/other")
	write_policy "$T_DIR/q.policy" <<EOF
policy second-$T_ID
app other {
    path $other
    deny exec
}
EOF
	run_start "$T_DIR/p.policy" || return 1
	load_ok "$T_DIR/q.policy" || return 1
	assert_blocked "$other" || return 1
	wait_event "$RUN_OUT" event.action=exec-blocked "process.pid=$SP_PID" || return 1
	assert_fields "$EVENT" \
		"appban.policy.name=second-$T_ID" \
		"rule.name=other" || return 1
	assert_runs "$PROG" || return 1
	run_stop INT
	assert_eq "$RUN_RC" 0 "run exit status" || return 1
	assert_events_valid "$RUN_OUT" || return 1
}

test_lifetime_run_default_policy()
{
	# run with no policy and nothing loaded: the built-in default policy
	status_read
	assert_eq "$STATUS_RC" 4 "status before (nothing loaded)" || return 1
	run_start || return 1
	assert_nonempty "$(json_get "$RUN_FIRST" appban.policy.name)" "name of the default policy" || return 1
	assert_fields "$(status_json)" \
		"loaded=true" \
		"policy.name=$(json_get "$RUN_FIRST" appban.policy.name)" || return 1
	run_stop INT
	assert_eq "$RUN_RC" 0 "run exit status" || return 1
	status_read
	assert_eq "$STATUS_RC" 4 "status after run stopped (it loaded the default itself)" || return 1
}

# A broken standard output (a closed terminal, `| head`) ends run's stream
# but never the enforcement: only SIGINT/SIGTERM of the run that loaded, or
# `appban unload`, do.
test_lifetime_run_broken_output_keeps_policy()
{
	local pid hpid
	_lt_policy
	mkfifo "$T_DIR/fifo"
	# the reader first (opening a fifo to write waits for one): it reads
	# the first line, then closes the pipe
	head -n 1 "$T_DIR/fifo" >"$T_DIR/first" &
	hpid=$!
	bg "$APPBAN" run --json "$T_DIR/p.policy" >"$T_DIR/fifo" 2>"$T_DIR/run.err"
	pid=$BG_PID
	wait "$hpid"
	assert_contains "$(<"$T_DIR/first")" policy-loaded "first line" || return 1
	# the next event cannot be written: run ends
	spawn "$PROG" >/dev/null 2>&1
	wait_until 15 sh -c "! kill -0 $pid 2>/dev/null" || { fail "run still running after its output closed"; return 1; }
	assert_contains "$(<"$T_DIR/run.err")" "the policy stays in force" "why run ended" || return 1
	assert_file "$PINS" "pin directory after run's output broke" || return 1
	assert_blocked "$PROG" || return 1
}
