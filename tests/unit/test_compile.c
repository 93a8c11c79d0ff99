// SPDX-License-Identifier: GPL-2.0
/* Unit tests of compile.c: what a policy becomes in the maps, and what it
 * refuses, on files this test makes in its own temporary directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "compile.h"

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
	assert_int_equal(build("app a {\n"
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
	assert_int_equal(build("app a {\n flatpak org.example.Fake\n deny exec\n}\n", NULL, &c, &d), 0);
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
	assert_int_equal(build("app a {\n flatpak org.example.Fake\n deny exec\n}\n", NULL, &c, &d), 0);
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
	assert_int_equal(build("app a {\n snap fakesnap\n snap other\n deny exec\n}\n", NULL, &c, &d), 0);
	unsetenv("APPBAN_SYSROOT");
	assert_int_equal(count_match(c, APPBAN_MATCH_SNAP), 1);
	assert_int_equal(c->meta.n_idents[APPBAN_MATCH_SNAP], 2);
	assert_int_equal(d.warnings, 1); /* "other" is not installed */
	assert_non_null(strstr(d.last, "snap other is not installed"));
	compiled_free(c);
}

static void test_compile_refuses_allow_blocks_not_enforced_yet(void **state)
{
	struct compiled_policy *c = NULL;
	struct diag d;

	(void)state;
	assert_int_equal(build("app a {\n name zz-unit\n deny exec\n}\nallow x {\n app a\n uid 1000\n}\n",
			       NULL, &c, &d),
			 -EINVAL);
	assert_non_null(strstr(d.last, "not supported yet"));
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
	assert_int_equal(build("mode monitor\napp a {\n name zz-unit\n audit\n}\n", NULL, &c, &d), 0);
	assert_int_equal(c->meta.mode, APPBAN_MODE_MONITOR);
	assert_int_equal(c->apps[0].action, APPBAN_ACTION_AUDIT);
	compiled_free(c);
	assert_int_equal(build("app a {\n name zz-unit\n deny network\n}\n", NULL, &c, &d), 0);
	assert_int_equal(c->meta.mode, APPBAN_MODE_ENFORCE);
	assert_int_equal(c->apps[0].action, APPBAN_ACTION_DENY_NETWORK);
	compiled_free(c);
}

static int fake_resolve(void *ctx, int fd, __u32 *dev, __u64 *ino)
{
	int *calls = ctx;

	(void)fd;
	(*calls)++;
	*dev = 7;
	*ino = 4242;
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
	compiled_free(a);
	compiled_free(b);
	compiled_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_compile_path_gives_inode_and_parent_entry, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_compile_path_follows_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_compile_missing_file_in_existing_dir_still_caught_by_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compile_missing_dir_warns_and_is_retried, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_compile_rejects_path_that_is_a_directory, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_compile_rejects_dir_that_is_a_file, setup,
						teardown),
		cmocka_unit_test(test_compile_rejects_name_with_slash),
		cmocka_unit_test(test_compile_sha256_keeps_sorted_digests),
		cmocka_unit_test_setup_teardown(test_compile_flatpak_finds_every_installation, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_compile_flatpak_not_installed_warns, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_compile_snap_gives_its_directory, setup, teardown),
		cmocka_unit_test(test_compile_refuses_allow_blocks_not_enforced_yet),
		cmocka_unit_test(test_compile_monitor_forced_and_from_policy),
		cmocka_unit_test_setup_teardown(test_compile_uses_the_kernel_view_of_inodes, setup,
						teardown),
		cmocka_unit_test(test_compile_equal_tells_policies_apart),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
