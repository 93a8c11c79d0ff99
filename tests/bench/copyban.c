// SPDX-License-Identifier: GPL-2.0
/*
 * The window between a copy of a banned file and its ban (issue 4), with
 * `appban run` watching. SRC is a file whose content the loaded policy bans
 * (a copy of this program: argv[1] "--ran" prints "ran"). Two phases of
 * ROUNDS copies each, made as cp makes them (write, close) under new names
 * in DIR:
 * 1. the delay: from the copy's close until the kernel holds its inode rule
 *    (the pinned maps, read in a busy loop: the ban in force), then one start
 *    of it, which must be stopped;
 * 2. in practice: one start right after the close; did its code run (it
 *    printed "ran"; run kills it at its start then)?
 *   copyban SRC DIR ROUNDS     -> one JSON object on stdout
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <sys/sysmacros.h>

#include <linux/fs.h>
#include <bpf/bpf.h>

#include "abi.h"

#define GIVE_UP_NS 5000000000LL
#define PIN "/sys/fs/bpf/appban/"

static int state_fd, inode_fd;

/* Does the generation in force hold a rule for this file (this inode, and
 * when bound to an i_generation, this one: igen < 0 when unknown)? */
static int has_rule(__u32 dev, __u64 ino, long long igen)
{
	struct appban_inode_key k = { .dev = dev, .ino = ino };
	struct appban_state st;
	struct appban_rule r;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(state_fd, &zero, &st))
		return -1;
	k.gen = st.active_gen & 1;
	if (bpf_map_lookup_elem(inode_fd, &k, &r))
		return 0;
	return r.bind != APPBAN_BIND_GEN || igen < 0 || (__u32)r.igen == (__u32)igen;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int copy(const char *src, const char *dst)
{
	char buf[1 << 16];
	int in = open(src, O_RDONLY | O_CLOEXEC), out;
	ssize_t n;

	if (in < 0)
		return -1;
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	if (out < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	close(in);
	return close(out) || n < 0 ? -1 : 0;
}

/* Start path once: 1 if its code ran, 0 if stopped before, -1 on error. */
static int start(const char *path)
{
	char out[16];
	int p[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		dup2(p[1], 1);
		execl(path, path, "--ran", (char *)NULL);
		_exit(errno == EPERM || errno == EACCES ? 126 : 127);
	}
	close(p[1]);
	n = read(p[0], out, sizeof(out));
	close(p[0]);
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	if (n > 0)
		return 1;
	if ((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) ||
	    (WIFEXITED(status) && WEXITSTATUS(status) == 126))
		return 0;
	fprintf(stderr, "copyban: %s: unexpected status %#x\n", path, status);
	return -1;
}

/* i_generation of the file at path, -1 when the file system does not say. */
static long long file_gen(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	long g = 0, ok;

	if (fd < 0)
		return -1;
	ok = !ioctl(fd, FS_IOC_GETVERSION, &g);
	close(fd);
	return ok ? (long long)(__u32)g : -1;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	long long *delay, t0, t, igen;
	int rounds, r, ran_first = 0, res;
	char path[4096];
	struct stat st;
	__u32 dev;

	if (argc == 2 && !strcmp(argv[1], "--ran")) {
		(void)!write(1, "ran\n", 4);
		return 0;
	}
	if (argc != 4 || (rounds = atoi(argv[3])) <= 0) {
		fprintf(stderr, "usage: copyban SRC DIR ROUNDS\n");
		return 2;
	}
	state_fd = bpf_obj_get(PIN "appban_state");
	inode_fd = bpf_obj_get(PIN "appban_inode_rules");
	if (state_fd < 0 || inode_fd < 0) {
		fprintf(stderr, "copyban: no policy loaded (%s)\n", strerror(errno));
		return 1;
	}
	delay = calloc((size_t)rounds, sizeof(*delay));
	if (!delay)
		return 1;
	for (r = 0; r < rounds; r++) {
		snprintf(path, sizeof(path), "%s/copy-%d", argv[2], r);
		if (copy(argv[1], path) || stat(path, &st)) {
			perror("copyban: copy");
			return 1;
		}
		t0 = now_ns();
		dev = (__u32)(major(st.st_dev) << 20 | minor(st.st_dev));
		igen = file_gen(path);
		while (!(res = has_rule(dev, st.st_ino, igen))) {
			if (now_ns() - t0 > GIVE_UP_NS) {
				fprintf(stderr, "copyban: %s has no rule after 5 s\n", path);
				return 1;
			}
		}
		t = now_ns();
		if (res < 0 || (res = start(path)) != 0) {
			fprintf(stderr, "copyban: %s: %s\n", path,
				res > 0 ? "its code ran after its rule was in the kernel" :
					  "error");
			return 1;
		}
		delay[r] = t - t0;
		/* Kept until the end: a number given again would find the
		 * rule of the deleted copy (which the kernel ignores). */
	}
	for (r = 0; r < rounds; r++) {
		snprintf(path, sizeof(path), "%s/now-%d", argv[2], r);
		if (copy(argv[1], path))
			return 1;
		res = start(path);
		if (res < 0)
			return 1;
		ran_first += res;
	}
	for (r = 0; r < rounds; r++) {
		snprintf(path, sizeof(path), "%s/copy-%d", argv[2], r);
		unlink(path);
		snprintf(path, sizeof(path), "%s/now-%d", argv[2], r);
		unlink(path);
	}
	qsort(delay, (size_t)rounds, sizeof(*delay), cmp_ll);
	printf("{\"rounds\": %d, \"delay_ms_min\": %.3f, \"delay_ms_median\": %.3f, "
	       "\"delay_ms_p99\": %.3f, \"delay_ms_max\": %.3f, "
	       "\"started_at_once_code_ran\": %d}\n",
	       rounds, delay[0] / 1e6, delay[rounds / 2] / 1e6, delay[(rounds * 99) / 100] / 1e6,
	       delay[rounds - 1] / 1e6, ran_first);
	free(delay);
	return 0;
}
