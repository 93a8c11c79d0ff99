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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "kernel/check.h"
#include "kernel/genmap.h"
#include "util/clock.h"

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

/* The kernel's view of path: (dev, ino), i_generation (-1 when it cannot
 * be told) and change time; -errno. */
struct kid {
	__u32 dev;
	__u64 ino;
	__s64 igen;
	__u64 ctime_ns;
};

static int kernel_ids(struct lookup *lk, const char *path, struct kid *id)
{
	int fd = open(path, O_PATH | O_CLOEXEC), err;
	struct stat st;
	__u32 g;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return err;
	}
	id->ctime_ns = (__u64)st.st_ctim.tv_sec * 1000000000ull + (__u64)st.st_ctim.tv_nsec;
	id->igen = -1;
	err = kinode_fd_gen(lk->k, fd, &id->dev, &id->ino, &g);
	if (!err)
		id->igen = g;
	else
		err = kinode_fd(lk->k, fd, &id->dev, &id->ino);
	close(fd);
	return err;
}

/* As the kernel's match_inode(): a bound rule holds only for the file it
 * was made for (identity.h). */
static int rule_holds(const struct appban_rule *r, const struct kid *id)
{
	if (r->bind == APPBAN_BIND_GEN)
		return id->igen < 0 || (__u32)r->igen == (__u32)id->igen;
	return !r->ctime_ns || r->ctime_ns == id->ctime_ns;
}

static void lookup_inode(struct lookup *lk, const struct kid *id, int want_dir)
{
	struct appban_inode_key key = { .gen = lk->gen, .dev = id->dev, .ino = id->ino };
	struct appban_rule r;

	if (genmap_lookup(lk->l->inode_fd, lk->gen, &key, &r))
		return;
	if ((APPBAN_MATCH_IS_DIR(r.match) ? 1 : 0) == want_dir && rule_holds(&r, id))
		consider(lk, &r);
}

int check_file(struct loader *l, struct kinode *k, const char *path, struct check_result *out)
{
	struct lookup lk = { .l = l, .k = k, .gen = l->state.active_gen & 1, .out = out };
	struct appban_dirent_key dk = { .gen = lk.gen };
	struct appban_name_key nk = { .gen = lk.gen };
	char dir[PATH_MAX], *slash;
	struct appban_rule r;
	struct kid id, pid;
	int err;

	memset(out, 0, sizeof(*out));
	if (!realpath(path, out->real))
		return -errno;
	err = kernel_ids(&lk, out->real, &id);
	if (err)
		return err;
	lookup_inode(&lk, &id, 0);

	snprintf(dir, sizeof(dir), "%s", out->real);
	slash = strrchr(dir, '/');
	if (!slash)
		return 0;
	snprintf(nk.name, sizeof(nk.name), "%s", slash + 1);
	if (!genmap_lookup(l->name_fd, lk.gen, &nk, &r))
		consider(&lk, &r);
	slash[slash == dir] = 0; /* the parent: "/" stays "/" */
	if (!kernel_ids(&lk, dir, &pid)) {
		dk.dev = id.dev;
		dk.parent_ino = pid.ino;
		memcpy(dk.name, nk.name, sizeof(dk.name));
		if (!genmap_lookup(l->dirent_fd, lk.gen, &dk, &r))
			consider(&lk, &r);
	}
	/* Every ancestor, up to the root. */
	for (;;) {
		if (!kernel_ids(&lk, dir, &pid))
			lookup_inode(&lk, &pid, 1);
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

/* The exception entry of (gen, app, kind, id) in force now: its allow
 * index, or -ENOENT. The same test as exc_lookup() in bpf/verdict.h. */
static int exc_in_force(struct loader *l, __u32 gen, __u32 app, __u32 kind, __u32 id)
{
	struct appban_exc_key k = { .gen = gen & 1, .app = app, .kind = kind, .id = id };
	struct appban_exc v;

	if (genmap_lookup(l->exc_fd, gen, &k, &v))
		return -ENOENT;
	if (v.until_boot_ns && boot_ns() >= v.until_boot_ns)
		return -ENOENT;
	return (int)v.allow;
}

int check_exceptions(struct loader *l, __u32 gen, __u32 app, char *names, size_t len)
{
	struct appban_exc_key cur, next;
	unsigned char seen[APPBAN_MAX_ALLOWS] = { 0 };
	struct appban_allow a;
	size_t used = 0;
	int first = 1, n = 0, idx, fd = genmap_fd(l->exc_fd, gen);

	if (len)
		names[0] = 0;
	while (fd >= 0 && !bpf_map_get_next_key(fd, first ? NULL : &cur, &next)) {
		first = 0;
		cur = next;
		if (cur.gen != (gen & 1) || cur.app != app)
			continue;
		idx = exc_in_force(l, gen, app, cur.kind, cur.id);
		if (idx < 0 || idx >= APPBAN_MAX_ALLOWS || seen[idx])
			continue;
		seen[idx] = 1;
		if (loader_allow(l, gen, idx, &a))
			continue;
		n++;
		if (used < len)
			used += snprintf(names + used, len - used, "%s%s", n > 1 ? ", " : "",
					 a.name);
	}
	if (fd >= 0)
		close(fd);
	return n;
}

/* "Uid:" or "Gid:" (first, real, value) or "Groups:" of /proc/PID/status. */
int check_exception_pid(struct loader *l, __u32 gen, __u32 app, pid_t pid)
{
	char path[64], line[4096], *p, *end;
	int idx = -ENOENT;
	unsigned long id;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (idx < 0 && fgets(line, sizeof(line), f)) {
		__u32 kind;
		int all;

		if (!strncmp(line, "Uid:", 4)) {
			kind = APPBAN_EXC_UID;
			all = 0;
		} else if (!strncmp(line, "Gid:", 4)) {
			kind = APPBAN_EXC_GID;
			all = 0;
		} else if (!strncmp(line, "Groups:", 7)) {
			kind = APPBAN_EXC_GID;
			all = 1;
		} else {
			continue;
		}
		p = strchr(line, ':') + 1;
		for (;;) {
			id = strtoul(p, &end, 10);
			if (end == p)
				break;
			idx = exc_in_force(l, gen, app, kind, (__u32)id);
			if (idx >= 0 || !all)
				break;
			p = end;
		}
	}
	fclose(f);
	return idx;
}
