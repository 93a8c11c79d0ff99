// SPDX-License-Identifier: GPL-2.0
/* Unit tests of user/fleet/config.c: the example of the fleet specification,
 * the defaults, every statement, and every error with its exact line:col. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fleet/config.h"
#include "fleet/url.h"

/* The example of the fleet specification (docs/configuration.md), verbatim. */
static const char spec_example[] =
	"# /etc/appban/appban.conf\n"
	"engine auto                                   # auto | lsm | fallback\n"
	"state-dir /var/lib/appban\n"
	"policy-dir /etc/appban/policy.d\n"
	"key /etc/appban/keys/dinum.pub base\n"
	"key /etc/appban/keys/interieur.pub exceptions\n"
	"source https://appban.example.gouv.fr/fr-recreational-2023.policy {\n"
	"    every 300\n"
	"    ca /etc/appban/ca.pem\n"
	"}\n"
	"heartbeat 3600\n"
	"rate-limit 20/s burst 100\n"
	"sink journald\n"
	"sink syslog unix:/dev/log\n"
	"sink file /var/log/appban/events.json {\n"
	"    max-size 10M\n"
	"    keep 5\n"
	"    compress yes\n"
	"}\n";

/* A pin of 32 bytes (the SHA-256 of nothing), and one of 32 zero bytes. */
#define PIN1 "sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
#define PIN0 "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

struct run {
	struct diag d;
	struct fleet_config *c;
	FILE *f;
	char *out;
	size_t out_len;
	int err;
};

static void parse_len(struct run *r, const char *text, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->f = open_memstream(&r->out, &r->out_len);
	assert_non_null(r->f);
	diag_init(&r->d, r->f, "t.conf");
	r->err = fleet_config_parse_buf(text, len, &r->c, &r->d);
	fflush(r->f);
}

static void parse(struct run *r, const char *text)
{
	parse_len(r, text, strlen(text));
}

static void done(struct run *r)
{
	fclose(r->f);
	free(r->out);
	fleet_config_free(r->c);
}

/* The output holds "t.conf:" followed by want ("LINE:COL: error: MESSAGE..."). */
static void expect(struct run *r, const char *want)
{
	char line[1024];

	snprintf(line, sizeof(line), "t.conf:%s", want);
	if (!strstr(r->out, line))
		fail_msg("expected \"%s\" in:\n%s", line, r->out);
}

static void expect_ok(struct run *r)
{
	if (r->err || !r->c || r->d.errors || r->d.warnings)
		fail_msg("expected success, got %d:\n%s", r->err, r->out);
}

static void expect_errors(struct run *r, int n)
{
	if (r->d.errors != n)
		fail_msg("expected %d error(s), got %d:\n%s", n, r->d.errors, r->out);
	assert_int_equal(r->err, -EINVAL);
	assert_null(r->c);
}

/* text gives exactly one error, want; no configuration comes out. */
static void check_error(const char *text, const char *want)
{
	struct run r;

	parse(&r, text);
	expect_errors(&r, 1);
	expect(&r, want);
	done(&r);
}

static void check_ok(const char *text)
{
	struct run r;

	parse(&r, text);
	expect_ok(&r);
	done(&r);
}

static void test_config_example_from_spec(void **state)
{
	const struct fleet_source *s;
	const struct fleet_sink *k;
	struct run r;

	(void)state;
	parse(&r, spec_example);
	expect_ok(&r);
	assert_int_equal(r.c->engine, FLEET_ENGINE_AUTO);
	assert_string_equal(r.c->state_dir, "/var/lib/appban");
	assert_string_equal(r.c->policy_dir, "/etc/appban/policy.d");
	assert_int_equal(r.c->n_keys, 2);
	assert_string_equal(r.c->keys[0].path, "/etc/appban/keys/dinum.pub");
	assert_int_equal(r.c->keys[0].role, FLEET_KEY_BASE);
	assert_int_equal(r.c->keys[0].loc.line, 5);
	assert_int_equal(r.c->keys[0].loc.col, 1);
	assert_string_equal(r.c->keys[1].path, "/etc/appban/keys/interieur.pub");
	assert_int_equal(r.c->keys[1].role, FLEET_KEY_EXCEPTIONS);
	assert_int_equal(r.c->n_sources, 1);
	s = &r.c->sources[0];
	assert_string_equal(s->url, "https://appban.example.gouv.fr/fr-recreational-2023.policy");
	assert_false(s->http);
	assert_int_equal(s->every, 300);
	assert_string_equal(s->ca, "/etc/appban/ca.pem");
	assert_null(s->client_cert);
	assert_null(s->client_key);
	assert_null(s->pin);
	assert_int_equal(s->loc.line, 7);
	assert_int_equal(r.c->heartbeat, 3600);
	assert_int_equal(r.c->rate, 20);
	assert_int_equal(r.c->burst, 100);
	assert_int_equal(r.c->n_sinks, 3);
	k = &r.c->sinks[0];
	assert_int_equal(k->kind, FLEET_SINK_JOURNALD);
	assert_int_equal(k->loc.line, 13);
	k = &r.c->sinks[1];
	assert_int_equal(k->kind, FLEET_SINK_SYSLOG);
	assert_string_equal(k->address, "unix:/dev/log");
	assert_int_equal(k->transport, FLEET_SYSLOG_UNIX);
	assert_string_equal(k->socket, "/dev/log");
	assert_int_equal(k->facility, 10);
	assert_string_equal(fleet_facility_str(k->facility), "authpriv");
	k = &r.c->sinks[2];
	assert_int_equal(k->kind, FLEET_SINK_FILE);
	assert_string_equal(k->path, "/var/log/appban/events.json");
	assert_true(k->max_size == 10ull << 20);
	assert_int_equal(k->keep, 5);
	assert_true(k->compress);
	assert_int_equal(k->loc.line, 15);
	done(&r);
}

static void test_config_defaults_when_empty(void **state)
{
	static const char *const texts[] = { "", "\n\n", "# nothing but a comment\n",
					     "   \t\n# x\n" };
	struct run r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		parse(&r, texts[i]);
		expect_ok(&r);
		assert_int_equal(r.c->engine, FLEET_ENGINE_AUTO);
		assert_string_equal(r.c->state_dir, FLEET_STATE_DIR);
		assert_string_equal(r.c->state_dir, "/var/lib/appban");
		assert_string_equal(r.c->policy_dir, "/etc/appban/policy.d");
		assert_int_equal(r.c->n_keys, 0);
		assert_int_equal(r.c->n_sources, 0);
		assert_int_equal(r.c->n_sinks, 0);
		assert_int_equal(r.c->heartbeat, 3600);
		assert_int_equal(r.c->rate, 0);
		assert_int_equal(r.c->burst, 0);
		done(&r);
	}
	/* A NULL buffer is an empty one. */
	parse_len(&r, NULL, 0);
	expect_ok(&r);
	done(&r);
}

static void test_config_block_defaults(void **state)
{
	struct run r;

	(void)state;
	parse(&r, "source https://h/a.policy\n"
		  "source https://h/b.policy {\n"
		  "}\n"
		  "sink file /var/log/a.json\n"
		  "sink syslog\n"
		  "sink audit\n");
	expect_ok(&r);
	assert_int_equal(r.c->n_sources, 2);
	assert_int_equal(r.c->sources[0].every, 300);
	assert_null(r.c->sources[0].ca);
	assert_int_equal(r.c->sources[1].every, 300);
	assert_int_equal(r.c->n_sinks, 3);
	assert_true(r.c->sinks[0].max_size == 10ull << 20);
	assert_int_equal(r.c->sinks[0].keep, 5);
	assert_true(r.c->sinks[0].compress);
	assert_string_equal(r.c->sinks[1].address, "unix:/dev/log");
	assert_string_equal(r.c->sinks[1].socket, "/dev/log");
	assert_int_equal(r.c->sinks[1].facility, 10);
	assert_int_equal(r.c->sinks[2].kind, FLEET_SINK_AUDIT);
	done(&r);
}

static void test_config_every_statement(void **state)
{
	const struct fleet_source *s;
	const struct fleet_sink *k;
	struct run r;

	(void)state;
	parse(&r, "engine fallback\n"
		  "state-dir /srv/appban/state\n"
		  "policy-dir \"/etc/app ban/policy.d\"\n"
		  "heartbeat 10\n"
		  "rate-limit 1/s burst 1\n"
		  "source https://policies.example.org:8443/base.policy {\n"
		  "\tevery 10\n"
		  "\tca /etc/appban/ca.pem\n"
		  "\tclient-cert /etc/appban/client.pem\n"
		  "\tclient-key /etc/appban/client.key\n"
		  "\tpin " PIN1 "\n"
		  "\tpin " PIN0 "\n"
		  "}\n"
		  "source http://127.0.0.1:8080/x.policy { # loopback\n"
		  "\tevery 86400\n"
		  "}\n"
		  "source http://[::1]/y.policy\n"
		  "source HTTP://LocalHost/z.policy\n"
		  "sink syslog udp:192.0.2.1:514 {\n"
		  "\tfacility local7\n"
		  "}\n"
		  "sink syslog tcp:[2001:db8::1]:6514\n"
		  "sink syslog tcp:logs.example.org:601 {\n"
		  "\tfacility kern\n"
		  "}\n"
		  "sink file /var/log/appban/a.json {\n"
		  "\tmax-size 512K\n"
		  "\tkeep 0\n"
		  "\tcompress no\n"
		  "}\n"
		  "sink file /var/log/appban/b.json {\n"
		  "\tmax-size 1G\n"
		  "}\n");
	expect_ok(&r);
	assert_int_equal(r.c->engine, FLEET_ENGINE_FALLBACK);
	assert_string_equal(r.c->state_dir, "/srv/appban/state");
	assert_string_equal(r.c->policy_dir, "/etc/app ban/policy.d");
	assert_int_equal(r.c->heartbeat, 10);
	assert_int_equal(r.c->rate, 1);
	assert_int_equal(r.c->burst, 1);
	assert_int_equal(r.c->n_sources, 4);
	s = &r.c->sources[0];
	assert_string_equal(s->url, "https://policies.example.org:8443/base.policy");
	assert_false(s->http);
	assert_int_equal(s->every, 10);
	assert_string_equal(s->ca, "/etc/appban/ca.pem");
	assert_string_equal(s->client_cert, "/etc/appban/client.pem");
	assert_string_equal(s->client_key, "/etc/appban/client.key");
	assert_string_equal(s->pin, PIN1 ";" PIN0);
	s = &r.c->sources[1];
	assert_true(s->http);
	assert_int_equal(s->every, 86400);
	assert_true(r.c->sources[2].http);
	assert_true(r.c->sources[3].http);
	assert_int_equal(r.c->n_sinks, 5);
	k = &r.c->sinks[0];
	assert_int_equal(k->transport, FLEET_SYSLOG_UDP);
	assert_string_equal(k->host, "192.0.2.1");
	assert_int_equal(k->port, 514);
	assert_int_equal(k->facility, 23);
	assert_string_equal(fleet_facility_str(k->facility), "local7");
	k = &r.c->sinks[1];
	assert_int_equal(k->transport, FLEET_SYSLOG_TCP);
	assert_string_equal(k->host, "2001:db8::1");
	assert_int_equal(k->port, 6514);
	assert_string_equal(k->address, "tcp:[2001:db8::1]:6514");
	k = &r.c->sinks[2];
	assert_string_equal(k->host, "logs.example.org");
	assert_int_equal(k->port, 601);
	assert_int_equal(k->facility, 0);
	k = &r.c->sinks[3];
	assert_true(k->max_size == 512 << 10);
	assert_int_equal(k->keep, 0);
	assert_false(k->compress);
	assert_true(r.c->sinks[4].max_size == 1ull << 30);
	assert_int_equal(r.c->sinks[4].keep, 5);
	done(&r);
}

static void test_config_engines(void **state)
{
	static const char *const names[] = { "auto", "lsm", "fallback" };
	char text[64];
	struct run r;
	unsigned int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		snprintf(text, sizeof(text), "engine %s\n", names[i]);
		parse(&r, text);
		expect_ok(&r);
		assert_int_equal(r.c->engine, i);
		assert_string_equal(fleet_engine_str(r.c->engine), names[i]);
		done(&r);
	}
	check_error("engine bpf\n",
		    "1:8: error: unknown engine \"bpf\" (expected auto, lsm or fallback)");
}

static void test_config_sizes(void **state)
{
	static const struct {
		const char *text;
		uint64_t bytes;
	} cases[] = {
		{ "1024", 1024 },	{ "1K", 1024 },		 { "1k", 1024 },
		{ "512K", 512 << 10 },	{ "10M", 10ull << 20 },	 { "10m", 10ull << 20 },
		{ "1G", 1ull << 30 },	{ "1024G", 1ull << 40 }, { "4096", 4096 },
		{ "1000000", 1000000 },
	};
	char text[128];
	struct run r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "sink file /l {\nmax-size %s\n}\n", cases[i].text);
		parse(&r, text);
		expect_ok(&r);
		assert_true(r.c->sinks[0].max_size == cases[i].bytes);
		done(&r);
	}
}

static void test_config_rejects_bad_sizes(void **state)
{
	static const char *const bad[] = { "10X",
					   "M",
					   "",
					   "10 M",
					   "1023",
					   "0K",
					   "1025G",
					   "-1M",
					   "10MiB",
					   "1.5M",
					   "99999999999999999999G" };
	char text[128], want[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "sink file /l {\nmax-size \"%s\"\n}\n", bad[i]);
		snprintf(
			want, sizeof(want),
			"2:10: error: max-size must be a size from 1K to 1T (bytes, or a number and K, M or G), not \"%s\"",
			bad[i]);
		check_error(text, want);
	}
}

static void test_config_comments_and_strings(void **state)
{
	struct run r;

	(void)state;
	parse(&r, "# a comment\n"
		  "   # an indented comment\n"
		  "state-dir \"/var/lib/appban #2\" # the # inside the string is kept\n"
		  "policy-dir \"/etc/a\\\"b\\\\c\"\n"
		  "key \"/etc/appban/keys/a key.pub\" \"base\"\r\n"
		  "source \"https://h/x.policy\" {   # opens\r\n"
		  "\tevery \"600\"\t# tab before the comment\n"
		  "}   # closes\n"
		  "heartbeat 60#no space before the comment\n");
	expect_ok(&r);
	assert_string_equal(r.c->state_dir, "/var/lib/appban #2");
	assert_string_equal(r.c->policy_dir, "/etc/a\"b\\c");
	assert_string_equal(r.c->keys[0].path, "/etc/appban/keys/a key.pub");
	assert_string_equal(r.c->sources[0].url, "https://h/x.policy");
	assert_int_equal(r.c->sources[0].every, 600);
	assert_int_equal(r.c->heartbeat, 60);
	done(&r);
}

static void test_config_rejects_unknown_statement(void **state)
{
	(void)state;
	check_error(
		"engine auto\n  polcy-dir /x\n",
		"2:3: error: unknown statement \"polcy-dir\" (expected engine, state-dir, policy-dir, key, source, heartbeat, rate-limit or sink)");
	check_error(
		"source https://h/x.policy {\n  evry 10\n}\n",
		"2:3: error: unknown statement \"evry\" (expected every, ca, client-cert, client-key or pin)");
	check_error(
		"sink file /l {\n  rotate 5\n}\n",
		"2:3: error: unknown statement \"rotate\" (expected max-size, keep or compress)");
	check_error("sink syslog {\n  level info\n}\n",
		    "2:3: error: unknown statement \"level\" (expected facility)");
	check_error(
		"\"engine\" auto\n",
		"1:1: error: expected a statement (engine, state-dir, policy-dir, key, source, heartbeat, rate-limit or sink), not a string");
}

static void test_config_rejects_statement_outside_its_block(void **state)
{
	(void)state;
	check_error("every 10\n", "1:1: error: \"every\" is only allowed inside a source block");
	check_error("keep 5\n", "1:1: error: \"keep\" is only allowed inside a sink file block");
	check_error("facility user\n",
		    "1:1: error: \"facility\" is only allowed inside a sink syslog block");
	check_error(
		"source https://h/x.policy {\n\tkeep 5\n}\n",
		"2:2: error: \"keep\" is not allowed in a source block (expected every, ca, client-cert, client-key or pin)");
	check_error(
		"sink file /l {\n\theartbeat 60\n}\n",
		"2:2: error: \"heartbeat\" is not allowed in a sink file block (expected max-size, keep or compress)");
	check_error(
		"sink syslog {\n\tevery 60\n}\n",
		"2:2: error: \"every\" is not allowed in a sink syslog block (expected facility)");
}

static void test_config_rejects_missing_argument(void **state)
{
	(void)state;
	check_error(
		"heartbeat\n",
		"1:10: error: missing argument after \"heartbeat\" (expected a number of seconds)");
	check_error(
		"engine   # which?\n",
		"1:7: error: missing argument after \"engine\" (expected auto, lsm or fallback)");
	check_error(
		"key\n",
		"1:4: error: missing argument after \"key\" (expected the key file's absolute path)");
	check_error(
		"key /etc/k.pub\n",
		"1:15: error: missing argument after \"/etc/k.pub\" (expected the key's role: base or exceptions)");
	check_error("rate-limit 20/s\n",
		    "1:16: error: missing argument after \"20/s\" (expected \"burst M\")");
	check_error("rate-limit 20/s burst\n",
		    "1:22: error: missing argument after \"burst\" (expected a number of records)");
	check_error("source\n", "1:7: error: missing argument after \"source\" (expected a URL)");
	check_error(
		"sink\n",
		"1:5: error: missing argument after \"sink\" (expected file, syslog, journald or audit)");
	check_error(
		"sink file\n",
		"1:10: error: missing argument after \"file\" (expected the file's absolute path)");
	check_error("source https://h/x.policy {\n\tevery\n}\n",
		    "2:7: error: missing argument after \"every\" (expected a number of seconds)");
	check_error("source https://h/x.policy {\n\tca\n}\n",
		    "2:4: error: missing argument after \"ca\" (expected an absolute path)");
	check_error("sink file /l {\n\tcompress\n}\n",
		    "2:10: error: missing argument after \"compress\" (expected yes or no)");
	/* A block whose opening line lacks its argument is skipped to its "}". */
	check_error("source {\n\tevery 5\n\tnonsense\n}\nheartbeat 60\n",
		    "1:7: error: missing argument after \"source\" (expected a URL)");
}

static void test_config_rejects_extra_argument(void **state)
{
	(void)state;
	check_error("engine auto lsm\n",
		    "1:13: error: unexpected \"lsm\" (usage: engine auto|lsm|fallback)");
	check_error("key /k base exceptions\n",
		    "1:13: error: unexpected \"exceptions\" (usage: key PATH base|exceptions)");
	check_error("heartbeat 60 s\n", "1:14: error: unexpected \"s\" (usage: heartbeat SECONDS)");
	check_error("sink journald /run/j\n",
		    "1:15: error: unexpected \"/run/j\" (sink journald takes no argument)");
	check_error("sink audit x\n",
		    "1:12: error: unexpected \"x\" (sink audit takes no argument)");
	check_error("sink file /a /b\n",
		    "1:14: error: unexpected \"/b\" (usage: sink file|syslog|journald|audit)");
	check_error("source https://h/x.policy https://h/y.policy\n",
		    "1:27: error: unexpected \"https://h/y.policy\" (usage: source URL { ... })");
	check_error("source https://h/x.policy {\n\tevery 10 20\n}\n",
		    "2:11: error: unexpected \"20\" (usage: every SECONDS)");
	check_error("heartbeat 60 {\n", "1:14: error: unexpected \"{\" (heartbeat has no block)");
}

static void test_config_rejects_duplicates(void **state)
{
	(void)state;
	check_error("engine auto\nengine lsm\n", "2:1: error: engine given twice (first at 1:1)");
	check_error("state-dir /a\n\nstate-dir /a\n",
		    "3:1: error: state-dir given twice (first at 1:1)");
	check_error("policy-dir /a\n policy-dir /b\n",
		    "2:2: error: policy-dir given twice (first at 1:1)");
	check_error("heartbeat 60\nheartbeat 60\n",
		    "2:1: error: heartbeat given twice (first at 1:1)");
	check_error("rate-limit 1/s burst 2\nrate-limit 3/s burst 4\n",
		    "2:1: error: rate-limit given twice (first at 1:1)");
	check_error("key /k base\nkey /k exceptions\n",
		    "2:5: error: key \"/k\" given twice (first at 1:1)");
	check_error("source https://h/x.policy\nsource https://h/x.policy\n",
		    "2:8: error: source \"https://h/x.policy\" given twice (first at 1:1)");
	check_error("sink journald\nsink journald\n",
		    "2:6: error: sink journald given twice (first at 1:1)");
	check_error("sink audit\nsink audit\n",
		    "2:6: error: sink audit given twice (first at 1:1)");
	check_error("sink file /l\nsink file /l\n",
		    "2:11: error: sink file /l given twice (first at 1:1)");
	check_error("sink syslog\nsink syslog unix:/dev/log\n",
		    "2:13: error: sink syslog unix:/dev/log given twice (first at 1:1)");
	check_error("source https://h/x.policy {\n every 10\n every 20\n}\n",
		    "3:2: error: every given twice (first at 2:2)");
	check_error("source https://h/x.policy {\n ca /a\n ca /b\n}\n",
		    "3:2: error: ca given twice (first at 2:2)");
	check_error("sink file /l {\n keep 1\n keep 2\n}\n",
		    "3:2: error: keep given twice (first at 2:2)");
	check_error("sink syslog {\n facility user\n facility mail\n}\n",
		    "3:2: error: facility given twice (first at 2:2)");
	/* Two files, two syslog servers, once each: fine. The same setting in
	 * two blocks: fine. */
	check_ok("sink file /a {\nkeep 1\n}\nsink file /b {\nkeep 1\n}\n"
		 "sink syslog udp:h:514\nsink syslog tcp:h:514\n");
}

static void test_config_rejects_bad_numbers(void **state)
{
	(void)state;
	check_error(
		"heartbeat abc\n",
		"1:11: error: heartbeat must be a number of seconds from 10 to 86400, not \"abc\"");
	check_error(
		"heartbeat 9\n",
		"1:11: error: heartbeat must be a number of seconds from 10 to 86400, not \"9\"");
	check_error(
		"heartbeat 86401\n",
		"1:11: error: heartbeat must be a number of seconds from 10 to 86400, not \"86401\"");
	check_error(
		"heartbeat -60\n",
		"1:11: error: heartbeat must be a number of seconds from 10 to 86400, not \"-60\"");
	check_error("heartbeat 99999999999999999999999\n",
		    "1:11: error: heartbeat must be a number of seconds from 10 to 86400, not "
		    "\"99999999999999999999999\"");
	check_error("source https://h/x.policy {\n every 5\n}\n",
		    "2:8: error: every must be a number of seconds from 10 to 86400, not \"5\"");
	check_error("source https://h/x.policy {\n every 1h\n}\n",
		    "2:8: error: every must be a number of seconds from 10 to 86400, not \"1h\"");
	check_error("sink file /l {\n keep 1001\n}\n",
		    "2:7: error: keep must be a number of files from 0 to 1000, not \"1001\"");
	check_error(
		"rate-limit 0/s burst 1\n",
		"1:12: error: rate-limit must be records per second, N/s with N from 1 to 1000000, not \"0/s\"");
	check_error(
		"rate-limit 20 burst 1\n",
		"1:12: error: rate-limit must be records per second, N/s with N from 1 to 1000000, not \"20\"");
	check_error(
		"rate-limit 20/m burst 1\n",
		"1:12: error: rate-limit must be records per second, N/s with N from 1 to 1000000, not \"20/m\"");
	check_error("rate-limit 20/s burst 0\n",
		    "1:23: error: burst must be a number of records from 1 to 1000000, not \"0\"");
	check_error(
		"rate-limit 20/s bursts 5\n",
		"1:17: error: expected \"burst\" after the rate (rate-limit N/s burst M), not \"bursts\"");
	check_error("sink file /l {\n compress true\n}\n",
		    "2:11: error: compress must be yes or no, not \"true\"");
}

static void test_config_rejects_bad_url(void **state)
{
	static const struct {
		const char *url;
		const char *why;
	} bad[] = {
		{ "ftp://h/x.policy", "must start with https:// (http:// only to a loopback host" },
		{ "h/x.policy", "must start with https://" },
		{ "/etc/x.policy", "must start with https://" },
		{ "http://example.org/x.policy", "uses plain http:// to another machine" },
		{ "http://10.0.0.1/x.policy", "uses plain http:// to another machine" },
		{ "http://127.1/x.policy", "uses plain http:// to another machine" },
		{ "http://127.0.0.1.example.org/x.policy",
		  "uses plain http:// to another machine" },
		{ "http://localhost.example.org/x.policy",
		  "uses plain http:// to another machine" },
		{ "http://[::2]/x.policy", "uses plain http:// to another machine" },
		{ "http://[::ffff:127.0.0.1]/x.policy", "uses plain http:// to another machine" },
		{ "https://h", "has no path: name the policy file" },
		{ "https://h/", "names a directory" },
		{ "https://h/d/", "names a directory" },
		{ "https:///x.policy", "has no host" },
		{ "https://u:p@h/x.policy", "has credentials" },
		{ "https://h/x.policy?v=1", "has a query or a fragment" },
		{ "https://h?v=1", "has a query or a fragment" },
		{ "https://h:0/x.policy", "has an invalid port" },
		{ "https://h:65536/x.policy", "has an invalid port" },
		{ "https://h:/x.policy", "has an invalid port" },
		{ "https://h:8x/x.policy", "has an invalid port" },
		{ "https://[::1/x.policy", "has an IPv6 address without its \"]\"" },
		{ "https://[zz]/x.policy", "has an invalid IPv6 address" },
		{ "https://h!/x.policy", "has an invalid host" },
		{ "https://h/a b.policy", "has a space" },
		{ "https://h/caf\xc3\xa9.policy", "non-ASCII" },
	};
	char text[256], want[512];
	struct run r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "heartbeat 60\nsource \"%s\"\n", bad[i].url);
		parse(&r, text);
		expect_errors(&r, 1);
		snprintf(want, sizeof(want), "2:8: error: source URL \"%s\" ", bad[i].url);
		expect(&r, want);
		if (!strstr(r.out, bad[i].why))
			fail_msg("expected \"%s\" in:\n%s", bad[i].why, r.out);
		done(&r);
	}
	check_error(
		"source ftp://h/x.policy\n",
		"1:8: error: source URL \"ftp://h/x.policy\" must start with https:// (http:// only to a loopback host: 127.0.0.0/8, [::1] or localhost)");
	check_error(
		"source http://example.org/x.policy\n",
		"1:8: error: source URL \"http://example.org/x.policy\" uses plain http:// to another machine: use https:// (http:// only to a loopback host: 127.0.0.0/8, [::1] or localhost)");
	check_ok("source http://127.0.0.1/x.policy\nsource http://127.255.3.4:81/x.policy\n"
		 "source http://localhost:8080/d/x.policy.gz\nsource http://[::1]:80/x\n"
		 "source http://[0:0:0:0:0:0:0:1]/x\nsource https://[2001:db8::5]:443/x.policy\n"
		 "source https://h_1.example.org/x.policy\n");
}

static void test_config_url_loopback_is_textual(void **state)
{
	(void)state;
	assert_true(url_host_is_loopback("localhost"));
	assert_true(url_host_is_loopback("LOCALHOST"));
	assert_true(url_host_is_loopback("127.0.0.1"));
	assert_true(url_host_is_loopback("127.255.255.254"));
	assert_true(url_host_is_loopback("::1"));
	assert_true(url_host_is_loopback("[::1]"));
	assert_false(url_host_is_loopback("128.0.0.1"));
	assert_false(url_host_is_loopback("127.1"));
	assert_false(url_host_is_loopback("0177.0.0.1"));
	assert_false(url_host_is_loopback("127.0.0.1."));
	assert_false(url_host_is_loopback("localhost.localdomain"));
	assert_false(url_host_is_loopback("::2"));
	assert_false(url_host_is_loopback(""));
	assert_false(url_host_is_loopback("[::1"));
}

static void test_config_rejects_relative_paths(void **state)
{
	(void)state;
	check_error(
		"state-dir var/lib/appban\n",
		"1:11: error: state-dir must be an absolute path (starting with \"/\"), not \"var/lib/appban\"");
	check_error(
		"policy-dir ./policy.d\n",
		"1:12: error: policy-dir must be an absolute path (starting with \"/\"), not \"./policy.d\"");
	check_error(
		"key keys/dinum.pub base\n",
		"1:5: error: key must be an absolute path (starting with \"/\"), not \"keys/dinum.pub\"");
	check_error(
		"source https://h/x.policy {\n ca ca.pem\n}\n",
		"2:5: error: ca must be an absolute path (starting with \"/\"), not \"ca.pem\"");
	check_error(
		"source https://h/x.policy {\n client-cert c.pem\n}\n",
		"2:14: error: client-cert must be an absolute path (starting with \"/\"), not \"c.pem\"");
	check_error(
		"source https://h/x.policy {\n client-cert /c.pem\n client-key ~/c.key\n}\n",
		"3:13: error: client-key must be an absolute path (starting with \"/\"), not \"~/c.key\"");
	check_error(
		"sink file events.json\n",
		"1:11: error: sink file must be an absolute path (starting with \"/\"), not \"events.json\"");
	check_error(
		"state-dir \"\"\n",
		"1:11: error: state-dir must be an absolute path (starting with \"/\"), not \"\"");
	check_error("state-dir \"/a\\nb\"\n",
		    "1:11: error: state-dir: a path cannot hold a newline");
}

static void test_config_rejects_unknown_role(void **state)
{
	(void)state;
	check_error("key /etc/k.pub admin\n",
		    "1:16: error: unknown key role \"admin\" (expected base or exceptions)");
	check_error("key /etc/k.pub Base\n",
		    "1:16: error: unknown key role \"Base\" (expected base or exceptions)");
}

static void test_config_facilities(void **state)
{
	static const char *const names[] = { "kern",	 "user",   "mail",   "daemon", "auth",
					     "syslog",	 "lpr",	   "news",   "uucp",   "cron",
					     "authpriv", "ftp",	   "local0", "local1", "local2",
					     "local3",	 "local4", "local5", "local6", "local7" };
	char text[128];
	struct run r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(text, sizeof(text), "sink syslog {\nfacility %s\n}\n", names[i]);
		parse(&r, text);
		expect_ok(&r);
		assert_int_equal(r.c->sinks[0].facility, i < 12 ? i : i + 4);
		assert_string_equal(fleet_facility_str(r.c->sinks[0].facility), names[i]);
		done(&r);
	}
	assert_null(fleet_facility_str(12));
	assert_null(fleet_facility_str(24));
	check_error(
		"sink syslog {\n facility security\n}\n",
		"2:11: error: unknown syslog facility \"security\" (expected kern, user, mail, daemon, auth, syslog, lpr, news, uucp, cron, authpriv, ftp or local0 to local7)");
	check_error("sink syslog {\n facility local8\n}\n",
		    "2:11: error: unknown syslog facility \"local8\"");
}

static void test_config_rejects_bad_pin(void **state)
{
	static const char *const bad[] = {
		"sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU", /* no "=" */
		"sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU==", /* 45 */
		"sha1//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
		"SHA256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
		"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
		"sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuF=", /* 43 */
		"sha256//47DEQpj8HBSa-_TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", /* base64url */
		"sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=", /* low bits set */
		"sha256//",
		"/etc/appban/server.pub",
	};
	char text[256], want[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "source https://h/x.policy {\n\tpin %s\n}\n", bad[i]);
		snprintf(
			want, sizeof(want),
			"2:6: error: pin must be sha256// and the base64 of the server key's 32-byte SHA-256 (44 characters, as curl's --pinnedpubkey), not \"%s\"",
			bad[i]);
		check_error(text, want);
	}
	check_ok("source https://h/x.policy {\n\tpin " PIN1 "\n}\n");
}

static void test_config_rejects_tls_settings_over_http(void **state)
{
	(void)state;
	check_error(
		"source http://127.0.0.1/x.policy {\n ca /etc/ca.pem\n}\n",
		"2:2: error: \"ca\" has no effect on a plain http:// source (TLS settings need https://)");
	check_error(
		"source http://localhost/x.policy {\n pin " PIN1 "\n}\n",
		"2:2: error: \"pin\" has no effect on a plain http:// source (TLS settings need https://)");
	check_ok("source http://localhost/x.policy {\n every 60\n}\n");
}

static void test_config_rejects_client_key_without_cert(void **state)
{
	(void)state;
	check_error("source https://h/x.policy {\n every 60\n client-key /k.pem\n}\n",
		    "3:2: error: client-key without client-cert (add \"client-cert FILE\")");
	/* A client certificate file may hold its key. */
	check_ok("source https://h/x.policy {\n client-cert /c.pem\n}\n");
}

static void test_config_rejects_unknown_sink(void **state)
{
	(void)state;
	check_error(
		"sink kafka\n",
		"1:6: error: unknown sink \"kafka\" (expected file, syslog, journald or audit)");
	/* Its block is skipped, whatever it holds. */
	check_error(
		"sink elastic https://h:9200 {\n  index appban\n  every 3\n}\nheartbeat 60\n",
		"1:6: error: unknown sink \"elastic\" (expected file, syslog, journald or audit)");
	check_error("sink journald {\n facility user\n}\n",
		    "1:15: error: sink journald has no settings (remove its block)");
}

static void test_config_rejects_bad_syslog_address(void **state)
{
	(void)state;
	check_error(
		"sink syslog /dev/log\n",
		"1:13: error: syslog address must be unix:/PATH, udp:HOST:PORT or tcp:HOST:PORT, not \"/dev/log\"");
	check_error(
		"sink syslog unix:dev/log\n",
		"1:13: error: syslog address unix: needs an absolute path (unix:/dev/log), not \"unix:dev/log\"");
	check_error(
		"sink syslog udp:logs.example.org\n",
		"1:13: error: syslog address \"udp:logs.example.org\" has no port (udp:HOST:PORT, e.g. port 514)");
	check_error(
		"sink syslog tcp:h:0\n",
		"1:13: error: syslog address \"tcp:h:0\" has an invalid port (a number from 1 to 65535)");
	check_error("sink syslog udp::514\n",
		    "1:13: error: syslog address \"udp::514\" has no host");
	check_error("sink syslog tcp:[::1:514\n",
		    "1:13: error: syslog address \"tcp:[::1:514\" has an IPv6 address without its");
	check_error("sink syslog \"unix:/run/" /* 108 bytes of path */
		    "0123456789012345678901234567890123456789012345678901234567890123456789"
		    "0123456789012345678901234567890123\"\n",
		    "1:13: error: syslog socket path longer than 107 bytes");
	check_ok("sink syslog udp:[::1]:514\nsink syslog tcp:127.0.0.1:601\n"
		 "sink syslog unix:/run/systemd/journal/syslog\n");
}

static void test_config_rejects_unterminated_block(void **state)
{
	struct run r;

	(void)state;
	check_error(
		"source https://h/x.policy {\n every 60\n",
		"3:1: error: unterminated block \"source https://h/x.policy\" (opened at 1:1; close it with \"}\")");
	check_error("heartbeat 60\nsink file /l {\n keep 2",
		    "3:8: error: unterminated block \"sink file /l\" (opened at 2:1");
	/* The next source or sink line closes it, and is read as it should. */
	parse(&r, "source https://h/a.policy {\n every 60\nsource https://h/b.policy {\n"
		  " every 70\n}\nsink syslog {\n");
	expect_errors(&r, 2);
	expect(&r, "3:1: error: unterminated block \"source https://h/a.policy\" (opened at 1:1");
	expect(&r, "7:1: error: unterminated block \"sink syslog unix:/dev/log\" (opened at 6:1");
	done(&r);
}

static void test_config_block_brace_rules(void **state)
{
	struct run r;

	(void)state;
	check_error("}\n", "1:1: error: unexpected \"}\": no block is open");
	check_error(
		"source https://h/x.policy {\n every 60\n} heartbeat 60\n",
		"3:3: error: unexpected \"heartbeat\" after \"}\" (a \"}\" must be alone on its line)");
	check_error("source https://h/x.policy {\n every 60 }\nheartbeat 60\n",
		    "2:11: error: \"}\" must be alone on its line");
	check_error(
		"source https://h/x.policy { every 60 }\n",
		"1:29: error: unexpected \"every\" after \"{\" (a block's statements go on their own lines)");
	check_error(
		"source https://h/x.policy { every 60\n ca x\n}\nheartbeat 60\n",
		"1:29: error: unexpected \"every\" after \"{\" (a block's statements go on their own lines)");
	check_error(
		"{\n",
		"1:1: error: unexpected \"{\" (a block opens with \"{\" at the end of its source or sink line)");
	/* "{" alone on the line after: reported, and the block is read as such. */
	parse(&r, "source https://h/x.policy\n{\n every 60\n}\n");
	expect_errors(&r, 1);
	expect(&r,
	       "2:1: error: \"{\" must end the line that opens the block (write \"source https://h/x.policy {\")");
	done(&r);
	parse(&r, "sink file /l # no brace\n{\n keep 60\n}\n");
	expect_errors(&r, 1);
	expect(&r,
	       "2:1: error: \"{\" must end the line that opens the block (write \"sink file /l {\")");
	done(&r);
	check_error("sink file /l {\n{\n}\n", "2:1: error: unexpected \"{\"");
}

static void test_config_lexical_errors_name_the_configuration(void **state)
{
	static const char nul[] = "heartbeat 60\nengine a\0to\n";
	struct run r;

	(void)state;
	parse_len(&r, nul, sizeof(nul) - 1);
	expect_errors(&r, 1);
	expect(&r, "2:9: error: NUL byte (a configuration file must be a text file)");
	done(&r);
	check_error(
		"engine \xff\n",
		"1:8: error: invalid UTF-8 (byte 0xff): a configuration file must be UTF-8 text");
	check_error("state-dir \"/a\n", "1:11: error: unterminated string");
	check_error("state-dir /a,/b\n", "1:13: error: unexpected \",\" (give one value per line)");
	/* A block line with a lexical error opens a block all the same, if it
	 * ends with "{": its statements are not read as top-level ones. */
	parse(&r, "source \"https://h/x\\q.policy\" {\n every 60\n}\nheartbeat 60\n");
	expect_errors(&r, 1);
	expect(&r, "1:20: error: invalid escape \"\\q\" in string");
	done(&r);
}

static void test_config_reports_all_errors_with_positions(void **state)
{
	struct run r;

	(void)state;
	parse(&r, "engine turbo\n"
		  "state-dir relative/dir\n"
		  "key /k.pub admin\n"
		  "source ftp://h/x.policy {\n"
		  "  every 1\n"
		  "  pin sha256//short\n"
		  "  keep 3\n"
		  "}\n"
		  "heartbeat 60\n"
		  "heartbeat 70\n"
		  "sink syslog udp:h:514 {\n"
		  "  facility nobody\n"
		  "}\n"
		  "sink teletype\n"
		  "rate-limit fast burst 3\n"
		  "bogus\n"
		  "sink file /l {\n"
		  "  max-size 1Q\n");
	expect_errors(&r, 14);
	expect(&r, "1:8: error: unknown engine \"turbo\"");
	expect(&r, "2:11: error: state-dir must be an absolute path");
	expect(&r, "3:12: error: unknown key role \"admin\"");
	expect(&r, "4:8: error: source URL \"ftp://h/x.policy\" must start with https://");
	expect(&r, "5:9: error: every must be a number of seconds from 10 to 86400, not \"1\"");
	expect(&r, "6:7: error: pin must be sha256//");
	expect(&r, "7:3: error: \"keep\" is not allowed in a source block");
	expect(&r, "10:1: error: heartbeat given twice (first at 9:1)");
	expect(&r, "12:12: error: unknown syslog facility \"nobody\"");
	expect(&r, "14:6: error: unknown sink \"teletype\"");
	expect(&r, "15:12: error: rate-limit must be records per second");
	expect(&r, "16:1: error: unknown statement \"bogus\"");
	expect(&r, "18:12: error: max-size must be a size");
	expect(&r, "19:1: error: unterminated block \"sink file /l\" (opened at 17:1");
	done(&r);
}

static void test_config_ignores_errors_counted_before(void **state)
{
	struct src_loc loc = { 1, 1 };
	struct run r;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.f = open_memstream(&r.out, &r.out_len);
	diag_init(&r.d, r.f, "t.conf");
	diag_error(&r.d, loc, "an earlier error");
	r.err = fleet_config_parse_buf("heartbeat 60\n", 13, &r.c, &r.d);
	assert_int_equal(r.err, 0);
	assert_non_null(r.c);
	assert_int_equal(r.c->heartbeat, 60);
	done(&r);
}

static void test_config_parse_file_reads_file(void **state)
{
	char path[] = "/tmp/appban-test-config.XXXXXX";
	struct fleet_config *c;
	struct diag d;
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(spec_example, f);
	fclose(f);
	diag_init(&d, NULL, NULL);
	assert_int_equal(fleet_config_parse_file(path, &c, &d), 0);
	assert_string_equal(d.file, path);
	assert_int_equal(c->n_sinks, 3);
	fleet_config_free(c);
	unlink(path);
}

static void test_config_parse_file_reports_unreadable_file(void **state)
{
	struct fleet_config *c = (void *)1;
	char *out = NULL;
	size_t len = 0;
	struct diag d;
	FILE *f;

	(void)state;
	f = open_memstream(&out, &len);
	diag_init(&d, f, NULL);
	assert_int_equal(fleet_config_parse_file("/nonexistent/appban.conf", &c, &d), -ENOENT);
	assert_null(c);
	fflush(f);
	assert_non_null(strstr(
		out,
		"/nonexistent/appban.conf:1:1: error: cannot open the configuration file: No such file or directory (appban daemon --config FILE names another one)"));
	assert_int_equal(d.errors, 1);
	/* A directory opens, and cannot be read. */
	diag_init(&d, f, NULL);
	assert_int_equal(fleet_config_parse_file("/", &c, &d), -EISDIR);
	fflush(f);
	assert_non_null(
		strstr(out, "/:1:1: error: cannot read the configuration file: Is a directory"));
	fclose(f);
	free(out);
}

static void test_config_rejects_over_1_mib(void **state)
{
	char path[] = "/tmp/appban-test-config.XXXXXX";
	size_t n = (1u << 20) + 1;
	struct fleet_config *c;
	struct run r;
	char *big;
	int fd;

	(void)state;
	big = malloc(n);
	assert_non_null(big);
	memset(big, '\n', n);
	parse_len(&r, big, n);
	expect_errors(&r, 1);
	expect(&r, "1:1: error: configuration larger than 1 MiB (1048577 bytes)");
	done(&r);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, big, n), (ssize_t)n);
	close(fd);
	diag_init(&r.d, NULL, NULL);
	assert_int_equal(fleet_config_parse_file(path, &c, &r.d), -EINVAL);
	assert_null(c);
	assert_non_null(strstr(r.d.last, "larger than 1 MiB"));
	unlink(path);
	free(big);
}

static void test_config_survives_mutated_inputs(void **state)
{
	size_t len = sizeof(spec_example) - 1, i, j;
	unsigned int seed = 1;
	struct run r;
	char *buf;

	(void)state;
	buf = malloc(len);
	assert_non_null(buf);
	for (i = 0; i < 2000; i++) {
		memcpy(buf, spec_example, len);
		for (j = 0; j < 4; j++)
			buf[rand_r(&seed) % len] = (char)(rand_r(&seed) & 0xff);
		parse_len(&r, buf, len);
		/* An error is counted and refuses the configuration; none,
		 * and a configuration comes out. */
		if (r.err) {
			assert_int_equal(r.err, -EINVAL);
			assert_true(r.d.errors > 0);
			assert_null(r.c);
		} else {
			assert_non_null(r.c);
			assert_int_equal(r.d.errors, 0);
		}
		done(&r);
	}
	free(buf);
}

static void test_config_free_accepts_null(void **state)
{
	(void)state;
	fleet_config_free(NULL);
}

static void test_config_names(void **state)
{
	(void)state;
	assert_string_equal(fleet_key_role_str(FLEET_KEY_BASE), "base");
	assert_string_equal(fleet_key_role_str(FLEET_KEY_EXCEPTIONS), "exceptions");
	assert_string_equal(fleet_sink_kind_str(FLEET_SINK_FILE), "file");
	assert_string_equal(fleet_sink_kind_str(FLEET_SINK_SYSLOG), "syslog");
	assert_string_equal(fleet_sink_kind_str(FLEET_SINK_JOURNALD), "journald");
	assert_string_equal(fleet_sink_kind_str(FLEET_SINK_AUDIT), "audit");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_example_from_spec),
		cmocka_unit_test(test_config_defaults_when_empty),
		cmocka_unit_test(test_config_block_defaults),
		cmocka_unit_test(test_config_every_statement),
		cmocka_unit_test(test_config_engines),
		cmocka_unit_test(test_config_sizes),
		cmocka_unit_test(test_config_rejects_bad_sizes),
		cmocka_unit_test(test_config_comments_and_strings),
		cmocka_unit_test(test_config_rejects_unknown_statement),
		cmocka_unit_test(test_config_rejects_statement_outside_its_block),
		cmocka_unit_test(test_config_rejects_missing_argument),
		cmocka_unit_test(test_config_rejects_extra_argument),
		cmocka_unit_test(test_config_rejects_duplicates),
		cmocka_unit_test(test_config_rejects_bad_numbers),
		cmocka_unit_test(test_config_rejects_bad_url),
		cmocka_unit_test(test_config_url_loopback_is_textual),
		cmocka_unit_test(test_config_rejects_relative_paths),
		cmocka_unit_test(test_config_rejects_unknown_role),
		cmocka_unit_test(test_config_facilities),
		cmocka_unit_test(test_config_rejects_bad_pin),
		cmocka_unit_test(test_config_rejects_tls_settings_over_http),
		cmocka_unit_test(test_config_rejects_client_key_without_cert),
		cmocka_unit_test(test_config_rejects_unknown_sink),
		cmocka_unit_test(test_config_rejects_bad_syslog_address),
		cmocka_unit_test(test_config_rejects_unterminated_block),
		cmocka_unit_test(test_config_block_brace_rules),
		cmocka_unit_test(test_config_lexical_errors_name_the_configuration),
		cmocka_unit_test(test_config_reports_all_errors_with_positions),
		cmocka_unit_test(test_config_ignores_errors_counted_before),
		cmocka_unit_test(test_config_parse_file_reads_file),
		cmocka_unit_test(test_config_parse_file_reports_unreadable_file),
		cmocka_unit_test(test_config_rejects_over_1_mib),
		cmocka_unit_test(test_config_survives_mutated_inputs),
		cmocka_unit_test(test_config_free_accepts_null),
		cmocka_unit_test(test_config_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
