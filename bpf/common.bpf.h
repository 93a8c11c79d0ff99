/* SPDX-License-Identifier: GPL-2.0 */
/* Includes and process-lifetime programs that both engines load. */
#ifndef __APPBAN_COMMON_BPF_H
#define __APPBAN_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

#include "decide.h"
#include "tamper.h"

char LICENSE[] SEC("license") = "GPL";

/* A child inherits its parent's network ban. Where no memory is left for
 * the child's mark, the parent (the net-banned process forking) is killed
 * and the loss reported: the child, already running, is out of reach. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(appban_fork, struct task_struct *parent, struct task_struct *child)
{
	struct appban_net_mark *pm = net_mark_fork(parent, child);

	if (pm) {
		count(APPBAN_CNT_NET_BLOCKED);
		emit_net(APPBAN_EV_NET_BLOCKED, pm, APPBAN_NO_EXCEPTION, APPBAN_HOOK_SOCKET,
			 APPBAN_METHOD_SIGKILL, 0, 0, 0, NULL, 0);
		bpf_send_signal(SIGKILL);
	}
	return 0;
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

#endif /* __APPBAN_COMMON_BPF_H */
