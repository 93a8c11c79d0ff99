// SPDX-License-Identifier: GPL-2.0
/* The schedule of a source's checks: pure arithmetic on the monotonic clock,
 * so that its bounds are unit-tested without a server. */
#include "fleet/schedule.h"

/* Sebastiano Vigna's splitmix64: one 64-bit state, every output distinct. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t schedule_backoff(uint64_t every, unsigned int failures)
{
	uint64_t cap = every > SCHEDULE_BACKOFF_MAX_NS ? every : SCHEDULE_BACKOFF_MAX_NS;
	uint64_t v = every;

	while (failures-- && v < cap)
		v = v > cap / 2 ? cap : v * 2;
	return v < cap ? v : cap;
}

uint64_t schedule_jitter(uint64_t interval, uint64_t rnd)
{
	uint64_t low = interval - interval / 5, span = interval / 5 * 2;

	return low + (uint64_t)(((unsigned __int128)span * rnd) >> 64);
}

void schedule_init(struct schedule *sc, uint64_t every, uint64_t now, uint64_t seed)
{
	sc->every = every;
	sc->failures = 0;
	sc->due = now;
	sc->rng = seed;
}

void schedule_success(struct schedule *sc, uint64_t now)
{
	sc->failures = 0;
	sc->due = now + schedule_jitter(sc->every, next_random(&sc->rng));
}

void schedule_failure(struct schedule *sc, uint64_t now)
{
	if (sc->failures < 64)
		sc->failures++;
	sc->due = now +
		  schedule_jitter(schedule_backoff(sc->every, sc->failures), next_random(&sc->rng));
}

void schedule_now(struct schedule *sc, uint64_t now)
{
	sc->due = now;
}
