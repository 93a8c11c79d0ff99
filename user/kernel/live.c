// SPDX-License-Identifier: GPL-2.0
/* What a load does to the processes already running (live.bpf.c decides,
 * with exec's code): kill those of a deny exec app, mark the descendants of
 * those of a deny network app, and tear down their IPv4/IPv6 sockets. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kernel/live.h"
#include "kernel/loader.h"
#include "live.skel.h"
#include "live_compat.skel.h"
#include "kernel/features.h"
#include "util/log.h"
#include "kernel/livepass.h"
#include "kernel/livesock.h"
#include "kernel/sockdiag.h"
#include "util/clock.h"
#include "util/proc.h"

#define KILL_WAIT_MS 1000 /* a killed process must be gone within this */

/* Run the iterator: one record per process. */
static int scan(struct live *lv)
{
	size_t cap = 0, len = 0;
	char *buf = NULL;
	ssize_t n;
	int it, link, err = 0;

	link = bpf_link_create(lv->scan_fd, 0, BPF_TRACE_ITER, NULL);
	if (link < 0)
		return -errno;
	it = bpf_iter_create(link);
	if (it < 0) {
		err = -errno;
		goto out;
	}
	for (;;) {
		if (cap - len < 65536) {
			char *p = realloc(buf, cap + 262144);

			if (!p) {
				err = -ENOMEM;
				break;
			}
			buf = p;
			cap += 262144;
		}
		n = read(it, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : 0;
			break;
		}
		len += n;
	}
	close(it);
	if (!err) {
		lv->recs = (struct appban_live_rec *)buf;
		lv->n = len / sizeof(*lv->recs);
		buf = NULL;
	}
out:
	free(buf);
	close(link);
	return err;
}

/* Still the process the iterator saw: its start time in /proc (clock ticks
 * since boot) is the iterator's start_boottime. */
static int same_process(const struct appban_live_rec *r)
{
	__u64 tick = 0, start = proc_start_ns((pid_t)r->pid, &tick);

	return start && start == r->start_boottime / tick * tick;
}

/* SIGKILL through a pidfd, so that a pid reused meanwhile is not hit, and
 * wait until the process is gone. */
static int kill_one(struct live *lv, const struct appban_live_rec *r)
{
	struct appban_event e;
	struct pollfd pfd;
	int fd, err = 0;

	if (r->pid == (__u32)getpid() || r->pid <= 1) {
		pr_warn("not killing pid %u (%.16s): %s\n", r->pid, r->comm,
			r->pid <= 1 ? "init" : "appban itself");
		return -EPERM;
	}
	fd = syscall(SYS_pidfd_open, r->pid, 0);
	if (fd < 0)
		return errno == ESRCH ? 0 : -errno;
	if (!same_process(r))
		goto out;
	live_event(r, APPBAN_EV_PROCESS_KILLED, &e);
	e.method = APPBAN_METHOD_SIGKILL;
	if (syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0)) {
		err = errno == ESRCH ? 0 : -errno;
		goto out;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, KILL_WAIT_MS) != 1) {
		pr_warn("pid %u (%.16s) is still there %d ms after SIGKILL\n", r->pid, r->comm,
			KILL_WAIT_MS);
		err = -ETIMEDOUT;
		goto out;
	}
	err = 1;
	live_emit(lv, &e);
out:
	close(fd);
	return err;
}

static struct appban_live_rec *find_pid(struct live *lv, __u32 pid)
{
	size_t i;

	for (i = 0; i < lv->n; i++)
		if (lv->recs[i].pid == pid)
			return &lv->recs[i];
	return NULL;
}

/* "Its child processes inherit the ban": a process started by a process of
 * a net-banned app is marked at fork, so one already running is marked now,
 * with its ancestor's app. Processes are sorted by pid, parents need not
 * come first: repeat until nothing changes. */
static void mark_descendants(struct live *lv, unsigned int *marked)
{
	int changed = 1;
	size_t i;

	while (changed) {
		changed = 0;
		for (i = 0; i < lv->n; i++) {
			struct appban_live_rec *r = &lv->recs[i], *p;
			struct appban_net_mark m = { 0 };

			if (r->action || r->pid <= 1)
				continue;
			p = find_pid(lv, r->ppid);
			if (!p ||
			    (p->action != APPBAN_LIVE_NET && p->action != APPBAN_LIVE_NET_AUDIT))
				continue;
			m.start_time = r->start_time;
			m.gen = p->gen;
			m.app = p->app;
			m.match = p->match;
			m.audit_only = p->action == APPBAN_LIVE_NET_AUDIT;
			m.exception = APPBAN_NO_EXCEPTION; /* an exempt parent is not NET */
			if (bpf_map_update_elem(lv->l->marks_fd, &r->pid, &m, BPF_ANY))
				continue;
			r->action = p->action;
			r->gen = p->gen;
			r->app = p->app;
			r->match = p->match;
			changed = 1;
			(*marked)++;
		}
	}
}

/* The two programs, loaded against the pinned maps: the compat object
 * where the engines' are (a kernel without the features of 5.17). */
static struct bpf_object *live_load(int compat)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = APPBAN_PIN_DIR,
		    .object_name = "appban_live");
	struct bpf_object *obj;
	const void *bytes;
	size_t sz;
	int err;

	bytes = compat ? live_compat_bpf__elf_bytes(&sz) : live_bpf__elf_bytes(&sz);
	obj = bpf_object__open_mem(bytes, sz, &opts);
	if (!obj)
		return NULL;
	err = pins_match_sizes(obj);
	if (!err)
		err = bpf_object__load(obj);
	if (err) {
		pr_warn("cannot load the programs that act on running processes: %s\n",
			strerror(-err));
		bpf_object__close(obj);
		errno = -err;
		return NULL;
	}
	return obj;
}

static struct bpf_program *live_prog(struct bpf_object *obj, const char *name)
{
	return bpf_object__find_program_by_name(obj, name);
}

int live_pin_programs(void)
{
	/* (right after the fresh load, which chose its objects the same way) */
	struct bpf_object *obj = live_load(kernel_compat());
	int err;

	if (!obj)
		return -errno;
	err = bpf_program__pin(live_prog(obj, "appban_live_scan"), LIVE_SCAN_PIN);
	if (!err)
		err = bpf_program__pin(live_prog(obj, "appban_live_emit"), LIVE_EMIT_PIN);
	bpf_object__close(obj);
	return err;
}

/* The pinned programs; loaded here when the policy was loaded by a version
 * of appban that did not pin them. */
static int live_programs(struct live *lv)
{
	lv->scan_fd = bpf_obj_get(LIVE_SCAN_PIN);
	lv->emit_fd = bpf_obj_get(LIVE_EMIT_PIN);
	if (lv->scan_fd >= 0 && lv->emit_fd >= 0)
		return 0;
	if (lv->scan_fd >= 0)
		close(lv->scan_fd);
	if (lv->emit_fd >= 0)
		close(lv->emit_fd);
	lv->scan_fd = lv->emit_fd = -1;
	lv->obj = live_load(!!(lv->l->state.features & APPBAN_FEAT_COMPAT));
	if (!lv->obj)
		return -errno;
	lv->scan_fd = dup(bpf_program__fd(live_prog(lv->obj, "appban_live_scan")));
	lv->emit_fd = dup(bpf_program__fd(live_prog(lv->obj, "appban_live_emit")));
	return lv->scan_fd < 0 || lv->emit_fd < 0 ? -EMFILE : 0;
}

int live_apply(struct loader *l, struct live_report *rep)
{
	struct live lv = { .l = l, .scan_fd = -1, .emit_fd = -1 };
	size_t i;
	int err;

	memset(rep, 0, sizeof(*rep));
	err = live_programs(&lv);
	if (err)
		goto out;
	err = scan(&lv);
	if (err) {
		pr_warn("cannot list the running processes: %s\n", strerror(-err));
		goto out;
	}
	for (i = 0; i < lv.n; i++) {
		const struct appban_live_rec *r = &lv.recs[i];

		if (r->action == APPBAN_LIVE_KILL) {
			int k = kill_one(&lv, r);

			if (k > 0)
				rep->killed++;
			else if (k < 0)
				rep->kill_failed++;
		} else if (r->action == APPBAN_LIVE_NET || r->action == APPBAN_LIVE_NET_AUDIT) {
			rep->marked++;
		}
	}
	mark_descendants(&lv, &rep->marked);
	err = live_close_sockets(&lv, rep);
out:
	free(lv.recs);
	if (lv.scan_fd >= 0)
		close(lv.scan_fd);
	if (lv.emit_fd >= 0)
		close(lv.emit_fd);
	bpf_object__close(lv.obj);
	return err;
}

void live_protection(const struct appban_state *st, const struct appban_meta *meta,
		     struct protection *out)
{
	const char *why;

	out->name = "running-processes";
	out->state = "killed";
	if (meta->mode == APPBAN_MODE_MONITOR) {
		out->state = "open";
		out->how = "monitor mode: running processes are left alone (those of a deny "
			   "network app are marked: their network use is reported)";
	} else if (sockdiag_destroy_works(&why)) {
		out->how = "at every load: running processes of a deny exec app are killed; those "
			   "of a deny network app and their descendants are marked, and their "
			   "sockets torn down (netlink SOCK_DESTROY: TCP reset)";
	} else {
		out->how = "at every load: running processes of a deny exec app are killed; those "
			   "of a deny network app and their descendants are marked, and their "
			   "sockets shut down through pidfd_getfd (no SOCK_DESTROY here: "
			   "CONFIG_INET_DIAG_DESTROY or inet_diag missing)";
	}
}

void live_after_load(struct loader *l, int no_kill)
{
	struct live_report rep;
	char failed[96] = "";

	if (no_kill || live_apply(l, &rep))
		return;
	if (!rep.killed && !rep.kill_failed && !rep.marked && !rep.closed && !rep.close_failed)
		return;
	if (rep.kill_failed || rep.close_failed)
		snprintf(failed, sizeof(failed), "; %u processes not killed, %u sockets not closed",
			 rep.kill_failed, rep.close_failed);
	pr_warn("running processes: %u killed, %u put under a network ban, %u sockets closed (%s)%s\n",
		rep.killed, rep.marked, rep.closed,
		rep.sock_destroy ? "SOCK_DESTROY" : "shutdown through pidfd_getfd", failed);
}
