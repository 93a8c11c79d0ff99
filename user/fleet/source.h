/* SPDX-License-Identifier: GPL-2.0 */
/* One `source URL` of the daemon's configuration: the policy at URL and its
 * signature at URL + ".minisig", fetched over HTTPS with libcurl in a worker
 * thread, so that the daemon's loop never blocks (docs/configuration.md). */
#ifndef __APPBAN_FLEET_SOURCE_H
#define __APPBAN_FLEET_SOURCE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "fleet/config.h"

#define SOURCE_MAX_SIZE (64ull << 20) /* a larger file is refused */
#define SOURCE_CONNECT_TIMEOUT 10 /* s */
/* s, of each file: 64 MiB in 300 s is 220 KB/s, a slow mobile link; a
 * stalled transfer ends sooner (below 1 KiB/s for 30 s). */
#define SOURCE_TIMEOUT 300
#define SOURCE_ERROR_SIZE 512

/* The daemon uses the defaults (zeros); the tests make them small. */
struct source_limits {
	uint64_t max_size; /* bytes, of each file; 0: SOURCE_MAX_SIZE */
	unsigned int connect_timeout; /* s; 0: SOURCE_CONNECT_TIMEOUT */
	unsigned int timeout; /* s; 0: SOURCE_TIMEOUT */
};

enum source_outcome {
	SOURCE_CHANGED, /* new bytes: the policy and its signature are in the result */
	SOURCE_UNCHANGED, /* 304 Not Modified, or the same bytes as last time */
	SOURCE_FAILED, /* nothing usable: err and error say why */
};

enum source_err {
	SOURCE_ERR_NONE,
	SOURCE_ERR_HTTP, /* a status other than 200 or 304, or too many redirects */
	SOURCE_ERR_SIZE, /* a file larger than the limit */
	SOURCE_ERR_TLS, /* certificate, pin, client certificate, handshake */
	SOURCE_ERR_NETWORK, /* name resolution, connection, reset */
	SOURCE_ERR_TIMEOUT,
	SOURCE_ERR_PROTOCOL, /* a redirect to another scheme than https:// */
	SOURCE_ERR_REFUSED, /* the daemon refused what was fetched (source_refused) */
	SOURCE_ERR_INTERNAL, /* memory, threads */
};

struct source_result {
	enum source_outcome outcome;
	enum source_err err;
	long http_status; /* of the last response; 0: none */
	int gone; /* the policy's URL answered 404 or 410: the source no longer has it */
	/* SOURCE_CHANGED: the bytes (never NULL, even for an empty file), the
	 * caller's (source_result_clear frees them). */
	char *policy;
	size_t policy_len;
	char *sig;
	size_t sig_len;
	char error[SOURCE_ERROR_SIZE]; /* SOURCE_FAILED: "URL: what failed" */
};

/* For `appban status`. The strings are the source's, valid until its next
 * source_result, source_refused or source_free. */
struct source_status {
	const char *url;
	time_t last_check; /* wall clock, when the last check ended; 0: never */
	time_t last_change; /* when a check last brought new bytes; 0: never */
	time_t last_error_time; /* 0: no error yet */
	const char *last_error; /* "" when none yet; kept after later successes */
	enum source_err last_err;
	unsigned int failures; /* in a row; 0: the last check went well */
	int busy; /* a check is running */
	uint64_t next_due; /* CLOCK_MONOTONIC ns (UINT64_MAX while busy) */
	time_t next_check; /* the same on the wall clock (0 while busy) */
};

struct source;

/* libcurl's global state: once in main, before any thread; and at the end. */
int source_lib_init(void);
void source_lib_fini(void);

/* A source from its configuration (copied: cfg may be freed after). The
 * URL is checked again (fleet/url.h, then as libcurl reads it): plain
 * http:// to another machine is -EINVAL, without any network access. The
 * first check is due at once. lim: NULL for the defaults. */
int source_new(const struct fleet_source *cfg, const struct source_limits *lim,
	       struct source **out);
/* Stops a running check (libcurl gives up within about a second). Accepts NULL. */
void source_free(struct source *s);

const char *source_url(const struct source *s);
/* An eventfd, readable when a check started by source_start has ended:
 * poll it, then call source_result. */
int source_fd(const struct source *s);
/* When the next check is due, CLOCK_MONOTONIC ns; UINT64_MAX while one runs. */
uint64_t source_next_due(const struct source *s);

/* Start a check in a worker thread: -EBUSY while one runs, -errno when
 * the thread cannot start. */
int source_start(struct source *s);
/* Take the result of the ended check into *r and schedule the next one:
 * -EAGAIN when none has ended. r is the caller's to source_result_clear. */
int source_result(struct source *s, struct source_result *r);
void source_result_clear(struct source_result *r);

/* SIGHUP: the next check is due now (after the running one, if any). */
void source_check_now(struct source *s);

/* What the last SOURCE_CHANGED brought was refused (signature, serial,
 * parse...): it counts as a failure (the interval doubles), why is the
 * status's last error, and what was remembered of both files is
 * forgotten, so that the next check fetches both again (a policy published
 * before its signature heals at the next check) and returns SOURCE_CHANGED. */
void source_refused(struct source *s, const char *why);

void source_get_status(const struct source *s, struct source_status *st);
/* "http", "size", "tls", "network", "timeout", "protocol", "refused", "internal"; "" for NONE. */
const char *source_err_str(enum source_err e);

#endif /* __APPBAN_FLEET_SOURCE_H */
