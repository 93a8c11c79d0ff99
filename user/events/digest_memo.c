// SPDX-License-Identifier: GPL-2.0
/* The event reader's memo of the kernel's digest cache (digest_memo.h): one
 * lookup per file and burst of its events instead of one per event. */
#include <string.h>

#include "events/digest_memo.h"

static struct digest_memo_entry *slot(const struct digest_memo *m, uint32_t dev, uint64_t ino)
{
	return (struct digest_memo_entry *)&m
		->e[(ino ^ (uint64_t)dev * 0x9e3779b1u) % DIGEST_MEMO_SIZE];
}

const char *digest_memo_get(const struct digest_memo *m, uint32_t dev, uint64_t ino,
			    uint64_t emitted_ns, unsigned long writes)
{
	const struct digest_memo_entry *e = slot(m, dev, ino);

	if (!e->at_boot_ns || e->dev != dev || e->ino != ino || writes != e->writes)
		return NULL;
	/* (a record made in user space has no kernel time: never from here) */
	if (!emitted_ns || emitted_ns >= e->at_boot_ns)
		return NULL;
	return e->sha256;
}

void digest_memo_put(struct digest_memo *m, uint32_t dev, uint64_t ino, uint64_t at_boot_ns,
		     unsigned long writes, const char *sha256)
{
	struct digest_memo_entry *e = slot(m, dev, ino);
	size_t n = strnlen(sha256, sizeof(e->sha256) - 1);

	e->dev = dev;
	e->ino = ino;
	e->at_boot_ns = at_boot_ns;
	e->writes = writes;
	memcpy(e->sha256, sha256, n);
	e->sha256[n] = 0;
}

void digest_memo_clear(struct digest_memo *m)
{
	memset(m, 0, sizeof(*m));
}
