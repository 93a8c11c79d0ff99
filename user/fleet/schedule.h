/* SPDX-License-Identifier: GPL-2.0 */
/* When a source is looked at next (docs/configuration.md, source): every
 * `every` seconds +-20 % so that a fleet does not ask all at once, the
 * interval doubling on each failure in a row up to one hour. */
#ifndef __APPBAN_FLEET_SCHEDULE_H
#define __APPBAN_FLEET_SCHEDULE_H

#include <stdint.h>

#define SCHEDULE_BACKOFF_MAX_NS (3600ull * 1000000000ull)

/* Times on CLOCK_MONOTONIC, in ns. */
struct schedule {
	uint64_t every; /* the interval without failures */
	unsigned int failures; /* in a row */
	uint64_t due; /* the next check */
	uint64_t rng; /* splitmix64 state, for the jitter */
};

/* The first check is due at once (now). seed: any value, e.g. from getrandom. */
void schedule_init(struct schedule *sc, uint64_t every, uint64_t now, uint64_t seed);
/* A check ended well: the next one in every +-20 %. */
void schedule_success(struct schedule *sc, uint64_t now);
/* A check failed: the next one in schedule_backoff(every, failures) +-20 %. */
void schedule_failure(struct schedule *sc, uint64_t now);
/* Look now (SIGHUP): the failures in a row are kept. */
void schedule_now(struct schedule *sc, uint64_t now);

/* every doubled per failure, at most max(one hour, every). */
uint64_t schedule_backoff(uint64_t every, unsigned int failures);
/* interval scaled by a factor from 0.8 (rnd 0) to just under 1.2 (rnd
 * UINT64_MAX), uniform in rnd. */
uint64_t schedule_jitter(uint64_t interval, uint64_t rnd);

#endif /* __APPBAN_FLEET_SCHEDULE_H */
