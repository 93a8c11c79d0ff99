/* SPDX-License-Identifier: GPL-2.0 */
/* A compiled policy: the map entries that compile.c makes and the loader
 * writes, and the few operations on them (compile.c implements them). */
#ifndef __APPBAN_COMPILED_H
#define __APPBAN_COMPILED_H

#include <stddef.h>
#include <stdint.h>

#include "abi.h"

/* The kernel reads these with the layout of bpf/abi.h: a field added
 * there without its padding shows here first. */
_Static_assert(sizeof(struct appban_meta) == 136, "struct appban_meta layout");
_Static_assert(sizeof(struct appban_allow) == 144, "struct appban_allow layout");

struct compiled_inode {
	struct appban_inode_key key; /* gen filled in by the loader */
	struct appban_rule rule;
};

struct compiled_dirent {
	struct appban_dirent_key key;
	struct appban_rule rule;
};

struct compiled_name {
	struct appban_name_key key;
	struct appban_rule rule;
};

/* A banned content (sha256 rule): turned into inode rules by content.c. */
struct compiled_digest {
	__u8 sha256[32];
	__u32 app;
};

/* An allow block: its name and end, as user space shows them. */
struct compiled_allow {
	char name[APPBAN_ALLOW_NAME_LEN];
	int64_t until; /* seconds since the epoch (end of that day, UTC); 0: never */
	int expired; /* until was past at compile time: no entries */
};

/* One (app, uid or gid) an exception covers; until_boot_ns is set by the
 * loader from the allow's until (allow.h), when the policy goes in. */
struct compiled_exc {
	struct appban_exc_key key; /* gen filled in by the loader */
	struct appban_exc val;
};

struct compiled_policy {
	struct appban_meta meta;
	struct appban_app *apps; /* meta.n_apps of them */
	struct compiled_inode *inodes;
	size_t n_inodes;
	struct compiled_dirent *dirents;
	size_t n_dirents;
	struct compiled_name *names;
	size_t n_names;
	struct compiled_digest *digests; /* sorted by sha256 */
	size_t n_digests;
	struct compiled_allow *allows; /* meta.n_allows of them */
	struct compiled_exc *excs; /* meta.n_exc_entries, sorted by key */
	int unresolved; /* a path or dir did not exist: worth compiling again later */
};

void compiled_free(struct compiled_policy *c);
/* 1 when two compilations would put the same entries in the maps. */
int compiled_equal(const struct compiled_policy *a, const struct compiled_policy *b);

/* Add an inode rule (the file of a sha256 rule, found by content.c). */
/* igen >= 0: the rule holds for the inode of that i_generation only (not for
 * a later file that gets the number); -1: unknown, unbound. */
int compiled_add_inode(struct compiled_policy *c, __u32 dev, __u64 ino, __u32 app, __u8 match,
		       __s64 igen);
/* The same, holding only while the inode's change time is ctime_ns (a rule
 * from the hash cache, bpf/abi.h). */
int compiled_add_inode_ctime(struct compiled_policy *c, __u32 dev, __u64 ino, __u32 app, __u8 match,
			     __u64 ctime_ns);

/* Remove the content (sha256) rule of (dev, ino), if any: a file that no
 * longer exists (content/fileids.h). 1 removed, 0 none. */
int compiled_drop_content_inode(struct compiled_policy *c, __u32 dev, __u64 ino);

/* The kernel's encoding of a device (major << 20 | minor) from st_dev. */
__u32 kernel_dev(unsigned long long st_dev);

#endif /* __APPBAN_COMPILED_H */
