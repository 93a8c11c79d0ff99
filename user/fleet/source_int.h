/* SPDX-License-Identifier: GPL-2.0 */
/* What the source module's files offer each other: a source's state
 * (source.c, on the daemon's thread) and the check that source_fetch.c runs
 * in the worker thread on the source's libcurl handle. */
#ifndef __APPBAN_FLEET_SOURCE_INT_H
#define __APPBAN_FLEET_SOURCE_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "fleet/curl_api.h"
#include "fleet/schedule.h"
#include "fleet/source.h"
#include "util/crypto_api.h"

/* One of the two files as last fetched with a 200: what makes the next
 * request conditional, and the digest that tells new bytes from the same. */
struct remote {
	char *url;
	char *etag;
	char *last_modified;
	unsigned char digest[SHA256_DIGEST_LENGTH];
	int has_digest;
};

struct body {
	char *buf;
	size_t len, cap;
	uint64_t max;
	int too_big, nomem;
};

enum { POLICY, SIG };

/* One check: the worker's while it runs, then read by source_result. */
struct job {
	enum source_outcome outcome;
	enum source_err err;
	long status;
	int gone;
	char error[SOURCE_ERROR_SIZE];
	struct body body[2];
	int got[2]; /* a 200 for this file */
	char *etag[2], *last_modified[2];
	unsigned char digest[2][SHA256_DIGEST_LENGTH];
};

struct source {
	struct remote file[2]; /* POLICY, SIG */
	char *sig_cache; /* the signature's bytes of its last 200, for a 304 */
	size_t sig_cache_len;
	/* Settings, for messages (libcurl keeps its own copies). */
	char *ca, *client_cert, *client_key, *pin;
	int http;
	struct source_limits lim;
	CURL *curl;
	char errbuf[CURL_ERROR_SIZE];
	int efd;
	pthread_t thread;
	int busy; /* a worker was started and not joined yet */
	atomic_int cancel;
	struct job job;
	struct schedule sched;
	unsigned int failures_before; /* of the last result, for source_refused */
	int again; /* source_check_now during a check */
	int forget_after; /* source_refused during a check */
	/* Status */
	time_t last_check, last_change, last_error_time;
	enum source_err last_err;
	char last_error[SOURCE_ERROR_SIZE];
};

/* Fail the job with its kind and text. */
void source_job_fail(struct job *j, enum source_err e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* url_check, then libcurl's own reading of the URL: 0 or -EINVAL (reported). */
int source_check_url(const char *url, int *http);
/* s->curl with every option of the source, each one checked. */
int source_setup_curl(struct source *s, const struct fleet_source *cfg);
/* The worker thread: one check into s->job, then a write to s->efd. */
void *source_worker(void *arg);

#endif /* __APPBAN_FLEET_SOURCE_INT_H */
