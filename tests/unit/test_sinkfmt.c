// SPDX-License-Identifier: GPL-2.0
/* Unit tests of sinkfmt.c: RFC 5424 frames (RFC 6587 octet counting for
 * TCP) and audit's key=value messages, byte for byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "events/sinkfmt.h"

#define JSON "{\"event.action\":\"exec-blocked\"}\n"

static struct syslog_fields fields(void)
{
	struct syslog_fields f = {
		.facility = 10, /* authpriv */
		.severity = SYSLOG_SEV_WARNING,
		.ts_real_ns = 1795420800123456789ull, /* 2026-11-23T08:00:00.123456Z */
		.hostname = "pc-42",
		.procid = 812,
		.msgid = "exec-blocked",
		.msg = JSON,
		.msg_len = sizeof(JSON) - 1,
	};
	return f;
}

static void test_syslog_frame_is_rfc5424(void **state)
{
	struct syslog_fields f = fields();
	const char *want = "<84>1 2026-11-23T08:00:00.123456Z pc-42 appban 812 exec-blocked - "
			   "{\"event.action\":\"exec-blocked\"}";
	char buf[512];
	int n;

	(void)state;
	n = syslog_frame(&f, 0, buf, sizeof(buf));
	assert_int_equal(n, strlen(want));
	assert_memory_equal(buf, want, n);
}

static void test_syslog_frame_priority_info_and_facility(void **state)
{
	struct syslog_fields f = fields();
	char buf[512];
	int n;

	(void)state;
	f.severity = SYSLOG_SEV_INFO;
	f.facility = 19; /* local3 */
	n = syslog_frame(&f, 0, buf, sizeof(buf));
	assert_true(n > 6);
	assert_memory_equal(buf, "<158>1 ", 7);
	f.facility = 0;
	n = syslog_frame(&f, 0, buf, sizeof(buf));
	assert_memory_equal(buf, "<6>1 ", 5);
}

static void test_syslog_frame_octet_counting(void **state)
{
	struct syslog_fields f = fields();
	char buf[512], plain[512];
	int n, p;
	unsigned int len;

	(void)state;
	p = syslog_frame(&f, 0, plain, sizeof(plain));
	n = syslog_frame(&f, 1, buf, sizeof(buf));
	assert_int_equal(sscanf(buf, "%u ", &len), 1);
	assert_int_equal(len, p);
	/* "LEN SP" then exactly the frame */
	assert_int_equal(n, snprintf(NULL, 0, "%u ", len) + p);
	assert_memory_equal(buf + n - p, plain, p);
}

static void test_syslog_frame_nil_values_and_no_room(void **state)
{
	struct syslog_fields f = fields();
	char buf[512];
	int n;

	(void)state;
	f.hostname = "";
	f.msgid = NULL;
	n = syslog_frame(&f, 0, buf, sizeof(buf));
	assert_true(n > 0);
	buf[n] = 0;
	assert_non_null(strstr(buf, "Z - appban 812 - - {"));
	assert_int_equal(syslog_frame(&f, 0, buf, 40), -ENOSPC);
	assert_int_equal(syslog_frame(&f, 1, buf, 2), -ENOSPC);
}

static void test_audit_encode_quotes_or_hex(void **state)
{
	char buf[128];

	(void)state;
	assert_int_equal(audit_encode("/usr/bin/tiktok", buf, sizeof(buf)), 17);
	assert_string_equal(buf, "\"/usr/bin/tiktok\"");
	/* a space, a quote, a control character, non-ASCII: hex, no quotes */
	audit_encode("/opt/my app", buf, sizeof(buf));
	assert_string_equal(buf, "2F6F70742F6D7920617070");
	audit_encode("a\"b", buf, sizeof(buf));
	assert_string_equal(buf, "612262");
	audit_encode("a\nb", buf, sizeof(buf));
	assert_string_equal(buf, "610A62");
	audit_encode("caf\xc3\xa9", buf, sizeof(buf));
	assert_string_equal(buf, "636166C3A9");
	assert_int_equal(audit_encode("", buf, sizeof(buf)), 2);
	assert_string_equal(buf, "\"\"");
	assert_int_equal(audit_encode("abcdef", buf, 8), -ENOSPC);
}

static void test_audit_message_exec_blocked(void **state)
{
	struct audit_fields f = {
		.op = "exec-blocked",
		.app = "tiktok",
		.has_proc = 1,
		.exe = "/opt/Tiktok/tiktok",
		.pid = 4321,
		.uid = 1000,
		.policy = "fr-recreational-2023",
		.failed = 1,
	};
	char buf[512];

	(void)state;
	assert_true(audit_message(&f, buf, sizeof(buf)) > 0);
	assert_string_equal(
		buf,
		"op=exec-blocked app=\"tiktok\" exe=\"/opt/Tiktok/tiktok\" pid=4321 uid=1000 policy=\"fr-recreational-2023\" res=failed");
}

static void test_audit_message_configuration_record(void **state)
{
	struct audit_fields f = { .op = "policy-loaded", .policy = "p" };
	char buf[512];

	(void)state;
	assert_true(audit_message(&f, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "op=policy-loaded policy=\"p\" res=success");
}

static void test_audit_message_long_exe_is_cut_to_fit(void **state)
{
	char exe[4096], buf[1024];
	struct audit_fields f = { .op = "exec-blocked", .app = "x", .has_proc = 1, .exe = exe };
	int n;

	(void)state;
	memset(exe, 'a', sizeof(exe) - 1);
	exe[sizeof(exe) - 1] = 0;
	exe[10] = ' '; /* hex: twice as long */
	n = audit_message(&f, buf, sizeof(buf));
	assert_true(n > 0 && n < (int)sizeof(buf));
	assert_non_null(strstr(buf, " pid=0 uid=0 res=success"));
	assert_memory_equal(buf, "op=exec-blocked app=\"x\" exe=61616161616161616161206161", 52);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syslog_frame_is_rfc5424),
		cmocka_unit_test(test_syslog_frame_priority_info_and_facility),
		cmocka_unit_test(test_syslog_frame_octet_counting),
		cmocka_unit_test(test_syslog_frame_nil_values_and_no_room),
		cmocka_unit_test(test_audit_encode_quotes_or_hex),
		cmocka_unit_test(test_audit_message_exec_blocked),
		cmocka_unit_test(test_audit_message_configuration_record),
		cmocka_unit_test(test_audit_message_long_exe_is_cut_to_fit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
