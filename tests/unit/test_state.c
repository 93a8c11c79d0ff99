// SPDX-License-Identifier: GPL-2.0
/* Unit tests of fleet/state.c: the high-water marks (anti-rollback) and the
 * last good layers, in a temporary directory; a damaged mark is an error,
 * never "no mark". */
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
#include <unistd.h>

#include "fleet/state.h"
#include "util/file.h"

static char root[64];

static int setup(void **state)
{
	(void)state;
	strcpy(root, "/tmp/appban-test-state.XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

static void sha_of(uint8_t sha[32], int v)
{
	memset(sha, v, 32);
}

static void write_file(const char *rel, const char *text)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/state/%s", root, rel);
	assert_int_equal(file_write_atomic(path, text, strlen(text), 0600, 1), 0);
}

static void t_serials(void **state)
{
	struct fleet_state st;
	char dir[128];
	uint8_t a[32], b[32], got[32];
	uint64_t serial;

	(void)state;
	sha_of(a, 1);
	sha_of(b, 2);
	/* a nested directory is made, mode 0700 */
	snprintf(dir, sizeof(dir), "%s/state", root);
	assert_int_equal(state_open(&st, dir), 0);
	assert_int_equal(state_serial_get(&st, "fr-2023", &serial, got), -ENOENT);
	assert_int_equal(state_serial_check(&st, "fr-2023", 5, a), SERIAL_NEWER);
	assert_int_equal(state_serial_commit(&st, "fr-2023", 5, a), 0);
	assert_int_equal(state_serial_get(&st, "fr-2023", &serial, got), 0);
	assert_int_equal(serial, 5);
	assert_memory_equal(got, a, 32);
	assert_int_equal(state_serial_check(&st, "fr-2023", 6, b), SERIAL_NEWER);
	assert_int_equal(state_serial_check(&st, "fr-2023", 5, a), SERIAL_SAME);
	assert_int_equal(state_serial_check(&st, "fr-2023", 5, b), SERIAL_OTHER_BYTES);
	assert_int_equal(state_serial_check(&st, "fr-2023", 4, a), SERIAL_LOWER);
	assert_int_equal(state_serial_check(&st, "fr-2023", 0, a), SERIAL_LOWER);
	/* a commit never lowers the mark */
	assert_int_equal(state_serial_commit(&st, "fr-2023", 3, b), 0);
	assert_int_equal(state_serial_get(&st, "fr-2023", &serial, got), 0);
	assert_int_equal(serial, 5);
	assert_memory_equal(got, a, 32);
	/* the largest serial */
	assert_int_equal(state_serial_commit(&st, "max", UINT64_MAX, b), 0);
	assert_int_equal(state_serial_check(&st, "max", UINT64_MAX, b), SERIAL_SAME);
	/* names of each other do not mix; "." and ".." are names too */
	assert_int_equal(state_serial_check(&st, "other", 1, a), SERIAL_NEWER);
	assert_int_equal(state_serial_commit(&st, "..", 9, a), 0);
	assert_int_equal(state_serial_check(&st, "..", 8, a), SERIAL_LOWER);
	assert_int_equal(state_serial_check(&st, ".", 1, a), SERIAL_NEWER);
	/* not a policy name */
	assert_int_equal(state_serial_check(&st, "a/b", 1, a), -EINVAL);
	assert_int_equal(state_serial_commit(&st, "", 1, a), -EINVAL);
	assert_int_equal(state_open(&st, "relative/dir"), -EINVAL);
}

static void t_damaged_mark(void **state)
{
	static const char *const bad[] = {
		"",
		"5\n",
		"5 0101\n",
		"x 0101010101010101010101010101010101010101010101010101010101010101\n",
		"5 0101010101010101010101010101010101010101010101010101010101010101",
		"5 010101010101010101010101010101010101010101010101010101010101010g\n",
		"99999999999999999999999 0101010101010101010101010101010101010101010101010101010101010101\n",
		"5 0101010101010101010101010101010101010101010101010101010101010101\nextra\n",
	};
	struct fleet_state st;
	char dir[128];
	uint8_t a[32];
	size_t i;

	(void)state;
	sha_of(a, 1);
	snprintf(dir, sizeof(dir), "%s/state", root);
	assert_int_equal(state_open(&st, dir), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file("serials/damaged.serial", bad[i]);
		assert_int_equal(state_serial_check(&st, "damaged", 100, a), -EBADMSG);
		/* and a commit does not paper over it */
		assert_int_equal(state_serial_commit(&st, "damaged", 100, a), -EBADMSG);
	}
	write_file("serials/damaged.serial",
		   "5 0101010101010101010101010101010101010101010101010101010101010101\n");
	assert_int_equal(state_serial_check(&st, "damaged", 5, a), SERIAL_SAME);
}

static void t_layers(void **state)
{
	struct fleet_state st;
	struct state_layer *l = NULL;
	char dir[128], path[256];
	struct stat sb;
	size_t n = 9;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/state", root);
	assert_int_equal(state_open(&st, dir), 0);
	assert_int_equal(state_layers_load(&st, &l, &n), 0);
	assert_int_equal(n, 0);
	state_layers_free(l, n);
	assert_int_equal(
		state_layer_save(&st, "zeta", "policy zeta\n", 12, NULL, 0, "/d/zeta.policy"), 0);
	assert_int_equal(
		state_layer_save(&st, "base", "policy base\n", 12, "sig\n", 4, "/d/b.policy"), 0);
	/* a new version replaces the old one, and loses a signature it lacks */
	assert_int_equal(state_layer_save(&st, "zeta", "policy zeta\nserial 2\n", 21, "s2\n", 3,
					  "https://h/zeta.policy"),
			 0);
	assert_int_equal(state_layer_save(&st, "base", "policy base\nserial 2\n", 21, NULL, 0,
					  "/d/b.policy"),
			 0);
	snprintf(path, sizeof(path), "%s/layers/zeta.policy", dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(state_layers_load(&st, &l, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(l[0].name, "base");
	assert_string_equal(l[0].buf, "policy base\nserial 2\n");
	assert_null(l[0].sig);
	assert_string_equal(l[1].name, "zeta");
	assert_int_equal(l[1].len, 21);
	assert_string_equal(l[1].sig, "s2\n");
	assert_string_equal(l[1].origin, "https://h/zeta.policy");
	assert_string_equal(l[0].origin, "/d/b.policy");
	assert_int_equal(l[1].sig_len, 3);
	state_layers_free(l, n);
	/* dropped: gone with its signature; other files are not layers */
	assert_int_equal(state_layer_drop(&st, "zeta"), 0);
	assert_int_equal(state_layer_drop(&st, "never-saved"), 0);
	write_file("layers/notes.txt", "not a layer\n");
	write_file("layers/bad name.policy", "not a valid name\n");
	assert_int_equal(state_layers_load(&st, &l, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(l[0].name, "base");
	state_layers_free(l, n);
	snprintf(path, sizeof(path), "%s/layers/zeta.policy.minisig", dir);
	assert_int_not_equal(access(path, F_OK), 0);
}

static void t_file_read_all(void **state)
{
	char path[128], *buf = NULL;
	size_t len = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/f", root);
	assert_int_equal(file_write_atomic(path, "hello", 5, 0640, 1), 0);
	assert_int_equal(file_read_all(path, 5, &buf, &len), 0);
	assert_int_equal(len, 5);
	assert_string_equal(buf, "hello");
	free(buf);
	buf = NULL;
	assert_int_equal(file_read_all(path, 4, &buf, &len), -EFBIG);
	assert_null(buf);
	assert_int_equal(file_read_all(root, 4, &buf, &len), -EISDIR);
	snprintf(path, sizeof(path), "%s/missing", root);
	assert_int_equal(file_read_all(path, 4, &buf, &len), -ENOENT);
	/* a file in a directory that cannot be made */
	assert_int_equal(file_write_atomic("/proc/appban-no/f", "x", 1, 0600, 1), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(t_serials, setup, teardown),
		cmocka_unit_test_setup_teardown(t_damaged_mark, setup, teardown),
		cmocka_unit_test_setup_teardown(t_layers, setup, teardown),
		cmocka_unit_test_setup_teardown(t_file_read_all, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
