# SPDX-License-Identifier: GPL-2.0
# Side doors of issue 3: a banned file reached through a descriptor
# (fexecve), and fileless execution (memfd_create), reported or refused.

# _py_exec_fd MODE PATH: python3 executes PATH through a descriptor: MODE
# "fd" opens PATH itself (fexecve), "memfd" copies it into a memfd first.
_py_exec_fd()
{
	spawn "$(command -v python3)" -c '
import os, sys
mode, path = sys.argv[1], sys.argv[2]
if mode == "memfd":
    fd = os.memfd_create("appban-t-memfd", 0)
    with open(path, "rb") as f:
        os.write(fd, f.read())
else:
    fd = os.open(path, os.O_RDONLY)
os.execve(fd, [path], dict(os.environ))
' "$1" "$2"
}

# What a blocked exec through a descriptor looks like from python: EPERM
# makes os.execve raise (exit 1); the fallback engine kills (signal 9).
_assert_fd_exec_blocked()
{
	case "$ENGINE" in
	lsm)
		assert_eq "$SP_RESULT" exit:1 "python's exit after a refused execve" || return 1
		assert_contains "$SP_OUTPUT" PermissionError "python's error" || return 1
		;;
	fallback)
		assert_eq "$SP_RESULT" signal:9 "result (fallback: SIGKILL)" || return 1
		;;
	*)
		fail "unknown engine $ENGINE"
		return 1
		;;
	esac
	assert_not_contains "$SP_OUTPUT" "appban-marker ran" "output of the banned code" || return 1
}

test_sidedoor_fexecve_of_banned_file()
{
	local prog before
	prog=$(make_marker "$T_DIR/bin")
	write_policy "$T_DIR/p.policy" <<EOF2
app banned {
    path $prog
    deny exec
}
EOF2
	load_ok "$T_DIR/p.policy" || return 1
	before=$(marker_runs "$prog")
	_py_exec_fd fd "$prog" || return 1
	_assert_fd_exec_blocked || return 1
	assert_eq "$(marker_runs "$prog")" "$before" "runs of the banned code" || return 1
}

test_sidedoor_memfd_exec_is_reported()
{
	local prog
	prog=$(make_marker "$T_DIR/bin")
	write_policy "$T_DIR/p.policy" <<EOF2
app unrelated {
    name $(uniq_name)
    deny exec
}
EOF2
	run_start "$T_DIR/p.policy" || return 1
	_py_exec_fd memfd "$prog" || return 1
	assert_eq "$SP_RESULT" exit:0 "memfd exec without deny fileless-exec" || return 1
	assert_contains "$SP_OUTPUT" "appban-marker ran" "output of the memfd copy" || return 1
	wait_event "$RUN_OUT" event.action=exec-audited "process.pid=$SP_PID" || return 1
	assert_fields "$EVENT" appban.match=fileless rule.name=fileless-exec \
		event.outcome=success || return 1
}

test_sidedoor_deny_fileless_exec()
{
	local prog
	prog=$(make_marker "$T_DIR/bin")
	write_policy "$T_DIR/p.policy" <<EOF2
deny fileless-exec
app unrelated {
    name $(uniq_name)
    deny exec
}
EOF2
	run_start "$T_DIR/p.policy" || return 1
	_py_exec_fd memfd "$prog" || return 1
	_assert_fd_exec_blocked || return 1
	wait_event "$RUN_OUT" event.action=exec-blocked "process.pid=$SP_PID" || return 1
	assert_fields "$EVENT" appban.match=fileless rule.name=fileless-exec \
		event.outcome=failure || return 1
	# an ordinary program still runs
	assert_runs "$prog" || return 1
}
