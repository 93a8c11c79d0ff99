// SPDX-License-Identifier: GPL-2.0
/* libFuzzer harness of the digest cache reader: the cache file is outside
 * input (a disk, another version, an attacker with write access). Any bytes
 * in: accepted or refused with a reason, never a crash; what is accepted
 * is written back as an image that reads again into as many entries. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hashcache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
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
