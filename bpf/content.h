/* SPDX-License-Identifier: GPL-2.0 */
/* sha256 rules checked in the kernel at exec: the lsm engine hashes the file
 * being executed with IMA's bpf_ima_file_hash() from a sleepable program, so
 * a copy written after the policy was loaded is refused at its first start,
 * with no user space in the way. Each digest is remembered per inode until
 * the file changes, so an executable is hashed once, not at every start. */
#ifndef __APPBAN_BPF_CONTENT_H
#define __APPBAN_BPF_CONTENT_H

#include "decide.h"
#include "tamper.h"

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

/* The cached digest of `inode` as it is now, or NULL. An entry written by
 * user space (which cannot read i_version) holds APPBAN_VERSION_ANY. */
static __always_inline struct appban_digest_cache_val *digest_cached(__u32 dev, __u64 ino,
								     struct inode *inode)
{
	struct appban_digest_cache_key k = { .dev = dev, .ino = ino };
	struct appban_digest_cache_val *cached = bpf_map_lookup_elem(&appban_digest_cache, &k);
	__u64 version;
	__s64 sec;
	__u32 nsec;

	if (!cached)
		return NULL;
	inode_ctime(inode, &sec, &nsec);
	version = BPF_CORE_READ(inode, i_version.counter);
	if (cached->ctime_sec == sec && cached->ctime_nsec == nsec &&
	    cached->size == BPF_CORE_READ(inode, i_size) &&
	    (cached->version == version || cached->version == APPBAN_VERSION_ANY))
		return cached;
	return NULL;
}

/* The SHA-256 of `file` into `v->sha256`, from the cache or computed now.
 * Returns 0, or -1 when the kernel cannot give one (no IMA, another hash
 * algorithm chosen with ima_hash=, a file IMA refuses). Sleepable context
 * only. */
static __always_inline int file_digest(struct file *file, __u32 dev, __u64 ino,
				       struct appban_digest_cache_val *v)
{
	struct appban_digest_cache_key k = { .dev = dev, .ino = ino };
	struct appban_digest_cache_val *cached;
	long algo;

	inode_version(BPF_CORE_READ(file, f_inode), v);
	cached = digest_cached(dev, ino, BPF_CORE_READ(file, f_inode));
	if (cached) {
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

/* A file whose digest the kernel does not know: reported to the event
 * reader (run, the daemon) if one runs, which hashes it through
 * /proc/PID/exe, kills the process if its content is banned, and writes the
 * digest here for the next start. Returns 0 when nobody will read the
 * report (no reader; a mapping, which the reader does not check). */
static __always_inline int report_content_unknown(const struct appban_ctx *c, __u32 dev, __u64 ino,
						  __u8 hook, const char *filename)
{
	struct appban_guard *rd = guard_entry(APPBAN_GUARD_READER);
	struct appban_event *e;

	/* Only while a reader runs: with `appban load` alone nobody would
	 * read them, and they would fill the ring before real events. */
	if (hook != APPBAN_HOOK_EXEC || !rd || !rd->reader_tgid)
		return 0;
	/* A full ring loses no event of the policy's: the file is reported
	 * again at its next start. */
	e = event_reserve(APPBAN_EV_CONTENT_UNKNOWN, c->gen, 0);
	if (!e)
		return 1;
	e->app = APPBAN_NO_APP;
	e->hook = hook;
	e->dev = dev;
	e->ino = ino;
	bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), filename);
	bpf_ringbuf_submit(e, 0);
	return 1;
}

/* An exec or executable mapping of a file whose digest the kernel neither
 * knows nor can compute (IMA failed on it: a FUSE server's error, an
 * O_DIRECT descriptor mapped, another hash algorithm). Its content might be
 * a banned one, and nobody else will check it when no reader runs: refused
 * in enforce mode when a sha256 rule denies (exec or network), else
 * reported as audited (docs/engines.md, "Side doors"). */
static __always_inline enum appban_decision content_unhashable(const struct appban_ctx *c,
							       __u32 dev, __u64 ino, __u8 hook,
							       const char *filename)
{
	struct appban_guard *rd = guard_entry(APPBAN_GUARD_READER);
	struct appban_event *e;
	int block;

	/* Left to the reader only when it knows this policy's digests. */
	if (rd && rd->reader_load == APPBAN_READER_LOAD(c->meta->load_id) &&
	    report_content_unknown(c, dev, ino, hook, filename))
		return DECIDE_ALLOW;
	block = c->meta->mode == APPBAN_MODE_ENFORCE && (c->meta->flags & APPBAN_META_SHA256_DENY);
	if (!block && hook != APPBAN_HOOK_EXEC)
		return DECIDE_ALLOW; /* (only an exec reports audits: apply_decision) */
	count(block ? APPBAN_CNT_EXEC_BLOCKED : APPBAN_CNT_AUDITS);
	e = event_begin(block ? APPBAN_EV_EXEC_BLOCKED : APPBAN_EV_EXEC_AUDITED, c->gen);
	if (e) {
		e->app = APPBAN_NO_APP;
		e->match = APPBAN_MATCH_SHA256;
		e->method = block ? APPBAN_METHOD_EPERM : APPBAN_METHOD_NONE;
		e->hook = hook;
		e->dev = dev;
		e->ino = ino;
		e->reason = APPBAN_EVR_CONTENT_UNHASHABLE;
		bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), filename);
		bpf_ringbuf_submit(e, 0);
	}
	return block ? DECIDE_BLOCK : DECIDE_ALLOW;
}

/* The sha256 rules of generation c->gen against a known digest. */
static __always_inline enum appban_decision digest_decide(struct appban_ctx *c,
							  struct appban_hit *hit,
							  const __u8 *sha256, const char *filename,
							  __u8 hook, __u8 block_method)
{
	struct appban_digest_key dk = {};
	struct appban_inode_key ik;
	struct appban_rule *r;
	enum appban_decision d;

	dk.gen = c->gen;
	__builtin_memcpy(dk.sha256, sha256, sizeof(dk.sha256));
	hit_consider(hit, &dk.gen, gen_lookup(&appban_digest_rules, &dk.gen, &dk));
	d = decide(c, hit, current_task());
	if (d == DECIDE_AUDIT || d == DECIDE_NET_MARK_AUDIT) {
		/* Reported by file_decide already when user space found the
		 * file first. A refusal is never skipped: the inode rule may
		 * have been added after file_decide looked (run's watch), and
		 * two refusals cannot both report (the second sees `ret`). */
		ik.gen = c->gen;
		ik.dev = hit->dev;
		ik.ino = hit->ino;
		r = gen_lookup(&appban_inode_rules, &ik.gen, &ik);
		if (r && r->match == APPBAN_MATCH_SHA256)
			return DECIDE_ALLOW;
	}
	return apply_decision(c, hit, d, filename, hook, block_method);
}

/* The sha256 rules of the active generation against the file being
 * executed or mapped executable, beside the other checks of the same hook
 * (file_decide); what the cache does not know is hashed with IMA (sleepable
 * lsm programs only). */
static __always_inline enum appban_decision content_decide(struct file *file, const char *filename,
							   __u8 hook)
{
	struct appban_digest_cache_val v;
	struct appban_hit hit = {};
	struct appban_ctx c;
	struct inode *inode;

	if (!file || policy_ctx(&c) || !c.meta->n_idents[APPBAN_MATCH_SHA256])
		return DECIDE_ALLOW;
	inode = BPF_CORE_READ(file, f_inode);
	hit.dev = inode_dev(inode);
	hit.ino = BPF_CORE_READ(inode, i_ino);
	if (file_digest(file, hit.dev, hit.ino, &v))
		/* IMA could not hash it: never a reason to let it run. */
		return content_unhashable(&c, hit.dev, hit.ino, hook, filename);
	return digest_decide(&c, &hit, v.sha256, filename, hook, APPBAN_METHOD_EPERM);
}

/* Where the kernel does not hash (the fallback engine, lsm without IMA): the
 * digests in the cache (user space writes those it hashed), and a report of
 * the others. Not inlined: its stack frame is apart from the exec
 * program's, which file_decide fills. */
static __noinline enum appban_decision
content_cached_decide(struct file *file, const char *filename, __u8 hook, __u8 block_method)
{
	struct appban_digest_cache_val *cached;
	struct appban_hit hit = {};
	struct appban_state *st;
	struct appban_ctx c;
	struct inode *inode;
	__u32 zero = 0;

	st = bpf_map_lookup_elem(&appban_state, &zero);
	if (!st || st->khash == APPBAN_KHASH_IMA)
		return DECIDE_ALLOW; /* (the sleepable program does it) */
	if (!file || policy_ctx(&c) || !c.meta->n_idents[APPBAN_MATCH_SHA256])
		return DECIDE_ALLOW;
	inode = BPF_CORE_READ(file, f_inode);
	hit.dev = inode_dev(inode);
	hit.ino = BPF_CORE_READ(inode, i_ino);
	cached = digest_cached(hit.dev, hit.ino, inode);
	if (!cached) {
		/* (every file is unknown here until user space hashes it:
		 * refusing those would refuse every start) */
		report_content_unknown(&c, hit.dev, hit.ino, hook, filename);
		return DECIDE_ALLOW;
	}
	return digest_decide(&c, &hit, cached->sha256, filename, hook, block_method);
}

#endif /* __APPBAN_BPF_CONTENT_H */
