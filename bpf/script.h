/* SPDX-License-Identifier: GPL-2.0 */
/* Fallback engine: a banned #! script, caught when its interpreter opens it
 * (the exec program sees only the interpreter). */
#ifndef __APPBAN_SCRIPT_H
#define __APPBAN_SCRIPT_H

#include "namebuf.h"

/* A #! script: this engine sees the exec only once the interpreter has
 * replaced the script (the script's file is already released), so the
 * script is checked when the interpreter opens it, before it reads a byte.
 *
 * From the exec of a script on, the process is in a "script window": every
 * executable regular file it opens is decided as the script (the script
 * itself must be executable for the kernel to have run it), whatever its
 * name (a symbolic link of another name), however many files the
 * interpreter opens first (python), and through an exec or two of a
 * launcher (#!/usr/bin/env bash: env, then bash). The window closes when
 * the interpreter opens a file of the script's base name, or at the third
 * exec after the script's. It lives in task storage: it goes with the
 * task, and no count of processes can fill it. */
#define SCRIPT_EXEC_HOPS 2 /* execs through which the window is kept */

struct script_window {
	__u32 name_hash; /* FNV-1a of the script's base name */
	__u32 hops_left; /* execs of a launcher still allowed */
#ifdef APPBAN_COMPAT
	__u64 start_time; /* of the process's leader: a pid used again is another */
#endif
};

#ifdef APPBAN_COMPAT
/* The compat objects (no task storage before 5.11): a hash map keyed by
 * the process (tgid), sized by the loader as appban_net_marks (one entry
 * per task the kernel allows), its entry removed when the process ends. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, APPBAN_MAX_NET_MARKS); /* the loader sizes it */
	__type(key, __u32);
	__type(value, struct script_window);
} appban_scripts SEC(".maps");

/* The window of the current process, or NULL (a stale one is dropped). */
static __always_inline struct script_window *script_window_of(__u32 tgid, __u64 start_time)
{
	struct script_window *w = bpf_map_lookup_elem(&appban_scripts, &tgid);

	if (w && w->start_time != start_time) {
		bpf_map_delete_elem(&appban_scripts, &tgid);
		return NULL;
	}
	return w;
}

/* The last thread of a process has exited: its window goes. */
static __always_inline void script_window_exit(struct task_struct *p)
{
	__u32 tgid = p->tgid;

	if (!BPF_CORE_READ(p, signal, live.counter))
		bpf_map_delete_elem(&appban_scripts, &tgid);
}
#else
/* Set at exec of a script, on the task that exec'd (the process's leader
 * after the exec); read at the opens of its process. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct script_window);
} appban_scripts SEC(".maps");
#endif

#define S_IFMT_VALUE 00170000
#define S_IFREG_VALUE 0100000

/* At every exec that the policy lets run: a script opens a window, any
 * other program uses up one hop of a window its process has. */
static __always_inline void script_window_at_exec(struct task_struct *task, const char *filename,
						  int is_script)
{
	struct script_window *w;
#ifdef APPBAN_COMPAT
	__u64 start_time = BPF_CORE_READ(task, group_leader, start_time);
	struct script_window nw = {};
	__u32 tgid = task->tgid;

	if (is_script) {
		nw.name_hash = base_name_hash(filename);
		nw.hops_left = SCRIPT_EXEC_HOPS;
		nw.start_time = start_time;
		bpf_map_update_elem(&appban_scripts, &tgid, &nw, BPF_ANY);
		return;
	}
	w = script_window_of(tgid, start_time);
	if (!w)
		return;
	if (w->hops_left)
		w->hops_left--;
	else
		bpf_map_delete_elem(&appban_scripts, &tgid);
#else
	if (is_script) {
		w = bpf_task_storage_get(&appban_scripts, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (!w)
			return;
		w->name_hash = base_name_hash(filename);
		w->hops_left = SCRIPT_EXEC_HOPS;
		return;
	}
	w = bpf_task_storage_get(&appban_scripts, task, 0, 0);
	if (!w)
		return;
	if (w->hops_left)
		w->hops_left--;
	else
		bpf_task_storage_delete(&appban_scripts, task);
#endif
}

/* A process opened descriptor `ret`: in a script window, an executable
 * file is decided as the script. */
static __always_inline int script_open_check(long ret)
{
	struct task_struct *task = current_task();
#ifdef APPBAN_COMPAT
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
#else
	struct task_struct *leader = task->group_leader;
#endif
	struct script_window *w;
	struct file *file;
	__u32 name_hash;
	umode_t mode;

	if (ret < 0)
		return 0;
#ifdef APPBAN_COMPAT
	w = script_window_of(tgid, BPF_CORE_READ(task, group_leader, start_time));
#else
	w = bpf_task_storage_get(&appban_scripts, leader, 0, 0);
#endif
	if (!w)
		return 0;
	file = current_fd_file(ret);
	if (!file)
		return 0;
	mode = BPF_CORE_READ(file, f_inode, i_mode);
	if ((mode & S_IFMT_VALUE) != S_IFREG_VALUE || !(mode & 0111))
		return 0;
	name_hash = w->name_hash;
	if (base_name_hash(file_name(file)) == name_hash)
#ifdef APPBAN_COMPAT
		bpf_map_delete_elem(&appban_scripts, &tgid);
#else
		bpf_task_storage_delete(&appban_scripts, leader);
#endif
	if (file_decide(file, file_name(file), APPBAN_HOOK_SCRIPT, APPBAN_METHOD_SIGKILL) ==
		    DECIDE_BLOCK ||
	    content_cached_decide(file, file_name(file), APPBAN_HOOK_SCRIPT,
				  APPBAN_METHOD_SIGKILL) == DECIDE_BLOCK)
		bpf_send_signal(SIGKILL);
	return 0;
}

#endif /* __APPBAN_SCRIPT_H */
