// SPDX-License-Identifier: GPL-2.0
/* A set of names for the parser: open addressing with linear probing, kept at
 * most half full; FNV-1a, as names are short and not chosen to collide. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/names.h"

static size_t name_hash(const char *s)
{
	size_t h = (size_t)14695981039346656037ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * (size_t)1099511628211ull;
	return h;
}

static struct name_slot *slot_of(const struct name_set *s, const char *key)
{
	size_t i = name_hash(key) & (s->cap - 1);

	while (s->slots[i].key && strcmp(s->slots[i].key, key))
		i = (i + 1) & (s->cap - 1);
	return &s->slots[i];
}

int name_set_find(const struct name_set *s, const char *key, size_t *idx)
{
	struct name_slot *slot;

	if (!s->cap)
		return -ENOENT;
	slot = slot_of(s, key);
	if (!slot->key)
		return -ENOENT;
	*idx = slot->idx;
	return 0;
}

int name_set_add(struct name_set *s, const char *key, size_t idx)
{
	struct name_set bigger = { 0 };
	struct name_slot *slot;
	size_t i;

	if (s->n >= s->cap / 2) {
		bigger.cap = s->cap ? s->cap * 2 : 64;
		if (bigger.cap < s->cap)
			return -ENOMEM;
		bigger.slots = calloc(bigger.cap, sizeof(*bigger.slots));
		if (!bigger.slots)
			return -ENOMEM;
		for (i = 0; i < s->cap; i++)
			if (s->slots[i].key)
				*slot_of(&bigger, s->slots[i].key) = s->slots[i];
		bigger.n = s->n;
		free(s->slots);
		*s = bigger;
	}
	slot = slot_of(s, key);
	slot->key = strdup(key);
	if (!slot->key)
		return -ENOMEM;
	slot->idx = idx;
	s->n++;
	return 0;
}

void name_set_free(struct name_set *s)
{
	size_t i;

	for (i = 0; i < s->cap; i++)
		free(s->slots[i].key);
	free(s->slots);
	memset(s, 0, sizeof(*s));
}
