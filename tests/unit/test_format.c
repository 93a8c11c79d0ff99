// SPDX-License-Identifier: GPL-2.0
/* Unit tests of format.c: the ECS JSON and text lines of event records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "events/format.h"

static void exec_record(struct record *r, struct appban_event *e)
{
	memset(r, 0, sizeof(*r));
	memset(e, 0, sizeof(*e));
	e->type = APPBAN_EV_EXEC_BLOCKED;
	e->pid = 4321;
	e->ppid = 1;
	e->uid = 1000;
	e->gid = 100;
	e->dev = 8 << 20 | 1;
	e->ino = 77;
	e->match = APPBAN_MATCH_PATH;
	e->method = APPBAN_METHOD_SIGKILL;
	strcpy(e->comm, "tiktok");
	strcpy(e->filename, "/opt/Tiktok/tiktok");
	r->kind = REC_EXEC_BLOCKED;
	r->ts_real_ns = 1795420800123456789ull; /* 2026-11-23T08:00:00.123456Z */
	r->engine = "fallback";
	strcpy(r->policy_name, "fr-recreational-2023");
	r->policy_serial = 2023032401;
	strcpy(r->rule, "tiktok");
	r->ev = e;
}

static void test_format_json_exec_blocked_has_ecs_fields(void **state)
{
	struct appban_event e;
	struct record r;
	char buf[4096];

	(void)state;
	exec_record(&r, &e);
	assert_true(format_json(&r, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\"@timestamp\":\"2026-11-23T08:00:00.123456Z\""));
	assert_non_null(strstr(buf, "\"event.kind\":\"alert\""));
	assert_non_null(strstr(buf, "\"event.category\":[\"process\"]"));
	assert_non_null(strstr(buf, "\"event.action\":\"exec-blocked\""));
	assert_non_null(strstr(buf, "\"event.outcome\":\"failure\""));
	assert_non_null(strstr(buf, "\"appban.engine\":\"fallback\""));
	assert_non_null(strstr(buf, "\"appban.policy.name\":\"fr-recreational-2023\""));
	assert_non_null(strstr(buf, "\"appban.policy.serial\":2023032401"));
	assert_non_null(strstr(buf, "\"rule.name\":\"tiktok\""));
	assert_non_null(strstr(buf, "\"appban.match\":\"path\""));
	assert_non_null(strstr(buf, "\"appban.method\":\"sigkill\""));
	assert_non_null(strstr(buf, "\"process.pid\":4321"));
	assert_non_null(strstr(buf, "\"process.executable\":\"/opt/Tiktok/tiktok\""));
	assert_non_null(strstr(buf, "\"user.id\":\"1000\""));
	assert_non_null(strstr(buf, "\"group.id\":\"100\""));
	assert_non_null(strstr(buf, "\"file.inode\":\"77\""));
	assert_non_null(strstr(buf, "\"file.device\":\"8:1\""));
	assert_int_equal(buf[strlen(buf) - 1], '\n');
	assert_int_equal(strchr(buf, '\n') - buf, (long)strlen(buf) - 1); /* one line */
}

static void test_format_json_hash_only_when_known(void **state)
{
	struct appban_event e;
	struct record r;
	char buf[4096];

	(void)state;
	exec_record(&r, &e);
	assert_true(format_json(&r, buf, sizeof(buf)) > 0);
	assert_null(strstr(buf, "process.hash.sha256"));
	strcpy(r.sha256, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
	assert_true(format_json(&r, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(
		buf,
		"\"process.hash.sha256\":\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\""));
}

static void test_format_exception_named_when_allowed(void **state)
{
	struct appban_event e;
	struct record r;
	char buf[4096];

	(void)state;
	exec_record(&r, &e);
	assert_true(format_json(&r, buf, sizeof(buf)) > 0);
	assert_null(strstr(buf, "appban.exception"));
	r.kind = REC_EXEC_AUDITED;
	e.type = APPBAN_EV_EXEC_AUDITED;
	e.method = 0;
	strcpy(r.exception, "comms-office");
	assert_true(format_json(&r, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\"event.action\":\"exec-audited\""));
	assert_non_null(strstr(buf, "\"event.outcome\":\"success\""));
	assert_non_null(strstr(buf, "\"appban.exception\":\"comms-office\""));
	assert_true(format_text(&r, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, " allowed by exception \"comms-office\"\n"));
}

static void test_format_layer_exception_name_of_127_chars_whole(void **state)
{
	/* LAYER/NAME: two names of 63 characters and the slash */
	char name[APPBAN_ALLOW_NAME_LEN], want[APPBAN_ALLOW_NAME_LEN + 64];
	struct appban_event e;
	struct record r;
	char buf[4096];

	(void)state;
	memset(name, 'l', 63);
	name[63] = '/';
	memset(name + 64, 'n', 63);
	name[127] = 0;
	exec_record(&r, &e);
	r.kind = REC_EXEC_AUDITED;
	e.type = APPBAN_EV_EXEC_AUDITED;
	e.method = 0;
	snprintf(r.exception, sizeof(r.exception), "%s", name);
	assert_int_equal(strlen(r.exception), 127);
	assert_true(format_json(&r, buf, sizeof(buf)) > 0);
	snprintf(want, sizeof(want), "\"appban.exception\":\"%s\"", name);
	assert_non_null(strstr(buf, want));
	assert_true(format_text(&r, buf, sizeof(buf)) > 0);
	snprintf(want, sizeof(want), " allowed by exception \"%s\"\n", name);
	assert_non_null(strstr(buf, want));
}

static void test_format_json_escapes_and_replaces_invalid_utf8(void **state)
{
	struct appban_event e;
	struct record r;
	char buf[4096];

	(void)state;
	exec_record(&r, &e);
	strcpy(e.filename, "/tmp/a\"b\\c\nd\x01\xff\xc3\xa9");
	assert_true(format_json(&r, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(
		buf, "\"process.executable\":\"/tmp/a\\\"b\\\\c\\u000ad\\u0001\\ufffd\xc3\xa9\""));
}

static void test_format_json_network_blocked_has_destination(void **state)
{
	struct appban_event e;
	struct record r;
	char buf[4096];

	(void)state;
	exec_record(&r, &e);
	r.kind = REC_NET_BLOCKED;
	e.type = APPBAN_EV_NET_BLOCKED;
	e.hook = APPBAN_HOOK_CONNECT;
	e.method = APPBAN_METHOD_EPERM;
	e.family = AF_INET6;
	e.sock_type = SOCK_STREAM;
	e.dport = 443;
	inet_pton(AF_INET6, "2001:db8::1", e.daddr);
	assert_true(format_json(&r, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\"event.category\":[\"network\"]"));
	assert_non_null(strstr(buf, "\"event.action\":\"network-blocked\""));
	assert_non_null(strstr(buf, "\"appban.hook\":\"connect\""));
	assert_non_null(strstr(buf, "\"network.type\":\"ipv6\""));
	assert_non_null(strstr(buf, "\"network.transport\":\"tcp\""));
	assert_non_null(strstr(buf, "\"destination.ip\":\"2001:db8::1\""));
	assert_non_null(strstr(buf, "\"destination.port\":443"));
}

static void test_format_json_process_killed_is_process_alert(void **state)
{
	struct appban_event e;
	struct record r;
	char buf[4096];

	(void)state;
	exec_record(&r, &e);
	r.kind = REC_PROCESS_KILLED;
	e.type = APPBAN_EV_PROCESS_KILLED;
	e.hook = APPBAN_HOOK_LOAD;
	assert_true(format_json(&r, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\"event.kind\":\"alert\""));
	assert_non_null(strstr(buf, "\"event.category\":[\"process\"]"));
	assert_non_null(strstr(buf, "\"event.action\":\"process-killed\""));
	assert_non_null(strstr(buf, "\"event.outcome\":\"failure\""));
	assert_non_null(strstr(buf, "\"appban.hook\":\"policy-load\""));
	assert_non_null(strstr(buf, "\"appban.method\":\"sigkill\""));
	assert_null(strstr(buf, "\"network."));
}

static void test_format_json_connection_closed_has_both_ends(void **state)
{
	struct appban_event e;
	struct record r;
	char buf[4096];

	(void)state;
	exec_record(&r, &e);
	r.kind = REC_CONN_CLOSED;
	e.type = APPBAN_EV_CONN_CLOSED;
	e.hook = APPBAN_HOOK_LOAD;
	e.method = APPBAN_METHOD_SOCK_DESTROY;
	e.family = AF_INET;
	e.sock_type = SOCK_STREAM;
	e.protocol = 6;
	e.sport = 40000;
	e.dport = 443;
	inet_pton(AF_INET, "10.0.0.2", e.saddr);
	inet_pton(AF_INET, "192.0.2.7", e.daddr);
	assert_true(format_json(&r, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\"event.category\":[\"network\"]"));
	assert_non_null(strstr(buf, "\"event.action\":\"connection-closed\""));
	assert_non_null(strstr(buf, "\"appban.method\":\"sock-destroy\""));
	assert_non_null(strstr(buf, "\"network.transport\":\"tcp\""));
	assert_non_null(strstr(buf, "\"source.ip\":\"10.0.0.2\",\"source.port\":40000"));
	assert_non_null(strstr(buf, "\"destination.ip\":\"192.0.2.7\""));
	assert_non_null(strstr(buf, "\"destination.port\":443"));
	assert_true(format_text(&r, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "connection-closed app tiktok"));
	assert_non_null(strstr(buf, "10.0.0.2:40000 to 192.0.2.7:443 (sock-destroy)"));
}

static void test_format_json_audit_is_success_event(void **state)
{
	struct appban_event e;
	struct record r;
	char buf[4096];

	(void)state;
	exec_record(&r, &e);
	r.kind = REC_EXEC_AUDITED;
	e.method = 0;
	assert_true(format_json(&r, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\"event.kind\":\"event\""));
	assert_non_null(strstr(buf, "\"event.outcome\":\"success\""));
	assert_null(strstr(buf, "appban.method"));
}

static void test_format_json_events_lost_counts(void **state)
{
	struct record r = { .kind = REC_EVENTS_LOST, .engine = "lsm", .lost = 12 };
	char buf[1024];

	(void)state;
	assert_true(format_json(&r, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\"event.action\":\"events-lost\""));
	assert_non_null(strstr(buf, "\"appban.lost\":12"));
	assert_null(strstr(buf, "process.pid"));
}

static void test_format_reports_a_buffer_too_small(void **state)
{
	struct appban_event e;
	struct record r;
	char buf[64];

	(void)state;
	exec_record(&r, &e);
	assert_int_equal(format_json(&r, buf, sizeof(buf)), -ENOSPC);
	assert_int_equal(format_text(&r, buf, 10), -ENOSPC);
}

static void test_format_text_is_one_readable_line(void **state)
{
	struct appban_event e;
	struct record r;
	char buf[1024];

	(void)state;
	exec_record(&r, &e);
	assert_true(format_text(&r, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "exec-blocked app tiktok (path) pid 4321"));
	assert_non_null(strstr(buf, "(sigkill)"));
	assert_int_equal(strchr(buf, '\n') - buf, (long)strlen(buf) - 1);
}

/* A start refused because the kernel could not hash it: no app matched,
 * the record says why (appban.reason), in both forms. */
static void test_format_content_unhashable_says_why(void **state)
{
	struct appban_event e;
	struct record r;
	char buf[4096];

	(void)state;
	exec_record(&r, &e);
	e.app = APPBAN_NO_APP;
	e.match = APPBAN_MATCH_SHA256;
	e.method = APPBAN_METHOD_EPERM;
	e.reason = APPBAN_EVR_CONTENT_UNHASHABLE;
	r.reason = "content-unhashable"; /* (events.c, from e.reason) */
	strcpy(r.rule, "content-unhashable");
	assert_true(format_json(&r, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\"appban.reason\":\"content-unhashable\""));
	assert_non_null(strstr(buf, "\"rule.name\":\"content-unhashable\""));
	assert_non_null(strstr(buf, "\"appban.match\":\"sha256\""));
	assert_non_null(strstr(buf, "\"appban.method\":\"eperm\""));
	assert_true(format_text(&r, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "exec-blocked app content-unhashable (sha256) pid 4321"));
	assert_non_null(strstr(buf, "(eperm: content-unhashable)"));
}

static void tamper_record(struct record *r, struct appban_event *e, enum record_kind k)
{
	exec_record(r, e);
	r->kind = k;
	r->rule[0] = 0;
	e->type = k == REC_TAMPER_BLOCKED ? APPBAN_EV_TAMPER_BLOCKED : APPBAN_EV_TAMPER_DETECTED;
	e->app = APPBAN_NO_APP;
	e->hook = APPBAN_HOOK_SIGNAL;
	e->method = k == REC_TAMPER_BLOCKED ? APPBAN_METHOD_EPERM : APPBAN_METHOD_NONE;
	e->ino = 999; /* the signalled pid */
	e->dport = 19;
	strcpy(e->comm, "sh");
	strcpy(e->filename, "appban");
}

static void test_format_json_tamper_blocked_names_target(void **state)
{
	struct appban_event e;
	struct record r;
	char buf[4096];

	(void)state;
	tamper_record(&r, &e, REC_TAMPER_BLOCKED);
	assert_true(format_json(&r, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\"event.kind\":\"alert\""));
	assert_non_null(strstr(buf, "\"event.category\":[\"configuration\"]"));
	assert_non_null(strstr(buf, "\"event.action\":\"tamper-blocked\""));
	assert_non_null(strstr(buf, "\"event.outcome\":\"failure\""));
	assert_non_null(strstr(buf, "\"appban.hook\":\"signal\""));
	assert_non_null(strstr(buf, "\"appban.method\":\"eperm\""));
	assert_non_null(strstr(buf, "\"appban.target.name\":\"appban\""));
	assert_non_null(strstr(buf, "\"appban.target.pid\":999"));
	assert_non_null(strstr(buf, "\"appban.target.signal\":19"));
	assert_non_null(strstr(buf, "\"process.name\":\"sh\""));
	/* not an exec: no rule, no executable, no file */
	assert_null(strstr(buf, "rule.name"));
	assert_null(strstr(buf, "file.inode"));
}

static void test_format_json_tamper_detected_is_alert_success(void **state)
{
	struct appban_event e;
	struct record r;
	char buf[4096];

	(void)state;
	tamper_record(&r, &e, REC_TAMPER_DETECTED);
	e.hook = APPBAN_HOOK_PIN;
	strcpy(e.filename, "/sys/fs/bpf/appban/link_appban_exec");
	assert_true(format_json(&r, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\"event.kind\":\"alert\""));
	assert_non_null(strstr(buf, "\"event.action\":\"tamper-detected\""));
	assert_non_null(strstr(buf, "\"event.outcome\":\"success\""));
	assert_non_null(strstr(buf, "\"appban.hook\":\"pin\""));
	assert_null(strstr(buf, "appban.method"));
	assert_null(strstr(buf, "appban.target.pid"));
	assert_true(format_text(&r, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(
		buf, "tamper-detected pin \"/sys/fs/bpf/appban/link_appban_exec\" by pid 4321"));
}

static void test_format_json_policy_unloaded_names_who(void **state)
{
	struct record r;
	char buf[4096];

	(void)state;
	memset(&r, 0, sizeof(r));
	r.kind = REC_POLICY_UNLOADED;
	r.engine = "lsm";
	strcpy(r.policy_name, "qc");
	r.by_known = 1;
	r.by_pid = 555;
	r.by_uid = 0;
	assert_true(format_json(&r, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\"event.kind\":\"event\""));
	assert_non_null(strstr(buf, "\"event.category\":[\"configuration\"]"));
	assert_non_null(strstr(buf, "\"event.action\":\"policy-unloaded\""));
	assert_non_null(strstr(buf, "\"process.pid\":555,\"user.id\":\"0\""));
	r.by_known = 0;
	assert_true(format_json(&r, buf, sizeof(buf)) > 0);
	assert_null(strstr(buf, "process.pid"));
}

/* events.md 1.1: event.type per action, host.*, agent.* on every record.
 * The machine id comes from the file APPBAN_MACHINE_ID names (set in main
 * before the first record: it is read once). */
#define TEST_MACHINE_ID "0123456789abcdef0123456789abcdef"

static void test_format_json_has_event_type_host_and_agent(void **state)
{
	static const struct {
		enum record_kind k;
		const char *type;
	} want[] = {
		{ REC_EXEC_BLOCKED, "[\"start\",\"denied\"]" },
		{ REC_EXEC_AUDITED, "[\"start\",\"allowed\"]" },
		{ REC_NET_BLOCKED, "[\"connection\",\"denied\"]" },
		{ REC_NET_AUDITED, "[\"connection\",\"allowed\"]" },
		{ REC_PROCESS_KILLED, "[\"end\"]" },
		{ REC_CONN_CLOSED, "[\"connection\",\"end\"]" },
		{ REC_POLICY_LOADED, "[\"change\"]" },
		{ REC_POLICY_REFUSED, "[\"change\",\"denied\"]" },
		{ REC_SOURCE_FAILED, "[\"error\"]" },
		{ REC_HEARTBEAT, "[\"info\"]" },
		{ REC_EVENTS_LOST, "[\"info\"]" },
		{ REC_DAEMON_STARTED, "[\"start\"]" },
	};
	struct appban_event e;
	struct record r;
	char buf[4096], host[256], field[300];
	size_t i;

	(void)state;
	assert_int_equal(gethostname(host, sizeof(host)), 0);
	snprintf(field, sizeof(field), "\"host.name\":\"%s\"", host);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		exec_record(&r, &e);
		r.kind = want[i].k;
		assert_true(format_json(&r, buf, sizeof(buf)) > 0);
		snprintf(field, sizeof(field), "\"event.type\":%s", want[i].type);
		assert_non_null(strstr(buf, field));
		snprintf(field, sizeof(field), "\"host.name\":\"%s\"", host);
		assert_non_null(strstr(buf, field));
		assert_non_null(strstr(buf, "\"host.id\":\"" TEST_MACHINE_ID "\""));
		assert_non_null(strstr(buf, "\"agent.type\":\"appban\""));
		assert_non_null(strstr(buf, "\"agent.version\":\""));
		assert_string_equal(record_event_type(want[i].k), want[i].type);
	}
}

static void test_format_events_suppressed_and_sink_lost(void **state)
{
	struct record r = { .kind = REC_EVENTS_SUPPRESSED, .engine = "lsm", .suppressed = 42 };
	char buf[4096];

	(void)state;
	strcpy(r.rule, "tiktok");
	r.suppressed_kind = REC_EXEC_BLOCKED;
	assert_true(format_json(&r, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\"event.action\":\"events-suppressed\""));
	assert_non_null(strstr(buf, "\"event.kind\":\"event\""));
	assert_non_null(strstr(buf, "\"event.category\":[\"process\"]"));
	assert_non_null(strstr(buf, "\"appban.suppressed\":42"));
	assert_non_null(strstr(buf, "\"rule.name\":\"tiktok\""));
	assert_non_null(strstr(buf, "\"appban.suppressed.action\":\"exec-blocked\""));
	assert_true(format_text(&r, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "events-suppressed 42 exec-blocked records of app tiktok"));

	r = (struct record){ .kind = REC_EVENTS_LOST, .engine = "lsm", .lost = 7 };
	r.sink = "file /var/log/appban/events.json";
	assert_true(format_json(&r, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(
		buf, "\"appban.lost\":7,\"appban.sink\":\"file /var/log/appban/events.json\""));
	assert_true(format_text(&r, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "7 events lost by sink \"file /var/log/appban/events.json\""));
	/* the kernel's: no appban.sink */
	r.sink = NULL;
	assert_true(format_json(&r, buf, sizeof(buf)) > 0);
	assert_null(strstr(buf, "appban.sink"));
}

/* The sinks take a record's severity and audit res= from record_is_alert
 * and record_outcome: they say what format_json writes, for every action. */
static void test_format_alert_and_outcome_helpers_match_json(void **state)
{
	struct appban_event e;
	struct record r;
	char buf[4096], want[64];
	int k;

	(void)state;
	for (k = REC_POLICY_LOADED; k <= REC_EVENTS_SUPPRESSED; k++) {
		if (k == REC_CONTENT_UNKNOWN)
			continue;
		exec_record(&r, &e);
		r.kind = (enum record_kind)k;
		assert_true(format_json(&r, buf, sizeof(buf)) > 0);
		assert_int_equal(!!strstr(buf, "\"event.kind\":\"alert\""),
				 record_is_alert((enum record_kind)k));
		snprintf(want, sizeof(want), "\"event.outcome\":\"%s\"",
			 record_outcome((enum record_kind)k));
		assert_non_null(strstr(buf, want));
	}
}

/* A long name of plain ASCII (copied a run at a time) whole when it fits,
 * and a buffer too small for it said, never cut silently. */
static void test_format_json_long_plain_name_whole_or_refused(void **state)
{
	struct appban_event e;
	struct record r;
	char buf[2048], want[300];
	int n;

	(void)state;
	exec_record(&r, &e);
	memset(e.filename, 'a', sizeof(e.filename) - 1);
	e.filename[0] = '/';
	e.filename[sizeof(e.filename) - 1] = 0;
	n = format_json(&r, buf, sizeof(buf));
	assert_true(n > 0);
	snprintf(want, sizeof(want), "\"process.executable\":\"%s\"", e.filename);
	assert_non_null(strstr(buf, want));
	/* every size from a little short of the line up to it: refused */
	for (size_t len = (size_t)n - 300; len <= (size_t)n; len++)
		assert_int_equal(format_json(&r, buf, len), -ENOSPC);
	assert_int_equal(format_json(&r, buf, (size_t)n + 1), n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_json_exec_blocked_has_ecs_fields),
		cmocka_unit_test(test_format_exception_named_when_allowed),
		cmocka_unit_test(test_format_layer_exception_name_of_127_chars_whole),
		cmocka_unit_test(test_format_json_escapes_and_replaces_invalid_utf8),
		cmocka_unit_test(test_format_json_hash_only_when_known),
		cmocka_unit_test(test_format_json_network_blocked_has_destination),
		cmocka_unit_test(test_format_json_process_killed_is_process_alert),
		cmocka_unit_test(test_format_json_connection_closed_has_both_ends),
		cmocka_unit_test(test_format_json_audit_is_success_event),
		cmocka_unit_test(test_format_json_events_lost_counts),
		cmocka_unit_test(test_format_reports_a_buffer_too_small),
		cmocka_unit_test(test_format_text_is_one_readable_line),
		cmocka_unit_test(test_format_content_unhashable_says_why),
		cmocka_unit_test(test_format_json_tamper_blocked_names_target),
		cmocka_unit_test(test_format_json_tamper_detected_is_alert_success),
		cmocka_unit_test(test_format_json_policy_unloaded_names_who),
		cmocka_unit_test(test_format_json_has_event_type_host_and_agent),
		cmocka_unit_test(test_format_events_suppressed_and_sink_lost),
		cmocka_unit_test(test_format_alert_and_outcome_helpers_match_json),
		cmocka_unit_test(test_format_json_long_plain_name_whole_or_refused),
	};
	char id_file[] = "/tmp/test_format_machine_id.XXXXXX";
	int fd = mkstemp(id_file), ret;

	if (fd < 0 || write(fd, TEST_MACHINE_ID "\n", 33) != 33) {
		perror("machine id file");
		return 1;
	}
	close(fd);
	setenv("APPBAN_MACHINE_ID", id_file, 1);
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(id_file);
	return ret;
}
