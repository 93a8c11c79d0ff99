// SPDX-License-Identifier: GPL-2.0
/* Load generators of `make bench` (tests/bench/bench.sh): each runs one
 * operation N times after a warm-up, in BATCHES batches, and prints the
 * median of the batches' mean cost in ns/op: a batch that another tenant of
 * the machine slowed down moves the median far less than it moves a mean.
 *   loadgen exec N PATH	fork + execve(PATH) + waitpid
 *   loadgen tcp N		TCP connect + accept + close on 127.0.0.1
 *   loadgen udp N		UDP sendto 127.0.0.1 (a bound socket that drops)
 *   loadgen null N		getppid(), a system call that no program of appban
 *				watches: what the kernel adds to every system call
 *				while any syscall tracepoint has a program
 * Exit status 1 when one operation failed (a refused exec: the child's
 * status is not 0). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int die(const char *what)
{
	fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
	return -1;
}

static int one_exec(const char *path)
{
	char *const argv[] = { (char *)path, NULL };
	char *const envp[] = { NULL };
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return die("fork");
	if (pid == 0) {
		execve(path, argv, envp);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return die("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "loadgen: %s: status 0x%x\n", path, status);
		return -1;
	}
	return 0;
}

static int listener(struct sockaddr_in *a, int type)
{
	socklen_t len = sizeof(*a);
	int fd = socket(AF_INET, type, 0);

	if (fd < 0)
		return die("socket");
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)a, sizeof(*a)) ||
	    getsockname(fd, (struct sockaddr *)a, &len) ||
	    (type == SOCK_STREAM && listen(fd, 128))) {
		die("bind/listen");
		close(fd);
		return -1;
	}
	return fd;
}

/* One connection: the client resets it on close (SO_LINGER 0) so that
 * thousands of them leave no TIME_WAIT behind to exhaust the ports. */
static int one_tcp(int lfd, const struct sockaddr_in *a)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int c, s;

	c = socket(AF_INET, SOCK_STREAM, 0);
	if (c < 0)
		return die("socket");
	if (connect(c, (const struct sockaddr *)a, sizeof(*a))) {
		close(c);
		return die("connect");
	}
	s = accept(lfd, NULL, NULL);
	if (s < 0) {
		close(c);
		return die("accept");
	}
	setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(c);
	close(s);
	return 0;
}

#define BATCHES 51

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int one_op(const char *mode, const char *path, int lfd, int ufd, const struct sockaddr_in *a)
{
	char byte = 0;

	if (!strcmp(mode, "exec"))
		return one_exec(path);
	if (!strcmp(mode, "tcp"))
		return one_tcp(lfd, a);
	if (!strcmp(mode, "null"))
		return syscall(SYS_getppid) > 0 ? 0 : die("getppid");
	if (sendto(ufd, &byte, 1, 0, (const struct sockaddr *)a, sizeof(*a)) != 1)
		return die("sendto");
	return 0;
}

static int run(const char *mode, long n, const char *path)
{
	double per_op[BATCHES];
	struct sockaddr_in a;
	unsigned long long t0;
	int lfd = -1, ufd = -1, err = 0, b;
	long i, per = n / BATCHES > 0 ? n / BATCHES : 1, warm = n / 10 + 1;

	if (!strcmp(mode, "tcp") || !strcmp(mode, "udp")) {
		lfd = listener(&a, strcmp(mode, "tcp") ? SOCK_DGRAM : SOCK_STREAM);
		if (lfd < 0)
			return 1;
	}
	if (!strcmp(mode, "udp")) {
		ufd = socket(AF_INET, SOCK_DGRAM, 0);
		if (ufd < 0)
			return die("socket"), 1;
	}
	for (i = 0; i < warm && !err; i++)
		err = one_op(mode, path, lfd, ufd, &a);
	for (b = 0; b < BATCHES && !err; b++) {
		t0 = now_ns();
		for (i = 0; i < per && !err; i++)
			err = one_op(mode, path, lfd, ufd, &a);
		per_op[b] = (double)(now_ns() - t0) / per;
	}
	if (err)
		return 1;
	qsort(per_op, BATCHES, sizeof(per_op[0]), cmp_double);
	printf("%.1f\n", per_op[BATCHES / 2]);
	return 0;
}

int main(int argc, char **argv)
{
	long n = argc > 2 ? strtol(argv[2], NULL, 10) : 0;

	if (argc < 3 || n <= 0 || (!strcmp(argv[1], "exec") && argc != 4) ||
	    (strcmp(argv[1], "exec") && strcmp(argv[1], "tcp") && strcmp(argv[1], "udp") &&
	     strcmp(argv[1], "null"))) {
		fprintf(stderr, "usage: loadgen exec N PATH | tcp N | udp N | null N\n");
		return 2;
	}
	return run(argv[1], n, argv[3]);
}
