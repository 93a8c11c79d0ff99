// SPDX-License-Identifier: GPL-2.0
/*
 * The policy directory (dropdir.h). inotify tells that something changed;
 * the daemon then lists the directory again and compares what it finds with
 * what is in force (a list is the truth: events can be lost or merged). A
 * policy and its signature may arrive in either order: the daemon sees the
 * pair as it is at each look.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "fleet/dropdir.h"
#include "util/file.h"

struct dropdir {
	char dir[PATH_MAX];
	int fd; /* inotify */
};

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

int dropdir_ignored(const char *name)
{
	return name[0] == '.' || ends_with(name, "~") || ends_with(name, ".tmp") ||
	       ends_with(name, ".part") || ends_with(name, ".swp");
}

/* A policy file's name: NAME.policy or NAME.policy.gz, NAME not empty. */
static int is_policy_name(const char *name)
{
	if (dropdir_ignored(name))
		return 0;
	return (ends_with(name, ".policy") && strlen(name) > 7) ||
	       (ends_with(name, ".policy.gz") && strlen(name) > 10);
}

/* A file that counts: a policy or its signature. */
static int counts(const char *name)
{
	char base[NAME_MAX + 1];
	size_t n = strlen(name);

	if (dropdir_ignored(name))
		return 0;
	if (ends_with(name, ".minisig") && n - 8 < sizeof(base)) {
		memcpy(base, name, n - 8);
		base[n - 8] = '\0';
		return is_policy_name(base);
	}
	return is_policy_name(name);
}

int dropdir_open(const char *dir, struct dropdir **out)
{
	struct dropdir *d;
	int err;

	if (dir[0] != '/')
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	if (snprintf(d->dir, sizeof(d->dir), "%s", dir) >= (int)sizeof(d->dir) - NAME_MAX - 2) {
		err = -ENAMETOOLONG;
		goto err_free;
	}
	if (mkdir(dir, 0755) && errno != EEXIST) {
		err = -errno;
		goto err_free;
	}
	d->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (d->fd < 0) {
		err = -errno;
		goto err_free;
	}
	/* written and closed, moved in or out, removed; the directory itself
	 * moved or removed (then nothing more comes: the daemon says so) */
	if (inotify_add_watch(d->fd, dir,
			      IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
				      IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR) < 0) {
		err = -errno;
		close(d->fd);
		goto err_free;
	}
	*out = d;
	return 0;
err_free:
	free(d);
	return err;
}

void dropdir_free(struct dropdir *d)
{
	if (!d)
		return;
	close(d->fd);
	free(d);
}

int dropdir_fd(const struct dropdir *d)
{
	return d->fd;
}

int dropdir_read(struct dropdir *d)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	int changed = 0;
	ssize_t n;
	char *p;

	for (;;) {
		n = read(d->fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return changed;
		if (n < 0)
			return -errno;
		if (n == 0)
			return changed;
		for (p = buf; p < buf + n; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)p;
			/* lost events, or the directory gone: look at all */
			if (ev->mask & (IN_Q_OVERFLOW | IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED))
				changed = 1;
			else if (ev->len && counts(ev->name))
				changed = 1;
		}
	}
}

int gunzip_buf(const char *in, size_t in_len, size_t max, char **out, size_t *out_len)
{
	z_stream zs = { 0 };
	size_t cap = in_len * 4 + 4096, n = 0;
	char *buf, *nb;
	int zr, err;

	if (cap > max + 1)
		cap = max + 1;
	buf = malloc(cap + 1);
	if (!buf)
		return -ENOMEM;
	/* 16 + MAX_WBITS: a gzip header and trailer (its CRC checked) */
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
		free(buf);
		return -ENOMEM;
	}
	zs.next_in = (Bytef *)in;
	for (;;) {
		if (n == cap) {
			if (cap > max) {
				err = -EFBIG;
				goto out;
			}
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				err = -ENOMEM;
				goto out;
			}
			buf = nb;
		}
		/* zlib counts in uInt: at most 1 GiB a call */
		zs.avail_in = (uInt)((in_len - zs.total_in) > (1u << 30) ? (1u << 30) :
									   in_len - zs.total_in);
		zs.next_out = (Bytef *)buf + n;
		zs.avail_out = (uInt)((cap - n) > (1u << 30) ? (1u << 30) : cap - n);
		zr = inflate(&zs, Z_NO_FLUSH);
		n = zs.total_out;
		if (zr == Z_STREAM_END)
			break;
		if (zr == Z_MEM_ERROR) {
			err = -ENOMEM;
			goto out;
		}
		if (zr != Z_OK && !(zr == Z_BUF_ERROR && n == cap)) {
			err = -EBADMSG;
			goto out;
		}
	}
	/* one gzip member, nothing after it */
	if (zs.total_in != in_len || n > max) {
		err = n > max ? -EFBIG : -EBADMSG;
		goto out;
	}
	buf[n] = '\0';
	*out = buf;
	*out_len = n;
	buf = NULL;
	err = 0;
out:
	inflateEnd(&zs);
	free(buf);
	return err;
}

static uint64_t mtime_of(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return 0;
	return (uint64_t)st.st_mtim.tv_sec * 1000000000ull + (uint64_t)st.st_mtim.tv_nsec;
}

static void read_one(struct drop_file *f)
{
	char sig[sizeof(f->path) + 16];
	uint64_t t;
	int err;

	err = file_read_all(f->path, DROP_FILE_MAX, &f->raw, &f->raw_len);
	if (err) {
		f->err = err;
		return;
	}
	f->mtime_ns = mtime_of(f->path);
	if (ends_with(f->path, ".gz")) {
		err = gunzip_buf(f->raw, f->raw_len, DROP_FILE_MAX, &f->text, &f->text_len);
		if (err) {
			f->err = err;
			return;
		}
	} else {
		f->text = f->raw;
		f->text_len = f->raw_len;
	}
	snprintf(sig, sizeof(sig), "%s.minisig", f->path);
	err = file_read_all(sig, DROP_SIG_MAX, &f->sig, &f->sig_len);
	if (err == -EFBIG)
		f->err = -EFBIG;
	else if (err && err != -ENOENT)
		f->err = err;
	t = mtime_of(sig);
	if (t > f->mtime_ns)
		f->mtime_ns = t;
}

void drop_files_free(struct drop_file *f, size_t n)
{
	size_t i;

	for (i = 0; f && i < n; i++) {
		if (f[i].text != f[i].raw)
			free(f[i].text);
		free(f[i].raw);
		free(f[i].sig);
	}
	free(f);
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct drop_file *)a)->path, ((const struct drop_file *)b)->path);
}

int dropdir_list(struct dropdir *d, struct drop_file **out, size_t *n_out)
{
	struct drop_file *f = NULL, *nf;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *dir;

	dir = opendir(d->dir);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		if (!is_policy_name(de->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 4;
			nf = realloc(f, cap * sizeof(*f));
			if (!nf) {
				closedir(dir);
				drop_files_free(f, n);
				return -ENOMEM;
			}
			f = nf;
		}
		memset(&f[n], 0, sizeof(f[n]));
		/* (dropdir_open left room for a name) */
		strcpy(f[n].path, d->dir);
		strcat(f[n].path, "/");
		strcat(f[n].path, de->d_name);
		n++;
	}
	closedir(dir);
	if (n)
		qsort(f, n, sizeof(*f), by_path);
	for (size_t i = 0; i < n; i++)
		read_one(&f[i]);
	*out = f;
	*n_out = n;
	return 0;
}
