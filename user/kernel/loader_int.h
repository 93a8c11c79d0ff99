/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by the files of the loader only (loader.c, system.c, pins.c,
 * guard.c, gens.c): what each offers the others. user/kernel/loader.h is
 * the interface to the rest of appban. */
#ifndef __APPBAN_LOADER_INT_H
#define __APPBAN_LOADER_INT_H

#include "kernel/loader.h"

#define LINK_PREFIX "link_" /* pins of links: link_<program> */

/* system.c */
/* bpffs at /sys/fs/bpf, mounted when the system has not. */
int sys_ensure_bpffs(void);
/* tracefs, where libbpf finds the syscall tracepoints of the fallback engine. */
void sys_ensure_tracefs(void);
/* The cgroup v2 root, where the fallback engine's socket hooks attach. */
int sys_cgroup2_root(void);
/* Where overlayfs is a module (Debian), its types are in BTF only while it is
 * loaded, and the programs see through an overlay only if they were: load it
 * first. No overlay at all is fine: then there is no overlay to see through. */
void sys_load_overlay(void);
/* IMA built into the kernel and bpf_ima_file_hash() (5.18): the lsm engine
 * can hash at exec. Without either the program is not loaded at all. */
int sys_has_ima(void);
/* IMA hashes with SHA-256 (the default; ima_hash= or the kernel's build may
 * choose another): otherwise no file's digest can be had from it, and
 * refusing what it cannot hash would refuse every start. */
int sys_ima_hashes_sha256(void);
/* overlayfs's types are in BTF (built in, or a module with its own BTF):
 * the programs can look through an overlay. */
int sys_has_overlay_btf(void);
/* The tracepoint typedef tp (btf_trace_NAME) exists and its first argument
 * is a pointer to struct first_arg_struct. */
int sys_tp_takes(const char *tp, const char *first_arg_struct);
/* io_uring's table of registered (fixed) files is of a layout the fallback
 * program reads (bpf/fallback.bpf.c, uring_fixed_file()): 5.19 to 6.12, or
 * 6.13 on. */
int sys_uring_file_table_known(void);
/* The input of an io_uring splice is where that program reads it
 * (uring_splice_in()): struct io_splice at req->cmd (6.0 on) or req->splice
 * (5.19). */
int sys_uring_splice_known(void);
int sys_lsm_active(void);
/* Does the kernel take an lsm program at all? A two-instruction program on
 * bprm_check_security costs a millisecond; the lsm object, opened,
 * relocated and given its maps before the kernel refuses its first program,
 * a quarter of a second of a first load. 0 or the kernel's -errno. */
int sys_lsm_probe(void);
/* Can a BPF program run at the return of kernel function `func` (fexit: a
 * BPF trampoline)? A no-op program, loaded and attached a moment. 0 or the
 * kernel's -errno. */
int sys_fexit_probe(const char *func);

/* pins.c */
/* Loads, swaps and unloads of concurrent appban processes (two admins, a
 * daemon and a manual load) take turns. */
int pins_lock(void);
void pins_unlock(int fd);
int pins_open(struct loader *l, int read_only);
/* pins_open() read-write, before the maps that a fresh load makes later
 * exist (pins_made_later(NAME)): their fds stay -1. */
int pins_open_first(struct loader *l);
int pins_made_later(const char *name);
/* Make the pinned engine inert (appban_state.inert: its programs decide
 * nothing): 1 when it is. */
int pins_make_inert(void);
/* Remove every pin (links detach their programs when the last reference
 * goes), the engine made inert first. */
int pins_remove(void);

/* guard.c */
/* Tell the kernel who appban is: this binary (and its place, for a rebuilt
 * or upgraded one) and the pin directory; from now on protected. */
int guard_write_self(struct loader *l);

/* gens.c */
/* khash: the engine's (enum appban_khash); the digest rules are written only
 * where the kernel reads them, at exec (else they would be half of what a
 * swap writes, read by nothing). */
int gens_write(struct loader *l, __u32 gen, const struct compiled_policy *c, __u32 khash);
/* The rules in force changed: what the kernel remembered of a file under
 * the old ones is void (bpf/vcache.h). A fresh CLOCK_BOOTTIME value, taken
 * after the change, differs from every value written before it, whichever
 * of several appban processes writes last. */
int gens_bump_epoch(struct loader *l);
int gens_swap(struct loader *l, const struct compiled_policy *c);

#endif /* __APPBAN_LOADER_INT_H */
