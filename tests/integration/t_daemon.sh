# SPDX-License-Identifier: GPL-2.0
# appban daemon (docs/fleet.md): policies dropped into its directory, signed
# or not, composed from a base and exceptions files, anti-rollback, the last
# good composition at start, and every refusal an event.

# (the daemon helpers, _daemon_setup, daemon_start, dwait..., are in lib.sh:
# t_events.sh follows the daemon too)

test_daemon_dir_policy_in_force()
{
	_daemon_setup || return 1
	daemon_start || return 1
	assert_runs "$BANNED" || return 1
	_drop fleet "$(_base fleet 1)" || return 1
	wait_blocked || return 1
	dwait_loaded appban.policy.name=fleet || return 1
	# SIGTERM: the daemon stops, the policy stays pinned
	stop_pid "$DAEMON_PID" TERM
	assert_eq "$STOP_RC" 0 "daemon's exit status at SIGTERM" || return 1
	grep -q '"daemon-stopped"' "$DAEMON_OUT" || { fail "no daemon-stopped record"; return 1; }
	assert_blocked "$BANNED" || return 1
	assert_events_valid "$DAEMON_OUT" || return 1
	ab unload
}

# The daemon's first load: status says loaded from the instant its ban
# holds, as for `appban load` (t_status.sh: status_loaded_once_a_ban_holds;
# in the 6.1 lsm guest, daemon_https_source's wait_blocked once saw a start
# refused, then status say nothing loaded).
test_daemon_status_loaded_once_its_ban_holds()
{
	_daemon_setup || return 1
	export APPBAN_TEST_ATTACH_PAUSE_MS=$((150 * T_SLOW))
	_drop fleet "$(_base fleet 1)" || return 1
	daemon_start || return 1
	status_loaded_while_banned "$BANNED" _daemon_load_ended || return 1
	assert_gt "$SLB_CHECKS" 0 "statuses read after a refused start during the load" || return 1
	dwait_loaded appban.policy.name=fleet || return 1
	wait_blocked || return 1
	stop_pid "$DAEMON_PID" TERM
	ab unload
}

_daemon_load_ended()
{
	grep -q '"policy-loaded"' "$DAEMON_OUT" || ! _running "$DAEMON_PID"
}

# systemd's notifications (Type=notify, WatchdogSec), written by appban
# itself (no libsystemd): READY=1 once a policy is in force, WATCHDOG=1
# pings at half of WATCHDOG_USEC, STOPPING=1 at SIGTERM, to a socket that a
# listener of the test's own holds as systemd would.
test_daemon_tells_systemd()
{
	local sock="$T_DIR/notify.sock" got="$T_DIR/notify.txt" lpid
	_daemon_setup || return 1
	"$PYTHON" - "$sock" "$got" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as out:
    while True:
        out.write(s.recv(4096).decode().replace("\n", " ") + "\n")
        out.flush()
PY
	lpid=$!
	defer "kill $lpid 2>/dev/null"
	wait_until 5 test -S "$sock" || { fail "the test's notify socket never appeared"; return 1; }
	_drop fleet "$(_base fleet 1)" || return 1
	export NOTIFY_SOCKET=$sock WATCHDOG_USEC=400000
	daemon_start
	local rc=$?
	unset NOTIFY_SOCKET WATCHDOG_USEC
	[ "$rc" = 0 ] || return 1
	wait_blocked || return 1
	# (READY=1 once the load has ended: dwait_loaded)
	dwait_loaded appban.policy.name=fleet || return 1
	wait_until 5 grep -q "^READY=1" "$got" ||
		{ fail "no READY=1: $(_short "$(cat "$got")")"; return 1; }
	wait_until 5 grep -q "^WATCHDOG=1" "$got" ||
		{ fail "no WATCHDOG=1 ping: $(_short "$(cat "$got")")"; return 1; }
	stop_pid "$DAEMON_PID" TERM
	wait_until 5 grep -q "^STOPPING=1" "$got" ||
		{ fail "no STOPPING=1 at SIGTERM: $(_short "$(cat "$got")")"; return 1; }
	ab unload
}

test_daemon_config_error_names_the_place()
{
	_daemon_setup || return 1
	echo "sink nowhere" >>"$CONF"
	ab daemon --config "$CONF"
	assert_eq "$AB_RC" 1 "exit status of a daemon with a bad configuration" || return 1
	assert_match "$AB_ERR" "$CONF:[0-9]+:[0-9]+: error: " "the error's place" || return 1
	status_read
	assert_eq "$STATUS_RC" 4 "nothing loaded" || return 1
}

test_daemon_signed_policy_and_refusals()
{
	local good
	ab keygen -o "$T_DIR/base.key" || return 1
	ab keygen -o "$T_DIR/exc.key" || return 1
	_daemon_setup "$T_DIR/base.key.pub base" "$T_DIR/exc.key.pub exceptions" || return 1
	daemon_start || return 1
	_drop fleet "$(_base fleet 5)" "$T_DIR/base.key" || return 1
	wait_blocked || return 1
	good=$(status_get policy.serial)
	assert_eq "$good" 5 "serial in force" || return 1
	# unsigned
	_drop unsigned "$(_base unsigned 9)" || return 1
	# (its signature is waited for 3 s; a file is parsed only once its
	# signature holds: the refusal names no policy)
	dwait event.action=policy-refused appban.reason=signature \
		"file.path=$PDIR/unsigned.policy" || return 1
	rm -f "$PDIR/unsigned.policy"
	# tampered: signed, then a byte changed (before it is dropped: never
	# valid in the directory)
	_base fleet 6 >"$T_DIR/tampered.policy"
	ab sign -k "$T_DIR/base.key" "$T_DIR/tampered.policy" || return 1
	sed -i 's/serial 6/serial 7/' "$T_DIR/tampered.policy"
	mv "$T_DIR/tampered.policy.minisig" "$PDIR/" && mv "$T_DIR/tampered.policy" "$PDIR/"
	dwait event.action=policy-refused appban.reason=signature \
		"file.path=$PDIR/tampered.policy" || return 1
	rm -f "$PDIR/tampered.policy" "$PDIR/tampered.policy.minisig"
	# a base signed with the exceptions key
	_drop wrongrole "$(_base fleet 8)" "$T_DIR/exc.key" || return 1
	dwait event.action=policy-refused appban.reason=key-role \
		"file.path=$PDIR/wrongrole.policy" || return 1
	rm -f "$PDIR/wrongrole.policy" "$PDIR/wrongrole.policy.minisig"
	# rollback: a lower serial, then the same serial with other bytes
	_drop fleet "$(_base fleet 4)" "$T_DIR/base.key" || return 1
	dwait event.action=policy-refused appban.reason=rollback \
		appban.refused.serial=4 || return 1
	_drop fleet "$(_base fleet 5 'mode enforce')" "$T_DIR/base.key" || return 1
	dwait event.action=policy-refused appban.reason=rollback \
		appban.refused.serial=5 || return 1
	# a second base of another name
	_drop other "$(_base other 1)" "$T_DIR/base.key" || return 1
	dwait event.action=policy-refused appban.reason=second-base \
		appban.refused.name=other || return 1
	# a file that does not parse, signed
	_drop broken "policy broken
app x {
" "$T_DIR/base.key" || return 1
	dwait event.action=policy-refused appban.reason=parse \
		"file.path=$PDIR/broken.policy" || return 1
	# through all of it the policy in force stayed
	assert_eq "$(status_get policy.serial)" 5 "serial in force after the refusals" || return 1
	assert_eq "$(status_get policy.name)" fleet "policy in force after the refusals" || return 1
	assert_blocked "$BANNED" || return 1
	# each refusal once
	assert_eq "$(ev_count "$DAEMON_OUT" event.action=policy-refused appban.reason=key-role)" 1 \
		"key-role refusals" || return 1
	assert_events_valid "$DAEMON_OUT" || return 1
	stop_pid "$DAEMON_PID" TERM
	ab unload
}

# Either order: the signature before the policy, or the policy before its
# signature; no refusal in between, the policy in force at the end.
test_daemon_pair_either_order()
{
	ab keygen -o "$T_DIR/k" || return 1
	_daemon_setup "$T_DIR/k.pub base" || return 1
	daemon_start || return 1
	_base fleet 1 >"$T_DIR/fleet.policy"
	ab sign -k "$T_DIR/k" "$T_DIR/fleet.policy" || return 1
	# the policy first
	_pair_drop fleet.policy fleet.policy.minisig || return 1
	wait_blocked || return 1
	# (the daemon done with that load before the next pair: on a slow
	# machine a load takes the CPU for tens of seconds after the ban holds)
	dwait_loaded appban.policy.serial=1 || return 1
	# a new serial: its signature first
	_base fleet 2 >"$T_DIR/fleet.policy"
	ab sign -k "$T_DIR/k" "$T_DIR/fleet.policy" || return 1
	_pair_drop fleet.policy.minisig fleet.policy || return 1
	wait_until 10 _serial_is 2 || { fail "serial 2 not in force: $(status_get policy.serial)"; return 1; }
	assert_eq "$(ev_count "$DAEMON_OUT" event.action=policy-refused)" 0 \
		"refusals ($(_short "$(grep policy-refused "$DAEMON_OUT")"))" || return 1
	stop_pid "$DAEMON_PID" TERM
	ab unload
}

# _pair_drop FIRST SECOND: $T_DIR/FIRST, then half a second later
# $T_DIR/SECOND, into $PDIR (each copied beside it first, then renamed in);
# both renames in one process, so that the time between them is that half
# second and not the start of a few programs on a slow machine
_pair_drop()
{
	cp "$T_DIR/$1" "$PDIR/.$1.tmp" && cp "$T_DIR/$2" "$PDIR/.$2.tmp" || return 1
	"$PYTHON" -I -S -c 'import os, sys, time
d = sys.argv[1]
for i, f in enumerate(sys.argv[2:]):
    if i:
        time.sleep(0.5)
    os.utime(d + "/." + f + ".tmp")  # written now, as by a copy then
    os.rename(d + "/." + f + ".tmp", d + "/" + f)' "$PDIR" "$1" "$2" ||
		{ fail "cannot drop $1 and $2"; return 1; }
}

_serial_is()
{
	[ "$(status_get policy.serial)" = "$1" ]
}

# Restart offline: the pins gone (unload) and the directory empty, the
# daemon puts the last good composition from its state directory in force
# before anything else; a missing base file never unloads.
test_daemon_restart_last_good()
{
	_daemon_setup || return 1
	daemon_start || return 1
	_drop fleet "$(_base fleet 3)" || return 1
	wait_blocked || return 1
	stop_pid "$DAEMON_PID" TERM
	ab unload
	rm -f "$PDIR/fleet.policy"
	assert_runs "$BANNED" || return 1
	daemon_start || return 1
	# in force by the time the daemon says it started
	engine_refresh || return 1
	assert_blocked "$BANNED" || return 1
	assert_eq "$(status_get policy.serial)" 3 "serial from the state directory" || return 1
	# the base's file is gone from the directory: it stays in force
	sleep 1
	assert_blocked "$BANNED" || return 1
	stop_pid "$DAEMON_PID" TERM
	ab unload
}

# An exceptions file added lets its users run the app; removed, the ban is
# back at once for them.
test_daemon_exceptions_added_and_removed()
{
	local uid=42017
	_daemon_setup || return 1
	chmod 0755 "$T_DIR" "$T_DIR/bin"
	daemon_start || return 1
	_drop fleet "$(_base fleet 1)" || return 1
	wait_blocked || return 1
	_drop ministry "policy ministry
serial 1
allow comms {
    app banned-by-daemon
    uid $uid
}
" || return 1
	wait_until 10 _runs_as "$uid" ||
		{ fail "uid $uid still blocked after the exceptions file: $(_short "$(<"$DAEMON_ERR")")"; return 1; }
	# still blocked for everyone else
	assert_blocked "$BANNED" || return 1
	dwait event.action=exec-audited appban.exception=ministry/comms || return 1
	rm -f "$PDIR/ministry.policy"
	wait_until 10 _blocked_as "$uid" || { fail "the exception outlived its file"; return 1; }
	stop_pid "$DAEMON_PID" TERM
	ab unload
}

_runs_as()
{
	setpriv --reuid "$1" --regid "$1" --clear-groups "$BANNED" >/dev/null 2>&1
}

_blocked_as()
{
	! _runs_as "$1"
}

# expires in the past: in force anyway, reported stale
test_daemon_expired_policy_is_stale_not_lifted()
{
	_daemon_setup || return 1
	daemon_start || return 1
	_drop fleet "$(_base fleet 1 'expires 2020-01-01')" || return 1
	wait_blocked || return 1
	# (the stale check comes once the load has ended, which on a slow
	# kernel is long after the ban holds: dwait_loaded)
	dwait_loaded appban.policy.name=fleet || return 1
	dwait event.action=policy-stale || return 1
	assert_eq "$(status_get policy.stale)" true "status: stale" || return 1
	stop_pid "$DAEMON_PID" TERM
	ab unload
}

# _nginx_start: a real nginx serving $WWW over TLS on 127.0.0.1:$PORT, its
# certificate signed by a CA of the test's ($T_DIR/ng/ca.pem); access log
# $NG/access.log ("STATUS URI" lines). Stopped at cleanup.
_nginx_start()
{
	NG=$T_DIR/ng WWW=$T_DIR/ng/www
	mkdir -p "$WWW"
	tls_server_cert "$NG" 2>"$T_DIR/openssl.log" || { fail "openssl: $(_short "$(<"$T_DIR/openssl.log")")"; return 1; }
	PORT=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	# shellcheck disable=SC2016 # nginx's variables
	nginx_conf "$NG" "$PORT" "$WWW" '$status $uri' >"$NG/nginx.conf"
	nginx -p "$NG" -c "$NG/nginx.conf" -e "$NG/error.log" ||
		{ fail "nginx did not start: $(_short "$(cat "$NG/error.log" 2>&1)")"; return 1; }
	defer "kill -QUIT \$(cat '$NG/nginx.pid') 2>/dev/null"
	wait_until 10 _port_open || { fail "nginx does not listen on $PORT"; return 1; }
}

_port_open()
{
	"$PYTHON" -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$PORT" 2>/dev/null
}

_nginx_stop()
{
	kill -QUIT "$(cat "$NG/nginx.pid")" 2>/dev/null
	wait_until 10 eval '! _port_open'
}

# A signed base published on a web server (HTTPS, a private CA): in force
# at the daemon's first check; a new serial in force at the next check
# (SIGHUP: now); an unchanged policy costs 304s; with the server down the
# daemon starts with the last good policy at once and says the source
# failed.
test_daemon_https_source()
{
	ab keygen -o "$T_DIR/k" || return 1
	_daemon_setup "$T_DIR/k.pub base" || return 1
	_nginx_start || return 1
	printf 'source https://127.0.0.1:%s/fleet.policy {\n    every 3600\n    ca %s\n}\n' \
		"$PORT" "$NG/ca.pem" >>"$CONF"
	_base fleet 1 >"$WWW/fleet.policy"
	ab sign -k "$T_DIR/k" "$WWW/fleet.policy" || return 1
	daemon_start || return 1
	wait_blocked || return 1
	assert_eq "$(status_get policy.serial)" 1 "serial from the web server" || return 1
	# (the daemon done with that load before the SIGHUP: on 5.10 under TCG
	# the load went on for tens of seconds after the ban held, and the
	# fetch and swap of serial 2 came after it, past the 10 s x T_SLOW)
	dwait_loaded appban.policy.serial=1 || return 1
	# a new serial, published signature first; SIGHUP checks now
	_base fleet 2 'mode enforce' >"$T_DIR/fleet.policy"
	ab sign -k "$T_DIR/k" "$T_DIR/fleet.policy" || return 1
	# (nginx's ETag is the time in seconds and the size: a signature of
	# the same size rewritten within the second would look unchanged)
	touch -d "@$(($(date +%s) + 5))" "$T_DIR/fleet.policy" "$T_DIR/fleet.policy.minisig"
	mv "$T_DIR/fleet.policy.minisig" "$WWW/" && mv "$T_DIR/fleet.policy" "$WWW/"
	kill -HUP "$DAEMON_PID"
	wait_until 10 _serial_is 2 || { fail "serial 2 not in force: $(_short "$(<"$DAEMON_ERR")")"; return 1; }
	# unchanged: one 304 per check
	kill -HUP "$DAEMON_PID"
	wait_until 10 grep -q '^304 /fleet.policy$' "$NG/access.log" ||
		{ fail "no 304 in nginx's access log: $(_short "$(<"$NG/access.log")")"; return 1; }
	# the server down; the daemon restarted after an unload: the last good
	# policy at once, the source's failure reported
	stop_pid "$DAEMON_PID" TERM
	_nginx_stop
	ab unload
	daemon_start || return 1
	engine_refresh || return 1
	assert_blocked "$BANNED" || return 1
	assert_eq "$(status_get policy.serial)" 2 "serial from the state directory" || return 1
	dwait event.action=source-failed "url.full=https://127.0.0.1:$PORT/fleet.policy" || return 1
	assert_events_valid "$DAEMON_OUT" || return 1
	stop_pid "$DAEMON_PID" TERM
	ab unload
}
