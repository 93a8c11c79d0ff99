// SPDX-License-Identifier: GPL-2.0
/* Whole small files: read with a size limit, written so that a reader sees
 * the old content or the new one, never a part of it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/file.h"

int file_read_all(const char *path, size_t max, char **buf, size_t *len)
{
	size_t n = 0, cap = 4096;
	char *b = NULL, *q;
	int fd, err;

	struct stat st;

	*buf = NULL;
	*len = 0;
	/* O_NONBLOCK: a FIFO dropped where a policy is expected never blocks */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		err = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		goto fail;
	}
	if ((size_t)st.st_size > max) {
		err = -EFBIG;
		goto fail;
	}
	for (;;) {
		ssize_t r;

		if (!b || n == cap - 1) {
			if (b)
				cap *= 2;
			if (cap > max + 2)
				cap = max + 2;
			q = realloc(b, cap);
			if (!q) {
				err = -ENOMEM;
				goto fail;
			}
			b = q;
		}
		r = read(fd, b + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			goto fail;
		}
		if (!r)
			break;
		n += (size_t)r;
		if (n > max) {
			err = -EFBIG;
			goto fail;
		}
	}
	close(fd);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
fail:
	close(fd);
	free(b);
	return err;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The check that `to` does not exist and the rename are one step; link()
 * where the file system has no RENAME_NOREPLACE. */
static int rename_noreplace(const char *from, const char *to)
{
	if (!renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE))
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -errno;
	if (link(from, to))
		return -errno;
	unlink(from);
	return 0;
}

int file_write_atomic(const char *path, const void *buf, size_t len, mode_t mode, int replace)
{
	char tmp[PATH_MAX], dir[PATH_MAX], *slash;
	int fd, dfd, err = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp) ||
	    snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	slash = strrchr(dir, '/');
	if (slash == dir)
		dir[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		strcpy(dir, ".");
	/* mkstemp makes the file 0600: the mode is set before any byte is in. */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, mode) || (err = write_all(fd, buf, len)) || fsync(fd)) {
		err = err ? err : -errno;
		close(fd);
		goto out_unlink;
	}
	if (close(fd)) {
		err = -errno;
		goto out_unlink;
	}
	if (replace)
		err = rename(tmp, path) ? -errno : 0;
	else
		err = rename_noreplace(tmp, path);
	if (err)
		goto out_unlink;
	/* The new name survives a crash once the directory is synced. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
out_unlink:
	unlink(tmp);
	return err;
}
