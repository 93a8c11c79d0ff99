// SPDX-License-Identifier: GPL-2.0
/* `make bench`, the sink layer alone (no ring buffer, no daemon): N records
 * formatted once each and pushed at RATE per second (0: as fast as
 * possible) into one sink, as the daemon's printer does; then waits until
 * the sink wrote or lost them all. Prints
 *   sinkpush KIND pushed N written W lost L seconds S per-s P
 *   sinkpush file|syslog|journald N RATE [PATH|unix:SOCKET] */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "events/format.h"
#include "events/sink.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct fleet_sink c = { 0 };
	struct appban_event e = { .uid = 1000, .gid = 1000, .ino = 77, .match = 1, .method = 2 };
	struct record r = {
		.kind = REC_EXEC_BLOCKED,
		.engine = "lsm",
		.policy_name = "fr-recreational-2023",
		.policy_serial = 2023032401,
		.rule = "tiktok",
		.ev = &e,
	};
	struct sink_stats st;
	struct sinks *s = NULL;
	static char json[16384], text[16384];
	unsigned long n, i;
	uint64_t last;
	double rate, t0, t1;
	int jn, tn = 0;

	if (argc < 4) {
		fprintf(stderr, "usage: sinkpush file|syslog|journald N RATE [PATH|unix:SOCKET]\n");
		return 2;
	}
	n = strtoul(argv[2], NULL, 10);
	rate = atof(argv[3]);
	if (!strcmp(argv[1], "file") && argc == 5) {
		c.kind = FLEET_SINK_FILE;
		c.path = argv[4];
		c.max_size = 1ull << 40;
		c.keep = 1;
	} else if (!strcmp(argv[1], "syslog") && argc == 5 && !strncmp(argv[4], "unix:", 5)) {
		c.kind = FLEET_SINK_SYSLOG;
		c.address = argv[4];
		c.transport = FLEET_SYSLOG_UNIX;
		c.socket = argv[4] + 5;
		c.facility = 10;
	} else if (!strcmp(argv[1], "journald")) {
		c.kind = FLEET_SINK_JOURNALD;
	} else {
		fprintf(stderr, "sinkpush: bad arguments\n");
		return 2;
	}
	if (sinks_new(&c, 1, &s))
		return 1;
	strcpy(e.comm, "tiktok");
	strcpy(e.filename, "/opt/TikTok/tiktok");
	t0 = now_s();
	for (i = 0; i < n; i++) {
		if (rate > 0)
			while (now_s() - t0 < i / rate)
				;
		e.pid = 1000 + (unsigned int)i;
		r.ts_real_ns = (uint64_t)(now_s() * 1e9);
		jn = format_json(&r, json, sizeof(json));
		if (sinks_want_text(s))
			tn = format_text(&r, text, sizeof(text));
		if (jn < 0 || tn < 0)
			return 1;
		sinks_push(s, &r, json, (size_t)jn, text, (size_t)tn);
	}
	sinks_flush(s);
	/* until all are written or lost, or nothing moved for 5 s (a sink
	 * that fails holds its batch in hand until it stops) */
	for (i = 0, last = 0; i < 5000; i++) {
		usleep(1000);
		sinks_stats(s, &st, 1);
		if (st.written + st.lost >= n)
			break;
		if (st.written + st.lost != last)
			i = 0;
		last = st.written + st.lost;
	}
	t1 = now_s();
	printf("sinkpush %s pushed %lu written %llu lost %llu seconds %.3f per-s %.0f\n", argv[1],
	       n, (unsigned long long)st.written, (unsigned long long)st.lost, t1 - t0,
	       st.written / (t1 - t0));
	sinks_free(s);
	return st.written ? 0 : 1;
}
