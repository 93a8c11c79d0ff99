// SPDX-License-Identifier: GPL-2.0
/* Unit tests of ratelimit.c: token buckets per app and action, and the
 * once-a-second reports of what they held back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "events/ratelimit.h"

#define SEC 1000000000ull
#define T0 (1000 * SEC)

struct seen {
	char app[64];
	int action;
	uint64_t n;
	int calls;
	uint64_t total;
};

static void on_report(void *ctx, const char *app, int action, uint64_t n)
{
	struct seen *s = ctx;

	snprintf(s->app, sizeof(s->app), "%s", app);
	s->action = action;
	s->n = n;
	s->calls++;
	s->total += n;
}

static void test_ratelimit_burst_then_rate(void **state)
{
	struct ratelimit *rl = ratelimit_new(5, 10);
	int i, passed = 0;

	(void)state;
	assert_non_null(rl);
	for (i = 0; i < 100; i++)
		passed += ratelimit_take(rl, "tiktok", 1, T0);
	assert_int_equal(passed, 10); /* the burst, all at once */
	/* a second later: 5 more */
	passed = 0;
	for (i = 0; i < 100; i++)
		passed += ratelimit_take(rl, "tiktok", 1, T0 + SEC);
	assert_int_equal(passed, 5);
	/* 200 ms: one */
	assert_int_equal(ratelimit_take(rl, "tiktok", 1, T0 + SEC + SEC / 5), 1);
	assert_int_equal(ratelimit_take(rl, "tiktok", 1, T0 + SEC + SEC / 5), 0);
	assert_true(ratelimit_suppressed_total(rl) == 90 + 95 + 1);
	ratelimit_free(rl);
}

static void test_ratelimit_is_per_app_and_action(void **state)
{
	struct ratelimit *rl = ratelimit_new(1, 1);

	(void)state;
	assert_int_equal(ratelimit_take(rl, "a", 1, T0), 1);
	assert_int_equal(ratelimit_take(rl, "a", 1, T0), 0);
	assert_int_equal(ratelimit_take(rl, "a", 2, T0), 1); /* another action */
	assert_int_equal(ratelimit_take(rl, "b", 1, T0), 1); /* another app */
	assert_int_equal(ratelimit_take(rl, "", 1, T0), 1);
	assert_int_equal(ratelimit_take(rl, "", 1, T0), 0);
	ratelimit_free(rl);
}

static void test_ratelimit_reports_once_a_second_and_sums(void **state)
{
	struct ratelimit *rl = ratelimit_new(2, 2);
	struct seen s = { 0 };
	uint64_t next, t;
	int i, passed = 0, n = 0;

	(void)state;
	/* 1000 records over 3 s, 3 per ms */
	for (t = T0; t < T0 + 3 * SEC; t += SEC / 1000)
		for (i = 0; i < 3; i++, n++) {
			passed += ratelimit_take(rl, "x", 7, t);
			ratelimit_report(rl, t, 0, on_report, &s);
		}
	next = ratelimit_report(rl, T0 + 3 * SEC, 1, on_report, &s);
	assert_true(next == 0);
	/* written + suppressed = what happened */
	assert_true((uint64_t)passed + s.total == (uint64_t)n);
	/* one report per window of a second, plus the flush */
	assert_in_range(s.calls, 3, 4);
	assert_string_equal(s.app, "x");
	assert_int_equal(s.action, 7);
	/* 2 burst + 2/s for 3 s */
	assert_in_range(passed, 7, 9);
	ratelimit_free(rl);
}

static void test_ratelimit_report_waits_for_the_second(void **state)
{
	struct ratelimit *rl = ratelimit_new(1, 1);
	struct seen s = { 0 };

	(void)state;
	ratelimit_take(rl, "x", 1, T0);
	ratelimit_take(rl, "x", 1, T0 + 1); /* held back */
	assert_true(ratelimit_report(rl, T0 + SEC / 2, 0, on_report, &s) == T0 + 1 + SEC);
	assert_int_equal(s.calls, 0);
	assert_true(ratelimit_report(rl, T0 + 1 + SEC, 0, on_report, &s) == 0);
	assert_int_equal(s.calls, 1);
	assert_true(s.n == 1);
	ratelimit_free(rl);
}

static void test_ratelimit_many_apps_grow_the_table(void **state)
{
	struct ratelimit *rl = ratelimit_new(1, 1);
	char name[32];
	int i;

	(void)state;
	for (i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "app-%d", i);
		assert_int_equal(ratelimit_take(rl, name, 1, T0), 1);
	}
	for (i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "app-%d", i);
		assert_int_equal(ratelimit_take(rl, name, 1, T0), 0);
	}
	ratelimit_free(rl);
}

static void test_ratelimit_no_overflow_at_the_maximum(void **state)
{
	struct ratelimit *rl = ratelimit_new(1000000, 1000000);
	int i, passed = 0;

	(void)state;
	ratelimit_take(rl, "x", 1, T0);
	/* a day later: the bucket is full, not wrapped around */
	for (i = 0; i < 2000000; i++)
		passed += ratelimit_take(rl, "x", 1, T0 + 86400 * SEC);
	assert_int_equal(passed, 1000000);
	assert_null(ratelimit_new(0, 1));
	ratelimit_free(rl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ratelimit_burst_then_rate),
		cmocka_unit_test(test_ratelimit_is_per_app_and_action),
		cmocka_unit_test(test_ratelimit_reports_once_a_second_and_sums),
		cmocka_unit_test(test_ratelimit_report_waits_for_the_second),
		cmocka_unit_test(test_ratelimit_many_apps_grow_the_table),
		cmocka_unit_test(test_ratelimit_no_overflow_at_the_maximum),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
