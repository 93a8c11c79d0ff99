/* SPDX-License-Identifier: GPL-2.0 */
/* systemd's service notifications (sd_notify): readiness, watchdog, status.
 * Outside systemd (no NOTIFY_SOCKET) every call does nothing. */
#ifndef __APPBAN_NOTIFY_H
#define __APPBAN_NOTIFY_H

#include <stdint.h>

/* READY=1 with a STATUS= line. */
void notify_ready(const char *status);
/* STATUS= only. */
void notify_status(const char *status);
/* STOPPING=1. */
void notify_stopping(void);
/* The interval at which to ping the watchdog (half of WatchdogSec), in
 * ns; 0 when systemd watches nothing. */
uint64_t notify_watchdog_interval_ns(void);
/* WATCHDOG=1. */
void notify_watchdog(void);

#endif /* __APPBAN_NOTIFY_H */
