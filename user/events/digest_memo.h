/* SPDX-License-Identifier: GPL-2.0 */
/* The event reader's memo of the kernel's digest cache (process.hash.sha256
 * of a record whose file the reader's own table does not know): a lookup
 * there is a system call, which in a flood of events of one file cost more
 * than all the rest of a record. */
#ifndef __APPBAN_DIGEST_MEMO_H
#define __APPBAN_DIGEST_MEMO_H

#include <stdint.h>

#define DIGEST_MEMO_SIZE 64 /* files, direct-mapped */

struct digest_memo_entry {
	uint32_t dev;
	uint64_t ino;
	uint64_t at_boot_ns; /* when the cache was looked up; 0: empty */
	unsigned long writes; /* the writer's count of digests written then */
	char sha256[65]; /* hex, "" when the cache had none */
};

struct digest_memo {
	struct digest_memo_entry e[DIGEST_MEMO_SIZE];
};

/* What the cache said of (dev, ino), if that answer holds for an event the
 * kernel emitted at emitted_ns (CLOCK_BOOTTIME): the lookup came after the
 * event (the kernel writes a file's digest before it emits the event of
 * its exec), and no digest was written by this process since (writes, the
 * count loader_remember_digest keeps). NULL: look it up. */
const char *digest_memo_get(const struct digest_memo *m, uint32_t dev, uint64_t ino,
			    uint64_t emitted_ns, unsigned long writes);
/* What a lookup that started at at_boot_ns found (sha256 hex, "" none). */
void digest_memo_put(struct digest_memo *m, uint32_t dev, uint64_t ino, uint64_t at_boot_ns,
		     unsigned long writes, const char *sha256);
/* Forget all (another policy: maybe another cache). */
void digest_memo_clear(struct digest_memo *m);

#endif /* __APPBAN_DIGEST_MEMO_H */
