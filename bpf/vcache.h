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
	__u32 renames;	/* wraps: only equality counts */
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

/* What `file` is now, under generation `gen`; key 0 when it cannot be kept. */
static __always_inline void vcache_now(struct appban_vcache_key *k, struct appban_vcache_val *v,
				       __u32 gen, struct file *file)
{
	struct dentry *dentry = BPF_CORE_READ(file, f_path.dentry);
	struct dentry *parent = BPF_CORE_READ(dentry, d_parent);
	__u32 zero = 0;
	__u64 *epoch = bpf_map_lookup_elem(&appban_epoch, &zero);

	__builtin_memset(v, 0, sizeof(*v));
	k->dentry = epoch ? (__u64)dentry : 0;
	k->mnt = (__u64)BPF_CORE_READ(file, f_path.mnt);
	v->gen = gen;
	/* Read before the rules are: a change made while they are being
	 * matched leaves the entry made from them out of date at once. */
	v->epoch = epoch ? *(volatile __u64 *)epoch : 0;
	v->renames = (__u32) * (volatile __u64 *)&appban_renames;
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

/* identify_file() as a global function: the verifier checks it once for
 * each program, on its own, and not once for each state of its caller.
 * The file comes as a number: it is only ever read through CO-RE reads. */
__noinline int appban_identify(struct appban_hit *hit, __u32 gen, const struct appban_meta *meta,
			       __u64 file)
{
	if (!hit || !meta)
		return -1;
	identify_file(hit, gen, meta, (struct file *)file);
	return 0;
}

/* identify_file(), answered from memory for a file known to match nothing.
 * Written so that the verifier walks identify_file() once: no branch on
 * whether the file can be kept reaches it (a file that cannot has key 0,
 * which no lookup ever asks for). */
static __always_inline void identify_file_cached(struct appban_hit *hit, __u32 gen,
						 const struct appban_meta *meta, struct file *file)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	struct super_block *sb = BPF_CORE_READ(inode, i_sb);
	struct appban_vcache_key k;
	struct appban_vcache_val now, *seen;

	vcache_now(&k, &now, gen, file);
	if (BPF_CORE_READ(sb, s_magic) == APPBAN_OVERLAYFS_MAGIC)
		k.dentry = 0;
	seen = bpf_map_lookup_elem(&appban_vcache, &k);
	if (seen && k.dentry && vcache_same(seen, &now)) {
		hit->match = APPBAN_MATCH_NONE;
		hit->action = APPBAN_ACTION_NONE;
		hit->app = 0;
		hit->dev = BPF_CORE_READ(sb, s_dev);
		hit->ino = BPF_CORE_READ(inode, i_ino);
		return;
	}
	if (appban_identify(hit, gen, meta, (__u64)file))
		hit->match = APPBAN_MATCH_NONE;
	if (hit->match == APPBAN_MATCH_NONE && k.dentry)
		bpf_map_update_elem(&appban_vcache, &k, &now, BPF_ANY);
}

#endif /* __APPBAN_VCACHE_H */
