// SPDX-License-Identifier: GPL-2.0
/* Unit tests of user/parse.c: every statement of policy.md, every error the
 * parser owns with its exact line:col, and robustness on hostile input. */
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

#include "policy/parse.h"

/* The example of docs/policy.md (the language reference), verbatim. */
static const char spec_example[] =
	"# Recreational applications banned on state work devices (instruction of 2023-03-24).\n"
	"policy fr-recreational-2023\n"
	"serial 2023032401\n"
	"mode enforce\n"
	"\n"
	"app tiktok {\n"
	"    description \"TikTok (ByteDance)\"\n"
	"    path /opt/TikTok/tiktok\n"
	"    dir /var/lib/flatpak/app/com.zhiliaoapp.TikTok\n"
	"    sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n"
	"    name tiktok\n"
	"    deny exec\n"
	"}\n"
	"\n"
	"app twitter {\n"
	"    dir \"/opt/Twitter Desktop\"\n"
	"    deny network\n"
	"}\n"
	"\n"
	"allow comms-office {\n"
	"    app twitter\n"
	"    group comms\n"
	"    user alice\n"
	"    until 2026-12-31\n"
	"}\n";

/* A valid app block of 4 lines, to put before or after what a test checks. */
#define APP_OK "app ok {\n\tpath /x\n\tdeny exec\n}\n"

#define NAME63 "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"
#define NAME64 NAME63 "x"

struct run {
	struct diag d;
	struct policy *p;
	FILE *f;
	char *out;
	size_t out_len;
	int err;
};

static void parse_as(struct run *r, const char *file, const char *text, size_t len,
		     unsigned int flags)
{
	memset(r, 0, sizeof(*r));
	r->f = open_memstream(&r->out, &r->out_len);
	assert_non_null(r->f);
	diag_init(&r->d, r->f, "t.policy");
	r->err = flags ? policy_parse_buf_as(file, text, len, flags, &r->p, &r->d) :
			 policy_parse_buf(file, text, len, &r->p, &r->d);
	fflush(r->f);
}

static void parse_len(struct run *r, const char *file, const char *text, size_t len)
{
	parse_as(r, file, text, len, 0);
}

static void parse(struct run *r, const char *text)
{
	parse_len(r, "t.policy", text, strlen(text));
}

/* text as one layer of a composed policy (an exceptions file is no error) */
static void parse_layer(struct run *r, const char *text)
{
	parse_as(r, "t.policy", text, strlen(text), POLICY_PARSE_LAYER);
}

static void done(struct run *r)
{
	fclose(r->f);
	free(r->out);
	policy_free(r->p);
}

/* The output holds "t.policy:" followed by want ("LINE:COL: error: MESSAGE..."). */
static void expect(struct run *r, const char *want)
{
	char line[1024];

	snprintf(line, sizeof(line), "t.policy:%s", want);
	if (!strstr(r->out, line))
		fail_msg("expected \"%s\" in:\n%s", line, r->out);
}

static void expect_ok(struct run *r)
{
	if (r->err || !r->p || r->d.errors || r->d.warnings)
		fail_msg("expected success, got %d:\n%s", r->err, r->out);
}

static void expect_errors(struct run *r, int n)
{
	if (r->d.errors != n)
		fail_msg("expected %d error(s), got %d:\n%s", n, r->d.errors, r->out);
	assert_int_equal(r->err, -EINVAL);
	assert_null(r->p);
}

/* text gives exactly one error, want; no policy comes out. */
static void check_error(const char *text, const char *want)
{
	struct run r;

	parse(&r, text);
	expect_errors(&r, 1);
	expect(&r, want);
	done(&r);
}

static void test_parse_example_from_spec(void **state)
{
	const struct app *a;
	const struct allow *al;
	struct run r;

	(void)state;
	parse(&r, spec_example);
	expect_ok(&r);
	assert_string_equal(r.p->name, "fr-recreational-2023");
	assert_true(r.p->has_name);
	assert_true(r.p->serial == 2023032401ull);
	assert_false(r.p->monitor);
	assert_int_equal(r.p->mode_loc.line, 4);
	assert_int_equal(r.p->n_apps, 2);
	a = &r.p->apps[0];
	assert_string_equal(a->name, "tiktok");
	assert_int_equal(a->loc.line, 6);
	assert_int_equal(a->loc.col, 1);
	assert_string_equal(a->description, "TikTok (ByteDance)");
	assert_int_equal(a->action, APP_ACTION_DENY_EXEC);
	assert_int_equal(a->action_loc.line, 12);
	assert_int_equal(a->action_loc.col, 5);
	assert_int_equal(a->n_idents, 4);
	assert_int_equal(a->idents[0].kind, IDENT_PATH);
	assert_string_equal(a->idents[0].value, "/opt/TikTok/tiktok");
	assert_int_equal(a->idents[0].loc.line, 8);
	assert_int_equal(a->idents[0].loc.col, 5);
	assert_int_equal(a->idents[0].value_loc.col, 10);
	assert_int_equal(a->idents[1].kind, IDENT_DIR);
	assert_string_equal(a->idents[1].value, "/var/lib/flatpak/app/com.zhiliaoapp.TikTok");
	assert_int_equal(a->idents[2].kind, IDENT_SHA256);
	assert_string_equal(a->idents[2].value,
			    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
	assert_int_equal(a->idents[3].kind, IDENT_NAME);
	assert_string_equal(a->idents[3].value, "tiktok");
	a = &r.p->apps[1];
	assert_string_equal(a->name, "twitter");
	assert_null(a->description);
	assert_int_equal(a->n_idents, 1);
	assert_int_equal(a->idents[0].kind, IDENT_DIR);
	assert_string_equal(a->idents[0].value, "/opt/Twitter Desktop");
	assert_int_equal(a->action, APP_ACTION_DENY_NETWORK);
	assert_int_equal(r.p->n_allows, 1);
	al = &r.p->allows[0];
	assert_string_equal(al->name, "comms-office");
	assert_int_equal(al->loc.line, 20);
	assert_int_equal(al->n_apps, 1);
	assert_string_equal(al->apps[0].name, "twitter");
	assert_int_equal(al->apps[0].app_index, 1);
	assert_int_equal(al->apps[0].loc.line, 21);
	assert_int_equal(al->apps[0].loc.col, 9);
	assert_int_equal(al->n_principals, 2);
	assert_int_equal(al->principals[0].kind, PRINCIPAL_GROUP);
	assert_string_equal(al->principals[0].name, "comms");
	assert_int_equal(al->principals[0].loc.line, 22);
	assert_int_equal(al->principals[0].loc.col, 11);
	assert_int_equal(al->principals[1].kind, PRINCIPAL_USER);
	assert_string_equal(al->principals[1].name, "alice");
	assert_true(al->has_until);
	assert_true(al->until == 1798761600); /* 2027-01-01T00:00:00Z */
	assert_int_equal(al->until_loc.line, 24);
	assert_int_equal(al->until_loc.col, 11);
	done(&r);
}

static void test_parse_every_identifier_kind(void **state)
{
	static const char *const want[][2] = {
		{ "path", "/opt/x/bin/x" },
		{ "dir", "/opt/x" },
		{ "sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "name", "x-bin" },
		{ "flatpak", "org.example.App" },
		{ "snap", "x-snap" },
	};
	const struct app *a;
	struct run r;
	size_t i;

	(void)state;
	parse(&r, "app x {\n"
		  "path /opt/x/bin/x\n"
		  "dir /opt/x\n"
		  "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
		  "name x-bin\n"
		  "flatpak org.example.App\n"
		  "snap x-snap\n"
		  "audit\n"
		  "}\n");
	expect_ok(&r);
	a = &r.p->apps[0];
	assert_int_equal(a->n_idents, 6);
	for (i = 0; i < 6; i++) {
		assert_int_equal(a->idents[i].kind, i);
		assert_string_equal(ident_kind_str(a->idents[i].kind), want[i][0]);
		assert_string_equal(a->idents[i].value, want[i][1]);
		assert_int_equal(a->idents[i].loc.line, i + 2);
		assert_int_equal(a->idents[i].loc.col, 1);
		assert_int_equal(a->idents[i].value_loc.col, strlen(want[i][0]) + 2);
	}
	done(&r);
}

static void test_parse_every_action(void **state)
{
	struct run r;

	(void)state;
	parse(&r, "app a {\npath /a\ndeny exec\n}\n"
		  "app b {\npath /b\ndeny network\n}\n"
		  "app c {\npath /c\n  audit\n}\n");
	expect_ok(&r);
	assert_int_equal(r.p->n_apps, 3);
	assert_int_equal(r.p->apps[0].action, APP_ACTION_DENY_EXEC);
	assert_int_equal(r.p->apps[1].action, APP_ACTION_DENY_NETWORK);
	assert_int_equal(r.p->apps[2].action, APP_ACTION_AUDIT);
	assert_int_equal(r.p->apps[2].action_loc.line, 11);
	assert_int_equal(r.p->apps[2].action_loc.col, 3);
	done(&r);
}

static void test_parse_defaults_when_statements_absent(void **state)
{
	struct run r;

	(void)state;
	parse_len(&r, "/etc/appban/school.policy", APP_OK, strlen(APP_OK));
	expect_ok(&r);
	assert_string_equal(r.p->name, "school");
	assert_false(r.p->has_name);
	assert_true(r.p->serial == 0);
	assert_false(r.p->monitor);
	assert_int_equal(r.p->mode_loc.line, 0);
	assert_false(r.p->has_expires);
	assert_true(r.p->expires == 0);
	assert_null(r.p->apps[0].description);
	assert_int_equal(r.p->n_allows, 0);
	done(&r);
}

static void test_parse_default_name_is_file_base_name(void **state)
{
	static const char *const cases[][2] = {
		{ "fr.policy", "fr" },
		{ "/a/b.c/x-y_z.1.policy", "x-y_z.1" },
		{ "dir/my file!.policy", "my_file_" },
		{ "caf\xc3\xa9.policy", "caf_" },
		{ "noext", "noext" },
		{ "a.policy.bak", "a.policy.bak" },
		{ "dir/", "policy" },
		{ "/x/" NAME64 "zz.policy", NAME63 },
	};
	struct run r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		parse_len(&r, cases[i][0], APP_OK, strlen(APP_OK));
		expect_ok(&r);
		assert_string_equal(r.p->name, cases[i][1]);
		done(&r);
	}
	parse_len(&r, NULL, APP_OK, strlen(APP_OK));
	expect_ok(&r);
	assert_string_equal(r.p->name, "policy");
	done(&r);
}

static void test_parse_mode_enforce_and_monitor(void **state)
{
	struct run r;

	(void)state;
	parse(&r, "mode enforce\n" APP_OK);
	expect_ok(&r);
	assert_false(r.p->monitor);
	done(&r);
	parse(&r, APP_OK "  mode monitor\n");
	expect_ok(&r);
	assert_true(r.p->monitor);
	assert_int_equal(r.p->mode_loc.line, 5);
	assert_int_equal(r.p->mode_loc.col, 3);
	done(&r);
}

static void test_parse_rejects_unknown_mode(void **state)
{
	(void)state;
	check_error(APP_OK "mode strict\n",
		    "5:6: error: unknown mode \"strict\" (expected enforce or monitor)");
	check_error("mode\n" APP_OK, "1:5: error: missing argument after \"mode\"");
}

static void test_parse_serial_accepts_whole_u64_range(void **state)
{
	struct run r;

	(void)state;
	parse(&r, "serial 0\n" APP_OK);
	expect_ok(&r);
	assert_true(r.p->serial == 0);
	done(&r);
	parse(&r, "serial 18446744073709551615\n" APP_OK);
	expect_ok(&r);
	assert_true(r.p->serial == UINT64_MAX);
	done(&r);
}

static void test_parse_rejects_serial_not_u64(void **state)
{
	(void)state;
	check_error("serial 18446744073709551616\n" APP_OK,
		    "1:8: error: serial must be an unsigned 64-bit number");
	check_error("serial -1\n" APP_OK, "1:8: error: serial must be an unsigned 64-bit number");
	check_error("serial 12a\n" APP_OK, "1:8: error: serial must be an unsigned 64-bit number");
	check_error("serial 0x10\n" APP_OK, "1:8: error: serial must be an unsigned 64-bit number");
	check_error("serial \"\"\n" APP_OK, "1:8: error: serial must be an unsigned 64-bit number");
}

static void test_parse_accepts_names_of_63_chars(void **state)
{
	struct run r;

	(void)state;
	parse(&r, "policy " NAME63 "\napp " NAME63 " {\npath /x\naudit\n}\n"
		  "allow " NAME63 " {\napp " NAME63 "\nuser " NAME63 "\ngroup " NAME63 "\n}\n");
	expect_ok(&r);
	assert_string_equal(r.p->name, NAME63);
	assert_string_equal(r.p->apps[0].name, NAME63);
	assert_string_equal(r.p->allows[0].name, NAME63);
	assert_string_equal(r.p->allows[0].principals[0].name, NAME63);
	done(&r);
}

static void test_parse_rejects_names_of_64_chars(void **state)
{
	(void)state;
	check_error("policy " NAME64 "\n" APP_OK, "1:8: error: name longer than 63 characters");
	check_error("app " NAME64 " {\npath /x\naudit\n}\n",
		    "1:5: error: name longer than 63 characters");
	check_error(APP_OK "allow " NAME64 " {\napp ok\nuid 1\n}\n",
		    "5:7: error: name longer than 63 characters");
	check_error(APP_OK "allow x {\napp ok\nuser " NAME64 "\n}\n",
		    "7:6: error: name longer than 63 characters");
	check_error(APP_OK "allow x {\napp ok\ngroup " NAME64 "\n}\n",
		    "7:7: error: name longer than 63 characters");
}

static void test_parse_rejects_invalid_name(void **state)
{
	(void)state;
	check_error("app \"a b\" {\npath /x\naudit\n}\n", "1:5: error: invalid name \"a b\"");
	check_error("app \"\" {\npath /x\naudit\n}\n", "1:5: error: invalid name \"\"");
	check_error("policy tik/tok\n" APP_OK, "1:8: error: invalid name \"tik/tok\"");
	check_error("policy caf\xc3\xa9\n" APP_OK, "1:8: error: invalid name \"caf\xc3\xa9\"");
	check_error(APP_OK "allow x {\napp ok\nuser \"j doe\"\n}\n",
		    "7:6: error: invalid name \"j doe\"");
	check_error("app x {\npath /x\nsnap \"a b\"\naudit\n}\n",
		    "3:6: error: invalid name \"a b\"");
}

static void test_parse_accepts_quoted_names(void **state)
{
	struct run r;

	(void)state;
	parse(&r, "policy \"p1\"\napp \"x\" {\npath /x\naudit\n}\n");
	expect_ok(&r);
	assert_string_equal(r.p->name, "p1");
	assert_string_equal(r.p->apps[0].name, "x");
	done(&r);
}

static void test_parse_string_escapes(void **state)
{
	struct run r;

	(void)state;
	parse(&r,
	      "app x {\ndescription \"a \\\"b\\\" \\\\ c\\nd\\te\"\npath \"/a\\\\b\"\naudit\n}\n");
	expect_ok(&r);
	assert_string_equal(r.p->apps[0].description, "a \"b\" \\ c\nd\te");
	assert_string_equal(r.p->apps[0].idents[0].value, "/a\\b");
	done(&r);
}

static void test_parse_rejects_bad_escape(void **state)
{
	(void)state;
	check_error(
		"app x {\ndescription \"ab\\qc\"\npath /x\naudit\n}\n",
		"2:16: error: invalid escape \"\\q\" in string (expected \\\", \\\\, \\n or \\t)");
	check_error("app x {\ndescription \"ab\\0\"\npath /x\naudit\n}\n",
		    "2:16: error: invalid escape \"\\0\"");
	check_error("app x {\ndescription \"ab\\ \"\npath /x\naudit\n}\n",
		    "2:16: error: invalid escape in string");
}

static void test_parse_rejects_unterminated_string(void **state)
{
	(void)state;
	check_error("app x {\ndescription \"abc\npath /x\naudit\n}\n",
		    "2:13: error: unterminated string");
	/* An escaped quote does not end the string. */
	check_error("app x {\npath /x\n  description \"abc\\\"\naudit\n}\n",
		    "3:15: error: unterminated string");
	check_error("app x {\npath /x\naudit\ndescription \"abc\\\n}\n",
		    "4:13: error: unterminated string");
}

static void test_parse_path_as_word_or_string(void **state)
{
	struct run r;

	(void)state;
	parse(&r, "app x {\npath /opt/a\npath \"/opt/b c\"\ndir \"/d\"\naudit\n"
		  "description word\n}\n");
	expect_ok(&r);
	assert_string_equal(r.p->apps[0].idents[0].value, "/opt/a");
	assert_string_equal(r.p->apps[0].idents[1].value, "/opt/b c");
	assert_int_equal(r.p->apps[0].idents[1].value_loc.col, 6);
	assert_string_equal(r.p->apps[0].idents[2].value, "/d");
	assert_string_equal(r.p->apps[0].description, "word");
	done(&r);
}

static void test_parse_hash_in_string_is_not_comment(void **state)
{
	struct run r;

	(void)state;
	parse(&r, "app x {\npath \"/opt/a#b\" # a comment\npath /opt/c#d\naudit\n}\n");
	expect_ok(&r);
	assert_string_equal(r.p->apps[0].idents[0].value, "/opt/a#b");
	assert_string_equal(r.p->apps[0].idents[1].value, "/opt/c");
	done(&r);
}

static void test_parse_comments_anywhere(void **state)
{
	struct run r;

	(void)state;
	parse(&r,
	      "# head\n   # indented\npolicy p # trailing\n\n"
	      "app x { # after brace\n\t# inside\n\tpath /x#no space needed\n\taudit\n} # after close\n"
	      "#");
	expect_ok(&r);
	assert_string_equal(r.p->name, "p");
	assert_int_equal(r.p->n_apps, 1);
	assert_string_equal(r.p->apps[0].idents[0].value, "/x");
	done(&r);
}

static void test_parse_crlf(void **state)
{
	char *crlf = malloc(2 * sizeof(spec_example));
	const char *s;
	struct run r;
	char *o;

	(void)state;
	assert_non_null(crlf);
	for (s = spec_example, o = crlf; *s; s++) {
		if (*s == '\n')
			*o++ = '\r';
		*o++ = *s;
	}
	*o = '\0';
	parse(&r, crlf);
	expect_ok(&r);
	assert_string_equal(r.p->apps[0].idents[0].value, "/opt/TikTok/tiktok");
	assert_string_equal(r.p->apps[1].idents[0].value, "/opt/Twitter Desktop");
	assert_true(r.p->allows[0].until == 1798761600);
	done(&r);
	free(crlf);
	check_error("app x {\r\npath /x\r\naudit\r\n}\r\nfoo\r\n",
		    "5:1: error: unknown statement \"foo\"");
	check_error("app x {\r\npath /x /y\r\naudit\r\n}\r\n",
		    "2:9: error: unexpected \"/y\" (path takes one argument)");
	/* A carriage return not before a newline is not a line end. */
	check_error("app x {\rpath /x\naudit\n}\n", "1:8: error: control character U+000D");
}

static void test_parse_sha256_any_case_stored_lowercase(void **state)
{
	struct run r;

	(void)state;
	parse(&r,
	      "app x {\nsha256 9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08\n"
	      "sha256 \"9f86d081884c7d659a2feaa0c55ad015A3BF4F1B2B0B822CD15D6C15B0F00A08\"\naudit\n}\n");
	expect_ok(&r);
	assert_string_equal(r.p->apps[0].idents[0].value,
			    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
	assert_string_equal(r.p->apps[0].idents[1].value,
			    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
	done(&r);
}

static void test_parse_rejects_bad_sha256(void **state)
{
	(void)state;
	/* 63 digits, 65 digits, a non-hex digit, a 0x prefix */
	check_error(
		"app x {\n  sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0\naudit\n}\n",
		"2:10: error: bad SHA-256 digest: expected 64 hexadecimal digits");
	check_error(
		"app x {\nsha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a081\naudit\n}\n",
		"2:8: error: bad SHA-256 digest: expected 64 hexadecimal digits");
	check_error(
		"app x {\nsha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0g\naudit\n}\n",
		"2:8: error: bad SHA-256 digest: expected 64 hexadecimal digits");
	check_error(
		"app x {\nsha256 0x9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a\naudit\n}\n",
		"2:8: error: bad SHA-256 digest: expected 64 hexadecimal digits");
}

static void test_parse_rejects_relative_path(void **state)
{
	(void)state;
	check_error("app x {\n\tpath bin/x\n\taudit\n}\n",
		    "2:7: error: path must be absolute: \"bin/x\"");
	check_error("app x {\n\tdir \"opt/x y\"\n\taudit\n}\n",
		    "2:6: error: dir must be absolute: \"opt/x y\"");
	check_error("app x {\n\tpath \"\"\n\taudit\n}\n",
		    "2:7: error: path must be absolute: \"\"");
}

static void test_parse_rejects_bad_name_flatpak_and_snap(void **state)
{
	(void)state;
	check_error("app x {\nname usr/bin/x\naudit\n}\n",
		    "2:6: error: invalid executable name \"usr/bin/x\"");
	check_error("app x {\nname \"\"\naudit\n}\n", "2:6: error: invalid executable name \"\"");
	check_error("app x {\nflatpak tiktok\naudit\n}\n",
		    "2:9: error: invalid Flatpak application ID \"tiktok\"");
	check_error("app x {\nflatpak org..App\naudit\n}\n",
		    "2:9: error: invalid Flatpak application ID");
	check_error("app x {\nflatpak org.x.App.\naudit\n}\n",
		    "2:9: error: invalid Flatpak application ID");
	check_error("app x {\nsnap a+b\naudit\n}\n", "2:6: error: invalid name \"a+b\"");
}

static void test_parse_allow_every_statement(void **state)
{
	const struct allow *a;
	struct run r;

	(void)state;
	parse(&r, APP_OK
	      "app two {\nname two\naudit\n}\n"
	      "allow ex {\n app ok\n app two\n user u1\n group g1\n uid 0\n gid 4294967294\n until 2030-06-15\n}\n");
	expect_ok(&r);
	a = &r.p->allows[0];
	assert_int_equal(a->n_apps, 2);
	assert_int_equal(a->apps[0].app_index, 0);
	assert_int_equal(a->apps[1].app_index, 1);
	assert_int_equal(a->n_principals, 4);
	assert_int_equal(a->principals[0].kind, PRINCIPAL_USER);
	assert_string_equal(a->principals[0].name, "u1");
	assert_int_equal(a->principals[1].kind, PRINCIPAL_GROUP);
	assert_string_equal(a->principals[1].name, "g1");
	assert_int_equal(a->principals[2].kind, PRINCIPAL_UID);
	assert_null(a->principals[2].name);
	assert_int_equal(a->principals[2].id, 0);
	assert_int_equal(a->principals[3].kind, PRINCIPAL_GID);
	assert_true(a->principals[3].id == 4294967294u);
	assert_int_equal(a->principals[3].loc.line, 15);
	assert_int_equal(a->principals[3].loc.col, 6);
	assert_true(a->has_until);
	done(&r);
}

static void test_parse_allow_may_precede_its_app(void **state)
{
	struct run r;

	(void)state;
	parse(&r,
	      "allow early {\napp late\nuid 1000\n}\n" APP_OK "app late {\npath /l\naudit\n}\n");
	expect_ok(&r);
	assert_int_equal(r.p->allows[0].apps[0].app_index, 1);
	assert_false(r.p->allows[0].has_until);
	done(&r);
}

static void test_parse_until_is_end_of_day_utc(void **state)
{
	static const struct {
		const char *date;
		int64_t until;
	} cases[] = {
		{ "2026-12-31", 1798761600 }, /* 2027-01-01T00:00:00Z */
		{ "2024-02-29", 1709251200 }, /* leap day -> 2024-03-01 */
		{ "2000-02-29", 951868800 }, /* leap century */
		{ "1970-01-01", 86400 }, /* the first day */
		{ "9999-12-31", 253402300800 }, /* the last one */
	};
	char text[256];
	struct run r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), APP_OK "allow a {\napp ok\nuid 5\nuntil %s\n}\n",
			 cases[i].date);
		parse(&r, text);
		expect_ok(&r);
		assert_true(r.p->allows[0].has_until);
		if (r.p->allows[0].until != cases[i].until)
			fail_msg("%s: %lld", cases[i].date, (long long)r.p->allows[0].until);
		assert_int_equal(r.p->allows[0].until_loc.line, 8);
		assert_int_equal(r.p->allows[0].until_loc.col, 7);
		done(&r);
	}
}

static void test_parse_does_not_check_until_in_past(void **state)
{
	struct run r;

	(void)state;
	parse(&r, APP_OK "allow a {\napp ok\nuid 5\nuntil 2000-01-01\n}\n");
	expect_ok(&r); /* no warning either: compile.c knows the clock */
	assert_true(r.p->allows[0].until == 946771200);
	done(&r);
}

static void test_parse_rejects_invalid_until(void **state)
{
	static const char *const cases[][2] = {
		{ "2026-13-01", "month must be 01 to 12" },
		{ "2026-00-10", "month must be 01 to 12" },
		{ "2026-02-29", "February 2026 has 28 days" },
		{ "2100-02-29", "February 2100 has 28 days" },
		{ "2026-04-31", "April 2026 has 30 days" },
		{ "2026-01-00", "January 2026 has 31 days" },
		{ "2026-1-01", "expected YYYY-MM-DD" },
		{ "26-01-01", "expected YYYY-MM-DD" },
		{ "2026/01/01", "expected YYYY-MM-DD" },
		{ "2026-01-011", "expected YYYY-MM-DD" },
		{ "tomorrow", "expected YYYY-MM-DD" },
		{ "1969-12-31", "year before 1970" },
	};
	char text[256], want[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), APP_OK "allow a {\napp ok\nuid 5\n  until %s\n}\n",
			 cases[i][0]);
		snprintf(want, sizeof(want), "8:9: error: invalid date \"%s\" (%s", cases[i][0],
			 cases[i][1]);
		check_error(text, want);
	}
}

static void test_parse_expires_is_end_of_day_utc(void **state)
{
	struct run r;

	(void)state;
	parse(&r, "policy p\n  expires 2026-12-31  # a year of life\n" APP_OK);
	expect_ok(&r);
	assert_true(r.p->has_expires);
	assert_true(r.p->expires == 1798761600); /* 2027-01-01T00:00:00Z, as until */
	assert_int_equal(r.p->expires_loc.line, 2);
	assert_int_equal(r.p->expires_loc.col, 11);
	done(&r);
	/* After the apps as well: a top-level statement goes anywhere. */
	parse(&r, APP_OK "expires 2024-02-29\n");
	expect_ok(&r);
	assert_true(r.p->expires == 1709251200);
	done(&r);
}

static void test_parse_does_not_check_expires_in_past(void **state)
{
	struct run r;

	(void)state;
	parse(&r, "expires 2000-01-01\n" APP_OK);
	expect_ok(&r); /* no warning: compile.c knows the clock */
	assert_true(r.p->expires == 946771200);
	done(&r);
}

static void test_parse_rejects_expires_twice(void **state)
{
	(void)state;
	check_error("expires 2030-01-01\n" APP_OK " expires 2031-01-01\n",
		    "6:2: error: expires given twice (first at 1:1)");
}

static void test_parse_rejects_invalid_expires(void **state)
{
	static const char *const cases[][2] = {
		{ "2026-02-29", "February 2026 has 28 days" },
		{ "2026-13-01", "month must be 01 to 12" },
		{ "31/12/2026", "expected YYYY-MM-DD" },
		{ "never", "expected YYYY-MM-DD" },
		{ "1969-12-31", "year before 1970" },
	};
	char text[256], want[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "policy p\n\texpires %s\n" APP_OK, cases[i][0]);
		snprintf(want, sizeof(want), "2:10: error: invalid date \"%s\" (%s", cases[i][0],
			 cases[i][1]);
		check_error(text, want);
	}
	check_error("expires\n" APP_OK,
		    "1:8: error: missing argument after \"expires\" (expected a date YYYY-MM-DD)");
	check_error(
		"app x {\n\tpath /x\n\texpires 2030-01-01\n\taudit\n}\n",
		"3:2: error: \"expires\" is not allowed in an app block (expected description, path, dir, sha256, name, flatpak, snap, deny or audit)");
}

static void test_parse_uid_gid_range(void **state)
{
	(void)state;
	check_error(APP_OK "allow a {\napp ok\nuid 4294967295\n}\n",
		    "7:5: error: uid must be a number from 0 to 4294967294, not \"4294967295\"");
	check_error(APP_OK "allow a {\napp ok\ngid -1\n}\n",
		    "7:5: error: gid must be a number from 0 to 4294967294");
	check_error(APP_OK "allow a {\napp ok\nuid 99999999999999999999999\n}\n",
		    "7:5: error: uid must be a number");
	check_error(APP_OK "allow a {\napp ok\nuid alice\n}\n", "7:5: error: uid must be a number");
}

static void test_parse_rejects_app_without_action(void **state)
{
	(void)state;
	check_error(
		"\napp tiktok {\n\tpath /x\n}\n",
		"2:1: error: app \"tiktok\" has no action (add \"deny exec\", \"deny network\" or \"audit\")");
}

static void test_parse_rejects_two_actions(void **state)
{
	(void)state;
	check_error("app x {\n\tpath /x\n\tdeny exec\n\taudit\n}\n",
		    "4:2: error: app \"x\" has two actions (first at 3:2)");
	check_error("app x {\n\tpath /x\n\tdeny network\n\tdeny exec\n}\n",
		    "4:2: error: app \"x\" has two actions (first at 3:2)");
}

static void test_parse_rejects_app_without_identifier(void **state)
{
	(void)state;
	check_error(
		"app x {\n\tdescription \"nothing to match\"\n\tdeny exec\n}\n",
		"1:1: error: app \"x\" has no identifier (add path, dir, sha256, name, flatpak or snap)");
}

static void test_parse_rejects_unknown_action(void **state)
{
	(void)state;
	check_error(
		"app x {\n\tpath /x\n\tdeny run\n}\n",
		"3:7: error: unknown action \"deny run\" (expected \"deny exec\", \"deny network\" or \"audit\")");
	/* A policy-wide statement, not an action of one app. */
	check_error("app x {\n\tpath /x\n\tdeny fileless-exec\n}\n",
		    "3:7: error: \"deny fileless-exec\" is a policy-wide statement");
	check_error(
		"app x {\n\tpath /x\n\tdeny\n}\n",
		"3:6: error: missing argument after \"deny\" (expected exec, network or fileless-exec)");
	/* A statement of the wrong block gives one error, not also "no action". */
	check_error("app x {\n\tpath /x\n\tallow exec\n}\n",
		    "3:2: error: \"allow\" is not allowed in an app block");
}

static void test_parse_deny_fileless_exec_is_policy_wide(void **state)
{
	struct policy *p = NULL;
	struct diag d;
	const char *ok = "deny fileless-exec\napp x {\n\tname zz\n\taudit\n}\n";

	(void)state;
	diag_init(&d, NULL, "t.policy");
	assert_int_equal(policy_parse_buf("t.policy", ok, strlen(ok), &p, &d), 0);
	assert_int_equal(p->deny_fileless, 1);
	policy_free(p);
	ok = "app x {\n\tname zz\n\taudit\n}\n";
	assert_int_equal(policy_parse_buf("t.policy", ok, strlen(ok), &p, &d), 0);
	assert_int_equal(p->deny_fileless, 0);
	policy_free(p);
	check_error("deny fileless-exec\ndeny fileless-exec\napp x {\n\tname zz\n\taudit\n}\n",
		    "2:1: error: \"deny fileless-exec\" given twice");
	check_error("deny exec\napp x {\n\tname zz\n\taudit\n}\n",
		    "1:6: error: unknown top-level \"deny exec\"");
}

static void test_parse_rejects_duplicate_app(void **state)
{
	(void)state;
	check_error("\n\napp x {\npath /a\naudit\n}\napp x {\npath /b\naudit\n}\n",
		    "7:5: error: duplicate app \"x\" (first defined at 3:1)");
}

static void test_parse_rejects_duplicate_allow(void **state)
{
	(void)state;
	check_error(APP_OK "allow e {\napp ok\nuid 1\n}\n  allow e {\napp ok\nuid 2\n}\n",
		    "9:9: error: duplicate allow \"e\" (first defined at 5:1)");
}

static void test_parse_app_and_allow_names_are_separate(void **state)
{
	struct run r;

	(void)state;
	parse(&r, APP_OK "allow ok {\napp ok\nuid 1\n}\n");
	expect_ok(&r);
	done(&r);
}

static void test_parse_rejects_unknown_app_in_allow(void **state)
{
	(void)state;
	check_error(APP_OK "allow z {\n  app ok\n  app y\n  uid 1\n}\n",
		    "7:7: error: unknown app \"y\" in allow \"z\"");
}

static void test_parse_rejects_unknown_statement(void **state)
{
	(void)state;
	check_error(
		"foo bar\n" APP_OK,
		"1:1: error: unknown statement \"foo\" (expected policy, serial, mode, expires, deny fileless-exec, app or allow)");
	check_error(
		"app x {\n\tpath /x\n\tdenny exec\n\taudit\n}\n",
		"3:2: error: unknown statement \"denny\" (expected description, path, dir, sha256, name, flatpak, snap, deny or audit)");
	check_error(
		APP_OK "allow a {\napp ok\nuid 1\nusers bob\n}\n",
		"8:1: error: unknown statement \"users\" (expected app, user, group, uid, gid or until)");
	check_error(
		"\"policy\" x\n" APP_OK,
		"1:1: error: expected a statement (policy, serial, mode, expires, deny fileless-exec, app or allow), not a string");
}

static void test_parse_unknown_statement_in_block_adds_no_missing_errors(void **state)
{
	/* A misspelt action gives one error, not also "has no action". */
	(void)state;
	check_error("app x {\n\tpath /x\n\tdney exec\n}\n",
		    "3:2: error: unknown statement \"dney\"");
}

static void test_parse_rejects_statement_outside_its_block(void **state)
{
	(void)state;
	check_error("path /x\n" APP_OK, "1:1: error: \"path\" is only allowed inside an app block");
	check_error(APP_OK "until 2030-01-01\n",
		    "5:1: error: \"until\" is only allowed inside an allow block");
	check_error(
		"app x {\npath /x\naudit\nserial 3\n}\n",
		"4:1: error: \"serial\" is not allowed in an app block (expected description, path");
	check_error("app x {\npath /x\naudit\nuser bob\n}\n",
		    "4:1: error: \"user\" is not allowed in an app block");
	check_error("app x {\npath /x\naudit\napp y\n}\n",
		    "4:1: error: \"app\" is not allowed in an app block");
	check_error(
		APP_OK "allow a {\napp ok\nuid 1\npath /x\n}\n",
		"8:1: error: \"path\" is not allowed in an allow block (expected app, user, group, uid, gid or until)");
}

static void test_parse_rejects_unterminated_block(void **state)
{
	(void)state;
	check_error("\n\n\n\napp tiktok {\n\tpath /x\n\taudit\n",
		    "8:1: error: unterminated block \"app tiktok\" (opened at 5:1)");
	/* A file cut in the middle of a line: the error is where it ends. */
	check_error(APP_OK "allow a {\n  app ok\n  uid 1",
		    "7:8: error: unterminated block \"allow a\" (opened at 5:1)");
}

static void test_parse_recovers_from_missing_close_brace(void **state)
{
	struct run r;

	(void)state;
	parse(&r, "app x {\npath /x\naudit\n\napp y {\npath /y\ndeny exec\n}\n");
	expect_errors(&r, 1);
	expect(&r, "5:1: error: unterminated block \"app x\" (opened at 1:1)");
	done(&r);
	check_error(APP_OK "allow a {\napp ok\nuid 1\nallow b {\napp ok\nuid 2\n}\n",
		    "8:1: error: unterminated block \"allow a\" (opened at 5:1)");
}

static void test_parse_rejects_missing_open_brace(void **state)
{
	struct run r;

	(void)state;
	/* The block is read anyway, so its statements give no more errors. */
	check_error("app tiktok\n\tpath /x\n\taudit\n}\n",
		    "1:11: error: missing \"{\" at the end of the line (expected app NAME {)");
	/* A "{" alone on the next line is the same mistake: one error. */
	check_error("app tiktok  \n{\n\tpath /x\n\taudit\n}\n",
		    "1:11: error: missing \"{\" at the end of the line");
	check_error(APP_OK "allow a b {\napp ok\nuid 1\n}\n",
		    "5:9: error: expected \"{\" after \"allow a\", not \"b\"");
	check_error("app {\npath /x\naudit\n}\n",
		    "1:5: error: missing name after \"app\" (expected app NAME {)");
	check_error("app\npath /x\naudit\n}\n", "1:4: error: missing name after \"app\"");
	parse(&r, APP_OK "{\n");
	expect_errors(&r, 1);
	expect(&r, "5:1: error: unexpected \"{\"");
	done(&r);
}

static void test_parse_rejects_close_brace_without_block(void **state)
{
	(void)state;
	check_error(APP_OK "  }\n", "5:3: error: unexpected \"}\": no block is open");
}

static void test_parse_rejects_text_after_close_brace(void **state)
{
	struct run r;

	(void)state;
	check_error(
		"app x {\npath /x\naudit\n} deny exec\n",
		"4:3: error: unexpected \"deny\" after \"}\" (a \"}\" must be alone on its line)");
	check_error("app x {\npath /x\naudit\n}}\n", "4:2: error: unexpected \"}\" after \"}\"");
	parse(&r, "app x {\npath /x\naudit\n}   # comments are fine\n");
	expect_ok(&r);
	done(&r);
}

static void test_parse_rejects_close_brace_not_alone(void **state)
{
	struct run r;

	(void)state;
	parse(&r, "app x {\npath /x\ndeny exec }\napp y {\npath /y\naudit\n}\n");
	expect_errors(&r, 1);
	expect(&r, "3:11: error: \"}\" must be alone on its line");
	done(&r);
	/* However many words come before it. */
	parse(&r,
	      "app x {\npath /x\naudit 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 }\n" APP_OK);
	expect_errors(&r, 2);
	expect(&r, "3:7: error: unexpected \"1\" (audit takes no argument)");
	expect(&r, "3:58: error: \"}\" must be alone on its line");
	done(&r);
}

static void test_parse_rejects_statement_after_open_brace(void **state)
{
	(void)state;
	check_error(
		"app x { path /x }\n" APP_OK,
		"1:9: error: unexpected \"path\" after \"{\" (a block's statements go on their own lines)");
}

static void test_parse_rejects_junk_after_argument(void **state)
{
	(void)state;
	check_error("app x {\npath /opt/my app\naudit\n}\n",
		    "2:14: error: unexpected \"app\" (path takes one argument)");
	check_error("app x {\npath /x\naudit now\n}\n",
		    "3:7: error: unexpected \"now\" (audit takes no argument)");
	check_error("app x {\npath /x\ndeny exec network\n}\n",
		    "3:11: error: unexpected \"network\" (deny takes one argument)");
	check_error("policy a b\n" APP_OK,
		    "1:10: error: unexpected \"b\" (policy takes one argument)");
	check_error("policy a\"b\"\n" APP_OK,
		    "1:9: error: unexpected \"b\" (policy takes one argument)");
	check_error("app x {\npath /x {\naudit\n}\n",
		    "2:9: error: unexpected \"{\" (path takes one argument)");
	check_error("app x {\ndescription TikTok (ByteDance)\npath /x\naudit\n}\n",
		    "2:20: error: unexpected \"(ByteDance)\" (description takes one argument)");
}

static void test_parse_rejects_missing_argument(void **state)
{
	(void)state;
	check_error("app x {\n  path\naudit\n}\n",
		    "2:7: error: missing argument after \"path\" (expected an absolute path");
	check_error("policy\n" APP_OK,
		    "1:7: error: missing argument after \"policy\" (expected a name)");
	check_error(APP_OK "allow a {\napp ok\nuid 1\nuntil # soon\n}\n",
		    "8:6: error: missing argument after \"until\" (expected a date YYYY-MM-DD)");
}

static void test_parse_rejects_policy_without_app(void **state)
{
	struct run r;

	(void)state;
	check_error("", "1:1: error: policy has no app (empty or truncated file?)");
	check_error("# only a comment\n\n",
		    "3:1: error: policy has no app (empty or truncated file?)");
	check_error("policy p\nserial 3",
		    "2:9: error: policy has no app (empty or truncated file?)");
	/* Not an exceptions file either, even as a layer: it has no allow. */
	parse_layer(&r, "policy p\nserial 3\nexpires 2030-01-01\n");
	expect_errors(&r, 1);
	expect(&r, "4:1: error: policy has no app (empty or truncated file?)");
	done(&r);
	parse_layer(&r, "");
	expect_errors(&r, 1);
	expect(&r, "1:1: error: policy has no app (empty or truncated file?)");
	done(&r);
}

#define EXC_FILE                     \
	"policy ministry-interior\n" \
	"serial 7\n"                 \
	"expires 2030-06-30\n"       \
	"allow comms {\n"            \
	"\tapp twitter\n"            \
	"\tapp tiktok\n"             \
	"\tgroup comms\n"            \
	"\tuntil 2030-01-31\n"       \
	"}\n"

static void test_parse_exceptions_file_alone_is_an_error(void **state)
{
	struct run r;

	(void)state;
	/* One error, saying what the file is: no "unknown app" for the apps
	 * of a base that is not there. */
	parse(&r, EXC_FILE);
	expect_errors(&r, 1);
	expect(&r,
	       "10:1: error: policy has no app: this is an exceptions file (allow blocks only), which is composed with a base policy that defines its apps, not loaded alone");
	done(&r);
	parse(&r, "allow a {\napp x\nuid 1\n}\n");
	expect_errors(&r, 1);
	expect(&r, "5:1: error: policy has no app: this is an exceptions file");
	done(&r);
}

static void test_parse_exceptions_file_as_layer(void **state)
{
	const struct allow *a;
	struct run r;

	(void)state;
	parse_layer(&r, EXC_FILE);
	expect_ok(&r);
	assert_true(r.p->exceptions_only);
	assert_string_equal(r.p->name, "ministry-interior");
	assert_string_equal(r.p->file, "t.policy");
	assert_true(r.p->serial == 7);
	assert_true(r.p->has_expires);
	assert_int_equal(r.p->n_apps, 0);
	assert_int_equal(r.p->n_allows, 1);
	a = &r.p->allows[0];
	assert_string_equal(a->name, "comms");
	assert_null(a->file); /* the policy's own file */
	assert_int_equal(a->n_apps, 2);
	/* resolved against the base, when composed */
	assert_string_equal(a->apps[0].name, "twitter");
	assert_true(a->apps[0].app_index == APP_REF_UNRESOLVED);
	assert_int_equal(a->apps[0].loc.line, 5);
	assert_int_equal(a->apps[0].loc.col, 6);
	assert_true(a->apps[1].app_index == APP_REF_UNRESOLVED);
	assert_int_equal(a->n_principals, 1);
	assert_true(a->has_until);
	done(&r);
	/* the checks of an allow block hold there as anywhere */
	parse_layer(&r, "allow a {\n\tapp x\n}\n");
	expect_errors(&r, 1);
	expect(&r, "1:1: error: allow \"a\" lists no user or group");
	done(&r);
}

static void test_parse_layer_flag_changes_nothing_for_a_base(void **state)
{
	struct run r;

	(void)state;
	parse_layer(&r, APP_OK "allow a {\napp ok\napp nope\nuid 1\n}\n");
	expect_errors(&r, 1);
	expect(&r, "7:5: error: unknown app \"nope\" in allow \"a\"");
	done(&r);
	parse_layer(&r,
		    "mode monitor\ndeny fileless-exec\n" APP_OK "allow a {\napp ok\nuid 1\n}\n");
	expect_ok(&r);
	assert_false(r.p->exceptions_only);
	assert_int_equal(r.p->allows[0].apps[0].app_index, 0);
	done(&r);
}

static void test_parse_exceptions_file_refuses_mode_and_fileless_exec(void **state)
{
	struct run r;

	(void)state;
	parse_layer(&r, "mode monitor\n" EXC_FILE);
	expect_errors(&r, 1);
	expect(&r,
	       "1:1: error: \"mode\" is not allowed in an exceptions file (allow blocks without app): the base policy it is composed with sets the mode; remove it");
	done(&r);
	parse_layer(&r, EXC_FILE "  deny fileless-exec\n");
	expect_errors(&r, 1);
	expect(&r,
	       "10:3: error: \"deny fileless-exec\" is not allowed in an exceptions file (allow blocks without app): the base policy it is composed with decides it; remove it");
	done(&r);
	/* loaded alone: both what is wrong in it and what it is */
	parse(&r, "mode enforce\n" EXC_FILE);
	expect_errors(&r, 2);
	expect(&r, "1:1: error: \"mode\" is not allowed in an exceptions file");
	expect(&r, "11:1: error: policy has no app: this is an exceptions file");
	done(&r);
}

static void test_parse_rejects_allow_without_app_or_principal(void **state)
{
	(void)state;
	check_error(APP_OK "allow a {\n\tuser bob\n}\n",
		    "5:1: error: allow \"a\" lists no app (add \"app NAME\")");
	check_error(APP_OK "allow a {\n\tapp ok\n\tuntil 2030-01-01\n}\n",
		    "5:1: error: allow \"a\" lists no user or group (add user, group, uid or gid)");
}

static void test_parse_rejects_repeated_statements(void **state)
{
	(void)state;
	check_error("policy a\npolicy b\n" APP_OK, "2:1: error: policy given twice (first at 1:1)");
	check_error("serial 1\n serial 2\n" APP_OK,
		    "2:2: error: serial given twice (first at 1:1)");
	check_error("mode enforce\n" APP_OK "mode monitor\n",
		    "6:1: error: mode given twice (first at 1:1)");
	check_error("app x {\ndescription a\npath /x\ndescription b\naudit\n}\n",
		    "4:1: error: app \"x\" has two descriptions (first at 2:1)");
	check_error(APP_OK "allow a {\napp ok\nuid 1\nuntil 2030-01-01\nuntil 2031-01-01\n}\n",
		    "9:1: error: allow \"a\" has two until dates (first at 8:1)");
}

static void test_parse_rejects_invalid_utf8(void **state)
{
	(void)state;
	check_error("app x {\npath /\xc3\xa9t\xe9\naudit\n}\n",
		    "2:9: error: invalid UTF-8 (byte 0xe9)");
	/* Overlong "/", a UTF-16 surrogate, beyond U+10FFFF, a stray continuation byte. */
	check_error("app x {\npath \xc0\xaf\naudit\n}\n", "2:6: error: invalid UTF-8 (byte 0xc0)");
	check_error("app x {\npath /\xed\xa0\x80\naudit\n}\n",
		    "2:7: error: invalid UTF-8 (byte 0xed)");
	check_error("app x {\npath /\xf4\x90\x80\x80\naudit\n}\n",
		    "2:7: error: invalid UTF-8 (byte 0xf4)");
	check_error("app x {\npath /x\naudit\n}\n# caf\x80\n",
		    "5:6: error: invalid UTF-8 (byte 0x80)");
	/* A sequence cut by the end of the line. */
	check_error("app x {\npath \"/\xe2\x82\"\naudit\n}\n",
		    "2:8: error: invalid UTF-8 (byte 0xe2)");
}

static void test_parse_rejects_nul_byte(void **state)
{
	static const char text[] = "app x {\npath /a\0b\naudit\n}\n# \0\n";
	struct run r;

	(void)state;
	parse_len(&r, "t.policy", text, sizeof(text) - 1);
	expect_errors(&r, 2);
	expect(&r, "2:8: error: NUL byte (a policy must be a text file)");
	expect(&r, "5:3: error: NUL byte");
	done(&r);
}

static void test_parse_rejects_control_character(void **state)
{
	(void)state;
	check_error("app x {\npath /a\x1b[0m\naudit\n}\n",
		    "2:8: error: control character U+001B not allowed here");
	check_error("app x {\npath \"/a\x7f\"\naudit\n}\n", "2:9: error: control character U+007F");
}

static void test_parse_rejects_comma(void **state)
{
	(void)state;
	check_error(APP_OK "allow a {\napp ok\nuser alice, bob\n}\n",
		    "7:11: error: unexpected \",\" (give one value per line)");
}

static void test_parse_counts_columns_in_code_points(void **state)
{
	(void)state;
	/* Two-, three- and four-byte characters count one column each, a tab too. */
	check_error(
		"app x {\ndescription \"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\" x\npath /x\naudit\n}\n",
		"2:19: error: unexpected \"x\" (description takes one argument)");
	check_error("app x {\n\t\tpath\t/x\t\tjunk\n\taudit\n}\n",
		    "2:12: error: unexpected \"junk\"");
}

static void test_parse_accepts_byte_order_mark(void **state)
{
	struct run r;

	(void)state;
	parse(&r, "\xef\xbb\xbfpolicy bom\n" APP_OK);
	expect_ok(&r);
	assert_string_equal(r.p->name, "bom");
	done(&r);
	check_error("\xef\xbb\xbf"
		    "foo\n" APP_OK,
		    "1:1: error: unknown statement \"foo\"");
}

static void test_parse_block_line_with_lexical_error_still_opens_block(void **state)
{
	(void)state;
	/* One error: the block's statements and its "}" are read as such. */
	check_error("app \"x {\n\tpath /x\n\taudit\n}\n" APP_OK, "1:5: error: unterminated string");
}

static void test_parse_rejects_overlong_path_and_base_name(void **state)
{
	char text[8192];
	struct run r;
	int n;

	(void)state;
	n = snprintf(text, sizeof(text), "app x {\npath /%04095d\naudit\n}\n", 0);
	assert_true(n > 0 && (size_t)n < sizeof(text));
	check_error(text, "2:6: error: path longer than 4095 bytes");
	snprintf(text, sizeof(text), "app x {\nname %0256d\naudit\n}\n", 0);
	check_error(text, "2:6: error: invalid executable name");
	/* At the limits: accepted. */
	snprintf(text, sizeof(text), "app x {\npath /%04094d\nname %0255d\naudit\n}\n", 0, 0);
	parse(&r, text);
	expect_ok(&r);
	assert_int_equal(strlen(r.p->apps[0].idents[0].value), 4095);
	assert_int_equal(strlen(r.p->apps[0].idents[1].value), 255);
	done(&r);
}

static void test_parse_ignores_errors_counted_before(void **state)
{
	struct policy *p;
	struct diag d;

	(void)state;
	diag_init(&d, NULL, "t.policy");
	d.errors = 3; /* a caller may reuse its diag */
	assert_int_equal(policy_parse_buf("t.policy", APP_OK, strlen(APP_OK), &p, &d), 0);
	assert_non_null(p);
	policy_free(p);
}

static void test_parse_reports_all_errors_with_positions(void **state)
{
	struct run r;

	(void)state;
	parse(&r, "policy \"a b\"\n" /* 1 */
		  "mode strict\n" /* 2 */
		  "app tiktok {\n" /* 3 */
		  "    path bin/tiktok\n" /* 4 */
		  "    sha256 abc\n" /* 5 */
		  "    description \"x\n" /* 6 */
		  "    deny exec\n" /* 7 */
		  "    audit\n" /* 8 */
		  "}\n" /* 9 */
		  "app tiktok {\n" /* 10 */
		  "    name tiktok\n" /* 11 */
		  "}\n" /* 12 */
		  "allow z {\n" /* 13 */
		  "    app nope\n" /* 14 */
		  "    uid -3\n" /* 15 */
		  "    until 2026-02-30\n" /* 16 */
		  "}\n" /* 17 */
		  "}\n"); /* 18 */
	expect_errors(&r, 12);
	expect(&r, "1:8: error: invalid name \"a b\"");
	expect(&r, "2:6: error: unknown mode \"strict\"");
	expect(&r, "4:10: error: path must be absolute: \"bin/tiktok\"");
	expect(&r, "5:12: error: bad SHA-256 digest");
	expect(&r, "6:17: error: unterminated string");
	expect(&r, "8:5: error: app \"tiktok\" has two actions (first at 7:5)");
	expect(&r, "10:5: error: duplicate app \"tiktok\" (first defined at 3:1)");
	expect(&r, "10:1: error: app \"tiktok\" has no action");
	expect(&r, "14:9: error: unknown app \"nope\" in allow \"z\"");
	expect(&r, "15:9: error: uid must be a number");
	expect(&r, "16:11: error: invalid date \"2026-02-30\" (February 2026 has 28 days)");
	expect(&r, "18:1: error: unexpected \"}\": no block is open");
	done(&r);
}

static void test_parse_long_line(void **state)
{
	size_t n = 300000, i;
	struct run r;
	char *text;

	(void)state;
	text = malloc(n + 64);
	assert_non_null(text);
	i = (size_t)sprintf(text, "app x {\ndescription \"");
	memset(text + i, 'd', n);
	strcpy(text + i + n, "\"\npath /x\naudit\n}\n");
	parse(&r, text);
	expect_ok(&r);
	assert_int_equal(strlen(r.p->apps[0].description), n);
	done(&r);
	free(text);
}

static void test_parse_messages_escape_and_cut_long_texts(void **state)
{
	char text[4096];
	struct run r;

	(void)state;
	snprintf(text, sizeof(text), "policy \"%0500d\\n\"\n" APP_OK, 0);
	parse(&r, text);
	expect_errors(&r, 1);
	assert_non_null(strstr(r.d.last, "...\""));
	assert_null(strchr(r.d.last, '\n'));
	assert_true(strlen(r.d.last) < 200);
	done(&r);
	check_error("policy \"a\\nb\"\n" APP_OK, "1:8: error: invalid name \"a\\nb\"");
}

static void test_parse_many_apps(void **state)
{
	size_t n = 5000, i, len = 0;
	struct run r;
	char *text;

	(void)state;
	text = malloc(n * 64 + 64);
	assert_non_null(text);
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(text + len, "app a%zu {\npath /%zu\naudit\n}\n", i, i);
	len += (size_t)sprintf(text + len, "allow e {\napp a4999\napp a0\nuid 1\n}\n");
	parse_len(&r, "t.policy", text, len);
	expect_ok(&r);
	assert_int_equal(r.p->n_apps, n);
	assert_string_equal(r.p->apps[4321].name, "a4321");
	assert_int_equal(r.p->allows[0].apps[0].app_index, 4999);
	assert_int_equal(r.p->allows[0].apps[1].app_index, 0);
	done(&r);
	free(text);
}

static void test_parse_survives_mutated_inputs(void **state)
{
	static const char junk[] = "{}\"\\#,\n\r\t \0\xc3\xff"
				   "app";
	size_t len = sizeof(spec_example) - 1, i, k;
	uint32_t seed = 12345;
	struct run r;
	char *text;

	(void)state;
	text = malloc(len);
	assert_non_null(text);
	/* Byte flips, junk characters and truncations of the example: no crash,
	 * no leak (run under ASan), and a policy exactly when there is no error. */
	for (i = 0; i < 3000; i++) {
		memcpy(text, spec_example, len);
		for (k = 0; k < 1 + i % 4; k++) {
			seed = seed * 1103515245u + 12345u;
			text[(seed >> 8) % len] = junk[(seed >> 20) % (sizeof(junk) - 1)];
		}
		seed = seed * 1103515245u + 12345u;
		parse_len(&r, "t.policy", text, i % 5 ? len : (seed >> 8) % len);
		assert_true((r.err == 0) == (r.d.errors == 0));
		assert_true((r.p != NULL) == (r.err == 0));
		done(&r);
	}
	free(text);
}

static void test_parse_buf_rejects_over_256_mib(void **state)
{
	size_t len = (256u << 20) + 1;
	char *text = malloc(len);
	struct run r;

	(void)state;
	assert_non_null(text);
	memset(text, '#', len);
	parse_len(&r, "t.policy", text, len);
	expect_errors(&r, 1);
	expect(&r, "1:1: error: policy larger than 256 MiB");
	done(&r);
	free(text);
}

static char *write_temp(const char *text, size_t len)
{
	char *path = strdup("/tmp/test_parse_XXXXXX.policy");
	FILE *f;
	int fd;

	assert_non_null(path);
	fd = mkstemps(path, 7);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

static void test_parse_file_reads_policy(void **state)
{
	const char *text = strstr(spec_example, "serial"); /* no policy line */
	char *path = write_temp(text, strlen(text));
	struct policy *p;
	struct diag d;
	char *base;

	(void)state;
	diag_init(&d, NULL, NULL);
	assert_int_equal(policy_parse_file(path, &p, &d), 0);
	assert_int_equal(d.errors, 0);
	assert_string_equal(d.file, path);
	assert_string_equal(p->file, path);
	assert_false(p->exceptions_only);
	base = strrchr(path, '/') + 1;
	base[strlen(base) - 7] = '\0';
	assert_string_equal(p->name, base);
	assert_int_equal(p->n_apps, 2);
	policy_free(p);
	base[strlen(base)] = '.';
	unlink(path);
	free(path);
}

static void test_parse_file_as_layer_reads_exceptions_file(void **state)
{
	char *path = write_temp(EXC_FILE, strlen(EXC_FILE));
	struct policy *p;
	struct diag d;

	(void)state;
	diag_init(&d, NULL, NULL);
	assert_int_equal(policy_parse_file(path, &p, &d), -EINVAL);
	assert_null(p);
	assert_non_null(strstr(d.last, "this is an exceptions file"));
	diag_init(&d, NULL, NULL);
	assert_int_equal(policy_parse_file_as(path, POLICY_PARSE_LAYER, &p, &d), 0);
	assert_int_equal(d.errors, 0);
	assert_true(p->exceptions_only);
	assert_string_equal(p->file, path);
	policy_free(p);
	unlink(path);
	free(path);
}

static void test_parse_file_reports_unreadable_file(void **state)
{
	struct policy *p = (struct policy *)1;
	struct run r;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.f = open_memstream(&r.out, &r.out_len);
	diag_init(&r.d, r.f, "t.policy");
	assert_int_equal(policy_parse_file("/nonexistent/x.policy", &p, &r.d), -ENOENT);
	assert_null(p);
	fflush(r.f);
	expect(&r, "1:1: error: cannot open policy file: No such file or directory");
	assert_int_equal(policy_parse_file("/", &p, &r.d), -EISDIR);
	fflush(r.f);
	expect(&r, "1:1: error: cannot read policy file: Is a directory");
	assert_int_equal(r.d.errors, 2);
	done(&r);
}

static void test_parse_file_rejects_over_256_mib(void **state)
{
	char *path = write_temp("#", 1);
	struct policy *p;
	struct diag d;

	(void)state;
	assert_int_equal(truncate(path, (256 << 20) + 1), 0);
	diag_init(&d, NULL, "t.policy");
	assert_int_equal(policy_parse_file(path, &p, &d), -EFBIG);
	assert_null(p);
	assert_int_equal(d.errors, 1);
	assert_non_null(strstr(d.last, "larger than 256 MiB"));
	/* Exactly 256 MiB is read (and refused only for having no app). */
	assert_int_equal(truncate(path, 256 << 20), 0);
	diag_init(&d, NULL, "t.policy");
	assert_int_equal(policy_parse_file(path, &p, &d), -EINVAL);
	assert_int_equal(d.errors, 2); /* a NUL byte, then no app */
	unlink(path);
	free(path);
}

static void test_policy_free_accepts_null(void **state)
{
	(void)state;
	policy_free(NULL);
}

static void test_ident_kind_str_names_every_kind(void **state)
{
	(void)state;
	assert_string_equal(ident_kind_str(IDENT_PATH), "path");
	assert_string_equal(ident_kind_str(IDENT_DIR), "dir");
	assert_string_equal(ident_kind_str(IDENT_SHA256), "sha256");
	assert_string_equal(ident_kind_str(IDENT_NAME), "name");
	assert_string_equal(ident_kind_str(IDENT_FLATPAK), "flatpak");
	assert_string_equal(ident_kind_str(IDENT_SNAP), "snap");
	assert_string_equal(ident_kind_str((enum ident_kind)99), "unknown");
}

static void test_app_action_str_names_every_action(void **state)
{
	(void)state;
	assert_string_equal(app_action_str(APP_ACTION_NONE), "none");
	assert_string_equal(app_action_str(APP_ACTION_DENY_EXEC), "deny exec");
	assert_string_equal(app_action_str(APP_ACTION_DENY_NETWORK), "deny network");
	assert_string_equal(app_action_str(APP_ACTION_AUDIT), "audit");
	assert_string_equal(app_action_str((enum app_action)99), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_example_from_spec),
		cmocka_unit_test(test_parse_every_identifier_kind),
		cmocka_unit_test(test_parse_every_action),
		cmocka_unit_test(test_parse_defaults_when_statements_absent),
		cmocka_unit_test(test_parse_default_name_is_file_base_name),
		cmocka_unit_test(test_parse_mode_enforce_and_monitor),
		cmocka_unit_test(test_parse_rejects_unknown_mode),
		cmocka_unit_test(test_parse_serial_accepts_whole_u64_range),
		cmocka_unit_test(test_parse_rejects_serial_not_u64),
		cmocka_unit_test(test_parse_accepts_names_of_63_chars),
		cmocka_unit_test(test_parse_rejects_names_of_64_chars),
		cmocka_unit_test(test_parse_rejects_invalid_name),
		cmocka_unit_test(test_parse_accepts_quoted_names),
		cmocka_unit_test(test_parse_string_escapes),
		cmocka_unit_test(test_parse_rejects_bad_escape),
		cmocka_unit_test(test_parse_rejects_unterminated_string),
		cmocka_unit_test(test_parse_path_as_word_or_string),
		cmocka_unit_test(test_parse_hash_in_string_is_not_comment),
		cmocka_unit_test(test_parse_comments_anywhere),
		cmocka_unit_test(test_parse_crlf),
		cmocka_unit_test(test_parse_sha256_any_case_stored_lowercase),
		cmocka_unit_test(test_parse_rejects_bad_sha256),
		cmocka_unit_test(test_parse_rejects_relative_path),
		cmocka_unit_test(test_parse_rejects_bad_name_flatpak_and_snap),
		cmocka_unit_test(test_parse_allow_every_statement),
		cmocka_unit_test(test_parse_allow_may_precede_its_app),
		cmocka_unit_test(test_parse_until_is_end_of_day_utc),
		cmocka_unit_test(test_parse_does_not_check_until_in_past),
		cmocka_unit_test(test_parse_rejects_invalid_until),
		cmocka_unit_test(test_parse_expires_is_end_of_day_utc),
		cmocka_unit_test(test_parse_does_not_check_expires_in_past),
		cmocka_unit_test(test_parse_rejects_expires_twice),
		cmocka_unit_test(test_parse_rejects_invalid_expires),
		cmocka_unit_test(test_parse_uid_gid_range),
		cmocka_unit_test(test_parse_rejects_app_without_action),
		cmocka_unit_test(test_parse_rejects_two_actions),
		cmocka_unit_test(test_parse_rejects_app_without_identifier),
		cmocka_unit_test(test_parse_rejects_unknown_action),
		cmocka_unit_test(test_parse_deny_fileless_exec_is_policy_wide),
		cmocka_unit_test(test_parse_rejects_duplicate_app),
		cmocka_unit_test(test_parse_rejects_duplicate_allow),
		cmocka_unit_test(test_parse_app_and_allow_names_are_separate),
		cmocka_unit_test(test_parse_rejects_unknown_app_in_allow),
		cmocka_unit_test(test_parse_rejects_unknown_statement),
		cmocka_unit_test(test_parse_unknown_statement_in_block_adds_no_missing_errors),
		cmocka_unit_test(test_parse_rejects_statement_outside_its_block),
		cmocka_unit_test(test_parse_rejects_unterminated_block),
		cmocka_unit_test(test_parse_recovers_from_missing_close_brace),
		cmocka_unit_test(test_parse_rejects_missing_open_brace),
		cmocka_unit_test(test_parse_rejects_close_brace_without_block),
		cmocka_unit_test(test_parse_rejects_text_after_close_brace),
		cmocka_unit_test(test_parse_rejects_close_brace_not_alone),
		cmocka_unit_test(test_parse_rejects_statement_after_open_brace),
		cmocka_unit_test(test_parse_rejects_junk_after_argument),
		cmocka_unit_test(test_parse_rejects_missing_argument),
		cmocka_unit_test(test_parse_rejects_policy_without_app),
		cmocka_unit_test(test_parse_exceptions_file_alone_is_an_error),
		cmocka_unit_test(test_parse_exceptions_file_as_layer),
		cmocka_unit_test(test_parse_layer_flag_changes_nothing_for_a_base),
		cmocka_unit_test(test_parse_exceptions_file_refuses_mode_and_fileless_exec),
		cmocka_unit_test(test_parse_rejects_allow_without_app_or_principal),
		cmocka_unit_test(test_parse_rejects_repeated_statements),
		cmocka_unit_test(test_parse_rejects_invalid_utf8),
		cmocka_unit_test(test_parse_rejects_nul_byte),
		cmocka_unit_test(test_parse_rejects_control_character),
		cmocka_unit_test(test_parse_rejects_comma),
		cmocka_unit_test(test_parse_counts_columns_in_code_points),
		cmocka_unit_test(test_parse_accepts_byte_order_mark),
		cmocka_unit_test(test_parse_block_line_with_lexical_error_still_opens_block),
		cmocka_unit_test(test_parse_rejects_overlong_path_and_base_name),
		cmocka_unit_test(test_parse_ignores_errors_counted_before),
		cmocka_unit_test(test_parse_reports_all_errors_with_positions),
		cmocka_unit_test(test_parse_long_line),
		cmocka_unit_test(test_parse_messages_escape_and_cut_long_texts),
		cmocka_unit_test(test_parse_many_apps),
		cmocka_unit_test(test_parse_survives_mutated_inputs),
		cmocka_unit_test(test_parse_buf_rejects_over_256_mib),
		cmocka_unit_test(test_parse_file_reads_policy),
		cmocka_unit_test(test_parse_file_as_layer_reads_exceptions_file),
		cmocka_unit_test(test_parse_file_reports_unreadable_file),
		cmocka_unit_test(test_parse_file_rejects_over_256_mib),
		cmocka_unit_test(test_policy_free_accepts_null),
		cmocka_unit_test(test_ident_kind_str_names_every_kind),
		cmocka_unit_test(test_app_action_str_names_every_action),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
