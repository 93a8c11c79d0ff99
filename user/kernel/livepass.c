// SPDX-License-Identifier: GPL-2.0
/* One live pass's events: built from the iterator's record of a process and
 * put in the pinned ring buffer through the event program. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kernel/livepass.h"
#include "util/clock.h"

/* The compat objects' emit program (a raw tracepoint one, before 5.14)
 * takes the record's address as its one argument, not the record. */
static int emit_takes_address(int fd)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	return !bpf_obj_get_info_by_fd(fd, &info, &len) &&
	       info.type == BPF_PROG_TYPE_RAW_TRACEPOINT;
}

int live_emit(struct live *lv, struct appban_event *e)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = e, .ctx_size_in = sizeof(*e));
	__u64 addr = (__u64)(unsigned long)e;

	e->ts_boot_ns = boot_ns();
	if (!lv->emit_kind)
		lv->emit_kind = emit_takes_address(lv->emit_fd) ? 2 : 1;
	if (lv->emit_kind == 2) {
		opts.ctx_in = &addr;
		opts.ctx_size_in = sizeof(addr);
	}
	if (bpf_prog_test_run_opts(lv->emit_fd, &opts))
		return -errno;
	return opts.retval ? -EFAULT : 0;
}

/* The event every record about process `r` starts from. */
void live_event(const struct appban_live_rec *r, __u32 type, struct appban_event *e)
{
	char link[64];
	ssize_t n;

	memset(e, 0, sizeof(*e));
	e->type = type;
	e->gen = r->gen;
	e->app = r->app;
	e->pid = r->pid;
	e->ppid = r->ppid;
	e->uid = r->uid;
	e->gid = r->gid;
	e->dev = r->dev;
	e->ino = r->ino;
	e->match = r->match;
	e->hook = APPBAN_HOOK_LOAD;
	memcpy(e->comm, r->comm, sizeof(e->comm));
	snprintf(link, sizeof(link), "/proc/%u/exe", r->pid);
	n = readlink(link, e->filename, sizeof(e->filename) - 1);
	e->filename[n > 0 ? n : 0] = 0;
}
