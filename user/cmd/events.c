// SPDX-License-Identifier: GPL-2.0
/* appban events [--json]: follow the events of the running daemon from now
 * on, over its control socket (docs/control.md). The daemon never waits for
 * a follower: one that does not read fast enough is cut off, and told how
 * many records it missed. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "fleet/control_client.h"
#include "util/log.h"

#define READ_SIZE (64u << 10)
#define LINE_MAX_LEN (64u << 10) /* longer than any record */

/* The stream's '#' line: its exit status, said on standard error. */
static int stream_end(const char *line)
{
	enum control_end why;
	uint64_t lost;

	if (control_parse_end(line, &why, &lost)) {
		pr_err("the daemon sent an unknown line: %.80s\n", line);
		return EXIT_INVALID;
	}
	if (why == CONTROL_END_STOPPED) {
		pr_info("the daemon stopped\n");
		return EXIT_OK;
	}
	pr_err("cut off by the daemon: this follower did not read its events fast enough; %" PRIu64
	       " record(s) missed (the daemon never waits for a follower)\n",
	       lost);
	return EXIT_INVALID;
}

/* Copy the records to standard output, line by line (a '#' line is the
 * protocol's), until the daemon's last line. An exit status. */
static int follow(int fd)
{
	static char buf[LINE_MAX_LEN + READ_SIZE];
	size_t have = 0, start, i;
	ssize_t r;

	for (;;) {
		r = read(fd, buf + have, READ_SIZE);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			pr_err("reading from the daemon: %s\n", strerror(errno));
			return EXIT_KERNEL;
		}
		if (!r) {
			pr_err("the daemon closed the connection without its last line (did it crash?)\n");
			return EXIT_KERNEL;
		}
		have += (size_t)r;
		for (start = 0, i = have - (size_t)r; i < have; i++) {
			if (buf[i] != '\n')
				continue;
			if (buf[start] == '#') {
				buf[i] = 0;
				fflush(stdout);
				return stream_end(buf + start);
			}
			if (fwrite(buf + start, 1, i + 1 - start, stdout) != i + 1 - start)
				return EXIT_OK; /* the reader is gone (| head) */
			start = i + 1;
		}
		if (fflush(stdout) == EOF)
			return EXIT_OK;
		memmove(buf, buf + start, have - start);
		have -= start;
		if (have > LINE_MAX_LEN) {
			pr_err("the daemon sent a line longer than %u bytes\n", LINE_MAX_LEN);
			return EXIT_INVALID;
		}
	}
}

int cmd_events(int argc, char **argv)
{
	struct control_request req = { .op = CONTROL_FOLLOW };
	char why[256];
	int fd, err, ret;

	if (argc == 2 && !strcmp(argv[1], "--json"))
		req.json = 1;
	else if (argc != 1) {
		cmd_usage(stderr, argv[0]);
		return EXIT_USAGE;
	}
	signal(SIGPIPE, SIG_IGN);
	err = control_request(&req, &fd, why, sizeof(why));
	if (err == -ENOENT || err == -ECONNREFUSED) {
		pr_err("no appban daemon runs: nothing answers on %s (start it: systemctl start appban, or appban daemon)\n",
		       control_socket_path());
		return EXIT_NOT_LOADED;
	}
	if (err == -EACCES || err == -EPERM) {
		pr_err("cannot connect to %s: %s (the daemon's socket is root's)\n",
		       control_socket_path(), strerror(-err));
		return EXIT_KERNEL;
	}
	if (err == -EPROTO) {
		pr_err("the daemon refused to be followed: %s\n", why[0] ? why : "no reason given");
		return EXIT_INVALID;
	}
	if (err) {
		pr_err("cannot reach the daemon on %s: %s\n", control_socket_path(),
		       strerror(-err));
		return EXIT_KERNEL;
	}
	ret = follow(fd);
	close(fd);
	return ret;
}
