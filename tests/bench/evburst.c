// SPDX-License-Identifier: GPL-2.0
/* `make bench`, events per second: offers RATE exec-blocked records per
 * second for SECONDS to appban's pinned ring buffer, in batches every
 * millisecond (evburst.bpf.c run with BPF_PROG_TEST_RUN), as if the kernel
 * blocked that many starts of FILE. Prints what it wrote and what did not
 * fit in the ring (lost):
 *   evburst RATE SECONDS FILE  ->  "written W lost L seconds S" */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "evburst.h"
#include "evburst.skel.h"

#define PIN "/sys/fs/bpf/appban/"

static int pin_ro(const char *name)
{
	LIBBPF_OPTS(bpf_obj_get_opts, o, .file_flags = BPF_F_RDONLY);
	char path[128];
	int fd;

	snprintf(path, sizeof(path), PIN "%s", name);
	fd = bpf_obj_get_opts(path, &o);
	if (fd < 0)
		fprintf(stderr, "evburst: %s: %s (is a policy loaded?)\n", path, strerror(errno));
	return fd;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The args of the program from the loaded policy and FILE. */
static int setup(struct evburst_args *a, const char *file)
{
	struct appban_state st;
	struct appban_meta meta;
	struct stat sb;
	__u32 zero = 0;
	int sfd, mfd, err = 0;

	sfd = pin_ro("appban_state");
	mfd = pin_ro("appban_meta");
	if (sfd < 0 || mfd < 0 || bpf_map_lookup_elem(sfd, &zero, &st) ||
	    bpf_map_lookup_elem(mfd, &st.active_gen, &meta) || stat(file, &sb))
		err = -1;
	if (sfd >= 0)
		close(sfd);
	if (mfd >= 0)
		close(mfd);
	if (err)
		return err;
	memset(a, 0, sizeof(*a));
	a->gen = st.active_gen;
	a->n_apps = meta.n_apps;
	a->pid = getpid();
	a->dev = major(sb.st_dev) << 20 | minor(sb.st_dev);
	a->ino = sb.st_ino;
	snprintf(a->filename, sizeof(a->filename), "%s", file);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long written = 0, lost = 0, ticks, t;
	struct evburst_args a;
	struct evburst_bpf *skel;
	struct timespec next;
	double rate, secs, t0;
	int fd, err;

	if (argc != 4 || (rate = atof(argv[1])) <= 0 || (secs = atof(argv[2])) <= 0) {
		fprintf(stderr, "usage: evburst RATE SECONDS FILE\n");
		return 2;
	}
	if (setup(&a, argv[3]))
		return 1;
	fd = pin_ro("appban_events");
	skel = evburst_bpf__open();
	if (fd < 0 || !skel || bpf_map__reuse_fd(skel->maps.appban_events, fd) ||
	    evburst_bpf__load(skel)) {
		fprintf(stderr, "evburst: cannot load the program: %s\n", strerror(errno));
		return 1;
	}
	ticks = (unsigned long long)(secs * 1000);
	clock_gettime(CLOCK_MONOTONIC, &next);
	t0 = now_s();
	for (t = 0; t < ticks; t++) {
		/* A syscall program's context is copied back into ctx_in. */
		LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = &a, .ctx_size_in = sizeof(a));

		/* Batch t: the records due by its end at RATE. */
		a.n = (unsigned int)(rate * (t + 1) / 1000) - (unsigned int)(rate * t / 1000);
		err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.evburst), &o);
		if (err) {
			fprintf(stderr, "evburst: test run: %s\n", strerror(errno));
			return 1;
		}
		written += a.written;
		lost += a.lost;
		a.pid += a.n;
		next.tv_nsec += 1000000;
		if (next.tv_nsec >= 1000000000) {
			next.tv_sec++;
			next.tv_nsec -= 1000000000;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	printf("written %llu lost %llu seconds %.3f\n", written, lost, now_s() - t0);
	evburst_bpf__destroy(skel);
	return 0;
}
