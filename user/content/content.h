/* SPDX-License-Identifier: GPL-2.0 */
/* sha256 rules: which files on this machine have a banned content. A scan at
 * load (through the digest cache) finds them; while `run` runs, files
 * written or executed later are hashed as they come (watch.c), and a banned
 * one gets an inode rule at once. */
#ifndef __APPBAN_CONTENT_H
#define __APPBAN_CONTENT_H

#include "policy/compiled.h"
#include "content/hashcache.h"
#include "content/scan.h"

struct content;

/* Scan the roots ($APPBAN_SCAN_ROOTS, colon-separated, or the defaults of
 * scan.c) through the cache ($APPBAN_HASH_CACHE or HASHCACHE_DEFAULT_PATH),
 * showing progress on stderr; the cache is saved. 0 or -errno. */
struct cache_read;
/* Called for each file with a banned content as the scan finds it (from a
 * scan thread, one call at a time), its rule bound to its change time. */
struct content_found {
	const struct compiled_policy *c;
	void (*fn)(void *ctx, __u32 dev, __u64 ino, __u32 app, __u64 ctime_ns);
	void *ctx;
};
/* found: NULL, or what to call for each banned file found. */
int content_scan(struct content **out, const volatile int *stop, const struct content_found *found);
struct kinode;
/* Add an inode rule (match sha256) for every known file whose digest the
 * policy bans, bound to the file's i_generation (found through k when the
 * scan only knew its path), else to its change time. Returns how many were
 * added, or -ENOMEM. */
int content_apply(struct content *ct, struct compiled_policy *c, struct kinode *k);
/* Without a walk: an inode rule (match sha256) bound to its change time for
 * every file of the digest cache whose digest the policy bans; the kernel
 * ignores such a rule once the inode has changed (bpf/abi.h). What a swap
 * puts in force before its walk. r: the cache read by
 * content_read_cache_start (consumed), or NULL to read it now. Returns how
 * many, or -errno. */
int content_from_cache(struct compiled_policy *c, struct cache_read *r);
/* Start reading the digest cache in a thread, while the policy compiles
 * (a swap's longest step after compiling). NULL when no thread could start.
 * Hand the result to content_from_cache or content_read_cache_drop. */
struct cache_read *content_read_cache_start(void);
void content_read_cache_drop(struct cache_read *r);
/* The app that bans digest d in c, or -1. */
int content_banned(const struct compiled_policy *c, const __u8 d[SCAN_SHA256_LEN]);
/* Remember the digest of the file k->dev, k->ino as it was at k (size,
 * change time), its i_generation (-1: unknown) and the path it was found at
 * (NULL: none); 0 or -ENOMEM. */
int content_add(struct content *ct, const struct hashcache_key *k, __s64 igen, const char *path,
		const __u8 d[SCAN_SHA256_LEN]);
/* The digest of (dev, ino) when known, whatever its version: 0, else -ENOENT. */
int content_lookup(const struct content *ct, __u32 dev, __u64 ino, __u8 d[SCAN_SHA256_LEN]);
/* The digest of the file only if known for this version (size and change
 * time as in k): 0, else -ENOENT (unknown, or changed since it was hashed). */
int content_lookup_exact(const struct content *ct, const struct hashcache_key *k,
			 __u8 d[SCAN_SHA256_LEN]);
/* Forget (dev, ino): a file that no longer exists. */
void content_forget(struct content *ct, __u32 dev, __u64 ino);
struct stat;
/* The key of a file from its stat and its device in the kernel's encoding. */
void content_key_of(const struct stat *st, __u32 dev, struct hashcache_key *k);
void content_free(struct content *ct);

#endif /* __APPBAN_CONTENT_H */
