// SPDX-License-Identifier: GPL-2.0
/* The kernel's identity lookups done from user space, on the active
 * generation's maps: inode, (parent directory, base name), base name, then
 * every ancestor directory; the strongest action wins, as in identity.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "check.h"

struct lookup {
	struct loader *l;
	struct kinode *k;
	__u32 gen;
	struct check_result *out;
};

static void consider(struct lookup *lk, const struct appban_rule *r)
{
	struct appban_app app;

	if (loader_app(lk->l, lk->gen, r->app, &app))
		return;
	if (lk->out->matched &&
	    appban_action_rank(app.action) <= appban_action_rank(lk->out->app_info.action))
		return;
	lk->out->matched = 1;
	lk->out->match = r->match;
	lk->out->app = r->app;
	lk->out->app_info = app;
}

/* The kernel's (dev, ino) of path; -errno. */
static int kernel_ids(struct lookup *lk, const char *path, __u32 *dev, __u64 *ino)
{
	int fd = open(path, O_PATH | O_CLOEXEC), err;

	if (fd < 0)
		return -errno;
	err = kinode_fd(lk->k, fd, dev, ino);
	close(fd);
	return err;
}

static void lookup_inode(struct lookup *lk, __u32 dev, __u64 ino, int want_dir)
{
	struct appban_inode_key key = { .gen = lk->gen, .dev = dev, .ino = ino };
	struct appban_rule r;

	if (bpf_map_lookup_elem(lk->l->inode_fd, &key, &r))
		return;
	if ((APPBAN_MATCH_IS_DIR(r.match) ? 1 : 0) == want_dir)
		consider(lk, &r);
}

int check_file(struct loader *l, struct kinode *k, const char *path, struct check_result *out)
{
	struct lookup lk = { .l = l, .k = k, .gen = l->state.active_gen & 1, .out = out };
	struct appban_dirent_key dk = { .gen = lk.gen };
	struct appban_name_key nk = { .gen = lk.gen };
	char dir[PATH_MAX], *slash;
	struct appban_rule r;
	__u32 dev, pdev;
	__u64 ino, pino;
	int err;

	memset(out, 0, sizeof(*out));
	if (!realpath(path, out->real))
		return -errno;
	err = kernel_ids(&lk, out->real, &dev, &ino);
	if (err)
		return err;
	lookup_inode(&lk, dev, ino, 0);

	snprintf(dir, sizeof(dir), "%s", out->real);
	slash = strrchr(dir, '/');
	if (!slash)
		return 0;
	snprintf(nk.name, sizeof(nk.name), "%s", slash + 1);
	if (!bpf_map_lookup_elem(l->name_fd, &nk, &r))
		consider(&lk, &r);
	slash[slash == dir] = 0; /* the parent: "/" stays "/" */
	if (!kernel_ids(&lk, dir, &pdev, &pino)) {
		dk.dev = dev;
		dk.parent_ino = pino;
		memcpy(dk.name, nk.name, sizeof(dk.name));
		if (!bpf_map_lookup_elem(l->dirent_fd, &dk, &r))
			consider(&lk, &r);
	}
	/* Every ancestor, up to the root. */
	for (;;) {
		if (!kernel_ids(&lk, dir, &pdev, &pino))
			lookup_inode(&lk, pdev, pino, 1);
		if (!strcmp(dir, "/"))
			break;
		slash = strrchr(dir, '/');
		if (!slash)
			break;
		slash[slash == dir] = 0;
	}
	return 0;
}

const char *check_outcome(const struct appban_state *st, const struct appban_meta *meta,
			  __u8 action)
{
	int monitor = meta->mode == APPBAN_MODE_MONITOR;

	switch (action) {
	case APPBAN_ACTION_DENY_EXEC:
		if (monitor)
			return "starts, reported (monitor mode)";
		return st->engine == APPBAN_ENGINE_LSM ? "refused (EPERM)" :
							 "killed at exec (SIGKILL)";
	case APPBAN_ACTION_DENY_NETWORK:
		return monitor ? "starts, network use reported (monitor mode)" :
				 "starts, network refused";
	case APPBAN_ACTION_AUDIT:
		return "starts, reported";
	}
	return "starts";
}
