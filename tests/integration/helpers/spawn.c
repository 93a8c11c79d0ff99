// SPDX-License-Identifier: GPL-2.0
/* Test helper: start one program and tell exactly how it ended, on one line:
 * "pid=CHILD parent=SELF result=exit:N|signal:N|errno:NAME", so that a test
 * tells an exec refused with EPERM (lsm) from a SIGKILL before the first
 * instruction (fallback) from a program that ran. With -x, exec in place with
 * SIGINT and SIGQUIT back at their default (bash starts background jobs with
 * them ignored, and a test must be able to stop `appban run` with SIGINT). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void usage(void)
{
	fprintf(stderr,
		"usage: spawn [-o FILE] [-a ARGV0] PATH [ARG...]\n"
		"       spawn -x PATH [ARG...]\n"
		"  -o FILE   the child's stdout and stderr go to FILE (truncated)\n"
		"  -a ARGV0  argv[0] given to the program (default: PATH)\n"
		"  -x        no fork: reset SIGINT and SIGQUIT to default, exec PATH\n"
		"            (searched in PATH) in place\n"
		"prints: pid=N parent=N result=exit:N|signal:N|errno:NAME\n");
	exit(2);
}

static const char *errno_name(int e)
{
	const char *s = strerrorname_np(e);
	static char buf[32];

	if (s)
		return s;
	snprintf(buf, sizeof(buf), "%d", e);
	return buf;
}

int main(int argc, char **argv)
{
	const char *out = NULL, *argv0 = NULL;
	int pfd[2], opt, status, child_errno = 0, in_place = 0;
	ssize_t n;
	pid_t pid;

	while ((opt = getopt(argc, argv, "+o:a:x")) != -1) {
		switch (opt) {
		case 'x':
			in_place = 1;
			break;
		case 'o':
			out = optarg;
			break;
		case 'a':
			argv0 = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();
	if (in_place) {
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		execvp(argv[optind], &argv[optind]);
		fprintf(stderr, "spawn: exec %s: %s\n", argv[optind], strerror(errno));
		return 127;
	}
	if (pipe2(pfd, O_CLOEXEC)) {
		perror("spawn: pipe2");
		return 3;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("spawn: fork");
		return 3;
	}
	if (pid == 0) {
		char **args = &argv[optind];
		int e;

		close(pfd[0]);
		if (out) {
			int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);

			if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0) {
				e = errno;
				if (write(pfd[1], &e, sizeof(e)) < 0)
					_exit(126);
				_exit(126);
			}
			if (fd > 2)
				close(fd);
		}
		if (argv0)
			args[0] = (char *)argv0;
		execv(argv[optind], args);
		e = errno;
		if (write(pfd[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(pfd[1]);
	do
		n = read(pfd[0], &child_errno, sizeof(child_errno));
	while (n < 0 && errno == EINTR);
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			perror("spawn: waitpid");
			return 3;
		}
	}
	if (n == (ssize_t)sizeof(child_errno))
		printf("pid=%d parent=%d result=errno:%s\n", (int)pid, (int)getpid(),
		       errno_name(child_errno));
	else if (WIFSIGNALED(status))
		printf("pid=%d parent=%d result=signal:%d\n", (int)pid, (int)getpid(),
		       WTERMSIG(status));
	else
		printf("pid=%d parent=%d result=exit:%d\n", (int)pid, (int)getpid(),
		       WEXITSTATUS(status));
	return 0;
}
