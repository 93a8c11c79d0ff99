/* SPDX-License-Identifier: GPL-2.0 */
/* What this kernel's BPF offers appban, read from its BTF (the enumerators
 * of bpf_func_id, bpf_map_type, bpf_prog_type): the helpers and map and
 * program types the engines cannot do without, each with the mainline
 * version that brought it (docs/kernels.md). */
#ifndef __APPBAN_FEATURES_H
#define __APPBAN_FEATURES_H

#include <stddef.h>

struct btf;

/* The kernel's BTF (/sys/kernel/btf/vmlinux), parsed once for the whole
 * process and kept (5 MB: 5-45 ms a parse here; a first load asked for it
 * up to seven times). NULL with errno set when it cannot be read. Not to be
 * freed. */
const struct btf *kernel_btf(void);

/* 1 if the kernel's enum `enum_name` has the enumerator `value`, 0 if not,
 * -errno if the kernel's BTF cannot be read. */
int kernel_has_enum_value(const char *enum_name, const char *value);

/* Writes into `buf` what the kernel lacks that every engine needs (in the
 * objects this kernel would load), as "the BPF ring buffer (events) (5.8)";
 * "" when nothing. Returns how many such features are missing, or -errno
 * when the kernel's BTF cannot be read (then appban cannot load anyway:
 * CO-RE needs it). */
int kernel_missing(char *buf, size_t len);

/* The oldest mainline kernel that has everything kernel_missing() checks
 * (with the compat objects). */
#define APPBAN_MIN_KERNEL "5.10"

/* 1 when the kernel lacks a feature of 5.17 that the modern objects use
 * (bpf_loop(), bpf_find_vma(), task storage, bpf_get_current_task_btf(),
 * BPF_PROG_TYPE_SYSCALL): the compat objects load instead, and some
 * protections are weaker (status says which). */
int kernel_compat(void);
/* Writes into `buf` those features the kernel lacks, as kernel_missing()
 * does; returns how many, or -errno. */
int kernel_lacks(char *buf, size_t len);
/* The release from which nothing is weaker (docs/kernels.md). */
#define APPBAN_FULL_KERNEL "5.17"

#endif /* __APPBAN_FEATURES_H */
