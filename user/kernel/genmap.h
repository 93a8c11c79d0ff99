/* SPDX-License-Identifier: GPL-2.0 */
/* The policy's maps of one generation: each pinned policy map is an array
 * of two maps (bpf/maps.h), and a load makes the inactive generation's maps
 * at the size its policy needs, fills them, and puts them in the array; a
 * small policy stays small, a large one is not refused for a size fixed at
 * build time. */
#ifndef __APPBAN_GENMAP_H
#define __APPBAN_GENMAP_H

#include <stddef.h>
#include <linux/types.h>

enum genmap { GM_INODE, GM_DIRENT, GM_NAME, GM_DIGEST, GM_APPS, GM_EXC, GM_ALLOWS, GM__COUNT };

/* Entries an inode map holds beyond its policy's own: the files that run's
 * watch and the walk after a load find with a banned content. */
#define GENMAP_INODE_HEADROOM 4096

/* A new, empty map of this kind for n entries of a policy (plus the kind's
 * headroom): a descriptor, or -errno. */
int genmap_new(enum genmap kind, size_t n);
/* How many entries a map of this kind made for n holds. */
size_t genmap_capacity(enum genmap kind, size_t n);
/* The map of generation gen in the array of maps outer_fd: a descriptor
 * (the caller closes it), -ENOENT when the generation has none, or -errno. */
int genmap_fd(int outer_fd, __u32 gen);
/* outer[gen] = fd (the array holds its own reference). 0 or -errno. */
int genmap_install(int outer_fd, __u32 gen, int fd);
/* outer[gen] emptied; its map is freed once no program uses it. 0 also when
 * it was empty. */
int genmap_drop(int outer_fd, __u32 gen);
/* The entry `key` of generation gen: 0, -ENOENT, or -errno. */
int genmap_lookup(int outer_fd, __u32 gen, const void *key, void *val);

#endif /* __APPBAN_GENMAP_H */
