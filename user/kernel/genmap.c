// SPDX-License-Identifier: GPL-2.0
/* Per-generation policy maps (genmap.h): made, found, installed, dropped. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "abi.h"
#include "kernel/genmap.h"

/* As the _gen templates of bpf/maps.h: the kernel refuses a map whose type,
 * key, value or flags differ from its array's template. */
static const struct {
	const char *name; /* BPF_OBJ_NAME_LEN: 15 characters; the appban_ prefix
			   * puts it under the tamper guard (bpf/tamper.h) */
	enum bpf_map_type type;
	__u32 key_size, value_size, flags;
} kinds[GM__COUNT] = {
	[GM_INODE] = { "appban_inode_g", BPF_MAP_TYPE_HASH, sizeof(struct appban_inode_key),
		       sizeof(struct appban_rule), BPF_F_NO_PREALLOC },
	[GM_DIRENT] = { "appban_dirent_g", BPF_MAP_TYPE_HASH, sizeof(struct appban_dirent_key),
			sizeof(struct appban_rule), BPF_F_NO_PREALLOC },
	[GM_NAME] = { "appban_name_g", BPF_MAP_TYPE_HASH, sizeof(struct appban_name_key),
		      sizeof(struct appban_rule), BPF_F_NO_PREALLOC },
	[GM_DIGEST] = { "appban_digest_g", BPF_MAP_TYPE_HASH, sizeof(struct appban_digest_key),
			sizeof(struct appban_rule), BPF_F_NO_PREALLOC },
	[GM_APPS] = { "appban_apps_g", BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(struct appban_app),
		      BPF_F_INNER_MAP },
	[GM_EXC] = { "appban_exc_g", BPF_MAP_TYPE_HASH, sizeof(struct appban_exc_key),
		     sizeof(struct appban_exc), BPF_F_NO_PREALLOC },
	[GM_ALLOWS] = { "appban_allows_g", BPF_MAP_TYPE_ARRAY, sizeof(__u32),
			sizeof(struct appban_allow), BPF_F_INNER_MAP },
};

/* The room for rules added while the policy is in force; for tests only,
 * APPBAN_TEST_INODE_HEADROOM=N makes it N (a full map in a few files). */
static size_t headroom(void)
{
	const char *test = getenv("APPBAN_TEST_INODE_HEADROOM");

	return test && *test ? (size_t)strtoul(test, NULL, 10) : GENMAP_INODE_HEADROOM;
}

size_t genmap_capacity(enum genmap kind, size_t n)
{
	size_t room = headroom();

	if (kind == GM_INODE)
		return n + (n > room ? n : room);
	return n ? n : 1; /* a map has at least one entry */
}

int genmap_new(enum genmap kind, size_t n)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = kinds[kind].flags);
	size_t cap = genmap_capacity(kind, n);
	int fd;

	if (cap > 0xffffffffu)
		return -E2BIG;
	fd = bpf_map_create(kinds[kind].type, kinds[kind].name, kinds[kind].key_size,
			    kinds[kind].value_size, (__u32)cap, &opts);
	return fd < 0 ? -errno : fd;
}

int genmap_fd(int outer_fd, __u32 gen)
{
	__u32 id;
	int fd;

	gen &= 1;
	if (bpf_map_lookup_elem(outer_fd, &gen, &id))
		return errno == ENOENT ? -ENOENT : -errno;
	fd = bpf_map_get_fd_by_id(id);
	return fd < 0 ? -errno : fd;
}

int genmap_install(int outer_fd, __u32 gen, int fd)
{
	gen &= 1;
	return bpf_map_update_elem(outer_fd, &gen, &fd, BPF_ANY) ? -errno : 0;
}

int genmap_drop(int outer_fd, __u32 gen)
{
	gen &= 1;
	if (bpf_map_delete_elem(outer_fd, &gen) && errno != ENOENT)
		return -errno;
	return 0;
}

int genmap_lookup(int outer_fd, __u32 gen, const void *key, void *val)
{
	int fd = genmap_fd(outer_fd, gen), err = 0;

	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, key, val))
		err = -errno;
	close(fd);
	return err;
}
