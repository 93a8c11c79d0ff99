/* SPDX-License-Identifier: GPL-2.0 */
/* One source, two builds: the objects for kernels with the BPF features of
 * 5.17 (bpf_loop, bpf_find_vma, task storage, bpf_get_current_task_btf,
 * BPF_PROG_TYPE_SYSCALL), and, built with -DAPPBAN_COMPAT, the compat
 * objects for older ones (5.10: handsets, bullseye), which the loader picks
 * only where the kernel lacks one of those (docs/kernels.md). Everything
 * that differs between the two is spelled here, so that the modern objects
 * are what they were. */
#ifndef __APPBAN_COMPAT_H
#define __APPBAN_COMPAT_H

#ifdef APPBAN_COMPAT
/* No bpf_get_current_task_btf() before 5.11: the caller's task is a plain
 * number, read through CO-RE reads only. */
#define current_task() ((struct task_struct *)bpf_get_current_task())
#define TASK_READ(t, field) BPF_CORE_READ(t, field)
/* Before 5.12 a global function takes scalars and the context only: the
 * compat objects' functions are static (the verifier checks them at each
 * call), but for the walk up a file's directories, whose global functions
 * take and return numbers (identity.h). */
#define APPBAN_SUBPROG static __noinline
/* Without bpf_loop() (5.17), the walk up a file's directories is a bounded
 * loop of APPBAN_COMPAT_MAX_ANCESTORS steps (abi.h), which the verifier of
 * 5.10 checks step by step; a walk cut off there fails closed (identity.h). */
#else
#define current_task() bpf_get_current_task_btf()
#define TASK_READ(t, field) ((t)->field)
#define APPBAN_SUBPROG __noinline
#endif

#endif /* __APPBAN_COMPAT_H */
