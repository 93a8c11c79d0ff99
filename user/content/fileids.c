// SPDX-License-Identifier: GPL-2.0
/* Files with an inode rule, by file handle, and which are gone (fileids.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "content/fileids.h"

struct fileid {
	__u32 dev;
	__u64 ino;
	int mount_id;
	struct file_handle *fh;
};

struct fileids {
	struct fileid *v;
	size_t n, cap;
};

struct fileids *fileids_new(void)
{
	return calloc(1, sizeof(struct fileids));
}

size_t fileids_count(const struct fileids *f)
{
	return f ? f->n : 0;
}

int fileids_add(struct fileids *f, int fd, __u32 dev, __u64 ino)
{
	struct file_handle *fh = malloc(sizeof(*fh) + MAX_HANDLE_SZ);
	struct fileid *e = NULL;
	int mount_id;
	size_t i;

	if (!fh)
		return -ENOMEM;
	fh->handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(fd, "", fh, &mount_id, AT_EMPTY_PATH)) {
		free(fh);
		return errno == ENOMEM ? -ENOMEM : -EOPNOTSUPP;
	}
	for (i = 0; i < f->n; i++)
		if (f->v[i].dev == dev && f->v[i].ino == ino) {
			e = &f->v[i];
			free(e->fh);
			break;
		}
	if (!e) {
		if (f->n == f->cap) {
			size_t cap = f->cap ? f->cap * 2 : 64;
			struct fileid *v = realloc(f->v, cap * sizeof(*v));

			if (!v) {
				free(fh);
				return -ENOMEM;
			}
			f->v = v;
			f->cap = cap;
		}
		e = &f->v[f->n++];
	}
	e->dev = dev;
	e->ino = ino;
	e->mount_id = mount_id;
	e->fh = fh;
	return 0;
}

/* mountinfo's octal escapes (\040 for a space...) undone in place. */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = 0;
}

/* A descriptor of mount `id` of this mount namespace, or -1 (not O_PATH:
 * open_by_handle_at refuses those). */
static int open_mount(int id)
{
	char line[8192], mnt[4096];
	int fd = -1, mid;
	FILE *mi = fopen("/proc/self/mountinfo", "re");

	if (!mi)
		return -1;
	while (fgets(line, sizeof(line), mi))
		if (sscanf(line, "%d %*d %*s %*s %4095s", &mid, mnt) == 2 && mid == id) {
			unescape(mnt);
			fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			break;
		}
	fclose(mi);
	return fd;
}

size_t fileids_sweep(struct fileids *f, void (*gone)(void *ctx, __u32 dev, __u64 ino), void *ctx)
{
	int last_id = -1, mfd = -1, fd;
	size_t i = 0, n = 0;

	while (f && i < f->n) {
		struct fileid *e = &f->v[i];

		if (e->mount_id != last_id) {
			if (mfd >= 0)
				close(mfd);
			mfd = open_mount(e->mount_id);
			last_id = e->mount_id;
		}
		fd = mfd < 0 ? -1 : open_by_handle_at(mfd, e->fh, O_PATH | O_CLOEXEC);
		if (fd >= 0)
			close(fd);
		if (fd >= 0 || mfd < 0 || errno != ESTALE) {
			i++;
			continue;
		}
		gone(ctx, e->dev, e->ino);
		free(e->fh);
		*e = f->v[--f->n];
		n++;
	}
	if (mfd >= 0)
		close(mfd);
	return n;
}

void fileids_free(struct fileids *f)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < f->n; i++)
		free(f->v[i].fh);
	free(f->v);
	free(f);
}
