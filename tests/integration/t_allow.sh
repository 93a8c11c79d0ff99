# SPDX-License-Identifier: GPL-2.0
# `allow` exceptions: the listed users and groups may use a banned app, by
# real uid, user name (NSS), primary gid or supplementary group; the use is
# reported as an audit naming the exception; an until in the past never
# applies, and one that ends while loaded stops applying without a reload.
# Programs run as other users with setpriv (numeric ids need no passwd entry).

# The test's files must be reachable by the other users the programs run as.
_allow_perms()
{
	chmod 0755 "$T_DIR" || return 1
	: >"$APPBAN_MARKER"
	chmod 0666 "$APPBAN_MARKER"
}

# uspawn UID GID GROUPS PATH [ARG...]: spawn PATH as UID, real gid GID and
# supplementary GROUPS (comma separated, "" for none), as spawn() does
uspawn()
{
	local u=$1 g=$2 gs=$3 line out="$T_DIR/.uspawn.out" grp
	shift 3
	: >"$out"
	chmod 0666 "$out"
	if [ -n "$gs" ]; then grp=(--groups "$gs"); else grp=(--clear-groups); fi
	line=$(setpriv --reuid "$u" --regid "$g" "${grp[@]}" -- "$HELPERS/spawn" -o "$out" "$@")
	SP_PID='' SP_RESULT=''
	if [[ "$line" =~ pid=([0-9]+)\ parent=([0-9]+)\ result=(.*)$ ]]; then
		SP_PID=${BASH_REMATCH[1]}
		SP_RESULT=${BASH_REMATCH[3]}
	fi
	slurp SP_OUTPUT "$out"
	echo "# uspawn uid=$u gid=$g groups=$gs $* -> ${SP_RESULT:-?} (pid ${SP_PID:-?})"
	[ -n "$SP_RESULT" ] || { fail "spawn helper failed as uid $u on $1"; return 1; }
}

# assert_uruns UID GID GROUPS PATH: it starts and its code runs
assert_uruns()
{
	uspawn "$@" || return 1
	assert_eq "$SP_RESULT" exit:0 "exec of $4 as uid $1 gid $2 groups '$3'" || return 1
	assert_contains "$SP_OUTPUT" "appban-marker ran" "output of $4 as uid $1" || return 1
}

# assert_ublocked UID GID GROUPS PATH: stopped as the engine stops it; its code never ran
assert_ublocked()
{
	local before
	before=$(marker_runs "$4")
	uspawn "$@" || return 1
	assert_eq "$SP_RESULT" "$(blocked_result)" "exec of $4 as uid $1 gid $2 groups '$3' (engine $ENGINE)" || return 1
	assert_eq "$(marker_runs "$4")" "$before" "runs of blocked $4 (marker)" || return 1
}

# _allow_policy PRINCIPAL_LINES [UNTIL_LINE]: app `banned` (deny exec, the
# marker copy PROG) and an allow `office` for it; loaded with load_ok
_allow_policy()
{
	_allow_perms || return 1
	PROG=$(make_marker "$T_DIR/bin")
	chmod 0755 "$T_DIR/bin"
	write_policy "$T_DIR/p.policy" <<EOF
policy allow-$T_ID
app banned {
    path $PROG
    deny exec
}
allow office {
    app banned
${1:-}
${2:-}
}
EOF
}

test_allow_exec_by_uid_reported_with_exception()
{
	local ev
	_allow_policy "    uid 42001" || return 1
	run_start "$T_DIR/p.policy" || return 1
	assert_uruns 42001 42001 "" "$PROG" || return 1
	wait_event "$RUN_OUT" event.action=exec-audited "process.pid=$SP_PID" || return 1
	log "$EVENT"
	assert_fields "$EVENT" event.outcome=success appban.exception=office rule.name=banned \
		user.id=42001 || return 1
	# someone else, root included, stays blocked
	assert_ublocked 42002 42001 "" "$PROG" || return 1
	assert_blocked "$PROG" || return 1
	wait_event "$RUN_OUT" event.action=exec-blocked user.id=42002 || return 1
	ev=$EVENT
	assert_not_contains "$ev" appban.exception "blocked event" || return 1
	assert_eq "$(status_get exceptions)" 1 "status exceptions" || return 1
	assert_events_valid "$RUN_OUT" || return 1
	# check names the exception of the app
	ab check "$PROG"
	assert_contains "$AB_OUT" "app banned (path), deny exec" "check" || return 1
	assert_contains "$AB_OUT" "(except for those of allow office)" "check" || return 1
	ab check --json "$PROG"
	assert_fields "$AB_OUT" exceptions='["office"]' || return 1
}

test_allow_exec_by_user_name()
{
	local uid
	uid=$(id -u nobody) || skip "no user nobody on this system"
	_allow_policy "    user nobody" || return 1
	load_ok "$T_DIR/p.policy" || return 1
	assert_uruns "$uid" 42001 "" "$PROG" || return 1
	assert_ublocked 42002 42001 "" "$PROG" || return 1
}

test_allow_exec_by_primary_gid()
{
	_allow_policy "    gid 42100" || return 1
	load_ok "$T_DIR/p.policy" || return 1
	assert_uruns 42003 42100 "" "$PROG" || return 1
	assert_ublocked 42003 42101 "" "$PROG" || return 1
}

test_allow_exec_by_supplementary_group()
{
	local gid
	gid=$(getent group nogroup | cut -d: -f3)
	[ -n "$gid" ] || skip "no group nogroup on this system"
	_allow_policy "    gid 42200
    group nogroup" || return 1
	load_ok "$T_DIR/p.policy" || return 1
	# a member of 42200 among others, not as its primary group
	assert_uruns 42004 42101 "42300,42200,42301" "$PROG" || return 1
	# a member of nogroup (by name in the policy)
	assert_uruns 42004 42101 "$gid" "$PROG" || return 1
	# other groups only
	assert_ublocked 42004 42101 "42300,42301" "$PROG" || return 1
}

test_allow_until_past_never_applies()
{
	_allow_policy "    uid 42001" "    until 2020-01-01" || return 1
	load_ok "$T_DIR/p.policy" || return 1
	assert_contains "$AB_ERR" "$T_DIR/p.policy:9:11: warning: allow \"office\" ended on 2020-01-01" \
		"warning for the past until" || return 1
	assert_ublocked 42001 42001 "" "$PROG" || return 1
}

# The exception ends MARGIN s after the load: "now" of the loader is set
# that long before the end of today (UTC). _allow_loaded after the load:
# the end is in EXP_START_MS..EXP_END_MS (ms since the epoch). MARGIN_K
# (_allow_retry_slow) makes the margin longer.
_allow_expiring()
{
	local today end
	MARGIN=$((3 * ${T_SLOW:-1} * ${MARGIN_K:-1}))
	today=$(date -u +%Y-%m-%d)
	end=$(($(date -u -d "$today" +%s) + 86400))
	export APPBAN_TEST_NOW=$((end - MARGIN))
	EXP_START_MS=$(($(now_ms) + MARGIN * 1000))
	echo "# APPBAN_TEST_NOW=$APPBAN_TEST_NOW: the exception ends in $MARGIN s"
}

_allow_loaded()
{
	unset APPBAN_TEST_NOW
	EXP_END_MS=$(($(now_ms) + MARGIN * 1000))
}

# still before the end? 2 when not: what was seen says nothing either way
_allow_before_end()
{
	[ "$(now_ms)" -lt "$EXP_START_MS" ] && return 0
	echo "# too slow: the exception may have ended before the check"
	return 2
}

_allow_ended()
{
	[ "$(now_ms)" -gt "$EXP_END_MS" ]
}

# _allow_retry_slow FN: FN checks an exception that ends MARGIN s after its
# load; where FN was too slow to check it before the end (status 2: a load
# of the sanitizer build on a machine busy with guests took more than 3 s),
# FN again after an unload, with a margin three times as long, twice at
# most. A too slow check passes for nothing: three in a row fail.
_allow_retry_slow()
{
	local k rc
	for k in 1 3 9; do
		MARGIN_K=$k
		"$1"
		rc=$?
		[ "$rc" = 2 ] || return "$rc"
		ab unload
	done
	fail "too slow three times (last margin $MARGIN s): the exception's end was never checked"
}

_allow_until_expires()
{
	_allow_expiring
	load_ok "$T_DIR/p.policy" || return 1
	_allow_loaded
	_allow_before_end || return 2
	assert_uruns 42001 42001 "" "$PROG" || { _allow_before_end || return 2; return 1; }
	_allow_before_end || return 2
	wait_until $((MARGIN + 2)) _allow_ended
	# ended, without a reload
	assert_ublocked 42001 42001 "" "$PROG" || return 1
}

test_allow_until_expires_while_loaded()
{
	_allow_policy "    uid 42001" "    until $(date -u +%Y-%m-%d)" || return 1
	_allow_retry_slow _allow_until_expires
}

# _allow_net_setup [UNTIL_LINE]: NB a banned (deny network) copy of bash,
# NU an unbanned nettest copy, a TCP listener (TCP_PORT); the allow covers uid 42001
_allow_net_setup()
{
	_allow_perms || return 1
	NB=$(copy_bin "$(command -v bash)" "$T_DIR/bin" "nbash-$T_ID")
	NU=$(make_nettest "$T_DIR/bin")
	chmod 0755 "$T_DIR/bin"
	listen_start inet tcp || return 1
	TCP_PORT=$PORT
	write_policy "$T_DIR/p.policy" <<EOF
policy allownet-$T_ID
app nonet {
    path $NB
    deny network
}
allow comms {
    app nonet
    uid 42001
${1:-}
}
EOF
}

# nb_as UID SCRIPT: run the banned bash copy as UID with SCRIPT
nb_as()
{
	NBA_OUT=$(setpriv --reuid "$1" --regid "$1" --clear-groups -- "$NB" -c "$2" 2>&1)
	NBA_RC=$?
	echo "# nbash as $1: $2 -> $NBA_RC"
	printf '#   %s\n' "${NBA_OUT//$'\n'/$'\n#   '}"
}

test_allow_network_by_uid_reported_with_exception()
{
	_allow_net_setup || return 1
	run_start "$T_DIR/p.policy" || return 1
	nb_as 42001 "exec $NU connect inet tcp $TCP_PORT"
	assert_eq "$NBA_RC" 0 "exempt connect: $(_short "$NBA_OUT")" || return 1
	wait_event "$RUN_OUT" event.action=network-audited user.id=42001 || return 1
	log "$EVENT"
	assert_fields "$EVENT" event.outcome=success appban.exception=comms rule.name=nonet || return 1
	nb_as 42002 "exec $NU connect inet tcp $TCP_PORT"
	assert_eq "$NBA_RC" 1 "non-exempt connect (1 = EPERM): $(_short "$NBA_OUT")" || return 1
	wait_event "$RUN_OUT" event.action=network-blocked user.id=42002 || return 1
	assert_events_valid "$RUN_OUT" || return 1
}

_allow_network_ends()
{
	_allow_expiring
	load_ok "$T_DIR/p.policy" || return 1
	_allow_loaded
	# one process: connects now, then again once the exception has ended
	# (exit 10: refused before the end; 11: too slow to tell)
	nb_as 42001 "[ \${EPOCHREALTIME/[.,]/} -lt ${EXP_START_MS}000 ] || exit 11
		if ! $NU connect inet tcp $TCP_PORT; then
			[ \${EPOCHREALTIME/[.,]/} -lt ${EXP_START_MS}000 ] && exit 10
			exit 11
		fi
		[ \${EPOCHREALTIME/[.,]/} -lt ${EXP_START_MS}000 ] || exit 11
		while [ \${EPOCHREALTIME/[.,]/} -le ${EXP_END_MS}000 ]; do sleep 0.2; done
		exec $NU connect inet tcp $TCP_PORT"
	[ "$NBA_RC" != 11 ] || return 2
	assert_eq "$NBA_RC" 1 "connect after the end (1 = EPERM; 10 = refused before): $(_short "$NBA_OUT")" || return 1
	assert_contains "$NBA_OUT" "EPERM" "second connect" || return 1
}

test_allow_network_exception_ends_for_a_running_process()
{
	_allow_net_setup "    until $(date -u +%Y-%m-%d)" || return 1
	_allow_retry_slow _allow_network_ends
}

test_allow_unknown_user_leaves_policy_in_force()
{
	_allow_policy "    uid 42001" || return 1
	load_ok "$T_DIR/p.policy" || return 1
	write_policy "$T_DIR/bad.policy" <<EOF
policy bad-$T_ID
app banned {
    path $PROG
    deny exec
}
allow office {
    app banned
    user appban-no-such-user-$T_ID
    group appban-no-such-group-$T_ID
}
EOF
	ab load "$T_DIR/bad.policy"
	assert_eq "$AB_RC" 1 "exit status of the bad load" || return 1
	assert_contains "$AB_ERR" "$T_DIR/bad.policy:8:10: error: unknown user \"appban-no-such-user-$T_ID\"" || return 1
	assert_contains "$AB_ERR" "$T_DIR/bad.policy:9:11: error: unknown group \"appban-no-such-group-$T_ID\"" || return 1
	assert_eq "$(status_get policy.name)" "allow-$T_ID" "policy in force" || return 1
	assert_uruns 42001 42001 "" "$PROG" || return 1
}

# _allow_out_has LINE: the background script wrote LINE to $T_DIR/out
_allow_out_has()
{
	grep -q "^$1" "$T_DIR/out" 2>/dev/null
}

test_allow_network_exception_follows_a_swap()
{
	local got
	_allow_net_setup || return 1
	load_ok "$T_DIR/p.policy" || return 1
	: >"$T_DIR/out"
	chmod 0666 "$T_DIR/out"
	# one exempt process, connecting once per policy
	bg setpriv --reuid 42001 --regid 42001 --clear-groups -- "$NB" -c "
		$NU connect inet tcp $TCP_PORT >/dev/null 2>&1; echo rc1=\$? >>$T_DIR/out
		while [ ! -e $T_DIR/go1 ]; do sleep 0.1; done
		$NU connect inet tcp $TCP_PORT >/dev/null 2>&1; echo rc2=\$? >>$T_DIR/out
		while [ ! -e $T_DIR/go2 ]; do sleep 0.1; done
		$NU connect inet tcp $TCP_PORT >/dev/null 2>&1; echo rc3=\$? >>$T_DIR/out"
	wait_until 10 _allow_out_has rc1= || { fail "no first connect"; return 1; }
	# the same policy again (a swap): the exception goes on
	sed 's/^policy .*/&\nserial 2/' "$T_DIR/p.policy" >"$T_DIR/p2.policy"
	load_ok "$T_DIR/p2.policy" || return 1
	touch "$T_DIR/go1"
	wait_until 10 _allow_out_has rc2= || { fail "no second connect"; return 1; }
	# a policy without the allow block: the process loses the network
	write_policy "$T_DIR/p3.policy" <<EOF
policy allownet-$T_ID
serial 3
app nonet {
    path $NB
    deny network
}
EOF
	load_ok "$T_DIR/p3.policy" || return 1
	touch "$T_DIR/go2"
	wait_until 10 _allow_out_has rc3= || { fail "no third connect"; return 1; }
	got=$(tr '\n' ' ' <"$T_DIR/out")
	assert_eq "$got" "rc1=0 rc2=0 rc3=1 " "connects under the allow, after a swap keeping it, after one without it" || return 1
}
