// SPDX-License-Identifier: GPL-2.0
/* The digest cache (hashcache.h): an open-addressing table on (dev, ino) in
 * memory, a checksummed fixed-record file on disk, written atomically. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "content/hashcache.h"
#include "util/file.h"
#include "util/log.h"

struct hc_entry {
	struct hashcache_key k;
	__u32 flags;
	__u32 seen;
	__u8 sha256[32];
};

struct hashcache {
	char *path;
	struct hc_entry *e;
	size_t n, cap;
	__u32 *slot; /* index + 1 into e, 0: free; n_slots a power of two */
	size_t n_slots;
	int prune;
	int dirty; /* differs from the file: a save must write */
	int no_index; /* hashcache_load_unindexed: lookups and inserts refused */
	__u8 boot_id[16];
};

static __u32 get32(const __u8 *p)
{
	return (__u32)p[0] | (__u32)p[1] << 8 | (__u32)p[2] << 16 | (__u32)p[3] << 24;
}

static __u64 get64(const __u8 *p)
{
	return (__u64)get32(p) | (__u64)get32(p + 4) << 32;
}

static void put32(__u8 *p, __u32 v)
{
	p[0] = (__u8)v;
	p[1] = (__u8)(v >> 8);
	p[2] = (__u8)(v >> 16);
	p[3] = (__u8)(v >> 24);
}

static void put64(__u8 *p, __u64 v)
{
	put32(p, (__u32)v);
	put32(p + 4, (__u32)(v >> 32));
}

static __u32 crc(const __u8 *p, size_t len)
{
	uLong c = crc32(0L, Z_NULL, 0);

	/* zlib takes uInt lengths: feed large bodies in pieces. */
	while (len) {
		uInt n = len > (1U << 30) ? (1U << 30) : (uInt)len;

		c = crc32(c, p, n);
		p += n;
		len -= n;
	}
	return (__u32)c;
}

/* This boot's id from the kernel; zero when unreadable (then every file
 * counts as from another boot). */
static void read_boot_id(__u8 id[16])
{
	char s[64];
	int fd, i, j;
	ssize_t n;

	memset(id, 0, 16);
	fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, s, sizeof(s) - 1);
	close(fd);
	if (n < 36)
		return;
	for (i = 0, j = 0; i < 36 && j < 32; i++) {
		int v;

		if (s[i] == '-')
			continue;
		if (s[i] >= '0' && s[i] <= '9')
			v = s[i] - '0';
		else if (s[i] >= 'a' && s[i] <= 'f')
			v = s[i] - 'a' + 10;
		else
			goto bad;
		id[j / 2] = (__u8)(id[j / 2] << 4 | v);
		j++;
	}
	if (j == 32)
		return;
bad:
	memset(id, 0, 16);
}

const char *hc_error_str(enum hc_error e)
{
	switch (e) {
	case HC_OK:
		return "no error";
	case HC_ERR_TRUNCATED:
		return "truncated";
	case HC_ERR_MAGIC:
		return "not an appban hash cache (bad magic)";
	case HC_ERR_VERSION:
		return "unsupported format version";
	case HC_ERR_HEADER:
		return "corrupt header";
	case HC_ERR_LENGTH:
		return "unexpected bytes after the last entry";
	case HC_ERR_CHECKSUM:
		return "checksum mismatch";
	case HC_ERR_ENTRY:
		return "corrupt entry";
	case HC_ERR_ORDER:
		return "entries out of order or duplicated";
	}
	return "unknown error";
}

struct hashcache *hashcache_new(const char *path)
{
	struct hashcache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->path = strdup(path ? path : HASHCACHE_DEFAULT_PATH);
	if (!c->path) {
		free(c);
		return NULL;
	}
	read_boot_id(c->boot_id);
	c->dirty = 1;
	return c;
}

void hashcache_free(struct hashcache *c)
{
	if (!c)
		return;
	free(c->path);
	free(c->e);
	free(c->slot);
	free(c);
}

const char *hashcache_path(const struct hashcache *c)
{
	return c->path;
}

size_t hashcache_count(const struct hashcache *c)
{
	return c->n;
}

int hashcache_foreach_digest(const struct hashcache *c,
			     int (*fn)(const struct hashcache_key *k, const __u8 sha256[32],
				       void *ctx),
			     void *ctx)
{
	size_t i;
	int err;

	for (i = 0; i < c->n; i++) {
		if (!(c->e[i].flags & HC_F_DIGEST))
			continue;
		err = fn(&c->e[i].k, c->e[i].sha256, ctx);
		if (err)
			return err;
	}
	return 0;
}

void hashcache_prune_unseen(struct hashcache *c)
{
	c->prune = 1;
}

static size_t key_hash(__u32 dev, __u64 ino)
{
	__u64 h = (ino ^ ((__u64)dev << 40 | dev)) * 0x9e3779b97f4a7c15ULL;

	return (size_t)(h ^ h >> 29);
}

/* The slot holding (dev, ino), or the free slot where it would go. */
static size_t find_slot(const struct hashcache *c, __u32 dev, __u64 ino)
{
	size_t mask = c->n_slots - 1, i = key_hash(dev, ino) & mask;

	for (;;) {
		__u32 s = c->slot[i];

		if (!s || (c->e[s - 1].k.dev == dev && c->e[s - 1].k.ino == ino))
			return i;
		i = (i + 1) & mask;
	}
}

#define HUGE_PAGE (2UL << 20)

/*
 * An array for random access: from 2 MiB on, aligned to and backed by huge
 * pages when the kernel allows it (transparent_hugepage "madvise"): one TLB
 * entry instead of 512 for the lookups of a scan. Zeroed; free with free().
 */
static void *table_alloc(size_t size)
{
	void *p;

	if (size < HUGE_PAGE)
		return calloc(1, size ? size : 1);
	size = (size + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	if (posix_memalign(&p, HUGE_PAGE, size))
		return NULL;
	madvise(p, size, MADV_HUGEPAGE);
	memset(p, 0, size);
	return p;
}

static int rehash(struct hashcache *c, size_t n_slots)
{
	__u32 *old = c->slot;
	size_t i;

	c->slot = table_alloc(n_slots * sizeof(*c->slot));
	if (!c->slot) {
		c->slot = old;
		return -ENOMEM;
	}
	c->n_slots = n_slots;
	for (i = 0; i < c->n; i++)
		c->slot[find_slot(c, c->e[i].k.dev, c->e[i].k.ino)] = (__u32)(i + 1);
	free(old);
	return 0;
}

void hashcache_prefetch(const struct hashcache *c, __u32 dev, __u64 ino, int entry)
{
	size_t i;
	__u32 s;

	if (!c || !c->n_slots)
		return;
	i = key_hash(dev, ino) & (c->n_slots - 1);
	if (!entry) {
		__builtin_prefetch(&c->slot[i]);
		return;
	}
	s = c->slot[i];
	if (s) {
		__builtin_prefetch(&c->e[s - 1]);
		__builtin_prefetch((const char *)&c->e[s] - 1);
	}
}

int hashcache_lookup(struct hashcache *c, const struct hashcache_key *k, __u8 sha256[32],
		     __u32 *flags)
{
	struct hc_entry *e;
	__u32 s;

	if (!c->n_slots)
		return 0;
	s = c->slot[find_slot(c, k->dev, k->ino)];
	if (!s)
		return 0;
	e = &c->e[s - 1];
	if (e->k.ctime_sec != k->ctime_sec || e->k.ctime_nsec != k->ctime_nsec ||
	    e->k.size != k->size)
		return 0;
	/* Lookups may run in several threads at once (scan.c): no other write. */
	__atomic_store_n(&e->seen, 1, __ATOMIC_RELAXED);
	if (sha256)
		memcpy(sha256, e->sha256, 32);
	if (flags)
		*flags = e->flags;
	return 1;
}

int hashcache_insert(struct hashcache *c, const struct hashcache_key *k, const __u8 sha256[32],
		     __u32 flags)
{
	struct hc_entry *e;
	size_t i;
	int err;

	if (c->no_index || (flags != HC_F_DIGEST && flags != HC_F_NOT_EXEC))
		return -EINVAL;
	if (c->n >= UINT32_MAX - 1)
		return -ENOMEM;
	/* Load factor at most 1/2. */
	if ((c->n + 1) * 2 > c->n_slots) {
		err = rehash(c, c->n_slots ? c->n_slots * 2 : 1024);
		if (err)
			return err;
	}
	i = find_slot(c, k->dev, k->ino);
	if (c->slot[i]) {
		e = &c->e[c->slot[i] - 1];
		if (!memcmp(&e->k, k, sizeof(*k)) && e->flags == flags &&
		    (flags != HC_F_DIGEST || !sha256 || !memcmp(e->sha256, sha256, 32))) {
			e->seen = 1;
			return 0;
		}
	} else {
		if (c->n == c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 1024;
			struct hc_entry *ne = realloc(c->e, cap * sizeof(*ne));

			if (!ne)
				return -ENOMEM;
			c->e = ne;
			c->cap = cap;
		}
		e = &c->e[c->n++];
		c->slot[i] = (__u32)c->n;
	}
	c->dirty = 1;
	memset(e, 0, sizeof(*e));
	e->k = *k;
	e->flags = flags;
	e->seen = 1;
	if (flags == HC_F_DIGEST && sha256)
		memcpy(e->sha256, sha256, 32);
	return 0;
}

static void clear(struct hashcache *c)
{
	free(c->e);
	free(c->slot);
	c->e = NULL;
	c->slot = NULL;
	c->n = c->cap = c->n_slots = 0;
	c->dirty = 1;
}

static const __u8 zero32[32];

int hashcache_parse(const void *buf, size_t len, struct hashcache *c, enum hc_error *why)
{
	const __u8 *p = buf, *ent;
	__u64 count, i, prev_dev = 0, prev_ino = 0;
	int other_boot, err;

	*why = HC_OK;
	if (c->n)
		return -EINVAL;
	if (len < 8) {
		*why = HC_ERR_TRUNCATED;
		return -EINVAL;
	}
	if (memcmp(p, HC_MAGIC, 8)) {
		*why = HC_ERR_MAGIC;
		return -EINVAL;
	}
	if (len < HC_HEADER_SIZE) {
		*why = HC_ERR_TRUNCATED;
		return -EINVAL;
	}
	/* The version first: another version may lay its header out otherwise. */
	if (get32(p + 8) != HC_VERSION) {
		*why = HC_ERR_VERSION;
		return -EINVAL;
	}
	if (crc(p, 60) != get32(p + 60) || get32(p + 12) != HC_HEADER_SIZE ||
	    get32(p + 16) != HC_ENTRY_SIZE || get32(p + 20) != 0 || memcmp(p + 52, zero32, 8)) {
		*why = HC_ERR_HEADER;
		return -EINVAL;
	}
	count = get64(p + 24);
	/* Divide rather than multiply: count is untrusted and may overflow. */
	if (count > (len - HC_HEADER_SIZE) / HC_ENTRY_SIZE) {
		*why = HC_ERR_TRUNCATED;
		return -EINVAL;
	}
	if (len - HC_HEADER_SIZE != count * HC_ENTRY_SIZE) {
		*why = HC_ERR_LENGTH;
		return -EINVAL;
	}
	if (crc(p + HC_HEADER_SIZE, len - HC_HEADER_SIZE) != get32(p + 48)) {
		*why = HC_ERR_CHECKSUM;
		return -EINVAL;
	}
	other_boot = !memcmp(c->boot_id, zero32, 16) || memcmp(c->boot_id, p + 32, 16);
	/* Sized once for every entry (count is bounded by len): no growth. */
	if (count) {
		size_t slots = 1024;

		while (slots < 2 * (count + 1))
			slots *= 2;
		c->e = table_alloc(count * sizeof(*c->e));
		if (!c->e || (!c->no_index && rehash(c, slots))) {
			clear(c);
			return -ENOMEM;
		}
		c->cap = count;
	}

	for (i = 0; i < count; i++) {
		struct hashcache_key k;
		__u32 flags;

		ent = p + HC_HEADER_SIZE + i * HC_ENTRY_SIZE;
		k.dev = get32(ent);
		k.ctime_nsec = get32(ent + 4);
		k.ino = get64(ent + 8);
		k.size = get64(ent + 16);
		k.ctime_sec = (__s64)get64(ent + 24);
		flags = get32(ent + 32);
		if (k.ctime_nsec >= 1000000000U || get32(ent + 36) ||
		    (flags != HC_F_DIGEST && flags != HC_F_NOT_EXEC) ||
		    (flags == HC_F_NOT_EXEC && memcmp(ent + 40, zero32, 32))) {
			*why = HC_ERR_ENTRY;
			goto bad;
		}
		if (i && (k.dev < prev_dev || (k.dev == prev_dev && k.ino <= prev_ino))) {
			*why = HC_ERR_ORDER;
			goto bad;
		}
		prev_dev = k.dev;
		prev_ino = k.ino;
		/* Device numbers given at mount time mean nothing after a reboot. */
		if (other_boot && !(k.dev >> 20))
			continue;
		if (c->no_index) {
			/* Sorted and checked unique above: appended as they are. */
			struct hc_entry *e = &c->e[c->n++];

			e->k = k;
			e->flags = flags;
			if (flags == HC_F_DIGEST)
				memcpy(e->sha256, ent + 40, 32);
			continue;
		}
		err = hashcache_insert(c, &k, ent + 40, flags);
		if (err) {
			clear(c);
			return err;
		}
		c->e[c->n - 1].seen = 0;
	}
	/* Written during another boot: rewritten with this boot's id. */
	c->dirty = other_boot || count != c->n;
	return 0;
bad:
	clear(c);
	return -EINVAL;
}

static int load(const char *path, int no_index, struct hashcache **out)
{
	struct hashcache *c = hashcache_new(path);
	enum hc_error why;
	struct stat st;
	void *buf = NULL;
	size_t got = 0;
	int fd, err;

	*out = NULL;
	if (!c)
		return -ENOMEM;
	c->no_index = no_index;
	fd = open(c->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		if (errno != ENOENT)
			pr_warn("ignoring hash cache %s: %s (it will be rebuilt)\n", c->path,
				strerror(errno));
		goto done;
	}
	if (fstat(fd, &st)) {
		pr_warn("ignoring hash cache %s: %s (it will be rebuilt)\n", c->path,
			strerror(errno));
		goto done;
	}
	/* Whoever can write the cache can make a banned file look harmless. */
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022)) {
		pr_warn("ignoring hash cache %s: not a regular file owned by uid %u and writable only by it (it will be rebuilt)\n",
			c->path, (unsigned int)geteuid());
		goto done;
	}
	if ((unsigned long long)st.st_size > HC_MAX_FILE_SIZE) {
		pr_warn("ignoring hash cache %s: %lld bytes, more than the %llu allowed (it will be rebuilt)\n",
			c->path, (long long)st.st_size, HC_MAX_FILE_SIZE);
		goto done;
	}
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf) {
		err = -ENOMEM;
		goto fail;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, (char *)buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			pr_warn("ignoring hash cache %s: %s (it will be rebuilt)\n", c->path,
				n ? strerror(errno) : "shrank while read");
			goto done;
		}
		got += (size_t)n;
	}
	err = hashcache_parse(buf, got, c, &why);
	if (err == -ENOMEM)
		goto fail;
	if (err)
		pr_warn("ignoring hash cache %s: %s (it will be rebuilt)\n", c->path,
			hc_error_str(why));
done:
	if (fd >= 0)
		close(fd);
	free(buf);
	*out = c;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	hashcache_free(c);
	return err;
}

int hashcache_load(const char *path, struct hashcache **out)
{
	return load(path, 0, out);
}

int hashcache_load_unindexed(const char *path, struct hashcache **out)
{
	return load(path, 1, out);
}

static int cmp_entry(const void *a, const void *b)
{
	const struct hc_entry *x = a, *y = b;

	if (x->k.dev != y->k.dev)
		return x->k.dev < y->k.dev ? -1 : 1;
	if (x->k.ino != y->k.ino)
		return x->k.ino < y->k.ino ? -1 : 1;
	return 0;
}

int hashcache_serialize(struct hashcache *c, void **out, size_t *out_len)
{
	struct hc_entry *sorted;
	size_t i, n = 0, len;
	__u8 *buf, *q;

	sorted = malloc((c->n ? c->n : 1) * sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	for (i = 0; i < c->n; i++)
		if (c->e[i].seen || !c->prune)
			sorted[n++] = c->e[i];
	qsort(sorted, n, sizeof(*sorted), cmp_entry);
	len = HC_HEADER_SIZE + n * HC_ENTRY_SIZE;
	buf = calloc(1, len);
	if (!buf) {
		free(sorted);
		return -ENOMEM;
	}
	for (i = 0, q = buf + HC_HEADER_SIZE; i < n; i++, q += HC_ENTRY_SIZE) {
		put32(q, sorted[i].k.dev);
		put32(q + 4, sorted[i].k.ctime_nsec);
		put64(q + 8, sorted[i].k.ino);
		put64(q + 16, sorted[i].k.size);
		put64(q + 24, (__u64)sorted[i].k.ctime_sec);
		put32(q + 32, sorted[i].flags);
		memcpy(q + 40, sorted[i].sha256, 32);
	}
	free(sorted);
	memcpy(buf, HC_MAGIC, 8);
	put32(buf + 8, HC_VERSION);
	put32(buf + 12, HC_HEADER_SIZE);
	put32(buf + 16, HC_ENTRY_SIZE);
	put64(buf + 24, n);
	memcpy(buf + 32, c->boot_id, 16);
	put32(buf + 48, crc(buf + HC_HEADER_SIZE, len - HC_HEADER_SIZE));
	put32(buf + 60, crc(buf, 60));
	*out = buf;
	*out_len = len;
	return 0;
}

/* Entries a save would drop. */
static int unseen(const struct hashcache *c)
{
	size_t i;

	for (i = 0; c->prune && i < c->n; i++)
		if (!c->e[i].seen)
			return 1;
	return 0;
}

/* The cache file's directory, made (mode 0700) when missing. */
static int make_parent(const char *path)
{
	char dir[PATH_MAX], *slash;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

int hashcache_save(struct hashcache *c)
{
	void *buf = NULL;
	size_t len;
	int err;

	if (c->no_index)
		return -EINVAL;
	if (!c->dirty && !unseen(c))
		return 0;
	err = make_parent(c->path);
	if (err)
		return err;
	err = hashcache_serialize(c, &buf, &len);
	if (err)
		return err;
	err = file_write_atomic(c->path, buf, len, 0600, 1);
	if (!err)
		c->dirty = 0;
	free(buf);
	return err;
}
