// SPDX-License-Identifier: GPL-2.0
/* Test helper: start a program as many times and as fast as possible (a few
 * at a time) and count how the starts ended, to prove that every start of a
 * banned copy is stopped, under a flood or while policies are swapped. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

struct counts {
	long attempts, ran, killed, eperm, other;
};

static void usage(void)
{
	fprintf(stderr,
		"usage: flood [-n N] [-j JOBS] [-s STOPFILE] [-t SECONDS] PATH [ARG...]\n"
		"  starts PATH up to N times (default 1000), JOBS at once (default 4),\n"
		"  until N were started, STOPFILE exists or SECONDS passed;\n"
		"  the children's output goes to /dev/null. Prints one line:\n"
		"  attempts=A ran=R killed=K eperm=E other=O\n"
		"  ran: exited normally (its code ran); killed: SIGKILL;\n"
		"  eperm: the exec failed with EPERM; other: anything else.\n");
	exit(2);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void reap_one(struct counts *c, long *running)
{
	int status;
	pid_t pid;

	do
		pid = waitpid(-1, &status, 0);
	while (pid < 0 && errno == EINTR);
	if (pid < 0) {
		perror("flood: waitpid");
		exit(3);
	}
	(*running)--;
	if (WIFEXITED(status))
		c->ran++;
	else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		c->killed++;
	else
		c->other++;
}

int main(int argc, char **argv)
{
	long n = 1000, jobs = 4, running = 0;
	const char *stopfile = NULL;
	double seconds = 0, t0;
	posix_spawn_file_actions_t fa;
	struct counts c = { 0 };
	int opt, err;

	while ((opt = getopt(argc, argv, "+n:j:s:t:")) != -1) {
		switch (opt) {
		case 'n':
			n = strtol(optarg, NULL, 10);
			break;
		case 'j':
			jobs = strtol(optarg, NULL, 10);
			break;
		case 's':
			stopfile = optarg;
			break;
		case 't':
			seconds = strtod(optarg, NULL);
			break;
		default:
			usage();
		}
	}
	if (optind >= argc || n < 0 || jobs < 1)
		usage();
	if (posix_spawn_file_actions_init(&fa) ||
	    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0) ||
	    posix_spawn_file_actions_adddup2(&fa, 1, 2)) {
		perror("flood: posix_spawn_file_actions");
		return 3;
	}
	t0 = now();
	while (c.attempts < n) {
		pid_t pid;

		if (stopfile && access(stopfile, F_OK) == 0)
			break;
		if (seconds > 0 && now() - t0 >= seconds)
			break;
		while (running >= jobs)
			reap_one(&c, &running);
		c.attempts++;
		err = posix_spawn(&pid, argv[optind], &fa, NULL, &argv[optind], environ);
		if (err == 0)
			running++;
		else if (err == EPERM)
			c.eperm++;
		else
			c.other++;
		if (err && err != EPERM && c.other <= 3)
			fprintf(stderr, "flood: posix_spawn %s: %s\n", argv[optind],
				strerror(err));
	}
	while (running > 0)
		reap_one(&c, &running);
	printf("attempts=%ld ran=%ld killed=%ld eperm=%ld other=%ld\n", c.attempts, c.ran,
	       c.killed, c.eperm, c.other);
	posix_spawn_file_actions_destroy(&fa);
	return 0;
}
