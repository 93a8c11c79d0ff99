/* SPDX-License-Identifier: GPL-2.0 */
/* A file replaced whole or not at all, also across a crash. */
#ifndef __APPBAN_ATOMICFILE_H
#define __APPBAN_ATOMICFILE_H

#include <stddef.h>
#include <sys/types.h>

/* Write len bytes of buf to path: a temporary file in the same directory
 * (made if missing, mode 0700), fsync, rename over path, fsync of the
 * directory. The file gets `mode`. 0 or -errno (path unchanged). */
int atomic_write(const char *path, const void *buf, size_t len, mode_t mode);

/* Read the whole file into a malloc'd buffer (NUL-terminated, the NUL not
 * counted). At most max bytes: -EFBIG past it. 0 or -errno. */
int read_whole(const char *path, size_t max, char **out, size_t *len);

#endif /* __APPBAN_ATOMICFILE_H */
