# SPDX-License-Identifier: GPL-2.0
# `appban status --json`: what is loaded, by which engine, how many apps and
# identifiers of each kind, and the counters.

test_status_nothing_loaded()
{
	local out
	ab unload
	status_read
	out=$STATUS
	assert_eq "$STATUS_RC" 4 "status exit when nothing is loaded" || return 1
	json_valid "$out" || { fail "status --json output is not one JSON object: $(_short "$out")"; return 1; }
	assert_field "$out" loaded false || return 1
	# the text form too
	"$APPBAN" status >/dev/null 2>&1
	assert_eq "$?" 4 "status (text) exit when nothing is loaded" || return 1
}

test_status_fields()
{
	local a b c st name
	a=$(make_marker "$T_DIR/a")
	b=$(make_marker "$T_DIR/b")
	name=$(uniq_name)
	write_policy "$T_DIR/p.policy" <<EOF
policy status-$T_ID
serial 2023032401
app one {
    path $a
    path $b
    name $name
    deny exec
}
app two {
    dir $T_DIR/d
    deny network
}
app three {
    name $name-3
    audit
}
EOF
	mkdir -p "$T_DIR/d"
	load_ok "$T_DIR/p.policy" || return 1
	status_read
	st=$STATUS
	log "status: $st"
	assert_eq "$STATUS_RC" 0 "status exit when loaded" || return 1
	assert_field "$st" loaded true || return 1
	assert_match "$(json_get "$st" engine)" '^(lsm|fallback)$' "engine" || return 1
	assert_nonempty "$(json_get "$st" engine_reason)" "engine_reason" || return 1
	assert_fields "$st" \
		"policy.name=status-$T_ID" \
		"policy.serial=2023032401" \
		"mode=enforce" \
		"apps=3" \
		"identifiers.path=2" \
		"identifiers.dir=1" \
		"identifiers.name=2" \
		"identifiers.sha256=0" \
		"identifiers.flatpak=0" \
		"identifiers.snap=0" || return 1
	for c in exec_blocked network_blocked audits events_lost; do
		assert_field "$st" "counters.$c" 0 || return 1
	done
	"$APPBAN" status >"$T_DIR/status.txt" 2>&1
	assert_eq "$?" 0 "status (text) exit when loaded" || return 1
	assert_contains "$(cat "$T_DIR/status.txt")" "status-$T_ID" "status text" || return 1
	assert_contains "$(cat "$T_DIR/status.txt")" "$ENGINE" "status text" || return 1
}

test_status_default_policy_name()
{
	local prog
	prog=$(make_marker "$T_DIR/bin")
	write_policy "$T_DIR/fr-recreational-$T_ID.policy" <<EOF
app banned {
    path $prog
    deny exec
}
EOF
	load_ok "$T_DIR/fr-recreational-$T_ID.policy" || return 1
	assert_fields "$(status_json)" \
		"policy.name=fr-recreational-$T_ID" \
		"policy.serial=0" \
		"mode=enforce" || return 1
}

test_status_counters()
{
	local prog audited nb
	prog=$(make_marker "$T_DIR/bin")
	audited=$(make_marker "$T_DIR/aud")
	nb=$(make_nettest "$T_DIR/net")
	write_policy "$T_DIR/p.policy" <<EOF
app banned {
    path $prog
    deny exec
}
app watched {
    path $audited
    audit
}
app nonet {
    path $nb
    deny network
}
EOF
	load_ok "$T_DIR/p.policy" || return 1
	for _ in 1 2 3; do
		assert_blocked "$prog" || return 1
	done
	assert_runs "$audited" || return 1
	assert_runs "$audited" || return 1
	assert_net_eperm "socket" "$nb" socket inet tcp || return 1
	local st
	st=$(status_json)
	log "status: $st"
	assert_fields "$st" \
		"counters.exec_blocked=3" \
		"counters.audits=2" \
		"counters.network_blocked=1" \
		"counters.events_lost=0" || return 1
}

# `expires`: status shows the day, and `stale` from its end on (text and
# JSON). A policy loaded past its day is a warning, not a refusal, and stays
# in force: never fail open.
test_status_expires_and_stale()
{
	local prog txt
	prog=$(make_marker "$T_DIR/bin")
	write_policy "$T_DIR/p.policy" <<EOF
policy expiring-$T_ID
expires 2200-12-31
app banned {
    path $prog
    deny exec
}
EOF
	load_ok "$T_DIR/p.policy" || return 1
	assert_fields "$(status_json)" \
		"policy.name=expiring-$T_ID" \
		"policy.expires=2200-12-31" \
		"policy.stale=false" || return 1
	txt=$("$APPBAN" status 2>&1)
	assert_contains "$txt" "expires:     2200-12-31" "status text" || return 1
	assert_not_contains "$txt" "stale" "status text before the day" || return 1
	# seen from the end of that day (2201-01-01T00:00:00Z; a test clock in ns ends in 2262): stale, in force
	assert_fields "$(APPBAN_TEST_NOW=7289654400 "$APPBAN" status --json)" \
		"policy.expires=2200-12-31" \
		"policy.stale=true" || return 1
	txt=$(APPBAN_TEST_NOW=7289654400 "$APPBAN" status 2>&1)
	assert_contains "$txt" "expires:     2200-12-31 (stale:" "status text past the day" || return 1
	assert_blocked "$prog" || return 1

	# stale from the start: loaded with a warning, and enforced
	write_policy "$T_DIR/old.policy" <<EOF
policy old-$T_ID
expires 2020-01-01
app banned {
    path $prog
    deny exec
}
EOF
	load_ok "$T_DIR/old.policy" || return 1
	assert_contains "$AB_ERR" "old.policy:2:9: warning: policy \"old-$T_ID\" expired on 2020-01-01" \
		"load of a stale policy" || return 1
	assert_fields "$(status_json)" \
		"policy.name=old-$T_ID" \
		"policy.expires=2020-01-01" \
		"policy.stale=true" || return 1
	assert_blocked "$prog" || return 1

	# none: null, never stale
	write_policy "$T_DIR/none.policy" <<EOF
app banned {
    path $prog
    deny exec
}
EOF
	load_ok "$T_DIR/none.policy" || return 1
	assert_fields "$(status_json)" "policy.expires=null" "policy.stale=false" || return 1
	assert_contains "$("$APPBAN" status 2>&1)" "expires:     never" "status text" || return 1
}

# _status_py JSON EXPR...: each EXPR over the status object o must hold;
# prints the first that does not
_status_py()
{
	"$PYTHON" -I -S -c 'import json, sys
o = json.loads(sys.argv[1])
for e in sys.argv[2:]:
    try:
        ok = eval(e)
    except Exception as x:
        ok = False
    if not ok:
        print(e)
        sys.exit(1)' "$@"
}

_one_follower()
{
	[[ "$("$APPBAN" status --json 2>/dev/null)" == *'"followers":[{"pid"'* ]]
}

test_status_daemon_sources()
{
	# with a daemon running, status asks it: its sources (the policy
	# directory, and a URL that cannot be reached), sinks, followers
	local port url bad t fstart
	_daemon_setup || return 1
	port=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	url=http://127.0.0.1:$port/fleet.policy
	printf 'source %s {\n    every 60\n}\nsink file %s\n' "$url" "$T_DIR/events.json" >>"$CONF"
	daemon_start || return 1
	_drop fleet "$(_base fleet 3)" || return 1
	wait_blocked || return 1
	dwait event.action=source-failed "url.full=$url" || return 1
	# (the URL failed before the load ended: on a slow kernel the daemon is
	# still putting the policy in force, and its socket answers meanwhile)
	fstart=$EPOCHREALTIME
	bg "$APPBAN" events --json >"$T_DIR/follow.out" 2>"$T_DIR/follow.err"
	t=$BG_PID
	wait_until 5 _one_follower || {
		sed 's/^/# daemon: /' "$DAEMON_ERR" | tail -n 30
		local task
		for task in /proc/"$DAEMON_PID"/task/*; do
			echo "# daemon thread ${task##*/}: $(cut -d' ' -f3 "$task/stat" 2>/dev/null)" \
				"wchan $(cat "$task/wchan" 2>/dev/null)," \
				"syscall $(cut -d' ' -f1 "$task/syscall" 2>/dev/null)"
		done
		sed -n 's/^{"@timestamp":"\([^"]*\)".*"event.action":"\([^"]*\)".*/# ev \1 \2/p' "$DAEMON_OUT" | tail -n 6
		echo "# follower started $fstart (epoch), given up $EPOCHREALTIME"
		fail "no follower in the daemon's status: follower $(_running "$t" && echo running || echo gone)," \
			"its stderr: $(_short "$(<"$T_DIR/follow.err")"), status: $(_short "$(status_json)")"
		return 1
	}
	# the daemon's layers are the new ones once the load has ended
	dwait_loaded appban.policy.name=fleet || return 1
	status_read
	assert_eq "$STATUS_RC" 0 "status exit with a policy in force" || return 1
	bad=$(_status_py "$STATUS" \
		"o['daemon']['pid'] == $DAEMON_PID" \
		"o['daemon']['config'] == '$CONF'" \
		"o['daemon']['layers'] == [{'name': 'fleet', 'kind': 'base', 'serial': 3, 'origin': '$PDIR/fleet.policy'}]" \
		"o['daemon']['sources'][0]['kind'] == 'policy-dir'" \
		"o['daemon']['sources'][0]['path'] == '$PDIR'" \
		"o['daemon']['sources'][0]['files'] == 1" \
		"o['daemon']['sources'][0]['last_check'].endswith('Z')" \
		"o['daemon']['sources'][1]['kind'] == 'url'" \
		"o['daemon']['sources'][1]['url'] == '$url'" \
		"o['daemon']['sources'][1]['last_check'].endswith('Z')" \
		"o['daemon']['sources'][1]['last_change'] is None" \
		"'127.0.0.1' in o['daemon']['sources'][1]['last_error']" \
		"o['daemon']['sources'][1]['last_error_kind'] == 'network'" \
		"o['daemon']['sources'][1]['last_error_time'].endswith('Z')" \
		"o['daemon']['sources'][1]['next_check'] > o['daemon']['sources'][1]['last_check']" \
		"o['daemon']['sources'][1]['failing'] is True" \
		"o['daemon']['sources'][1]['failures'] >= 1" \
		"len(o['daemon']['sources']) == 2" \
		"[(k['type'], k['target']) for k in o['daemon']['sinks']] == [('file', '$T_DIR/events.json')]" \
		"o['daemon']['sinks'][0]['written'] > 0 and o['daemon']['sinks'][0]['lost'] == 0" \
		"o['daemon']['sinks'][0]['failing'] is False and o['daemon']['sinks'][0]['last_error'] is None" \
		"[(f['pid'], f['format'], f['cut_off']) for f in o['daemon']['followers']] == [($t, 'json', False)]" \
		"o['policy']['name'] == 'fleet'")
	[ -z "$bad" ] || { fail "status --json: not true: $bad: $(_short "$STATUS")"; return 1; }
	# the text form says the same for people
	ab status
	assert_eq "$AB_RC" 0 "status (text) exit" || return 1
	assert_contains "$AB_OUT" "daemon:      pid $DAEMON_PID, config $CONF" || return 1
	assert_contains "$AB_OUT" "source:      $PDIR (policy directory, inotify): 1 file," || return 1
	assert_match "$AB_OUT" "source:      $url: last check [0-9-]+T[0-9:]+Z, last change never, last error \(network\) " "the URL source's line" || return 1
	assert_match "$AB_OUT" "next check [0-9-]+T[0-9:]+Z" "its next check" || return 1
	assert_match "$AB_OUT" "sink:        file $T_DIR/events.json: written [1-9][0-9]*, lost 0" "the sink's line" || return 1
	assert_contains "$AB_OUT" "followers:   pid $t (json, " || return 1
	# stopped: status says that no daemon answers
	stop_pid "$DAEMON_PID" TERM
	status_read
	assert_field "$STATUS" daemon null || return 1
	ab status
	assert_contains "$AB_OUT" "daemon:      not running (nothing answers on $APPBAN_SOCKET)" || return 1
	assert_events_valid "$DAEMON_OUT" || return 1
	ab unload
}

# Status says loaded from the instant a fresh load's first ban holds
# (docs/cli.md, status): the load writes its policy with the engine inert,
# pins the link of its first program, and only then puts its bans in force,
# since the kernel may run a program before its attach has returned (the
# 6.1 lsm guest: a start refused, then status said nothing loaded). The
# pause after each attach (APPBAN_TEST_ATTACH_PAUSE_MS) stands for the
# kernel's; the two-phase load too (APPBAN_TEST_NO_EXEC_FIRST=1: where the
# first exec program cannot be loaded).
test_status_loaded_once_a_ban_holds()
{
	local prog first
	prog=$(make_marker "$T_DIR/bin")
	write_policy "$T_DIR/p.policy" <<EOF
policy status-ban-$T_ID
serial 1
app banned {
    path $prog
    deny exec
}
EOF
	for first in 1 0; do
		ab unload
		log "first exec program: $first"
		bg env APPBAN_TEST_ATTACH_PAUSE_MS=$((150 * T_SLOW)) \
			APPBAN_TEST_NO_EXEC_FIRST=$((1 - first)) "$APPBAN" --verbose load \
			"$T_DIR/p.policy" 2>"$T_DIR/load.$first.err"
		LOAD_PID=$BG_PID
		status_loaded_while_banned "$prog" _status_load_ended || return 1
		wait "$LOAD_PID"
		assert_eq "$?" 0 "exit status of the load" || return 1
		# the first exec program's own object loads on this kernel (a
		# load without it is still correct, only slower: say so here)
		[ "$first" = 0 ] || assert_not_contains "$(cat "$T_DIR/load.1.err")" \
			"first exec program was not loaded" "the load's messages" || return 1
		assert_gt "$SLB_CHECKS" 0 "statuses read after a refused start during the load" || return 1
		engine_refresh || return 1
		assert_blocked "$prog" || return 1
	done
	ab unload
	status_read
	assert_eq "$STATUS_RC" 4 "status after unload" || return 1
}

_status_load_ended()
{
	! _running "$LOAD_PID"
}
