// SPDX-License-Identifier: GPL-2.0
/* A fresh load's first program for the fallback engine, in an object of its
 * own (first_lsm.bpf.c says why): a start of a file banned by its path or
 * its known content killed before its first instruction, alone until the
 * engine's appban_exec is attached (decide.h: exec_first_refuses). */
#define APPBAN_FIRST_ONLY
#define APPBAN_VCACHE /* as fallback.bpf.c */
#define APPBAN_NET_CHECK_CGROUP
#include "common.bpf.h"

SEC("tp_btf/sched_process_exec")
int BPF_PROG(appban_exec_first, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	if (exec_first_refuses(BPF_CORE_READ(bprm, file), BPF_CORE_READ(bprm, filename),
			       APPBAN_METHOD_SIGKILL))
		bpf_send_signal(SIGKILL);
	return 0;
}
