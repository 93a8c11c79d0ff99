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

/* A child inherits its parent's network ban. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(appban_fork, struct task_struct *parent, struct task_struct *child)
{
	net_mark_fork(parent, child);
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
