/* SPDX-License-Identifier: GPL-2.0 */
/* (device, inode) of an open file as exec will see it, from a BPF iterator
 * over our own descriptors; stat() where that is exact (ext4, xfs, tmpfs,
 * f2fs) or where the iterator cannot be loaded. */
#ifndef __APPBAN_KINODE_H
#define __APPBAN_KINODE_H

#include <linux/types.h>

struct kinode;

/* Never fails: without the iterator (no BPF, not root) it falls back to stat.
 * Loads nothing until a file is on a file system where stat() is not exact. */
struct kinode *kinode_new(void);
/* The kernel's view of the file open as `fd`. */
int kinode_fd(struct kinode *k, int fd, __u32 *dev, __u64 *ino);
/* The same and the inode's i_generation (what binds an inode rule to this
 * file and not to a later one with the same number, bpf/abi.h): 0, or
 * -ENOTSUP when neither the file system nor the iterator can tell it. */
int kinode_fd_gen(struct kinode *k, int fd, __u32 *dev, __u64 *ino, __u32 *igen);
void kinode_free(struct kinode *k);

#endif /* __APPBAN_KINODE_H */
