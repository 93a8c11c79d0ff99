/* SPDX-License-Identifier: GPL-2.0 */
/* The on-disk cache of content digests: (device, inode, change time, size)
 * -> SHA-256, so that a scan hashes only what changed since the last one. */
#ifndef __APPBAN_HASHCACHE_H
#define __APPBAN_HASHCACHE_H

#include <stddef.h>
#include <linux/types.h>

#define HASHCACHE_DEFAULT_PATH "/var/cache/appban/hashes"

/*
 * File format, version 1, every integer little-endian:
 *
 *   header, 64 bytes
 *	0  magic "APPBANHC"
 *	8  u32 version (1)
 *	12 u32 header size (64)
 *	16 u32 entry size (72)
 *	20 u32 flags (0)
 *	24 u64 number of entries
 *	32 u8  boot_id[16] of the boot that wrote the file
 *	48 u32 CRC32 (zlib) of the entries
 *	52 u8  reserved[8], zero
 *	60 u32 CRC32 of bytes 0..59
 *   entries, 72 bytes each, sorted by (dev, ino), no two with the same (dev, ino)
 *	0  u32 dev (kernel encoding, major << 20 | minor)
 *	4  u32 ctime nanoseconds (< 1000000000)
 *	8  u64 inode
 *	16 u64 size
 *	24 s64 ctime seconds
 *	32 u32 flags: exactly one of HC_F_DIGEST, HC_F_NOT_EXEC
 *	36 u32 reserved, zero
 *	40 u8  sha256[32] (zero unless HC_F_DIGEST)
 *
 * The file length must be exactly 64 + 72 * entries. Entries of devices with
 * major 0 (tmpfs, overlay, btrfs subvolumes: numbers given at mount time)
 * are dropped when the file was written during another boot.
 */
#define HC_MAGIC "APPBANHC"
#define HC_VERSION 1
#define HC_HEADER_SIZE 64
#define HC_ENTRY_SIZE 72
#define HC_MAX_FILE_SIZE (1ULL << 30) /* larger: refused, not read */

enum hc_flags {
	HC_F_DIGEST = 1, /* the file's content has this digest */
	HC_F_NOT_EXEC = 2, /* no x bit, no ELF or #! magic: not hashed */
};

/* What hashcache_parse found wrong. */
enum hc_error {
	HC_OK = 0,
	HC_ERR_TRUNCATED, /* shorter than its header says */
	HC_ERR_MAGIC, /* not an appban hash cache */
	HC_ERR_VERSION, /* written by another version */
	HC_ERR_HEADER, /* header checksum, sizes or flags wrong */
	HC_ERR_LENGTH, /* bytes after the last entry */
	HC_ERR_CHECKSUM, /* the entries do not match their checksum */
	HC_ERR_ENTRY, /* an entry with an impossible field */
	HC_ERR_ORDER, /* entries not sorted, or one (dev, ino) twice */
};

struct hashcache_key {
	__u32 dev; /* kernel encoding */
	__u32 ctime_nsec;
	__u64 ino;
	__u64 size;
	__s64 ctime_sec;
};

struct hashcache;

/* An empty cache that hashcache_save() writes to path (NULL: the default),
 * stamped with this boot's id. */
struct hashcache *hashcache_new(const char *path);
/*
 * Load the cache at path (NULL: the default). A missing file gives an empty
 * cache; a corrupt, truncated, foreign, untrusted (not ours, or writable by
 * others) or unreadable one is reported with pr_warn naming the file and the
 * problem, and an empty cache is returned: it is rebuilt at the next save.
 * Returns 0 or -ENOMEM.
 */
int hashcache_load(const char *path, struct hashcache **out);
/* The same, for hashcache_foreach_digest and hashcache_count only, without
 * the index that lookups need (a swap reads the cache while it counts): a
 * lookup misses, an insert and a save fail with -EINVAL. */
int hashcache_load_unindexed(const char *path, struct hashcache **out);
/*
 * Add the entries of an image of the file (buf, len) to c, which must be
 * empty. Trusts nothing in buf; no I/O. 0, -EINVAL with *why set (c left
 * empty), or -ENOMEM. Entries of major-0 devices are dropped when the
 * image's boot id is not c's (see hashcache_new).
 */
int hashcache_parse(const void *buf, size_t len, struct hashcache *c, enum hc_error *why);
const char *hc_error_str(enum hc_error e);

/* 1 and the digest or HC_F_NOT_EXEC in *flags when k is cached exactly (same
 * change time and size), else 0. A hit marks the entry as seen. */
int hashcache_lookup(struct hashcache *c, const struct hashcache_key *k, __u8 sha256[32],
		     __u32 *flags);
/* Record k (replacing any entry of the same dev, ino), marked as seen.
 * sha256 NULL with HC_F_NOT_EXEC. 0 or -ENOMEM. */
int hashcache_insert(struct hashcache *c, const struct hashcache_key *k, const __u8 sha256[32],
		     __u32 flags);
/* A hint that (dev, ino) is looked up soon: entry 0 fetches its slot into
 * the CPU cache, entry 1 (once the slot is there) its entry. No effect on
 * results; a scan issues it while the kernel answers the stat before. */
void hashcache_prefetch(const struct hashcache *c, __u32 dev, __u64 ino, int entry);
/* At the next save, drop the entries neither looked up with a hit nor
 * inserted since load: what a full scan did not find is gone. */
void hashcache_prune_unseen(struct hashcache *c);
size_t hashcache_count(const struct hashcache *c);
/* fn for every entry with a digest, in (dev, ino) order; stops at the first
 * non-zero return and returns it. */
int hashcache_foreach_digest(const struct hashcache *c,
			     int (*fn)(const struct hashcache_key *k, const __u8 sha256[32],
				       void *ctx),
			     void *ctx);
/* Write atomically: temp file in the same directory, mode 0600, fsync,
 * rename, fsync of the directory. Creates the last directory (0700) if it is
 * missing. Writes nothing when the file already holds what it would write:
 * loaded during this boot, complete, and since then no entry added or
 * changed and none to prune (a second scan of an unchanged tree). 0 or
 * -errno (the previous file is then untouched). */
int hashcache_save(struct hashcache *c);
/* The image hashcache_save() writes, malloc'ed (for tests and the fuzzer). */
int hashcache_serialize(struct hashcache *c, void **buf, size_t *len);
const char *hashcache_path(const struct hashcache *c);
void hashcache_free(struct hashcache *c);

#endif /* __APPBAN_HASHCACHE_H */
