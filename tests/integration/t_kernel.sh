# SPDX-License-Identifier: GPL-2.0
# The kernel's BPF features: appban names what a kernel lacks (load and
# status), and loads where nothing is lacking. The expectation is read from
# the kernel's BTF with bpftool, not from appban.

# kernel_expected_missing: KMISS := the features the kernel lacks, as
# "ENUMERATOR ..." (bpftool's raw dump of /sys/kernel/btf/vmlinux)
kernel_expected_missing()
{
	local dump e
	command -v bpftool >/dev/null || skip "bpftool is not installed: cannot read the kernel's BTF independently"
	dump=$(bpftool btf dump file /sys/kernel/btf/vmlinux format raw 2>/dev/null) ||
		{ fail "bpftool cannot read /sys/kernel/btf/vmlinux"; return 1; }
	KMISS=
	for e in BPF_FUNC_ringbuf_reserve BPF_FUNC_ktime_get_boot_ns BPF_FUNC_get_current_task_btf \
		BPF_MAP_TYPE_TASK_STORAGE BPF_PROG_TYPE_SYSCALL BPF_FUNC_loop BPF_FUNC_find_vma; do
		grep -q "'$e' val=" <<<"$dump" || KMISS+="$e "
	done
	echo "# kernel $(uname -r) lacks: ${KMISS:-nothing}"
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
	ab load "$T_DIR/p.policy"
	if [ -z "$KMISS" ]; then
		assert_eq "$AB_RC" 0 "load on a kernel that has every feature" || return 1
		st=$("$APPBAN" status 2>&1)
		[[ $st != *"lacks what appban needs"* ]] ||
			{ fail "status names missing features on a kernel that has them all: $(_short "$st")"; return 1; }
		return 0
	fi
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
}
