// SPDX-License-Identifier: GPL-2.0
/* Resolves descriptors to the inode numbers exec sees (overlayfs differs from
 * stat()); design.md, "Identity". */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "compile.h"
#include "kinode.h"
#include "kinode.skel.h"

struct kinode {
	struct kinode_bpf *skel;	/* NULL: stat() only */
	struct bpf_link *link;
};

struct kinode *kinode_new(void)
{
	struct kinode *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->skel = kinode_bpf__open();
	if (!k->skel)
		return k;
	k->skel->rodata->target_tgid = getpid();
	if (kinode_bpf__load(k->skel))
		goto no_iter;
	/* Every task, filtered by the program. Not the iterator's pid filter
	 * (6.1+): on Debian's 6.1 it locked up a CPU while threads of this
	 * process exited (the scan's walkers), in the VM tier. */
	k->link = bpf_program__attach_iter(k->skel->progs.appban_kinode, NULL);
	if (!k->link)
		goto no_iter;
	return k;
no_iter:
	kinode_bpf__destroy(k->skel);
	k->skel = NULL;
	return k;
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

int kinode_fd(struct kinode *k, int fd, __u32 *dev, __u64 *ino)
{
	struct appban_kinode recs[256];
	int it, found = -ENOENT;
	ssize_t n, i;

	if (!k || !k->skel)
		return stat_fd(fd, dev, ino);
	it = bpf_iter_create(bpf_link__fd(k->link));
	if (it < 0)
		return stat_fd(fd, dev, ino);
	while ((n = read(it, recs, sizeof(recs))) >= (ssize_t)sizeof(recs[0])) {
		for (i = 0; i < n / (ssize_t)sizeof(recs[0]); i++) {
			if ((int)recs[i].fd == fd) {
				*dev = recs[i].dev;
				*ino = recs[i].ino;
				found = 0;
			}
		}
	}
	close(it);
	return found ? stat_fd(fd, dev, ino) : 0;
}

void kinode_free(struct kinode *k)
{
	if (!k)
		return;
	bpf_link__destroy(k->link);
	kinode_bpf__destroy(k->skel);
	free(k);
}
