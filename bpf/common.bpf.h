/* SPDX-License-Identifier: GPL-2.0 */
/* Includes and process-lifetime programs that both engines load. */
#ifndef __APPBAN_COMMON_BPF_H
#define __APPBAN_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

#define APPBAN_NET_LOST /* verdict.h: the records of children whose mark was lost */
#include "decide.h"
#include "tamper.h"

char LICENSE[] SEC("license") = "GPL";

/* A first program's object (first_*.bpf.c) has that program alone. */
#ifndef APPBAN_FIRST_ONLY

/* A child inherits its parent's network ban. Where no memory is left for
 * the child's mark, the parent (the net-banned process forking) is killed
 * and the child recorded: not yet woken (the tracepoint fires before
 * wake_up_new_task), it is killed before its first instruction (below, or
 * the fallback engine's programs at the return from fork). Both are
 * reported. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(appban_fork, struct task_struct *parent, struct task_struct *child)
{
	struct appban_net_mark *pm = net_mark_fork(parent, child);

	if (pm) {
		net_lost_record(child, pm);
		count(APPBAN_CNT_NET_BLOCKED);
		emit_net_lost(pm);
		bpf_send_signal(SIGKILL);
	}
	return 0;
}

/* The current task, new, killed if it is a child whose mark was lost at
 * its fork. Any other task pays one load of a counter that is 0. */
static __always_inline int fork_child_check(void)
{
	struct appban_net_mark *m;
	__u64 id;
	__u32 tgid;

	if (!*(volatile __u64 *)&appban_net_lost_n)
		return 0;
	id = bpf_get_current_pid_tgid();
	tgid = id >> 32;
	if ((__u32)id != tgid)
		return 0;
	m = bpf_map_lookup_elem(&appban_net_lost, &tgid);
	if (!m || m->start_time != BPF_CORE_READ(current_task(), start_time) || appban_inert())
		return 0;
	count(APPBAN_CNT_NET_BLOCKED);
	emit_net_lost(m);
	bpf_send_signal(SIGKILL);
	net_lost_forget(tgid, m->start_time);
	return 0;
}

/* Every new task runs schedule_tail() first, in its own context, before
 * it returns to user space: a child whose mark was lost is killed there
 * (SIGKILL is taken on the way out, before any instruction of its own).
 * Not where the kernel cannot run it (no BPF trampolines: arm64 before
 * 6.4, kernels that refuse tracing programs): the fallback engine then
 * kills the child at its return from the fork system call (x86), and
 * otherwise the record refuses its network as a mark would (status says
 * so). */
SEC("fexit/schedule_tail")
int BPF_PROG(appban_fork_child, struct task_struct *prev)
{
	return fork_child_check();
}

/* The event reader is gone (killed, crashed, exited without clearing its
 * registration): nothing is left to it any more. A start the kernel cannot
 * hash is refused again (content.h), not reported to a reader that will
 * never read it. */
static __always_inline void reader_exit(struct task_struct *p)
{
	struct appban_guard *rd = guard_entry(APPBAN_GUARD_READER);

	if (rd && rd->reader_tgid && rd->reader_tgid == (__u32)BPF_CORE_READ(p, tgid)) {
		rd->reader_load = 0;
		rd->reader_tgid = 0;
	}
}

/* The last thread of a process has exited: its mark goes (zombies hold
 * none); if it was the event reader, so does its registration. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(appban_exit, struct task_struct *p)
{
	if (BPF_CORE_READ(p, signal, live.counter))
		return 0;
	net_mark_exit(p);
	reader_exit(p);
	return 0;
}

/* The ban of a process ends with it. */
SEC("tp_btf/sched_process_free")
int BPF_PROG(appban_free, struct task_struct *p)
{
	net_mark_free(p);
	return 0;
}
#endif /* !APPBAN_FIRST_ONLY */

#endif /* __APPBAN_COMMON_BPF_H */
