// SPDX-License-Identifier: GPL-2.0
/* What is enforced from user space while events stream (enforce.h): files
 * written or started, hashed as they come, and fileless starts. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "enforce.h"
#include "content/fileids.h"
#include "kernel/check.h"
#include "util/log.h"
#include "util/proc.h"

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

static void kill_banned_start(struct enforcer *rc, pid_t pid, int pidfd, int app, __u32 dev,
			      __u64 ino, int fd);
static int add_content_rule(struct enforcer *rc, int fd, __u32 dev, __u64 ino,
			    const struct hashcache_key *key, __s64 igen, int app);
static void big_submit(struct enforcer *rc, int fd, pid_t pid, __u32 dev, __u64 ino, __s64 igen,
		       int add_rule);
static void digest_found(struct enforcer *rc, pid_t pid, int pidfd, __u32 dev, __u64 ino,
			 const struct stat *st, int fd, const __u8 d[SCAN_SHA256_LEN],
			 int may_kill);
static int kernel_refused_start(struct enforcer *rc, pid_t pid, __u32 dev, __u64 ino, __s64 igen,
				const struct stat *st, int app);
static void remember_digest(struct enforcer *rc, __u32 dev, __u64 ino, const struct stat *st,
			    const __u8 d[SCAN_SHA256_LEN]);

/* A file written, or executed, while running: hash it; banned content gets
 * an inode rule in the generation in force, and a start of it is killed,
 * unless the kernel's rule was in force before the start (then the kernel
 * refused it itself: kernel_refused_start). A file executed is hashed again
 * unless known in this version (size, change time): truncate(2) by path
 * changes a file without a write event. */
int enforce_on_watch(const struct watch_event *ev, void *arg)
{
	struct enforcer *rc = arg;
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
	if (st.st_size > ENFORCE_INLINE_HASH_MAX &&
	    (!ev->exec || content_lookup_exact(rc->a->ct, &key, d))) {
		/* A large file: hashed at its exec, apart (big_submit). */
		if (ev->exec)
			big_submit(rc, ev->fd, ev->pid, dev, ino, igen, 1);
		return 0;
	}
	if (!ev->exec || content_lookup_exact(rc->a->ct, &key, d)) {
		__u8 before[SCAN_SHA256_LEN];
		int was_banned = !content_lookup(rc->a->ct, dev, ino, before) &&
				 content_banned(rc->a->c, before) >= 0;

		if (scan_hash_fd(ev->fd, d, &st))
			return 0;
		content_key_of(&st, dev, &key);
		key.ino = ino;
		content_add(rc->a->ct, &key, igen, NULL, d);
		remember_digest(rc, dev, ino, &st, d);
		/* Rewritten in place with a content no longer banned: its
		 * rule (same inode, same generation) would hold on. */
		if (was_banned && content_banned(rc->a->c, d) < 0)
			loader_drop_content_rule(&rc->a->l, rc->a->load_id, dev, ino);
	}
	app = content_banned(rc->a->c, d);
	if (app < 0)
		return 0;
	/* The event comes at the open of the file, before the kernel's check:
	 * a start that the rule in force refuses is not killed as well (a
	 * shell whose exec fails goes on; one record of the start). */
	if (ev->exec && kernel_refused_start(rc, ev->pid, dev, ino, igen, &st, app))
		return 0;
	/* Another load's policy in force: not ours to apply. */
	if (add_content_rule(rc, ev->fd, dev, ino, &key, igen, app) == -ESTALE)
		return 0;
	if (ev->exec)
		kill_banned_start(rc, ev->pid, -1, app, dev, ino, ev->fd);
	return 0;
}

/* A file with an inode rule that no longer exists: its rule goes, from the
 * kernel, the policy in force and the table of known files (fileids.h). */
static void rule_file_gone(void *ctx, __u32 dev, __u64 ino)
{
	struct enforcer *rc = ctx;

	loader_drop_content_rule(&rc->a->l, rc->a->load_id, dev, ino);
	if (rc->a->c)
		compiled_drop_content_inode(rc->a->c, dev, ino);
	content_forget(rc->a->ct, dev, ino);
	rc->rules_removed++;
}

static size_t sweep_rule_files(struct enforcer *rc)
{
	size_t n = fileids_sweep(rc->ids, rule_file_gone, rc);

	if (n)
		pr_info("content: %zu rule(s) of files that no longer exist removed\n", n);
	rc->next_sweep = 2 * fileids_count(rc->ids);
	if (rc->next_sweep < ENFORCE_SWEEP_MIN)
		rc->next_sweep = ENFORCE_SWEEP_MIN;
	return n;
}

/* Remember the file of a rule just added; now and then (each time their
 * number has doubled), forget the rules of those that are gone. */
static void note_rule_file(struct enforcer *rc, int fd, __u32 dev, __u64 ino)
{
	if (fd < 0)
		return;
	if (!rc->ids) {
		rc->ids = fileids_new();
		rc->next_sweep = ENFORCE_SWEEP_MIN;
	}
	if (!rc->ids || fileids_add(rc->ids, fd, dev, ino))
		return; /* (no handle: the rule stays as long as the policy) */
	if (fileids_count(rc->ids) >= rc->next_sweep)
		sweep_rule_files(rc);
}

/* A file with banned content found while running: an inode rule in the
 * generation in force, so that its next starts are refused in the kernel.
 * fd: the file (-1: unknown). -ESTALE: another load's policy is in force. */
static int add_content_rule(struct enforcer *rc, int fd, __u32 dev, __u64 ino,
			    const struct hashcache_key *key, __s64 igen, int app)
{
	struct appban_rule rule = { .match = APPBAN_MATCH_SHA256 };
	int err;

	rule.app = app;
	/* Bound to this file, not to its inode number (reused once deleted). */
	if (igen >= 0) {
		rule.bind = APPBAN_BIND_GEN;
		rule.igen = (__u64)igen;
	} else {
		rule.bind = APPBAN_BIND_CTIME;
		rule.ctime_ns = (__u64)key->ctime_sec * 1000000000ull + key->ctime_nsec;
	}
	err = loader_add_rule_now(&rc->a->l, rc->a->load_id, dev, ino, &rule);
	/* The map is full: room made by the rules of files gone, if any. */
	if (err == -E2BIG && rc->ids && sweep_rule_files(rc))
		err = loader_add_rule_now(&rc->a->l, rc->a->load_id, dev, ino, &rule);
	if (!err) {
		note_rule_file(rc, fd, dev, ino);
		if (igen >= 0)
			compiled_add_inode(rc->a->c, dev, ino, app, APPBAN_MATCH_SHA256, igen);
		else
			compiled_add_inode_ctime(rc->a->c, dev, ino, app, APPBAN_MATCH_SHA256,
						 rule.ctime_ns);
	} else if (err != -ESTALE && !rc->rule_failures++) {
		/* A full rule map never lets it run: its digest is in the
		 * kernel's cache (remember_digest), which the digest rules
		 * read at every start. */
		pr_warn("cannot add a rule for a file with a banned content (%s); its starts are refused through the kernel's digest cache (reported once)\n",
			strerror(-err));
	}
	return err;
}

/* Did the kernel's own check of this start (at bprm_check_security with the
 * lsm engine, at sched_process_exec with the fallback one) already see the
 * rule that bans the file? The watch's event comes at the open of the file,
 * before that check, and carries no time; the rule and the process do:
 * - the file's inode rule in the generation in force, for app `app` and
 *   bound to this very file, and the epoch, a boot-clock time taken after
 *   the last change of the rules in force (a swap's switch and the
 *   attachment of a fresh load's programs included), both read under the
 *   lock that every change holds until its epoch is written
 *   (loader_inode_rule_since): the rule has been in force since then;
 * - the start of the process (rounded down to a tick), which came before
 *   its exec, so before the kernel's check.
 * A process that began after the epoch had its exec checked with the rule
 * in force: refused by the kernel, which reports it (or its exception). A
 * rule added or changed since the process began (a walk that found the file
 * between the kernel's check and this event, add_content_rule now, a
 * reload, any other rule: the epoch is global) leaves it open whether the
 * kernel saw the rule: the start is killed, as a start the kernel may have
 * let through (a process that was already running when the rules last
 * changed and then execs the file, e.g. a shell's `exec`, too). Never wrong
 * the other way: no start that the kernel let through is spared. */
static int kernel_refused_start(struct enforcer *rc, pid_t pid, __u32 dev, __u64 ino, __s64 igen,
				const struct stat *st, int app)
{
	struct appban_rule r;
	__u64 since, start;

	start = proc_start_ns(pid, NULL);
	if (!start || loader_inode_rule_since(&rc->a->l, rc->a->load_id, dev, ino, &r, &since))
		return 0;
	if (r.match != APPBAN_MATCH_SHA256 || r.app != (__u32)app)
		return 0;
	/* Bound to this file, as the kernel checks it (bpf/identity.h). */
	if (r.bind == APPBAN_BIND_GEN) {
		if (igen < 0 || (__u32)r.igen != (__u32)igen)
			return 0;
	} else if (r.ctime_ns && r.ctime_ns != (__u64)st->st_ctim.tv_sec * 1000000000ull +
						       (__u64)st->st_ctim.tv_nsec) {
		return 0;
	}
	return start > since;
}

/* A start of a file with banned content that the kernel let through (a
 * memfd copy, or a file unseen until its exec): killed from here. */
static void kill_banned_start(struct enforcer *rc, pid_t pid, int pidfd, int app, __u32 dev,
			      __u64 ino, int fd)
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
	/* Through a pidfd when the start was hashed apart: the pid may
	 * have been reused since. */
	if ((pidfd >= 0 ? (int)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) :
			  kill(pid, SIGKILL)) == 0)
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
 * namespace included; a file IMA could not hash), open as fd: hashed here,
 * and killed if its content is banned. */
static void check_started(struct enforcer *rc, const struct appban_event *ev, int fd,
			  struct stat *st)
{
	struct hashcache_key key;
	__u8 d[SCAN_SHA256_LEN];

	content_key_of(st, ev->dev, &key);
	key.ino = ev->ino;
	if (!rc->a->ct || content_lookup_exact(rc->a->ct, &key, d)) {
		if (st->st_size > ENFORCE_INLINE_HASH_MAX) {
			big_submit(rc, fd, ev->pid, ev->dev, ev->ino, -1, 0);
			return;
		}
		if (scan_hash_fd(fd, d, st))
			return;
	}
	/* (The kernel's own record says it let this start through.) */
	digest_found(rc, ev->pid, -1, ev->dev, ev->ino, st, fd, d, 1);
}

/* The kernel reports a start or a mapping before it is done: wait (briefly)
 * until the process has the file it reported. */
#define EXE_WAIT_TRIES 100
#define EXE_WAIT_US 2000

/* ... through /proc/PID/exe. */
static void check_exe(struct enforcer *rc, const struct appban_event *ev)
{
	struct stat st;
	char link[64];
	int fd = -1, i;

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
	check_started(rc, ev, fd, &st);
	close(fd);
}

/* ... through the process's mapping of it (/proc/PID/map_files): a file
 * with no name left mapped executable (ld.so /proc/self/fd/N of a memfd). */
static void check_mapping(struct enforcer *rc, const struct appban_event *ev)
{
	unsigned long start, end, off, inode;
	char path[64], line[512], perms[8], devs[16];
	struct stat st;
	int fd = -1, i;
	FILE *f;

	for (i = 0; i < EXE_WAIT_TRIES && fd < 0; i++) {
		snprintf(path, sizeof(path), "/proc/%u/maps", ev->pid);
		f = fopen(path, "re");
		if (!f)
			return;
		while (fd < 0 && fgets(line, sizeof(line), f)) {
			if (sscanf(line, "%lx-%lx %7s %lx %15s %lu", &start, &end, perms, &off,
				   devs, &inode) != 6 ||
			    inode != ev->ino)
				continue;
			snprintf(path, sizeof(path), "/proc/%u/map_files/%lx-%lx", ev->pid, start,
				 end);
			fd = open(path, O_RDONLY | O_CLOEXEC);
		}
		fclose(f);
		if (fd < 0)
			usleep(EXE_WAIT_US);
	}
	if (fd < 0)
		return;
	if (!fstat(fd, &st) && st.st_ino == ev->ino)
		check_started(rc, ev, fd, &st);
	close(fd);
}

/* The digest of a start's file, as of `st`: remembered (the table, the
 * kernel's cache), and a banned one killed if its policy is in force and
 * may_kill (0: the kernel refused this start itself). */
static void digest_found(struct enforcer *rc, pid_t pid, int pidfd, __u32 dev, __u64 ino,
			 const struct stat *st, int fd, const __u8 d[SCAN_SHA256_LEN], int may_kill)
{
	struct hashcache_key key;
	__u64 id;
	int app;

	content_key_of(st, dev, &key);
	key.ino = ino;
	if (rc->a->ct)
		content_add(rc->a->ct, &key, -1, NULL, d);
	if (st->st_nlink)
		remember_digest(rc, dev, ino, st, d);
	app = rc->a->c ? content_banned(rc->a->c, d) : -1;
	if (app >= 0 && may_kill && !loader_in_force(&rc->a->l, &id) && id == rc->a->load_id)
		kill_banned_start(rc, pid, pidfd, app, dev, ino, fd);
}

/* ---- large files, hashed apart ----
 *
 * A file larger than ENFORCE_INLINE_HASH_MAX is hashed when it is started
 * (a write of it is not hashed: any user can make a sparse file of an
 * exabyte), by up to BIG_WORKERS threads, so that no file holds back the
 * event stream or the check of other starts. A hash is given up when its
 * process has ended (the next start of the file is reported again). */
#define BIG_WORKERS 4
#define BIG_SLOTS 64

struct big_job {
	int used, running, done, cancel, add_rule, err;
	int fd, pidfd;
	pid_t pid;
	__u32 dev;
	__u64 ino;
	__s64 igen;
	struct stat st;
	__u8 d[SCAN_SHA256_LEN];
	pthread_t thread;
	struct enforcer *rc;
};

struct big {
	pthread_mutex_t lock;
	int efd; /* eventfd: a job is done */
	int running;
	struct big_job jobs[BIG_SLOTS];
};

static void *big_thread(void *arg)
{
	struct big_job *j = arg;
	struct big *b = j->rc->big;
	__u64 one = 1;

	j->err = scan_hash_fd_until(j->fd, j->d, &j->st, &j->cancel);
	pthread_mutex_lock(&b->lock);
	j->done = 1;
	pthread_mutex_unlock(&b->lock);
	if (write(b->efd, &one, sizeof(one)) < 0)
		pr_warn("cannot wake the event loop: %s\n", strerror(errno));
	return NULL;
}

/* Start queued jobs while fewer than BIG_WORKERS run. Under b->lock. */
static void big_start(struct big *b)
{
	size_t i;

	for (i = 0; i < BIG_SLOTS && b->running < BIG_WORKERS; i++) {
		struct big_job *j = &b->jobs[i];

		if (!j->used || j->running || j->done)
			continue;
		j->running = 1;
		if (pthread_create(&j->thread, NULL, big_thread, j)) {
			j->running = 0;
			break;
		}
		b->running++;
	}
}

static void big_submit(struct enforcer *rc, int fd, pid_t pid, __u32 dev, __u64 ino, __s64 igen,
		       int add_rule)
{
	struct big *b = rc->big;
	struct big_job *j = NULL;
	size_t i;

	if (!b) {
		b = calloc(1, sizeof(*b));
		if (!b)
			goto full;
		b->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (b->efd < 0) {
			free(b);
			goto full;
		}
		pthread_mutex_init(&b->lock, NULL);
		rc->big = b;
	}
	pthread_mutex_lock(&b->lock);
	for (i = 0; i < BIG_SLOTS; i++) {
		if (b->jobs[i].used && b->jobs[i].dev == dev && b->jobs[i].ino == ino &&
		    b->jobs[i].pid == pid) {
			pthread_mutex_unlock(&b->lock);
			return; /* already under way */
		}
		if (!j && !b->jobs[i].used)
			j = &b->jobs[i];
	}
	if (j) {
		memset(j, 0, sizeof(*j));
		j->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		j->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
		if (j->fd >= 0 && j->pidfd >= 0) {
			j->used = 1;
			j->rc = rc;
			j->pid = pid;
			j->dev = dev;
			j->ino = ino;
			j->igen = igen;
			j->add_rule = add_rule;
			big_start(b);
		} else {
			if (j->fd >= 0)
				close(j->fd);
			if (j->pidfd >= 0)
				close(j->pidfd);
			j = NULL;
		}
	}
	pthread_mutex_unlock(&b->lock);
	if (j)
		return;
full:
	pr_warn("cannot hash the large file %u:%llu started by pid %d (%d hashes under way): its start is not checked\n",
		dev, (unsigned long long)ino, (int)pid, BIG_SLOTS);
}

int enforce_big_fd(const struct enforcer *rc)
{
	return rc->big ? rc->big->efd : -1;
}

static void big_release(struct big_job *j)
{
	close(j->fd);
	close(j->pidfd);
	j->used = 0;
}

void enforce_big_done(struct enforcer *rc)
{
	struct big *b = rc->big;
	struct pollfd p;
	__u64 n;
	size_t i;

	if (!b)
		return;
	if (read(b->efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		pr_warn("eventfd: %s\n", strerror(errno));
	pthread_mutex_lock(&b->lock);
	for (i = 0; i < BIG_SLOTS; i++) {
		struct big_job *j = &b->jobs[i];

		if (!j->used)
			continue;
		if (!j->done) {
			/* Its process has ended: nothing to stop any more. */
			p.fd = j->pidfd;
			p.events = POLLIN;
			if (poll(&p, 1, 0) > 0)
				j->cancel = 1;
			continue;
		}
		if (j->running) {
			pthread_join(j->thread, NULL);
			j->running = 0;
			b->running--;
		}
		pthread_mutex_unlock(&b->lock);
		if (!j->err) {
			int app = rc->a->c ? content_banned(rc->a->c, j->d) : -1;
			struct hashcache_key key;

			int may_kill = 1;

			content_key_of(&j->st, j->dev, &key);
			key.ino = j->ino;
			/* A start seen by the watch (add_rule), as in
			 * enforce_on_watch: not killed when the kernel's rule
			 * was in force before it. (A start the kernel reported
			 * as unchecked was let through: killed.) */
			if (j->add_rule && app >= 0 &&
			    kernel_refused_start(rc, j->pid, j->dev, j->ino, j->igen, &j->st, app))
				may_kill = 0;
			else if (j->add_rule && app >= 0 && rc->a->ct)
				add_content_rule(rc, j->fd, j->dev, j->ino, &key, j->igen, app);
			digest_found(rc, j->pid, j->pidfd, j->dev, j->ino, &j->st, j->fd, j->d,
				     may_kill);
		}
		pthread_mutex_lock(&b->lock);
		big_release(j);
	}
	big_start(b);
	pthread_mutex_unlock(&b->lock);
}

void enforce_close(struct enforcer *rc)
{
	struct big *b = rc->big;
	size_t i;

	fileids_free(rc->ids);
	rc->ids = NULL;
	if (!b)
		return;
	pthread_mutex_lock(&b->lock);
	for (i = 0; i < BIG_SLOTS; i++)
		b->jobs[i].cancel = 1;
	pthread_mutex_unlock(&b->lock);
	for (i = 0; i < BIG_SLOTS; i++) {
		if (b->jobs[i].running)
			pthread_join(b->jobs[i].thread, NULL);
		if (b->jobs[i].used)
			big_release(&b->jobs[i]);
	}
	close(b->efd);
	pthread_mutex_destroy(&b->lock);
	free(b);
	rc->big = NULL;
}

void enforce_record(struct enforcer *rc, const struct record *r)
{
	if (!r->ev)
		return;
	if (r->kind == REC_CONTENT_UNKNOWN ||
	    (rc->a->ct && r->kind == REC_EXEC_AUDITED && r->ev->match == APPBAN_MATCH_FILELESS &&
	     r->ev->hook == APPBAN_HOOK_EXEC))
		check_exe(rc, r->ev);
	else if (rc->a->ct && r->kind == REC_EXEC_AUDITED &&
		 r->ev->match == APPBAN_MATCH_FILELESS &&
		 (r->ev->hook == APPBAN_HOOK_MMAP || r->ev->hook == APPBAN_HOOK_MPROTECT))
		check_mapping(rc, r->ev);
}
