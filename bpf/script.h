/* SPDX-License-Identifier: GPL-2.0 */
/* Fallback engine: a banned #! script, caught when its interpreter opens it
 * (the exec program sees only the interpreter). */
#ifndef __APPBAN_SCRIPT_H
#define __APPBAN_SCRIPT_H

#include "namebuf.h"

/* A #! script: this engine sees the exec only once the interpreter has
 * replaced the script (the script's file is already released), so the
 * script is checked when the interpreter opens it, before it reads a byte. */
#define SCRIPT_OPENS_CHECKED 16 /* the interpreter opens its script early */

struct script_pending {
	__u64 start_time; /* of the process: guards pid reuse */
	__u32 name_hash; /* FNV-1a of the script's base name */
	__u32 opens_left;
};

/* Written at exec of a script, read and removed at the interpreter's opens. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct script_pending);
} appban_scripts SEC(".maps");

/* Entries in appban_scripts, so that the opens of every other process
 * (nearly all of them) cost one read. Only ever changed atomically, by one
 * for each entry added and each one removed. */
__u64 appban_scripts_pending;

static __always_inline void script_pending_set(const char *filename)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct script_pending p = { .opens_left = SCRIPT_OPENS_CHECKED };
	__u32 tgid = task->tgid;

	p.name_hash = base_name_hash(filename);
	p.start_time = BPF_CORE_READ(task, group_leader, start_time);
	if (!bpf_map_update_elem(&appban_scripts, &tgid, &p, BPF_NOEXIST))
		__sync_fetch_and_add(&appban_scripts_pending, 1);
	else
		bpf_map_update_elem(&appban_scripts, &tgid, &p, BPF_ANY);
}

static __always_inline void script_pending_del(__u32 tgid)
{
	if (!bpf_map_delete_elem(&appban_scripts, &tgid))
		__sync_fetch_and_add(&appban_scripts_pending, -1);
}

/* The interpreter of a pending script opened a file: if it is the script
 * (same base name), decide on it. */
static __always_inline int script_open_check(long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 tgid = task->tgid;
	struct script_pending *p;
	struct file *file;

	if (!*(volatile __u64 *)&appban_scripts_pending)
		return 0;
	p = bpf_map_lookup_elem(&appban_scripts, &tgid);
	if (!p)
		return 0;
	if (p->start_time != BPF_CORE_READ(task, group_leader, start_time) || !p->opens_left) {
		script_pending_del(tgid);
		return 0;
	}
	if (ret < 0)
		return 0;
	p->opens_left--;
	file = current_fd_file(ret);
	if (!file)
		return 0;
	if (base_name_hash(file_name(file)) != p->name_hash)
		return 0;
	script_pending_del(tgid);
	if (file_decide(file, file_name(file), APPBAN_HOOK_SCRIPT, APPBAN_METHOD_SIGKILL) ==
	    DECIDE_BLOCK)
		bpf_send_signal(SIGKILL);
	return 0;
}

#endif /* __APPBAN_SCRIPT_H */
