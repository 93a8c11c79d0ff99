// SPDX-License-Identifier: GPL-2.0
/* Known files and their digests, in a hash table keyed by (dev, ino); the
 * banned digests are the policy's sorted array (compile.c). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "content/content.h"
#include "kernel/kinode.h"
#include "util/log.h"

struct known {
	struct hashcache_key k; /* the file's version when hashed */
	__s64 igen; /* its i_generation, -1 until known */
	char *path; /* where the scan found it, or NULL */
	__u32 used;
	__u8 sha256[SCAN_SHA256_LEN];
};

struct content {
	struct known *t;
	size_t cap, n; /* cap: a power of two */
};

static size_t slot_of(const struct content *ct, __u32 dev, __u64 ino)
{
	__u64 h = (ino ^ ((__u64)dev << 32)) * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> 17) & (ct->cap - 1);
}

static const struct known *find(const struct content *ct, __u32 dev, __u64 ino);

static int resize(struct content *ct, size_t cap)
{
	struct known *old = ct->t;
	size_t i, oldcap = ct->cap;

	ct->t = calloc(cap, sizeof(*ct->t));
	if (!ct->t) {
		ct->t = old;
		return -ENOMEM;
	}
	ct->cap = cap;
	ct->n = 0;
	for (i = 0; i < oldcap; i++)
		if (old[i].used) {
			content_add(ct, &old[i].k, old[i].igen, NULL, old[i].sha256);
			/* the path moves with it */
			((struct known *)find(ct, old[i].k.dev, old[i].k.ino))->path = old[i].path;
		}
	free(old);
	return 0;
}

int content_add(struct content *ct, const struct hashcache_key *key, __s64 igen, const char *path,
		const __u8 d[SCAN_SHA256_LEN])
{
	size_t i;

	if ((ct->n + 1) * 2 > ct->cap && resize(ct, ct->cap ? ct->cap * 2 : 1024))
		return -ENOMEM;
	for (i = slot_of(ct, key->dev, key->ino);; i = (i + 1) & (ct->cap - 1)) {
		struct known *k = &ct->t[i];

		if (!k->used) {
			k->used = 1;
			ct->n++;
		} else if (k->k.dev != key->dev || k->k.ino != key->ino) {
			continue;
		}
		k->k = *key;
		k->igen = igen;
		if (path) {
			char *p = strdup(path);

			if (!p)
				return -ENOMEM;
			free(k->path);
			k->path = p;
		}
		memcpy(k->sha256, d, SCAN_SHA256_LEN);
		return 0;
	}
}

static const struct known *find(const struct content *ct, __u32 dev, __u64 ino)
{
	size_t i;

	if (!ct || !ct->cap)
		return NULL;
	for (i = slot_of(ct, dev, ino); ct->t[i].used; i = (i + 1) & (ct->cap - 1))
		if (ct->t[i].k.dev == dev && ct->t[i].k.ino == ino)
			return &ct->t[i];
	return NULL;
}

int content_lookup(const struct content *ct, __u32 dev, __u64 ino, __u8 d[SCAN_SHA256_LEN])
{
	const struct known *k = find(ct, dev, ino);

	if (!k)
		return -ENOENT;
	memcpy(d, k->sha256, SCAN_SHA256_LEN);
	return 0;
}

int content_lookup_exact(const struct content *ct, const struct hashcache_key *key,
			 __u8 d[SCAN_SHA256_LEN])
{
	const struct known *k = find(ct, key->dev, key->ino);

	if (!k || k->k.size != key->size || k->k.ctime_sec != key->ctime_sec ||
	    k->k.ctime_nsec != key->ctime_nsec)
		return -ENOENT;
	memcpy(d, k->sha256, SCAN_SHA256_LEN);
	return 0;
}

void content_key_of(const struct stat *st, __u32 dev, struct hashcache_key *k)
{
	k->dev = dev;
	k->ino = st->st_ino;
	k->size = (__u64)st->st_size;
	k->ctime_sec = st->st_ctim.tv_sec;
	k->ctime_nsec = (__u32)st->st_ctim.tv_nsec;
}

int content_banned(const struct compiled_policy *c, const __u8 d[SCAN_SHA256_LEN])
{
	size_t lo = 0, hi = c->n_digests;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = memcmp(d, c->digests[mid].sha256, SCAN_SHA256_LEN);

		if (!r)
			return (int)c->digests[mid].app;
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

/* The change time in ns for a rule bound to it; 0 (always) when it cannot be
 * told apart from "always" (bpf/abi.h). */
static __u64 ctime_ns_of(const struct hashcache_key *k)
{
	if (k->ctime_sec <= 0)
		return 0;
	return (__u64)k->ctime_sec * 1000000000ull + k->ctime_nsec;
}

/* The i_generation of a file the scan found, if its path still leads to it
 * as it was hashed; -1 otherwise. */
static __s64 gen_of(struct kinode *k, const struct known *kk)
{
	int fd = open(kk->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	struct hashcache_key now;
	struct stat st;
	__s64 g = -1;
	__u32 dev, igen;
	__u64 ino;

	if (fd < 0)
		return -1;
	if (!fstat(fd, &st) && !kinode_fd_gen(k, fd, &dev, &ino, &igen)) {
		content_key_of(&st, dev, &now);
		if (dev == kk->k.dev && ino == kk->k.ino && now.size == kk->k.size &&
		    now.ctime_sec == kk->k.ctime_sec && now.ctime_nsec == kk->k.ctime_nsec)
			g = igen;
	}
	close(fd);
	return g;
}

int content_apply(struct content *ct, struct compiled_policy *c, struct kinode *k)
{
	size_t i;
	int added = 0, app, err;

	if (!ct || !c->n_digests)
		return 0;
	for (i = 0; i < ct->cap; i++) {
		struct known *kk = &ct->t[i];
		__u64 ctime_ns;

		if (!kk->used || (app = content_banned(c, kk->sha256)) < 0)
			continue;
		/* Bound to the file: a file that gets its inode number once it
		 * is deleted is not banned. Without its i_generation, to its
		 * change time (then a chmod or touch drops the rule until the
		 * next load: `run` hashes it again at its start). */
		if (kk->igen < 0 && kk->path)
			kk->igen = gen_of(k, kk);
		ctime_ns = ctime_ns_of(&kk->k);
		if (kk->igen >= 0 || !ctime_ns)
			err = compiled_add_inode(c, kk->k.dev, kk->k.ino, app, APPBAN_MATCH_SHA256,
						 kk->igen);
		else
			err = compiled_add_inode_ctime(c, kk->k.dev, kk->k.ino, app,
						       APPBAN_MATCH_SHA256, ctime_ns);
		if (err)
			return -ENOMEM;
		added++;
	}
	return added;
}

struct scan_ctx {
	struct content *ct;
	const struct content_found *found;
};

static void on_entry(const struct scan_entry *e, void *arg)
{
	struct hashcache_key k = { .dev = e->dev,
				   .ino = e->ino,
				   .size = e->size,
				   .ctime_sec = e->ctime_sec,
				   .ctime_nsec = e->ctime_nsec };
	struct scan_ctx *sc = arg;
	__u64 ctime_ns;
	int app;

	content_add(sc->ct, &k, -1, e->path, e->sha256);
	if (!sc->found || (app = content_banned(sc->found->c, e->sha256)) < 0)
		return;
	/* Bound to the change time it was hashed at; the end of the scan binds
	 * it to the file's i_generation (content_apply). */
	ctime_ns = ctime_ns_of(&k);
	if (ctime_ns)
		sc->found->fn(sc->found->ctx, e->dev, e->ino, (__u32)app, ctime_ns);
}

/* $APPBAN_SCAN_ROOTS split at ':'; NULL when unset. */
static char **env_roots(int *n)
{
	const char *env = getenv("APPBAN_SCAN_ROOTS");
	char *copy, *tok, *save = NULL, **roots;
	int cap = 1;

	if (!env || !*env)
		return NULL;
	for (tok = (char *)env; *tok; tok++)
		cap += *tok == ':';
	roots = calloc(cap, sizeof(*roots));
	copy = strdup(env);
	*n = 0;
	if (!roots || !copy) {
		free(roots);
		free(copy);
		return NULL;
	}
	for (tok = strtok_r(copy, ":", &save); tok && *n < cap; tok = strtok_r(NULL, ":", &save))
		roots[(*n)++] = strdup(tok);
	free(copy);
	return roots;
}

static const char *hash_cache_path(void)
{
	const char *p = getenv("APPBAN_HASH_CACHE");

	return p && *p ? p : HASHCACHE_DEFAULT_PATH;
}

struct from_cache {
	struct compiled_policy *c;
	int added;
};

static int add_cached(const struct hashcache_key *k, const __u8 sha256[32], void *ctx)
{
	struct from_cache *fc = ctx;
	int app = content_banned(fc->c, sha256);
	__u64 ctime_ns = ctime_ns_of(k);

	if (app < 0)
		return 0;
	/* 0 means "always": a file changed at the epoch's first second is
	 * left to the walk. */
	if (!ctime_ns)
		return 0;
	if (compiled_add_inode_ctime(fc->c, k->dev, k->ino, app, APPBAN_MATCH_SHA256, ctime_ns))
		return -ENOMEM;
	fc->added++;
	return 0;
}

/* The digest cache read in a thread of its own. Two references: the
 * thread's and the caller's; the last one frees it, so that a caller that
 * has no use for the cache (a policy without sha256 rules) drops it without
 * waiting for the read (10 MB here: ~0.1 s). */
struct cache_read {
	pthread_t thread;
	struct hashcache *cache;
	int err;
	int refs;
};

static void cache_read_put(struct cache_read *r)
{
	if (__atomic_sub_fetch(&r->refs, 1, __ATOMIC_ACQ_REL))
		return;
	hashcache_free(r->cache);
	free(r);
}

static void *read_cache(void *arg)
{
	struct cache_read *r = arg;

	r->err = hashcache_load_unindexed(hash_cache_path(), &r->cache);
	cache_read_put(r);
	return NULL;
}

struct cache_read *content_read_cache_start(void)
{
	struct cache_read *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->refs = 2;
	if (pthread_create(&r->thread, NULL, read_cache, r)) {
		free(r);
		r = NULL;
	}
	return r;
}

/* The cache the thread read (or, without a thread, read now). */
static int read_cache_end(struct cache_read *r, struct hashcache **cache)
{
	int err;

	if (!r)
		return hashcache_load_unindexed(hash_cache_path(), cache);
	pthread_join(r->thread, NULL);
	*cache = r->cache;
	err = r->err;
	free(r);
	return err;
}

void content_read_cache_drop(struct cache_read *r)
{
	if (!r)
		return;
	pthread_detach(r->thread);
	cache_read_put(r);
}

int content_from_cache(struct compiled_policy *c, struct cache_read *r)
{
	struct from_cache fc = { .c = c };
	struct hashcache *cache = NULL;
	int err;

	if (!c->n_digests) {
		content_read_cache_drop(r);
		return 0;
	}
	err = read_cache_end(r, &cache);
	if (err)
		return err;
	err = hashcache_foreach_digest(cache, add_cached, &fc);
	hashcache_free(cache);
	return err ? err : fc.added;
}

int content_scan(struct content **out, const volatile int *stop, const struct content_found *found)
{
	const char *cache_path = hash_cache_path();
	struct scan_opts o = { .on_entry = on_entry, .stop = stop };
	struct scan_ctx sc = { .found = found };
	struct scan_result r = { 0 };
	struct scan_printer pr;
	struct hashcache *cache = NULL;
	struct content *ct;
	char **roots;
	int n_roots = 0, err;

	ct = calloc(1, sizeof(*ct));
	if (!ct)
		return -ENOMEM;
	roots = env_roots(&n_roots);
	if (!roots && (err = scan_default_roots(&roots, &n_roots))) {
		free(ct);
		return err;
	}
	err = hashcache_load(cache_path, &cache);
	if (err)
		cache = hashcache_new(cache_path);
	scan_printer_init(&pr, stderr);
	o.roots = (const char *const *)roots;
	o.n_roots = n_roots;
	o.cache = cache;
	sc.ct = ct;
	o.entry_ctx = &sc;
	o.progress = scan_print_progress;
	o.progress_ctx = &pr;
	err = scan_run(&o, &r); /* its last progress prints the summary line */
	/* Stopped, the cache keeps what was hashed so far (each entry is
	 * bound to its file's version): the next walk starts from there. */
	if ((!err || err == -EINTR) && cache) {
		int serr = hashcache_save(cache);

		if (serr)
			pr_warn("cannot save the digest cache %s: %s\n", cache_path,
				strerror(-serr));
	}
	scan_result_free(&r);
	hashcache_free(cache);
	scan_roots_free(roots, n_roots);
	if (err) {
		content_free(ct);
		return err;
	}
	*out = ct;
	return 0;
}

void content_forget(struct content *ct, __u32 dev, __u64 ino)
{
	size_t i, j, home;
	struct known *k = (struct known *)find(ct, dev, ino);

	if (!k)
		return;
	i = (size_t)(k - ct->t);
	free(k->path);
	memset(k, 0, sizeof(*k));
	ct->n--;
	/* Linear probing: move back the entries after the hole that would
	 * otherwise no longer be found from their home slot. */
	for (j = (i + 1) & (ct->cap - 1); ct->t[j].used; j = (j + 1) & (ct->cap - 1)) {
		home = slot_of(ct, ct->t[j].k.dev, ct->t[j].k.ino);
		/* j's home lies cyclically in (i, j]: it stays */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		ct->t[i] = ct->t[j];
		memset(&ct->t[j], 0, sizeof(ct->t[j]));
		i = j;
	}
}

void content_free(struct content *ct)
{
	size_t i;

	if (!ct)
		return;
	for (i = 0; i < ct->cap; i++)
		free(ct->t[i].path);
	free(ct->t);
	free(ct);
}
