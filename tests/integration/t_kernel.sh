# SPDX-License-Identifier: GPL-2.0
# The kernel's BPF features: appban names what a kernel lacks (load and
# status), refuses where no engine can load, loads its compat programs where
# the features of 5.17 are missing (5.10: bullseye, handsets) and says what
# is weaker there. The expectation is read from the kernel's BTF with
# bpftool, not from appban (docs/kernels.md).

# kernel_expected_missing: KMISS := the features no engine can do without
# that the kernel lacks, KLACKS := those of 5.17 that only the full programs
# need, as "ENUMERATOR ..." (bpftool's raw dump of /sys/kernel/btf/vmlinux)
kernel_expected_missing()
{
	local dump e
	command -v bpftool >/dev/null || skip "bpftool is not installed: cannot read the kernel's BTF independently"
	dump=$(bpftool btf dump file /sys/kernel/btf/vmlinux format raw 2>/dev/null) ||
		{ fail "bpftool cannot read /sys/kernel/btf/vmlinux"; return 1; }
	KMISS=
	KLACKS=
	for e in BPF_FUNC_ringbuf_reserve BPF_FUNC_ktime_get_boot_ns; do
		grep -q "'$e' val=" <<<"$dump" || KMISS+="$e "
	done
	for e in BPF_FUNC_get_current_task_btf BPF_MAP_TYPE_TASK_STORAGE BPF_PROG_TYPE_SYSCALL \
		BPF_FUNC_loop BPF_FUNC_find_vma; do
		grep -q "'$e' val=" <<<"$dump" || KLACKS+="$e "
	done
	echo "# kernel $(uname -r) lacks: ${KMISS:-nothing} (needed); ${KLACKS:-nothing} (full programs)"
}

# What appban calls each enumerator in its messages.
kernel_feature_words()
{
	case $1 in
	BPF_FUNC_ringbuf_reserve) echo "BPF ring buffer" ;;
	BPF_FUNC_ktime_get_boot_ns) echo "bpf_ktime_get_boot_ns()" ;;
	BPF_FUNC_get_current_task_btf) echo "bpf_get_current_task_btf()" ;;
	BPF_MAP_TYPE_TASK_STORAGE) echo "BPF task storage" ;;
	BPF_PROG_TYPE_SYSCALL) echo "BPF_PROG_TYPE_SYSCALL" ;;
	BPF_FUNC_loop) echo "bpf_loop()" ;;
	BPF_FUNC_find_vma) echo "bpf_find_vma()" ;;
	esac
}

test_kernel_features_named()
{
	local e w p st
	kernel_expected_missing || return 1
	p=$(make_marker "$T_DIR/p")
	write_policy "$T_DIR/p.policy" <<EOF
policy kernel-$T_ID
serial 1
app one {
    path $p
    deny exec
}
EOF
	ab unload
	if [ -n "$KMISS" ]; then
		ab load "$T_DIR/p.policy"
		assert_eq "$AB_RC" 3 "load on a kernel lacking $KMISS" || return 1
		for e in $KMISS; do
			w=$(kernel_feature_words "$e")
			[[ $AB_ERR == *"$w"* ]] || { fail "load's error does not name $w: $(_short "$AB_ERR")"; return 1; }
		done
		status_read
		assert_eq "$STATUS_RC" 4 "status exit on a kernel where nothing loads" || return 1
		for e in $KMISS; do
			w=$(kernel_feature_words "$e")
			[[ $(json_get "$STATUS" kernel_missing) == *"$w"* ]] ||
				{ fail "status --json's kernel_missing does not name $w: $(_short "$STATUS")"; return 1; }
		done
		st=$("$APPBAN" status 2>&1)
		[[ $st == *"lacks what appban needs"* ]] ||
			{ fail "status (text) does not say what the kernel lacks: $(_short "$st")"; return 1; }
		# Nothing of a refused load stays behind.
		[ ! -e /sys/fs/bpf/appban ] || [ -z "$(ls -A /sys/fs/bpf/appban)" ] ||
			{ fail "pins left after a refused load: $(ls /sys/fs/bpf/appban)"; return 1; }
		return 0
	fi
	# Nothing loaded yet: status says what a load would lack.
	status_read
	assert_eq "$STATUS_RC" 4 "status exit with nothing loaded" || return 1
	if json_get "$STATUS" kernel_missing >/dev/null; then
		fail "status names missing features on a kernel that has what every engine needs: $(_short "$STATUS")"
		return 1
	fi
	for e in $KLACKS; do
		w=$(kernel_feature_words "$e")
		[[ $(json_get "$STATUS" kernel_lacks) == *"$w"* ]] ||
			{ fail "status --json (nothing loaded) does not name $w under kernel_lacks: $(_short "$STATUS")"; return 1; }
	done
	load_ok "$T_DIR/p.policy" || return 1
	assert_blocked "$p" || return 1
	status_read
	if [ -z "$KLACKS" ]; then
		assert_eq "$(json_get "$STATUS" programs)" full "programs on a kernel with every feature" || return 1
		[[ $AB_ERR != *"compat programs"* ]] ||
			{ fail "load warns of compat programs on a kernel that has every feature: $(_short "$AB_ERR")"; return 1; }
		st=$("$APPBAN" status 2>&1)
		[[ $st != *"lacks"* ]] ||
			{ fail "status names missing features on a kernel that has them all: $(_short "$st")"; return 1; }
		return 0
	fi
	# The compat programs: load warns, status names each missing feature.
	assert_eq "$(json_get "$STATUS" programs)" compat "programs on a kernel lacking $KLACKS" || return 1
	for e in $KLACKS; do
		w=$(kernel_feature_words "$e")
		[[ $AB_ERR == *"$w"* ]] || { fail "load's warning does not name $w: $(_short "$AB_ERR")"; return 1; }
		[[ $(json_get "$STATUS" kernel_lacks) == *"$w"* ]] ||
			{ fail "status --json's kernel_lacks does not name $w: $(_short "$STATUS")"; return 1; }
	done
	st=$("$APPBAN" status 2>&1)
	[[ $st == *"compat programs in force"* ]] ||
		{ fail "status (text) does not say the compat programs are in force: $(_short "$st")"; return 1; }
	assert_eq "$(json_get "$STATUS" protections.dir-depth.state)" "$(blocked_word)" "dir-depth" || return 1
}

# blocked_word: the state status gives a refused start on the engine in use
blocked_word()
{
	case "$ENGINE" in
	lsm) echo refused ;;
	*) echo killed ;;
	esac
}

# The compat programs on any kernel (APPBAN_TEST_COMPAT=1 makes a load take
# them where the full ones would load): path, name and dir rules, the
# network, a script, and what status says of them.
test_kernel_compat_programs_enforce()
{
	local p d n name script net
	name=$(uniq_name)
	p=$(make_marker "$T_DIR/bin")
	d=$(make_marker "$T_DIR/banned/a/b")
	n=$(make_marker "$T_DIR/elsewhere" "$name")
	net=$(make_nettest "$T_DIR/bin")
	mkdir -p "$T_DIR/scripts"
	script="$T_DIR/scripts/$(uniq_name).sh"
	printf '#!/bin/sh\necho "script ran: $0"\n' >"$script"
	chmod 0755 "$script"
	write_policy "$T_DIR/p.policy" <<EOF
policy compat-$T_ID
app bypath {
    path $p
    path $script
    deny exec
}
app bydir {
    dir $T_DIR/banned
    deny exec
}
app byname {
    name $name
    deny exec
}
app nonet {
    path $net
    deny network
}
EOF
	APPBAN_TEST_COMPAT=1 load_ok "$T_DIR/p.policy" || return 1
	assert_eq "$(status_get programs)" compat "programs with APPBAN_TEST_COMPAT=1" || return 1
	assert_blocked "$p" || return 1
	assert_blocked "$d" || return 1
	assert_blocked "$n" || return 1
	assert_blocked "$script" || return 1
	assert_runs "$(make_marker "$T_DIR/free")" || return 1
	assert_net_eperm "socket(inet, tcp) of a deny network app" "$net" socket inet tcp || return 1
	assert_net_eperm "socket(inet6, udp) of a deny network app" "$net" socket inet6 udp || return 1
	assert_net_ok "socket(unix, stream) of a deny network app" "$net" socket unix stream || return 1
}

# A file deeper than the compat programs walk (abi.h:
# APPBAN_COMPAT_MAX_ANCESTORS, 128) is refused where status lists
# dir-depth, and runs where it does not; a file 100 levels below a banned
# directory is refused everywhere.
test_kernel_dir_depth()
{
	local deep under i rel=""
	for i in $(seq 1 140); do rel+="d/"; done
	deep=$(make_marker "$T_DIR/free/$rel")
	rel=""
	for i in $(seq 1 100); do rel+="d/"; done
	under=$(make_marker "$T_DIR/banned/$rel")
	write_policy "$T_DIR/p.policy" <<EOF
policy depth-$T_ID
app bydir {
    dir $T_DIR/banned
    deny exec
}
EOF
	load_ok "$T_DIR/p.policy" || return 1
	assert_blocked "$under" || return 1
	status_read
	if json_get "$STATUS" protections.dir-depth.state >/dev/null; then
		log "status: $(json_get "$STATUS" protections.dir-depth.how)"
		assert_blocked "$deep" || return 1
	else
		assert_runs "$deep" || return 1
	fi
}

# mprotect(PROT_EXEC) of a mapping of a banned file: refused or killed
# where status says so, let through where it says open (the compat fallback
# programs: no bpf_find_vma() before 5.17).
test_kernel_mprotect_as_status_says()
{
	local p state
	p=$(make_marker "$T_DIR/bin")
	write_policy "$T_DIR/p.policy" <<EOF
policy mprot-$T_ID
app banned {
    path $p
    deny exec
}
EOF
	load_ok "$T_DIR/p.policy" || return 1
	state=$(status_get protections.mprotect.state) || { fail "status lists no mprotect"; return 1; }
	spawn "$HELPERS/mprot" "$p" || return 1
	case "$state" in
	open) assert_eq "$SP_RESULT" exit:0 "mprotect where status says open" || return 1 ;;
	killed) assert_eq "$SP_RESULT" signal:9 "mprotect where status says killed" || return 1 ;;
	refused)
		assert_eq "$SP_RESULT" exit:1 "mprotect where status says refused" || return 1
		assert_match "$SP_OUTPUT" "Operation not permitted" "mprotect's error" || return 1
		;;
	*) fail "status: mprotect is $state"; return 1 ;;
	esac
}

# The fallback engine's raw sys_enter/sys_exit programs, which run the checks
# of its syscall tracepoint programs where those cannot stay attached (no BPF
# link for a perf event before 5.15): APPBAN_TEST_RAWTP=1 takes them on any
# kernel, here with the full and with the compat programs (on 5.10 both are
# the compat ones). Linked and pinned in place of the tracepoints, they kill
# ld.so FILE and a banned script, and report a pin renamed.
test_kernel_raw_syscall_programs()
{
	local prog script interp compat pins=/sys/fs/bpf/appban
	prog=$(make_marker "$T_DIR/bin")
	mkdir -p "$T_DIR/bin"
	script="$T_DIR/bin/$(uniq_name).sh"
	printf '#!/bin/sh\necho "script ran: $0"\n' >"$script"
	chmod 0755 "$script"
	interp=$(elf_interp "$prog")
	[ -x "$interp" ] || skip "no dynamic loader found (static system?)"
	write_policy "$T_DIR/p.policy" <<EOF
policy rawtp-$T_ID
app banned {
    path $prog
    path $script
    deny exec
}
EOF
	for compat in 0 1; do
		APPBAN_TEST_RAWTP=1 APPBAN_TEST_COMPAT=$compat load_ok --engine fallback "$T_DIR/p.policy" || return 1
		log "programs $(status_get programs), syscall programs $(status_get syscall_programs)"
		assert_eq "$(status_get syscall_programs)" raw "syscall programs (APPBAN_TEST_COMPAT=$compat)" || return 1
		assert_file "$pins/link_appban_raw_sys_enter" || return 1
		assert_file "$pins/link_appban_raw_sys_exit" || return 1
		assert_no_file "$pins/link_appban_sys_write" "a syscall tracepoint's link" || return 1
		assert_no_file "$pins/link_appban_sys_exit_openat" "a syscall tracepoint's link" || return 1
		ab status
		assert_contains "$AB_OUT" "raw sys_enter" "text status" || return 1
		spawn "$interp" "$prog" || return 1
		assert_eq "$SP_RESULT" signal:9 "$interp $prog (its mmap seen by the raw sys_enter program)" || return 1
		assert_blocked "$script" || return 1
		assert_runs /bin/sh -c 'echo sh still runs' || return 1
		# an unlink of a pin's name (none by that name: nothing is lost)
		# is reported at its entry (tamper-detected), as the tracepoint did
		python3 -c 'import os, sys; os.unlink(sys.argv[1])' "$pins/appban_none_$T_ID" 2>/dev/null
		assert_ge "$(status_get counters.tamper)" 1 "counters.tamper after an unlink in the pins" || return 1
		ab unload
		assert_eq "$AB_RC" 0 "unload" || return 1
	done
}
