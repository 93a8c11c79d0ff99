// SPDX-License-Identifier: GPL-2.0
/* Unit tests of scan.c: SHA-256 vectors, digests in hex, and scans of a tree
 * this test makes (executables found, links not followed, problems counted),
 * with the cache answering for what did not change. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/log.h"
#include "content/scan.h"

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	(void)lvl;
	(void)fmt;
}

#define EMPTY_SHA "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define ABC_SHA "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define MILLION_A_SHA "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
#define SCRIPT "#!/bin/sh\necho hi\n"

struct tree {
	char dir[64];
};

static void put(const char *dir, const char *name, const void *buf, size_t len, mode_t mode)
{
	char p[256];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void link_at(const char *dir, const char *target, const char *name)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	assert_int_equal(symlink(target, p), 0);
}

static void mkdir_at(const char *dir, const char *name, mode_t mode)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	assert_int_equal(mkdir(p, mode), 0);
	assert_int_equal(chmod(p, mode), 0);
}

/*
 * dir/
 *   x1		0755 script		hashed
 *   x1hard	hard link to x1		counted as a link
 *   data	0644 text		not executable
 *   elf	0644 ELF magic		hashed by the default rule only
 *   script	0644 "#!"		hashed by the default rule only
 *   empty	0755 empty		hashed (the empty digest)
 *   ln		-> x1			symbolic link, not followed
 *   usr	-> /usr			not followed
 *   loop	-> loop, a -> b, b -> a	loops, not followed
 *   fifo				special, never opened
 *   sub/deep/x2 0700 script	hashed
 */
static int setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));
	char p[256], q[256];

	if (!t)
		return -1;
	strcpy(t->dir, "/tmp/appban-scan-XXXXXX");
	if (!mkdtemp(t->dir) || chmod(t->dir, 0755))
		return -1;
	put(t->dir, "x1", SCRIPT, strlen(SCRIPT), 0755);
	snprintf(p, sizeof(p), "%s/x1", t->dir);
	snprintf(q, sizeof(q), "%s/x1hard", t->dir);
	if (link(p, q))
		return -1;
	put(t->dir, "data", "hello\n", 6, 0644);
	put(t->dir, "elf", "\177ELF\2\1\1", 7, 0644);
	put(t->dir, "script", "#!/bin/true\n", 12, 0644);
	put(t->dir, "empty", "", 0, 0755);
	link_at(t->dir, "x1", "ln");
	link_at(t->dir, "/usr", "usr");
	link_at(t->dir, "loop", "loop");
	link_at(t->dir, "b", "a");
	link_at(t->dir, "a", "b");
	snprintf(p, sizeof(p), "%s/fifo", t->dir);
	if (mkfifo(p, 0755))
		return -1;
	mkdir_at(t->dir, "sub", 0755);
	mkdir_at(t->dir, "sub/deep", 0755);
	put(t->dir, "sub/deep/x2", SCRIPT "# 2\n", strlen(SCRIPT) + 4, 0700);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tree *t = *state;
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "chmod -R u+rwx '%s'; rm -rf '%s'", t->dir, t->dir);
	if (system(cmd))
		return -1;
	free(t);
	return 0;
}

static const struct scan_entry *find(const struct scan_result *r, const char *dir, const char *name)
{
	char p[256];
	size_t i;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	for (i = 0; i < r->n_entries; i++)
		if (!strcmp(r->entries[i].path, p))
			return &r->entries[i];
	return NULL;
}

static int scan_tree(const char *dir, enum scan_rule rule, struct hashcache *c,
		     struct scan_result *r)
{
	const char *roots[] = { dir };
	struct scan_opts o = {
		.roots = roots, .n_roots = 1, .threads = 2, .rule = rule, .cache = c, .collect = 1
	};

	return scan_run(&o, r);
}

static void hex_of(const struct scan_entry *e, char hex[65])
{
	assert_non_null(e);
	sha256_to_hex(e->sha256, hex);
}

static void test_sha256_hex_parse_and_print(void **state)
{
	const char *up = "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD";
	__u8 d[32], d2[32];
	char hex[65], bad[70];
	size_t pos = 999;

	(void)state;
	assert_int_equal(sha256_from_hex(ABC_SHA, 64, d, &pos), 0);
	assert_int_equal(d[0], 0xba);
	assert_int_equal(d[31], 0xad);
	sha256_to_hex(d, hex);
	assert_string_equal(hex, ABC_SHA);
	assert_int_equal(sha256_from_hex(up, 64, d2, NULL), 0);
	assert_memory_equal(d, d2, 32);

	strcpy(bad, ABC_SHA);
	bad[17] = 'g';
	assert_int_equal(sha256_from_hex(bad, 64, d, &pos), -EINVAL);
	assert_int_equal(pos, 17);
	bad[17] = ' ';
	assert_int_equal(sha256_from_hex(bad, 64, d, &pos), -EINVAL);
	assert_int_equal(pos, 17);
	assert_int_equal(sha256_from_hex(ABC_SHA, 63, d, &pos), -EINVAL);
	assert_int_equal(pos, 63);
	assert_int_equal(sha256_from_hex("", 0, d, &pos), -EINVAL);
	assert_int_equal(pos, 0);
	strcpy(bad, ABC_SHA);
	strcat(bad, "00");
	assert_int_equal(sha256_from_hex(bad, 66, d, &pos), -EINVAL);
	assert_int_equal(pos, 64);
	/* Nothing written on failure. */
	memset(d, 0x5a, 32);
	assert_int_equal(sha256_from_hex(bad, 66, d, NULL), -EINVAL);
	assert_int_equal(d[0], 0x5a);
}

/* scan_hash_fd of a file holding buf, as hex. */
static void hash_of(const char *dir, const void *buf, size_t len, char hex[65])
{
	char p[256];
	__u8 d[32];
	struct stat st;
	int fd;

	put(dir, "v", buf, len, 0644);
	snprintf(p, sizeof(p), "%s/v", dir);
	fd = open(p, O_RDONLY);
	assert_true(fd >= 0);
	/* The file position does not matter. */
	assert_int_equal(lseek(fd, 1, SEEK_SET) >= 0, 1);
	assert_int_equal(scan_hash_fd(fd, d, &st), 0);
	assert_int_equal(st.st_size, (off_t)len);
	close(fd);
	sha256_to_hex(d, hex);
}

static void test_scan_hash_fd_known_vectors(void **state)
{
	struct tree *t = *state;
	char hex[65], want[65], cmd[512], p[256];
	size_t big = 5 * 1024 * 1024 + 123, i;
	unsigned char *buf = malloc(big);
	unsigned int seed = 1;
	FILE *f;
	__u8 d[32];
	int fd;

	assert_non_null(buf);
	hash_of(t->dir, "", 0, hex);
	assert_string_equal(hex, EMPTY_SHA);
	hash_of(t->dir, "abc", 3, hex);
	assert_string_equal(hex, ABC_SHA);
	memset(buf, 'a', 1000000);
	hash_of(t->dir, buf, 1000000, hex);
	assert_string_equal(hex, MILLION_A_SHA);

	/* A multi-MB file that is not a multiple of the read size, against sha256sum. */
	for (i = 0; i < big; i++)
		buf[i] = (unsigned char)rand_r(&seed);
	hash_of(t->dir, buf, big, hex);
	snprintf(cmd, sizeof(cmd), "sha256sum '%s/v'", t->dir);
	f = popen(cmd, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%64s", want), 1);
	pclose(f);
	assert_string_equal(hex, want);
	free(buf);

	/* Not a regular file. */
	snprintf(p, sizeof(p), "%s/sub", t->dir);
	fd = open(p, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	assert_int_equal(scan_hash_fd(fd, d, NULL), -EINVAL);
	close(fd);
}

static void test_scan_finds_executables_and_follows_no_link(void **state)
{
	struct tree *t = *state;
	struct scan_result r;
	char hex[65];

	assert_int_equal(scan_tree(t->dir, SCAN_XBIT_OR_MAGIC, NULL, &r), 0);
	/* x1, elf, script, empty, x2 */
	assert_int_equal(r.n_entries, 5);
	assert_int_equal(r.st.hashed, 5);
	assert_int_equal(r.st.cached, 0);
	hex_of(find(&r, t->dir, "x1"), hex);
	assert_null(find(&r, t->dir, "x1hard"));
	assert_non_null(find(&r, t->dir, "elf"));
	assert_non_null(find(&r, t->dir, "script"));
	hex_of(find(&r, t->dir, "empty"), hex);
	assert_string_equal(hex, EMPTY_SHA);
	assert_non_null(find(&r, t->dir, "sub/deep/x2"));
	assert_null(find(&r, t->dir, "data"));
	assert_null(find(&r, t->dir, "ln"));
	assert_int_equal(r.st.files, 7);
	assert_int_equal(r.st.links, 1);
	assert_int_equal(r.st.not_exec, 1); /* data */
	assert_int_equal(r.st.issues[SCAN_I_SYMLINK], 5);
	assert_int_equal(r.st.issues[SCAN_I_SPECIAL], 1);
	assert_int_equal(r.st.dirs, 3);
	assert_int_equal(r.n_issues, 0);
	assert_int_equal(r.st.bytes_hashed, 2 * strlen(SCRIPT) + 4 + 7 + 12);
	scan_result_free(&r);

	/* What `find -perm /111` sees: x1, empty, x2. */
	assert_int_equal(scan_tree(t->dir, SCAN_XBIT_ONLY, NULL, &r), 0);
	assert_int_equal(r.n_entries, 3);
	assert_null(find(&r, t->dir, "elf"));
	assert_int_equal(r.st.not_exec, 3);
	scan_result_free(&r);
}

static void test_scan_entry_identity(void **state)
{
	struct tree *t = *state;
	const struct scan_entry *e;
	struct scan_result r;
	struct stat st;
	char p[256];

	assert_int_equal(scan_tree(t->dir, SCAN_XBIT_ONLY, NULL, &r), 0);
	snprintf(p, sizeof(p), "%s/x1", t->dir);
	assert_int_equal(stat(p, &st), 0);
	e = find(&r, t->dir, "x1");
	assert_non_null(e);
	assert_int_equal(e->ino, st.st_ino);
	assert_int_equal(e->dev >> 20, major(st.st_dev));
	assert_int_equal(e->dev & 0xfffff, minor(st.st_dev));
	assert_int_equal(e->size, st.st_size);
	scan_result_free(&r);
}

static void test_scan_cache_hit_reads_nothing_and_change_rehashes(void **state)
{
	struct tree *t = *state;
	struct hashcache *c = hashcache_new("/nonexistent/hashes");
	struct scan_result r;
	char hex1[65], hex2[65];

	assert_non_null(c);
	/* Files younger than SCAN_RACY_SEC are not cached: age them. */
	sleep(SCAN_RACY_SEC + 1);
	assert_int_equal(scan_tree(t->dir, SCAN_XBIT_OR_MAGIC, c, &r), 0);
	assert_int_equal(r.st.hashed, 5);
	hex_of(find(&r, t->dir, "x1"), hex1);
	scan_result_free(&r);
	/* 5 digests and data's "not executable". */
	assert_int_equal(hashcache_count(c), 6);

	assert_int_equal(scan_tree(t->dir, SCAN_XBIT_OR_MAGIC, c, &r), 0);
	assert_int_equal(r.st.hashed, 0);
	assert_int_equal(r.st.bytes_hashed, 0);
	assert_int_equal(r.st.cached, 5);
	assert_int_equal(r.st.not_exec, 1);
	assert_int_equal(r.n_entries, 5);
	hex_of(find(&r, t->dir, "x1"), hex2);
	assert_string_equal(hex1, hex2);
	assert_true(find(&r, t->dir, "x1")->from_cache);
	scan_result_free(&r);

	/* Rewritten, same size: a new change time, hashed again. */
	put(t->dir, "x1", "#!/bin/sh\necho ho\n", strlen(SCRIPT), 0755);
	assert_int_equal(scan_tree(t->dir, SCAN_XBIT_OR_MAGIC, c, &r), 0);
	assert_int_equal(r.st.hashed, 1);
	assert_int_equal(r.st.cached, 4);
	hex_of(find(&r, t->dir, "x1"), hex2);
	assert_string_not_equal(hex1, hex2);
	assert_false(find(&r, t->dir, "x1")->from_cache);
	scan_result_free(&r);
	hashcache_free(c);
}

/* A directory we cannot read is reported with its path, and the rest is
 * scanned. As root, the check runs in a child that gave up root. */
static void test_scan_reports_unreadable_dir(void **state)
{
	struct tree *t = *state;
	struct passwd *nobody = getpwnam("nobody");
	char locked[256], p[256];
	pid_t pid;
	int status;

	mkdir_at(t->dir, "locked", 0700);
	put(t->dir, "locked/hidden", SCRIPT, strlen(SCRIPT), 0755);
	snprintf(locked, sizeof(locked), "%s/locked", t->dir);
	assert_int_equal(chmod(locked, 0), 0);
	/* Readable by the child that gave up root. */
	snprintf(p, sizeof(p), "%s/sub/deep/x2", t->dir);
	assert_int_equal(chmod(p, 0755), 0);

	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		struct scan_result r;
		int ok;

		if (geteuid() == 0 && (!nobody || setgid(nobody->pw_gid) || setuid(nobody->pw_uid)))
			_exit(10);
		if (scan_tree(t->dir, SCAN_XBIT_ONLY, NULL, &r))
			_exit(11);
		ok = r.st.issues[SCAN_I_DIR_UNREADABLE] == 1 && r.n_issues == 1 &&
		     r.issues[0].kind == SCAN_I_DIR_UNREADABLE && r.issues[0].err == EACCES &&
		     !strcmp(r.issues[0].path, locked) && r.n_entries == 3;
		if (!ok)
			fprintf(stderr, "unreadable: %llu issues, %zu entries, first: %s %d\n",
				(unsigned long long)r.st.issues[SCAN_I_DIR_UNREADABLE], r.n_entries,
				r.n_issues ? r.issues[0].path : "-",
				r.n_issues ? r.issues[0].err : 0);
		_exit(ok ? 0 : 12);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_scan_missing_root_pseudo_fs_and_repeats(void **state)
{
	struct tree *t = *state;
	const char *roots[] = { "/nonexistent-appban-root", "/proc", t->dir, t->dir };
	struct scan_opts o = { .roots = roots, .n_roots = 4, .threads = 1, .collect = 1 };
	struct scan_result r;

	assert_int_equal(scan_run(&o, &r), 0);
	assert_int_equal(r.st.issues[SCAN_I_ROOT_MISSING], 1);
	assert_int_equal(r.st.issues[SCAN_I_PSEUDO_FS], 1);
	assert_int_equal(r.st.issues[SCAN_I_SEEN_DIR], 1);
	assert_int_equal(r.n_entries, 5);
	scan_result_free(&r);
}

static int n_done, n_calls;

static void count_progress(const struct scan_progress *p, void *ctx)
{
	(void)ctx;
	n_calls++;
	n_done += p->done;
}

static void test_scan_progress_and_summary(void **state)
{
	struct tree *t = *state;
	const char *roots[] = { t->dir };
	struct scan_opts o = { .roots = roots, .n_roots = 1, .progress = count_progress };
	struct scan_printer pr;
	struct scan_result r;
	char buf[4096];
	FILE *f;
	size_t n;

	assert_int_equal(scan_run(&o, &r), 0);
	assert_int_equal(n_done, 1);
	assert_true(n_calls >= 1);
	scan_result_free(&r);

	/* Not a terminal: one summary line, nothing else. */
	f = tmpfile();
	assert_non_null(f);
	scan_printer_init(&pr, f);
	assert_int_equal(pr.tty, 0);
	o.progress = scan_print_progress;
	o.progress_ctx = &pr;
	assert_int_equal(scan_run(&o, &r), 0);
	scan_result_free(&r);
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_non_null(strstr(buf, "appban: scan: 5 executables (5 hashed, 0 from cache)"));
	assert_non_null(strstr(buf, "5 symbolic links"));
	assert_non_null(strchr(buf, '\n'));
	assert_ptr_equal(strchr(buf, '\n'), buf + n - 1);
}

static void test_scan_stops_when_asked(void **state)
{
	struct tree *t = *state;
	const char *roots[] = { t->dir };
	volatile int stop = 1;
	struct scan_opts o = { .roots = roots, .n_roots = 1, .stop = &stop };
	struct scan_result r;

	assert_int_equal(scan_run(&o, &r), -EINTR);
	assert_int_equal(r.st.hashed, 0);
	scan_result_free(&r);
}

/* SHA-256 of buf, in hex, through a temporary file. */
static void digest_of(const void *buf, size_t len, char hex[65])
{
	FILE *f = tmpfile();
	__u8 d[32];

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fflush(f), 0);
	assert_int_equal(scan_hash_fd(fileno(f), d, NULL), 0);
	fclose(f);
	sha256_to_hex(d, hex);
}

static void path_in(const struct tree *t, const char *name, char p[256])
{
	snprintf(p, 256, "%s/%s", t->dir, name);
}

/* Scan t->dir through the cache file cpath, then save it. */
static void scan_saved(const struct tree *t, const char *cpath, enum scan_rule rule,
		       struct scan_result *r)
{
	struct hashcache *c;

	assert_int_equal(hashcache_load(cpath, &c), 0);
	assert_int_equal(scan_tree(t->dir, rule, c, r), 0);
	assert_int_equal(hashcache_save(c), 0);
	hashcache_free(c);
}

/*
 * What a second load must see although it opens no file whose cache entry
 * holds: a file rewritten in place (new change time and size), a file made
 * executable by chmod, a new file, a removed one; and a file rewritten in
 * the second it was first hashed (same size: only the "racy" rule saves it).
 * An unchanged tree leaves the cache file as it was (not rewritten).
 */
static void test_scan_second_scan_sees_every_change(void **state)
{
	struct tree *t = *state;
	const char *grown = SCRIPT "echo grown\n", *fresh2 = "#!/bin/sh\necho HI\n";
	struct scan_result r;
	char cpath[300], p[256], want[65], hex[65];
	struct stat a, b;
	int fd;

	snprintf(cpath, sizeof(cpath), "%s.cache", t->dir);
	unlink(cpath);
	sleep(SCAN_RACY_SEC + 1);
	scan_saved(t, cpath, SCAN_XBIT_OR_MAGIC, &r);
	assert_int_equal(r.st.hashed, 5);
	scan_result_free(&r);
	assert_int_equal(stat(cpath, &a), 0);

	/* Unchanged: all from the cache, and the cache file is left alone. */
	scan_saved(t, cpath, SCAN_XBIT_OR_MAGIC, &r);
	assert_int_equal(r.st.hashed, 0);
	assert_int_equal(r.st.cached, 5);
	assert_int_equal(r.st.not_exec, 1);
	scan_result_free(&r);
	assert_int_equal(stat(cpath, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(a.st_mtim.tv_sec, b.st_mtim.tv_sec);
	assert_int_equal(a.st_mtim.tv_nsec, b.st_mtim.tv_nsec);

	/* x1 rewritten in place (no new inode), data chmod'ed, a new file, x2 gone. */
	path_in(t, "x1", p);
	fd = open(p, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, grown, strlen(grown), 0), (ssize_t)strlen(grown));
	close(fd);
	path_in(t, "data", p);
	assert_int_equal(chmod(p, 0755), 0);
	put(t->dir, "sub/new", SCRIPT "# new\n", strlen(SCRIPT) + 6, 0755);
	path_in(t, "sub/deep/x2", p);
	assert_int_equal(unlink(p), 0);

	scan_saved(t, cpath, SCAN_XBIT_OR_MAGIC, &r);
	assert_int_equal(r.st.hashed, 3);
	assert_int_equal(r.st.cached, 3); /* elf, script, empty */
	assert_int_equal(r.st.not_exec, 0);
	assert_int_equal(r.n_entries, 6);
	assert_false(find(&r, t->dir, "x1")->from_cache);
	hex_of(find(&r, t->dir, "x1"), hex);
	digest_of(grown, strlen(grown), want);
	assert_string_equal(hex, want);
	hex_of(find(&r, t->dir, "data"), hex);
	digest_of("hello\n", 6, want);
	assert_string_equal(hex, want);
	assert_non_null(find(&r, t->dir, "sub/new"));
	assert_null(find(&r, t->dir, "sub/deep/x2"));
	scan_result_free(&r);
	assert_int_equal(stat(cpath, &b), 0);
	assert_int_not_equal(a.st_ino, b.st_ino); /* rewritten */

	/* Changed just now: hashed again until old enough, then cached. */
	scan_saved(t, cpath, SCAN_XBIT_OR_MAGIC, &r);
	assert_int_equal(r.st.hashed, 3);
	scan_result_free(&r);
	sleep(SCAN_RACY_SEC + 1);
	scan_saved(t, cpath, SCAN_XBIT_OR_MAGIC, &r);
	assert_int_equal(r.st.hashed, 3);
	scan_result_free(&r);
	scan_saved(t, cpath, SCAN_XBIT_OR_MAGIC, &r);
	assert_int_equal(r.st.hashed, 0);
	assert_int_equal(r.st.cached, 6);
	scan_result_free(&r);

	/* The x-bit rule stats every file too: chmod +x is seen. */
	put(t->dir, "later", "plain\n", 6, 0644);
	sleep(SCAN_RACY_SEC + 1);
	scan_saved(t, cpath, SCAN_XBIT_ONLY, &r);
	assert_null(find(&r, t->dir, "later"));
	scan_result_free(&r);
	path_in(t, "later", p);
	assert_int_equal(chmod(p, 0700), 0);
	scan_saved(t, cpath, SCAN_XBIT_ONLY, &r);
	assert_non_null(find(&r, t->dir, "later"));
	assert_false(find(&r, t->dir, "later")->from_cache);
	scan_result_free(&r);

	/* Written, hashed and rewritten with the same size in one second. */
	put(t->dir, "fresh", SCRIPT, strlen(SCRIPT), 0755);
	scan_saved(t, cpath, SCAN_XBIT_ONLY, &r);
	scan_result_free(&r);
	put(t->dir, "fresh", fresh2, strlen(fresh2), 0755);
	scan_saved(t, cpath, SCAN_XBIT_ONLY, &r);
	hex_of(find(&r, t->dir, "fresh"), hex);
	digest_of(fresh2, strlen(fresh2), want);
	assert_string_equal(hex, want);
	scan_result_free(&r);
	unlink(cpath);
}

/* Many directories, several threads: the same result as one thread, and
 * hard links to one file in different directories counted once. */
static void test_scan_threads_agree(void **state)
{
	struct tree *t = *state;
	const char *roots[] = { t->dir };
	struct scan_opts o = { .roots = roots, .n_roots = 1, .collect = 1 };
	struct scan_result r1, r4;
	char name[64], p[256], q[256];
	int i, j;
	size_t k;

	for (i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "w%d", i);
		mkdir_at(t->dir, name, 0755);
		for (j = 0; j < 12; j++) {
			snprintf(name, sizeof(name), "w%d/f%d", i, j);
			put(t->dir, name, name, strlen(name), j % 3 ? 0644 : 0755);
		}
		snprintf(p, sizeof(p), "%s/x1", t->dir);
		snprintf(q, sizeof(q), "%s/w%d/hard", t->dir, i);
		assert_int_equal(link(p, q), 0);
	}
	o.threads = 1;
	assert_int_equal(scan_run(&o, &r1), 0);
	o.threads = 4;
	assert_int_equal(scan_run(&o, &r4), 0);
	/* x1, elf, script, empty, x2 and 4 of every 12 files */
	assert_int_equal(r1.n_entries, 5 + 40 * 4);
	assert_int_equal(r4.n_entries, r1.n_entries);
	assert_int_equal(r4.st.dirs, 3 + 40);
	assert_int_equal(r4.st.files, r1.st.files);
	assert_int_equal(r4.st.links, 1 + 40);
	assert_int_equal(r4.st.not_exec, r1.st.not_exec);
	assert_memory_equal(r4.st.issues, r1.st.issues, sizeof(r1.st.issues));
	for (k = 0; k < r1.n_entries; k++) {
		const char *rel = r1.entries[k].path + strlen(t->dir) + 1;
		const struct scan_entry *e = find(&r4, t->dir, rel);

		/* A hard-linked file: whichever name came first. */
		if (!e && strstr(rel, "x1"))
			continue;
		assert_non_null(e);
		assert_memory_equal(e->sha256, r1.entries[k].sha256, 32);
	}
	scan_result_free(&r1);
	scan_result_free(&r4);
}

/* Directories more than SCAN_MAX_DEPTH below a root are not entered. */
static void test_scan_too_deep(void **state)
{
	struct tree *t = *state;
	struct scan_result r;
	int fd = open(t->dir, O_RDONLY | O_DIRECTORY), i, nfd;

	assert_true(fd >= 0);
	for (i = 1; i <= SCAN_MAX_DEPTH + 1; i++) {
		assert_int_equal(mkdirat(fd, "d", 0755), 0);
		nfd = openat(fd, "d", O_RDONLY | O_DIRECTORY);
		assert_true(nfd >= 0);
		close(fd);
		fd = nfd;
		if (i >= SCAN_MAX_DEPTH) { /* one file at the last level listed, one below */
			nfd = openat(fd, "x", O_WRONLY | O_CREAT, 0755);
			assert_true(nfd >= 0);
			assert_int_equal(write(nfd, SCRIPT, strlen(SCRIPT)),
					 (ssize_t)strlen(SCRIPT));
			close(nfd);
		}
	}
	close(fd);
	assert_int_equal(scan_tree(t->dir, SCAN_XBIT_ONLY, NULL, &r), 0);
	assert_int_equal(r.st.issues[SCAN_I_TOO_DEEP], 1);
	assert_int_equal(r.n_issues, 1);
	assert_int_equal(r.n_entries, 3 + 1);
	assert_int_equal(r.st.dirs, 3 + SCAN_MAX_DEPTH);
	scan_result_free(&r);
}

static void test_scan_default_roots(void **state)
{
	char **roots;
	int n, i, has_usr = 0, has_tmp = 0;

	(void)state;
	setenv("PATH", "/usr/bin:relative:/usr/local/bin:/opt/tool/bin", 1);
	assert_int_equal(scan_default_roots(&roots, &n), 0);
	for (i = 0; i < n; i++) {
		assert_true(roots[i][0] == '/');
		/* Held by /usr and /opt. */
		assert_string_not_equal(roots[i], "/usr/bin");
		assert_string_not_equal(roots[i], "/usr/local/bin");
		assert_string_not_equal(roots[i], "/opt/tool/bin");
		has_usr += !strcmp(roots[i], "/usr");
		has_tmp += !strcmp(roots[i], "/tmp");
	}
	assert_int_equal(has_usr, 1);
	assert_int_equal(has_tmp, 1);
	scan_roots_free(roots, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_hex_parse_and_print),
		cmocka_unit_test_setup_teardown(test_scan_hash_fd_known_vectors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_finds_executables_and_follows_no_link,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_entry_identity, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_scan_cache_hit_reads_nothing_and_change_rehashes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_reports_unreadable_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_missing_root_pseudo_fs_and_repeats, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_scan_progress_and_summary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_stops_when_asked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_second_scan_sees_every_change, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_scan_threads_agree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_too_deep, setup, teardown),
		cmocka_unit_test(test_scan_default_roots),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
