// SPDX-License-Identifier: GPL-2.0
/* libFuzzer harness of the digest cache reader: the cache file is outside
 * input (a disk, another version, an attacker with write access). Any bytes
 * in: accepted or refused with a reason, never a crash; what is accepted
 * is written back as an image that reads again into as many entries. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "content/hashcache.h"

/* Random bytes rarely carry valid checksums: for half the inputs (first
 * byte odd) the two CRC32 fields are set right, so the parser's deeper
 * checks (version, sizes, entries, order) are reached too. */
static void fix_checksums(uint8_t *b, size_t size)
{
	uint32_t crc;

	if (size < 64 || !(b[0] & 1))
		return;
	crc = crc32(0, b + 64, size - 64);
	memcpy(b + 48, &crc, 4);
	crc = crc32(0, b, 60);
	memcpy(b + 60, &crc, 4);
}

static int one(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	int r;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	fix_checksums(copy, size);
	r = one(copy, size);
	free(copy);
	return r;
}

static int one(const uint8_t *data, size_t size)
{
	struct hashcache *c = hashcache_new("/nonexistent/appban-fuzz");
	enum hc_error why;
	void *buf = NULL;
	size_t len = 0;

	if (!c)
		return 0;
	if (hashcache_parse(data, size, c, &why) == 0 && hashcache_serialize(c, &buf, &len) == 0) {
		struct hashcache *again = hashcache_new("/nonexistent/appban-fuzz");

		if (again && (hashcache_parse(buf, len, again, &why) ||
			      hashcache_count(again) != hashcache_count(c)))
			abort();
		hashcache_free(again);
		free(buf);
	}
	hashcache_free(c);
	return 0;
}
