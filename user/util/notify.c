// SPDX-License-Identifier: GPL-2.0
/* systemd's notification protocol for `appban daemon` (Type=notify,
 * WatchdogSec), written here rather than through libsystemd (which pulls in
 * gcrypt, lz4, zstd and lzma at every start of every appban command): one
 * datagram of KEY=VALUE lines to the unix socket $NOTIFY_SOCKET (a path,
 * or an abstract name when it starts with '@'), as sd_notify(3) documents. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/log.h"
#include "util/notify.h"

/* 0 sent, 0 when there is no NOTIFY_SOCKET, -errno. */
static int sd_notify_send(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t salen;
	size_t len;
	int fd, err = 0;

	if (!path || !*path)
		return 0;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(sa.sun_path))
		return -EINVAL;
	memcpy(sa.sun_path, path, len);
	if (path[0] == '@')
		sa.sun_path[0] = 0;
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (path[0] == '/'));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa, salen) < 0)
		err = -errno;
	close(fd);
	return err;
}

static void notify_send(const char *what, const char *status)
{
	char msg[512];
	int err;

	if (status)
		snprintf(msg, sizeof(msg), "%s%sSTATUS=%s", what, *what ? "\n" : "", status);
	else
		snprintf(msg, sizeof(msg), "%s", what);
	/* 0: no NOTIFY_SOCKET (not under systemd): nothing to tell */
	err = sd_notify_send(msg);
	if (err < 0)
		pr_debug("sd_notify(%s): %d\n", what, err);
}

void notify_ready(const char *status)
{
	notify_send("READY=1", status);
}

void notify_status(const char *status)
{
	notify_send("", status);
}

void notify_stopping(void)
{
	notify_send("STOPPING=1", NULL);
}

/* WATCHDOG_USEC, when WATCHDOG_PID is unset or ours (sd_watchdog_enabled). */
uint64_t notify_watchdog_interval_ns(void)
{
	const char *us = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	unsigned long long usec;
	char *end;

	if (!us || !*us)
		return 0;
	errno = 0;
	usec = strtoull(us, &end, 10);
	if (errno || *end || !usec)
		return 0;
	if (pid && *pid && strtol(pid, NULL, 10) != (long)getpid())
		return 0;
	return (uint64_t)usec * 1000ull / 2;
}

void notify_watchdog(void)
{
	notify_send("WATCHDOG=1", NULL);
}
