// SPDX-License-Identifier: GPL-2.0
/* What is enforced from user space while events stream (enforce.h): files
 * written or started, hashed as they come, and fileless starts. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "enforce.h"
#include "kernel/check.h"

/* Could this file be run (x bit, ELF or #!)? Others are not worth hashing. */
static int runnable(int fd, const struct stat *st)
{
	char magic[4] = { 0 };

	if (st->st_mode & 0111)
		return 1;
	if (pread(fd, magic, sizeof(magic), 0) < 2)
		return 0;
	return !memcmp(magic,
		       "\x7f"
		       "ELF",
		       4) ||
	       (magic[0] == '#' && magic[1] == '!');
}

static void kill_banned_start(struct enforcer *rc, pid_t pid, int app, __u32 dev, __u64 ino,
			      int fd);

/* A file written, or executed, while running: hash it; banned content gets
 * an inode rule in the generation in force, and a start of it is killed. A
 * file executed is hashed again unless known in this version (size, change
 * time): truncate(2) by path changes a file without a write event. */
int enforce_on_watch(const struct watch_event *ev, void *arg)
{
	struct enforcer *rc = arg;
	struct appban_rule rule = { .match = APPBAN_MATCH_SHA256 };
	struct hashcache_key key;
	__u8 d[SCAN_SHA256_LEN];
	struct stat st;
	__s64 igen = -1;
	__u32 dev, g;
	__u64 ino;
	int app;

	if (ev->overflow) {
		rc->overflowed = 1;
		rc->overflows++;
		return 0;
	}
	/* (Not read while a walk makes the table: the events wait in the queue.) */
	if (!rc->a->ct)
		return 0;
	if (fstat(ev->fd, &st) || !S_ISREG(st.st_mode) || !runnable(ev->fd, &st))
		return 0;
	if (!kinode_fd_gen(rc->a->k, ev->fd, &dev, &ino, &g))
		igen = g;
	else if (kinode_fd(rc->a->k, ev->fd, &dev, &ino))
		return 0;
	content_key_of(&st, dev, &key);
	key.ino = ino;
	if (!ev->exec || content_lookup_exact(rc->a->ct, &key, d)) {
		__u8 before[SCAN_SHA256_LEN];
		int was_banned = !content_lookup(rc->a->ct, dev, ino, before) &&
				 content_banned(rc->a->c, before) >= 0;

		if (scan_hash_fd(ev->fd, d, &st))
			return 0;
		content_key_of(&st, dev, &key);
		key.ino = ino;
		content_add(rc->a->ct, &key, igen, NULL, d);
		/* Rewritten in place with a content no longer banned: its
		 * rule (same inode, same generation) would hold on. */
		if (was_banned && content_banned(rc->a->c, d) < 0)
			loader_drop_content_rule(&rc->a->l, rc->a->load_id, dev, ino);
	}
	app = content_banned(rc->a->c, d);
	if (app < 0)
		return 0;
	rule.app = app;
	/* Bound to this file, not to its inode number (reused once deleted). */
	if (igen >= 0) {
		rule.bind = APPBAN_BIND_GEN;
		rule.igen = (__u64)igen;
	} else {
		rule.bind = APPBAN_BIND_CTIME;
		rule.ctime_ns = (__u64)key.ctime_sec * 1000000000ull + key.ctime_nsec;
	}
	switch (loader_add_rule_now(&rc->a->l, rc->a->load_id, dev, ino, &rule)) {
	case 0:
		if (igen >= 0)
			compiled_add_inode(rc->a->c, dev, ino, app, APPBAN_MATCH_SHA256, igen);
		else
			compiled_add_inode_ctime(rc->a->c, dev, ino, app, APPBAN_MATCH_SHA256,
						 rule.ctime_ns);
		break;
	case -ESTALE: /* another load's policy is in force: not ours to apply */
		return 0;
	}
	if (ev->exec)
		kill_banned_start(rc, ev->pid, app, dev, ino, ev->fd);
	return 0;
}

/* A start of a file with banned content that the kernel let through (a
 * memfd copy, or a file unseen until its exec): killed from here. */
static void kill_banned_start(struct enforcer *rc, pid_t pid, int app, __u32 dev, __u64 ino, int fd)
{
	struct appban_event e = {
		.type = APPBAN_EV_EXEC_BLOCKED,
		.gen = rc->a->l.state.active_gen,
		.app = app,
		.pid = pid,
		.dev = dev,
		.ino = ino,
		.match = APPBAN_MATCH_SHA256,
		.method = APPBAN_METHOD_SIGKILL,
		.hook = APPBAN_HOOK_EXEC,
		.exception = APPBAN_NO_EXCEPTION,
	};
	char link[64];
	ssize_t n;
	int exc;

	/* The file being executed: the process may still be in its exec. */
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, e.filename, sizeof(e.filename) - 1);
	if (n > 0)
		e.filename[n] = 0;
	/* An exception covers deny exec, as in the kernel's decide(). */
	exc = check_exception_pid(&rc->a->l, e.gen, app, pid);
	if (exc >= 0) {
		e.type = APPBAN_EV_EXEC_AUDITED;
		e.method = APPBAN_METHOD_NONE;
		e.exception = exc;
		event_reader_deliver(rc->r, &e, REC_EXEC_AUDITED);
		return;
	}
	if (kill(pid, SIGKILL) == 0)
		event_reader_deliver(rc->r, &e, REC_EXEC_BLOCKED);
}

/* The digest of (dev, ino) as of `st`, for the kernel's checks at the next
 * starts (bpf/content.h): written by user space, its i_version unknown. */
static void remember_digest(struct enforcer *rc, __u32 dev, __u64 ino, const struct stat *st,
			    const __u8 d[SCAN_SHA256_LEN])
{
	struct appban_digest_cache_val v = {
		.ctime_sec = st->st_ctim.tv_sec,
		.ctime_nsec = (__u64)st->st_ctim.tv_nsec,
		.size = (__u64)st->st_size,
		.version = APPBAN_VERSION_ANY,
	};

	memcpy(v.sha256, d, sizeof(v.sha256));
	loader_remember_digest(&rc->a->l, dev, ino, &v);
}

/* A start whose content the kernel did not check (a fileless exec; an exec
 * on a file system appban does not watch, a private mount of another mount
 * namespace included; a file IMA could not hash): hashed here through
 * /proc/PID/exe, and killed if its content is banned. */
#define EXE_WAIT_TRIES 100
#define EXE_WAIT_US 2000
static void check_exe(struct enforcer *rc, const struct appban_event *ev)
{
	struct hashcache_key key;
	__u8 d[SCAN_SHA256_LEN];
	struct stat st;
	char link[64];
	int fd = -1, app, i;
	__u64 id;

	/* The lsm engine reports the exec before it is done: wait (briefly)
	 * until /proc/PID/exe is the file the kernel reported. */
	snprintf(link, sizeof(link), "/proc/%u/exe", ev->pid);
	for (i = 0; i < EXE_WAIT_TRIES; i++) {
		fd = open(link, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return;
		if (!fstat(fd, &st) && st.st_ino == ev->ino)
			break;
		close(fd);
		fd = -1;
		usleep(EXE_WAIT_US);
	}
	if (fd < 0)
		return;
	content_key_of(&st, ev->dev, &key);
	key.ino = ev->ino;
	if ((!rc->a->ct || content_lookup_exact(rc->a->ct, &key, d)) && scan_hash_fd(fd, d, &st)) {
		close(fd);
		return;
	}
	if (rc->a->ct)
		content_add(rc->a->ct, &key, -1, NULL, d);
	if (ev->match != APPBAN_MATCH_FILELESS)
		remember_digest(rc, ev->dev, ev->ino, &st, d);
	app = rc->a->c ? content_banned(rc->a->c, d) : -1;
	if (app >= 0 && !loader_in_force(&rc->a->l, &id) && id == rc->a->load_id)
		kill_banned_start(rc, ev->pid, app, ev->dev, ev->ino, fd);
	close(fd);
}

void enforce_record(struct enforcer *rc, const struct record *r)
{
	if (!r->ev)
		return;
	if (r->kind == REC_CONTENT_UNKNOWN ||
	    (rc->a->ct && r->kind == REC_EXEC_AUDITED && r->ev->match == APPBAN_MATCH_FILELESS &&
	     r->ev->hook == APPBAN_HOOK_EXEC))
		check_exe(rc, r->ev);
}
