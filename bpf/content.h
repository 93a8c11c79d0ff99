/* SPDX-License-Identifier: GPL-2.0 */
/* sha256 rules checked in the kernel at exec: the lsm engine hashes the file
 * being executed with IMA's bpf_ima_file_hash() from a sleepable program, so
 * a copy written after the policy was loaded is refused at its first start,
 * with no user space in the way. Each digest is remembered per inode until
 * the file changes, so an executable is hashed once, not at every start. */
#ifndef __APPBAN_BPF_CONTENT_H
#define __APPBAN_BPF_CONTENT_H

#include "decide.h"

#define APPBAN_HASH_ALGO_SHA256 4 /* enum hash_algo (include/uapi/linux/hash_info.h) */

/* What says that a file still has the content hashed before: its change
 * time, size and change counter. */
static __always_inline void inode_version(struct inode *inode, struct appban_digest_cache_val *v)
{
	__s64 sec;
	__u32 nsec;

	inode_ctime(inode, &sec, &nsec);
	v->ctime_sec = sec;
	v->ctime_nsec = nsec;
	v->size = BPF_CORE_READ(inode, i_size);
	v->version = BPF_CORE_READ(inode, i_version.counter);
}

/* The SHA-256 of `file` into `v->sha256`, from the cache or computed now.
 * Returns 0, or -1 when the kernel cannot give one (no IMA, another hash
 * algorithm chosen with ima_hash=). Sleepable context only. */
static __always_inline int file_digest(struct file *file, __u32 dev, __u64 ino,
				       struct appban_digest_cache_val *v)
{
	struct appban_digest_cache_key k = { .dev = dev, .ino = ino };
	struct appban_digest_cache_val *cached;
	long algo;

	inode_version(BPF_CORE_READ(file, f_inode), v);
	cached = bpf_map_lookup_elem(&appban_digest_cache, &k);
	if (cached && cached->ctime_sec == v->ctime_sec && cached->ctime_nsec == v->ctime_nsec &&
	    cached->size == v->size && cached->version == v->version) {
		__builtin_memcpy(v->sha256, cached->sha256, sizeof(v->sha256));
		return 0;
	}
	algo = bpf_ima_file_hash(file, v->sha256, sizeof(v->sha256));
	if (algo != APPBAN_HASH_ALGO_SHA256) {
		count(APPBAN_CNT_KHASH_FAIL);
		return -1;
	}
	count(APPBAN_CNT_KHASH);
	bpf_map_update_elem(&appban_digest_cache, &k, v, BPF_ANY);
	return 0;
}

/* The sha256 rules of the active generation against the file being
 * executed or mapped executable, beside the other checks of the same hook
 * (file_decide). */
static __always_inline enum appban_decision content_decide(struct file *file, const char *filename,
							   __u8 hook)
{
	struct appban_digest_cache_val v;
	struct appban_digest_key dk = {};
	struct appban_inode_key ik;
	struct appban_hit hit = {};
	struct appban_rule *r;
	struct appban_ctx c;
	struct inode *inode;
	enum appban_decision d;

	if (!file || policy_ctx(&c) || !c.meta->n_idents[APPBAN_MATCH_SHA256])
		return DECIDE_ALLOW;
	inode = BPF_CORE_READ(file, f_inode);
	hit.dev = inode_dev(inode);
	hit.ino = BPF_CORE_READ(inode, i_ino);
	if (file_digest(file, hit.dev, hit.ino, &v))
		return DECIDE_ALLOW;
	dk.gen = c.gen;
	__builtin_memcpy(dk.sha256, v.sha256, sizeof(dk.sha256));
	hit_consider(&hit, &dk.gen, gen_lookup(&appban_digest_rules, &dk.gen, &dk));
	d = decide(&c, &hit, bpf_get_current_task_btf());
	if (d == DECIDE_AUDIT || d == DECIDE_NET_MARK_AUDIT) {
		/* Reported by file_decide already when user space found the
		 * file first. A refusal is never skipped: the inode rule may
		 * have been added after file_decide looked (run's watch), and
		 * two refusals cannot both report (the second sees `ret`). */
		ik.gen = c.gen;
		ik.dev = hit.dev;
		ik.ino = hit.ino;
		r = gen_lookup(&appban_inode_rules, &ik.gen, &ik);
		if (r && r->match == APPBAN_MATCH_SHA256)
			return DECIDE_ALLOW;
	}
	return apply_decision(&c, &hit, d, filename, hook, APPBAN_METHOD_EPERM);
}

#endif /* __APPBAN_BPF_CONTENT_H */
