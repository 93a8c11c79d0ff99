/* SPDX-License-Identifier: GPL-2.0 */
/* The fallback engine's memory of files that no rule names. Every exec of a
 * dynamic binary maps its libraries executable, and each of those used to
 * be matched in full (inode, name, every ancestor: a dozen map lookups and
 * some forty kernel reads); most are the same few files, again and again.
 *
 * Only "no rule matched" is kept, never a refusal or a match, so an entry
 * can at worst let a file through that its earlier place let through too.
 * An entry is keyed by the opened path (dentry, mount) and is used only
 * while all of these are still what they were when it was made:
 *   - the generation in force and the loader's epoch (appban_epoch), which
 *     the loader renews before every swap and after every rule it adds while
 *     running (sha256 rules for new copies found by run's watcher);
 *   - the dentry's inode, name (hash and length) and parent: a file renamed,
 *     moved, or a new dentry at a reused address;
 *   - this engine's own rename count (appban_renames, bumped when any
 *     rename(2) returns), so a directory moved under a banned one makes its
 *     files banned at their next start.
 * Files on overlayfs are never kept: a copy-up changes what they are made of. */
#ifndef __APPBAN_VCACHE_H
#define __APPBAN_VCACHE_H

#include "identity.h"

#define APPBAN_VCACHE_ENTRIES 16384

struct appban_vcache_key {
	__u64 dentry;
	__u64 mnt;
};

struct appban_vcache_val {
	__u64 inode;
	__u64 parent;
	__u64 hash_len;
	__u64 epoch;
	__u32 renames; /* wraps: only equality counts */
	__u32 gen;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, APPBAN_VCACHE_ENTRIES);
	__type(key, struct appban_vcache_key);
	__type(value, struct appban_vcache_val);
} appban_vcache SEC(".maps");

/* Renames seen by this engine; only ever incremented, atomically. */
__u64 appban_renames;

/* What the rules were when a decision began: read before any rule is, so
 * that a change made while the rules are being matched leaves the entry
 * made from them out of date at once. */
struct vcache_snap {
	__u64 epoch;
	__u32 renames;
	__u32 gen;
};

/* What `file` is now under `snap`; key 0 when it cannot be kept (overlayfs:
 * a copy-up changes what its files are made of). */
static __always_inline void vcache_now(struct appban_vcache_key *k, struct appban_vcache_val *v,
				       const struct vcache_snap *snap, struct file *file)
{
	struct dentry *dentry = BPF_CORE_READ(file, f_path.dentry);
	struct dentry *parent = BPF_CORE_READ(dentry, d_parent);

	__builtin_memset(v, 0, sizeof(*v));
	k->dentry = (__u64)dentry;
	if (BPF_CORE_READ(file, f_inode, i_sb, s_magic) == APPBAN_OVERLAYFS_MAGIC)
		k->dentry = 0;
	k->mnt = (__u64)BPF_CORE_READ(file, f_path.mnt);
	v->gen = snap->gen;
	v->epoch = snap->epoch;
	v->renames = snap->renames;
	v->inode = (__u64)BPF_CORE_READ(dentry, d_inode);
	v->parent = (__u64)parent;
	v->hash_len = BPF_CORE_READ(dentry, d_name.hash_len);
}

static __always_inline int vcache_same(const struct appban_vcache_val *a,
				       const struct appban_vcache_val *b)
{
	return a->inode == b->inode && a->parent == b->parent && a->hash_len == b->hash_len &&
	       a->epoch == b->epoch && a->renames == b->renames && a->gen == b->gen;
}

/* The three steps are global functions, each with its own stack frame: the
 * verifier of 6.1 adds up the frames of a chain of calls (512 bytes in
 * all), and the identity's key buffer is most of that. Pointers to kernel
 * objects come as numbers: they are only read through CO-RE reads. */

/* Take the snapshot; 1 when `file` is known to match nothing under it. */
APPBAN_SUBPROG int appban_vcache_known(__u64 file, struct vcache_snap *snap)
{
	struct appban_vcache_key k;
	struct appban_vcache_val now, *seen;
	__u32 zero = 0;
	__u64 *epoch = bpf_map_lookup_elem(&appban_epoch, &zero);

	if (!snap || !epoch)
		return 0;
	snap->epoch = *(volatile __u64 *)epoch;
	snap->renames = (__u32) * (volatile __u64 *)&appban_renames;
	vcache_now(&k, &now, snap, (struct file *)file);
	seen = bpf_map_lookup_elem(&appban_vcache, &k);
	return seen && k.dentry && vcache_same(seen, &now);
}

/* `file` matched nothing under `snap`. */
APPBAN_SUBPROG int appban_vcache_remember(__u64 file, const struct vcache_snap *snap)
{
	struct appban_vcache_key k;
	struct appban_vcache_val now;

	if (!snap)
		return 0;
	vcache_now(&k, &now, snap, (struct file *)file);
	if (k.dentry)
		bpf_map_update_elem(&appban_vcache, &k, &now, BPF_ANY);
	return 0;
}

APPBAN_SUBPROG int appban_identify(struct appban_hit *hit, __u32 gen,
				   const struct appban_meta *meta, __u64 file)
{
	if (!hit || !meta)
		return -1;
	identify_file(hit, gen, meta, (struct file *)file);
	return 0;
}

/* identify_file(), answered from memory for a file known to match nothing. */
static __always_inline void identify_file_cached(struct appban_hit *hit, __u32 gen,
						 const struct appban_meta *meta, struct file *file)
{
	struct vcache_snap snap = { .gen = gen };

	if (appban_vcache_known((__u64)file, &snap)) {
		/* dev and ino are read only if an event needs them
		 * (file_decide: a file with no name left). */
		hit->match = APPBAN_MATCH_NONE;
		hit->action = APPBAN_ACTION_NONE;
		hit->app = 0;
		hit->dev = 0;
		hit->ino = 0;
		return;
	}
	if (appban_identify(hit, gen, meta, (__u64)file))
		hit->match = APPBAN_MATCH_NONE;
	else if (hit->match == APPBAN_MATCH_NONE)
		appban_vcache_remember((__u64)file, &snap);
}

#endif /* __APPBAN_VCACHE_H */
