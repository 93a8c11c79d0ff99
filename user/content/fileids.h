/* SPDX-License-Identifier: GPL-2.0 */
/* The files that run gave an inode rule to, remembered by their file handle
 * (name_to_handle_at), so that the rules of files that no longer exist can
 * be found and removed: otherwise copies made and deleted one after another
 * fill the kernel's rule map (issue 15, item 7). A handle is exact: it names
 * the inode itself, which a path does not (renames, hard links), and
 * open_by_handle_at says ESTALE once the inode is gone, never for a file
 * that is deleted but still open or running (it can still be started
 * through /proc/PID/exe, so its rule must stay). */
#ifndef __APPBAN_FILEIDS_H
#define __APPBAN_FILEIDS_H

#include <stddef.h>
#include <linux/types.h>

struct fileids;

struct fileids *fileids_new(void);
/* Remember the file open as fd, whose kernel identity is (dev, ino). 0;
 * -EOPNOTSUPP where its file system has no handles (its rule then stays
 * for as long as the policy); -ENOMEM. Adding (dev, ino) again replaces it. */
int fileids_add(struct fileids *f, int fd, __u32 dev, __u64 ino);
size_t fileids_count(const struct fileids *f);
/* Call gone(ctx, dev, ino) for each remembered file whose inode no longer
 * exists, and forget it. Files on a mount that is not in this mount
 * namespace's table any more cannot be checked and are kept. Returns how
 * many were gone. */
size_t fileids_sweep(struct fileids *f, void (*gone)(void *ctx, __u32 dev, __u64 ino), void *ctx);
void fileids_free(struct fileids *f);

#endif /* __APPBAN_FILEIDS_H */
