// SPDX-License-Identifier: GPL-2.0
/* A swap of a 20,000-identifier policy was some 80,000 bpf() calls (an
 * update per entry, then a get-next-key and a delete per entry of the old
 * generation), each also seen by the engines' tracepoint on bpf(): batches
 * make that a handful. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "kernel/mapbatch.h"

static int update_range(int fd, const char *keys, size_t key_size, const char *vals,
			size_t val_size, size_t n)
{
	struct bpf_map_batch_opts o = { .sz = sizeof(o), .elem_flags = BPF_ANY };
	__u32 count = n;
	size_t i;

	if (!n || !bpf_map_update_batch(fd, keys, vals, &count, &o))
		return 0;
	/* No batches here, or one entry refused: each on its own, so that the
	 * error is the entry's. BPF_ANY: those already written are rewritten. */
	for (i = 0; i < n; i++)
		if (bpf_map_update_elem(fd, keys + i * key_size, vals + i * val_size, BPF_ANY))
			return -errno;
	return 0;
}

struct range {
	int fd, err;
	const char *keys, *vals;
	size_t key_size, val_size, n;
};

static void *update_thread(void *arg)
{
	struct range *r = arg;

	r->err = update_range(r->fd, r->keys, r->key_size, r->vals, r->val_size, r->n);
	return NULL;
}

/* From this many entries on, the second half goes in a thread of its own:
 * an insert is ~1 us of kernel time (a NO_PREALLOC hash map allocates), and
 * a swap is spent mostly waiting for them. */
#define SPLIT_FROM 4096

int map_update_many(int fd, const void *keys, size_t key_size, const void *vals, size_t val_size,
		    size_t n)
{
	size_t half = n / 2;
	struct range r = { .fd = fd,
			   .keys = (const char *)keys + half * key_size,
			   .vals = (const char *)vals + half * val_size,
			   .key_size = key_size,
			   .val_size = val_size,
			   .n = n - half };
	pthread_t t;
	int err;

	if (n < SPLIT_FROM || pthread_create(&t, NULL, update_thread, &r))
		return update_range(fd, keys, key_size, vals, val_size, n);
	err = update_range(fd, keys, key_size, vals, val_size, half);
	pthread_join(t, NULL);
	return err ?: r.err;
}
