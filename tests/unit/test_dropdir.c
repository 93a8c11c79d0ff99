// SPDX-License-Identifier: GPL-2.0
/* Unit tests of fleet/dropdir.c: which names count, the inotify
 * notifications of a real directory, the listing with signatures, gzip
 * files (and gzip bombs and damaged ones refused). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "fleet/dropdir.h"
#include "util/file.h"

static char root[64];

static int setup(void **state)
{
	(void)state;
	strcpy(root, "/tmp/appban-test-drop.XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

static void put(const char *dir, const char *name, const void *buf, size_t len)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(file_write_atomic(path, buf, len, 0644, 1), 0);
}

/* gzip of text, made with zlib (gzip header: windowBits 16 + 15) */
static size_t gzip_of(const void *in, size_t len, unsigned char *out, size_t cap)
{
	z_stream zs = { 0 };

	assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, 16 + 15, 9, Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	deflateEnd(&zs);
	return zs.total_out;
}

static void t_names(void **state)
{
	(void)state;
	assert_true(dropdir_ignored(".hidden.policy"));
	assert_true(dropdir_ignored("a.policy~"));
	assert_true(dropdir_ignored("a.policy.tmp"));
	assert_true(dropdir_ignored("a.policy.part"));
	assert_true(dropdir_ignored(".a.policy.swp"));
	assert_true(dropdir_ignored("a.swp"));
	assert_false(dropdir_ignored("a.policy"));
	assert_false(dropdir_ignored("a.policy.minisig"));
}

static void t_watch_and_list(void **state)
{
	char dir[128], path[256];
	struct dropdir *d = NULL;
	struct drop_file *f = NULL;
	size_t n = 0;

	(void)state;
	/* made when missing */
	snprintf(dir, sizeof(dir), "%s/policy.d", root);
	assert_int_equal(dropdir_open(dir, &d), 0);
	assert_int_equal(dropdir_read(d), 0);
	/* temporary names and other files do not count */
	put(dir, "x.policy.tmp", "t", 1);
	put(dir, "notes.txt", "t", 1);
	assert_int_equal(dropdir_read(d), 0);
	/* a signature counts, also before its policy */
	put(dir, "base.policy.minisig", "sig", 3);
	assert_int_equal(dropdir_read(d), 1);
	assert_int_equal(dropdir_read(d), 0);
	/* file_write_atomic renames a temporary file in: moved-to counts */
	put(dir, "base.policy", "policy base\n", 12);
	put(dir, "exc.policy", "policy exc\n", 11);
	assert_int_equal(dropdir_read(d), 1);
	assert_int_equal(dropdir_list(d, &f, &n), 0);
	assert_int_equal(n, 2);
	snprintf(path, sizeof(path), "%s/base.policy", dir);
	assert_string_equal(f[0].path, path);
	assert_int_equal(f[0].err, 0);
	assert_string_equal(f[0].text, "policy base\n");
	assert_ptr_equal(f[0].text, f[0].raw);
	assert_int_equal(f[0].sig_len, 3);
	assert_memory_equal(f[0].sig, "sig", 3);
	assert_true(f[0].mtime_ns > 0);
	assert_null(f[1].sig);
	drop_files_free(f, n);
	/* removed */
	snprintf(path, sizeof(path), "%s/exc.policy", dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(dropdir_read(d), 1);
	assert_int_equal(dropdir_list(d, &f, &n), 0);
	assert_int_equal(n, 1);
	drop_files_free(f, n);
	dropdir_free(d);
	assert_int_equal(dropdir_open("relative", &d), -EINVAL);
}

static void t_gzip(void **state)
{
	static const char text[] = "policy gz\napp a {\n    name a\n    deny exec\n}\n";
	unsigned char gz[512], *bomb, *big;
	char dir[128], *out = NULL;
	struct dropdir *d = NULL;
	struct drop_file *f = NULL;
	size_t n = 0, len, out_len;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/policy.d", root);
	assert_int_equal(dropdir_open(dir, &d), 0);
	len = gzip_of(text, strlen(text), gz, sizeof(gz));
	put(dir, "gz.policy.gz", gz, len);
	/* a damaged one: a byte of its deflate data changed */
	gz[len / 2] ^= 0x55;
	put(dir, "hz.policy.gz", gz, len);
	assert_int_equal(dropdir_list(d, &f, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(f[0].err, 0);
	assert_int_equal(f[0].raw_len, len);
	assert_string_equal(f[0].text, text);
	assert_int_equal(f[1].err, -EBADMSG);
	drop_files_free(f, n);
	dropdir_free(d);
	/* a bomb: 100 MB of zeros in some 100 kB */
	big = calloc(1, 100u << 20);
	bomb = malloc(1u << 20);
	assert_non_null(big);
	assert_non_null(bomb);
	len = gzip_of(big, 100u << 20, bomb, 1u << 20);
	assert_true(len < (1u << 20));
	assert_int_equal(gunzip_buf((char *)bomb, len, DROP_FILE_MAX, &out, &out_len), -EFBIG);
	assert_null(out);
	/* up to the limit it is taken */
	assert_int_equal(gunzip_buf((char *)bomb, len, 100u << 20, &out, &out_len), 0);
	assert_int_equal(out_len, 100u << 20);
	free(out);
	/* not gzip; gzip with junk after it */
	assert_int_equal(gunzip_buf("policy x\n", 9, 100, &out, &out_len), -EBADMSG);
	len = gzip_of(text, strlen(text), gz, sizeof(gz));
	gz[len] = 'x';
	assert_int_equal(gunzip_buf((char *)gz, len + 1, 100, &out, &out_len), -EBADMSG);
	free(big);
	free(bomb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_names),
		cmocka_unit_test_setup_teardown(t_watch_and_list, setup, teardown),
		cmocka_unit_test_setup_teardown(t_gzip, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
