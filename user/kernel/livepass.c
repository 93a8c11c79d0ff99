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

int live_emit(struct live *lv, struct appban_event *e)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = e, .ctx_size_in = sizeof(*e));

	e->ts_boot_ns = boot_ns();
	return bpf_prog_test_run_opts(lv->emit_fd, &opts) ? -errno : 0;
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
