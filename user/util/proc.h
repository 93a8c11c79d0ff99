/* SPDX-License-Identifier: GPL-2.0 */
/* What /proc says of a process. */
#ifndef __APPBAN_UTIL_PROC_H
#define __APPBAN_UTIL_PROC_H

#include <sys/types.h>
#include <linux/types.h>

/* The start of process pid (of its first thread) on CLOCK_BOOTTIME, in
 * nanoseconds rounded down to a clock tick (/proc/PID/stat field 22, in
 * ticks since boot); *tick_ns (if not NULL) the length of a tick. 0: the
 * process is gone or /proc cannot tell. */
__u64 proc_start_ns(pid_t pid, __u64 *tick_ns);

#endif /* __APPBAN_UTIL_PROC_H */
