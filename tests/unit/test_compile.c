// SPDX-License-Identifier: GPL-2.0
/* Unit tests of compile.c: what a policy becomes in the maps, and what it
 * refuses, on files this test makes in its own temporary directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "policy/allow.h"
#include "policy/compile.h"

struct fixture {
	char dir[64];
	char file[128];
	char text[4096];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	FILE *fp;

	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/appban-unit-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->file, sizeof(f->file), "%s/app", f->dir);
	fp = fopen(f->file, "w");
	if (!fp)
		return -1;
	fputs("#!/bin/sh\n", fp);
	fclose(fp);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd))
		return -1;
	free(f);
	return 0;
}

/* Parse and compile `text`; returns compile's result, diag in *d. */
static int build(const char *text, const struct compile_opts *o, struct compiled_policy **out,
		 struct diag *d)
{
	struct policy *p = NULL;
	int err;

	diag_init(d, NULL, "t.policy");
	err = policy_parse_buf("t.policy", text, strlen(text), &p, d);
	if (err)
		return err;
	err = policy_compile(p, o, out, d);
	policy_free(p);
	return err;
}

static void test_compile_path_gives_inode_and_parent_entry(void **state)
{
	struct fixture *f = *state;
	struct compiled_policy *c = NULL;
	struct stat st, pst;
	struct diag d;

	snprintf(f->text, sizeof(f->text), "app a {\n path %s\n deny exec\n}\n", f->file);
	assert_int_equal(build(f->text, NULL, &c, &d), 0);
	assert_int_equal(stat(f->file, &st), 0);
	assert_int_equal(stat(f->dir, &pst), 0);
	assert_int_equal(c->n_inodes, 1);
	assert_int_equal(c->inodes[0].key.ino, st.st_ino);
	assert_int_equal(c->inodes[0].key.dev, major(st.st_dev) << 20 | minor(st.st_dev));
	assert_int_equal(c->inodes[0].rule.match, APPBAN_MATCH_PATH);
	assert_int_equal(c->n_dirents, 1);
	assert_int_equal(c->dirents[0].key.parent_ino, pst.st_ino);
	assert_string_equal(c->dirents[0].key.name, "app");
	assert_int_equal(c->meta.n_idents[APPBAN_MATCH_PATH], 1);
	assert_int_equal(c->apps[0].action, APPBAN_ACTION_DENY_EXEC);
	assert_int_equal(c->unresolved, 0);
	assert_int_equal(d.warnings, 0);
	compiled_free(c);
}

static void test_compile_path_follows_symlink(void **state)
{
	struct fixture *f = *state;
	struct compiled_policy *c = NULL;
	char link[160];
	struct stat st;
	struct diag d;

	snprintf(link, sizeof(link), "%s/link", f->dir);
	assert_int_equal(symlink(f->file, link), 0);
	snprintf(f->text, sizeof(f->text), "app a {\n path %s\n deny exec\n}\n", link);
	assert_int_equal(build(f->text, NULL, &c, &d), 0);
	assert_int_equal(stat(f->file, &st), 0);
	assert_int_equal(c->inodes[0].key.ino, st.st_ino);
	assert_string_equal(c->dirents[0].key.name, "app");
	compiled_free(c);
}

static void test_compile_missing_file_in_existing_dir_still_caught_by_name(void **state)
{
	struct fixture *f = *state;
	struct compiled_policy *c = NULL;
	struct diag d;

	snprintf(f->text, sizeof(f->text), "app a {\n path %s/later\n deny exec\n}\n", f->dir);
	assert_int_equal(build(f->text, NULL, &c, &d), 0);
	assert_int_equal(c->n_inodes, 0);
	assert_int_equal(c->n_dirents, 1);
	assert_string_equal(c->dirents[0].key.name, "later");
	assert_int_equal(d.warnings, 1);
	assert_non_null(strstr(d.last, "does not exist"));
	assert_int_equal(c->unresolved, 1);
	compiled_free(c);
}

static void test_compile_missing_dir_warns_and_is_retried(void **state)
{
	struct fixture *f = *state;
	struct compiled_policy *c = NULL;
	struct diag d;

	snprintf(f->text, sizeof(f->text), "app a {\n dir %s/nope/deeper\n deny exec\n}\n", f->dir);
	assert_int_equal(build(f->text, NULL, &c, &d), 0);
	assert_int_equal(c->n_inodes, 0);
	assert_int_equal(d.warnings, 1);
	assert_int_equal(c->unresolved, 1);
	compiled_free(c);
}

static void test_compile_rejects_path_that_is_a_directory(void **state)
{
	struct fixture *f = *state;
	struct compiled_policy *c = NULL;
	struct diag d;

	snprintf(f->text, sizeof(f->text), "app a {\n path %s\n deny exec\n}\n", f->dir);
	assert_int_equal(build(f->text, NULL, &c, &d), -EINVAL);
	assert_null(c);
	assert_int_equal(d.errors, 1);
	assert_non_null(strstr(d.last, "is a directory"));
}

static void test_compile_rejects_dir_that_is_a_file(void **state)
{
	struct fixture *f = *state;
	struct compiled_policy *c = NULL;
	struct diag d;

	snprintf(f->text, sizeof(f->text), "app a {\n dir %s\n deny exec\n}\n", f->file);
	assert_int_equal(build(f->text, NULL, &c, &d), -EINVAL);
	assert_non_null(strstr(d.last, "not a directory"));
}

static void test_compile_rejects_name_with_slash(void **state)
{
	struct compiled_policy *c = NULL;
	struct diag d;

	(void)state;
	assert_int_equal(build("app a {\n name x/y\n deny exec\n}\n", NULL, &c, &d), -EINVAL);
	assert_non_null(strstr(d.last, "base name"));
}

static void test_compile_sha256_keeps_sorted_digests(void **state)
{
	struct compiled_policy *c = NULL;
	struct diag d;

	(void)state;
	assert_int_equal(
		build("app a {\n"
		      " sha256 9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08\n"
		      " deny exec\n}\n"
		      "app b {\n"
		      " sha256 0000000000000000000000000000000000000000000000000000000000000001\n"
		      " audit\n}\n",
		      NULL, &c, &d),
		0);
	assert_int_equal(c->n_digests, 2);
	assert_int_equal(c->digests[0].sha256[31], 1);
	assert_int_equal(c->digests[0].app, 1);
	assert_int_equal(c->digests[1].sha256[0], 0x9f);
	assert_int_equal(c->digests[1].app, 0);
	assert_int_equal(c->meta.n_idents[APPBAN_MATCH_SHA256], 2);
	/* files come from the content scan, not from the compiler */
	assert_int_equal(c->n_inodes, 0);
	compiled_free(c);
}

/* A file the kernel cannot hash is refused only where a sha256 rule could
 * deny it (bpf/content.h): the flag says so; audit-only digests do not set it. */
static void test_compile_sha256_deny_sets_meta_flag(void **state)
{
	static const char *const cases[][2] = { { "deny exec", "1" },
						{ "deny network", "1" },
						{ "audit", "0" } };
	struct compiled_policy *c = NULL;
	struct diag d;
	char text[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(
			text, sizeof(text),
			"app a {\n"
			" sha256 9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08\n"
			" %s\n}\n"
			"app b {\n name appban-unit-no-such-name\n deny exec\n}\n",
			cases[i][0]);
		assert_int_equal(build(text, NULL, &c, &d), 0);
		assert_int_equal(!!(c->meta.flags & APPBAN_META_SHA256_DENY),
				 cases[i][1][0] == '1');
		compiled_free(c);
	}
}

/* mkdir -p of f->dir/rel */
static void mkdirs(const struct fixture *f, const char *rel)
{
	char path[512], *p;

	snprintf(path, sizeof(path), "%s/%s", f->dir, rel);
	for (p = path + strlen(f->dir) + 1; (p = strchr(p, '/')); p++) {
		*p = 0;
		mkdir(path, 0755);
		*p = '/';
	}
	assert_int_equal(mkdir(path, 0755), 0);
}

static size_t count_match(const struct compiled_policy *c, __u8 match)
{
	size_t i, n = 0;

	for (i = 0; i < c->n_inodes; i++)
		n += c->inodes[i].rule.match == match;
	return n;
}

static void test_compile_flatpak_finds_every_installation(void **state)
{
	struct fixture *f = *state;
	struct compiled_policy *c = NULL;
	char conf[512];
	struct diag d;
	FILE *fp;

	mkdirs(f, "var/lib/flatpak/app/org.example.Fake/x86_64/stable");
	mkdirs(f, "home/alice/.local/share/flatpak/app/org.example.Fake");
	mkdirs(f, "home/bob/.local/share/flatpak/app/org.example.Other");
	mkdirs(f, "opt/fp/app/org.example.Fake");
	mkdirs(f, "etc/flatpak/installations.d");
	snprintf(conf, sizeof(conf), "%s/etc/flatpak/installations.d/extra.conf", f->dir);
	fp = fopen(conf, "w");
	assert_non_null(fp);
	fputs("[Installation \"extra\"]\nPath=/opt/fp\nDisplayName=Extra\n", fp);
	fclose(fp);
	setenv("APPBAN_SYSROOT", f->dir, 1);
	assert_int_equal(build("app a {\n flatpak org.example.Fake\n deny exec\n}\n", NULL, &c, &d),
			 0);
	unsetenv("APPBAN_SYSROOT");
	assert_non_null(c);
	/* system, alice's and the configured installation; not bob's other app */
	assert_int_equal(count_match(c, APPBAN_MATCH_FLATPAK), 3);
	assert_int_equal(c->meta.n_idents[APPBAN_MATCH_FLATPAK], 1);
	assert_int_equal(d.warnings, 0);
	/* a user may install it later */
	assert_true(c->unresolved);
	compiled_free(c);
}

static void test_compile_flatpak_not_installed_warns(void **state)
{
	struct fixture *f = *state;
	struct compiled_policy *c = NULL;
	struct diag d;

	setenv("APPBAN_SYSROOT", f->dir, 1);
	assert_int_equal(build("app a {\n flatpak org.example.Fake\n deny exec\n}\n", NULL, &c, &d),
			 0);
	unsetenv("APPBAN_SYSROOT");
	assert_int_equal(count_match(c, APPBAN_MATCH_FLATPAK), 0);
	assert_int_equal(d.warnings, 1);
	assert_non_null(strstr(d.last, "not installed"));
	assert_true(c->unresolved);
	compiled_free(c);
}

static void test_compile_snap_gives_its_directory(void **state)
{
	struct fixture *f = *state;
	struct compiled_policy *c = NULL;
	struct diag d;

	mkdirs(f, "snap/fakesnap/12");
	setenv("APPBAN_SYSROOT", f->dir, 1);
	assert_int_equal(
		build("app a {\n snap fakesnap\n snap other\n deny exec\n}\n", NULL, &c, &d), 0);
	unsetenv("APPBAN_SYSROOT");
	assert_int_equal(count_match(c, APPBAN_MATCH_SNAP), 1);
	assert_int_equal(c->meta.n_idents[APPBAN_MATCH_SNAP], 2);
	assert_int_equal(d.warnings, 1); /* "other" is not installed */
	assert_non_null(strstr(d.last, "snap other is not installed"));
	compiled_free(c);
}

#define ALLOW_APPS \
	"app a {\n name zz-unit-a\n deny exec\n}\napp b {\n name zz-unit-b\n deny network\n}\n"

static void test_compile_allow_gives_entries_per_app_and_id(void **state)
{
	struct compiled_policy *c = NULL;
	struct diag d;
	size_t i;

	(void)state;
	assert_int_equal(build(ALLOW_APPS "allow office {\n app a\n app b\n uid 1000\n gid 50\n}\n",
			       NULL, &c, &d),
			 0);
	assert_int_equal(c->meta.n_allows, 1);
	assert_string_equal(c->allows[0].name, "office");
	assert_int_equal(c->allows[0].until, 0);
	assert_int_equal(c->meta.n_exc_entries, 4);
	/* sorted by (gen, app, kind, id) */
	assert_int_equal(c->excs[0].key.app, 0);
	assert_int_equal(c->excs[0].key.kind, APPBAN_EXC_UID);
	assert_int_equal(c->excs[0].key.id, 1000);
	assert_int_equal(c->excs[1].key.app, 0);
	assert_int_equal(c->excs[1].key.kind, APPBAN_EXC_GID);
	assert_int_equal(c->excs[1].key.id, 50);
	assert_int_equal(c->excs[2].key.app, 1);
	assert_int_equal(c->excs[3].key.app, 1);
	for (i = 0; i < 4; i++) {
		assert_int_equal(c->excs[i].val.allow, 0);
		assert_int_equal(c->excs[i].val.until_boot_ns, 0);
	}
	compiled_free(c);
}

static void test_compile_allow_resolves_names_through_nss(void **state)
{
	struct compiled_policy *c = NULL;
	struct passwd *pw = getpwnam("nobody");
	struct group *gr = getgrnam("root");
	struct diag d;

	(void)state;
	assert_non_null(pw);
	assert_non_null(gr);
	assert_int_equal(build(ALLOW_APPS "allow office {\n app a\n user nobody\n group root\n}\n",
			       NULL, &c, &d),
			 0);
	assert_int_equal(c->meta.n_exc_entries, 2);
	assert_int_equal(c->excs[0].key.kind, APPBAN_EXC_UID);
	assert_int_equal(c->excs[0].key.id, pw->pw_uid);
	assert_int_equal(c->excs[1].key.kind, APPBAN_EXC_GID);
	assert_int_equal(c->excs[1].key.id, gr->gr_gid);
	compiled_free(c);
}

static void test_compile_allow_unknown_user_or_group_is_an_error(void **state)
{
	struct compiled_policy *c = NULL;
	struct diag d;
	char out[1024] = "";
	FILE *f;

	(void)state;
	assert_int_equal(build(ALLOW_APPS "allow office {\n app a\n user appban-no-such-user\n}\n",
			       NULL, &c, &d),
			 -EINVAL);
	assert_null(c);
	assert_string_equal(d.last, "unknown user \"appban-no-such-user\"");
	assert_int_equal(build(ALLOW_APPS
			       "allow office {\n app a\n group appban-no-such-group\n}\n",
			       NULL, &c, &d),
			 -EINVAL);
	assert_string_equal(d.last, "unknown group \"appban-no-such-group\"");
	/* at the place of the name: line 11, column 2 of the statement */
	f = fmemopen(out, sizeof(out) - 1, "w");
	assert_non_null(f);
	{
		const char *text = ALLOW_APPS
			"allow office {\n app a\n user appban-no-such-user\n}\n";
		struct policy *p = NULL;

		diag_init(&d, f, "t.policy");
		assert_int_equal(policy_parse_buf("t.policy", text, strlen(text), &p, &d), 0);
		assert_int_equal(policy_compile(p, NULL, &c, &d), -EINVAL);
		policy_free(p);
	}
	fclose(f);
	assert_non_null(strstr(out, "t.policy:11:"));
	assert_non_null(strstr(out, ": error: unknown user \"appban-no-such-user\""));
}

static void test_compile_allow_until_conversion(void **state)
{
	const int64_t s = 1000000000ll;

	(void)state;
	/* wall 1 day, boot 1000 s: wall 2 days is boot 1000 s + 1 day */
	assert_int_equal(allow_until_boot_ns_at(2 * 86400, 86400 * s, 1000 * s),
			 (86400 + 1000) * s);
	/* an end before the boot is long past, never 0 (0 means no end) */
	assert_int_equal(allow_until_boot_ns_at(10, 86400 * s, 1000 * s), 1);
	assert_int_equal(allow_until_boot_ns(0), 0);
	/* the test clock: 3 s before the end gives an end 3 s from the boot clock's now */
	setenv("APPBAN_TEST_NOW", "1577923197", 1);
	assert_int_equal(allow_now_wall_ns(), 1577923197 * s);
	{
		struct timespec bt;
		__u64 end = allow_until_boot_ns(1577923200), now;

		clock_gettime(CLOCK_BOOTTIME, &bt);
		now = (__u64)bt.tv_sec * s + bt.tv_nsec;
		assert_true(end > now + 2 * s && end <= now + 3 * s);
	}
	unsetenv("APPBAN_TEST_NOW");
}

static void test_compile_allow_until_past_is_a_warning_and_never_applies(void **state)
{
	struct compiled_policy *c = NULL;
	struct diag d;

	(void)state;
	/* until 2020-01-01 ends at 2020-01-02T00:00:00Z = 1577923200 */
	setenv("APPBAN_TEST_NOW", "1577923200", 1);
	assert_int_equal(build(ALLOW_APPS "allow office {\n app a\n uid 7\n until 2020-01-01\n}\n",
			       NULL, &c, &d),
			 0);
	assert_int_equal(d.warnings, 1);
	assert_non_null(strstr(d.last, "ended on 2020-01-01"));
	assert_int_equal(c->meta.n_allows, 1);
	assert_int_equal(c->allows[0].expired, 1);
	assert_int_equal(c->meta.n_exc_entries, 0);
	compiled_free(c);
	/* one second before its end it is in force */
	setenv("APPBAN_TEST_NOW", "1577923199", 1);
	assert_int_equal(build(ALLOW_APPS "allow office {\n app a\n uid 7\n until 2020-01-01\n}\n",
			       NULL, &c, &d),
			 0);
	assert_int_equal(d.warnings, 0);
	assert_int_equal(c->allows[0].until, 1577923200);
	assert_int_equal(c->meta.n_exc_entries, 1);
	compiled_free(c);
	unsetenv("APPBAN_TEST_NOW");
}

static void test_compile_allow_same_person_twice_keeps_the_longest(void **state)
{
	struct compiled_policy *c = NULL;
	struct diag d;

	(void)state;
	setenv("APPBAN_TEST_NOW", "1577836800", 1);
	assert_int_equal(build(ALLOW_APPS "allow short {\n app a\n uid 7\n until 2020-01-01\n}\n"
					  "allow long {\n app a\n uid 7\n}\n"
					  "allow mid {\n app a\n uid 7\n until 2030-01-01\n}\n",
			       NULL, &c, &d),
			 0);
	assert_int_equal(c->meta.n_allows, 3);
	assert_int_equal(c->meta.n_exc_entries, 1);
	assert_string_equal(c->allows[c->excs[0].val.allow].name, "long");
	compiled_free(c);
	unsetenv("APPBAN_TEST_NOW");
}

static void test_compile_expires_goes_to_meta(void **state)
{
	struct compiled_policy *c = NULL;
	struct diag d;

	(void)state;
	setenv("APPBAN_TEST_NOW", "1577836800", 1); /* 2020-01-01T00:00:00Z */
	assert_int_equal(build("expires 2026-12-31\napp a {\n name zz-unit\n deny exec\n}\n", NULL,
			       &c, &d),
			 0);
	assert_int_equal(d.warnings, 0);
	assert_true(c->meta.expires == 1798761600); /* 2027-01-01T00:00:00Z */
	compiled_free(c);
	/* none: 0, never stale */
	assert_int_equal(build("app a {\n name zz-unit\n deny exec\n}\n", NULL, &c, &d), 0);
	assert_true(c->meta.expires == 0);
	compiled_free(c);
	unsetenv("APPBAN_TEST_NOW");
}

static void test_compile_expires_past_is_a_warning_not_an_error(void **state)
{
	const char *text =
		"policy old\nexpires 2020-01-01\napp a {\n name zz-unit\n deny exec\n}\n";
	struct compiled_policy *c = NULL;
	struct policy *p = NULL;
	char out[1024] = "";
	struct diag d;
	FILE *f;

	(void)state;
	/* the end of 2020-01-01: stale from then on, not a second before */
	setenv("APPBAN_TEST_NOW", "1577923199", 1);
	assert_int_equal(build(text, NULL, &c, &d), 0);
	assert_int_equal(d.warnings, 0);
	compiled_free(c);
	setenv("APPBAN_TEST_NOW", "1577923200", 1);
	f = fmemopen(out, sizeof(out) - 1, "w");
	assert_non_null(f);
	diag_init(&d, f, "old.policy");
	assert_int_equal(policy_parse_buf("old.policy", text, strlen(text), &p, &d), 0);
	assert_int_equal(policy_compile(p, NULL, &c, &d), 0);
	policy_free(p);
	fclose(f);
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.warnings, 1);
	assert_non_null(strstr(
		out,
		"old.policy:2:9: warning: policy \"old\" expired on 2020-01-01 (expires is in the past): the policy is stale from the start"));
	/* still a whole policy: the rules and the day go in */
	assert_int_equal(c->n_names, 1);
	assert_true(c->meta.expires == 1577923200);
	compiled_free(c);
	unsetenv("APPBAN_TEST_NOW");
}

static void test_compile_monitor_forced_and_from_policy(void **state)
{
	struct compile_opts o = { .force_monitor = 1 };
	struct compiled_policy *c = NULL;
	struct diag d;

	(void)state;
	assert_int_equal(build("app a {\n name zz-unit\n deny exec\n}\n", &o, &c, &d), 0);
	assert_int_equal(c->meta.mode, APPBAN_MODE_MONITOR);
	compiled_free(c);
	assert_int_equal(build("mode monitor\napp a {\n name zz-unit\n audit\n}\n", NULL, &c, &d),
			 0);
	assert_int_equal(c->meta.mode, APPBAN_MODE_MONITOR);
	assert_int_equal(c->apps[0].action, APPBAN_ACTION_AUDIT);
	compiled_free(c);
	assert_int_equal(build("app a {\n name zz-unit\n deny network\n}\n", NULL, &c, &d), 0);
	assert_int_equal(c->meta.mode, APPBAN_MODE_ENFORCE);
	assert_int_equal(c->apps[0].action, APPBAN_ACTION_DENY_NETWORK);
	compiled_free(c);
}

static int fake_resolve(void *ctx, int fd, __u32 *dev, __u64 *ino, __s64 *igen)
{
	int *calls = ctx;

	(void)fd;
	(*calls)++;
	*dev = 7;
	*ino = 4242;
	*igen = 99;
	return 0;
}

static void test_compile_uses_the_kernel_view_of_inodes(void **state)
{
	struct fixture *f = *state;
	struct compiled_policy *c = NULL;
	int calls = 0;
	struct compile_opts o = { .resolve = fake_resolve, .resolve_ctx = &calls };
	struct diag d;

	snprintf(f->text, sizeof(f->text), "app a {\n path %s\n dir %s\n deny exec\n}\n", f->file,
		 f->dir);
	assert_int_equal(build(f->text, &o, &c, &d), 0);
	assert_int_equal(calls, 3); /* the file, its parent, the dir */
	assert_int_equal(c->inodes[0].key.dev, 7);
	assert_int_equal(c->inodes[0].key.ino, 4242);
	/* bound to the file's i_generation: not to a later file with its number */
	assert_int_equal(c->inodes[0].rule.bind, APPBAN_BIND_GEN);
	assert_int_equal(c->inodes[0].rule.igen, 99);
	assert_int_equal(c->dirents[0].key.parent_ino, 4242);
	compiled_free(c);
}

static void test_compile_equal_tells_policies_apart(void **state)
{
	struct compiled_policy *a = NULL, *b = NULL, *c = NULL;
	struct diag d;

	(void)state;
	assert_int_equal(build("app a {\n name zz-unit\n deny exec\n}\n", NULL, &a, &d), 0);
	assert_int_equal(build("app a {\n name zz-unit\n deny exec\n}\n", NULL, &b, &d), 0);
	assert_int_equal(build("app a {\n name zz-other\n deny exec\n}\n", NULL, &c, &d), 0);
	assert_true(compiled_equal(a, b));
	assert_false(compiled_equal(a, c));
	compiled_free(c);
	/* a new expires day is a new policy: status must show it */
	assert_int_equal(build("expires 2999-01-01\napp a {\n name zz-unit\n deny exec\n}\n", NULL,
			       &c, &d),
			 0);
	assert_false(compiled_equal(a, c));
	compiled_free(a);
	compiled_free(b);
	compiled_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_compile_path_gives_inode_and_parent_entry,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_compile_path_follows_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_compile_missing_file_in_existing_dir_still_caught_by_name, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_compile_missing_dir_warns_and_is_retried,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_compile_rejects_path_that_is_a_directory,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_compile_rejects_dir_that_is_a_file, setup,
						teardown),
		cmocka_unit_test(test_compile_rejects_name_with_slash),
		cmocka_unit_test(test_compile_sha256_keeps_sorted_digests),
		cmocka_unit_test(test_compile_sha256_deny_sets_meta_flag),
		cmocka_unit_test_setup_teardown(test_compile_flatpak_finds_every_installation,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_compile_flatpak_not_installed_warns, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_compile_snap_gives_its_directory, setup,
						teardown),
		cmocka_unit_test(test_compile_allow_gives_entries_per_app_and_id),
		cmocka_unit_test(test_compile_allow_resolves_names_through_nss),
		cmocka_unit_test(test_compile_allow_unknown_user_or_group_is_an_error),
		cmocka_unit_test(test_compile_allow_until_conversion),
		cmocka_unit_test(test_compile_allow_until_past_is_a_warning_and_never_applies),
		cmocka_unit_test(test_compile_allow_same_person_twice_keeps_the_longest),
		cmocka_unit_test(test_compile_expires_goes_to_meta),
		cmocka_unit_test(test_compile_expires_past_is_a_warning_not_an_error),
		cmocka_unit_test(test_compile_monitor_forced_and_from_policy),
		cmocka_unit_test_setup_teardown(test_compile_uses_the_kernel_view_of_inodes, setup,
						teardown),
		cmocka_unit_test(test_compile_equal_tells_policies_apart),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
