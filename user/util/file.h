/* SPDX-License-Identifier: GPL-2.0 */
/* Small files read whole and written atomically (keys, signatures). */
#ifndef __APPBAN_FILE_H
#define __APPBAN_FILE_H

#include <stddef.h>
#include <sys/types.h>

/* The whole file, at most max bytes, NUL-terminated (the NUL not counted
 * in *len), in a buffer for free(). 0, -EFBIG when it is larger, -EISDIR
 * (a directory), -EINVAL (not a regular file: a FIFO never blocks), or the
 * -errno of open/read. */
int file_read_all(const char *path, size_t max, char **buf, size_t *len);

/* Write len bytes to path at once: a temporary file in the same directory
 * with `mode`, fsync, then rename (replace) or link (no replace: -EEXIST
 * when path exists, and nothing is written), and fsync of the directory. A
 * crash leaves the old file or the new one, never a part. 0 or -errno. */
int file_write_atomic(const char *path, const void *buf, size_t len, mode_t mode, int replace);

#endif /* __APPBAN_FILE_H */
