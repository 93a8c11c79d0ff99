/* SPDX-License-Identifier: GPL-2.0 */
/* fanotify on every file system that can hold executables: files written
 * (a copy of a banned binary made after the load) and files opened for exec,
 * so content rules follow new files while `run` or `daemon` runs. */
#ifndef __APPBAN_WATCH_H
#define __APPBAN_WATCH_H

#include <sys/types.h>

struct watch;

struct watch_event {
	int fd; /* read-only descriptor of the file; valid during the callback */
	pid_t pid; /* the process that wrote or executes it */
	int exec; /* 1: opened for exec; 0: closed after writing */
	int overflow; /* the kernel's queue overflowed: events were lost (fd is -1) */
};

/* Mark every mounted file system except pseudo ones (proc, sysfs, bpf...);
 * later mounts are marked by watch_refresh.
 * Returns 0 and *out, or -errno (fanotify missing, no CAP_SYS_ADMIN); a file
 * system that refuses a mark is reported and skipped (n_skipped). */
int watch_new(struct watch **out);
int watch_fd(const struct watch *w);
/* A descriptor that polls POLLPRI when the mount table changes: then call
 * watch_refresh. */
int watch_mounts_fd(const struct watch *w);
/* Mark the file systems mounted since: how many were not watched before (a
 * scan should look at what they hold), or -errno. */
int watch_refresh(struct watch *w);
int watch_marked(const struct watch *w);
int watch_skipped(const struct watch *w);
/* Read what is pending without blocking and call cb for each event; stops at
 * the first cb error and returns it. */
int watch_read(struct watch *w, int (*cb)(const struct watch_event *ev, void *ctx), void *ctx);
void watch_free(struct watch *w);

#endif /* __APPBAN_WATCH_H */
