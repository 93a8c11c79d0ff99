// SPDX-License-Identifier: GPL-2.0
/* Load generators of `make bench` (tests/bench/bench.sh): each runs one
 * operation N times after a warm-up and prints the mean cost in ns/op.
 *   loadgen exec N PATH	fork + execve(PATH) + waitpid
 *   loadgen tcp N		TCP connect + accept + close on 127.0.0.1
 *   loadgen udp N		UDP sendto 127.0.0.1 (a bound socket that drops)
 * Exit status 1 when one operation failed (a refused exec: the child's
 * status is not 0). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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

static int run(const char *mode, long n, const char *path)
{
	struct sockaddr_in a;
	unsigned long long t0 = 0;
	int lfd = -1, ufd = -1, err = 0;
	long i, warm = n / 10 + 1;
	char byte = 0;

	if (strcmp(mode, "exec")) {
		lfd = listener(&a, strcmp(mode, "tcp") ? SOCK_DGRAM : SOCK_STREAM);
		if (lfd < 0)
			return 1;
	}
	if (!strcmp(mode, "udp")) {
		ufd = socket(AF_INET, SOCK_DGRAM, 0);
		if (ufd < 0)
			return die("socket"), 1;
	}
	for (i = -warm; i < n && !err; i++) {
		if (i == 0)
			t0 = now_ns();
		if (!strcmp(mode, "exec"))
			err = one_exec(path);
		else if (!strcmp(mode, "tcp"))
			err = one_tcp(lfd, &a);
		else if (sendto(ufd, &byte, 1, 0, (struct sockaddr *)&a, sizeof(a)) != 1)
			err = die("sendto");
	}
	if (err)
		return 1;
	printf("%.1f\n", (double)(now_ns() - t0) / n);
	return 0;
}

int main(int argc, char **argv)
{
	long n = argc > 2 ? strtol(argv[2], NULL, 10) : 0;

	if (argc < 3 || n <= 0 || (!strcmp(argv[1], "exec") && argc != 4) ||
	    (strcmp(argv[1], "exec") && strcmp(argv[1], "tcp") && strcmp(argv[1], "udp"))) {
		fprintf(stderr, "usage: loadgen exec N PATH | tcp N | udp N\n");
		return 2;
	}
	return run(argv[1], n, argv[3]);
}
