// SPDX-License-Identifier: GPL-2.0
/* From the AST to the entries of the policy maps. Paths are resolved here,
 * once, so the kernel only compares inodes and names. */
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "policy/allow.h"
#include "policy/compile.h"
#include "policy/parse_arg.h"
#include "util/clock.h"
#include "util/hex.h"

__u32 kernel_dev(unsigned long long st_dev)
{
	return (__u32)(major(st_dev) << 20 | minor(st_dev));
}

/* Growable arrays of entries. */
static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	void *p;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

struct builder {
	struct compiled_policy *c;
	const struct compile_opts *o;
	size_t cap_inodes, cap_dirents, cap_names, cap_digests;
};

/* A directory's O_PATH descriptor opened for reading, without a second
 * lookup of its path ("." of it: no automount, as O_PATH); -1 when it is
 * not a directory or cannot be read. */
static int reopen_dir(int fd)
{
	return openat(fd, ".", O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
}

/* (device, inode) of a path as exec will see it; -errno. */
static int resolve_path(struct builder *b, const char *path, int want_dir, __u32 *dev, __u64 *ino,
			__s64 *igen, int *is_dir)
{
	struct stat st;
	int fd, rfd, err = 0;

	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* A dir rule resolved by the kernel's view: a directory is known by
	 * its read descriptor (the resolver asks it for its i_generation,
	 * which an O_PATH descriptor cannot answer: kinode.c would open it
	 * again through /proc). 1,000 dir rules were 10 system calls each,
	 * a quarter of a 20,000-identifier swap; now 7. */
	if (want_dir && b->o && b->o->resolve && (rfd = reopen_dir(fd)) >= 0) {
		close(fd);
		fd = rfd;
		*is_dir = 1;
		*igen = -1;
		err = b->o->resolve(b->o->resolve_ctx, fd, dev, ino, igen);
		goto out;
	}
	if (fstat(fd, &st)) {
		err = -errno;
		goto out;
	}
	*is_dir = S_ISDIR(st.st_mode);
	if (want_dir && !*is_dir)
		goto out;
	*igen = -1;
	if (b->o && b->o->resolve) {
		err = b->o->resolve(b->o->resolve_ctx, fd, dev, ino, igen);
	} else {
		*dev = kernel_dev(st.st_dev);
		*ino = st.st_ino;
	}
out:
	close(fd);
	return err;
}

/* bind, bound: enum appban_bind and the change time or i_generation. */
static int add_inode_bound(struct builder *b, __u32 dev, __u64 ino, __u32 app, __u8 match,
			   __u8 bind, __u64 bound)
{
	struct compiled_policy *c = b->c;
	struct compiled_inode *e;
	size_t i;

	/* The same inode named twice (a path and its hard link): keep one. */
	for (i = 0; i < c->n_inodes; i++)
		if (c->inodes[i].key.dev == dev && c->inodes[i].key.ino == ino &&
		    c->inodes[i].rule.match == match)
			return 0;
	if (grow((void **)&c->inodes, &b->cap_inodes, c->n_inodes, sizeof(*e)))
		return -ENOMEM;
	e = &c->inodes[c->n_inodes++];
	memset(e, 0, sizeof(*e));
	e->key.dev = dev;
	e->key.ino = ino;
	e->rule.app = app;
	e->rule.match = match;
	e->rule.bind = bind;
	e->rule.ctime_ns = bound;
	return 0;
}

/* A file or directory resolved now: bound to its i_generation when known. */
static int add_inode(struct builder *b, __u32 dev, __u64 ino, __s64 igen, __u32 app, __u8 match)
{
	return add_inode_bound(b, dev, ino, app, match,
			       igen >= 0 ? APPBAN_BIND_GEN : APPBAN_BIND_NONE,
			       igen >= 0 ? (__u64)igen : 0);
}

static int add_dirent(struct builder *b, __u32 dev, __u64 parent, const char *name, __u32 app)
{
	struct compiled_policy *c = b->c;
	struct compiled_dirent *e;

	if (grow((void **)&c->dirents, &b->cap_dirents, c->n_dirents, sizeof(*e)))
		return -ENOMEM;
	e = &c->dirents[c->n_dirents++];
	memset(e, 0, sizeof(*e));
	e->key.dev = dev;
	e->key.parent_ino = parent;
	strncpy(e->key.name, name, sizeof(e->key.name) - 1);
	e->rule.app = app;
	e->rule.match = APPBAN_MATCH_PATH;
	return 0;
}

static int add_name(struct builder *b, const char *name, __u32 app)
{
	struct compiled_policy *c = b->c;
	struct compiled_name *e;

	if (grow((void **)&c->names, &b->cap_names, c->n_names, sizeof(*e)))
		return -ENOMEM;
	e = &c->names[c->n_names++];
	memset(e, 0, sizeof(*e));
	strncpy(e->key.name, name, sizeof(e->key.name) - 1);
	e->rule.app = app;
	e->rule.match = APPBAN_MATCH_NAME;
	return 0;
}

int compiled_add_inode(struct compiled_policy *c, __u32 dev, __u64 ino, __u32 app, __u8 match,
		       __s64 igen)
{
	struct builder b = { .c = c, .cap_inodes = c->n_inodes };

	/* grow() doubles from the current count: the array is exactly full. */
	return add_inode(&b, dev, ino, igen, app, match);
}

int compiled_add_inode_ctime(struct compiled_policy *c, __u32 dev, __u64 ino, __u32 app, __u8 match,
			     __u64 ctime_ns)
{
	struct builder b = { .c = c, .cap_inodes = c->n_inodes };

	return add_inode_bound(&b, dev, ino, app, match, ctime_ns ? APPBAN_BIND_CTIME : 0,
			       ctime_ns);
}

int compiled_drop_content_inode(struct compiled_policy *c, __u32 dev, __u64 ino)
{
	size_t i;

	for (i = 0; i < c->n_inodes; i++) {
		struct compiled_inode *e = &c->inodes[i];

		if (e->key.dev != dev || e->key.ino != ino || e->rule.match != APPBAN_MATCH_SHA256)
			continue;
		/* (the order of the rules does not matter: the kernel's is a hash) */
		*e = c->inodes[--c->n_inodes];
		return 1;
	}
	return 0;
}

/* `path P`: the file's inode, and (parent directory, base name) so that a
 * file later written at P (a new inode) is caught as well. Symbolic links in
 * P are followed now; a P that does not exist yet is still caught through
 * its parent directory when that exists. */
static int compile_path(struct builder *b, const struct ident *id, __u32 app, struct diag *d)
{
	char real[PATH_MAX], parent[PATH_MAX];
	const char *base, *target = id->value;
	__u32 dev;
	__u64 ino;
	__s64 igen;
	int err, is_dir = 0;
	char *slash;

	if (realpath(id->value, real)) {
		target = real;
		err = resolve_path(b, real, 0, &dev, &ino, &igen, &is_dir);
		if (!err && is_dir) {
			diag_error(d, id->value_loc,
				   "%s is a directory (use \"dir\" to ban everything below it)",
				   id->value);
			return 0;
		}
		if (!err) {
			err = add_inode(b, dev, ino, igen, app, APPBAN_MATCH_PATH);
			if (err)
				return err;
		}
	} else if (errno != ENOENT && errno != ENOTDIR) {
		diag_error(d, id->value_loc, "cannot resolve %s: %s", id->value, strerror(errno));
		return 0;
	} else {
		b->c->unresolved = 1;
	}

	if (strlen(target) >= sizeof(parent))
		return 0;
	strcpy(parent, target);
	slash = strrchr(parent, '/');
	if (!slash)
		return 0;
	base = target + (slash - parent) + 1;
	if (!*base || strlen(base) >= APPBAN_NAME_LEN)
		return 0;
	if (slash == parent)
		slash[1] = 0;
	else
		*slash = 0;
	if (resolve_path(b, parent, 1, &dev, &ino, &igen, &is_dir) || !is_dir) {
		diag_absent(
			d, id->value_loc,
			"%s does not exist (yet): it is covered once it appears while appban run is running",
			id->value);
		b->c->unresolved = 1;
		return 0;
	}
	if (target != real)
		diag_absent(d, id->value_loc,
			    "%s does not exist (yet): a file created there will be caught",
			    id->value);
	return add_dirent(b, dev, ino, base, app);
}

/* `dir P`: the directory's inode; the kernel walks every executable's ancestors. */
static int compile_dir(struct builder *b, const struct ident *id, __u32 app, struct diag *d)
{
	int err, is_dir = 0;
	__u32 dev;
	__u64 ino;
	__s64 igen;

	err = resolve_path(b, id->value, 1, &dev, &ino, &igen, &is_dir);
	if (err == -ENOENT || err == -ENOTDIR) {
		diag_absent(
			d, id->value_loc,
			"%s does not exist (yet): it is covered once it appears while appban run is running",
			id->value);
		b->c->unresolved = 1;
		return 0;
	}
	if (err) {
		diag_error(d, id->value_loc, "cannot resolve %s: %s", id->value, strerror(-err));
		return 0;
	}
	if (!is_dir) {
		diag_error(d, id->value_loc, "%s is not a directory (use \"path\" for a file)",
			   id->value);
		return 0;
	}
	return add_inode(b, dev, ino, igen, app, APPBAN_MATCH_DIR);
}

/* Where the system's files are: "" normally; APPBAN_SYSROOT for tests that
 * build a Flatpak or Snap layout of their own (the real tools need the
 * network). */
static const char *sysroot(void)
{
	const char *r = getenv("APPBAN_SYSROOT");

	return r && *r ? r : "";
}

/* A directory rule of kind `match` when `path` is a directory; *found is
 * set when it is. A missing one is worth looking for again later. */
static int add_dir_if_present(struct builder *b, const char *path, __u32 app, __u8 match,
			      int *found)
{
	int err, is_dir = 0;
	__u32 dev;
	__u64 ino;
	__s64 igen;

	err = resolve_path(b, path, 1, &dev, &ino, &igen, &is_dir);
	if (err || !is_dir)
		return 0;
	*found = 1;
	return add_inode(b, dev, ino, igen, app, match);
}

/* Every Flatpak installation: the system one, those configured in
 * /etc/flatpak/installations.d, and each user's (~/.local/share/flatpak, for
 * every account NSS lists and every directory in /home). */
#define MAX_FLATPAK_DIRS 4096

struct dir_list {
	char *dirs[MAX_FLATPAK_DIRS];
	int n;
};

static void dir_list_add(struct dir_list *l, const char *fmt, const char *a, const char *b2)
{
	char buf[PATH_MAX];
	int i;

	if (l->n >= MAX_FLATPAK_DIRS || snprintf(buf, sizeof(buf), fmt, a, b2) >= (int)sizeof(buf))
		return;
	for (i = 0; i < l->n; i++)
		if (!strcmp(l->dirs[i], buf))
			return;
	l->dirs[l->n] = strdup(buf);
	if (l->dirs[l->n])
		l->n++;
}

static void dir_list_free(struct dir_list *l)
{
	while (l->n)
		free(l->dirs[--l->n]);
}

/* Path= lines of /etc/flatpak/installations.d/ *.conf (flatpak-installation(5)). */
static void flatpak_conf_installations(struct dir_list *l, const char *root)
{
	char dir[PATH_MAX], file[PATH_MAX + 256], line[PATH_MAX + 16];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/etc/flatpak/installations.d", root);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		FILE *f;

		if (n < 6 || strcmp(de->d_name + n - 5, ".conf"))
			continue;
		snprintf(file, sizeof(file), "%s/%s", dir, de->d_name);
		f = fopen(file, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\r\n")] = 0;
			if (!strncmp(line, "Path=", 5) && line[5] == '/')
				dir_list_add(l, "%s%s", root, line + 5);
		}
		fclose(f);
	}
	closedir(d);
}

static void flatpak_installations(struct dir_list *l)
{
	const char *root = sysroot();
	char home[PATH_MAX];
	struct dirent *de;
	struct passwd *pw;
	DIR *d;

	dir_list_add(l, "%s%s", root, "/var/lib/flatpak");
	flatpak_conf_installations(l, root);
	setpwent();
	while ((pw = getpwent()))
		if (pw->pw_dir && pw->pw_dir[0] == '/' && strcmp(pw->pw_dir, "/"))
			dir_list_add(l, "%s%s/.local/share/flatpak", root, pw->pw_dir);
	endpwent();
	snprintf(home, sizeof(home), "%s/home", root);
	d = opendir(home);
	if (!d)
		return;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			dir_list_add(l, "%s/%s/.local/share/flatpak", home, de->d_name);
	closedir(d);
}

/* `flatpak APPID`: the app's directory in every installation, which holds
 * every deployed version; `flatpak run` bind-mounts one of them at /app,
 * and the kernel's ancestor walk follows the bind mount back to it. */
static int compile_flatpak(struct builder *b, const struct ident *id, __u32 app, struct diag *d)
{
	struct dir_list l = { .n = 0 };
	char path[PATH_MAX + 512];
	int i, err = 0, found = 0;

	flatpak_installations(&l);
	for (i = 0; i < l.n && !err; i++) {
		snprintf(path, sizeof(path), "%s/app/%s", l.dirs[i], id->value);
		err = add_dir_if_present(b, path, app, APPBAN_MATCH_FLATPAK, &found);
	}
	dir_list_free(&l);
	if (!found)
		diag_absent(
			d, id->value_loc,
			"Flatpak %s is not installed (system or per user): it is covered once installed while appban run is running",
			id->value);
	/* Always: a later install for one more user is looked for too. */
	b->c->unresolved = 1;
	return err;
}

/* `snap NAME`: /snap/NAME (or /var/lib/snapd/snap/NAME where the
 * distribution puts snaps there), above every revision's squashfs mount:
 * the ancestor walk crosses the mount point. */
static int compile_snap(struct builder *b, const struct ident *id, __u32 app, struct diag *d)
{
	static const char *const mounts[] = { "/snap", "/var/lib/snapd/snap" };
	char path[PATH_MAX];
	int err = 0, found = 0;
	size_t i;

	for (i = 0; i < sizeof(mounts) / sizeof(mounts[0]) && !err; i++) {
		snprintf(path, sizeof(path), "%s%s/%s", sysroot(), mounts[i], id->value);
		err = add_dir_if_present(b, path, app, APPBAN_MATCH_SNAP, &found);
	}
	if (!found) {
		diag_absent(
			d, id->value_loc,
			"snap %s is not installed: it is covered once installed while appban run is running",
			id->value);
		b->c->unresolved = 1;
	}
	return err;
}

/* `sha256 HEX`: kept as a digest; content.c finds the files that have it. */
static int compile_sha256(struct builder *b, const struct ident *id, __u32 app, struct diag *d)
{
	struct compiled_policy *c = b->c;
	struct compiled_digest *e;
	size_t bad;

	if (grow((void **)&c->digests, &b->cap_digests, c->n_digests, sizeof(*e)))
		return -ENOMEM;
	e = &c->digests[c->n_digests];
	memset(e, 0, sizeof(*e));
	if (sha256_from_hex(id->value, strlen(id->value), e->sha256, &bad)) {
		diag_error(d, id->value_loc, "bad SHA-256 digest \"%s\"", id->value);
		return 0;
	}
	e->app = app;
	c->n_digests++;
	return 0;
}

static int digest_cmp(const void *a, const void *b)
{
	__u64 x, y;

	/* The first 8 bytes, big-endian, decide nearly always (random
	 * digests): memcmp's call only on a tie. */
	memcpy(&x, a, sizeof(x));
	memcpy(&y, b, sizeof(y));
	x = be64toh(x);
	y = be64toh(y);
	if (x != y)
		return x < y ? -1 : 1;
	return memcmp(a, b, 32);
}

static int compile_name(struct builder *b, const struct ident *id, __u32 app, struct diag *d)
{
	if (strchr(id->value, '/')) {
		diag_error(d, id->value_loc,
			   "name must be a base name without '/' (use \"path\" for a file)");
		return 0;
	}
	if (strlen(id->value) >= APPBAN_NAME_LEN) {
		diag_error(d, id->value_loc, "name longer than %d bytes", APPBAN_NAME_LEN - 1);
		return 0;
	}
	return add_name(b, id->value, app);
}

static __u8 match_of(enum ident_kind k)
{
	switch (k) {
	case IDENT_PATH:
		return APPBAN_MATCH_PATH;
	case IDENT_DIR:
		return APPBAN_MATCH_DIR;
	case IDENT_SHA256:
		return APPBAN_MATCH_SHA256;
	case IDENT_NAME:
		return APPBAN_MATCH_NAME;
	case IDENT_FLATPAK:
		return APPBAN_MATCH_FLATPAK;
	case IDENT_SNAP:
		return APPBAN_MATCH_SNAP;
	}
	return APPBAN_MATCH_NONE;
}

static __u8 action_of(enum app_action a)
{
	switch (a) {
	case APP_ACTION_DENY_EXEC:
		return APPBAN_ACTION_DENY_EXEC;
	case APP_ACTION_DENY_NETWORK:
		return APPBAN_ACTION_DENY_NETWORK;
	case APP_ACTION_AUDIT:
		return APPBAN_ACTION_AUDIT;
	case APP_ACTION_NONE:
		break;
	}
	return APPBAN_ACTION_NONE;
}

static int compile_app(struct builder *b, const struct app *a, __u32 idx, struct diag *d)
{
	struct appban_app *out = &b->c->apps[idx];
	size_t i;
	int err = 0;

	snprintf(out->name, sizeof(out->name), "%s", a->name);
	if (a->description)
		snprintf(out->description, sizeof(out->description), "%s", a->description);
	out->action = action_of(a->action);
	for (i = 0; i < a->n_idents && !err; i++) {
		const struct ident *id = &a->idents[i];

		switch (id->kind) {
		case IDENT_PATH:
			err = compile_path(b, id, idx, d);
			break;
		case IDENT_DIR:
			err = compile_dir(b, id, idx, d);
			break;
		case IDENT_NAME:
			err = compile_name(b, id, idx, d);
			break;
		case IDENT_FLATPAK:
			err = compile_flatpak(b, id, idx, d);
			break;
		case IDENT_SNAP:
			err = compile_snap(b, id, idx, d);
			break;
		case IDENT_SHA256:
			err = compile_sha256(b, id, idx, d);
			if (out->action == APPBAN_ACTION_DENY_EXEC ||
			    out->action == APPBAN_ACTION_DENY_NETWORK)
				b->c->meta.flags |= APPBAN_META_SHA256_DENY;
			break;
		}
		if (!err)
			b->c->meta.n_idents[match_of(id->kind)]++;
	}
	return err;
}

/* The arrays at their final size at once: grown by doubling, the 9,000
 * names of a large policy (280 bytes each) were copied and their pages
 * faulted in again at each step. Path, dir, flatpak and snap rules may
 * make more or fewer inode rules: grow() still takes care of those. */
static int reserve(struct builder *b, const struct policy *p)
{
	size_t n[IDENT_SNAP + 1] = { 0 }, i, j;
	struct compiled_policy *c = b->c;

	for (i = 0; i < p->n_apps; i++)
		for (j = 0; j < p->apps[i].n_idents; j++)
			n[p->apps[i].idents[j].kind]++;
	if (n[IDENT_NAME]) {
		c->names = malloc(n[IDENT_NAME] * sizeof(*c->names));
		if (!c->names)
			return -ENOMEM;
		b->cap_names = n[IDENT_NAME];
	}
	if (n[IDENT_SHA256]) {
		c->digests = malloc(n[IDENT_SHA256] * sizeof(*c->digests));
		if (!c->digests)
			return -ENOMEM;
		b->cap_digests = n[IDENT_SHA256];
	}
	if (n[IDENT_DIR] + n[IDENT_PATH]) {
		c->inodes = malloc((n[IDENT_DIR] + n[IDENT_PATH]) * sizeof(*c->inodes));
		if (!c->inodes)
			return -ENOMEM;
		b->cap_inodes = n[IDENT_DIR] + n[IDENT_PATH];
	}
	return 0;
}

/* `expires`: carried to status. A day already past is no reason to refuse
 * the policy (fleet.md: a stale policy stays in force), only to say so. */
static void compile_expires(const struct policy *p, struct appban_meta *meta, struct diag *d)
{
	char day[32];

	meta->expires = p->expires;
	if (p->expires > allow_now_wall_ns() / (int64_t)NSEC_PER_SEC)
		return;
	arg_day_str(p->expires, day, sizeof(day));
	diag_warn(
		d, p->expires_loc,
		"policy \"%s\" expired on %s (expires is in the past): the policy is stale from the start; it is enforced all the same",
		p->name, day);
}

int policy_compile(const struct policy *p, const struct compile_opts *o,
		   struct compiled_policy **out, struct diag *d)
{
	struct builder b = { .o = o };
	int errors_before = d->errors;
	size_t i;
	int err;

	*out = NULL;
	if (p->exceptions_only || !p->n_apps) {
		struct src_loc start = { 1, 1 };

		/* Parsed as a layer (POLICY_PARSE_LAYER) and never composed. */
		diag_error(
			d, start,
			"policy has no app: an exceptions file is composed with a base policy that defines its apps, not compiled alone");
		return -EINVAL;
	}
	if (p->n_apps > APPBAN_MAX_APPS) {
		diag_error(d, p->apps[APPBAN_MAX_APPS].loc, "more than %d apps in one policy",
			   APPBAN_MAX_APPS);
		return -EINVAL;
	}
	b.c = calloc(1, sizeof(*b.c));
	if (!b.c)
		return -ENOMEM;
	b.c->apps = calloc(p->n_apps ? p->n_apps : 1, sizeof(*b.c->apps));
	if (!b.c->apps) {
		err = -ENOMEM;
		goto err_free;
	}
	snprintf(b.c->meta.name, sizeof(b.c->meta.name), "%s", p->name);
	b.c->meta.serial = p->serial;
	b.c->meta.mode = (p->monitor || (o && o->force_monitor)) ? APPBAN_MODE_MONITOR :
								   APPBAN_MODE_ENFORCE;
	b.c->meta.n_apps = p->n_apps;
	if (p->deny_fileless)
		b.c->meta.flags |= APPBAN_META_DENY_FILELESS;
	if (p->has_expires)
		compile_expires(p, &b.c->meta, d);
	err = reserve(&b, p);
	if (err)
		goto err_free;

	for (i = 0; i < p->n_apps; i++) {
		err = compile_app(&b, &p->apps[i], i, d);
		if (err)
			goto err_free;
	}
	err = compile_allows(p, b.c, d);
	if (err)
		goto err_free;

	if (b.c->n_inodes > APPBAN_MAX_INODE_RULES || b.c->n_dirents > APPBAN_MAX_DIRENT_RULES ||
	    b.c->n_names > APPBAN_MAX_NAME_RULES || b.c->n_digests > APPBAN_MAX_DIGEST_RULES) {
		struct src_loc start = { 1, 1 };

		diag_error(
			d, start,
			"too many identifiers (at most %d each of path/dir/flatpak/snap, name and sha256)",
			APPBAN_MAX_INODE_RULES);
	}
	if (d->errors > errors_before) {
		err = -EINVAL;
		goto err_free;
	}
	if (b.c->n_digests)
		qsort(b.c->digests, b.c->n_digests, sizeof(*b.c->digests), digest_cmp);
	*out = b.c;
	return 0;

err_free:
	compiled_free(b.c);
	return err;
}

void compiled_free(struct compiled_policy *c)
{
	if (!c)
		return;
	free(c->apps);
	free(c->inodes);
	free(c->dirents);
	free(c->names);
	free(c->digests);
	free(c->allows);
	free(c->excs);
	free(c);
}

int compiled_equal(const struct compiled_policy *a, const struct compiled_policy *b)
{
	if (memcmp(&a->meta, &b->meta, sizeof(a->meta)) || a->n_inodes != b->n_inodes ||
	    a->n_dirents != b->n_dirents || a->n_names != b->n_names)
		return 0;
	/* memcmp must not see the NULL of an empty array, even with a length of 0. */
	return (!a->meta.n_apps || !memcmp(a->apps, b->apps, a->meta.n_apps * sizeof(*a->apps))) &&
	       (!a->n_inodes || !memcmp(a->inodes, b->inodes, a->n_inodes * sizeof(*a->inodes))) &&
	       (!a->n_dirents ||
		!memcmp(a->dirents, b->dirents, a->n_dirents * sizeof(*a->dirents))) &&
	       (!a->n_names || !memcmp(a->names, b->names, a->n_names * sizeof(*a->names))) &&
	       (!a->meta.n_allows ||
		!memcmp(a->allows, b->allows, a->meta.n_allows * sizeof(*a->allows))) &&
	       (!a->meta.n_exc_entries ||
		!memcmp(a->excs, b->excs, a->meta.n_exc_entries * sizeof(*a->excs)));
}
