// SPDX-License-Identifier: GPL-2.0
/* Test helper: a FUSE file system of one executable file, spoken over
 * /dev/fuse directly (no libfuse), whose reads fail past an offset: the exec
 * never reads there, the kernel's IMA hashing the whole file does, and fails.
 *
 * usage: fusefile MOUNTPOINT SOURCE FAIL_FROM [SERVE_PID]
 *
 * Mounts MOUNTPOINT (root only) holding one file, `f` (mode 0755), with the
 * bytes of SOURCE. A read reaching past byte FAIL_FROM (page-aligned; reads
 * are one page each: no readahead, max_read=4096) fails with EIO, unless a
 * thread of process SERVE_PID asked (an event reader hashing the file).
 * Prints "ready" once mounted; serves until unmounted. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define FILE_NODE 2
#define FILE_NAME "f"
#define BUF_SIZE (1 << 20)
#define ATTR_TIME 1700000000 /* fixed: the file never changes */

struct server {
	int fd;
	const char *data;
	uint64_t size, fail_from;
	long serve_pid;
};

static int reply(struct server *s, uint64_t unique, int error, const void *body, size_t len)
{
	struct fuse_out_header h = { .len = sizeof(h) + (error ? 0 : len),
				     .error = error,
				     .unique = unique };
	struct iovec iov[2] = { { &h, sizeof(h) }, { (void *)body, error ? 0 : len } };

	return writev(s->fd, iov, 2) < 0 && errno != ENOENT ? -errno : 0;
}

static void fill_attr(const struct server *s, uint64_t node, struct fuse_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->ino = node;
	a->mode = node == FILE_NODE ? S_IFREG | 0755 : S_IFDIR | 0755;
	a->nlink = node == FILE_NODE ? 1 : 2;
	a->size = node == FILE_NODE ? s->size : 0;
	a->blocks = (a->size + 511) / 512;
	a->blksize = 4096;
	a->atime = a->mtime = a->ctime = ATTR_TIME;
}

/* A thread of the process allowed to read everything. */
static int served(const struct server *s, uint32_t tid)
{
	char path[64];

	if (s->serve_pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/task/%u", s->serve_pid, tid);
	return access(path, F_OK) == 0;
}

static int handle(struct server *s, const struct fuse_in_header *in, const void *arg)
{
	switch (in->opcode) {
	case FUSE_INIT: {
		const struct fuse_init_in *i = arg;
		struct fuse_init_out o = {
			.major = FUSE_KERNEL_VERSION,
			.minor = i->minor < FUSE_KERNEL_MINOR_VERSION ? i->minor :
									FUSE_KERNEL_MINOR_VERSION,
			.max_readahead = 0, /* one page per read: nothing read ahead */
			.max_write = 4096,
			.time_gran = 1,
		};

		return reply(s, in->unique, 0, &o,
			     o.minor < 23 ? FUSE_COMPAT_22_INIT_OUT_SIZE : sizeof(o));
	}
	case FUSE_LOOKUP: {
		struct fuse_entry_out o = { .nodeid = FILE_NODE, .generation = 1 };

		if (in->nodeid != FUSE_ROOT_ID || strcmp(arg, FILE_NAME))
			return reply(s, in->unique, -ENOENT, NULL, 0);
		fill_attr(s, FILE_NODE, &o.attr);
		return reply(s, in->unique, 0, &o, sizeof(o));
	}
	case FUSE_GETATTR: {
		struct fuse_attr_out o = { 0 };

		fill_attr(s, in->nodeid, &o.attr);
		return reply(s, in->unique, 0, &o, sizeof(o));
	}
	case FUSE_OPEN: {
		struct fuse_open_out o = { .fh = 1 };

		if (in->nodeid != FILE_NODE)
			return reply(s, in->unique, -EISDIR, NULL, 0);
		return reply(s, in->unique, 0, &o, sizeof(o));
	}
	case FUSE_READ: {
		const struct fuse_read_in *r = arg;
		uint64_t off = r->offset, n = r->size;

		if (off >= s->size)
			return reply(s, in->unique, 0, NULL, 0);
		if (n > s->size - off)
			n = s->size - off;
		if (off + n > s->fail_from && !served(s, in->pid))
			return reply(s, in->unique, -EIO, NULL, 0);
		return reply(s, in->unique, 0, s->data + off, n);
	}
	case FUSE_RELEASE:
	case FUSE_FLUSH:
		return reply(s, in->unique, 0, NULL, 0);
	case FUSE_FORGET:
	case FUSE_BATCH_FORGET:
	case FUSE_INTERRUPT:
		return 0; /* (no reply) */
	case FUSE_DESTROY:
		reply(s, in->unique, 0, NULL, 0);
		return 1;
	}
	return reply(s, in->unique, -ENOSYS, NULL, 0);
}

static char *read_source(const char *path, uint64_t *size)
{
	struct stat st;
	char *data;
	ssize_t n;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st))
		return NULL;
	data = malloc(st.st_size ? st.st_size : 1);
	while (data && got < (size_t)st.st_size) {
		n = read(fd, data + got, st.st_size - got);
		if (n <= 0) {
			free(data);
			data = NULL;
			break;
		}
		got += n;
	}
	close(fd);
	*size = got;
	return data;
}

int main(int argc, char **argv)
{
	struct server s = { 0 };
	char opts[256], *buf;
	ssize_t n;
	int err = 0;

	if (argc < 4) {
		fprintf(stderr, "usage: fusefile MOUNTPOINT SOURCE FAIL_FROM [SERVE_PID]\n");
		return 2;
	}
	s.data = read_source(argv[2], &s.size);
	if (!s.data) {
		perror(argv[2]);
		return 1;
	}
	s.fail_from = strtoull(argv[3], NULL, 0);
	s.serve_pid = argc > 4 ? atol(argv[4]) : 0;
	buf = malloc(BUF_SIZE);
	s.fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (!buf || s.fd < 0) {
		perror("/dev/fuse");
		return 1;
	}
	snprintf(
		opts, sizeof(opts),
		"fd=%d,rootmode=40000,user_id=0,group_id=0,default_permissions,allow_other,max_read=4096",
		s.fd);
	if (mount("appban-fusefile", argv[1], "fuse.appban-fusefile", MS_NODEV | MS_NOSUID, opts)) {
		perror("mount fuse");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		n = read(s.fd, buf, BUF_SIZE);
		if (n < 0 && (errno == EINTR || errno == ENOENT || errno == EAGAIN))
			continue;
		if (n < 0) {
			err = errno == ENODEV ? 0 : errno; /* ENODEV: unmounted */
			break;
		}
		if ((size_t)n < sizeof(struct fuse_in_header))
			continue;
		err = handle(&s, (const struct fuse_in_header *)buf,
			     buf + sizeof(struct fuse_in_header));
		if (err) {
			err = err < 0 ? -err : 0;
			break;
		}
	}
	return err ? 1 : 0;
}
