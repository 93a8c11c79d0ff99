// SPDX-License-Identifier: GPL-2.0
/* Test helper: a program whose copies the integration tests ban. When its code
 * runs at all it says so on stdout and appends "PID ARGV0" to $APPBAN_MARKER. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *log = getenv("APPBAN_MARKER");
	const char *argv0 = argc > 0 ? argv[0] : "?";
	char line[4200];
	int fd, n;

	n = snprintf(line, sizeof(line), "%d %s\n", (int)getpid(), argv0);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = (int)strlen(line);
	if (log && *log) {
		/* O_APPEND: one write per run, so concurrent markers do not mix lines */
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (fd >= 0) {
			if (write(fd, line, (size_t)n) != n)
				perror("marker: write");
			close(fd);
		} else {
			perror("marker: open $APPBAN_MARKER");
		}
	}
	printf("appban-marker ran: pid=%d argv0=%s\n", (int)getpid(), argv0);
	return 0;
}
