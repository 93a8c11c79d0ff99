/* SPDX-License-Identifier: GPL-2.0 */
/* AST -> map entries: resolves paths to the inodes the kernel sees, checks
 * what needs the machine (files, users), and refuses what is not enforced yet. */
#ifndef __APPBAN_COMPILE_H
#define __APPBAN_COMPILE_H

#include <stddef.h>
#include <stdint.h>

#include "policy/compiled.h"
#include "policy/parse.h"

struct compile_opts {
	int force_monitor; /* load --monitor */
	/* The kernel's (device, inode) of an open file (kinode.c); NULL: fstat(). */
	/* *igen: the inode's i_generation, or left -1 when unknown */
	int (*resolve)(void *ctx, int fd, __u32 *dev, __u64 *ino, __s64 *igen);
	void *resolve_ctx;
};

/* Compile `p`. Problems go to d (errors make it fail with -EINVAL, nothing
 * is produced); warnings (a path that does not exist yet) do not. */
int policy_compile(const struct policy *p, const struct compile_opts *o,
		   struct compiled_policy **out, struct diag *d);

#endif /* __APPBAN_COMPILE_H */
