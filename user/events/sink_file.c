// SPDX-License-Identifier: GPL-2.0
/* `sink file PATH`: JSON lines, rotated by size to PATH.1, PATH.2.gz...
 * The file is looked at before each batch: moved or removed by another
 * program (logrotate), it is opened again; cut by copytruncate, its size
 * is taken again. A rotated file is compressed with zlib in steps between
 * batches, so that writes never wait for a whole file's compression. A
 * write that fails (full disk) loses its records for this sink, counted. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "events/sink_int.h"

#define FILE_BUF (1u << 20) /* a batch of the sink's thread (1,024 records) in one write */
#define GZ_STEP (256u << 10) /* bytes compressed per step */
#define NAME_MAX_LEN 4200

struct file_sink {
	int fd;
	uint64_t size; /* of the file as we wrote it */
	dev_t dev;
	ino_t ino;
	char *buf;
	/* a rotated file being compressed: src -> tmp, then renamed to dst */
	int gz_src;
	gzFile gz;
	char gz_from[NAME_MAX_LEN], gz_tmp[NAME_MAX_LEN + 8], gz_to[NAME_MAX_LEN];
};

static int file_open_cb(struct sink *s, const struct fleet_sink *c)
{
	struct file_sink *f = calloc(1, sizeof(*f));

	if (!f)
		return -ENOMEM;
	f->buf = malloc(FILE_BUF);
	if (!f->buf) {
		free(f);
		return -ENOMEM;
	}
	f->fd = -1;
	f->gz_src = -1;
	s->priv = f;
	return 0;
}

static void file_close_fd(struct file_sink *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

/* Open (or create, mode 0640) the file. 0 or -errno (said). */
static int file_reopen(struct sink *s, struct file_sink *f)
{
	struct stat st;
	int fd;

	file_close_fd(f);
	fd = open(s->cfg.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
	if (fd < 0) {
		int err = -errno;

		sink_error(s, "cannot open %s: %s", s->cfg.path, strerror(errno));
		return err;
	}
	if (fstat(fd, &st)) {
		int err = -errno;

		close(fd);
		return err;
	}
	/* the umask may have taken bits away; a file we did not create keeps
	 * what its owner chose unless it gave more than 0640 */
	if ((st.st_mode & 07777) != 0640 && fchmod(fd, st.st_mode & 0640))
		sink_error(s, "cannot set the mode of %s: %s", s->cfg.path, strerror(errno));
	f->fd = fd;
	f->size = (uint64_t)st.st_size;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	return 0;
}

/* The file as another program left it: moved or removed (open it again),
 * cut (take its size). */
static int file_check(struct sink *s, struct file_sink *f)
{
	struct stat st, fst;

	if (f->fd < 0)
		return file_reopen(s, f);
	if (stat(s->cfg.path, &st) || st.st_dev != f->dev || st.st_ino != f->ino)
		return file_reopen(s, f);
	if (!fstat(f->fd, &fst) && (uint64_t)fst.st_size < f->size)
		f->size = (uint64_t)fst.st_size;
	return 0;
}

static void rot_name(const struct sink *s, unsigned int i, int gz, char *buf, size_t len)
{
	snprintf(buf, len, "%s.%u%s", s->cfg.path, i, gz ? ".gz" : "");
}

/* One step of the compression under way: 1 more to do, 0 done (or given
 * up, said). */
static int gz_step(struct sink *s, struct file_sink *f)
{
	char buf[64 << 10];
	size_t done = 0;
	ssize_t n;

	if (f->gz_src < 0)
		return 0;
	while (done < GZ_STEP) {
		n = read(f->gz_src, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			sink_error(s, "cannot read %s to compress it: %s", f->gz_from,
				   strerror(errno));
			goto abandon;
		}
		if (n == 0)
			break;
		if (gzwrite(f->gz, buf, (unsigned int)n) != (int)n) {
			sink_error(s, "cannot compress %s into %s (full disk?)", f->gz_from,
				   f->gz_tmp);
			goto abandon;
		}
		done += (size_t)n;
	}
	if (done == GZ_STEP)
		return 1;
	close(f->gz_src);
	f->gz_src = -1;
	if (gzclose(f->gz) != Z_OK) {
		f->gz = NULL;
		sink_error(s, "cannot write %s (full disk?)", f->gz_tmp);
		unlink(f->gz_tmp);
		return 0;
	}
	f->gz = NULL;
	if (rename(f->gz_tmp, f->gz_to)) {
		sink_error(s, "cannot rename %s: %s", f->gz_tmp, strerror(errno));
		unlink(f->gz_tmp);
		return 0;
	}
	unlink(f->gz_from);
	return 0;
abandon:
	/* the rotated file stays as it is, uncompressed */
	close(f->gz_src);
	f->gz_src = -1;
	gzclose(f->gz);
	f->gz = NULL;
	unlink(f->gz_tmp);
	return 0;
}

static void gz_start(struct sink *s, struct file_sink *f, const char *from, const char *to)
{
	int out;

	snprintf(f->gz_from, sizeof(f->gz_from), "%s", from);
	snprintf(f->gz_to, sizeof(f->gz_to), "%s", to);
	snprintf(f->gz_tmp, sizeof(f->gz_tmp), "%s.tmp", to);
	f->gz_src = open(from, O_RDONLY | O_CLOEXEC);
	if (f->gz_src < 0) {
		if (errno != ENOENT)
			sink_error(s, "cannot open %s to compress it: %s", from, strerror(errno));
		return;
	}
	out = open(f->gz_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	f->gz = out >= 0 ? gzdopen(out, "wb6") : NULL;
	if (!f->gz) {
		sink_error(s, "cannot create %s: %s", f->gz_tmp, strerror(errno));
		if (out >= 0)
			close(out);
		close(f->gz_src);
		f->gz_src = -1;
	}
}

/* PATH -> PATH.1, PATH.1 -> PATH.2(.gz)... PATH.keep dropped; a new PATH. */
static int file_rotate(struct sink *s, struct file_sink *f)
{
	char a[NAME_MAX_LEN], b[NAME_MAX_LEN];
	unsigned int keep = s->cfg.keep, i;
	int gz = s->cfg.compress;

	while (gz_step(s, f))
		; /* a rotation still being compressed ends first */
	if (!keep) {
		if (unlink(s->cfg.path) && errno != ENOENT)
			sink_error(s, "cannot remove %s to start it again: %s", s->cfg.path,
				   strerror(errno));
		return file_reopen(s, f);
	}
	rot_name(s, keep, 0, a, sizeof(a));
	unlink(a);
	rot_name(s, keep, 1, a, sizeof(a));
	unlink(a);
	for (i = keep - 1; i >= 2; i--) {
		rot_name(s, i, gz, a, sizeof(a));
		rot_name(s, i + 1, gz, b, sizeof(b));
		rename(a, b);
	}
	if (keep >= 2) {
		rot_name(s, 1, 0, a, sizeof(a));
		rot_name(s, 2, 0, b, sizeof(b));
		rename(a, b);
	}
	rot_name(s, 1, 0, a, sizeof(a));
	if (rename(s->cfg.path, a) && errno != ENOENT)
		sink_error(s, "cannot rename %s to %s: %s", s->cfg.path, a, strerror(errno));
	if (keep >= 2 && gz) {
		rot_name(s, 2, 0, a, sizeof(a));
		rot_name(s, 2, 1, b, sizeof(b));
		gz_start(s, f, a, b);
	}
	return file_reopen(s, f);
}

static int file_write_cb(struct sink *s, struct sink_msg *const *m, size_t n)
{
	struct file_sink *f = s->priv;
	size_t k = 0, len = 0, ends[1024], i, whole;
	ssize_t w;
	int err;

	err = file_check(s, f);
	if (err)
		return err;
	if (f->size && f->size + m[0]->json_len > s->cfg.max_size) {
		err = file_rotate(s, f);
		if (err)
			return err;
	}
	/* as many as fit in the buffer and under max-size (at least one) */
	while (k < n && k < sizeof(ends) / sizeof(ends[0]) && len + m[k]->json_len <= FILE_BUF &&
	       (!k || f->size + len + m[k]->json_len <= s->cfg.max_size)) {
		memcpy(f->buf + len, m[k]->json, m[k]->json_len);
		len += m[k]->json_len;
		ends[k++] = len;
	}
	if (!k) {
		/* a record larger than the buffer cannot be (8 KiB at most) */
		sink_lost(s, 1);
		return 1;
	}
	do
		w = write(f->fd, f->buf, len);
	while (w < 0 && errno == EINTR);
	if (w == (ssize_t)len) {
		f->size += len;
		sink_wrote(s, k);
		gz_step(s, f);
		return (int)k;
	}
	/* full disk, quota, I/O error: what was written whole stays, a cut
	 * line is taken back, the rest of the batch is lost for this sink */
	err = w < 0 ? errno : ENOSPC;
	whole = 0;
	for (i = 0; w > 0 && i < k && ends[i] <= (size_t)w; i++)
		whole = i + 1;
	if (w > 0 && (whole ? ends[whole - 1] : 0) < (size_t)w &&
	    ftruncate(f->fd, (off_t)(f->size + (whole ? ends[whole - 1] : 0))))
		sink_error(s, "cannot take back a cut line of %s: %s", s->cfg.path,
			   strerror(errno));
	f->size += whole ? ends[whole - 1] : 0;
	sink_wrote(s, whole);
	sink_lost(s, k - whole);
	sink_error(s, "cannot write %s: %s", s->cfg.path, strerror(err));
	atomic_store(&s->failing, 1);
	return (int)k;
}

static int file_idle_cb(struct sink *s)
{
	return gz_step(s, s->priv);
}

static void file_close_cb(struct sink *s)
{
	struct file_sink *f = s->priv;

	if (!f)
		return;
	while (gz_step(s, f))
		;
	file_close_fd(f);
	free(f->buf);
	free(f);
	s->priv = NULL;
}

const struct sink_ops sink_file_ops = {
	.open = file_open_cb,
	.write = file_write_cb,
	.idle = file_idle_cb,
	.close = file_close_cb,
};
