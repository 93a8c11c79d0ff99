// SPDX-License-Identifier: GPL-2.0
/* Unit tests of user/fleet/schedule.c: a source's next check, every
 * +-20 %, doubling on failure up to one hour, reset on success. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fleet/schedule.h"

#define S 1000000000ull

static void test_schedule_backoff_doubles_up_to_one_hour(void **state)
{
	(void)state;
	assert_true(schedule_backoff(300 * S, 0) == 300 * S);
	assert_true(schedule_backoff(300 * S, 1) == 600 * S);
	assert_true(schedule_backoff(300 * S, 2) == 1200 * S);
	assert_true(schedule_backoff(300 * S, 3) == 2400 * S);
	assert_true(schedule_backoff(300 * S, 4) == 3600 * S);
	assert_true(schedule_backoff(300 * S, 5) == 3600 * S);
	assert_true(schedule_backoff(300 * S, 64) == 3600 * S);
	assert_true(schedule_backoff(300 * S, ~0u) == 3600 * S);
	assert_true(schedule_backoff(10 * S, 8) == 2560 * S);
	assert_true(schedule_backoff(10 * S, 9) == 3600 * S);
	/* Checked less often than hourly anyway: failures do not lengthen it. */
	assert_true(schedule_backoff(7200 * S, 0) == 7200 * S);
	assert_true(schedule_backoff(7200 * S, 3) == 7200 * S);
}

static void test_schedule_jitter_bounds(void **state)
{
	const uint64_t iv = 300 * S;
	uint64_t rng = 42, v, lo = UINT64_MAX, hi = 0;
	long double sum = 0;
	unsigned int i, n = 200000;

	(void)state;
	assert_true(schedule_jitter(iv, 0) == 240 * S);
	assert_true(schedule_jitter(iv, UINT64_MAX) < 360 * S);
	assert_true(schedule_jitter(iv, UINT64_MAX) >= 360 * S - 1);
	assert_true(schedule_jitter(iv, 1ull << 63) == 300 * S);
	for (i = 0; i < n; i++) {
		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		v = schedule_jitter(iv, rng);
		assert_true(v >= 240 * S && v < 360 * S);
		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
		sum += (long double)v;
	}
	/* Uniform: the whole range is used, centred on the interval. */
	assert_true(lo < 241 * S);
	assert_true(hi > 359 * S);
	assert_true(sum / n > 299 * S && sum / n < 301 * S);
}

static void test_schedule_first_check_at_once(void **state)
{
	struct schedule sc;

	(void)state;
	schedule_init(&sc, 300 * S, 1000 * S, 7);
	assert_true(sc.due == 1000 * S);
	assert_int_equal(sc.failures, 0);
}

static void test_schedule_success_failure_and_reset(void **state)
{
	const uint64_t now = 5000 * S;
	struct schedule sc;
	unsigned int i, k;
	uint64_t d, base;

	(void)state;
	schedule_init(&sc, 300 * S, now, 1);
	for (i = 0; i < 1000; i++) {
		schedule_success(&sc, now);
		d = sc.due - now;
		assert_true(d >= 240 * S && d < 360 * S);
	}
	for (k = 1; k <= 8; k++) {
		schedule_failure(&sc, now);
		assert_int_equal(sc.failures, k);
		base = schedule_backoff(300 * S, k);
		d = sc.due - now;
		assert_true(d >= base - base / 5 && d < base + base / 5);
	}
	assert_true(sc.due - now >= 2880 * S); /* one hour -20 % */
	/* SIGHUP: at once, and the failures are not forgotten. */
	schedule_now(&sc, now + 7 * S);
	assert_true(sc.due == now + 7 * S);
	assert_int_equal(sc.failures, 8);
	schedule_success(&sc, now);
	assert_int_equal(sc.failures, 0);
	d = sc.due - now;
	assert_true(d >= 240 * S && d < 360 * S);
}

static void test_schedule_seeds_spread_a_fleet(void **state)
{
	uint64_t first = 0;
	struct schedule sc;
	unsigned int seed, same = 0;

	(void)state;
	for (seed = 0; seed < 100; seed++) {
		schedule_init(&sc, 300 * S, 0, seed);
		schedule_success(&sc, 0);
		if (!seed)
			first = sc.due;
		else
			same += sc.due == first;
	}
	assert_int_equal(same, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schedule_backoff_doubles_up_to_one_hour),
		cmocka_unit_test(test_schedule_jitter_bounds),
		cmocka_unit_test(test_schedule_first_check_at_once),
		cmocka_unit_test(test_schedule_success_failure_and_reset),
		cmocka_unit_test(test_schedule_seeds_spread_a_fleet),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
