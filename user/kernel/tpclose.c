// SPDX-License-Identifier: GPL-2.0
/* The fallback engine's tracepoint links closed fast (tpclose.h). */
#include <errno.h>
#include <fcntl.h>
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
	int deferred[TP_CLOSE_MAX]; /* links of an inert engine: the child's */
	int n_deferred;
	int inert; /* every link is deferred */
	struct bpf_object *obj; /* the fallback object, for its sections */
	int no_obj; /* it could not be opened: no holders */
};

struct tp_close *tp_close_new(int inert)
{
	struct tp_close *t = calloc(1, sizeof(struct tp_close));

	if (t)
		t->inert = inert;
	return t;
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

	if (!t || info->type != BPF_LINK_TYPE_PERF_EVENT || t->n_links == TP_CLOSE_MAX ||
	    t->n_deferred == TP_CLOSE_MAX)
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
	if (t->inert)
		return tp_close_defer(t, fd);
	t->links[t->n_links++] = fd;
	return 1;
}

int tp_close_defer(struct tp_close *t, int fd)
{
	if (!t || !t->inert || t->n_deferred == TP_CLOSE_MAX)
		return 0;
	t->deferred[t->n_deferred++] = fd;
	return 1;
}

static void *close_one(void *arg)
{
	close((int)(long)arg);
	return NULL;
}

/* Close the n descriptors of fds at once, one thread each (one by one
 * where a thread cannot start). */
static void close_parallel(const int *fds, int n)
{
	pthread_t th[TP_CLOSE_MAX];
	int started[TP_CLOSE_MAX];
	int i;

	for (i = 0; i < n; i++)
		started[i] = !pthread_create(&th[i], NULL, close_one, (void *)(long)fds[i]);
	for (i = 0; i < n; i++) {
		if (started[i])
			pthread_join(th[i], NULL);
		else
			close(fds[i]);
	}
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static int is_kept(int fd, const int *keep, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (keep[i] == fd)
			return 1;
	return 0;
}

/* The child that closes what the unload hands it: every other descriptor
 * closed first (standard output, which a caller may read to its end, and
 * the load lock, so that neither waits for this child); then it waits
 * until the parent has closed its copies (`go` ends), so that its own
 * closes are the last references; then the deferred links at once, then
 * the holders, each close waiting for its grace period. */
static void closing_child(struct tp_close *t, int go)
{
	int keep[2 * TP_CLOSE_MAX + 1], n = 0, i, fd;
	unsigned int from = 0, to;
	char c;

	for (i = 0; i < t->n_deferred; i++)
		keep[n++] = t->deferred[i];
	for (i = 0; i < t->n_holders; i++)
		keep[n++] = t->holders[i];
	keep[n++] = go;
	qsort(keep, n, sizeof(*keep), cmp_int);
	for (i = 0; i <= n; i++) {
		to = i < n ? (unsigned int)keep[i] : ~0U;
		if (to > from && syscall(SYS_close_range, from, to - 1, 0) && errno == ENOSYS) {
			/* before 5.9: the usual range, one by one */
			for (fd = 0; fd < 4096; fd++)
				if (!is_kept(fd, keep, n))
					close(fd);
			break;
		}
		from = to + 1;
	}
	while (read(go, &c, 1) < 0 && errno == EINTR)
		;
	close_parallel(t->deferred, t->n_deferred);
	for (i = 0; i < t->n_holders; i++)
		close(t->holders[i]);
	_exit(0);
}

void tp_close_finish(struct tp_close *t)
{
	int go[2] = { -1, -1 }, i;
	pid_t pid = -1;

	if (!t)
		return;
	close_parallel(t->links, t->n_links);
	if (t->n_holders || t->n_deferred) {
		if (pipe2(go, O_CLOEXEC) == 0) {
			pid = fork();
			if (pid == 0)
				closing_child(t, go[0]);
			close(go[0]);
		}
		if (pid < 0) {
			pr_info("cannot start a child to close the links and the tracepoints' "
				"holders (%s): closing them here\n",
				strerror(errno));
			/* the slow way */
			close_parallel(t->deferred, t->n_deferred);
		} else {
			for (i = 0; i < t->n_deferred; i++)
				close(t->deferred[i]);
		}
		for (i = 0; i < t->n_holders; i++)
			close(t->holders[i]);
		if (go[1] >= 0)
			close(go[1]); /* the child's turn */
	}
	bpf_object__close(t->obj);
	free(t);
}
