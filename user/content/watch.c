// SPDX-License-Identifier: GPL-2.0
/* One fanotify group, one FAN_MARK_FILESYSTEM mark per file system found in
 * /proc/self/mountinfo (its first mount point), for FAN_CLOSE_WRITE and
 * FAN_OPEN_EXEC: notifications only, so no exec ever waits for appban. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/log.h"
#include "content/watch.h"

#define MAX_FS 1024

struct watch {
	int fd;
	int mnt_fd; /* /proc/self/mountinfo, for poll */
	int marked, skipped;
	unsigned int devs[MAX_FS]; /* mounted and marked (or refused), kernel encoding */
	int n_devs;
};

/* File systems that hold no executables of users, or that fanotify cannot
 * mark: never marked. */
static int pseudo_fs(const char *type)
{
	static const char *const skip[] = {
		"proc",	    "sysfs",	  "cgroup",	 "cgroup2", "bpf",	  "debugfs",
		"tracefs",  "securityfs", "devpts",	 "mqueue",  "pstore",	  "configfs",
		"fusectl",  "hugetlbfs",  "binfmt_misc", "autofs",  "rpc_pipefs", "nsfs",
		"efivarfs", "selinuxfs",  "devtmpfs",	 "ramfs",   "9p",
	};
	size_t i;

	for (i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (!strcmp(type, skip[i]))
			return 1;
	return 0;
}

/* mountinfo escapes spaces and such as \ooo. */
static void unescape(char *s)
{
	char *o = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] && s[3]) {
			*o++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 4;
		} else {
			*o++ = *s++;
		}
	}
	*o = 0;
}

/* Mark every file system of mountinfo not marked yet (a new mount of one
 * already marked costs nothing); the set becomes what is mounted now. Returns
 * how many were marked now that were not before. */
static int mark_mounted(struct watch *w)
{
	char line[8192], mnt[4096], type[64];
	unsigned int major, minor, dev, now[MAX_FS];
	int n_now = 0, added = 0, i, known;
	FILE *f;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *dash = strstr(line, " - ");

		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT ... - TYPE SOURCE OPTIONS */
		if (!dash || sscanf(line, "%*u %*u %u:%u %*s %4095s", &major, &minor, mnt) != 3 ||
		    sscanf(dash + 3, "%63s", type) != 1 || pseudo_fs(type))
			continue;
		dev = major << 20 | minor;
		known = 0;
		for (i = 0; i < n_now; i++)
			known |= now[i] == dev;
		if (known || n_now >= MAX_FS)
			continue;
		now[n_now++] = dev;
		for (i = 0; i < w->n_devs; i++)
			known |= w->devs[i] == dev;
		if (known)
			continue;
		unescape(mnt);
		if (fanotify_mark(w->fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM,
				  FAN_CLOSE_WRITE | FAN_OPEN_EXEC, AT_FDCWD, mnt)) {
			pr_info("cannot watch %s (%s): %s; a copy of a banned file made there is caught at its first start only\n",
				mnt, type, strerror(errno));
			w->skipped++;
			continue;
		}
		w->marked++;
		added++;
	}
	fclose(f);
	/* Gone from the table: if it comes back, it is marked again. */
	memcpy(w->devs, now, (size_t)n_now * sizeof(now[0]));
	w->n_devs = n_now;
	return added;
}

int watch_new(struct watch **out)
{
	struct watch *w;
	int err;

	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->mnt_fd = -1;
	w->fd = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK,
			      O_RDONLY | O_LARGEFILE | O_CLOEXEC);
	if (w->fd < 0) {
		err = -errno;
		free(w);
		return err;
	}
	/* Polled for POLLPRI: the mount table changed. */
	w->mnt_fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	err = w->mnt_fd < 0 ? -errno : mark_mounted(w);
	if (err < 0) {
		watch_free(w);
		return err;
	}
	*out = w;
	return 0;
}

int watch_mounts_fd(const struct watch *w)
{
	return w->mnt_fd;
}

int watch_refresh(struct watch *w)
{
	return mark_mounted(w);
}

int watch_fd(const struct watch *w)
{
	return w->fd;
}

int watch_marked(const struct watch *w)
{
	return w->marked;
}

int watch_skipped(const struct watch *w)
{
	return w->skipped;
}

int watch_read(struct watch *w, int (*cb)(const struct watch_event *ev, void *ctx), void *ctx)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct fanotify_event_metadata))));
	struct fanotify_event_metadata *m;
	ssize_t n;
	int err = 0;

	for (;;) {
		n = read(w->fd, buf, sizeof(buf));
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? err : -errno;
		if (n == 0)
			return err;
		for (m = (void *)buf; FAN_EVENT_OK(m, n); m = FAN_EVENT_NEXT(m, n)) {
			struct watch_event ev = {
				.fd = m->fd,
				.pid = m->pid,
				.exec = !!(m->mask & FAN_OPEN_EXEC),
			};

			if (m->vers != FANOTIFY_METADATA_VERSION) {
				if (m->fd >= 0)
					close(m->fd);
				return -EPROTO;
			}
			if (m->mask & FAN_Q_OVERFLOW) {
				ev.overflow = 1;
				if (!err)
					err = cb(&ev, ctx);
				continue;
			}
			if (m->fd >= 0 && ev.pid != getpid() && !err)
				err = cb(&ev, ctx);
			if (m->fd >= 0)
				close(m->fd);
		}
	}
}

void watch_free(struct watch *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	if (w->mnt_fd >= 0)
		close(w->mnt_fd);
	free(w);
}
