# SPDX-License-Identifier: GPL-2.0
# `appban check [--json] FILE...` (issue 4, item 3): which app and identifier
# of the loaded policy match each file and what would happen, with the same
# lookups as the kernel, and without executing anything.

_check_setup()
{
	BY_PATH=$(make_marker "$T_DIR/bin")
	BY_DIR=$(make_marker "$T_DIR/banned-dir/sub")
	BY_NAME=$(make_marker "$T_DIR/elsewhere" "$(uniq_name)-n")
	FREE=$(make_marker "$T_DIR/free")
	ln -s "$BY_PATH" "$T_DIR/link-to-banned"
	write_policy "$T_DIR/p.policy" <<EOF2
app by-path {
    description "a path rule"
    path $BY_PATH
    deny exec
}
app by-dir {
    dir $T_DIR/banned-dir
    deny network
}
app by-name {
    name $(basename "$BY_NAME")
    audit
}
EOF2
}

# _check_one FILE: CHECK (the JSON line) and CHECK_RC
_check_one()
{
	CHECK=$("$APPBAN" check --json "$1" 2>"$T_DIR/.check.err")
	CHECK_RC=$?
	echo "# check $1 -> $CHECK_RC: $CHECK"
}

test_check_names_app_identifier_and_outcome()
{
	local blocked
	_check_setup
	load_ok "$T_DIR/p.policy" || return 1
	blocked="refused (EPERM)"
	[ "$ENGINE" = fallback ] && blocked="killed at exec (SIGKILL)"

	_check_one "$BY_PATH"
	assert_eq "$CHECK_RC" 5 "exit status for a match" || return 1
	assert_fields "$CHECK" matched=true app=by-path identifier=path "action=deny exec" \
		"outcome=$blocked" "description=a path rule" || return 1
	_check_one "$BY_DIR"
	assert_fields "$CHECK" matched=true app=by-dir identifier=dir "action=deny network" \
		"outcome=starts, network refused" || return 1
	_check_one "$BY_NAME"
	assert_fields "$CHECK" matched=true app=by-name identifier=name action=audit \
		"outcome=starts, reported" || return 1
	_check_one "$T_DIR/link-to-banned"
	assert_fields "$CHECK" matched=true app=by-path "executable=$BY_PATH" || return 1
	_check_one "$FREE"
	assert_eq "$CHECK_RC" 0 "exit status without a match" || return 1
	assert_fields "$CHECK" matched=false || return 1
	# nothing was executed
	assert_eq "$(marker_runs "$BY_PATH")" 0 "runs of the checked file" || return 1
	# several files: 5 when any matched; text form for people
	ab check "$FREE" "$BY_PATH"
	assert_eq "$AB_RC" 5 "exit status of check FREE BANNED" || return 1
	assert_contains "$AB_OUT" "$BY_PATH: app by-path (path), deny exec: $blocked" "text" || return 1
	assert_contains "$AB_OUT" "$FREE: no match" "text for the free file" || return 1
}

test_check_strongest_rule_wins()
{
	local f
	f=$(make_marker "$T_DIR/d")
	write_policy "$T_DIR/p.policy" <<EOF2
app watched {
    dir $T_DIR/d
    audit
}
app banned {
    path $f
    deny exec
}
EOF2
	load_ok "$T_DIR/p.policy" || return 1
	_check_one "$f"
	assert_fields "$CHECK" app=banned identifier=path || return 1
}

test_check_errors_and_nothing_loaded()
{
	_check_setup
	ab check "$FREE"
	assert_eq "$AB_RC" 4 "check with no policy loaded" || return 1
	load_ok "$T_DIR/p.policy" || return 1
	_check_one "$T_DIR/does-not-exist"
	assert_eq "$CHECK_RC" 1 "exit status for a missing file" || return 1
	assert_fields "$CHECK" "error=No such file or directory" || return 1
	assert_contains "$(<"$T_DIR/.check.err")" "does-not-exist" "error names the file" || return 1
	ab check
	assert_eq "$AB_RC" 2 "check without a file" || return 1
}
