# SPDX-License-Identifier: GPL-2.0
# The events of `appban run --json` (events.md): the policy-loaded first
# line, exec-blocked / exec-audited / network-blocked / network-audited and
# their fields, checked against what the test itself did.

# _dev_forms PATH: the encodings of the file's device that file.device may
# use: st_dev as user space has it, MAJOR:MINOR, the kernel's MAJOR<<20|MINOR
_dev_forms()
{
	"$PYTHON" -c '
import os, sys
d = os.stat(sys.argv[1]).st_dev
ma, mi = os.major(d), os.minor(d)
print(d, "%d:%d" % (ma, mi), (ma << 20) | mi)' "$1"
}

# assert_file_identity EVENT PATH: file.inode and file.device are PATH's
assert_file_identity()
{
	local ino dev form ok=0
	ino=$(json_get "$1" file.inode) || { fail "no file.inode in $(_short "$1")"; return 1; }
	assert_eq "$ino" "$(stat -c %i "$2")" "file.inode" || return 1
	dev=$(json_get "$1" file.device) || { fail "no file.device in $(_short "$1")"; return 1; }
	for form in $(_dev_forms "$2"); do
		[ "$dev" = "$form" ] && ok=1
	done
	[ "$ok" = 1 ] || { fail "file.device '$dev' is none of: $(_dev_forms "$2")"; return 1; }
}

# assert_process_name EVENT PATH: process.name is the comm of the process:
# the program's name (15 characters) once exec'd; with the lsm engine the exec
# is refused before comm changes, so the caller's comm ("spawn") is right too
assert_process_name()
{
	local name want
	name=$(json_get "$1" process.name) || { fail "no process.name"; return 1; }
	want=$(basename "$2")
	want=${want:0:15}
	if [ "$ENGINE" = lsm ] && [ "$name" = spawn ]; then
		return 0
	fi
	assert_eq "$name" "$want" "process.name" || return 1
}

test_events_policy_loaded_first()
{
	local prog first
	prog=$(make_marker "$T_DIR/bin")
	write_policy "$T_DIR/p.policy" <<EOF
policy first-line-$T_ID
serial 2023032401
app banned {
    path $prog
    deny exec
}
EOF
	run_start "$T_DIR/p.policy" || return 1
	first=$RUN_FIRST
	log "first line: $first"
	assert_fields "$first" \
		"event.action=policy-loaded" \
		"appban.policy.name=first-line-$T_ID" \
		"appban.policy.serial=2023032401" \
		"appban.engine=$ENGINE" \
		"event.kind=event" || return 1
	assert_match "$(json_get "$first" event.outcome)" '^(success|unknown)$' "policy-loaded event.outcome" || return 1
	# the line is there, so enforcement is in force
	assert_blocked "$prog" || return 1
	assert_field "$(status_json)" policy.name "first-line-$T_ID" || return 1
	run_stop INT
	assert_eq "$RUN_RC" 0 "run exit status on SIGINT" || return 1
	assert_events_valid "$RUN_OUT" || return 1
}

test_events_exec_blocked_fields()
{
	local prog ev
	prog=$(make_marker "$T_DIR/bin")
	write_policy "$T_DIR/p.policy" <<EOF
policy ev-exec-$T_ID
serial 7
app tiktok-like {
    path $prog
    deny exec
}
EOF
	run_start "$T_DIR/p.policy" || return 1
	assert_blocked "$prog" || return 1
	wait_event "$RUN_OUT" event.action=exec-blocked "process.pid=$SP_PID" || return 1
	ev=$EVENT
	log "event: $ev"
	local method=sigkill
	[ "$ENGINE" = lsm ] && method=eperm
	assert_fields "$ev" \
		"event.kind=alert" \
		'event.category=["process"]' \
		"event.outcome=failure" \
		"appban.engine=$ENGINE" \
		"appban.policy.name=ev-exec-$T_ID" \
		"appban.policy.serial=7" \
		"rule.name=tiktok-like" \
		"appban.match=path" \
		"appban.method=$method" \
		"process.pid=$SP_PID" \
		"process.parent.pid=$SP_PARENT" \
		"process.executable=$prog" \
		"user.id=0" \
		"group.id=0" || return 1
	# user.id and group.id are strings (ECS keyword): assert_events_valid
	assert_process_name "$ev" "$prog" || return 1
	assert_file_identity "$ev" "$prog" || return 1
	# exactly one event for one start
	assert_eq "$(ev_count "$RUN_OUT" event.action=exec-blocked "process.pid=$SP_PID")" 1 \
		"exec-blocked events for one start" || return 1
	assert_eq "$(status_get counters.exec_blocked)" 1 "counters.exec_blocked" || return 1
	run_stop INT
	assert_eq "$RUN_RC" 0 "run exit status" || return 1
	assert_events_valid "$RUN_OUT" || return 1
}

test_events_exec_blocked_other_user()
{
	local prog ev pub
	prog=$(make_marker "$T_DIR/bin")
	pub="$T_DIR/pub"
	mkdir -p "$pub" && chmod 1777 "$pub"
	write_policy "$T_DIR/p.policy" <<EOF
app banned {
    path $prog
    deny exec
}
EOF
	run_start "$T_DIR/p.policy" || return 1
	local line
	line=$(setpriv --reuid 65534 --regid 65534 --clear-groups \
		"$HELPERS/spawn" -o "$pub/out" "$prog")
	log "as uid 65534: $line"
	SP_PID=$(sed -n 's/.*pid=\([0-9]*\) .*/\1/p' <<<"$line")
	assert_eq "${line##*result=}" "$(blocked_result)" "exec by uid 65534" || return 1
	assert_empty "$(cat "$pub/out" 2>/dev/null)" "output of the blocked program" || return 1
	wait_event "$RUN_OUT" event.action=exec-blocked "process.pid=$SP_PID" || return 1
	ev=$EVENT
	assert_fields "$ev" \
		"user.id=65534" \
		"group.id=65534" || return 1
	run_stop INT
	assert_events_valid "$RUN_OUT" || return 1
}

test_events_match_kinds()
{
	local byname bydir name ev
	name=$(uniq_name)
	byname=$(make_marker "$T_DIR/n" "$name")
	bydir=$(make_marker "$T_DIR/d/sub")
	write_policy "$T_DIR/p.policy" <<EOF
app app-by-name {
    name $name
    deny exec
}
app app-by-dir {
    dir $T_DIR/d
    deny exec
}
EOF
	run_start "$T_DIR/p.policy" || return 1
	assert_blocked "$byname" || return 1
	wait_event "$RUN_OUT" event.action=exec-blocked "process.pid=$SP_PID" || return 1
	ev=$EVENT
	assert_fields "$ev" \
		"rule.name=app-by-name" \
		"appban.match=name" \
		"process.executable=$byname" || return 1
	assert_blocked "$bydir" || return 1
	wait_event "$RUN_OUT" event.action=exec-blocked "process.pid=$SP_PID" || return 1
	ev=$EVENT
	assert_fields "$ev" \
		"rule.name=app-by-dir" \
		"appban.match=dir" || return 1
	assert_file_identity "$ev" "$bydir" || return 1
	run_stop INT
	assert_events_valid "$RUN_OUT" || return 1
}

test_events_exec_audited()
{
	local audited ev
	audited=$(make_marker "$T_DIR/a")
	write_policy "$T_DIR/p.policy" <<EOF
policy audit-$T_ID
app watched {
    path $audited
    audit
}
EOF
	run_start "$T_DIR/p.policy" || return 1
	assert_runs "$audited" || return 1
	wait_event "$RUN_OUT" event.action=exec-audited "process.pid=$SP_PID" || return 1
	ev=$EVENT
	assert_fields "$ev" \
		"event.kind=event" \
		"event.outcome=success" \
		'event.category=["process"]' \
		"rule.name=watched" \
		"appban.match=path" \
		"process.executable=$audited" \
		"process.parent.pid=$SP_PARENT" || return 1
	assert_file_identity "$ev" "$audited" || return 1
	assert_eq "$(ev_count "$RUN_OUT" event.action=exec-blocked)" 0 "exec-blocked events" || return 1
	assert_eq "$(ev_count "$RUN_OUT" event.action=exec-audited "process.pid=$SP_PID")" 1 \
		"exec-audited events for one start" || return 1
	run_stop INT
	assert_events_valid "$RUN_OUT" || return 1
}

test_events_monitor_mode()
{
	local prog ev
	prog=$(make_marker "$T_DIR/bin")
	write_policy "$T_DIR/p.policy" <<EOF
policy monitor-$T_ID
mode monitor
app banned {
    path $prog
    deny exec
}
EOF
	run_start "$T_DIR/p.policy" || return 1
	assert_runs "$prog" || return 1
	wait_event "$RUN_OUT" event.action=exec-audited "process.pid=$SP_PID" || return 1
	ev=$EVENT
	assert_fields "$ev" \
		"event.kind=event" \
		"event.outcome=success" \
		"rule.name=banned" \
		"appban.policy.name=monitor-$T_ID" || return 1
	assert_eq "$(ev_count "$RUN_OUT" event.action=exec-blocked)" 0 "exec-blocked events in monitor mode" || return 1
	run_stop INT
	assert_events_valid "$RUN_OUT" || return 1
}

test_events_run_monitor_flag()
{
	# `run` takes the mode from the file; `load --monitor` is tested in t_exec
	local prog
	prog=$(make_marker "$T_DIR/bin")
	write_policy "$T_DIR/p.policy" <<EOF
app banned {
    path $prog
    deny exec
}
EOF
	run_start "$T_DIR/p.policy" || return 1
	assert_eq "$(status_get mode)" enforce "status mode" || return 1
	assert_blocked "$prog" || return 1
	run_stop TERM
	assert_eq "$RUN_RC" 0 "run exit status on SIGTERM" || return 1
}

test_events_network_blocked_fields()
{
	local nb nu ev tcp udp
	nb=$(make_nettest "$T_DIR/banned")
	nu=$(make_nettest "$T_DIR/free")
	listen_start inet tcp || return 1
	tcp=$PORT
	listen_start inet udp || return 1
	udp=$PORT
	write_policy "$T_DIR/p.policy" <<EOF
policy ev-net-$T_ID
app nonet {
    path $nb
    deny network
}
EOF
	run_start "$T_DIR/p.policy" || return 1

	# socket(): hook socket
	assert_net_eperm "socket" "$nb" socket inet tcp || return 1
	wait_event "$RUN_OUT" event.action=network-blocked "process.pid=$NET_PID" || return 1
	ev=$EVENT
	log "event: $ev"
	assert_fields "$ev" \
		"event.kind=alert" \
		'event.category=["network"]' \
		"event.outcome=failure" \
		"appban.hook=socket" \
		"rule.name=nonet" \
		"appban.match=path" \
		"appban.policy.name=ev-net-$T_ID" \
		"process.executable=$nb" \
		"process.name=$(basename "$nb" | cut -c1-15)" \
		"user.id=0" \
		"network.type=ipv4" \
		"network.transport=tcp" || return 1

	# socket(AF_INET6, SOCK_DGRAM)
	assert_net_eperm "socket inet6" "$nb" socket inet6 udp || return 1
	wait_event "$RUN_OUT" event.action=network-blocked "process.pid=$NET_PID" || return 1
	assert_fields "$EVENT" \
		"appban.hook=socket" \
		"network.type=ipv6" \
		"network.transport=udp" || return 1

	# connect() on a passed-in socket: hook connect, with the destination
	assert_net_eperm "passed socket, connect" "$nu" --pass "$nb" connect inet tcp "$tcp" || return 1
	wait_event "$RUN_OUT" event.action=network-blocked "process.pid=$NET_PID" || return 1
	ev=$EVENT
	log "event: $ev"
	assert_fields "$ev" \
		"appban.hook=connect" \
		"destination.ip=127.0.0.1" \
		"destination.port=$tcp" \
		"network.type=ipv4" \
		"network.transport=tcp" \
		"process.executable=$nb" || return 1

	# sendto() on a passed-in UDP socket: hook sendmsg
	assert_net_eperm "passed socket, sendto" "$nu" --pass "$nb" sendto inet "$udp" || return 1
	wait_event "$RUN_OUT" event.action=network-blocked "process.pid=$NET_PID" || return 1
	ev=$EVENT
	log "event: $ev"
	assert_fields "$ev" \
		"appban.hook=sendmsg" \
		"destination.ip=127.0.0.1" \
		"destination.port=$udp" \
		"network.transport=udp" || return 1

	assert_eq "$(ev_count "$RUN_OUT" event.action=network-blocked)" 4 "network-blocked events" || return 1
	assert_eq "$(status_get counters.network_blocked)" 4 "counters.network_blocked" || return 1
	run_stop INT
	assert_events_valid "$RUN_OUT" || return 1
}

test_events_network_audited()
{
	local nb ev
	nb=$(make_nettest "$T_DIR/monitored")
	listen_start inet tcp || return 1
	write_policy "$T_DIR/p.policy" <<EOF
mode monitor
app nonet {
    path $nb
    deny network
}
EOF
	run_start "$T_DIR/p.policy" || return 1
	assert_net_ok "monitored connect" "$nb" connect inet tcp "$PORT" || return 1
	wait_event "$RUN_OUT" event.action=network-audited "process.pid=$NET_PID" || return 1
	ev=$EVENT
	log "event: $ev"
	assert_fields "$ev" \
		"event.kind=event" \
		"event.outcome=success" \
		'event.category=["network"]' \
		"rule.name=nonet" || return 1
	assert_eq "$(ev_count "$RUN_OUT" event.action=network-blocked)" 0 "network-blocked events" || return 1
	run_stop INT
	assert_events_valid "$RUN_OUT" || return 1
}

test_events_follower()
{
	# `appban events --json` follows what the running `run` streams
	local prog follow
	prog=$(make_marker "$T_DIR/bin")
	write_policy "$T_DIR/p.policy" <<EOF
app banned {
    path $prog
    deny exec
}
EOF
	run_start "$T_DIR/p.policy" || return 1
	follow="$T_DIR/follow.jsonl"
	bg "$APPBAN" events --json >"$follow" 2>"$T_DIR/follow.err"
	local fpid=$BG_PID
	sleep 0.5
	if ! kill -0 "$fpid" 2>/dev/null; then
		wait "$fpid"
		local rc=$?
		if [ "$rc" = 2 ] && grep -q "not available in this version" "$T_DIR/follow.err"; then
			skip "appban events: $(head -n1 "$T_DIR/follow.err")"
		fi
		fail "appban events exited $rc: $(_short "$(cat "$T_DIR/follow.err")")"
		return 1
	fi
	assert_blocked "$prog" || return 1
	wait_event "$follow" event.action=exec-blocked "process.pid=$SP_PID" || return 1
	wait_event "$RUN_OUT" event.action=exec-blocked "process.pid=$SP_PID" || return 1
	stop_pid "$fpid" INT
	run_stop INT
	assert_events_valid "$follow" || return 1
}
