/* SPDX-License-Identifier: GPL-2.0 */
/* Many entries of a BPF hash map in one bpf() call (BPF_MAP_*_BATCH,
 * kernel 5.6+), one by one where the kernel refuses the batch. */
#ifndef __APPBAN_MAPBATCH_H
#define __APPBAN_MAPBATCH_H

#include <stddef.h>

#include <linux/types.h>

/* Insert or replace n entries: keys and vals are arrays of n keys and n
 * values. 0 or -errno. */
int map_update_many(int fd, const void *keys, size_t key_size, const void *vals, size_t val_size,
		    size_t n);

#endif /* __APPBAN_MAPBATCH_H */
