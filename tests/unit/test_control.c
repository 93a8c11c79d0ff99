// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the control socket's protocol (fleet/control_proto.c) and
 * of a follower's bounded buffer (util/obuf.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fleet/control_proto.h"
#include "util/obuf.h"

static void test_control_parses_each_request(void **state)
{
	struct control_request r;
	const char *why;

	(void)state;
	assert_int_equal(control_parse_request("follow json", &r, &why), 0);
	assert_int_equal(r.op, CONTROL_FOLLOW);
	assert_int_equal(r.json, 1);
	assert_int_equal(control_parse_request("follow text", &r, &why), 0);
	assert_int_equal(r.op, CONTROL_FOLLOW);
	assert_int_equal(r.json, 0);
	assert_int_equal(control_parse_request("status json", &r, &why), 0);
	assert_int_equal(r.op, CONTROL_STATUS);
	assert_int_equal(r.json, 1);
	assert_int_equal(control_parse_request("status text", &r, &why), 0);
	assert_int_equal(r.op, CONTROL_STATUS);
	assert_int_equal(r.json, 0);
}

static void test_control_rejects_unknown_requests_with_a_reason(void **state)
{
	static const char *const bad[] = { "",	     "follow",	    "follow xml", "follow json ",
					   "status", "Follow json", "stop",	  "status json x" };
	struct control_request r;
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		assert_int_equal(control_parse_request(bad[i], &r, &why), -EINVAL);
		assert_non_null(why);
	}
	control_parse_request("follow xml", &r, &why);
	assert_non_null(strstr(why, "json or text"));
	control_parse_request("stop", &r, &why);
	assert_non_null(strstr(why, "unknown request"));
}

static void test_control_request_round_trips(void **state)
{
	struct control_request in, out;
	char line[64];
	const char *why;
	int op, json, n;

	(void)state;
	for (op = 0; op < 2; op++)
		for (json = 0; json < 2; json++) {
			in = (struct control_request){ .op = op, .json = json };
			n = control_encode_request(&in, line, sizeof(line));
			assert_true(n > 0);
			assert_int_equal(line[n - 1], '\n');
			line[n - 1] = 0;
			assert_int_equal(control_parse_request(line, &out, &why), 0);
			assert_int_equal(out.op, in.op);
			assert_int_equal(out.json, in.json);
		}
	in = (struct control_request){ .op = CONTROL_FOLLOW, .json = 1 };
	assert_int_equal(control_encode_request(&in, line, 5), -ENOSPC);
}

static void test_control_first_line_ok_error_or_other_version(void **state)
{
	char line[128];
	const char *why;
	int n;

	(void)state;
	n = control_encode_ok(line, sizeof(line));
	assert_string_equal(line, "ok appban-control 1\n");
	line[n - 1] = 0;
	assert_int_equal(control_parse_first(line, &why), 0);
	assert_null(why);
	n = control_encode_error("too many clients", line, sizeof(line));
	line[n - 1] = 0;
	assert_int_equal(control_parse_first(line, &why), -EPROTO);
	assert_string_equal(why, "too many clients");
	assert_int_equal(control_parse_first("ok appban-control 2", &why), -EPROTO);
	assert_null(why);
	assert_int_equal(control_parse_first("ok appban-control 1x", &why), -EPROTO);
	assert_int_equal(control_parse_first("{\"@timestamp\":1}", &why), -EPROTO);
}

static void test_control_end_lines_round_trip(void **state)
{
	enum control_end why;
	uint64_t lost;
	char line[64];
	int n;

	(void)state;
	n = control_encode_end(CONTROL_END_CUT, 18446744073709551615ull, line, sizeof(line));
	assert_string_equal(line, "#end cut-off 18446744073709551615\n");
	line[n - 1] = 0;
	assert_int_equal(control_parse_end(line, &why, &lost), 0);
	assert_int_equal(why, CONTROL_END_CUT);
	assert_true(lost == 18446744073709551615ull);
	n = control_encode_end(CONTROL_END_STOPPED, 7, line, sizeof(line));
	line[n - 1] = 0;
	assert_int_equal(control_parse_end(line, &why, &lost), 0);
	assert_int_equal(why, CONTROL_END_STOPPED);
	assert_true(lost == 0);
	assert_int_equal(control_parse_end("#end cut-off", &why, &lost), -EPROTO);
	assert_int_equal(control_parse_end("#end cut-off 12x", &why, &lost), -EPROTO);
	assert_int_equal(control_parse_end("#end cut-off -1", &why, &lost), -EPROTO);
	assert_int_equal(control_parse_end("#end later", &why, &lost), -EPROTO);
	assert_int_equal(control_parse_end("#end cut-off 0617", &why, &lost), -EPROTO);
	assert_int_equal(control_parse_end("#end cut-off 0", &why, &lost), 0);
}

static void test_control_socket_path_from_the_environment(void **state)
{
	(void)state;
	unsetenv(CONTROL_SOCKET_ENV);
	assert_string_equal(control_socket_path(), "/run/appban/appban.sock");
	setenv(CONTROL_SOCKET_ENV, "", 1);
	assert_string_equal(control_socket_path(), "/run/appban/appban.sock");
	setenv(CONTROL_SOCKET_ENV, "/tmp/x.sock", 1);
	assert_string_equal(control_socket_path(), "/tmp/x.sock");
	unsetenv(CONTROL_SOCKET_ENV);
}

/* ---- obuf ---- */

static void test_obuf_refuses_what_does_not_fit_and_keeps_the_reserve(void **state)
{
	struct obuf b;

	(void)state;
	assert_int_equal(obuf_init(&b, 16, 4), 0);
	assert_int_equal(obuf_put(&b, "0123456789", 10), 0);
	assert_int_equal(obuf_put(&b, "abc", 3), -ENOSPC); /* 13 > 12: into the reserve */
	assert_int_equal(obuf_pending(&b), 10);
	assert_int_equal(obuf_put(&b, "ab", 2), 0); /* 12: fits */
	assert_int_equal(obuf_put(&b, "x", 1), -ENOSPC);
	assert_int_equal(obuf_put_reserved(&b, "WXYZ", 4), 0); /* the last line */
	assert_int_equal(obuf_put_reserved(&b, "!", 1), -ENOSPC);
	assert_int_equal(obuf_pending(&b), 16);
	obuf_free(&b);
	assert_int_equal(obuf_init(&b, 4, 4), -EINVAL);
}

static void test_obuf_writes_what_the_descriptor_takes_in_order(void **state)
{
	char out[64] = { 0 };
	struct obuf b;
	int p[2];

	(void)state;
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	assert_int_equal(obuf_init(&b, 32, 0), 0);
	assert_int_equal(obuf_put(&b, "one\n", 4), 0);
	assert_int_equal(obuf_put(&b, "two\n", 4), 0);
	assert_int_equal(obuf_flush(&b, p[1]), 8);
	assert_int_equal(obuf_pending(&b), 0);
	assert_int_equal(obuf_flush(&b, p[1]), 0); /* nothing waits */
	assert_int_equal(read(p[0], out, sizeof(out)), 8);
	assert_string_equal(out, "one\ntwo\n");
	obuf_free(&b);
	close(p[0]);
	close(p[1]);
}

/* A reader that does not read: nothing blocks, what waits stays whole, and
 * space freed by a partial write is used again. */
static void test_obuf_never_waits_for_a_full_descriptor(void **state)
{
	static char chunk[4096], back[1 << 20];
	size_t queued = 0, written = 0, got = 0;
	struct obuf b;
	long w;
	ssize_t r;
	int p[2], i;

	(void)state;
	for (i = 0; i < (int)sizeof(chunk); i++)
		chunk[i] = (char)('a' + i % 26);
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	assert_int_equal(obuf_init(&b, 3 * sizeof(chunk), 0), 0);
	/* fill the pipe (64 KiB) and the buffer: puts fail, flushes take 0 */
	for (i = 0; i < 64; i++) {
		if (!obuf_put(&b, chunk, sizeof(chunk)))
			queued += sizeof(chunk);
		w = obuf_flush(&b, p[1]);
		assert_true(w >= 0);
		written += (size_t)w;
	}
	assert_int_equal(obuf_pending(&b), 3 * sizeof(chunk));
	assert_int_equal(obuf_flush(&b, p[1]), 0);
	/* the reader reads: everything arrives, in order */
	while (got < queued) {
		r = read(p[0], back + got, sizeof(back) - got);
		if (r > 0)
			got += (size_t)r;
		w = obuf_flush(&b, p[1]);
		assert_true(w >= 0);
		written += (size_t)w;
	}
	assert_int_equal(written, queued);
	for (i = 0; i < (int)got; i++)
		assert_int_equal(back[i], chunk[i % sizeof(chunk)]);
	obuf_free(&b);
	close(p[0]);
	close(p[1]);
}

static void test_obuf_reports_a_gone_reader(void **state)
{
	struct obuf b;
	int p[2];

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	close(p[0]);
	assert_int_equal(obuf_init(&b, 16, 0), 0);
	assert_int_equal(obuf_put(&b, "x\n", 2), 0);
	assert_int_equal(obuf_flush(&b, p[1]), -EPIPE);
	obuf_free(&b);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_control_parses_each_request),
		cmocka_unit_test(test_control_rejects_unknown_requests_with_a_reason),
		cmocka_unit_test(test_control_request_round_trips),
		cmocka_unit_test(test_control_first_line_ok_error_or_other_version),
		cmocka_unit_test(test_control_end_lines_round_trip),
		cmocka_unit_test(test_control_socket_path_from_the_environment),
		cmocka_unit_test(test_obuf_refuses_what_does_not_fit_and_keeps_the_reserve),
		cmocka_unit_test(test_obuf_writes_what_the_descriptor_takes_in_order),
		cmocka_unit_test(test_obuf_never_waits_for_a_full_descriptor),
		cmocka_unit_test(test_obuf_reports_a_gone_reader),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
