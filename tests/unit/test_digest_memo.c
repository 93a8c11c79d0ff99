// SPDX-License-Identifier: GPL-2.0
/* Unit tests of digest_memo.c: the event reader's memo of the kernel's
 * digest cache answers only for events emitted before its lookup, and only
 * while this process wrote no digest since. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "events/digest_memo.h"

#define HEX "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

static void test_digest_memo_answers_for_events_before_its_lookup(void **state)
{
	struct digest_memo m;

	(void)state;
	digest_memo_clear(&m);
	assert_null(digest_memo_get(&m, 8, 77, 100, 0));
	digest_memo_put(&m, 8, 77, 1000, 0, HEX);
	assert_string_equal(digest_memo_get(&m, 8, 77, 999, 0), HEX);
	/* an event emitted at or after the lookup: the kernel may have
	 * written the digest of its exec since */
	assert_null(digest_memo_get(&m, 8, 77, 1000, 0));
	assert_null(digest_memo_get(&m, 8, 77, 5000, 0));
	/* a record made in user space (no kernel time) */
	assert_null(digest_memo_get(&m, 8, 77, 0, 0));
}

static void test_digest_memo_remembers_that_there_was_none(void **state)
{
	struct digest_memo m;
	const char *got;

	(void)state;
	digest_memo_clear(&m);
	digest_memo_put(&m, 8, 78, 1000, 3, "");
	got = digest_memo_get(&m, 8, 78, 10, 3);
	assert_non_null(got);
	assert_string_equal(got, "");
}

static void test_digest_memo_forgets_once_a_digest_was_written(void **state)
{
	struct digest_memo m;

	(void)state;
	digest_memo_clear(&m);
	digest_memo_put(&m, 8, 77, 1000, 3, "");
	assert_null(digest_memo_get(&m, 8, 77, 10, 4));
}

static void test_digest_memo_keeps_files_apart(void **state)
{
	struct digest_memo m;
	uint64_t ino;

	(void)state;
	digest_memo_clear(&m);
	digest_memo_put(&m, 8, 77, 1000, 0, HEX);
	assert_null(digest_memo_get(&m, 9, 77, 10, 0));
	assert_null(digest_memo_get(&m, 8, 78, 10, 0));
	/* a file in the same slot replaces it: never the other's digest */
	for (ino = 78; ino < 78 + 4 * DIGEST_MEMO_SIZE; ino++)
		digest_memo_put(&m, 8, ino, 1000, 0, "");
	assert_true(digest_memo_get(&m, 8, 77, 10, 0) == NULL ||
		    !strcmp(digest_memo_get(&m, 8, 77, 10, 0), HEX));
	for (ino = 78; ino < 78 + 4 * DIGEST_MEMO_SIZE; ino++)
		assert_true(digest_memo_get(&m, 8, ino, 10, 0) == NULL ||
			    !strcmp(digest_memo_get(&m, 8, ino, 10, 0), ""));
	digest_memo_clear(&m);
	assert_null(digest_memo_get(&m, 8, 78, 10, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digest_memo_answers_for_events_before_its_lookup),
		cmocka_unit_test(test_digest_memo_remembers_that_there_was_none),
		cmocka_unit_test(test_digest_memo_forgets_once_a_digest_was_written),
		cmocka_unit_test(test_digest_memo_keeps_files_apart),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
