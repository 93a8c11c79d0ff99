// SPDX-License-Identifier: GPL-2.0
/* The content scan (scan.h): one thread lists directories with *at() calls
 * relative to open directories (no path is resolved twice, no link followed),
 * worker threads hash with libcrypto; the cache answers for unchanged files. */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <limits.h>
#include <linux/magic.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "scan.h"

#define HASH_BUF_SIZE (256 * 1024) /* per thread: large reads, still in L2 */
#define MAGIC_READ 4096 /* first read of a file without an x bit */
#define QUEUE_SIZE 64 /* open files waiting for a thread */
#define MAX_THREADS 16
#define PROGRESS_NS 100000000ULL /* at most 10 updates a second */

/* A set of (device, inode): directories listed, files with several names. */
struct idset {
	struct {
		__u64 dev1; /* st_dev + 1: 0 marks a free slot */
		__u64 ino;
	} * s;
	size_t n, cap; /* cap a power of two */
};

/* 1 if present, 0 if added now, -ENOMEM. */
static int idset_add(struct idset *set, __u64 dev, __u64 ino)
{
	size_t i, mask;
	__u64 h;

	if ((set->n + 1) * 2 > set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 256, j;
		struct idset nw = { calloc(cap, sizeof(*set->s)), 0, cap };

		if (!nw.s)
			return -ENOMEM;
		for (j = 0; j < set->cap; j++)
			if (set->s[j].dev1)
				idset_add(&nw, set->s[j].dev1 - 1, set->s[j].ino);
		free(set->s);
		*set = nw;
	}
	mask = set->cap - 1;
	h = (ino ^ dev << 32 ^ dev) * 0x9e3779b97f4a7c15ULL;
	for (i = (size_t)(h >> 20) & mask;; i = (i + 1) & mask) {
		if (!set->s[i].dev1) {
			set->s[i].dev1 = dev + 1;
			set->s[i].ino = ino;
			set->n++;
			return 0;
		}
		if (set->s[i].dev1 == dev + 1 && set->s[i].ino == ino)
			return 1;
	}
}

struct job {
	int fd;
	int xbit;
	char *path;
	struct stat st;
};

struct frame {
	DIR *d;
	size_t plen; /* length of the directory's path in scanner.path */
	dev_t dev;
};

struct scanner {
	const struct scan_opts *o;
	struct scan_result *r;
	const EVP_MD *md;
	pthread_mutex_t lock; /* everything below but path and frames */
	pthread_cond_t not_empty, not_full, idle;
	struct job q[QUEUE_SIZE];
	unsigned int head, n;
	int active; /* jobs being hashed */
	int quit;
	int err;
	int walk_done;
	__u64 bytes_live; /* atomic */
	struct idset dirs, files;
	size_t cap_entries, cap_issues;
	struct timespec t0;
	__s64 racy_sec; /* a change time from then on may hide a later write */
	__u64 last_progress;
	/* walker thread only */
	char *path;
	size_t path_cap;
	struct frame stack[SCAN_MAX_DEPTH + 1];
	int depth;
};

static const char *const issue_names[SCAN_I__COUNT] = {
	[SCAN_I_DIR_UNREADABLE] = "unreadable directories",
	[SCAN_I_UNREADABLE] = "unreadable files",
	[SCAN_I_VANISHED] = "vanished",
	[SCAN_I_CHANGED] = "changed while read",
	[SCAN_I_TOO_DEEP] = "too deep",
	[SCAN_I_ROOT_MISSING] = "missing roots",
	[SCAN_I_PSEUDO_FS] = "kernel file systems",
	[SCAN_I_SEEN_DIR] = "directories seen twice",
	[SCAN_I_SYMLINK] = "symbolic links",
	[SCAN_I_SPECIAL] = "devices, fifos, sockets",
};

const char *scan_issue_str(enum scan_issue_kind k)
{
	return (unsigned int)k < SCAN_I__COUNT ? issue_names[k] : "?";
}

/* ---- hex digests ---- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int sha256_from_hex(const char *s, size_t len, __u8 sha256[SCAN_SHA256_LEN], size_t *bad_pos)
{
	__u8 d[SCAN_SHA256_LEN];
	size_t i;

	for (i = 0; i < len && i < 64; i++) {
		int v = hexval(s[i]);

		if (v < 0)
			goto bad;
		if (i & 1)
			d[i / 2] = (__u8)(d[i / 2] << 4 | v);
		else
			d[i / 2] = (__u8)v;
	}
	if (len != 64)
		goto bad; /* i is len (too short) or 64 (too long) */
	memcpy(sha256, d, sizeof(d));
	return 0;
bad:
	if (bad_pos)
		*bad_pos = i;
	return -EINVAL;
}

void sha256_to_hex(const __u8 sha256[SCAN_SHA256_LEN], char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 0; i < SCAN_SHA256_LEN; i++) {
		hex[2 * i] = digits[sha256[i] >> 4];
		hex[2 * i + 1] = digits[sha256[i] & 15];
	}
	hex[64] = '\0';
}

/* ---- hashing ---- */

struct hasher {
	EVP_MD_CTX *ctx;
	const EVP_MD *md;
	unsigned char *buf;
};

static int hasher_init(struct hasher *h, const EVP_MD *md)
{
	h->md = md;
	h->ctx = EVP_MD_CTX_new();
	h->buf = malloc(HASH_BUF_SIZE);
	if (!h->ctx || !h->buf) {
		EVP_MD_CTX_free(h->ctx);
		free(h->buf);
		return -ENOMEM;
	}
	return 0;
}

static void hasher_fini(struct hasher *h)
{
	EVP_MD_CTX_free(h->ctx);
	free(h->buf);
}

static int same_version(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static int has_magic(const unsigned char *b, ssize_t n)
{
	return (n >= 4 && !memcmp(b, "\177ELF", 4)) || (n >= 2 && b[0] == '#' && b[1] == '!');
}

/*
 * Hash fd (fstat'ed as *st) from offset 0. pread, never mmap: a file
 * truncated while mapped would kill us with SIGBUS. 0 with the digest and
 * *nread; 1 when need_magic and the content has no executable magic;
 * -EAGAIN when the file is not the one stat'ed any more (size, change time).
 */
static int hash_content(struct hasher *h, int fd, const struct stat *st, int need_magic,
			__u8 out[SCAN_SHA256_LEN], __u64 *live, __u64 *nread)
{
	struct stat after;
	off_t off = 0;

	if (!EVP_DigestInit_ex(h->ctx, h->md, NULL))
		return -ENOMEM;
	if (st->st_size > HASH_BUF_SIZE)
		posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	for (;;) {
		size_t want = need_magic && !off ? MAGIC_READ : HASH_BUF_SIZE;
		ssize_t n = pread(fd, h->buf, want, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			break;
		if (need_magic && !off && !has_magic(h->buf, n))
			return 1;
		off += n;
		/* A file that keeps growing is not read forever. */
		if (off > st->st_size)
			return -EAGAIN;
		if (!EVP_DigestUpdate(h->ctx, h->buf, (size_t)n))
			return -ENOMEM;
		if (live)
			__atomic_add_fetch(live, (__u64)n, __ATOMIC_RELAXED);
	}
	if (need_magic && !off)
		return 1; /* empty */
	if (fstat(fd, &after))
		return -errno;
	if (off != st->st_size || !same_version(st, &after))
		return -EAGAIN;
	if (!EVP_DigestFinal_ex(h->ctx, out, NULL))
		return -ENOMEM;
	*nread = (__u64)off;
	return 0;
}

int scan_hash_fd(int fd, __u8 sha256[SCAN_SHA256_LEN], struct stat *st)
{
	struct hasher h;
	struct stat s;
	__u64 n;
	int err;

	if (fstat(fd, &s))
		return -errno;
	if (!S_ISREG(s.st_mode))
		return -EINVAL;
	err = hasher_init(&h, EVP_sha256());
	if (err)
		return err;
	err = hash_content(&h, fd, &s, 0, sha256, NULL, &n);
	hasher_fini(&h);
	if (!err && st)
		*st = s;
	return err;
}

/* ---- results, under s->lock ---- */

static __u64 now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (__u64)t.tv_sec * 1000000000ULL + (__u64)t.tv_nsec;
}

static void fail(struct scanner *s, int err)
{
	if (!s->err)
		s->err = err;
}

static void issue(struct scanner *s, enum scan_issue_kind k, int err, const char *path)
{
	struct scan_result *r = s->r;

	r->st.issues[k]++;
	if (k > SCAN_I_TOO_DEEP || r->n_issues >= SCAN_MAX_ISSUES)
		return;
	if (r->n_issues == s->cap_issues) {
		size_t cap = s->cap_issues ? s->cap_issues * 2 : 16;
		struct scan_issue *n = realloc(r->issues, cap * sizeof(*n));

		if (!n)
			return fail(s, -ENOMEM);
		r->issues = n;
		s->cap_issues = cap;
	}
	r->issues[r->n_issues].kind = k;
	r->issues[r->n_issues].err = err;
	r->issues[r->n_issues].path = strdup(path);
	if (!r->issues[r->n_issues].path)
		return fail(s, -ENOMEM);
	r->n_issues++;
}

static void cache_key(const struct stat *st, struct hashcache_key *k)
{
	/* The kernel's encoding, as compile.c's kernel_dev(). */
	k->dev = (__u32)(major(st->st_dev) << 20 | minor(st->st_dev));
	k->ino = st->st_ino;
	k->size = (__u64)st->st_size;
	k->ctime_sec = st->st_ctim.tv_sec;
	k->ctime_nsec = (__u32)st->st_ctim.tv_nsec;
}

static void entry(struct scanner *s, const struct hashcache_key *k, const __u8 *sha, int from_cache,
		  const char *path)
{
	struct scan_result *r = s->r;
	struct scan_entry e = { .dev = k->dev,
				.from_cache = (__u32)from_cache,
				.ino = k->ino,
				.size = k->size,
				.path = (char *)path };

	memcpy(e.sha256, sha, SCAN_SHA256_LEN);
	if (s->o->on_entry)
		s->o->on_entry(&e, s->o->entry_ctx);
	if (!s->o->collect)
		return;
	if (r->n_entries == s->cap_entries) {
		size_t cap = s->cap_entries ? s->cap_entries * 2 : 256;
		struct scan_entry *n = realloc(r->entries, cap * sizeof(*n));

		if (!n)
			return fail(s, -ENOMEM);
		r->entries = n;
		s->cap_entries = cap;
	}
	e.path = strdup(path);
	if (!e.path)
		return fail(s, -ENOMEM);
	r->entries[r->n_entries++] = e;
}

/* ---- workers ---- */

static void finish_job(struct scanner *s, struct job *j, int rc, const __u8 *sha, __u64 nread)
{
	struct hashcache_key k;
	/*
	 * Change times come from a coarse clock (a tick): a write in the same
	 * tick as the one we hashed leaves ctime and maybe size as they were.
	 * Only a file unchanged since before the scan started is cached (the
	 * "racy git" rule); a fresh one is hashed again next time.
	 */
	int cacheable;

	cache_key(&j->st, &k);
	cacheable = s->o->cache && k.ctime_sec < s->racy_sec;
	if (rc == 0) {
		s->r->st.hashed++;
		s->r->st.bytes_hashed += nread;
		if (!j->xbit)
			s->r->st.bytes_found += nread;
		if (cacheable && hashcache_insert(s->o->cache, &k, sha, HC_F_DIGEST))
			fail(s, -ENOMEM);
		entry(s, &k, sha, 0, j->path);
	} else if (rc == 1) {
		s->r->st.not_exec++;
		if (cacheable && hashcache_insert(s->o->cache, &k, NULL, HC_F_NOT_EXEC))
			fail(s, -ENOMEM);
	} else if (rc == -EAGAIN) {
		issue(s, SCAN_I_CHANGED, 0, j->path);
	} else if (rc != -EINTR) {
		issue(s, SCAN_I_UNREADABLE, -rc, j->path);
	}
}

static void *worker(void *arg)
{
	struct scanner *s = arg;
	__u8 sha[SCAN_SHA256_LEN];
	struct hasher h;
	struct job j;
	int have = !hasher_init(&h, s->md);

	pthread_mutex_lock(&s->lock);
	if (!have)
		fail(s, -ENOMEM);
	for (;;) {
		__u64 nread = 0;
		int rc = -EINTR, tries;

		while (!s->n && !s->quit)
			pthread_cond_wait(&s->not_empty, &s->lock);
		if (!s->n)
			break;
		j = s->q[s->head];
		s->head = (s->head + 1) % QUEUE_SIZE;
		s->n--;
		s->active++;
		pthread_cond_signal(&s->not_full);
		pthread_mutex_unlock(&s->lock);

		/* A file rewritten while read gets one more try. */
		for (tries = 0; have && tries < 2 && !(s->o->stop && *s->o->stop); tries++) {
			if (tries && (fstat(j.fd, &j.st) || !S_ISREG(j.st.st_mode)))
				break;
			rc = hash_content(&h, j.fd, &j.st, !j.xbit, sha, &s->bytes_live, &nread);
			if (rc != -EAGAIN)
				break;
		}
		close(j.fd);

		pthread_mutex_lock(&s->lock);
		finish_job(s, &j, rc, sha, nread);
		free(j.path);
		s->active--;
		if (!s->n && !s->active)
			pthread_cond_signal(&s->idle);
	}
	pthread_mutex_unlock(&s->lock);
	if (have)
		hasher_fini(&h);
	return NULL;
}

/* ---- walker ---- */

static void progress(struct scanner *s, int force, int done)
{
	struct scan_progress p;
	__u64 t = now_ns();

	if (!s->o->progress || (!force && t - s->last_progress < PROGRESS_NS))
		return;
	s->last_progress = t;
	pthread_mutex_lock(&s->lock);
	p.st = s->r->st;
	p.walk_done = s->walk_done;
	pthread_mutex_unlock(&s->lock);
	p.st.nsec = t - ((__u64)s->t0.tv_sec * 1000000000ULL + (__u64)s->t0.tv_nsec);
	p.bytes_live = __atomic_load_n(&s->bytes_live, __ATOMIC_RELAXED);
	p.done = done;
	s->o->progress(&p, s->o->progress_ctx);
}

/* Wait (lock held) on cond for at most a progress period, showing progress. */
static void wait_showing(struct scanner *s, pthread_cond_t *cond)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_nsec += (long)PROGRESS_NS;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	if (pthread_cond_timedwait(cond, &s->lock, &t) == ETIMEDOUT) {
		pthread_mutex_unlock(&s->lock);
		progress(s, 0, 0);
		pthread_mutex_lock(&s->lock);
	}
}

static int stopped(const struct scanner *s)
{
	return (s->o->stop && *s->o->stop) || s->err;
}

/* s->path = the directory's path + "/" + name. */
static int set_path(struct scanner *s, size_t plen, const char *name)
{
	size_t nlen = strlen(name), need = plen + 1 + nlen + 1;

	if (need > s->path_cap) {
		char *p = realloc(s->path, need * 2);

		if (!p)
			return -ENOMEM;
		s->path = p;
		s->path_cap = need * 2;
	}
	if (!plen || s->path[plen - 1] != '/')
		s->path[plen++] = '/';
	memcpy(s->path + plen, name, nlen + 1);
	return 0;
}

/* Kernel file systems hold no executables and some are endless or have
 * side effects when read. */
static int pseudo_fs(int fd)
{
	struct statfs sf;

	if (fstatfs(fd, &sf))
		return 0;
	switch ((unsigned long)sf.f_type) {
	case PROC_SUPER_MAGIC:
	case SYSFS_MAGIC:
	case DEVPTS_SUPER_MAGIC:
	case DEBUGFS_MAGIC:
	case TRACEFS_MAGIC:
	case SECURITYFS_MAGIC:
	case BPF_FS_MAGIC:
	case CGROUP_SUPER_MAGIC:
	case CGROUP2_SUPER_MAGIC:
	case PSTOREFS_MAGIC:
	case EFIVARFS_MAGIC:
	case SELINUX_MAGIC:
	case NSFS_MAGIC:
	case BINFMTFS_MAGIC:
	case 0x62656570: /* configfs */
	case 0x65735543: /* fusectl */
	case 0x19800202: /* mqueue */
		return 1;
	}
	return 0;
}

static int excluded_path(const char *p)
{
	return !strcmp(p, "/proc") || !strcmp(p, "/sys") || !strcmp(p, "/dev");
}

/* Enter the directory open as fd (s->path): 0, or closes fd. */
static void push_dir(struct scanner *s, int fd, const struct stat *st, dev_t parent_dev)
{
	struct frame *f;
	DIR *d;
	int seen;

	if ((st->st_dev != parent_dev && pseudo_fs(fd)) || excluded_path(s->path)) {
		close(fd);
		pthread_mutex_lock(&s->lock);
		issue(s, SCAN_I_PSEUDO_FS, 0, s->path);
		pthread_mutex_unlock(&s->lock);
		return;
	}
	seen = idset_add(&s->dirs, st->st_dev, st->st_ino);
	if (seen) {
		close(fd);
		pthread_mutex_lock(&s->lock);
		if (seen < 0)
			fail(s, seen);
		else
			issue(s, SCAN_I_SEEN_DIR, 0, s->path);
		pthread_mutex_unlock(&s->lock);
		return;
	}
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		pthread_mutex_lock(&s->lock);
		fail(s, -ENOMEM);
		pthread_mutex_unlock(&s->lock);
		return;
	}
	f = &s->stack[s->depth++];
	f->d = d;
	f->plen = strlen(s->path);
	f->dev = st->st_dev;
	pthread_mutex_lock(&s->lock);
	s->r->st.dirs++;
	pthread_mutex_unlock(&s->lock);
}

static void open_fail(struct scanner *s, int err, enum scan_issue_kind other)
{
	enum scan_issue_kind k = other;

	if (err == ENOENT)
		k = SCAN_I_VANISHED;
	else if (err == ELOOP || err == ENOTDIR)
		k = SCAN_I_CHANGED; /* replaced by a link or a file since listed */
	pthread_mutex_lock(&s->lock);
	issue(s, k, err, s->path);
	pthread_mutex_unlock(&s->lock);
}

static void visit_dir(struct scanner *s, struct frame *f, const char *name, const struct stat *st)
{
	struct stat st2;
	int fd;

	if (s->depth > SCAN_MAX_DEPTH) {
		pthread_mutex_lock(&s->lock);
		issue(s, SCAN_I_TOO_DEEP, 0, s->path);
		pthread_mutex_unlock(&s->lock);
		return;
	}
	fd = openat(dirfd(f->d), name,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return open_fail(s, errno, SCAN_I_DIR_UNREADABLE);
	if (fstat(fd, &st2) || st2.st_dev != st->st_dev || st2.st_ino != st->st_ino) {
		close(fd);
		return open_fail(s, ELOOP, SCAN_I_CHANGED);
	}
	push_dir(s, fd, &st2, f->dev);
}

static void visit_file(struct scanner *s, struct frame *f, const char *name, const struct stat *st)
{
	int xbit = !!(st->st_mode & 0111), fd, hit, seen = 0;
	struct hashcache_key k;
	__u8 sha[SCAN_SHA256_LEN];
	__u32 flags = 0;
	struct job *j;
	struct stat st2;

	if (st->st_nlink > 1)
		seen = idset_add(&s->files, st->st_dev, st->st_ino);
	pthread_mutex_lock(&s->lock);
	s->r->st.files++;
	if (seen) {
		if (seen > 0)
			s->r->st.links++;
		else
			fail(s, seen);
		goto unlock;
	}
	if (!xbit && s->o->rule == SCAN_XBIT_ONLY) {
		s->r->st.not_exec++;
		goto unlock;
	}
	cache_key(st, &k);
	hit = s->o->cache && hashcache_lookup(s->o->cache, &k, sha, &flags);
	if (hit && flags == HC_F_DIGEST) {
		s->r->st.cached++;
		s->r->st.bytes_cached += k.size;
		s->r->st.bytes_found += k.size;
		entry(s, &k, sha, 1, s->path);
		goto unlock;
	}
	/* A "not executable" answer holds only while no x bit is set. */
	if (hit && !xbit) {
		s->r->st.not_exec++;
		goto unlock;
	}
	pthread_mutex_unlock(&s->lock);

	/* O_NONBLOCK: a fifo put here since the listing must not block us. */
	fd = openat(dirfd(f->d), name,
		    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | O_NOATIME);
	if (fd < 0 && errno == EPERM) /* O_NOATIME: only for the owner or CAP_FOWNER */
		fd = openat(dirfd(f->d), name,
			    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return open_fail(s, errno, SCAN_I_UNREADABLE);
	if (fstat(fd, &st2) || !S_ISREG(st2.st_mode) || st2.st_dev != st->st_dev ||
	    st2.st_ino != st->st_ino) {
		close(fd);
		return open_fail(s, ELOOP, SCAN_I_CHANGED);
	}

	pthread_mutex_lock(&s->lock);
	while (s->n == QUEUE_SIZE && !stopped(s))
		wait_showing(s, &s->not_full);
	if (stopped(s)) {
		close(fd);
		goto unlock;
	}
	j = &s->q[(s->head + s->n) % QUEUE_SIZE];
	j->path = strdup(s->path);
	if (!j->path) {
		close(fd);
		fail(s, -ENOMEM);
		goto unlock;
	}
	j->fd = fd;
	j->xbit = !!(st2.st_mode & 0111);
	j->st = st2;
	if (j->xbit)
		s->r->st.bytes_found += (__u64)st2.st_size;
	s->n++;
	pthread_cond_signal(&s->not_empty);
unlock:
	pthread_mutex_unlock(&s->lock);
}

static void visit(struct scanner *s, struct frame *f, const char *name)
{
	enum scan_issue_kind k;
	struct stat st;

	if (fstatat(dirfd(f->d), name, &st, AT_SYMLINK_NOFOLLOW))
		return open_fail(s, errno, SCAN_I_UNREADABLE);
	if (S_ISREG(st.st_mode))
		return visit_file(s, f, name, &st);
	if (S_ISDIR(st.st_mode))
		return visit_dir(s, f, name, &st);
	k = S_ISLNK(st.st_mode) ? SCAN_I_SYMLINK : SCAN_I_SPECIAL;
	pthread_mutex_lock(&s->lock);
	issue(s, k, 0, s->path);
	pthread_mutex_unlock(&s->lock);
}

static void walk(struct scanner *s, const char *root)
{
	struct dirent *de;
	struct stat st;
	int fd;

	if (strlen(root) + 1 > s->path_cap) {
		char *p = realloc(s->path, strlen(root) + 256);

		if (!p) {
			pthread_mutex_lock(&s->lock);
			fail(s, -ENOMEM);
			pthread_mutex_unlock(&s->lock);
			return;
		}
		s->path = p;
		s->path_cap = strlen(root) + 256;
	}
	strcpy(s->path, root);
	/* The root itself may be a link (/bin -> usr/bin): the admin named it. */
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		pthread_mutex_lock(&s->lock);
		issue(s, errno == ENOENT ? SCAN_I_ROOT_MISSING : SCAN_I_DIR_UNREADABLE, errno,
		      root);
		pthread_mutex_unlock(&s->lock);
		return;
	}
	if (fstat(fd, &st)) {
		close(fd);
		open_fail(s, errno, SCAN_I_DIR_UNREADABLE);
		return;
	}
	/* A parent device that differs: the root's file system is checked. */
	push_dir(s, fd, &st, st.st_dev + 1);

	while (s->depth && !stopped(s)) {
		struct frame *f = &s->stack[s->depth - 1];

		errno = 0;
		de = readdir(f->d);
		if (!de) {
			s->path[f->plen] = '\0';
			if (errno)
				open_fail(s, errno, SCAN_I_DIR_UNREADABLE);
			closedir(f->d);
			s->depth--;
			continue;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (set_path(s, f->plen, de->d_name)) {
			pthread_mutex_lock(&s->lock);
			fail(s, -ENOMEM);
			pthread_mutex_unlock(&s->lock);
			break;
		}
		visit(s, f, de->d_name);
		progress(s, 0, 0);
	}
	while (s->depth)
		closedir(s->stack[--s->depth].d);
}

int scan_run(const struct scan_opts *o, struct scan_result *r)
{
	struct scanner *s;
	pthread_condattr_t ca;
	pthread_t tid[MAX_THREADS];
	char **def = NULL;
	const char *const *roots = o->roots;
	int n_roots = o->n_roots, nt = o->threads, started = 0, i, err;

	memset(r, 0, sizeof(*r));
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->o = o;
	s->r = r;
	clock_gettime(CLOCK_MONOTONIC, &s->t0);
	s->racy_sec = (__s64)time(NULL) - SCAN_RACY_SEC;
	s->md = EVP_sha256();
	if (!roots) {
		err = scan_default_roots(&def, &n_roots);
		if (err)
			goto out_free;
		roots = (const char *const *)def;
	}
	if (nt <= 0)
		nt = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (nt <= 0)
		nt = 1;
	if (nt > MAX_THREADS)
		nt = MAX_THREADS;

	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->not_empty, &ca);
	pthread_cond_init(&s->not_full, &ca);
	pthread_cond_init(&s->idle, &ca);
	pthread_condattr_destroy(&ca);

	for (i = 0; i < nt; i++) {
		err = pthread_create(&tid[i], NULL, worker, s);
		if (err) {
			fail(s, -err);
			break;
		}
		started++;
	}
	for (i = 0; started && i < n_roots && !stopped(s); i++)
		walk(s, roots[i]);

	pthread_mutex_lock(&s->lock);
	s->walk_done = 1;
	while (s->n || s->active)
		wait_showing(s, &s->idle);
	s->quit = 1;
	pthread_cond_broadcast(&s->not_empty);
	pthread_mutex_unlock(&s->lock);
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);

	err = s->err;
	if (!err && o->stop && *o->stop)
		err = -EINTR;
	if (!err && o->cache)
		hashcache_prune_unseen(o->cache);
	progress(s, 1, 1);
	r->st.nsec = now_ns() - ((__u64)s->t0.tv_sec * 1000000000ULL + (__u64)s->t0.tv_nsec);

	pthread_cond_destroy(&s->not_empty);
	pthread_cond_destroy(&s->not_full);
	pthread_cond_destroy(&s->idle);
	pthread_mutex_destroy(&s->lock);
out_free:
	scan_roots_free(def, def ? n_roots : 0);
	free(s->dirs.s);
	free(s->files.s);
	free(s->path);
	free(s);
	return err;
}

void scan_result_free(struct scan_result *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n_entries; i++)
		free(r->entries[i].path);
	for (i = 0; i < r->n_issues; i++)
		free(r->issues[i].path);
	free(r->entries);
	free(r->issues);
	memset(r, 0, sizeof(*r));
}

/* ---- default roots ---- */

static const char *const fixed_roots[] = {
	"/opt",
	"/usr",
	"/home",
	"/tmp",
	"/var/tmp",
	"/dev/shm",
	"/var/lib/flatpak",
	"/var/lib/snapd/snap",
	"/snap",
};

/* p equal to or below dir. */
static int below(const char *p, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(p, dir, n) && (p[n] == '\0' || p[n] == '/' || (n == 1 && dir[0] == '/'));
}

int scan_default_roots(char ***out, int *n_out)
{
	const char *path = getenv("PATH");
	char *copy, *tok, *save, **l = NULL, **real = NULL;
	size_t nfixed = sizeof(fixed_roots) / sizeof(fixed_roots[0]), cap, n = 0, i, j, k;
	int err = -ENOMEM;

	copy = strdup(path && *path ?
			      path :
			      "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	if (!copy)
		return -ENOMEM;
	cap = nfixed + 1;
	for (i = 0; copy[i]; i++)
		cap += copy[i] == ':';
	l = calloc(cap, sizeof(*l));
	real = calloc(cap, sizeof(*real));
	if (!l || !real)
		goto out;
	for (tok = strtok_r(copy, ":", &save); tok; tok = strtok_r(NULL, ":", &save))
		if (tok[0] == '/' && !(l[n++] = strdup(tok)))
			goto out;
	for (i = 0; i < nfixed; i++)
		if (!(l[n++] = strdup(fixed_roots[i])))
			goto out;
	/* Compare where they lead: /bin is usr/bin on a merged /usr. */
	for (i = 0; i < n; i++) {
		real[i] = realpath(l[i], NULL);
		if (!real[i] && !(real[i] = strdup(l[i])))
			goto out;
	}
	/* Keep a root unless another one holds it (the first of equal ones). */
	for (i = 0, k = 0; i < n; i++) {
		int drop = 0;

		for (j = 0; j < n && !drop; j++)
			if (j != i && below(real[i], real[j]) &&
			    (strcmp(real[i], real[j]) || j < i))
				drop = 1;
		if (drop)
			free(l[i]);
		else
			l[k++] = l[i];
	}
	*out = l;
	*n_out = (int)k;
	l = NULL;
	n = 0;
	err = 0;
out:
	for (i = 0; l && i < n; i++)
		free(l[i]);
	for (i = 0; real && i < cap; i++)
		free(real[i]);
	free(real);
	free(l);
	free(copy);
	return err;
}

void scan_roots_free(char **roots, int n)
{
	int i;

	for (i = 0; roots && i < n; i++)
		free(roots[i]);
	free(roots);
}

/* ---- presentation ---- */

void scan_printer_init(struct scan_printer *p, FILE *out)
{
	p->out = out ? out : stderr;
	p->tty = isatty(fileno(p->out));
	p->drawn = 0;
}

static double mb_per_s(__u64 bytes, __u64 ns)
{
	return ns ? (double)bytes / 1e6 / ((double)ns / 1e9) : 0.0;
}

void scan_format_summary(const struct scan_stats *st, char *buf, size_t size)
{
	size_t len;
	int i, first = 1;

	len = (size_t)snprintf(
		buf, size,
		"scan: %llu executables (%llu hashed, %llu from cache), %llu other files, %.1f MB hashed in %.2f s (%.0f MB/s)",
		(unsigned long long)(st->hashed + st->cached), (unsigned long long)st->hashed,
		(unsigned long long)st->cached, (unsigned long long)(st->not_exec + st->links),
		(double)st->bytes_hashed / 1e6, (double)st->nsec / 1e9,
		mb_per_s(st->bytes_hashed, st->nsec));
	for (i = 0; i < SCAN_I__COUNT && len < size; i++) {
		if (!st->issues[i])
			continue;
		len += (size_t)snprintf(buf + len, size - len, "%s %llu %s",
					first ? "; skipped:" : ",",
					(unsigned long long)st->issues[i], issue_names[i]);
		first = 0;
	}
}

void scan_print_progress(const struct scan_progress *pg, void *printer)
{
	struct scan_printer *p = printer;
	const struct scan_stats *st = &pg->st;
	char line[512], bar[21];
	struct winsize ws;
	unsigned int width = 80;
	__u64 done, total;
	int i, fill;

	if (pg->done) {
		if (p->drawn)
			fprintf(p->out, "\r\033[K");
		p->drawn = 0;
		scan_format_summary(st, line, sizeof(line));
		fprintf(p->out, "appban: %s\n", line);
		fflush(p->out);
		return;
	}
	if (!p->tty)
		return;
	if (!ioctl(fileno(p->out), TIOCGWINSZ, &ws) && ws.ws_col > 20)
		width = ws.ws_col;
	done = pg->bytes_live + st->bytes_cached;
	total = st->bytes_found > done ? st->bytes_found : done;
	fill = total ? (int)(done * 20 / total) : 0;
	for (i = 0; i < 20; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[20] = '\0';
	snprintf(line, sizeof(line), "scan [%s] %llu files, %.0f/%.0f%s MB, %.0f MB/s", bar,
		 (unsigned long long)(st->hashed + st->cached), (double)done / 1e6,
		 (double)total / 1e6, pg->walk_done ? "" : "+", mb_per_s(pg->bytes_live, st->nsec));
	if (strlen(line) >= width)
		line[width - 1] = '\0';
	fprintf(p->out, "\r%s\033[K", line);
	fflush(p->out);
	p->drawn = 1;
}
