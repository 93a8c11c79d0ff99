// SPDX-License-Identifier: GPL-2.0
/* A ban takes effect on what already runs: at every load, an iterator over
 * the processes decides on each one's executable with exec's own code, and a
 * tiny program lets user space put its own events into the same ring. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

#include "decide.h"

char LICENSE[] SEC("license") = "GPL";

/* The iterator's record, off the stack: with the exception check (a
 * subprogram) the stack of both frames would pass 512 bytes. Written and
 * read by appban_live_scan only, one CPU at a time. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct appban_live_rec);
} live_rec_buf SEC(".maps");

/* The decision exec would take for `task` running `exe`: the same identity
 * lookup and the same verdict, on the generation in force. */
static __always_inline enum appban_decision task_decide(struct task_struct *task, struct file *exe,
							const struct appban_ctx *c,
							struct appban_hit *hit)
{
	identify_file(hit, c->gen, c->meta, exe);
	return decide(c, hit, task);
}

/* One record per process (thread-group leader), for every process: user
 * space needs the parent links to find descendants. A process of a
 * net-banned app is marked here, as its exec would have marked it, before
 * user space closes its sockets: from now on it cannot open new ones. A
 * process to kill is only reported: SIGKILL to another task is user space's
 * (bpf_send_signal_task is 6.13+). */
SEC("iter/task")
int appban_live_scan(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct appban_live_rec *rec;
	struct appban_ctx c;
	struct appban_hit hit;
	struct file *exe;
	__u32 zero = 0;

	if (!task || task->pid != task->tgid)
		return 0;
	rec = bpf_map_lookup_elem(&live_rec_buf, &zero);
	if (!rec)
		return 0;
	__builtin_memset(rec, 0, sizeof(*rec));
	rec->pid = task->tgid;
	rec->ppid = BPF_CORE_READ(task, real_parent, tgid);
	rec->start_time = task->start_time;
	rec->start_boottime = task->start_boottime;
	rec->uid = BPF_CORE_READ(task, cred, uid.val);
	rec->gid = BPF_CORE_READ(task, cred, gid.val);
	bpf_probe_read_kernel_str(rec->comm, sizeof(rec->comm), task->comm);
	exe = BPF_CORE_READ(task, mm, exe_file);
	if (exe && !policy_ctx(&c)) {
		rec->gen = c.gen;
		switch (task_decide(task, exe, &c, &hit)) {
		case DECIDE_BLOCK:
			rec->action = APPBAN_LIVE_KILL;
			break;
		case DECIDE_NET_MARK:
			/* An exempt process is marked with its exception (its
			 * network ends with it) and keeps its sockets. */
			net_mark_task(task, &c, &hit, 0);
			if (hit.exception == APPBAN_NO_EXCEPTION)
				rec->action = APPBAN_LIVE_NET;
			break;
		case DECIDE_NET_MARK_AUDIT:
			net_mark_task(task, &c, &hit, 1);
			rec->action = APPBAN_LIVE_NET_AUDIT;
			break;
		default:
			break;
		}
		if (rec->action) {
			rec->app = hit.app;
			rec->match = hit.match;
			rec->dev = hit.dev;
			rec->ino = hit.ino;
		}
	}
	bpf_seq_write(ctx->meta->seq, rec, sizeof(*rec));
	return 0;
}

/* An event made in user space (process-killed, connection-closed), put in
 * the pinned ring buffer so that it reaches the one reader (appban run) like
 * the kernel's own, whichever process made it. Run with BPF_PROG_TEST_RUN,
 * the record as its context. */
#ifdef APPBAN_COMPAT
/* The compat objects (no BPF_PROG_TYPE_SYSCALL before 5.14): a raw
 * tracepoint program, attached nowhere, run the same way (5.10 runs those
 * with BPF_PROG_TEST_RUN, in the caller's context). Its one argument is the
 * address of the record in the caller's memory. Returns 1 when it could not
 * be read (user space says so). */
SEC("raw_tp")
int appban_live_emit(struct bpf_raw_tracepoint_args *ctx)
{
	struct appban_event *r = bpf_ringbuf_reserve(&appban_events, sizeof(*r), 0);

	if (!r) {
		count(APPBAN_CNT_EVENTS_LOST);
		return 0;
	}
	if (bpf_probe_read_user(r, sizeof(*r), (const void *)ctx->args[0])) {
		bpf_ringbuf_discard(r, 0);
		return 1;
	}
	bpf_ringbuf_submit(r, 0);
	return 0;
}
#else
SEC("syscall")
int appban_live_emit(struct appban_event *e)
{
	/* Copied field by field: the helpers take no context pointer. */
	struct appban_event *r = bpf_ringbuf_reserve(&appban_events, sizeof(*r), 0);

	if (!r) {
		count(APPBAN_CNT_EVENTS_LOST);
		return 0;
	}
	__builtin_memcpy(r, e, sizeof(*r));
	bpf_ringbuf_submit(r, 0);
	return 0;
}
#endif
