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

# _py_expr JSON EXPR: print EXPR over the object o (lists, nested keys)
_py_expr()
{
	"$PYTHON" -I -S -c 'import json, sys
o = json.loads(sys.argv[1])
v = eval(sys.argv[2])
print(v if isinstance(v, str) else json.dumps(v))' "$1" "$2" 2>/dev/null
}

# _followers_are N: the daemon's status lists N followers
_followers_are()
{
	local s
	s=$("$APPBAN" status --json 2>/dev/null)
	[ "$(_py_expr "$s" 'len(o["daemon"]["followers"])')" = "$1" ]
}

# _follow NAME [--json]: `appban events` into $T_DIR/NAME.out in the
# background; FOLLOW_PID
_follow()
{
	local name=$1
	shift
	bg "$APPBAN" events "$@" >"$T_DIR/$name.out" 2>"$T_DIR/$name.err"
	FOLLOW_PID=$BG_PID
}

# _daemon_with_ban: a daemon (its own control socket) with a base policy
# banning $BANNED in force
_daemon_with_ban()
{
	_daemon_setup || return 1
	daemon_start || return 1
	_drop fleet "$(_base fleet 1)" || return 1
	wait_blocked || return 1
	dwait_loaded appban.policy.name=fleet
}

# _wait_end PID: wait (5 s x T_SLOW) for a process of ours to end by
# itself; STOP_RC its exit status
_wait_end()
{
	wait_until 5 _ended "$1" || { fail "pid $1 did not end"; return 1; }
	wait "$1" 2>/dev/null
	STOP_RC=$?
}

_ended()
{
	! _running "$1"
}

# _same_records DAEMON_OUT FOLLOWER_OUT: the follower's records are the
# daemon's from the follower's first on, all of them, in the same order
_same_records()
{
	"$PYTHON" -I -S -c 'import json, sys
def recs(f):
    return [json.dumps(json.loads(l), sort_keys=True) for l in open(f) if l.endswith("\n")]
d, a = recs(sys.argv[1]), recs(sys.argv[2])
i = d.index(a[0]) if a and a[0] in d else -1
if i < 0 or a != d[i:]:
    print("follower: %d records, daemon: %d from its first (%d)" % (len(a), len(d) - i, i))
    sys.exit(1)' "$1" "$2"
}

# _after FILE N: FILE's lines after the first N, into FILE.after
_after()
{
	tail -n +$(($2 + 1)) "$1" >"$1.after"
}

test_events_follower()
{
	# two followers of `appban daemon`, one JSON, one text, get every
	# record, the same as the daemon's own output, until it stops
	local a b i n=20 got before
	_daemon_with_ban || return 1
	_follow a --json
	a=$FOLLOW_PID
	_follow b
	b=$FOLLOW_PID
	wait_until 5 _followers_are 2 ||
		{ fail "the daemon does not list 2 followers: $(_short "$(<"$T_DIR/a.err")")"; return 1; }
	before=$(wc -l <"$DAEMON_OUT")
	: >"$T_DIR/pids"
	for ((i = 0; i < n; i++)); do
		spawn "$BANNED" >/dev/null
		[ "$SP_RESULT" = "$(blocked_result)" ] || { fail "banned start $i: $SP_RESULT"; return 1; }
		echo "$SP_PID" >>"$T_DIR/pids"
	done
	wait_until 5 _ev_at_least "$n" "$T_DIR/a.out" event.action=exec-blocked
	got=$(ev_count "$T_DIR/a.out" event.action=exec-blocked rule.name=banned-by-daemon)
	assert_eq "$got" "$n" "exec-blocked records of the JSON follower" || return 1
	_after "$DAEMON_OUT" "$before"
	assert_eq "$(ev_count "$DAEMON_OUT.after" event.action=exec-blocked)" "$n" "exec-blocked records of the daemon since" || return 1
	# every start by its pid, in both followers
	wait_until 5 _lines_at_least "$n" "$T_DIR/b.out" ' exec-blocked '
	while read -r i; do
		[ "$(ev_count "$T_DIR/a.out" event.action=exec-blocked "process.pid=$i")" = 1 ] ||
			{ fail "JSON follower: no exec-blocked of pid $i"; return 1; }
		grep -q " exec-blocked app banned-by-daemon (path) pid $i " "$T_DIR/b.out" ||
			{ fail "text follower: no exec-blocked of pid $i: $(_short "$(tail -n 3 "$T_DIR/b.out")")"; return 1; }
	done <"$T_DIR/pids"
	assert_eq "$(grep -c ' exec-blocked ' "$T_DIR/b.out")" "$n" "exec-blocked lines of the text follower" || return 1
	wait_until 5 _same_records "$DAEMON_OUT" "$T_DIR/a.out" ||
		{ fail "the JSON follower's records are not the daemon's"; return 1; }
	# SIGTERM: the followers get daemon-stopped, then end with status 0
	stop_pid "$DAEMON_PID" TERM
	assert_eq "$STOP_RC" 0 "daemon's exit status" || return 1
	_wait_end "$a" || return 1
	assert_eq "$STOP_RC" 0 "JSON follower's exit status at the daemon's end ($(_short "$(<"$T_DIR/a.err")"))" || return 1
	_wait_end "$b" || return 1
	assert_eq "$STOP_RC" 0 "text follower's exit status at the daemon's end" || return 1
	_same_records "$DAEMON_OUT" "$T_DIR/a.out" ||
		{ fail "the JSON follower's records are not the daemon's, at the end"; return 1; }
	assert_eq "$(tail -n 1 "$T_DIR/a.out" | grep -c '"event.action":"daemon-stopped"')" 1 \
		"the JSON follower's last record is daemon-stopped" || return 1
	assert_match "$(tail -n 1 "$T_DIR/b.out")" " daemon-stopped" "the text follower's last line" || return 1
	assert_events_valid "$T_DIR/a.out" || return 1
	assert_events_valid "$DAEMON_OUT" || return 1
	ab unload
}

# _lines_at_least N FILE PATTERN: for wait_until
_lines_at_least()
{
	[ "$(grep -c -e "$3" "$2")" -ge "$1" ]
}

_flood_accounted_in()
{
	local got lost
	got=$(ev_count "$2" event.action=exec-blocked)
	lost=$(ev_sum "$2" appban.lost event.action=events-lost)
	[ $((got + lost)) -ge "$1" ]
}

test_events_follower_stopped_is_cut_off()
{
	# a follower that does not read (SIGSTOP) is cut off with a count of
	# what it missed, while the other follower and the daemon's own output
	# get everything, and banned starts stay blocked
	local a b n=${APPBAN_FOLLOW_FLOOD_N:-1500} before res d_after b_recs lost st
	# a follower's buffer of 64 KiB instead of 1 MiB (tests only): ~100
	# records, then the socket's ~200 KiB; 1500 records fill both, also in
	# the VM where starts are slow
	export APPBAN_TEST_FOLLOW_BUFFER=65536
	_daemon_with_ban || return 1
	_follow a --json
	a=$FOLLOW_PID
	_follow b --json
	b=$FOLLOW_PID
	wait_until 5 _followers_are 2 || { fail "the daemon does not list 2 followers"; return 1; }
	before=$(wc -l <"$DAEMON_OUT")
	kill -STOP "$b"
	defer "kill -CONT $b 2>/dev/null"
	res=$("$HELPERS/flood" -n "$n" -j 4 "$BANNED")
	log "flood: $res"
	assert_eq "$(sed -n 's/.*ran=\([0-9]*\).*/\1/p' <<<"$res")" 0 "banned starts that ran" || return 1
	wait_until 20 _flood_accounted_in "$n" "$DAEMON_OUT" ||
		{ fail "the daemon's output does not account for $n starts"; return 1; }
	# the follower that reads has every record of the daemon's output
	wait_until 10 _flood_accounted_in "$n" "$T_DIR/a.out" ||
		{ fail "the reading follower does not account for $n starts: $(_short "$(<"$T_DIR/a.err")")"; return 1; }
	wait_until 5 _same_records "$DAEMON_OUT" "$T_DIR/a.out" ||
		{ fail "the reading follower's records are not the daemon's"; return 1; }
	# the daemon says the stopped one is cut off
	st=$("$APPBAN" status --json)
	assert_eq "$(_py_expr "$st" '[f["cut_off"] for f in o["daemon"]["followers"] if f["pid"] == '"$b"']')" \
		"[true]" "status: the stopped follower is cut off" || return 1
	# still enforcing, still streaming, to both the daemon and the reader
	spawn "$BANNED" >/dev/null
	assert_eq "$SP_RESULT" "$(blocked_result)" "a banned start after the cut" || return 1
	wait_event "$T_DIR/a.out" event.action=exec-blocked "process.pid=$SP_PID" || return 1
	wait_event "$DAEMON_OUT" event.action=exec-blocked "process.pid=$SP_PID" || return 1
	# woken up, the stopped one reads what was queued, then its count
	kill -CONT "$b"
	_wait_end "$b" || return 1
	assert_eq "$STOP_RC" 1 "exit status of the follower cut off" || return 1
	assert_match "$(<"$T_DIR/b.err")" "cut off by the daemon.* [0-9]+ record\(s\) missed" "its message" || return 1
	assert_eq "$(tail -n 1 "$T_DIR/b.out" | grep -c '"appban.sink":"follower"')" 1 \
		"its last record is events-lost for the follower" || return 1
	lost=$(_py_expr "$(tail -n 1 "$T_DIR/b.out")" 'o["appban.lost"]')
	assert_gt "$lost" 0 "records it missed" || return 1
	# what it got plus what it missed is what the daemon wrote meanwhile
	d_after=$(($(wc -l <"$DAEMON_OUT") - before))
	b_recs=$(($(wc -l <"$T_DIR/b.out") - 1))
	log "daemon wrote $d_after records since, the stopped follower got $b_recs and missed $lost"
	assert_eq "$((b_recs + lost))" "$d_after" "records got + missed by the follower cut off" || return 1
	assert_events_valid "$T_DIR/b.out" || return 1
	stop_pid "$DAEMON_PID" TERM
	_wait_end "$a" || return 1
	assert_eq "$STOP_RC" 0 "the reading follower's exit status" || return 1
	assert_events_valid "$T_DIR/a.out" || return 1
	assert_events_valid "$DAEMON_OUT" || return 1
	ab unload
}

test_events_without_daemon()
{
	# `appban events` with no daemon: a clear message and exit status 4
	export APPBAN_SOCKET=$T_DIR/appban.sock
	ab events --json
	assert_eq "$AB_RC" 4 "exit status without a daemon" || return 1
	assert_match "$AB_ERR" "no appban daemon runs: nothing answers on $T_DIR/appban.sock" "message" || return 1
	assert_empty "$AB_OUT" "output" || return 1
	# a socket left behind by a daemon that died: the same
	"$PYTHON" -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$APPBAN_SOCKET" ||
		{ fail "cannot make a stale socket"; return 1; }
	ab events
	assert_eq "$AB_RC" 4 "exit status with a stale socket" || return 1
	assert_match "$AB_ERR" "no appban daemon runs" "message" || return 1
}

test_events_follower_refused_to_other_users()
{
	# the control socket is root's (0600): another user is refused at
	# connect, told why; a second daemon on the same socket is refused
	# and the first goes on
	local a err2
	_daemon_with_ban || return 1
	assert_eq "$(stat -c %a "$APPBAN_SOCKET")" 600 "the socket's mode" || return 1
	setpriv --reuid 65534 --regid 65534 --clear-groups -- "$APPBAN" events --json \
		>"$T_DIR/nobody.out" 2>"$T_DIR/nobody.err"
	assert_eq "$?" 3 "exit status of a follower of another user" || return 1
	assert_match "$(<"$T_DIR/nobody.err")" "cannot connect to $APPBAN_SOCKET: Permission denied \(the daemon's socket is root's\)" \
		"its message" || return 1
	assert_empty "$(<"$T_DIR/nobody.out")" "its output" || return 1
	"$APPBAN" daemon --config "$CONF" >"$T_DIR/second.out" 2>"$T_DIR/second.err"
	assert_eq "$?" 2 "exit status of a second daemon on the same socket" || return 1
	err2=$(<"$T_DIR/second.err")
	assert_match "$err2" "another appban daemon answers on $APPBAN_SOCKET" "its message" || return 1
	_running "$DAEMON_PID" || { fail "the first daemon stopped"; return 1; }
	_follow a --json
	a=$FOLLOW_PID
	wait_until 5 _followers_are 1 || { fail "the first daemon does not answer any more"; return 1; }
	stop_pid "$DAEMON_PID" TERM
	_wait_end "$a" || return 1
	assert_eq "$STOP_RC" 0 "the follower's exit status" || return 1
	ab unload
}
