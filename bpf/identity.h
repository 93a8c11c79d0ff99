/* SPDX-License-Identifier: GPL-2.0 */
/* How the kernel recognises an app from the file being executed: its inode,
 * (parent directory, base name), base name, and every ancestor directory. */
#ifndef __APPBAN_IDENTITY_H
#define __APPBAN_IDENTITY_H

#include "maps.h"

/* The result of matching one file: the strongest rule that matched. */
struct appban_hit {
	__u32 app;
	__u8 match;	/* enum appban_match; NONE when nothing matched */
	__u8 action;	/* enum appban_action of that app, as written */
	__u32 dev;
	__u64 ino;
};

/* One key buffer, reused for the two large keys: the BPF stack is 512 bytes,
 * and a per-CPU scratch map could be shared by a preempted program. */
union appban_keybuf {
	struct appban_dirent_key dirent;
	struct appban_name_key name;
};

static __always_inline int action_rank(__u8 action)
{
	switch (action) {
	case APPBAN_ACTION_DENY_EXEC:
		return 3;
	case APPBAN_ACTION_DENY_NETWORK:
		return 2;
	case APPBAN_ACTION_AUDIT:
		return 1;
	}
	return 0;
}

/* Keep `r` in `hit` when its app's action is stronger than what `hit` has. */
static __always_inline void hit_consider(struct appban_hit *hit, __u32 gen,
					 const struct appban_rule *r)
{
	struct appban_app *app;
	__u32 idx;

	if (!r || r->app >= APPBAN_MAX_APPS)
		return;
	idx = gen * APPBAN_MAX_APPS + r->app;
	app = bpf_map_lookup_elem(&appban_apps, &idx);
	if (!app)
		return;
	if (action_rank(app->action) > action_rank(hit->action)) {
		hit->app = r->app;
		hit->match = r->match;
		hit->action = app->action;
	}
}

static __always_inline __u32 inode_dev(struct inode *inode)
{
	return BPF_CORE_READ(inode, i_sb, s_dev);
}

/* The file itself: path and content rules are keyed by its inode. */
static __always_inline void match_inode(struct appban_hit *hit, __u32 gen,
					__u32 dev, __u64 ino)
{
	struct appban_inode_key k = { .gen = gen, .dev = dev, .ino = ino };
	struct appban_rule *r = bpf_map_lookup_elem(&appban_inode_rules, &k);

	/* A directory's entry (dir rule) never names the executable itself. */
	if (r && !APPBAN_MATCH_IS_DIR(r->match))
		hit_consider(hit, gen, r);
}

/* (parent directory, base name), then base name alone. */
static __always_inline void match_names(struct appban_hit *hit, __u32 gen,
					const struct appban_meta *meta,
					struct dentry *dentry, __u32 dev)
{
	union appban_keybuf kb;
	const unsigned char *name = BPF_CORE_READ(dentry, d_name.name);
	struct inode *pinode = BPF_CORE_READ(dentry, d_parent, d_inode);

	if (meta->n_idents[APPBAN_MATCH_PATH]) {
		__builtin_memset(&kb, 0, sizeof(kb));
		kb.dirent.gen = gen;
		kb.dirent.dev = dev;
		kb.dirent.parent_ino = BPF_CORE_READ(pinode, i_ino);
		bpf_probe_read_kernel_str(kb.dirent.name, sizeof(kb.dirent.name), name);
		hit_consider(hit, gen, bpf_map_lookup_elem(&appban_dirent_rules, &kb.dirent));
	}
	if (meta->n_idents[APPBAN_MATCH_NAME]) {
		__builtin_memset(&kb, 0, sizeof(kb));
		kb.name.gen = gen;
		bpf_probe_read_kernel_str(kb.name.name, sizeof(kb.name.name), name);
		hit_consider(hit, gen, bpf_map_lookup_elem(&appban_name_rules, &kb.name));
	}
}

/* Every directory above the file. The walk follows the dentries up to the
 * root of their file system even past the root of a bind mount, so a bind
 * mount of a banned directory, or of a directory inside it (Flatpak's /app),
 * is caught; at a file system's root it continues at the mount point, the way
 * d_path() does, so a dir rule above another file system (a snap, a separate
 * /opt) matches too. */
static __always_inline void match_ancestors(struct appban_hit *hit, __u32 gen,
					    struct dentry *dentry, struct vfsmount *vmnt)
{
	struct mount *mnt = (void *)vmnt - bpf_core_field_offset(struct mount, mnt);
	struct dentry *d = dentry;
	int i;

	for (i = 0; i < APPBAN_MAX_ANCESTORS; i++) {
		struct dentry *parent = BPF_CORE_READ(d, d_parent);
		struct appban_inode_key k = { .gen = gen };
		struct appban_rule *r;

		if (!parent)
			break;
		if (parent == d) {
			/* The root of this file system: go on at its mount point. */
			struct mount *up = BPF_CORE_READ(mnt, mnt_parent);

			if (!up || up == mnt)
				break;
			parent = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = up;
			if (!parent)
				break;
		}
		d = parent;
		k.dev = inode_dev(BPF_CORE_READ(d, d_inode));
		k.ino = BPF_CORE_READ(d, d_inode, i_ino);
		r = bpf_map_lookup_elem(&appban_inode_rules, &k);
		if (r && APPBAN_MATCH_IS_DIR(r->match))
			hit_consider(hit, gen, r);
	}
}

/* Match an executable file against generation `gen`. */
static __always_inline void identify_file(struct appban_hit *hit, __u32 gen,
					  const struct appban_meta *meta, struct file *file)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	struct dentry *dentry = BPF_CORE_READ(file, f_path.dentry);

	hit->match = APPBAN_MATCH_NONE;
	hit->action = APPBAN_ACTION_NONE;
	hit->app = 0;
	hit->dev = inode_dev(inode);
	hit->ino = BPF_CORE_READ(inode, i_ino);

	match_inode(hit, gen, hit->dev, hit->ino);
	match_names(hit, gen, meta, dentry, hit->dev);
	if (meta->n_idents[APPBAN_MATCH_DIR] || meta->n_idents[APPBAN_MATCH_FLATPAK] ||
	    meta->n_idents[APPBAN_MATCH_SNAP])
		match_ancestors(hit, gen, dentry, BPF_CORE_READ(file, f_path.mnt));
}

#endif /* __APPBAN_IDENTITY_H */
