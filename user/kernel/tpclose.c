// SPDX-License-Identifier: GPL-2.0
/* The fallback engine's tracepoint links closed fast (tpclose.h). */
#include <errno.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "fallback.skel.h"
#include "kernel/tpclose.h"
#include "util/log.h"

#define TP_CLOSE_MAX 128

struct tp_close {
	int links[TP_CLOSE_MAX];
	int n_links;
	int holders[TP_CLOSE_MAX];
	int n_holders;
	struct bpf_object *obj; /* the fallback object, for its sections */
	int no_obj; /* it could not be opened: no holders */
};

struct tp_close *tp_close_new(void)
{
	return calloc(1, sizeof(struct tp_close));
}

/* "syscalls/sys_enter_write" of the program `prog` of the fallback object,
 * or NULL. */
static const char *tracepoint_of(struct tp_close *t, const char *prog)
{
	const struct bpf_program *p;
	const char *sec;
	const void *bytes;
	size_t sz;

	if (!t->obj && !t->no_obj) {
		bytes = fallback_bpf__elf_bytes(&sz);
		t->obj = bpf_object__open_mem(bytes, sz, NULL);
		t->no_obj = !t->obj;
	}
	p = t->obj ? bpf_object__find_program_by_name(t->obj, prog) : NULL;
	sec = p ? bpf_program__section_name(p) : NULL;
	return sec && !strncmp(sec, "tp/", 3) ? sec + 3 : NULL;
}

/* A disabled perf event on tracepoint `tp`, which runs nothing: -1 when
 * the kernel or tracefs says no. */
static int holder_open(const char *tp)
{
	static const char *const roots[] = { "/sys/kernel/tracing/events",
					     "/sys/kernel/debug/tracing/events" };
	struct perf_event_attr a;
	char path[256];
	unsigned long long id;
	size_t i;
	FILE *f;
	int ok;

	for (i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s/id", roots[i], tp);
		f = fopen(path, "re");
		if (!f)
			continue;
		ok = fscanf(f, "%llu", &id) == 1;
		fclose(f);
		if (!ok)
			return -1;
		memset(&a, 0, sizeof(a));
		a.type = PERF_TYPE_TRACEPOINT;
		a.size = sizeof(a);
		a.config = id;
		a.disabled = 1;
		return (int)syscall(SYS_perf_event_open, &a, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	}
	return -1;
}

int tp_close_add(struct tp_close *t, int fd, const struct bpf_link_info *info, const char *prog)
{
	const char *tp;
	int h;

	if (!t || info->type != BPF_LINK_TYPE_PERF_EVENT || t->n_links == TP_CLOSE_MAX)
		return 0;
	tp = tracepoint_of(t, prog);
	if (tp) {
		h = holder_open(tp);
		if (h >= 0)
			t->holders[t->n_holders++] = h;
		else
			pr_info("no holder on tracepoint %s (%s): its link closes the slow way\n",
				tp, strerror(errno));
	}
	t->links[t->n_links++] = fd;
	return 1;
}

static void *close_one(void *arg)
{
	close((int)(long)arg);
	return NULL;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static int is_holder(int fd, const int *h, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (h[i] == fd)
			return 1;
	return 0;
}

/* The child that closes the holders: every other descriptor closed first
 * (standard output, which a caller may read to its end, and the load lock,
 * so that neither waits for this child), then the holders, each close
 * waiting for its grace period. */
static void holders_child(int *h, int n)
{
	unsigned int from = 0, to;
	int i, fd;

	qsort(h, n, sizeof(*h), cmp_int);
	for (i = 0; i <= n; i++) {
		to = i < n ? (unsigned int)h[i] : ~0U;
		if (to > from && syscall(SYS_close_range, from, to - 1, 0) && errno == ENOSYS) {
			/* before 5.9: the usual range, one by one */
			for (fd = 0; fd < 4096; fd++)
				if (!is_holder(fd, h, n))
					close(fd);
			break;
		}
		from = to + 1;
	}
	for (i = 0; i < n; i++)
		close(h[i]);
	_exit(0);
}

void tp_close_finish(struct tp_close *t)
{
	pthread_t th[TP_CLOSE_MAX];
	int started[TP_CLOSE_MAX];
	pid_t pid;
	int i;

	if (!t)
		return;
	for (i = 0; i < t->n_links; i++)
		started[i] = !pthread_create(&th[i], NULL, close_one, (void *)(long)t->links[i]);
	for (i = 0; i < t->n_links; i++) {
		if (started[i])
			pthread_join(th[i], NULL);
		else
			close(t->links[i]);
	}
	if (t->n_holders) {
		pid = fork();
		if (pid == 0)
			holders_child(t->holders, t->n_holders);
		if (pid < 0)
			pr_info("cannot fork to close the tracepoints' holders (%s): closing them here\n",
				strerror(errno));
		for (i = 0; i < t->n_holders; i++)
			close(t->holders[i]);
	}
	bpf_object__close(t->obj);
	free(t);
}
