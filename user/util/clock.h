/* SPDX-License-Identifier: GPL-2.0 */
/* The one clock helper: a clock's time in nanoseconds. The kernel's event
 * and exception times are on CLOCK_BOOTTIME; durations use CLOCK_MONOTONIC. */
#ifndef __APPBAN_CLOCK_H
#define __APPBAN_CLOCK_H

#include <time.h>
#include <linux/types.h>

#define NSEC_PER_SEC 1000000000ull
#define NSEC_PER_MSEC 1000000ull

static inline __u64 clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (__u64)ts.tv_sec * NSEC_PER_SEC + (__u64)ts.tv_nsec;
}

static inline __u64 boot_ns(void)
{
	return clock_ns(CLOCK_BOOTTIME);
}

static inline __u64 mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

#endif /* __APPBAN_CLOCK_H */
