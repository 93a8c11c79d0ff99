// SPDX-License-Identifier: GPL-2.0
/* The content scan (scan.h): threads list directories with *at() calls
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

#include "content/scan.h"
#include "util/clock.h"
#include "util/crypto_api.h"

#define HASH_BUF_SIZE (256 * 1024) /* per thread: large reads, still in L2 */
#define MAGIC_READ 4096 /* first read of a file without an x bit */
#define QUEUE_SIZE 64 /* open files waiting for a thread */
#define DENTS_BUF_SIZE (64 * 1024) /* getdents64 buffer of a walking thread */
#define MAX_THREADS 16
/* Walking threads per hashing thread. On a cold cache (after a boot) a
 * walker mostly waits for inode and directory blocks: with 4 per CPU, the
 * second load of /usr here went from 1.46 s to 0.79 s; warm, no change. */
#define WALKERS_PER_THREAD 4
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

/*
 * A directory. A child is created while its parent is listed and queued with
 * a reference to the parent, whose fd stays open until every queued child
 * has been opened with openat(parent fd, name, O_NOFOLLOW): no path is
 * resolved twice and no link is followed, whichever thread opens it.
 */
struct dnode {
	struct dnode *parent; /* until opened; NULL for a root */
	int fd; /* -1 until opened */
	int refs; /* under s->lock: its own listing + children not yet opened */
	int depth; /* 0 for a root */
	dev_t dev; /* its device once opened; its parent's before */
	size_t plen; /* strlen(path) */
	size_t name_off; /* its name in path */
	char path[];
};

/* A digest or "not executable" found by this scan, put into the cache once
 * the walk is over: during the walk the cache is only read, without a lock. */
struct pending {
	struct hashcache_key k;
	__u32 flags;
	__u8 sha256[SCAN_SHA256_LEN];
};

struct scanner {
	const struct scan_opts *o;
	struct scan_result *r;
	const EVP_MD *md;
	pthread_mutex_t lock; /* everything below */
	pthread_cond_t not_empty, not_full, idle, work;
	struct job q[QUEUE_SIZE];
	unsigned int head, n;
	int active; /* jobs being hashed */
	int quit;
	int err; /* read without the lock by stopped() */
	int walk_done;
	__u64 bytes_live; /* atomic */
	struct idset dirs, files;
	size_t cap_entries, cap_issues;
	struct pending *pend;
	size_t n_pend, cap_pend;
	struct dnode **dq; /* directories to list, a stack: depth first */
	size_t dq_n, dq_cap;
	int busy; /* walking threads listing a directory */
	struct timespec t0;
	__s64 racy_sec; /* a change time from then on may hide a later write */
	__u64 last_progress;
};

/* A walking thread's own state: no lock, no allocation per file. */
struct walker {
	struct scanner *s;
	int main; /* the calling thread: shows progress */
	char *buf; /* getdents64 */
	char *path; /* the path of the entry at hand, built when needed */
	size_t path_cap;
	struct dnode **kids; /* children found in this chunk, queued together */
	size_t n_kids, cap_kids;
	struct scan_stats st; /* added to the result once per directory */
};

/* ---- hashing ---- */

struct hasher {
	EVP_MD_CTX *ctx;
	const EVP_MD *md;
	unsigned char *buf;
};

static int hasher_init(struct hasher *h, const EVP_MD *md)
{
	h->md = md;
	h->ctx = cr.EVP_MD_CTX_new();
	h->buf = malloc(HASH_BUF_SIZE);
	if (!h->ctx || !h->buf) {
		cr.EVP_MD_CTX_free(h->ctx);
		free(h->buf);
		return -ENOMEM;
	}
	return 0;
}

static void hasher_fini(struct hasher *h)
{
	cr.EVP_MD_CTX_free(h->ctx);
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
			__u8 out[SCAN_SHA256_LEN], __u64 *live, __u64 *nread,
			const volatile int *cancel)
{
	struct stat after;
	off_t off = 0;

	if (!cr.EVP_DigestInit_ex(h->ctx, h->md, NULL))
		return -ENOMEM;
	if (st->st_size > HASH_BUF_SIZE)
		posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	for (;;) {
		size_t want = need_magic && !off ? MAGIC_READ : HASH_BUF_SIZE;
		ssize_t n = pread(fd, h->buf, want, off);

		if (cancel && *cancel)
			return -ECANCELED;
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
		if (!cr.EVP_DigestUpdate(h->ctx, h->buf, (size_t)n))
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
	if (!cr.EVP_DigestFinal_ex(h->ctx, out, NULL))
		return -ENOMEM;
	*nread = (__u64)off;
	return 0;
}

int scan_hash_fd_until(int fd, __u8 sha256[SCAN_SHA256_LEN], struct stat *st,
		       const volatile int *cancel)
{
	struct hasher h;
	struct stat s;
	__u64 n;
	int err;

	if (fstat(fd, &s))
		return -errno;
	if (!S_ISREG(s.st_mode))
		return -EINVAL;
	/* (the watch and the starts the kernel could not check come here) */
	err = crypto_api_load();
	if (err)
		return err;
	err = hasher_init(&h, cr.EVP_sha256());
	if (err)
		return err;
	err = hash_content(&h, fd, &s, 0, sha256, NULL, &n, cancel);
	hasher_fini(&h);
	if (!err && st)
		*st = s;
	return err;
}

int scan_hash_fd(int fd, __u8 sha256[SCAN_SHA256_LEN], struct stat *st)
{
	return scan_hash_fd_until(fd, sha256, st, NULL);
}

/* ---- results, under s->lock ---- */

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

static void pend(struct scanner *s, const struct hashcache_key *k, const __u8 *sha, __u32 flags)
{
	struct pending *p;

	if (s->n_pend == s->cap_pend) {
		size_t cap = s->cap_pend ? s->cap_pend * 2 : 256;

		p = realloc(s->pend, cap * sizeof(*p));
		if (!p)
			return fail(s, -ENOMEM);
		s->pend = p;
		s->cap_pend = cap;
	}
	p = &s->pend[s->n_pend++];
	p->k = *k;
	p->flags = flags;
	memset(p->sha256, 0, sizeof(p->sha256));
	if (sha)
		memcpy(p->sha256, sha, sizeof(p->sha256));
}

static void entry(struct scanner *s, const struct hashcache_key *k, const __u8 *sha, int from_cache,
		  const char *path)
{
	struct scan_result *r = s->r;
	struct scan_entry e = { .dev = k->dev,
				.from_cache = (__u32)from_cache,
				.ino = k->ino,
				.size = k->size,
				.ctime_sec = k->ctime_sec,
				.ctime_nsec = k->ctime_nsec,
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
		if (cacheable)
			pend(s, &k, sha, HC_F_DIGEST);
		entry(s, &k, sha, 0, j->path);
	} else if (rc == 1) {
		s->r->st.not_exec++;
		if (cacheable)
			pend(s, &k, NULL, HC_F_NOT_EXEC);
	} else if (rc == -EAGAIN) {
		issue(s, SCAN_I_CHANGED, 0, j->path);
	} else if (rc != -EINTR && rc != -ECANCELED) {
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
			/* (a stop ends even a file of many gigabytes at once: a
			 * planted one must not hold back a new policy) */
			rc = hash_content(&h, j.fd, &j.st, !j.xbit, sha, &s->bytes_live, &nread,
					  s->o->stop);
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
	__u64 t = mono_ns();

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

/* Only the calling thread shows progress; the others just wait. */
static void walker_wait(struct walker *w, pthread_cond_t *cond)
{
	if (w->main)
		wait_showing(w->s, cond);
	else
		pthread_cond_wait(cond, &w->s->lock);
}

static int stopped(const struct scanner *s)
{
	return (s->o->stop && *s->o->stop) || __atomic_load_n(&s->err, __ATOMIC_RELAXED);
}

static void fail_locked(struct scanner *s, int err)
{
	pthread_mutex_lock(&s->lock);
	fail(s, err);
	pthread_mutex_unlock(&s->lock);
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

/* The path of name in d, in w->path; NULL (and a failure) without memory. */
static const char *entry_path(struct walker *w, const struct dnode *d, const char *name)
{
	size_t nlen = strlen(name), plen = d->plen, need = plen + 1 + nlen + 1;

	if (need > w->path_cap) {
		char *p = realloc(w->path, need * 2);

		if (!p) {
			fail_locked(w->s, -ENOMEM);
			return NULL;
		}
		w->path = p;
		w->path_cap = need * 2;
	}
	memcpy(w->path, d->path, plen);
	if (!plen || w->path[plen - 1] != '/')
		w->path[plen++] = '/';
	memcpy(w->path + plen, name, nlen + 1);
	return w->path;
}

static void issue_at(struct walker *w, enum scan_issue_kind k, int err, const char *path)
{
	if (!path)
		return;
	pthread_mutex_lock(&w->s->lock);
	issue(w->s, k, err, path);
	pthread_mutex_unlock(&w->s->lock);
}

static void open_fail(struct walker *w, int err, enum scan_issue_kind other, const char *path)
{
	enum scan_issue_kind k = other;

	if (err == ENOENT)
		k = SCAN_I_VANISHED;
	else if (err == ELOOP || err == ENOTDIR)
		k = SCAN_I_CHANGED; /* replaced by a link or a file since listed */
	issue_at(w, k, err, path);
}

/* Under s->lock: one reference less; the last one closes and frees. */
static void dnode_put(struct dnode *d)
{
	if (--d->refs)
		return;
	if (d->fd >= 0)
		close(d->fd);
	free(d);
}

/* Accept the directory d, open as fd and fstat'ed as *st: 0, or -1 when it
 * is not to be listed (reported, fd closed). */
static int admit_dir(struct scanner *s, struct dnode *d, int fd, const struct stat *st)
{
	int seen;

	if ((st->st_dev != d->dev && pseudo_fs(fd)) || excluded_path(d->path)) {
		close(fd);
		pthread_mutex_lock(&s->lock);
		issue(s, SCAN_I_PSEUDO_FS, 0, d->path);
		pthread_mutex_unlock(&s->lock);
		return -1;
	}
	pthread_mutex_lock(&s->lock);
	seen = idset_add(&s->dirs, st->st_dev, st->st_ino);
	if (seen < 0)
		fail(s, seen);
	else if (seen)
		issue(s, SCAN_I_SEEN_DIR, 0, d->path);
	else
		s->r->st.dirs++;
	pthread_mutex_unlock(&s->lock);
	if (seen) {
		close(fd);
		return -1;
	}
	d->fd = fd;
	d->dev = st->st_dev;
	return 0;
}

static struct dnode *dnode_new(const struct dnode *parent, const char *name, size_t nlen)
{
	size_t plen = parent->plen, sep = plen && parent->path[plen - 1] == '/' ? 0 : 1;
	struct dnode *d = malloc(sizeof(*d) + plen + sep + nlen + 1);

	if (!d)
		return NULL;
	memcpy(d->path, parent->path, plen);
	if (sep)
		d->path[plen] = '/';
	memcpy(d->path + plen + sep, name, nlen + 1);
	d->name_off = plen + sep;
	d->plen = plen + sep + nlen;
	d->fd = -1;
	d->refs = 1;
	d->depth = parent->depth + 1;
	d->dev = parent->dev;
	d->parent = NULL;
	return d;
}

/* A subdirectory named in d's listing: queued with the chunk's others. */
static void add_child(struct walker *w, struct dnode *d, const char *name)
{
	struct dnode *c;

	if (d->depth >= SCAN_MAX_DEPTH)
		return issue_at(w, SCAN_I_TOO_DEEP, 0, entry_path(w, d, name));
	if (w->n_kids == w->cap_kids) {
		size_t cap = w->cap_kids ? w->cap_kids * 2 : 64;
		struct dnode **k = realloc(w->kids, cap * sizeof(*k));

		if (!k)
			return fail_locked(w->s, -ENOMEM);
		w->kids = k;
		w->cap_kids = cap;
	}
	c = dnode_new(d, name, strlen(name));
	if (!c)
		return fail_locked(w->s, -ENOMEM);
	w->kids[w->n_kids++] = c;
}

/* Queue the children of d found in the last chunk; each holds d open. */
static void queue_kids(struct walker *w, struct dnode *d)
{
	struct scanner *s = w->s;
	size_t i;

	if (!w->n_kids)
		return;
	pthread_mutex_lock(&s->lock);
	if (s->dq_n + w->n_kids > s->dq_cap) {
		size_t cap = (s->dq_n + w->n_kids) * 2;
		struct dnode **q = realloc(s->dq, cap * sizeof(*q));

		if (!q) {
			fail(s, -ENOMEM);
			pthread_mutex_unlock(&s->lock);
			for (i = 0; i < w->n_kids; i++)
				free(w->kids[i]);
			w->n_kids = 0;
			return;
		}
		s->dq = q;
		s->dq_cap = cap;
	}
	/* Reversed: the stack gives them back in listing order. */
	for (i = w->n_kids; i-- > 0;) {
		w->kids[i]->parent = d;
		d->refs++;
		s->dq[s->dq_n++] = w->kids[i];
	}
	w->n_kids = 0;
	pthread_cond_broadcast(&s->work);
	pthread_mutex_unlock(&s->lock);
}

/* Open a queued child relative to its parent: 0, or -1 (reported). */
static int open_child(struct walker *w, struct dnode *d)
{
	struct scanner *s = w->s;
	struct stat st;
	int fd, e;

	fd = openat(d->parent->fd, d->path + d->name_off,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	e = errno;
	pthread_mutex_lock(&s->lock);
	dnode_put(d->parent);
	pthread_mutex_unlock(&s->lock);
	d->parent = NULL;
	if (fd < 0) {
		open_fail(w, e, SCAN_I_DIR_UNREADABLE, d->path);
		return -1;
	}
	if (fstat(fd, &st)) {
		e = errno;
		close(fd);
		open_fail(w, e, SCAN_I_DIR_UNREADABLE, d->path);
		return -1;
	}
	return admit_dir(s, d, fd, &st);
}

/* What a scan needs to know of a file, from statx (or fstatat). */
struct finfo {
	__u32 mode;
	__u32 nlink;
	dev_t dev;
	__u64 ino;
	__u64 size;
	__s64 ctime_sec;
	__u32 ctime_nsec;
};

#define STATX_NEED (STATX_TYPE | STATX_MODE | STATX_NLINK | STATX_INO | STATX_SIZE | STATX_CTIME)

/* One statx relative to the directory, asking only for what is used; a
 * file system that cannot give all of it gets a plain fstatat. 0 or -1. */
static int stat_at(int dfd, const char *name, struct finfo *fi)
{
	struct statx sx;
	struct stat st;

	if (!statx(dfd, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_NEED, &sx) &&
	    (sx.stx_mask & STATX_NEED) == STATX_NEED) {
		fi->mode = sx.stx_mode;
		fi->nlink = sx.stx_nlink;
		fi->dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
		fi->ino = sx.stx_ino;
		fi->size = sx.stx_size;
		fi->ctime_sec = sx.stx_ctime.tv_sec;
		fi->ctime_nsec = sx.stx_ctime.tv_nsec;
		return 0;
	}
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT))
		return -1;
	fi->mode = st.st_mode;
	fi->nlink = (__u32)st.st_nlink;
	fi->dev = st.st_dev;
	fi->ino = st.st_ino;
	fi->size = (__u64)st.st_size;
	fi->ctime_sec = st.st_ctim.tv_sec;
	fi->ctime_nsec = (__u32)st.st_ctim.tv_nsec;
	return 0;
}

static void key_of(const struct finfo *fi, struct hashcache_key *k)
{
	k->dev = (__u32)(major(fi->dev) << 20 | minor(fi->dev));
	k->ino = fi->ino;
	k->size = fi->size;
	k->ctime_sec = fi->ctime_sec;
	k->ctime_nsec = fi->ctime_nsec;
}

/* Hand the open file to the hashing threads. */
static void queue_job(struct walker *w, int fd, const char *path, const struct stat *st)
{
	struct scanner *s = w->s;
	struct job *j;

	pthread_mutex_lock(&s->lock);
	while (s->n == QUEUE_SIZE && !stopped(s))
		walker_wait(w, &s->not_full);
	if (stopped(s)) {
		close(fd);
		goto unlock;
	}
	j = &s->q[(s->head + s->n) % QUEUE_SIZE];
	j->path = strdup(path);
	if (!j->path) {
		close(fd);
		fail(s, -ENOMEM);
		goto unlock;
	}
	j->fd = fd;
	j->xbit = !!(st->st_mode & 0111);
	j->st = *st;
	if (j->xbit)
		s->r->st.bytes_found += (__u64)st->st_size;
	s->n++;
	pthread_cond_signal(&s->not_empty);
unlock:
	pthread_mutex_unlock(&s->lock);
}

/*
 * A regular file, stat'ed as *fi. The hot path of a second scan: a cache
 * hit costs this statx and a lookup, without a lock unless the caller wants
 * the entry; the file is opened only when it must be read.
 */
static void visit_file(struct walker *w, struct dnode *d, const char *name, const struct finfo *fi)
{
	struct scanner *s = w->s;
	int xbit = !!(fi->mode & 0111), fd, hit, seen;
	struct hashcache_key k;
	__u8 sha[SCAN_SHA256_LEN];
	__u32 flags = 0;
	const char *path;
	struct stat st;

	w->st.files++;
	if (fi->nlink > 1) {
		pthread_mutex_lock(&s->lock);
		seen = idset_add(&s->files, fi->dev, fi->ino);
		if (seen < 0)
			fail(s, seen);
		pthread_mutex_unlock(&s->lock);
		if (seen) {
			w->st.links += seen > 0;
			return;
		}
	}
	if (!xbit && s->o->rule == SCAN_XBIT_ONLY) {
		w->st.not_exec++;
		return;
	}
	key_of(fi, &k);
	hit = s->o->cache && hashcache_lookup(s->o->cache, &k, sha, &flags);
	if (hit && flags == HC_F_DIGEST) {
		w->st.cached++;
		w->st.bytes_cached += k.size;
		w->st.bytes_found += k.size;
		if (!s->o->on_entry && !s->o->collect)
			return;
		path = entry_path(w, d, name);
		if (!path)
			return;
		pthread_mutex_lock(&s->lock);
		entry(s, &k, sha, 1, path);
		pthread_mutex_unlock(&s->lock);
		return;
	}
	/* A "not executable" answer holds only while no x bit is set. */
	if (hit && !xbit) {
		w->st.not_exec++;
		return;
	}
	path = entry_path(w, d, name);
	if (!path)
		return;
	/* O_NONBLOCK: a fifo put here since the listing must not block us. */
	fd = openat(d->fd, name,
		    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | O_NOATIME);
	if (fd < 0 && errno == EPERM) /* O_NOATIME: only for the owner or CAP_FOWNER */
		fd = openat(d->fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return open_fail(w, errno, SCAN_I_UNREADABLE, path);
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_dev != fi->dev ||
	    st.st_ino != fi->ino) {
		close(fd);
		return open_fail(w, ELOOP, SCAN_I_CHANGED, path);
	}
	queue_job(w, fd, path, &st);
}

/* A file whose type the listing did not give, or a regular file. */
static void visit_stat(struct walker *w, struct dnode *d, const char *name)
{
	struct finfo fi;

	if (stat_at(d->fd, name, &fi)) {
		int e = errno;

		return open_fail(w, e, SCAN_I_UNREADABLE, entry_path(w, d, name));
	}
	if (S_ISREG(fi.mode))
		return visit_file(w, d, name, &fi);
	if (S_ISDIR(fi.mode))
		return add_child(w, d, name);
	w->st.issues[S_ISLNK(fi.mode) ? SCAN_I_SYMLINK : SCAN_I_SPECIAL]++;
}

static void add_stats(struct scan_stats *to, struct scan_stats *from)
{
	__u64 *t = (__u64 *)to, *f = (__u64 *)from;
	size_t i;

	_Static_assert(sizeof(*to) % sizeof(__u64) == 0, "scan_stats holds only __u64");
	for (i = 0; i < sizeof(*to) / sizeof(__u64); i++)
		t[i] += f[i];
	memset(from, 0, sizeof(*from));
}

/* List d with large getdents64 reads: d_type says which entries are
 * directories, links or devices, so that only files are stat'ed. */
static void list_dir(struct walker *w, struct dnode *d)
{
	struct scanner *s = w->s;
	const struct hashcache *cache = s->o->cache;
	ssize_t n, off;
	__u32 kdev;

	if (d->fd < 0 && open_child(w, d))
		goto out;
	kdev = (__u32)(major(d->dev) << 20 | minor(d->dev));
	while (!stopped(s)) {
		n = getdents64(d->fd, w->buf, DENTS_BUF_SIZE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			open_fail(w, errno, SCAN_I_DIR_UNREADABLE, d->path);
			break;
		}
		if (!n)
			break;
		for (off = 0; off < n;) {
			struct dirent64 *de = (struct dirent64 *)(w->buf + off);
			const char *name = de->d_name;

			off += de->d_reclen;
			if (name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2])))
				continue;
			switch (de->d_type) {
			case DT_DIR:
				add_child(w, d, name);
				break;
			case DT_LNK:
				w->st.issues[SCAN_I_SYMLINK]++;
				break;
			case DT_REG:
			case DT_UNKNOWN:
				/* The cache lookup after this stat costs two
				 * misses (slot, entry): fetched while the
				 * kernel works, one entry ahead. d_ino is
				 * st_ino but on some union file systems: then
				 * only the hint is wasted. */
				if (cache) {
					hashcache_prefetch(cache, kdev, de->d_ino, 1);
					if (off < n)
						hashcache_prefetch(
							cache, kdev,
							((struct dirent64 *)(w->buf + off))->d_ino,
							0);
				}
				visit_stat(w, d, name);
				break;
			default:
				w->st.issues[SCAN_I_SPECIAL]++;
			}
		}
		queue_kids(w, d);
		if (w->main)
			progress(s, 0, 0);
	}
out:
	pthread_mutex_lock(&s->lock);
	add_stats(&s->r->st, &w->st);
	dnode_put(d);
	pthread_mutex_unlock(&s->lock);
}

/* Take directories from the stack until every one is listed. */
static void walker_run(struct walker *w)
{
	struct scanner *s = w->s;
	struct dnode *d;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		while (!s->dq_n && s->busy && !stopped(s))
			walker_wait(w, &s->work);
		if (!s->dq_n || stopped(s))
			break;
		d = s->dq[--s->dq_n];
		s->busy++;
		pthread_mutex_unlock(&s->lock);
		list_dir(w, d);
		pthread_mutex_lock(&s->lock);
		if (!--s->busy && !s->dq_n)
			pthread_cond_broadcast(&s->work);
	}
	pthread_cond_broadcast(&s->work);
	pthread_mutex_unlock(&s->lock);
}

static void *walker_thread(void *arg)
{
	walker_run(arg);
	return NULL;
}

/* Open a root (it may be a link: the admin named it) and queue it. */
static void add_root(struct scanner *s, const char *root)
{
	size_t len = strlen(root);
	struct dnode *d = malloc(sizeof(*d) + len + 1);
	struct stat st;
	int fd;

	if (!d)
		return fail_locked(s, -ENOMEM);
	memcpy(d->path, root, len + 1);
	d->plen = len;
	d->name_off = 0;
	d->parent = NULL;
	d->refs = 1;
	d->depth = 0;
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st)) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		pthread_mutex_lock(&s->lock);
		issue(s, e == ENOENT ? SCAN_I_ROOT_MISSING : SCAN_I_DIR_UNREADABLE, e, root);
		pthread_mutex_unlock(&s->lock);
		free(d);
		return;
	}
	/* A parent device that differs: the root's file system is checked. */
	d->dev = st.st_dev + 1;
	if (admit_dir(s, d, fd, &st)) {
		free(d);
		return;
	}
	if (s->dq_n == s->dq_cap) {
		size_t cap = s->dq_cap ? s->dq_cap * 2 : 64;
		struct dnode **q = realloc(s->dq, cap * sizeof(*q));

		if (!q) {
			dnode_put(d);
			return fail_locked(s, -ENOMEM);
		}
		s->dq = q;
		s->dq_cap = cap;
	}
	s->dq[s->dq_n++] = d;
}

static void walkers_free(struct walker *ws, int n)
{
	int i;

	for (i = 0; ws && i < n; i++) {
		free(ws[i].buf);
		free(ws[i].path);
		free(ws[i].kids);
	}
	free(ws);
}

/* Walk the roots with nw threads, the calling one included. */
static void walk_all(struct scanner *s, const char *const *roots, int n_roots, int nw)
{
	struct walker *ws = calloc((size_t)nw, sizeof(*ws));
	pthread_t tid[MAX_THREADS];
	int i, started = 0;
	size_t a, b;

	for (i = 0; ws && i < nw; i++) {
		ws[i].s = s;
		ws[i].main = !i;
		ws[i].buf = malloc(DENTS_BUF_SIZE);
		if (!ws[i].buf)
			break;
	}
	if (!ws || i < nw) {
		walkers_free(ws, ws ? nw : 0);
		return fail(s, -ENOMEM);
	}
	for (i = 0; i < n_roots && !stopped(s); i++)
		add_root(s, roots[i]);
	/* The first root on top of the stack. */
	for (a = 0, b = s->dq_n; a + 1 < b; a++, b--) {
		struct dnode *t = s->dq[a];

		s->dq[a] = s->dq[b - 1];
		s->dq[b - 1] = t;
	}
	for (i = 1; i < nw; i++) {
		if (pthread_create(&tid[i], NULL, walker_thread, &ws[i]))
			break;
		started = i;
	}
	walker_run(&ws[0]);
	for (i = 1; i <= started; i++)
		pthread_join(tid[i], NULL);
	/* Stopped early: what is still queued is dropped. */
	pthread_mutex_lock(&s->lock);
	while (s->dq_n) {
		struct dnode *d = s->dq[--s->dq_n];

		if (d->parent)
			dnode_put(d->parent);
		dnode_put(d);
	}
	pthread_mutex_unlock(&s->lock);
	walkers_free(ws, nw);
}

int scan_run(const struct scan_opts *o, struct scan_result *r)
{
	struct scanner *s;
	pthread_condattr_t ca;
	pthread_t tid[MAX_THREADS];
	char **def = NULL;
	const char *const *roots = o->roots;
	int n_roots = o->n_roots, nt = o->threads, started = 0, i, err;
	size_t k;

	memset(r, 0, sizeof(*r));
	/* Before the threads: each hashes with it. */
	err = crypto_api_load();
	if (err)
		return err;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->o = o;
	s->r = r;
	clock_gettime(CLOCK_MONOTONIC, &s->t0);
	s->racy_sec = (__s64)time(NULL) - SCAN_RACY_SEC;
	s->md = cr.EVP_sha256();
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
	pthread_cond_init(&s->work, &ca);
	pthread_condattr_destroy(&ca);

	for (i = 0; i < nt; i++) {
		err = pthread_create(&tid[i], NULL, worker, s);
		if (err) {
			fail(s, -err);
			break;
		}
		started++;
	}
	if (started)
		walk_all(s, roots, n_roots,
			 nt < MAX_THREADS / WALKERS_PER_THREAD ? nt * WALKERS_PER_THREAD :
								 MAX_THREADS);

	pthread_mutex_lock(&s->lock);
	s->walk_done = 1;
	while (s->n || s->active)
		wait_showing(s, &s->idle);
	s->quit = 1;
	pthread_cond_broadcast(&s->not_empty);
	pthread_mutex_unlock(&s->lock);
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);

	/* The walk is over: the cache learns what it found. */
	for (k = 0; o->cache && k < s->n_pend; k++)
		if (hashcache_insert(o->cache, &s->pend[k].k,
				     s->pend[k].flags == HC_F_DIGEST ? s->pend[k].sha256 : NULL,
				     s->pend[k].flags))
			fail(s, -ENOMEM);
	err = s->err;
	if (!err && o->stop && *o->stop)
		err = -EINTR;
	if (!err && o->cache)
		hashcache_prune_unseen(o->cache);
	progress(s, 1, 1);
	r->st.nsec = mono_ns() - ((__u64)s->t0.tv_sec * 1000000000ULL + (__u64)s->t0.tv_nsec);

	pthread_cond_destroy(&s->not_empty);
	pthread_cond_destroy(&s->not_full);
	pthread_cond_destroy(&s->idle);
	pthread_cond_destroy(&s->work);
	pthread_mutex_destroy(&s->lock);
out_free:
	scan_roots_free(def, def ? n_roots : 0);
	free(s->dirs.s);
	free(s->files.s);
	free(s->pend);
	free(s->dq);
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
