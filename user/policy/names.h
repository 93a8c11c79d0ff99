/* SPDX-License-Identifier: GPL-2.0 */
/* A set of names, each mapped to an index (of an app, of an exception), so
 * that duplicates and references are found in O(1) in policies of any size. */
#ifndef __APPBAN_NAMES_H
#define __APPBAN_NAMES_H

#include <stddef.h>

struct name_slot {
	char *key;
	size_t idx;
};

struct name_set {
	struct name_slot *slots; /* open addressing, a power of two of them */
	size_t cap;
	size_t n;
};

/* 0 and *idx when key is in s, -ENOENT otherwise. */
int name_set_find(const struct name_set *s, const char *key, size_t *idx);
/* Add key (copied), which must not be in s yet: 0 or -ENOMEM. */
int name_set_add(struct name_set *s, const char *key, size_t idx);
void name_set_free(struct name_set *s);

#endif /* __APPBAN_NAMES_H */
