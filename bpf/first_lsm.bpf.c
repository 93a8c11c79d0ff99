// SPDX-License-Identifier: GPL-2.0
/* A fresh load's first program for the lsm engine, in an object of its own
 * (user/kernel/loader.c: load_exec_first): a start of a file banned by its
 * path or its known content refused with EPERM, alone until the engine's
 * appban_exec is attached (decide.h: exec_first_refuses). Its own object
 * because libbpf opens and relocates a whole object for one program: the
 * engine's takes some 40 ms, this one a few. The same defines as lsm.bpf.c,
 * the same maps (pinned by name: the engine's load takes them over). */
#define APPBAN_FIRST_ONLY
#define APPBAN_EXEC_MARK_AT_COMMIT /* as lsm.bpf.c */
#include "common.bpf.h"

SEC("lsm/bprm_check_security")
int BPF_PROG(appban_exec_first, struct linux_binprm *bprm, int ret)
{
	if (ret)
		return ret;
	return exec_first_refuses(bprm->file, bprm->filename, APPBAN_METHOD_EPERM) ? -EPERM : 0;
}
