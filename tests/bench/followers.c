// SPDX-License-Identifier: GPL-2.0
/* `make bench`: the cost of stuck followers on the others. The daemon's
 * control socket (user/fleet/control.c, the real code) publishes records at
 * RATE per second for SECONDS to R followers that read (child processes, as
 * `appban events` reads) and S followers that never read (a SIGSTOPped
 * `appban events`, as it were), for S = 0, 1 and 8, alternated, ROUNDS
 * times. Prints one JSON object: per S, the daemon side's median CPU time
 * per record, in how many rounds every reader got every record (and the
 * fewest one got), and how many stuck ones were cut off.
 *   followers [RATE [SECONDS [R]]]	(RATE=20000 SECONDS=2 R=2) */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fleet/control.h"
#include "fleet/control_proto.h"

#define BATCH 64 /* records per turn of the loop, as a ring buffer batch */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int connect_follow(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    write(fd, "follow json\n", 12) != 12) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A reader: counts the record lines until the end; writes the count to out. */
static void reader(const char *path, int out)
{
	static char buf[1 << 16];
	unsigned long long lines = 0;
	int fd = connect_follow(path), start = 1;
	ssize_t n, i;

	if (fd < 0)
		_exit(1);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (i = 0; i < n; i++) {
			if (start && buf[i] == '{')
				lines++;
			start = buf[i] == '\n';
		}
	if (write(out, &lines, sizeof(lines)) != sizeof(lines))
		_exit(1);
	_exit(0);
}

static void record(struct record *r, uint64_t i)
{
	memset(r, 0, sizeof(*r));
	r->kind = REC_POLICY_STALE;
	r->ts_real_ns = 1795420800000000000ull + i * 1000;
	r->engine = "lsm";
	strcpy(r->policy_name, "fr-recreational-2023");
	r->policy_serial = 2023032401;
	r->message =
		"policy fr-recreational-2023 expired at the end of 2026-12-31 (UTC): it stays in force; a newer one is expected";
}

/* One run: R readers, S stuck; 0 or -1. */
/* CPU time of this thread: the daemon side's work, not the pacing's sleeps */
static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run(const char *path, unsigned long long n, double rate, int n_readers, int n_stuck,
	       double *cpu_ns, unsigned long long *min_got, int *stuck_cut)
{
	struct control *c = NULL;
	int pfd[2], stuck[16], i, ok = 0;
	struct record r;
	char js[8192];
	struct jbuf jb = { .p = js, .cap = sizeof(js) };
	pid_t pids[16];
	double t0, c0, due, cpu = 0;
	unsigned long long k, got;

	if (control_open(path, NULL, NULL, &c) || pipe(pfd))
		return -1;
	for (i = 0; i < n_readers; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			close(pfd[0]);
			reader(path, pfd[1]);
		}
	}
	for (i = 0; i < n_stuck; i++)
		stuck[i] = connect_follow(path);
	/* every follower connected and answered */
	for (k = 0; k < 2000; k++) {
		jb.len = 0;
		jb.overflow = 0;
		control_service(c);
		control_flush(c);
		control_followers_json(c, &jb);
		if (!jb.overflow) {
			int followers = 0;
			const char *p = js;

			while ((p = strstr(p, "\"pid\":")))
				followers++, p++;
			if (followers == n_readers + n_stuck)
				break;
		}
		usleep(1000);
	}
	t0 = now_s();
	c0 = cpu_s();
	for (k = 0; k < n; k++) {
		record(&r, k);
		control_publish(c, &r);
		if (k % BATCH == BATCH - 1) {
			control_service(c);
			control_flush(c);
			/* paced: a batch every BATCH / rate seconds */
			cpu += cpu_s() - c0;
			due = t0 + (double)(k + 1) / rate;
			while (now_s() < due)
				usleep(50);
			c0 = cpu_s();
		}
	}
	control_service(c);
	control_flush(c);
	cpu += cpu_s() - c0;
	*cpu_ns = cpu / (double)n * 1e9;
	jb.len = 0;
	jb.overflow = 0;
	control_followers_json(c, &jb);
	*stuck_cut = 0;
	for (const char *p = js; (p = strstr(p, "\"cut_off\":true")); p++)
		(*stuck_cut)++;
	control_close(c); /* the readers get "#end stopped" */
	*min_got = n;
	for (i = 0; i < n_readers; i++) {
		if (read(pfd[0], &got, sizeof(got)) != sizeof(got))
			ok = -1;
		else if (got < *min_got)
			*min_got = got;
	}
	for (i = 0; i < n_readers; i++)
		waitpid(pids[i], NULL, 0);
	for (i = 0; i < n_stuck; i++)
		if (stuck[i] >= 0)
			close(stuck[i]);
	close(pfd[0]);
	close(pfd[1]);
	return ok;
}

#define ROUNDS 5 /* S = 0, 1, 8 alternated, ROUNDS times: medians */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	double rate = argc > 1 ? atof(argv[1]) : 20000, secs = argc > 2 ? atof(argv[2]) : 2;
	int n_readers = argc > 3 ? atoi(argv[3]) : 2, cut, i, k, full[3] = { 0 }, cuts[3] = { 0 };
	unsigned long long n = (unsigned long long)(rate * secs), got, got_min[3];
	static const int stucks[] = { 0, 1, 8 };
	char dir[] = "/tmp/appban-followers.XXXXXX", path[96];
	double cpu_ns[3][ROUNDS];

	if (!mkdtemp(dir) || n_readers < 1 || n_readers > 8 || rate <= 0 || !n) {
		fprintf(stderr, "usage: followers [RATE [SECONDS [READERS (1-8)]]]\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/appban.sock", dir);
	for (i = 0; i < 3; i++)
		got_min[i] = n;
	for (k = 0; k < ROUNDS; k++)
		for (i = 0; i < 3; i++) {
			if (run(path, n, rate, n_readers, stucks[i], &cpu_ns[i][k], &got, &cut)) {
				fprintf(stderr, "followers: run with %d stuck failed\n", stucks[i]);
				rmdir(dir);
				return 1;
			}
			full[i] += got == n;
			cuts[i] += cut;
			if (got < got_min[i])
				got_min[i] = got;
		}
	printf("{\"rate\": %.0f, \"records\": %llu, \"readers\": %d, \"rounds\": %d, \"runs\": [",
	       rate, n, n_readers, ROUNDS);
	for (i = 0; i < 3; i++) {
		qsort(cpu_ns[i], ROUNDS, sizeof(double), cmp_double);
		printf("%s{\"stuck\": %d, \"cpu_ns_per_record\": %.0f, \"rounds_readers_got_all\": %d, \"readers_got_min\": %llu, \"stuck_cut_off\": %d}",
		       i ? ", " : "", stucks[i], cpu_ns[i][ROUNDS / 2], full[i], got_min[i],
		       cuts[i] / ROUNDS);
	}
	printf("]}\n");
	rmdir(dir);
	return 0;
}
