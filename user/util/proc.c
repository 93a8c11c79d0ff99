// SPDX-License-Identifier: GPL-2.0
/* What /proc says of a process (proc.h). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"

__u64 proc_start_ns(pid_t pid, __u64 *tick_ns)
{
	unsigned long long ticks = 0;
	long hz = sysconf(_SC_CLK_TCK);
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd, i;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0 || hz <= 0)
		return 0;
	buf[n] = 0;
	/* Field 22; the name (field 2) may hold spaces and parentheses. */
	p = strrchr(buf, ')');
	for (i = 2; p && i < 22; i++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &ticks) != 1)
		return 0;
	if (tick_ns)
		*tick_ns = 1000000000ull / (__u64)hz;
	return (__u64)ticks * (1000000000ull / (__u64)hz);
}
