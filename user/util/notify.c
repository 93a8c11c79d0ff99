// SPDX-License-Identifier: GPL-2.0
/* sd_notify for `appban daemon` under systemd (Type=notify, WatchdogSec). */
#include <stdio.h>
#include <systemd/sd-daemon.h>

#include "util/log.h"
#include "util/notify.h"

static void notify_send(const char *what, const char *status)
{
	char msg[512];
	int err;

	if (status)
		snprintf(msg, sizeof(msg), "%s%sSTATUS=%s", what, *what ? "\n" : "", status);
	else
		snprintf(msg, sizeof(msg), "%s", what);
	/* 0: no NOTIFY_SOCKET (not under systemd): nothing to tell */
	err = sd_notify(0, msg);
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

uint64_t notify_watchdog_interval_ns(void)
{
	uint64_t usec = 0;

	if (sd_watchdog_enabled(0, &usec) <= 0)
		return 0;
	return usec * 1000ull / 2;
}

void notify_watchdog(void)
{
	notify_send("WATCHDOG=1", NULL);
}
