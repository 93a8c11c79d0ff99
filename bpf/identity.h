/* SPDX-License-Identifier: GPL-2.0 */
/* How the kernel recognises an app from the file being executed: its inode,
 * (parent directory, base name), base name, and every ancestor directory. */
#ifndef __APPBAN_IDENTITY_H
#define __APPBAN_IDENTITY_H

#include "maps.h"

/* The result of matching one file: the strongest rule that matched. */
struct appban_hit {
	__u32 app;
	__u8 match; /* enum appban_match; NONE when nothing matched */
	__u8 action; /* enum appban_action of that app, as written */
	__u32 dev;
	__u64 ino;
	__u32 exception; /* allow that exempts the process (decide()), or APPBAN_NO_EXCEPTION */
	__u64 exc_until_boot_ns; /* when that exception ends; 0: never */
};

/* One key buffer, reused for the two large keys: the BPF stack is 512 bytes,
 * and a per-CPU scratch map could be shared by a preempted program. */
union appban_keybuf {
	struct appban_dirent_key dirent;
	struct appban_name_key name;
};

/* Keep `r` in `hit` when its app's action is stronger than what `hit` has. */
/* gen: the generation, in the key the rule was found with (no stack). */
static __always_inline void hit_consider(struct appban_hit *hit, const __u32 *gen,
					 const struct appban_rule *r)
{
	struct appban_app *app;

	if (!r)
		return;
	app = gen_lookup(&appban_apps, gen, &r->app);
	if (!app)
		return;
	if (appban_action_rank(app->action) > appban_action_rank(hit->action)) {
		hit->app = r->app;
		hit->match = r->match;
		hit->action = app->action;
	}
}

static __always_inline __u32 inode_dev(struct inode *inode)
{
	return BPF_CORE_READ(inode, i_sb, s_dev);
}

/* The inode's change time moved between kernels: a timespec64 i_ctime up to
 * 6.5, __i_ctime from 6.6 (commit 13bc24457850), two scalar fields from
 * 6.11 (commit 3aa63a569c64). */
struct inode___ctime_old {
	struct timespec64 i_ctime;
} __attribute__((preserve_access_index));

struct inode___ctime_606 {
	struct timespec64 __i_ctime;
} __attribute__((preserve_access_index));

struct inode___ctime_611 {
	time64_t i_ctime_sec;
	u32 i_ctime_nsec;
} __attribute__((preserve_access_index));

static __always_inline void inode_ctime(struct inode *inode, __s64 *sec, __u32 *nsec)
{
	if (bpf_core_field_exists(struct inode___ctime_611, i_ctime_sec)) {
		struct inode___ctime_611 *i = (void *)inode;

		*sec = BPF_CORE_READ(i, i_ctime_sec);
		/* From 6.13 the top bit says "queried" (multigrain
		 * timestamps): nanoseconds are below 2^30. */
		*nsec = BPF_CORE_READ(i, i_ctime_nsec) & ((1u << 30) - 1);
	} else if (bpf_core_field_exists(struct inode___ctime_606, __i_ctime)) {
		struct inode___ctime_606 *i = (void *)inode;

		*sec = BPF_CORE_READ(i, __i_ctime.tv_sec);
		*nsec = BPF_CORE_READ(i, __i_ctime.tv_nsec);
	} else {
		struct inode___ctime_old *i = (void *)inode;

		*sec = BPF_CORE_READ(i, i_ctime.tv_sec);
		*nsec = BPF_CORE_READ(i, i_ctime.tv_nsec);
	}
}

/* A rule with a change time (a sha256 rule taken from the hash cache, whose
 * entries have no path to check them by) holds only while the inode still
 * has that change time: a file rewritten since, or an unrelated file that
 * got the inode number of a deleted one, is not what was hashed. Global: its
 * frame stays out of the callers' (6.1 adds up the frames of a call chain). */
APPBAN_SUBPROG int appban_rule_current(__u64 inode, __u64 ctime_ns)
{
	__s64 sec = 0;
	__u32 nsec = 0;

	inode_ctime((struct inode *)inode, &sec, &nsec);
	return (__u64)sec * 1000000000ull + nsec == ctime_ns;
}

/* The file itself: path and content rules are keyed by its inode. */
static __always_inline void match_inode(struct appban_hit *hit, __u32 gen, __u32 dev, __u64 ino,
					struct inode *inode)
{
	struct appban_inode_key k = { .gen = gen, .dev = dev, .ino = ino };
	struct appban_rule *r = gen_lookup(&appban_inode_rules, &k.gen, &k);

	/* A directory's entry (dir rule) never names the executable itself. */
	if (!r || APPBAN_MATCH_IS_DIR(r->match))
		return;
	if (r->bind == APPBAN_BIND_GEN) {
		if (BPF_CORE_READ(inode, i_generation) != (__u32)r->igen)
			return;
	} else if (r->ctime_ns && !appban_rule_current((__u64)inode, r->ctime_ns)) {
		return;
	}
	hit_consider(hit, &k.gen, r);
}

/* (parent directory, base name): a path rule also names whatever file is put
 * at the path later. `dev` is the device of the file system holding `dentry`. */
static __always_inline void match_dirent(struct appban_hit *hit, __u32 gen, struct dentry *dentry,
					 __u32 dev)
{
	union appban_keybuf kb;

	__builtin_memset(&kb, 0, sizeof(kb));
	kb.dirent.gen = gen;
	kb.dirent.dev = dev;
	kb.dirent.parent_ino = BPF_CORE_READ(dentry, d_parent, d_inode, i_ino);
	bpf_probe_read_kernel_str(kb.dirent.name, sizeof(kb.dirent.name),
				  BPF_CORE_READ(dentry, d_name.name));
	hit_consider(hit, &kb.dirent.gen,
		     gen_lookup(&appban_dirent_rules, &kb.dirent.gen, &kb.dirent));
}

/* The base name alone, wherever the file is. */
static __always_inline void match_name(struct appban_hit *hit, __u32 gen, struct dentry *dentry)
{
	union appban_keybuf kb;

	__builtin_memset(&kb, 0, sizeof(kb));
	kb.name.gen = gen;
	bpf_probe_read_kernel_str(kb.name.name, sizeof(kb.name.name),
				  BPF_CORE_READ(dentry, d_name.name));
	hit_consider(hit, &kb.name.gen, gen_lookup(&appban_name_rules, &kb.name.gen, &kb.name));
}

/* The two lookups by name, in a global function of their own: their key
 * buffer is most of a stack frame, and the verifier of 6.1 adds up the
 * frames of a chain of calls (512 bytes in all). `dentry` is a number: it
 * is only read through CO-RE reads. */
#define APPBAN_BY_DIRENT 1 /* (parent directory, base name): path rules */
#define APPBAN_BY_NAME 2 /* the base name alone: name rules */

APPBAN_SUBPROG int appban_match_names(struct appban_hit *hit, __u32 gen, __u64 dentry, __u32 dev,
				      __u32 which)
{
	if (!hit)
		return -1;
	if (which & APPBAN_BY_DIRENT)
		match_dirent(hit, gen, (struct dentry *)dentry, dev);
	if (which & APPBAN_BY_NAME)
		match_name(hit, gen, (struct dentry *)dentry);
	return 0;
}

/* The dir rule of directory `parent`, if any, kept in `hit`. */
static __always_inline void dir_rule_consider(struct appban_hit *hit, __u32 gen,
					      struct dentry *parent)
{
	struct appban_inode_key k = { .gen = gen };
	struct appban_rule *r;

	k.dev = inode_dev(BPF_CORE_READ(parent, d_inode));
	k.ino = BPF_CORE_READ(parent, d_inode, i_ino);
	r = gen_lookup(&appban_inode_rules, &k.gen, &k);
	if (r && APPBAN_MATCH_IS_DIR(r->match) &&
	    (r->bind != APPBAN_BIND_GEN ||
	     BPF_CORE_READ(parent, d_inode, i_generation) == (__u32)r->igen))
		hit_consider(hit, &k.gen, r);
}

#ifdef APPBAN_COMPAT
/* The compat objects' walk (below) is made of global functions, which the
 * verifier checks once for each program. Inlined, the 128 steps were
 * checked one by one, in every state its callers reached them with: some
 * 445,000 instructions verified for each program that identifies a file
 * (45,000 now; the full objects' bpf_loop() step, 25,000), ten times the
 * full objects in all, and more than five minutes of a load on arm64 under
 * TCG. Scalars only, as 5.10 wants of a global function. The dir rule of
 * directory `dentry`, when stronger than the hit's action `hit_action`: app
 * << 16 | match << 8 | action; 0 when none. */
APPBAN_GLOBAL __u64 appban_dir_rule_step(__u32 gen, __u64 dentry, __u32 hit_action)
{
	struct appban_hit h = { .action = (__u8)hit_action };

	dir_rule_consider(&h, gen, (struct dentry *)dentry);
	if (h.match == APPBAN_MATCH_NONE)
		return 0;
	return ((__u64)h.app << 16) | ((__u64)h.match << 8) | h.action;
}

/* The move of one step, as ancestor_up() below makes it, in two global
 * functions for the same reason: the directory above `dentry` (at the root
 * of a file system, the mount point of `vmnt`, the struct mount), 0 at the
 * top; and the mount that directory is in. */
APPBAN_GLOBAL __u64 appban_up_dentry(__u64 dentry, __u64 vmnt)
{
	struct dentry *cur = (struct dentry *)dentry;
	struct mount *m = (struct mount *)vmnt, *up;
	struct dentry *parent = BPF_CORE_READ(cur, d_parent);

	if (!parent)
		return 0;
	if (parent != cur)
		return (__u64)parent;
	up = BPF_CORE_READ(m, mnt_parent);
	if (!up || up == m)
		return 0;
	return (__u64)BPF_CORE_READ(m, mnt_mountpoint);
}

APPBAN_GLOBAL __u64 appban_up_mount(__u64 dentry, __u64 vmnt)
{
	struct dentry *cur = (struct dentry *)dentry;
	struct mount *m = (struct mount *)vmnt;

	if (BPF_CORE_READ(cur, d_parent) != cur)
		return vmnt;
	return (__u64)BPF_CORE_READ(m, mnt_parent);
}
#endif

/* One step of the walk up a file's directories, the same for the
 * bpf_loop() callback and the compat objects' bounded loop: from *d to its
 * parent (at the root of a file system, on at its mount point, *mnt
 * following), whose dir rule, if any, is kept in `hit` when `look`. 1 at
 * the top: there is nothing above *d. */
#ifdef APPBAN_COMPAT
static __always_inline int ancestor_up(struct appban_hit *hit, __u32 gen, struct dentry **d,
				       struct mount **mnt, int look)
{
	__u64 parent = appban_up_dentry((__u64)*d, (__u64)*mnt), v;

	if (!parent)
		return 1;
	*mnt = (struct mount *)appban_up_mount((__u64)*d, (__u64)*mnt);
	*d = (struct dentry *)parent;
	if (!look)
		return 0;
	v = appban_dir_rule_step(gen, parent, hit->action);
	if (v) {
		hit->app = (__u32)(v >> 16);
		hit->match = (__u8)(v >> 8);
		hit->action = (__u8)v;
	}
	return 0;
}
#else
static __always_inline int ancestor_up(struct appban_hit *hit, __u32 gen, struct dentry **d,
				       struct mount **mnt, int look)
{
	struct dentry *cur = *d; /* locals: CO-RE reads only kernel types */
	struct mount *m = *mnt, *up;
	struct dentry *parent = BPF_CORE_READ(cur, d_parent);

	if (!parent)
		return 1;
	if (parent == cur) {
		/* The root of this file system: go on at its mount point. */
		up = BPF_CORE_READ(m, mnt_parent);
		if (!up || up == m)
			return 1;
		parent = BPF_CORE_READ(m, mnt_mountpoint);
		*mnt = up;
		if (!parent)
			return 1;
	}
	*d = parent;
	if (!look)
		return 0;
	dir_rule_consider(hit, gen, parent);
	return 0;
}

#endif

#ifdef APPBAN_COMPAT
/* The compat objects (no bpf_loop()): the same walk as below in a bounded
 * loop of APPBAN_COMPAT_MAX_ANCESTORS steps, in a global function, which the
 * verifier checks once for each program (not at each call, nor with each
 * caller's state). Scalars only, as 5.10 wants of a global function: the
 * hit's action in; out, what replaces the hit (app << 16 | match << 8 |
 * action, 0 when nothing stronger matched) and APPBAN_WALK_CUT when the walk
 * was cut off before the top. */
#define APPBAN_WALK_CUT (1ULL << 63)

APPBAN_GLOBAL __u64 appban_walk_ancestors(__u32 gen, __u64 dentry, __u64 vmnt, __u32 hit_action)
{
	struct appban_hit h = { .action = (__u8)hit_action };
	struct dentry *d = (struct dentry *)dentry;
	struct mount *mnt = (struct mount *)vmnt;
	__u64 v = 0;
	int i;

	for (i = 0; i < APPBAN_COMPAT_MAX_ANCESTORS; i++)
		if (ancestor_up(&h, gen, &d, &mnt, 1))
			goto out;
	/* Is there one directory more than the walk looks at? */
	if (!ancestor_up(&h, gen, &d, &mnt, 0))
		v = APPBAN_WALK_CUT;
out:
	if (h.match != APPBAN_MATCH_NONE)
		v |= ((__u64)h.app << 16) | ((__u64)h.match << 8) | h.action;
	return v;
}

/* A walk cut off before the root of the root mount has not seen every
 * directory above the file: the file is refused as if a dir rule named it
 * (no app: the event says dir), unless a stronger or equal rule matched
 * already. */
APPBAN_SUBPROG int appban_match_ancestors(struct appban_hit *hit, __u32 gen, __u64 dentry,
					  __u64 vmnt)
{
	__u64 v;

	if (!hit)
		return -1;
	v = appban_walk_ancestors(gen, dentry, vmnt - bpf_core_field_offset(struct mount, mnt),
				  hit->action);
	if ((__u8)(v >> 8) != APPBAN_MATCH_NONE) {
		hit->app = (__u32)(v >> 16);
		hit->match = (__u8)(v >> 8);
		hit->action = (__u8)v;
	}
	if ((v & APPBAN_WALK_CUT) &&
	    appban_action_rank(hit->action) < appban_action_rank(APPBAN_ACTION_DENY_EXEC)) {
		hit->app = APPBAN_NO_APP;
		hit->match = APPBAN_MATCH_DIR;
		hit->action = APPBAN_ACTION_DENY_EXEC;
	}
	return 0;
}
#else
/* Every directory above the file. The walk follows the dentries up to the
 * root of their file system even past the root of a bind mount, so a bind
 * mount of a banned directory, or of a directory inside it (Flatpak's /app),
 * is caught; at a file system's root it continues at the mount point, the way
 * d_path() does, so a dir rule above another file system (a snap, a separate
 * /opt) matches too. One step per bpf_loop() call: the verifier checks the
 * step once, not once per level. Everything carried from one step to the
 * next is in the context and came from kernel reads, so the verifier knows
 * none of it for a constant (6.1 checks the step as if it ran once). */
struct ancestors_ctx {
	struct appban_hit *hit;
	struct dentry *d;
	struct mount *mnt;
	__u32 gen;
};

static long ancestor_step(__u64 i, void *data)
{
	struct ancestors_ctx *a = data;
	struct dentry *d = a->d;
	struct mount *mnt = a->mnt;
	int top = ancestor_up(a->hit, a->gen, &d, &mnt, 1);

	a->d = d;
	a->mnt = mnt;
	return top;
}

/* A global function: the verifier checks it once for each program, whatever
 * the state of its callers and however many call it (the file, and through
 * overlayfs its two layers). Pointers come as numbers: they are only ever
 * read through CO-RE reads. */
APPBAN_GLOBAL int appban_match_ancestors(struct appban_hit *hit, __u32 gen, __u64 dentry,
					 __u64 vmnt)
{
	struct ancestors_ctx a = {
		.hit = hit,
		.d = (struct dentry *)dentry,
		.mnt = (void *)vmnt - bpf_core_field_offset(struct mount, mnt),
		.gen = gen,
	};

	if (!hit)
		return -1;
	bpf_loop(APPBAN_MAX_ANCESTORS, ancestor_step, &a, 0);
	return 0;
}
#endif

/* overlayfs (containers, immutable systems): an exec through the merged
 * directory sees the overlay's own inode and dentries, never those of the
 * layer that holds the file, so the file is matched once more through the
 * real dentries behind the overlay inode. overlayfs keeps them in its private
 * inode (fs/overlayfs/ovl_entry.h), which has changed between kernels: local
 * flavours, resolved by CO-RE against vmlinux or, where overlay is a module,
 * against the module's BTF. Without overlay's BTF (the module not loaded when
 * the policy was), none of them exists and only the overlay's own identity
 * is matched. */
#define APPBAN_OVERLAYFS_MAGIC 0x794c7630

struct ovl_layer___appban {
	struct vfsmount *mnt; /* a private clone of the layer's mount */
} __attribute__((preserve_access_index));

struct ovl_path___appban {
	const struct ovl_layer___appban *layer;
	struct dentry *dentry;
} __attribute__((preserve_access_index));

/* Up to 6.4: the lower path in the inode itself. */
struct ovl_inode___lowerpath {
	struct inode vfs_inode;
	struct dentry *__upperdentry;
	struct ovl_path___appban lowerpath;
} __attribute__((preserve_access_index));

/* 6.5 ("ovl: move ovl_entry into ovl_inode"): the lower stack in an
 * ovl_entry that the inode points to; the first entry is the file's layer. */
struct ovl_entry___appban {
	unsigned int __numlower;
	struct ovl_path___appban __lowerstack[];
} __attribute__((preserve_access_index));

struct ovl_inode___oe {
	struct inode vfs_inode;
	struct dentry *__upperdentry;
	struct ovl_entry___appban *oe;
} __attribute__((preserve_access_index));

/* The upper layer is layers[0] since 5.8 ("ovl: drop ovl_fs->upper_mnt"). */
struct ovl_fs___appban {
	const struct ovl_layer___appban *layers;
} __attribute__((preserve_access_index));

/* The dentry and layer mount of the file in the layer that holds it: the
 * upper one when the file is there (created or copied up), and the lower one
 * it came from, which an overlay inode keeps after a copy-up (its origin). */
struct appban_ovl_real {
	struct dentry *upper;
	struct vfsmount *upper_mnt;
	struct dentry *lower;
	struct vfsmount *lower_mnt;
};

static __always_inline void ovl_real(struct inode *inode, struct super_block *sb,
				     struct appban_ovl_real *real)
{
	const struct ovl_layer___appban *layer = NULL;
	const struct ovl_layer___appban *layers;
	struct ovl_fs___appban *ofs;

	__builtin_memset(real, 0, sizeof(*real));
	if (bpf_core_field_exists(struct ovl_inode___oe, oe)) {
		struct ovl_inode___oe *oi =
			(void *)inode - bpf_core_field_offset(struct ovl_inode___oe, vfs_inode);
		struct ovl_entry___appban *oe = BPF_CORE_READ(oi, oe);

		real->upper = BPF_CORE_READ(oi, __upperdentry);
		if (oe && BPF_CORE_READ(oe, __numlower)) {
			bpf_core_read(&real->lower, sizeof(real->lower),
				      &oe->__lowerstack[0].dentry);
			bpf_core_read(&layer, sizeof(layer), &oe->__lowerstack[0].layer);
		}
	} else if (bpf_core_field_exists(struct ovl_inode___lowerpath, lowerpath)) {
		struct ovl_inode___lowerpath *oi =
			(void *)inode -
			bpf_core_field_offset(struct ovl_inode___lowerpath, vfs_inode);

		real->upper = BPF_CORE_READ(oi, __upperdentry);
		real->lower = BPF_CORE_READ(oi, lowerpath.dentry);
		layer = BPF_CORE_READ(oi, lowerpath.layer);
	} else {
		return;
	}
	real->lower_mnt = BPF_CORE_READ(layer, mnt);
	ofs = BPF_CORE_READ(sb, s_fs_info);
	layers = BPF_CORE_READ(ofs, layers);
	real->upper_mnt = BPF_CORE_READ(layers, mnt);
}

/* Match the file once more as the layer's file system sees it: its inode,
 * its (parent, name) in the layer, and the layer's directories above it. */
static __always_inline void match_real(struct appban_hit *hit, __u32 gen,
				       const struct appban_meta *meta, struct dentry *dentry,
				       struct vfsmount *mnt)
{
	struct inode *inode;
	__u32 dev;

	if (!dentry)
		return;
	inode = BPF_CORE_READ(dentry, d_inode);
	if (!inode)
		return;
	dev = inode_dev(inode);
	match_inode(hit, gen, dev, BPF_CORE_READ(inode, i_ino), inode);
	if (meta->n_idents[APPBAN_MATCH_PATH])
		appban_match_names(hit, gen, (__u64)dentry, dev, APPBAN_BY_DIRENT);
	if (mnt && (meta->n_idents[APPBAN_MATCH_DIR] || meta->n_idents[APPBAN_MATCH_FLATPAK] ||
		    meta->n_idents[APPBAN_MATCH_SNAP]))
		appban_match_ancestors(hit, gen, (__u64)dentry, (__u64)mnt);
}

/* Match an executable file against generation `gen`. */
static __always_inline void identify_file(struct appban_hit *hit, __u32 gen,
					  const struct appban_meta *meta, struct file *file)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	struct dentry *dentry = BPF_CORE_READ(file, f_path.dentry);
	struct super_block *sb = BPF_CORE_READ(inode, i_sb);

	hit->match = APPBAN_MATCH_NONE;
	hit->action = APPBAN_ACTION_NONE;
	hit->app = 0;
	hit->dev = BPF_CORE_READ(sb, s_dev);
	hit->ino = BPF_CORE_READ(inode, i_ino);

	match_inode(hit, gen, hit->dev, hit->ino, inode);
	if (meta->n_idents[APPBAN_MATCH_PATH] || meta->n_idents[APPBAN_MATCH_NAME])
		appban_match_names(hit, gen, (__u64)dentry, hit->dev,
				   (meta->n_idents[APPBAN_MATCH_PATH] ? APPBAN_BY_DIRENT : 0) |
					   (meta->n_idents[APPBAN_MATCH_NAME] ? APPBAN_BY_NAME :
										0));
	if (meta->n_idents[APPBAN_MATCH_DIR] || meta->n_idents[APPBAN_MATCH_FLATPAK] ||
	    meta->n_idents[APPBAN_MATCH_SNAP])
		appban_match_ancestors(hit, gen, (__u64)dentry,
				       (__u64)BPF_CORE_READ(file, f_path.mnt));
	/* The one extra read for a file that is not on an overlay. */
	if (BPF_CORE_READ(sb, s_magic) == APPBAN_OVERLAYFS_MAGIC) {
		struct appban_ovl_real real;

		ovl_real(inode, sb, &real);
		match_real(hit, gen, meta, real.upper, real.upper_mnt);
		match_real(hit, gen, meta, real.lower, real.lower_mnt);
	}
}

#endif /* __APPBAN_IDENTITY_H */
