/* SPDX-License-Identifier: GPL-2.0 */
/* `rate-limit N/s burst M` (docs/configuration.md): a token bucket per app
 * and action; what it holds back is counted and reported once a second. */
#ifndef __APPBAN_RATELIMIT_H
#define __APPBAN_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

struct ratelimit;

/* rate records per second, bursts of burst (both >= 1). NULL: no memory. */
struct ratelimit *ratelimit_new(unsigned int rate, unsigned int burst);
/* Accepts NULL. */
void ratelimit_free(struct ratelimit *rl);
/* One record of app (may be "") and action (a record_kind) at now_ns
 * (CLOCK_MONOTONIC): 1 to write it, 0 when it is held back (and counted). */
int ratelimit_take(struct ratelimit *rl, const char *app, int action, uint64_t now_ns);

typedef void (*ratelimit_report_cb)(void *ctx, const char *app, int action, uint64_t n);
/* Every app and action whose first held-back record of the current window
 * is at least a second old (all of them when flush is set): cb with the
 * count, which starts again at 0. Returns the time (mono ns) of the next
 * report due, or 0 when none is pending. */
uint64_t ratelimit_report(struct ratelimit *rl, uint64_t now_ns, int flush, ratelimit_report_cb cb,
			  void *ctx);
/* Records held back since the start (reported or not). */
uint64_t ratelimit_suppressed_total(const struct ratelimit *rl);

#endif /* __APPBAN_RATELIMIT_H */
