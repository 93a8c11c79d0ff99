// SPDX-License-Identifier: GPL-2.0
/* Unit tests of hashcache.c: round trips through memory and disk, and every
 * kind of damaged file refused with the right reason, never trusted. */
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
#include <zlib.h>

#include "content/hashcache.h"
#include "util/log.h"

/* log.c's interface, captured: the warnings are part of the contract. */
static char last_msg[1024];
static int n_msgs;

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	(void)lvl;
	va_start(ap, fmt);
	vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
	va_end(ap);
	n_msgs++;
}

static const struct hashcache_key k1 = { .dev = 8 << 20 | 1,
					 .ctime_nsec = 5,
					 .ino = 42,
					 .size = 1000,
					 .ctime_sec = 1700000000 };
static const struct hashcache_key k2 = { .dev = 8 << 20 | 1,
					 .ctime_nsec = 999999999,
					 .ino = 7,
					 .size = 0,
					 .ctime_sec = 1600000000 };
static const struct hashcache_key k3 = { .dev = 25, /* major 0: tmpfs */
					 .ctime_nsec = 0,
					 .ino = 3,
					 .size = 12,
					 .ctime_sec = 1700000001 };
static const __u8 d1[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
static const __u8 d3[32] = { 0xff, 0xee };

static struct hashcache *sample(void)
{
	struct hashcache *c = hashcache_new("/nonexistent/hashes");

	assert_non_null(c);
	assert_int_equal(hashcache_insert(c, &k1, d1, HC_F_DIGEST), 0);
	assert_int_equal(hashcache_insert(c, &k2, NULL, HC_F_NOT_EXEC), 0);
	assert_int_equal(hashcache_insert(c, &k3, d3, HC_F_DIGEST), 0);
	return c;
}

static void put32(__u8 *p, __u32 v)
{
	p[0] = (__u8)v;
	p[1] = (__u8)(v >> 8);
	p[2] = (__u8)(v >> 16);
	p[3] = (__u8)(v >> 24);
}

/* Recompute both checksums, so that a damaged field reaches its own check. */
static void fix_crcs(__u8 *b, size_t len)
{
	put32(b + 48,
	      (__u32)crc32(crc32(0, NULL, 0), b + HC_HEADER_SIZE, (uInt)(len - HC_HEADER_SIZE)));
	put32(b + 60, (__u32)crc32(crc32(0, NULL, 0), b, 60));
}

/* Parse buf into a fresh cache; returns the error, *n the entries. */
static enum hc_error parse(const void *buf, size_t len, size_t *n)
{
	struct hashcache *c = hashcache_new("/nonexistent/hashes");
	enum hc_error why = HC_OK;
	int err;

	assert_non_null(c);
	err = hashcache_parse(buf, len, c, &why);
	assert_true(err == 0 || err == -EINVAL);
	assert_int_equal(err == 0, why == HC_OK);
	if (err)
		assert_int_equal(hashcache_count(c), 0);
	if (n)
		*n = hashcache_count(c);
	hashcache_free(c);
	return why;
}

static void test_hashcache_lookup_needs_same_ctime_and_size(void **state)
{
	struct hashcache *c = sample();
	struct hashcache_key k = k1;
	__u8 d[32];
	__u32 flags;

	(void)state;

	assert_int_equal(hashcache_lookup(c, &k1, d, &flags), 1);
	assert_memory_equal(d, d1, 32);
	assert_int_equal(flags, HC_F_DIGEST);
	k.ctime_nsec++;
	assert_int_equal(hashcache_lookup(c, &k, d, &flags), 0);
	k = k1;
	k.size++;
	assert_int_equal(hashcache_lookup(c, &k, d, &flags), 0);
	k = k1;
	k.ino++;
	assert_int_equal(hashcache_lookup(c, &k, d, &flags), 0);
	assert_int_equal(hashcache_lookup(c, &k2, d, &flags), 1);
	assert_int_equal(flags, HC_F_NOT_EXEC);
	/* A newer version of the same inode replaces the entry. */
	k = k1;
	k.ctime_sec++;
	assert_int_equal(hashcache_insert(c, &k, d3, HC_F_DIGEST), 0);
	assert_int_equal(hashcache_count(c), 3);
	assert_int_equal(hashcache_lookup(c, &k1, d, &flags), 0);
	assert_int_equal(hashcache_lookup(c, &k, d, &flags), 1);
	assert_memory_equal(d, d3, 32);
	hashcache_free(c);
}

static void test_hashcache_grows_past_many_entries(void **state)
{
	struct hashcache *c = hashcache_new(NULL);
	struct hashcache_key k = k1;
	__u8 d[32] = { 0 };
	__u32 i;

	(void)state;

	assert_non_null(c);
	assert_string_equal(hashcache_path(c), HASHCACHE_DEFAULT_PATH);
	for (i = 0; i < 50000; i++) {
		k.ino = i * 7919ULL;
		memcpy(d, &i, sizeof(i));
		assert_int_equal(hashcache_insert(c, &k, d, HC_F_DIGEST), 0);
	}
	for (i = 0; i < 50000; i++) {
		__u8 got[32];

		k.ino = i * 7919ULL;
		assert_int_equal(hashcache_lookup(c, &k, got, NULL), 1);
		assert_memory_equal(got, &i, sizeof(i));
	}
	hashcache_free(c);
}

static void test_hashcache_round_trip_in_memory(void **state)
{
	struct hashcache *c = sample(), *c2;
	enum hc_error why;
	void *buf;
	size_t len;
	__u8 d[32];
	__u32 flags;

	(void)state;

	assert_int_equal(hashcache_serialize(c, &buf, &len), 0);
	assert_int_equal(len, HC_HEADER_SIZE + 3 * HC_ENTRY_SIZE);
	assert_memory_equal(buf, HC_MAGIC, 8);
	c2 = hashcache_new("/nonexistent/hashes");
	assert_int_equal(hashcache_parse(buf, len, c2, &why), 0);
	assert_int_equal(hashcache_count(c2), 3);
	assert_int_equal(hashcache_lookup(c2, &k1, d, &flags), 1);
	assert_memory_equal(d, d1, 32);
	assert_int_equal(hashcache_lookup(c2, &k2, d, &flags), 1);
	assert_int_equal(flags, HC_F_NOT_EXEC);
	/* Same boot: a major-0 device is kept. */
	assert_int_equal(hashcache_lookup(c2, &k3, d, &flags), 1);
	assert_memory_equal(d, d3, 32);
	free(buf);
	hashcache_free(c);
	hashcache_free(c2);
}

static void test_hashcache_other_boot_drops_major_zero_devices(void **state)
{
	struct hashcache *c = sample();
	void *buf;
	size_t len, n;

	(void)state;

	assert_int_equal(hashcache_serialize(c, &buf, &len), 0);
	((__u8 *)buf)[32] ^= 0x55; /* boot id */
	fix_crcs(buf, len);
	assert_int_equal(parse(buf, len, &n), HC_OK);
	assert_int_equal(n, 2);
	free(buf);
	hashcache_free(c);
}

static void test_hashcache_rejects_damage_with_the_right_error(void **state)
{
	struct hashcache *c = sample();
	__u8 *buf, *b;
	size_t len, n;

	(void)state;

	assert_int_equal(hashcache_serialize(c, (void **)&buf, &len), 0);
	b = malloc(len + 1);
	assert_non_null(b);
	assert_int_equal(parse(buf, len, &n), HC_OK);
	assert_int_equal(n, 3);

	assert_int_equal(parse(buf, 0, NULL), HC_ERR_TRUNCATED);
	assert_int_equal(parse(buf, 7, NULL), HC_ERR_TRUNCATED);
	assert_int_equal(parse(buf, 40, NULL), HC_ERR_TRUNCATED);
	assert_int_equal(parse(buf, len - 1, NULL), HC_ERR_TRUNCATED);
	assert_int_equal(parse(buf, HC_HEADER_SIZE + HC_ENTRY_SIZE, NULL), HC_ERR_TRUNCATED);
	assert_int_equal(parse("#!/bin/sh\necho not a cache\n", 27, NULL), HC_ERR_MAGIC);

	memcpy(b, buf, len);
	b[0] = 'X';
	assert_int_equal(parse(b, len, NULL), HC_ERR_MAGIC);

	memcpy(b, buf, len);
	put32(b + 8, 2);
	assert_int_equal(parse(b, len, NULL), HC_ERR_VERSION);
	fix_crcs(b, len);
	assert_int_equal(parse(b, len, NULL), HC_ERR_VERSION);

	memcpy(b, buf, len);
	b[20] = 1; /* flags, checksum not updated */
	assert_int_equal(parse(b, len, NULL), HC_ERR_HEADER);
	memcpy(b, buf, len);
	put32(b + 16, 64); /* entry size, checksum updated */
	fix_crcs(b, len);
	assert_int_equal(parse(b, len, NULL), HC_ERR_HEADER);

	memcpy(b, buf, len);
	b[len] = 0;
	assert_int_equal(parse(b, len + 1, NULL), HC_ERR_LENGTH);

	/* A huge count must not be multiplied into an overflow. */
	memcpy(b, buf, len);
	memset(b + 24, 0xff, 8);
	fix_crcs(b, len);
	assert_int_equal(parse(b, len, NULL), HC_ERR_TRUNCATED);

	memcpy(b, buf, len);
	b[len - 1] ^= 1; /* a digest bit */
	assert_int_equal(parse(b, len, NULL), HC_ERR_CHECKSUM);

	memcpy(b, buf, len);
	put32(b + HC_HEADER_SIZE + 4, 1000000000); /* nanoseconds */
	fix_crcs(b, len);
	assert_int_equal(parse(b, len, NULL), HC_ERR_ENTRY);
	memcpy(b, buf, len);
	put32(b + HC_HEADER_SIZE + 32, 3); /* flags */
	fix_crcs(b, len);
	assert_int_equal(parse(b, len, NULL), HC_ERR_ENTRY);

	/* Entries swapped: out of order. Then one duplicated. */
	memcpy(b, buf, len);
	memcpy(b + HC_HEADER_SIZE, buf + HC_HEADER_SIZE + HC_ENTRY_SIZE, HC_ENTRY_SIZE);
	memcpy(b + HC_HEADER_SIZE + HC_ENTRY_SIZE, buf + HC_HEADER_SIZE, HC_ENTRY_SIZE);
	fix_crcs(b, len);
	assert_int_equal(parse(b, len, NULL), HC_ERR_ORDER);
	memcpy(b, buf, len);
	memcpy(b + HC_HEADER_SIZE + HC_ENTRY_SIZE, buf + HC_HEADER_SIZE, HC_ENTRY_SIZE);
	fix_crcs(b, len);
	assert_int_equal(parse(b, len, NULL), HC_ERR_ORDER);

	assert_string_equal(hc_error_str(HC_ERR_MAGIC), "not an appban hash cache (bad magic)");
	free(b);
	free(buf);
	hashcache_free(c);
}

/* Random bytes and random damage to a valid image, checksums repaired half
 * of the time so that the entry checks are reached: never a crash, never
 * an entry that was not in a well-formed image. */
static void test_hashcache_parse_survives_random_input(void **state)
{
	struct hashcache *c = sample();
	__u8 *img, *b;
	size_t len, n, i;
	unsigned int seed = 12345;

	(void)state;

	assert_int_equal(hashcache_serialize(c, (void **)&img, &len), 0);
	b = malloc(len + 256);
	assert_non_null(b);
	for (i = 0; i < 20000; i++) {
		size_t blen = (size_t)rand_r(&seed) % (len + 200), j;

		if (i & 1) {
			for (j = 0; j < blen; j++)
				b[j] = (__u8)rand_r(&seed);
			if (blen >= 8 && (i & 2))
				memcpy(b, HC_MAGIC, 8);
		} else {
			memcpy(b, img, len);
			blen = len;
			for (j = 0; j < 1 + (size_t)rand_r(&seed) % 4; j++)
				b[(size_t)rand_r(&seed) % len] = (__u8)rand_r(&seed);
			if (i & 2)
				fix_crcs(b, len);
		}
		parse(b, blen, &n);
		assert_true(n <= 3);
	}
	free(b);
	free(img);
	hashcache_free(c);
}

struct tmp {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct tmp *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	strcpy(t->dir, "/tmp/appban-hc-XXXXXX");
	if (!mkdtemp(t->dir))
		return -1;
	snprintf(t->path, sizeof(t->path), "%s/cache/hashes", t->dir);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tmp *t = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
	if (system(cmd))
		return -1;
	free(t);
	return 0;
}

static void write_file(const char *path, const void *buf, size_t len, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static void test_hashcache_save_load_prune(void **state)
{
	struct tmp *t = *state;
	struct hashcache *c, *c2;
	char cmd[256];
	struct stat st;
	__u8 d[32];

	/* A missing file: an empty cache, and no warning. */
	n_msgs = 0;
	assert_int_equal(hashcache_load(t->path, &c), 0);
	assert_int_equal(hashcache_count(c), 0);
	assert_int_equal(n_msgs, 0);
	assert_int_equal(hashcache_insert(c, &k1, d1, HC_F_DIGEST), 0);
	assert_int_equal(hashcache_insert(c, &k2, NULL, HC_F_NOT_EXEC), 0);
	assert_int_equal(hashcache_save(c), 0);
	hashcache_free(c);

	assert_int_equal(stat(t->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, HC_HEADER_SIZE + 2 * HC_ENTRY_SIZE);
	/* No temporary file left behind. */
	snprintf(cmd, sizeof(cmd), "test $(ls '%s/cache' | wc -l) = 1", t->dir);
	assert_int_equal(system(cmd), 0);

	assert_int_equal(hashcache_load(t->path, &c), 0);
	assert_int_equal(hashcache_count(c), 2);
	assert_int_equal(hashcache_lookup(c, &k1, d, NULL), 1);
	assert_memory_equal(d, d1, 32);
	/* Only k1 was met: k2's file is gone, dropped at save. */
	hashcache_prune_unseen(c);
	assert_int_equal(hashcache_save(c), 0);
	hashcache_free(c);
	assert_int_equal(hashcache_load(t->path, &c2), 0);
	assert_int_equal(hashcache_count(c2), 1);
	assert_int_equal(hashcache_lookup(c2, &k2, d, NULL), 0);
	hashcache_free(c2);
}

static void test_hashcache_load_reports_and_ignores_bad_files(void **state)
{
	struct tmp *t = *state;
	struct hashcache *c;
	char dir[128];
	void *img;
	size_t len;

	snprintf(dir, sizeof(dir), "%s/cache", t->dir);
	assert_int_equal(mkdir(dir, 0700), 0);

	write_file(t->path, "not a cache at all", 18, 0600);
	n_msgs = 0;
	assert_int_equal(hashcache_load(t->path, &c), 0);
	assert_int_equal(hashcache_count(c), 0);
	assert_int_equal(n_msgs, 1);
	assert_non_null(strstr(last_msg, t->path));
	assert_non_null(strstr(last_msg, "bad magic"));
	hashcache_free(c);

	c = sample();
	assert_int_equal(hashcache_serialize(c, &img, &len), 0);
	hashcache_free(c);
	write_file(t->path, img, len - 10, 0600);
	assert_int_equal(hashcache_load(t->path, &c), 0);
	assert_int_equal(hashcache_count(c), 0);
	assert_non_null(strstr(last_msg, "truncated"));
	hashcache_free(c);

	/* Writable by others: whoever can write it could hide a banned file. */
	write_file(t->path, img, len, 0666);
	assert_int_equal(hashcache_load(t->path, &c), 0);
	assert_int_equal(hashcache_count(c), 0);
	assert_non_null(strstr(last_msg, "writable only by it"));
	hashcache_free(c);

	write_file(t->path, img, len, 0600);
	assert_int_equal(hashcache_load(t->path, &c), 0);
	assert_int_equal(hashcache_count(c), 3);
	hashcache_free(c);

	/* A link is not followed. */
	assert_int_equal(unlink(t->path), 0);
	assert_int_equal(symlink("/etc/passwd", t->path), 0);
	n_msgs = 0;
	assert_int_equal(hashcache_load(t->path, &c), 0);
	assert_int_equal(hashcache_count(c), 0);
	assert_int_equal(n_msgs, 1);
	hashcache_free(c);
	free(img);
}

struct seen_digests {
	int n;
	struct hashcache_key k[4];
	__u8 d[4][32];
};

static int collect(const struct hashcache_key *k, const __u8 sha256[32], void *ctx)
{
	struct seen_digests *sd = ctx;

	assert_true(sd->n < 4);
	sd->k[sd->n] = *k;
	memcpy(sd->d[sd->n++], sha256, 32);
	return 0;
}

/* The swap's read of the cache: the same digests, in order, no index; what
 * needs the index is refused rather than answered wrong. */
static void test_hashcache_load_unindexed_for_digests_only(void **state)
{
	struct tmp *t = *state;
	struct seen_digests a = { 0 }, b = { 0 };
	struct hashcache *c;
	char dir[128];
	void *img;
	size_t len;
	__u8 d[32];

	snprintf(dir, sizeof(dir), "%s/cache", t->dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	c = sample();
	assert_int_equal(hashcache_serialize(c, &img, &len), 0);
	hashcache_free(c);
	write_file(t->path, img, len, 0600);
	free(img);

	assert_int_equal(hashcache_load(t->path, &c), 0);
	assert_int_equal(hashcache_foreach_digest(c, collect, &a), 0);
	hashcache_free(c);
	assert_int_equal(hashcache_load_unindexed(t->path, &c), 0);
	assert_int_equal(hashcache_count(c), 3);
	assert_int_equal(hashcache_foreach_digest(c, collect, &b), 0);
	assert_int_equal(a.n, 2);
	assert_int_equal(b.n, 2);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_memory_equal(b.d[1], d1, 32);
	assert_int_equal(hashcache_lookup(c, &k1, d, NULL), 0);
	assert_int_equal(hashcache_insert(c, &k1, d1, HC_F_DIGEST), -EINVAL);
	assert_int_equal(hashcache_save(c), -EINVAL);
	hashcache_free(c);

	/* A damaged file: reported and empty, as with hashcache_load. */
	write_file(t->path, "not a cache at all", 18, 0600);
	n_msgs = 0;
	assert_int_equal(hashcache_load_unindexed(t->path, &c), 0);
	assert_int_equal(hashcache_count(c), 0);
	assert_int_equal(n_msgs, 1);
	hashcache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hashcache_lookup_needs_same_ctime_and_size),
		cmocka_unit_test(test_hashcache_grows_past_many_entries),
		cmocka_unit_test(test_hashcache_round_trip_in_memory),
		cmocka_unit_test(test_hashcache_other_boot_drops_major_zero_devices),
		cmocka_unit_test(test_hashcache_rejects_damage_with_the_right_error),
		cmocka_unit_test(test_hashcache_parse_survives_random_input),
		cmocka_unit_test_setup_teardown(test_hashcache_save_load_prune, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hashcache_load_unindexed_for_digests_only,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_hashcache_load_reports_and_ignores_bad_files,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
