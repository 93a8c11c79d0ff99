/* SPDX-License-Identifier: GPL-2.0 */
/* From a match to a decision: the active generation, the policy's mode, the
 * app's action; and the network marks that a decision leaves on a process. */
#ifndef __APPBAN_VERDICT_H
#define __APPBAN_VERDICT_H

#include "identity.h"

#define EPERM 1
#define AF_INET 2
#define AF_INET6 10
#define SIGKILL 9

/* What a program does about an exec. */
enum appban_decision {
	DECIDE_ALLOW = 0,
	DECIDE_BLOCK, /* deny exec in enforce mode */
	DECIDE_AUDIT, /* report, allow */
	DECIDE_NET_MARK, /* allow, and put the process under a network ban */
	DECIDE_NET_MARK_AUDIT, /* allow, report, and mark it audit-only */
};

struct appban_ctx {
	__u32 gen;
	const struct appban_meta *meta;
};

/* Read the active generation once per call. Returns 0 when a policy is in force. */
static __always_inline int policy_ctx(struct appban_ctx *c)
{
	__u32 zero = 0;
	struct appban_state *st = bpf_map_lookup_elem(&appban_state, &zero);
	__u32 gen;

	if (!st || st->inert)
		return -1;
	gen = st->active_gen & 1;
	c->gen = gen;
	c->meta = bpf_map_lookup_elem(&appban_meta, &gen);
	if (!c->meta || !c->meta->n_apps)
		return -1;
	return 0;
}

/* The exception entry of (app, kind, id) in force at `now`, or NULL. */
static __always_inline struct appban_exc *exc_lookup(struct appban_exc_key *k, __u32 kind, __u32 id,
						     __u64 now)
{
	struct appban_exc *x;

	k->kind = kind;
	k->id = id;
	x = gen_lookup(&appban_exceptions, &k->gen, k);
	if (x && x->until_boot_ns && now >= x->until_boot_ns)
		return NULL;
	return x;
}

/* Does an `allow` block of generation `gen` let `task` use app `app`? By
 * its real uid, its real gid or one of its supplementary groups (objective
 * credentials, so the answer is the same for the current task and for a
 * task seen from outside, such as by an iterator over running processes).
 * `until` is compared with CLOCK_BOOTTIME: the loader converted the end of
 * the day to it, so an exception ends without a reload. The one check of
 * every decision path of both engines: call it through decide(). Returns 1
 * and fills hit->exception and hit->exc_until_boot_ns when covered. */
static __noinline int exception_check(__u32 gen, struct appban_hit *hit, struct task_struct *task)
{
	struct appban_exc_key k = { .gen = gen & 1 };
	const struct cred *cred = BPF_CORE_READ(task, real_cred);
	__u64 now = bpf_ktime_get_boot_ns();
	struct group_info *gi;
	struct appban_exc *x;
	const void *gids;
	__u32 g;
	int i, n;

	if (!hit)
		return 0;
	k.app = hit->app;
	x = exc_lookup(&k, APPBAN_EXC_UID, BPF_CORE_READ(cred, uid.val), now);
	if (!x)
		x = exc_lookup(&k, APPBAN_EXC_GID, BPF_CORE_READ(cred, gid.val), now);
	if (!x) {
		gi = BPF_CORE_READ(cred, group_info);
		n = gi ? BPF_CORE_READ(gi, ngroups) : 0;
		gids = (const void *)gi + bpf_core_field_offset(struct group_info, gid);
		for (i = 0; i < APPBAN_MAX_SUPP_GROUPS && i < n; i++) {
			/* kgid_t: one __u32 */
			if (bpf_probe_read_kernel(&g, sizeof(g), gids + i * sizeof(g)))
				break;
			x = exc_lookup(&k, APPBAN_EXC_GID, g, now);
			if (x)
				break;
		}
	}
	if (!x)
		return 0;
	hit->exception = x->allow;
	hit->exc_until_boot_ns = x->until_boot_ns;
	return 1;
}

/* The decision on `hit` for `task` (the current task at a hook; a running
 * task for a scan). A deny of exec or network that an exception covers
 * becomes an audit naming the exception (hit->exception). */
static __always_inline enum appban_decision decide(const struct appban_ctx *c,
						   struct appban_hit *hit, struct task_struct *task)
{
	int monitor = c->meta->mode == APPBAN_MODE_MONITOR;
	int exempt = 0;

	hit->exception = APPBAN_NO_EXCEPTION;
	hit->exc_until_boot_ns = 0;
	if ((hit->action == APPBAN_ACTION_DENY_EXEC || hit->action == APPBAN_ACTION_DENY_NETWORK) &&
	    c->meta->n_exc_entries)
		exempt = exception_check(c->gen, hit, task);
	switch (hit->action) {
	case APPBAN_ACTION_DENY_EXEC:
		return monitor || exempt ? DECIDE_AUDIT : DECIDE_BLOCK;
	case APPBAN_ACTION_DENY_NETWORK:
		/* An exempt process is marked all the same: its network uses
		 * are reported, and refused once the exception has ended. */
		return monitor ? DECIDE_NET_MARK_AUDIT : DECIDE_NET_MARK;
	case APPBAN_ACTION_AUDIT:
		return DECIDE_AUDIT;
	}
	return DECIDE_ALLOW;
}

static __always_inline void count(__u32 which)
{
	__u64 *v = bpf_map_lookup_elem(&appban_counters, &which);

	if (v)
		*v += 1;
}

/* Put the process of `task` under the network ban of `hit`: at its exec, or
 * when a load finds it already running (live.bpf.c). */
static __always_inline long net_mark_task(struct task_struct *task, const struct appban_ctx *c,
					  const struct appban_hit *hit, int audit_only)
{
	struct appban_net_mark m = {
		.gen = c->gen,
		.app = hit->app,
		.audit_only = audit_only,
		.match = hit->match,
		.exception = hit->exception,
		.exc_until_boot_ns = hit->exc_until_boot_ns,
	};
	__u32 tgid = BPF_CORE_READ(task, tgid);

	m.start_time = BPF_CORE_READ(task, group_leader, start_time);
	return bpf_map_update_elem(&appban_net_marks, &tgid, &m, BPF_ANY);
}

/* Put the current process under the network ban of `hit`. */
static __always_inline long net_mark_current(const struct appban_ctx *c,
					     const struct appban_hit *hit, int audit_only)
{
	return net_mark_task(current_task(), c, hit, audit_only);
}

/* The exception of a network mark, while it lasts; else APPBAN_NO_EXCEPTION. */
static __always_inline __u32 net_mark_exception(const struct appban_net_mark *m)
{
	if (m->exception == APPBAN_NO_EXCEPTION)
		return APPBAN_NO_EXCEPTION;
	if (m->exc_until_boot_ns && bpf_ktime_get_boot_ns() >= m->exc_until_boot_ns)
		return APPBAN_NO_EXCEPTION;
	return m->exception;
}

#ifdef APPBAN_NET_LOST
/* The children whose network mark could not be written at their fork (no
 * memory left for it, the map full): one record each, the parent's mark
 * with the child's start time, until the child is killed at its first run
 * (appban_fork_child) or ends. Allocated in full at load: writing a record
 * takes no memory. Not pinned: it lives with the engine's programs, as
 * `appban_net_pending`. Only the engines' objects have it. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, APPBAN_MAX_NET_LOST);
	__type(key, __u32);
	__type(value, struct appban_net_mark);
} appban_net_lost SEC(".maps");

/* Records in appban_net_lost (at least): every fork, exit and socket check
 * reads this, not the map. */
__u64 appban_net_lost_n;

static __always_inline struct appban_net_mark *net_lost_of(__u32 tgid)
{
	if (!*(volatile __u64 *)&appban_net_lost_n)
		return 0;
	return bpf_map_lookup_elem(&appban_net_lost, &tgid);
}

/* Record `child`, whose mark `pm` (its parent's) could not be written: it
 * is refused everything a mark refuses, whatever the mark said (monitor
 * mode, an exception), as its parent is killed. 0 when recorded. */
static __always_inline long net_lost_record(struct task_struct *child,
					    const struct appban_net_mark *pm)
{
	struct appban_net_mark m = *pm;
	__u32 tgid = child->tgid;

	m.start_time = child->start_time;
	m.audit_only = 0;
	m.lost = 1;
	m.exception = APPBAN_NO_EXCEPTION;
	m.exc_until_boot_ns = 0;
	if (!bpf_map_update_elem(&appban_net_lost, &tgid, &m, BPF_NOEXIST)) {
		__sync_fetch_and_add(&appban_net_lost_n, 1);
		return 0;
	}
	return bpf_map_update_elem(&appban_net_lost, &tgid, &m, BPF_EXIST);
}

/* The record of process `tgid` started at `start_time` goes. */
static __always_inline void net_lost_forget(__u32 tgid, __u64 start_time)
{
	struct appban_net_mark *m = net_lost_of(tgid);

	if (m && m->start_time == start_time && !bpf_map_delete_elem(&appban_net_lost, &tgid))
		__sync_fetch_and_add(&appban_net_lost_n, -1);
}
#else
static __always_inline struct appban_net_mark *net_lost_of(__u32 tgid)
{
	return 0;
}

static __always_inline void net_lost_forget(__u32 tgid, __u64 start_time)
{
}
#endif

/* The network mark of process `tgid`, or the record of its lost one, or
 * NULL (also once the engine is inert). */
static __always_inline struct appban_net_mark *net_mark_of(__u32 tgid)
{
	struct appban_net_mark *m = bpf_map_lookup_elem(&appban_net_marks, &tgid);

	if (!m)
		m = net_lost_of(tgid);
	return m && !appban_inert() ? m : 0;
}

/* The current process's network mark, or NULL. */
static __always_inline struct appban_net_mark *net_mark_of_current(void)
{
	return net_mark_of(bpf_get_current_pid_tgid() >> 32);
}

/* A new process inherits its parent's network ban; a stale entry left by an
 * earlier process with the same pid is dropped. Threads share their leader's.
 * Returns the parent's mark when the child's could not be written (no memory
 * left for it: the map holds as many entries as the kernel allows tasks). */
static __always_inline struct appban_net_mark *net_mark_fork(struct task_struct *parent,
							     struct task_struct *child)
{
	__u32 ptgid = parent->tgid, ctgid = child->tgid;
	struct appban_net_mark *pm, m;

	if (child->pid != ctgid)
		return 0;
	pm = net_mark_of(ptgid);
	if (pm) {
		m = *pm;
		m.start_time = child->start_time;
		m.lost = 0;
		if (bpf_map_update_elem(&appban_net_marks, &ctgid, &m, BPF_ANY))
			return pm;
	} else if (bpf_map_lookup_elem(&appban_net_marks, &ctgid)) {
		bpf_map_delete_elem(&appban_net_marks, &ctgid);
	}
	return 0;
}

/* When the last thread of a process exits, its mark goes: a zombie (a
 * process not yet reaped by its parent) uses no network and holds no
 * entry, so no number of zombies fills the map. */
static __always_inline void net_mark_exit(struct task_struct *p)
{
	__u32 tgid = p->tgid;
	struct appban_net_mark *m;

	__u64 start_time;

	if (BPF_CORE_READ(p, signal, live.counter))
		return;
	start_time = BPF_CORE_READ(p, group_leader, start_time);
	m = bpf_map_lookup_elem(&appban_net_marks, &tgid);
	if (m && m->start_time == start_time)
		bpf_map_delete_elem(&appban_net_marks, &tgid);
	net_lost_forget(tgid, start_time);
}

/* When a process's leader is freed, its mark goes, unless the pid already
 * belongs to a newer process. */
static __always_inline void net_mark_free(struct task_struct *p)
{
	__u32 tgid = p->tgid;
	struct appban_net_mark *m;

	if (p->pid != tgid)
		return;
	m = bpf_map_lookup_elem(&appban_net_marks, &tgid);
	if (m && m->start_time == p->start_time)
		bpf_map_delete_elem(&appban_net_marks, &tgid);
	net_lost_forget(tgid, p->start_time);
}

#endif /* __APPBAN_VERDICT_H */
