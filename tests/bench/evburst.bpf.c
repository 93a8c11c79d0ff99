// SPDX-License-Identifier: GPL-2.0
/* `make bench`, events per second: writes N exec-blocked records, as the
 * engines' emit.h does, into appban's pinned ring buffer (the loader reuses
 * the pin, opened read-only); run with BPF_PROG_TEST_RUN by evburst.c. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "evburst.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, APPBAN_RINGBUF_SIZE);
} appban_events SEC(".maps");

static long emit_one(__u32 i, void *ctx)
{
	struct evburst_args *a = ctx;
	struct appban_event *e;

	e = bpf_ringbuf_reserve(&appban_events, sizeof(*e), 0);
	if (!e) {
		a->lost++;
		return 0;
	}
	e->ts_boot_ns = bpf_ktime_get_boot_ns();
	e->type = APPBAN_EV_EXEC_BLOCKED;
	e->gen = a->gen;
	e->app = a->n_apps ? i % a->n_apps : 0;
	e->pid = a->pid + i;
	e->ppid = a->pid;
	e->uid = 1000;
	e->gid = 1000;
	e->dev = a->dev;
	e->ino = a->ino;
	e->match = APPBAN_MATCH_SHA256;
	e->method = APPBAN_METHOD_SIGKILL;
	e->hook = APPBAN_HOOK_EXEC;
	e->family = 0;
	e->sock_type = 0;
	e->protocol = 0;
	e->dport = 0;
	__builtin_memset(e->daddr, 0, sizeof(e->daddr));
	__builtin_memcpy(e->comm, "evburst\0\0\0\0\0\0\0\0", sizeof(e->comm));
	__builtin_memcpy(e->filename, a->filename, sizeof(e->filename));
	bpf_ringbuf_submit(e, 0);
	a->written++;
	return 0;
}

SEC("syscall")
int evburst(struct evburst_args *ctx)
{
	struct evburst_args a;

	__builtin_memcpy(&a, ctx, sizeof(a));
	a.written = 0;
	a.lost = 0;
	bpf_loop(a.n, emit_one, &a, 0);
	ctx->written = a.written;
	ctx->lost = a.lost;
	return 0;
}
