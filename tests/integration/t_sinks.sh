# SPDX-License-Identifier: GPL-2.0
# The daemon's sinks (docs/sinks.md) with real receiving daemons started by
# the test on loopback: rsyslogd (unix socket, UDP, TCP, and the documented
# forwarding), systemd-journald, auditd; the file sink's rotation, gzip,
# reopen and full disk; the rate limit. Records are counted end to end.
# host-only: the sinks take records after the engine made them (one code path for both engines; events_* runs in the VM)

# _sk_setup: a configuration in T_DIR ($CONF: state and policy directories,
# then what the test appends), a banned copy of the marker ($BANNED) whose
# app name is unique to this test ($APP), the policy already dropped
_sk_setup()
{
	PDIR=$T_DIR/policy.d SDIR=$T_DIR/state CONF=$T_DIR/appban.conf
	mkdir -p "$PDIR" "$T_DIR/none"
	printf 'state-dir %s\npolicy-dir %s\nheartbeat 3600\n' "$SDIR" "$PDIR" >"$CONF"
	BANNED=$(make_marker "$T_DIR/bin") || return 1
	APP=sinks-$T_ID
	export APPBAN_SCAN_ROOTS=$T_DIR/none APPBAN_HASH_CACHE=$T_DIR/hashes
	printf 'policy sinks-%s\nserial 1\napp %s {\n    path %s\n    deny exec\n}\n' \
		"$T_ID" "$APP" "$BANNED" >"$T_DIR/p.policy"
	mv "$T_DIR/p.policy" "$PDIR/sinks.policy"
}

# _sk_start: the daemon, waited for until the policy is in force
_sk_start()
{
	sed 's/^/#   conf| /' "$CONF"
	DAEMON_OUT=$T_DIR/daemon.jsonl DAEMON_ERR=$T_DIR/daemon.err
	: >"$DAEMON_OUT"
	bg "$APPBAN" daemon --config "$CONF" >"$DAEMON_OUT" 2>"$DAEMON_ERR"
	DAEMON_PID=$BG_PID
	defer "kill -TERM $DAEMON_PID 2>/dev/null"
	wait_until 15 _sk_blocking || {
		fail "the daemon did not enforce: $(_short "$(<"$DAEMON_ERR")")"
		return 1
	}
	# the start that found the policy in force was one exec-blocked
	BLOCKED=1
	engine_refresh
}

_sk_blocking()
{
	_running "$DAEMON_PID" || return 0
	grep -q '"rule.name":"'"$APP"'"' "$DAEMON_OUT" && return 0
	spawn "$BANNED" >/dev/null
	[ "$SP_RESULT" != exit:0 ]
}

# _sk_ban N: N starts of the banned copy (all stopped); BLOCKED := how many
# exec-blocked records the daemon must have made in all for this app
_sk_ban()
{
	local res k e
	res=$("$HELPERS/flood" -n "$1" -j 2 "$BANNED")
	log "flood: $res"
	[[ "$res" =~ killed=([0-9]+)\ eperm=([0-9]+) ]] || { fail "flood said '$res'"; return 1; }
	k=${BASH_REMATCH[1]} e=${BASH_REMATCH[2]}
	assert_eq "$((k + e))" "$1" "starts stopped" || return 1
	BLOCKED=$((${BLOCKED:-0} + $1))
}

# _sk_count FILE: exec-blocked records of this test's app in JSON lines
_sk_count()
{
	ev_count "$1" event.action=exec-blocked "rule.name=$APP"
}

# _sk_out_has N: the daemon's standard output has N exec-blocked of the app
_sk_out_has()
{
	[ "$(_sk_count "$DAEMON_OUT")" -ge "$1" ]
}

# _sk_stop: SIGTERM, exit 0 (each sink writes what it has queued first)
_sk_stop()
{
	stop_pid "$DAEMON_PID" TERM
	assert_eq "$STOP_RC" 0 "daemon's exit status: $(_short "$(<"$DAEMON_ERR")")"
}

# _free_port tcp|udp: a port of 127.0.0.1 free now
_free_port()
{
	"$PYTHON" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM if sys.argv[1] == "tcp" else socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])' "$1"
}

test_sink_file_rotation_gzip()
{
	local log=$T_DIR/log/events.json n all f
	_sk_setup || return 1
	mkdir -p "$T_DIR/log"
	printf 'sink file %s {\n    max-size 4K\n    keep 50\n    compress yes\n}\n' "$log" >>"$CONF"
	_sk_start || return 1
	_sk_ban 40 || return 1
	wait_until 10 _sk_out_has "$BLOCKED" || { fail "daemon output: $(_sk_count "$DAEMON_OUT") of $BLOCKED"; return 1; }
	_sk_stop || return 1
	ls -l "$T_DIR/log" | sed 's/^/#   /'
	assert_eq "$(stat -c %a "$log")" 640 "mode of the events file" || return 1
	assert_file "$log.1" "the last rotated file, not compressed" || return 1
	assert_file "$log.2.gz" || return 1
	assert_no_file "$log.2" "an uncompressed .2 left" || return 1
	for f in "$log".*.gz; do
		gzip -t "$f" || { fail "$f is not valid gzip"; return 1; }
		assert_le "$(stat -c %s "$f")" 4096 "size of $f" || return 1
	done
	# every record, once, in the files read back in order
	all=$T_DIR/all.jsonl
	: >"$all"
	for ((n = 50; n >= 2; n--)); do
		[ -f "$log.$n.gz" ] && gzip -dc "$log.$n.gz" >>"$all"
	done
	cat "$log.1" "$log" >>"$all"
	assert_le "$(stat -c %s "$log")" 4096 "size of the current file" || return 1
	assert_eq "$(_sk_count "$all")" "$BLOCKED" "exec-blocked records in the file sink" || return 1
	assert_eq "$(ev_count "$all" event.action=daemon-stopped)" 1 "daemon-stopped" || return 1
	assert_eq "$(wc -l <"$all")" "$(wc -l <"$DAEMON_OUT")" "lines: file sink vs standard output" || return 1
	assert_events_valid "$all"
}

test_sink_file_reopen_after_move_and_copytruncate()
{
	local log=$T_DIR/events.json
	_sk_setup || return 1
	printf 'sink file %s\n' "$log" >>"$CONF"
	_sk_start || return 1
	_sk_ban 5 || return 1
	wait_until 10 _sk_out_has "$BLOCKED" || return 1
	wait_until 5 _sk_file_has "$log" "$BLOCKED" || { fail "file sink: $(_sk_count "$log") of $BLOCKED"; return 1; }
	# logrotate's default: moved away, then the writer must reopen
	mv "$log" "$log.moved"
	_sk_ban 5 || return 1
	wait_until 10 _sk_file_has "$log" 5 ||
		{ fail "no new file after a move: $(ls "$T_DIR")"; return 1; }
	assert_eq "$(_sk_count "$log.moved")" 6 "records in the moved file" || return 1
	# removed
	rm -f "$log"
	_sk_ban 3 || return 1
	wait_until 10 _sk_file_has "$log" 3 || { fail "no new file after rm"; return 1; }
	# copytruncate: copied, then cut to 0 under the writer
	cp "$log" "$log.copy" && truncate -s 0 "$log"
	_sk_ban 4 || return 1
	wait_until 10 _sk_file_has "$log" 4 || return 1
	_sk_stop || return 1
	assert_eq "$(_sk_count "$log")" 4 "records after copytruncate" || return 1
	assert_eq "$(tr -d '\n' <"$log" | tr -d '\000' | wc -c)" "$(tr -d '\n' <"$log" | wc -c)" \
		"no NUL bytes (no hole) after copytruncate" || return 1
	assert_events_valid "$log"
}

_sk_file_has()
{
	[ -f "$1" ] && [ "$(_sk_count "$1")" -ge "$2" ]
}

test_sink_file_full_disk_loses_for_itself_only()
{
	local full=$T_DIR/full log2=$T_DIR/other.json lost written fit
	_sk_setup || return 1
	mkdir -p "$full"
	mount -t tmpfs -o size=256k tmpfs "$full" || { fail "cannot mount a tmpfs"; return 1; }
	T_MOUNTS+=("$full")
	printf 'sink file %s/events.json\nsink file %s\n' "$full" "$log2" >>"$CONF"
	_sk_start || return 1
	_sk_ban 3 || return 1
	wait_until 10 _sk_file_has "$full/events.json" "$BLOCKED" || return 1
	# the disk full: 10 records cannot be written, but for those that fit in
	# what is left of the file's last page (an exec-blocked record is more
	# than 600 bytes)
	dd if=/dev/zero of="$full/filler" bs=4k 2>/dev/null
	fit=$(( ((4096 - $(stat -c %s "$full/events.json") % 4096) % 4096) / 600 ))
	_sk_ban 10 || return 1
	wait_until 10 _sk_file_has "$log2" "$BLOCKED" || { fail "the other sink was held back"; return 1; }
	wait_until 10 grep -q 'cannot write' "$DAEMON_ERR" || { fail "no error said"; return 1; }
	# space again: the next write works and says what was lost
	rm -f "$full/filler"
	_sk_ban 2 || return 1
	wait_until 10 _sk_file_has "$full/events.json" $((BLOCKED - 10)) || return 1
	_sk_stop || return 1
	grep 'sink file' "$DAEMON_ERR" | sed 's/^/#   /'
	lost=$(ev_sum "$full/events.json" appban.lost event.action=events-lost \
		"appban.sink=file $full/events.json")
	written=$(_sk_count "$full/events.json")
	log "full disk sink: written $written, lost $lost (of $BLOCKED)"
	assert_eq "$((written + lost))" "$BLOCKED" "written + lost by the full sink" || return 1
	assert_ge "$lost" $((10 - fit)) "appban.lost of its events-lost record (at most $fit fit in the last page)" || return 1
	assert_eq "$(_sk_count "$log2")" "$BLOCKED" "the other sink has every record" || return 1
	assert_eq "$(ev_count "$log2" event.action=events-lost)" 0 "the other sink lost none" || return 1
	assert_events_valid "$full/events.json"
}

# ---------------------------------------------------------------- rsyslog

# _rsyslog_start: rsyslogd -n with a unix socket, UDP and TCP inputs on
# 127.0.0.1, each writing the raw messages to a file of its own; the
# documented forwarding (docs/examples/rsyslog-appban.conf) on the unix
# socket, to its own TCP input (central.log). RS_SOCK, RS_UDP,
# RS_TCP, RS_DIR.
_rsyslog_start()
{
	RS_DIR=$T_DIR/rsyslog
	mkdir -p "$RS_DIR/work"
	RS_SOCK=$RS_DIR/log.sock RS_UDP=$(_free_port udp) RS_TCP=$(_free_port tcp)
	RS_CENTRAL=$(_free_port tcp)
	sed -e "s/siem.example.org/127.0.0.1/" -e "s/port=\"514\"/port=\"$RS_CENTRAL\"/" \
		-e "s|appban-fwd|fwd|" -e "s|/run/rsyslog-appban.sock|$RS_DIR/appban.sock|" \
		"$INTEG_DIR/../../docs/examples/rsyslog-appban.conf" >"$RS_DIR/forward.conf"
	cat >"$RS_DIR/rsyslog.conf" <<EOF2
global(workDirectory="$RS_DIR/work" maxMessageSize="64k")
module(load="imuxsock" SysSock.Use="off")
module(load="imudp")
module(load="imtcp")
template(name="raw" type="string" string="%rawmsg%\n")
input(type="imuxsock" Socket="$RS_SOCK" UseSpecialParser="off" RateLimit.Interval="0" ruleset="unix")
input(type="imudp" address="127.0.0.1" port="$RS_UDP" ruleset="udp")
input(type="imtcp" address="127.0.0.1" port="$RS_TCP" ruleset="tcp")
input(type="imtcp" address="127.0.0.1" port="$RS_CENTRAL" ruleset="central")
ruleset(name="udp") { action(type="omfile" file="$RS_DIR/udp.log" template="raw") }
ruleset(name="tcp") { action(type="omfile" file="$RS_DIR/tcp.log" template="raw") }
ruleset(name="central") { action(type="omfile" file="$RS_DIR/central.log" template="raw") }
ruleset(name="unix") { action(type="omfile" file="$RS_DIR/unix.log" template="raw") }
include(file="$RS_DIR/forward.conf")
EOF2
	rsyslogd -N1 -f "$RS_DIR/rsyslog.conf" >"$RS_DIR/check.out" 2>&1 ||
		{ fail "rsyslogd -N1: $(_short "$(<"$RS_DIR/check.out")")"; return 1; }
	bg rsyslogd -n -f "$RS_DIR/rsyslog.conf" -i "$RS_DIR/rsyslogd.pid"
	RS_PID=$BG_PID
	wait_until 10 test -S "$RS_SOCK" || { fail "rsyslogd made no socket"; return 1; }
}

# _rs_count FILE: messages of this test's app with MSGID exec-blocked
_rs_count()
{
	[ -f "$1" ] || { echo 0; return; }
	grep -c " appban [0-9]* exec-blocked - {.*\"rule.name\":\"$APP\"" "$1"
}

_rs_has()
{
	[ "$(_rs_count "$1")" -ge "$2" ]
}

test_sink_syslog_rsyslogd_unix_udp_tcp()
{
	local f line pri n_udp
	command -v rsyslogd >/dev/null || { fail "rsyslogd not installed (scripts/deps.sh test)"; return 1; }
	_sk_setup || return 1
	_rsyslog_start || return 1
	{
		printf 'sink syslog unix:%s\n' "$RS_SOCK"
		printf 'sink syslog unix:%s/appban.sock\n' "$RS_DIR"
		printf 'sink syslog udp:127.0.0.1:%s {\n    facility local3\n}\n' "$RS_UDP"
		printf 'sink syslog tcp:127.0.0.1:%s\n' "$RS_TCP"
	} >>"$CONF"
	_sk_start || return 1
	_sk_ban 30 || return 1
	wait_until 10 _sk_out_has "$BLOCKED" || return 1
	for f in unix tcp central; do
		wait_until 10 _rs_has "$RS_DIR/$f.log" "$BLOCKED" ||
			{ fail "rsyslog $f: $(_rs_count "$RS_DIR/$f.log") of $BLOCKED"; return 1; }
	done
	wait_until 5 _rs_has "$RS_DIR/udp.log" "$BLOCKED"
	n_udp=$(_rs_count "$RS_DIR/udp.log")
	log "UDP: $n_udp of $BLOCKED arrived (loss allowed: at most 3)"
	assert_ge "$n_udp" $((BLOCKED - 3)) "UDP messages" || return 1
	# RFC 5424: authpriv (10) warning (4) = <84>; local3 (19) = <156>;
	# APP-NAME appban, PROCID the daemon, MSGID the action, MSG the record
	line=$(grep -m1 " exec-blocked - {.*$APP" "$RS_DIR/unix.log")
	log "unix: $line"
	assert_match "$line" "^<84>1 [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{6}Z [^ ]+ appban $DAEMON_PID exec-blocked - \{\"@timestamp\"" \
		"RFC 5424 header" || return 1
	json_valid "${line#* exec-blocked - }" || { fail "MSG is not the JSON record"; return 1; }
	line=$(grep -m1 " exec-blocked - {.*$APP" "$RS_DIR/udp.log")
	assert_match "$line" "^<156>1 " "facility local3" || return 1
	pri=$(grep -m1 ' daemon-started - ' "$RS_DIR/tcp.log")
	assert_match "$pri" "^<86>1 " "info for a record that is no alert" || return 1
	line=$(grep -m1 " exec-blocked - {.*$APP" "$RS_DIR/central.log")
	assert_match "$line" "^<84>1 .* appban [0-9]+ exec-blocked - \{" "forwarded by the documented rule" || return 1
	# TCP: rsyslog stopped and started again; the sink reconnects
	stop_pid "$RS_PID" TERM
	_sk_ban 5 || return 1
	bg rsyslogd -n -f "$RS_DIR/rsyslog.conf" -i "$RS_DIR/rsyslogd.pid"
	RS_PID=$BG_PID
	wait_until 20 _rs_has "$RS_DIR/tcp.log" "$BLOCKED" ||
		{ fail "TCP after a restart of rsyslogd: $(_rs_count "$RS_DIR/tcp.log") of $BLOCKED"; return 1; }
	wait_until 20 _rs_has "$RS_DIR/unix.log" "$BLOCKED" ||
		{ fail "unix after a restart of rsyslogd: $(_rs_count "$RS_DIR/unix.log") of $BLOCKED"; return 1; }
	_sk_stop
}

test_sink_stuck_receiver_holds_back_no_other_sink()
{
	local sock=$T_DIR/stuck.sock ready=$T_DIR/stuck.ready t0 t1
	_sk_setup || return 1
	# a syslog "daemon" that never reads: its queue (net.unix.max_dgram_qlen)
	# fills at once and the sink's sends wait
	bg "$PYTHON" -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[2], "w").write("ok")
time.sleep(3600)' "$sock" "$ready"
	wait_until 5 test -s "$ready" || { fail "the stuck receiver did not start"; return 1; }
	printf 'sink syslog unix:%s\nsink file %s/events.json\n' "$sock" "$T_DIR" >>"$CONF"
	_sk_start || return 1
	_sk_ban 200 || return 1
	wait_until 10 _sk_out_has "$BLOCKED" || return 1
	wait_until 10 _sk_file_has "$T_DIR/events.json" "$BLOCKED" ||
		{ fail "the file sink waited for the stuck one: $(_sk_count "$T_DIR/events.json") of $BLOCKED"; return 1; }
	# at exit, the stuck sink gives up what it holds, counted
	t0=$(now_ms)
	_sk_stop || return 1
	t1=$(now_ms)
	log "daemon stopped in $((t1 - t0)) ms with a stuck sink"
	grep 'sink syslog' "$DAEMON_ERR" | sed 's/^/#   /'
	assert_match "$(<"$DAEMON_ERR")" "sink syslog unix:$sock: [0-9]+ records written, [1-9][0-9]* lost" \
		"the stuck sink's losses said at exit" || return 1
}

# ---------------------------------------------------------------- journald

test_sink_journald()
{
	local out n j started=0
	command -v journalctl >/dev/null || { fail "journalctl not installed"; return 1; }
	_sk_setup || return 1
	if ! _jd_listens; then
		# no systemd here: a journald of the test's own, stopped at the end
		# (a socket left by an earlier one may be there, with no one on it)
		bg /lib/systemd/systemd-journald
		BG_PID_JD=$BG_PID
		started=1
		wait_until 10 _jd_listens || { fail "systemd-journald does not listen"; return 1; }
	fi
	log "journald started by the test: $started"
	printf 'sink journald\n' >>"$CONF"
	_sk_start || return 1
	_sk_ban 20 || return 1
	wait_until 10 _sk_out_has "$BLOCKED" || return 1
	wait_until 10 _jd_has "$BLOCKED" || { fail "journal: $(_jd_count) of $BLOCKED"; return 1; }
	if [ "$started" = 1 ]; then
		# journald gone: the sink holds its records and writes them when
		# a journald is back (only with the test's own journald)
		stop_pid "$BG_PID_JD" TERM
		_sk_ban 5 || return 1
		wait_until 10 grep -q 'sink journald: cannot write to the journal' "$DAEMON_ERR" ||
			{ fail "journald gone: no error said"; return 1; }
		bg /lib/systemd/systemd-journald
		wait_until 10 _jd_listens || { fail "systemd-journald does not listen again"; return 1; }
		wait_until 15 _jd_has "$BLOCKED" ||
			{ fail "journal after journald came back: $(_jd_count) of $BLOCKED"; return 1; }
	else
		log "the system's journald runs: not stopped by this test"
	fi
	_sk_stop || return 1
	out=$(journalctl -o json --no-pager APPBAN_ACTION=exec-blocked "APPBAN_APP=$APP" | head -n1)
	assert_fields "$out" MESSAGE_ID=33ef87d4860c4794b050754e45ee98aa PRIORITY=4 \
		SYSLOG_IDENTIFIER=appban APPBAN_ACTION=exec-blocked "APPBAN_APP=$APP" \
		"APPBAN_POLICY=sinks-$T_ID" || return 1
	j=$(json_get "$out" APPBAN_JSON) || { fail "no APPBAN_JSON"; return 1; }
	assert_field "$j" rule.name "$APP" || return 1
	assert_match "$(json_get "$out" MESSAGE)" " exec-blocked app $APP " "MESSAGE, the text form" || return 1
	n=$(journalctl -o json --no-pager APPBAN_ACTION=daemon-started | wc -l)
	assert_ge "$n" 1 "daemon-started in the journal" || return 1
	assert_eq "$(_jd_count)" "$BLOCKED" "records in the journal"
}

# _jd_listens: a journald takes datagrams on its socket
_jd_listens()
{
	"$PYTHON" -c '
import socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.connect("/run/systemd/journal/socket")' 2>/dev/null
}

_jd_count()
{
	journalctl -o cat --no-pager APPBAN_ACTION=exec-blocked "APPBAN_APP=$APP" 2>/dev/null | wc -l
}

_jd_has()
{
	[ "$(_jd_count)" -ge "$1" ]
}

# ---------------------------------------------------------------- audit

test_sink_audit_auditd()
{
	local ad=$T_DIR/audit was line n
	command -v auditd >/dev/null || { fail "auditd not installed (scripts/deps.sh test)"; return 1; }
	pgrep -x auditd >/dev/null && { fail "an auditd runs already: this test needs its own"; return 1; }
	_sk_setup || return 1
	was=$(auditctl -s | awk '$1 == "enabled" { print $2 }')
	defer "auditctl -e ${was:-0} >/dev/null"
	auditd_conf "$ad" 20 64 || { fail "auditd's configuration"; return 1; }
	bg auditd -n -s enable -c "$ad"
	wait_until 10 _auditd_up || { fail "auditd did not start"; return 1; }
	printf 'sink audit\n' >>"$CONF"
	_sk_start || return 1
	_sk_ban 20 || return 1
	wait_until 10 _sk_out_has "$BLOCKED" || return 1
	wait_until 15 _au_has "$BLOCKED" || { fail "ausearch: $(_au_count) of $BLOCKED"; return 1; }
	_sk_stop || return 1
	line=$(ausearch -m TRUSTED_APP -if "$ad/audit.log" --raw 2>/dev/null | grep -m1 "app=\"$APP\"")
	log "audit: $line"
	assert_match "$line" "^type=TRUSTED_APP msg=audit\([0-9.:]+\): .*msg='op=exec-blocked app=\"$APP\" exe=\"$BANNED\" pid=[0-9]+ uid=0 policy=\"sinks-$T_ID\" res=failed'" \
		"the audit record" || return 1
	n=$(ausearch -m TRUSTED_APP -if "$ad/audit.log" --raw 2>/dev/null | grep -c "op=daemon-started")
	assert_ge "$n" 1 "daemon-started in the audit log" || return 1
	assert_eq "$(_au_count)" "$BLOCKED" "exec-blocked in the audit log"
}

_auditd_up()
{
	[ "$(auditctl -s | awk '$1 == "pid" { print $2 }')" != 0 ] &&
		[ "$(auditctl -s | awk '$1 == "enabled" { print $2 }')" = 1 ]
}

_au_count()
{
	ausearch -m TRUSTED_APP -if "$T_DIR/audit/audit.log" --raw 2>/dev/null |
		grep -c "op=exec-blocked app=\"$APP\""
}

_au_has()
{
	[ "$(_au_count)" -ge "$1" ]
}

# ---------------------------------------------------------------- rate limit

test_sink_rate_limit_written_plus_suppressed()
{
	local log=$T_DIR/events.json w s
	_sk_setup || return 1
	printf 'rate-limit 5/s burst 10\nsink file %s\n' "$log" >>"$CONF"
	_sk_start || return 1
	_sk_ban 150 || return 1
	# the last events-suppressed comes a second after the flood
	wait_until 10 _rl_accounted "$DAEMON_OUT" ||
		{ fail "stdout: $(_sk_count "$DAEMON_OUT") written + $(_rl_supp "$DAEMON_OUT") suppressed != $BLOCKED"; return 1; }
	_sk_stop || return 1
	w=$(_sk_count "$log") s=$(_rl_supp "$log")
	log "file sink: $w written + $s suppressed (of $BLOCKED)"
	assert_eq "$((w + s))" "$BLOCKED" "written + suppressed in the file sink" || return 1
	assert_gt "$s" 0 "records suppressed" || return 1
	assert_le "$(ev_count "$log" event.action=events-suppressed rule.name="$APP")" "$((s))" \
		"events-suppressed records" || return 1
	assert_eq "$(ev_count "$log" event.action=daemon-started)" 1 "configuration records are never limited" || return 1
	assert_events_valid "$log"
}

_rl_supp()
{
	ev_sum "$1" appban.suppressed event.action=events-suppressed "rule.name=$APP" \
		appban.suppressed.action=exec-blocked
}

_rl_accounted()
{
	[ "$(($(_sk_count "$1") + $(_rl_supp "$1")))" -ge "$BLOCKED" ]
}

# ---------------------------------------------------------------- examples

# The examples of docs/sinks.md that no Debian program reads: parsed, and
# their settings checked against what appban writes (rsyslog's example is
# run by test_sink_syslog_rsyslogd_unix_udp_tcp).
test_sink_examples_parse()
{
	local ex=$INTEG_DIR/../../docs/examples out
	out=$("$PYTHON" - "$ex" <<'EOF2' 2>&1
import re, sys, tomllib, yaml
ex = sys.argv[1]
v = tomllib.load(open(ex + "/vector-appban.toml", "rb"))
assert v["sources"]["appban"]["include"] == ["/var/log/appban/events.json"], v
assert "parse_json" in v["transforms"]["appban_records"]["source"]
f = yaml.safe_load(open(ex + "/filebeat-appban.yml"))
i = f["filebeat.inputs"][0]
assert i["type"] == "filestream" and i["paths"] == ["/var/log/appban/events.json"], i
assert i["parsers"][0]["ndjson"]["expand_keys"] is True, i
sec, seen = None, {}
for line in open(ex + "/fluent-bit-appban.conf"):
    line = line.split("#", 1)[0].rstrip()
    if not line:
        continue
    m = re.fullmatch(r"\[([A-Z]+)\]", line)
    if m:
        sec = m.group(1)
        continue
    k, v2 = line.split(None, 1)
    assert sec, line
    seen[(sec, k)] = v2
assert seen[("INPUT", "Name")] == "tail" and seen[("INPUT", "Path")] == "/var/log/appban/events.json", seen
print("ok")
EOF2
	)
	assert_eq "$out" ok "the examples parse" || return 1
	# each example as docs/sinks.md shows it
	grep -q 'parse_json!(string!(.message))' "$INTEG_DIR/../../docs/sinks.md" || { fail "sinks.md: vector"; return 1; }
	grep -q 'UseSpecialParser="off"' "$INTEG_DIR/../../docs/sinks.md" || { fail "sinks.md: rsyslog"; return 1; }
}

# ---------------------------------------------------------------- SIGHUP

# A SIGHUP with other sink lines starts the new set (the old one writes
# what it had first: nothing is lost between the two); a configuration
# with an error leaves the sinks as they were.
test_sink_sighup_changes_sinks()
{
	local a=$T_DIR/a.json b=$T_DIR/b.json
	_sk_setup || return 1
	cp "$CONF" "$T_DIR/base.conf"
	printf 'sink file %s\n' "$a" >>"$CONF"
	_sk_start || return 1
	_sk_ban 5 || return 1
	wait_until 10 _sk_file_has "$a" "$BLOCKED" || return 1
	{ cat "$T_DIR/base.conf"; printf 'sink file %s\nsink file %s\n' "$a" "$b"; } >"$CONF"
	kill -HUP "$DAEMON_PID"
	wait_until 10 grep -q SIGHUP "$DAEMON_ERR" || { fail "no SIGHUP said"; return 1; }
	_sk_ban 4 || return 1
	wait_until 10 _sk_file_has "$a" "$BLOCKED" || { fail "a: $(_sk_count "$a") of $BLOCKED"; return 1; }
	wait_until 10 _sk_file_has "$b" 4 || { fail "b: $(_sk_count "$b") of 4"; return 1; }
	# a sink removed: its file gets nothing more
	{ cat "$T_DIR/base.conf"; printf 'sink file %s\n' "$b"; } >"$CONF"
	kill -HUP "$DAEMON_PID"
	sleep 0.5
	_sk_ban 3 || return 1
	wait_until 10 _sk_file_has "$b" 7 || { fail "b: $(_sk_count "$b") of 7"; return 1; }
	# a configuration with an error: the sinks stay as they were
	printf 'sink nowhere\n' >>"$CONF"
	kill -HUP "$DAEMON_PID"
	wait_until 10 grep -q 'goes on as it was' "$DAEMON_ERR" || { fail "no error said"; return 1; }
	_sk_ban 2 || return 1
	wait_until 10 _sk_file_has "$b" 9 || { fail "b after a bad configuration: $(_sk_count "$b") of 9"; return 1; }
	_sk_stop || return 1
	assert_eq "$(_sk_count "$a")" $((BLOCKED - 5)) "records in the sink removed" || return 1
	assert_eq "$(_sk_count "$b")" 9 "records in the sink added" || return 1
	assert_events_valid "$a"
}
