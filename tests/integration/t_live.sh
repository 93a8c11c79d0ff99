# SPDX-License-Identifier: GPL-2.0
# A ban takes effect at once on what already runs: a load (first load and
# swap) kills the running processes of a deny exec app, and cuts off those of
# a deny network app (and their descendants) from the network: their
# connections are torn down, they stay alive and cannot open new sockets.
# --no-kill leaves both alone; processes of other apps are never touched.

# _live_sleeper DIR: a copy of sleep (a long-running program); prints its path
_live_sleeper()
{
	copy_bin "$(command -v sleep)" "$1"
}

# _live_hold PROG [PREFIX...]: PROG (a nettest copy) holds a TCP connection to
# the test's server (SERVE_PORT); HOLD_PID, HOLD_RESULT (its result file)
_live_hold()
{
	local prog=$1 ready="$T_DIR/.hold.$RANDOM"
	shift
	HOLD_RESULT="$ready.result"
	bg "$prog" "$@" hold inet "$SERVE_PORT" "$ready" "$HOLD_RESULT"
	HOLD_PID=$BG_PID
	wait_until 5 test -s "$ready" || { fail "$prog did not connect"; return 1; }
}

# _live_serve: an unbanned TCP server keeping its connections; SERVE_PORT
_live_serve()
{
	local ready="$T_DIR/.serve.$RANDOM"
	bg "$HELPERS/nettest" serve inet 0 "$ready"
	wait_until 5 test -s "$ready" || { fail "nettest serve did not start"; return 1; }
	read -r SERVE_PORT <"$ready"
}

_live_policy()
{
	write_policy "$1" <<EOF
policy live-$T_ID
app killme {
    path $2
    deny exec
}
app nonet {
    path $3
    deny network
}
EOF
}

# _live_gone WHAT PID: PID is no longer running (no wait: the load waits
# until the processes it kills are gone)
_live_gone()
{
	_running "$2" || return 0
	fail "$1 (pid $2) still runs after the load returned"
}

test_live_kill_on_first_load()
{
	local banned free bpid fpid ev
	banned=$(_live_sleeper "$T_DIR/b")
	free=$(_live_sleeper "$T_DIR/f")
	bg "$banned" 1000
	bpid=$BG_PID
	bg "$free" 1000
	fpid=$BG_PID
	wait_until 5 test -e "/proc/$bpid/exe" || return 1
	_live_policy "$T_DIR/p.policy" "$banned" "$T_DIR/none"
	run_start "$T_DIR/p.policy" || return 1
	_live_gone "running banned process" "$bpid" || return 1
	_running "$fpid" || { fail "an unbanned process was killed"; return 1; }
	wait_event "$RUN_OUT" event.action=process-killed || return 1
	assert_fields "$EVENT" event.kind=alert event.outcome=failure rule.name=killme \
		appban.match=path appban.method=sigkill appban.hook=policy-load \
		"process.pid=$bpid" "process.executable=$banned" || return 1
	assert_contains "$(<"$RUN_ERR")" "1 killed" "run's summary" || return 1
	# a new start is refused as before
	assert_blocked "$banned" 1 || return 1
	assert_events_valid "$RUN_OUT" || return 1
}

test_live_kill_on_swap()
{
	local banned free bpid fpid t0 t1
	banned=$(_live_sleeper "$T_DIR/b")
	free=$(_live_sleeper "$T_DIR/f")
	write_policy "$T_DIR/a.policy" <<EOF
policy live-a-$T_ID
app other {
    path $free
    audit
}
EOF
	_live_policy "$T_DIR/b.policy" "$banned" "$T_DIR/none"
	load_ok "$T_DIR/a.policy" || return 1
	run_start || return 1 # adopts the policy, streams the events of the swap
	bg "$banned" 1000
	bpid=$BG_PID
	bg "$free" 1000
	fpid=$BG_PID
	wait_until 5 test -e "/proc/$bpid/exe" || return 1
	t0=$(now_ms)
	load_ok "$T_DIR/b.policy" || return 1
	t1=$(now_ms)
	log "load took $((t1 - t0)) ms"
	_live_gone "running banned process" "$bpid" || return 1
	assert_le $((t1 - t0)) $((5000 * ${T_SLOW:-1})) "load time (ms)" || return 1
	_running "$fpid" || { fail "an unbanned process was killed"; return 1; }
	assert_contains "$AB_ERR" "1 killed" "load's summary" || return 1
	wait_event "$RUN_OUT" event.action=process-killed "process.pid=$bpid" || return 1
	assert_fields "$EVENT" rule.name=killme "appban.policy.name=live-$T_ID" || return 1
	assert_events_valid "$RUN_OUT" || return 1
}

# _live_closed: the connection of HOLD_PID ended, it stays alive and cannot
# open a new socket
_live_closed()
{
	local what=$1 res
	wait_until 2 test -s "$HOLD_RESULT" || { fail "$what: its connection is still open"; return 1; }
	slurp res "$HOLD_RESULT"
	log "$what: $res"
	# SOCK_DESTROY resets (ECONNABORTED); shutdown() gives end of file
	assert_match "$res" "closed: (ECONNABORTED|ECONNRESET|eof)" "$what: how its connection ended" || return 1
	assert_contains "$res" "socket: EPERM" "$what: a new socket" || return 1
	_running "$HOLD_PID" || { fail "$what was killed (a network ban keeps it alive)"; return 1; }
}

test_live_network_cut()
{
	local nb nu bpid upid ures
	nb=$(make_nettest "$T_DIR/nb")
	nu=$(make_nettest "$T_DIR/nu")
	_live_serve || return 1
	_live_hold "$nu" || return 1
	upid=$HOLD_PID
	ures=$HOLD_RESULT
	_live_hold "$nb" || return 1
	bpid=$HOLD_PID
	_live_policy "$T_DIR/p.policy" "$T_DIR/none" "$nb"
	run_start "$T_DIR/p.policy" || return 1
	_live_closed "the net-banned process" || return 1
	wait_event "$RUN_OUT" event.action=connection-closed "process.pid=$bpid" || return 1
	assert_fields "$EVENT" event.kind=alert event.category='["network"]' rule.name=nonet \
		appban.hook=policy-load network.transport=tcp network.type=ipv4 \
		source.ip=127.0.0.1 destination.ip=127.0.0.1 "destination.port=$SERVE_PORT" || return 1
	assert_match "$(json_get "$EVENT" appban.method)" "^(sock-destroy|shutdown)$" "appban.method" || return 1
	assert_eq "$(ev_count "$RUN_OUT" event.action=connection-closed)" 1 "connection-closed events" || return 1
	# the unbanned one keeps its connection
	sleep 0.3
	assert_no_file "$ures" "result of the unbanned holder (its connection ended)" || return 1
	_running "$upid" || { fail "the unbanned holder died"; return 1; }
	assert_events_valid "$RUN_OUT" || return 1
}

# Where the kernel lacks SOCK_DESTROY (CONFIG_INET_DIAG_DESTROY): shutdown()
# on a copy of the descriptor (pidfd_getfd); forced here by the environment.
test_live_network_cut_shutdown()
{
	local nb
	nb=$(make_nettest "$T_DIR/nb")
	_live_serve || return 1
	_live_hold "$nb" || return 1
	_live_policy "$T_DIR/p.policy" "$T_DIR/none" "$nb"
	APPBAN_NO_SOCK_DESTROY=1 run_start "$T_DIR/p.policy" || return 1
	_live_closed "the net-banned process" || return 1
	wait_event "$RUN_OUT" event.action=connection-closed "process.pid=$HOLD_PID" || return 1
	assert_fields "$EVENT" appban.method=shutdown network.transport=tcp \
		source.ip=127.0.0.1 "destination.port=$SERVE_PORT" || return 1
	assert_contains "$(APPBAN_NO_SOCK_DESTROY=1 "$APPBAN" status)" "pidfd_getfd" "status" || return 1
}

# A process started by a process of a net-banned app inherits the ban even
# when it runs an unbanned program and was started before the load.
test_live_network_cut_descendant()
{
	local nb nu
	nb=$(make_nettest "$T_DIR/nb")
	nu=$(make_nettest "$T_DIR/nu")
	_live_serve || return 1
	_live_hold "$nb" --fork --exec "$nu" || return 1
	_live_policy "$T_DIR/p.policy" "$T_DIR/none" "$nb"
	load_ok "$T_DIR/p.policy" || return 1
	_live_closed "the unbanned child of the net-banned process" || return 1
}

test_live_no_kill()
{
	local banned nb bpid hpid
	banned=$(_live_sleeper "$T_DIR/b")
	nb=$(make_nettest "$T_DIR/nb")
	_live_serve || return 1
	bg "$banned" 1000
	bpid=$BG_PID
	_live_hold "$nb" || return 1
	hpid=$HOLD_PID
	wait_until 5 test -e "/proc/$bpid/exe" || return 1
	_live_policy "$T_DIR/p.policy" "$banned" "$nb"
	run_start --no-kill "$T_DIR/p.policy" || return 1
	load_ok --no-kill "$T_DIR/p.policy" || return 1 # a swap too
	sleep 0.5
	_running "$bpid" || { fail "--no-kill: the banned process was killed"; return 1; }
	_running "$hpid" || { fail "--no-kill: the net-banned process was killed"; return 1; }
	assert_no_file "$HOLD_RESULT" "--no-kill: the net-banned process's connection ended" || return 1
	assert_eq "$(ev_count "$RUN_OUT" event.action=process-killed)" 0 "process-killed events" || return 1
	assert_eq "$(ev_count "$RUN_OUT" event.action=connection-closed)" 0 "connection-closed events" || return 1
	# new starts are still refused
	assert_blocked "$banned" 1 || return 1
	# and a load without it acts
	load_ok "$T_DIR/p.policy" || return 1
	_live_gone "running banned process" "$bpid" || return 1
	_live_closed "the net-banned process" || return 1
}

test_live_status_says_how()
{
	local banned how
	banned=$(_live_sleeper "$T_DIR/b")
	_live_policy "$T_DIR/p.policy" "$banned" "$T_DIR/none"
	load_ok "$T_DIR/p.policy" || return 1
	how=$(status_get protections.running-processes.how) || { fail "status: no running-processes"; return 1; }
	assert_match "$how" "SOCK_DESTROY|pidfd_getfd" "status: how sockets are closed" || return 1
	assert_eq "$(status_get protections.running-processes.state)" killed "state" || return 1
}

# Monitor mode blocks nothing: running processes are left alone too.
test_live_monitor_leaves_running()
{
	local banned nb bpid
	banned=$(_live_sleeper "$T_DIR/b")
	nb=$(make_nettest "$T_DIR/nb")
	_live_serve || return 1
	bg "$banned" 1000
	bpid=$BG_PID
	_live_hold "$nb" || return 1
	wait_until 5 test -e "/proc/$bpid/exe" || return 1
	_live_policy "$T_DIR/p.policy" "$banned" "$nb"
	load_ok --monitor "$T_DIR/p.policy" || return 1
	sleep 0.3
	_running "$bpid" || { fail "monitor mode: the banned process was killed"; return 1; }
	assert_no_file "$HOLD_RESULT" "monitor mode: the connection ended" || return 1
	assert_eq "$(status_get protections.running-processes.state)" open "state" || return 1
}

# An exception covers running processes as it covers new starts: the load
# leaves an exempt user's process of a deny exec app alive, and an exempt
# process of a deny network app keeps its connection; the same programs run
# by root (not covered) are ended and cut off.
test_live_exception_spares_running()
{
	local banned nb ready res epid rpid hpid
	chmod 755 "$T_DIR"
	banned=$(_live_sleeper "$T_DIR/b")
	nb=$(make_nettest "$T_DIR/nb")
	chmod -R a+rX "$T_DIR/b" "$T_DIR/nb"
	_live_serve || return 1
	bg setpriv --reuid 42001 --regid 42001 --clear-groups -- "$banned" 1000
	epid=$BG_PID
	bg "$banned" 1000
	rpid=$BG_PID
	mkdir -m 1777 "$T_DIR/x"
	ready="$T_DIR/x/ready"
	res="$T_DIR/x/result"
	bg setpriv --reuid 42001 --regid 42001 --clear-groups -- "$nb" hold inet "$SERVE_PORT" \
		"$ready" "$res"
	hpid=$BG_PID
	wait_until 5 test -s "$ready" || { fail "the exempt client did not connect"; return 1; }
	wait_until 5 test -e "/proc/$epid/exe" || return 1
	write_policy "$T_DIR/p.policy" <<EOF2
policy live-$T_ID
app killme {
    path $banned
    deny exec
}
app nonet {
    path $nb
    deny network
}
allow comms {
    app killme
    app nonet
    uid 42001
}
EOF2
	load_ok "$T_DIR/p.policy" || return 1
	_live_gone "the banned process run by root" "$rpid" || return 1
	_running "$epid" || { fail "the exempt user's process was killed"; return 1; }
	assert_contains "$AB_ERR" "1 killed" "load's summary" || return 1
	sleep 0.5
	[ ! -s "$res" ] || { fail "the exempt client's connection ended: $(<"$res")"; return 1; }
	_running "$hpid" || { fail "the exempt client was killed"; return 1; }
}
