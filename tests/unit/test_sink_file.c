// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the sinks through their API (sink.c), the file sink for
 * real in a temp dir: rotation to PATH.1, PATH.2.gz... read back with
 * zlib, keep, compress no, a file moved away, a directory that is not
 * there (the sink retries, and says why); a stuck syslog receiver beside
 * it holds back nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <zlib.h>

#include "events/format.h"
#include "events/sink.h"

struct t {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	snprintf(t->dir, sizeof(t->dir), "/tmp/appban-sinkfile.XXXXXX");
	if (!mkdtemp(t->dir))
		return -1;
	snprintf(t->path, sizeof(t->path), "%s/events.json", t->dir);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", t->dir);
	if (system(cmd))
		return -1;
	free(t);
	return 0;
}

static struct fleet_sink file_sink(char *path, uint64_t max, unsigned int keep, int compress)
{
	struct fleet_sink c = {
		.kind = FLEET_SINK_FILE,
		.path = path,
		.max_size = max,
		.keep = keep,
		.compress = compress,
	};
	return c;
}

/* Record number i (process.pid = 1000 + i). */
static void push(struct sinks *s, int i)
{
	struct appban_event e = { .pid = 1000 + i, .uid = 1000, .ino = 7, .match = 1 };
	struct record r = {
		.kind = REC_EXEC_BLOCKED,
		.ts_real_ns = 1795420800123456789ull,
		.engine = "fallback",
		.policy_name = "p",
		.rule = "tiktok",
		.ev = &e,
	};
	char json[4096];
	int n;

	strcpy(e.comm, "tiktok");
	strcpy(e.filename, "/opt/tiktok");
	n = format_json(&r, json, sizeof(json));
	assert_true(n > 0);
	sinks_push(s, &r, json, (size_t)n, NULL, 0);
}

/* The pids of the records in a file (gzip or not: gzread reads both), in
 * order, appended to pids. Returns how many. */
static int read_pids(const char *path, int *pids, int max)
{
	gzFile g = gzopen(path, "rb");
	char line[8192];
	int n = 0;

	if (!g)
		return -1;
	while (gzgets(g, line, sizeof(line)) && n < max) {
		char *p = strstr(line, "\"process.pid\":");

		assert_non_null(p);
		assert_true(line[strlen(line) - 1] == '\n');
		pids[n++] = atoi(p + 14);
	}
	gzclose(g);
	return n;
}

static int is_gzip(const char *path)
{
	unsigned char m[2] = { 0 };
	FILE *f = fopen(path, "rb");
	int ok;

	if (!f)
		return 0;
	ok = fread(m, 1, 2, f) == 2 && m[0] == 0x1f && m[1] == 0x8b;
	fclose(f);
	return ok;
}

static int exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static void test_file_rotates_and_compresses(void **state)
{
	struct t *t = *state;
	struct fleet_sink c = file_sink(t->path, 2048, 3, 1);
	struct sinks *s = NULL;
	struct stat st;
	char name[160];
	int pids[4096], n = 0, k, i;

	assert_int_equal(sinks_new(&c, 1, &s), 0);
	for (i = 0; i < 100; i++)
		push(s, i);
	sinks_free(s);

	assert_int_equal(stat(t->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_true(st.st_size <= 2048);
	/* PATH.1 plain, PATH.2.gz and PATH.3.gz compressed, nothing beyond keep */
	snprintf(name, sizeof(name), "%s.1", t->path);
	assert_true(exists(name) && !is_gzip(name));
	snprintf(name, sizeof(name), "%s.2", t->path);
	assert_false(exists(name));
	snprintf(name, sizeof(name), "%s.4.gz", t->path);
	assert_false(exists(name));
	snprintf(name, sizeof(name), "%s.4", t->path);
	assert_false(exists(name));
	for (i = 3; i >= 2; i--) {
		snprintf(name, sizeof(name), "%s.%d.gz", t->path, i);
		assert_true(is_gzip(name));
		assert_int_equal(stat(name, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0640);
		k = read_pids(name, pids + n, 4096 - n);
		assert_true(k > 0);
		n += k;
	}
	snprintf(name, sizeof(name), "%s.1", t->path);
	n += read_pids(name, pids + n, 4096 - n);
	n += read_pids(t->path, pids + n, 4096 - n);
	/* what is kept is the newest records, each once, in order */
	assert_true(n > 4);
	assert_int_equal(pids[n - 1], 1099);
	for (i = 1; i < n; i++)
		assert_int_equal(pids[i], pids[i - 1] + 1);
}

static void test_file_keep_zero_and_no_compression(void **state)
{
	struct t *t = *state;
	char p2[160], name[170];
	struct fleet_sink c[2];
	struct sinks *s = NULL;
	struct stat st;
	int pids[4096], i;

	snprintf(p2, sizeof(p2), "%s/plain.json", t->dir);
	c[0] = file_sink(t->path, 1024, 0, 1);
	c[1] = file_sink(p2, 1024, 2, 0);
	assert_int_equal(sinks_new(c, 2, &s), 0);
	for (i = 0; i < 30; i++)
		push(s, i);
	sinks_free(s);
	assert_int_equal(stat(t->path, &st), 0);
	assert_true(st.st_size <= 1024 && st.st_size > 0);
	snprintf(name, sizeof(name), "%s.1", t->path);
	assert_false(exists(name));
	snprintf(name, sizeof(name), "%s.2", p2);
	assert_true(exists(name) && !is_gzip(name));
	snprintf(name, sizeof(name), "%s.2.gz", p2);
	assert_false(exists(name));
	assert_int_equal(pids[read_pids(p2, pids, 4096) - 1], 1029);
}

static uint64_t written(struct sinks *s)
{
	struct sink_stats st[1];

	assert_int_equal(sinks_stats(s, st, 1), 1);
	return st[0].written;
}

static void wait_written(struct sinks *s, uint64_t n)
{
	int i;

	for (i = 0; i < 500 && written(s) < n; i++)
		usleep(10000);
	assert_true(written(s) >= n);
}

static void test_file_moved_away_is_opened_again(void **state)
{
	struct t *t = *state;
	struct fleet_sink c = file_sink(t->path, 1 << 20, 5, 1);
	struct sink_stats st[1];
	struct sinks *s = NULL;
	char moved[170];
	int pids[64], i;

	snprintf(moved, sizeof(moved), "%s.moved", t->path);
	assert_int_equal(sinks_new(&c, 1, &s), 0);
	for (i = 0; i < 5; i++)
		push(s, i);
	sinks_flush(s);
	wait_written(s, 5);
	assert_int_equal(rename(t->path, moved), 0);
	for (i = 5; i < 8; i++)
		push(s, i);
	sinks_flush(s);
	wait_written(s, 8);
	assert_int_equal(sinks_stats(s, st, 1), 1);
	assert_memory_equal(st[0].name, "file /", 6); /* as in appban.sink */
	assert_string_equal(st[0].name + 5, t->path);
	sinks_free(s);
	assert_int_equal(read_pids(moved, pids, 64), 5);
	assert_int_equal(read_pids(t->path, pids, 64), 3);
	assert_int_equal(pids[0], 1005);
}

static void test_file_in_a_missing_directory_retries_and_says_why(void **state)
{
	struct t *t = *state;
	char path[160];
	struct fleet_sink c;
	struct sink_stats st[1];
	struct sinks *s = NULL;
	int i;

	snprintf(path, sizeof(path), "%s/not-yet/events.json", t->dir);
	c = file_sink(path, 1 << 20, 5, 1);
	assert_int_equal(sinks_new(&c, 1, &s), 0);
	push(s, 0);
	sinks_flush(s);
	for (i = 0; i < 200; i++) {
		sinks_stats(s, st, 1);
		if (st[0].failing)
			break;
		usleep(10000);
	}
	assert_true(st[0].failing);
	assert_non_null(strstr(st[0].error, "cannot open"));
	assert_true(st[0].written == 0);
	/* the directory appears: the queued record is written, nothing lost */
	snprintf(path, sizeof(path), "%s/not-yet", t->dir);
	assert_int_equal(mkdir(path, 0755), 0);
	wait_written(s, 1);
	sinks_stats(s, st, 1);
	assert_false(st[0].failing);
	assert_true(st[0].lost == 0);
	sinks_free(s);
}

/* A syslog receiver that never reads: its socket's queue fills at once and
 * that sink's thread waits; the file sink beside it writes everything, the
 * push never blocks, and at the end the stuck sink gives up, counted. */
static void test_sinks_stuck_one_holds_back_no_other(void **state)
{
	struct t *t = *state;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char addr[160];
	struct fleet_sink c[2];
	struct sink_stats st[2];
	struct sinks *s = NULL;
	int fd, i, pids[4096];

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/stuck.sock", t->dir);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	snprintf(addr, sizeof(addr), "unix:%s", sa.sun_path);
	memset(&c[0], 0, sizeof(c[0]));
	c[0].kind = FLEET_SINK_SYSLOG;
	c[0].address = addr;
	c[0].transport = FLEET_SYSLOG_UNIX;
	c[0].socket = sa.sun_path;
	c[0].facility = 10;
	c[1] = file_sink(t->path, 1ull << 30, 1, 0);
	assert_int_equal(sinks_new(c, 2, &s), 0);
	/* (a push that waited for the stuck sink would never end) */
	for (i = 0; i < 3000; i++)
		push(s, i);
	sinks_flush(s);
	for (i = 0; i < 500; i++) {
		sinks_stats(s, st, 2);
		if (st[1].written == 3000)
			break;
		usleep(10000);
	}
	assert_true(st[1].written == 3000);
	assert_true(st[1].lost == 0);
	/* the stuck one wrote what the receiver's queue took, no more */
	assert_true(st[0].written < 3000);
	assert_true(st[0].written + st[0].lost + st[0].queued < 3000 + 1);
	/* at the end the stuck one gives up what it holds (counted, said) */
	sinks_free(s);
	assert_int_equal(read_pids(t->path, pids, 4096), 3000);
	close(fd);
}

/* Many blocks handed over as they fill (no flush in between), then the
 * last one: every record once, in order. */
static void test_sinks_blocks_keep_every_record_in_order(void **state)
{
	struct t *t = *state;
	struct fleet_sink c = file_sink(t->path, 1ull << 30, 1, 0);
	static int pids[20000];
	struct sinks *s = NULL;
	int i;

	assert_int_equal(sinks_new(&c, 1, &s), 0);
	for (i = 0; i < 20000; i++)
		push(s, i);
	sinks_flush(s);
	wait_written(s, 20000);
	sinks_free(s);
	assert_int_equal(read_pids(t->path, pids, 20000), 20000);
	for (i = 0; i < 20000; i++)
		assert_int_equal(pids[i], 1000 + i);
}

/* A unix datagram socket of the test's, as a syslog receiver. */
static int bound_socket(struct t *t, const char *name, struct fleet_sink *c, char *addr,
			size_t addr_len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", t->dir, name);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	snprintf(addr, addr_len, "unix:%s", sa.sun_path);
	memset(c, 0, sizeof(*c));
	c->kind = FLEET_SINK_SYSLOG;
	c->address = addr;
	c->transport = FLEET_SYSLOG_UNIX;
	c->socket = addr + 5;
	c->facility = 10;
	return fd;
}

/* Blocks handed over with a few records (given back what they do not use,
 * so moved in memory) carry each record whole: the JSON of each datagram is
 * the record pushed, with its pid. */
static void test_sinks_small_blocks_carry_whole_records(void **state)
{
	struct t *t = *state;
	struct fleet_sink c;
	struct sinks *s = NULL;
	char addr[160], buf[8192], *p;
	int fd, i;
	ssize_t n;

	fd = bound_socket(t, "small.sock", &c, addr, sizeof(addr));
	assert_int_equal(sinks_new(&c, 1, &s), 0);
	for (i = 0; i < 3; i++)
		push(s, i);
	sinks_flush(s);
	push(s, 3);
	sinks_flush(s);
	sinks_flush(s); /* (nothing held: nothing sent) */
	for (i = 0; i < 4; i++) {
		n = recv(fd, buf, sizeof(buf) - 1, 0);
		assert_true(n > 0);
		buf[n] = 0;
		/* <84>: authpriv, warning (an exec-blocked is an alert) */
		assert_memory_equal(buf, "<84>1 ", 6);
		p = strstr(buf, " exec-blocked - {\"@timestamp\":");
		assert_non_null(p);
		assert_true(buf[n - 1] == '}');
		p = strstr(buf, "\"process.pid\":");
		assert_non_null(p);
		assert_int_equal(atoi(p + 14), 1000 + i);
		assert_non_null(strstr(buf, "\"process.executable\":\"/opt/tiktok\""));
	}
	sinks_free(s);
	close(fd);
}

/* A receiver that is not there: the sink keeps its queue (65,536 records)
 * and tries again; of a block that does not fit whole, the part that fits
 * is queued and the rest counted lost, never waited for. */
static void test_sinks_full_queue_takes_part_of_a_block_and_counts_the_rest(void **state)
{
	struct t *t = *state;
	struct fleet_sink c;
	struct sink_stats st[1];
	struct sinks *s = NULL;
	char addr[160];
	int fd, i;

	fd = bound_socket(t, "gone.sock", &c, addr, sizeof(addr));
	close(fd);
	unlink(addr + 5); /* nothing listens there */
	assert_int_equal(sinks_new(&c, 1, &s), 0);
	for (i = 0; i < 70000; i++)
		push(s, i);
	sinks_flush(s);
	assert_int_equal(sinks_stats(s, st, 1), 1);
	assert_true(st[0].written == 0);
	assert_true(st[0].queued <= 65536);
	/* what the sink's thread holds in hand (a batch at most) aside */
	assert_true(st[0].lost + st[0].queued <= 70000);
	assert_true(st[0].lost + st[0].queued + 1024 >= 70000);
	assert_true(st[0].lost >= 70000 - 65536 - 1024);
	sinks_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_file_rotates_and_compresses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_keep_zero_and_no_compression, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_file_moved_away_is_opened_again, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_file_in_a_missing_directory_retries_and_says_why, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sinks_stuck_one_holds_back_no_other, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sinks_blocks_keep_every_record_in_order, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sinks_small_blocks_carry_whole_records, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_sinks_full_queue_takes_part_of_a_block_and_counts_the_rest, setup,
			teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
