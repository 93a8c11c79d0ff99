# SPDX-License-Identifier: GPL-2.0
# Every error of policy.md and cli.md: exit 1 with FILE:LINE:COL: error: on
# stderr for invalid input (nothing loaded, or the previous policy left
# exactly as it was), exit 2 for usage.
# host-only: parsing, compiling and refusing happen in user space before anything reaches the kernel (one code path for both engines; the engines' swaps run in the VM through swap_* and daemon_*)

# _policy NAME: path of a policy file of this test; the text comes on stdin
_policy()
{
	write_policy "$T_DIR/$1.policy" >&2
	printf '%s' "$T_DIR/$1.policy"
}

# _expect_error FILE WHERE... [-- MSG_ERE]: `load FILE` exits 1 and stderr has
# "FILE:LINE:COL: error: " for one of WHERE ("LINE:COL" or "LINE:*"); with
# MSG_ERE, that line's message must match it too. Nothing is loaded after.
_expect_error()
{
	local file=$1 w re msg="" found=0 line
	shift
	local where=()
	while [ $# -gt 0 ]; do
		if [ "$1" = -- ]; then
			msg=$2
			break
		fi
		where+=("$1")
		shift
	done
	ab load "$file"
	assert_eq "$AB_RC" 1 "exit status of load $(basename "$file")" || return 1
	while IFS= read -r line; do
		for w in "${where[@]}"; do
			re="^$(_re_escape "$file"):${w%%:*}:"
			if [ "${w#*:}" = "*" ]; then re+="[0-9]+"; else re+="${w#*:}"; fi
			re+=": error: "
			if [[ "$line" =~ $re ]]; then
				if [ -z "$msg" ] || [[ "${line#*: error: }" =~ $msg ]]; then
					found=1
				fi
			fi
		done
	done <<<"$AB_ERR"
	[ "$found" = 1 ] || {
		fail "$(basename "$file"): no '$(basename "$file"):{${where[*]}}: error: ${msg:+/$msg/ }' on stderr: $(_short "$AB_ERR")"
		return 1
	}
	status_read
	assert_eq "$STATUS_RC" 4 "status exit after the refused $(basename "$file") (nothing loaded)" || return 1
}

_re_escape()
{
	sed 's/[][\.*^$+?(){}|/]/\\&/g' <<<"$1"
}

test_errors_unknown_statement()
{
	local n f
	n=$(uniq_name)
	f=$(_policy top <<EOF
policy bad
frobnicate yes
app a {
    name $n
    deny exec
}
EOF
)
	_expect_error "$f" 2:1 || return 1
	f=$(_policy inapp <<EOF
app a {
    name $n
    color red
    deny exec
}
EOF
)
	_expect_error "$f" 3:5 || return 1
}

test_errors_duplicate_app()
{
	local n f
	n=$(uniq_name)
	f=$(_policy dup <<EOF
app a {
    name $n
    deny exec
}
app a {
    name $n-2
    deny network
}
EOF
)
	_expect_error "$f" 5:1 5:5 || return 1
}

test_errors_missing_action()
{
	local f
	f=$(_policy noaction <<EOF
policy p
app a {
    name $(uniq_name)
}
EOF
)
	_expect_error "$f" '2:*' '4:*' || return 1
}

test_errors_two_actions()
{
	local f
	f=$(_policy two <<EOF
app a {
    name $(uniq_name)
    deny exec
    deny network
}
EOF
)
	_expect_error "$f" '4:*' || return 1
	f=$(_policy two-audit <<EOF
app a {
    audit
    name $(uniq_name)
    deny exec
}
EOF
)
	_expect_error "$f" '4:*' || return 1
}

test_errors_bad_action()
{
	local f
	f=$(_policy badaction <<EOF
app a {
    name $(uniq_name)
    deny fly
}
EOF
)
	_expect_error "$f" '3:*' || return 1
}

test_errors_no_identifier()
{
	local f
	f=$(_policy noident <<EOF
app a {
    description "nothing to match"
    deny exec
}
EOF
)
	_expect_error "$f" '1:*' '4:*' || return 1
}

test_errors_bad_sha256()
{
	local f
	f=$(_policy short <<EOF
app a {
    sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0
    deny exec
}
EOF
)
	_expect_error "$f" '2:*' || return 1
	f=$(_policy nothex <<EOF
app a {
    sha256 zf86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
    deny exec
}
EOF
)
	_expect_error "$f" '2:*' || return 1
	f=$(_policy long <<EOF
app a {
    sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0800
    deny exec
}
EOF
)
	_expect_error "$f" '2:*' || return 1
}

test_errors_relative_path()
{
	local f
	f=$(_policy relpath <<EOF
app a {
    path bin/appban-t-$T_ID
    deny exec
}
EOF
)
	_expect_error "$f" '2:*' || return 1
	f=$(_policy reldir <<EOF
app a {
    dir ./appban-t-$T_ID
    deny exec
}
EOF
)
	_expect_error "$f" '2:*' || return 1
}

test_errors_unterminated_string()
{
	local f
	f=$(_policy unterminated <<EOF
app a {
    description "never closed
    name $(uniq_name)
    deny exec
}
EOF
)
	_expect_error "$f" '2:*' || return 1
}

test_errors_unterminated_block()
{
	local f
	f=$(_policy noclose <<EOF
policy p
app a {
    name $(uniq_name)
    deny exec
EOF
)
	_expect_error "$f" '2:*' '4:*' '5:*' || return 1
	f=$(_policy nobrace <<EOF
app a
    name $(uniq_name)
    deny exec
}
EOF
)
	_expect_error "$f" '1:*' || return 1
	f=$(_policy brace-not-last <<EOF
app a { name $(uniq_name)
    deny exec
}
EOF
)
	_expect_error "$f" '1:*' || return 1
	f=$(_policy stray-close <<EOF
}
app a {
    name $(uniq_name)
    deny exec
}
EOF
)
	_expect_error "$f" '1:*' || return 1
}

test_errors_no_app()
{
	local f
	f=$(_policy empty </dev/null)
	_expect_error "$f" '1:*' '0:*' || return 1
	f=$(_policy comments <<EOF
# only comments

# and blank lines
EOF
)
	_expect_error "$f" '1:*' '2:*' '3:*' '4:*' '5:*' || return 1
	f=$(_policy truncated <<EOF
policy truncated
serial 3
mode enforce
EOF
)
	_expect_error "$f" '1:*' '2:*' '3:*' '4:*' || return 1
}

# An exceptions file (allow blocks, no app) is composed with a base, not
# loaded alone: one error that says so, no "unknown app" for the base's
# apps; mode in it is refused, by name. Policy language 1.1.
test_errors_exceptions_file_alone()
{
	local f
	f=$(_policy ministry <<EOF
policy ministry-$T_ID
serial 3
expires 2999-12-31
allow comms {
    app twitter
    uid 0
}
EOF
)
	_expect_error "$f" '8:1' -- "^policy has no app: this is an exceptions file" || return 1
	assert_not_contains "$AB_ERR" "unknown app" "stderr" || return 1
	f=$(_policy ministrymode <<EOF
policy ministry-$T_ID
mode monitor
allow comms {
    app twitter
    uid 0
}
EOF
)
	_expect_error "$f" '2:1' -- "^\"mode\" is not allowed in an exceptions file" || return 1
}

# expires: once, a valid date; past is only a warning (t_status.sh loads one)
test_errors_expires()
{
	local n f
	n=$(uniq_name)
	f=$(_policy twice <<EOF
expires 2999-01-01
expires 2999-01-02
app a {
    name $n
    deny exec
}
EOF
)
	_expect_error "$f" '2:1' -- "^expires given twice \(first at 1:1\)" || return 1
	f=$(_policy baddate <<EOF
app a {
    name $n
    deny exec
}
  expires 2999-02-30
EOF
)
	_expect_error "$f" '5:11' -- "^invalid date \"2999-02-30\" \(February 2999 has 28 days\)" || return 1
}

test_errors_name_too_long()
{
	local n64 n63 f prog
	n63=$(printf 'a%.0s' $(seq 63))
	n64=${n63}b
	f=$(_policy app64 <<EOF
app $n64 {
    name $(uniq_name)
    deny exec
}
EOF
)
	_expect_error "$f" '1:*' || return 1
	f=$(_policy policy64 <<EOF
policy $n64
app a {
    name $(uniq_name)
    deny exec
}
EOF
)
	_expect_error "$f" '1:*' || return 1
	# 63 characters is fine, for the policy and for the app
	prog=$(make_marker "$T_DIR/bin")
	f=$(_policy ok63 <<EOF
policy $n63
app $n63 {
    path $prog
    deny exec
}
EOF
)
	load_ok "$f" || return 1
	assert_eq "$(status_get policy.name)" "$n63" "policy name of 63 characters" || return 1
	assert_blocked "$prog" || return 1
}

test_errors_bad_name_chars()
{
	local f
	f=$(_policy slash <<EOF
app tik/tok {
    name $(uniq_name)
    deny exec
}
EOF
)
	_expect_error "$f" '1:*' || return 1
	f=$(_policy badpolicyname <<EOF
policy fr:recreational
app a {
    name $(uniq_name)
    deny exec
}
EOF
)
	_expect_error "$f" '1:*' || return 1
}

test_errors_bad_mode_and_serial()
{
	local f n
	n=$(uniq_name)
	f=$(_policy mode <<EOF
mode fast
app a {
    name $n
    deny exec
}
EOF
)
	_expect_error "$f" '1:*' || return 1
	for s in -1 abc 18446744073709551616 1.5; do
		f=$(_policy "serial$s" <<EOF
serial $s
app a {
    name $n
    deny exec
}
EOF
)
		_expect_error "$f" '1:*' || return 1
	done
	# the largest serial is fine
	f=$(_policy maxserial <<EOF
serial 18446744073709551615
app a {
    name $n
    deny exec
}
EOF
)
	load_ok "$f" || return 1
	assert_eq "$(status_get policy.serial)" 18446744073709551615 "status policy.serial" || return 1
}

test_errors_allow_block_errors()
{
	# the errors of allow blocks are reported
	local n f
	n=$(uniq_name)
	f=$(_policy unknownapp <<EOF
app a {
    name $n
    deny exec
}
allow office {
    app nosuch
    user root
}
EOF
)
	_expect_error "$f" '6:*' || return 1
	f=$(_policy dupallow <<EOF
app a {
    name $n
    deny exec
}
allow office {
    app a
    user root
}
allow office {
    app a
    uid 0
}
EOF
)
	_expect_error "$f" '9:*' || return 1
	f=$(_policy nouser <<EOF
app a {
    name $n
    deny exec
}
allow office {
    app a
    user appban-no-such-user-$T_ID
}
EOF
)
	_expect_error "$f" '7:10' -- "unknown user \"appban-no-such-user-$T_ID\"" || return 1
	f=$(_policy nogroup <<EOF
app a {
    name $n
    deny exec
}
allow office {
    app a
    group appban-no-such-group-$T_ID
}
EOF
)
	_expect_error "$f" '7:11' -- "unknown group \"appban-no-such-group-$T_ID\"" || return 1
	f=$(_policy pastuntil <<EOF
app a {
    name $n
    deny exec
}
allow office {
    app a
    uid 0
    until 2020-01-01
}
EOF
)
	# a date in the past is a warning: the exception never applies
	ab load "$f"
	assert_eq "$AB_RC" 0 "load with an until in the past (a warning)" || return 1
	assert_contains "$AB_ERR" "$f:8:11: warning: allow \"office\" ended on 2020-01-01" || return 1
	assert_not_contains "$AB_ERR" ": error: " "stderr" || return 1
}

test_errors_missing_path_is_warning()
{
	# a path or dir that does not exist: a warning, the load goes on
	local prog f
	prog=$(make_marker "$T_DIR/bin")
	f=$(_policy missing <<EOF
app gone {
    path $T_DIR/nowhere/appban-t-$T_ID
    deny exec
}
app gonedir {
    dir $T_DIR/no-such-dir
    deny exec
}
app here {
    path $prog
    deny exec
}
EOF
)
	ab load "$f"
	assert_eq "$AB_RC" 0 "load with missing paths (warnings only)" || return 1
	engine_refresh || return 1
	assert_match "$AB_ERR" "$(_re_escape "$f"):2:[0-9]+: warning: " "warning for the missing path" || return 1
	assert_match "$AB_ERR" "$(_re_escape "$f"):6:[0-9]+: warning: " "warning for the missing dir" || return 1
	assert_not_contains "$AB_ERR" ": error: " "stderr" || return 1
	assert_blocked "$prog" || return 1
}

test_errors_unreadable_policy()
{
	local f="$T_DIR/does-not-exist.policy"
	_expect_error "$f" 1:1 || return 1
	mkdir -p "$T_DIR/adir.policy"
	_expect_error "$T_DIR/adir.policy" 1:1 || return 1
}

test_errors_usage()
{
	local n f
	n=$(uniq_name)
	f=$(_policy good <<EOF
app a {
    name $n
    deny exec
}
EOF
)
	local cmds=(
		"load"
		"load --bogus-option $f"
		"load $f $f"
		"load --engine nosuch $f"
		"no-such-command"
		"status --bogus-option"
		""
	)
	local c
	for c in "${cmds[@]}"; do
		# shellcheck disable=SC2086
		ab $c
		assert_eq "$AB_RC" 2 "exit status of 'appban $c' (usage)" || return 1
		status_read
		assert_eq "$STATUS_RC" 4 "status after 'appban $c' (nothing loaded)" || return 1
	done
}

test_errors_keep_previous_policy()
{
	# a policy with an error leaves the one in force in force and unchanged
	local banned other n before after f bad
	banned=$(make_marker "$T_DIR/bin")
	other=$(make_marker "$T_DIR/bin")
	n=$(uniq_name)
	f=$(_policy good <<EOF
policy previous-$T_ID
serial 7
app banned {
    path $banned
    deny exec
}
EOF
)
	load_ok "$f" || return 1
	assert_blocked "$banned" || return 1
	local bads=()
	bads+=("$(_policy syntax <<EOF
policy next-$T_ID
serial 8
app other {
    path $other
    deny exec
}
frobnicate
EOF
)")
	bads+=("$(_policy relative <<EOF
policy next-$T_ID
serial 8
app other {
    path $other
    deny exec
}
app rel {
    path relative/path
    deny exec
}
EOF
)")
	bads+=("$(_policy baddigest <<EOF
policy next-$T_ID
serial 8
app other {
    path $other
    sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0
    deny exec
}
EOF
)")
	bads+=("$(_policy allowed <<EOF
policy next-$T_ID
app other {
    path $other
    deny exec
}
allow x {
    app other
    user appban-no-such-user-$T_ID
}
EOF
)")
	bads+=("$(_policy truncated <<EOF
policy next-$T_ID
app other {
    path $other
EOF
)")
	bads+=("$T_DIR/missing-file.policy")
	for bad in "${bads[@]}"; do
		before=$(json_canon "$(status_json)")
		ab load "$bad"
		assert_eq "$AB_RC" 1 "load $(basename "$bad")" || return 1
		assert_match "$AB_ERR" ":[0-9]+:[0-9]+: error: " "error on stderr for $(basename "$bad")" || return 1
		after=$(json_canon "$(status_json)")
		assert_eq "$after" "$before" "status after the refused $(basename "$bad")" || return 1
		assert_blocked "$banned" || return 1
		assert_runs "$other" || return 1
	done
	ab load --monitor "${bads[0]}"
	assert_eq "$AB_RC" 1 "load --monitor of a bad policy" || return 1
	assert_eq "$(status_get mode)" enforce "mode after a refused load --monitor" || return 1
	assert_blocked "$banned" || return 1
}
