# SPDX-License-Identifier: GPL-2.0
# A flood of banned starts: every one is stopped, and every one is accounted
# for in `run --json`: an exec-blocked event, or counted in events-lost.

_flood_kv()
{
	sed -n "s/.*\\b$1=\\([0-9]*\\).*/\\1/p" <<<"$2"
}

_flood_accounted()
{
	local got lost
	got=$(ev_count "$RUN_OUT" event.action=exec-blocked rule.name=flooded)
	lost=$(ev_sum "$RUN_OUT" appban.lost event.action=events-lost)
	[ $((got + lost)) -ge "$1" ]
}

test_flood_banned_starts()
{
	local prog n res attempts killed eperm got lost
	n=${APPBAN_FLOOD_N:-2000}
	# process starts are ~50 times slower in the TCG VM
	[ "${APPBAN_VM:-0}" = 1 ] && n=${APPBAN_FLOOD_N:-500}
	prog=$(make_marker "$T_DIR/bin")
	write_policy "$T_DIR/p.policy" <<EOF
policy flood-$T_ID
app flooded {
    path $prog
    deny exec
}
EOF
	run_start "$T_DIR/p.policy" || return 1
	res=$("$HELPERS/flood" -n "$n" -j 4 "$prog")
	log "flood: $res"
	attempts=$(_flood_kv attempts "$res")
	killed=$(_flood_kv killed "$res")
	eperm=$(_flood_kv eperm "$res")
	assert_eq "$attempts" "$n" "starts attempted" || return 1
	assert_eq "$(_flood_kv ran "$res")" 0 "starts that ran" || return 1
	assert_eq "$(_flood_kv other "$res")" 0 "starts that ended otherwise" || return 1
	case "$ENGINE" in
	fallback) assert_eq "$killed" "$n" "starts stopped by SIGKILL" || return 1 ;;
	lsm) assert_eq "$eperm" "$n" "starts refused with EPERM" || return 1 ;;
	esac
	assert_eq "$(marker_runs "$prog")" 0 "marker lines" || return 1
	# every decision is counted in the kernel, lost events or not
	assert_eq "$(status_get counters.exec_blocked)" "$n" "status counters.exec_blocked" || return 1
	# every start shows in the stream, as an event or as lost
	wait_until 20 _flood_accounted "$n"
	got=$(ev_count "$RUN_OUT" event.action=exec-blocked rule.name=flooded)
	lost=$(ev_sum "$RUN_OUT" appban.lost event.action=events-lost)
	log "exec-blocked events: $got, events-lost: $lost, status events_lost: $(status_get counters.events_lost)"
	assert_eq "$((got + lost))" "$n" "exec-blocked events + lost events" || return 1
	run_stop INT
	assert_eq "$RUN_RC" 0 "run exit status" || return 1
	assert_events_valid "$RUN_OUT" || return 1
}

test_flood_monitor_audits()
{
	# in monitor mode every start runs and every one is reported
	local prog n res got lost
	n=${APPBAN_FLOOD_N:-2000}
	[ "${APPBAN_VM:-0}" = 1 ] && n=${APPBAN_FLOOD_N:-500}
	n=$((n / 4))
	prog=$(make_marker "$T_DIR/bin")
	write_policy "$T_DIR/p.policy" <<EOF
mode monitor
app flooded {
    path $prog
    deny exec
}
EOF
	run_start "$T_DIR/p.policy" || return 1
	res=$("$HELPERS/flood" -n "$n" -j 4 "$prog")
	log "flood: $res"
	assert_eq "$(_flood_kv ran "$res")" "$n" "starts that ran in monitor mode" || return 1
	wait_until 20 _flood_audits_accounted "$n"
	got=$(ev_count "$RUN_OUT" event.action=exec-audited rule.name=flooded)
	lost=$(ev_sum "$RUN_OUT" appban.lost event.action=events-lost)
	assert_eq "$((got + lost))" "$n" "exec-audited events + lost events" || return 1
	run_stop INT
	assert_events_valid "$RUN_OUT" || return 1
}

_flood_audits_accounted()
{
	local got lost
	got=$(ev_count "$RUN_OUT" event.action=exec-audited rule.name=flooded)
	lost=$(ev_sum "$RUN_OUT" appban.lost event.action=events-lost)
	[ $((got + lost)) -ge "$1" ]
}
