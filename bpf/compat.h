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

/* The global functions of the walk up a file's directories (identity.h). */
#define APPBAN_GLOBAL __noinline

/* A first program's object (first_*.bpf.c) holds one program: its functions
 * are static, so that those it does not call are not in it at all (libbpf
 * relocates every function of an object against the kernel's BTF, the
 * largest part of the object's load). */
#ifdef APPBAN_FIRST_ONLY
#undef APPBAN_SUBPROG
#undef APPBAN_GLOBAL
#define APPBAN_SUBPROG static __noinline __attribute__((unused))
#define APPBAN_GLOBAL static __noinline __attribute__((unused))
#endif

#endif /* __APPBAN_COMPAT_H */
