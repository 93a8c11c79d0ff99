// SPDX-License-Identifier: GPL-2.0
/* The tamper guard's records: which binary is appban, which process reads
 * the events, who unloaded. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "fallback.skel.h"
#include "kernel/kinode.h"
#include "policy/allow.h"
#include "kernel/genmap.h"
#include "kernel/loader.h"
#include "kernel/mapbatch.h"
#include "util/log.h"
#include "lsm.skel.h"
#include "util/clock.h"
#include "kernel/loader_int.h"

/* The kernel's (dev, ino) of `path`, opened with `flags`. */
static int kernel_inode(struct kinode *k, const char *path, int flags, __u32 *dev, __u64 *ino)
{
	int fd = open(path, flags | O_CLOEXEC), err;

	if (fd < 0)
		return -errno;
	err = kinode_fd(k, fd, dev, ino);
	close(fd);
	return err;
}

/* Tell the kernel who appban is: this binary (and its place, for a rebuilt
 * or upgraded one) and the pin directory; from now on protected. */
int guard_write_self(struct loader *l)
{
	struct appban_guard g = { .protect = 1 };
	struct kinode *k = kinode_new();
	char exe[PATH_MAX], *slash;
	__u32 idx = APPBAN_GUARD_SELF;
	ssize_t n;
	int err;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	err = n > 0 ? 0 : -errno;
	if (!err) {
		exe[n] = 0;
		slash = strrchr(exe, '/');
		const char *base = slash ? slash + 1 : exe;

		/* A longer name is not compared: the inode alone says who appban is. */
		if (strlen(base) < sizeof(g.self_name))
			memcpy(g.self_name, base, strlen(base) + 1);
		if (slash)
			*slash = 0;
		err = kernel_inode(k, "/proc/self/exe", O_RDONLY, &g.self_dev, &g.self_ino);
	}
	if (!err)
		err = kernel_inode(k, slash && exe[0] ? exe : "/", O_PATH | O_DIRECTORY,
				   &g.self_dir_dev, &g.self_dir_ino);
	if (!err)
		err = kernel_inode(k, APPBAN_PIN_DIR, O_RDONLY | O_DIRECTORY, &g.pin_dev,
				   &g.pin_ino);
	kinode_free(k);
	if (!err && bpf_map_update_elem(l->guard_fd, &idx, &g, BPF_ANY))
		err = -errno;
	if (err)
		pr_warn("cannot set up tamper protection: %s\n", strerror(-err));
	return err;
}

int loader_set_reader(struct loader *l, __u32 tgid, __u64 load_id)
{
	struct appban_guard g = { 0 };
	__u32 idx = APPBAN_GUARD_READER;

	if (l->guard_fd < 0)
		return -EBADF;
	if (!tgid &&
	    (bpf_map_lookup_elem(l->guard_fd, &idx, &g) || g.reader_tgid != (__u32)getpid()))
		return 0;
	g.reader_tgid = tgid;
	g.reader_load = tgid && load_id ? APPBAN_READER_LOAD(load_id) : 0;
	return bpf_map_update_elem(l->guard_fd, &idx, &g, BPF_ANY) ? -errno : 0;
}

int loader_unloaded_by(struct loader *l, __u32 *pid, __u32 *uid)
{
	struct appban_guard g;
	__u32 idx = APPBAN_GUARD_SELF;

	if (l->guard_fd < 0 || bpf_map_lookup_elem(l->guard_fd, &idx, &g) || !g.unload_pid)
		return -ENOENT;
	*pid = g.unload_pid;
	*uid = g.unload_uid;
	return 0;
}
