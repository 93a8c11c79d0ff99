/* SPDX-License-Identifier: GPL-2.0 */
/* Events, reserved only after the decision is taken: a full ring buffer loses
 * an event (counted), never a decision. */
#ifndef __APPBAN_EMIT_H
#define __APPBAN_EMIT_H

#include "verdict.h"

/* Reserve a record filled with what every event has; NULL when the ring is
 * full (the loss is counted, if `lost_counts`). */
static __always_inline struct appban_event *event_reserve(__u32 type, __u32 gen, int lost_counts)
{
	struct task_struct *task = current_task();
	struct appban_event *e;
	__u64 ugid;

	e = bpf_ringbuf_reserve(&appban_events, sizeof(*e), 0);
	if (!e) {
		if (lost_counts)
			count(APPBAN_CNT_EVENTS_LOST);
		return NULL;
	}
	ugid = bpf_get_current_uid_gid();
	e->ts_boot_ns = bpf_ktime_get_boot_ns();
	e->type = type;
	e->gen = gen;
	e->app = 0;
	e->pid = TASK_READ(task, tgid);
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->uid = (__u32)ugid;
	e->gid = ugid >> 32;
	e->dev = 0;
	e->ino = 0;
	e->match = 0;
	e->method = 0;
	e->hook = 0;
	e->family = 0;
	e->sock_type = 0;
	e->protocol = 0;
	e->dport = 0;
	__builtin_memset(e->daddr, 0, sizeof(e->daddr));
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->filename[0] = 0;
	e->reason = APPBAN_EVR_NONE;
	e->exception = APPBAN_NO_EXCEPTION;
	return e;
}

static __always_inline struct appban_event *event_begin(__u32 type, __u32 gen)
{
	return event_reserve(type, gen, 1);
}

/* An exec event: which app and identifier, which file. */
static __always_inline void emit_exec(__u32 type, const struct appban_ctx *c,
				      const struct appban_hit *hit, __u8 hook, __u8 method,
				      const char *filename)
{
	struct appban_event *e = event_begin(type, c->gen);

	if (!e)
		return;
	e->app = hit->app;
	e->match = hit->match;
	e->method = method;
	e->hook = hook;
	e->dev = hit->dev;
	e->ino = hit->ino;
	e->exception = hit->exception;
	bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), filename);
	bpf_ringbuf_submit(e, 0);
}

/* The running executable's base name and inode, for network events. */
static __always_inline void event_exe(struct appban_event *e)
{
	struct task_struct *task = current_task();
	struct file *exe = BPF_CORE_READ(task, mm, exe_file);
	struct inode *inode;

	if (!exe)
		return;
	inode = BPF_CORE_READ(exe, f_inode);
	e->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	e->ino = BPF_CORE_READ(inode, i_ino);
	bpf_probe_read_kernel_str(e->filename, sizeof(e->filename),
				  BPF_CORE_READ(exe, f_path.dentry, d_name.name));
}

/* What a network event says of the mark and the socket, for both of its
 * emitters below. */
static __always_inline void event_net(struct appban_event *e, const struct appban_net_mark *m,
				      __u32 exc, __u8 hook, __u8 method, __u8 family,
				      __u8 sock_type, __u8 protocol, __u16 port)
{
	e->app = m->app;
	e->match = m->match;
	e->method = method;
	e->hook = hook;
	e->family = family;
	e->sock_type = sock_type;
	e->protocol = protocol;
	e->dport = port;
	e->exception = exc;
	if (m->lost)
		e->reason = APPBAN_EVR_NET_MARK_LOST;
}

/* A network event for the current process under mark `m`, allowed by
 * exception `exc` (or APPBAN_NO_EXCEPTION). `addr` is the destination (4 or
 * 16 bytes, network order), `port` in host order. */
static __always_inline void emit_net(__u32 type, const struct appban_net_mark *m, __u32 exc,
				     __u8 hook, __u8 method, __u8 family, __u8 sock_type,
				     __u8 protocol, const void *addr, __u16 port)
{
	struct appban_event *e = event_begin(type, m->gen);

	if (!e)
		return;
	event_net(e, m, exc, hook, method, family, sock_type, protocol, port);
	if (addr)
		bpf_probe_read_kernel(e->daddr, family == AF_INET6 ? 16 : 4, addr);
	event_exe(e);
	bpf_ringbuf_submit(e, 0);
}

/* The fork of a net-banned process whose child's mark could not be
 * written: the forking process (`m` its mark) or the child (`m` its record)
 * killed. */
static __always_inline void emit_net_lost(const struct appban_net_mark *m)
{
	struct appban_event *e = event_begin(APPBAN_EV_NET_BLOCKED, m->gen);

	if (!e)
		return;
	event_net(e, m, APPBAN_NO_EXCEPTION, APPBAN_HOOK_FORK, APPBAN_METHOD_SIGKILL, 0, 0, 0, 0);
	e->reason = APPBAN_EVR_NET_MARK_LOST;
	event_exe(e);
	bpf_ringbuf_submit(e, 0);
}

#if defined(APPBAN_COMPAT) && defined(APPBAN_NET_CHECK_CGROUP)
/* The fallback engine's cgroup hooks on the compat kernels (5.10) have neither
 * bpf_get_current_task() nor bpf_probe_read_kernel(): their network event
 * names the process by pid, uid, gid and comm (user space reads its
 * executable from /proc), not its parent. */
static __always_inline void emit_net_check(__u32 type, const struct appban_net_mark *m, __u32 exc,
					   __u8 hook, __u8 method, __u8 family, __u8 sock_type,
					   __u8 protocol, const void *addr, __u16 port)
{
	struct appban_event *e = bpf_ringbuf_reserve(&appban_events, sizeof(*e), 0);
	__u64 ugid, pid_tgid;

	if (!e) {
		count(APPBAN_CNT_EVENTS_LOST);
		return;
	}
	ugid = bpf_get_current_uid_gid();
	pid_tgid = bpf_get_current_pid_tgid();
	__builtin_memset(e, 0, sizeof(*e));
	e->ts_boot_ns = bpf_ktime_get_boot_ns();
	e->type = type;
	e->gen = m->gen;
	e->pid = pid_tgid >> 32;
	e->uid = (__u32)ugid;
	e->gid = ugid >> 32;
	event_net(e, m, exc, hook, method, family, sock_type, protocol, port);
	if (addr && family == AF_INET6)
		__builtin_memcpy(e->daddr, addr, 16);
	else if (addr)
		__builtin_memcpy(e->daddr, addr, 4);
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
}
#else
#define emit_net_check emit_net
#endif

#endif /* __APPBAN_EMIT_H */
