// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the daemon's control socket (fleet/control.c) on a real
 * unix socket: followers get every record, one that does not read is cut
 * off with the count of what it missed while the others go on, status and
 * bad requests are answered, a second daemon is refused, and all of it
 * while the daemon's thread is busy (control_busy_begin). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fleet/control.h"
#include "fleet/control_proto.h"

struct fixture {
	char dir[64];
	char path[128];
	struct control *c;
};

static void status_hook(void *ctx, struct jbuf *b, int json)
{
	(void)ctx;
	jb_raw(b, json ? ",\"sources\":[],\"sinks\":[]" : "daemon:      test\n");
}

static const struct control_hooks hooks = { .status = status_hook };

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	signal(SIGPIPE, SIG_IGN);
	strcpy(f->dir, "/tmp/test_control.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/run/appban.sock", f->dir);
	if (control_open(f->path, &hooks, NULL, &f->c))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char run[96];

	control_close(f->c);
	snprintf(run, sizeof(run), "%s/run", f->dir);
	rmdir(run);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* The daemon's loop, once: what it does between two waits. */
static void turn(struct control *c)
{
	control_service(c);
	control_flush(c);
}

static int client(const char *path, const char *request)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	strcpy(sa.sun_path, path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(write(fd, request, strlen(request)), (long)strlen(request));
	return fd;
}

/* Read what is there (the daemon's turns in between) into buf at *len;
 * returns 1 at end of stream. */
static int drain(struct control *c, int fd, char *buf, size_t cap, size_t *len)
{
	ssize_t r;

	for (;;) {
		turn(c);
		r = read(fd, buf + *len, cap - 1 - *len);
		if (r > 0) {
			*len += (size_t)r;
			buf[*len] = 0;
			continue;
		}
		if (r == 0)
			return 1;
		assert_true(errno == EAGAIN);
		return 0;
	}
}

static size_t count(const char *s, const char *needle)
{
	size_t n = 0;

	while ((s = strstr(s, needle))) {
		n++;
		s += strlen(needle);
	}
	return n;
}

static void record(struct record *r, uint64_t i)
{
	memset(r, 0, sizeof(*r));
	r->kind = REC_HEARTBEAT;
	r->ts_real_ns = 1795420800000000000ull + i;
	r->engine = "lsm";
	strcpy(r->policy_name, "p");
	r->policy_serial = 1;
	r->message = "a record of about three hundred bytes, as heartbeats go";
}

static void test_control_socket_is_root_only_in_its_directory(void **state)
{
	struct fixture *f = *state;
	char run[96];
	struct stat st;

	assert_int_equal(stat(f->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	snprintf(run, sizeof(run), "%s/run", f->dir);
	assert_int_equal(stat(run, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
}

static void test_control_two_followers_get_every_record(void **state)
{
	struct fixture *f = *state;
	static char a[1 << 20], b[1 << 20];
	size_t la = 0, lb = 0, i, n = 500;
	struct record r;
	char js[256];
	int fa, fb;

	fa = client(f->path, "follow json\n");
	fb = client(f->path, "follow text\n");
	for (i = 0; i < 20; i++)
		turn(f->c);
	memset(js, 0, sizeof(js));
	struct jbuf jb = { .p = js, .cap = sizeof(js) };
	control_followers_json(f->c, &jb);
	assert_int_equal(count(js, "\"pid\":"), 2);
	for (i = 0; i < n; i++) {
		record(&r, i);
		control_publish(f->c, &r);
		if (i % 50 == 0) {
			drain(f->c, fa, a, sizeof(a), &la);
			drain(f->c, fb, b, sizeof(b), &lb);
		}
	}
	drain(f->c, fa, a, sizeof(a), &la);
	drain(f->c, fb, b, sizeof(b), &lb);
	assert_int_equal(strncmp(a, "ok appban-control 1\n", 20), 0);
	assert_int_equal(strncmp(b, "ok appban-control 1\n", 20), 0);
	assert_int_equal(count(a, "\"event.action\":\"heartbeat\""), n);
	assert_int_equal(count(b, "Z heartbeat"), n);
	/* the daemon stops: each gets its last line, then the end */
	control_close(f->c);
	f->c = NULL;
	assert_int_equal(drain(NULL, fa, a, sizeof(a), &la), 1);
	assert_int_equal(drain(NULL, fb, b, sizeof(b), &lb), 1);
	assert_string_equal(a + la - 13, "#end stopped\n");
	assert_string_equal(b + lb - 13, "#end stopped\n");
	close(fa);
	close(fb);
	/* the socket file is gone with the daemon */
	assert_int_equal(access(f->path, F_OK), -1);
}

static void test_control_follower_that_does_not_read_is_cut_off_with_a_count(void **state)
{
	struct fixture *f = *state;
	static char a[8 << 20], b[8 << 20];
	size_t la = 0, lb = 0, i, n = 8000, got_b;
	unsigned long long lost = 0;
	struct record r;
	char js[512], *end;
	int fa, fb;

	fa = client(f->path, "follow json\n");
	fb = client(f->path, "follow json\n");
	for (i = 0; i < 20; i++)
		turn(f->c);
	/* b reads nothing while n records go by; a reads all along */
	for (i = 0; i < n; i++) {
		record(&r, i);
		control_publish(f->c, &r);
		if (i % 100 == 0)
			drain(f->c, fa, a, sizeof(a), &la);
	}
	drain(f->c, fa, a, sizeof(a), &la);
	assert_int_equal(count(a, "\"event.action\":\"heartbeat\""), n);
	{
		struct jbuf jb = { .p = js, .cap = sizeof(js) };

		control_followers_json(f->c, &jb);
	}
	assert_non_null(strstr(js, "\"cut_off\":true"));
	assert_non_null(strstr(js, "\"cut_off\":false"));
	/* b reads at last: what was queued, then its count, then the end */
	while (!drain(f->c, fb, b, sizeof(b), &lb))
		;
	got_b = count(b, "\"event.action\":\"heartbeat\"");
	assert_true(got_b > 0 && got_b < n);
	end = strstr(b, "#end cut-off ");
	assert_non_null(end);
	assert_int_equal(sscanf(end, "#end cut-off %llu", &lost), 1);
	assert_int_equal(got_b + lost, n);
	assert_non_null(strstr(b, "\"event.action\":\"events-lost\""));
	assert_non_null(strstr(b, "\"appban.sink\":\"follower\""));
	close(fb);
	/* a is still followed */
	record(&r, n);
	control_publish(f->c, &r);
	drain(f->c, fa, a, sizeof(a), &la);
	assert_int_equal(count(a, "\"event.action\":\"heartbeat\""), n + 1);
	close(fa);
}

static void test_control_status_and_bad_requests_are_answered(void **state)
{
	struct fixture *f = *state;
	char buf[8192];
	size_t len = 0;
	int fd;

	fd = client(f->path, "status json\n");
	while (!drain(f->c, fd, buf, sizeof(buf), &len))
		;
	close(fd);
	assert_int_equal(strncmp(buf, "ok appban-control 1\n{\"pid\":", 27), 0);
	assert_non_null(strstr(buf, ",\"sources\":[],\"sinks\":[],\"followers\":[]}\n"));
	len = 0;
	fd = client(f->path, "status text\n");
	while (!drain(f->c, fd, buf, sizeof(buf), &len))
		;
	close(fd);
	assert_non_null(strstr(buf, "daemon:      test\nfollowers:   none"));
	len = 0;
	fd = client(f->path, "stop\n");
	while (!drain(f->c, fd, buf, sizeof(buf), &len))
		;
	close(fd);
	assert_int_equal(strncmp(buf, "error unknown request", 21), 0);
}

/* Read (blocking, at most 10 s) until buf holds needle; 0 when it came. */
static int wait_for(int fd, char *buf, size_t cap, size_t *len, const char *needle)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t r;

	while (!strstr(buf, needle)) {
		if (poll(&p, 1, 10000) != 1)
			return -1;
		r = read(fd, buf + *len, cap - 1 - *len);
		if (r <= 0)
			return -1;
		*len += (size_t)r;
		buf[*len] = 0;
	}
	return 0;
}

static void test_control_answers_while_the_daemon_is_busy(void **state)
{
	/* the daemon's thread in a long load (no turn of its loop): status
	 * and followers are answered by the pump, records published from the
	 * busy thread reach the follower; afterwards the loop serves again */
	struct fixture *f = *state;
	char st[8192] = "", fo[8192] = "";
	size_t st_len = 0, fo_len = 0;
	struct record r;
	int s, fw;

	control_busy_begin(f->c);
	s = client(f->path, "status json\n");
	fw = client(f->path, "follow json\n");
	assert_int_equal(wait_for(s, st, sizeof(st), &st_len, "}\n"), 0);
	assert_int_equal(strncmp(st, "ok appban-control 1\n{\"pid\":", 27), 0);
	assert_int_equal(wait_for(fw, fo, sizeof(fo), &fo_len, "ok appban-control 1\n"), 0);
	record(&r, 1);
	control_publish(f->c, &r);
	assert_int_equal(wait_for(fw, fo, sizeof(fo), &fo_len, "heartbeats go"), 0);
	control_busy_end(f->c);
	close(s);
	/* the loop's own turns again */
	record(&r, 2);
	control_publish(f->c, &r);
	fo_len = 0;
	fo[0] = 0;
	drain(f->c, fw, fo, sizeof(fo), &fo_len);
	assert_non_null(strstr(fo, "heartbeats go"));
	close(fw);
}

static void test_control_second_daemon_refused_stale_socket_replaced(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct control *c2 = NULL;
	int fd;

	assert_int_equal(control_open(f->path, &hooks, NULL, &c2), -EADDRINUSE);
	assert_null(c2);
	control_close(f->c);
	f->c = NULL;
	/* a socket file nobody listens on, as a daemon that died leaves it */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	strcpy(sa.sun_path, f->path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_int_equal(control_open(f->path, &hooks, NULL, &f->c), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_control_socket_is_root_only_in_its_directory,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_control_two_followers_get_every_record, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_control_follower_that_does_not_read_is_cut_off_with_a_count, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_control_status_and_bad_requests_are_answered,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_control_second_daemon_refused_stale_socket_replaced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_control_answers_while_the_daemon_is_busy,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
