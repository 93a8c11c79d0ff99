// SPDX-License-Identifier: GPL-2.0
/* Resolves descriptors to the inode numbers exec sees (overlayfs differs from
 * stat()); design.md, "Identity". */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/fs.h>
#include <linux/magic.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "policy/compiled.h"
#include "kernel/kinode.h"
#include "kinode.skel.h"

struct kinode {
	struct kinode_bpf *skel; /* NULL: stat() only */
	struct bpf_link *link;
	int tried; /* the iterator was asked for once */
};

struct kinode *kinode_new(void)
{
	return calloc(1, sizeof(struct kinode));
}

/* The iterator, loaded the first time a file is on a file system where stat()
 * may differ: loading it costs more than a swap of a large policy (its BTF). */
static void kinode_iter(struct kinode *k)
{
	k->tried = 1;
	k->skel = kinode_bpf__open();
	if (!k->skel)
		return;
	k->skel->rodata->target_tgid = getpid();
	if (kinode_bpf__load(k->skel))
		goto no_iter;
	/* Every task, filtered by the program. Not the iterator's pid filter
	 * (6.1+): on Debian's 6.1 it locked up a CPU while threads of this
	 * process exited (the scan's walkers), in the VM tier. */
	k->link = bpf_program__attach_iter(k->skel->progs.appban_kinode, NULL);
	if (!k->link)
		goto no_iter;
	return;
no_iter:
	kinode_bpf__destroy(k->skel);
	k->skel = NULL;
}

static int stat_fd(int fd, __u32 *dev, __u64 *ino)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	*dev = kernel_dev(st.st_dev);
	*ino = st.st_ino;
	return 0;
}

/* File systems whose getattr is generic_fillattr() on the inode itself, so
 * that stat() reports the inode's own i_sb->s_dev and i_ino: exactly what
 * exec sees. Overlayfs (the real file's numbers), btrfs (a device per
 * subvolume) and everything not listed ask the kernel. */
static int stat_is_exact(int fd)
{
	struct statfs sf;

	if (fstatfs(fd, &sf))
		return 0;
	switch ((unsigned long)sf.f_type) {
	case EXT4_SUPER_MAGIC: /* also ext2 and ext3 */
	case XFS_SUPER_MAGIC:
	case TMPFS_MAGIC:
	case F2FS_SUPER_MAGIC:
	case BPF_FS_MAGIC: /* the pin directory */
		return 1;
	default:
		return 0;
	}
}

/* The iterator's record of fd: 0, or -ENOENT (no iterator, or not found). */
static int iter_fd(struct kinode *k, int fd, struct appban_kinode *out)
{
	struct appban_kinode recs[256];
	int it, found = -ENOENT;
	ssize_t n, i;

	if (!k)
		return -ENOENT;
	if (!k->tried)
		kinode_iter(k);
	if (!k->skel)
		return -ENOENT;
	it = bpf_iter_create(bpf_link__fd(k->link));
	if (it < 0)
		return -ENOENT;
	while ((n = read(it, recs, sizeof(recs))) >= (ssize_t)sizeof(recs[0])) {
		for (i = 0; i < n / (ssize_t)sizeof(recs[0]); i++) {
			if ((int)recs[i].fd == fd) {
				*out = recs[i];
				found = 0;
			}
		}
	}
	close(it);
	return found;
}

int kinode_fd(struct kinode *k, int fd, __u32 *dev, __u64 *ino)
{
	struct appban_kinode rec;

	if (!k || stat_is_exact(fd) || iter_fd(k, fd, &rec))
		return stat_fd(fd, dev, ino);
	*dev = rec.dev;
	*ino = rec.ino;
	return 0;
}

/* FS_IOC_GETVERSION; an O_PATH descriptor (no ioctl) of a file or a
 * directory is opened for reading through /proc first (cheaper than the
 * iterator; never a device: opening one may act on it). 0 or -1. */
static int file_version(int fd, long *g)
{
	struct stat st;
	char p[40];
	int rfd, ok;

	if (!ioctl(fd, FS_IOC_GETVERSION, g))
		return 0;
	if (errno != EBADF || fstat(fd, &st) || !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)))
		return -1;
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	rfd = open(p, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (rfd < 0)
		return -1;
	ok = !ioctl(rfd, FS_IOC_GETVERSION, g);
	close(rfd);
	return ok ? 0 : -1;
}

/* tmpfs (shmem_encode_fh): a handle of type 1 and three words, generation,
 * inode low and high; the inode number is checked, so that another layout
 * is not misread. 0 or -1. */
static int tmpfs_gen(int fd, __u64 ino, long *g)
{
	struct {
		struct file_handle fh;
		__u32 w[8];
	} h = { .fh.handle_bytes = sizeof(h.w) };
	struct statfs sf;
	__u32 w[3];
	int mnt;

	if (fstatfs(fd, &sf) || sf.f_type != TMPFS_MAGIC ||
	    name_to_handle_at(fd, "", &h.fh, &mnt, AT_EMPTY_PATH) || h.fh.handle_type != 1 ||
	    h.fh.handle_bytes != sizeof(w))
		return -1;
	memcpy(w, h.fh.f_handle, sizeof(w));
	if (w[1] != (__u32)ino || w[2] != (__u32)(ino >> 32))
		return -1;
	*g = w[0];
	return 0;
}

int kinode_fd_gen(struct kinode *k, int fd, __u32 *dev, __u64 *ino, __u32 *igen)
{
	struct appban_kinode rec;
	long g = 0;

	/* ext4, xfs, f2fs: stat and FS_IOC_GETVERSION give the inode's own
	 * numbers; tmpfs: its file handle holds the generation. */
	if (stat_is_exact(fd) && !stat_fd(fd, dev, ino) &&
	    (!file_version(fd, &g) || !tmpfs_gen(fd, *ino, &g))) {
		*igen = (__u32)g;
		return 0;
	}
	if (iter_fd(k, fd, &rec))
		return -ENOTSUP;
	*dev = rec.dev;
	*ino = rec.ino;
	*igen = rec.igen;
	return 0;
}

void kinode_free(struct kinode *k)
{
	if (!k)
		return;
	bpf_link__destroy(k->link);
	kinode_bpf__destroy(k->skel);
	free(k);
}
