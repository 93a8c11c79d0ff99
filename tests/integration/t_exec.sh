# SPDX-License-Identifier: GPL-2.0
# Exec bans by each identifier (path, dir, name), the audit action, monitor
# mode, and that an unload gives the programs back.

test_exec_path_deny()
{
	local banned other echo_copy
	banned=$(make_marker "$T_DIR/bin")
	other=$(make_marker "$T_DIR/bin")
	echo_copy=$(make_echo "$T_DIR/bin")
	write_policy "$T_DIR/p.policy" <<EOF
policy exec-path-$T_ID
app banned {
    path $banned
    path $echo_copy
    deny exec
}
EOF
	assert_runs "$banned" || return 1
	load_ok "$T_DIR/p.policy" || return 1
	assert_blocked "$banned" || return 1
	assert_blocked "$echo_copy" "this must not be printed" || return 1
	assert_blocked_sh "$banned" || return 1
	assert_blocked_sh "$echo_copy" "this must not be printed" || return 1
	# a copy with the same content at another path is not this path
	assert_runs "$other" || return 1
	assert_runs /bin/true --version || return 1
}

test_exec_path_quoted_with_space()
{
	local banned
	banned=$(make_marker "$T_DIR/with space/and \"quote\"" "prog name")
	write_policy "$T_DIR/p.policy" <<EOF
app spaced {
    description "a path with a space, given as a string"
    path "$T_DIR/with space/and \\"quote\\"/prog name"   # trailing comment
    deny exec
}
EOF
	load_ok "$T_DIR/p.policy" || return 1
	assert_blocked "$banned" || return 1
}

test_exec_dir_deny()
{
	local top nested deep outside sibling
	top=$(make_marker "$T_DIR/banned")
	nested=$(make_marker "$T_DIR/banned/a")
	deep=$(make_marker "$T_DIR/banned/a/b/c/d/e/f")
	outside=$(make_marker "$T_DIR/free")
	sibling=$(make_marker "$T_DIR/banned-not")	# a name that starts the same
	write_policy "$T_DIR/p.policy" <<EOF
app bandir {
    dir $T_DIR/banned
    deny exec
}
EOF
	load_ok "$T_DIR/p.policy" || return 1
	assert_blocked "$top" || return 1
	assert_blocked "$nested" || return 1
	assert_blocked "$deep" || return 1
	# a new file put in the directory after the load
	local late
	late=$(make_marker "$T_DIR/banned/a/new")
	assert_blocked "$late" || return 1
	assert_runs "$outside" || return 1
	assert_runs "$sibling" || return 1
}

test_exec_name_deny()
{
	local name a b c other
	name=$(uniq_name)
	a=$(make_marker "$T_DIR/one" "$name")
	b=$(make_marker "$T_DIR/two/deeper" "$name")
	other=$(make_marker "$T_DIR/one" "$name-x")
	write_policy "$T_DIR/p.policy" <<EOF
app byname {
    name $name
    deny exec
}
EOF
	load_ok "$T_DIR/p.policy" || return 1
	assert_blocked "$a" || return 1
	assert_blocked "$b" || return 1
	# a copy made after the load, anywhere, with that name
	c=$(make_marker "$T_DIR/three" "$name")
	assert_blocked "$c" || return 1
	assert_runs "$other" || return 1
}

# A file that ran, then is moved or renamed so that a rule names it: the
# fallback engine remembers files that match nothing (bpf/vcache.h), and
# must forget them when a rename changes what they are.
test_exec_moved_into_banned_dir()
{
	local f
	f=$(make_marker "$T_DIR/stage/sub")
	mkdir -p "$T_DIR/banned"
	write_policy "$T_DIR/p.policy" <<EOF
app bandir {
    dir $T_DIR/banned
    deny exec
}
EOF
	load_ok "$T_DIR/p.policy" || return 1
	assert_runs "$f" || return 1
	assert_runs "$f" || return 1
	# its directory, not the file, is moved under the banned one
	mv "$T_DIR/stage/sub" "$T_DIR/banned/sub" || return 1
	assert_blocked "$T_DIR/banned/sub/$(basename "$f")" || return 1
}

test_exec_renamed_to_banned_name()
{
	local name f
	name=$(uniq_name)
	f=$(make_marker "$T_DIR/one" "$name-before")
	write_policy "$T_DIR/p.policy" <<EOF
app byname {
    name $name
    deny exec
}
EOF
	load_ok "$T_DIR/p.policy" || return 1
	assert_runs "$f" || return 1
	mv "$f" "$T_DIR/one/$name" || return 1
	assert_blocked "$T_DIR/one/$name" || return 1
	# and back: it runs again
	mv "$T_DIR/one/$name" "$f" || return 1
	assert_runs "$f" || return 1
}

test_exec_name_long()
{
	# comm holds 15 characters: a name rule must still tell long names apart
	local base long1 long2
	base="appban-t-$T_ID-long-name-of-a-program"
	long1=$(make_marker "$T_DIR/bin" "$base-1")
	long2=$(make_marker "$T_DIR/bin" "$base-2")
	write_policy "$T_DIR/p.policy" <<EOF
app longname {
    name $base-1
    deny exec
}
EOF
	load_ok "$T_DIR/p.policy" || return 1
	assert_blocked "$long1" || return 1
	assert_runs "$long2" || return 1
}

test_exec_several_apps_and_identifiers()
{
	local p d n free name
	name=$(uniq_name)
	p=$(make_marker "$T_DIR/p")
	d=$(make_marker "$T_DIR/d/sub")
	n=$(make_marker "$T_DIR/n" "$name")
	free=$(make_marker "$T_DIR/p")
	write_policy "$T_DIR/p.policy" <<EOF
# several apps, several identifiers each, comments and blank lines

policy multi-$T_ID
serial 42
mode enforce

app first {
    path $p
    name $name
    deny exec
}

app second {
    description "by directory"
    dir $T_DIR/d
    deny exec
}
EOF
	load_ok "$T_DIR/p.policy" || return 1
	assert_blocked "$p" || return 1
	assert_blocked "$d" || return 1
	assert_blocked "$n" || return 1
	assert_runs "$free" || return 1
}

test_exec_audit_action()
{
	local audited banned
	audited=$(make_marker "$T_DIR/a")
	banned=$(make_marker "$T_DIR/b")
	write_policy "$T_DIR/p.policy" <<EOF
app watched {
    path $audited
    audit
}
app banned {
    path $banned
    deny exec
}
EOF
	load_ok "$T_DIR/p.policy" || return 1
	assert_runs "$audited" || return 1
	assert_eq "$(marker_runs "$audited")" 1 "runs of the audited program" || return 1
	assert_blocked "$banned" || return 1
	assert_eq "$(status_get counters.audits)" 1 "status counters.audits" || return 1
	assert_eq "$(status_get counters.exec_blocked)" 1 "status counters.exec_blocked" || return 1
}

test_exec_mode_monitor()
{
	local prog
	prog=$(make_marker "$T_DIR/bin")
	write_policy "$T_DIR/p.policy" <<EOF
policy monitored-$T_ID
mode monitor
app banned {
    path $prog
    deny exec
}
EOF
	load_ok "$T_DIR/p.policy" || return 1
	assert_eq "$(status_get mode)" monitor "status mode" || return 1
	assert_runs "$prog" || return 1
	assert_eq "$(status_get counters.exec_blocked)" 0 "counters.exec_blocked in monitor mode" || return 1
	assert_eq "$(status_get counters.audits)" 1 "counters.audits in monitor mode" || return 1
}

test_exec_load_monitor_flag()
{
	local prog
	prog=$(make_marker "$T_DIR/bin")
	write_policy "$T_DIR/p.policy" <<EOF
mode enforce
app banned {
    path $prog
    deny exec
}
EOF
	load_ok --monitor "$T_DIR/p.policy" || return 1
	assert_eq "$(status_get mode)" monitor "status mode after load --monitor" || return 1
	assert_runs "$prog" || return 1
	# the same file without --monitor enforces again
	load_ok "$T_DIR/p.policy" || return 1
	assert_eq "$(status_get mode)" enforce "status mode after load" || return 1
	assert_blocked "$prog" || return 1
}

test_exec_unload_gives_back()
{
	local prog
	prog=$(make_marker "$T_DIR/bin")
	write_policy "$T_DIR/p.policy" <<EOF
app banned {
    path $prog
    deny exec
}
EOF
	load_ok "$T_DIR/p.policy" || return 1
	assert_blocked "$prog" || return 1
	ab unload
	assert_eq "$AB_RC" 0 "unload exit status" || return 1
	assert_runs "$prog" || return 1
	[ -e /sys/fs/bpf/appban ] && { fail "/sys/fs/bpf/appban still exists after unload"; return 1; }
	ab unload
	assert_eq "$AB_RC" 0 "second unload exit status (nothing loaded)" || return 1
}

test_exec_forced_fallback_engine()
{
	# --engine fallback works on every kernel; the lsm engine only with BPF LSM
	local prog
	prog=$(make_marker "$T_DIR/bin")
	write_policy "$T_DIR/p.policy" <<EOF
app banned {
    path $prog
    deny exec
}
EOF
	load_ok --engine fallback "$T_DIR/p.policy" || return 1
	assert_eq "$ENGINE" fallback "engine after load --engine fallback" || return 1
	assert_blocked "$prog" || return 1
	assert_blocked_sh "$prog" || return 1
}

test_exec_engine_lsm_when_available()
{
	# the lsm engine when the kernel has it, else exit 3 and nothing loaded
	local prog
	prog=$(make_marker "$T_DIR/bin")
	write_policy "$T_DIR/p.policy" <<EOF
app banned {
    path $prog
    deny exec
}
EOF
	ab load --engine lsm "$T_DIR/p.policy"
	case "$AB_RC" in
	0)
		engine_refresh || return 1
		assert_eq "$ENGINE" lsm "engine after load --engine lsm" || return 1
		# BPF LSM programs attach on a kernel built with CONFIG_BPF_LSM even
		# when bpf is not an active LSM; their hooks then never run
		if ! grep -qw bpf /sys/kernel/security/lsm 2>/dev/null; then
			fail "load --engine lsm exited 0 (engine lsm) but bpf is not in /sys/kernel/security/lsm ($(</sys/kernel/security/lsm)): nothing would be enforced; want exit 3"
			return 1
		fi
		assert_blocked "$prog" || return 1
		assert_blocked_sh "$prog" || return 1
		;;
	3)
		log "lsm engine refused by this kernel (exit 3), as cli.md allows"
		assert_nonempty "$AB_ERR" "reason on stderr for exit 3" || return 1
		if [ "${APPBAN_VM_LSM:-0}" = 1 ] && ! lsm_cannot_attach_here "$AB_ERR"; then
			fail "APPBAN_VM_LSM=1 but --engine lsm exited 3: $(_short "$AB_ERR")"
			return 1
		fi
		status_read
		assert_eq "$STATUS_RC" 4 "status exit after a refused load (nothing loaded)" || return 1
		assert_runs "$prog" || return 1
		;;
	*)
		fail "load --engine lsm exited $AB_RC (want 0, or 3 where the kernel refuses): $(_short "$AB_ERR")"
		return 1
		;;
	esac
}

# lsm_cannot_attach_here TEXT: an arm64 kernel before 6.4 (no ftrace direct
# calls: BPF trampolines cannot reach kernel functions), and appban's TEXT
# says that is why it refused the lsm engine (docs/kernels.md)
lsm_cannot_attach_here()
{
	local v
	[ "$(uname -m)" = aarch64 ] || return 1
	v=$(uname -r)
	v=${v%%-*}
	[ "$(printf '%s\n6.4\n' "${v%.*}" | sort -V | head -n 1)" != 6.4 ] || return 1
	[[ $1 == *"cannot attach BPF LSM programs"* ]]
}

test_exec_engine_expected()
{
	# never assumed: read from status; checked against what the VM tier booted
	local prog
	prog=$(make_marker "$T_DIR/bin")
	write_policy "$T_DIR/p.policy" <<EOF
app banned {
    path $prog
    deny exec
}
EOF
	load_ok "$T_DIR/p.policy" || return 1
	log "engine in use: $ENGINE ($(status_get engine_reason))"
	assert_nonempty "$(status_get engine_reason)" "status engine_reason" || return 1
	if [ "${APPBAN_VM_LSM:-0}" = 1 ] && lsm_cannot_attach_here "$(status_get engine_reason)"; then
		log "arm64 kernel without BPF trampolines to kernel functions: fallback, as status says"
		assert_eq "$ENGINE" fallback "engine where the kernel cannot attach LSM programs" || return 1
	elif [ "${APPBAN_VM_LSM:-0}" = 1 ]; then
		assert_eq "$ENGINE" lsm "engine in a VM booted with bpf in lsm=" || return 1
	elif [ "${APPBAN_VM:-0}" = 1 ]; then
		assert_eq "$ENGINE" fallback "engine in a VM booted without bpf LSM" || return 1
	elif ! grep -qw bpf /sys/kernel/security/lsm 2>/dev/null; then
		assert_eq "$ENGINE" fallback "engine on a kernel without bpf in its LSM list" || return 1
	fi
	assert_blocked "$prog" || return 1
}

test_exec_via_dynamic_loader()
{
	# `ld.so /path/banned` maps the banned file itself, no exec of it: the
	# banned code must not run all the same
	local prog interp
	prog=$(make_marker "$T_DIR/bin")
	interp=$(elf_interp "$prog")
	[ -n "$interp" ] || interp=$(ls /lib64/ld-linux-*.so.* /lib/ld-linux-*.so.* 2>/dev/null | head -n1)
	[ -x "$interp" ] || skip "no dynamic loader found (static system?)"
	write_policy "$T_DIR/p.policy" <<EOF2
app banned {
    path $prog
    deny exec
}
EOF2
	assert_runs "$interp" "$prog" || return 1
	load_ok "$T_DIR/p.policy" || return 1
	local before
	# every engine on every kernel: before 5.15 the fallback engine sees
	# the mmap through its raw sys_enter program (docs/kernels.md)
	assert_ne "$(status_get protections.dynamic-loader.state)" open "status: dynamic-loader" || return 1
	before=$(marker_runs "$prog")
	spawn "$interp" "$prog" || return 1
	# the loader may say why it failed (lsm: "failed to map segment"), but
	# the banned program must say nothing
	assert_not_contains "$SP_OUTPUT" "appban-marker ran" "output of $interp $prog" || return 1
	assert_eq "$(marker_runs "$prog")" "$before" "runs of the banned code through $interp" || return 1
	case "$ENGINE" in
	fallback)
		assert_eq "$SP_RESULT" signal:9 "result of $interp $prog (fallback: SIGKILL)" || return 1
		;;
	lsm)
		# the executable mapping is refused: the loader gives up
		assert_match "$SP_RESULT" '^(exit:[1-9][0-9]*|signal:9)$' "result of $interp $prog (lsm)" || return 1
		;;
	esac
}

test_exec_script_banned()
{
	# a banned script: the kernel runs its interpreter, the script is the app
	local script free
	mkdir -p "$T_DIR/bin"
	script="$T_DIR/bin/$(uniq_name).sh"
	free="$T_DIR/bin/$(uniq_name).sh"
	printf '#!/bin/sh\necho "script ran: $0"\n' >"$script"
	cp "$script" "$free"
	chmod 0755 "$script" "$free"
	write_policy "$T_DIR/p.policy" <<EOF2
app banned-script {
    path $script
    deny exec
}
EOF2
	load_ok "$T_DIR/p.policy" || return 1
	# before 5.15 the fallback engine sees the interpreter's open through
	# its raw sys_exit program (docs/kernels.md)
	assert_ne "$(status_get protections.script.state)" open "status: script" || return 1
	assert_blocked "$script" || return 1
	assert_runs "$free" || return 1
	# the interpreter itself is not banned
	assert_runs /bin/sh -c 'echo sh still runs' || return 1
}
